"""The load figures of a snapshot: customers against maxima, labour against technician hours
(R4.2, R4.3, R4.8), read by the load page, the workload API and the KPIs."""

from dataclasses import dataclass
from datetime import date, datetime

from workshop.availability.minutes import day_start, minute_bits
from workshop.availability.rules import high_load, kept_free_quarters
from workshop.availability.values import MINUTE, Period, Snapshot


@dataclass(frozen=True, kw_only=True, slots=True)
class AdvisorLoad:
    advisor_id: int
    name: str
    booked_customers: int
    max_customers: int
    booked_online: int
    max_online: int
    booked_beyond_maximum: int
    kept_free_minutes: int  # R4.3: the kept quarters, on drop-off times of the day's grid
    kept_free_minutes_left: int  # the quarters an urgent car can still be received in


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


def day_loads(snapshot: Snapshot, *, now: datetime | None = None) -> tuple[DayLoad, ...]:
    """The load of every day of the snapshot (R4.2, R4.3, R4.8): the appointment board's and the
    KPIs' figures, and the quiet/busy reading of the double offer (R4.4). With `now`, a kept-free
    quarter already begun is no longer left for urgent work (R4.6)."""
    loads = []
    for capacity_day in snapshot.days:
        origin = day_start(capacity_day.day, snapshot.tz)
        advisors = []
        reception = snapshot.policy.reception_minutes * MINUTE
        for advisor in capacity_day.advisors:
            # R4.3: the kept quarters are drop-off times of the day's grid; one still counts as
            # kept while an urgent car could be received there, none of its minutes taken.
            quarters = kept_free_quarters(advisor, snapshot.policy, snapshot.tz, opening=capacity_day.opening)
            kept = sum(quarter.minutes for quarter in quarters)
            left = sum(
                quarter.minutes
                for quarter in quarters
                if (now is None or quarter.start >= now)
                and not advisor.booked
                & minute_bits(quarter.start, max(quarter.end, quarter.start + reception), origin)
            )
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
                    kept_free_minutes_left=left,
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
