"""Reads of the outbox and the replies, scoped to the dealership, one query each."""

from django.db.models import QuerySet

from customers.models import Customer
from dealerships.models import Dealership
from notifications.models import InboundReply, MessageStatus, OutboxMessage

CUSTOMER_MESSAGES_SHOWN = 50


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
