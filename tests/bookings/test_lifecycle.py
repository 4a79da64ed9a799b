"""The appointment's state machine: every legal and every illegal transition (no database)."""

import itertools

import pytest

from bookings import lifecycle
from bookings.models import AppointmentStatus as S

LEGAL = {
    (S.REQUESTED, S.BOOKED),
    (S.REQUESTED, S.CANCELLED),
    (S.BOOKED, S.CONFIRMED),
    (S.BOOKED, S.ARRIVED),
    (S.BOOKED, S.CANCELLED),
    (S.BOOKED, S.NO_SHOW),
    (S.CONFIRMED, S.ARRIVED),
    (S.CONFIRMED, S.CANCELLED),
    (S.CONFIRMED, S.NO_SHOW),
    (S.ARRIVED, S.IN_WORKSHOP),
    (S.IN_WORKSHOP, S.QUALITY_CHECK),
    (S.QUALITY_CHECK, S.READY),
    (S.QUALITY_CHECK, S.IN_WORKSHOP),
    (S.READY, S.DELIVERED),
    (S.DELIVERED, S.CLOSED),
}


@pytest.mark.parametrize(("current", "target"), sorted(LEGAL))
def test_legal_transitions_are_allowed(current, target):
    assert lifecycle.can_transition(current, target)


@pytest.mark.parametrize(("current", "target"), sorted(set(itertools.product(S, S)) - LEGAL))
def test_every_other_transition_is_refused(current, target):
    assert not lifecycle.can_transition(current, target)


def test_r6_5_cancelled_and_no_show_only_from_the_open_states():
    for status in S:
        assert lifecycle.can_transition(status, S.CANCELLED) == (status in lifecycle.OPEN)
        assert lifecycle.can_transition(status, S.NO_SHOW) == (status in {S.BOOKED, S.CONFIRMED})


def test_only_open_appointments_move_and_a_confirmed_one_needs_confirming_again():
    assert {s for s in S if lifecycle.can_reschedule(s)} == {S.REQUESTED, S.BOOKED, S.CONFIRMED}
    assert lifecycle.after_reschedule(S.CONFIRMED) is S.BOOKED
    assert lifecycle.after_reschedule(S.BOOKED) is S.BOOKED
