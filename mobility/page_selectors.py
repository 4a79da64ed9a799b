"""Reads for the mobility pages: the fleet planning board (vehicles as rows, local days as
columns, reservations and out-of-service periods laid over them) and one reservation with
everything recorded. A fixed number of queries, whatever the size of the fleet."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dealerships.models import Dealership
from mobility import availability, utilisation
from mobility.availability import Hold
from mobility.models import (
    FleetOutOfService,
    FleetStatus,
    FleetVehicle,
    MobilitySolution,
    Reservation,
    ReservationStatus,
)
from mobility.snapshot import open_recall_vins

BOARD_DAYS = (7, 14)
# Why a held vehicle is never assigned (R3.8), as the board says it.
HOLD_LABELS = {
    Hold.OUT_OF_SERVICE: _("held: not in service"),
    Hold.RECALL: _("held: open recall"),
    Hold.SERVICE_DUE: _("held: service due"),
    Hold.MILEAGE_LIMIT: _("held: over its mileage limit"),
    Hold.AGE_LIMIT: _("held: over its age limit"),
}
# Shown on the board: what took or takes the car. Released and not-picked-up ones left it free.
BOARD_STATUSES = (ReservationStatus.RESERVED, ReservationStatus.OUT, ReservationStatus.RETURNED)


def pickup_grace() -> timedelta:
    """How long after its departure a reservation not picked up keeps its car (settings)."""
    return timedelta(minutes=getattr(settings, "MOBILITY_NOT_PICKED_UP_MINUTES", 120))


def is_overdue(reservation: Reservation, now: datetime) -> bool:
    """The car is still with the customer after the agreed return."""
    return reservation.status == ReservationStatus.OUT and reservation.return_at < now


def _overdue(dealership: Dealership, now: datetime) -> QuerySet[Reservation]:
    """The dealership's reservations is_overdue says so of, as a query."""
    return Reservation.objects.for_dealership(dealership).filter(
        status=ReservationStatus.OUT, return_at__lt=now
    )


def is_late_pickup(reservation: Reservation, now: datetime) -> bool:
    """Reserved, its departure passed, not handed over yet."""
    return reservation.status == ReservationStatus.RESERVED and reservation.departure_at < now


@dataclass(frozen=True, kw_only=True, slots=True)
class BoardItem:
    """A reservation or an out-of-service period in one cell of the board."""

    reservation: Reservation | None = None
    out_of_service: FleetOutOfService | None = None
    overdue: bool = False
    late_pickup: bool = False
    car_not_back: bool = False  # its car is still out with an earlier customer, overdue
    starts_before: bool = False  # it began before this cell's first day
    ends_after: bool = False  # it goes on after this cell's last day


@dataclass(frozen=True, kw_only=True, slots=True)
class BoardCell:
    first_day: date
    span: int  # columns (days) the cell covers
    items: tuple[BoardItem, ...] = ()

    @property
    def out_of_service(self) -> bool:
        return any(item.out_of_service is not None for item in self.items)


@dataclass(frozen=True, kw_only=True, slots=True)
class BoardRow:
    vehicle: FleetVehicle
    hold: Hold | None
    cells: tuple[BoardCell, ...]
    utilisation: utilisation.Utilisation

    @property
    def hold_label(self) -> str:
        return str(HOLD_LABELS[self.hold]) if self.hold is not None else ""


@dataclass(frozen=True, kw_only=True, slots=True)
class BoardGroup:
    solution: MobilitySolution
    rows: tuple[BoardRow, ...]
    utilisation: utilisation.Utilisation


@dataclass(frozen=True, kw_only=True, slots=True)
class Board:
    start: date
    days: tuple[date, ...]
    groups: tuple[BoardGroup, ...]
    overdue: tuple[Reservation, ...] = field(default=())

    @property
    def end(self) -> date:
        return self.days[-1]

    @property
    def utilisation(self) -> utilisation.Utilisation:
        return sum((group.utilisation for group in self.groups), utilisation.NOTHING)


