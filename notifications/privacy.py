"""What the outbox holds about a customer, for the customer file's export and erasure
(customers.privacy; registered in NotificationsConfig.ready)."""

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from customers.models import Customer
from customers.privacy import (
    ExportSection,
    erasure_contributor_register,
    export_contributor_register,
    export_field,
    model_record,
)
from dealerships.models import Dealership
from notifications.models import InboundReply, MessageStatus, OutboxMessage

MESSAGE_EXPORT_FIELDS = (
    "kind",
    "channel",
    "language",
    "due_at",
    "status",
    "recipient",
    "subject",
    "rendered_text",
    "sent_at",
    "delivery_status",
)
REPLY_EXPORT_FIELDS = ("channel", "from_number", "body", "received_at", "outcome")


def messages_export(dealership: Dealership, customer: Customer) -> Iterable[ExportSection]:
    """The messages sent (or due) to the customer and what they answered: two queries."""
    messages = (
        OutboxMessage.objects.for_dealership(dealership)
        .filter(customer=customer)
        .exclude(status=MessageStatus.SUPERSEDED)
        .order_by("due_at", "id")
    )
    replies = (
        InboundReply.objects.for_dealership(dealership)
        .filter(customer=customer)
        .order_by("received_at", "id")
    )
    return [
        ExportSection(
            "messages",
            _("Messages"),
            tuple(
                model_record(
                    message,
                    MESSAGE_EXPORT_FIELDS,
                    extra=[export_field("appointment_id", _("Appointment"), message.appointment_id)],
                )
                for message in messages
            ),
        ),
        ExportSection(
            "replies", _("Replies"), tuple(model_record(reply, REPLY_EXPORT_FIELDS) for reply in replies)
        ),
    ]


def messages_erase(dealership: Dealership, customer: Customer) -> None:
    """Blank the words and addresses of the customer's messages and replies, and withdraw what
    was still to be sent; the rows stay (kind, channel, status, when) for the counts."""
    now = timezone.now()
    messages = OutboxMessage.objects.for_dealership(dealership).filter(customer=customer)
    messages.filter(status__in=[MessageStatus.PENDING, MessageStatus.SENDING]).update(
        status=MessageStatus.WITHDRAWN,
        claimed_until=None,
        error=gettext_noop("The customer's data was erased."),
        updated_at=now,
    )
    messages.update(recipient="", subject="", rendered_text="", error="", updated_at=now)
    InboundReply.objects.for_dealership(dealership).filter(customer=customer).update(
        body="", from_number="", updated_at=now
    )


def contributors_register() -> None:
    """Take part in the customer file's export and erasure."""
    export_contributor_register(messages_export)
    erasure_contributor_register(messages_erase)
