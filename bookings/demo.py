"""Demo appointments: two weeks past and three weeks ahead for each demo dealership, laid out
the way the engine would (advisors' hours, never overlapping, within the daily maximum, away from
the kept-free quarters), with statuses a real month has: closed, no-shows, cancellations,
today's cars in the workshop, confirmed ones for tomorrow."""

import random
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from django.db import transaction

from bookings.capacity import capacity_load
from bookings.ledger import capacity_ledger_rebuild
from bookings.models import (
    Appointment,
    AppointmentJob,
    AppointmentKind,
    AppointmentLabour,
    AppointmentStatus,
    AppointmentTransition,
    Channel,
)
from customers.models import Vehicle
from dealerships.models import Dealership
from workshop.availability import Interval, kept_free_quarters
from workshop.models import Job, JobKind

DAYS_BEFORE, DAYS_AFTER = 14, 21
KIND_OF_JOB = {
    JobKind.MAINTENANCE: AppointmentKind.MAINTENANCE,
    JobKind.REPAIR: AppointmentKind.REPAIR,
    JobKind.DIAGNOSIS: AppointmentKind.DIAGNOSIS,
    JobKind.BODYWORK: AppointmentKind.BODYWORK,
    JobKind.TYRES: AppointmentKind.TYRES,
}


@transaction.atomic
def demo_appointments_create(*, dealership: Dealership, now: datetime) -> None:
    """Create the demo month, unless the dealership has appointments already."""
    if Appointment.objects.for_dealership(dealership).exists():
        return
    rng = random.Random(f"appointments-{dealership.slug}")
    today = now.astimezone(dealership.tz).date()
    snapshot = capacity_load(
        dealership=dealership,
        start=today - timedelta(days=DAYS_BEFORE),
        end=today + timedelta(days=DAYS_AFTER),
    )
    vehicles = [
        (vehicle, vehicle.customer_id)
        for vehicle in Vehicle.objects.for_dealership(dealership).filter(customer__isnull=False)[:400]
        if vehicle.customer_id is not None
    ]
    jobs = [
        job
        for job in Job.objects.for_dealership(dealership)
        if job.kind in KIND_OF_JOB and job.labour_minutes <= 180
    ]
    if not vehicles or not jobs:
        return
    policy = snapshot.policy
    planned: list[tuple[Appointment, Job]] = []
    for capacity_day in snapshot.days:
        labour_left = int(capacity_day.technician_total_minutes * 0.8)
        for advisor in capacity_day.advisors:
            kept = kept_free_quarters(advisor, policy, snapshot.tz)
            starts = _free_starts(advisor.shifts, kept, policy.slot_minutes, policy.reception_minutes)
            wanted = min(len(starts), rng.randint(advisor.max_customers // 3, advisor.max_customers - 1))
            for start in sorted(rng.sample(starts, k=wanted)):
                job = rng.choice(jobs)
                if job.labour_minutes > labour_left:
                    break
                labour_left -= job.labour_minutes
                vehicle, owner_id = rng.choice(vehicles)
                reception_end = start + timedelta(minutes=policy.reception_minutes)
                planned.append(
                    (
                        Appointment(
                            dealership=dealership,
                            customer_id=owner_id,
                            vehicle=vehicle,
                            advisor_id=advisor.advisor_id,
                            status=_status(capacity_day.day, today, rng),
                            channel=rng.choice([Channel.PHONE, Channel.PHONE, Channel.PHONE, Channel.WEB]),
                            kind=KIND_OF_JOB[JobKind(job.kind)],
                            local_day=capacity_day.day,
                            drop_off_at=start,
                            reception_ends_at=reception_end,
                            work_starts_at=reception_end,
                            promised_return_at=reception_end + timedelta(minutes=job.labour_minutes + 15),
                            labour_minutes=job.labour_minutes,
                            mileage_km=vehicle.mileage_km,
                        ),
                        job,
                    )
                )
    appointments = Appointment.objects.bulk_create([appointment for appointment, _ in planned])
    AppointmentJob.objects.bulk_create(
        AppointmentJob(
            dealership=dealership,
            appointment=appointment,
            job=job,
            description=job.name,
            skill=job.skill,
            labour_minutes=job.labour_minutes,
        )
        for appointment, (_, job) in zip(appointments, planned, strict=True)
    )
    AppointmentLabour.objects.bulk_create(
        AppointmentLabour(
            dealership=dealership, appointment=a, day=a.local_day, skill=job.skill, minutes=job.labour_minutes
        )
        for a, (_, job) in zip(appointments, planned, strict=True)
    )
    AppointmentTransition.objects.bulk_create(
        AppointmentTransition(
            dealership=dealership,
            appointment=a,
            from_status="" if index == 0 else AppointmentStatus.BOOKED,
            to_status=AppointmentStatus.BOOKED if index == 0 else a.status,
            at=a.drop_off_at - timedelta(days=7) if index == 0 else min(now, a.drop_off_at),
            reason="" if a.status != AppointmentStatus.CANCELLED else "demo",
        )
        for a in appointments
        for index in range(1 if a.status == AppointmentStatus.BOOKED else 2)
    )
    Appointment.objects.filter(dealership=dealership, status=AppointmentStatus.CANCELLED).update(
        cancel_reason="Customer changed plans"
    )
    # Written in bulk, not through the booking service: the capacity ledger is written from them.
    capacity_ledger_rebuild(dealership=dealership)


def _free_starts(
    shifts: Iterable[Interval], kept: tuple[Interval, ...], slot_minutes: int, reception_minutes: int
) -> list[datetime]:
    starts = []
    for shift in shifts:
        moment = shift.start
        while moment + timedelta(minutes=reception_minutes) <= shift.end:
            reception = Interval(start=moment, end=moment + timedelta(minutes=reception_minutes))
            if not any(reception.overlaps(quarter) for quarter in kept):
                starts.append(moment)
            moment += timedelta(minutes=slot_minutes)
    return starts


def _status(day: date, today: date, rng: random.Random) -> str:
    roll = rng.random()
    if day < today:
        if roll < 0.06:
            return AppointmentStatus.NO_SHOW
        if roll < 0.12:
            return AppointmentStatus.CANCELLED
        return AppointmentStatus.CLOSED if day < today - timedelta(days=2) else AppointmentStatus.DELIVERED
    if day == today:
        return rng.choice(
            [AppointmentStatus.ARRIVED, AppointmentStatus.IN_WORKSHOP, AppointmentStatus.CONFIRMED]
        )
    if roll < 0.05:
        return AppointmentStatus.CANCELLED
    return AppointmentStatus.CONFIRMED if day <= today + timedelta(days=1) else AppointmentStatus.BOOKED
