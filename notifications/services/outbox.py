"""Writing the outbox: the messages a booking, a move, a cancellation or a one-time code causes,
in the transaction of that change (the receivers in notifications.receivers call these).

A row is written with its kind, its subject and its due instant, in one INSERT that reads
nothing: the booking path is short. The channel (R2.7) and the language are chosen from the
customer file when the row is sent, and its words rendered then, so they say what is true then.
Moving or cancelling an appointment supersedes its rows still waiting, and writes the new ones.
"""

from datetime import datetime

from django.db import transaction
from phonenumber_field.phonenumber import PhoneNumber

from bookings.models import AccessCode, Appointment
from customers.models import Customer
from dealerships.models import Dealership
from dealerships.tenant_integrity import dangerously_vouch_same_dealership
from notifications import schedule
from notifications.models import MessageChannel, MessageKind, MessageStatus, MessageTemplate, OutboxMessage
from notifications.rendering import text_render

# Caused by one change, so keyed by instant rather than by day (schedule.idempotency_key).
PER_INSTANT = frozenset({MessageKind.RESCHEDULED, MessageKind.CANCELLED, MessageKind.ACCESS_CODE})


def customer_language(customer: Customer, dealership: Dealership) -> str:
    return customer.language or dealership.language


def phone_text(number: object) -> str:
    """A stored phone number as E.164 text, "" for none. It is not validated again: it was when
    it was written, and str() or bool() of a PhoneNumber runs the whole validation every time,
    which the dispatcher would pay several times a message."""
    if isinstance(number, PhoneNumber) and number.national_number:
        return number.as_e164
    return ""


def customer_contact(customer: Customer) -> schedule.Contact:
    mobile = phone_text(customer.mobile_phone)
    return schedule.Contact(
        preferred=customer.preferred_contact,
        has_mobile=bool(mobile),
        has_email=bool(customer.email),
        has_phone=bool(mobile or phone_text(customer.other_phone)),
    )


def _message(*, appointment: Appointment, kind: str, due: datetime) -> OutboxMessage:
    dealership = appointment.dealership
    row = OutboxMessage(
        dealership=dealership,
        customer_id=appointment.customer_id,
        appointment=appointment,
        kind=kind,
        due_at=due,
        next_attempt_at=due,
        idempotency_key=schedule.idempotency_key(
            subject=f"appointment:{appointment.id}",
            kind=kind,
            due=due,
            tz=dealership.tz,
            per_instant=kind in PER_INSTANT,
        ),
    )
    # The appointment's customer is of the appointment's dealership (checked when it was
    # written): the INSERT need not read it again.
    dangerously_vouch_same_dealership(row, "customer")
    return row


def _reminders(appointment: Appointment, *, now: datetime) -> list[OutboxMessage]:
    """The day-before (R5.4) and the one-hour (R5.5) confirmations the appointment's time calls for."""
    rows = []
    tz = appointment.dealership.tz
    day_before = schedule.day_before_due(drop_off=appointment.drop_off_at, tz=tz, now=now)
    if day_before is not None:
        rows.append(_message(appointment=appointment, kind=MessageKind.DAY_BEFORE, due=day_before))
    hour_before = schedule.hour_before_due(drop_off=appointment.drop_off_at, now=now)
    if hour_before is not None:
        rows.append(_message(appointment=appointment, kind=MessageKind.HOUR_BEFORE, due=hour_before))
    return rows


def _write(rows: list[OutboxMessage], *, now: datetime) -> list[OutboxMessage]:
    """One INSERT for all the rows; one already there (same subject, kind and due date) is kept."""
    if rows:
        OutboxMessage.objects.bulk_create(rows, ignore_conflicts=True)
        if any(row.due_at <= now for row in rows):
            transaction.on_commit(_send_soon, robust=True)
    return rows


def _send_soon() -> None:
    # After the commit, so the worker finds the rows; `robust`: a broker that is away costs
    # nothing but the wait for the next periodic scan.
    from notifications.tasks import outbox_send_task

    outbox_send_task.delay()


def appointment_booked_messages(*, appointment: Appointment, now: datetime) -> list[OutboxMessage]:
    """The booking confirmation at once (phone, web and API bookings alike), and the reminders."""
    rows = [
        _message(appointment=appointment, kind=MessageKind.BOOKING_CONFIRMATION, due=now),
        *_reminders(appointment, now=now),
    ]
    return _write(rows, now=now)


def _supersede_waiting(appointment: Appointment, *, now: datetime) -> int:
    return (
        OutboxMessage.objects.for_dealership(appointment.dealership)
        .filter(appointment=appointment, status=MessageStatus.PENDING)
        .update(status=MessageStatus.SUPERSEDED, claimed_until=None, updated_at=now)
    )


def appointment_moved_messages(*, appointment: Appointment, now: datetime) -> list[OutboxMessage]:
    """The messages still waiting for the old time are superseded; the new time is told at once
    and gets its own reminders."""
    _supersede_waiting(appointment, now=now)
    rows = [
        _message(appointment=appointment, kind=MessageKind.RESCHEDULED, due=now),
        *_reminders(appointment, now=now),
    ]
    return _write(rows, now=now)


def appointment_cancelled_messages(*, appointment: Appointment, now: datetime) -> list[OutboxMessage]:
    """Nothing more is sent about a cancelled appointment but the notice that it is cancelled."""
    _supersede_waiting(appointment, now=now)
    return _write([_message(appointment=appointment, kind=MessageKind.CANCELLED, due=now)], now=now)


def access_code_message(
    *, access_code: AccessCode, code: str, channel: str, to: str, minutes: int, now: datetime
) -> OutboxMessage:
    """The one-time code of the online booking, at once, where the customer asked for it (`to`:
    the e-mail address or the phone number they typed, as on their file). Its words are
    rendered now, since the code itself is never stored anywhere else."""
    customer, dealership = access_code.customer, access_code.dealership
    language = customer_language(customer, dealership)
    by_email = channel == MessageChannel.EMAIL
    subject, body = text_render(
        kind=MessageKind.ACCESS_CODE,
        dealership=dealership,
        language=language,
        context={"code": code, "minutes": minutes, "customer": customer},
        override=MessageTemplate.objects.for_dealership(dealership)
        .filter(kind=MessageKind.ACCESS_CODE, language=language)
        .first(),
    )
    row = OutboxMessage(
        dealership=dealership,
        customer=customer,
        kind=MessageKind.ACCESS_CODE,
        channel=MessageChannel.EMAIL if by_email else MessageChannel.SMS,
        language=language,
        due_at=now,
        next_attempt_at=now,
        idempotency_key=schedule.idempotency_key(
            subject=f"access-code:{access_code.id}",
            kind=MessageKind.ACCESS_CODE,
            due=now,
            tz=dealership.tz,
            per_instant=True,
        ),
        recipient=to,
        subject=subject,
        rendered_text=body,
    )
    _write([row], now=now)
    return row
