"""A message's words, in the customer's language with the dealership's local dates and times, and
the calendar invitation of an e-mail about a booking, a change or a cancellation."""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from functools import cache
from typing import Any

import icalendar
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext, gettext_noop

from bookings.models import Appointment, Document
from bookings.self_service import manage_token
from customers.models import Customer, Vehicle
from dealerships.models import Dealership
from dealerships.templatetags.local_formats import long_day, long_day_time
from notifications import templating
from notifications.channels import Attachment
from notifications.models import MessageChannel, MessageKind, MessageTemplate

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
    *,
    kind: str,
    dealership: Dealership,
    language: str,
    context: dict[str, Any],
    with_subject: bool = True,
    override: MessageTemplate | None = None,
) -> tuple[str, str]:
    """The subject (an e-mail's; "" without `with_subject`) and the body of a message of `kind`,
    in `language`, local times in the dealership's zone: the dealership's own text where it has
    one (`override`, with its placeholders filled), the built-in one otherwise."""
    with translation.override(language), timezone.override(dealership.tz):
        full = {"dealership": dealership, **context}
        values = placeholder_values(kind=kind, dealership=dealership, context=context) if override else {}
        if override is not None:
            body = templating.fill(override.body, values).strip()
        else:
            body = render_to_string(f"notifications/messages/{kind}.txt", full).strip()
        if not with_subject:
            subject = ""
        elif override is not None and override.subject:
            subject = templating.fill(override.subject, values).strip()
        else:
            subject = render_to_string(f"notifications/messages/{kind}_subject.txt", full).strip()
    return subject, body


def _reply_hint(kind: str) -> str:
    if kind == MessageKind.HOUR_BEFORE:
        return gettext("Reply 1 if you are on your way, 2 to cancel, 3 to ask for another time.")
    return gettext("Reply 1 to confirm, 2 to cancel, 3 to ask for another time.")


def placeholder_values(*, kind: str, dealership: Dealership, context: dict[str, Any]) -> dict[str, str]:
    """What each placeholder of a dealership's own text says, in the active language and zone
    (text_render sets both)."""
    customer = context.get("customer")
    values = {"dealership": dealership.name, "customer": customer.display_name if customer else ""}
    if kind == MessageKind.ACCESS_CODE:
        return values | {"code": str(context.get("code", "")), "minutes": str(context.get("minutes", ""))}
    drop_off = timezone.localtime(context["drop_off"])
    ready = context.get("promised_return")
    return values | {
        "vehicle": str(context.get("vehicle") or ""),
        "when": long_day_time(drop_off),
        "date": long_day(drop_off),
        "time": formats.time_format(drop_off, "TIME_FORMAT"),
        "ready": long_day_time(timezone.localtime(ready)) if ready else "",
        "documents": ", ".join(context.get("documents") or ()),
        "manage_link": context.get("manage_url") or "",
        "phone": dealership.phone.as_international if dealership.phone else "",
        "reply_hint": _reply_hint(kind) if context.get("ask_reply") else "",
    }


# The short built-in message of each kind, as a starting point for a dealership's own text
# (already translated: these are the msgids of templates/notifications/messages/).
STARTING_TEXTS: dict[str, tuple[str, dict[str, str], str]] = {
    MessageKind.BOOKING_CONFIRMATION: (
        gettext_noop("%(dealership)s: your appointment is booked for %(when)s (%(vehicle)s)."),
        {},
        " {reply_hint} {manage_link}",
    ),
    MessageKind.DAY_BEFORE: (
        gettext_noop("%(dealership)s: we expect you tomorrow, %(when)s (%(vehicle)s)."),
        {},
        " {reply_hint}",
    ),
    MessageKind.HOUR_BEFORE: (
        gettext_noop("%(dealership)s: we expect you today at %(when)s with your %(vehicle)s."),
        {"when": "time"},
        " {reply_hint}",
    ),
    MessageKind.RESCHEDULED: (
        gettext_noop("%(dealership)s: your appointment has moved to %(when)s (%(vehicle)s)."),
        {},
        " {reply_hint}",
    ),
    MessageKind.CANCELLED: (
        gettext_noop("%(dealership)s: your appointment of %(when)s for your %(vehicle)s is cancelled."),
        {},
        "",
    ),
    MessageKind.ACCESS_CODE: (
        gettext_noop(
            "Your code to book a service at %(dealership)s: %(code)s. It is valid for %(minutes)s minutes."
        ),
        {},
        "",
    ),
}

# The kinds a dealership may reword: those with a built-in text above (the follow-up messages
# are worded by the follow-up rules' own texts).
EDITABLE_KINDS = tuple(kind for kind in MessageKind if kind in STARTING_TEXTS)


def starting_text(*, kind: str, language: str) -> str:
    """The built-in short message of `kind` in `language`, written with placeholders."""
    message, renames, tail = STARTING_TEXTS[kind]
    with translation.override(language):
        return templating.from_catalogue(gettext(message), renames) + tail


def sample_render(
    *, kind: str, dealership: Dealership, language: str, override: MessageTemplate | None, now: datetime
) -> tuple[str, str]:
    """A message of `kind` for a made-up appointment at 9:00 on the next working day, as an SMS
    (the text the segment counter counts) and the e-mail's subject: the editor's preview."""
    with translation.override(language):
        customer = Customer(dealership=dealership, given_name="Maria", family_name="Rossi", language=language)
        vehicle = Vehicle(
            dealership=dealership, customer=customer, make="Fiat", model="Panda", plate="AB123CD"
        )
        local_day = now.astimezone(dealership.tz).date() + timedelta(days=1)
        while local_day.weekday() >= 5:
            local_day += timedelta(days=1)
        drop_off = datetime.combine(local_day, time(9, 0), tzinfo=dealership.tz)
        context: dict[str, Any] = {
            "customer": customer,
            "vehicle": vehicle,
            "drop_off": drop_off,
            "promised_return": drop_off + timedelta(hours=8),
            "documents": [str(Document.DRIVING_LICENCE.label), str(Document.SERVICE_BOOK.label)],
            "manage_url": public_url(f"/book/{dealership.slug}/…") if kind != MessageKind.CANCELLED else "",
            "email": False,
            "ask_reply": kind in ANSWERABLE,
            "code": "482913",
            "minutes": 15,
        }
    subject, body = text_render(
        kind=kind, dealership=dealership, language=language, context=context, override=override
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
    override: MessageTemplate | None = None,
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
        override=override,
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


def advisor_feed_ics(*, dealership: Dealership, appointments: list[Appointment], now: datetime) -> bytes:
    """An advisor's calendar: one event per appointment, from the drop-off to the promised
    return in UTC, with the UID of the invitations the customer got (stable per appointment).
    It says what the desk's day list says: the customer's name and the car, nothing more."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Dealership service desk//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", dealership.name)
    for appointment in appointments:
        event = icalendar.Event()
        event.add("uid", f"appointment-{appointment.id}@{dealership.slug}")
        event.add("dtstamp", now)
        event.add("last-modified", appointment.updated_at.astimezone(UTC))
        event.add("dtstart", appointment.drop_off_at.astimezone(UTC))
        event.add("dtend", appointment.promised_return_at.astimezone(UTC))
        event.add("summary", f"{appointment.customer.display_name} · {appointment.vehicle}")
        event.add("status", "CONFIRMED")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
