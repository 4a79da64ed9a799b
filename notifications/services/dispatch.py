"""Sending the outbox: claim the due rows in bounded batches, check each again against what it is
about, send it through its channel and record how it went.

A claim is a lease: the row is the claiming worker's until `claimed_until`, so two workers never
send one row, and a worker killed mid-batch loses nothing (its rows come due again when the
lease runs out). On PostgreSQL the claim is `SELECT ... FOR UPDATE SKIP LOCKED`, so concurrent
workers take different rows without waiting; elsewhere a conditional UPDATE that must change
exactly one row. Outcomes are written up to a hundred at a time (Recorder); a row whose worker
died before writing its outcome comes back "in doubt", and Twilio is asked whether it took the
message before it is sent again, so an SMS is sent once. (An e-mail in doubt is sent again.)
"""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Field, Q
from django.utils.translation import gettext_noop

from bookings.models import Appointment, AppointmentStatus, AppointmentTransition
from bookings.models import Channel as BookingChannel
from dealerships.models import Dealership
from notifications import schedule
from notifications.channels import (
    Outgoing,
    PermanentSendError,
    TransientSendError,
    TwilioAccount,
    console_send,
    email_send,
    twilio_send,
    twilio_sent_lookup,
)
from notifications.models import (
    MessageChannel,
    MessageKind,
    MessageStatus,
    MessageTemplate,
    MessagingSettings,
    OutboxMessage,
)
from notifications.rendering import (
    INVITATION_KINDS,
    Rendered,
    appointment_message_render,
    public_url,
    status_callback_path,
)
from notifications.services.outbox import customer_contact, customer_language, phone_text

logger = logging.getLogger(__name__)


def claim_lease() -> timedelta:
    """How long a claim holds (settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS)."""
    return timedelta(seconds=settings.NOTIFICATIONS_CLAIM_LEASE_SECONDS)


# Messages a customer is waiting for, or that are tied to the appointment's own time: they go
# during the quiet hours too. The others wait for the morning.
QUIET_HOURS_EXEMPT = frozenset(
    {MessageKind.ACCESS_CODE, MessageKind.BOOKING_CONFIRMATION, MessageKind.HOUR_BEFORE}
)
# What the desk says on the call that books, moves or cancels, and what a customer who does
# it online sees on the page: no call is queued to say it again.
NO_CALL_NEEDED = frozenset({MessageKind.BOOKING_CONFIRMATION, MessageKind.RESCHEDULED, MessageKind.CANCELLED})
# The opt-out and the consents are for the messages a dealership sends of its own accord; a
# code the customer has just asked for on the booking page is the answer to that request.
ASKED_FOR = frozenset({MessageKind.ACCESS_CODE})


def _due(now: datetime) -> Q:
    # A row is claimed only once it is due, and the claim leaves next_attempt_at as it was: an
    # abandoned claim is due by it too. So every due row is in one range of the partial index on
    # next_attempt_at, which the claim reads in its order and stops after a batch (with the
    # status test alone outside the range, PostgreSQL scanned and sorted the whole table).
    waiting = Q(status=MessageStatus.PENDING)
    abandoned = Q(status=MessageStatus.SENDING, claimed_until__lte=now)  # its worker died
    return Q(next_attempt_at__lte=now) & (waiting | abandoned)


def outbox_due_count_across_dealerships(*, now: datetime) -> int:
    """How many rows are due now, for the periodic scan to size its fan-out (every dealership:
    the workers serve them all)."""
    return OutboxMessage.objects.filter(_due(now)).count()


def outbox_claim_across_dealerships(*, now: datetime, limit: int) -> list[int]:
    """Claim up to `limit` due rows of any dealership for this worker, oldest first. A row whose
    last worker died with it claimed is marked in doubt: it may have gone out already."""
    until = now + claim_lease()
    claim = {"status": MessageStatus.SENDING, "claimed_until": until, "updated_at": now}
    # Oldest first, in the index's order: a tie-break on id would sort every due row again.
    candidates = OutboxMessage.objects.filter(_due(now)).order_by("next_attempt_at")
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            found = list(candidates.select_for_update(skip_locked=True).values_list("id", "status")[:limit])
            abandoned = [message_id for message_id, status in found if status == MessageStatus.SENDING]
            OutboxMessage.objects.filter(id__in=[message_id for message_id, _ in found]).update(**claim)
            if abandoned:
                OutboxMessage.objects.filter(id__in=abandoned).update(in_doubt=True)
        return [message_id for message_id, _ in found]
    claimed = []
    for message_id, status in candidates.values_list("id", "status")[:limit]:
        # Another worker may have claimed it since it was read: then this UPDATE changes nothing.
        changed = OutboxMessage.objects.filter(_due(now), id=message_id, status=status).update(
            **claim, in_doubt=status == MessageStatus.SENDING
        )
        if changed == 1:
            claimed.append(message_id)
    return claimed


