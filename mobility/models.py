"""Mobility: the solutions a dealership offers while a car is in, their caps, the courtesy and
rental fleet with its own maintenance, and the reservations that follow appointments (R3.1-R3.8).

A fleet vehicle is never reserved twice for overlapping times: the reservation service checks
under row locks, and on PostgreSQL an exclusion constraint over (vehicle, [departure, return))
for the live statuses is the backstop (migration 0002_reservation_no_overlap).
"""

import uuid

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookings.models import MobilityKind
from config.bounds import MaxLengthCheck
from config.constraints import FieldCheckConstraint, ordered
from customers.models import Fuel
from dealerships.models import DealershipOwned, Weekday

NOTES_MAX_LENGTH = 2000

# One vocabulary with the appointment's choice (bookings.Appointment.mobility_kind).
SolutionKind = MobilityKind

# The kinds that hand a vehicle of the fleet to the customer, in the order of preference (R3.4).
VEHICLE_KINDS = (
    SolutionKind.BRAND_COURTESY_CAR,
    SolutionKind.OTHER_BRAND_COURTESY_CAR,
    SolutionKind.RENTAL,
)


class PickupMode(models.TextChoices):
    PICKUP_ONLY = "pickup", _("Pick-up only")
    DELIVERY_ONLY = "delivery", _("Delivery only")
    BOTH = "both", _("Pick-up and delivery")


# R3.7: the hand-over of the mobility solution follows the reception, where the advisor
# explains the work; the manuals' reception takes about 15 minutes (R5.1).
HANDOVER_EXPLANATION_MINUTES = 15


