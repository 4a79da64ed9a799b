"""Booking, rescheduling, cancelling and moving appointments through their lifecycle.

No double booking, by construction: a booking locks the capacity days it touches (one row per
dealership and local day, locked in date order), re-checks the chosen time with the engine
under those locks, then writes. On PostgreSQL an exclusion constraint on the advisor's
reception time is the backstop; on SQLite IMMEDIATE transactions serialise the writers.
"""

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils.translation import gettext as _

from bookings import lifecycle
from bookings.models import (
    Appointment,
    AppointmentJob,
    AppointmentKind,
    AppointmentLabour,
    AppointmentStatus,
    AppointmentTransition,
    CapacityLock,
    Channel,
    IdempotencyKey,
    SlotHold,
)
from config import sql
from config.errors import IdempotencyKeyReused, IllegalTransition, SlotTaken
from customers.models import Customer, Vehicle
from dealerships.models import Dealership, User
from workshop import availability
from workshop.availability import Proposal, SlotRequest
from workshop.selectors import CapacitySettings, RequestedJob, capacity_load

DETAIL_FIELDS = (
    "kind",
    "customer_requests",
    "test_drive_needed",
    "replacement_vehicle_wanted",
    "special_requests",
    "mileage_km",
)


def capacity_days_lock(*, dealership: Dealership, days: Sequence[date]) -> None:
    """Lock the dealership's capacity on these local days until the transaction ends.

    In date order, so two bookings that share days do not wait on each other in a circle; if a
    reschedule's days still cross another's, PostgreSQL breaks the deadlock and the loser is
    told the time was taken. A day's lock row is created by the first booking on that day, so
    the usual booking locks with one statement.
    """
    ordered = sorted(set(days))
    if not ordered:
        return
    try:
        locked = _lock_rows(dealership, ordered)
        if len(locked) < len(ordered):
            CapacityLock.objects.bulk_create(
                [CapacityLock(dealership=dealership, day=day) for day in ordered if day not in locked],
                ignore_conflicts=True,
            )
            _lock_rows(dealership, ordered)
    except OperationalError as error:
        if "deadlock" in str(error):
            raise SlotTaken from error
        raise


def _lock_rows(dealership: Dealership, ordered: list[date]) -> set[date]:
    # Fixed SQL (config/sql.py): every booking runs it. SQLite has no FOR UPDATE; its IMMEDIATE
    # transaction already holds the one write lock.
    statement = (
        f"SELECT day FROM {sql.table(CapacityLock)}"
        f" WHERE dealership_id = %s AND day IN ({sql.placeholders(len(ordered))}) ORDER BY day"
    )
    if connection.features.has_select_for_update:
        statement += " FOR UPDATE"
    locked = sql.rows(statement, [dealership.id, *(sql.day_param(day) for day in ordered)])
    return {sql.as_date(day) for (day,) in locked}


def _confirm(
    *,
    dealership: Dealership,
    request: SlotRequest,
    advisor_id: int,
    drop_off: datetime,
    now: datetime,
    excluding: int | None,
    holder: str | None = None,
    settings: CapacitySettings | None = None,
) -> Proposal:
    day = drop_off.astimezone(dealership.tz).date()
    last_day = day + timedelta(days=availability.days_after_drop_off(request))
    snapshot = capacity_load(
        dealership=dealership,
        start=day,
        end=last_day,
        excluding=excluding,
        holder=holder,
        now=now,
        advisor_id=advisor_id,
        settings=settings,
    )
    try:
        return availability.confirm(snapshot, request, advisor_id=advisor_id, drop_off=drop_off, now=now)
    except availability.NoCapacity:
        raise SlotTaken from None


