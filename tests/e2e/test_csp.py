"""The pages work under the Content-Security-Policy in Chromium: every page is served with it, no
script, style or image is refused on the way, and htmx still swaps its results in."""

import pytest

from dealerships.models import Role
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.dealerships import MembershipFactory, UserFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from workshop.models import Skill

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Chromium reports each refusal to the page as a securitypolicyviolation event (recorded by the
# script below, which Playwright injects outside the page's policy) and on the console.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.cspViolations.push(`${event.violatedDirective} refused ${event.blockedURI || "inline"}`);
});
"""
CONSOLE_SIGNS_OF_A_REFUSAL = ("Refused to", "Content Security Policy", "Content-Security-Policy")


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


class Watched:
    """The page, with what the browser refused or failed on since it was opened."""

    def __init__(self, page):
        self.page = page
        self.console: list[str] = []
        self.errors: list[str] = []
        page.add_init_script(RECORD_VIOLATIONS)
        page.on("console", lambda message: self.console.append(message.text))
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def goto(self, path: str) -> None:
        response = self.page.goto(path)
        assert response is not None
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy, path
        assert "unsafe-inline" not in policy, path

    def assert_nothing_refused(self, where: str) -> None:
        violations = self.page.evaluate("window.cspViolations")
        refusals = [text for text in self.console if any(sign in text for sign in CONSOLE_SIGNS_OF_A_REFUSAL)]
        assert violations == [], where
        assert refusals == [], where
        assert self.errors == [], where


@pytest.fixture
def watched(page):
    return Watched(page)


def test_the_staff_pages_work_under_the_policy(watched, desk):
    page = watched.page
    watched.goto("/accounts/login/")
    watched.assert_nothing_refused("login")
    page.get_by_label("Username").fill("paola")
    page.get_by_label("Password").fill("s3cret-pass")
    page.get_by_label("Password").press("Enter")
    page.wait_for_url("**/d/milano/")
    watched.assert_nothing_refused("staff home")

    # The customer search fetches its results with htmx as the operator types.
    watched.goto("/d/milano/customers/")
    page.get_by_label("Surname, plate, VIN (or its last 6 characters) or phone").press_sequentially("Bian")
    page.locator("#search-results a.result").first.wait_for()
    assert "Bianchi, Mario" in page.locator("#search-results").inner_text()
    watched.assert_nothing_refused("customer search")

    # The phone page: the search, then the offer swapped in place, both by htmx.
    watched.goto("/d/milano/book/")
    page.keyboard.type("Bianchi")
    page.get_by_role("link", name="Bianchi, Mario").click()
    page.wait_for_url("**/book/?customer=*")
    page.get_by_label("Tagliando 15.000 km").check()
    page.get_by_role("button", name="Find times").click()
    page.locator("#offer [data-offer-first]").wait_for()
    watched.assert_nothing_refused("phone booking")


def test_the_customer_pages_work_under_the_policy(watched, desk):
    page = watched.page
    watched.goto("/book/milano/")
    watched.assert_nothing_refused("self-booking start")
    page.get_by_label("Registration plate").fill("AB 123 CD")
    page.get_by_label("Mobile phone or e-mail on your customer file").fill("nobody@example.com")
    page.get_by_role("button", name="Send me a code").click()
    page.get_by_label("Code").wait_for()
    watched.assert_nothing_refused("self-booking code")


def test_the_api_docs_and_the_admin_work_under_the_policy(watched, db):
    page = watched.page
    watched.goto("/api/docs/")
    # Swagger UI ran: it fetched the schema and drew the operations.
    page.locator(".opblock").first.wait_for()
    assert "Dealership service API" in page.locator(".info .title").inner_text()
    watched.assert_nothing_refused("API docs")

    watched.goto("/admin/login/")
    page.get_by_label("Username").wait_for()
    watched.assert_nothing_refused("admin login")
