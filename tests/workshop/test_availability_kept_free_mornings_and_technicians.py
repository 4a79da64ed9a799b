"""Where the kept-free quarter falls (R4.3), the morning times of a full-day job (R4.5) and the
technicians' working hours the labour is laid over (R4.8). No database; tables of cases."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from tests.workshop.snapshots import ROME, advisor, at, capacity_day, service, span, week
from workshop.availability import (
    CapacityDay,
    JobLine,
    NoCapacity,
    Policy,
    Reason,
    Refusal,
    SlotRequest,
    confirm,
    day_loads,
    kept_free_quarters,
    offer_slots,
)

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
NOW = at(MONDAY, "10:00")
NO_KEPT_FREE = Policy(kept_free_minutes_per_hour=0)


def clock(moment):
    return moment.astimezone(ROME).strftime("%H:%M")


def minute_of_day(moment):
    local = moment.astimezone(ROME)
    return local.hour * 60 + local.minute


# --- R4.3: the kept-free quarter is a drop-off time -------------------------------------------

KEPT_ON_THE_GRID = [
    # (slot minutes, advisor 1's kept quarters on 8:00-12:30 and 14:00-18:30)
    (10, "08:30 09:40 10:50 11:00 12:10 14:30 15:40 16:50 17:00 18:10"),
    (15, "08:15 09:30 10:45 11:00 12:15 14:45 15:00 16:15 17:30 18:15"),
    (20, "08:00 09:20 10:40 11:00 12:00 14:00 15:20 16:40 17:00 18:00"),
    (30, "08:30 09:00 10:30 11:00 12:00 14:30 15:00 16:30 17:00 18:00"),
    # One drop-off time an hour: kept every other hour, so the hours between take customers.
    (60, "09:00 11:00 15:00 17:00"),
]


@pytest.mark.parametrize(("slot", "clocks"), KEPT_ON_THE_GRID)
def test_r4_3_the_kept_free_quarter_starts_on_a_drop_off_time_of_the_grid(slot, clocks):
    policy = Policy(slot_minutes=slot)
    quarters = kept_free_quarters(advisor(1, TUESDAY), policy, ROME)
    assert " ".join(clock(q.start) for q in quarters) == clocks
    assert all(q.minutes == 15 for q in quarters)
    # On the grid: an urgent car can be received at each one (R4.6).
    assert all(minute_of_day(q.start) % slot == 0 for q in quarters)
    # At varying times: not the same minute of every hour.
    assert len({minute_of_day(q.start) % 60 for q in quarters}) > 1 or slot == 60


@pytest.mark.parametrize("slot", [10, 15, 20, 30])
def test_r4_3_two_advisors_keep_different_times_so_an_urgent_car_finds_someone(slot):
    policy = Policy(slot_minutes=slot)
    one, two = (kept_free_quarters(advisor(n, TUESDAY), policy, ROME) for n in (1, 2))
    shared = {q.start for q in one} & {q.start for q in two}
    # Only the hours with a single drop-off time for a quarter (12:00, 18:00 on 30 minutes)
    # can be kept by both.
    assert all(clock(start) in {"12:00", "18:00"} for start in shared)


def test_r4_3_only_drop_off_times_inside_the_opening_hours_are_kept():
    # The advisor's shift starts at 7:30, the reception opens at 8:10: 8:30 is the hour's time.
    shifted = advisor(1, TUESDAY, hours=(("07:30", "12:30"),))
    opening = (span(TUESDAY, "08:10", "12:30"),)
    quarters = kept_free_quarters(shifted, Policy(), ROME, opening=opening)
    assert [clock(q.start) for q in quarters] == ["08:30", "09:00", "10:30", "11:00", "12:00"]


def _booked_but_kept_free(day, slot):
    """Advisor 1 with every drop-off time booked that does not meet a kept-free quarter."""
    policy = Policy(slot_minutes=slot)
    probe = advisor(1, day)
    kept = kept_free_quarters(probe, policy, ROME)
    reception = timedelta(minutes=15)
    booked = []
    for shift in probe.shifts:
        moment = shift.start
        while moment + reception <= shift.end:
            if not any(q.start < moment + reception and moment < q.end for q in kept):
                booked.append((clock(moment), clock(moment + reception)))
            moment += timedelta(minutes=slot)
    return advisor(1, day, booked=tuple(booked), booked_customers=3)


@pytest.mark.parametrize("slot", [10, 15, 20, 30, 60])
def test_r4_3_urgent_work_is_offered_the_kept_free_quarter_and_nothing_else_is(slot):
    policy = Policy(slot_minutes=slot)
    monday = capacity_day(MONDAY, advisors=(_booked_but_kept_free(MONDAY, slot),))
    snapshot = week(MONDAY, days=3, policy=policy, special={MONDAY: monday})
    urgent = offer_slots(snapshot, SlotRequest(jobs=service(), urgent=True), now=NOW).proposals[0]
    kept = kept_free_quarters(monday.advisors[0], policy, ROME)
    assert urgent.day == MONDAY
    assert urgent.uses_kept_free_time
    assert urgent.drop_off == min(q.start for q in kept if q.start >= NOW)
    same_day = Policy(slot_minutes=slot, same_day_allowed=True)
    ordinary = offer_slots(
        week(MONDAY, days=3, policy=same_day, special={MONDAY: monday}), SlotRequest(jobs=service()), now=NOW
    )
    assert all(p.day != MONDAY for p in ordinary.proposals)


LOAD_FIGURES = [
    # (what is booked with advisor 1 on Tuesday, kept-free minutes left of the 150)
    ((), 150),
    ((("09:30", "09:45"),), 150),  # ordinary time: no kept quarter taken
    ((("09:00", "09:15"),), 135),  # an urgent car in the 9 o'clock quarter
    ((("08:50", "09:05"),), 135),  # a reception reaching into it: no urgent car fits there
    ((("09:00", "09:15"), ("16:30", "16:45")), 120),
]


@pytest.mark.parametrize(("booked", "left"), LOAD_FIGURES)
def test_r4_3_the_load_counts_the_kept_quarters_an_urgent_car_can_still_take(booked, left):
    tuesday = capacity_day(TUESDAY, advisors=(advisor(1, TUESDAY, booked=booked),))
    snapshot = week(TUESDAY, days=1, special={TUESDAY: tuesday})
    (load,) = day_loads(snapshot)
    (advisor_load,) = load.advisors
    assert advisor_load.kept_free_minutes == 150  # a quarter in each of the ten hours
    assert advisor_load.kept_free_minutes_left == left


@pytest.mark.parametrize(
    ("now", "left"),
    [
        (at(TUESDAY, "07:00"), 150),
        (at(TUESDAY, "08:30"), 150),  # the 8:30 quarter can still be had
        (at(TUESDAY, "08:31"), 135),
        (at(TUESDAY, "12:10"), 75),  # 12:00 gone: 14:30, 15:00, 16:30, 17:00, 18:00 left
        (at(TUESDAY, "19:00"), 0),
    ],
)
def test_r4_3_the_load_of_today_leaves_out_the_kept_quarters_already_past(now, left):
    (load,) = day_loads(week(TUESDAY, days=1), now=now)
    assert (load.advisors[0].kept_free_minutes, load.advisors[0].kept_free_minutes_left) == (150, left)


def test_r4_3_the_load_with_a_longer_reception_counts_what_the_urgent_car_needs():
    # Receptions of 30 minutes: a kept quarter at 9:00 needs 9:00-9:30 for the urgent car.
    policy = Policy(reception_minutes=30)
    tuesday = capacity_day(TUESDAY, advisors=(advisor(1, TUESDAY, booked=(("09:15", "09:30"),)),))
    (load,) = day_loads(week(TUESDAY, days=1, policy=policy, special={TUESDAY: tuesday}))
    assert load.advisors[0].kept_free_minutes - load.advisors[0].kept_free_minutes_left == 15


# --- R4.5: a full-day job is offered the morning and the evening --------------------------------


def _drop_off_kinds(offer):
    return {"evening" if Reason.EVENING_DROP_OFF in p.reasons else "morning" for p in offer.proposals}


FULL_DAY_OFFERS = [
    # (now, alternatives, the first two drop-offs as (day, clock))
    # Monday morning: this evening for work tomorrow, and tomorrow morning (the other period).
    (at(MONDAY, "10:00"), 0, [(MONDAY, "16:30"), (TUESDAY, "08:00")]),
    # After the last evening time: tomorrow in the peak and tomorrow at 9:30 (the guide's
    # example), the evening drop-off besides.
    (at(MONDAY, "18:20"), 0, [(TUESDAY, "08:00"), (TUESDAY, "09:30")]),
    (at(MONDAY, "18:20"), 3, [(TUESDAY, "08:00"), (TUESDAY, "09:30")]),
]


@pytest.mark.parametrize(("now", "alternatives", "first_two"), FULL_DAY_OFFERS)
def test_r4_5_a_full_day_job_is_offered_morning_times_and_the_evening_drop_off(now, alternatives, first_two):
    request = SlotRequest(jobs=service(minutes=480), alternatives=alternatives)
    offer = offer_slots(week(MONDAY, policy=NO_KEPT_FREE), request, now=now)
    assert [(p.day, clock(p.drop_off)) for p in offer.proposals[:2]] == first_two
    assert _drop_off_kinds(offer) == {"morning", "evening"}
    for proposal in offer.proposals:
        local = clock(proposal.drop_off)
        if Reason.EVENING_DROP_OFF in proposal.reasons:
            assert local >= "16:30"
            assert clock(proposal.work_starts) == "08:00"
            assert proposal.work_starts.astimezone(ROME).date() > proposal.day
        else:  # the morning: the work starts once the car is received
            assert local < "12:00"
            assert proposal.work_starts == proposal.reception_end


def test_r4_5_the_guides_morning_times_are_offered_for_a_full_day_job():
    # "Tomorrow 9:30 or 10:30": both can be booked, and the afternoon cannot.
    snapshot = week(MONDAY, policy=NO_KEPT_FREE)
    request = SlotRequest(jobs=service(minutes=480))
    for morning in ("09:30", "10:30"):
        booked = confirm(snapshot, request, advisor_id=1, drop_off=at(TUESDAY, morning), now=NOW)
        assert Reason.EVENING_DROP_OFF not in booked.reasons
        # 8 hours from 9:45 (or 10:45): the lunch break, then to the next morning.
        assert booked.promised_return.astimezone(ROME).date() == WEDNESDAY
    with pytest.raises(NoCapacity) as refused:
        confirm(snapshot, request, advisor_id=1, drop_off=at(TUESDAY, "14:30"), now=NOW)
    assert refused.value.refusal is Refusal.EVENING_DROP_OFF_ONLY


def test_r4_5_no_afternoon_time_is_offered_to_a_full_day_job():
    request = SlotRequest(jobs=service(minutes=600), alternatives=12)
    offer = offer_slots(week(MONDAY, policy=NO_KEPT_FREE), request, now=NOW)
    assert all(not ("12:00" <= clock(p.drop_off) < "16:30") for p in offer.proposals)
    assert _drop_off_kinds(offer) == {"morning", "evening"}


def test_r4_5_a_full_day_job_on_the_last_day_known_is_offered_its_morning():
    # Nothing after Tuesday: no evening drop-off, but Tuesday morning's work fits in the day.
    snapshot = week(MONDAY, days=2, policy=NO_KEPT_FREE)
    offer = offer_slots(snapshot, SlotRequest(jobs=service(minutes=420)), now=at(MONDAY, "18:20"))
    assert [(p.day, clock(p.drop_off)) for p in offer.proposals] == [(TUESDAY, "08:00"), (TUESDAY, "09:30")]


# --- R4.8: labour is laid over the technicians' working hours -----------------------------------


def _with_technicians(day, hours_by_skill) -> CapacityDay:
    """A day whose technicians of each skill work the given wall-clock spans."""
    hours = {skill: tuple(span(day, s, e) for s, e in spans) for skill, spans in hours_by_skill.items()}
    minutes = {skill: sum(i.minutes for i in intervals) for skill, intervals in hours.items()}
    return replace(capacity_day(day, technicians=minutes), technician_hours=hours)


TECHNICIAN_HOURS = [
    # (case, technicians' hours by skill each day, jobs, drop-off on Tuesday,
    #  work starts, promised return, labour by day as (day offset from Tuesday, minutes))
    (
        "technicians work through the reception's lunch break",
        {"maintenance": [("08:00", "17:00")]},
        service(minutes=300),
        "08:00",
        (TUESDAY, "08:15"),
        (TUESDAY, "14:00"),  # the work ends at 13:15, the reception opens again at 14:00
        [(0, 300)],
    ),
    (
        "technicians start after the reception opens",
        {"maintenance": [("09:00", "12:00"), ("13:00", "17:00")]},
        service(minutes=60),
        "08:00",
        (TUESDAY, "09:00"),
        (TUESDAY, "10:00"),
        [(0, 60)],
    ),
    (
        "technicians stop before the reception closes",
        {"maintenance": [("08:00", "12:00"), ("13:00", "16:00")]},
        service(minutes=420),
        "08:00",
        (TUESDAY, "08:15"),
        (WEDNESDAY, "08:30"),  # 225 + 180 minutes on Tuesday, the last 15 on Wednesday morning
        [(0, 405), (1, 15)],
    ),
    (
        "a skill worked only in the mornings",
        {"maintenance": [("08:00", "18:30")], "diagnosis": [("08:00", "12:00")]},
        (JobLine(skill="maintenance", minutes=30), JobLine(skill="diagnosis", minutes=120)),
        "11:00",
        (TUESDAY, "11:15"),
        (WEDNESDAY, "10:00"),  # diagnosis 11:45-12:00 on Tuesday, then 8:00-9:45 on Wednesday
        [(0, 45), (1, 105)],
    ),
]


@pytest.mark.parametrize(
    ("case", "hours", "jobs", "drop_off", "work_starts", "back", "labour"),
    TECHNICIAN_HOURS,
    ids=[case[0] for case in TECHNICIAN_HOURS],
)
def test_r4_8_labour_is_laid_over_the_technicians_working_hours(
    case, hours, jobs, drop_off, work_starts, back, labour
):
    special = {d: _with_technicians(d, hours) for d in (TUESDAY, WEDNESDAY, WEDNESDAY + timedelta(days=1))}
    snapshot = week(MONDAY, days=5, policy=NO_KEPT_FREE, special=special)
    proposal = confirm(
        snapshot, SlotRequest(jobs=jobs), advisor_id=1, drop_off=at(TUESDAY, drop_off), now=NOW
    )
    assert proposal.work_starts == at(*work_starts)
    assert proposal.promised_return == at(*back)
    by_day: dict[int, int] = {}
    for day, _, minutes in proposal.labour_by_day:
        by_day[(day - TUESDAY).days] = by_day.get((day - TUESDAY).days, 0) + minutes
    assert sorted(by_day.items()) == labour


def test_r4_8_an_evening_drop_off_is_worked_on_from_the_technicians_first_hour():
    early = {"maintenance": [("07:00", "12:00"), ("13:00", "16:00")]}
    special = {d: _with_technicians(d, early) for d in (TUESDAY, WEDNESDAY, WEDNESDAY + timedelta(days=1))}
    snapshot = week(MONDAY, days=5, policy=NO_KEPT_FREE, special=special)
    request = SlotRequest(jobs=service(minutes=480))
    proposal = confirm(snapshot, request, advisor_id=1, drop_off=at(TUESDAY, "16:30"), now=NOW)
    assert proposal.work_starts == at(WEDNESDAY, "07:00")
    # 480 minutes: 7:00-12:00 and 13:00-16:00 on Wednesday, handed back on the grid at 16:00.
    assert proposal.promised_return == at(WEDNESDAY, "16:00")


def test_r4_8_a_skill_with_no_working_hours_is_refused_as_no_skill():
    hours = {"maintenance": [("08:00", "17:00")]}
    special = {d: _with_technicians(d, hours) for d in (TUESDAY, WEDNESDAY)}
    snapshot = week(MONDAY, days=3, policy=NO_KEPT_FREE, special=special)
    with pytest.raises(NoCapacity) as refused:
        confirm(
            snapshot,
            SlotRequest(jobs=service(skill="bodywork")),
            advisor_id=1,
            drop_off=at(TUESDAY, "08:00"),
            now=NOW,
        )
    assert refused.value.refusal is Refusal.NO_SKILL
