"""The fleet snapshot: everything mobility.availability needs over a span, read in a fixed
number of queries whatever the size of the fleet or the number of reservations.

What only a write to the fleet or to the customer file's recalls changes (the solutions, their
caps, the vehicles with their holds, and what keeps them busy: the reservations and the
out-of-service periods) is kept in memory per dealership under its fleet version, which every
write of those rows renews in the write's own transaction (mobility.models.fleet_changed, and
mobility.receivers for the recalls). A search or an offer then costs the one query that reads
the version; the booking's own check, under its locks, reads what keeps the fleet busy from the
database."""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    CharField,
    DateField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)

from customers.models import CampaignCompletion, CampaignVin
from dealerships.models import Dealership
from mobility import availability
from mobility.availability import Cap, FleetSnapshot, Hold, Interval, SolutionPlan, Unit
from mobility.models import (
    ACTIVE_STATUSES,
    HANDOVER_EXPLANATION_MINUTES,
    VEHICLE_KINDS,
    FleetOutOfService,
    FleetStatus,
    FleetVehicle,
    MobilityPolicy,
    MobilitySolution,
    Reservation,
    ReservationStatus,
    SolutionCap,
    SolutionKind,
)

# fleet_snapshot_load without a fleet, once the fleet's static part is in memory: its version
# and what keeps the fleet busy (FLEET_STATIC_QUERIES more when the static part is read).
# fleet_read once the fleet is in memory: the version; FLEET_STATIC_QUERIES and
# FLEET_BUSY_QUERIES more for the parts that are not.
SNAPSHOT_QUERIES = 2
FLEET_READ_QUERIES = 1
FLEET_STATIC_QUERIES = 4
FLEET_BUSY_QUERIES = 1
# One more in the static part, for the completions, when a fleet VIN is on an open recall's list.
RECALL_COMPLETION_QUERIES = 1
# What keeps the fleet busy is kept in memory from today for at least this many days (the
# booking horizon and the next-free search's), longer when a caller asks for more.
MEMORY_DAYS = timedelta(days=92)
NO_SOLUTION = 0  # marks an out-of-service period among the busy rows (no solution id is 0)


def _local_midnight(day: date, dealership: Dealership) -> datetime:
    return datetime.combine(day, time(0), tzinfo=dealership.tz)


def open_recall_vins(
    *, dealership: Dealership, vins: Collection[str] | QuerySet[FleetVehicle, Any], today: date
) -> set[str]:
    """The VINs among `vins` (or those a query of fleet vehicles gives) with a safety recall
    open today: on an open recall's list in the customer file and not done on a vehicle of that
    VIN (R3.8). One query; one more, for the completions, only when one of them is on a list."""
    if not isinstance(vins, QuerySet):
        if not vins:
            return set()
        vins = list(vins)
    listed = set(
        CampaignVin.objects.for_dealership(dealership)
        .filter(vin__in=vins, campaign__is_recall=True, campaign__starts_on__lte=today)
        .filter(Q(campaign__ends_on__isnull=True) | Q(campaign__ends_on__gte=today))
        .values_list("campaign_id", "vin")
    )
    if not listed:
        return set()
    done = set(
        CampaignCompletion.objects.for_dealership(dealership)
        .filter(
            campaign_id__in={campaign_id for campaign_id, _vin in listed},
            vehicle__vin__in={vin for _campaign_id, vin in listed},
        )
        .values_list("campaign_id", "vehicle__vin")
    )
    return {vin for campaign_id, vin in listed - done}


