"""Pick-up and delivery goes to an address (R3.3, R3.8): the phone page, the self-booking page
and the booking API ask for it when that is the mobility chosen, starting from the customer
file's address; without one, or with one that cannot be stored, the answer is a field error
(never a 500) and nothing is booked; with one, the reservation booked with the appointment
keeps it."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment, MobilityKind
from mobility.models import PickupMode, Reservation, SolutionKind
from notifications.services.dispatch import outbox_dispatch_across_dealerships
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.mobility import MobilitySolutionFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.models import Advisor, Skill, WorkshopPolicy

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
PICKUP = MobilityKind.PICKUP_DELIVERY.value
ON_FILE = "Via Roma 1, 20121 Milano"
PHONE_URL = reverse("phone_booking", kwargs={"dealership_slug": "milano"})
BAD_ADDRESSES = [
    pytest.param("", "Give the address where our driver picks the car up and brings it back.", id="missing"),
    pytest.param("   ", "Give the address where our driver picks the car up and brings it back.", id="blank"),
    pytest.param("Via Roma\x001", "Null characters are not allowed.", id="nul"),
    pytest.param("V" * 201, "200 characters", id="too-long"),
]


@pytest.fixture(autouse=True)
def clock():
    cache.clear()  # the self-booking pages' rate limits count in the cache
    with time_machine.travel(at(MONDAY, "10:00"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(milano):
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    JobFactory(dealership=milano, code="SRV", name="Tagliando", labour_minutes=60)
    pickup = MobilitySolutionFactory(
        dealership=milano,
        kind=SolutionKind.PICKUP_DELIVERY,
        name="Pick-up and delivery",
        pickup_mode=PickupMode.BOTH,
        drivers_per_half_day=2,
        daily_cost=Decimal("25"),
        currency="EUR",
    )
    customer = CustomerFactory(
        dealership=milano,
        given_name="Mario",
        family_name="Bianchi",
        email="mario@example.com",
        language="en",
        street="Via Roma 1",
        postal_code="20121",
        city="Milano",
    )
    vehicle = VehicleFactory(customer=customer, plate="AB 123 CD")
    return {"customer": customer, "vehicle": vehicle, "pickup": pickup}


def _field_error(page: str) -> str:
    """The text of the address field's error, as the page shows it under the field."""
    found = re.search(r'id="id_mobility_address_error" role="alert">(.*?)</div>', page, re.S)
    return found.group(1) if found else ""


# The phone page.


def _call(shop, **extra):
    return {
        "customer": shop["customer"].id,
        "vehicle": shop["vehicle"].id,
        "kind": "maintenance",
        "jobs": ["SRV"],
        "extra_skill": "maintenance",
        "mobility": PICKUP,
        "find": "1",
        **extra,
    }


def _giulias_tuesday() -> str:
    return f"{Advisor.objects.get(name='Giulia Conti').id}|{at(TUESDAY, '08:00').isoformat()}"


def test_r3_3_the_phone_page_asks_for_the_address_starting_from_the_customer_file(client, alice, shop):
    client.force_login(alice)
    page = client.get(PHONE_URL, {"customer": shop["customer"].id}).content.decode()
    assert 'data-address-for="pickup_delivery"' in page  # shown by the script for that kind only
    assert '<label for="id_mobility_address">Address for pick-up and delivery</label>' in page
    assert f'value="{ON_FILE}"' in page
    assert 'maxlength="200"' in page


@pytest.mark.parametrize(("address", "error"), BAD_ADDRESSES)
def test_r3_3_the_phone_page_refuses_a_missing_or_bad_address_on_the_field(
    client, alice, shop, address, error
):
    client.force_login(alice)
    answer = client.post(
        PHONE_URL + "?find=1", {**_call(shop, mobility_address=address), "proposal": _giulias_tuesday()}
    )
    assert answer.status_code == 400
    assert error in _field_error(answer.content.decode())
    assert not Appointment.objects.exists()
    assert not Reservation.objects.exists()


def test_r3_8_the_phone_booking_reserves_pick_up_and_delivery_at_the_address_given(client, alice, shop):
    client.force_login(alice)
    answer = client.post(
        PHONE_URL + "?find=1",
        {**_call(shop, mobility_address="  Via Verdi 7, 20121 Milano "), "proposal": _giulias_tuesday()},
    )
    assert answer.status_code == 302
    appointment = Appointment.objects.get()
    assert appointment.mobility_kind == PICKUP
    reservation = Reservation.objects.get(appointment=appointment)
    assert reservation.solution == shop["pickup"]
    assert reservation.address == "Via Verdi 7, 20121 Milano"


def test_an_address_is_not_needed_nor_kept_for_another_mobility(client, alice, shop):
    client.force_login(alice)
    answer = client.post(
        PHONE_URL + "?find=1",
        {**_call(shop, mobility="none", mobility_address=""), "proposal": _giulias_tuesday()},
    )
    assert answer.status_code == 302
    assert Appointment.objects.get().mobility_kind == ""
    assert not Reservation.objects.exists()


