"""The engine's values: the capacity snapshot and the request going in, the proposals coming out.

Instants are aware datetimes in UTC; wall-clock rules are read in the snapshot's zone.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

MINUTE = timedelta(minutes=1)
# A set of minutes of one local day, as the bits of an int: bit n is the minute that starts n
# minutes after the day does (workshop.availability.minutes).
MinuteSet = int


@dataclass(frozen=True, kw_only=True, slots=True)
class Interval:
    start: datetime
    end: datetime

    def overlaps(self, other: "Interval") -> bool:
        return self.start < other.end and other.start < self.end

    def contains(self, other: "Interval") -> bool:
        return self.start <= other.start and other.end <= self.end

    @property
    def minutes(self) -> int:
        return int((self.end - self.start) / MINUTE)


@dataclass(frozen=True, kw_only=True, slots=True)
class Policy:
    """A dealership's booking policy; the defaults are the manuals' numbers."""

    slot_minutes: int = 30
    reception_minutes: int = 15  # R5.1: "the vehicle is received in about 15 minutes"
    kept_free_minutes_per_hour: int = 15  # R4.3
    same_day_allowed: bool = False  # R4.4
    evening_drop_off: time = time(16, 30)  # R4.5
    # R4.5, R4.4: a full-day job is also offered the morning's times, until this one excluded
    # (the guide's "tomorrow 9:30 or 10:30"), so the work starts the day it is dropped off.
    morning_drop_off_until: time = time(12, 0)
    full_day_labour_minutes: int = 420  # R4.5: labour from which a job keeps the car a full day
    comeback_window: timedelta = timedelta(hours=48)  # R2.3
    peak_hours: tuple[tuple[time, time], ...] = ((time(8, 0), time(9, 30)),)  # R4.4
    peak_load_ratio: float = 0.75  # R4.4: a day whose places are booked to 75% or more is busy


@dataclass(frozen=True, kw_only=True, slots=True)
class AdvisorDay:
    """One service advisor on one day: reception hours, bookings taken and the maxima (R4.2)."""

    advisor_id: int
    name: str
    shifts: tuple[Interval, ...]  # when the advisor receives customers (absences already removed)
    booked: MinuteSet = 0  # the minutes taken by receptions booked or held with the advisor
    booked_customers: int = 0
    max_customers: int = 8
    booked_online: int = 0
    max_online: int = 8  # R9.5: a separate cap keeps places for the phone desk
    booked_beyond_maximum: int = 0  # bookings a workshop manager made past the maximum
    # Which quarter of each hour is kept free turns with this number (R4.3): the advisor's
    # place among the dealership's advisors, so the pattern does not depend on database ids.
    rotation: int = 0


@dataclass(frozen=True, kw_only=True, slots=True)
class CapacityDay:
    day: date
    opening: tuple[Interval, ...]  # the dealership's reception hours; empty when closed
    advisors: tuple[AdvisorDay, ...] = ()
    technician_minutes: Mapping[str, int] = field(default_factory=dict)  # by skill (R4.8)
    technician_total_minutes: int = 0  # a technician with two skills counts once here
    booked_labour: Mapping[str, int] = field(default_factory=dict)  # by skill
    # R4.8: when the technicians with each skill work (their shifts, absences removed, merged),
    # which labour is laid over; None lays it over the opening hours (hand-built snapshots).
    technician_hours: Mapping[str, tuple[Interval, ...]] | None = None

    @property
    def booked_customers(self) -> int:
        return sum(a.booked_customers for a in self.advisors)

    @property
    def max_customers(self) -> int:
        return sum(a.max_customers for a in self.advisors if a.shifts)


@dataclass(frozen=True, kw_only=True, slots=True)
class Snapshot:
    """Everything the engine knows about a dealership over consecutive local days."""

    tz: ZoneInfo
    policy: Policy
    days: tuple[CapacityDay, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class JobLine:
    skill: str
    minutes: int


@dataclass(frozen=True, kw_only=True, slots=True)
class SlotRequest:
    jobs: tuple[JobLine, ...]
    urgent: bool = False  # R4.6: risk of damage; may use today's kept-free time
    comeback: bool = False  # R2.3: back for the same problem; within 48 hours
    windows: tuple[Interval, ...] = ()  # when the customer can come; none means any time
    wished_day: date | None = None  # a day the customer asked for: offered besides the earliest
    online: bool = False
    advisor_id: int | None = None  # the customer's usual advisor, preferred at equal times
    alternatives: int = 0  # more proposals beyond the double offer
    # A workshop manager may book past an advisor's daily maximum; never into a booked slot.
    beyond_maximum: bool = False
    # R3: the customer needs a mobility solution while the car is in. The workshop engine
    # carries it for the layer that plans mobility, which narrows the proposals to times when
    # one is free; the workshop rules themselves do not read it.
    mobility_needed: bool = False

    @property
    def labour_minutes(self) -> int:  # R3.1: the immobilisation comes from the jobs' durations
        return sum(job.minutes for job in self.jobs)


class Period(StrEnum):
    QUIET = "quiet"
    BUSY = "busy"


class Reason(StrEnum):
    """Why a proposal was made; the UI turns each into a sentence in the user's language."""

    EARLIEST = "earliest"  # R4.1
    QUIET_PERIOD = "quiet_period"  # R4.4
    PEAK_HOURS = "peak_hours"  # R4.4
    HIGH_LOAD = "high_load"  # R4.4
    EVENING_DROP_OFF = "evening_drop_off"  # R4.5
    KEPT_FREE_TIME = "kept_free_time"  # R4.3 time used for R4.6 or R2.3
    SAME_DAY_URGENT = "same_day_urgent"  # R4.6
    COMEBACK_WITHIN_WINDOW = "comeback_within_window"  # R2.3
    COMEBACK_WINDOW_MISSED = "comeback_window_missed"  # R2.3 could not be met
    PREFERRED_ADVISOR = "preferred_advisor"
    BEYOND_MAXIMUM = "beyond_maximum"  # a workshop manager's override of R4.2
    WISHED_DAY = "wished_day"
    ALTERNATIVE = "alternative"


