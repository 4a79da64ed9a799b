"""The operators' call tasks: created by hand or for a contact that needs a person, claimed
(never by two operators at once), and closed by the outcome of the call (R7.5)."""

import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bookings.models import Appointment
from customers.models import Campaign, Customer, Vehicle
from dealerships.models import Dealership, User
from dealerships.ownership import ensure_owned_by
from followups import rules
from followups.models import (
    NOTE_MAX_LENGTH,
    CallTask,
    ContactChannel,
    ContactRecord,
    DeclineReason,
    Outcome,
    Priority,
    TaskKind,
    TaskStatus,
)
from followups.selectors import followup_rules_get, rule_settings
from followups.services.satisfaction import satisfaction_record
from notifications.models import InboundReply, OutboxMessage
from notifications.services import inbox

# An operator's claim holds this long; a claim left (a closed browser) lets the task go by itself.
CLAIM_LEASE = timedelta(minutes=30)
# A call back further ahead than this is a typing mistake.
CALL_BACK_LONGEST = timedelta(days=90)
# The outcomes that close a task; the others put it back in the queue (until the attempts run out).
CLOSING = frozenset({Outcome.REACHED, Outcome.BOOKED, Outcome.DECLINED, Outcome.WRONG_NUMBER})


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
            inbox_items_handle(dealership, [(locked.reply_id, locked.message_id)], now)
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


def inbox_items_handle(
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
