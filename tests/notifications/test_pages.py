"""The messages on the staff pages: the customer file's section, and the appointment's part the
appointment page includes (templates/notifications/_messages.html)."""

from datetime import timedelta

import pytest
import time_machine
from django.template.loader import render_to_string
from django.urls import reverse

from dealerships.access import dealership_access_for
from dealerships.models import Role
from notifications.desk import appointment_messages
from notifications.services.outbox import appointment_booked_messages
from tests.factories.bookings import AppointmentFactory
from tests.notifications.conftest import MONDAY, local
from tests.workshop.snapshots import at

NOW = at(MONDAY, "10:00")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def messaged(milano, shop, dispatch):
    customer = shop["customer"]
    customer.consent_service_sms = False  # the day-before is withdrawn, saying why
    customer.save()
    appointment = AppointmentFactory(
        advisor=shop["advisor"],
        vehicle=shop["vehicle"],
        customer=customer,
        drop_off_at=local(milano, MONDAY + timedelta(days=2), "08:00"),
    )
    appointment_booked_messages(appointment=appointment, now=NOW)
    dispatch(NOW)
    return appointment


def test_the_customer_file_lists_the_messages_with_their_status_and_reason(client, alice, messaged):
    client.force_login(alice)
    page = client.get(
        reverse("customer_detail", kwargs={"dealership_slug": "milano", "customer_id": messaged.customer_id})
    ).content.decode()
    assert 'id="customer-messages-title"' in page
    assert "Booking confirmation" in page
    assert "Day-before confirmation" in page
    assert "No consent to service messages by SMS." in page


def test_a_technician_does_not_see_the_customers_messages(client, member_of, messaged):
    client.force_login(member_of(Role.TECHNICIAN))
    response = client.get(
        reverse("customer_detail", kwargs={"dealership_slug": "milano", "customer_id": messaged.customer_id})
    )
    assert 'id="customer-messages-title"' not in response.content.decode()


def test_the_appointment_part_renders_its_messages(alice, messaged):
    access = dealership_access_for(user=alice, slug="milano")
    html = render_to_string(
        "notifications/_messages.html", {"section": appointment_messages(access, messaged)}
    )
    assert 'id="messages-title"' in html
    assert html.count("<tr>") == 1 + 3  # the head, then the confirmation and both reminders
