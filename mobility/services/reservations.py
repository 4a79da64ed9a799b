"""Reservations of mobility solutions: book, move, release (R3.7, R3.8).

No fleet vehicle is reserved twice for overlapping times, by construction: a booking locks the
solution's row and then its vehicles' rows (in id order, so concurrent bookers queue in one
order and never deadlock), re-reads the fleet under those locks, checks, then writes. On
PostgreSQL the exclusion constraint `reservation_vehicle_no_overlap` is the backstop; on SQLite
IMMEDIATE transactions serialise the writers and the check is the guard.
"""

from datetime import datetime, timedelta
from functools import partial

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from bookings.models import Appointment
from config import db_errors
from customers.models import Customer
from dealerships.models import Dealership, User
from dealerships.ownership import ensure_owned_by
from dealerships.tenant_integrity import dangerously_vouch_same_dealership
from mobility import availability
from mobility.errors import MobilityUnavailable, VehicleHeld
from mobility.models import (
    ACTIVE_STATUSES,
    FleetVehicle,
    MobilitySolution,
    ReleaseReason,
    Reservation,
    ReservationStatus,
    SolutionKind,
)
from mobility.snapshot import fleet_snapshot_load

NO_OVERLAP_CONSTRAINT = "reservation_vehicle_no_overlap"
# How far ahead a refusal looks for the next time the solution is free (R3.7).
NEXT_FREE_HORIZON = timedelta(days=60)


# The related rows are checked by the services against the dealership (ensure_owned_by) and,
# for the car, under its lock; the exclusion constraint is the database's to enforce.
RELATED_FIELDS = (
    "dealership",
    "solution",
    "fleet_vehicle",
    "customer",
    "appointment",
    "booked_by",
    "out_by",
    "in_by",
)


def reservation_fields_check(reservation: Reservation) -> None:
    """The reservation's own fields, validated before a save (times, mileage, fuel, texts)."""
    reservation.full_clean(exclude=list(RELATED_FIELDS), validate_constraints=False)


def fleet_vehicles_lock(*, dealership: Dealership, solution: MobilitySolution) -> list[int]:
    """Lock the solution's row, then its vehicles' rows in id order (SELECT ... FOR UPDATE):
    whoever books, moves or hands over a car of the solution waits here, in one order."""
    MobilitySolution.objects.for_dealership(dealership).select_for_update().filter(id=solution.id).exists()
    return list(
        FleetVehicle.objects.for_dealership(dealership)
        .filter(solution=solution)
        .order_by("id")
        .select_for_update()
        .values_list("id", flat=True)
    )


def _check_terms(
    *,
    solution: MobilitySolution,
    departure_at: datetime,
    return_at: datetime,
    online: bool,
    job_minutes: int | None,
) -> None:
    if return_at <= departure_at:
        raise ValidationError({"return_at": _("The return must be after the departure.")})
    if not solution.active:
        raise MobilityUnavailable(_("This mobility solution is not offered at the moment."))
    if solution.kind == SolutionKind.RENTAL and not solution.rental_allowed:
        raise MobilityUnavailable(_("Local policy does not allow rental cars."))
    if online and not solution.online_bookable:
        raise MobilityUnavailable(_("This mobility solution cannot be booked online; please call us."))
    if solution.min_job_minutes and job_minutes is not None and job_minutes < solution.min_job_minutes:
        raise MobilityUnavailable(
            _("This mobility solution is offered for work of at least %(minutes)s minutes.")
            % {"minutes": solution.min_job_minutes}
        )


def _refusal(
    *,
    dealership: Dealership,
    solution: MobilitySolution,
    departure_at: datetime,
    return_at: datetime,
    now: datetime,
    online: bool,
    excluding: int | None,
    message: str | None = None,
) -> MobilityUnavailable:
    """The refusal, saying when the solution is next free for as long (R3.7)."""
    snapshot = fleet_snapshot_load(
        dealership=dealership,
        start=departure_at,
        end=departure_at + NEXT_FREE_HORIZON,
        now=now,
        solution_ids=[solution.id],
        excluding_reservation=excluding,
    )
    plan = snapshot.plan(solution.id)
    found = (
        availability.next_free(
            snapshot, plan, after=departure_at, duration=return_at - departure_at, online=online
        )
        if plan
        else None
    )
    extra = {"next_free": found[0].isoformat()} if found else {}
    return MobilityUnavailable(
        message
        or _("%(solution)s is not free for the whole time the car is with us.") % {"solution": solution},
        **extra,
    )


