"""A booking made after a reminder or a call, linked to the contact that led to it (the KPIs
'reminders sent -> bookings made', 'no-shows rebooked within 10 days')."""

from datetime import datetime, timedelta

from django.db.models import Q

from bookings.models import Appointment
from followups.models import (
    REMINDER_KINDS,
    CallTask,
    ContactChannel,
    ContactOutcome,
    ContactRecord,
    Outcome,
    TaskStatus,
)
from followups.selectors import followup_rules_get, rule_settings
from followups.services.calls import inbox_items_handle
from notifications.models import MessageStatus, OutboxMessage

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
        inbox_items_handle(dealership, [(reply_id, message_id) for *_, reply_id, message_id in closing], now)
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
