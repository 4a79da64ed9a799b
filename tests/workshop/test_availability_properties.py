"""Properties of every offer, over random snapshots (hypothesis).

The strategies build snapshots a dealership could really have, with room for the request
somewhere (advisors whose shifts cover slots, technician minutes for the labour, days from
today on), so nearly every example gets an offer and reaches the assertions; each test counts
how many do and fails below MIN_CHECKED_SHARE, because a property that returns early on most
examples proves little. Within those snapshots the rules still bite: booked receptions,
advisors at their maximum or their online cap, days without the technician minutes, closed
days, kept-free quarters, same-day bookings and the clock changes of the seed market.
"""

from collections import Counter
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from unittest.mock import patch

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.workshop.snapshots import ROME, advisor, at, capacity_day
from workshop.availability import (
    MINUTE,
    CapacityDay,
    DoubleOffer,
    JobLine,
    NoCapacity,
    Period,
    Policy,
    Reason,
    Refusal,
    SlotRequest,
    Snapshot,
    confirm,
    day_start,
    kept_free_quarters,
    minute_bits,
    offer_slots,
)

EXAMPLES = 300
MIN_CHECKED_SHARE = 0.8
# An ordinary week, and the weeks whose Sunday the clocks go back (autumn) and forward (spring).
FIRST_DAYS = [date(2026, 11, 23), date(2026, 10, 22), date(2026, 3, 26)]
SKILLS = ["maintenance", "diagnosis", "electrical"]
OPENINGS = [
    (("08:00", "12:30"), ("14:00", "18:30")),
    (("08:00", "18:00"),),
    (("08:30", "12:20"), ("13:30", "18:10")),  # closes off the slot grid
]
# Shifts that start before or end after the opening hours too: receptions must respect both.
SHIFTS = [
    None,  # the day's opening hours
    None,
    (("07:30", "13:00"), ("14:00", "19:00")),
    (("08:00", "10:00"), ("10:30", "12:30"), ("14:00", "18:30")),  # a break in the morning
    (("08:00", "12:30"),),
    (("13:30", "18:30"),),
]
RECEPTION_STARTS = [f"{h:02d}:{m:02d}" for h in range(8, 18) for m in (0, 15, 30, 45)]
NOW_CLOCKS = ["07:00", "08:40", "10:05", "12:50", "17:40"]


@dataclass(frozen=True, kw_only=True)
class Case:
    snapshot: Snapshot
    request: SlotRequest
    now: datetime

    @property
    def today(self) -> date:
        return self.now.astimezone(ROME).date()


requests = st.builds(
    SlotRequest,
    jobs=st.lists(
        st.builds(
            JobLine,
            skill=st.sampled_from(SKILLS),
            minutes=st.one_of(
                st.sampled_from([15, 30, 60, 90, 120, 240, 420, 480]), st.integers(min_value=5, max_value=300)
            ),
        ),
        min_size=1,
        max_size=3,
    )
    .filter(lambda jobs: sum(job.minutes for job in jobs) <= 900)  # fits in the snapshot's days
    .map(tuple),
    urgent=st.booleans(),
    comeback=st.booleans(),
    online=st.booleans(),
    advisor_id=st.none() | st.integers(min_value=1, max_value=3),
    alternatives=st.integers(min_value=0, max_value=3),
)

# Strategies are built once: building one per draw costs more than the engine does. Hypothesis
# leans to the first element of a sampled list, so the usual case comes first in each.
closed_days = st.sampled_from([False] * 7 + [True])
openings = st.sampled_from(OPENINGS)
shifts = st.sampled_from(SHIFTS)
advisor_counts = st.integers(min_value=1, max_value=3)
booked_counts = st.integers(min_value=0, max_value=8)
reception_starts = st.sampled_from(RECEPTION_STARTS)
# Mostly places left; sometimes an advisor at the maximum (R4.2) or the online cap (R9.5).
places_left = st.sampled_from([2, 1, 3, 4, 6, 0])
online_places_left = st.sampled_from([2, 1, 3, 0])
online_booked = st.integers(min_value=0, max_value=3)
labour_booked = st.integers(min_value=0, max_value=600)
minutes_spare = st.integers(min_value=0, max_value=480)
short_of_technicians = st.sampled_from([False] * 9 + [True])
shares = st.floats(min_value=0, max_value=1, exclude_max=True)
two_skill_overlap = st.integers(min_value=0, max_value=240)
day_counts = st.integers(min_value=5, max_value=8)
first_days = st.sampled_from(FIRST_DAYS)
policies = st.builds(
    Policy,
    slot_minutes=st.sampled_from([15, 30]),
    same_day_allowed=st.booleans(),
    kept_free_minutes_per_hour=st.sampled_from([15, 0]),
)
days_before = st.sampled_from([0, 0, 0, 1])  # mostly booked on the first day, else the evening before
now_clocks = st.sampled_from(NOW_CLOCKS)