def _cells(days: list[date], touched: list[tuple[set[date], BoardItem]]) -> tuple[BoardCell, ...]:
    """One cell per run of days holding the same items: a reservation alone over three days
    is one cell three columns wide (a bar); days with nothing are one empty cell each."""
    by_day = [
        tuple(index for index, (days_of, _item) in enumerate(touched) if day in days_of) for day in days
    ]
    cells: list[BoardCell] = []
    position = 0
    while position < len(days):
        here = by_day[position]
        run = 1
        if here:
            while position + run < len(days) and by_day[position + run] == here:
                run += 1
        cell_first, cell_last = days[position], days[position + run - 1]
        items = []
        for index in here:
            days_of, item = touched[index]
            items.append(
                BoardItem(
                    reservation=item.reservation,
                    out_of_service=item.out_of_service,
                    overdue=item.overdue,
                    late_pickup=item.late_pickup,
                    car_not_back=item.car_not_back,
                    starts_before=min(days_of) < cell_first,
                    ends_after=max(days_of) > cell_last,
                )
            )
        cells.append(BoardCell(first_day=cell_first, span=run, items=tuple(items)))
        position += run
    return tuple(cells)


def board_load(*, dealership: Dealership, start: date, days: int, now: datetime) -> Board:
    """The planning board from `start` for `days` local days (R3.8): every vehicle of the
    fleet not retired, grouped by solution in the order of preference (R3.4), with why a held
    one is held, its reservations (customer, appointment) and out-of-service periods, overdue
    returns flagged: a car not back is shown out until today, and the reservations waiting for
    it are marked; five queries."""
    tz = dealership.tz
    day_list = utilisation.span_days(start, start + timedelta(days=days - 1))
    span_start = datetime.combine(start, time(0), tzinfo=tz)
    span_end = datetime.combine(day_list[-1] + timedelta(days=1), time(0), tzinfo=tz)
    today = now.astimezone(tz).date()
    vehicles = list(
        FleetVehicle.objects.for_dealership(dealership)
        .exclude(status=FleetStatus.RETIRED)
        .select_related("solution")
        .order_by("solution__position", "solution_id", "plate")
    )
    recalls = open_recall_vins(dealership=dealership, vins={v.vin for v in vehicles}, today=today)
    reservations = list(
        Reservation.objects.for_dealership(dealership)
        .filter(status__in=BOARD_STATUSES, return_at__gt=span_start, departure_at__lt=span_end)
        .select_related("customer", "appointment", "solution")
        .order_by("departure_at", "id")
    )
    down = list(
        FleetOutOfService.objects.for_dealership(dealership)
        .filter(ends_at__gt=span_start, starts_at__lt=span_end)
        .order_by("starts_at")
    )
    overdue = tuple(
        _overdue(dealership, now)
        .select_related("customer", "fleet_vehicle", "appointment", "solution")
        .order_by("return_at")
    )
    # Due back before the board's first day and still out: on the board up to now.
    reservations += [r for r in overdue if r.return_at <= span_start and r.departure_at < span_end]
    reservations.sort(key=lambda r: (r.departure_at, r.id))
    not_back_since = {r.fleet_vehicle_id: r.return_at for r in overdue}
    period = set(day_list)
    by_vehicle: dict[int, list[tuple[set[date], BoardItem]]] = {v.id: [] for v in vehicles}
    reserved_spans: dict[int, list[utilisation.Span]] = {v.id: [] for v in vehicles}
    down_spans: dict[int, list[utilisation.Span]] = {v.id: [] for v in vehicles}
    for period_row in down:
        if period_row.vehicle_id in by_vehicle:
            span = utilisation.Span(start=period_row.starts_at, end=period_row.ends_at)
            down_spans[period_row.vehicle_id].append(span)
            touched = utilisation.days_touched(span, tz) & period
            by_vehicle[period_row.vehicle_id].append((touched, BoardItem(out_of_service=period_row)))
    for reservation in reservations:
        if reservation.fleet_vehicle_id not in by_vehicle:
            continue
        overdue_here = is_overdue(reservation, now)
        span = utilisation.Span(
            start=reservation.departure_at,
            end=max(reservation.return_at, now) if overdue_here else reservation.return_at,
        )
        reserved_spans[reservation.fleet_vehicle_id].append(span)
        due_back = not_back_since.get(reservation.fleet_vehicle_id)
        item = BoardItem(
            reservation=reservation,
            overdue=overdue_here,
            late_pickup=is_late_pickup(reservation, now),
            car_not_back=reservation.status == ReservationStatus.RESERVED
            and due_back is not None
            and reservation.departure_at >= due_back,
        )
        by_vehicle[reservation.fleet_vehicle_id].append((utilisation.days_touched(span, tz) & period, item))
    groups: list[BoardGroup] = []
    for vehicle in vehicles:
        hold = availability.vehicle_hold(
            in_service=vehicle.status == FleetStatus.IN_SERVICE,
            open_recall=vehicle.vin in recalls,
            mileage_km=vehicle.mileage_km,
            mileage_limit_km=vehicle.mileage_limit_km,
            max_age_months=vehicle.max_age_months,
            in_fleet_since=vehicle.in_fleet_since,
            next_service_due_on=vehicle.next_service_due_on,
            next_service_due_km=vehicle.next_service_due_km,
            today=today,
        )
        figure = utilisation.vehicle_utilisation(
            days=day_list, reserved=reserved_spans[vehicle.id], out_of_service=down_spans[vehicle.id], tz=tz
        )
        row = BoardRow(
            vehicle=vehicle,
            hold=hold,
            cells=_cells(day_list, by_vehicle[vehicle.id]),
            utilisation=figure,
        )
        if groups and groups[-1].solution.id == vehicle.solution_id:
            last = groups[-1]
            groups[-1] = BoardGroup(
                solution=last.solution, rows=(*last.rows, row), utilisation=last.utilisation + figure
            )
        else:
            groups.append(BoardGroup(solution=vehicle.solution, rows=(row,), utilisation=figure))
    order = {kind: index for index, kind in enumerate(availability.REPLACEMENT_ORDER)}
    groups.sort(key=lambda g: (order.get(g.solution.kind, len(order)), g.solution.position, g.solution.id))
    return Board(start=start, days=tuple(day_list), groups=tuple(groups), overdue=overdue)