def _take_capacity(
    *,
    dealership: Dealership,
    request: SlotRequest,
    advisor_id: int,
    drop_off: datetime,
    now: datetime,
    moving: Appointment | None = None,
    holder: str | None = None,
    settings: CapacitySettings | None = None,
) -> Proposal:
    """Lock the days the booking touches, then check the time under those locks.

    A booking locks its drop-off day and checks; only when the work spills onto later days are
    those locked too and the check repeated. Moving an appointment also locks the days it leaves.
    """
    excluding = moving.id if moving else None
    need = {drop_off.astimezone(dealership.tz).date()}
    if moving is not None:
        need |= {moving.local_day, *moving.labour.values_list("day", flat=True)}
    locked: set[date] = set()
    for _attempt in range(3):
        capacity_days_lock(dealership=dealership, days=sorted(need - locked))
        locked |= need
        proposal = _confirm(
            dealership=dealership,
            request=request,
            advisor_id=advisor_id,
            drop_off=drop_off,
            now=now,
            excluding=excluding,
            holder=holder,
            settings=settings,
        )
        spill = {day for day, _, _ in proposal.labour_by_day} - locked
        if not spill:
            return proposal
        need |= spill
    raise SlotTaken


def _write_capacity(appointment: Appointment, proposal: Proposal) -> None:
    appointment.advisor_id = proposal.advisor_id
    appointment.advisor_name = proposal.advisor_name
    appointment.local_day = proposal.day
    appointment.drop_off_at = proposal.drop_off
    appointment.reception_ends_at = proposal.reception_end
    appointment.work_starts_at = proposal.work_starts
    appointment.promised_return_at = proposal.promised_return  # R4.7
    appointment.labour_minutes = sum(minutes for _, _, minutes in proposal.labour_by_day)
    appointment.uses_kept_free_time = proposal.uses_kept_free_time
    # Field checks only: the rows it points to were checked by the caller, and the table's own
    # constraints are enforced by the database on save (no need to ask it twice first).
    appointment.full_clean(
        exclude=["dealership", "customer", "vehicle", "advisor", "booked_by"], validate_constraints=False
    )
    is_new = appointment.pk is None
    try:
        # No savepoint of its own: if the exclusion constraint says no, SlotTaken leaves the
        # booking's transaction, which is rolled back whole.
        appointment.save()
    except IntegrityError as error:
        if "appointment_advisor_no_overlap" in str(error):
            raise SlotTaken from error
        raise
    if not is_new:
        AppointmentLabour.objects.filter(appointment=appointment).delete()
    AppointmentLabour.objects.bulk_create(
        AppointmentLabour(
            dealership_id=appointment.dealership_id,
            appointment=appointment,
            day=day,
            skill=skill,
            minutes=minutes,
        )
        for day, skill, minutes in proposal.labour_by_day
    )


# No savepoint of its own (two round trips on every booking): called inside a transaction, a
# SlotTaken leaves that transaction to be rolled back. A caller that goes on after SlotTaken
# gives the call its own transaction.atomic(), as the booking pages and idempotent() do.
@transaction.atomic(savepoint=False)
def appointment_book(
    *,
    dealership: Dealership,
    customer: Customer,
    vehicle: Vehicle,
    advisor_id: int,
    drop_off: datetime,
    jobs: Sequence[RequestedJob],
    now: datetime,
    booked_by: User | None,
    channel: str = Channel.PHONE,
    urgent: bool = False,
    comeback: bool = False,
    capacity_override_reason: str = "",
    holder: str | None = None,
    settings: CapacitySettings | None = None,
    **details,
) -> Appointment:
    """Book the chosen time or raise SlotTaken; safe under concurrent callers (R4.2, R4.8).

    The vehicle must be on the customer's file; its open campaigns come as jobs (R2.4) when
    the caller resolved them; the override lets a workshop manager pass an advisor's maximum.
    `settings`: the capacity settings the jobs were checked against (RequestedWork.settings).
    """
    if customer.dealership_id != dealership.id or vehicle.dealership_id != dealership.id:
        raise ValueError("appointment_book called with a customer or vehicle of another dealership")
    if vehicle.customer_id != customer.id:
        raise ValidationError({"vehicle": _("This vehicle is not on this customer's file.")})
    if not jobs:
        raise ValidationError({"jobs": _("Choose at least one job or give the labour time.")})
    if comeback:
        details.setdefault("kind", AppointmentKind.COMEBACK)
    request = SlotRequest(
        jobs=tuple(job.line for job in jobs),
        urgent=urgent,
        comeback=comeback,
        online=channel == Channel.WEB,
        beyond_maximum=bool(capacity_override_reason),
    )
    proposal = _take_capacity(
        dealership=dealership,
        request=request,
        advisor_id=advisor_id,
        drop_off=drop_off,
        now=now,
        holder=holder,
        settings=settings,
    )
    if holder:  # the customer's own hold becomes the appointment
        SlotHold.objects.for_dealership(dealership).filter(holder=holder).delete()
    appointment = Appointment(
        dealership=dealership,
        customer=customer,
        vehicle=vehicle,
        status=AppointmentStatus.BOOKED,
        channel=channel,
        is_urgent=urgent,
        is_comeback=comeback,
        capacity_override_reason=capacity_override_reason,
        booked_by=booked_by,
        **{name: value for name, value in details.items() if name in DETAIL_FIELDS},
    )
    _write_capacity(appointment, proposal)
    written_jobs = AppointmentJob.objects.bulk_create(
        AppointmentJob(
            dealership=dealership,
            appointment=appointment,
            job=job.job,
            campaign=job.campaign,
            description=job.description[:200],
            skill=job.skill,
            labour_minutes=job.minutes,
        )
        for job in jobs
    )
    _record(appointment, to_status=AppointmentStatus.BOOKED, by=booked_by, at=now)
    _as_prefetched(appointment, "jobs", written_jobs)
    return appointment


