"""The hand-over of a mobility solution, out and back (R3.6, R3.8): documents checked, mileage
and fuel, damage, when and by whom; and the release of reservations not picked up in time.

Each hand-over locks the reservation's row and checks under the lock, so two advisors pressing
the button at once record it once; a refusal is a field-level ValidationError (400) or an
IllegalTransition (409), and nothing is written."""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from config.errors import IllegalTransition
from dealerships.models import Dealership, User
from dealerships.ownership import ensure_owned_by
from mobility.models import FleetVehicle, ReleaseReason, Reservation, ReservationStatus, fleet_changed
from mobility.services.reservations import reservation_fields_check, reservation_release

# Beat releases at most this many reservations a run; the next run takes the rest.
RELEASE_BATCH = 200


def _locked(dealership: Dealership, reservation: Reservation) -> Reservation:
    ensure_owned_by(dealership, reservation)
    return (
        Reservation.objects.for_dealership(dealership)
        .select_for_update(of=("self",))
        .select_related("solution", "fleet_vehicle")
        .get(id=reservation.id)
    )


def _fuel_and_mileage_required(
    reservation: Reservation, mileage_km: int | None, fuel_percent: int | None
) -> dict:
    errors: dict[str, str] = {}
    if reservation.fleet_vehicle_id is None:
        return errors
    if mileage_km is None:
        errors["mileage_km"] = _("Read the mileage off the dashboard.")
    if fuel_percent is None:
        errors["fuel_percent"] = _("Give the fuel level.")
    return errors


def _check_fuel(fuel_percent: int | None, errors: dict[str, str]) -> None:
    if fuel_percent is not None and not 0 <= fuel_percent <= 100:
        errors["fuel_percent"] = _("Give the fuel level as a percentage, 0 to 100.")


@transaction.atomic
def reservation_hand_over_out(
    *,
    dealership: Dealership,
    reservation: Reservation,
    licence_checked: bool,
    registration_checked: bool,
    mileage_km: int | None,
    fuel_percent: int | None,
    damage_notes: str = "",
    now: datetime,
    by: User | None,
) -> Reservation:
    """Hand the solution over (R3.6, R3.8): the documents the reservation requires must have
    been checked, a car's mileage (not below what the fleet last recorded) and fuel read; the
    car must not still be with someone else."""
    reservation = _locked(dealership, reservation)
    if reservation.status != ReservationStatus.RESERVED:
        raise IllegalTransition(
            _("Only a reserved solution can be handed over; this one is “%(status)s”.")
            % {"status": reservation.get_status_display()},
            field="status",
        )
    errors = _fuel_and_mileage_required(reservation, mileage_km, fuel_percent)
    if reservation.licence_required and not licence_checked:
        errors["licence_checked"] = _("Check the customer's driving licence before handing the car over.")
    if reservation.registration_required and not registration_checked:
        errors["registration_checked"] = _("Check the vehicle registration before the hand-over.")
    _check_fuel(fuel_percent, errors)
    car = reservation.fleet_vehicle
    if car is not None and mileage_km is not None and mileage_km < car.mileage_km:
        errors["mileage_km"] = _("The car last showed %(km)s km: the mileage cannot go backwards.") % {
            "km": formats.number_format(car.mileage_km, force_grouping=True)
        }
    if errors:
        raise ValidationError(errors)
    if (
        car is not None
        and Reservation.objects.for_dealership(dealership)
        .filter(fleet_vehicle=car, status=ReservationStatus.OUT)
        .exclude(id=reservation.id)
        .exists()
    ):
        raise IllegalTransition(
            _("This car has not come back from its last customer yet."), field="fleet_vehicle"
        )
    reservation.licence_checked = licence_checked or reservation.licence_checked
    reservation.registration_checked = registration_checked or reservation.registration_checked
    reservation.out_mileage_km = mileage_km
    reservation.out_fuel_percent = fuel_percent
    reservation.out_damage_notes = damage_notes.strip()
    reservation.out_at = now
    reservation.out_by = by
    reservation.status = ReservationStatus.OUT
    reservation_fields_check(reservation)
    reservation.save()
    return reservation


@transaction.atomic
def reservation_hand_over_back(
    *,
    dealership: Dealership,
    reservation: Reservation,
    mileage_km: int | None,
    fuel_percent: int | None,
    damage_notes: str = "",
    now: datetime,
    by: User | None,
) -> Reservation:
    """Take the solution back (R3.8): the mileage and the fuel cannot be below what the car
    left with (the customer brings it back as lent); the fleet's mileage moves on with it."""
    reservation = _locked(dealership, reservation)
    if reservation.status != ReservationStatus.OUT:
        raise IllegalTransition(
            _("Only a solution with the customer can be taken back; this one is “%(status)s”.")
            % {"status": reservation.get_status_display()},
            field="status",
        )
    errors = _fuel_and_mileage_required(reservation, mileage_km, fuel_percent)
    _check_fuel(fuel_percent, errors)
    if (
        mileage_km is not None
        and reservation.out_mileage_km is not None
        and mileage_km < reservation.out_mileage_km
    ):
        errors["mileage_km"] = _("The car left with %(km)s km: the mileage cannot go backwards.") % {
            "km": formats.number_format(reservation.out_mileage_km, force_grouping=True)
        }
    if (
        fuel_percent is not None
        and reservation.out_fuel_percent is not None
        and fuel_percent < reservation.out_fuel_percent
    ):
        errors["fuel_percent"] = _(
            "The car left with %(percent)s%% fuel and comes back with at least as much."
        ) % {"percent": reservation.out_fuel_percent}
    if errors:
        raise ValidationError(errors)
    reservation.in_mileage_km = mileage_km
    reservation.in_fuel_percent = fuel_percent
    reservation.in_damage_notes = damage_notes.strip()
    reservation.in_at = now
    reservation.in_by = by
    reservation.status = ReservationStatus.RETURNED
    reservation_fields_check(reservation)
    reservation.save()
    if reservation.fleet_vehicle_id is not None and mileage_km is not None:
        raised = (
            FleetVehicle.objects.for_dealership(dealership)
            .filter(id=reservation.fleet_vehicle_id, mileage_km__lt=mileage_km)
            .update(mileage_km=mileage_km)
        )
        if raised:  # the mileage may reach a service or the fleet's limit: the car is then held
            fleet_changed(dealership_id=dealership.id)
    return reservation


def reservations_not_picked_up_release(*, dealership: Dealership, now: datetime, grace: timedelta) -> int:
    """Release up to RELEASE_BATCH reservations still reserved `grace` after their departure
    (R3.8, not picked up): their car goes back to the pool. Returns how many were released."""
    late = list(
        Reservation.objects.for_dealership(dealership)
        .filter(status=ReservationStatus.RESERVED, departure_at__lt=now - grace)
        .order_by("departure_at")[:RELEASE_BATCH]
    )
    released = 0
    for reservation in late:
        # Each in its own transaction: one row locked at a time; safe to run twice (a row
        # handed over meanwhile is left as it is by reservation_release).
        done = reservation_release(
            dealership=dealership, reservation=reservation, reason=ReleaseReason.NOT_PICKED_UP, now=now
        )
        released += done.release_reason == ReleaseReason.NOT_PICKED_UP and done.released_at == now
    return released
