"""A customer books on a phone-sized screen with a code from their e-mail, then moves the
appointment through the link in the confirmation (R9.5); in Chinese and in Russian the dates are
the language's own, the free times are on the screen once asked for, and the appointment's page
fits the screen with controls a thumb can hit."""

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from bookings.models import Appointment
from bookings.self_service import manage_token
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from workshop.models import Skill, WorkshopPolicy

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
TAP_TARGET_PX = 44  # WCAG 2.5.5
RUSSIAN_GENITIVE_MONTH = re.compile(
    "января|февраля|марта|апреля|мая|июня|июля|августа|сентября|октября|ноября|декабря"
)
RUSSIAN_NOMINATIVE_MONTH = re.compile(
    "(?i)январь|февраль|март |апрель|июнь|июль|сентябрь|октябрь|ноябрь|декабрь"
)
# The controls of a page, as a thumb meets them: what is hidden or is a radio button's own
# circle (its label is the target) is left out.
SMALL_TAP_TARGETS_JS = """(least) => [...document.querySelectorAll(
    "button, a.button, select, .proposal label,"
    + "input:not([type=hidden]):not([type=radio]):not([type=checkbox])"
  )]
  .filter((element) => element.getClientRects().length > 0)
  .map((element) => ({html: element.outerHTML.slice(0, 90), height: element.getBoundingClientRect().height}))
  .filter((target) => target.height < least)"""


@pytest.fixture
def shop(milano):
    cache.clear()  # the code requests counted by the rate limit, from the other tests' runs
    milano.street, milano.postal_code = "Via Tortona 12", "20144"
    milano.save()
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    JobFactory(dealership=milano, code="SRV", name="Tagliando", labour_minutes=60)
    customer = CustomerFactory(
        dealership=milano, given_name="Mario", email="mario@example.com", language="en"
    )
    VehicleFactory(customer=customer, plate="AB 123 CD")


@pytest.fixture
def phone_in(browser, live_server):
    """A phone-sized browser whose own language is `locale`."""
    contexts = []

    def open_page(locale):
        context = browser.new_context(
            base_url=live_server.url,
            locale=locale,
            viewport=PHONE,
            is_mobile=True,
            has_touch=True,
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def _code_sent():
    """The one-time code, from the message waiting in the outbox (no worker sends it here)."""
    from notifications.models import MessageKind, OutboxMessage

    message = OutboxMessage.objects.filter(kind=MessageKind.ACCESS_CODE).latest("id")
    return re.search(r"\b(\d{6})\b", message.rendered_text).group(1)


def _identify(page):
    """Plate and e-mail, then the code: by the inputs' names, in whatever language the page is."""
    page.locator("input[name=plate]").fill("ab 123 cd")
    page.locator("input[name=contact]").fill("mario@example.com")
    page.locator("form[action$='/start/'] button[type=submit]").click()
    page.locator("input[name=code]").fill(_code_sent())
    page.locator("input[name=code]").press("Enter")


def _no_horizontal_scroll(page):
    # A phone lays out a page wider than its screen and zooms out (innerWidth grows with it):
    # the page fits when it is no wider than the screen itself.
    width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return width <= inner_width <= PHONE["width"]


def test_a_customer_books_on_a_phone_and_moves_it_through_the_link(phone_in, shop, live_server):
    page = phone_in("en-US")
    page.goto("/book/milano/")
    page.get_by_label("Registration plate").fill("ab 123 cd")
    page.get_by_label("Mobile phone or e-mail on your customer file").fill("mario@example.com")
    page.get_by_role("button", name="Send me a code").click()

    page.get_by_label("Code").fill(_code_sent())
    page.get_by_label("Code").press("Enter")

    page.get_by_label("Tagliando").check()
    page.get_by_role("button", name="Show free times").click()
    times = page.get_by_role("group", name="Choose the time that suits you")
    assert times.get_by_role("radio").count() >= 2
    page.get_by_role("button", name="Hold this time").click()
    page.get_by_role("button", name="Confirm the appointment").click()

    assert page.get_by_role("heading", name="Your appointment").is_visible()
    booked_for = page.locator(".details dd").first.inner_text()
    link = f"/book/milano/appointment/{manage_token(Appointment.objects.get())}/"

    page.goto(link)
    page.get_by_role("link", name="Move the appointment").click()
    choices = page.get_by_role("group", name="Free times")
    choices.get_by_role("radio").last.check()
    page.get_by_role("button", name="Move to this time").click()
    page.wait_for_url(f"**{link}")
    moved_to = page.locator(".details dd").first.inner_text()
    assert moved_to != booked_for
    assert moved_to in page.get_by_role("status").inner_text()  # "Your appointment is moved to ..."


@pytest.mark.parametrize(
    ("locale", "language"),
    [("zh-CN", "zh-hans"), ("ru-RU", "ru")],
)
def test_on_a_phone_in_chinese_and_russian_the_dates_are_local_and_the_times_in_view(
    phone_in, shop, locale, language
):
    page = phone_in(locale)
    page.goto("/book/milano/")
    page.locator("#language-select").select_option(language)
    page.locator(".language-switcher button[type=submit]").click()
    expect(page.locator("html")).to_have_attribute("lang", language)
    _identify(page)

    page.locator("input[name=jobs][value=SRV]").check()
    page.locator("form[method=get] button[type=submit]").click()
    times = page.locator("#times")
    # Where the phone's screen is after the search, without scrolling: the times.
    expect(times.locator("legend")).to_be_in_viewport()
    expect(times.locator(".proposal label").first).to_be_in_viewport()
    listed = times.inner_text()
    if language == "zh-hans":
        assert re.search(r"\d{4}年\d{1,2}月\d{1,2}日", listed)
        assert "星期" in listed
    else:
        assert RUSSIAN_GENITIVE_MONTH.search(listed)
        assert not RUSSIAN_NOMINATIVE_MONTH.search(listed)
    assert not re.search(r"\d{4}-\d\d-\d\d", listed)

    times.locator("button[type=submit]").click()
    page.locator("form[method=post] button.primary").click()  # confirm
    page.locator(".details").wait_for()
    details = page.locator(".details").inner_text()
    assert (
        ("年" in details and "月" in details)
        if language == "zh-hans"
        else RUSSIAN_GENITIVE_MONTH.search(details)
    )
    assert _no_horizontal_scroll(page)
    assert page.evaluate(SMALL_TAP_TARGETS_JS, TAP_TARGET_PX) == []

    page.locator("a[href='?move=1']").click()
    page.locator("#move-title").wait_for()
    assert _no_horizontal_scroll(page)
    assert page.evaluate(SMALL_TAP_TARGETS_JS, TAP_TARGET_PX) == []

    page.locator("a[href='?']").first.click()
    page.locator("a[href='?cancel=1']").click()
    page.locator("#cancel-title").wait_for()
    assert _no_horizontal_scroll(page)
    assert page.evaluate(SMALL_TAP_TARGETS_JS, TAP_TARGET_PX) == []
