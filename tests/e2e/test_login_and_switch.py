"""A staff member with two dealerships logs in with the keyboard and switches between them."""

import pytest

from dealerships.models import Role
from tests.factories.dealerships import MembershipFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def two_dealership_advisor(milano, sevilla):
    user = UserFactory(username="giulia", first_name="Giulia", last_name="Rossi", password="s3cret-pass")
    MembershipFactory(user=user, dealership=milano, role=Role.SERVICE_ADVISOR)
    MembershipFactory(user=user, dealership=sevilla, role=Role.DEALER_MANAGER)
    return user


def test_login_and_switch_dealership(page, two_dealership_advisor):
    page.goto("/")
    assert page.url.endswith("/accounts/login/?next=/")
    page.get_by_label("Username").fill("giulia")
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_label("Password").press("Enter")  # keyboard only

    page.wait_for_url("**/d/")
    page.get_by_role("link", name="Autosalone Milano").click()
    page.wait_for_url("**/d/milano/")
    assert page.get_by_role("heading", level=1).inner_text() == "Autosalone Milano"
    # An advisor in Milano: no staff page in the navigation.
    assert page.get_by_role("navigation").get_by_role("link", name="Staff").count() == 0

    page.get_by_label("Dealership", exact=True).select_option(label="Concesionario Sevilla")
    page.get_by_role("button", name="Switch").click()
    page.wait_for_url("**/d/sevilla/")
    assert page.get_by_role("heading", level=1).inner_text() == "Concesionario Sevilla"
    # A dealer manager in Sevilla: the staff page is there.
    page.get_by_role("navigation").get_by_role("link", name="Staff").click()
    page.wait_for_url("**/d/sevilla/staff/")
    assert page.get_by_role("cell", name="giulia", exact=True).is_visible()


def test_wrong_password_shows_an_error_and_stays_on_login(page, two_dealership_advisor):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("giulia")
    page.get_by_label("Password").fill("wrong")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").first.is_visible()
    assert "/accounts/login/" in page.url