def reservation_get(*, dealership: Dealership, reservation_id: int) -> Reservation | None:
    """One reservation of the dealership with what its page shows, or None (not there or not
    theirs look alike)."""
    return (
        Reservation.objects.for_dealership(dealership)
        .select_related(
            "solution", "fleet_vehicle", "customer", "appointment", "out_by", "in_by", "booked_by"
        )
        .filter(id=reservation_id)
        .first()
    )


def car_still_out(*, dealership: Dealership, reservation: Reservation, now: datetime) -> Reservation | None:
    """The earlier reservation whose customer still has this reservation's car past its return,
    when this one is yet to leave (R3.8: the desk moves it to another car); one query, none
    without a car."""
    if reservation.status != ReservationStatus.RESERVED or reservation.fleet_vehicle_id is None:
        return None
    return (
        _overdue(dealership, now)
        .filter(fleet_vehicle_id=reservation.fleet_vehicle_id, return_at__lte=reservation.departure_at)
        .select_related("customer")
        .first()
    )


def fleet_vehicle_choices(*, dealership: Dealership, solution_id: int) -> QuerySet[FleetVehicle]:
    """The vehicles a reservation of the solution could move onto (its own solution's, not retired)."""
    return (
        FleetVehicle.objects.for_dealership(dealership)
        .filter(solution_id=solution_id)
        .exclude(status=FleetStatus.RETIRED)
        .order_by("plate")
    )