# The self-booking pages.


def _url(name, **kwargs):
    return reverse(name, kwargs={"dealership_slug": "milano", **kwargs})


def _signed_in(client):
    client.post(_url("self_booking_start"), {"plate": "ab123cd", "contact": "mario@example.com"})
    outbox_dispatch_across_dealerships(now=timezone.now(), limit=100)
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    assert client.post(_url("self_booking_verify"), {"code": code}).status_code == 302


def test_r3_3_the_self_booking_page_asks_for_the_address_starting_from_the_customer_file(client, shop):
    _signed_in(client)
    page = client.get(_url("self_booking_times")).content.decode()
    assert 'data-address-for="pickup_delivery"' in page
    assert '<label for="id_mobility_address">Address for pick-up and delivery</label>' in page
    assert f'value="{ON_FILE}"' in page


@pytest.mark.parametrize(("address", "error"), BAD_ADDRESSES)
def test_r3_3_the_self_booking_page_refuses_a_missing_or_bad_address_on_the_field(
    client, shop, address, error
):
    _signed_in(client)
    answers = {"jobs": "SRV", "mobility": PICKUP, "mobility_address": address}
    shown = client.get(_url("self_booking_times"), answers)
    assert shown.status_code == 200  # the answers are shown again with the error, as any other
    assert error in _field_error(shown.content.decode())
    assert 'name="proposal"' not in shown.content.decode()
    # A forged choice with the bad address is refused too, holding nothing.
    held = client.post(_url("self_booking_times"), {**answers, "proposal": _giulias_tuesday()})
    assert held.status_code == 400
    assert error in _field_error(held.content.decode())


def test_r3_8_a_customer_self_books_pick_up_and_delivery_at_the_address_given(client, shop):
    _signed_in(client)
    answers = {"jobs": "SRV", "mobility": PICKUP, "mobility_address": "Via Verdi 7, 20121 Milano"}
    times = client.get(_url("self_booking_times"), answers).content.decode()
    choice = re.search(r'id="time-1" value="([^"]+)"', times).group(1)
    assert 'name="mobility_address" value="Via Verdi 7, 20121 Milano"' in times  # carried to the hold
    assert client.post(_url("self_booking_times"), {**answers, "proposal": choice}).status_code == 302
    confirm = client.get(_url("self_booking_confirm")).content.decode()
    assert "Via Verdi 7, 20121 Milano" in confirm  # the customer sees where the driver goes
    assert client.post(_url("self_booking_confirm")).status_code == 302
    reservation = Reservation.objects.get(appointment=Appointment.objects.get())
    assert reservation.solution == shop["pickup"]
    assert reservation.address == "Via Verdi 7, 20121 Milano"


# The booking API.


def _api_book(client, shop, headers=None, **extra):
    body = {
        "customer": shop["customer"].id,
        "vehicle": shop["vehicle"].id,
        "advisor": Advisor.objects.get(name="Giulia Conti").id,
        "drop_off": at(TUESDAY, "08:00").isoformat(),
        "jobs": ["SRV"],
        "mobility_kind": PICKUP,
        **extra,
    }
    return client.post(
        reverse("api_appointment_list", kwargs={"dealership_slug": "milano"}),
        body,
        content_type="application/json",
        headers=headers or {},
    )


@pytest.mark.parametrize(("address", "error"), BAD_ADDRESSES)
def test_r3_3_the_booking_api_refuses_a_missing_or_bad_address_with_a_400_on_the_field(
    client, alice, shop, address, error
):
    client.force_login(alice)
    answer = _api_book(client, shop, mobility_address=address)
    assert answer.status_code == 400, answer.content
    assert any(error in message for message in answer.json()["errors"]["mobility_address"])
    assert not Appointment.objects.exists()


def test_r3_3_the_booking_api_answers_in_the_users_language(client, alice, shop):
    client.force_login(alice)
    answer = _api_book(client, shop, headers={"Accept-Language": "it"}, mobility_address="Via\x00Roma")
    assert answer.status_code == 400
    [message] = answer.json()["errors"]["mobility_address"]
    assert message != "Null characters are not allowed."


def test_r3_8_the_booking_api_reserves_pick_up_and_delivery_at_the_address_given(client, alice, shop):
    client.force_login(alice)
    answer = _api_book(client, shop, mobility_address="Via Verdi 7, 20121 Milano")
    assert answer.status_code == 201, answer.content
    reservation = Reservation.objects.get(appointment_id=answer.json()["id"])
    assert reservation.address == "Via Verdi 7, 20121 Milano"
    schema = client.get("/api/schema/", {"format": "json"}).json()
    field = schema["components"]["schemas"]["Book"]["properties"]["mobility_address"]
    assert field["maxLength"] == 200
