"""The reservation follows its appointment (R3.8): reserved when the appointment is booked,
moved when it is rescheduled, released when it is cancelled or a no-show. Each receiver runs
inside the booking's transaction (bookings.signals): a refusal rolls the booking back whole."""

from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _

from bookings.models import Appointment, AppointmentStatus, Channel
from customers.models import CampaignCompletion, Vehicle
from dealerships.models import DealershipOwned
from mobility.errors import MobilityUnavailable
from mobility.models import (
    ACTIVE_STATUSES,
    MobilitySolution,
    ReleaseReason,
    Reservation,
    fleet_changed,
    fleet_recalls_changed,
)
from mobility.services.reservations import reservation_book, reservation_move, reservation_release
from mobility.snapshot import mobility_handover_at

RELEASED_BY = {
    AppointmentStatus.CANCELLED: ReleaseReason.CANCELLED,
    AppointmentStatus.NO_SHOW: ReleaseReason.NO_SHOW,
}


def _live(appointment: Appointment) -> Reservation | None:
    return (
        Reservation.objects.for_dealership(appointment.dealership)
        .filter(appointment=appointment, status__in=ACTIVE_STATUSES)
        .select_related("solution")
        .first()
    )


def _handover(appointment: Appointment) -> datetime:
    return mobility_handover_at(
        dealership=appointment.dealership,
        drop_off=appointment.drop_off_at,
        promised_return=appointment.promised_return_at,
    )


def appointment_booked(
    *, appointment: Appointment, now: datetime, mobility_address: str = "", **_kwargs: Any
) -> None:
    """Reserve the mobility the customer chose for the whole immobilisation (R3.1, R3.8):
    the first solution of that kind free then, with the address the pick-up driver goes to
    (checked by the booking service); a kind the dealership does not plan (no solution of it)
    is only remembered on the appointment."""
    if not appointment.mobility_kind:
        return
    dealership = appointment.dealership
    solutions = list(
        MobilitySolution.objects.for_dealership(dealership)
        .filter(kind=appointment.mobility_kind, active=True)
        .order_by("position", "id")
    )
    # The solution leaves once the advisor has explained the work (R3.7), as the offer planned.
    departure_at = _handover(appointment)
    refused: MobilityUnavailable | None = None
    for solution in solutions:
        book = partial(
            reservation_book,
            dealership=dealership,
            solution=solution,
            customer=appointment.customer,
            appointment=appointment,
            departure_at=departure_at,
            return_at=appointment.promised_return_at,
            now=now,
            booked_by=appointment.booked_by,
            online=appointment.channel == Channel.WEB,
            job_minutes=appointment.labour_minutes,
            address=mobility_address,
        )
        if len(solutions) == 1:
            book()
            return
        try:
            with transaction.atomic():  # another solution of the kind may still be free
                book()
            return
        except MobilityUnavailable as error:
            refused = error
    if refused is not None:
        raise refused


def appointment_rescheduled(*, appointment: Appointment, now: datetime, **_kwargs: Any) -> None:
    """Move the reservation with its appointment, or refuse the move: the car is not free then."""
    reservation = _live(appointment)
    if reservation is None:
        return
    try:
        reservation_move(
            dealership=appointment.dealership,
            reservation=reservation,
            departure_at=_handover(appointment),
            return_at=appointment.promised_return_at,
            now=now,
        )
    except MobilityUnavailable as error:
        raise MobilityUnavailable(
            _("The reserved mobility (%(solution)s) is not free at the new time.")
            % {"solution": reservation.solution},
            **error.extra,
        ) from error


def appointment_status_changed(*, appointment: Appointment, now: datetime, **_kwargs: Any) -> None:
    """A cancelled or no-show appointment releases its reservation."""
    reason = RELEASED_BY.get(appointment.status)  # type: ignore[call-overload]
    if reason is None:
        return
    reservation = _live(appointment)
    if reservation is not None:
        reservation_release(
            dealership=appointment.dealership, reservation=reservation, reason=reason, now=now
        )


def fleet_row_changed(sender: type[Model], instance: DealershipOwned, **kwargs: Any) -> None:
    """A solution, cap, fleet car, out-of-service period or reservation saved or deleted, by
    whatever writes it (a service, the admin, the API, the demo): the fleet kept in memory is
    renewed. Writes that bypass save() (update(), bulk_create()) call fleet_changed themselves."""
    if kwargs.get("raw"):  # loading fixtures: the rows may not be complete yet
        return
    fleet_changed(dealership_id=instance.dealership_id)


def recall_row_changed(sender: type[Model], instance: DealershipOwned, **kwargs: Any) -> None:
    """A campaign saved or deleted (with its VIN list), a VIN put on a list or a completion
    recorded or deleted, by whatever writes it: a fleet car may have gone on an open recall or
    off it (R3.8), so the fleet kept in memory is renewed. VINs added in bulk are announced by
    customers.signals.campaign_vins_added. One VIN is never taken off a list alone (a list goes
    with its campaign), so that delete is not listened to: it would cost a signal a row when a
    campaign and its thousands of VINs are deleted."""
    if kwargs.get("raw"):
        return
    fleet_recalls_changed(dealership_id=instance.dealership_id)


def campaign_vins_added(*, dealership_id: int, **_kwargs: Any) -> None:
    fleet_recalls_changed(dealership_id=dealership_id)


def vehicle_vin_changed(*, vehicle: Vehicle, **_kwargs: Any) -> None:
    """A recall is done for a VIN when it is done on a vehicle of that VIN: a vehicle with
    completions whose VIN is corrected moves them to another VIN (R3.8)."""
    if CampaignCompletion.objects.filter(vehicle_id=vehicle.pk).exists():
        fleet_recalls_changed(dealership_id=vehicle.dealership_id)
