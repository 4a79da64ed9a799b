"""R9.1 by SMS: a reply to the satisfaction question that starts with a score from 1 to 5 is the
customer's answer about the visit, the rest its comment; a low score is a concern for the advisor.
A reply with no score, or from another dealership's customer, goes on as before; when a booking
confirmation waits for an answer too, the message sent last decides (R5.6's words first when the
confirmation came last)."""

from datetime import timedelta
from itertools import count

import pytest

from bookings.models import AppointmentStatus
from customers.models import ContactMethod
from followups.models import ContactChannel, SatisfactionResponse
from followups.services import contacts, satisfaction
from notifications.models import InboundReply, MessageKind, MessageStatus, OutboxMessage, ReplyOutcome
from notifications.selectors import reply_list_for_inbox
from notifications.services.inbound import inbound_reply_record
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory
from tests.followups.conftest import NOW

FROM = "+393471234567"
_sids = count(1)


def _customer(dealership):
    return CustomerFactory(
        dealership=dealership, mobile_phone=FROM, preferred_contact=ContactMethod.SMS, language="it"
    )


def _visit(dealership, customer=None):
    """A visit delivered yesterday, by an advisor of the dealership."""
    customer = customer or _customer(dealership)
    return AppointmentFactory(
        advisor=AdvisorFactory(dealership=dealership, name="Paola"),
        vehicle=VehicleFactory(customer=customer),
        drop_off_at=NOW - timedelta(days=1, hours=2),
        status=AppointmentStatus.DELIVERED,
    )


def _question_sent(appointment, *, at=NOW - timedelta(hours=20)) -> OutboxMessage:
    """The satisfaction question written by the follow-ups and sent by SMS at `at`."""
    contacts.satisfaction_followup_write(appointment=appointment, now=at)
    message = OutboxMessage.objects.get(
        kind=MessageKind.FOLLOWUP_SATISFACTION, customer=appointment.customer, channel="sms"
    )
    # As the dispatcher leaves it once Twilio has taken it.
    OutboxMessage.objects.filter(id=message.id).update(status=MessageStatus.SENT, sent_at=at)
    return message


def _confirmation_sent(visit, *, at) -> OutboxMessage:
    """The day-before confirmation of the customer's next appointment, sent at `at`."""
    coming = AppointmentFactory(
        advisor=visit.advisor, vehicle=visit.vehicle, drop_off_at=NOW + timedelta(days=1, hours=1)
    )
    return OutboxMessage.objects.create(
        dealership=visit.dealership,
        customer=visit.customer,
        appointment=coming,
        kind=MessageKind.DAY_BEFORE,
        channel="sms",
        due_at=at,
        next_attempt_at=at,
        idempotency_key=f"day-before:{coming.id}",
        status=MessageStatus.SENT,
        sent_at=at,
    )


def _reply(dealership, body, *, sender=FROM) -> InboundReply:
    return inbound_reply_record(
        dealership=dealership, provider_id=f"SM{next(_sids):032d}", from_number=sender, body=body, now=NOW
    )


@pytest.fixture
def visit(milano):
    return _visit(milano)


def test_r9_1_a_scored_reply_records_the_answer_with_its_comment(milano, visit):
    question = _question_sent(visit)
    reply = _reply(milano, "4 good job")
    answer = SatisfactionResponse.objects.get()
    assert (answer.appointment, answer.customer, answer.score, answer.comment) == (
        visit,
        visit.customer,
        4,
        "good job",
    )
    assert (answer.channel, answer.concern, answer.responded_at) == (ContactChannel.SMS, False, NOW)
    assert (reply.outcome, reply.answers, reply.customer) == (
        ReplyOutcome.SATISFACTION_ANSWERED,
        question,
        visit.customer,
    )
    assert reply.handled_at == NOW  # nobody needs to read it
    assert list(reply_list_for_inbox(dealership=milano)) == []


