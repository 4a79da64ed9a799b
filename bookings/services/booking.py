"""Booking and rescheduling: lock the days, check the time under the locks, write.

No double booking, by construction: a booking locks the capacity days it touches (one row per
dealership and local day, locked in date order), re-checks the chosen time with the engine
under those locks, then writes. On PostgreSQL an exclusion constraint on the advisor's
reception time is the backstop; on SQLite IMMEDIATE transactions serialise the writers.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from bookings import lifecycle, mobility_hooks, signals
from bookings.capacity import capacity_load
from bookings.ledger import (
    DayLedger,
    TakenCapacity,
    appointment_capacity,
    ledger_free,
    ledger_take,
    ledger_write,
)
from bookings.models import (
    Appointment,
    AppointmentJob,
    AppointmentKind,
    AppointmentLabour,
    AppointmentTransition,
    Channel,
    SlotHold,
)
from bookings.requests import (
    RequestedJob,
    appointment_slot_request,
    beyond_horizon_error,
    horizon_end,
    no_work_error,
)
from bookings.services.locks import capacity_days_lock
from bookings.services.refusals import slot_refused
from bookings.services.transitions import appointment_locked, transition_record
from config import db_errors
from config.errors import IllegalTransition
from customers import services as customer_services
from customers.models import Customer, MileageReading, Vehicle
from dealerships.models import Dealership, User
from dealerships.ownership import ensure_owned_by
from dealerships.tenant_integrity import dangerously_vouch_same_dealership
from workshop import availability
from workshop.availability import Proposal, Refusal, SlotRequest
from workshop.capacity_settings import CapacitySettings, capacity_settings

NO_OVERLAP_CONSTRAINT = "appointment_advisor_no_overlap"


@dataclass(frozen=True, kw_only=True, slots=True)
class AppointmentDetails:
    """What the customer said that the capacity does not depend on (R2.2, R2.6)."""

    kind: str | None = None  # None: a comeback when the booking is one, else maintenance
    customer_requests: str = ""
    test_drive_needed: bool = False
    replacement_vehicle_wanted: bool = False
    special_requests: str = ""
    mileage_km: int | None = None
    mobility_kind: str = ""  # R3.3: a MobilityKind value, "" when no mobility is needed
    # Where the driver picks the car up and brings it back (mobility_hooks.ADDRESS_KINDS only).
    mobility_address: str = ""


NO_DETAILS = AppointmentDetails()


def _confirm(
    *,
    dealership: Dealership,
    request: SlotRequest,
    advisor_id: int,
    drop_off: datetime,
    now: datetime,
    excluding: TakenCapacity | None,
    holder: str | None = None,
    settings: CapacitySettings | None = None,
    last_bookable: date,
) -> Proposal:
    day = drop_off.astimezone(dealership.tz).date()
    # The offer lays the work out within the booking horizon only: so does the check.
    last_day = min(day + timedelta(days=availability.days_after_drop_off(request)), last_bookable)
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
    except availability.NoCapacity as refused:
        raise slot_refused(refused.refusal) from None


@dataclass(frozen=True, kw_only=True, slots=True)
class CapacityClaim:
    """A time checked under the locks of the days it touches: the proposal to write, those
    days' ledger as it is under the locks, and what the appointment being moved took."""

    proposal: Proposal
    ledger: dict[date, DayLedger]
    moving: TakenCapacity | None
    tz: ZoneInfo


def capacity_take(
    *,
    dealership: Dealership,
    request: SlotRequest,
    advisor_id: int,
    drop_off: datetime,
    now: datetime,
    moving: Appointment | None = None,
    holder: str | None = None,
    settings: CapacitySettings | None = None,
) -> CapacityClaim:
    """Lock the days the booking touches, then check the time under those locks, or SlotTaken.

    A booking locks its drop-off day and checks; only when the work spills onto later days are
    those locked too and the check repeated. Moving an appointment also locks the days it leaves.
    A time past the booking horizon is never free, whichever door it comes through, nor one
    whose work would run past it. The SlotTaken says why (its `reason`: an engine refusal).
    The claim holds the locked days' capacity ledger, for the caller to write what it takes.
    """
    settings = settings or capacity_settings(dealership)
    tz = dealership.tz
    today = now.astimezone(tz).date()
    beyond = beyond_horizon_error(settings=settings, today=today, tz=tz, moment=drop_off)
    if beyond:
        raise slot_refused(Refusal.BEYOND_HORIZON, beyond)
    need = {drop_off.astimezone(tz).date()}
    moved: TakenCapacity | None = None
    if moving is not None:
        moved = appointment_capacity(
            moving, labour=moving.labour.values_list("day", "skill", "minutes"), tz=tz
        )
        need |= moved.days
    ledger: dict[date, DayLedger] = {}
    for _attempt in range(3):
        ledger |= capacity_days_lock(dealership=dealership, days=sorted(need - ledger.keys()))
        proposal = _confirm(
            dealership=dealership,
            request=request,
            advisor_id=advisor_id,
            drop_off=drop_off,
            now=now,
            excluding=moved,
            holder=holder,
            settings=settings,
            last_bookable=horizon_end(settings=settings, today=today),
        )
        spill = {day for day, _, _ in proposal.labour_by_day} - ledger.keys()
        if not spill:
            return CapacityClaim(proposal=proposal, ledger=ledger, moving=moved, tz=tz)
        need |= spill
    raise slot_refused(Refusal.TAKEN)  # the labour kept moving onto days taken meanwhile


