"""Reads of the outbox and the replies, scoped to the dealership, one query each."""

from datetime import datetime

from django.db.models import QuerySet

from bookings import lifecycle
from bookings.models import Appointment
from customers.models import Customer
from dealerships.models import Dealership
from notifications.models import CalendarFeed, InboundReply, MessageStatus, MessageTemplate, OutboxMessage
from workshop.models import Advisor

CUSTOMER_MESSAGES_SHOWN = 50
INBOX_SHOWN = 100
FEED_APPOINTMENTS = 500  # a few months of one advisor's days


def message_list_for_appointment(*, dealership: Dealership, appointment_id: int) -> QuerySet[OutboxMessage]:
    """Every message about the appointment, the next due first, then the latest sent, with the
    replies each got (two queries)."""
    return (
        OutboxMessage.objects.for_dealership(dealership)
        .filter(appointment_id=appointment_id)
        .exclude(status=MessageStatus.SUPERSEDED)
        .prefetch_related("replies")
        .order_by("-due_at", "-id")
    )


def message_list_for_customer(*, dealership: Dealership, customer: Customer) -> QuerySet[OutboxMessage]:
    """The customer's latest messages, whatever they were about (two queries)."""
    return (
        OutboxMessage.objects.for_dealership(dealership)
        .filter(customer=customer)
        .exclude(status=MessageStatus.SUPERSEDED)
        .select_related("appointment")
        .prefetch_related("replies")
        .order_by("-due_at", "-id")[:CUSTOMER_MESSAGES_SHOWN]
    )


def reply_list_for_customer(*, dealership: Dealership, customer: Customer) -> QuerySet[InboundReply]:
    """What the customer sent back, the latest first."""
    return (
        InboundReply.objects.for_dealership(dealership)
        .filter(customer=customer)
        .order_by("-received_at", "-id")[:CUSTOMER_MESSAGES_SHOWN]
    )


def call_queue(*, dealership: Dealership) -> QuerySet[OutboxMessage]:
    """The messages that became calls for the operators, oldest first (the queue's source)."""
    return (
        OutboxMessage.objects.for_dealership(dealership)
        .filter(status=MessageStatus.TO_CALL)
        .select_related("customer", "appointment")
        .order_by("due_at", "id")
    )


def reply_list_for_inbox(*, dealership: Dealership) -> QuerySet[InboundReply]:
    """The replies a person must read (not understood, asking for another time, from nobody
    waiting for an answer) and not yet handled, the latest first (one query)."""
    return (
        InboundReply.objects.for_dealership(dealership)
        .filter(handled_at=None)
        .select_related("customer", "answers__appointment__vehicle")
        .order_by("-received_at", "-id")[:INBOX_SHOWN]
    )


def failure_list_for_inbox(*, dealership: Dealership) -> QuerySet[OutboxMessage]:
    """The messages that could not be delivered (an invalid number, retries run out) and not
    yet handled, the latest first (one query)."""
    return (
        OutboxMessage.objects.for_dealership(dealership)
        .filter(status=MessageStatus.FAILED, failure_handled_at=None)
        .select_related("customer", "appointment__vehicle")
        .order_by("-updated_at", "-id")[:INBOX_SHOWN]
    )


def message_template_list(*, dealership: Dealership) -> QuerySet[MessageTemplate]:
    """The dealership's own texts, by kind and language (one query)."""
    return MessageTemplate.objects.for_dealership(dealership).order_by("kind", "language")


def message_template_get(*, dealership: Dealership, kind: str, language: str) -> MessageTemplate | None:
    return MessageTemplate.objects.for_dealership(dealership).filter(kind=kind, language=language).first()


def advisor_for_user(*, dealership: Dealership, user_id: int) -> Advisor | None:
    """The dealership's active advisor whose staff login this is, if any."""
    return Advisor.objects.for_dealership(dealership).filter(user_id=user_id, is_active=True).first()


def appointment_list_for_feed(
    *, dealership: Dealership, advisor: Advisor, since: datetime
) -> QuerySet[Appointment]:
    """The advisor's appointments still open from `since` on, the earliest first (one query)."""
    return (
        Appointment.objects.for_dealership(dealership)
        .filter(advisor=advisor, drop_off_at__gte=since, status__in=lifecycle.OPEN)
        .select_related("customer", "vehicle")
        .order_by("drop_off_at", "id")[:FEED_APPOINTMENTS]
    )


def calendar_feed_for_advisor(*, dealership: Dealership, advisor: Advisor) -> CalendarFeed | None:
    return CalendarFeed.objects.for_dealership(dealership).filter(advisor=advisor).first()
