"""No double booking under a crowd: 50 clients with their own database connections race for
the last place; exactly one wins and the database shows no overbooking (R4.2, DESIGN).

Real PostgreSQL (CI sets DATABASE_URL): row locks, READ COMMITTED and the exclusion constraint
are what is proven here, so SQLite's single writer would prove nothing.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from django.db import connection, connections

from bookings import services
from bookings.models import Appointment, AppointmentStatus
from bookings.requests import RequestedJob
from config.errors import SlotTaken
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import VehicleFactory
from tests.factories.workshop import AdvisorFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.models import Skill

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the race is proven on PostgreSQL (set DATABASE_URL, as .ci/run does); SQLite has one writer",
    ),
]

CLIENTS = 50
MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
NOW = at(MONDAY, "10:00")
JOB = [RequestedJob(description="Service", skill=Skill.MAINTENANCE, labour_minutes=30)]


def _race(attempts):
    """Run the attempts at once, each in its own thread and connection; count the outcomes."""
    start = threading.Barrier(len(attempts))

    def run(attempt):
        try:
            start.wait(timeout=30)
            attempt()
            return "booked"
        except SlotTaken:
            return "taken"
        finally:
            connections.close_all()  # this thread's connection

    with ThreadPoolExecutor(max_workers=len(attempts)) as pool:
        outcomes = list(pool.map(run, attempts))
    return outcomes.count("booked"), outcomes.count("taken"), outcomes


@pytest.fixture
def last_place(milano):
    """Giulia may take one more customer on Tuesday."""
    giulia = AdvisorFactory(dealership=milano, max_customers_per_day=3, max_online_per_day=3)
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    for clock in ("08:00", "09:00"):
        AppointmentFactory(advisor=giulia, drop_off_at=at(TUESDAY, clock), labour_minutes=30)
    vehicles = [VehicleFactory(customer__dealership=milano) for _ in range(CLIENTS)]
    return giulia, vehicles


def _tuesday_slots(giulia):
    """Tuesday drop-off times outside Giulia's kept-free quarters and her two bookings."""
    from bookings.capacity import capacity_load
    from workshop.availability import Policy, kept_free_quarters

    advisor_day = capacity_load(dealership=giulia.dealership, start=TUESDAY, end=TUESDAY).days[0].advisors[0]
    kept = kept_free_quarters(advisor_day, Policy(), giulia.dealership.tz)
    slots = []
    for hour in range(10, 18):
        for minute in (0, 30):
            moment = at(TUESDAY, f"{hour:02d}:{minute:02d}")
            if 12 <= hour < 14 or any(q.start <= moment < q.end for q in kept):
                continue
            slots.append(moment)
    return slots


def _live_on_tuesday(giulia):
    return Appointment.objects.filter(advisor=giulia, local_day=TUESDAY).exclude(
        status=AppointmentStatus.CANCELLED
    )


def test_fifty_clients_for_the_same_last_slot_exactly_one_wins(milano, last_place):
    giulia, vehicles = last_place
    slot = _tuesday_slots(giulia)[0]

    def attempt(vehicle):
        return lambda: services.appointment_book(
            dealership=milano,
            customer=vehicle.customer,
            vehicle=vehicle,
            advisor_id=giulia.id,
            drop_off=slot,
            jobs=JOB,
            now=NOW,
            booked_by=None,
        )

    booked, taken, outcomes = _race([attempt(v) for v in vehicles])
    assert (booked, taken) == (1, CLIENTS - 1), outcomes
    assert _live_on_tuesday(giulia).count() == 3


def test_fifty_clients_for_the_last_place_of_the_day_at_different_times_exactly_one_wins(milano, last_place):
    giulia, vehicles = last_place
    slots = _tuesday_slots(giulia)

    def attempt(index, vehicle):
        return lambda: services.appointment_book(
            dealership=milano,
            customer=vehicle.customer,
            vehicle=vehicle,
            advisor_id=giulia.id,
            drop_off=slots[index % len(slots)],
            jobs=JOB,
            now=NOW,
            booked_by=None,
        )

    booked, taken, outcomes = _race([attempt(i, v) for i, v in enumerate(vehicles)])
    assert (booked, taken) == (1, CLIENTS - 1), outcomes
    assert _live_on_tuesday(giulia).count() == 3  # the maximum, not one more


def test_fifty_reschedules_into_the_last_place_of_a_full_day_exactly_one_wins(milano, last_place):
    giulia, vehicles = last_place
    # Fifty appointments on other days (a second advisor's), each trying to move to Tuesday.
    marco = AdvisorFactory(dealership=milano, max_customers_per_day=60, max_online_per_day=60)
    slots = _tuesday_slots(giulia)
    movers = []
    day = TUESDAY
    for index, vehicle in enumerate(vehicles):
        if index % 10 == 0:  # ten a day, on the following working days
            day += timedelta(days=1)
            while day.weekday() >= 5:
                day += timedelta(days=1)
        clock = f"{8 + (index % 10) // 2:02d}:{30 * (index % 2):02d}"
        movers.append(
            AppointmentFactory(advisor=marco, drop_off_at=at(day, clock), labour_minutes=30, vehicle=vehicle)
        )

    def attempt(index, appointment):
        return lambda: services.appointment_reschedule(
            dealership=milano,
            appointment=appointment,
            advisor_id=giulia.id,
            drop_off=slots[index % len(slots)],
            by=None,
            now=NOW,
        )

    booked, taken, outcomes = _race([attempt(i, a) for i, a in enumerate(movers)])
    assert (booked, taken) == (1, CLIENTS - 1), outcomes
    assert _live_on_tuesday(giulia).count() == 3
