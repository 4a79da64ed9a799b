"""Utilisation of the fleet: reserved days over available days, out-of-service days excluded."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest

from mobility.models import ReservationStatus
from mobility.utilisation import Span, days_touched, fleet_utilisation, vehicle_utilisation
from tests.factories.mobility import FleetOutOfServiceFactory, FleetVehicleFactory, ReservationFactory
from tests.workshop.snapshots import at

ROME = ZoneInfo("Europe/Rome")
MONDAY = date(2026, 11, 23)
WEEK = [MONDAY + timedelta(days=n) for n in range(7)]


def test_a_span_touches_the_local_days_it_has_a_moment_in():
    assert days_touched(Span(start=at(MONDAY, "09:00"), end=at(MONDAY, "18:00")), ROME) == {MONDAY}
    # Ending at midnight does not touch the next day.
    tuesday = MONDAY + timedelta(days=1)
    assert days_touched(Span(start=at(MONDAY, "20:00"), end=at(tuesday, "00:00")), ROME) == {MONDAY}
    assert days_touched(Span(start=at(MONDAY, "20:00"), end=at(tuesday, "08:00")), ROME) == {MONDAY, tuesday}


@pytest.mark.parametrize(
    ("reserved", "down", "expected"),
    [
        ([], [], (0, 7)),
        ([(0, 2)], [], (3, 7)),  # Monday to Wednesday
        ([(0, 2)], [(1, 1)], (2, 6)),  # Tuesday out of service: neither reserved nor available
        ([(0, 1), (1, 2)], [], (3, 7)),  # two reservations sharing Tuesday count it once
        ([(5, 9)], [], (2, 7)),  # runs past the period: only Saturday and Sunday count
        ([], [(0, 6)], (0, 0)),
    ],
)
def test_vehicle_utilisation(reserved, down, expected):
    def span(first: int, last: int) -> Span:
        return Span(
            start=at(MONDAY + timedelta(days=first), "09:00"), end=at(MONDAY + timedelta(days=last), "17:00")
        )

    figure = vehicle_utilisation(
        days=WEEK, reserved=[span(*r) for r in reserved], out_of_service=[span(*d) for d in down], tz=ROME
    )
    assert (figure.reserved_days, figure.available_days) == expected
    assert figure.ratio == (expected[0] / expected[1] if expected[1] else None)


def test_fleet_utilisation_per_vehicle_and_per_solution_leaves_released_reservations_out(
    milano, django_assert_num_queries
):
    car = FleetVehicleFactory(dealership=milano, solution__dealership=milano)
    other = FleetVehicleFactory(solution=car.solution)
    ReservationFactory(
        solution=car.solution,
        fleet_vehicle=car,
        departure_at=at(MONDAY, "09:00"),
        return_at=at(MONDAY, "18:00"),
    )
    ReservationFactory(
        solution=car.solution,
        fleet_vehicle=other,
        departure_at=at(MONDAY, "09:00"),
        return_at=at(MONDAY, "18:00"),
        status=ReservationStatus.RELEASED,
    )
    FleetOutOfServiceFactory(vehicle=other, starts_at=at(WEEK[5], "00:00"), ends_at=at(WEEK[6], "23:00"))
    with django_assert_num_queries(3):
        figures = fleet_utilisation(dealership=milano, start=WEEK[0], end=WEEK[-1])
    assert (figures.by_vehicle[car.id].reserved_days, figures.by_vehicle[car.id].available_days) == (1, 7)
    assert (figures.by_vehicle[other.id].reserved_days, figures.by_vehicle[other.id].available_days) == (0, 5)
    assert figures.by_solution[car.solution_id].percent == round(100 / 12)
    assert figures.total.available_days == 12
