"""What the caller asked for, turned into the engine's request and the jobs behind it.

The edges (forms and serializers) check the answers against the dealership first, with the
helpers below: job codes against the catalogue, the advisor among the active ones, days within
the booking horizon. The builder then composes; the one thing it can still refuse is a request with no work in
it at all (no job, no labour and no open campaign), which only it can tell.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils import formats
from django.utils.translation import gettext as _

from bookings.models import Appointment, Channel
from customers import selectors as customer_selectors
from customers.models import Campaign, Vehicle
from dealerships.models import Dealership
from workshop.availability import Interval, JobLine, SlotRequest
from workshop.capacity_settings import CapacitySettings
from workshop.models import Job, Skill

DESCRIPTION_MAX_LENGTH = 200  # AppointmentJob.description


@dataclass(frozen=True, kw_only=True, slots=True)
class RequestedJob:
    """A job the customer wants done: from the catalogue, an open campaign (R2.4) or free labour."""

    description: str
    skill: str
    labour_minutes: int
    job: Job | None = None
    campaign: Campaign | None = None

    @property
    def line(self) -> JobLine:
        return JobLine(skill=self.skill, minutes=self.labour_minutes)


@dataclass(frozen=True, kw_only=True, slots=True)
class ExtraLabour:
    """Labour not in the catalogue, such as the diagnosis of a described fault."""

    minutes: int
    skill: str = Skill.MAINTENANCE
    description: str = ""


@dataclass(frozen=True, kw_only=True, slots=True)
class WorkWanted:
    """What the caller asked for, already checked against the dealership at the edge."""

    jobs: tuple[Job, ...] = ()
    extra: ExtraLabour | None = None
    vehicle: Vehicle | None = None  # its open campaigns join the jobs (R2.4)
    urgent: bool = False
    comeback: bool = False
    online: bool = False
    advisor_id: int | None = None
    wished_day: date | None = None
    window: Interval | None = None
    alternatives: int = 0
    beyond_maximum: bool = False
    mobility_needed: bool = False
    # Open campaigns the customer does not want done this time (R2.4: offered, not imposed).
    declined_campaign_ids: frozenset[int] = frozenset()


@dataclass(frozen=True, kw_only=True, slots=True)
class RequestedWork:
    """The engine's request and the jobs behind it, with the capacity settings they were
    checked against (the booking that follows uses the same)."""

    slot_request: SlotRequest
    jobs: tuple[RequestedJob, ...]
    vehicle: Vehicle | None
    settings: CapacitySettings


def requested_work_build(
    *, dealership: Dealership, wanted: WorkWanted, today: date, settings: CapacitySettings
) -> RequestedWork:
    """The engine's request for checked answers: the catalogue jobs, the extra labour and the
    vehicle's open campaigns (R2.4); their labour is the immobilisation the engine plans (R3.1).
    ValidationError on `jobs` when there is no work at all."""
    requested = [
        RequestedJob(description=job.name, skill=job.skill, labour_minutes=job.labour_minutes, job=job)
        for job in wanted.jobs
    ]
    if wanted.extra is not None:
        requested.append(
            RequestedJob(
                description=wanted.extra.description or _("Other work"),
                skill=wanted.extra.skill,
                labour_minutes=wanted.extra.minutes,
            )
        )
    if wanted.vehicle is not None:
        requested += [
            RequestedJob(
                description=f"{campaign.code} {campaign.title}"[:DESCRIPTION_MAX_LENGTH],
                skill=Skill.MAINTENANCE,
                labour_minutes=campaign.labour_minutes,
                campaign=campaign,
            )
            for campaign in customer_selectors.open_campaigns(
                dealership=dealership, vehicle=wanted.vehicle, today=today
            )
            if campaign.id not in wanted.declined_campaign_ids
        ]
    if not requested:
        raise ValidationError({"jobs": no_work_error()})
    slot_request = SlotRequest(
        jobs=tuple(job.line for job in requested),
        urgent=wanted.urgent,
        comeback=wanted.comeback,
        windows=(wanted.window,) if wanted.window is not None else (),
        wished_day=wanted.wished_day,
        online=wanted.online,
        advisor_id=wanted.advisor_id,
        alternatives=wanted.alternatives,
        beyond_maximum=wanted.beyond_maximum,
        mobility_needed=wanted.mobility_needed,
    )
    return RequestedWork(
        slot_request=slot_request, jobs=tuple(requested), vehicle=wanted.vehicle, settings=settings
    )


def appointment_slot_request(
    appointment: Appointment, *, wished_day: date | None = None, alternatives: int = 0
) -> SlotRequest:
    """The engine's request for moving the appointment: its own jobs, with their skills and
    labour (R3.1, R4.8), its urgency, comeback, channel and override, as when it was booked;
    so the times offered for the move are times the reschedule's check accepts."""
    jobs = tuple(JobLine(skill=job.skill, minutes=job.labour_minutes) for job in appointment.jobs.all())
    return SlotRequest(
        # An appointment written without job rows still has its labour, as maintenance.
        jobs=jobs or (JobLine(skill=Skill.MAINTENANCE, minutes=appointment.labour_minutes),),
        urgent=appointment.is_urgent,
        comeback=appointment.is_comeback,
        online=appointment.channel == Channel.WEB,
        wished_day=wished_day,
        alternatives=alternatives,
        beyond_maximum=bool(appointment.capacity_override_reason),
    )


