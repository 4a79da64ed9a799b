"""Moving an appointment that holds the last courtesy car (R3.7, R3.8): its own reservation
moves with it, so the offer for the move does not count it as taken, and a time overlapping
the old one is offered and accepted, by the customer's move page and by the desk's."""

import re
from datetime import date, datetime, timedelta
from functools import partial

import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from bookings import mobility_hooks, services
from bookings.models import Appointment, MobilityKind
from bookings.requests import RequestedJob, appointment_slot_request
from bookings.self_service import manage_token
from mobility.models import HANDOVER_EXPLANATION_MINUTES, Reservation, ReservationStatus, SolutionKind
from mobility.snapshot import solution_next_free
from tests.factories.customers import VehicleFactory
from tests.factories.mobility import FleetVehicleFactory, MobilitySolutionFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.models import Skill, WorkshopPolicy

MONDAY = date(2026, 11, 23)
THURSDAY = MONDAY + timedelta(days=3)
NOW = at(MONDAY, "10:00")

EXPLANATION = timedelta(minutes=HANDOVER_EXPLANATION_MINUTES)  # the policy's default (R3.7)


@pytest.fixture(autouse=True)
def clock():
    cache.clear()  # the self-booking pages' rate limits count in the cache
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(milano):
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    courtesy = MobilitySolutionFactory(
        dealership=milano, kind=SolutionKind.BRAND_COURTESY_CAR, name="Maserati courtesy car"
    )
    return {
        "giulia": AdvisorFactory(dealership=milano, name="Giulia", max_customers_per_day=8),
        "marco": AdvisorFactory(dealership=milano, name="Marco", max_customers_per_day=8),
        "technician": TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE]),
        "service": JobFactory(dealership=milano, code="SRV", name="Service", labour_minutes=120),
        "courtesy": courtesy,
        "car": FleetVehicleFactory(solution=courtesy, plate="GR001MI"),  # the only one
    }


def _book(milano, shop, when: datetime) -> Appointment:
    """An appointment with the courtesy car: it holds the fleet's last car for its stay."""
    vehicle = VehicleFactory(customer__dealership=milano)
    with transaction.atomic():
        return services.appointment_book(
            dealership=milano,
            customer=vehicle.customer,
            vehicle=vehicle,
            advisor_id=shop["giulia"].id,
            drop_off=when,
            jobs=[
                RequestedJob(
                    description="Service", skill=Skill.MAINTENANCE, labour_minutes=120, job=shop["service"]
                )
            ],
            now=NOW,
            booked_by=None,
            details=services.AppointmentDetails(mobility_kind=MobilityKind.BRAND_COURTESY_CAR),
        )


def _overlapping(appointment: Appointment, times: list[tuple[int, datetime]]) -> list[tuple[int, datetime]]:
    """The times other than the appointment's own whose stay overlaps the one it has now."""
    return [
        (advisor_id, drop_off)
        for advisor_id, drop_off in times
        if drop_off != appointment.drop_off_at
        and appointment.drop_off_at - timedelta(hours=2) < drop_off < appointment.promised_return_at
    ]


def _move_offer(milano, appointment, *, wished_day, ignore=True):
    return mobility_hooks.layer().offer(
        dealership=milano,
        request=appointment_slot_request(appointment, wished_day=wished_day, alternatives=4),
        mobility_kind=appointment.mobility_kind,
        now=NOW,
        moving=appointment if ignore else None,
    )


def test_r3_7_the_move_offer_does_not_count_the_appointments_own_reservation(milano, shop):
    appointment = _book(milano, shop, at(THURSDAY, "09:00"))
    assert Reservation.objects.get(appointment=appointment).fleet_vehicle == shop["car"]
    # As any other booking sees it, the only car is out for the whole stay...
    others = _move_offer(milano, appointment, wished_day=THURSDAY, ignore=False)
    assert not _overlapping(appointment, [(p.advisor_id, p.drop_off) for p in others.offer.proposals])
    # ...but for the appointment itself it is free then: its reservation moves with it.
    offer = _move_offer(milano, appointment, wished_day=THURSDAY)
    assert _overlapping(appointment, [(p.advisor_id, p.drop_off) for p in offer.offer.proposals])
    assert offer.next_free is None
    assert all("(GR001MI)" in note for note in offer.notes)  # which car goes with each time


def test_r3_7_the_next_free_search_of_a_move_does_not_count_its_own_reservation(milano, shop):
    appointment = _book(milano, shop, at(THURSDAY, "09:00"))
    own = Reservation.objects.get(appointment=appointment)
    search = partial(
        solution_next_free,
        dealership=milano,
        solution_id=shop["courtesy"].id,
        after=own.departure_at,
        duration=timedelta(hours=3),
        now=NOW,
    )
    assert search()[0] >= own.return_at  # for anyone else, not before the car is back
    found, unit = search(excluding_reservation=own.id)
    assert found == own.departure_at  # for the appointment moving, at once
    assert unit is not None
    assert unit.vehicle_id == shop["car"].id


def _customer_move_page(client, appointment, **query):
    link = reverse(
        "self_booking_manage", kwargs={"dealership_slug": "milano", "token": manage_token(appointment)}
    )
    return link, client.get(link, {"move": "1", **query})