def _quarter_after(clock: str) -> str:
    return RECEPTION_STARTS[RECEPTION_STARTS.index(clock) + 1] if clock != "17:45" else "18:00"


def _advisor_day(draw, day: date, advisor_id: int, opening):
    starts = {draw(reception_starts) for _ in range(draw(booked_counts))}  # a repeat books once
    booked = tuple((start, _quarter_after(start)) for start in sorted(starts))
    booked_online = min(len(booked), draw(online_booked))
    return advisor(
        advisor_id,
        day,
        hours=draw(shifts) or opening,
        booked=booked,
        max_customers=max(1, len(booked) + draw(places_left)),
        booked_online=booked_online,
        max_online=booked_online + draw(online_places_left),
    )


def _capacity_day(draw, day: date, needed: Counter) -> CapacityDay:
    if draw(closed_days):
        return capacity_day(day, closed=True)
    opening = draw(openings)
    booked_labour, technicians = {}, {}
    for skill in SKILLS:
        booked_labour[skill] = draw(labour_booked)
        # Mostly the minutes the request needs on top of what is booked; now and then a day
        # short of them, which must not be offered (R4.8).
        if needed[skill] and draw(short_of_technicians):
            free = int(draw(shares) * needed[skill])
        else:
            free = needed[skill] + draw(minutes_spare)
        technicians[skill] = booked_labour[skill] + free
    # A technician with two skills counts once in the total, so it can be less than the sum.
    if draw(short_of_technicians):
        free_in_all = int(draw(shares) * sum(needed.values()))
    else:
        free = sum(technicians.values()) - sum(booked_labour.values())
        free_in_all = max(sum(needed.values()), free - draw(two_skill_overlap))
    return capacity_day(
        day,
        hours=opening,
        advisors=tuple(_advisor_day(draw, day, n, opening) for n in range(1, draw(advisor_counts) + 1)),
        technicians=technicians,
        technician_total=sum(booked_labour.values()) + free_in_all,
        booked_labour=booked_labour,
    )


@st.composite
def cases(draw):
    request = draw(requests)
    needed = Counter()
    for job in request.jobs:
        needed[job.skill] += job.minutes
    first = draw(first_days)
    days = tuple(_capacity_day(draw, first + timedelta(days=n), needed) for n in range(draw(day_counts)))
    wished = draw(st.none() | st.sampled_from([d.day for d in days]))
    now = at(first - timedelta(days=draw(days_before)), draw(now_clocks))
    return Case(
        snapshot=Snapshot(tz=ROME, policy=draw(policies), days=days),
        request=replace(request, wished_day=wished),
        now=now,
    )


class Tally:
    """How many examples a property saw and how many got an offer to check."""

    def __init__(self) -> None:
        self.examples = 0
        self.checked = 0

    def offer(self, case: Case) -> DoubleOffer | None:
        self.examples += 1
        try:
            offer = offer_slots(case.snapshot, case.request, now=case.now)
        except NoCapacity:
            return None
        self.checked += 1
        return offer

    def assert_most_checked(self, name: str) -> None:
        share = self.checked / self.examples
        report = f"{name}: {self.checked} of {self.examples} examples reached the assertions ({share:.0%})"
        print(report)
        assert share >= MIN_CHECKED_SHARE, report


def _local(moment: datetime):
    return moment.astimezone(ROME)


def _on_grid(moment: datetime, policy: Policy) -> bool:
    local = _local(moment)
    return (local.hour * 60 + local.minute) % policy.slot_minutes == 0 and local.second == 0


def _overlaps(start, end, interval) -> bool:
    return interval.start < end and start < interval.end


def _inside(start, end, interval) -> bool:
    return interval.start <= start and end <= interval.end


def _next_open_day(snapshot: Snapshot, day: date) -> CapacityDay:
    return next(d for d in snapshot.days if d.day > day and d.opening)