@dataclass(frozen=True, kw_only=True, slots=True)
class Verdict:
    """What to do with a claimed row now: send it, withdraw it saying why, or wait until."""

    withdraw: str = ""
    wait_until: datetime | None = None


SEND = Verdict()


def _twilio_account(rules: MessagingSettings) -> TwilioAccount:
    # Each dealership may bring its own account and senders; the environment's otherwise.
    own = bool(rules.twilio_account_sid and rules.twilio_auth_token)
    return TwilioAccount(
        account_sid=rules.twilio_account_sid if own else settings.TWILIO_ACCOUNT_SID,
        auth_token=rules.twilio_auth_token if own else settings.TWILIO_AUTH_TOKEN,
        sms_from=rules.sms_from or settings.TWILIO_FROM_NUMBER,
        messaging_service_sid=rules.messaging_service_sid or settings.TWILIO_MESSAGING_SERVICE_SID,
        whatsapp_from=rules.whatsapp_from or settings.TWILIO_WHATSAPP_FROM,
    )


def _channel_now(message: OutboxMessage, *, account: TwilioAccount) -> str | None:
    """R2.7: the customer's preferred contact method, or the next one the file allows; a booking
    made online is confirmed by e-mail where there is an address, for its invitation. A text
    goes by WhatsApp instead of SMS where the dealership has a WhatsApp sender and the customer
    consented to it."""
    appointment = message.appointment
    online_booking = (
        message.kind == MessageKind.BOOKING_CONFIRMATION
        and appointment is not None
        and appointment.channel == BookingChannel.WEB
    )
    channel = schedule.channel_for(customer_contact(message.customer), invitation_wanted=online_booking)
    if channel == MessageChannel.SMS and message.customer.consent_service_whatsapp and account.whatsapp_from:
        return MessageChannel.WHATSAPP
    return channel


def _verdict(message: OutboxMessage, *, to: str, rules: MessagingSettings, now: datetime) -> Verdict:
    """The row checked again against its subject, the customer's file and the dealership's rules
    (`to`: its recipient now)."""
    customer = message.customer
    if message.kind not in ASKED_FOR:
        if customer.opted_out_at is not None and message.channel != MessageChannel.PHONE:
            return Verdict(withdraw=gettext_noop("The customer has stopped all messages."))
        if message.channel == MessageChannel.SMS and not customer.consent_service_sms:
            return Verdict(withdraw=gettext_noop("No consent to service messages by SMS."))
        if message.channel == MessageChannel.WHATSAPP and not customer.consent_service_whatsapp:
            return Verdict(withdraw=gettext_noop("No consent to service messages by WhatsApp."))
        if message.channel == MessageChannel.EMAIL and not customer.consent_service_email:
            return Verdict(withdraw=gettext_noop("No consent to service messages by e-mail."))
    if not message.channel:
        return Verdict(withdraw=gettext_noop("The customer file has no mobile number, e-mail or phone."))
    if message.channel == MessageChannel.PHONE and message.kind in NO_CALL_NEEDED:
        return Verdict(
            withdraw=gettext_noop("No call: the customer made or heard of this change themselves.")
        )
    if not to:
        return Verdict(withdraw=gettext_noop("The customer file has no address for this channel."))
    appointment = message.appointment
    if appointment is not None:
        withdrawn = _appointment_verdict(message, appointment, rules=rules, now=now)
        if withdrawn:
            return Verdict(withdraw=withdrawn)
    if message.kind not in QUIET_HOURS_EXEMPT:
        until = schedule.quiet_until(
            now=now, tz=message.dealership.tz, start=rules.quiet_hours_start, end=rules.quiet_hours_end
        )
        if until is not None:
            return Verdict(wait_until=until)
    return SEND


def _appointment_verdict(
    message: OutboxMessage, appointment: Appointment, *, rules: MessagingSettings, now: datetime
) -> str:
    kind, status = message.kind, appointment.status
    if kind == MessageKind.CANCELLED:
        return ""
    if status == AppointmentStatus.CANCELLED:
        return gettext_noop("The appointment was cancelled.")
    if kind in (MessageKind.DAY_BEFORE, MessageKind.HOUR_BEFORE):
        if appointment.drop_off_at <= now:
            return gettext_noop("Too late: the appointment has begun.")
        if kind == MessageKind.DAY_BEFORE:
            tz = appointment.dealership.tz
            if now.astimezone(tz).date() >= appointment.drop_off_at.astimezone(tz).date():
                return gettext_noop("Too late: the day before has passed.")
            if not rules.day_before_enabled:
                return gettext_noop("The dealership sends no day-before confirmation.")
            if status != AppointmentStatus.BOOKED:
                return gettext_noop("The appointment is confirmed already.")
            ahead = appointment.drop_off_at - appointment.created_at
            if rules.day_before_min_days_ahead and ahead <= timedelta(days=rules.day_before_min_days_ahead):
                return gettext_noop(
                    "Booked too shortly before the appointment for a day-before confirmation."
                )
            due = schedule.day_before_instant(drop_off=appointment.drop_off_at, tz=appointment.dealership.tz)
        else:
            if not rules.hour_before_enabled:
                return gettext_noop("The dealership sends no arrival confirmation.")
            if status not in (AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED):
                return gettext_noop("The customer has arrived already.")
            due = appointment.drop_off_at - schedule.HOUR_BEFORE
        if due != message.due_at:
            return gettext_noop("The appointment has moved.")
    return ""


def _recipient(message: OutboxMessage) -> str:
    if message.recipient:
        return message.recipient
    customer = message.customer
    if message.channel == MessageChannel.EMAIL:
        return customer.email
    if message.channel == MessageChannel.PHONE:
        return phone_text(customer.mobile_phone) or phone_text(customer.other_phone)
    return phone_text(customer.mobile_phone)


@dataclass(frozen=True, kw_only=True, slots=True)
class Sender:
    """A dealership's rules and ways out, the same for every row of it in a batch."""

    rules: MessagingSettings
    account: TwilioAccount
    status_callback: str


@dataclass(frozen=True, kw_only=True, slots=True)
class Batch:
    """Everything the claimed rows of a batch need to be checked, rendered and sent, read in a
    fixed number of queries whatever its size (outbox_batch_load)."""

    messages: list[OutboxMessage]  # each with its dealership, customer, appointment and vehicle
    senders: dict[int, Sender]  # by dealership id
    reschedules: dict[int, int]  # times each invitation's appointment moved, by appointment id
    overrides: dict[tuple[int, str, str], MessageTemplate]  # by (dealership id, kind, language)


def outbox_batch_load(*, message_ids: list[int]) -> Batch:
    """The rows of `message_ids` still claimed, oldest first, with what they are about: four
    queries, five when the batch holds a message with a calendar invitation."""
    messages = list(
        OutboxMessage.objects.filter(id__in=message_ids, status=MessageStatus.SENDING)
        .select_related("customer", "appointment", "appointment__vehicle")
        .order_by("next_attempt_at", "id")
    )
    # A batch has a few hundred rows of a few dealerships: each dealership is read once, not
    # joined to every row, and is the same instance for its messages, customers and appointments.
    dealerships = Dealership.objects.in_bulk({message.dealership_id for message in messages})
    for message in messages:
        dealership = dealerships[message.dealership_id]
        message.dealership = message.customer.dealership = dealership
        if message.appointment is not None:
            message.appointment.dealership = dealership
    rules = {
        row.dealership_id: row
        for row in MessagingSettings.objects.filter(dealership_id__in=list(dealerships))
    }
    invitations = [
        message.appointment_id
        for message in messages
        if message.kind in INVITATION_KINDS and message.appointment_id is not None
    ]
    reschedules = (
        dict(
            AppointmentTransition.objects.filter(
                appointment_id__in=invitations, kind=AppointmentTransition.Kind.RESCHEDULED
            )
            .values("appointment_id")
            .annotate(count=Count("id"))
            .values_list("appointment_id", "count")
        )
        if invitations
        else {}
    )
    overrides = {
        (template.dealership_id, template.kind, template.language): template
        for template in MessageTemplate.objects.filter(dealership_id__in=list(dealerships))
    }
    return Batch(
        messages=messages,
        senders={
            dealership.id: _sender(dealership, rules.get(dealership.id))
            for dealership in dealerships.values()
        },
        reschedules=reschedules,
        overrides=overrides,
    )


def _sender(dealership: Dealership, rules: MessagingSettings | None) -> Sender:
    rules = rules or MessagingSettings(dealership=dealership)  # no row: the manuals' defaults
    return Sender(
        rules=rules,
        account=_twilio_account(rules),
        status_callback=public_url(status_callback_path(dealership.slug)),
    )


def _render(message: OutboxMessage, *, now: datetime, batch: Batch) -> Rendered:
    if message.appointment is None:  # rendered when it was written (a one-time code)
        return Rendered(subject=message.subject, body=message.rendered_text)
    sequence = batch.reschedules.get(message.appointment.id, 0)
    if message.kind == MessageKind.CANCELLED:
        sequence += 1  # the cancellation is the event's last version
    return appointment_message_render(
        kind=message.kind,
        channel=message.channel,
        language=message.language,
        appointment=message.appointment,
        customer=message.customer,
        now=now,
        sequence=sequence,
        override=batch.overrides.get((message.dealership_id, message.kind, message.language)),
    )


def _send(message: OutboxMessage, rendered: Rendered, *, to: str, sender: Sender) -> str:
    account = sender.account
    outgoing = Outgoing(
        reference=message.id,
        to=to,
        body=rendered.body,
        subject=rendered.subject,
        attachments=rendered.attachments,
        status_callback=sender.status_callback,
    )
    if message.channel == MessageChannel.EMAIL:
        return email_send(outgoing)
    if not account.configured:
        return console_send(outgoing, channel=message.channel)
    return twilio_send(outgoing, account=account, whatsapp=message.channel == MessageChannel.WHATSAPP)


def _already_sent(message: OutboxMessage, rendered: Rendered, *, to: str, account: TwilioAccount) -> str:
    """For a row in doubt, the id of the message the provider already has, or "". Only Twilio
    can be asked; an e-mail or a console line in doubt is sent again (at most once more)."""
    if not message.in_doubt or message.channel == MessageChannel.EMAIL or not account.configured:
        return ""
    since = message.updated_at - claim_lease() - timedelta(minutes=1)
    return twilio_sent_lookup(
        to=to,
        body=rendered.body,
        since=since,
        account=account,
        whatsapp=message.channel == MessageChannel.WHATSAPP,
    )


RECORDED_FIELDS = (
    "status",
    "attempts",
    "next_attempt_at",
    "claimed_until",
    "in_doubt",
    "channel",
    "language",
    "recipient",
    "subject",
    "rendered_text",
    "provider_id",
    "error",
    "sent_at",
    "updated_at",
)
# Outcomes are written this many at a time, or after this long, whichever comes first: one
# statement for many rows. A worker killed before writing them leaves those rows in doubt.
RECORD_EVERY = 100
RECORD_AFTER_SECONDS = 1.0


class Recorder:
    """The outcomes of a batch, written a few dozen at a time, each only while its row is still
    this worker's claim. On PostgreSQL the commit does not wait for the disk (synchronous_commit
    off, for these transactions only): a crash of the database itself could forget the last
    outcomes, and those rows come back in doubt, which Twilio is asked about before a resend."""

    def __init__(self) -> None:
        self.waiting: list[OutboxMessage] = []
        self.since = time.monotonic()

    def record(self, message: OutboxMessage, **fields: object) -> None:
        for name, value in {"claimed_until": None, "in_doubt": False, **fields}.items():
            setattr(message, name, value)
        self.waiting.append(message)
        if len(self.waiting) >= RECORD_EVERY or time.monotonic() - self.since >= RECORD_AFTER_SECONDS:
            self.flush()

    def flush(self) -> None:
        if self.waiting:
            fields = _recorded_fields()
            rows = [
                [
                    *(
                        field.get_db_prep_save(getattr(message, field.attname), connection)
                        for field in fields
                    ),
                    message.id,
                ]
                for message in self.waiting
            ]
            with transaction.atomic(), connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
                # One statement, many parameter rows: psycopg sends them in one pipeline.
                cursor.executemany(_record_sql(), rows)
        self.waiting, self.since = [], time.monotonic()


def _recorded_fields() -> "list[Field[Any, Any]]":
    by_name = {field.name: field for field in OutboxMessage._meta.concrete_fields}
    return [by_name[name] for name in RECORDED_FIELDS]


def _record_sql() -> str:
    quote = connection.ops.quote_name
    meta = OutboxMessage._meta
    assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in _recorded_fields())
    # Table and column names from the model, every value a parameter.
    return (
        f"UPDATE {quote(meta.db_table)} SET {assignments} "  # noqa: S608
        f"WHERE {quote('id')} = %s AND {quote('status')} = '{MessageStatus.SENDING.value}'"
    )


@dataclass(kw_only=True, slots=True)
class DispatchResult:
    sent: int = 0
    to_call: int = 0
    withdrawn: int = 0
    waiting: int = 0
    retrying: int = 0
    failed: int = 0

    @property
    def handled(self) -> int:
        return self.sent + self.to_call + self.withdrawn + self.waiting + self.retrying + self.failed


def outbox_deliver(*, message_ids: list[int], now: datetime) -> DispatchResult:
    """Check, render, send and record each claimed row (a row no longer claimed is skipped)."""
    result = DispatchResult()
    batch = outbox_batch_load(message_ids=message_ids)
    recorder = Recorder()
    for message in batch.messages:
        try:
            _deliver_one(
                message,
                sender=batch.senders[message.dealership_id],
                batch=batch,
                now=now,
                result=result,
                recorder=recorder,
            )
        except Exception:  # one broken row must not stop the batch: it is retried like a timeout
            logger.exception("outbox message %s could not be sent", message.id)
            message.attempts += 1
            _retry_or_fail(
                message, error="Unexpected error while sending.", now=now, result=result, recorder=recorder
            )
    recorder.flush()
    return result


def _deliver_one(
    message: OutboxMessage,
    *,
    sender: Sender,
    batch: Batch,
    now: datetime,
    result: DispatchResult,
    recorder: Recorder,
) -> None:
    account = sender.account
    chosen = not message.channel  # chosen now: this row is being sent for the first time
    if chosen:
        message.channel = _channel_now(message, account=account) or ""
        message.language = customer_language(message.customer, message.dealership)
    to = _recipient(message)
    verdict = _verdict(message, to=to, rules=sender.rules, now=now)
    if verdict.withdraw:
        recorder.record(
            message,
            status=MessageStatus.WITHDRAWN,
            error=verdict.withdraw,
            channel=message.channel,
            language=message.language,
            updated_at=now,
        )
        result.withdrawn += 1
        return
    if verdict.wait_until is not None:
        # The channel is chosen again when the wait is over: the file may change meanwhile.
        recorder.record(
            message,
            status=MessageStatus.PENDING,
            next_attempt_at=verdict.wait_until,
            **({"channel": "", "language": ""} if chosen else {}),
            updated_at=now,
        )
        result.waiting += 1
        return
    rendered = _render(message, now=now, batch=batch)
    written = {
        "channel": message.channel,
        "language": message.language,
        "recipient": to,
        "subject": rendered.subject[:200],
        "rendered_text": rendered.body,
        "updated_at": now,
    }
    if message.channel == MessageChannel.PHONE:
        # The operators' queue reads these rows: the text is what to tell the customer.
        recorder.record(message, status=MessageStatus.TO_CALL, **written)
        result.to_call += 1
        return
    attempts = message.attempts + 1
    try:
        provider_id = _already_sent(message, rendered, to=to, account=account) or _send(
            message, rendered, to=to, sender=sender
        )
    except PermanentSendError as error:
        recorder.record(
            message, status=MessageStatus.FAILED, attempts=attempts, error=str(error)[:300], **written
        )
        result.failed += 1
        return
    except TransientSendError as error:
        message.attempts = attempts
        _retry_or_fail(message, error=str(error), now=now, result=result, recorder=recorder)
        return
    recorder.record(
        message,
        status=MessageStatus.SENT,
        attempts=attempts,
        provider_id=provider_id[:64],
        sent_at=now,
        error="",
        **written,
    )
    result.sent += 1


def _retry_or_fail(
    message: OutboxMessage, *, error: str, now: datetime, result: DispatchResult, recorder: Recorder
) -> None:
    """Transient: try again after the backoff, until the attempts run out."""
    if message.attempts >= settings.NOTIFICATIONS_MAX_ATTEMPTS:
        recorder.record(
            message,
            status=MessageStatus.FAILED,
            attempts=message.attempts,
            error=f"Gave up after {message.attempts} attempts: {error}"[:300],
            updated_at=now,
        )
        result.failed += 1
        return
    recorder.record(
        message,
        status=MessageStatus.PENDING,
        attempts=message.attempts,
        next_attempt_at=now + schedule.retry_wait(message.attempts),
        error=error[:300],
        updated_at=now,
    )
    result.retrying += 1


def outbox_dispatch_across_dealerships(*, now: datetime, limit: int) -> DispatchResult:
    """Claim one batch of due rows (every dealership's) and deliver it."""
    return outbox_deliver(message_ids=outbox_claim_across_dealerships(now=now, limit=limit), now=now)
