"""Properties of every proposal, over random snapshots (hypothesis): whatever the load, no
proposal overlaps a booked reception, exceeds a maximum, leaves the opening hours or the
advisor's shift, takes kept-free time for a normal booking, or overloads the technicians."""

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.workshop.snapshots import ROME, advisor, at, capacity_day
from workshop.availability import (
    JobLine,
    NoCapacity,
    Policy,
    Reason,
    SlotRequest,
    Snapshot,
    kept_free_quarters,
    offer_slots,
)

MONDAY = date(2026, 11, 23)
QUARTERS = [f"{h:02d}:{m:02d}" for h in range(8, 18) for m in (0, 15, 30, 45)]
SKILLS = ["maintenance", "diagnosis", "electrical"]


@st.composite
def advisor_days(draw, day, advisor_id):
    starts = draw(st.lists(st.sampled_from(QUARTERS[:-1]), max_size=12, unique=True))
    booked = tuple((s, QUARTERS[QUARTERS.index(s) + 1]) for s in sorted(starts))
    maximum = draw(st.integers(min_value=1, max_value=10))
    return advisor(
        advisor_id,
        day,
        hours=draw(
            st.sampled_from(
                [(("08:00", "12:30"), ("14:00", "18:30")), (("09:00", "13:00"),), (("13:30", "18:30"),)]
            )
        ),
        booked=booked,
        booked_customers=min(len(booked), maximum) if draw(st.booleans()) else len(booked),
        max_customers=maximum,
        booked_online=draw(st.integers(min_value=0, max_value=3)),
        max_online=draw(st.integers(min_value=0, max_value=4)),
    )


@st.composite
def snapshots(draw):
    days = []
    for offset in range(draw(st.integers(min_value=2, max_value=6))):
        day = MONDAY + timedelta(days=offset)
        if draw(st.integers(min_value=0, max_value=5)) == 0:
            days.append(capacity_day(day, closed=True))
            continue
        count = draw(st.integers(min_value=1, max_value=3))
        technicians = {skill: draw(st.integers(min_value=0, max_value=960)) for skill in SKILLS}
        days.append(
            capacity_day(
                day,
                hours=draw(
                    st.sampled_from([(("08:00", "12:30"), ("14:00", "18:30")), (("08:00", "18:00"),)])
                ),
                advisors=tuple(draw(advisor_days(day, advisor_id)) for advisor_id in range(1, count + 1)),
                technicians=technicians,
                technician_total=draw(st.integers(min_value=0, max_value=sum(technicians.values()))),
                booked_labour={skill: draw(st.integers(min_value=0, max_value=600)) for skill in SKILLS},
            )
        )
    policy = Policy(
        slot_minutes=draw(st.sampled_from([15, 30])),
        same_day_allowed=draw(st.booleans()),
        kept_free_minutes_per_hour=draw(st.sampled_from([0, 15])),
    )
    return Snapshot(tz=ROME, policy=policy, days=tuple(days))


requests = st.builds(
    SlotRequest,
    jobs=st.lists(
        st.builds(JobLine, skill=st.sampled_from(SKILLS), minutes=st.integers(min_value=5, max_value=600)),
        min_size=1,
        max_size=3,
    ).map(tuple),
    urgent=st.booleans(),
    comeback=st.booleans(),
    online=st.booleans(),
    alternatives=st.integers(min_value=0, max_value=4),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(snapshot=snapshots(), request=requests, now_clock=st.sampled_from(["07:00", "10:05", "17:40"]))
def test_r4_no_proposal_breaks_a_capacity_rule(snapshot, request, now_clock):
    now = at(MONDAY, now_clock)
    try:
        offer = offer_slots(snapshot, request, now=now)
    except NoCapacity:
        return
    days = {d.day: d for d in snapshot.days}
    assert len({p.drop_off for p in offer.proposals}) == len(offer.proposals)
    for proposal in offer.proposals:
        day = days[proposal.day]
        advisor_day = next(a for a in day.advisors if a.advisor_id == proposal.advisor_id)
        reception = (proposal.drop_off, proposal.reception_end)
        assert proposal.drop_off >= now
        assert any(o.start <= reception[0] and reception[1] <= o.end for o in day.opening)
        assert any(s.start <= reception[0] and reception[1] <= s.end for s in advisor_day.shifts)
        assert not any(b.start < reception[1] and reception[0] < b.end for b in advisor_day.booked)
        in_kept_free = any(
            q.start < reception[1] and reception[0] < q.end
            for q in kept_free_quarters(advisor_day, snapshot.policy, ROME)
        )
        if proposal.uses_kept_free_time:
            assert request.urgent or request.comeback  # R4.6, R2.3
            assert in_kept_free
        else:
            assert not in_kept_free  # R4.3
            assert advisor_day.booked_customers < advisor_day.max_customers  # R4.2
            if request.online:
                assert advisor_day.booked_online < advisor_day.max_online
        if proposal.day == MONDAY and Reason.EVENING_DROP_OFF not in proposal.reasons:
            assert snapshot.policy.same_day_allowed or request.urgent or request.comeback  # R4.4
        for work_day, skill, minutes in proposal.labour_by_day:  # R4.8
            load = days[work_day]
            assert load.booked_labour.get(skill, 0) + minutes <= load.technician_minutes.get(skill, 0)
        assert sum(m for _, _, m in proposal.labour_by_day) == request.labour_minutes  # R3.1
        assert proposal.promised_return >= proposal.work_starts >= proposal.reception_end - timedelta(days=1)
