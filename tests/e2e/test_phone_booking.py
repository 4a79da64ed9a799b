"""An operator on a call books a known customer with the keyboard only, on a desk screen
(R2, R4.4, R5.2): the times appear in place with the focus on them, and the page fits."""

import pytest
from playwright.sync_api import expect

from dealerships.models import Role
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.dealerships import MembershipFactory, UserFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from workshop.models import Skill

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESK_SCREEN = {"width": 1366, "height": 768}
MAX_TABS = 40  # a guard: each walk below stops at what it looks for, far sooner


@pytest.fixture
def desk(milano):
    user = UserFactory(username="paola", first_name="Paola", last_name="Ferri", password="s3cret-pass")
    MembershipFactory(user=user, dealership=milano, role=Role.RESERVATION_OPERATOR)
    AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    JobFactory(dealership=milano, code="SRV", name="Tagliando 15.000 km", labour_minutes=90)
    customer = CustomerFactory(dealership=milano, given_name="Mario", family_name="Bianchi", language="en")
    VehicleFactory(customer=customer, plate="AB 123 CD")
    return customer


def _focused(page) -> str:
    return page.evaluate(
        "(() => { const e = document.activeElement;"
        " const text = e.labels && e.labels[0] ? e.labels[0].innerText : e.innerText || e.value || '';"
        " return text.trim(); })()"
    )


def _tab_to(page, text: str) -> int:
    """Press Tab until the focused control is labelled `text`; the number of presses."""
    for presses in range(1, MAX_TABS + 1):
        page.keyboard.press("Tab")
        if _focused(page).startswith(text):
            return presses
    raise AssertionError(f"{text!r} not reached with {MAX_TABS} Tab presses")


def test_an_operator_books_by_phone_with_the_keyboard_only(page, desk):
    page.set_viewport_size(DESK_SCREEN)
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("paola")
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/d/milano/")
    page.goto("/d/milano/book/")
    assert "Paola Ferri" in page.get_by_role("region", name="Greeting").inner_text()

    # The search box has the focus; results come as the operator types; arrows, then Enter.
    page.keyboard.type("Bianchi")
    page.get_by_role("link", name="Bianchi, Mario").wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**/book/?customer=*")
    assert page.get_by_text("Confirm with the customer:").is_visible()

    _tab_to(page, "Tagliando 15.000 km")
    page.keyboard.press("Space")
    tabs_to_find = _tab_to(page, "Find times")
    page.keyboard.press("Enter")

    # The offer arrives in place and the first time offered has the focus: no scrolling back.
    first_time = page.locator("#offer [data-offer-first]")
    first_time.wait_for()
    expect(page.locator("#offer [data-offer-first]")).to_be_focused()
    assert "find=1" in page.url  # a reload or a colleague's link shows the same answers
    assert tabs_to_find < 25

    # Greeting, customer, reason, jobs and the offer are all on the desk screen at once.
    for region in ("Greeting", "Customer", "Reason for the call", "Requests", "Offer two times"):
        box = page.get_by_role("region", name=region).bounding_box()
        assert box is not None
        assert 0 <= box["y"] < DESK_SCREEN["height"], region
    offer = page.get_by_role("group", name="The time the customer chose")
    assert offer.get_by_role("radio").count() == 2

    page.keyboard.press("ArrowDown")  # the customer takes the second time
    _tab_to(page, "Book this time")
    page.keyboard.press("Enter")

    page.wait_for_url("**/booked/")
    assert page.get_by_role("heading", name="Appointment booked").is_visible()
    recap = page.get_by_role("region", name="Read to the customer")
    assert "We expect you on" in recap.inner_text()
    assert "Please bring your driving licence" in recap.inner_text()
