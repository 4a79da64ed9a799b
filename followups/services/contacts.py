"""The contacts the rules and events ask for: a call task for a customer who prefers the phone,
an outbox message otherwise (R2.7), written in bulk by the scans and one by one by the events
(a no-show, R6.6; a delivery, R9.1)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Model
from django.db.models.functions import Length

from bookings.models import Appointment
from customers.models import Customer, Vehicle
from dealerships.models import Dealership
from followups import rules
from followups.messages import MessageItem, followup_messages_render, outbox_kind
from followups.models import (
    CallTask,
    ContactChannel,
    ContactOutcome,
    ContactRecord,
    Priority,
    TaskKind,
)
from followups.selectors import followup_rules_get, rule_settings
from notifications import schedule
from notifications.models import MessageStatus, OutboxMessage

# What a contact always needs a person for, whatever the customer's preferred channel.
CALL_ONLY = frozenset(
    {TaskKind.MESSAGE_FAILED, TaskKind.RESCHEDULE_REQUEST, TaskKind.ENQUIRY, TaskKind.MANUAL}
)


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
                channel=channel,
            )
            for contact, channel, facts in contacts
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
