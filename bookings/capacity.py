"""The capacity snapshot: supply (the workshop's capacity settings) minus demand (the capacity
ledger of the days and the live holds) over a run of local days, in the engine's values.

Demand is read from the ledger (bookings.ledger): one row a day holding, per advisor, the
customers booked and the minutes their receptions take, and the labour booked by skill. So the
loader's cost is the days' and the advisors', never the appointments': a horizon booked full
reads as fast as an empty one. The receptions themselves are not read; the holds, which stop
counting by the clock and so are kept out of the ledger, are read beside it.
"""

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils import timezone

from bookings.ledger import AdvisorTaken, DayLedger, TakenCapacity, ledger_free
from bookings.models import CapacityLock, SlotHold
from config import sql
from dealerships.models import Dealership
from workshop.availability import AdvisorDay, CapacityDay, Interval, Snapshot, day_start, minute_bits
from workshop.capacity_settings import CapacitySettings, capacity_settings

# A ledger row read as text (advisors, labour): what a day's built CapacityDay is kept by.
LedgerRow = tuple[str, str]


def capacity_load(
    *,
    dealership: Dealership,
    start: date,
    end: date,
    excluding: TakenCapacity | None = None,
    holder: str | None = None,
    now: datetime | None = None,
    advisor_id: int | None = None,
    settings: CapacitySettings | None = None,
) -> Snapshot:
    """The capacity of the local days start..end (inclusive) in two queries, however many
    appointments there are, once the dealership's settings are in memory: their version, and
    what is taken (the ledger rows of the days and the live holds).

    `excluding` leaves one appointment's capacity out: the one being moved does not block its
    new time; `holder` leaves that customer's own hold out.
    `advisor_id` loads that one advisor only: all that confirming a time with them needs (the
    technicians' labour is still the whole workshop's).
    `settings` are the dealership's capacity settings as this request already read them
    (RequestedWork.settings); without them they are read (one query when in memory).
    """
    tz = dealership.tz
    if settings is None:
        settings = capacity_settings(dealership)
    rows, holds = _taken_capacity(dealership, start, end, now or timezone.now(), holder, advisor_id)
    moved = excluding.days if excluding is not None else set()
    days = []
    day = start
    while day <= end:
        supply = _day_supply(settings, day, tz)
        row = rows.get(day)
        if not supply.opening or (row is None and day not in holds):
            capacity_day = supply.unbooked
        elif row is None or day in holds or day in moved:
            capacity_day = _booked_day(supply, _counted(day, row, holds.get(day, ()), excluding, tz))
        else:
            capacity_day = _ledger_day(settings, supply, day, tz, row)
        if advisor_id is not None:
            capacity_day = _only_advisor(capacity_day, advisor_id)
        days.append(capacity_day)
        day += timedelta(days=1)
    return Snapshot(tz=tz, policy=settings.policy, days=tuple(days))


# Built days, by the settings object, the day and the ledger row's text: a row changes when its
# day's capacity does, so between two bookings of a day every offer finds its days built.
_BUILT: OrderedDict[tuple[int, date, ZoneInfo, str, str], tuple[CapacitySettings, CapacityDay]] = (
    OrderedDict()
)
_BUILT_MAX_ENTRIES = 4096


def _ledger_day(
    settings: CapacitySettings, supply: "_DaySupply", day: date, tz: ZoneInfo, row: LedgerRow
) -> CapacityDay:
    key = (id(settings), day, tz, *row)
    kept = _BUILT.get(key)
    if kept is not None and kept[0] is settings:  # the same object, not a later one at its address
        _BUILT.move_to_end(key)
        return kept[1]
    capacity_day = _booked_day(supply, DayLedger.from_columns(day, *row))
    _BUILT[key] = (settings, capacity_day)
    if len(_BUILT) > _BUILT_MAX_ENTRIES:
        _BUILT.popitem(last=False)
    return capacity_day


