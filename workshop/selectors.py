"""Reads for the workshop: the capacity snapshot the engine works on, the offer, the load view."""

import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import CAPACITY_RELEASED, Appointment, AppointmentLabour, Channel, SlotHold
from config import sql
from customers import selectors as customer_selectors
from customers.models import Campaign, Vehicle
from dealerships.models import Closure, Dealership, OpeningHours
from workshop import availability
from workshop.availability import (
    AdvisorDay,
    CapacityDay,
    DoubleOffer,
    Interval,
    JobLine,
    Policy,
    SlotRequest,
    Snapshot,
)
from workshop.models import (
    Advisor,
    AdvisorAbsence,
    AdvisorShift,
    Job,
    Skill,
    Technician,
    TechnicianAbsence,
    TechnicianShift,
    WorkshopPolicy,
)

# The engine is fed nine days first (tomorrow and the week after it, where the double offer
# looks for its second period), then three weeks, then the whole booking horizon, stopping as
# soon as the offer is complete (R4.1: the earliest proposals are almost always near). At 20,000
# appointments the loader takes a median 18 ms for nine days, 27 for 21 and 41 for the 60-day
# horizon (bench/availability.py).
FIRST_LOOKS = (9, 21)


def workshop_policy_get(*, dealership: Dealership) -> WorkshopPolicy:
    """The dealership's policy, or the manuals' defaults when none was saved yet."""
    return WorkshopPolicy.objects.for_dealership(dealership).first() or WorkshopPolicy(dealership=dealership)


def engine_policy(policy: WorkshopPolicy) -> Policy:
    peak = ()
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
        version = sql.rows(
            f"SELECT capacity_version FROM {sql.table(Dealership)} WHERE id = %s", [dealership.pk]
        )[0][0]
    if not isinstance(version, uuid.UUID):
        version = uuid.UUID(version)  # SQLite answers the hex text Django stored
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


