"""The capacity snapshot: supply (the workshop's capacity settings) minus demand (the receptions
booked or held and the labour booked) over a run of local days, in the engine's values."""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils import timezone

from bookings.lifecycle import CAPACITY_RELEASED
from bookings.models import Appointment, AppointmentLabour, Channel, SlotHold
from config import sql
from dealerships.models import Dealership
from workshop.availability import AdvisorDay, CapacityDay, Interval, Snapshot
from workshop.capacity_settings import CapacitySettings, capacity_settings


def capacity_load(
    *,
    dealership: Dealership,
    start: date,
    end: date,
    excluding: int | None = None,
    holder: str | None = None,
    now: datetime | None = None,
    advisor_id: int | None = None,
    settings: CapacitySettings | None = None,
) -> Snapshot:
    """The capacity of the local days start..end (inclusive) in two queries, however many
    appointments there are, once the dealership's settings are in memory: their version, and
    what is taken (the receptions booked or held for online customers, and the booked labour
    summed by day and skill).

    `excluding` leaves one appointment out: the one being moved does not block its new time;
    `holder` leaves that customer's own hold out.
    `advisor_id` loads that one advisor and their receptions only: all that confirming a time
    with them needs (the technicians' labour is still the whole workshop's), and on a busy
    week a twelfth of the rows.
    `settings` are the dealership's capacity settings as this request already read them
    (RequestedWork.settings); without them they are read (one query when in memory).
    Rows are read as tuples, not models: at 1,500 appointments in two weeks, building model
    instances (and parsing their timestamps) was most of the loader's time (bench/availability.py).
    """
    tz = dealership.tz
    if settings is None:
        settings = capacity_settings(dealership)
    policy, opening_by_weekday = settings.policy, settings.opening_by_weekday
    advisors, advisor_hours = settings.advisors, settings.advisor_hours
    technicians, technician_hours = settings.technicians, settings.technician_hours
    closed_days = _days_covered(settings.closures, start, end)
    advisor_absent = _absences(settings.advisor_absences, start, end)
    technician_absent = _absences(settings.technician_absences, start, end)
    # One advisor keeps their place among all of them: the rotation of the kept-free quarters (R4.3).
    loaded_advisors = [a for a in enumerate(advisors) if advisor_id is None or a[1][0] == advisor_id]
    receptions: dict[tuple[int, date], list[Interval]] = defaultdict(list)
    online: dict[tuple[int, date], int] = defaultdict(int)
    overridden: dict[tuple[int, date], int] = defaultdict(int)
    taken_receptions, booked_labour = _taken_capacity(
        dealership, start, end, excluding, now or timezone.now(), holder, advisor_id
    )
    for booked_with, day, drop_off, reception_end, channel, override_reason in taken_receptions:
        receptions[(booked_with, day)].append(Interval(start=drop_off, end=reception_end))
        online[(booked_with, day)] += channel == Channel.WEB
        overridden[(booked_with, day)] += bool(override_reason)
    labour: dict[date, dict[str, int]] = defaultdict(dict)
    for day, skill, minutes in booked_labour:
        labour[day][skill] = minutes

    days = []
    day = start
    while day <= end:
        weekday = day.weekday()
        if day in closed_days or not opening_by_weekday.get(weekday):
            days.append(CapacityDay(day=day, opening=()))
            day += timedelta(days=1)
            continue
        technician_minutes: dict[str, int] = defaultdict(int)
        technician_total = 0
        for technician_id, skills in technicians:
            if day in technician_absent.get(technician_id, ()):
                continue
            minutes = sum(
                _interval(day, starts, ends, tz).minutes
                for starts, ends in technician_hours.get(technician_id, {}).get(weekday, ())
            )
            technician_total += minutes
            for skill in skills:
                technician_minutes[skill] += minutes
        days.append(
            CapacityDay(
                day=day,
                opening=tuple(_interval(day, o, c, tz) for o, c in sorted(opening_by_weekday[weekday])),
                advisors=tuple(
                    AdvisorDay(
                        advisor_id=advisor_id,
                        name=name,
                        shifts=tuple(
                            _interval(day, starts, ends, tz)
                            for starts, ends in advisor_hours.get(advisor_id, {}).get(weekday, ())
                        ),
                        booked=tuple(sorted(receptions.get((advisor_id, day), ()), key=lambda i: i.start)),
                        booked_customers=len(receptions.get((advisor_id, day), ())),
                        max_customers=max_customers,
                        booked_online=online.get((advisor_id, day), 0),
                        max_online=max_online,
                        booked_beyond_maximum=overridden.get((advisor_id, day), 0),
                        rotation=position + 1,
                    )
                    for position, (advisor_id, name, max_customers, max_online) in loaded_advisors
                    if day not in advisor_absent.get(advisor_id, ())
                ),
                technician_minutes=dict(technician_minutes),
                technician_total_minutes=technician_total,
                booked_labour=labour.get(day, {}),
            )
        )
        day += timedelta(days=1)
    return Snapshot(tz=tz, policy=policy, days=tuple(days))