def _counted(
    day: date,
    row: LedgerRow | None,
    holds: Iterable[tuple[int, datetime, datetime]],
    excluding: TakenCapacity | None,
    tz: ZoneInfo,
) -> DayLedger:
    """The day's ledger as this load counts it: the appointment being moved left out (its part
    of this day), the live holds in, as taken receptions of online customers (R9.5)."""
    ledger = DayLedger.from_columns(day, *row) if row is not None else DayLedger(day=day)
    if excluding is not None and day in excluding.days:
        ledger_free({d: ledger if d == day else DayLedger(day=d) for d in excluding.days}, excluding)
    for held_with, starts, ends in holds:
        taken = ledger.advisors.setdefault(held_with, AdvisorTaken())
        taken.customers += 1
        taken.online += 1
        taken.minutes |= minute_bits(starts, ends, day_start(day, tz))
    return ledger


def _booked_day(supply: "_DaySupply", ledger: DayLedger) -> CapacityDay:
    unbooked = supply.unbooked
    return CapacityDay(
        day=unbooked.day,
        opening=unbooked.opening,
        advisors=tuple(
            _booked(advisor, taken)
            if (taken := ledger.advisors.get(advisor.advisor_id)) is not None
            else advisor
            for advisor in unbooked.advisors
        ),
        technician_minutes=unbooked.technician_minutes,
        technician_total_minutes=unbooked.technician_total_minutes,
        booked_labour=ledger.labour,
        technician_hours=unbooked.technician_hours,
    )


def _only_advisor(capacity_day: CapacityDay, advisor_id: int) -> CapacityDay:
    return CapacityDay(
        day=capacity_day.day,
        opening=capacity_day.opening,
        advisors=tuple(a for a in capacity_day.advisors if a.advisor_id == advisor_id),
        technician_minutes=capacity_day.technician_minutes,
        technician_total_minutes=capacity_day.technician_total_minutes,
        booked_labour=capacity_day.booked_labour,
        technician_hours=capacity_day.technician_hours,
    )


def _booked(advisor: AdvisorDay, taken: AdvisorTaken) -> AdvisorDay:
    return AdvisorDay(
        advisor_id=advisor.advisor_id,
        name=advisor.name,
        shifts=advisor.shifts,
        booked=taken.minutes,
        booked_customers=taken.customers,
        max_customers=advisor.max_customers,
        booked_online=taken.online,
        max_online=advisor.max_online,
        booked_beyond_maximum=taken.beyond_maximum,
        rotation=advisor.rotation,
    )


# The loader runs on every booking and every offer, so its read is fixed SQL (config/sql.py):
# building the same queryset through the ORM cost five times the database's own time.


def _taken_capacity(
    dealership: Dealership,
    start: date,
    end: date,
    now: datetime,
    holder: str | None,
    advisor_id: int | None,
) -> tuple[dict[date, LedgerRow], dict[date, list[tuple[int, datetime, datetime]]]]:
    """What is taken on the days, in one statement: the ledger rows (as text), and by day the
    times held for customers finishing an online booking, which count as taken and as online
    (R9.5) while they last. The two are one UNION ALL, told apart by its first column, because
    each statement is a round trip on every booking."""
    ledger_rows = (
        "SELECT 'ledger', day, advisors, labour, NULL, NULL, NULL"
        f" FROM {sql.table(CapacityLock)} WHERE dealership_id = %s AND day BETWEEN %s AND %s"
    )
    params: list[sql.SqlParam] = [dealership.pk, sql.day_param(start), sql.day_param(end)]
    held = (
        "SELECT 'hold', local_day, NULL, NULL, advisor_id, drop_off_at, reception_ends_at"
        f" FROM {sql.table(SlotHold)}"
        " WHERE dealership_id = %s AND local_day BETWEEN %s AND %s AND expires_at > %s AND holder <> %s"
    )
    params += [dealership.pk, sql.day_param(start), sql.day_param(end), sql.instant_param(now), holder or ""]
    if advisor_id is not None:
        held += " AND advisor_id = %s"
        params.append(advisor_id)
    rows: dict[date, LedgerRow] = {}
    holds: dict[date, list[tuple[int, datetime, datetime]]] = {}
    for kind, day, advisors, labour, held_with, starts, ends in sql.rows(
        f"{ledger_rows} UNION ALL {held}", params
    ):
        if kind == "ledger":
            rows[sql.as_date(day)] = (advisors, labour)
        else:
            holds.setdefault(sql.as_date(day), []).append((held_with, sql.as_utc(starts), sql.as_utc(ends)))
    return rows, holds


