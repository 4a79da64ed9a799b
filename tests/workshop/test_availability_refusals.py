"""Why the engine says no: the check of one chosen time gives the rule that refuses it, and an
offer with no proposal says what ran out. No database; one case per refusal."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from tests.workshop.snapshots import advisor, at, capacity_day, service, week
from workshop.availability import (
    NoCapacity,
    Policy,
    Refusal,
    SlotRequest,
    confirm,
    offer_slots,
)

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
NOW = at(MONDAY, "10:00")
NO_KEPT_FREE = Policy(kept_free_minutes_per_hour=0)


def _refusal(snapshot, request, *, advisor_id=1, drop_off):
    with pytest.raises(NoCapacity) as refused:
        confirm(snapshot, request, advisor_id=advisor_id, drop_off=drop_off, now=NOW)
    return refused.value.refusal


def _tuesday(**options):
    """Monday to Sunday with Tuesday replaced: `options` are capacity_day's."""
    return week(MONDAY, days=7, policy=NO_KEPT_FREE, special={TUESDAY: capacity_day(TUESDAY, **options)})


CHOSEN_TIMES = [
    ("passed", _tuesday(), SlotRequest(jobs=service()), 1, at(MONDAY, "09:00"), Refusal.PASSED),
    (
        "closed on Sunday",
        _tuesday(),
        SlotRequest(jobs=service()),
        1,
        at(MONDAY + timedelta(days=6), "10:00"),
        Refusal.CLOSED_DAY,
    ),
    (
        "off the grid",
        _tuesday(),
        SlotRequest(jobs=service()),
        1,
        at(TUESDAY, "10:10"),
        Refusal.NOT_A_SLOT,
    ),
    (
        "after closing",
        _tuesday(),
        SlotRequest(jobs=service()),
        1,
        at(TUESDAY, "19:00"),
        Refusal.NOT_A_SLOT,
    ),
    ("today", _tuesday(), SlotRequest(jobs=service()), 1, at(MONDAY, "15:00"), Refusal.SAME_DAY),
    (
        # R4.5: a full-day job is dropped off in the morning or the evening, not in between.
        "a full-day job in the afternoon",
        _tuesday(),
        SlotRequest(jobs=service(480)),
        1,
        at(TUESDAY, "14:00"),
        Refusal.EVENING_DROP_OFF_ONLY,
    ),
    (
        "a full-day job this morning",
        _tuesday(),
        SlotRequest(jobs=service(480)),
        1,
        at(MONDAY, "11:30"),
        Refusal.SAME_DAY,
    ),
    (
        "work past the snapshot's last day",
        week(MONDAY, days=2, policy=NO_KEPT_FREE),
        SlotRequest(jobs=service(90)),
        1,
        at(TUESDAY, "18:00"),
        Refusal.WORK_PAST_LAST_DAY,
    ),
    (
        "a skill nobody has",
        _tuesday(),
        SlotRequest(jobs=service(60, "ev_high_voltage")),
        1,
        at(TUESDAY, "10:00"),
        Refusal.NO_SKILL,
    ),
    (
        "the technicians' hours",
        _tuesday(booked_labour={"maintenance": 4 * 480 - 30}),
        SlotRequest(jobs=service(60)),
        1,
        at(TUESDAY, "10:00"),
        Refusal.TECHNICIANS_FULL,
    ),
    (
        "outside the advisor's shift",
        _tuesday(advisors=(advisor(1, TUESDAY, hours=(("08:00", "12:30"),)),)),
        SlotRequest(jobs=service()),
        1,
        at(TUESDAY, "15:00"),
        Refusal.ADVISOR_NOT_RECEIVING,
    ),
    (
        "an advisor who is not there",
        _tuesday(),
        SlotRequest(jobs=service()),
        99,
        at(TUESDAY, "10:00"),
        Refusal.ADVISOR_NOT_RECEIVING,
    ),
    (
        "another reception then",
        _tuesday(advisors=(advisor(1, TUESDAY, booked=(("10:00", "10:15"),)),)),
        SlotRequest(jobs=service()),
        1,
        at(TUESDAY, "10:00"),
        Refusal.TAKEN,
    ),
    (
        "the advisor's maximum",
        _tuesday(advisors=(advisor(1, TUESDAY, booked_customers=8, max_customers=8),)),
        SlotRequest(jobs=service()),
        1,
        at(TUESDAY, "10:00"),
        Refusal.ADVISOR_FULL,
    ),
    (
        "the online places",
        _tuesday(advisors=(advisor(1, TUESDAY, booked_customers=2, booked_online=2, max_online=2),)),
        SlotRequest(jobs=service(), online=True),
        1,
        at(TUESDAY, "10:00"),
        Refusal.ONLINE_FULL,
    ),
]


@pytest.mark.parametrize(
    ("case", "snapshot", "request_", "advisor_id", "drop_off", "refusal"),
    CHOSEN_TIMES,
    ids=[case[0] for case in CHOSEN_TIMES],
)
def test_r4_2_r4_8_the_check_of_a_chosen_time_says_which_rule_refuses_it(
    case, snapshot, request_, advisor_id, drop_off, refusal
):
    assert _refusal(snapshot, request_, advisor_id=advisor_id, drop_off=drop_off) is refusal


