"""Privacy of the messages: the customer's export lists their messages and replies, erasure
blanks their words and addresses, and the texts of sent messages are kept only so long."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from customers.models import Customer
from customers.privacy import customer_export
from customers.services import customer_erase
from notifications.models import InboundReply, MessageKind, MessageStatus, OutboxMessage
from notifications.services.inbound import inbound_reply_record
from notifications.services.outbox import appointment_booked_messages
from notifications.services.retention import message_bodies_expire_across_dealerships
from notifications.tasks import message_bodies_expire_task
from tests.factories.bookings import AppointmentFactory
from tests.notifications.conftest import MONDAY, local, rows
from tests.workshop.snapshots import at

NOW = at(MONDAY, "10:00")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def messaged(milano, shop, dispatch):
    appointment = AppointmentFactory(
        advisor=shop["advisor"],
        vehicle=shop["vehicle"],
        customer=shop["customer"],
        drop_off_at=local(milano, MONDAY + timedelta(days=2), "08:00"),
    )
    appointment_booked_messages(appointment=appointment, now=NOW)
    dispatch(NOW)
    inbound_reply_record(
        dealership=milano, provider_id="SM1", from_number="+393471234567", body="Posso alle 10?", now=NOW
    )
    return shop["customer"]


def test_the_export_lists_the_customers_messages_and_replies(milano, messaged):
    exported = customer_export(dealership=milano, customer=messaged).as_json()
    [confirmation] = [m for m in exported["messages"] if m["kind"] == MessageKind.BOOKING_CONFIRMATION]
    assert confirmation["channel"] == "sms"
    assert confirmation["recipient"] == "+393471234567"
    assert "Autosalone Milano" in confirmation["rendered_text"]
    assert {m["kind"] for m in exported["messages"]} == {"booking_confirmation", "day_before", "hour_before"}
    [reply] = exported["replies"]
    assert (reply["body"], reply["from_number"]) == ("Posso alle 10?", "+393471234567")


def test_erasure_blanks_the_words_and_addresses_and_withdraws_what_waits(milano, messaged):
    customer_erase(dealership=milano, customer=messaged, by=None, reason="Asked by the customer")
    for message in OutboxMessage.objects.filter(customer=messaged):
        assert (message.rendered_text, message.recipient, message.subject) == ("", "", "")
    assert {m.status for m in rows(kind=MessageKind.DAY_BEFORE)} == {MessageStatus.WITHDRAWN}
    [reply] = InboundReply.objects.all()
    assert (reply.body, reply.from_number) == ("", "")
    assert Customer.objects.filter(id=messaged.id).exists()  # the rows stay for the counts


def test_the_texts_of_old_sent_messages_are_blanked_in_bounded_batches(settings, milano, messaged):
    settings.MESSAGE_BODY_RETENTION_DAYS = 30
    [sent] = rows(status=MessageStatus.SENT)
    assert sent.rendered_text
    assert message_bodies_expire_across_dealerships(now=NOW + timedelta(days=29)) == 0
    OutboxMessage.objects.filter(id=sent.id).update(sent_at=NOW - timedelta(days=31))
    later = [
        OutboxMessage.objects.create(
            dealership=milano,
            customer=messaged,
            kind=MessageKind.ACCESS_CODE,
            channel="sms",
            due_at=NOW - timedelta(days=40),
            next_attempt_at=NOW,
            idempotency_key=f"old-{n}",
            status=MessageStatus.SENT,
            sent_at=NOW - timedelta(days=40),
            rendered_text=f"code {n}",
        )
        for n in range(5)
    ]
    assert message_bodies_expire_across_dealerships(now=NOW, batch=2) == 6
    sent.refresh_from_db()
    assert (sent.rendered_text, sent.subject, sent.status) == ("", "", MessageStatus.SENT)
    assert all(OutboxMessage.objects.get(id=m.id).rendered_text == "" for m in later)
    # What waits to be sent keeps its text.
    assert all(m.rendered_text == "" for m in rows(status=MessageStatus.PENDING))
    assert message_bodies_expire_task() == 0
    settings.MESSAGE_BODY_RETENTION_DAYS = 0
    OutboxMessage.objects.filter(id=sent.id).update(
        rendered_text="again", sent_at=timezone.now() - timedelta(days=999)
    )
    assert message_bodies_expire_across_dealerships(now=NOW) == 0
