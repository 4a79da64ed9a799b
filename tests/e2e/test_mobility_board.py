"""The fleet planning board in the browser (R3.6, R3.8): an advisor on a tablet finds the
appointment's courtesy car on the board, opens it and hands it over and back with the keyboard;
on a phone-sized screen the page itself never scrolls sideways (the board scrolls in its box)."""

from datetime import time, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from dealerships.models import Role
from mobility.models import Reservation, ReservationStatus, SolutionKind
from mobility.services.reservations import reservation_book
from tests.factories.bookings import AppointmentFactory
from tests.factories.dealerships import MembershipFactory, UserFactory
from tests.factories.mobility import FleetVehicleFactory, MobilitySolutionFactory
from tests.factories.workshop import AdvisorFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TABLET = {"width": 768, "height": 1024}
PHONE = {"width": 390, "height": 844}
MAX_TABS = 60


@pytest.fixture
def reserved(milano):
    """Tomorrow's appointment with a courtesy car reserved through the service."""
    courtesy = MobilitySolutionFactory(
        dealership=milano,
        kind=SolutionKind.BRAND_COURTESY_CAR,
        name="Maserati courtesy car",
        daily_cost=Decimal("45"),
        currency="EUR",
    )
    car = FleetVehicleFactory(solution=courtesy, plate="GR001MI", model="Grecale", mileage_km=12_000)
    tomorrow = timezone.now().astimezone(milano.tz).date() + timedelta(days=1)
    drop_off = timezone.datetime.combine(tomorrow, time(9, 0), tzinfo=milano.tz)
    appointment = AppointmentFactory(advisor=AdvisorFactory(dealership=milano), drop_off_at=drop_off)
    appointment.customer.given_name, appointment.customer.family_name = "Mario", "Bianchi"
    appointment.customer.language = "en"
    appointment.customer.save()
    reservation = reservation_book(
        dealership=milano,
        solution=courtesy,
        customer=appointment.customer,
        appointment=appointment,
        departure_at=drop_off,
        return_at=drop_off + timedelta(hours=9),
        now=timezone.now(),
    )
    assert reservation.fleet_vehicle == car
    user = UserFactory(username="giulia", first_name="Giulia", last_name="Conti", password="s3cret-pass")
    user.language = "en"
    user.save()
    MembershipFactory(user=user, dealership=milano, role=Role.SERVICE_ADVISOR)
    return reservation


def _log_in(page) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("giulia")
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/d/milano/")


def _focused(page) -> str:
    return page.evaluate(
        "(() => { const e = document.activeElement;"
        " const text = e.labels && e.labels[0] ? e.labels[0].innerText : e.innerText || e.value || '';"
        " return text.trim(); })()"
    )


def _tab_to(page, text: str) -> None:
    for _press in range(MAX_TABS):
        page.keyboard.press("Tab")
        if _focused(page).startswith(text):
            return
    raise AssertionError(f"{text!r} not reached with {MAX_TABS} Tab presses")


def test_r3_8_an_advisor_finds_the_car_on_the_board_and_hands_it_over_and_back_with_the_keyboard(
    page, reserved
):
    page.set_viewport_size(TABLET)
    _log_in(page)
    page.goto("/d/milano/mobility/board/")
    board = page.get_by_role("table", name="Vehicles by day")
    assert board.get_by_role("rowheader").filter(has_text="GR001MI").count() == 1

    # The bar is a link: reached with Tab, opened with Enter.
    for _press in range(MAX_TABS):
        page.keyboard.press("Tab")
        if page.evaluate(
            "document.activeElement.tagName === 'A' && document.activeElement.innerText.includes('Bianchi')"
        ):
            break
    else:
        raise AssertionError("the reservation's bar was not reached with the keyboard")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/mobility/reservations/{reserved.id}/")
    assert "Reserved" in page.get_by_role("status").first.inner_text()

    # R3.6: the licence box left empty, the hand-over is refused on that field.
    _tab_to(page, "Vehicle registration checked")
    page.keyboard.press("Space")
    _tab_to(page, "Mileage (km)")
    page.keyboard.type("12040")
    _tab_to(page, "Fuel (%)")
    page.keyboard.type("90")
    page.keyboard.press("Enter")
    page.get_by_role("alert").filter(has_text="driving licence").wait_for()
    reserved.refresh_from_db()
    assert reserved.status == ReservationStatus.RESERVED

    page.get_by_label("Driving licence checked").focus()
    page.keyboard.press("Space")
    if not page.get_by_label("Vehicle registration checked").is_checked():
        page.get_by_label("Vehicle registration checked").focus()
        page.keyboard.press("Space")
    page.get_by_label("Mileage (km)").focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("12040")
    page.get_by_label("Fuel (%)").focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("90")
    page.get_by_label("Fuel (%)").press("Enter")
    page.get_by_text("Handed over to the customer.").wait_for()

    # Back: the mileage lower than out is refused; then the right one is taken.
    page.get_by_label("Mileage (km)").focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("12000")
    page.get_by_label("Fuel (%)").press("Enter")
    page.get_by_role("alert").filter(has_text="backwards").wait_for()
    page.get_by_label("Mileage (km)").focus()
    page.keyboard.press("Control+a")
    page.keyboard.type("12110")
    page.get_by_label("Fuel (%)").press("Enter")
    page.get_by_text("Taken back from the customer.").wait_for()

    reservation = Reservation.objects.get(id=reserved.id)
    assert reservation.status == ReservationStatus.RETURNED
    assert (reservation.out_mileage_km, reservation.in_mileage_km) == (12_040, 12_110)
    assert reservation.licence_checked
    assert reservation.out_by.username == reservation.in_by.username == "giulia"


def test_the_board_never_scrolls_the_page_sideways_on_a_phone(page, reserved):
    page.set_viewport_size(PHONE)
    _log_in(page)
    page.goto("/d/milano/mobility/board/")
    page.get_by_role("table", name="Vehicles by day").wait_for()
    width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert width <= inner_width <= PHONE["width"]


def test_the_reservation_and_its_appointment_fit_a_phone_with_their_details_stacked(page, reserved):
    """The advisor hands the car over in the yard, on a phone: the details (customer, car,
    times, documents) stack under their labels instead of pushing the page sideways, on the
    reservation's page and on its appointment's, whose history scrolls in its own box."""
    page.set_viewport_size(PHONE)
    _log_in(page)
    for url, details in (
        (f"/d/milano/mobility/reservations/{reserved.id}/", ".details"),
        (f"/d/milano/appointments/{reserved.appointment_id}/", ".facts"),
    ):
        page.goto(url)
        page.locator(details).first.wait_for()
        width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width <= inner_width <= PHONE["width"], url
        label = page.locator(f"{details} dt").first.bounding_box()
        value = page.locator(f"{details} dd").first.bounding_box()
        assert value["y"] >= label["y"] + label["height"], url  # under its label, not beside it