def _as_prefetched(instance, relation: str, rows: list) -> None:
    """Let `instance.<relation>.all()` answer with the rows just written, as prefetch_related
    leaves it (a queryset with its results in hand), so the caller can show what was booked
    without reading it back; any other query on the relation still goes to the database."""
    queryset = getattr(instance, relation).all()
    queryset._result_cache, queryset._prefetch_done = rows, True
    instance._prefetched_objects_cache = {
        **getattr(instance, "_prefetched_objects_cache", {}),
        relation: queryset,
    }


@transaction.atomic
def appointment_reschedule(
    *,
    dealership: Dealership,
    appointment: Appointment,
    advisor_id: int,
    drop_off: datetime,
    by: User | None,
    now: datetime,
    reason: str = "",
) -> Appointment:
    """Move the appointment to another time, keeping it and its history; the old time is
    freed and the new one checked under the same locks as a booking."""
    appointment = _locked(dealership, appointment)
    if not lifecycle.can_reschedule(appointment.status):
        raise IllegalTransition(
            _("A %(status)s appointment cannot be moved.")
            % {"status": appointment.get_status_display().lower()},
            field="status",
        )
    request = SlotRequest(
        jobs=tuple(
            availability.JobLine(skill=job.skill, minutes=job.labour_minutes)
            for job in appointment.jobs.all()
        )
        or (availability.JobLine(skill="maintenance", minutes=appointment.labour_minutes),),
        urgent=appointment.is_urgent,
        comeback=appointment.is_comeback,
        online=appointment.channel == Channel.WEB,
        beyond_maximum=bool(appointment.capacity_override_reason),
    )
    previous_drop_off, previous_status = appointment.drop_off_at, appointment.status
    proposal = _take_capacity(
        dealership=dealership,
        request=request,
        advisor_id=advisor_id,
        drop_off=drop_off,
        now=now,
        moving=appointment,
    )
    appointment.status = lifecycle.after_reschedule(appointment.status)
    _write_capacity(appointment, proposal)
    AppointmentTransition.objects.create(
        dealership=dealership,
        appointment=appointment,
        kind=AppointmentTransition.Kind.RESCHEDULED,
        from_status=previous_status,
        to_status=appointment.status,
        previous_drop_off_at=previous_drop_off,
        at=now,
        by=by,
        reason=reason,
    )
    return appointment


@transaction.atomic
def appointment_transition(
    *,
    dealership: Dealership,
    appointment: Appointment,
    to_status: str,
    by: User | None,
    now: datetime,
    reason: str = "",
) -> Appointment:
    """Move the appointment along its lifecycle, or raise IllegalTransition; a cancellation
    needs a reason and gives the capacity back."""
    appointment = _locked(dealership, appointment)
    if not lifecycle.can_transition(appointment.status, to_status):
        raise IllegalTransition(
            _("An appointment that is %(current)s cannot become %(target)s.")
            % {
                "current": appointment.get_status_display().lower(),
                "target": AppointmentStatus(to_status).label.lower(),
            },
            field="status",
        )
    if to_status in lifecycle.NEEDS_REASON and not reason.strip():
        raise ValidationError({"reason": _("Say why the appointment is cancelled.")})
    previous = appointment.status
    appointment.status = to_status
    if to_status == AppointmentStatus.CANCELLED:
        appointment.cancel_reason = reason.strip()[:200]
    appointment.save(update_fields=["status", "cancel_reason", "updated_at"])
    _record(appointment, from_status=previous, to_status=to_status, by=by, at=now, reason=reason)
    return appointment


