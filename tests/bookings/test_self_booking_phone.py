"""The self-booking pages as a customer reads them on a phone, in their language (R9.5): dates
in the language's own form, times in time order and first on the page once asked for, a plate
or contact that cannot be one said at once (never whether a customer exists), the confirmation
saying each thing once, a move that starts from a day the customer picks and says where the
appointment went, a cancellation asked twice."""

import re
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from bookings.forms import PhoneBookingForm
from bookings.models import AccessCode, Appointment, AppointmentStatus
from bookings.public_views import SESSION
from bookings.self_service import manage_token
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.capacity_settings import capacity_settings
from workshop.models import Skill, WorkshopPolicy

MONDAY = date(2026, 11, 23)
RUSSIAN_MONTHS_NOMINATIVE = ("Ноябрь", "Декабрь", "ноябрь", "декабрь")
ISO_DAY = re.compile(r"\b20\d\d-\d\d-\d\d\b")


@pytest.fixture(autouse=True)
def clock():
    cache.clear()  # the rate limit counts in the cache
    with time_machine.travel(at(MONDAY, "10:00"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(milano):
    milano.street, milano.postal_code = "Via Tortona 12", "20144"
    milano.save()
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    JobFactory(dealership=milano, code="SRV", name="Tagliando", labour_minutes=90)
    customer = CustomerFactory(
        dealership=milano,
        given_name="伟",
        family_name="王",
        email="wang@example.com",
        mobile_phone="+393331234567",
        language="ru",
    )
    vehicle = VehicleFactory(customer=customer, plate="AB 123 CD")
    return {"customer": customer, "vehicle": vehicle}


def _url(name, **kwargs):
    return reverse(name, kwargs={"dealership_slug": "milano", **kwargs})


def _speaking(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _signed_in(client, shop, language="en"):
    """The customer has typed their code (tests/bookings/test_self_booking.py walks that part)."""
    _speaking(client, language)
    session = client.session
    session[SESSION] = {
        "dealership": shop["vehicle"].dealership_id,
        "customer": shop["customer"].id,
        "vehicle": shop["vehicle"].id,
    }
    session.save()
    return client


def _times_page(client) -> str:
    return client.get(_url("self_booking_times"), {"jobs": "SRV", "mobility": "none"}).content.decode()


def _offered(page: str, prefix: str = "time") -> list[datetime]:
    return [
        datetime.fromisoformat(value.split("|")[1])
        for value in re.findall(rf'id="{prefix}-\d+" value="([^"]+)"', page)
    ]


def _booked(client) -> Appointment:
    page = _times_page(client)
    choice = re.search(r'id="time-1" value="([^"]+)"', page).group(1)
    client.post(
        _url("self_booking_times") + "?jobs=SRV&mobility=none",
        {"jobs": "SRV", "mobility": "none", "proposal": choice},
    )
    client.post(_url("self_booking_confirm"))
    return Appointment.objects.get()


def _visible_text(page: str) -> str:
    """The page's text without its tags and attributes (values, ids and links aside)."""
    return re.sub(r"<[^>]+>", " ", page)


# Dates, names and durations in the customer's language


def test_times_are_written_in_russian_with_the_month_in_the_genitive(client, shop):
    page = _times_page(_signed_in(client, shop, "ru"))
    text = _visible_text(page)
    assert "24 ноября 2026" in text  # Tuesday's heading
    assert "вторник" in text.lower()
    assert not any(month in text for month in RUSSIAN_MONTHS_NOMINATIVE)
    assert not ISO_DAY.search(text)


def test_times_are_written_in_chinese_with_year_month_and_day(client, shop):
    page = _times_page(_signed_in(client, shop, "zh-hans"))
    text = _visible_text(page)
    assert "2026年11月24日" in text
    assert "星期二" in text
    assert "十一月" not in text  # the month's name, as one pattern for every language wrote it
    assert not ISO_DAY.search(text)


def test_a_chinese_name_is_greeted_family_name_first(client, shop):
    page = _times_page(_signed_in(client, shop, "ru"))
    assert "王伟" in page
    assert "伟 王" not in page


def test_job_lists_give_the_labour_time_as_people_read_it(client, shop, milano):
    page = _times_page(_signed_in(client, shop))
    assert "Tagliando (1 h 30 min)" in page
    assert "90 min" not in page
    form = PhoneBookingForm(settings=capacity_settings(milano), today=MONDAY)
    assert ("SRV", "Tagliando (1 h 30 min)") in form.fields["jobs"].choices


# The times: in time order, and what the page shows first once asked for


@pytest.mark.parametrize("language", ["ru", "en", "zh-hans"])
def test_the_free_times_are_listed_in_time_order(client, shop, language):
    offered = _offered(_times_page(_signed_in(client, shop, language)))
    assert len(offered) >= 3
    assert offered == sorted(offered)


def test_the_free_times_come_before_the_questions_once_asked_for(client, shop):
    page = _times_page(_signed_in(client, shop, "zh-hans"))
    assert page.index('id="times-title"') < page.index('name="jobs"')
    before_asking = client.get(_url("self_booking_times")).content.decode()
    assert 'id="times-title"' not in before_asking
    assert 'name="jobs"' in before_asking


# The start page: the form of a plate and a contact, never whether a customer exists


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"plate": "🚗🚗🚗", "contact": "wang@example.com"}, "plate"),
        ({"plate": "A", "contact": "wang@example.com"}, "plate"),
        ({"plate": "AB123CD", "contact": "12"}, "contact"),
        ({"plate": "AB123CD", "contact": "wang@example"}, "contact"),
        ({"plate": "AB123CD", "contact": "🚗"}, "contact"),
    ],
)
def test_a_plate_or_contact_that_cannot_be_one_is_a_field_error(client, shop, answers, field):
    answer = client.post(_url("self_booking_start"), answers)
    assert answer.status_code == 400
    page = answer.content.decode()
    assert f'id="id_{field}_error"' in page
    assert 'aria-invalid="true"' in page
    assert not AccessCode.objects.exists()


