"""A customer books on a phone-sized screen with a code from their e-mail, then moves the
appointment through the link in the confirmation (R9.5)."""

import re

import pytest
from django.core import mail

from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from workshop.models import Skill, WorkshopPolicy

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def shop(milano):
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    JobFactory(dealership=milano, code="SRV", name="Tagliando", labour_minutes=60)
    customer = CustomerFactory(
        dealership=milano, given_name="Mario", email="mario@example.com", language="en"
    )
    VehicleFactory(customer=customer, plate="AB 123 CD")


@pytest.fixture
def phone(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        locale="en-US",
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_a_customer_books_on_a_phone_and_moves_it_through_the_link(phone, shop, live_server):
    page = phone
    page.goto("/book/milano/")
    page.get_by_label("Registration plate").fill("ab 123 cd")
    page.get_by_label("Mobile phone or e-mail on your customer file").fill("mario@example.com")
    page.get_by_role("button", name="Send me a code").click()

    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    page.get_by_label("Code").fill(code)
    page.get_by_label("Code").press("Enter")

    page.get_by_label("Tagliando").check()
    page.get_by_role("button", name="Show free times").click()
    times = page.get_by_role("group", name="Choose the time that suits you")
    assert times.get_by_role("radio").count() >= 2
    first_time = times.locator("label").first.inner_text().split("\n")[0].split(" · ")[0]
    page.get_by_role("button", name="Hold this time").click()
    page.get_by_role("button", name="Confirm the appointment").click()

    assert page.get_by_role("heading", name="Your appointment").is_visible()
    assert first_time in page.locator(".details").inner_text()
    link = re.search(r"(/book/milano/appointment/[^\s]+/)", mail.outbox[-1].body).group(1)

    page.goto(link)
    page.get_by_role("link", name="Move the appointment").click()
    choices = page.get_by_role("group", name="Free times")
    choices.get_by_role("radio").last.check()
    page.get_by_role("button", name="Move to this time").click()
    page.wait_for_url(f"**{link}")
    assert first_time not in page.locator(".details").inner_text()
