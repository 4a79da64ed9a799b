"""R5.6: the advisor's inbox of the replies a person must read, and of the messages that did
not arrive (an invalid number: the advisor told), marked handled from the list."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from notifications.models import InboundReply, MessageKind, MessageStatus, ReplyOutcome
from notifications.services.inbound import inbound_reply_record
from notifications.services.outbox import appointment_booked_messages
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CustomerFactory
from tests.notifications.conftest import MONDAY, local, rows
from tests.workshop.snapshots import at

NOW = at(MONDAY, "10:00")
FROM = "+393471234567"
INBOX = reverse("advisor_inbox", kwargs={"dealership_slug": "milano"})


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def confirmation_sent(milano, shop, twilio, dispatch):
    appointment = AppointmentFactory(
        advisor=shop["advisor"],
        vehicle=shop["vehicle"],
        customer=shop["customer"],
        drop_off_at=local(milano, MONDAY + timedelta(days=2), "08:00"),
    )
    appointment_booked_messages(appointment=appointment, now=NOW)
    dispatch(NOW)
    return appointment


def _reply(dealership, body, *, sid, minutes=0, sender=FROM):
    return inbound_reply_record(
        dealership=dealership,
        provider_id=sid,
        from_number=sender,
        body=body,
        now=NOW + timedelta(minutes=minutes),
    )


def test_r5_6_the_inbox_lists_what_a_person_must_read_newest_first(
    client, alice, milano, confirmation_sent, django_assert_num_queries
):
    _reply(milano, "OK", sid="SM1")  # understood: the system confirmed, nobody needs to read it
    _reply(milano, "Posso venire alle 10?", sid="SM2", minutes=1)
    _reply(milano, "3", sid="SM3", minutes=2)  # another time, please: for the desk
    _reply(milano, "Chi siete?", sid="SM4", minutes=3, sender="+393330000000")  # unknown sender
    client.force_login(alice)
    client.get(INBOX)  # warm the session and the translations
    with django_assert_num_queries(5):  # session, user, access, replies, failures
        page = client.get(INBOX).content.decode()
    assert "<blockquote>OK</blockquote>" not in page
    order = [page.index(text) for text in ("Chi siete?", "3</blockquote>", "Posso venire alle 10?")]
    assert order == sorted(order)
    assert "Mario Bianchi" in page
    assert "Asked for another time" in page
    assert "Not understood" in page
    assert "+393330000000" in page
    assert "AB 123 CD" in page  # the appointment the reply answers
    received = (NOW + timedelta(minutes=2)).astimezone(milano.tz)
    assert f'datetime="{received.isoformat()}"' in page  # shown in the dealership's time


def test_marking_a_reply_handled_takes_it_off_the_inbox(client, alice, milano, confirmation_sent):
    reply = _reply(milano, "Posso venire alle 10?", sid="SM2")
    client.force_login(alice)
    url = reverse("reply_handled", kwargs={"dealership_slug": "milano", "reply_id": reply.id})
    response = client.post(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content == b""
    reply.refresh_from_db()
    assert reply.handled_at == NOW
    assert "Posso venire" not in client.get(INBOX).content.decode()
    assert client.post(url).status_code == 404  # handled already


def test_an_invalid_number_is_shown_to_the_advisor_until_handled(
    client, alice, milano, shop, twilio, dispatch
):
    twilio.fail_next(400, code=21211)
    appointment = AppointmentFactory(
        advisor=shop["advisor"],
        vehicle=shop["vehicle"],
        customer=shop["customer"],
        drop_off_at=local(milano, MONDAY + timedelta(days=2), "08:00"),
    )
    appointment_booked_messages(appointment=appointment, now=NOW)
    dispatch(NOW)
    [failed] = rows(kind=MessageKind.BOOKING_CONFIRMATION)
    assert failed.status == MessageStatus.FAILED
    client.force_login(alice)
    page = client.get(INBOX).content.decode()
    assert f'id="failure-{failed.id}"' in page
    assert "21211" in page
    assert "Booking confirmation" in page
    url = reverse("failure_handled", kwargs={"dealership_slug": "milano", "message_id": failed.id})
    assert client.post(url).status_code == 302
    assert f'id="failure-{failed.id}"' not in client.get(INBOX).content.decode()


def test_another_dealerships_reply_cannot_be_marked(client, charlie, milano, sevilla):
    reply = InboundReply.objects.create(
        dealership=milano,
        provider_id="SM9",
        channel="sms",
        from_number=FROM,
        body="?",
        received_at=NOW,
        customer=CustomerFactory(dealership=milano),
        outcome=ReplyOutcome.NOT_UNDERSTOOD,
    )
    client.force_login(charlie)
    url = reverse("reply_handled", kwargs={"dealership_slug": "sevilla", "reply_id": reply.id})
    assert client.post(url).status_code == 404
    reply.refresh_from_db()
    assert reply.handled_at is None