def capacity_load(
    *,
    dealership: Dealership,
    start: date,
    end: date,
    excluding: int | None = None,
    holder: str | None = None,
    now: datetime | None = None,
    advisor_id: int | None = None,
    settings: CapacitySettings | None = None,
) -> Snapshot:
    """The capacity of the local days start..end (inclusive) in two queries, however many
    appointments there are, once the dealership's settings are in memory: their version, and
    what is taken (the receptions booked or held for online customers, and the booked labour
    summed by day and skill).

    `excluding` leaves one appointment out: the one being moved does not block its new time;
    `holder` leaves that customer's own hold out.
    `advisor_id` loads that one advisor and their receptions only: all that confirming a time
    with them needs (the technicians' labour is still the whole workshop's), and on a busy
    week a twelfth of the rows.
    `settings` are the dealership's capacity settings as this request already read them
    (RequestedWork.settings); without them they are read (one query when in memory).
    Rows are read as tuples, not models: at 1,500 appointments in two weeks, building model
    instances (and parsing their timestamps) was most of the loader's time (bench/availability.py).
    """
    tz = dealership.tz
    if settings is None:
        settings = capacity_settings(dealership)
    policy, opening_by_weekday = settings.policy, settings.opening_by_weekday
    advisors, advisor_hours = settings.advisors, settings.advisor_hours
    technicians, technician_hours = settings.technicians, settings.technician_hours
    closed_days = _days_covered(settings.closures, start, end)
    advisor_absent = _absences(settings.advisor_absences, start, end)
    technician_absent = _absences(settings.technician_absences, start, end)
    # One advisor keeps their place among all of them: the rotation of the kept-free quarters (R4.3).
    loaded_advisors = [a for a in enumerate(advisors) if advisor_id is None or a[1][0] == advisor_id]
    receptions: dict[tuple[int, date], list[Interval]] = defaultdict(list)
    online: dict[tuple[int, date], int] = defaultdict(int)
    overridden: dict[tuple[int, date], int] = defaultdict(int)
    taken_receptions, booked_labour = _taken_capacity(
        dealership, start, end, excluding, now or timezone.now(), holder, advisor_id
    )
    for booked_with, day, drop_off, reception_end, channel, override_reason in taken_receptions:
        receptions[(booked_with, day)].append(Interval(start=drop_off, end=reception_end))
        online[(booked_with, day)] += channel == Channel.WEB
        overridden[(booked_with, day)] += bool(override_reason)
    labour: dict[date, dict[str, int]] = defaultdict(dict)
    for day, skill, minutes in booked_labour:
        labour[day][skill] = minutes

    days = []
    day = start
    while day <= end:
        weekday = day.weekday()
        if day in closed_days or not opening_by_weekday.get(weekday):
            days.append(CapacityDay(day=day, opening=()))
            day += timedelta(days=1)
            continue
        technician_minutes: dict[str, int] = defaultdict(int)
        technician_total = 0
        for technician_id, skills in technicians:
            if day in technician_absent.get(technician_id, ()):
                continue
            minutes = sum(
                _interval(day, starts, ends, tz).minutes
                for starts, ends in technician_hours.get(technician_id, {}).get(weekday, ())
            )
            technician_total += minutes
            for skill in skills:
                technician_minutes[skill] += minutes
        days.append(
            CapacityDay(
                day=day,
                opening=tuple(_interval(day, o, c, tz) for o, c in sorted(opening_by_weekday[weekday])),
                advisors=tuple(
                    AdvisorDay(
                        advisor_id=advisor_id,
                        name=name,
                        shifts=tuple(
                            _interval(day, starts, ends, tz)
                            for starts, ends in advisor_hours.get(advisor_id, {}).get(weekday, ())
                        ),
                        booked=tuple(sorted(receptions.get((advisor_id, day), ()), key=lambda i: i.start)),
                        booked_customers=len(receptions.get((advisor_id, day), ())),
                        max_customers=max_customers,
                        booked_online=online.get((advisor_id, day), 0),
                        max_online=max_online,
                        booked_beyond_maximum=overridden.get((advisor_id, day), 0),
                        rotation=position + 1,
                    )
                    for position, (advisor_id, name, max_customers, max_online) in loaded_advisors
                    if day not in advisor_absent.get(advisor_id, ())
                ),
                technician_minutes=dict(technician_minutes),
                technician_total_minutes=technician_total,
                booked_labour=labour.get(day, {}),
            )
        )
        day += timedelta(days=1)
    return Snapshot(tz=tz, policy=policy, days=tuple(days))


# The loader runs on every booking and every offer, so its reads are fixed SQL (config/sql.py):
# building the same querysets through the ORM cost five times the database's own time.


def _taken_capacity(
    dealership: Dealership,
    start: date,
    end: date,
    excluding: int | None,
    now: datetime,
    holder: str | None,
    advisor_id: int | None,
) -> tuple[list[tuple], list[tuple]]:
    """What is taken on the days, in one statement: the booked receptions, the times held for
    customers finishing an online booking, which count as taken and as online (R9.5), and the
    booked labour summed by day and skill. The three are one UNION ALL, told apart by its first
    column, because each statement is a round trip on every booking."""
    booked = (
        "SELECT 'reception', advisor_id, local_day, drop_off_at, reception_ends_at, channel,"
        f" capacity_override_reason, 0 FROM {sql.table(Appointment)}"
        f" WHERE dealership_id = %s AND local_day BETWEEN %s AND %s AND status NOT IN ({_RELEASED})"
    )
    params = [dealership.pk, sql.day_param(start), sql.day_param(end), *CAPACITY_RELEASED]
    if excluding is not None:
        booked += " AND id <> %s"
        params.append(excluding)
    if advisor_id is not None:
        booked += " AND advisor_id = %s"
        params.append(advisor_id)
    held = (
        "SELECT 'reception', advisor_id, local_day, drop_off_at, reception_ends_at, %s, '', 0"
        f" FROM {sql.table(SlotHold)}"
        " WHERE dealership_id = %s AND local_day BETWEEN %s AND %s AND expires_at > %s AND holder <> %s"
    )
    params += [
        Channel.WEB.value,
        dealership.pk,
        sql.day_param(start),
        sql.day_param(end),
        sql.instant_param(now),
        holder or "",
    ]
    if advisor_id is not None:
        held += " AND advisor_id = %s"
        params.append(advisor_id)
    labour = (
        "SELECT 'labour', NULL, labour.day, NULL, NULL, labour.skill, '', SUM(labour.minutes)"
        f" FROM {sql.table(AppointmentLabour)} labour"
        f" JOIN {sql.table(Appointment)} appointment ON appointment.id = labour.appointment_id"
        " WHERE labour.dealership_id = %s AND labour.day BETWEEN %s AND %s"
        f" AND appointment.status NOT IN ({_RELEASED})"
    )
    params += [dealership.pk, sql.day_param(start), sql.day_param(end), *CAPACITY_RELEASED]
    if excluding is not None:
        labour += " AND labour.appointment_id <> %s"
        params.append(excluding)
    labour += " GROUP BY labour.day, labour.skill"
    receptions, labour_by_day_and_skill = [], []
    for kind, advisor, day, starts, ends, channel_or_skill, reason, minutes in sql.rows(
        f"{booked} UNION ALL {held} UNION ALL {labour}", params
    ):
        if kind == "labour":
            labour_by_day_and_skill.append((sql.as_date(day), channel_or_skill, int(minutes)))
        else:
            receptions.append(
                (advisor, sql.as_date(day), sql.as_utc(starts), sql.as_utc(ends), channel_or_skill, reason)
            )
    return receptions, labour_by_day_and_skill


