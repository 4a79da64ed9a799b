"""The load figures of a snapshot: customers against maxima, labour against technician hours
(R4.2, R4.3, R4.8), read by the load page, the workload API and the KPIs."""

from dataclasses import dataclass
from datetime import date

from workshop.availability.minutes import day_start, minute_bits
from workshop.availability.rules import high_load, kept_free_quarters
from workshop.availability.values import Period, Snapshot


@dataclass(frozen=True, kw_only=True, slots=True)
class AdvisorLoad:
    advisor_id: int
    name: str
    booked_customers: int
    max_customers: int
    booked_online: int
    max_online: int
    booked_beyond_maximum: int
    kept_free_minutes: int  # R4.3
    kept_free_minutes_left: int  # not yet taken by urgent work or comebacks


@dataclass(frozen=True, kw_only=True, slots=True)
class SkillLoad:
    skill: str
    booked_minutes: int
    capacity_minutes: int


@dataclass(frozen=True, kw_only=True, slots=True)
class DayLoad:
    """One day of the load view: customers against maxima, labour against technician hours."""

    day: date
    is_open: bool
    advisors: tuple[AdvisorLoad, ...]
    skills: tuple[SkillLoad, ...]
    booked_customers: int
    max_customers: int
    booked_labour_minutes: int
    technician_minutes: int
    period: Period


def day_loads(snapshot: Snapshot) -> tuple[DayLoad, ...]:
    """The load of every day of the snapshot (R4.2, R4.3, R4.8): the appointment board's and the
    KPIs' figures, and the quiet/busy reading of the double offer (R4.4)."""
    loads = []
    for capacity_day in snapshot.days:
        origin = day_start(capacity_day.day, snapshot.tz)
        advisors = []
        for advisor in capacity_day.advisors:
            quarters = kept_free_quarters(advisor, snapshot.policy, snapshot.tz)
            kept_bits = 0
            for quarter in quarters:
                kept_bits |= minute_bits(quarter.start, quarter.end, origin)
            taken = (kept_bits & advisor.booked).bit_count()
            kept = sum(quarter.minutes for quarter in quarters)
            advisors.append(
                AdvisorLoad(
                    advisor_id=advisor.advisor_id,
                    name=advisor.name,
                    booked_customers=advisor.booked_customers,
                    max_customers=advisor.max_customers,
                    booked_online=advisor.booked_online,
                    max_online=advisor.max_online,
                    booked_beyond_maximum=advisor.booked_beyond_maximum,
                    kept_free_minutes=kept,
                    kept_free_minutes_left=max(0, kept - taken),
                )
            )
        skills = sorted(set(capacity_day.technician_minutes) | set(capacity_day.booked_labour))
        loads.append(
            DayLoad(
                day=capacity_day.day,
                is_open=bool(capacity_day.opening),
                advisors=tuple(advisors),
                skills=tuple(
                    SkillLoad(
                        skill=skill,
                        booked_minutes=capacity_day.booked_labour.get(skill, 0),
                        capacity_minutes=capacity_day.technician_minutes.get(skill, 0),
                    )
                    for skill in skills
                ),
                booked_customers=capacity_day.booked_customers,
                max_customers=capacity_day.max_customers,
                booked_labour_minutes=sum(capacity_day.booked_labour.values()),
                technician_minutes=capacity_day.technician_total_minutes,
                period=Period.BUSY if high_load(capacity_day, snapshot.policy) else Period.QUIET,
            )
        )
    return tuple(loads)