def test_r4_3_the_check_refuses_the_kept_free_quarter_saying_so():
    snapshot = week(MONDAY, days=7)
    # 9:00-9:15 is advisor 1's kept-free quarter on Tuesday, on a drop-off time; 9:30 is ordinary.
    assert _refusal(snapshot, SlotRequest(jobs=service()), drop_off=at(TUESDAY, "09:00")) is Refusal.KEPT_FREE
    confirm(snapshot, SlotRequest(jobs=service()), advisor_id=1, drop_off=at(TUESDAY, "09:30"), now=NOW)


def test_r4_3_r2_3_a_comeback_takes_a_kept_free_quarter_only_when_nobody_has_ordinary_time_then():
    two_advisors = (advisor(1, TUESDAY), advisor(2, TUESDAY))
    snapshot = week(MONDAY, days=7, special={TUESDAY: capacity_day(TUESDAY, advisors=two_advisors)})
    comeback = SlotRequest(jobs=service(), comeback=True)
    # Advisor 2 has ordinary time at 9:00: advisor 1's kept-free quarter stays kept.
    assert _refusal(snapshot, comeback, drop_off=at(TUESDAY, "09:00")) is Refusal.KEPT_FREE
    assert confirm(snapshot, comeback, advisor_id=2, drop_off=at(TUESDAY, "09:00"), now=NOW).advisor_id == 2
    alone = week(MONDAY, days=7)
    assert confirm(alone, comeback, advisor_id=1, drop_off=at(TUESDAY, "09:00"), now=NOW).uses_kept_free_time


def test_the_advisor_chosen_is_what_the_check_speaks_of_when_another_is_free():
    two_advisors = (advisor(1, TUESDAY, booked=(("10:00", "10:15"),)), advisor(2, TUESDAY))
    snapshot = week(
        MONDAY, days=7, policy=NO_KEPT_FREE, special={TUESDAY: capacity_day(TUESDAY, advisors=two_advisors)}
    )
    assert _refusal(snapshot, SlotRequest(jobs=service()), drop_off=at(TUESDAY, "10:00")) is Refusal.TAKEN


def _shortfall(snapshot, request):
    with pytest.raises(NoCapacity) as nothing:
        offer_slots(snapshot, request, now=NOW)
    return nothing.value.refusal


def _every_day(*, options):
    """Monday to Sunday (closed); `options(day)` gives each open day's capacity_day options."""
    special = {
        MONDAY + timedelta(days=n): capacity_day(
            MONDAY + timedelta(days=n), **options(MONDAY + timedelta(days=n))
        )
        for n in range(6)
    }
    return week(MONDAY, days=7, policy=NO_KEPT_FREE, special=special)


EMPTY_OFFERS = [
    (
        "closed throughout",
        week(
            MONDAY,
            days=7,
            special={d: capacity_day(d, closed=True) for d in (MONDAY + timedelta(days=n) for n in range(7))},
        ),
        SlotRequest(jobs=service()),
        Refusal.CLOSED_THROUGHOUT,
    ),
    (
        "a skill nobody has",
        week(MONDAY, days=7),
        SlotRequest(jobs=service(60, "bodywork")),
        Refusal.NO_SKILL,
    ),
    (
        "no advisor",
        _every_day(options=lambda day: {"advisors": ()}),
        SlotRequest(jobs=service()),
        Refusal.NO_ADVISOR,
    ),
    (
        "every advisor at the maximum",
        _every_day(options=lambda day: {"advisors": (advisor(1, day, booked_customers=8),)}),
        SlotRequest(jobs=service()),
        Refusal.FULLY_BOOKED,
    ),
    (
        "the technicians' hours",
        _every_day(options=lambda day: {"booked_labour": {"maintenance": 4 * 480}}),
        SlotRequest(jobs=service()),
        Refusal.TECHNICIANS_FULL,
    ),
    (
        "the online places",
        _every_day(options=lambda day: {"advisors": (advisor(1, day, booked_online=8, booked_customers=0),)}),
        SlotRequest(jobs=service(), online=True),
        Refusal.ONLINE_FULL,
    ),
    (
        "work longer than the days known",
        week(MONDAY, days=2, policy=NO_KEPT_FREE),
        SlotRequest(jobs=service(1000)),
        Refusal.WORK_PAST_LAST_DAY,
    ),
]


@pytest.mark.parametrize(
    ("case", "snapshot", "request_", "shortfall"),
    EMPTY_OFFERS,
    ids=[case[0] for case in EMPTY_OFFERS],
)
def test_r4_4_an_offer_with_no_proposal_says_what_ran_out(case, snapshot, request_, shortfall):
    assert _shortfall(snapshot, request_) is shortfall


def test_r4_2_every_proposal_offered_is_accepted_by_the_check():
    """The offer and the check read the same rules: each time offered confirms as offered."""
    snapshot = week(MONDAY, days=14)
    for request_ in (
        SlotRequest(jobs=service(90), alternatives=6),
        SlotRequest(jobs=service(480), alternatives=3),
        SlotRequest(jobs=service(60), urgent=True, alternatives=3),
        SlotRequest(jobs=service(60), comeback=True, alternatives=3),
        SlotRequest(jobs=service(60, "diagnosis"), online=True, alternatives=3),
    ):
        for proposal in offer_slots(snapshot, request_, now=NOW).proposals:
            confirmed = confirm(
                snapshot, request_, advisor_id=proposal.advisor_id, drop_off=proposal.drop_off, now=NOW
            )
            assert replace(confirmed, reasons=()) == replace(proposal, reasons=())
