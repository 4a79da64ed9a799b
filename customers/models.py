"""The customer file: customers, their vehicles, mileage, ownership, programmes and campaigns."""

from collections.abc import Collection
from typing import Any, Self

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from phonenumber_field.modelfields import PhoneNumberField

from config.bounds import MaxLengthCheck
from config.constraints import ordered
from dealerships.models import DealershipOwned

# Free text, long enough for a few paragraphs, too short for a pasted document.
NOTES_MAX_LENGTH = 4000
DESCRIPTION_MAX_LENGTH = 4000

# Languages that write a person's family name first (Customer.display_name).
FAMILY_NAME_FIRST_LANGUAGES = ("zh", "ja", "ko")
# Han ideographs (with their extensions and compatibility forms), kana and Hangul syllables.
_CJK_RANGES = (
    (0x3005, 0x3007),  # 々 and the like
    (0x3040, 0x30FF),
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xAC00, 0xD7AF),
    (0xF900, 0xFAFF),
    (0x20000, 0x323AF),
)


def _in_cjk_script(text: str) -> bool:
    """Whether the letters of `text` are all Chinese, Japanese or Korean characters."""
    letters = [char for char in text if char.isalpha()]
    return bool(letters) and all(
        any(first <= ord(char) <= last for first, last in _CJK_RANGES) for char in letters
    )


class ContactMethod(models.TextChoices):
    """R2.7: how the customer wants to be contacted, used for every later contact."""

    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class Customer(DealershipOwned):
    given_name = models.CharField(_("given name"), max_length=80, blank=True)
    family_name = models.CharField(_("family name"), max_length=80)
    # Accent- and case-free copy of family_name for prefix search (identifiers.normalize_name).
    family_name_search = models.CharField(max_length=80, editable=False)
    mobile_phone = PhoneNumberField(_("mobile phone"), blank=True, db_index=False)
    other_phone = PhoneNumberField(_("other phone"), blank=True, db_index=False)
    email = models.EmailField(_("e-mail"), blank=True)
    preferred_contact = models.CharField(
        _("preferred contact method"), max_length=10, choices=ContactMethod.choices, default=ContactMethod.SMS
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)
    street = models.CharField(_("street"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    # Service messages (confirmations, reminders) and marketing are consented to separately.
    consent_service_sms = models.BooleanField(_("service messages by SMS"), default=True)
    consent_service_email = models.BooleanField(_("service messages by e-mail"), default=True)
    # WhatsApp is asked for on its own (its messages go through Meta): off until the customer says so.
    consent_service_whatsapp = models.BooleanField(_("service messages by WhatsApp"), default=False)
    consent_marketing_sms = models.BooleanField(_("marketing by SMS"), default=False)
    consent_marketing_email = models.BooleanField(_("marketing by e-mail"), default=False)
    opted_out_at = models.DateTimeField(_("opted out of all messages at"), null=True, blank=True)
    # Set when the customer's personal data was erased on request (customers.services.customer_erase).
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True, editable=False)
    notes = models.TextField(
        _("notes"), blank=True, max_length=NOTES_MAX_LENGTH, validators=[MaxLengthValidator(NOTES_MAX_LENGTH)]
    )

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        constraints = [
            MaxLengthCheck(field="notes", max_length=NOTES_MAX_LENGTH, name="customer_notes_length")
        ]
        # The name prefix index is created per database vendor in migration 0002_search_indexes.
        indexes = [
            models.Index(fields=["dealership", "mobile_phone"], name="customer_mobile"),
            models.Index(fields=["dealership", "other_phone"], name="customer_other_phone"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.given_name, self.family_name) if part)

    @property
    def display_name(self) -> str:
        """The name as the active language writes it: family name first in Chinese, Japanese
        and Korean, and for a name written in those scripts whatever the language ("王伟",
        "Bianchi Mario" on a Chinese page); given name first otherwise ("Mario Bianchi")."""
        given, family = self.given_name.strip(), self.family_name.strip()
        cjk_name = _in_cjk_script(given + family)
        language = (translation.get_language() or "").lower()
        if not (cjk_name or language.startswith(FAMILY_NAME_FIRST_LANGUAGES)):
            return " ".join(part for part in (given, family) if part)
        # Written in those scripts, the two parts are not spaced apart.
        return ("" if cjk_name else " ").join(part for part in (family, given) if part)


class Fuel(models.TextChoices):
    PETROL = "petrol", _("Petrol")
    DIESEL = "diesel", _("Diesel")
    HYBRID = "hybrid", _("Hybrid")
    PLUGIN_HYBRID = "plugin_hybrid", _("Plug-in hybrid")
    ELECTRIC = "electric", _("Electric")
    LPG = "lpg", _("LPG")
    CNG = "cng", _("Natural gas")
    HYDROGEN = "hydrogen", _("Hydrogen")
    OTHER = "other", _("Other")


class Vehicle(DealershipOwned):
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="vehicles",
        verbose_name=_("owner"),
        null=True,
        blank=True,
    )
    vin = models.CharField(_("VIN"), max_length=17)
    # The VIN read backwards: "ends with 123456" becomes an indexable "starts with 654321".
    vin_reversed = models.CharField(max_length=17, editable=False)
    plate = models.CharField(_("registration plate"), max_length=20, blank=True)
    plate_search = models.CharField(max_length=20, editable=False, blank=True)
    make = models.CharField(_("make"), max_length=40)
    model = models.CharField(_("model"), max_length=60)
    model_year = models.PositiveSmallIntegerField(_("model year"), null=True, blank=True)
    engine = models.CharField(_("engine"), max_length=60, blank=True)
    fuel = models.CharField(_("fuel"), max_length=20, choices=Fuel.choices, blank=True)
    sale_date = models.DateField(_("sale date"), null=True, blank=True)
    # The latest reading, kept beside the history (MileageReading) for lists and rules.
    mileage_km = models.PositiveIntegerField(_("mileage (km)"), null=True, blank=True)
    mileage_read_on = models.DateField(_("mileage read on"), null=True, blank=True)
    warranty_start = models.DateField(_("warranty start"), null=True, blank=True)
    warranty_end = models.DateField(_("warranty end"), null=True, blank=True)
    warranty_mileage_limit_km = models.PositiveIntegerField(
        _("warranty mileage limit (km)"), null=True, blank=True
    )

    vin_as_read: str | None = None  # the VIN as read (from_db), then as saved (customers.signals)

    class Meta:
        ordering = ["make", "model", "plate"]
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        constraints = [
            models.UniqueConstraint(fields=["dealership", "vin"], name="vehicle_unique_vin"),
            ordered(
                "warranty_start",
                "warranty_end",
                optional=("warranty_end", "warranty_start"),
                name="vehicle_warranty_start_before_end",
                message=_("The warranty cannot end before it starts."),
                code="dates_reversed",
            ),
        ]
        # Search indexes (plate prefix and fragment, VIN tail) are created per database vendor
        # in migration 0002_search_indexes.

    def __str__(self) -> str:
        label = f"{self.make} {self.model}"
        return f"{label} ({self.plate})" if self.plate else f"{label} ({self.vin})"

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any
    ) -> Self:
        vehicle = super().from_db(db, field_names, values, **kwargs)
        # The VIN as read: a recall done on this vehicle is done for that VIN, so a receiver
        # tells a corrected VIN from the vehicle's other changes without reading it again.
        if "vin" in field_names:
            vehicle.vin_as_read = vehicle.vin
        return vehicle


