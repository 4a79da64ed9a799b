"""Every write of the bookings layer, one module per job: the day locks, booking and
rescheduling, the lifecycle, idempotent requests and the online customer's hold."""

from bookings.services.booking import (
    AppointmentDetails,
    appointment_book,
    appointment_reschedule,
    capacity_take,
)
from bookings.services.holds import HOLD_MINUTES, slot_hold
from bookings.services.idempotency import idempotent
from bookings.services.locks import capacity_days_lock
from bookings.services.transitions import appointment_cancel, appointment_transition

__all__ = [
    "HOLD_MINUTES",
    "AppointmentDetails",
    "appointment_book",
    "appointment_cancel",
    "appointment_reschedule",
    "appointment_transition",
    "capacity_days_lock",
    "capacity_take",
    "idempotent",
    "slot_hold",
]