# (advisor id, local day, drop-off, end of the reception, channel, capacity override reason)
TakenReception = tuple[int, date, datetime, datetime, str, str]
# (day, skill, minutes booked)
BookedLabour = tuple[date, str, int]

# The loader runs on every booking and every offer, so its reads are fixed SQL (config/sql.py):
# building the same querysets through the ORM cost five times the database's own time.


def _taken_capacity(
    dealership: Dealership,
    start: date,
    end: date,
    excluding: int | None,
    now: datetime,
    holder: str | None,
    advisor_id: int | None,
) -> tuple[list[TakenReception], list[BookedLabour]]:
    """What is taken on the days, in one statement: the booked receptions, the times held for
    customers finishing an online booking, which count as taken and as online (R9.5), and the
    booked labour summed by day and skill. The three are one UNION ALL, told apart by its first
    column, because each statement is a round trip on every booking."""
    booked = (
        "SELECT 'reception', advisor_id, local_day, drop_off_at, reception_ends_at, channel,"
        f" capacity_override_reason, 0 FROM {sql.table(Appointment)}"
        f" WHERE dealership_id = %s AND local_day BETWEEN %s AND %s AND status NOT IN ({_RELEASED})"
    )
    params: list[sql.SqlParam] = [dealership.pk, sql.day_param(start), sql.day_param(end), *CAPACITY_RELEASED]
    if excluding is not None:
        booked += " AND id <> %s"
        params.append(excluding)
    if advisor_id is not None:
        booked += " AND advisor_id = %s"
        params.append(advisor_id)
    held = (
        "SELECT 'reception', advisor_id, local_day, drop_off_at, reception_ends_at, %s, '', 0"
        f" FROM {sql.table(SlotHold)}"
        " WHERE dealership_id = %s AND local_day BETWEEN %s AND %s AND expires_at > %s AND holder <> %s"
    )
    params += [
        Channel.WEB.value,
        dealership.pk,
        sql.day_param(start),
        sql.day_param(end),
        sql.instant_param(now),
        holder or "",
    ]
    if advisor_id is not None:
        held += " AND advisor_id = %s"
        params.append(advisor_id)
    labour = (
        "SELECT 'labour', NULL, labour.day, NULL, NULL, labour.skill, '', SUM(labour.minutes)"
        f" FROM {sql.table(AppointmentLabour)} labour"
        f" JOIN {sql.table(Appointment)} appointment ON appointment.id = labour.appointment_id"
        " WHERE labour.dealership_id = %s AND labour.day BETWEEN %s AND %s"
        f" AND appointment.status NOT IN ({_RELEASED})"
    )
    params += [dealership.pk, sql.day_param(start), sql.day_param(end), *CAPACITY_RELEASED]
    if excluding is not None:
        labour += " AND labour.appointment_id <> %s"
        params.append(excluding)
    labour += " GROUP BY labour.day, labour.skill"
    receptions: list[TakenReception] = []
    labour_by_day_and_skill: list[BookedLabour] = []
    for kind, advisor, day, starts, ends, channel_or_skill, reason, minutes in sql.rows(
        f"{booked} UNION ALL {held} UNION ALL {labour}", params
    ):
        if kind == "labour":
            labour_by_day_and_skill.append((sql.as_date(day), channel_or_skill, int(minutes)))
        else:
            receptions.append(
                (advisor, sql.as_date(day), sql.as_utc(starts), sql.as_utc(ends), channel_or_skill, reason)
            )
    return receptions, labour_by_day_and_skill


_RELEASED = sql.placeholders(len(CAPACITY_RELEASED))


@lru_cache(maxsize=65536)
def _interval(day: date, starts: time, ends: time, tz: ZoneInfo) -> Interval:
    # Wall-clock times of the local day to UTC instants; on a DST day the interval is as long
    # as it really is.
    return Interval(
        start=datetime.combine(day, starts, tzinfo=tz).astimezone(UTC),
        end=datetime.combine(day, ends, tzinfo=tz).astimezone(UTC),
    )


def _days_covered(ranges: Iterable[tuple[date, date]], start: date, end: date) -> set[date]:
    covered: set[date] = set()
    for first, last in ranges:
        day = max(first, start)
        while day <= min(last, end):
            covered.add(day)
            day += timedelta(days=1)
    return covered


def _absences(
    ranges_by_owner: dict[int, list[tuple[date, date]]], start: date, end: date
) -> dict[int, set[date]]:
    return {
        owner_id: covered
        for owner_id, ranges in ranges_by_owner.items()
        if (covered := _days_covered(ranges, start, end))
    }
