"""R5.6: the customer answers a confirmation on its channel; the inbound webhook is signed by
Twilio (the library's RequestValidator), scoped by the dealership in its URL, and idempotent."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from twilio.request_validator import RequestValidator

from bookings.models import Appointment, AppointmentStatus
from customers.models import Customer
from notifications.models import InboundReply, MessageKind, MessageStatus, ReplyOutcome
from notifications.services.outbox import appointment_booked_messages
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory
from tests.notifications.conftest import AUTH_TOKEN, MONDAY, local, rows
from tests.workshop.snapshots import at

NOW = at(MONDAY, "10:00")
FROM = "+393471234567"


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


def _url(slug="milano"):
    return reverse("twilio_inbound", kwargs={"dealership_slug": slug})


_sids = iter(range(1, 10_000))


def _reply(client, body, *, sender=FROM, slug="milano", token=AUTH_TOKEN, sid=None, **extra):
    params = {
        "MessageSid": sid or f"SM{next(_sids):032d}",
        "From": sender,
        "To": "+390212345678",
        "Body": body,
    }
    params |= extra
    signature = RequestValidator(token).compute_signature("https://service.example" + _url(slug), params)
    return client.post(_url(slug), params, headers={"X-Twilio-Signature": signature})


@pytest.mark.parametrize("answer", ["OK", "1", "SÌ", "ДА", "是", "OUI"])
def test_r5_6_a_confirming_answer_confirms_the_appointment(client, confirmation_sent, answer):
    response = _reply(client, answer)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert "<Response>" in response.content.decode()
    confirmation_sent.refresh_from_db()
    assert confirmation_sent.status == AppointmentStatus.CONFIRMED
    [reply] = InboundReply.objects.all()
    assert reply.outcome == ReplyOutcome.CONFIRMED
    assert reply.answers == rows(kind=MessageKind.BOOKING_CONFIRMATION)[0]
    assert reply.handled_at is not None
    history = confirmation_sent.transitions.order_by("at", "id").last()
    assert (history.to_status, history.reason) == ("confirmed", "Confirmed by the customer's reply")


def test_r5_6_cancelling_by_reply_cancels_and_sends_the_notice(client, confirmation_sent, dispatch):
    assert _reply(client, "2").status_code == 200
    confirmation_sent.refresh_from_db()
    assert confirmation_sent.status == AppointmentStatus.CANCELLED
    assert InboundReply.objects.get().outcome == ReplyOutcome.CANCELLED
    assert {m.kind for m in rows(status=MessageStatus.PENDING)} == {MessageKind.CANCELLED}


def test_r5_6_asking_for_another_time_waits_for_the_desk(client, confirmation_sent):
    _reply(client, "3")
    reply = InboundReply.objects.get()
    assert reply.outcome == ReplyOutcome.RESCHEDULE_REQUESTED
    assert reply.handled_at is None  # in the advisor's inbox
    confirmation_sent.refresh_from_db()
    assert confirmation_sent.status == AppointmentStatus.BOOKED


def test_r5_6_stop_opts_out_and_start_opts_back_in(client, confirmation_sent, shop):
    _reply(client, "STOP")
    customer = Customer.objects.get(id=shop["customer"].id)
    assert customer.opted_out_at == NOW
    assert InboundReply.objects.get().outcome == ReplyOutcome.OPTED_OUT
    _reply(client, "START")
    customer.refresh_from_db()
    assert customer.opted_out_at is None


def test_r5_6_the_same_message_delivered_twice_acts_once(client, confirmation_sent):
    for _ in range(2):
        assert _reply(client, "2", sid="SM" + "9" * 32).status_code == 200
    assert InboundReply.objects.count() == 1
    assert confirmation_sent.transitions.filter(to_status="cancelled").count() == 1


def test_a_bad_or_missing_signature_is_refused_and_changes_nothing(client, confirmation_sent):
    assert _reply(client, "2", token="somebody-elses-token").status_code == 403
    params = {"MessageSid": "SM1", "From": FROM, "Body": "2"}
    assert client.post(_url(), params).status_code == 403
    signature = RequestValidator(AUTH_TOKEN).compute_signature("https://service.example" + _url(), params)
    tampered = {**params, "Body": "1"}
    assert client.post(_url(), tampered, headers={"X-Twilio-Signature": signature}).status_code == 403
    assert client.get(_url()).status_code == 405
    confirmation_sent.refresh_from_db()
    assert confirmation_sent.status == AppointmentStatus.BOOKED
    assert not InboundReply.objects.exists()


def test_an_unknown_sender_and_an_unknown_dealership(client, confirmation_sent):
    assert _reply(client, "1", sender="+393330000000").status_code == 200
    reply = InboundReply.objects.get()
    assert (reply.outcome, reply.customer) == (ReplyOutcome.NOTHING_TO_ANSWER, None)
    assert _reply(client, "1", slug="no-such-place").status_code == 404
    confirmation_sent.refresh_from_db()
    assert confirmation_sent.status == AppointmentStatus.BOOKED


def test_a_reply_about_a_cancelled_appointment_changes_nothing(client, confirmation_sent):
    Appointment.objects.filter(id=confirmation_sent.id).update(status=AppointmentStatus.CANCELLED)
    _reply(client, "1")
    assert InboundReply.objects.get().outcome == ReplyOutcome.NOTHING_TO_ANSWER
    confirmation_sent.refresh_from_db()
    assert confirmation_sent.status == AppointmentStatus.CANCELLED


def test_another_dealerships_customer_with_the_same_number_is_not_touched(
    client, confirmation_sent, torino, twilio
):
    """Torino has a customer with the same mobile and a confirmation of its own: a reply to
    Milano's number (Milano's URL) acts on Milano's appointment only."""
    other = CustomerFactory(dealership=torino, mobile_phone=FROM, family_name="Rossi")
    theirs = AppointmentFactory(
        advisor=AdvisorFactory(dealership=torino),
        vehicle=VehicleFactory(customer=other),
        customer=other,
        drop_off_at=local(torino, MONDAY + timedelta(days=3), "09:00"),
    )
    appointment_booked_messages(appointment=theirs, now=NOW)
    _reply(client, "2")
    theirs.refresh_from_db()
    confirmation_sent.refresh_from_db()
    assert confirmation_sent.status == AppointmentStatus.CANCELLED
    assert theirs.status == AppointmentStatus.BOOKED
    assert InboundReply.objects.get().dealership_id == confirmation_sent.dealership_id