def test_r9_1_a_low_score_by_reply_is_a_concern_routed_to_the_advisor(milano, visit):
    _question_sent(visit)
    reply = _reply(milano, "1 car still dirty")
    answer = SatisfactionResponse.objects.get()
    assert (answer.score, answer.comment, answer.concern, answer.advisor) == (
        1,
        "car still dirty",
        True,
        visit.advisor,
    )
    assert reply.outcome == ReplyOutcome.SATISFACTION_CONCERN
    assert list(reply_list_for_inbox(dealership=milano)) == [reply]  # and the advisor reads it


@pytest.mark.parametrize(("body", "score", "comment"), [("5", 5, ""), ("4/5", 4, ""), ("3 - ok", 3, "ok")])
def test_r9_1_a_score_alone_or_out_of_5_is_an_answer(milano, visit, body, score, comment):
    _question_sent(visit)
    _reply(milano, body)
    answer = SatisfactionResponse.objects.get()
    assert (answer.score, answer.comment) == (score, comment)


def test_r9_1_a_reply_without_a_score_waits_in_the_inbox_as_before(milano, visit):
    _question_sent(visit)
    reply = _reply(milano, "hello")
    assert not SatisfactionResponse.objects.exists()
    assert (reply.outcome, reply.handled_at, reply.customer) == (
        ReplyOutcome.NOTHING_TO_ANSWER,
        None,
        visit.customer,
    )
    assert list(reply_list_for_inbox(dealership=milano)) == [reply]


def test_r9_1_another_dealerships_customer_is_not_matched(milano, torino):
    # The same mobile number is a customer of both; only Torino asked the question.
    _customer(milano)
    _question_sent(_visit(torino))
    reply = _reply(milano, "5 great")
    assert not SatisfactionResponse.objects.exists()
    assert (reply.outcome, reply.answers) == (ReplyOutcome.NOTHING_TO_ANSWER, None)


def test_r9_1_a_visit_rated_already_is_not_rated_again_by_reply(milano, visit):
    _question_sent(visit)
    satisfaction.satisfaction_record(
        dealership=milano,
        appointment=visit,
        score=5,
        comment="",
        concern=False,
        channel=ContactChannel.SMS,
        now=NOW - timedelta(hours=1),
    )
    reply = _reply(milano, "2 on second thought")
    assert SatisfactionResponse.objects.get().score == 5
    assert (reply.outcome, reply.handled_at) == (ReplyOutcome.NOTHING_TO_ANSWER, None)


def test_r9_1_a_confirmation_sent_after_the_question_keeps_its_own_words(milano, visit):
    _question_sent(visit, at=NOW - timedelta(hours=20))
    confirmation = _confirmation_sent(visit, at=NOW - timedelta(hours=1))
    reply = _reply(milano, "1")
    assert (reply.outcome, reply.answers) == (ReplyOutcome.CONFIRMED, confirmation)
    confirmation.appointment.refresh_from_db()
    assert confirmation.appointment.status == AppointmentStatus.CONFIRMED
    assert not SatisfactionResponse.objects.exists()
    # What is no word of a confirmation still answers the question.
    assert _reply(milano, "4 good job").outcome == ReplyOutcome.SATISFACTION_ANSWERED
    assert SatisfactionResponse.objects.get().score == 4


def test_r9_1_a_question_sent_after_the_confirmation_takes_the_score(milano, visit):
    confirmation = _confirmation_sent(visit, at=NOW - timedelta(hours=20))
    question = _question_sent(visit, at=NOW - timedelta(hours=1))
    reply = _reply(milano, "2 slow hand-over")
    assert (reply.outcome, reply.answers) == (ReplyOutcome.SATISFACTION_CONCERN, question)
    confirmation.appointment.refresh_from_db()
    assert confirmation.appointment.status == AppointmentStatus.BOOKED  # "2" cancelled nothing
    assert SatisfactionResponse.objects.get().score == 2
    # Once rated, the confirmation's words reach the confirmation again.
    assert _reply(milano, "1").outcome == ReplyOutcome.CONFIRMED
