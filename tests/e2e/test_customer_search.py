"""An operator on the phone finds the caller's file by typing, and opens it with the keyboard (R2.5)."""

import pytest

from dealerships.models import Role
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.dealerships import MembershipFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def operator(milano):
    user = UserFactory(username="paola", password="s3cret-pass")
    MembershipFactory(user=user, dealership=milano, role=Role.RESERVATION_OPERATOR)
    return user


@pytest.fixture
def files(milano, sevilla):
    VehicleFactory(customer=CustomerFactory(dealership=milano, given_name="Anna", family_name="Rossi"))
    VehicleFactory(customer=CustomerFactory(dealership=milano, given_name="Bruno", family_name="Rossetti"))
    VehicleFactory(customer=CustomerFactory(dealership=milano, given_name="Carla", family_name="Bianchi"))
    # Same surname in another dealership: never offered to Milano's operator.
    VehicleFactory(customer=CustomerFactory(dealership=sevilla, given_name="Diego", family_name="Rossi"))


def _log_in(page, username):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/d/milano/")


def test_search_as_you_type_and_open_with_the_keyboard(page, operator, files):
    _log_in(page, "paola")
    page.goto("/d/milano/customers/")
    search_box = page.get_by_label("Surname, plate, VIN (or its last 6 characters) or phone")
    assert search_box.evaluate("element => element === document.activeElement")  # autofocus

    search_box.press_sequentially("RÒS", delay=30)  # accents and case do not matter
    results = page.locator("#search-results a.result")
    results.first.wait_for()
    assert [text.split("\n")[0] for text in results.all_inner_texts()] == ["Rossetti, Bruno", "Rossi, Anna"]
    assert "/d/milano/customers/?q=R%C3%92S" in page.url  # the search can be bookmarked and shared

    search_box.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert results.nth(1).evaluate("element => element === document.activeElement")
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/d/milano/customers/*/")
    assert page.get_by_role("heading", level=1).inner_text() == "Anna Rossi"


def test_no_match_offers_to_create_the_file(page, operator, files):
    _log_in(page, "paola")
    page.goto("/d/milano/customers/")
    page.get_by_label("Surname, plate, VIN (or its last 6 characters) or phone").press_sequentially("Verdi")
    page.get_by_text("No customer file matches “Verdi”.").wait_for()
    page.get_by_role("link", name="Create one").click()
    page.wait_for_url("**/d/milano/customers/new/")