def test_anything_else_lands_in_the_advisors_inbox(client, confirmation_sent):
    _reply(client, "Can I bring it at 10 instead?")
    reply = InboundReply.objects.get()
    assert (reply.outcome, reply.handled_at) == (ReplyOutcome.NOT_UNDERSTOOD, None)
    assert reply.customer_id == confirmation_sent.customer_id


def test_r5_5_the_answer_to_the_arrival_confirmation_is_recorded_with_it(
    client, confirmation_sent, dispatch, member_of
):
    from dealerships.access import dealership_access_for
    from dealerships.models import Role
    from notifications.desk import appointment_messages

    one_hour_before = confirmation_sent.drop_off_at - timedelta(hours=1)
    with time_machine.travel(one_hour_before, tick=False):
        result = dispatch(one_hour_before)  # R5.5; the day-before, never sent, is too late now
        assert (result.sent, result.withdrawn) == (1, 1)
        [hour_before] = rows(kind=MessageKind.HOUR_BEFORE, status=MessageStatus.SENT)
        _reply(client, "1")
    reply = InboundReply.objects.get()
    assert (reply.answers, reply.outcome) == (hour_before, ReplyOutcome.CONFIRMED)
    confirmation_sent.refresh_from_db()
    assert confirmation_sent.status == AppointmentStatus.CONFIRMED
    # The appointment's messages show it, with the answer it got.
    advisor = member_of(Role.SERVICE_ADVISOR)
    access = dealership_access_for(user=advisor, slug="milano")
    section = appointment_messages(access, confirmation_sent)
    shown = {message.kind: [r.outcome for r in message.replies.all()] for message in section["messages"]}
    assert shown[MessageKind.HOUR_BEFORE] == [ReplyOutcome.CONFIRMED]