_RELEASED = sql.placeholders(len(CAPACITY_RELEASED))


def _weekly_hours(rows) -> dict[int, dict[int, list[tuple[time, time]]]]:
    """owner id -> weekday -> [(starts, ends)] in order, from (owner, weekday, starts, ends) rows."""
    hours: dict[int, dict[int, list[tuple[time, time]]]] = defaultdict(lambda: defaultdict(list))
    for owner_id, weekday, starts, ends in rows:
        hours[owner_id][weekday].append((starts, ends))
    for by_day in hours.values():
        for pairs in by_day.values():
            pairs.sort()
    return hours


@lru_cache(maxsize=65536)
def _interval(day: date, starts: time, ends: time, tz) -> Interval:
    # Wall-clock times of the local day to UTC instants; on a DST day the interval is as long
    # as it really is.
    return Interval(
        start=datetime.combine(day, starts, tzinfo=tz).astimezone(UTC),
        end=datetime.combine(day, ends, tzinfo=tz).astimezone(UTC),
    )


def _days_covered(ranges, start: date, end: date) -> set[date]:
    covered = set()
    for first, last in ranges:
        day = max(first, start)
        while day <= min(last, end):
            covered.add(day)
            day += timedelta(days=1)
    return covered


def _date_ranges(rows) -> dict[int, list[tuple[date, date]]]:
    """owner id -> [(first day, last day)], from (owner, first day, last day) rows."""
    by_owner: dict[int, list[tuple[date, date]]] = defaultdict(list)
    for owner_id, first, last in rows:
        by_owner[owner_id].append((first, last))
    return dict(by_owner)


def _absences(
    ranges_by_owner: dict[int, list[tuple[date, date]]], start: date, end: date
) -> dict[int, set[date]]:
    return {
        owner_id: covered
        for owner_id, ranges in ranges_by_owner.items()
        if (covered := _days_covered(ranges, start, end))
    }


