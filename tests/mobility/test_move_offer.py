"""The customer's own move (R3.1, R3.7): the self-booking move page offers only times at which
the appointment's mobility solution is free for the whole stay, each with its car."""

import re
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.urls import reverse

from bookings.models import MobilityKind
from bookings.self_service import manage_token
from mobility.models import SolutionKind
from tests.factories.bookings import AppointmentFactory
from tests.factories.mobility import FleetVehicleFactory, MobilitySolutionFactory, ReservationFactory
from tests.factories.workshop import AdvisorFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.models import Skill, WorkshopPolicy

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
THURSDAY = MONDAY + timedelta(days=3)


@pytest.fixture(autouse=True)
def clock():
    cache.clear()  # the rate limit counts in the cache
    with time_machine.travel(at(MONDAY, "10:00"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(milano):
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    advisor = AdvisorFactory(dealership=milano, name="Giulia Conti", max_customers_per_day=8)
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    courtesy = MobilitySolutionFactory(
        dealership=milano, kind=SolutionKind.BRAND_COURTESY_CAR, name="Maserati courtesy car"
    )
    car = FleetVehicleFactory(solution=courtesy, plate="GR001MI")
    # The only car is out from Monday morning to Tuesday night with another customer.
    ReservationFactory(
        solution=courtesy, fleet_vehicle=car, departure_at=at(MONDAY, "07:00"), return_at=at(TUESDAY, "23:00")
    )
    return {"advisor": advisor, "courtesy": courtesy, "car": car}


def _offered(client, appointment) -> list[datetime]:
    link = reverse(
        "self_booking_manage", kwargs={"dealership_slug": "milano", "token": manage_token(appointment)}
    )
    page = client.get(link, {"move": "1"}).content.decode()
    return [
        datetime.fromisoformat(value.split("|")[1])
        for value in re.findall(r'id="move-\d+" value="([^"]+)"', page)
    ]


@pytest.mark.django_db
def test_r3_7_the_customers_move_offers_only_times_with_the_courtesy_car_free(client, milano, shop):
    appointment = AppointmentFactory(
        advisor=shop["advisor"],
        drop_off_at=at(THURSDAY, "08:00"),
        mobility_kind=MobilityKind.BRAND_COURTESY_CAR,
    )
    offered = _offered(client, appointment)
    assert offered
    assert all(moment >= at(TUESDAY, "23:00") for moment in offered)  # the car is back by then
    page = client.get(
        reverse(
            "self_booking_manage", kwargs={"dealership_slug": "milano", "token": manage_token(appointment)}
        ),
        {"move": "1"},
    ).content.decode()
    assert "(GR001MI)" in page  # each time says which car (R3.8)


@pytest.mark.django_db
def test_r3_1_a_move_without_mobility_still_offers_the_days_the_car_is_out(client, milano, shop):
    appointment = AppointmentFactory(advisor=shop["advisor"], drop_off_at=at(THURSDAY, "08:00"))
    assert any(moment < at(TUESDAY, "23:00") for moment in _offered(client, appointment))


@pytest.mark.django_db
def test_r3_7_the_customers_move_says_when_the_car_is_next_free(client, milano, shop):
    appointment = AppointmentFactory(
        advisor=shop["advisor"],
        drop_off_at=at(THURSDAY, "08:00"),
        mobility_kind=MobilityKind.BRAND_COURTESY_CAR,
    )
    link = reverse(
        "self_booking_manage", kwargs={"dealership_slug": "milano", "token": manage_token(appointment)}
    )
    page = client.get(link, {"move": "1", "wished_date": MONDAY.isoformat()}).content.decode()
    assert "Not free on the days asked for: next free from" in page  # the customer is told why
    offered = [
        datetime.fromisoformat(v.split("|")[1]) for v in re.findall(r'id="move-\d+" value="([^"]+)"', page)
    ]
    assert offered
    assert all(moment >= at(TUESDAY, "23:00") for moment in offered)
