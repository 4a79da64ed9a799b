"""Writes for workshop capacity: the policy, advisors, technicians, their hours and absences,
and the job catalogue. Each takes the dealership first and checks the row is its own."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from dealerships.models import Dealership
from dealerships.ownership import ensure_owned_by
from dealerships.services import OpeningInterval, capacity_changed, opening_intervals_validate
from workshop.models import (
    Advisor,
    AdvisorAbsence,
    AdvisorShift,
    Job,
    Technician,
    TechnicianAbsence,
    TechnicianShift,
    WorkshopPolicy,
)

POLICY_FIELDS = (
    "slot_minutes",
    "reception_minutes",
    "kept_free_minutes_per_hour",
    "same_day_booking_allowed",
    "evening_drop_off",
    "full_day_labour_minutes",
    "comeback_window_hours",
    "peak_hours_start",
    "peak_hours_end",
    "peak_load_percent",
    "booking_horizon_days",
)
ADVISOR_FIELDS = ("name", "max_customers_per_day", "max_online_per_day", "is_active")
TECHNICIAN_FIELDS = ("name", "skills", "is_active")
JOB_FIELDS = ("code", "name", "kind", "labour_minutes", "skill", "mileage_interval_km", "is_active")


@transaction.atomic
def workshop_policy_save(*, dealership: Dealership, **fields: Any) -> WorkshopPolicy:
    """The booking policy the engine applies (R4.2-R4.5, R2.3); the manager's numbers."""
    policy = WorkshopPolicy.objects.for_dealership(dealership).select_for_update().first()
    policy = policy or WorkshopPolicy(dealership=dealership)
    for name in POLICY_FIELDS:
        if name in fields:
            setattr(policy, name, fields[name])
    policy.full_clean()
    policy.save()
    return policy


@transaction.atomic
def advisor_save(
    *, dealership: Dealership, advisor: Advisor | None, hours: Sequence[OpeningInterval], **fields: Any
) -> Advisor:
    """Create or change a service advisor with the daily maxima (R4.2) and weekly reception hours."""
    ensure_owned_by(dealership, advisor)
    advisor = advisor or Advisor(dealership=dealership)
    for name in ADVISOR_FIELDS:
        if name in fields:
            setattr(advisor, name, fields[name])
    advisor.full_clean()
    advisor.save()
    opening_intervals_validate(hours)
    AdvisorShift.objects.filter(advisor=advisor).delete()
    # With their copies in the audit trail (audit/ registers the history; bulk_create saves none).
    bulk_create_with_history(
        [
            AdvisorShift(
                dealership=dealership, advisor=advisor, weekday=i.weekday, starts=i.opens, ends=i.closes
            )
            for i in hours
        ],
        AdvisorShift,
    )
    capacity_changed(dealership_id=dealership.id)  # bulk_create sends no signal
    return advisor


@transaction.atomic
def technician_save(
    *, dealership: Dealership, technician: Technician | None, hours: Sequence[OpeningInterval], **fields: Any
) -> Technician:
    """Create or change a technician with skills and weekly working hours (R4.8)."""
    ensure_owned_by(dealership, technician)
    technician = technician or Technician(dealership=dealership)
    for name in TECHNICIAN_FIELDS:
        if name in fields:
            setattr(technician, name, list(fields[name]) if name == "skills" else fields[name])
    technician.full_clean()
    technician.save()
    opening_intervals_validate(hours)
    TechnicianShift.objects.filter(technician=technician).delete()
    bulk_create_with_history(  # with their copies in the audit trail, as advisor_save's
        [
            TechnicianShift(
                dealership=dealership, technician=technician, weekday=i.weekday, starts=i.opens, ends=i.closes
            )
            for i in hours
        ],
        TechnicianShift,
    )
    capacity_changed(dealership_id=dealership.id)  # bulk_create sends no signal
    return technician


@transaction.atomic
def absence_create(
    *, dealership: Dealership, person: Advisor | Technician, first_day: date, last_day: date, reason: str = ""
) -> AdvisorAbsence | TechnicianAbsence:
    """Record whole days away; the loader takes the person out of those days' capacity."""
    ensure_owned_by(dealership, person)
    absence: AdvisorAbsence | TechnicianAbsence
    if isinstance(person, Advisor):
        absence = AdvisorAbsence(dealership=dealership, advisor=person)
    else:
        absence = TechnicianAbsence(dealership=dealership, technician=person)
    absence.first_day, absence.last_day, absence.reason = first_day, last_day, reason
    absence.full_clean()
    absence.save()
    return absence


@transaction.atomic
def absence_delete(*, dealership: Dealership, absence: AdvisorAbsence | TechnicianAbsence) -> None:
    ensure_owned_by(dealership, absence)
    absence.delete()


@transaction.atomic
def job_save(*, dealership: Dealership, job: Job | None, **fields: Any) -> Job:
    """Create or change an operation of the catalogue."""
    ensure_owned_by(dealership, job)
    job = job or Job(dealership=dealership)
    for name in JOB_FIELDS:
        if name in fields:
            setattr(job, name, fields[name])
    if Job.objects.for_dealership(dealership).filter(code=job.code).exclude(pk=job.pk).exists():
        raise ValidationError({"code": _("A job with this code already exists.")})
    job.full_clean()
    job.save()
    return job