def appointment_cancel(
    *, dealership: Dealership, appointment: Appointment, reason: str, by: User | None, now: datetime
) -> Appointment:
    return appointment_transition(
        dealership=dealership,
        appointment=appointment,
        to_status=AppointmentStatus.CANCELLED,
        by=by,
        now=now,
        reason=reason,
    )


def _locked(dealership: Dealership, appointment: Appointment) -> Appointment:
    """The appointment's row, locked and fresh: two changes of one appointment never interleave."""
    if appointment.dealership_id != dealership.id:
        raise ValueError("an appointment of another dealership")
    return Appointment.objects.select_for_update().get(pk=appointment.pk)


def _record(
    appointment: Appointment,
    *,
    to_status: str,
    by: User | None,
    at: datetime,
    from_status: str = "",
    reason: str = "",
) -> None:
    AppointmentTransition.objects.create(
        dealership_id=appointment.dealership_id,
        appointment=appointment,
        from_status=from_status,
        to_status=to_status,
        at=at,
        by=by,
        reason=reason[:200],
    )


def idempotent(
    *, dealership: Dealership, key: str | None, request_hash: str, action: Callable[[], tuple[int, dict]]
) -> tuple[int, dict]:
    """Run `action` (which only writes to the database, and returns status and body) once per
    Idempotency-Key.

    A retry with the same key and the same request gets the first answer back; with another
    request, IdempotencyKeyReused. The key is stored in the action's transaction, and a first
    request does not read it first: a retry runs into what the first run wrote (the time it
    booked is taken, or the key is), its own writes are rolled back, and it is answered from the
    stored key. Two concurrent retries cannot both book: the second waits on the day lock or the
    unique key, then replays. The action always runs in this block's transaction, which an error
    rolls back whole: the services it calls need no savepoint of their own.
    """
    if not key:
        with transaction.atomic():
            return action()
    try:
        with transaction.atomic():
            status, body = action()
            IdempotencyKey.objects.create(
                dealership=dealership,
                key=key,
                request_hash=request_hash,
                response_status=status,
                response_body=body,
            )
            return status, body
    except Exception:
        stored = _stored_answer(dealership, key)
        if stored is None:
            raise  # a first request that failed: its own error
    stored_hash, status, body = stored
    if stored_hash != request_hash:
        raise IdempotencyKeyReused(field="idempotency_key")
    return status, body


def _stored_answer(dealership: Dealership, key: str) -> tuple[str, int, dict] | None:
    rows = IdempotencyKey.objects.for_dealership(dealership).filter(key=key)
    return next(iter(rows.values_list("request_hash", "response_status", "response_body")[:1]), None)


HOLD_MINUTES = 5


@transaction.atomic
def slot_hold(
    *,
    dealership: Dealership,
    holder: str,
    request: SlotRequest,
    advisor_id: int,
    drop_off: datetime,
    now: datetime,
) -> SlotHold:
    """Hold the chosen time for an online customer for a few minutes (R9.5), or raise SlotTaken.

    Checked like a booking, under the same day lock, and replacing the customer's earlier hold.
    """
    proposal = _take_capacity(
        dealership=dealership,
        request=request,
        advisor_id=advisor_id,
        drop_off=drop_off,
        now=now,
        holder=holder,
    )
    SlotHold.objects.for_dealership(dealership).filter(holder=holder).delete()
    return SlotHold.objects.create(
        dealership=dealership,
        holder=holder,
        advisor_id=proposal.advisor_id,
        local_day=proposal.day,
        drop_off_at=proposal.drop_off,
        reception_ends_at=proposal.reception_end,
        expires_at=now + timedelta(minutes=HOLD_MINUTES),
    )
