"""A fully booked day costs the engine a few operations per advisor, whatever its receptions: it
is passed over without its times being tried one by one (R4.1, R4.2). No database."""

from datetime import UTC, date, datetime, timedelta

import pytest

from tests.workshop.snapshots import ROME, advisor, at, capacity_day, minutes_of, service
from workshop.availability import (
    JobLine,
    NoCapacity,
    Policy,
    Reason,
    Refusal,
    SlotRequest,
    Snapshot,
    day_start,
    minute_bits,
    offer_slots,
    rules,
    run_starts,
)

MONDAY = date(2026, 11, 23)
HALF_HOURS = tuple((f"{h:02d}:{m:02d}", f"{h:02d}:{m + 15:02d}") for h in range(8, 18) for m in (0, 30))
OPEN = (("08:00", "18:00"),)
POLICY = Policy(kept_free_minutes_per_hour=0)


def _horizon(full_day, *, days=60, advisors=10, last_free=True):
    """`days` open days from Tuesday, every advisor's day full (as `full_day` fills it) but for
    one time per advisor on the last day."""
    built = []
    for offset in range(1, days + 1):
        day = MONDAY + timedelta(days=offset)
        if offset == days and last_free:
            team = tuple(
                advisor(n, day, hours=OPEN, booked=HALF_HOURS[:n] + HALF_HOURS[n + 1 :], max_customers=20)
                for n in range(advisors)
            )
        else:
            team = tuple(full_day(n, day) for n in range(advisors))
        built.append(capacity_day(day, hours=OPEN, advisors=team, technicians={"maintenance": 100_000}))
    return Snapshot(tz=ROME, policy=POLICY, days=tuple(built))


def _at_the_maximum(n, day):
    return advisor(n, day, hours=OPEN, booked=HALF_HOURS, max_customers=20)


def _every_minute_taken(n, day):
    # Under the maximum, but no stretch of fifteen minutes free anywhere in the shift.
    return advisor(n, day, hours=OPEN, booked=(("08:00", "18:00"),), booked_customers=5, max_customers=30)


@pytest.fixture
def times_tried(monkeypatch):
    tried = []
    fit = rules._fit

    def counting_fit(snapshot, request, plan, start, **kwargs):
        tried.append(start)
        return fit(snapshot, request, plan, start, **kwargs)

    monkeypatch.setattr(rules, "_fit", counting_fit)
    return tried


@pytest.mark.parametrize("full_day", [_at_the_maximum, _every_minute_taken])
def test_the_first_free_time_at_the_end_of_a_full_horizon_tries_only_the_last_days_times(
    full_day, times_tried
):
    snapshot = _horizon(full_day)
    offer = offer_slots(snapshot, SlotRequest(jobs=service(45)), now=at(MONDAY, "10:00"))
    last_day = snapshot.days[-1].day
    assert offer.proposals[0].drop_off == at(last_day, "08:00")
    assert offer.proposals[0].advisor_id == 0
    assert {moment.astimezone(ROME).date() for moment in times_tried} == {last_day}


def test_a_horizon_full_throughout_says_so_without_trying_a_time(times_tried):
    snapshot = _horizon(_at_the_maximum, last_free=False)
    with pytest.raises(NoCapacity) as nothing:
        offer_slots(snapshot, SlotRequest(jobs=service(45)), now=at(MONDAY, "10:00"))
    assert nothing.value.refusal is Refusal.FULLY_BOOKED
    assert times_tried == []


def test_a_day_full_for_ordinary_work_is_still_walked_for_urgent_work_on_its_kept_free_time():
    """R4.3, R4.6: at the maximum, today's kept-free quarters are still there for urgent work."""
    today = MONDAY
    policy = Policy(same_day_allowed=False)
    giulia = advisor(1, today, booked=(), booked_customers=8, max_customers=8)
    snapshot = Snapshot(tz=ROME, policy=policy, days=(capacity_day(today, advisors=(giulia,)),))
    with pytest.raises(NoCapacity):
        offer_slots(snapshot, SlotRequest(jobs=service(30)), now=at(today, "07:00"))
    urgent = offer_slots(snapshot, SlotRequest(jobs=service(30), urgent=True), now=at(today, "07:00"))
    assert urgent.proposals[0].uses_kept_free_time


def test_r9_5_a_day_whose_online_places_are_taken_is_full_for_online_requests_only():
    """R9.5: the places kept for the phone desk are still there for it."""
    tuesday = MONDAY + timedelta(days=1)
    giulia = advisor(1, tuesday, booked_online=2, max_online=2, booked_customers=2)
    snapshot = Snapshot(tz=ROME, policy=POLICY, days=(capacity_day(tuesday, advisors=(giulia,)),))
    with pytest.raises(NoCapacity) as nothing:
        offer_slots(snapshot, SlotRequest(jobs=service(30), online=True), now=at(MONDAY, "10:00"))
    assert nothing.value.refusal is Refusal.ONLINE_FULL
    assert offer_slots(snapshot, SlotRequest(jobs=service(30)), now=at(MONDAY, "10:00")).proposals


def test_minutes_count_from_the_local_midnight_also_when_the_clocks_go_back():
    # Europe/Rome goes back on Sunday 25 October 2026: that day has 25 hours.
    sunday = date(2026, 10, 25)
    assert day_start(sunday, ROME) == datetime(2026, 10, 24, 22, 0, tzinfo=UTC)
    eight = minute_bits(at(sunday, "08:00"), at(sunday, "08:15"), day_start(sunday, ROME))
    assert eight == ((1 << 15) - 1) << (9 * 60)  # nine hours after midnight on that day
    assert minutes_of(sunday, [("23:00", "23:30")]) == ((1 << 30) - 1) << (24 * 60)


def test_a_stretch_covers_every_minute_it_touches():
    origin = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)
    start = origin + timedelta(minutes=10, seconds=30)
    assert minute_bits(start, start + timedelta(minutes=1), origin) == 0b11 << 10
    assert minute_bits(start, start, origin) == 0


@pytest.mark.parametrize(
    ("minutes", "length", "starts"),
    [
        (0b1111, 4, 0b0001),
        (0b1111, 2, 0b0111),
        (0b1110111, 3, 0b0010001),
        (0b1110111, 4, 0),
        ((1 << 600) - 1, 15, (1 << 586) - 1),
    ],
)
def test_run_starts_finds_where_a_stretch_of_that_length_begins(minutes, length, starts):
    assert run_starts(minutes, length) == starts


def test_a_full_day_job_looks_for_an_evening_time_on_a_day_with_room():
    """R4.5: a full day at its evening times passes the job to the next evening with room."""
    tuesday, wednesday = MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)
    evening_taken = advisor(1, tuesday, booked=(("16:30", "18:30"),), booked_customers=4)
    snapshot = Snapshot(
        tz=ROME,
        policy=Policy(),
        days=tuple(
            capacity_day(d, advisors=(evening_taken if d == tuesday else advisor(1, d),))
            for d in (tuesday, wednesday, MONDAY + timedelta(days=3), MONDAY + timedelta(days=4))
        ),
    )
    job = SlotRequest(jobs=(JobLine(skill="maintenance", minutes=480),))
    offer = offer_slots(snapshot, job, now=at(MONDAY, "10:00"))
    # Tuesday morning is offered too (R4.5: morning times as well as the evening).
    assert offer.proposals[0].day == tuesday
    evening = next(p for p in offer.proposals if Reason.EVENING_DROP_OFF in p.reasons)
    assert evening.day == wednesday
