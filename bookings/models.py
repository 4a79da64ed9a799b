"""Appointments and what hangs on them: their jobs, labour by day and skill, transition history,
the day locks, idempotency keys, online holds and one-time codes, and the desk's phrases.

The capacity an appointment takes is the advisor's reception interval and the labour by work
day and skill (R4.2, R4.8): what the snapshot loader counts as taken.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from config.bounds import MaxLengthCheck
from dealerships.models import DealershipOwned
from workshop.models import Skill


class AppointmentStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    BOOKED = "booked", _("Booked")
    CONFIRMED = "confirmed", _("Confirmed")
    ARRIVED = "arrived", _("Arrived")
    IN_WORKSHOP = "in_workshop", _("In the workshop")
    QUALITY_CHECK = "quality_check", _("Quality check")
    READY = "ready", _("Ready")
    DELIVERED = "delivered", _("Delivered")
    CLOSED = "closed", pgettext_lazy("appointment status", "Closed")
    CANCELLED = "cancelled", _("Cancelled")
    NO_SHOW = "no_show", _("No-show")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WEB = "web", _("Online")
    WALK_IN = "walk_in", _("Walk-in")
    PROACTIVE = "proactive", _("Proactive call")


class AppointmentKind(models.TextChoices):
    """R2.2: the reason for the visit."""

    MAINTENANCE = "maintenance", _("Maintenance")
    REPAIR = "repair", _("Repair")
    DIAGNOSIS = "diagnosis", _("Diagnosis")
    CAMPAIGN = "campaign", _("Recall or campaign")
    BODYWORK = "bodywork", _("Bodywork")
    TYRES = "tyres", _("Tyres")
    COMEBACK = "comeback", _("Comeback")
    OTHER = "other", _("Other")


class Document(models.TextChoices):
    """R3.6: what the customer brings."""

    DRIVING_LICENCE = "driving_licence", _("Driving licence")
    REGISTRATION = "registration", _("Vehicle registration document")
    SERVICE_BOOK = "service_book", _("Owner's manual or service book")


def documents_by_default() -> list[str]:
    return [Document.DRIVING_LICENCE, Document.REGISTRATION, Document.SERVICE_BOOK]


def validate_documents(value: object) -> None:
    """A list of Document values, each at most once."""
    if (
        not isinstance(value, list)
        or not all(isinstance(code, str) and code in Document.values for code in value)
        or len(set(value)) != len(value)
    ):
        raise ValidationError(_("Choose the documents from the list, each once."), code="invalid_documents")


# What the customer asks for, in their words: a few paragraphs at most.
REQUESTS_MAX_LENGTH = 2000


class MobilityKind(models.TextChoices):
    """R3.3: the mobility solutions a dealership can offer while the car is in. The vocabulary
    lives here so an appointment can remember the choice; the fleet and its planning are the
    mobility app's."""

    BRAND_COURTESY_CAR = "brand_courtesy_car", _("Courtesy car of our brand")
    OTHER_BRAND_COURTESY_CAR = "other_brand_courtesy_car", _("Courtesy car of another brand")
    RENTAL = "rental", _("Rental car")
    PICKUP_DELIVERY = "pickup_delivery", _("Pick-up and delivery")
    WAITING = "waiting", _("Waiting at the dealership")
    TAXI = "taxi", _("Taxi")
    STAFF_DRIVER = "staff_driver", _("A staff member drives the customer")
    PUBLIC_TRANSPORT = "public_transport", _("Public transport")
    OTHER = "other", _("Other")


