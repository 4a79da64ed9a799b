"""The appointment's lifecycle as an explicit state machine (pure: no ORM).

requested -> booked -> confirmed -> arrived -> in workshop -> quality check -> ready ->
delivered -> closed; cancelled and no-show from the open states (before arrival). A quality
check that fails sends the car back to the workshop.
"""

from bookings.models import AppointmentStatus as S

TRANSITIONS: dict[S, frozenset[S]] = {
    S.REQUESTED: frozenset({S.BOOKED, S.CANCELLED}),
    S.BOOKED: frozenset({S.CONFIRMED, S.ARRIVED, S.CANCELLED, S.NO_SHOW}),
    S.CONFIRMED: frozenset({S.ARRIVED, S.CANCELLED, S.NO_SHOW}),
    S.ARRIVED: frozenset({S.IN_WORKSHOP}),  # R6.5: the advisor closes the booking as arrived
    S.IN_WORKSHOP: frozenset({S.QUALITY_CHECK}),
    S.QUALITY_CHECK: frozenset({S.READY, S.IN_WORKSHOP}),  # R8.8
    S.READY: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
    S.NO_SHOW: frozenset(),
}
# The states before the car arrives: the appointment can still move, be cancelled or missed.
OPEN = frozenset({S.REQUESTED, S.BOOKED, S.CONFIRMED})
NEEDS_REASON = frozenset({S.CANCELLED})


def can_transition(current: str, target: str) -> bool:
    return S(target) in TRANSITIONS[S(current)]


def can_reschedule(current: str) -> bool:
    return S(current) in OPEN


def after_reschedule(current: str) -> S:
    """A confirmed appointment that moves needs confirming again (R5.4)."""
    return S.BOOKED if S(current) is S.CONFIRMED else S(current)
