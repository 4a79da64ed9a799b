"""What the booking services' signals cause here (bookings.signals, connected in followups.apps):
run inside the change's transaction, so a follow-up commits or rolls back with it."""

from datetime import datetime
from typing import Any

from bookings.models import Appointment, AppointmentStatus
from followups import services


def appointment_booked(sender: object, *, appointment: Appointment, now: datetime, **kwargs: Any) -> None:
    """A booking after a reminder is counted as led to by it (R7.5's KPIs)."""
    services.booking_attribute(appointment=appointment, now=now)


def appointment_status_changed(
    sender: object, *, appointment: Appointment, previous_status: str, now: datetime, **kwargs: Any
) -> None:
    if appointment.status == AppointmentStatus.NO_SHOW:
        services.no_show_followups_write(appointment=appointment, now=now)  # R6.6
    elif appointment.status == AppointmentStatus.DELIVERED:
        services.satisfaction_followup_write(appointment=appointment, now=now)  # R9.1