class Appointment(DealershipOwned):
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="appointments",
        verbose_name=_("customer"),
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle", on_delete=models.PROTECT, related_name="appointments", verbose_name=_("vehicle")
    )
    advisor = models.ForeignKey(
        "workshop.Advisor", on_delete=models.PROTECT, related_name="appointments", verbose_name=_("advisor")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED
    )
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices, default=Channel.PHONE)
    kind = models.CharField(
        _("reason for the visit"),
        max_length=20,
        choices=AppointmentKind.choices,
        default=AppointmentKind.MAINTENANCE,
    )
    # R2.6: what the customer asked for, in their words, and what the visit needs.
    customer_requests = models.TextField(
        _("work requested"),
        blank=True,
        max_length=REQUESTS_MAX_LENGTH,
        validators=[MaxLengthValidator(REQUESTS_MAX_LENGTH)],
    )
    test_drive_needed = models.BooleanField(_("test drive needed"), default=False)
    replacement_vehicle_wanted = models.BooleanField(_("replacement vehicle wanted"), default=False)
    # R3.3: the mobility solution the customer chose; empty when they need none.
    mobility_kind = models.CharField(
        _("mobility while the car is in"), max_length=30, choices=MobilityKind.choices, blank=True
    )
    special_requests = models.TextField(
        _("special requests"),
        blank=True,
        max_length=REQUESTS_MAX_LENGTH,
        validators=[MaxLengthValidator(REQUESTS_MAX_LENGTH)],
    )
    mileage_km = models.PositiveIntegerField(_("mileage at booking (km)"), null=True, blank=True)
    documents_to_bring = models.JSONField(  # R3.6
        _("documents to bring"), default=documents_by_default, validators=[validate_documents]
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    is_urgent = models.BooleanField(_("urgent"), default=False)
    is_comeback = models.BooleanField(_("comeback"), default=False)
    # The local day of the drop-off, kept beside the instant so that counting an advisor's
    # customers per day (R4.2) needs no time-zone arithmetic in SQL.
    local_day = models.DateField(_("day"))
    drop_off_at = models.DateTimeField(_("drop-off"))
    reception_ends_at = models.DateTimeField(_("reception ends"))
    work_starts_at = models.DateTimeField(_("work starts"))
    promised_return_at = models.DateTimeField(_("promised return"))  # R4.7
    labour_minutes = models.PositiveIntegerField(_("labour (minutes)"))
    uses_kept_free_time = models.BooleanField(_("uses kept-free time"), default=False)
    capacity_override_reason = models.CharField(
        _("reason for booking beyond the maximum"), max_length=200, blank=True
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )

    class Meta:
        ordering = ["drop_off_at"]
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        constraints = [
            models.CheckConstraint(
                condition=Q(drop_off_at__lt=F("reception_ends_at")), name="appointment_reception_ordered"
            ),
            models.CheckConstraint(
                condition=Q(work_starts_at__lte=F("promised_return_at")), name="appointment_return_after_work"
            ),
            MaxLengthCheck(
                field="customer_requests",
                max_length=REQUESTS_MAX_LENGTH,
                name="appointment_customer_requests_length",
            ),
            MaxLengthCheck(
                field="special_requests",
                max_length=REQUESTS_MAX_LENGTH,
                name="appointment_special_requests_length",
            ),
        ]
        indexes = [
            models.Index(fields=["dealership", "local_day"], name="appointment_day"),
            models.Index(fields=["advisor", "local_day"], name="appointment_advisor_day"),
        ]

    def __str__(self) -> str:
        return f"{self.vehicle} – {self.drop_off_at:%Y-%m-%d %H:%M}"

    @cached_property
    def advisor_name(self) -> str:
        # The booking service sets it from the proposal it booked, so the answer to a booking
        # needs no read of the advisor; a row from the database asks its advisor.
        return self.advisor.name


class AppointmentLabour(DealershipOwned):
    """The labour an appointment books on one work day for one skill (R4.8)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="labour")
    day = models.DateField(_("work day"))
    skill = models.CharField(_("skill"), max_length=20, choices=Skill.choices)
    minutes = models.PositiveIntegerField(_("minutes"))

    class Meta:
        verbose_name = _("booked labour")
        verbose_name_plural = _("booked labour")
        indexes = [models.Index(fields=["dealership", "day"], name="appointment_labour_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.skill} {self.minutes}"


class AppointmentJob(DealershipOwned):
    """One requested job: from the catalogue, an open campaign of the vehicle (R2.4), or free text."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="jobs")
    job = models.ForeignKey("workshop.Job", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    campaign = models.ForeignKey(
        "customers.Campaign", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    description = models.CharField(_("description"), max_length=200)
    skill = models.CharField(_("skill"), max_length=20, choices=Skill.choices)
    labour_minutes = models.PositiveIntegerField(_("labour (minutes)"))

    class Meta:
        verbose_name = _("requested job")
        verbose_name_plural = _("requested jobs")

    def __str__(self) -> str:
        return self.description


class AppointmentTransition(DealershipOwned):
    """The recorded history of an appointment: every change of status or time, who, when, why."""

    class Kind(models.TextChoices):
        STATUS = "status", _("Status changed")
        RESCHEDULED = "rescheduled", _("Rescheduled")

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="transitions")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.STATUS)
    from_status = models.CharField(_("from"), max_length=20, choices=AppointmentStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=AppointmentStatus.choices)
    previous_drop_off_at = models.DateTimeField(null=True, blank=True)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("appointment history")
        verbose_name_plural = _("appointment history")

    def __str__(self) -> str:
        return f"{self.from_status or '–'} → {self.to_status}"


class CapacityLock(DealershipOwned):
    """One row per dealership and local day, locked (SELECT ... FOR UPDATE) by every change
    that takes or frees capacity on that day, so two bookings of one day are never checked at
    once; and the day's capacity ledger, written under that lock (bookings.ledger)."""

    day = models.DateField()
    # The ledger as JSON (bookings.ledger.DayLedger), in text columns: it is read and written
    # whole, never queried inside, and a text column is handed back as stored where jsonb is
    # rebuilt into text on every read (a millisecond over a 60-day horizon). Per advisor id: the
    # customers booked, of them online and beyond the maximum, the minutes their receptions take.
    # Defaults in the database too: a process still running the release before the ledger can
    # create lock rows while the next one is deployed.
    advisors = models.TextField(default="{}", db_default="{}")
    # R4.8: the minutes of labour booked on the day, by skill.
    labour = models.TextField(default="{}", db_default="{}")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dealership", "day"], name="capacity_lock_unique_day")]

    def __str__(self) -> str:
        return f"{self.dealership_id} {self.day}"


class IdempotencyKey(DealershipOwned):
    """A booking request's Idempotency-Key and the answer it got, so a retry never books twice."""

    MAX_LENGTH = 100

    key = models.CharField(max_length=MAX_LENGTH)
    request_hash = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["dealership", "key"], name="idempotency_key_unique")]

    def __str__(self) -> str:
        return self.key