@dataclass(frozen=True, kw_only=True, slots=True)
class FleetBusy:
    """What keeps the fleet busy over [start, end): each vehicle's unit with its reservations
    and out-of-service periods (without a hold: the holds are the day's, set on each read), the
    reservations counted against each solution's caps by (local day, afternoon), and where each
    reservation is counted (vehicle, solution, day, afternoon), so that one being moved can be
    left out.

    A car not back when due is busy until it is: one overdue when read keeps its vehicle busy
    to the span's end, and `next_due_back` (the first return still ahead of a car out) is when
    what was read stops being true without any write."""

    start: datetime
    end: datetime
    units: dict[int, Unit]
    taken: dict[int, dict[tuple[date, bool], int]]
    reservations: dict[int, tuple[int | None, int, date, bool]]
    next_due_back: datetime | None = None

    def covers(self, start: datetime, end: datetime, now: datetime) -> bool:
        fresh = self.next_due_back is None or now < self.next_due_back
        return fresh and self.start <= start and end <= self.end


@dataclass(frozen=True, kw_only=True, slots=True)
class Fleet:
    """The solutions, their caps (by weekday and by date), the vehicles with today's holds, the
    time the work is explained before the hand-over (R3.7) and what keeps the fleet busy over
    the days asked for. Read once by fleet_read, it serves every snapshot and next-free search
    of one request over those days."""

    rows: list[tuple]
    weekday_caps: dict[int, dict[int, Cap]]
    date_caps: dict[int, dict[date, Cap]]
    vehicles: dict[int, list[tuple[int, str, Hold | None]]]  # solution id -> (vehicle id, label, hold)
    explanation: timedelta = timedelta(minutes=HANDOVER_EXPLANATION_MINUTES)
    busy: FleetBusy | None = None  # None: read from the database for each snapshot

    @property
    def ids(self) -> list[int]:
        return [row[0] for row in self.rows]


@dataclass(frozen=True, kw_only=True, slots=True)
class _FleetStatic:
    """The dealership's active solutions, all their caps, and their vehicles with the holds of
    the day, open recalls included."""

    rows: list[tuple]
    weekday_caps: dict[int, dict[int, Cap]]
    date_caps: dict[int, dict[date, Cap]]
    vehicles: dict[int, list[tuple[int, str, Hold | None]]]


@dataclass(kw_only=True, slots=True)
class _Memory:
    """A dealership's fleet as of one fleet version and local day: the static part, and what
    keeps it busy once a search or an offer has asked for it."""

    version: object
    today: date
    static: _FleetStatic
    busy: FleetBusy | None = None


# Per process: dealership id -> its fleet as of its latest version read. Every write to the
# solutions, caps, vehicles, reservations or out-of-service periods, and every write to the
# customer file that can put a fleet car on an open recall, gives the dealership a new fleet
# version (mobility.models.fleet_changed, on every save and delete of those rows, and by the
# writes that bypass save; mobility.receivers for the recalls), and the version is read from the
# database on every call, so a stale copy is never used. The day is in the key because a
# service date, an age limit or a recall's dates hold a car from a day on. At most so many
# dealerships are kept.
_MEMORY: dict[int, _Memory] = {}
_MEMORY_MAX_DEALERSHIPS = 64


def mobility_policy_read(dealership: Dealership) -> tuple[object, timedelta]:
    """The dealership's fleet version (None without a policy row) and the time the work is
    explained before the hand-over (R3.7): one query."""
    row = (
        MobilityPolicy.objects.for_dealership(dealership)
        .values_list("fleet_version", "handover_explanation_minutes")
        .first()
    )
    version, minutes = row if row is not None else (None, HANDOVER_EXPLANATION_MINUTES)
    return version, timedelta(minutes=minutes)


def mobility_handover_at(
    *, dealership: Dealership, drop_off: datetime, promised_return: datetime
) -> datetime:
    """When the mobility solution of an appointment is handed over, the reservation's departure:
    once the work is explained after the drop-off (R3.7); one query."""
    _version, explanation = mobility_policy_read(dealership)
    return availability.handover_at(drop_off, promised_return, explanation)


