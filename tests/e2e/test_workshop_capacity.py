"""A workshop manager adds a technician with skills and hours using the keyboard, then reads
the week's load (R4.8)."""

import pytest

from dealerships.models import Role
from tests.factories.dealerships import MembershipFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def workshop_manager(milano):
    user = UserFactory(username="marco", password="s3cret-pass")
    MembershipFactory(user=user, dealership=milano, role=Role.WORKSHOP_MANAGER)
    return user


def test_a_technician_is_added_with_skills_and_hours(page, workshop_manager):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("marco")
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/d/milano/")

    page.get_by_role("navigation").get_by_role("link", name="Workshop", exact=True).click()
    page.get_by_role("link", name="Add a technician").click()
    page.get_by_label("Name").fill("Paolo Russo")
    page.get_by_role("group", name="Skills").get_by_label("Diagnosis").check()
    page.get_by_role("group", name="Skills").get_by_label("EV high voltage").press("Space")
    page.get_by_label("Tuesday").fill("07:30-12:00, 13:00-16:30")
    page.get_by_label("Tuesday").press("Enter")  # submits the form

    page.get_by_text("Saved.").wait_for()
    page.get_by_role("link", name="← Workshop capacity").click()
    row = page.get_by_role("row", name="Paolo Russo")
    assert "Diagnosis, EV high voltage" in row.inner_text()
    assert "Tuesday 07:30-12:00, 13:00-16:30" in row.inner_text()

    page.get_by_role("link", name="See the load").click()
    table = page.get_by_role("table")
    assert "booked against capacity" in table.locator("caption").inner_text()
    assert page.get_by_role("row", name="All technicians").is_visible()
