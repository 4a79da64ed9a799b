"""Mobility in the browser (R3.2, R3.3, R3.5, R3.8): an operator books an appointment with a
courtesy car on the phone page, told it is free under the warranty and what it is worth, and the
offer names the car; a customer self-books with pick-up and delivery on a phone-sized screen."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.utils import timezone

from bookings.models import Appointment, MobilityKind
from customers.models import Customer
from dealerships.models import Role
from mobility.models import HANDOVER_EXPLANATION_MINUTES, PickupMode, Reservation, SolutionKind
from tests.e2e.test_self_booking import (
    PHONE,
    SMALL_TAP_TARGETS_JS,
    TAP_TARGET_PX,
    _code_sent,
    _no_horizontal_scroll,
)
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.dealerships import MembershipFactory, UserFactory
from tests.factories.mobility import FleetVehicleFactory, MobilitySolutionFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from workshop.models import Skill, WorkshopPolicy

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESK_SCREEN = {"width": 1366, "height": 768}
ON_FILE = "Via Roma 1, 20121 Milano"
ADDRESS = "Address for pick-up and delivery"


def _address_box_height(page) -> float:
    return page.get_by_label(ADDRESS).bounding_box()["height"]


def _sign_in(page) -> None:
    page.goto("/book/milano/")
    page.get_by_label("Registration plate").fill("ab 123 cd")
    page.get_by_label("Mobile phone or e-mail on your customer file").fill("mario@example.com")
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("Code").fill(_code_sent())
    page.get_by_label("Code").press("Enter")


@pytest.fixture
def fleet(milano):
    cache.clear()  # the code requests counted by the rate limit, from the other tests' runs
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    JobFactory(dealership=milano, code="SRV", name="Tagliando", labour_minutes=180)
    courtesy = MobilitySolutionFactory(
        dealership=milano,
        kind=SolutionKind.BRAND_COURTESY_CAR,
        name="Maserati courtesy car",
        free_under_warranty=True,
        daily_cost=Decimal("45"),
        currency="EUR",
        daily_value=Decimal("45"),
    )
    car = FleetVehicleFactory(solution=courtesy, plate="GR 001 MI", brand="Maserati", model="Grecale")
    pickup = MobilitySolutionFactory(
        dealership=milano,
        kind=SolutionKind.PICKUP_DELIVERY,
        name="Pick-up and delivery",
        pickup_mode=PickupMode.BOTH,
        drivers_per_half_day=2,
        daily_cost=Decimal("25"),
        currency="EUR",
    )
    today = timezone.now().date()
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
    VehicleFactory(
        customer=customer,
        plate="AB 123 CD",
        warranty_start=today - timedelta(days=365),
        warranty_end=today + timedelta(days=365),
    )
    return {"car": car, "pickup": pickup}


def test_r3_8_an_operator_books_an_appointment_with_a_courtesy_car_on_the_phone_page(page, milano, fleet):
    """The operator books with a courtesy car on the phone page, then finds it on the fleet board."""
    user = UserFactory(username="paola", first_name="Paola", last_name="Ferri", password="s3cret-pass")
    MembershipFactory(user=user, dealership=milano, role=Role.RESERVATION_OPERATOR)
    page.set_viewport_size(DESK_SCREEN)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("paola")
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/d/milano/")
    customer = Customer.objects.get(family_name="Bianchi")
    page.goto(f"/d/milano/book/?customer={customer.id}")

    page.get_by_label("Tagliando").check()
    # R3.2, R3.5: the operator reads out the benefit and its value.
    courtesy = page.get_by_label(
        re.compile("Maserati courtesy car — Free under your warranty, worth 45 EUR a day")
    )
    courtesy.check()
    assert page.get_by_label(re.compile("Pick-up and delivery — 25 EUR a day")).is_visible()  # R3.3
    page.get_by_role("button", name="Find times").click()

    offer = page.get_by_role("group", name="The time the customer chose")
    offer.wait_for()
    assert "Maserati Grecale (GR 001 MI)" in offer.inner_text()  # which car goes with each time
    page.get_by_role("button", name="Book this time").click()
    page.wait_for_url("**/booked/")

    appointment = Appointment.objects.get()
    reservation = Reservation.objects.get(appointment=appointment)
    assert appointment.mobility_kind == MobilityKind.BRAND_COURTESY_CAR
    assert reservation.fleet_vehicle == fleet["car"]
    assert (reservation.departure_at, reservation.return_at) == (  # once the work is explained (R3.7)
        appointment.drop_off_at + timedelta(minutes=HANDOVER_EXPLANATION_MINUTES),
        appointment.promised_return_at,
    )

    # R3.8: the booking is in the mobility planning: on the fleet board, in the car's row, from
    # the day of the drop-off; its bar opens the reservation with the car and the appointment.
    page.goto(f"/d/milano/mobility/board/?start={appointment.local_day.isoformat()}")
    car_row = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile("GR 001 MI")))
    car_row.get_by_role("link", name=re.compile("Bianchi")).click()
    page.wait_for_url(f"**/mobility/reservations/{reservation.id}/")
    details = page.get_by_role("main").inner_text()
    assert "GR 001 MI" in details
    assert "Bianchi" in details


def test_r3_3_a_customer_self_books_with_pick_up_and_delivery_on_a_phone(browser, live_server, fleet):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport=PHONE, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _sign_in(page)

        page.get_by_label("Tagliando").check()
        address = page.get_by_label(ADDRESS)
        assert not address.is_visible()  # asked for only when a driver comes to the customer
        page.get_by_label(re.compile("Pick-up and delivery — 25 EUR a day")).check()
        assert address.is_visible()
        assert address.input_value() == ON_FILE  # from the customer file, to confirm or change
        assert _address_box_height(page) >= TAP_TARGET_PX
        assert _no_horizontal_scroll(page)
        address.fill("")
        page.get_by_role("button", name="Show free times").click()
        error = page.locator("#id_mobility_address_error")
        assert "Give the address where our driver picks the car up and brings it back." in error.inner_text()
        assert page.get_by_label(ADDRESS).get_attribute("aria-invalid") == "true"
        page.get_by_label(ADDRESS).fill("Via Verdi 7, 20121 Milano")
        page.get_by_role("button", name="Show free times").click()
        times = page.get_by_role("group", name="Choose the time that suits you")
        assert times.get_by_role("radio").count() >= 1
        assert "Pick-up and delivery" in times.inner_text()
        assert _no_horizontal_scroll(page)
        assert page.evaluate(SMALL_TAP_TARGETS_JS, TAP_TARGET_PX) == []
        page.get_by_role("button", name="Hold this time").click()
        assert "Via Verdi 7, 20121 Milano" in page.get_by_role("main").inner_text()  # on the recap
        page.get_by_role("button", name="Confirm the appointment").click()
        assert page.get_by_role("heading", name="Your appointment").is_visible()
    finally:
        context.close()

    appointment = Appointment.objects.get()
    reservation = Reservation.objects.get(appointment=appointment)
    assert appointment.mobility_kind == MobilityKind.PICKUP_DELIVERY
    assert reservation.solution == fleet["pickup"]
    assert reservation.fleet_vehicle is None
    assert reservation.address == "Via Verdi 7, 20121 Milano"  # where the driver goes (R3.8)


def test_r3_3_without_scripts_the_pick_up_address_is_always_asked_and_needed_for_pick_up_only(
    browser, live_server, fleet
):
    context = browser.new_context(
        base_url=live_server.url, locale="en-US", viewport=PHONE, is_mobile=True, java_script_enabled=False
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        _sign_in(page)
        page.get_by_label("Tagliando").check()
        assert page.get_by_label(ADDRESS).is_visible()  # no script to show it: always there
        assert _address_box_height(page) >= TAP_TARGET_PX
        page.get_by_label(ADDRESS).fill("")
        page.get_by_label("No mobility needed").check()
        page.get_by_role("button", name="Show free times").click()
        times = page.get_by_role("group", name="Choose the time that suits you")
        assert times.get_by_role("radio").count() >= 1  # not needed for this choice
    finally:
        context.close()


def test_r3_3_the_phone_page_asks_for_the_pick_up_address_only_for_pick_up(page, milano, fleet):
    """On a phone-sized screen too: the operator confirms the address on the file, and the
    reservation booked with the appointment keeps the one the customer gives."""
    user = UserFactory(username="paola", first_name="Paola", last_name="Ferri", password="s3cret-pass")
    MembershipFactory(user=user, dealership=milano, role=Role.RESERVATION_OPERATOR)
    page.set_viewport_size(PHONE)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("paola")
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/d/milano/")
    customer = Customer.objects.get(family_name="Bianchi")
    page.goto(f"/d/milano/book/?customer={customer.id}")

    page.get_by_label("Tagliando").check()
    address = page.get_by_label(ADDRESS)
    assert not address.is_visible()
    page.get_by_label(re.compile("Pick-up and delivery — 25 EUR a day")).check()
    assert address.is_visible()
    assert address.input_value() == ON_FILE
    assert _address_box_height(page) >= TAP_TARGET_PX
    address.fill("Via Verdi 7, 20121 Milano")
    page.get_by_role("button", name="Find times").click()
    page.get_by_role("group", name="The time the customer chose").wait_for()
    assert page.get_by_label(ADDRESS).is_visible()  # still there once the times came in place
    page.get_by_role("button", name="Book this time").click()
    page.wait_for_url("**/booked/")

    reservation = Reservation.objects.get(appointment=Appointment.objects.get())
    assert reservation.solution == fleet["pickup"]
    assert reservation.address == "Via Verdi 7, 20121 Milano"