@dataclass(frozen=True, slots=True)
class _DaySupply:
    """What the settings give a day before anything is booked."""

    opening: tuple[Interval, ...]
    unbooked: CapacityDay


# The supply of a day depends on the capacity settings only, which a manager changes rarely
# and every offer reads for sixty days: kept per settings object (the settings themselves are
# kept per capacity version, workshop.capacity_settings) and day.
_SUPPLY: OrderedDict[tuple[int, date, ZoneInfo], tuple[CapacitySettings, _DaySupply]] = OrderedDict()
_SUPPLY_MAX_ENTRIES = 8192


def _day_supply(settings: CapacitySettings, day: date, tz: ZoneInfo) -> _DaySupply:
    key = (id(settings), day, tz)
    kept = _SUPPLY.get(key)
    if kept is not None and kept[0] is settings:  # the same object, not a later one at its address
        _SUPPLY.move_to_end(key)
        return kept[1]
    supply = _day_supply_build(settings, day, tz)
    _SUPPLY[key] = (settings, supply)
    if len(_SUPPLY) > _SUPPLY_MAX_ENTRIES:
        _SUPPLY.popitem(last=False)
    return supply


def _day_supply_build(settings: CapacitySettings, day: date, tz: ZoneInfo) -> _DaySupply:
    weekday = day.weekday()
    opening_hours = settings.opening_by_weekday.get(weekday)
    if not opening_hours or _covers(settings.closures, day):
        return _DaySupply(opening=(), unbooked=CapacityDay(day=day, opening=(), technician_hours={}))
    technician_minutes: dict[str, int] = {}
    technician_total = 0
    working: dict[str, list[Interval]] = {}
    for technician_id, skills in settings.technicians:
        if _covers(settings.technician_absences.get(technician_id, ()), day):
            continue
        hours = [
            _interval(day, starts, ends, tz)
            for starts, ends in settings.technician_hours.get(technician_id, {}).get(weekday, ())
        ]
        minutes = sum(interval.minutes for interval in hours)
        technician_total += minutes
        for skill in skills:
            technician_minutes[skill] = technician_minutes.get(skill, 0) + minutes
            working.setdefault(skill, []).extend(hours)
    opening = tuple(_interval(day, o, c, tz) for o, c in sorted(opening_hours))
    advisors = tuple(
        AdvisorDay(
            advisor_id=advisor_id,
            name=name,
            shifts=tuple(
                _interval(day, starts, ends, tz)
                for starts, ends in settings.advisor_hours.get(advisor_id, {}).get(weekday, ())
            ),
            max_customers=max_customers,
            max_online=max_online,
            # One advisor keeps their place among all of them: the rotation of the kept-free
            # quarters (R4.3).
            rotation=position + 1,
        )
        for position, (advisor_id, name, max_customers, max_online) in enumerate(settings.advisors)
        if not _covers(settings.advisor_absences.get(advisor_id, ()), day)
    )
    return _DaySupply(
        opening=opening,
        unbooked=CapacityDay(
            day=day,
            opening=opening,
            advisors=advisors,
            technician_minutes=technician_minutes,
            technician_total_minutes=technician_total,
            # R4.8: labour is laid over when the technicians of each skill work.
            technician_hours={skill: _merged(hours) for skill, hours in working.items()},
        ),
    )


def _merged(intervals: list[Interval]) -> tuple[Interval, ...]:
    """The intervals as the fewest that cover the same time: two technicians' shifts that
    overlap or touch are one stretch of working time."""
    merged: list[Interval] = []
    for interval in sorted(intervals, key=lambda i: i.start):
        if merged and interval.start <= merged[-1].end:
            if interval.end > merged[-1].end:
                merged[-1] = Interval(start=merged[-1].start, end=interval.end)
        else:
            merged.append(interval)
    return tuple(merged)


def _covers(ranges: Iterable[tuple[date, date]], day: date) -> bool:
    return any(first <= day <= last for first, last in ranges)


@lru_cache(maxsize=65536)
def _interval(day: date, starts: time, ends: time, tz: ZoneInfo) -> Interval:
    # Wall-clock times of the local day to UTC instants; on a DST day the interval is as long
    # as it really is.
    return Interval(
        start=datetime.combine(day, starts, tzinfo=tz).astimezone(UTC),
        end=datetime.combine(day, ends, tzinfo=tz).astimezone(UTC),
    )