def _first_working_minute(snapshot: Snapshot, after: datetime) -> datetime:
    for day in snapshot.days:
        for opening in day.opening:
            if opening.end > after:
                return max(after, opening.start)
    raise AssertionError("no working time after the reception")


def _check_r4_2_r4_3_r4_6_r2_3_receptions(case: Case, offer: DoubleOffer) -> None:
    """Each reception is on the grid, inside the opening hours and the advisor's shift, clear of
    booked receptions and kept-free quarters, and within the advisor's maxima, unless urgent
    work or a comeback takes a kept-free quarter."""
    snapshot, request, policy = case.snapshot, case.request, case.snapshot.policy
    days = {d.day: d for d in snapshot.days}
    assert len({p.drop_off for p in offer.proposals}) == len(offer.proposals)
    for proposal in offer.proposals:
        day = days[proposal.day]
        advisor_day = next(a for a in day.advisors if a.advisor_id == proposal.advisor_id)
        start, end = proposal.drop_off, proposal.reception_end
        assert start >= case.now
        assert _local(start).date() == proposal.day >= case.today
        assert end - start == policy.reception_minutes * MINUTE  # R5.1: about 15 minutes
        assert _on_grid(start, policy)
        assert any(_inside(start, end, o) for o in day.opening)
        assert any(_inside(start, end, s) for s in advisor_day.shifts)
        # No double booking: none of the reception's minutes is taken already.
        assert not advisor_day.booked & minute_bits(start, end, day_start(proposal.day, ROME))
        kept = kept_free_quarters(advisor_day, policy, ROME, opening=day.opening)
        assert all(_on_grid(q.start, policy) for q in kept)  # R4.3: where urgent work can start
        in_kept_free = any(_overlaps(start, end, q) for q in kept)
        if proposal.uses_kept_free_time:
            assert in_kept_free
            assert request.urgent or request.comeback  # R4.6, R2.3
            if not request.comeback:
                assert proposal.day == case.today  # R4.6: today's kept-free time only
            if not request.urgent:
                assert start < case.now + policy.comeback_window  # R2.3
        else:
            assert not in_kept_free  # R4.3
            assert advisor_day.booked_customers < advisor_day.max_customers  # R4.2
            assert Reason.BEYOND_MAXIMUM not in proposal.reasons
            if request.online:
                assert advisor_day.booked_online < advisor_day.max_online  # R9.5
        if Reason.COMEBACK_WITHIN_WINDOW in proposal.reasons:
            assert request.comeback
            assert start < case.now + policy.comeback_window  # R2.3
        if Reason.COMEBACK_WINDOW_MISSED in proposal.reasons:
            assert start >= case.now + policy.comeback_window
        assert (Reason.PREFERRED_ADVISOR in proposal.reasons) == (proposal.advisor_id == request.advisor_id)


def _check_r4_4_r4_5_r4_7_r4_8_r3_1_work_and_return(case: Case, offer: DoubleOffer) -> None:
    """The work starts after the reception (the next morning for a full-day job), never today
    unless allowed, its labour fits the technicians' minutes, and the return is promised after
    it, on its last day, while the reception is open."""
    snapshot, request, policy = case.snapshot, case.request, case.snapshot.policy
    days = {d.day: d for d in snapshot.days}
    wanted = Counter()
    for job in request.jobs:
        wanted[job.skill] += job.minutes
    full_day = request.labour_minutes >= policy.full_day_labour_minutes
    for proposal in offer.proposals:
        if Reason.EVENING_DROP_OFF in proposal.reasons:
            # R4.5: a full-day job dropped off in the evening, worked on from the next opening.
            assert full_day
            assert _local(proposal.drop_off).time() >= policy.evening_drop_off
            assert proposal.work_starts == _next_open_day(snapshot, proposal.day).opening[0].start
        else:
            if full_day:  # R4.5: or in the morning, worked on from then
                assert _local(proposal.drop_off).time() < policy.morning_drop_off_until
            # The work starts at the first working minute after the reception (the hands-off
            # snapshots here give no technicians' hours: the opening hours are theirs).
            assert proposal.work_starts == _first_working_minute(snapshot, proposal.reception_end)
        work_day = _local(proposal.work_starts).date()
        if work_day == case.today:  # R4.4: same-day work only when allowed, urgent or a comeback
            assert policy.same_day_allowed or request.urgent or request.comeback
        assert (Reason.SAME_DAY_URGENT in proposal.reasons) == (request.urgent and work_day == case.today)

        # R3.1: all the jobs' labour is laid out, skill by skill, on open days from the start.
        by_skill = Counter()
        for labour_day, skill, minutes in proposal.labour_by_day:
            by_skill[skill] += minutes
            assert labour_day >= work_day
            assert days[labour_day].opening
            assert minutes > 0
        assert by_skill == wanted

        for labour_day in {d for d, _, _ in proposal.labour_by_day}:  # R4.8
            load = days[labour_day]
            taken = {s: m for d, s, m in proposal.labour_by_day if d == labour_day}
            for skill, minutes in taken.items():
                assert load.booked_labour.get(skill, 0) + minutes <= load.technician_minutes.get(skill, 0)
            assert sum(load.booked_labour.values()) + sum(taken.values()) <= load.technician_total_minutes

        # R4.7: the return is promised after the work, on its last day, while reception is open.
        back = proposal.promised_return
        assert back >= proposal.work_starts + request.labour_minutes * MINUTE
        last_day = max(d for d, _, _ in proposal.labour_by_day)
        assert _local(back).date() == last_day
        closing = next((o for o in days[last_day].opening if o.start < back <= o.end), None)
        assert closing is not None
        assert _on_grid(back, policy) or back == closing.end


