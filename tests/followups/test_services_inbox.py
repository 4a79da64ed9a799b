"""A call made for an item of the advisor's inbox (a reply asking for another time, a message
that could not be delivered) takes the item out of the inbox when its outcome settles it, in the
same transaction; an unanswered call leaves it there."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from followups.models import CallTask, DeclineReason, Outcome, TaskKind, TaskStatus
from followups.scans import failed_messages_scan, reschedule_replies_scan
from followups.services import attribution, calls
from notifications.models import InboundReply, MessageKind, MessageStatus, OutboxMessage, ReplyOutcome
from notifications.selectors import failure_list_for_inbox, reply_list_for_inbox
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.followups.conftest import NOW


@pytest.fixture
def customer(milano):
    return CustomerFactory(dealership=milano, mobile_phone="+393471234567")


@pytest.fixture
def reply(milano, customer):
    return InboundReply.objects.create(
        dealership=milano,
        provider_id="SM-reschedule",
        channel="sms",
        from_number="+393471234567",
        body="3",
        received_at=NOW,
        customer=customer,
        outcome=ReplyOutcome.RESCHEDULE_REQUESTED,
    )


@pytest.fixture
def failed(milano, customer):
    return OutboxMessage.objects.create(
        dealership=milano,
        customer=customer,
        kind=MessageKind.DAY_BEFORE,
        channel="sms",
        due_at=NOW,
        next_attempt_at=NOW,
        idempotency_key="day-before:failed",
        status=MessageStatus.FAILED,
        error="Twilio undelivered 30003",
    )


def _task(milano, kind) -> CallTask:
    return CallTask.objects.for_dealership(milano).get(kind=kind)


def _work(milano, task, operator, outcome, **fields):
    now = fields.pop("now", NOW)
    calls.call_task_claim(dealership=milano, task=task, operator=operator, now=now)
    return calls.call_task_outcome_record(
        dealership=milano, task=task, operator=operator, outcome=outcome, now=now, **fields
    )


@pytest.mark.parametrize(
    ("outcome", "fields"),
    [
        (Outcome.REACHED, {}),
        (Outcome.BOOKED, {}),
        (Outcome.DECLINED, {"decline_reason": DeclineReason.NO_TIME}),
        (Outcome.WRONG_NUMBER, {}),
    ],
)
def test_closing_the_call_for_a_reply_takes_the_reply_out_of_the_inbox(
    milano, reply, operators, outcome, fields
):
    reschedule_replies_scan(now=NOW)
    task = _task(milano, TaskKind.RESCHEDULE_REQUEST)
    assert task.reply_id == reply.id
    assert list(reply_list_for_inbox(dealership=milano)) == [reply]
    (operator,) = operators(1)
    later = NOW + timedelta(minutes=5)
    closed = _work(milano, task, operator, outcome, now=later, **fields)
    assert closed.status == TaskStatus.DONE
    reply.refresh_from_db()
    assert reply.handled_at == later
    assert list(reply_list_for_inbox(dealership=milano)) == []


def test_closing_the_call_for_a_failed_message_takes_the_failure_out_of_the_inbox(milano, failed, operators):
    failed_messages_scan(now=NOW)
    task = _task(milano, TaskKind.MESSAGE_FAILED)
    assert task.message_id == failed.id
    (operator,) = operators(1)
    _work(milano, task, operator, Outcome.REACHED)
    failed.refresh_from_db()
    assert failed.failure_handled_at == NOW
    assert list(failure_list_for_inbox(dealership=milano)) == []


def test_an_unanswered_call_leaves_the_item_in_the_inbox_even_after_the_last_attempt(
    milano, reply, operators
):
    reschedule_replies_scan(now=NOW)
    task = _task(milano, TaskKind.RESCHEDULE_REQUEST)
    (operator,) = operators(1)
    now = NOW
    for _attempt in range(task.max_attempts):
        task = _work(milano, task, operator, Outcome.NO_ANSWER, now=now)
        now = task.next_attempt_at if task.status == TaskStatus.OPEN else now
    assert (task.status, task.attempts) == (TaskStatus.DONE, task.max_attempts)
    reply.refresh_from_db()
    assert reply.handled_at is None  # nobody has spoken to the customer yet


def test_a_refused_outcome_leaves_the_item_in_the_inbox(milano, reply, operators):
    reschedule_replies_scan(now=NOW)
    task = _task(milano, TaskKind.RESCHEDULE_REQUEST)
    (operator,) = operators(1)
    with pytest.raises(ValidationError):
        _work(milano, task, operator, Outcome.DECLINED)  # no reason given
    reply.refresh_from_db()
    assert reply.handled_at is None


def test_a_booking_that_closes_the_call_takes_the_reply_out_of_the_inbox(milano, reply, customer):
    reschedule_replies_scan(now=NOW)
    task = _task(milano, TaskKind.RESCHEDULE_REQUEST)
    booked = AppointmentFactory(advisor__dealership=milano, vehicle=VehicleFactory(customer=customer))
    attribution.booking_attribute(appointment=booked, now=NOW)
    task.refresh_from_db()
    assert (task.status, task.outcome, task.booked_appointment) == (TaskStatus.DONE, Outcome.BOOKED, booked)
    reply.refresh_from_db()
    assert reply.handled_at == NOW


def test_another_dealerships_reply_is_left_alone(milano, torino, reply, operators):
    theirs = InboundReply.objects.create(
        dealership=torino,
        provider_id="SM-theirs",
        channel="sms",
        from_number="+393471234567",
        body="3",
        received_at=NOW,
        outcome=ReplyOutcome.NOT_UNDERSTOOD,
    )
    task = calls.call_task_create(
        dealership=milano, kind=TaskKind.RESCHEDULE_REQUEST, customer=reply.customer, reply=reply, now=NOW
    )
    # A task pointing at another dealership's reply cannot be made; were it there, it is not touched.
    CallTask.objects.filter(id=task.id).update(reply=theirs)
    task.refresh_from_db()
    (operator,) = operators(1)
    _work(milano, task, operator, Outcome.REACHED)
    theirs.refresh_from_db()
    assert theirs.handled_at is None