def availability_offer(
    *,
    dealership: Dealership,
    request: SlotRequest,
    now: datetime,
    from_time: datetime | None = None,
    settings: CapacitySettings | None = None,
) -> DoubleOffer:
    """The double offer for the request (R4): nine days looked at first, then three weeks, then
    the whole horizon, until the offer is complete. The capacity settings are read once (or come
    as `settings`, as the request already read them); each look is then two queries.
    `from_time` asks for the next times from then on (a time the caller wanted was just taken:
    the customer hears the nearest ones, not next Monday's). An offer without proposals when
    nothing in the horizon fits."""
    if settings is None:
        settings = capacity_settings(dealership)
    today = now.astimezone(dealership.tz).date()
    horizon_end = today + timedelta(days=settings.booking_horizon_days)
    # Nothing can be offered before the time asked from, nor before the customer's first window.
    not_before = [from_time] if from_time else []
    if request.windows:
        not_before.append(min(window.start for window in request.windows))
    first_day = max([today, *(moment.astimezone(dealership.tz).date() for moment in not_before)])
    if request.windows:
        # Nor after the last window: the days past it are read only to lay the labour out.
        last_window_day = max(window.end for window in request.windows).astimezone(dealership.tz).date()
        last_needed = last_window_day + timedelta(days=availability.days_after_drop_off(request))
        horizon_end = min(horizon_end, last_needed)
    looks = sorted({min(first_day + timedelta(days=n), horizon_end) for n in FIRST_LOOKS} | {horizon_end})
    offer = None
    for last_day in looks:
        if last_day < first_day:
            break
        snapshot = capacity_load(dealership=dealership, start=first_day, end=last_day, settings=settings)
        try:
            offer = availability.offer_slots(snapshot, request, now=now, not_before=from_time)
        except availability.NoCapacity:
            continue
        if _offer_complete(offer, request, last_day):
            return offer
    return offer or DoubleOffer(proposals=())


def _offer_complete(offer: DoubleOffer, request: SlotRequest, last_day: date) -> bool:
    """Would a longer look change the offer? Not when every proposal wanted is there and the
    look reaches a week past the first (where the other period is searched) and the wished day."""
    proposals = offer.proposals
    if len(proposals) < 2 + request.alternatives:
        return False
    both_periods = {p.period for p in proposals[:2]} == set(availability.Period)
    if not both_periods and proposals[0].day + availability.OTHER_PERIOD_WITHIN > last_day:
        return False
    return request.wished_day is None or request.wished_day <= last_day


def job_list(*, dealership: Dealership):
    return Job.objects.for_dealership(dealership).filter(is_active=True).order_by("kind", "name")


def advisor_list(*, dealership: Dealership):
    return Advisor.objects.for_dealership(dealership).filter(is_active=True).order_by("name")


@dataclass(frozen=True, kw_only=True, slots=True)
class RequestedJob:
    """A job the customer wants done: from the catalogue, an open campaign (R2.4) or free labour."""

    description: str
    skill: str
    minutes: int
    job: Job | None = None
    campaign: Campaign | None = None

    @property
    def line(self) -> JobLine:
        return JobLine(skill=self.skill, minutes=self.minutes)


@dataclass(frozen=True, kw_only=True, slots=True)
class RequestedWork:
    """What the caller asked for, checked: the engine's request and the jobs behind it, and
    the capacity settings it was checked against (the booking that follows uses the same)."""

    slot_request: SlotRequest
    jobs: tuple[RequestedJob, ...]
    vehicle: Vehicle | None
    settings: CapacitySettings


