"""Workshop capacity: the booking policy, service advisors and technicians with their hours,
absences and skills, and the job catalogue (R4.2-R4.8, R5.1)."""

from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from config.constraints import FieldCheckConstraint, ordered
from dealerships.models import DealershipOwned, Weekday


class Skill(models.TextChoices):
    MAINTENANCE = "maintenance", _("Maintenance")
    DIAGNOSIS = "diagnosis", _("Diagnosis")
    ELECTRICAL = "electrical", _("Electrical")
    BODYWORK = "bodywork", _("Bodywork")
    TYRES = "tyres", _("Tyres")
    EV_HIGH_VOLTAGE = "ev_high_voltage", _("EV high voltage")


def validate_skills(value: object) -> None:
    """A list of Skill values, each at most once: the list is as long as the choice set at most."""
    if (
        not isinstance(value, list)
        or not all(isinstance(skill, str) and skill in Skill.values for skill in value)
        or len(set(value)) != len(value)
    ):
        raise ValidationError(_("Choose skills from the list."), code="invalid_skills")


class WorkshopPolicy(DealershipOwned):
    """A dealership's booking policy; the defaults are the manuals' numbers."""

    slot_minutes = models.PositiveSmallIntegerField(
        _("appointment slot (minutes)"), default=30, choices=[(m, m) for m in (10, 15, 20, 30, 60)]
    )
    reception_minutes = models.PositiveSmallIntegerField(
        _("reception time per customer (minutes)"),
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(120)],
    )
    kept_free_minutes_per_hour = models.PositiveSmallIntegerField(
        _("minutes kept free per advisor-hour"),
        default=15,
        validators=[MaxValueValidator(30)],
        help_text=_("Kept for urgent work and comebacks; never offered to normal bookings (R4.3)."),
    )
    same_day_booking_allowed = models.BooleanField(_("same-day booking allowed"), default=False)
    evening_drop_off = models.TimeField(_("evening drop-off from"), default=time(16, 30))
    full_day_labour_minutes = models.PositiveSmallIntegerField(
        _("labour that keeps the car a full day (minutes)"),
        default=420,
        validators=[MinValueValidator(60), MaxValueValidator(24 * 60)],
    )
    comeback_window_hours = models.PositiveSmallIntegerField(
        _("comeback window (hours)"),
        default=48,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 14)],
    )
    peak_hours_start = models.TimeField(_("peak hours from"), null=True, blank=True, default=time(8, 0))
    peak_hours_end = models.TimeField(_("peak hours until"), null=True, blank=True, default=time(9, 30))
    peak_load_percent = models.PositiveSmallIntegerField(
        _("busy from this load (%)"), default=75, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    booking_horizon_days = models.PositiveSmallIntegerField(
        _("booking horizon (days)"), default=60, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )

    class Meta:
        verbose_name = _("workshop policy")
        verbose_name_plural = _("workshop policies")
        constraints = [
            models.UniqueConstraint(fields=["dealership"], name="workshop_policy_one_per_dealership"),
            ordered(
                "peak_hours_start",
                "peak_hours_end",
                strictly=True,
                optional=("peak_hours_start", "peak_hours_end"),
                name="workshop_policy_peak_hours_ordered",
                message=_("The peak hours must end after they start."),
                code="times_reversed",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Workshop policy"))

    def clean(self) -> None:
        if (self.peak_hours_start is None) != (self.peak_hours_end is None):
            raise ValidationError({"peak_hours_end": _("Give both ends of the peak hours, or neither.")})


class Advisor(DealershipOwned):
    """A service advisor who receives customers (R4.2: a maximum of booked customers a day)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff login"),
    )
    name = models.CharField(_("name"), max_length=120)
    max_customers_per_day = models.PositiveSmallIntegerField(
        _("maximum booked customers a day"),
        default=8,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    max_online_per_day = models.PositiveSmallIntegerField(
        _("maximum online bookings a day"),
        default=4,
        validators=[MaxValueValidator(60)],
        help_text=_("Keeps places for customers who phone (R9.5)."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("service advisor")
        verbose_name_plural = _("service advisors")
        constraints = [
            FieldCheckConstraint(
                condition=Q(max_online_per_day__lte=F("max_customers_per_day")),
                name="advisor_online_cap_within_daily_max",
                field="max_online_per_day",
                violation_error_message=_("The online cap cannot exceed the daily maximum."),
                violation_error_code="above_maximum",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Technician(DealershipOwned):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff login"),
    )
    name = models.CharField(_("name"), max_length=120)
    # A list of Skill values; JSON so it is the same on PostgreSQL and SQLite.
    skills = models.JSONField(_("skills"), default=list, validators=[validate_skills])
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")

    def __str__(self) -> str:
        return self.name

    @property
    def skill_labels(self) -> list[str]:
        return [str(Skill(skill).label) for skill in self.skills if skill in Skill.values]


class _WeeklyHours(DealershipOwned):
    """One working interval on a weekday, local wall-clock; breaks are the gaps between them."""

    weekday = models.PositiveSmallIntegerField(
        _("weekday"), choices=Weekday.choices, validators=[MinValueValidator(0), MaxValueValidator(6)]
    )
    starts = models.TimeField(_("from"))
    ends = models.TimeField(_("until"))

    class Meta:
        abstract = True
        ordering = ["weekday", "starts"]


class AdvisorShift(_WeeklyHours):
    advisor = models.ForeignKey(Advisor, on_delete=models.CASCADE, related_name="shifts")

    class Meta(_WeeklyHours.Meta):
        verbose_name = _("advisor's reception hours")
        verbose_name_plural = _("advisors' reception hours")
        constraints = [
            ordered(
                "starts",
                "ends",
                strictly=True,
                name="advisor_shift_ordered",
                message=_("The end must be after the start."),
                code="times_reversed",
            ),
        ]


class TechnicianShift(_WeeklyHours):
    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="shifts")

    class Meta(_WeeklyHours.Meta):
        verbose_name = _("technician's working hours")
        verbose_name_plural = _("technicians' working hours")
        constraints = [
            ordered(
                "starts",
                "ends",
                strictly=True,
                name="technician_shift_ordered",
                message=_("The end must be after the start."),
                code="times_reversed",
            ),
        ]


class _Absence(DealershipOwned):
    """Whole local days away (holiday, training, sick leave)."""

    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    reason = models.CharField(_("reason"), max_length=120, blank=True)

    class Meta:
        abstract = True
        ordering = ["first_day"]


class AdvisorAbsence(_Absence):
    advisor = models.ForeignKey(Advisor, on_delete=models.CASCADE, related_name="absences")

    class Meta(_Absence.Meta):
        verbose_name = _("advisor's absence")
        verbose_name_plural = _("advisors' absences")
        constraints = [
            ordered(
                "first_day",
                "last_day",
                name="advisor_absence_ordered",
                message=_("The last day cannot be before the first day."),
                code="dates_reversed",
            ),
        ]


class TechnicianAbsence(_Absence):
    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="absences")

    class Meta(_Absence.Meta):
        verbose_name = _("technician's absence")
        verbose_name_plural = _("technicians' absences")
        constraints = [
            ordered(
                "first_day",
                "last_day",
                name="technician_absence_ordered",
                message=_("The last day cannot be before the first day."),
                code="dates_reversed",
            ),
        ]


class JobKind(models.TextChoices):
    """R2.2: the reasons customers call."""

    MAINTENANCE = "maintenance", _("Maintenance")
    REPAIR = "repair", _("Repair")
    DIAGNOSIS = "diagnosis", _("Diagnosis")
    CAMPAIGN = "campaign", _("Recall or campaign")
    BODYWORK = "bodywork", _("Bodywork")
    TYRES = "tyres", _("Tyres")
    OTHER = "other", _("Other")


class Job(DealershipOwned):
    """An operation of the catalogue, with its standard labour time and the skill it needs."""

    code = models.CharField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=120)
    kind = models.CharField(_("kind"), max_length=20, choices=JobKind.choices, default=JobKind.MAINTENANCE)
    labour_minutes = models.PositiveSmallIntegerField(
        _("standard labour (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(5 * 24 * 60)]
    )
    skill = models.CharField(_("skill"), max_length=20, choices=Skill.choices, default=Skill.MAINTENANCE)
    mileage_interval_km = models.PositiveIntegerField(
        _("service interval (km)"), null=True, blank=True, help_text=_("For maintenance packages.")
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("job")
        verbose_name_plural = _("job catalogue")
        constraints = [
            models.UniqueConstraint(fields=["dealership", "code"], name="job_unique_code"),
            models.CheckConstraint(condition=Q(labour_minutes__gt=0), name="job_labour_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.labour_minutes} min)"