def _fleet_static_read(dealership: Dealership, today: date) -> _FleetStatic:
    """FLEET_STATIC_QUERIES queries: the active solutions, their caps, the fleet's VINs with a
    safety recall open today in the customer file (R3.8; RECALL_COMPLETION_QUERIES more when
    one is listed), and the vehicles with today's holds."""
    rows = list(
        MobilitySolution.objects.for_dealership(dealership)
        .filter(active=True)
        .values_list(
            "id", "kind", "name", "position", "online_bookable", "lounge_places", "drivers_per_half_day"
        )
    )
    ids = [row[0] for row in rows]
    weekday_caps: dict[int, dict[int, Cap]] = defaultdict(dict)
    date_caps: dict[int, dict[date, Cap]] = defaultdict(dict)
    for solution_id, weekday, day, per_day, per_half in (
        SolutionCap.objects.for_dealership(dealership)
        .filter(solution_id__in=ids)
        .values_list("solution_id", "weekday", "date", "max_per_day", "max_per_half_day")
    ):
        cap = Cap(max_per_day=per_day, max_per_half_day=per_half)
        if day is not None:
            date_caps[solution_id][day] = cap
        elif weekday is not None:
            weekday_caps[solution_id][weekday] = cap
    fleet = FleetVehicle.objects.for_dealership(dealership).exclude(status=FleetStatus.RETIRED)
    # The fleet's VINs as a subquery: cheaper to send than the list of them.
    recalled = open_recall_vins(dealership=dealership, vins=fleet.values("vin"), today=today)
    vehicles: dict[int, list[tuple[int, str, Hold | None]]] = defaultdict(list)
    for (
        vehicle_id,
        solution_id,
        vin,
        brand,
        model,
        plate,
        status,
        mileage,
        mileage_limit,
        max_age,
        since,
        service_on,
        service_km,
    ) in (
        fleet.filter(solution_id__in=ids)
        .order_by("id")
        .values_list(
            "id",
            "solution_id",
            "vin",
            "brand",
            "model",
            "plate",
            "status",
            "mileage_km",
            "mileage_limit_km",
            "max_age_months",
            "in_fleet_since",
            "next_service_due_on",
            "next_service_due_km",
        )
    ):
        hold = availability.vehicle_hold(
            in_service=status == FleetStatus.IN_SERVICE,
            open_recall=vin in recalled,
            mileage_km=mileage,
            mileage_limit_km=mileage_limit,
            max_age_months=max_age,
            in_fleet_since=since,
            next_service_due_on=service_on,
            next_service_due_km=service_km,
            today=today,
        )
        vehicles[solution_id].append((vehicle_id, f"{brand} {model} ({plate})", hold))
    return _FleetStatic(
        rows=rows, weekday_caps=dict(weekday_caps), date_caps=dict(date_caps), vehicles=dict(vehicles)
    )


def _remembered(dealership: Dealership, version: object, today: date) -> _Memory:
    """The dealership's fleet in memory as of `version` and `today`, its static part read when
    it is not (FLEET_STATIC_QUERIES queries). Without a version (no policy row: its fleet was
    never written through save), nothing is kept."""
    if version is None:
        return _Memory(version=version, today=today, static=_fleet_static_read(dealership, today))
    memory = _MEMORY.get(dealership.pk)
    if memory is None or memory.version != version or memory.today != today:
        if memory is None and len(_MEMORY) >= _MEMORY_MAX_DEALERSHIPS:
            _MEMORY.clear()
        memory = _Memory(version=version, today=today, static=_fleet_static_read(dealership, today))
        _MEMORY[dealership.pk] = memory
    return memory


def _fleet_memory(dealership: Dealership, today: date) -> tuple[timedelta, _Memory]:
    """The time to explain the work and the fleet in memory as of the fleet version
    (mobility_policy_read): FLEET_READ_QUERIES queries, FLEET_STATIC_QUERIES more when the
    fleet is not in memory."""
    version, explanation = mobility_policy_read(dealership)
    return explanation, _remembered(dealership, version, today)


