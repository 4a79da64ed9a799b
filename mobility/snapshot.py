"""The fleet snapshot: everything mobility.availability needs over a span, read in a fixed
number of queries (four, whatever the size of the fleet or the number of reservations): the
solutions, their caps, the vehicles with their open recalls, and what keeps them busy."""

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import BooleanField, DateField, Exists, IntegerField, OuterRef, Q, QuerySet, Value

from customers.models import CampaignCompletion, CampaignVin
from dealerships.models import Dealership
from mobility import availability
from mobility.availability import Cap, FleetSnapshot, Hold, Interval, SolutionPlan
from mobility.models import (
    ACTIVE_STATUSES,
    VEHICLE_KINDS,
    FleetOutOfService,
    FleetStatus,
    FleetVehicle,
    MobilitySolution,
    Reservation,
    SolutionCap,
    SolutionKind,
)

SNAPSHOT_QUERIES = 4
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
    """What does not depend on the span: the solutions, their caps (weekdays, and the dates
    from `first_day` to `last_day`), the vehicles and their holds. Read once by fleet_read,
    it serves every snapshot and next-free search of one request over those days."""

    first_day: date
    last_day: date

    rows: list[tuple]
    weekday_caps: dict[int, dict[int, Cap]]
    date_caps: dict[int, dict[date, Cap]]
    vehicles: dict[int, list[tuple[int, str, Hold | None]]]  # solution id -> (vehicle id, label, hold)

    @property
    def ids(self) -> list[int]:
        return [row[0] for row in self.rows]


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
    days from `first_day` to `last_day` and their vehicles with today's holds: three queries."""
    solutions = MobilitySolution.objects.for_dealership(dealership).filter(active=True)
    if solution_ids is not None:
        solutions = solutions.filter(id__in=list(solution_ids))
    if kind is not None:
        solutions = solutions.filter(kind=kind)
    rows = list(
        solutions.values_list(
            "id", "kind", "name", "position", "online_bookable", "lounge_places", "drivers_per_half_day"
        )
    )
    ids = [row[0] for row in rows]
    weekday_caps: dict[int, dict[int, Cap]] = defaultdict(dict)
    date_caps: dict[int, dict[date, Cap]] = defaultdict(dict)
    for solution_id, weekday, day, per_day, per_half in (
        SolutionCap.objects.for_dealership(dealership)
        .filter(solution_id__in=ids)
        .filter(Q(weekday__isnull=False) | Q(date__gte=first_day, date__lte=last_day))
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
        recalled,
    ) in (
        FleetVehicle.objects.for_dealership(dealership)
        .filter(solution_id__in=ids)
        .exclude(status=FleetStatus.RETIRED)
        .annotate(recalled=Exists(_open_recalls(dealership, today).filter(vin=OuterRef("vin"))))
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
            "recalled",
        )
    ):
        hold = availability.vehicle_hold(
            in_service=status == FleetStatus.IN_SERVICE,
            open_recall=recalled,
            mileage_km=mileage,
            mileage_limit_km=mileage_limit,
            max_age_months=max_age,
            in_fleet_since=since,
            next_service_due_on=service_on,
            next_service_due_km=service_km,
            today=today,
        )
        vehicles[solution_id].append((vehicle_id, f"{brand} {model} ({plate})", hold))
    return Fleet(
        first_day=first_day,
        last_day=last_day,
        rows=rows,
        weekday_caps=weekday_caps,
        date_caps=date_caps,
        vehicles=vehicles,
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
    was read already), so a longer span is read by its new stretch alone, nothing twice."""
    reservations = Reservation.objects.for_dealership(dealership).filter(
        solution_id__in=ids, status__in=ACTIVE_STATUSES, return_at__gt=span_start, departure_at__lt=span_end
    )
    periods = FleetOutOfService.objects.for_dealership(dealership).filter(
        vehicle__solution_id__in=ids, ends_at__gt=span_start, starts_at__lt=span_end
    )
    if departed_from is not None:
        reservations = reservations.filter(departure_at__gte=departed_from)
        periods = periods.filter(starts_at__gte=departed_from)
    if excluding_reservation is not None:
        reservations = reservations.exclude(id=excluding_reservation)
    rows = (
        reservations.order_by()
        .values_list("fleet_vehicle_id", "departure_at", "return_at", "solution_id", "local_day", "afternoon")
        .union(
            periods.order_by()
            .annotate(
                no_solution=Value(NO_SOLUTION, output_field=IntegerField()),
                no_day=Value(None, output_field=DateField()),
                no_half=Value(False, output_field=BooleanField()),
            )
            .values_list("vehicle_id", "starts_at", "ends_at", "no_solution", "no_day", "no_half"),
            all=True,
        )
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
    and holds, caps and what counts against them, in SNAPSHOT_QUERIES queries; in one when
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
) -> tuple[datetime, availability.Unit | None] | None:
    """When the solution is next free for `duration` from `after` on, within `horizon` (R3.7),
    and with which unit. The fleet is read once (or comes as `fleet`, from fleet_read over days
    covering the horizon); what keeps it busy is read for a short window first, then, while
    nothing is found, for one twice as long, by its new stretch alone: the common answer costs
    four queries over a few days. When every unit is busy throughout the
    first window (a stay longer than the fleet's gaps), one query finds the first moment a
    unit can be free at all and the search goes on from there, reading no week in between."""
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
    skip_allowed = True
    while True:
        end = min(after + window, until)
        span_start, span_end = _span(dealership, after, end)
        _busy_add(
            dealership=dealership,
            ids=[solution_id],
            span_start=span_start,
            span_end=span_end,
            excluding_reservation=None,
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