class MobilityPolicy(DealershipOwned):
    """A dealership's mobility settings, and the version of its fleet (solutions, caps, vehicles
    with their holds, reservations, out-of-service periods), which any change to those rows or
    to the customer file's recalls renews (mobility.snapshot keeps the fleet in memory per
    version). A dealership without a row has the defaults."""

    handover_explanation_minutes = models.PositiveSmallIntegerField(
        _("time to explain the work before the hand-over (minutes)"),
        default=HANDOVER_EXPLANATION_MINUTES,
        validators=[MaxValueValidator(120)],
        help_text=_(
            "The mobility solution is handed over this long after the drop-off, once the work "
            "is explained (R3.7)."
        ),
    )
    fleet_version = models.UUIDField(default=uuid.uuid4, editable=False)

    class Meta:
        verbose_name = _("mobility policy")
        verbose_name_plural = _("mobility policies")
        constraints = [
            models.UniqueConstraint(fields=["dealership"], name="mobility_policy_one_per_dealership"),
            FieldCheckConstraint(
                condition=Q(handover_explanation_minutes__lte=120),
                name="mobility_policy_explanation_minutes",
                field="handover_explanation_minutes",
                violation_error_message=_("Give at most 120 minutes."),
                violation_error_code="explanation_minutes",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Mobility policy"))


class MobilitySolution(DealershipOwned):
    """One way the dealership keeps a customer mobile (R3.3), with its policy, price and caps."""

    kind = models.CharField(_("kind"), max_length=30, choices=SolutionKind.choices)
    name = models.CharField(_("name"), max_length=80, blank=True)
    pickup_mode = models.CharField(_("pick-up mode"), max_length=10, choices=PickupMode.choices, blank=True)
    position = models.PositiveSmallIntegerField(_("position in the list"), default=0)
    active = models.BooleanField(_("active"), default=True)
    online_bookable = models.BooleanField(_("bookable online"), default=True)
    # Eligibility: e.g. no courtesy car for jobs under two hours.
    min_job_minutes = models.PositiveIntegerField(_("minimum job length (minutes)"), null=True, blank=True)
    # Dealership policy: the solution is free while the vehicle is under warranty (R3.2).
    free_under_warranty = models.BooleanField(_("free under warranty"), default=False)
    # Local policy: some markets forbid handing a rental car to service customers (R3.4).
    rental_allowed = models.BooleanField(_("allowed by local policy"), default=True)
    # What the customer pays a day when not entitled; empty: free for everyone.
    daily_cost = models.DecimalField(
        _("daily cost"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    # What a free benefit is worth a day, told to the customer (R3.2).
    daily_value = models.DecimalField(
        _("daily value of the benefit"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    lounge_places = models.PositiveSmallIntegerField(_("lounge places"), null=True, blank=True)
    drivers_per_half_day = models.PositiveSmallIntegerField(_("drivers per half-day"), null=True, blank=True)
    notes = models.TextField(
        _("notes"), blank=True, max_length=NOTES_MAX_LENGTH, validators=[MaxLengthValidator(NOTES_MAX_LENGTH)]
    )

    class Meta:
        ordering = ["position", "kind", "id"]
        verbose_name = _("mobility solution")
        verbose_name_plural = _("mobility solutions")
        constraints = [
            models.UniqueConstraint(
                fields=["dealership", "kind", "name"], name="mobility_solution_unique_name"
            ),
            FieldCheckConstraint(
                condition=Q(kind=SolutionKind.PICKUP_DELIVERY) | Q(pickup_mode=""),
                name="mobility_solution_pickup_mode_only_for_pickup",
                field="pickup_mode",
                violation_error_message=_("Only pick-up and delivery has a pick-up mode."),
                violation_error_code="pickup_mode_unexpected",
            ),
            FieldCheckConstraint(
                condition=Q(daily_cost__isnull=True) | ~Q(currency=""),
                name="mobility_solution_cost_has_currency",
                field="currency",
                violation_error_message=_("Give the currency of the daily cost."),
                violation_error_code="currency_missing",
            ),
            MaxLengthCheck(field="notes", max_length=NOTES_MAX_LENGTH, name="mobility_solution_notes_length"),
        ]

    def __str__(self) -> str:
        return self.name or self.get_kind_display()

    @property
    def is_vehicle(self) -> bool:
        """Whether the solution hands a vehicle of the fleet to the customer."""
        return self.kind in VEHICLE_KINDS


class SolutionCap(DealershipOwned):
    """At most so many reservations of a solution a day and/or a half-day, on a weekday or on
    one date (a date's cap wins over its weekday's)."""

    solution = models.ForeignKey(MobilitySolution, on_delete=models.CASCADE, related_name="caps")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices, null=True, blank=True)
    date = models.DateField(_("date"), null=True, blank=True)
    max_per_day = models.PositiveSmallIntegerField(_("at most a day"), null=True, blank=True)
    max_per_half_day = models.PositiveSmallIntegerField(_("at most a half-day"), null=True, blank=True)

    class Meta:
        ordering = ["solution", "weekday", "date"]
        verbose_name = _("mobility cap")
        verbose_name_plural = _("mobility caps")
        constraints = [
            FieldCheckConstraint(
                condition=(Q(weekday__isnull=True) & Q(date__isnull=False))
                | (Q(weekday__isnull=False) & Q(date__isnull=True)),
                name="solution_cap_weekday_or_date",
                field="date",
                violation_error_message=_("Give either a weekday or a date."),
                violation_error_code="weekday_or_date",
            ),
            models.UniqueConstraint(
                fields=["solution", "weekday"],
                condition=Q(weekday__isnull=False),
                name="solution_cap_one_weekday",
            ),
            models.UniqueConstraint(
                fields=["solution", "date"], condition=Q(date__isnull=False), name="solution_cap_one_date"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.solution}: {self.date or self.get_weekday_display()}"


class FleetStatus(models.TextChoices):
    IN_SERVICE = "in_service", _("In service")
    WORKSHOP = "workshop", _("In our workshop")
    RETIRED = "retired", _("Retired from the fleet")


class FleetVehicle(DealershipOwned):
    """A courtesy or rental car the dealership lends (R3.4, R3.8)."""

    solution = models.ForeignKey(
        MobilitySolution, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("solution")
    )
    plate = models.CharField(_("registration plate"), max_length=20)
    vin = models.CharField(_("VIN"), max_length=17)
    brand = models.CharField(_("brand"), max_length=40)
    model = models.CharField(_("model"), max_length=60)
    fuel = models.CharField(_("fuel"), max_length=20, choices=Fuel.choices, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=FleetStatus.choices, default=FleetStatus.IN_SERVICE
    )
    mileage_km = models.PositiveIntegerField(_("mileage (km)"), default=0)
    mileage_limit_km = models.PositiveIntegerField(_("leaves the fleet at (km)"), null=True, blank=True)
    max_age_months = models.PositiveSmallIntegerField(
        _("leaves the fleet after (months)"), null=True, blank=True
    )
    in_fleet_since = models.DateField(_("in the fleet since"))
    next_service_due_on = models.DateField(_("next service due on"), null=True, blank=True)
    next_service_due_km = models.PositiveIntegerField(_("next service due at (km)"), null=True, blank=True)

    class Meta:
        ordering = ["solution", "plate"]
        verbose_name = _("fleet vehicle")
        verbose_name_plural = _("fleet vehicles")
        constraints = [
            models.UniqueConstraint(fields=["dealership", "vin"], name="fleet_vehicle_unique_vin"),
            models.UniqueConstraint(fields=["dealership", "plate"], name="fleet_vehicle_unique_plate"),
        ]

    def __str__(self) -> str:
        return f"{self.brand} {self.model} ({self.plate})"


class FleetOutOfService(DealershipOwned):
    """A period a fleet vehicle cannot be lent: its own maintenance, repairs, inspection."""

    vehicle = models.ForeignKey(
        FleetVehicle, on_delete=models.CASCADE, related_name="out_of_service", verbose_name=_("vehicle")
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("out-of-service period")
        verbose_name_plural = _("out-of-service periods")
        constraints = [
            ordered(
                "starts_at",
                "ends_at",
                strictly=True,
                name="fleet_out_of_service_ordered",
                message=_("The period must end after it starts."),
                code="dates_reversed",
            ),
        ]
        indexes = [models.Index(fields=["vehicle", "ends_at"], name="fleet_oos_vehicle_end")]

    def __str__(self) -> str:
        return f"{self.vehicle}: {self.starts_at:%Y-%m-%d} – {self.ends_at:%Y-%m-%d}"


class ReservationStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved")
    OUT = "out", _("With the customer")
    RETURNED = "returned", _("Returned")
    RELEASED = "released", _("Released")
    NO_SHOW = "no_show", _("Not picked up")


# The statuses whose reservations hold their vehicle or their place in a cap.
ACTIVE_STATUSES = (ReservationStatus.RESERVED, ReservationStatus.OUT)


class ReleaseReason(models.TextChoices):
    CANCELLED = "cancelled", _("The appointment was cancelled")
    NO_SHOW = "no_show", _("The customer did not come")
    NOT_PICKED_UP = "not_picked_up", _("Not picked up in time")
    MOVED = "moved", _("Moved to another solution")
    STAFF = "staff", _("Released by staff")


class Reservation(DealershipOwned):
    """A mobility solution booked for a customer from departure to return (R3.8), with the
    documents to check (R3.6) and the hand-over out and back."""

    solution = models.ForeignKey(
        MobilitySolution, on_delete=models.PROTECT, related_name="reservations", verbose_name=_("solution")
    )
    # Empty for solutions that hand no vehicle over (pick-up, taxi, waiting ...).
    fleet_vehicle = models.ForeignKey(
        FleetVehicle,
        on_delete=models.PROTECT,
        related_name="reservations",
        null=True,
        blank=True,
        verbose_name=_("fleet vehicle"),
    )
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.PROTECT,
        related_name="mobility_reservations",
        verbose_name=_("customer"),
    )
    appointment = models.ForeignKey(
        "bookings.Appointment",
        on_delete=models.PROTECT,
        related_name="mobility_reservations",
        null=True,
        blank=True,
        verbose_name=_("appointment"),
    )
    departure_at = models.DateTimeField(_("departure"))
    return_at = models.DateTimeField(_("return"))
    # The local day and half-day of the departure, for the caps (counted without time zones in SQL).
    local_day = models.DateField(_("day"))
    afternoon = models.BooleanField(_("afternoon"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ReservationStatus.choices, default=ReservationStatus.RESERVED
    )
    release_reason = models.CharField(
        _("why released"), max_length=20, choices=ReleaseReason.choices, blank=True
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    # R3.6: what the customer must show at the hand-over, and whether it was checked.
    licence_required = models.BooleanField(_("driving licence required"), default=True)
    registration_required = models.BooleanField(_("vehicle registration required"), default=True)
    licence_checked = models.BooleanField(_("driving licence checked"), default=False)
    registration_checked = models.BooleanField(_("vehicle registration checked"), default=False)
    # Pick-up and delivery: where the driver goes.
    address = models.CharField(_("address"), max_length=200, blank=True)
    # Hand-over out.
    out_at = models.DateTimeField(_("handed over at"), null=True, blank=True)
    out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("handed over by"),
    )
    out_mileage_km = models.PositiveIntegerField(_("mileage out (km)"), null=True, blank=True)
    out_fuel_percent = models.PositiveSmallIntegerField(
        _("fuel out (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    out_damage_notes = models.TextField(
        _("damage at hand-over"),
        blank=True,
        max_length=NOTES_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTES_MAX_LENGTH)],
    )
    # Hand-over back.
    in_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("taken back by"),
    )
    in_mileage_km = models.PositiveIntegerField(_("mileage back (km)"), null=True, blank=True)
    in_fuel_percent = models.PositiveSmallIntegerField(
        _("fuel back (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    in_damage_notes = models.TextField(
        _("damage at return"),
        blank=True,
        max_length=NOTES_MAX_LENGTH,
        validators=[MaxLengthValidator(NOTES_MAX_LENGTH)],
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
        ordering = ["departure_at"]
        verbose_name = _("mobility reservation")
        verbose_name_plural = _("mobility reservations")
        constraints = [
            ordered(
                "departure_at",
                "return_at",
                strictly=True,
                name="reservation_return_after_departure",
                message=_("The return must be after the departure."),
                code="dates_reversed",
            ),
            ordered(
                "out_mileage_km",
                "in_mileage_km",
                optional=("out_mileage_km", "in_mileage_km"),
                name="reservation_mileage_not_backwards",
                message=_("The mileage back cannot be lower than the mileage out."),
                code="mileage_backwards",
            ),
            FieldCheckConstraint(
                condition=Q(out_fuel_percent__isnull=True) | Q(out_fuel_percent__lte=100),
                name="reservation_fuel_out_percent",
                field="out_fuel_percent",
                violation_error_message=_("Give the fuel level as a percentage, 0 to 100."),
                violation_error_code="fuel_percent",
            ),
            FieldCheckConstraint(
                condition=Q(in_fuel_percent__isnull=True) | Q(in_fuel_percent__lte=100),
                name="reservation_fuel_in_percent",
                field="in_fuel_percent",
                violation_error_message=_("Give the fuel level as a percentage, 0 to 100."),
                violation_error_code="fuel_percent",
            ),
            # One live reservation per appointment: rescheduling moves it, it is never doubled.
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="reservation_one_live_per_appointment",
            ),
            MaxLengthCheck(
                field="out_damage_notes", max_length=NOTES_MAX_LENGTH, name="reservation_out_damage_length"
            ),
            MaxLengthCheck(
                field="in_damage_notes", max_length=NOTES_MAX_LENGTH, name="reservation_in_damage_length"
            ),
        ]
        indexes = [
            models.Index(fields=["fleet_vehicle", "return_at"], name="reservation_vehicle_return"),
            models.Index(fields=["solution", "local_day"], name="reservation_solution_day"),
            models.Index(fields=["dealership", "departure_at"], name="reservation_departure"),
            # The fleet snapshot's read (mobility.snapshot): the live reservations of a solution
            # departing before the span's end and back after its start. Live ones are mostly
            # ahead, so the departure bound keeps the scan to the span.
            models.Index(
                fields=["dealership", "solution", "departure_at", "return_at"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="reservation_live_departure",
            ),
            # The live reservation a vehicle is out on at a span's start (the snapshot's read asks
            # each vehicle for its first one back after it): one probe, index only.
            models.Index(
                fields=["fleet_vehicle", "return_at", "departure_at"],
                condition=Q(status__in=ACTIVE_STATUSES),
                name="reservation_live_vehicle_span",
            ),
            # The cars out with a customer (a few, whatever the history): the snapshot's read of
            # those due back before its span, and the overdue returns of the board.
            models.Index(
                fields=["dealership", "return_at"],
                condition=Q(status=ReservationStatus.OUT),
                name="reservation_out_return",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.solution} – {self.departure_at:%Y-%m-%d %H:%M}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def documents_checked(self) -> bool:
        """R3.6: the documents the hand-over needs were seen."""
        return (self.licence_checked or not self.licence_required) and (
            self.registration_checked or not self.registration_required
        )


def fleet_changed(*, dealership_id: int) -> None:
    """The fleet changed (its solutions, caps, vehicles, out-of-service periods or reservations):
    give the dealership a new fleet version, in the writer's transaction (one statement, creating
    its policy row with the defaults when it has none)."""
    MobilityPolicy.objects.bulk_create(
        [MobilityPolicy(dealership_id=dealership_id)],
        update_conflicts=True,
        unique_fields=["dealership"],
        update_fields=["fleet_version", "updated_at"],
    )


def fleet_recalls_changed(*, dealership_id: int) -> None:
    """The customer file's recalls changed, which can hold a fleet car or let it go (R3.8): a new
    fleet version, in the writer's transaction, for a dealership whose fleet is kept in memory
    (one with a policy row; without one nothing is kept). One statement."""
    MobilityPolicy.objects.filter(dealership_id=dealership_id).update(fleet_version=uuid.uuid4())
