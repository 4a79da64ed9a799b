"""Which mobility solution is free when (R3.3, R3.4, R3.7, R3.8). Pure: a fleet snapshot in
(mobility.snapshot loads it), answers out; every instant is UTC, days and half-days are local.

A vehicle solution is free over an interval when one of its units, not held, has nothing over
it (reservations and its own out-of-service periods alike). Caps count the reservations by the
local day and half-day of their departure; an option at its cap is not offered online and is
flagged to staff.
"""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

# R3.4: a courtesy car of the dealership's brand first, then of another brand, then a rental car.
REPLACEMENT_ORDER = ("brand_courtesy_car", "other_brand_courtesy_car", "rental")
# How many half-days next_free steps over a capped day before it gives up (about two months).
MAX_CAP_STEPS = 130


class Hold(StrEnum):
    """Why a fleet vehicle is held and never assigned (R3.8)."""

    OUT_OF_SERVICE = "out_of_service"
    RECALL = "recall"
    SERVICE_DUE = "service_due"
    MILEAGE_LIMIT = "mileage_limit"
    AGE_LIMIT = "age_limit"


def _add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(day)  # pragma: no cover - every month has 28 days


def vehicle_hold(
    *,
    in_service: bool,
    open_recall: bool,
    mileage_km: int,
    mileage_limit_km: int | None,
    max_age_months: int | None,
    in_fleet_since: date,
    next_service_due_on: date | None,
    next_service_due_km: int | None,
    today: date,
) -> Hold | None:
    """Why the vehicle cannot be lent today, or None (R3.8: recall, service, limits)."""
    if not in_service:
        return Hold.OUT_OF_SERVICE
    if open_recall:
        return Hold.RECALL
    if (next_service_due_on is not None and next_service_due_on <= today) or (
        next_service_due_km is not None and mileage_km >= next_service_due_km
    ):
        return Hold.SERVICE_DUE
    if mileage_limit_km is not None and mileage_km >= mileage_limit_km:
        return Hold.MILEAGE_LIMIT
    if max_age_months is not None and _add_months(in_fleet_since, max_age_months) <= today:
        return Hold.AGE_LIMIT
    return None


@dataclass(frozen=True, kw_only=True, slots=True)
class Interval:
    start: datetime
    end: datetime
    reservation_id: int | None = None  # the reservation that keeps the unit busy; None: its maintenance


@dataclass(frozen=True, kw_only=True, slots=True)
class Unit:
    """A fleet vehicle: what keeps it busy (sorted by start) and whether it is held."""

    vehicle_id: int
    label: str
    busy: tuple[Interval, ...] = ()
    hold: Hold | None = None
    # Derived by unit(): the busy starts and the latest end reached so far, for O(log n) checks,
    # and from each interval on the longest free gap before a later one starts, so that a stay
    # longer than every gap ahead is answered without walking them (unit_next_free).
    starts: tuple[datetime, ...] = ()
    reach: tuple[datetime, ...] = ()
    longest_gap: tuple[timedelta, ...] = ()


def unit(*, vehicle_id: int, label: str, busy: Iterable[Interval] = (), hold: Hold | None = None) -> Unit:
    """A Unit with its busy intervals sorted and indexed."""
    ordered = tuple(sorted(busy, key=lambda interval: interval.start))
    reach: list[datetime] = []
    for interval in ordered:
        reach.append(max(reach[-1], interval.end) if reach else interval.end)
    starts = tuple(interval.start for interval in ordered)
    longest_gap = [timedelta(0)] * len(ordered)
    for index in range(len(ordered) - 2, -1, -1):
        longest_gap[index] = max(longest_gap[index + 1], starts[index + 1] - reach[index])
    return Unit(
        vehicle_id=vehicle_id,
        label=label,
        busy=ordered,
        hold=hold,
        starts=starts,
        reach=tuple(reach),
        longest_gap=tuple(longest_gap),
    )


def unit_free(item: Unit, start: datetime, end: datetime) -> bool:
    """Nothing keeps the unit busy over [start, end), and it is not held."""
    if item.hold is not None:
        return False
    before_end = bisect_left(item.starts, end)  # the busy intervals starting before `end`
    return before_end == 0 or item.reach[before_end - 1] <= start


def unit_next_free(
    item: Unit, *, after: datetime, duration: timedelta, not_before: datetime | None = None
) -> datetime:
    """The earliest start from `after` at which the unit is free for `duration` (held: never
    asked; the caller skips held units). With `not_before` (another unit's answer), the search
    stops at the first moment from then on: this unit cannot be free earlier."""
    moment = after
    first = bisect_right(item.reach, after)  # every interval before it ends by `after`
    if (
        first < len(item.busy)
        and item.starts[first] - after < duration
        and item.longest_gap[first] < duration
    ):
        return max(after, item.reach[-1])  # no room before the next one nor between any ahead
    for interval in item.busy[first:]:
        if interval.start >= moment + duration:
            break
        moment = max(moment, interval.end)
        if not_before is not None and moment >= not_before:
            break
    return moment


@dataclass(frozen=True, kw_only=True, slots=True)
class Cap:
    max_per_day: int | None = None
    max_per_half_day: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class SolutionPlan:
    """One solution over the snapshot's span: its units (vehicle solutions), its caps and the
    reservations already counted against them by (local day, afternoon)."""

    solution_id: int
    kind: str
    label: str
    position: int = 0
    online_bookable: bool = True
    is_vehicle: bool = False
    units: tuple[Unit, ...] = ()
    taken: Mapping[tuple[date, bool], int] = field(default_factory=dict)
    weekday_caps: Mapping[int, Cap] = field(default_factory=dict)
    date_caps: Mapping[date, Cap] = field(default_factory=dict)
    # Drivers per half-day (pick-up and delivery), lounge places (waiting): a half-day cap.
    half_day_capacity: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class FleetSnapshot:
    tz: ZoneInfo
    start: datetime
    end: datetime
    plans: tuple[SolutionPlan, ...]

    def plan(self, solution_id: int) -> SolutionPlan | None:
        return next((plan for plan in self.plans if plan.solution_id == solution_id), None)