def _place(
    *,
    dealership: Dealership,
    solution: MobilitySolution,
    departure_at: datetime,
    return_at: datetime,
    now: datetime,
    online: bool,
    fleet_vehicle: FleetVehicle | None,
    keep_vehicle_id: int | None = None,
    excluding: int | None = None,
) -> int | None:
    """Under the locks: the vehicle to reserve (None for a solution without vehicles), or a refusal."""
    snapshot = fleet_snapshot_load(
        dealership=dealership,
        start=departure_at,
        end=return_at,
        now=now,
        solution_ids=[solution.id],
        excluding_reservation=excluding,
    )
    plan = snapshot.plan(solution.id)
    if plan is None:
        raise MobilityUnavailable(_("This mobility solution is not offered at the moment."))
    refuse = partial(
        _refusal,
        dealership=dealership,
        solution=solution,
        departure_at=departure_at,
        return_at=return_at,
        now=now,
        online=online,
        excluding=excluding,
    )
    if fleet_vehicle is not None:
        if fleet_vehicle.solution_id != solution.id:
            raise ValidationError(
                {"fleet_vehicle": _("This vehicle does not belong to the chosen solution.")}
            )
        wanted = next((item for item in plan.units if item.vehicle_id == fleet_vehicle.id), None)
        if wanted is None or wanted.hold is not None:
            raise VehicleHeld(field="fleet_vehicle")
        if not availability.unit_free(wanted, departure_at, return_at):
            raise refuse(message=_("This vehicle is already reserved at that time."))
        return wanted.vehicle_id
    answer = availability.solution_availability(snapshot, plan, departure_at, return_at, online=online)
    if not answer.free:
        raise refuse()
    if not plan.is_vehicle:
        return None
    if keep_vehicle_id is not None:  # a moved reservation keeps its car when it can
        kept = next((item for item in plan.units if item.vehicle_id == keep_vehicle_id), None)
        if kept is not None and availability.unit_free(kept, departure_at, return_at):
            return kept.vehicle_id
    return answer.unit.vehicle_id if answer.unit is not None else None


def _save(reservation: Reservation) -> None:
    reservation_fields_check(reservation)
    try:
        # No savepoint of its own: a refusal leaves the caller's transaction to be rolled back whole.
        reservation.save()
    except IntegrityError as error:
        if db_errors.violated_constraint(error) == NO_OVERLAP_CONSTRAINT:
            raise MobilityUnavailable(_("This vehicle is already reserved at that time.")) from error
        raise


def _when(reservation: Reservation, dealership: Dealership) -> None:
    reservation.local_day, reservation.afternoon = availability.half_day(
        reservation.departure_at, dealership.tz
    )


