"""The capacity settings a manager sets and every offer and booking reads, kept in memory per
dealership and capacity version: the policy, opening hours, closures, advisors and technicians
with their weekly hours and absences, and the job catalogue."""

import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, time, timedelta

from dealerships.models import Closure, Dealership, OpeningHours
from workshop.availability import Policy
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
from workshop.selectors import job_list, workshop_policy_get


def engine_policy(policy: WorkshopPolicy) -> Policy:
    peak: tuple[tuple[time, time], ...] = ()
    if policy.peak_hours_start and policy.peak_hours_end:
        peak = ((policy.peak_hours_start, policy.peak_hours_end),)
    return Policy(
        slot_minutes=policy.slot_minutes,
        reception_minutes=policy.reception_minutes,
        kept_free_minutes_per_hour=policy.kept_free_minutes_per_hour,
        same_day_allowed=policy.same_day_booking_allowed,
        evening_drop_off=policy.evening_drop_off,
        full_day_labour_minutes=policy.full_day_labour_minutes,
        comeback_window=timedelta(hours=policy.comeback_window_hours),
        peak_hours=peak,
        peak_load_ratio=policy.peak_load_percent / 100,
    )


@dataclass(frozen=True, kw_only=True, slots=True)
class CapacitySettings:
    """What a manager sets and a booking only reads: the policy, opening hours, closures,
    advisors and technicians with their weekly shifts and absences, and the job catalogue."""

    policy: Policy
    booking_horizon_days: int
    opening_by_weekday: dict[int, list[tuple[time, time]]]
    closures: list[tuple[date, date]]
    advisors: list[tuple[int, str, int, int]]
    advisor_hours: dict[int, dict[int, list[tuple[time, time]]]]
    advisor_absences: dict[int, list[tuple[date, date]]]
    technicians: list[tuple[int, list[str]]]
    technician_hours: dict[int, dict[int, list[tuple[time, time]]]]
    technician_absences: dict[int, list[tuple[date, date]]]
    active_jobs_by_code: dict[str, Job]


# Per process: (dealership id, capacity version) -> CapacitySettings. Any change to one of
# these rows gives the dealership a new version (workshop/signals.py, and the services that
# bulk-create), and the version is read from the database on every call, so a stale copy is
# never used. A booking reads one row (the version) where it read ten tables.
_SETTINGS: dict[tuple[int, object], CapacitySettings] = {}
_SETTINGS_MAX_ENTRIES = 512


def capacity_settings(dealership: Dealership, *, version: uuid.UUID | None = None) -> CapacitySettings:
    """One query when the dealership's settings are already in memory, eleven when not.

    `version`: the dealership's capacity_version as this request read it, which saves the
    query. A tenant view's dealership comes from the tenant check of the same request
    (dealerships.access), so its `capacity_version` is current; an instance kept from earlier
    is not, and must not be used so.
    """
    if version is None:
        version = Dealership.objects.filter(pk=dealership.pk).values_list("capacity_version", flat=True).get()
    key = (dealership.pk, version)
    settings = _SETTINGS.get(key)
    if settings is None:
        settings = _capacity_settings_read(dealership)
        if len(_SETTINGS) >= _SETTINGS_MAX_ENTRIES:
            _SETTINGS.clear()
        _SETTINGS[key] = settings
    return settings


def _capacity_settings_read(dealership: Dealership) -> CapacitySettings:
    opening_by_weekday: dict[int, list[tuple[time, time]]] = defaultdict(list)
    for weekday, opens, closes in OpeningHours.objects.for_dealership(dealership).values_list(
        "weekday", "opens", "closes"
    ):
        opening_by_weekday[weekday].append((opens, closes))
    policy = workshop_policy_get(dealership=dealership)
    return CapacitySettings(
        policy=engine_policy(policy),
        booking_horizon_days=policy.booking_horizon_days,
        opening_by_weekday=dict(opening_by_weekday),
        closures=list(Closure.objects.for_dealership(dealership).values_list("start_date", "end_date")),
        advisors=list(
            Advisor.objects.for_dealership(dealership)
            .filter(is_active=True)
            .order_by("id")
            .values_list("id", "name", "max_customers_per_day", "max_online_per_day")
        ),
        advisor_hours=_weekly_hours(
            AdvisorShift.objects.for_dealership(dealership)
            .filter(advisor__is_active=True)
            .values_list("advisor_id", "weekday", "starts", "ends")
        ),
        advisor_absences=_date_ranges(
            AdvisorAbsence.objects.for_dealership(dealership).values_list(
                "advisor_id", "first_day", "last_day"
            )
        ),
        technicians=list(
            Technician.objects.for_dealership(dealership).filter(is_active=True).values_list("id", "skills")
        ),
        technician_hours=_weekly_hours(
            TechnicianShift.objects.for_dealership(dealership)
            .filter(technician__is_active=True)
            .values_list("technician_id", "weekday", "starts", "ends")
        ),
        technician_absences=_date_ranges(
            TechnicianAbsence.objects.for_dealership(dealership).values_list(
                "technician_id", "first_day", "last_day"
            )
        ),
        active_jobs_by_code={job.code: job for job in job_list(dealership=dealership)},
    )


def _weekly_hours(
    rows: Iterable[tuple[int, int, time, time]],
) -> dict[int, dict[int, list[tuple[time, time]]]]:
    """owner id -> weekday -> [(starts, ends)] in order, from (owner, weekday, starts, ends) rows."""
    hours: dict[int, dict[int, list[tuple[time, time]]]] = defaultdict(lambda: defaultdict(list))
    for owner_id, weekday, starts, ends in rows:
        hours[owner_id][weekday].append((starts, ends))
    for by_day in hours.values():
        for pairs in by_day.values():
            pairs.sort()
    return hours


def _date_ranges(rows: Iterable[tuple[int, date, date]]) -> dict[int, list[tuple[date, date]]]:
    """owner id -> [(first day, last day)], from (owner, first day, last day) rows."""
    by_owner: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for owner_id, first, last in rows:
        by_owner[owner_id].append((first, last))
    return dict(by_owner)