def _fleet(
    memory: _Memory,
    explanation: timedelta,
    *,
    solution_ids: Collection[int] | None,
    kind: str | None,
    busy: FleetBusy | None,
) -> Fleet:
    static = memory.static
    wanted = set(solution_ids) if solution_ids is not None else None
    rows = [
        row
        for row in static.rows
        if (wanted is None or row[0] in wanted) and (kind is None or row[1] == kind)
    ]
    return Fleet(
        rows=rows,
        weekday_caps={row[0]: static.weekday_caps[row[0]] for row in rows if row[0] in static.weekday_caps},
        date_caps={row[0]: static.date_caps[row[0]] for row in rows if row[0] in static.date_caps},
        vehicles={row[0]: static.vehicles[row[0]] for row in rows if row[0] in static.vehicles},
        explanation=explanation,
        busy=busy,
    )


def fleet_read(
    *,
    dealership: Dealership,
    now: datetime,
    first_day: date,
    last_day: date,
    solution_ids: Collection[int] | None = None,
    kind: str | None = None,
) -> Fleet:
    """The active solutions (or those of `solution_ids`, or of `kind`) with their caps, their
    vehicles with today's holds, and what keeps them busy over the days from `first_day` to
    `last_day`: FLEET_READ_QUERIES queries once the dealership's fleet is in memory,
    FLEET_STATIC_QUERIES and FLEET_BUSY_QUERIES more for what is not."""
    explanation, memory = _fleet_memory(dealership, now.astimezone(dealership.tz).date())
    span_start, span_end = _local_span(dealership, first_day, last_day)
    busy = _fleet_busy(dealership, memory, span_start, span_end, now)
    return _fleet(memory, explanation, solution_ids=solution_ids, kind=kind, busy=busy)


def _local_span(dealership: Dealership, first_day: date, last_day: date) -> tuple[datetime, datetime]:
    """From the local midnight of `first_day` to the one after `last_day`."""
    return _local_midnight(first_day, dealership), _local_midnight(last_day + timedelta(days=1), dealership)


