"""Utilisation of the fleet: reserved days over available days, per vehicle and per solution,
over a span of local days, out-of-service days left out of both (for the board and the
dashboards). The arithmetic is pure; `fleet_utilisation` loads what it needs in three queries."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dealerships.models import Dealership
from mobility.models import FleetOutOfService, FleetStatus, FleetVehicle, Reservation, ReservationStatus

# A reservation that was released or not picked up never took its car.
COUNTED_STATUSES = (ReservationStatus.RESERVED, ReservationStatus.OUT, ReservationStatus.RETURNED)


@dataclass(frozen=True, kw_only=True, slots=True)
class Span:
    start: datetime
    end: datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class Utilisation:
    reserved_days: int
    available_days: int

    @property
    def ratio(self) -> float | None:
        """Reserved over available, 0 to 1; None when no day was available."""
        return self.reserved_days / self.available_days if self.available_days else None

    @property
    def percent(self) -> int | None:
        return None if self.ratio is None else round(self.ratio * 100)

    def __add__(self, other: "Utilisation") -> "Utilisation":
        return Utilisation(
            reserved_days=self.reserved_days + other.reserved_days,
            available_days=self.available_days + other.available_days,
        )


NOTHING = Utilisation(reserved_days=0, available_days=0)


def days_touched(span: Span, tz: ZoneInfo) -> set[date]:
    """The local days [span.start, span.end) has a moment in (an end at midnight touches no more)."""
    first = span.start.astimezone(tz).date()
    last = (span.end - timedelta(microseconds=1)).astimezone(tz).date()
    return {first + timedelta(days=n) for n in range((last - first).days + 1)} if last >= first else set()


def vehicle_utilisation(
    *, days: Sequence[date], reserved: Iterable[Span], out_of_service: Iterable[Span], tz: ZoneInfo
) -> Utilisation:
    """Of the `days`, those not out of service are available; of those, the ones a reservation
    touches are reserved (a day lent for an hour counts: the car was not at the desk)."""
    period = set(days)
    down: set[date] = set()
    for span in out_of_service:
        down |= days_touched(span, tz)
    available = period - down
    taken: set[date] = set()
    for span in reserved:
        taken |= days_touched(span, tz)
    return Utilisation(reserved_days=len(taken & available), available_days=len(available))


@dataclass(frozen=True, kw_only=True, slots=True)
class FleetUtilisation:
    start: date
    end: date  # inclusive
    by_vehicle: dict[int, Utilisation]
    by_solution: dict[int, Utilisation]

    @property
    def total(self) -> Utilisation:
        return sum(self.by_solution.values(), NOTHING)


def span_days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


def fleet_utilisation_compute(
    *,
    vehicles: Iterable[tuple[int, int]],
    reserved: Iterable[tuple[int, Span]],
    out_of_service: Iterable[tuple[int, Span]],
    start: date,
    end: date,
    tz: ZoneInfo,
) -> FleetUtilisation:
    """Per vehicle ((vehicle id, solution id) pairs) and summed per solution."""
    days = span_days(start, end)
    reserved_by: dict[int, list[Span]] = defaultdict(list)
    for vehicle_id, span in reserved:
        reserved_by[vehicle_id].append(span)
    down_by: dict[int, list[Span]] = defaultdict(list)
    for vehicle_id, span in out_of_service:
        down_by[vehicle_id].append(span)
    by_vehicle: dict[int, Utilisation] = {}
    by_solution: dict[int, Utilisation] = defaultdict(lambda: NOTHING)
    for vehicle_id, solution_id in vehicles:
        figure = vehicle_utilisation(
            days=days, reserved=reserved_by[vehicle_id], out_of_service=down_by[vehicle_id], tz=tz
        )
        by_vehicle[vehicle_id] = figure
        by_solution[solution_id] = by_solution[solution_id] + figure
    return FleetUtilisation(start=start, end=end, by_vehicle=by_vehicle, by_solution=dict(by_solution))


def fleet_utilisation(*, dealership: Dealership, start: date, end: date) -> FleetUtilisation:
    """The fleet's utilisation over the local days start..end (three queries)."""
    tz = dealership.tz
    span_start = datetime.combine(start, time(0), tzinfo=tz)
    span_end = datetime.combine(end + timedelta(days=1), time(0), tzinfo=tz)
    vehicles = list(
        FleetVehicle.objects.for_dealership(dealership)
        .exclude(status=FleetStatus.RETIRED)
        .values_list("id", "solution_id")
    )
    reserved = [
        (vehicle_id, Span(start=departure, end=back))
        for vehicle_id, departure, back in Reservation.objects.for_dealership(dealership)
        .filter(
            fleet_vehicle__isnull=False,
            status__in=COUNTED_STATUSES,
            return_at__gt=span_start,
            departure_at__lt=span_end,
        )
        .values_list("fleet_vehicle_id", "departure_at", "return_at")
    ]
    down = [
        (vehicle_id, Span(start=starts, end=ends))
        for vehicle_id, starts, ends in FleetOutOfService.objects.for_dealership(dealership)
        .filter(ends_at__gt=span_start, starts_at__lt=span_end)
        .values_list("vehicle_id", "starts_at", "ends_at")
    ]
    return fleet_utilisation_compute(
        vehicles=vehicles, reserved=reserved, out_of_service=down, start=start, end=end, tz=tz
    )