def _check_r4_1_r4_4_earliest_first_then_the_other_period(case: Case, offer: DoubleOffer) -> None:
    """The first time is the earliest the booking's own check accepts, every offered time passes
    that check, and the second time is of the other period whenever the offer holds one."""
    snapshot, request, policy = case.snapshot, case.request, case.snapshot.policy
    days = {d.day: d for d in snapshot.days}
    first, *others = offer.proposals
    assert Reason.EARLIEST in first.reasons
    assert all(first.drop_off < p.drop_off for p in others)

    # R4.4: busy means the peak hours or a day booked to 75% of its places or more (the defaults).
    for proposal in offer.proposals:
        day = days[proposal.day]
        clock = _local(proposal.drop_off).time()
        in_peak = any(start <= clock < end for start, end in policy.peak_hours)
        places = day.max_customers
        busy_day = places > 0 and day.booked_customers >= policy.peak_load_ratio * places
        assert proposal.period is (Period.BUSY if in_peak or busy_day else Period.QUIET)
    offered = [p for p in offer.proposals if Reason.WISHED_DAY not in p.reasons]
    # R4.5: a full-day job may get the morning or the evening kind it lacked besides.
    full_day = request.labour_minutes >= policy.full_day_labour_minutes
    assert len(offered) <= 2 + request.alternatives + full_day
    core = offered  # the double offer and its alternatives (R4.4)
    kinds = [Reason.EVENING_DROP_OFF in p.reasons for p in offered]
    if full_day and len(offered) >= 2 and len(set(kinds[:-1])) == 1 and kinds[-1] != kinds[0]:
        core = offered[:-1]  # the R4.5 extra, of the kind (morning or evening) the offer lacked
    if any(p.period is not first.period for p in core):
        assert core[1].period is not first.period
    for proposal in offer.proposals:
        if Reason.WISHED_DAY in proposal.reasons:
            assert proposal.day == request.wished_day
            assert all(p.day != request.wished_day for p in offered)

    for proposal in offer.proposals:
        booked = confirm(
            snapshot, request, advisor_id=proposal.advisor_id, drop_off=proposal.drop_off, now=case.now
        )
        assert (booked.drop_off, booked.advisor_id) == (proposal.drop_off, proposal.advisor_id)

    # R4.1. A comeback is left out: it takes an advisor's ordinary time in the window before an
    # earlier kept-free quarter, which the check at booking would also accept.
    if request.comeback:
        return
    reception = policy.reception_minutes * MINUTE
    for day in snapshot.days:
        if day.day > first.day:
            break
        for opening in day.opening:
            start = opening.start
            while start + reception <= opening.end and start < first.drop_off:
                if start >= case.now and _on_grid(start, policy):
                    for advisor_day in day.advisors:
                        if not any(_inside(start, start + reception, s) for s in advisor_day.shifts):
                            continue  # cannot be confirmed with this advisor whatever the rules
                        try:
                            confirm(
                                snapshot,
                                request,
                                advisor_id=advisor_day.advisor_id,
                                drop_off=start,
                                now=case.now,
                            )
                        except NoCapacity:
                            continue
                        raise AssertionError(f"{_local(start)} with {advisor_day.name} comes earlier")
                start += 15 * MINUTE


