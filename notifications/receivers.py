"""The bookings' signals, turned into outbox rows in the same transaction as the change
(connected in NotificationsConfig.ready; bookings never imports notifications)."""

from datetime import datetime
from typing import Any

from bookings.models import AccessCode, Appointment, AppointmentStatus
from notifications.services import outbox


def appointment_booked(sender: type, *, appointment: Appointment, now: datetime, **kwargs: Any) -> None:
    outbox.appointment_booked_messages(appointment=appointment, now=now)


def appointment_rescheduled(sender: type, *, appointment: Appointment, now: datetime, **kwargs: Any) -> None:
    outbox.appointment_moved_messages(appointment=appointment, now=now)


def appointment_status_changed(
    sender: type, *, appointment: Appointment, previous_status: str, now: datetime, **kwargs: Any
) -> None:
    # A confirmation, an arrival or a no-show changes what is still worth sending: the dispatcher
    # checks each row against the appointment when it is due. Only a cancellation is told.
    if appointment.status == AppointmentStatus.CANCELLED and previous_status != AppointmentStatus.CANCELLED:
        outbox.appointment_cancelled_messages(appointment=appointment, now=now)


def access_code_issued(
    sender: type,
    *,
    access_code: AccessCode,
    code: str,
    channel: str,
    to: str,
    minutes: int,
    now: datetime,
    **kwargs: Any,
) -> None:
    outbox.access_code_message(
        access_code=access_code, code=code, channel=channel, to=to, minutes=minutes, now=now
    )