# The checks the edges share, each answering the message for the field it names.


# The days a service desk reads and books: far enough for any history and any horizon, and far
# from the calendar's ends, where a week's arithmetic or a time zone would overflow.
SERVICE_DAYS = (date(2000, 1, 1), date(2099, 12, 31))


def service_day_validate(day: date) -> None:
    """A form or serializer validator: ValidationError for a day outside SERVICE_DAYS."""
    first, last = SERVICE_DAYS
    if not first <= day <= last:
        raise ValidationError(
            _("Choose a day between %(first)s and %(last)s.") % {"first": _day(first), "last": _day(last)}
        )


def horizon_end(*, settings: CapacitySettings, today: date) -> date:
    """The last local day that can be booked."""
    return today + timedelta(days=settings.booking_horizon_days)


def catalogue_jobs(*, settings: CapacitySettings, codes: Iterable[str]) -> tuple[tuple[Job, ...], str | None]:
    """The active catalogue jobs for the codes, and the error for the unknown ones (or None)."""
    catalogue = settings.active_jobs_by_code
    codes = list(codes)
    unknown = [code for code in codes if code not in catalogue]
    jobs = tuple(catalogue[code] for code in codes if code in catalogue)
    if unknown:
        return jobs, _("Unknown job: %(codes)s.") % {"codes": ", ".join(unknown)}
    return jobs, None


def advisor_error(*, settings: CapacitySettings, advisor_id: int | None) -> str | None:
    if advisor_id is not None and all(advisor_id != active_id for active_id, *_rest in settings.advisors):
        return _("There is no such advisor at this dealership.")
    return None


def wished_day_error(*, settings: CapacitySettings, today: date, wished_day: date | None) -> str | None:
    last = horizon_end(settings=settings, today=today)
    if wished_day is not None and not today <= wished_day <= last:
        return _("Choose a day from today to %(last)s.") % {"last": _day(last)}
    return None


def beyond_horizon_error(
    *, settings: CapacitySettings, today: date, tz: ZoneInfo, moment: datetime | None
) -> str | None:
    """The error for a time past the booking horizon (a drop-off, a window's start), or None."""
    last = horizon_end(settings=settings, today=today)
    if moment is not None and (moment.date() > last or moment.astimezone(tz).date() > last):
        return _("Appointments can be booked until %(last)s.") % {"last": _day(last)}
    return None


def no_work_error() -> str:
    return _("Choose at least one job or give the labour time.")


def _day(day: date) -> str:
    """A day in the user's own date form, for the messages above."""
    return formats.date_format(day, "SHORT_DATE_FORMAT")