@transaction.atomic(savepoint=False)
def reservation_book(
    *,
    dealership: Dealership,
    solution: MobilitySolution,
    customer: Customer,
    departure_at: datetime,
    return_at: datetime,
    now: datetime,
    appointment: Appointment | None = None,
    fleet_vehicle: FleetVehicle | None = None,
    booked_by: User | None = None,
    online: bool = False,
    job_minutes: int | None = None,
    address: str = "",
) -> Reservation:
    """Reserve the solution (a free, not-held vehicle of it, in fleet order, or the one given)
    from departure to return, or raise MobilityUnavailable saying when it is next free (R3.7,
    R3.8); safe under concurrent callers. Online, an option at its cap is refused."""
    ensure_owned_by(dealership, solution, customer, fleet_vehicle, appointment)
    _check_terms(
        solution=solution,
        departure_at=departure_at,
        return_at=return_at,
        online=online,
        job_minutes=job_minutes,
    )
    fleet_vehicles_lock(dealership=dealership, solution=solution)
    vehicle_id = _place(
        dealership=dealership,
        solution=solution,
        departure_at=departure_at,
        return_at=return_at,
        now=now,
        online=online,
        fleet_vehicle=fleet_vehicle,
    )
    reservation = Reservation(
        dealership=dealership,
        solution=solution,
        fleet_vehicle_id=vehicle_id,
        customer=customer,
        appointment=appointment,
        departure_at=departure_at,
        return_at=return_at,
        booked_by=booked_by,
        address=address,
        # R3.6: a car lent needs the driver's licence; the customer's car its registration.
        licence_required=solution.is_vehicle,
        registration_required=True,
    )
    _when(reservation, dealership)
    if vehicle_id is not None:  # picked from the solution's own (dealership-scoped) vehicles
        dangerously_vouch_same_dealership(reservation, "fleet_vehicle")
    _save(reservation)
    return reservation


def _locked(dealership: Dealership, reservation: Reservation) -> Reservation:
    ensure_owned_by(dealership, reservation)
    return (
        Reservation.objects.for_dealership(dealership)
        .select_for_update()
        .select_related("solution")
        .get(id=reservation.id)
    )


@transaction.atomic(savepoint=False)
def reservation_move(
    *,
    dealership: Dealership,
    reservation: Reservation,
    departure_at: datetime,
    return_at: datetime,
    now: datetime,
    fleet_vehicle: FleetVehicle | None = None,
    by: User | None = None,
) -> Reservation:
    """Move a live reservation to new times (and, when given, onto another vehicle of its
    solution): it keeps its car when that is free then, else takes another free one, else
    MobilityUnavailable with the next free time (R3.7, R3.8)."""
    ensure_owned_by(dealership, fleet_vehicle)
    if return_at <= departure_at:
        raise ValidationError({"return_at": _("The return must be after the departure.")})
    solution = reservation.solution
    fleet_vehicles_lock(dealership=dealership, solution=solution)
    reservation = _locked(dealership, reservation)
    if reservation.status not in ACTIVE_STATUSES:
        raise MobilityUnavailable(_("This reservation is no longer live."), field="status")
    if (
        reservation.status == ReservationStatus.OUT
        and fleet_vehicle
        and fleet_vehicle.id != reservation.fleet_vehicle_id
    ):
        raise ValidationError({"fleet_vehicle": _("The car is with the customer: it cannot change.")})
    vehicle_id = _place(
        dealership=dealership,
        solution=reservation.solution,
        departure_at=departure_at,
        return_at=return_at,
        now=now,
        online=False,
        fleet_vehicle=fleet_vehicle,
        keep_vehicle_id=reservation.fleet_vehicle_id,
        excluding=reservation.id,
    )
    reservation.departure_at, reservation.return_at = departure_at, return_at
    reservation.fleet_vehicle_id = vehicle_id
    if vehicle_id is not None:
        dangerously_vouch_same_dealership(reservation, "fleet_vehicle")
    _when(reservation, dealership)
    _save(reservation)
    return reservation


@transaction.atomic
def reservation_release(
    *,
    dealership: Dealership,
    reservation: Reservation,
    reason: str,
    now: datetime,
    by: User | None = None,
) -> Reservation:
    """Free what a reserved (not yet handed over) reservation holds; a no-show is recorded as
    one. A reservation no longer reserved is returned as it is (safe to run twice)."""
    if reason not in ReleaseReason.values:
        raise ValidationError({"reason": _("Choose a reason from the list.")})
    reservation = _locked(dealership, reservation)
    if reservation.status != ReservationStatus.RESERVED:
        return reservation
    reservation.status = (
        ReservationStatus.NO_SHOW if reason == ReleaseReason.NO_SHOW else ReservationStatus.RELEASED
    )
    reservation.release_reason = reason
    reservation.released_at = now
    reservation.save(update_fields=["status", "release_reason", "released_at", "updated_at"])
    return reservation