# Each test wraps its own @given function, so hypothesis keeps each one's examples apart, and
# asserts afterwards that most examples reached the checks.
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_r4_2_r4_3_r4_6_r2_3_every_reception_fits_the_advisor_and_the_maxima():
    tally = Tally()

    @SETTINGS
    @given(case=cases())
    def receptions_fit(case):
        if (offer := tally.offer(case)) is not None:
            _check_r4_2_r4_3_r4_6_r2_3_receptions(case, offer)

    receptions_fit()
    tally.assert_most_checked("receptions")


def test_r4_4_r4_5_r4_7_r4_8_r3_1_work_and_return_follow_the_day_rules():
    tally = Tally()

    @SETTINGS
    @given(case=cases())
    def work_and_return_fit(case):
        if (offer := tally.offer(case)) is not None:
            _check_r4_4_r4_5_r4_7_r4_8_r3_1_work_and_return(case, offer)

    work_and_return_fit()
    tally.assert_most_checked("work and return")


def test_r4_1_r4_4_the_earliest_bookable_time_comes_first_then_the_other_period():
    tally = Tally()

    @SETTINGS
    @given(case=cases())
    def earliest_comes_first(case):
        if (offer := tally.offer(case)) is not None:
            _check_r4_1_r4_4_earliest_first_then_the_other_period(case, offer)

    earliest_comes_first()
    tally.assert_most_checked("earliest first")


# The days an advisor cannot take anyone: at the maximum, every minute of the shifts taken, or
# the online places gone (which only online requests hear of).
fillings = st.sampled_from(["none", "none", "maximum", "minutes", "online"])


@st.composite
def cases_with_full_days(draw):
    case = draw(cases())
    days = []
    for day in case.snapshot.days:
        filling = draw(fillings)
        advisors = day.advisors
        if filling == "maximum":
            advisors = tuple(replace(a, max_customers=max(1, a.booked_customers)) for a in advisors)
            advisors = tuple(replace(a, booked_customers=a.max_customers) for a in advisors)
        elif filling == "minutes":
            origin = day_start(day.day, ROME)
            advisors = tuple(
                replace(
                    a,
                    booked=a.booked | _shift_minutes(a, origin),
                    booked_customers=max(1, a.booked_customers),
                )
                for a in advisors
            )
        elif filling == "online":
            advisors = tuple(replace(a, booked_online=a.max_online) for a in advisors)
        days.append(replace(day, advisors=advisors))
    return replace(case, snapshot=replace(case.snapshot, days=tuple(days)))


def _shift_minutes(advisor_day, origin):
    bits = 0
    for shift in advisor_day.shifts:
        bits |= minute_bits(shift.start, shift.end, origin)
    return bits


def _outcome(case: Case):
    try:
        return offer_slots(case.snapshot, case.request, now=case.now)
    except NoCapacity as nothing:
        return nothing.refusal


class _NothingTold:
    """Stands for rules._StillWanted, told nothing: the walk tries every time."""

    period = None
    until = None

    def __setattr__(self, name, value):
        pass


def test_passing_over_full_days_and_unwanted_times_changes_no_offer_and_no_shortfall():
    """The engine passes over a day on which no advisor has room (R4.2, R9.5, R4.3), and the
    times of the period the offer already holds once it has the proposals wanted (R4.4),
    without trying them; trying every time gives the same offer, or the same shortfall."""
    from workshop.availability import rules

    compared = Counter()

    @SETTINGS
    @given(case=cases_with_full_days())
    def same_with_and_without_passing_over(case):
        passing_over = _outcome(case)
        with (
            patch.object(rules, "_anyone_may_take", lambda *args, **kwargs: True),
            patch.object(rules, "_day_has_room", lambda *args, **kwargs: True),
            patch.object(rules, "_StillWanted", _NothingTold),
        ):
            walking_every_time = _outcome(case)
        assert passing_over == walking_every_time
        compared["shortfall" if isinstance(passing_over, Refusal) else "offer"] += 1

    same_with_and_without_passing_over()
    print(compared)
    assert compared["offer"], compared
    assert compared["shortfall"], compared
