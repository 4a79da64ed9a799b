"""An advisor's private, revocable calendar feed of their own appointments (text/calendar)."""

from datetime import UTC, datetime, timedelta

import icalendar
import pytest
import time_machine
from django.urls import reverse

from bookings.models import AppointmentStatus
from notifications.models import CalendarFeed
from notifications.services.feeds import token_hash
from tests.factories.bookings import AppointmentFactory
from tests.factories.workshop import AdvisorFactory
from tests.notifications.conftest import MONDAY, local
from tests.workshop.snapshots import at

NOW = at(MONDAY, "10:00")
MY_CALENDAR = reverse("my_calendar", kwargs={"dealership_slug": "milano"})


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def giulia(milano, shop, alice):
    advisor = shop["advisor"]
    advisor.user = alice
    advisor.save()
    return advisor


def _issue(client) -> str:
    response = client.post(MY_CALENDAR, {"action": "issue"})
    assert response.status_code == 200
    return response.context["feed_url"].removeprefix("http://127.0.0.1:8000")


def _events(body: bytes) -> list:
    return list(icalendar.Calendar.from_ical(body).walk("VEVENT"))


def test_the_feed_lists_the_advisors_own_coming_appointments_in_utc(client, alice, milano, shop, giulia):
    mine = AppointmentFactory(
        advisor=giulia,
        vehicle=shop["vehicle"],
        drop_off_at=local(milano, MONDAY + timedelta(days=2), "08:00"),
    )
    AppointmentFactory(
        advisor=giulia,
        vehicle=shop["vehicle"],
        drop_off_at=local(milano, MONDAY + timedelta(days=3), "08:00"),
        status=AppointmentStatus.CANCELLED,
        cancel_reason="changed plans",
    )
    AppointmentFactory(
        advisor=AdvisorFactory(dealership=milano, name="Luca"),
        vehicle=shop["vehicle"],
        drop_off_at=local(milano, MONDAY + timedelta(days=2), "10:00"),
    )
    client.force_login(alice)
    path = _issue(client)
    client.logout()  # a calendar program has no login: the secret is the proof
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    [event] = _events(response.content)
    assert str(event["uid"]) == f"appointment-{mine.id}@milano"
    assert event.decoded("dtstart") == datetime(2026, 11, 25, 7, 0, tzinfo=UTC)
    assert b"DTSTART:20261125T070000Z" in response.content  # in UTC, no local zone to resolve
    assert event.decoded("dtend") == mine.promised_return_at
    assert "Mario Bianchi" in str(event["summary"])
    assert "+39" not in response.content.decode()  # no phone numbers, no e-mail addresses
    assert "@example.com" not in response.content.decode()
    # The UID stays when the feed is read again: calendars update the event they hold.
    assert str(_events(client.get(path).content)[0]["uid"]) == f"appointment-{mine.id}@milano"


def test_only_the_hash_of_the_secret_is_kept_and_rotation_and_revocation_close_the_old_address(
    client, alice, giulia
):
    client.force_login(alice)
    first = _issue(client)
    token = first.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 43  # 256 bits
    feed = CalendarFeed.objects.get(advisor=giulia)
    assert feed.token_hash == token_hash(token)
    assert token not in feed.token_hash
    second = _issue(client)
    assert second != first
    assert client.get(first).status_code == 404
    assert client.get(second).status_code == 200
    assert client.post(MY_CALENDAR, {"action": "revoke"}).status_code == 302
    assert client.get(second).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_a_guessed_or_foreign_address_is_not_found(client, alice, giulia, sevilla):
    client.force_login(alice)
    path = _issue(client)
    assert client.get(path.replace("/milano/", "/sevilla/")).status_code == 404
    assert client.get(path[:-6] + "x.ics").status_code == 404


def test_a_staff_member_who_is_no_advisor_gets_no_feed(client, alice, milano):
    client.force_login(alice)
    page = client.get(MY_CALENDAR)
    assert page.status_code == 200
    assert "You are not a service advisor" in page.content.decode()
    assert client.post(MY_CALENDAR, {"action": "issue"}).status_code == 400
