"""What comes back from Twilio: a customer's answer to a confirmation (R5.6) or to the
satisfaction question (R9.1), and the delivery status of a message sent."""

from datetime import datetime, timedelta

import phonenumbers
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber

from bookings import lifecycle
from bookings.models import AppointmentStatus
from bookings.services import appointment_cancel, appointment_transition
from config.errors import IllegalTransition
from customers.models import Customer
from dealerships.models import Dealership
from notifications import satisfaction_hooks
from notifications.models import (
    InboundReply,
    MessageChannel,
    MessageKind,
    MessageStatus,
    OutboxMessage,
    ReplyOutcome,
)
from notifications.rendering import ANSWERABLE
from notifications.replies import Intent, reply_intent, reply_score

WHATSAPP_PREFIX = "whatsapp:"
# Twilio's final delivery statuses that mean the message did not arrive.
UNDELIVERED = frozenset({"failed", "undelivered"})
# A satisfaction question (R9.1) is answered by reply as long as by its link.
SATISFACTION_REPLY_DAYS = 14
# What the system did by itself needs nobody; the rest waits in the advisor's inbox.
DONE_BY_ITSELF = frozenset(
    {
        ReplyOutcome.CONFIRMED,
        ReplyOutcome.CANCELLED,
        ReplyOutcome.OPTED_OUT,
        ReplyOutcome.OPTED_IN,
        ReplyOutcome.SATISFACTION_ANSWERED,
    }
)


def _sender_customers(dealership: Dealership, from_number: str) -> list[Customer]:
    try:
        phone = PhoneNumber.from_string(
            from_number.removeprefix(WHATSAPP_PREFIX), region=dealership.phone_region
        )
    except phonenumbers.NumberParseException:
        return []
    return list(
        Customer.objects.for_dealership(dealership).filter(Q(mobile_phone=phone) | Q(other_phone=phone))
    )


def _waiting_confirmation(
    dealership: Dealership, customers: list[Customer], now: datetime
) -> OutboxMessage | None:
    """The latest confirmation sent to the sender that is still open to an answer: its
    appointment is still to come and neither cancelled nor begun."""
    return (
        OutboxMessage.objects.for_dealership(dealership)
        .filter(
            customer__in=customers,
            kind__in=ANSWERABLE,
            status=MessageStatus.SENT,
            appointment__status__in=lifecycle.OPEN,
            appointment__drop_off_at__gt=now,
        )
        .select_related("appointment", "customer")
        .order_by("-sent_at", "-id")
        .first()
    )


def _waiting_satisfaction(
    dealership: Dealership, customers: list[Customer], now: datetime
) -> OutboxMessage | None:
    """The latest satisfaction question sent to the sender lately (R9.1); whether its visit is
    rated already, the follow-ups layer knows."""
    return (
        OutboxMessage.objects.for_dealership(dealership)
        .filter(
            customer__in=customers,
            kind=MessageKind.FOLLOWUP_SATISFACTION,
            status=MessageStatus.SENT,
            sent_at__gte=now - timedelta(days=SATISFACTION_REPLY_DAYS),
        )
        .select_related("customer")
        .order_by("-sent_at", "-id")
        .first()
    )


def _satisfaction_answer(
    dealership: Dealership,
    customers: list[Customer],
    confirmation: OutboxMessage | None,
    intent: Intent,
    body: str,
    now: datetime,
) -> tuple[OutboxMessage, ReplyOutcome] | None:
    """R9.1 by reply: a score from 1 to 5 (and a comment) answering the sender's satisfaction
    question, taken by the follow-ups layer; None when the reply is no such answer.

    When a confirmation waits for an answer too, the customer answers what they read last: the
    message sent last decides. A confirmation sent after the question keeps its own words ("1"
    confirms, "2" cancels, "3" asks for another time); a reply that is no word of a confirmation
    ("4 good job") still answers the question."""
    score = reply_score(body)
    if score is None or not customers:
        return None
    question = _waiting_satisfaction(dealership, customers, now)
    if question is None:
        return None
    confirmation_last = confirmation is not None and _sent_order(confirmation) > _sent_order(question)
    if confirmation_last and intent is not Intent.UNKNOWN:
        return None
    outcome = satisfaction_hooks.answers().record(
        dealership=dealership, message=question, score=score.score, comment=score.comment, now=now
    )
    return (question, outcome) if outcome is not None else None


