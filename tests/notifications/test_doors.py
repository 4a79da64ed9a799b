"""Every door books through the outbox: the API's booking is answered 201 even when the SMTP
server is away (the e-mail is retried), and the self-booking code goes by SMS through Twilio."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from bookings.models import Appointment
from config.celery import app as celery_app
from notifications.models import MessageKind, MessageStatus
from tests.notifications.conftest import MONDAY, SENDER, rows
from tests.workshop.snapshots import at

NOW = at(MONDAY, "10:00")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def tasks_in_process():
    """Celery runs each task where it is queued, as a worker would, right after the commit."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _url(name, **kwargs):
    return reverse(name, kwargs={"dealership_slug": "milano", **kwargs})


def test_an_smtp_failure_leaves_the_booking_answered_201_and_the_email_retried(
    client, alice, shop, settings, tasks_in_process, django_capture_on_commit_callbacks, dispatch
):
    customer = shop["customer"]
    customer.preferred_contact = "email"
    customer.save()
    # A real SMTP connection to a port where no server listens.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", 9, False
    settings.EMAIL_TIMEOUT = 2
    client.force_login(alice)
    offer = client.get(_url("api_availability"), {"jobs": "SRV"}).json()
    proposal = offer["proposals"][0]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("api_appointment_list"),
            {
                "customer": customer.id,
                "vehicle": shop["vehicle"].id,
                "advisor": proposal["advisor"]["id"],
                "drop_off": proposal["drop_off"],
                "jobs": ["SRV"],
            },
            content_type="application/json",
        )
    assert response.status_code == 201, response.content
    assert Appointment.objects.count() == 1
    [confirmation] = rows(kind=MessageKind.BOOKING_CONFIRMATION)
    assert confirmation.status == MessageStatus.PENDING  # tried at once, after the commit
    assert confirmation.attempts == 1
    assert "SMTP" in confirmation.error
    assert confirmation.next_attempt_at == NOW + timedelta(minutes=1)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    assert dispatch(NOW + timedelta(minutes=1)).sent == 1
    [message] = mail.outbox
    assert message.to == ["mario@example.com"]
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == (MessageStatus.SENT, 2)


def test_the_self_booking_code_goes_by_sms_through_twilio(client, shop, twilio, dispatch):
    page = client.post(
        _url("self_booking_start"), {"plate": "ab123cd", "contact": "347 123 4567"}, follow=True
    )
    assert page.status_code == 200
    [code_message] = rows(kind=MessageKind.ACCESS_CODE)
    assert code_message.recipient == "+393471234567"
    assert dispatch(NOW).sent == 1
    [request] = twilio.messages()
    assert request.form["To"] == "+393471234567"
    assert request.form["From"] == SENDER
    code = re.search(r"\b(\d{6})\b", request.form["Body"]).group(1)
    assert client.post(_url("self_booking_verify"), {"code": code}).status_code == 302


def test_an_opted_out_customer_still_gets_the_code_they_asked_for(client, shop, dispatch):
    customer = shop["customer"]
    customer.opted_out_at = NOW - timedelta(days=30)
    customer.save()
    client.post(_url("self_booking_start"), {"plate": "ab123cd", "contact": "mario@example.com"})
    assert dispatch(NOW).sent == 1
    assert re.search(r"\b\d{6}\b", mail.outbox[0].body)