def _span(dealership: Dealership, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    tz = dealership.tz
    return _local_span(dealership, start.astimezone(tz).date(), end.astimezone(tz).date())


def _busy_read(
    *,
    dealership: Dealership,
    solution_ids: list[int],
    vehicles: dict[int, list[tuple[int, str, Hold | None]]],
    span_start: datetime,
    span_end: datetime,
    now: datetime,
) -> FleetBusy:
    """One query: the live reservations and the out-of-service periods of the fleet's vehicles
    over the span, and the reservations counted against the solutions' caps.

    The reservations are read as those departing within the span (they alone count against a
    cap of one of its days), for each car the one it is out on at the span's start (no two
    live reservations of a car overlap, by the exclusion constraint, so that is its first one
    back after the start, when it left before), and the cars out and due back before the
    span: short index ranges, where "back after the start and left before the end" is one the
    planner cannot bound from below. A car still out after its return is busy until it is
    back (R3.8: it cannot be lent to anyone else while a customer has it)."""
    ids = solution_ids
    intervals: dict[int, list[Interval]] = defaultdict(list)
    taken: dict[int, dict[tuple[date, bool], int]] = defaultdict(lambda: defaultdict(int))
    reservations: dict[int, tuple[int | None, int, date, bool]] = {}
    next_due_back: datetime | None = None
    if ids:
        live = Reservation.objects.for_dealership(dealership).filter(status__in=ACTIVE_STATUSES)
        columns = (
            "fleet_vehicle_id",
            "departure_at",
            "return_at",
            "solution_id",
            "local_day",
            "afternoon",
            "id",
            "status",
        )
        departing = live.filter(solution_id__in=ids, departure_at__gte=span_start, departure_at__lt=span_end)
        first_back = (
            live.filter(fleet_vehicle_id=OuterRef("pk"), return_at__gt=span_start)
            .order_by("return_at")
            .values("id")[:1]
        )
        cars = FleetVehicle.objects.for_dealership(dealership).filter(solution_id__in=ids)
        out_at_start = live.filter(
            id__in=cars.annotate(out_on=Subquery(first_back)).values("out_on"), departure_at__lt=span_start
        )
        due_before_span = Reservation.objects.for_dealership(dealership).filter(
            status=ReservationStatus.OUT, solution_id__in=ids, return_at__lte=span_start
        )
        periods = FleetOutOfService.objects.for_dealership(dealership).filter(
            vehicle__solution_id__in=ids, ends_at__gt=span_start, starts_at__lt=span_end
        )
        rows = (
            departing.order_by()
            .values_list(*columns)
            .union(
                out_at_start.order_by().values_list(*columns),
                due_before_span.order_by().values_list(*columns),
                periods.order_by()
                .annotate(
                    no_solution=Value(NO_SOLUTION, output_field=IntegerField()),
                    no_day=Value(None, output_field=DateField()),
                    no_half=Value(False, output_field=BooleanField()),
                    no_reservation=Value(None, output_field=IntegerField()),
                    no_status=Value("", output_field=CharField()),
                )
                .values_list(
                    "vehicle_id",
                    "starts_at",
                    "ends_at",
                    "no_solution",
                    "no_day",
                    "no_half",
                    "no_reservation",
                    "no_status",
                ),
                all=True,
            )
        )
        for vehicle_id, starts, ends, solution_id, day, afternoon, reservation_id, status in rows:
            if status == ReservationStatus.OUT and ends < now:
                ends = max(ends, span_end)  # still out after its return: busy until back
            elif status == ReservationStatus.OUT:
                next_due_back = ends if next_due_back is None else min(next_due_back, ends)
            if vehicle_id is not None:
                intervals[vehicle_id].append(Interval(start=starts, end=ends, reservation_id=reservation_id))
            if solution_id != NO_SOLUTION:  # a reservation counts against its solution's caps
                taken[solution_id][(day, afternoon)] += 1
                reservations[reservation_id] = (vehicle_id, solution_id, day, afternoon)
    units = {
        vehicle_id: availability.unit(vehicle_id=vehicle_id, label=label, busy=intervals.get(vehicle_id, ()))
        for units_of_solution in vehicles.values()
        for vehicle_id, label, _hold in units_of_solution
    }
    return FleetBusy(
        start=span_start,
        end=span_end,
        units=units,
        taken={solution_id: dict(counts) for solution_id, counts in taken.items()},
        reservations=reservations,
        next_due_back=next_due_back,
    )


def _fleet_busy(
    dealership: Dealership, memory: _Memory, span_start: datetime, span_end: datetime, now: datetime
) -> FleetBusy:
    """What keeps the fleet busy over the span, from memory when it covers it and no car out
    has come due since it was read; else read over the span, the stretch already in memory and
    at least MEMORY_DAYS from today (one query)."""
    busy = memory.busy
    if busy is None or not busy.covers(span_start, span_end, now):
        start, end = _local_span(dealership, memory.today, memory.today + MEMORY_DAYS)
        if busy is not None:
            start, end = min(start, busy.start), max(end, busy.end)
        busy = _busy_read(
            dealership=dealership,
            solution_ids=[row[0] for row in memory.static.rows],
            vehicles=memory.static.vehicles,
            span_start=min(start, span_start),
            span_end=max(end, span_end),
            now=now,
        )
        memory.busy = busy
    return busy


def _plans(fleet: Fleet, busy: FleetBusy, excluding_reservation: int | None) -> list[SolutionPlan]:
    """The fleet's plans, each unit with what keeps it busy and its hold of the day (no query).
    `excluding_reservation`: one being moved, left out of its car's intervals and of its caps."""
    left_out = busy.reservations.get(excluding_reservation) if excluding_reservation is not None else None
    plans = []
    for solution_id, kind, name, position, online_bookable, lounge, drivers in fleet.rows:
        units = []
        for vehicle_id, label, hold in fleet.vehicles.get(solution_id, ()):
            item = busy.units.get(vehicle_id) or availability.unit(vehicle_id=vehicle_id, label=label)
            if left_out is not None and left_out[0] == vehicle_id:
                item = availability.unit(
                    vehicle_id=vehicle_id,
                    label=label,
                    busy=[i for i in item.busy if i.reservation_id != excluding_reservation],
                )
            units.append(item if hold is None else replace(item, hold=hold))
        taken = busy.taken.get(solution_id, {})
        if left_out is not None and left_out[1] == solution_id:
            taken = {**taken, left_out[2:]: taken[left_out[2:]] - 1}
        half_day_capacity = (
            drivers
            if kind == SolutionKind.PICKUP_DELIVERY
            else lounge
            if kind == SolutionKind.WAITING
            else None
        )
        plans.append(
            SolutionPlan(
                solution_id=solution_id,
                kind=kind,
                label=name or str(SolutionKind(kind).label),
                position=position,
                online_bookable=online_bookable,
                is_vehicle=kind in VEHICLE_KINDS,
                units=tuple(units),
                taken=taken,
                weekday_caps=fleet.weekday_caps.get(solution_id, {}),
                date_caps=fleet.date_caps.get(solution_id, {}),
                half_day_capacity=half_day_capacity,
            )
        )
    return plans


def fleet_snapshot_load(
    *,
    dealership: Dealership,
    start: datetime,
    end: datetime,
    now: datetime,
    solution_ids: Collection[int] | None = None,
    kind: str | None = None,
    excluding_reservation: int | None = None,
    fleet: Fleet | None = None,
) -> FleetSnapshot:
    """The dealership's active solutions (or those of `solution_ids`, or of `kind`) from the
    local midnight of `start`'s day to the one after `end`'s: units with their busy intervals
    and holds, caps and what counts against them.

    Without `fleet`, what keeps the fleet busy is read from the database, as a booking's check
    under its locks needs: SNAPSHOT_QUERIES queries (FLEET_STATIC_QUERIES more when the fleet's
    static part is not in memory). With `fleet` (fleet_read), no query over the days it was
    read for; one, over the span, past them (a last promised return after the horizon).
    `excluding_reservation`: one being moved, left out."""
    span_start, span_end = _span(dealership, start, end)
    if fleet is None:
        today = now.astimezone(dealership.tz).date()
        explanation, memory = _fleet_memory(dealership, today)
        fleet = _fleet(memory, explanation, solution_ids=solution_ids, kind=kind, busy=None)
    if fleet.busy is not None and fleet.busy.covers(span_start, span_end, now):
        busy = fleet.busy
    else:
        busy = _busy_read(
            dealership=dealership,
            solution_ids=fleet.ids,
            vehicles=fleet.vehicles,
            span_start=span_start,
            span_end=span_end,
            now=now,
        )
    plans = _plans(fleet, busy, excluding_reservation)
    return FleetSnapshot(tz=dealership.tz, start=span_start, end=span_end, plans=availability.ranked(plans))


def solution_next_free(
    *,
    dealership: Dealership,
    solution_id: int,
    after: datetime,
    duration: timedelta,
    now: datetime,
    online: bool = False,
    horizon: timedelta = timedelta(days=60),
    fleet: Fleet | None = None,
    excluding_reservation: int | None = None,
) -> tuple[datetime, availability.Unit | None] | None:
    """When the solution is next free for `duration` from `after` on, within `horizon` (R3.7),
    and with which unit: a search in memory, over the fleet as fleet_read gives it (the given
    `fleet`, whose days cover the horizon, or read here: FLEET_READ_QUERIES queries once the
    fleet is in memory). `excluding_reservation`: one being moved, left out."""
    until = after + horizon
    if fleet is None:
        first_day, last_day = (moment.astimezone(dealership.tz).date() for moment in (after, until))
        fleet = fleet_read(
            dealership=dealership,
            now=now,
            solution_ids=[solution_id],
            first_day=first_day,
            last_day=last_day,
        )
    if solution_id not in fleet.ids:
        return None
    snapshot = fleet_snapshot_load(
        dealership=dealership,
        start=after,
        end=until,
        now=now,
        fleet=fleet,
        excluding_reservation=excluding_reservation,
    )
    plan = snapshot.plan(solution_id)
    if plan is None:
        return None
    return availability.next_free(snapshot, plan, after=after, duration=duration, online=online, until=until)