class SlotHold(DealershipOwned):
    """A time held for a customer who is finishing an online booking (R9.5): for a few minutes
    nobody else is offered it; it expires by itself."""

    holder = models.CharField(max_length=64)  # the customer's session: holds are per browser
    advisor = models.ForeignKey("workshop.Advisor", on_delete=models.CASCADE, related_name="+")
    local_day = models.DateField()
    drop_off_at = models.DateTimeField()
    reception_ends_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["dealership", "local_day", "expires_at"], name="slot_hold_day")]
        constraints = [
            models.UniqueConstraint(fields=["dealership", "holder"], name="slot_hold_one_per_holder")
        ]

    def __str__(self) -> str:
        return f"{self.advisor_id} {self.drop_off_at:%Y-%m-%d %H:%M}"


class AccessCode(DealershipOwned):
    """A one-time code that lets a customer book online without a password."""

    customer = models.ForeignKey("customers.Customer", on_delete=models.CASCADE, related_name="+")
    vehicle = models.ForeignKey("customers.Vehicle", on_delete=models.CASCADE, related_name="+")
    code_hash = models.CharField(max_length=128)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["dealership", "expires_at"], name="access_code_live")]

    def __str__(self) -> str:
        return f"code for {self.customer_id}"


class FunnelEvent(DealershipOwned):
    """One step of an online booking, for the funnel KPI (started, each step, booked, abandoned)."""

    class Step(models.TextChoices):
        STARTED = "started", _("Started")
        IDENTIFIED = "identified", _("Identified")
        SERVICES = "services", _("Chose the services")
        TIME = "time", _("Chose a time")
        BOOKED = "booked", _("Booked")

    session = models.CharField(max_length=64)
    step = models.CharField(max_length=20, choices=Step.choices)
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["dealership", "at"], name="funnel_event_at")]

    def __str__(self) -> str:
        return f"{self.session} {self.step}"


PHRASE_MAX_LENGTH = 500  # a few sentences read out at the desk


class ScriptPhrase(DealershipOwned):
    """A dealership's own wording for a phrase the desk reads out, in one language; without one,
    the product's default wording is shown."""

    class Key(models.TextChoices):
        GREETING = "greeting", _("Greeting")
        ARRIVAL = "arrival", _("Arrival at the reception")
        DOCUMENTS = "documents", _("Documents to bring")

    key = models.CharField(_("phrase"), max_length=20, choices=Key.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    text = models.TextField(
        _("wording"), max_length=PHRASE_MAX_LENGTH, validators=[MaxLengthValidator(PHRASE_MAX_LENGTH)]
    )

    class Meta:
        verbose_name = _("phrase")
        verbose_name_plural = _("phrases")
        constraints = [
            models.UniqueConstraint(fields=["dealership", "key", "language"], name="script_phrase_unique"),
            MaxLengthCheck(field="text", max_length=PHRASE_MAX_LENGTH, name="script_phrase_text_length"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.language})"
