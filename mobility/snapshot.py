"""The fleet snapshot: everything mobility.availability needs over a span, read in a fixed
number of queries whatever the size of the fleet or the number of reservations: the
solutions, their caps and the vehicles with their holds (kept in memory per fleet version, so
three queries more only when that changed), the open recalls, and what keeps them busy."""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import (
    BooleanField,
    DateField,
    Exists,
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
from mobility.availability import Cap, FleetSnapshot, Hold, Interval, SolutionPlan
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
    SolutionCap,
    SolutionKind,
)

# fleet_snapshot_load once the fleet's static part is in memory: its version, the recalls,
# and what keeps the fleet busy (FLEET_STATIC_QUERIES more when the static part is read).
SNAPSHOT_QUERIES = 3
# The first window solution_next_free reads; each further one is twice as long, up to the horizon.
FIRST_WINDOW = timedelta(days=2)
NO_SOLUTION = 0  # marks an out-of-service period among the busy rows (no solution id is 0)


def _local_midnight(day: date, dealership: Dealership) -> datetime:
    return datetime.combine(day, time(0), tzinfo=dealership.tz)


def _open_recalls(dealership: Dealership, today: date) -> QuerySet[CampaignVin]:
    """The VINs of the safety recalls open today: on the campaign's list and not done on a
    vehicle of that VIN in the customer file."""
    done = CampaignCompletion.objects.filter(
        dealership=dealership, campaign_id=OuterRef("campaign_id"), vehicle__vin=OuterRef("vin")
    )
    return (
        CampaignVin.objects.for_dealership(dealership)
        .filter(campaign__is_recall=True, campaign__starts_on__lte=today)
        .filter(Q(campaign__ends_on__isnull=True) | Q(campaign__ends_on__gte=today))
        .filter(~Exists(done))
    )


def open_recall_vins(*, dealership: Dealership, vins: Collection[str], today: date) -> set[str]:
    """The VINs among `vins` with a safety recall open today (one query)."""
    if not vins:
        return set()
    return set(_open_recalls(dealership, today).filter(vin__in=list(vins)).values_list("vin", flat=True))


@dataclass(frozen=True, kw_only=True, slots=True)
class Fleet:
    """What does not depend on the span: the solutions, their caps (by weekday and by date),
    the vehicles with today's holds, and the time the work is explained before the hand-over
    (R3.7). Read once by fleet_read, it serves every snapshot and next-free search of one
    request over the days from `first_day` to `last_day`."""

    first_day: date
    last_day: date

    rows: list[tuple]
    weekday_caps: dict[int, dict[int, Cap]]
    date_caps: dict[int, dict[date, Cap]]
    vehicles: dict[int, list[tuple[int, str, Hold | None]]]  # solution id -> (vehicle id, label, hold)
    explanation: timedelta = timedelta(minutes=HANDOVER_EXPLANATION_MINUTES)

    @property
    def ids(self) -> list[int]:
        return [row[0] for row in self.rows]


@dataclass(frozen=True, kw_only=True, slots=True)
class _FleetStatic:
    """The dealership's active solutions, all their caps, and their vehicles with the holds of
    the day that the customer file's recalls do not decide (those are read on every call)."""

    rows: list[tuple]
    weekday_caps: dict[int, dict[int, Cap]]
    date_caps: dict[int, dict[date, Cap]]
    vehicles: dict[int, list[tuple[int, str, Hold | None]]]


