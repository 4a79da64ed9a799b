"""Moving an appointment along its lifecycle (bookings.lifecycle), and the history it leaves."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from bookings import lifecycle, signals
from bookings.ledger import appointment_capacity, ledger_free, ledger_write
from bookings.models import Appointment, AppointmentStatus, AppointmentTransition
from bookings.services.locks import capacity_days_lock
from config.errors import IllegalTransition
from dealerships.models import Dealership, User
from dealerships.ownership import ensure_owned_by

REASON_MAX_LENGTH = 200  # AppointmentTransition.reason, Appointment.cancel_reason


@transaction.atomic
def appointment_transition(
    *,
    dealership: Dealership,
    appointment: Appointment,
    to_status: str,
    by: User | None,
    now: datetime,
    reason: str = "",
) -> Appointment:
    """Move the appointment along its lifecycle, or raise IllegalTransition; a cancellation
    needs a reason and gives the capacity back."""
    appointment = appointment_locked(dealership, appointment)
    if not lifecycle.can_transition(appointment.status, to_status):
        raise IllegalTransition(
            _("An appointment that is %(current)s cannot become %(target)s.")
            % {
                "current": appointment.get_status_display().lower(),
                "target": AppointmentStatus(to_status).label.lower(),
            },
            field="status",
        )
    if to_status in lifecycle.NEEDS_REASON and not reason.strip():
        raise ValidationError({"reason": _("Say why the appointment is cancelled.")})
    previous = appointment.status
    appointment.status = to_status
    if to_status == AppointmentStatus.CANCELLED:
        appointment.cancel_reason = reason.strip()[:REASON_MAX_LENGTH]
    appointment.save(update_fields=["status", "cancel_reason", "updated_at"])
    if to_status in lifecycle.CAPACITY_RELEASED and previous not in lifecycle.CAPACITY_RELEASED:
        _capacity_give_back(dealership, appointment)
    transition_record(appointment, from_status=previous, to_status=to_status, by=by, at=now, reason=reason)
    signals.appointment_status_changed.send(
        sender=Appointment, appointment=appointment, previous_status=previous, now=now
    )
    return appointment


def appointment_cancel(
    *, dealership: Dealership, appointment: Appointment, reason: str, by: User | None, now: datetime
) -> Appointment:
    """Cancel the appointment with the customer's reason; its capacity is free again."""
    return appointment_transition(
        dealership=dealership,
        appointment=appointment,
        to_status=AppointmentStatus.CANCELLED,
        by=by,
        now=now,
        reason=reason,
    )


def _capacity_give_back(dealership: Dealership, appointment: Appointment) -> None:
    """Free what the appointment took in the capacity ledger of its days, under their locks
    (bookings.ledger). A status that gives capacity back is final (lifecycle), so no
    transition takes it again; a no-show keeps it."""
    tz = dealership.tz
    taken = appointment_capacity(
        appointment, labour=appointment.labour.values_list("day", "skill", "minutes"), tz=tz
    )
    ledger = capacity_days_lock(dealership=dealership, days=sorted(taken.days))
    ledger_free(ledger, taken)
    ledger_write(ledger.values())


def appointment_locked(dealership: Dealership, appointment: Appointment) -> Appointment:
    """The appointment's row, locked and fresh: two changes of one appointment never interleave."""
    ensure_owned_by(dealership, appointment)
    return Appointment.objects.select_for_update().get(pk=appointment.pk)


def transition_record(
    appointment: Appointment,
    *,
    to_status: str,
    by: User | None,
    at: datetime,
    from_status: str = "",
    reason: str = "",
) -> None:
    """One line of the appointment's history."""
    AppointmentTransition.objects.create(
        dealership_id=appointment.dealership_id,
        appointment=appointment,
        from_status=from_status,
        to_status=to_status,
        at=at,
        by=by,
        reason=reason[:REASON_MAX_LENGTH],
    )