def _sent_order(message: OutboxMessage) -> tuple[datetime, int]:
    # A sent row always has its sent_at; its due time stands in rather than fail on a None.
    return (message.sent_at or message.due_at, message.id)


@transaction.atomic
def inbound_reply_record(
    *,
    dealership: Dealership,
    provider_id: str,
    from_number: str,
    body: str,
    now: datetime,
    opt_out_type: str = "",
) -> InboundReply:
    """R5.6: act on the customer's answer and keep it. Confirm or cancel the appointment of the
    latest confirmation waiting for an answer in this dealership; a request for another time,
    and anything not understood, wait in the advisor's inbox; STOP and START switch the
    sender's messages off and on. R9.1: a score answering the satisfaction question is recorded
    (a concern waits in the inbox too). The same provider id twice changes nothing the second
    time."""
    known = InboundReply.objects.for_dealership(dealership).filter(provider_id=provider_id).first()
    if known is not None:
        return known
    customers = _sender_customers(dealership, from_number)
    intent = reply_intent(body, opt_out_type=opt_out_type)
    answered: OutboxMessage | None = None
    if intent is Intent.STOP:
        Customer.objects.for_dealership(dealership).filter(
            id__in=[c.id for c in customers], opted_out_at=None
        ).update(opted_out_at=now, updated_at=now)
        outcome = ReplyOutcome.OPTED_OUT
    elif intent is Intent.START:
        Customer.objects.for_dealership(dealership).filter(id__in=[c.id for c in customers]).update(
            opted_out_at=None, updated_at=now
        )
        outcome = ReplyOutcome.OPTED_IN
    else:
        confirmation = _waiting_confirmation(dealership, customers, now) if customers else None
        satisfaction = _satisfaction_answer(dealership, customers, confirmation, intent, body, now)
        if satisfaction is not None:
            answered, outcome = satisfaction
        else:
            answered = confirmation
            outcome = _answer(answered, intent, now=now) if answered else ReplyOutcome.NOTHING_TO_ANSWER
    customer = answered.customer if answered else (customers[0] if customers else None)
    reply = InboundReply(
        dealership=dealership,
        provider_id=provider_id[:64],
        channel=MessageChannel.WHATSAPP if from_number.startswith(WHATSAPP_PREFIX) else MessageChannel.SMS,
        from_number=from_number[:64],
        body=body[:1600],
        received_at=now,
        customer=customer,
        answers=answered,
        outcome=outcome,
        handled_at=now if outcome in DONE_BY_ITSELF else None,
    )
    reply.save()
    return reply


def _answer(message: OutboxMessage, intent: Intent, *, now: datetime) -> ReplyOutcome:
    appointment = message.appointment
    if appointment is None:  # an answerable message is about an appointment: never so
        return ReplyOutcome.NOT_UNDERSTOOD
    dealership = message.dealership
    try:
        if intent is Intent.CONFIRM:
            if appointment.status == AppointmentStatus.BOOKED:
                appointment_transition(
                    dealership=dealership,
                    appointment=appointment,
                    to_status=AppointmentStatus.CONFIRMED,
                    by=None,
                    now=now,
                    reason=_("Confirmed by the customer's reply"),
                )
            return ReplyOutcome.CONFIRMED
        if intent is Intent.CANCEL:
            appointment_cancel(
                dealership=dealership,
                appointment=appointment,
                reason=_("Cancelled by the customer's reply"),
                by=None,
                now=now,
            )
            return ReplyOutcome.CANCELLED
    except IllegalTransition:  # it moved on meanwhile (arrived, say): a person looks at it
        return ReplyOutcome.NOT_UNDERSTOOD
    if intent is Intent.RESCHEDULE:
        return ReplyOutcome.RESCHEDULE_REQUESTED
    return ReplyOutcome.NOT_UNDERSTOOD


def delivery_status_record(
    *, dealership: Dealership, provider_id: str, status: str, error_code: str, now: datetime
) -> bool:
    """Twilio's status callback: the message's delivery status; a message that did not arrive
    is a failure the advisor sees. False when no message of this dealership has that id."""
    messages = OutboxMessage.objects.for_dealership(dealership).filter(provider_id=provider_id)
    fields: dict[str, object] = {"delivery_status": status[:30], "updated_at": now}
    if status in UNDELIVERED:
        fields |= {"status": MessageStatus.FAILED, "error": f"Twilio {status} {error_code}".strip()[:300]}
    return messages.update(**fields) > 0