# Per process: (dealership id, fleet version, local day) -> _FleetStatic. Any change to the
# solutions, caps or vehicles gives the dealership a new fleet version (mobility.models:
# fleet_changed, on every save and delete of those rows, and by the writes that bypass save),
# and the version is read from the database on every call, so a stale copy is never used. The
# day is in the key because a service date or an age limit holds a car from a day on.
_STATIC: dict[tuple[int, object, date], _FleetStatic] = {}
_STATIC_MAX_ENTRIES = 512
# The queries of fleet_read once the static part is in memory (the policy with the fleet
# version, and the recalled vehicles), and the three more that read it when it is not.
FLEET_READ_QUERIES = SNAPSHOT_QUERIES - 1
FLEET_STATIC_QUERIES = 3


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
    """Three queries: the active solutions, their caps, their vehicles with today's holds."""
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
    vehicles: dict[int, list[tuple[int, str, Hold | None]]] = defaultdict(list)
    for (
        vehicle_id,
        solution_id,
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
        FleetVehicle.objects.for_dealership(dealership)
        .filter(solution_id__in=ids)
        .exclude(status=FleetStatus.RETIRED)
        .order_by("id")
        .values_list(
            "id",
            "solution_id",
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
            open_recall=False,
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


def _fleet_static(dealership: Dealership, version: object, today: date) -> _FleetStatic:
    key = (dealership.pk, version, today)
    static = _STATIC.get(key)
    if static is None:
        static = _fleet_static_read(dealership, today)
        if len(_STATIC) >= _STATIC_MAX_ENTRIES:
            _STATIC.clear()
        _STATIC[key] = static
    return static


def _policy_and_recalls(dealership: Dealership, today: date) -> tuple[object, timedelta, set[int]]:
    """Two queries: the fleet version and the time to explain the work (mobility_policy_read),
    and the fleet vehicles whose VIN has a safety recall open today in the customer file, read
    on every call: the campaigns and their completions are the customer file's (R3.8)."""
    version, explanation = mobility_policy_read(dealership)
    recalled = set(
        FleetVehicle.objects.for_dealership(dealership)
        .exclude(status=FleetStatus.RETIRED)
        .filter(Exists(_open_recalls(dealership, today).filter(vin=OuterRef("vin"))))
        .values_list("id", flat=True)
    )
    return version, explanation, recalled


def _with_recalls(
    vehicles: list[tuple[int, str, Hold | None]], recalled: set[int]
) -> list[tuple[int, str, Hold | None]]:
    """The vehicles with an open recall held for it (R3.8); a car out of service stays so."""
    if not recalled.intersection(vehicle_id for vehicle_id, _label, _hold in vehicles):
        return vehicles
    return [
        (
            vehicle_id,
            label,
            Hold.RECALL if vehicle_id in recalled and hold is not Hold.OUT_OF_SERVICE else hold,
        )
        for vehicle_id, label, hold in vehicles
    ]


def fleet_read(
    *,
    dealership: Dealership,
    today: date,
    first_day: date,
    last_day: date,
    solution_ids: Collection[int] | None = None,
    kind: str | None = None,
) -> Fleet:
    """The active solutions (or those of `solution_ids`, or of `kind`) with their caps over the
    days from `first_day` to `last_day` and their vehicles with today's holds: FLEET_READ_QUERIES
    queries once the dealership's fleet is in memory, FLEET_STATIC_QUERIES more when not."""
    version, explanation, recalled = _policy_and_recalls(dealership, today)
    static = _fleet_static(dealership, version, today)
    wanted = set(solution_ids) if solution_ids is not None else None
    rows = [
        row
        for row in static.rows
        if (wanted is None or row[0] in wanted) and (kind is None or row[1] == kind)
    ]
    return Fleet(
        first_day=first_day,
        last_day=last_day,
        rows=rows,
        weekday_caps={row[0]: static.weekday_caps[row[0]] for row in rows if row[0] in static.weekday_caps},
        date_caps={row[0]: static.date_caps[row[0]] for row in rows if row[0] in static.date_caps},
        vehicles={
            row[0]: _with_recalls(static.vehicles[row[0]], recalled)
            for row in rows
            if row[0] in static.vehicles
        },
        explanation=explanation,
    )


_Busy = dict[int, list[Interval]]  # vehicle id -> what keeps it busy
_Taken = dict[int, dict[tuple[date, bool], int]]  # solution id -> (local day, afternoon) -> count


def _busy_add(
    *,
    dealership: Dealership,
    ids: list[int],
    span_start: datetime,
    span_end: datetime,
    excluding_reservation: int | None,
    busy: _Busy,
    taken: _Taken,
    departed_from: datetime | None = None,
) -> None:
    """One query: the live reservations and the out-of-service periods over the span, added to
    `busy` and `taken`. `departed_from`: only those starting from then on (the span before it
    was read already), so a longer span is read by its new stretch alone, nothing twice.

    The reservations are read as those departing within the span (they alone count against a
    cap of one of its days) and, for each car, the one it is out on at the span's start: no
    two live reservations of a car overlap (the exclusion constraint), so that is its first
    one back after the start, when it left before. Both are short index ranges, where "back
    after the start and left before the end" is one the planner cannot bound from below.

    """
    if not ids:
        return
    live = Reservation.objects.for_dealership(dealership).filter(status__in=ACTIVE_STATUSES)
    if excluding_reservation is not None:
        live = live.exclude(id=excluding_reservation)
    columns = ("fleet_vehicle_id", "departure_at", "return_at", "solution_id", "local_day", "afternoon")
    departing = live.filter(
        solution_id__in=ids, departure_at__gte=departed_from or span_start, departure_at__lt=span_end
    )
    rows = departing.order_by().values_list(*columns)
    periods = FleetOutOfService.objects.for_dealership(dealership).filter(
        vehicle__solution_id__in=ids, ends_at__gt=span_start, starts_at__lt=span_end
    )
    if departed_from is not None:
        periods = periods.filter(starts_at__gte=departed_from)
    out_at_start = live.none()
    if departed_from is None:
        first_back = (
            live.filter(fleet_vehicle_id=OuterRef("pk"), return_at__gt=span_start)
            .order_by("return_at")
            .values("id")[:1]
        )
        cars = FleetVehicle.objects.for_dealership(dealership).filter(solution_id__in=ids)
        out_at_start = live.filter(
            id__in=cars.annotate(out_on=Subquery(first_back)).values("out_on"), departure_at__lt=span_start
        )
    rows = rows.union(
        out_at_start.order_by().values_list(*columns),
        periods.order_by()
        .annotate(
            no_solution=Value(NO_SOLUTION, output_field=IntegerField()),
            no_day=Value(None, output_field=DateField()),
            no_half=Value(False, output_field=BooleanField()),
        )
        .values_list("vehicle_id", "starts_at", "ends_at", "no_solution", "no_day", "no_half"),
        all=True,
    )
    for vehicle_id, starts, ends, solution_id, day, afternoon in rows:
        if vehicle_id is not None:
            busy[vehicle_id].append(Interval(start=starts, end=ends))
        if solution_id != NO_SOLUTION:  # a reservation counts against its solution's caps
            taken[solution_id][(day, afternoon)] += 1


def _busy_new() -> tuple[_Busy, _Taken]:
    return defaultdict(list), defaultdict(lambda: defaultdict(int))


def _snapshot(
    *,
    dealership: Dealership,
    fleet: Fleet,
    span_start: datetime,
    span_end: datetime,
    busy: _Busy,
    taken: _Taken,
) -> FleetSnapshot:
    """The fleet's plans over the span, with what keeps its units busy (no query)."""
    plans = []
    for solution_id, kind, name, position, online_bookable, lounge, drivers in fleet.rows:
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
                units=tuple(
                    availability.unit(
                        vehicle_id=vehicle_id, label=label, busy=busy.get(vehicle_id, ()), hold=hold
                    )
                    for vehicle_id, label, hold in fleet.vehicles.get(solution_id, ())
                ),
                taken=dict(taken.get(solution_id, {})),
                weekday_caps=fleet.weekday_caps.get(solution_id, {}),
                date_caps=fleet.date_caps.get(solution_id, {}),
                half_day_capacity=half_day_capacity,
            )
        )
    return FleetSnapshot(tz=dealership.tz, start=span_start, end=span_end, plans=availability.ranked(plans))


