"""Tenancy: dealer groups, dealerships (the tenants), their hours and closures, staff and roles."""

import uuid
import zoneinfo
from datetime import date
from functools import cached_property
from typing import Self, TypeVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from config.constraints import ordered
from dealerships.tenant_integrity import SameDealershipQuerySet, SameDealershipReferences


class TimeStampedModel(models.Model):
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """A staff member. Customers never log in with a password (they use one-time links)."""

    language = models.CharField(
        _("preferred language"), max_length=10, choices=settings.LANGUAGES, blank=True
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Brand(models.Model):
    name = models.CharField(_("name"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("brand")
        verbose_name_plural = _("brands")

    def __str__(self) -> str:
        return self.name


class DealerGroup(TimeStampedModel):
    name = models.CharField(_("name"), max_length=120)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("dealer group")
        verbose_name_plural = _("dealer groups")

    def __str__(self) -> str:
        return self.name


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known IANA time zone."), params={"value": value})


def validate_country_code(value: str) -> None:
    if len(value) != 2 or not value.isalpha() or not value.isupper():
        raise ValidationError(_("Use a two-letter ISO country code in capitals, such as IT or ES."))


class Dealership(TimeStampedModel):
    """A rooftop: the tenant. Its own customers, staff, fleet, hours, time zone and language (R1.2)."""

    group = models.ForeignKey(
        DealerGroup, on_delete=models.PROTECT, related_name="dealerships", verbose_name=_("dealer group")
    )
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    brands = models.ManyToManyField(Brand, blank=True, related_name="dealerships", verbose_name=_("brands"))
    # Said in the greeting line of every call (R2.1), so it is the dealership's own wording.
    service_department_name = models.CharField(_("service department name"), max_length=80, default="Service")
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100)
    country = models.CharField(_("country"), max_length=2, validators=[validate_country_code])
    # Region code for public holidays (the `holidays` package), such as "MI" or "MD".
    subdivision = models.CharField(_("region"), max_length=10, blank=True)
    phone = PhoneNumberField(_("phone"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    time_zone = models.CharField(_("time zone"), max_length=64, validators=[validate_time_zone])
    language = models.CharField(_("default language"), max_length=10, choices=settings.LANGUAGES)
    # Numbers customers give without a country prefix are read in this region.
    phone_region = models.CharField(
        _("phone number region"), max_length=2, validators=[validate_country_code]
    )
    is_active = models.BooleanField(_("active"), default=True)
    online_booking_enabled = models.BooleanField(_("online booking enabled"), default=True)
    # Changes whenever the weekly capacity does (hours, policy, advisors, technicians and their
    # shifts), so the availability loader can keep that part in memory between requests.
    capacity_version = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("dealership")
        verbose_name_plural = _("dealerships")

    def __str__(self) -> str:
        return self.name

    @cached_property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


_Row = TypeVar("_Row", bound=models.Model)


class DealershipQuerySet(SameDealershipQuerySet[_Row]):
    def for_dealership(self, dealership: Dealership) -> Self:
        """The one way to scope rows to a tenant."""
        return self.filter(dealership=dealership)


class DealershipOwned(SameDealershipReferences, TimeStampedModel):
    """Abstract base for every row that belongs to exactly one dealership; its foreign keys to
    other dealership-owned rows stay in that dealership (tenant_integrity)."""

    dealership = models.ForeignKey(
        Dealership, on_delete=models.PROTECT, related_name="+", verbose_name=_("dealership")
    )

    objects = DealershipQuerySet.as_manager()

    class Meta:
        abstract = True


class Weekday(models.IntegerChoices):
    # Same numbering as date.weekday(), so local dates map straight onto it.
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class OpeningHours(DealershipOwned):
    """One reception interval on a weekday, in the dealership's local wall-clock time.

    A day may have several (a lunch break splits it in two); a day with none is closed.
    """

    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=Weekday.choices, validators=[MinValueValidator(0), MaxValueValidator(6)]
    )
    opens = models.TimeField(_("opens"))
    closes = models.TimeField(_("closes"))

    class Meta:
        ordering = ["weekday", "opens"]
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        constraints = [
            ordered(
                "opens",
                "closes",
                strictly=True,
                name="opening_hours_opens_before_closes",
                message=_("Closing time must be after opening time."),
                code="times_reversed",
            ),
            models.CheckConstraint(condition=Q(weekday__gte=0, weekday__lte=6), name="opening_hours_weekday"),
            models.UniqueConstraint(
                fields=["dealership", "weekday", "opens"], name="opening_hours_unique_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}-{self.closes:%H:%M}"


class Closure(DealershipOwned):
    """Whole local days on which the dealership takes no appointments (holidays, inventory)."""

    class Source(models.TextChoices):
        MANUAL = "manual", _("Entered by staff")
        PUBLIC_HOLIDAY = "public_holiday", _("Public holiday")

    start_date = models.DateField(_("first day"))
    end_date = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=120)
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.MANUAL)

    class Meta:
        ordering = ["start_date"]
        verbose_name = _("closure")
        verbose_name_plural = _("closures")
        constraints = [
            ordered(
                "start_date",
                "end_date",
                name="closure_start_before_end",
                message=_("The last day cannot be before the first day."),
                code="dates_reversed",
            ),
        ]
        indexes = [models.Index(fields=["dealership", "end_date"], name="closure_dealership_end")]

    def __str__(self) -> str:
        return f"{self.reason} ({self.start_date}–{self.end_date})"

    def covers(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


class Role(models.TextChoices):
    """Dealership staff roles (R1.1). The group manager role lives on GroupMembership."""

    RESERVATION_OPERATOR = "reservation_operator", _("Reservation operator")
    SERVICE_ADVISOR = "service_advisor", _("Service advisor")
    WORKSHOP_MANAGER = "workshop_manager", _("Workshop manager")
    PARTS_MANAGER = "parts_manager", _("Parts manager")
    TECHNICIAN = "technician", _("Technician")
    DEALER_MANAGER = "dealer_manager", _("Dealer manager")


class Membership(DealershipOwned):
    """A staff member's role at one dealership; one person may hold several roles."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=30, choices=Role.choices)

    class Meta:
        ordering = ["role", "user__last_name"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "dealership", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()}"


class GroupMembership(TimeStampedModel):
    """A dealer-group manager: reads every dealership of the group (R1.1, R9.6)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="group_memberships",
        verbose_name=_("user"),
    )
    dealer_group = models.ForeignKey(
        DealerGroup, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("dealer group")
    )

    class Meta:
        verbose_name = _("group manager")
        verbose_name_plural = _("group managers")
        constraints = [
            models.UniqueConstraint(fields=["user", "dealer_group"], name="group_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.dealer_group}"


class ApiToken(TimeStampedModel):
    """A credential an integration sends as `Authorization: Bearer <secret>`. It acts as its owner,
    at the one dealership it is limited to or, with none, at every dealership the owner works at.

    Only the SHA-256 of the secret is stored: the secret is shown once, when the token is made.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("owner")
    )
    name = models.CharField(_("name"), max_length=100)
    dealership = models.ForeignKey(
        Dealership,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("limited to dealership"),
        help_text=_("Empty: every dealership the owner works at."),
    )
    # The secret's first characters, shown in lists so that people can tell their tokens apart.
    prefix = models.CharField(_("starts with"), max_length=16, editable=False)
    secret_hash = models.CharField(max_length=64, unique=True, editable=False)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None
