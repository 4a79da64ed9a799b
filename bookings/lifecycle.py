"""The appointment's lifecycle as an explicit state machine (pure: no ORM).

requested -> booked -> confirmed -> arrived -> in workshop -> quality check -> ready ->
delivered -> closed; cancelled and no-show from the open states (before arrival). A quality
check that fails sends the car back to the workshop.
"""

from bookings.models import AppointmentStatus as S
from dealerships.access import Capability

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
# A cancelled appointment gives its capacity back; every other status keeps it (a no-show's
# reception time has passed anyway, and its labour was planned).
CAPACITY_RELEASED = (S.CANCELLED,)
FIRST_STATUS = S.BOOKED  # what a booking made by the desk or by the customer starts as
# The states before the car arrives: the appointment can still move, be cancelled or missed.
OPEN = frozenset({S.REQUESTED, S.BOOKED, S.CONFIRMED})
NEEDS_REASON = frozenset({S.CANCELLED})
# From the arrival on, the appointment is moved along by the people who receive and repair the
# car; before it, by whoever books.
WORKSHOP_SIDE = frozenset({S.ARRIVED, S.IN_WORKSHOP, S.QUALITY_CHECK, S.READY, S.DELIVERED, S.CLOSED})


def can_transition(current: str, target: str) -> bool:
    return S(target) in TRANSITIONS[S(current)]


def can_reschedule(current: str) -> bool:
    return S(current) in OPEN


def is_workshop_side(target: str) -> bool:
    """Whether moving to `target` is the workshop's step (arrival and after), not the booking's."""
    return S(target) in WORKSHOP_SIDE


def transition_capability(target: str) -> Capability:
    """Who may move an appointment to `target`: the desk before the arrival, the reception after."""
    return Capability.RECEIVE_VEHICLES if is_workshop_side(target) else Capability.BOOK_APPOINTMENTS


def next_statuses(current: str) -> list[S]:
    """The statuses the appointment can move to next, in the lifecycle's order."""
    allowed = TRANSITIONS[S(current)]
    return [status for status in S if status in allowed]


def after_reschedule(current: str) -> S:
    """A confirmed appointment that moves needs confirming again (R5.4)."""
    return S.BOOKED if S(current) is S.CONFIRMED else S(current)