def slot_request_build(
    *,
    dealership: Dealership,
    now: datetime,
    jobs: list[str],
    extra_minutes: int | None = None,
    extra_skill: str = Skill.MAINTENANCE,
    extra_description: str = "",
    vehicle: int | Vehicle | None = None,
    urgent: bool = False,
    comeback: bool = False,
    channel: str = Channel.PHONE,
    advisor: int | None = None,
    wished_date: date | None = None,
    window_start: datetime | None = None,
    window_end: datetime | None = None,
    alternatives: int = 0,
    beyond_maximum: bool = False,
    mobility_needed: bool = False,
    settings: CapacitySettings | None = None,
) -> RequestedWork:
    """Turn what the caller asked for into the engine's request; ValidationError names the field.

    Job codes come from the dealership's catalogue; a vehicle adds its open campaigns (R2.4);
    the labour of all of them is the immobilisation the engine plans (R3.1).
    """
    today = now.astimezone(dealership.tz).date()
    if settings is None:
        settings = capacity_settings(dealership)
    horizon_end = today + timedelta(days=settings.booking_horizon_days)
    errors: dict[str, str] = {}
    requested: list[RequestedJob] = []
    if jobs:
        catalogue = settings.active_jobs_by_code
        unknown = [code for code in jobs if code not in catalogue]
        if unknown:
            errors["jobs"] = _("Unknown job: %(codes)s.") % {"codes": ", ".join(unknown)}
        requested += [
            RequestedJob(description=job.name, skill=job.skill, minutes=job.labour_minutes, job=job)
            for job in (catalogue[code] for code in jobs if code in catalogue)
        ]
    if extra_minutes:
        requested.append(
            RequestedJob(
                description=extra_description or _("Other work"), skill=extra_skill, minutes=extra_minutes
            )
        )
    found = None
    if vehicle is not None:
        if isinstance(vehicle, Vehicle):  # already fetched by the caller, for this dealership
            found = vehicle if vehicle.dealership_id == dealership.id else None
        else:
            found = customer_selectors.vehicle_get(dealership=dealership, vehicle_id=vehicle)
        if found is None:
            errors["vehicle"] = _("There is no such vehicle at this dealership.")
        else:
            requested += [
                RequestedJob(
                    description=f"{campaign.code} {campaign.title}",
                    skill=Skill.MAINTENANCE,
                    minutes=campaign.labour_minutes,
                    campaign=campaign,
                )
                for campaign in customer_selectors.open_campaigns(
                    dealership=dealership, vehicle=found, today=today
                )
            ]
    if advisor is not None and all(advisor != advisor_id for advisor_id, *_ in settings.advisors):
        errors["advisor"] = _("There is no such advisor at this dealership.")
    if wished_date is not None and not today <= wished_date <= horizon_end:
        errors["wished_date"] = _("Choose a day from today to %(last)s.") % {"last": horizon_end.isoformat()}
    if window_start is not None and window_start.astimezone(dealership.tz).date() > horizon_end:
        errors["window_start"] = _("Appointments can be booked until %(last)s.") % {
            "last": horizon_end.isoformat()
        }
    if not requested and "jobs" not in errors and "vehicle" not in errors:
        errors["jobs"] = _("Choose at least one job or give the labour time.")
    if errors:
        raise ValidationError(errors)
    windows = (Interval(start=window_start, end=window_end),) if window_start and window_end else ()
    slot_request = SlotRequest(
        jobs=tuple(job.line for job in requested),
        urgent=urgent,
        comeback=comeback,
        windows=windows,
        wished_day=wished_date,
        online=channel == Channel.WEB,
        advisor_id=advisor,
        alternatives=alternatives,
        beyond_maximum=beyond_maximum,
        mobility_needed=mobility_needed,
    )
    return RequestedWork(slot_request=slot_request, jobs=tuple(requested), vehicle=found, settings=settings)


def advisor_get(*, dealership: Dealership, advisor_id: int) -> Advisor | None:
    return Advisor.objects.for_dealership(dealership).filter(id=advisor_id).first()


def technician_get(*, dealership: Dealership, technician_id: int) -> Technician | None:
    return Technician.objects.for_dealership(dealership).filter(id=technician_id).first()


def job_get(*, dealership: Dealership, job_id: int) -> Job | None:
    return Job.objects.for_dealership(dealership).filter(id=job_id).first()


def advisor_list_with_hours(*, dealership: Dealership):
    """Every advisor, active or not, with the weekly hours: two queries."""
    return (
        Advisor.objects.for_dealership(dealership).prefetch_related("shifts").order_by("-is_active", "name")
    )


def technician_list_with_hours(*, dealership: Dealership):
    return (
        Technician.objects.for_dealership(dealership)
        .prefetch_related("shifts")
        .order_by("-is_active", "name")
    )


def absence_list_upcoming(*, dealership: Dealership, person: Advisor | Technician, today: date):
    model = AdvisorAbsence if isinstance(person, Advisor) else TechnicianAbsence
    owner = "advisor" if isinstance(person, Advisor) else "technician"
    return model.objects.for_dealership(dealership).filter(**{owner: person}, last_day__gte=today)


def absence_get(*, dealership: Dealership, person: Advisor | Technician, absence_id: int):
    return (
        absence_list_upcoming(dealership=dealership, person=person, today=date.min)
        .filter(id=absence_id)
        .first()
    )


def job_catalogue(*, dealership: Dealership):
    """Every job, the inactive ones last: the catalogue page."""
    return Job.objects.for_dealership(dealership).order_by("-is_active", "kind", "name")