class Refusal(StrEnum):
    """Why a chosen time cannot be booked, or why an offer has no proposal at all; the UI turns
    each into a sentence in the user's language."""

    # A chosen time, checked by confirm:
    PASSED = "passed"
    CLOSED_DAY = "closed_day"
    NOT_A_SLOT = "not_a_slot"  # not a drop-off time of the grid inside the opening hours
    SAME_DAY = "same_day"  # R4.4: no work on the day of the booking by default
    EVENING_DROP_OFF_ONLY = "evening_drop_off_only"  # R4.5
    OUTSIDE_WINDOW = "outside_window"  # not when the customer can come
    WORK_PAST_LAST_DAY = "work_past_last_day"  # R3.1: the work would not end within the days known
    NO_SKILL = "no_skill"  # R4.8: no technician has a skill the work needs
    TECHNICIANS_FULL = "technicians_full"  # R4.8
    ADVISOR_NOT_RECEIVING = "advisor_not_receiving"  # not on the advisor's shifts, or absent
    TAKEN = "taken"  # the advisor receives another customer then
    KEPT_FREE = "kept_free"  # R4.3
    ADVISOR_FULL = "advisor_full"  # R4.2
    ONLINE_FULL = "online_full"  # R9.5: the places kept for online booking are taken
    BEYOND_HORIZON = "beyond_horizon"  # checked by the booking service, which knows the horizon
    # An offer with no proposal at all, by what ran out:
    CLOSED_THROUGHOUT = "closed_throughout"
    NO_ADVISOR = "no_advisor"
    FULLY_BOOKED = "fully_booked"


@dataclass(frozen=True, kw_only=True, slots=True)
class Proposal:
    advisor_id: int
    advisor_name: str
    day: date  # the local day of the drop-off
    drop_off: datetime  # reception starts (UTC, like every instant here)
    reception_end: datetime
    work_starts: datetime
    promised_return: datetime  # R4.7
    period: Period
    reasons: tuple[Reason, ...]
    labour_by_day: tuple[tuple[date, str, int], ...]  # (work day, skill, minutes) (R4.8)

    @property
    def uses_kept_free_time(self) -> bool:
        return Reason.KEPT_FREE_TIME in self.reasons


@dataclass(frozen=True, kw_only=True, slots=True)
class DoubleOffer:
    """R4.4: a quiet and a busy proposal, the earlier one first, then the alternatives; with
    none, the shortfall says why."""

    proposals: tuple[Proposal, ...]
    shortfall: Refusal | None = None

    @property
    def quiet(self) -> Proposal | None:
        return next((p for p in self.proposals[:2] if p.period is Period.QUIET), None)

    @property
    def busy(self) -> Proposal | None:
        return next((p for p in self.proposals[:2] if p.period is Period.BUSY), None)


class NoCapacity(Exception):
    """Nothing in the snapshot fits the request, or not the time chosen; `refusal` says why."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal
