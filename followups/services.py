"""Writing follow-ups: the contacts the rules and events ask for (a call task for a customer who
prefers the phone, an outbox message otherwise: R2.7), the operators' claims and the outcomes of
their calls (R7.5), the rules and the satisfaction answers (R9.1).

Bad input raises ValidationError keyed by field, before anything is written; each service runs
in one transaction.
"""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Model, Q
from django.db.models.functions import Length
from django.utils.translation import gettext_lazy as _

from bookings.models import Appointment
from customers.models import Campaign, Customer, Vehicle
from dealerships.models import Dealership, User
from dealerships.ownership import ensure_owned_by
from followups import rules
from followups.messages import MessageItem, followup_messages_render, outbox_kind
from followups.models import (
    COMMENT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    REMINDER_KINDS,
    CallTask,
    ContactChannel,
    ContactOutcome,
    ContactRecord,
    DeclineReason,
    FollowupRules,
    Outcome,
    Priority,
    SatisfactionResponse,
    TaskKind,
    TaskStatus,
)
from followups.selectors import followup_rules_get, rule_settings
from notifications import schedule
from notifications.models import InboundReply, MessageStatus, OutboxMessage
from notifications.services import inbox

# An operator's claim holds this long; a claim left (a closed browser) lets the task go by itself.
CLAIM_LEASE = timedelta(minutes=30)
# A call back further ahead than this is a typing mistake.
CALL_BACK_LONGEST = timedelta(days=90)
# The outcomes that close a task; the others put it back in the queue (until the attempts run out).
CLOSING = frozenset({Outcome.REACHED, Outcome.BOOKED, Outcome.DECLINED, Outcome.WRONG_NUMBER})
# What a contact always needs a person for, whatever the customer's preferred channel.
CALL_ONLY = frozenset(
    {TaskKind.MESSAGE_FAILED, TaskKind.RESCHEDULE_REQUEST, TaskKind.ENQUIRY, TaskKind.MANUAL}
)
OPEN_STATUSES = (TaskStatus.OPEN, TaskStatus.CLAIMED)


# --- The contacts the rules ask for ----------------------------------------------------------


@dataclass(frozen=True, kw_only=True, slots=True)
class PlannedContact:
    """One contact a rule or an event asks for, before its channel is chosen."""

    kind: str
    customer_id: int
    key: str
    due_at: datetime
    vehicle_id: int | None = None
    appointment_id: int | None = None
    campaign_id: int | None = None
    message_id: int | None = None
    reply_id: int | None = None
    deadline_at: datetime | None = None
    priority: int = Priority.NORMAL


@dataclass(kw_only=True, slots=True)
class ContactsWritten:
    calls: int = 0
    messages: int = 0
    already: int = 0  # written by an earlier run
    unreachable: int = 0  # no phone, mobile or e-mail on file

    def add(self, other: "ContactsWritten") -> None:
        self.calls += other.calls
        self.messages += other.messages
        self.already += other.already
        self.unreachable += other.unreachable


@dataclass(frozen=True, kw_only=True, slots=True)
class ContactFacts:
    """What the customer file says about reaching the customer (R2.7), read without building
    the customer (a scan reads thousands)."""

    preferred: str
    has_mobile: bool
    has_email: bool
    has_other_phone: bool
    consent_sms: bool
    consent_email: bool
    opted_out: bool
    language: str
    given_name: str
    family_name: str

    @classmethod
    def of(cls, customer: Customer) -> "ContactFacts":
        return cls(
            preferred=customer.preferred_contact,
            has_mobile=bool(customer.mobile_phone),
            has_email=bool(customer.email),
            has_other_phone=bool(customer.other_phone),
            consent_sms=customer.consent_service_sms,
            consent_email=customer.consent_service_email,
            opted_out=customer.opted_out_at is not None,
            language=customer.language,
            given_name=customer.given_name,
            family_name=customer.family_name,
        )


def contact_channel(facts: ContactFacts) -> str | None:
    """R2.7: the customer's preferred contact method, or the next one the file and the consents
    allow; "phone" means a call task. None: no way to reach them."""
    messages_allowed = not facts.opted_out
    contact = schedule.Contact(
        preferred=facts.preferred,
        has_mobile=facts.has_mobile and messages_allowed and facts.consent_sms,
        has_email=facts.has_email and messages_allowed and facts.consent_email,
        has_phone=facts.has_mobile or facts.has_other_phone,
    )
    return schedule.channel_for(contact)


def _facts(dealership: Dealership, customer_ids: set[int]) -> dict[int, ContactFacts]:
    """The contact facts of the dealership's customers among `customer_ids`, in one query of
    plain values (a phone number is only asked whether it is there)."""
    rows = (
        Customer.objects.for_dealership(dealership)
        .filter(id__in=customer_ids)
        .annotate(
            mobile_length=Length("mobile_phone"),
            other_length=Length("other_phone"),
            email_length=Length("email"),
        )
        .values_list(
            "id",
            "preferred_contact",
            "mobile_length",
            "other_length",
            "email_length",
            "consent_service_sms",
            "consent_service_email",
            "opted_out_at",
            "language",
            "given_name",
            "family_name",
        )
    )
    return {
        row[0]: ContactFacts(
            preferred=row[1],
            has_mobile=bool(row[2]),
            has_other_phone=bool(row[3]),
            has_email=bool(row[4]),
            consent_sms=row[5],
            consent_email=row[6],
            opted_out=row[7] is not None,
            language=row[8],
            given_name=row[9],
            family_name=row[10],
        )
        for row in rows
    }


def _existing_keys(dealership: Dealership, keys: list[str]) -> set[str]:
    tasks = CallTask.objects.for_dealership(dealership).filter(idempotency_key__in=keys)
    records = ContactRecord.objects.for_dealership(dealership).filter(idempotency_key__in=keys)
    return set(tasks.values_list("idempotency_key", flat=True)) | set(
        records.values_list("idempotency_key", flat=True)
    )


def _insert_ignoring_conflicts(model: type[Model], rows: list[dict[str, Any]], *, now: datetime) -> None:
    """INSERT the rows in one pipelined statement; a row whose key is there already is skipped
    (ON CONFLICT DO NOTHING: PostgreSQL and SQLite). Plain values, prepared by the model's own
    fields; the caller vouches that every reference is of the row's dealership."""
    if not rows:
        return
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in fields)
    marks = ", ".join(["%s"] * len(fields))
    statement = (
        f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ({marks}) "  # noqa: S608
        "ON CONFLICT DO NOTHING"
    )
    defaults = {field.attname: field.get_default() for field in fields}
    defaults |= {"created_at": now, "updated_at": now}
    prepared = [
        [
            field.get_db_prep_save(row.get(field.attname, defaults[field.attname]), connection)
            for field in fields
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(statement, prepared)


def followup_contacts_write(
    *, dealership: Dealership, planned: Sequence[PlannedContact], now: datetime, scan: bool = False
) -> ContactsWritten:
    """Write each planned contact once (its key): a call task, or an outbox message and its
    contact record, on the customer's channel (R2.7). A contact written by an earlier run is
    skipped; the customers are read as plain values and the rows written in a few statements,
    for the scans' thousands."""
    result = ContactsWritten()
    if not planned:
        return result
    by_key = {contact.key: contact for contact in planned}
    existing = _existing_keys(dealership, list(by_key))
    fresh = [contact for key, contact in by_key.items() if key not in existing]
    result.already = len(by_key) - len(fresh)
    if not fresh:
        return result
    # Read through the dealership: every customer (and vehicle) written below is its own.
    facts = _facts(dealership, {contact.customer_id for contact in fresh})
    settings = rule_settings(followup_rules_get(dealership=dealership))
    tasks: list[dict[str, Any]] = []
    to_word: dict[str, list[tuple[PlannedContact, str, ContactFacts]]] = defaultdict(list)
    for contact in fresh:
        customer = facts.get(contact.customer_id)
        if customer is None:
            continue
        channel = ContactChannel.PHONE if contact.kind in CALL_ONLY else contact_channel(customer)
        if channel is None:
            result.unreachable += 1
        elif channel == ContactChannel.PHONE:
            tasks.append(_task_row(dealership, contact, max_attempts=settings.call_attempts))
        else:
            to_word[customer.language or dealership.language].append((contact, channel, customer))
    messages, records = _message_rows(dealership, to_word, fresh)
    # A scan's own transaction (not a booking's, which this may run inside): what it writes,
    # the next scan would write again, so its commit need not wait for the disk.
    relaxed = scan and connection.vendor == "postgresql" and not connection.in_atomic_block
    with transaction.atomic():
        if relaxed:
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        _insert_ignoring_conflicts(CallTask, tasks, now=now)
        if messages:
            _insert_ignoring_conflicts(OutboxMessage, messages, now=now)
            message_ids = dict(
                OutboxMessage.objects.for_dealership(dealership)
                .filter(idempotency_key__in=[message["idempotency_key"] for message in messages])
                .exclude(status=MessageStatus.SUPERSEDED)
                .values_list("idempotency_key", "id")
            )
            for record in records:
                record["message_id"] = message_ids.get(_message_key(record["idempotency_key"]))
            _insert_ignoring_conflicts(ContactRecord, records, now=now)
            if any(message["due_at"] <= now for message in messages):
                transaction.on_commit(_send_soon, robust=True)
    result.calls, result.messages = len(tasks), len(messages)
    return result


def _send_soon() -> None:
    # The messages due now go without waiting for the outbox's next periodic scan.
    from notifications.tasks import outbox_send_task

    outbox_send_task.delay()


def _message_rows(
    dealership: Dealership,
    to_word: dict[str, list[tuple[PlannedContact, str, ContactFacts]]],
    fresh: list[PlannedContact],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The outbox rows and contact records of the contacts sent by message, worded per language."""
    if not to_word:
        return [], []
    vehicle_ids = {contact.vehicle_id for contact in fresh if contact.vehicle_id is not None}
    labels = {
        vehicle_id: f"{make} {model}"
        for vehicle_id, make, model in Vehicle.objects.for_dealership(dealership)
        .filter(id__in=vehicle_ids)
        .values_list("id", "make", "model")
    }
    # The satisfaction question links to its answer page, signed for its visit.
    visit_ids = {
        contact.appointment_id
        for contact in fresh
        if contact.kind == TaskKind.SATISFACTION and contact.appointment_id is not None
    }
    visits = (
        Appointment.objects.for_dealership(dealership).select_related("dealership").in_bulk(visit_ids)
        if visit_ids
        else {}
    )
    messages: list[dict[str, Any]] = []
    records: list[dict[str, Any]] = []
    for language, contacts in to_word.items():
        items = [
            MessageItem(
                kind=contact.kind,
                customer=Customer(given_name=facts.given_name, family_name=facts.family_name),
                vehicle_label=labels.get(contact.vehicle_id, "") if contact.vehicle_id else "",
                appointment=visits.get(contact.appointment_id) if contact.appointment_id else None,
            )
            for contact, _channel, facts in contacts
        ]
        worded = followup_messages_render(dealership=dealership, language=language, items=items)
        for (contact, channel, _customer), (subject, body) in zip(contacts, worded, strict=True):
            messages.append(
                {
                    "dealership_id": dealership.id,
                    "customer_id": contact.customer_id,
                    "appointment_id": None,
                    "kind": outbox_kind(contact.kind),
                    "channel": channel,
                    "language": language,
                    "due_at": contact.due_at,
                    "next_attempt_at": contact.due_at,
                    "idempotency_key": _message_key(contact.key),
                    "subject": subject if channel == ContactChannel.EMAIL else "",
                    "rendered_text": body,
                }
            )
            records.append(
                {
                    "dealership_id": dealership.id,
                    "kind": contact.kind,
                    "customer_id": contact.customer_id,
                    "vehicle_id": contact.vehicle_id,
                    "appointment_id": contact.appointment_id,
                    "channel": channel,
                    "at": contact.due_at,
                    "outcome": ContactOutcome.MESSAGE_SENT,
                    "idempotency_key": contact.key,
                }
            )
    return messages, records


def _message_key(key: str) -> str:
    return f"followup:{key}"


def _task_row(dealership: Dealership, contact: PlannedContact, *, max_attempts: int) -> dict[str, Any]:
    return {
        "dealership_id": dealership.id,
        "kind": contact.kind,
        "customer_id": contact.customer_id,
        "vehicle_id": contact.vehicle_id,
        "appointment_id": contact.appointment_id,
        "campaign_id": contact.campaign_id,
        "message_id": contact.message_id,
        "reply_id": contact.reply_id,
        "due_at": contact.due_at,
        "deadline_at": contact.deadline_at,
        "next_attempt_at": contact.due_at,
        "priority": contact.priority,
        "max_attempts": max_attempts,
        "idempotency_key": contact.key,
    }


# --- Call tasks -------------------------------------------------------------------------------


def call_task_create(
    *,
    dealership: Dealership,
    kind: str,
    customer: Customer,
    now: datetime,
    due_at: datetime | None = None,
    vehicle: Vehicle | None = None,
    appointment: Appointment | None = None,
    campaign: Campaign | None = None,
    message: OutboxMessage | None = None,
    reply: InboundReply | None = None,
    priority: int = Priority.NORMAL,
    deadline_at: datetime | None = None,
    note: str = "",
    created_by: User | None = None,
    idempotency_key: str = "",
) -> CallTask:
    """A call task by hand (or for an event): due now unless `due_at`. With a key, a second call
    finds the first task."""
    ensure_owned_by(dealership, customer, vehicle, appointment, campaign, message, reply)
    errors: dict[str, Any] = {}
    if kind not in TaskKind.values:
        errors["kind"] = _("Choose a reason from the list.")
    if vehicle is not None and vehicle.customer_id not in (None, customer.id):
        errors["vehicle"] = _("This vehicle belongs to another customer.")
    if priority not in Priority.values:
        errors["priority"] = _("Choose a priority from the list.")
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = _("At most %(count)d characters.") % {"count": NOTE_MAX_LENGTH}
    due = due_at or now
    if deadline_at is not None and deadline_at < due:
        errors["deadline_at"] = _("The last day to call cannot come before the task is due.")
    if errors:
        raise ValidationError(errors)
    key = idempotency_key or f"{kind}:manual:{uuid.uuid4().hex}"
    settings = rule_settings(followup_rules_get(dealership=dealership))
    with transaction.atomic():
        task, _created = CallTask.objects.get_or_create(
            dealership=dealership,
            idempotency_key=key,
            defaults={
                "kind": kind,
                "customer": customer,
                "vehicle": vehicle,
                "appointment": appointment,
                "campaign": campaign,
                "message": message,
                "reply": reply,
                "due_at": due,
                "next_attempt_at": due,
                "deadline_at": deadline_at,
                "priority": priority,
                "max_attempts": settings.call_attempts,
                "note": note,
                "created_by": created_by,
            },
        )
    return task


def _claimable(now: datetime) -> Q:
    free = Q(status=TaskStatus.OPEN) | Q(status=TaskStatus.CLAIMED, claimed_until__lte=now)
    in_time = Q(deadline_at__isnull=True) | Q(deadline_at__gt=now)
    return free & in_time & Q(next_attempt_at__lte=now)


def _claim_fields(operator: User, now: datetime) -> dict[str, Any]:
    return {
        "status": TaskStatus.CLAIMED,
        "operator": operator,
        "claimed_at": now,
        "claimed_until": now + CLAIM_LEASE,
        "updated_at": now,
    }


def call_task_claim_next(*, dealership: Dealership, operator: User, now: datetime) -> CallTask | None:
    """The operator's next call: the task they hold still, else the next due one (due first, then
    priority), claimed for them so no other operator gets it. None: nothing is due."""
    mine = (
        CallTask.objects.for_dealership(dealership)
        .filter(status=TaskStatus.CLAIMED, operator=operator, claimed_until__gt=now)
        .order_by("claimed_at", "id")
        .first()
    )
    if mine is not None:
        return mine
    candidates = (
        CallTask.objects.for_dealership(dealership)
        .filter(_claimable(now))
        .order_by("next_attempt_at", "-priority", "id")
    )
    if connection.features.has_select_for_update_skip_locked:
        with transaction.atomic():
            task_id = candidates.select_for_update(skip_locked=True).values_list("id", flat=True).first()
            if task_id is None:
                return None
            CallTask.objects.filter(id=task_id).update(**_claim_fields(operator, now))
        return CallTask.objects.select_related("customer", "vehicle").get(id=task_id)
    for task_id in candidates.values_list("id", flat=True)[:20]:
        # Another operator may have claimed it since it was read: then this changes nothing.
        if CallTask.objects.filter(_claimable(now), id=task_id).update(**_claim_fields(operator, now)) == 1:
            return CallTask.objects.select_related("customer", "vehicle").get(id=task_id)
    return None


def _locked(dealership: Dealership, task: CallTask) -> CallTask:
    ensure_owned_by(dealership, task)
    return CallTask.objects.select_for_update().get(id=task.id, dealership=dealership)


def _holder_check(task: CallTask, operator: User, now: datetime) -> None:
    if task.is_closed:
        raise ValidationError({"task": _("This task is closed already.")}, code="closed")
    held_by_other = (
        task.status == TaskStatus.CLAIMED
        and task.operator_id != operator.id
        and task.claimed_until is not None
        and task.claimed_until > now
    )
    if held_by_other:
        raise ValidationError({"task": _("Another operator is working on this task.")}, code="held")


def call_task_claim(*, dealership: Dealership, task: CallTask, operator: User, now: datetime) -> CallTask:
    """Claim a given task (opened from the list): refused when another operator holds it."""
    with transaction.atomic():
        locked = _locked(dealership, task)
        _holder_check(locked, operator, now)
        for name, value in _claim_fields(operator, now).items():
            setattr(locked, name, value)
        locked.save(update_fields=["status", "operator", "claimed_at", "claimed_until", "updated_at"])
    return locked


def call_task_release(*, dealership: Dealership, task: CallTask, operator: User, now: datetime) -> CallTask:
    """Give the task back to the queue unworked (no attempt counted)."""
    with transaction.atomic():
        locked = _locked(dealership, task)
        _holder_check(locked, operator, now)
        if locked.status == TaskStatus.CLAIMED:
            locked.status, locked.operator, locked.claimed_at, locked.claimed_until = (
                TaskStatus.OPEN,
                None,
                None,
                None,
            )
            locked.save(update_fields=["status", "operator", "claimed_at", "claimed_until", "updated_at"])
    return locked


def _outcome_errors(
    *,
    dealership: Dealership,
    task: CallTask,
    outcome: str,
    now: datetime,
    call_back_at: datetime | None,
    decline_reason: str,
    note: str,
    booked_appointment: Appointment | None,
) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if outcome not in Outcome.values:
        errors["outcome"] = _("Choose an outcome from the list.")
    if outcome == Outcome.CALL_BACK:
        if call_back_at is None:
            errors["call_back_at"] = _("Say when to call back.")
        elif call_back_at <= now:
            errors["call_back_at"] = _("The call-back time is in the past.")
        elif call_back_at > now + CALL_BACK_LONGEST:
            errors["call_back_at"] = _("Call back within 90 days.")
    if outcome == Outcome.DECLINED and decline_reason not in DeclineReason.values:
        errors["decline_reason"] = _("Say why the customer declined.")
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = _("At most %(count)d characters.") % {"count": NOTE_MAX_LENGTH}
    if booked_appointment is not None:
        ensure_owned_by(dealership, booked_appointment)
        if booked_appointment.customer_id != task.customer_id:
            errors["booked_appointment"] = _("This booking is another customer's.")
    return errors


def call_task_outcome_record(
    *,
    dealership: Dealership,
    task: CallTask,
    operator: User,
    outcome: str,
    now: datetime,
    call_back_at: datetime | None = None,
    decline_reason: str = "",
    note: str = "",
    booked_appointment: Appointment | None = None,
    score: int | None = None,
    comment: str = "",
    concern: bool = False,
) -> CallTask:
    """Record how the call went (R7.5). No answer: the task comes back at another time of day
    until its attempts run out; call back: at the time agreed; the other outcomes close it, and
    the advisor's inbox item the task was made for (the reply asking for another time, the
    message that failed) leaves the inbox with it. A satisfaction call reached may carry the
    customer's answer (R9.1): recorded with the outcome, or neither is."""
    with transaction.atomic():
        locked = _locked(dealership, task)
        _holder_check(locked, operator, now)
        errors = _outcome_errors(
            dealership=dealership,
            task=locked,
            outcome=outcome,
            now=now,
            call_back_at=call_back_at,
            decline_reason=decline_reason,
            note=note,
            booked_appointment=booked_appointment,
        )
        errors |= _answer_errors(locked, outcome=outcome, score=score, comment=comment, concern=concern)
        if errors:
            raise ValidationError(errors)
        settings = rule_settings(followup_rules_get(dealership=dealership))
        locked.outcome = outcome
        locked.note = note or locked.note
        locked.decline_reason = decline_reason if outcome == Outcome.DECLINED else ""
        locked.operator = operator
        locked.claimed_until = None
        if outcome == Outcome.NO_ANSWER:
            locked.attempts = min(locked.attempts + 1, locked.max_attempts)
            retry = rules.next_attempt_after_no_answer(now=now, tz=dealership.tz, rules=settings)
            gave_up = locked.attempts >= locked.max_attempts or (
                locked.deadline_at is not None and retry > locked.deadline_at
            )
            if gave_up:
                _close(locked, TaskStatus.DONE, now)
            else:
                locked.status, locked.next_attempt_at = TaskStatus.OPEN, retry
        elif outcome == Outcome.CALL_BACK and call_back_at is not None:  # checked above
            locked.status, locked.call_back_at, locked.next_attempt_at = (
                TaskStatus.OPEN,
                call_back_at,
                call_back_at,
            )
        else:
            locked.booked_appointment = booked_appointment if outcome == Outcome.BOOKED else None
            _close(locked, TaskStatus.DONE, now)
        locked.save()
        ContactRecord.objects.create(
            dealership=dealership,
            kind=locked.kind,
            customer_id=locked.customer_id,
            vehicle_id=locked.vehicle_id,
            appointment_id=locked.appointment_id,
            call_task=locked,
            channel=ContactChannel.PHONE,
            at=now,
            operator=operator,
            outcome=outcome,
            decline_reason=locked.decline_reason,
            note=note,
            booked_appointment=locked.booked_appointment,
        )
        if score is not None:
            _answer_record(
                dealership, locked, operator=operator, score=score, comment=comment, concern=concern, now=now
            )
        if outcome in (Outcome.BOOKED, Outcome.DECLINED, Outcome.WRONG_NUMBER):
            _siblings_cancel(locked, now)
        # Only an outcome that settles the call settles the item too: after the last unanswered
        # attempt nobody has spoken to the customer, so the item stays for the advisor to see.
        if outcome in CLOSING:
            _inbox_items_handle(dealership, [(locked.reply_id, locked.message_id)], now)
    return locked


def _answer_errors(
    task: CallTask, *, outcome: str, score: int | None, comment: str, concern: bool
) -> dict[str, Any]:
    """The answer an operator takes down goes with a satisfaction call the customer took."""
    if score is None:
        return {"score": _("Give a score from 1 to 5.")} if comment.strip() or concern else {}
    if task.kind != TaskKind.SATISFACTION or task.appointment_id is None:
        return {"score": _("Only a satisfaction call takes a score.")}
    if outcome != Outcome.REACHED:
        return {"score": _("A score goes with the outcome “Reached”.")}
    return {}


def _answer_record(
    dealership: Dealership,
    task: CallTask,
    *,
    operator: User,
    score: int,
    comment: str,
    concern: bool,
    now: datetime,
) -> None:
    """The customer's answer taken on the call (R9.1), in the outcome's transaction: refused,
    it takes the outcome back with it. Rated already is the score's error, as the form shows it."""
    appointment = task.appointment  # satisfaction_record checks it is the dealership's
    if appointment is None:  # refused by _answer_errors before anything was written
        return
    try:
        satisfaction_record(
            dealership=dealership,
            appointment=appointment,
            score=score,
            comment=comment,
            concern=concern,
            channel=ContactChannel.PHONE,
            now=now,
            recorded_by=operator,
            call_task=task,
        )
    except ValidationError as refusal:
        raise ValidationError(
            {"score" if name == "appointment" else name: found for name, found in refusal.error_dict.items()}
        ) from None
    except IntegrityError:  # rated by link or by reply since it was checked
        raise ValidationError({"score": _("This visit has been rated already.")}) from None


def _close(task: CallTask, status: str, now: datetime) -> None:
    task.status, task.closed_at, task.claimed_until = status, now, None


def _inbox_items_handle(
    dealership: Dealership, links: Sequence[tuple[int | None, int | None]], now: datetime
) -> None:
    """The inbox items behind closed tasks, given as (reply id, message id) pairs, are handled:
    in the caller's transaction, so they leave the inbox only if the outcome is kept."""
    reply_ids = {reply_id for reply_id, _message_id in links if reply_id is not None}
    message_ids = {message_id for _reply_id, message_id in links if message_id is not None}
    inbox.replies_mark_handled(dealership=dealership, reply_ids=reply_ids, now=now)
    inbox.failures_mark_handled(dealership=dealership, message_ids=message_ids, now=now)


def _siblings_cancel(task: CallTask, now: datetime) -> None:
    """The other attempts about the same thing (R6.6's second and third) are no longer needed."""
    if task.appointment_id is None:
        return
    CallTask.objects.filter(
        dealership_id=task.dealership_id,
        kind=task.kind,
        appointment_id=task.appointment_id,
        status=TaskStatus.OPEN,
    ).exclude(id=task.id).update(status=TaskStatus.CANCELLED, closed_at=now, updated_at=now)


def call_tasks_expire(*, now: datetime) -> int:
    """Open tasks past their last day (a no-show 10 days ago, a delivery 2 days ago) are cancelled."""
    return CallTask.objects.filter(status=TaskStatus.OPEN, deadline_at__lte=now).update(
        status=TaskStatus.CANCELLED, closed_at=now, updated_at=now
    )


# --- A booking made after a reminder --------------------------------------------------------


def booking_attribute(*, appointment: Appointment, now: datetime) -> int:
    """Link the customer's recent reminders (of this vehicle, or of none) to the booking they led
    to; close their open reminder calls, and the booking operator's own claimed call, as booked.
    Returns how many contacts were linked."""
    dealership = appointment.dealership
    settings = rule_settings(followup_rules_get(dealership=dealership))
    since = now - timedelta(days=settings.attribution_days)
    same_vehicle = Q(vehicle_id=appointment.vehicle_id) | Q(vehicle__isnull=True)
    records = list(
        ContactRecord.objects.for_dealership(dealership)
        .filter(same_vehicle, customer_id=appointment.customer_id, kind__in=REMINDER_KINDS)
        .filter(booked_appointment__isnull=True, at__gte=since)
        .exclude(outcome__in=[ContactOutcome.DECLINED, ContactOutcome.WRONG_NUMBER])
        .values_list("id", "at", "message_id")
    )
    led = [record_id for record_id, at, _message in records if at <= now]
    linked = (
        ContactRecord.objects.filter(id__in=led).update(booked_appointment=appointment, updated_at=now)
        if led
        else 0
    )
    # Their messages still waiting (a later attempt) would ask for a booking that is made.
    waiting = [message_id for _record, _at, message_id in records if message_id]
    if waiting:
        OutboxMessage.objects.filter(id__in=waiting, status=MessageStatus.PENDING).update(
            status=MessageStatus.WITHDRAWN, error="Booked meanwhile.", updated_at=now
        )
    tasks = (
        CallTask.objects.for_dealership(dealership)
        .filter(same_vehicle, customer_id=appointment.customer_id, kind__in=REMINDER_KINDS)
        .filter(due_at__lte=now + timedelta(days=settings.attribution_days))
    )
    free = Q(status=TaskStatus.OPEN) | Q(status=TaskStatus.CLAIMED, claimed_until__lte=now)
    if appointment.booked_by_id is not None:
        free |= Q(status=TaskStatus.CLAIMED, operator_id=appointment.booked_by_id)
    closing = list(
        tasks.filter(free).select_for_update().values_list("id", "operator_id", "reply_id", "message_id")
    )
    if closing:
        # A reschedule request's reply booked meanwhile leaves the inbox with its task.
        _inbox_items_handle(dealership, [(reply_id, message_id) for *_, reply_id, message_id in closing], now)
        CallTask.objects.filter(id__in=[task_id for task_id, *_ in closing]).update(
            status=TaskStatus.DONE,
            outcome=Outcome.BOOKED,
            booked_appointment=appointment,
            closed_at=now,
            claimed_until=None,
            updated_at=now,
        )
        held = [task_id for task_id, operator_id, *_ in closing if operator_id == appointment.booked_by_id]
        ContactRecord.objects.bulk_create(
            [
                ContactRecord(
                    dealership=dealership,
                    kind=task.kind,
                    customer_id=task.customer_id,
                    vehicle_id=task.vehicle_id,
                    appointment_id=task.appointment_id,
                    call_task=task,
                    channel=ContactChannel.PHONE,
                    at=now,
                    operator_id=appointment.booked_by_id,
                    outcome=ContactOutcome.BOOKED,
                    booked_appointment=appointment,
                )
                for task in CallTask.objects.filter(id__in=held)
            ]
        )
    return linked


# --- Rules ------------------------------------------------------------------------------------

RULE_FIELDS = tuple(
    field.name
    for field in FollowupRules._meta.concrete_fields
    if field.name not in ("id", "dealership", "created_at", "updated_at")
)


def followup_rules_save(*, dealership: Dealership, values: dict[str, object]) -> FollowupRules:
    """Change the dealership's rules; an inverted window or a value out of range is refused on its field."""
    row = FollowupRules.objects.for_dealership(dealership).first() or FollowupRules(dealership=dealership)
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown setting.") for name in sorted(unknown)})
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean(validate_constraints=False)
    errors: dict[str, Any] = {}
    if row.remind_min_days > row.remind_max_days:
        errors["remind_max_days"] = _(
            "The reminder window is inverted: the earliest day comes after the latest."
        )
    if row.no_show_min_days > row.no_show_max_days:
        errors["no_show_max_days"] = _("The no-show window is inverted: the first try comes after the last.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row.save()
    return row


# --- Satisfaction (R9.1) ----------------------------------------------------------------------

# A score at or below this is a concern for the advisor, whatever the customer ticked.
CONCERN_AT_MOST = 2


def satisfaction_record(
    *,
    dealership: Dealership,
    appointment: Appointment,
    score: int,
    comment: str,
    concern: bool,
    channel: str,
    now: datetime,
    recorded_by: User | None = None,
    call_task: CallTask | None = None,
) -> SatisfactionResponse:
    """The customer's answer after the delivery; a concern (or a low score) goes to the advisor."""
    ensure_owned_by(dealership, appointment, call_task)
    errors: dict[str, Any] = {}
    if isinstance(score, bool) or not 1 <= score <= 5:
        errors["score"] = _("Give a score from 1 to 5.")
    if len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = _("At most %(count)d characters.") % {"count": COMMENT_MAX_LENGTH}
    if channel not in ContactChannel.values:
        errors["channel"] = _("Choose a channel from the list.")
    if SatisfactionResponse.objects.for_dealership(dealership).filter(appointment=appointment).exists():
        errors["appointment"] = _("This visit has been rated already.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return SatisfactionResponse.objects.create(
            dealership=dealership,
            appointment=appointment,
            customer_id=appointment.customer_id,
            call_task=call_task,
            channel=channel,
            score=score,
            comment=comment.strip(),
            concern=concern or score <= CONCERN_AT_MOST,
            advisor_id=appointment.advisor_id,
            responded_at=now,
            recorded_by=recorded_by,
        )


def satisfaction_concern_handle(
    *, dealership: Dealership, response: SatisfactionResponse, now: datetime
) -> SatisfactionResponse:
    """The advisor has dealt with the concern."""
    ensure_owned_by(dealership, response)
    if not response.concern:
        raise ValidationError({"response": _("This answer raises no concern.")})
    if response.concern_handled_at is None:
        response.concern_handled_at = now
        response.save(update_fields=["concern_handled_at", "updated_at"])
    return response


# --- After a no-show (R6.6) and a delivery (R9.1) ---------------------------------------------


def no_show_followups_write(*, appointment: Appointment, now: datetime) -> ContactsWritten:
    """R6.6: the second and the third booking attempt, 3-10 days after the missed date."""
    dealership = appointment.dealership
    settings = rule_settings(followup_rules_get(dealership=dealership))
    if not settings.no_show_enabled:
        return ContactsWritten()
    tz = dealership.tz
    second, third, last = rules.no_show_attempt_days(no_show_on=appointment.local_day, rules=settings)
    deadline = rules.local_instant(last, tz, rules.CALLING_ENDS)
    planned = [
        PlannedContact(
            kind=TaskKind.NO_SHOW,
            customer_id=appointment.customer_id,
            vehicle_id=appointment.vehicle_id,
            appointment_id=appointment.id,
            key=rules.no_show_key(appointment.id, attempt),
            due_at=rules.contact_instant(contact_on=day, now=now, tz=tz),
            deadline_at=deadline,
            priority=Priority.HIGH,
        )
        for attempt, day in ((2, second), (3, third))
    ]
    return followup_contacts_write(dealership=dealership, planned=planned, now=now)


def satisfaction_followup_write(*, appointment: Appointment, now: datetime) -> ContactsWritten:
    """R9.1: the satisfaction question within 2 days after the delivery, on the preferred channel."""
    dealership = appointment.dealership
    settings = rule_settings(followup_rules_get(dealership=dealership))
    if not settings.satisfaction_enabled:
        return ContactsWritten()
    due, deadline = rules.satisfaction_window(delivered_at=now, tz=dealership.tz, rules=settings)
    planned = PlannedContact(
        kind=TaskKind.SATISFACTION,
        customer_id=appointment.customer_id,
        vehicle_id=appointment.vehicle_id,
        appointment_id=appointment.id,
        key=rules.satisfaction_key(appointment.id),
        due_at=due,
        deadline_at=deadline,
    )
    return followup_contacts_write(dealership=dealership, planned=[planned], now=now)
