"""An operator completes the phone flow for a known customer, keyboard first (R2, R4.4, R5.2)."""

import pytest

from dealerships.models import Role
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.dealerships import MembershipFactory, UserFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from workshop.models import Skill

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(milano):
    user = UserFactory(username="paola", first_name="Paola", password="s3cret-pass")
    MembershipFactory(user=user, dealership=milano, role=Role.RESERVATION_OPERATOR)
    AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    JobFactory(dealership=milano, code="SRV", name="Tagliando 15.000 km", labour_minutes=90)
    customer = CustomerFactory(dealership=milano, given_name="Mario", family_name="Bianchi", language="en")
    VehicleFactory(customer=customer, plate="AB 123 CD")
    return customer


def test_an_operator_books_a_known_customer_by_phone(page, desk):
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("paola")
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/d/milano/")
    page.get_by_role("navigation").get_by_role("link", name="Phone booking").click()

    search = page.get_by_label("Surname, plate, VIN (or its last 6 characters) or phone")
    search.fill("ab 123")
    search.press("Enter")
    page.get_by_role("link", name="Bianchi, Mario").click()
    assert page.get_by_text("Confirm with the customer:").is_visible()

    page.get_by_label("Tagliando 15.000 km (90 min)").check()
    page.get_by_label("work requested, in the customer's words").fill("Brakes squeak when cold")
    page.get_by_role("button", name="Find times").click()

    offer = page.get_by_role("group", name="The time the customer chose")
    assert offer.get_by_role("radio").count() == 2
    offer.get_by_role("radio").nth(1).check()
    page.keyboard.press("Tab")
    page.get_by_role("button", name="Book this time").press("Enter")

    page.wait_for_url("**/booked/")
    assert page.get_by_role("heading", name="Appointment booked").is_visible()
    recap = page.get_by_role("region", name="Read to the customer")
    assert "We expect you on" in recap.inner_text()
    assert "Please bring your driving licence" in recap.inner_text()