def test_a_well_formed_answer_is_the_same_for_a_customer_and_a_stranger(client, shop):
    known = client.post(_url("self_booking_start"), {"plate": "ab-123-cd", "contact": "333 123 4567"})
    assert AccessCode.objects.filter(customer=shop["customer"]).count() == 1  # by SMS, national form
    stranger = client.post(_url("self_booking_start"), {"plate": "ZZ 999 ZZ", "contact": "+39 333 765 4321"})
    assert (known.status_code, known.url) == (stranger.status_code, stranger.url)
    assert known.url == _url("self_booking_verify")
    assert AccessCode.objects.count() == 1


def test_the_inputs_bring_up_the_right_keyboard_and_autofill(client, shop):
    landing = client.get(reverse("booking_landing", kwargs={"dealership_slug": "milano"})).content.decode()
    plate = re.search(r'<input[^>]+name="plate"[^>]*>', landing).group(0)
    contact = re.search(r'<input[^>]+name="contact"[^>]*>', landing).group(0)
    assert 'autocapitalize="characters"' in plate
    assert 'inputmode="email"' in contact
    assert 'autocomplete="email"' in contact
    client.post(_url("self_booking_start"), {"plate": "ab123cd", "contact": "wang@example.com"})
    code = re.search(
        r'<input[^>]+name="code"[^>]*>', client.get(_url("self_booking_verify")).content.decode()
    )
    assert 'inputmode="numeric"' in code.group(0)
    assert 'autocomplete="one-time-code"' in code.group(0)


# The confirmation: each thing once


def test_the_confirmation_says_each_thing_once(client, shop):
    _signed_in(client, shop)
    choice = re.search(r'id="time-1" value="([^"]+)"', _times_page(client)).group(1)
    client.post(
        _url("self_booking_times") + "?jobs=SRV&mobility=none",
        {"jobs": "SRV", "mobility": "none", "proposal": choice},
    )
    text = _visible_text(client.get(_url("self_booking_confirm")).content.decode())
    for fact in ("Tagliando (1 h 30 min)", "Giulia Conti", "Via Tortona 12", "AB 123 CD", "Tuesday"):
        assert text.count(fact) == 1, fact


# The manage link: a day to move from, where it went, a cancellation asked twice


def test_a_move_starts_from_the_day_the_customer_picks_and_says_where_it_went(client, shop):
    appointment = _booked(_signed_in(client, shop, "ru"))
    link = _url("self_booking_manage", token=manage_token(appointment))
    first_look = client.get(link, {"move": "1"}).content.decode()
    assert re.search(r'<input[^>]+type="date"[^>]+name="wished_date"', first_look)
    thursday = MONDAY + timedelta(days=3)
    page = client.get(link, {"move": "1", "wished_date": thursday.isoformat()}).content.decode()
    offered = _offered(page, "move")
    assert offered
    assert offered == sorted(offered)
    assert all(moment >= at(thursday, "00:00") for moment in offered)
    assert offered[0] == at(thursday, "08:00")

    value = re.search(r'id="move-1" value="([^"]+)"', page).group(1)
    moved = client.post(
        link + f"?move=1&wished_date={thursday.isoformat()}", {"action": "move", "proposal": value}
    )
    assert moved.status_code == 302
    after = client.get(moved.url).content.decode()
    assert "четверг 26 ноября 2026 г., 8:00" in after.lower().split('role="status"')[1].split("</ul>")[0]
    appointment.refresh_from_db()
    assert appointment.drop_off_at == at(thursday, "08:00")


def test_a_day_the_customer_cannot_book_is_a_field_error_and_the_earliest_times_stay(client, shop):
    appointment = _booked(_signed_in(client, shop))
    link = _url("self_booking_manage", token=manage_token(appointment))
    page = client.get(link, {"move": "1", "wished_date": "2031-01-01"}).content.decode()
    assert 'id="id_wished_date_error"' in page
    assert _offered(page, "move")


def test_cancelling_asks_first_then_says_it_is_done(client, shop):
    appointment = _booked(_signed_in(client, shop))
    link = _url("self_booking_manage", token=manage_token(appointment))
    page = client.get(link).content.decode()
    assert 'value="cancel"' not in page  # no one-tap cancellation on the appointment's page
    assert 'href="?cancel=1"' in page
    asking = client.get(link, {"cancel": "1"}).content.decode()
    assert "Cancel the appointment?" in asking
    assert 'value="cancel"' in asking
    assert "Keep the appointment" in asking
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED  # asking changed nothing

    done = client.post(link + "?cancel=1", {"action": "cancel", "reason": ""}, follow=True).content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert "Your appointment is cancelled." in done
    assert "?cancel=1" not in done  # nothing left to cancel
