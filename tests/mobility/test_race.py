"""The last courtesy car under a crowd (R3.8, DESIGN): 30 clients with their own database
connections book an appointment with it at once; exactly one wins, and no loser is left with
an appointment and no car (appointment and reservation are one transaction).

Real PostgreSQL (CI sets DATABASE_URL): row locks and the exclusion constraint are what is
proven here; SQLite's single writer would prove nothing.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from django.db import connection, connections

from bookings import services
from bookings.models import Appointment, MobilityKind
from bookings.requests import RequestedJob
from bookings.services import AppointmentDetails
from config.errors import SlotTaken
from mobility.models import ACTIVE_STATUSES, Reservation, SolutionKind
from mobility.services.reservations import reservation_book
from tests.factories.customers import VehicleFactory
from tests.factories.mobility import FleetVehicleFactory, MobilitySolutionFactory
from tests.factories.workshop import AdvisorFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.models import Skill, WorkshopPolicy

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the race is proven on PostgreSQL (set DATABASE_URL, as .ci/run does); SQLite has one writer",
    ),
]

CLIENTS = 30
MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
NOW = at(MONDAY, "10:00")
JOB = [RequestedJob(description="Service", skill=Skill.MAINTENANCE, labour_minutes=30)]


def _race(attempts):
    """Run the attempts at once, each in its own thread and connection; the outcomes' codes."""
    start = threading.Barrier(len(attempts))

    def run(attempt):
        try:
            start.wait(timeout=30)
            attempt()
            return "booked"
        except SlotTaken as refused:
            return refused.code
        finally:
            connections.close_all()  # this thread's connection

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        return list(pool.map(run, attempts))


@pytest.fixture
def last_car(milano):
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    courtesy = MobilitySolutionFactory(dealership=milano, kind=SolutionKind.BRAND_COURTESY_CAR)
    car = FleetVehicleFactory(solution=courtesy)
    # The workshop has room for every client at 08:00 on Tuesday: only the car is short.
    advisors = [
        AdvisorFactory(dealership=milano, max_customers_per_day=5, max_online_per_day=5)
        for _ in range(CLIENTS)
    ]
    for _ in range(4):
        TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    vehicles = [VehicleFactory(customer__dealership=milano) for _ in range(CLIENTS)]
    return courtesy, car, advisors, vehicles


def test_r3_8_thirty_clients_booking_the_last_car_exactly_one_wins(milano, last_car):
    _courtesy, car, advisors, vehicles = last_car

    def attempt(advisor, vehicle):
        return lambda: services.appointment_book(
            dealership=milano,
            customer=vehicle.customer,
            vehicle=vehicle,
            advisor_id=advisor.id,
            drop_off=at(TUESDAY, "08:00"),
            jobs=JOB,
            now=NOW,
            booked_by=None,
            details=AppointmentDetails(mobility_kind=MobilityKind.BRAND_COURTESY_CAR),
        )

    outcomes = _race([attempt(a, v) for a, v in zip(advisors, vehicles, strict=True)])
    assert outcomes.count("booked") == 1, outcomes
    assert outcomes.count("mobility_unavailable") == CLIENTS - 1, outcomes
    (winner,) = Appointment.objects.all()  # no loser's appointment is left without its car
    reservation = Reservation.objects.get(status__in=ACTIVE_STATUSES)
    assert (reservation.appointment_id, reservation.fleet_vehicle_id) == (winner.id, car.id)


def test_r3_8_thirty_direct_reservations_of_one_car_at_overlapping_times_exactly_one_wins(milano, last_car):
    courtesy, car, _advisors, vehicles = last_car

    def attempt(index, vehicle):
        start = at(TUESDAY, "08:00") + timedelta(minutes=10 * index)
        return lambda: reservation_book(
            dealership=milano,
            solution=courtesy,
            customer=vehicle.customer,
            departure_at=start,
            return_at=start + timedelta(hours=6),
            now=NOW,
        )

    outcomes = _race([attempt(i, v) for i, v in enumerate(vehicles)])
    assert outcomes.count("booked") == 1, outcomes
    assert Reservation.objects.filter(fleet_vehicle=car, status__in=ACTIVE_STATUSES).count() == 1
