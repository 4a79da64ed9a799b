"""R2.7: a text goes by WhatsApp instead of SMS only where the dealership has a WhatsApp sender
and the customer consented to WhatsApp; through the real twilio client against the stub."""

from datetime import timedelta

import pytest
import time_machine

from notifications.models import MessageChannel, MessageKind, MessageStatus, MessagingSettings
from notifications.services.outbox import appointment_booked_messages
from tests.factories.bookings import AppointmentFactory
from tests.notifications.conftest import MONDAY, local, rows
from tests.workshop.snapshots import at

NOW = at(MONDAY, "10:00")
WHATSAPP_SENDER = "+390299999999"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _book(milano, shop):
    appointment = AppointmentFactory(
        advisor=shop["advisor"],
        vehicle=shop["vehicle"],
        customer=shop["customer"],
        drop_off_at=local(milano, MONDAY + timedelta(days=2), "08:00"),
    )
    appointment_booked_messages(appointment=appointment, now=NOW)


@pytest.mark.parametrize(
    ("sender", "consented", "expected"),
    [
        (WHATSAPP_SENDER, True, MessageChannel.WHATSAPP),
        (WHATSAPP_SENDER, False, MessageChannel.SMS),
        ("", True, MessageChannel.SMS),
    ],
)
def test_r2_7_whatsapp_only_with_a_sender_and_the_customers_consent(
    milano, shop, twilio, dispatch, sender, consented, expected
):
    MessagingSettings.objects.create(dealership=milano, whatsapp_from=sender)
    customer = shop["customer"]
    customer.consent_service_whatsapp = consented
    customer.save()
    _book(milano, shop)
    assert dispatch(NOW).sent == 1
    [confirmation] = rows(kind=MessageKind.BOOKING_CONFIRMATION)
    assert (confirmation.channel, confirmation.status) == (expected, MessageStatus.SENT)
    [request] = twilio.messages()
    if expected == MessageChannel.WHATSAPP:
        assert request.form["To"] == "whatsapp:+393471234567"
        assert request.form["From"] == f"whatsapp:{WHATSAPP_SENDER}"
    else:
        assert request.form["To"] == "+393471234567"


def test_r2_7_whatsapp_needs_no_sms_consent_but_its_own(milano, shop, twilio, dispatch):
    MessagingSettings.objects.create(dealership=milano, whatsapp_from=WHATSAPP_SENDER)
    customer = shop["customer"]
    customer.consent_service_whatsapp = True
    customer.consent_service_sms = False
    customer.save()
    _book(milano, shop)
    dispatch(NOW)
    assert rows(kind=MessageKind.BOOKING_CONFIRMATION)[0].channel == MessageChannel.WHATSAPP
    # Consent withdrawn before the day-before confirmation: it is withdrawn, not sent by SMS.
    customer.consent_service_whatsapp = False
    customer.save()
    for row in rows(kind=MessageKind.DAY_BEFORE):
        row.channel = MessageChannel.WHATSAPP
        row.save()
    dispatch(local(milano, MONDAY + timedelta(days=1), "09:00"))
    [day_before] = rows(kind=MessageKind.DAY_BEFORE)
    assert day_before.status == MessageStatus.WITHDRAWN
    assert day_before.error == "No consent to service messages by WhatsApp."
    assert len(twilio.messages()) == 1


def test_a_new_customer_has_not_consented_to_whatsapp(milano):
    from customers.models import Customer

    assert Customer._meta.get_field("consent_service_whatsapp").default is False