def test_r3_7_r3_8_a_customer_moves_the_appointment_with_the_last_courtesy_car_to_an_overlapping_time(
    client, milano, shop
):
    appointment = _book(milano, shop, at(THURSDAY, "09:00"))
    link, page = _customer_move_page(client, appointment, wished_date=THURSDAY.isoformat())
    assert page.status_code == 200
    offered = [
        (int(advisor), datetime.fromisoformat(moment))
        for advisor, moment in (
            value.split("|") for value in re.findall(r'id="move-\d+" value="([^"]+)"', page.content.decode())
        )
    ]
    nearby = _overlapping(appointment, offered)
    assert nearby, offered  # the page says the car is free at times it is free once moved
    advisor_id, drop_off = nearby[0]
    answer = client.post(link, {"proposal": f"{advisor_id}|{drop_off.isoformat()}"})
    assert answer.status_code == 302
    appointment.refresh_from_db()
    reservation = Reservation.objects.get(appointment=appointment)
    assert appointment.drop_off_at == drop_off
    assert reservation.status == ReservationStatus.RESERVED
    assert reservation.fleet_vehicle == shop["car"]  # the same car, moved with it (R3.8)
    assert (reservation.departure_at, reservation.return_at) == (  # left once the work was explained (R3.7)
        appointment.drop_off_at + EXPLANATION,
        appointment.promised_return_at,
    )


def test_r3_8_the_desk_moves_the_appointment_with_the_last_courtesy_car_to_an_overlapping_time(
    client, alice, milano, shop
):
    appointment = _book(milano, shop, at(THURSDAY, "09:00"))
    client.force_login(alice)
    link = reverse("appointment_move", kwargs={"dealership_slug": "milano", "appointment_id": appointment.id})
    page = client.get(link, {"wished_date": THURSDAY.isoformat()})
    assert page.status_code == 200
    offered = [
        (int(advisor), datetime.fromisoformat(moment))
        for advisor, moment in (
            value.split("|")
            for value in re.findall(r'id="proposal-\d+" value="([^"]+)"', page.content.decode())
        )
    ]
    advisor_id, drop_off = _overlapping(appointment, offered)[0]
    answer = client.post(link, {"proposal": f"{advisor_id}|{drop_off.isoformat()}", "reason": "Earlier"})
    assert answer.status_code == 302
    reservation = Reservation.objects.get(appointment=appointment)
    appointment.refresh_from_db()
    assert appointment.drop_off_at == drop_off
    assert reservation.fleet_vehicle == shop["car"]
    assert (reservation.departure_at, reservation.return_at) == (  # left once the work was explained (R3.7)
        appointment.drop_off_at + EXPLANATION,
        appointment.promised_return_at,
    )


def test_r4_1_a_move_is_offered_its_own_advisors_day_when_the_appointment_is_that_days_only_place(
    client, alice, milano, shop
):
    """The appointment's own reception and labour do not block the times it moves to: with the
    advisor's one place of the day taken by the appointment itself, the desk and the customer
    are still offered that advisor's other times of the day."""
    shop["marco"].delete()
    shop["giulia"].max_customers_per_day = shop["giulia"].max_online_per_day = 1
    shop["giulia"].save()
    appointment = _book(milano, shop, at(THURSDAY, "09:00"))
    client.force_login(alice)
    link = reverse("appointment_move", kwargs={"dealership_slug": "milano", "appointment_id": appointment.id})
    page = client.get(link, {"wished_date": THURSDAY.isoformat()})
    offered = re.findall(r'id="proposal-\d+" value="\d+\|([^"]+)"', page.content.decode())
    thursday = [moment for moment in offered if datetime.fromisoformat(moment).date() == THURSDAY]
    assert thursday
    assert all(datetime.fromisoformat(moment) != appointment.drop_off_at for moment in thursday)
    customer_offer = _move_offer(milano, appointment, wished_day=THURSDAY)
    assert any(p.drop_off.date() == THURSDAY for p in customer_offer.offer.proposals)
    others = _move_offer(milano, appointment, wished_day=THURSDAY, ignore=False)
    assert not any(p.drop_off.date() == THURSDAY for p in others.offer.proposals)


def test_r3_1_the_desk_move_page_offers_only_times_at_which_the_appointments_car_is_free(
    client, alice, milano, shop
):
    """Another appointment holds the only courtesy car on Friday: the desk is not offered a
    Friday time whose stay needs the car then, and each time offered names the car."""
    friday = THURSDAY + timedelta(days=1)
    appointment = _book(milano, shop, at(THURSDAY, "09:00"))
    other = _book(milano, shop, at(friday, "09:00"))
    held = Reservation.objects.get(appointment=other)
    client.force_login(alice)
    link = reverse("appointment_move", kwargs={"dealership_slug": "milano", "appointment_id": appointment.id})
    page = client.get(link, {"wished_date": friday.isoformat()})
    assert page.status_code == 200
    html = page.content.decode()
    values = re.findall(r'id="proposal-\d+" value="\d+\|([^"]+)"', html)
    offered = [datetime.fromisoformat(moment) for moment in values]
    assert offered
    stay = appointment.promised_return_at - appointment.drop_off_at
    # The car is needed from the hand-over to the promised return (R3.7): none of those overlap
    # the other appointment's reservation.
    assert all(
        not (drop_off + EXPLANATION < held.return_at and drop_off + stay > held.departure_at)
        for drop_off in offered
    ), offered
    assert html.count('class="mobility-note"') == len(offered)
    assert "(GR001MI)" in html