class MileageReading(DealershipOwned):
    class Source(models.TextChoices):
        STAFF = "staff", _("Entered by staff")
        BOOKING = "booking", _("Given when booking")
        RECEPTION = "reception", _("Read at reception")
        CUSTOMER = "customer", _("Given by the customer")
        IMPORT = "import", _("Imported")

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="mileage_readings")
    read_on = models.DateField(_("read on"))
    mileage_km = models.PositiveIntegerField(_("mileage (km)"))
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, default=Source.STAFF)

    class Meta:
        ordering = ["-read_on", "-mileage_km"]
        verbose_name = _("mileage reading")
        verbose_name_plural = _("mileage readings")
        indexes = [models.Index(fields=["vehicle", "read_on"], name="mileage_vehicle_day")]

    def __str__(self) -> str:
        return f"{self.mileage_km} km ({self.read_on})"


class VehicleOwnership(DealershipOwned):
    """Who owned the vehicle when: a vehicle belongs to one customer at a time."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="ownerships")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="ownerships")
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["-started_on"]
        verbose_name = _("ownership")
        verbose_name_plural = _("ownerships")
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle"], condition=Q(ended_on__isnull=True), name="vehicle_one_current_owner"
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(started_on__lte=F("ended_on")),
                name="ownership_dates_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer} – {self.vehicle}"


class Programme(DealershipOwned):
    """A customer programme on a vehicle (R3.2) and the mobility it entitles to."""

    class Kind(models.TextChoices):
        EXTENDED_WARRANTY = "extended_warranty", _("Extended warranty")
        COURTESY_CAR = "courtesy_car", _("Courtesy car programme")
        PICKUP_DELIVERY = "pickup_delivery", _("Pick-up & delivery programme")
        SERVICE_PLAN = "service_plan", _("Service plan")

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="programmes")
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=120)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"))
    mileage_limit_km = models.PositiveIntegerField(_("mileage limit (km)"), null=True, blank=True)
    entitles_courtesy_car = models.BooleanField(_("courtesy car"), default=False)
    entitles_pickup_delivery = models.BooleanField(_("pick-up & delivery"), default=False)
    entitles_taxi = models.BooleanField(_("taxi"), default=False)
    entitles_rental_car = models.BooleanField(_("rental car"), default=False)
    # Told to the customer with the benefit (R3.2), e.g. "worth 45 EUR a day".
    benefit_value = models.DecimalField(
        _("benefit value"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    benefit_currency = models.CharField(_("currency"), max_length=3, blank=True)

    class Meta:
        ordering = ["valid_until"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            ordered(
                "valid_from",
                "valid_until",
                name="programme_dates_ordered",
                message=_("The programme cannot end before it starts."),
                code="dates_reversed",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Campaign(DealershipOwned):
    """A manufacturer service campaign or recall (R2.4, R7.4).

    It applies to the VINs on its list and/or to every vehicle of `make` (and `model`, if set)
    whose model year lies in the range.
    """

    code = models.CharField(_("code"), max_length=40)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(
        _("description"),
        blank=True,
        max_length=DESCRIPTION_MAX_LENGTH,
        validators=[MaxLengthValidator(DESCRIPTION_MAX_LENGTH)],
    )
    is_recall = models.BooleanField(_("safety recall"), default=False)
    labour_minutes = models.PositiveIntegerField(_("labour time (minutes)"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    make = models.CharField(_("make"), max_length=40, blank=True)
    model = models.CharField(_("model"), max_length=60, blank=True)
    model_year_from = models.PositiveSmallIntegerField(_("from model year"), null=True, blank=True)
    model_year_to = models.PositiveSmallIntegerField(_("to model year"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "code"]
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        constraints = [
            models.UniqueConstraint(fields=["dealership", "code"], name="campaign_unique_code"),
            MaxLengthCheck(
                field="description", max_length=DESCRIPTION_MAX_LENGTH, name="campaign_description_length"
            ),
            ordered(
                "starts_on",
                "ends_on",
                optional=("ends_on",),
                name="campaign_dates_ordered",
                message=_("The campaign cannot end before it starts."),
                code="dates_reversed",
            ),
            ordered(
                "model_year_from",
                "model_year_to",
                optional=("model_year_from", "model_year_to"),
                name="campaign_years_ordered",
                message=_("The model-year range is reversed."),
                code="years_reversed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class CampaignVin(DealershipOwned):
    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="vins")
    vin = models.CharField(_("VIN"), max_length=17)

    class Meta:
        verbose_name = _("campaign VIN")
        verbose_name_plural = _("campaign VINs")
        constraints = [models.UniqueConstraint(fields=["campaign", "vin"], name="campaign_vin_unique")]
        indexes = [models.Index(fields=["dealership", "vin"], name="campaign_vin_lookup")]

    def __str__(self) -> str:
        return self.vin


class CampaignCompletion(DealershipOwned):
    """The campaign's work was done on this vehicle, so it is no longer open for it."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="completions")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="campaign_completions")
    done_on = models.DateField(_("done on"))

    class Meta:
        verbose_name = _("campaign completion")
        verbose_name_plural = _("campaign completions")
        constraints = [
            models.UniqueConstraint(fields=["campaign", "vehicle"], name="campaign_completion_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign.code} – {self.vehicle}"


class CampaignDecline(DealershipOwned):
    """The customer did not want an open campaign's work done at this booking, and why (R2.4):
    the campaign stays open for the vehicle, and the next invitation knows the answer (R7.4)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="declines")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="campaign_declines")
    reason = models.CharField(_("reason"), max_length=200)
    declined_on = models.DateField(_("declined on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["-declined_on", "-id"]
        verbose_name = _("declined campaign")
        verbose_name_plural = _("declined campaigns")

    def __str__(self) -> str:
        return f"{self.campaign.code} – {self.vehicle}"


class CustomerErasure(DealershipOwned):
    """Who erased a customer's personal data, when and why: the erasure stays auditable after the
    data is gone. One per customer; it names no one but the customer's id."""

    customer = models.OneToOneField(
        Customer, on_delete=models.PROTECT, related_name="erasure", verbose_name=_("customer")
    )
    erased_at = models.DateTimeField(_("erased at"))
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("erased by"),
    )
    reason = models.CharField(_("reason"), max_length=200)

    class Meta:
        verbose_name = _("customer erasure")
        verbose_name_plural = _("customer erasures")

    def __str__(self) -> str:
        return f"{self.customer_id} ({self.erased_at:%Y-%m-%d})"