def half_day(moment: datetime, tz: ZoneInfo) -> tuple[date, bool]:
    """The local day of `moment` and whether it is in the afternoon (from 12:00 local)."""
    local = moment.astimezone(tz)
    return local.date(), local.hour >= 12


def at_cap(plan: SolutionPlan, day: date, afternoon: bool) -> bool:
    """Whether one more reservation departing that half-day would pass a cap."""
    cap = plan.date_caps.get(day) or plan.weekday_caps.get(day.weekday()) or Cap()
    day_count = plan.taken.get((day, False), 0) + plan.taken.get((day, True), 0)
    if cap.max_per_day is not None and day_count >= cap.max_per_day:
        return True
    half_limits = [limit for limit in (cap.max_per_half_day, plan.half_day_capacity) if limit is not None]
    return bool(half_limits) and plan.taken.get((day, afternoon), 0) >= min(half_limits)


@dataclass(frozen=True, kw_only=True, slots=True)
class Availability:
    """The answer for one solution over one immobilisation."""

    solution_id: int
    free: bool
    unit: Unit | None = None  # the vehicle to hand over, for vehicle solutions
    at_cap: bool = False  # flagged to staff; not offered online
    all_held: bool = False  # every unit is held (recall, service, limits)


def handover_at(drop_off: datetime, promised_return: datetime, explanation: timedelta) -> datetime:
    """When the mobility solution is handed over: once the advisor has explained the work, that
    long after the drop-off, never after the promised return (R3.7)."""
    return min(drop_off + explanation, promised_return)


def solution_availability(
    snapshot: FleetSnapshot, plan: SolutionPlan, start: datetime, end: datetime, *, online: bool
) -> Availability:
    """Is the solution free over [start, end): which unit (the first free, not held, in fleet
    order), and whether a cap is reached; online, an option at its cap or not bookable online
    is not free (R3.7, R3.8)."""
    capped = at_cap(plan, *half_day(start, snapshot.tz))
    if online and (capped or not plan.online_bookable):
        return Availability(solution_id=plan.solution_id, free=False, at_cap=capped)
    if not plan.is_vehicle:
        return Availability(solution_id=plan.solution_id, free=True, at_cap=capped)
    chosen = next((item for item in plan.units if unit_free(item, start, end)), None)
    return Availability(
        solution_id=plan.solution_id,
        free=chosen is not None,
        unit=chosen,
        at_cap=capped,
        all_held=bool(plan.units) and all(item.hold is not None for item in plan.units),
    )


def _next_half_day(moment: datetime, tz: ZoneInfo) -> datetime:
    local = moment.astimezone(tz)
    if local.hour < 12:
        boundary = datetime.combine(local.date(), time(12), tzinfo=tz)
    else:
        boundary = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz)
    return boundary.astimezone(moment.tzinfo)


def next_free(
    snapshot: FleetSnapshot,
    plan: SolutionPlan,
    *,
    after: datetime,
    duration: timedelta,
    online: bool,
    until: datetime | None = None,
) -> tuple[datetime, Unit | None] | None:
    """When the solution is next free for `duration` from `after` on, and with which unit
    (R3.7); None when not before `until` (the snapshot's end by default), or never online."""
    limit = min(until or snapshot.end, snapshot.end)
    if online and not plan.online_bookable:
        return None
    usable = [item for item in plan.units if item.hold is None]
    moment = after
    for _step in range(MAX_CAP_STEPS):
        chosen: Unit | None = None
        if plan.is_vehicle:
            best: datetime | None = None
            for item in usable:
                start = unit_next_free(item, after=moment, duration=duration, not_before=best)
                if best is None or start < best:
                    best, chosen = start, item
            if best is None:
                return None
            moment = best
        if moment + duration > limit:
            return None
        if not at_cap(plan, *half_day(moment, snapshot.tz)):
            return moment, chosen
        moment = _next_half_day(moment, snapshot.tz)
    return None


def ranked(plans: Sequence[SolutionPlan]) -> tuple[SolutionPlan, ...]:
    """Every solution, replacement vehicles first in the order of preference (R3.4), then the
    others in the dealership's order (R3.3)."""

    def key(plan: SolutionPlan) -> tuple[int, int, int]:
        order = (
            REPLACEMENT_ORDER.index(plan.kind) if plan.kind in REPLACEMENT_ORDER else len(REPLACEMENT_ORDER)
        )
        return order, plan.position, plan.solution_id

    return tuple(sorted(plans, key=key))


def replacement_vehicle(
    snapshot: FleetSnapshot,
    start: datetime,
    end: datetime,
    *,
    online: bool,
    allowed: frozenset[int] | None = None,
) -> tuple[SolutionPlan, Availability] | None:
    """The first replacement vehicle free over the immobilisation, in the order of preference
    (R3.4): a brand courtesy car, then another brand's, then a rental car; `allowed` (solution
    ids) leaves out what the customer is not offered (a rental where policy forbids it)."""
    for plan in ranked(snapshot.plans):
        if plan.kind not in REPLACEMENT_ORDER or (allowed is not None and plan.solution_id not in allowed):
            continue
        answer = solution_availability(snapshot, plan, start, end, online=online)
        if answer.free:
            return plan, answer
    return None