def _span(dealership: Dealership, start: datetime, end: datetime) -> tuple[datetime, datetime]:
    tz = dealership.tz
    return (
        _local_midnight(start.astimezone(tz).date(), dealership),
        _local_midnight(end.astimezone(tz).date() + timedelta(days=1), dealership),
    )


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
    and holds, caps and what counts against them, in SNAPSHOT_QUERIES queries (FLEET_STATIC_QUERIES
    more when the fleet's static part is not in memory); in one when
    `fleet` (fleet_read over days covering the span's) gives the solutions, which it then does.
    `excluding_reservation`: one being moved, left out."""
    span_start, span_end = _span(dealership, start, end)
    if fleet is None:
        fleet = fleet_read(
            dealership=dealership,
            today=now.astimezone(dealership.tz).date(),
            solution_ids=solution_ids,
            kind=kind,
            first_day=span_start.date(),
            last_day=span_end.date(),
        )
    busy, taken = _busy_new()
    _busy_add(
        dealership=dealership,
        ids=fleet.ids,
        span_start=span_start,
        span_end=span_end,
        excluding_reservation=excluding_reservation,
        busy=busy,
        taken=taken,
    )
    return _snapshot(
        dealership=dealership, fleet=fleet, span_start=span_start, span_end=span_end, busy=busy, taken=taken
    )


def _busy_over(vehicle: OuterRef, start: OuterRef, duration: timedelta) -> Q:
    """Something keeps `vehicle` busy over [start, start + duration): a live reservation or an
    out-of-service period (a condition on the outer query's row)."""
    return Q(
        Exists(
            Reservation.objects.filter(
                fleet_vehicle=vehicle,
                status__in=ACTIVE_STATUSES,
                departure_at__lt=start + duration,
                return_at__gt=start,
            )
        )
    ) | Q(
        Exists(
            FleetOutOfService.objects.filter(
                vehicle=vehicle, starts_at__lt=start + duration, ends_at__gt=start
            )
        )
    )


def _free_after_lower_bound(
    *, dealership: Dealership, solution_id: int, after: datetime, until: datetime, duration: timedelta
) -> datetime | None:
    """One query: the earliest end, from `after` to `until`, of a live reservation or an
    out-of-service period of the solution's vehicles after which that vehicle has nothing for
    `duration`; None when there is none. A unit busy at every moment from `after` is next free
    at the end of something that kept it busy, so none is free earlier: the search may start
    there, without reading the weeks before it."""
    latest = until - duration
    returns = (
        Reservation.objects.for_dealership(dealership)
        .filter(
            solution_id=solution_id,
            status__in=ACTIVE_STATUSES,
            fleet_vehicle__isnull=False,
            return_at__gte=after,
            return_at__lte=latest,
        )
        .exclude(_busy_over(OuterRef("fleet_vehicle"), OuterRef("return_at"), duration))
        .order_by()
        .values_list("return_at")
    )
    back_in_service = (
        FleetOutOfService.objects.for_dealership(dealership)
        .filter(vehicle__solution_id=solution_id, ends_at__gte=after, ends_at__lte=latest)
        .exclude(_busy_over(OuterRef("vehicle"), OuterRef("ends_at"), duration))
        .order_by()
        .values_list("ends_at")
    )
    first = returns.union(back_in_service, all=True).order_by("return_at").first()
    return first[0] if first else None


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
    and with which unit. The fleet is read once (or comes as `fleet`, from fleet_read over days
    covering the horizon); what keeps it busy is read for a short window first, then, while
    nothing is found, for one twice as long, by its new stretch alone: the common answer costs
    four queries over a few days. When every unit is busy throughout the
    first window (a stay longer than the fleet's gaps), one query finds the first moment a
    unit can be free at all and the search goes on from there, reading no week in between.
    `excluding_reservation`: one being moved, left out (and that shortcut, which counts it, too)."""
    until = after + horizon
    if fleet is None:
        first_day, last_day = (moment.astimezone(dealership.tz).date() for moment in (after, until))
        fleet = fleet_read(
            dealership=dealership,
            today=now.astimezone(dealership.tz).date(),
            solution_ids=[solution_id],
            first_day=first_day,
            last_day=last_day + timedelta(days=1),
        )
    if solution_id not in fleet.ids:
        return None
    window = max(FIRST_WINDOW, duration * 2)
    busy, taken = _busy_new()
    read_until: datetime | None = None  # the end of the span read so far
    skip_allowed = excluding_reservation is None
    while True:
        end = min(after + window, until)
        span_start, span_end = _span(dealership, after, end)
        _busy_add(
            dealership=dealership,
            ids=[solution_id],
            span_start=span_start,
            span_end=span_end,
            excluding_reservation=excluding_reservation,
            busy=busy,
            taken=taken,
            departed_from=read_until,
        )
        read_until = span_end
        snapshot = _snapshot(
            dealership=dealership,
            fleet=fleet,
            span_start=span_start,
            span_end=span_end,
            busy=busy,
            taken=taken,
        )
        plan = snapshot.plan(solution_id)
        found = (
            availability.next_free(snapshot, plan, after=after, duration=duration, online=online, until=end)
            if plan
            else None
        )
        if found is not None or end >= until:
            return found
        if (
            skip_allowed
            and plan is not None
            and plan.is_vehicle
            and _busy_throughout(plan, after, end, duration)
        ):
            # Every unit is busy at every moment of the window: go straight to the first end of
            # something after which one is free, reading nothing in between.
            skip_allowed = False
            bound = _free_after_lower_bound(
                dealership=dealership, solution_id=solution_id, after=after, until=until, duration=duration
            )
            if bound is None:
                return None
            after = bound
            busy, taken = _busy_new()
            read_until, window = None, max(FIRST_WINDOW, duration * 2)
            continue
        window *= 2


def _busy_throughout(plan: SolutionPlan, after: datetime, end: datetime, duration: timedelta) -> bool:
    """No unit of the plan, held or not, has room for `duration` from `after` to `end`."""
    return all(
        availability.unit_next_free(item, after=after, duration=duration) + duration > end
        for item in plan.units
    )