def _write_capacity(appointment: Appointment, claim: CapacityClaim) -> None:
    """Write the claimed time on the appointment, its labour, and the ledger of the days it
    takes (and leaves, when it moves): in the booking's transaction, under its day locks."""
    proposal = claim.proposal
    appointment.advisor_id = proposal.advisor_id
    # The engine chose the advisor among the dealership's own (the snapshot's): saving need not read it.
    dangerously_vouch_same_dealership(appointment, "advisor")
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
        if db_errors.violated_constraint(error) == NO_OVERLAP_CONSTRAINT:
            raise slot_refused(Refusal.TAKEN) from error
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
    taken = appointment_capacity(appointment, labour=proposal.labour_by_day, tz=claim.tz)
    changed = taken.days
    if claim.moving is not None:
        ledger_free(claim.ledger, claim.moving)
        changed |= claim.moving.days
    ledger_take(claim.ledger, taken)
    ledger_write(claim.ledger[day] for day in sorted(changed))


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
    details: AppointmentDetails = NO_DETAILS,
    holder: str | None = None,
    settings: CapacitySettings | None = None,
) -> Appointment:
    """Book the chosen time or raise SlotTaken; safe under concurrent callers (R4.2, R4.8).

    The vehicle must be on the customer's file; its open campaigns come as jobs (R2.4) when
    the caller resolved them; the override lets a workshop manager pass an advisor's maximum.
    `settings`: the capacity settings the jobs were checked against (RequestedWork.settings).
    The jobs written are `appointment.jobs.all()`, read from the database when asked for;
    a caller that answers with them at once has them as `jobs` already.
    """
    ensure_owned_by(dealership, customer, vehicle)
    if vehicle.customer_id != customer.id:
        raise ValidationError({"vehicle": _("This vehicle is not on this customer's file.")})
    if not jobs:
        raise ValidationError({"jobs": no_work_error()})
    kind = details.kind or (AppointmentKind.COMEBACK if comeback else AppointmentKind.MAINTENANCE)
    mobility_address = mobility_hooks.mobility_address_clean(
        mobility_kind=details.mobility_kind, address=details.mobility_address
    )
    request = SlotRequest(
        jobs=tuple(job.line for job in jobs),
        urgent=urgent,
        comeback=comeback,
        online=channel == Channel.WEB,
        beyond_maximum=bool(capacity_override_reason),
    )
    claim = capacity_take(
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
        status=lifecycle.FIRST_STATUS,
        channel=channel,
        is_urgent=urgent,
        is_comeback=comeback,
        capacity_override_reason=capacity_override_reason,
        booked_by=booked_by,
        kind=kind,
        customer_requests=details.customer_requests,
        test_drive_needed=details.test_drive_needed,
        replacement_vehicle_wanted=details.replacement_vehicle_wanted,
        mobility_kind=details.mobility_kind,
        special_requests=details.special_requests,
        mileage_km=details.mileage_km,
    )
    _write_capacity(appointment, claim)
    AppointmentJob.objects.bulk_create(
        AppointmentJob(
            dealership=dealership,
            appointment=appointment,
            job=job.job,
            campaign=job.campaign,
            description=job.description,
            skill=job.skill,
            labour_minutes=job.labour_minutes,
        )
        for job in jobs
    )
    transition_record(appointment, to_status=lifecycle.FIRST_STATUS, by=booked_by, at=now)
    if details.mileage_km is not None:  # the vehicle's reading of today (ValidationError if lower)
        customer_services.mileage_record(
            dealership=dealership,
            vehicle=vehicle,
            mileage_km=details.mileage_km,
            read_on=now.astimezone(dealership.tz).date(),
            source=MileageReading.Source.BOOKING,
        )
    # The address travels with the announcement: the reservation made with the booking keeps it.
    signals.appointment_booked.send(
        sender=Appointment, appointment=appointment, now=now, mobility_address=mobility_address
    )
    return appointment


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
    appointment = appointment_locked(dealership, appointment)
    if not lifecycle.can_reschedule(appointment.status):
        raise IllegalTransition(
            _("A %(status)s appointment cannot be moved.")
            % {"status": appointment.get_status_display().lower()},
            field="status",
        )
    request = appointment_slot_request(appointment)
    previous_drop_off, previous_status = appointment.drop_off_at, appointment.status
    claim = capacity_take(
        dealership=dealership,
        request=request,
        advisor_id=advisor_id,
        drop_off=drop_off,
        now=now,
        moving=appointment,
    )
    appointment.status = lifecycle.after_reschedule(appointment.status)
    _write_capacity(appointment, claim)
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
    signals.appointment_rescheduled.send(
        sender=Appointment, appointment=appointment, previous_drop_off=previous_drop_off, now=now
    )
    return appointment
