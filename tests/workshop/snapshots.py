"""Hand-built capacity snapshots for the engine tests: local wall-clock in, UTC instants out."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from workshop.availability import (
    AdvisorDay,
    CapacityDay,
    Interval,
    JobLine,
    MinuteSet,
    Policy,
    Snapshot,
    day_start,
    minute_bits,
)

ROME = ZoneInfo("Europe/Rome")
DAY_HOURS = (("08:00", "12:30"), ("14:00", "18:30"))


def at(day: date, clock: str, tz: ZoneInfo = ROME) -> datetime:
    hour, minute = map(int, clock.split(":"))
    return datetime.combine(day, time(hour, minute), tzinfo=tz).astimezone(UTC)


def span(day: date, start: str, end: str, tz: ZoneInfo = ROME) -> Interval:
    return Interval(start=at(day, start, tz), end=at(day, end, tz))


def minutes_of(day: date, spans, tz: ZoneInfo = ROME) -> MinuteSet:
    """The minutes of the local day the (start, end) wall-clock spans take, as the engine holds them."""
    origin = day_start(day, tz)
    bits = 0
    for start, end in spans:
        bits |= minute_bits(at(day, start, tz), at(day, end, tz), origin)
    return bits


def advisor(
    advisor_id: int,
    day: date,
    *,
    tz: ZoneInfo = ROME,
    hours=DAY_HOURS,
    booked: tuple[tuple[str, str], ...] = (),
    booked_customers: int | None = None,
    max_customers: int = 8,
    booked_online: int = 0,
    max_online: int = 8,
) -> AdvisorDay:
    return AdvisorDay(
        advisor_id=advisor_id,
        name=f"Advisor {advisor_id}",
        shifts=tuple(span(day, start, end, tz) for start, end in hours),
        booked=minutes_of(day, booked, tz),
        booked_customers=len(booked) if booked_customers is None else booked_customers,
        max_customers=max_customers,
        booked_online=booked_online,
        max_online=max_online,
        rotation=advisor_id,
    )


def capacity_day(
    day: date,
    *,
    tz: ZoneInfo = ROME,
    hours=DAY_HOURS,
    advisors: tuple[AdvisorDay, ...] | None = None,
    technicians: dict[str, int] | None = None,
    technician_total: int | None = None,
    booked_labour: dict[str, int] | None = None,
    closed: bool = False,
) -> CapacityDay:
    technicians = {"maintenance": 4 * 480, "diagnosis": 480} if technicians is None else technicians
    return CapacityDay(
        day=day,
        opening=() if closed else tuple(span(day, start, end, tz) for start, end in hours),
        advisors=()
        if closed
        else (advisors if advisors is not None else (advisor(1, day, tz=tz, hours=hours),)),
        technician_minutes=technicians,
        technician_total_minutes=sum(technicians.values()) if technician_total is None else technician_total,
        booked_labour=booked_labour or {},
    )


def week(
    first: date,
    *,
    days: int = 14,
    tz: ZoneInfo = ROME,
    policy: Policy | None = None,
    special: dict[date, CapacityDay] | None = None,
    **day_options,
) -> Snapshot:
    """`days` consecutive days from `first`, Sundays closed; `special` replaces given days."""
    special = special or {}
    built = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        built.append(special.get(day) or capacity_day(day, tz=tz, closed=day.weekday() == 6, **day_options))
    return Snapshot(tz=tz, policy=policy or Policy(), days=tuple(built))


def service(minutes: int = 60, skill: str = "maintenance") -> tuple[JobLine, ...]:
    return (JobLine(skill=skill, minutes=minutes),)
