"""A message's words, in the customer's language with the dealership's local dates and times, and
the calendar invitation of an e-mail about a booking, a change or a cancellation."""

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import icalendar
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from bookings.models import Appointment, Document
from bookings.self_service import manage_token
from customers.models import Customer
from dealerships.models import Dealership
from notifications.channels import Attachment
from notifications.models import MessageChannel, MessageKind

# The messages a customer can answer on their channel (R5.6).
ANSWERABLE = frozenset({MessageKind.BOOKING_CONFIRMATION, MessageKind.DAY_BEFORE, MessageKind.HOUR_BEFORE})
INVITATION_KINDS = frozenset(
    {MessageKind.BOOKING_CONFIRMATION, MessageKind.RESCHEDULED, MessageKind.CANCELLED}
)


@dataclass(frozen=True, kw_only=True, slots=True)
class Rendered:
    subject: str
    body: str
    attachments: tuple[Attachment, ...] = ()


def public_url(path: str) -> str:
    """An address customers and Twilio reach from outside, for links sent by the workers."""
    return settings.NOTIFICATIONS_PUBLIC_URL.rstrip("/") + path


def manage_url(appointment: Appointment) -> str:
    """The signed link to see, move or cancel the appointment; none where online booking is off."""
    dealership = appointment.dealership
    if not dealership.online_booking_enabled:
        return ""
    return public_url(_manage_path(dealership.slug).replace(_TOKEN_PLACEHOLDER, manage_token(appointment)))


_TOKEN_PLACEHOLDER = "TOKEN"  # noqa: S105 (a place in a URL pattern, no secret)


@cache
def _manage_path(slug: str) -> str:
    # Reversed once per dealership: the workers write thousands of these a second.
    return reverse("self_booking_manage", kwargs={"dealership_slug": slug, "token": _TOKEN_PLACEHOLDER})


@cache
def status_callback_path(slug: str) -> str:
    """Where Twilio posts the delivery statuses of a dealership's messages."""
    return reverse("twilio_status_callback", kwargs={"dealership_slug": slug})


def text_render(
    *, kind: str, dealership: Dealership, language: str, context: dict[str, Any], with_subject: bool = True
) -> tuple[str, str]:
    """The subject (an e-mail's; "" without `with_subject`) and the body of a message of `kind`,
    in `language`, local times in the dealership's zone."""
    with translation.override(language), timezone.override(dealership.tz):
        full = {"dealership": dealership, **context}
        body = render_to_string(f"notifications/messages/{kind}.txt", full).strip()
        subject = (
            render_to_string(f"notifications/messages/{kind}_subject.txt", full).strip()
            if with_subject
            else ""
        )
    return subject, body


def appointment_message_render(
    *,
    kind: str,
    channel: str,
    language: str,
    appointment: Appointment,
    customer: Customer,
    now: datetime,
    sequence: int,
) -> Rendered:
    """What is said about the appointment; by e-mail, with an .ics invitation for a booking, a
    change (same UID, higher SEQUENCE) or a cancellation (METHOD:CANCEL)."""
    dealership = appointment.dealership
    email = channel == MessageChannel.EMAIL
    with translation.override(language):
        documents = [
            str(Document(code).label) for code in appointment.documents_to_bring if code in Document.values
        ]
    subject, body = text_render(
        kind=kind,
        dealership=dealership,
        language=language,
        with_subject=email,
        context={
            "customer": customer,
            "appointment": appointment,
            "vehicle": appointment.vehicle,
            "drop_off": appointment.drop_off_at,
            "promised_return": appointment.promised_return_at,
            "documents": documents,
            "manage_url": manage_url(appointment) if kind != MessageKind.CANCELLED else "",
            "email": email,
            "ask_reply": kind in ANSWERABLE and channel in (MessageChannel.SMS, MessageChannel.WHATSAPP),
        },
    )
    attachments: tuple[Attachment, ...] = ()
    if email and kind in INVITATION_KINDS:
        invitation = invitation_ics(
            appointment=appointment,
            summary=subject,
            description=body,
            now=now,
            sequence=sequence,
            cancelled=kind == MessageKind.CANCELLED,
        )
        attachments = (Attachment(filename="appointment.ics", content=invitation, mimetype="text/calendar"),)
    return Rendered(subject=subject, body=body, attachments=attachments)


def invitation_ics(
    *, appointment: Appointment, summary: str, description: str, now: datetime, sequence: int, cancelled: bool
) -> bytes:
    """RFC 5546 iCalendar: the event runs from the drop-off to the promised return (R4.7), the
    car's time at the workshop; every version of one appointment has its UID, a change a higher
    SEQUENCE, a cancellation METHOD:CANCEL, so calendars update the event they already hold."""
    dealership = appointment.dealership
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Dealership service desk//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = icalendar.Event()
    event.add("uid", f"appointment-{appointment.id}@{dealership.slug}")
    event.add("sequence", sequence)
    event.add("dtstamp", now)  # RFC 5545: when this version of the invitation was made
    event.add("summary", summary)
    event.add("dtstart", appointment.drop_off_at)
    event.add("dtend", appointment.promised_return_at)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add(
        "location", ", ".join(part for part in (dealership.name, dealership.street, dealership.city) if part)
    )
    event.add("description", description)
    calendar.add_component(event)
    return bytes(calendar.to_ical())
