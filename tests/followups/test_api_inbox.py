"""The outcome posted through the API for a call made for an inbox item takes the item out of
the advisor's inbox; a refused outcome leaves it there."""

import pytest
from django.urls import reverse
from django.utils import timezone

from dealerships.models import Role
from followups.models import TaskKind
from followups.services import calls
from notifications.models import InboundReply, MessageKind, MessageStatus, OutboxMessage, ReplyOutcome
from tests.factories.customers import CustomerFactory

D = {"dealership_slug": "milano"}


@pytest.fixture
def operator(member_of):
    return member_of(Role.RESERVATION_OPERATOR, username="olga")


@pytest.fixture
def customer(milano):
    return CustomerFactory(dealership=milano, mobile_phone="+393471234567")


def _outcome(client, task, body):
    url = reverse("api_call_task_outcome", kwargs={**D, "task_id": task.id})
    return client.post(url, body, content_type="application/json")


def test_an_outcome_posted_for_a_reschedule_call_marks_the_reply_handled(client, operator, milano, customer):
    now = timezone.now()
    reply = InboundReply.objects.create(
        dealership=milano,
        provider_id="SM-api",
        channel="sms",
        from_number="+393471234567",
        body="3",
        received_at=now,
        customer=customer,
        outcome=ReplyOutcome.RESCHEDULE_REQUESTED,
    )
    task = calls.call_task_create(
        dealership=milano, kind=TaskKind.RESCHEDULE_REQUEST, customer=customer, reply=reply, now=now
    )
    client.force_login(operator)
    assert client.post(reverse("api_call_next", kwargs=D)).json()["id"] == task.id
    refused = _outcome(client, task, {"outcome": "declined"})
    assert refused.status_code == 400
    reply.refresh_from_db()
    assert reply.handled_at is None
    done = _outcome(client, task, {"outcome": "declined", "decline_reason": "no_time"})
    assert done.status_code == 200
    assert done.json()["status"] == "done"
    reply.refresh_from_db()
    assert reply.handled_at is not None


def test_an_outcome_posted_for_a_failed_message_marks_the_failure_handled(client, operator, milano, customer):
    now = timezone.now()
    failed = OutboxMessage.objects.create(
        dealership=milano,
        customer=customer,
        kind=MessageKind.DAY_BEFORE,
        channel="sms",
        due_at=now,
        next_attempt_at=now,
        idempotency_key="day-before:failed",
        status=MessageStatus.FAILED,
    )
    task = calls.call_task_create(
        dealership=milano, kind=TaskKind.MESSAGE_FAILED, customer=customer, message=failed, now=now
    )
    client.force_login(operator)
    client.post(reverse("api_call_next", kwargs=D))
    assert _outcome(client, task, {"outcome": "wrong_number"}).status_code == 200
    failed.refresh_from_db()
    assert failed.failure_handled_at is not None
