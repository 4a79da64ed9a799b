"""The capacity ledger: what the appointments take of each local day, kept on the day's lock row.

The offer answers every phone call, every self-booking screen and every 409 over the whole
booking horizon, and reading every reception in it made its cost grow with the appointments.
The ledger holds, per dealership and local day, what the engine needs without them: per advisor
the customers booked, how many of them online and beyond the maximum, and the minutes their
receptions take (a minute set, workshop.availability.minutes); and the labour booked on the day
by skill. The loader reads one row a day (bookings.capacity).

It cannot drift from the appointments: it lives on CapacityLock, the row every change of
capacity on a day locks already (bookings.services.locks), and it is written in the transaction
of the change, under that lock: a booking (a manager's past the maximum too), a move (the days
it leaves and the days it takes), and a status that gives the capacity back
(lifecycle.CAPACITY_RELEASED, a cancellation; a no-show keeps its capacity and writes nothing).
The appointments stay the truth: capacity_ledger_rebuild (and `manage.py capacity_ledger_rebuild`)
writes the rows again from them, for a dealership written to by other means than the booking
services (a bulk import, the demo seed) or one whose time zone changed, since minute sets count
from the local midnight.

Holds are not in the ledger. A hold stops counting when its minutes are up, and nothing runs at
that moment to take it out again; so the loader reads the live holds (expiring after now) beside
the ledger rows, in the same statement, as taken receptions of online customers (R9.5). There
are as many as customers finishing an online booking at that moment, whatever the appointments.
"""

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import TypedDict
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Sum

from bookings.lifecycle import CAPACITY_RELEASED
from bookings.models import Appointment, AppointmentLabour, CapacityLock, Channel
from dealerships.models import Dealership
from workshop.availability import MinuteSet, day_start, minute_bits

# (work day, skill, minutes), as the engine lays labour out (Proposal.labour_by_day)
LabourPiece = tuple[date, str, int]


class AdvisorColumn(TypedDict):
    """One advisor's entry in a lock row's `advisors` JSON text (keyed by the advisor's id)."""

    customers: int
    online: int
    beyond_maximum: int
    minutes: str  # bits_text


AdvisorsColumn = dict[str, AdvisorColumn]
LabourColumn = dict[str, int]


@dataclass(slots=True)
class AdvisorTaken:
    """What one advisor's appointments take of one day (R4.2, R9.5)."""

    customers: int = 0
    online: int = 0
    beyond_maximum: int = 0  # booked by a workshop manager past the maximum
    minutes: MinuteSet = 0  # the minutes of the day their receptions take


@dataclass(slots=True)
class DayLedger:
    """The ledger of one dealership's local day; `row_id` is its lock row's (None: no row yet)."""

    day: date
    advisors: dict[int, AdvisorTaken] = field(default_factory=dict)
    labour: dict[str, int] = field(default_factory=dict)  # R4.8: minutes booked by skill
    row_id: int | None = None

    @classmethod
    def from_columns(cls, day: date, advisors: str, labour: str, row_id: int | None = None) -> "DayLedger":
        """The ledger of a lock row's two JSON text columns."""
        advisors_json: AdvisorsColumn = json.loads(advisors)
        labour_json: LabourColumn = json.loads(labour)
        return cls(
            day=day,
            advisors={
                int(advisor_id): AdvisorTaken(
                    customers=taken["customers"],
                    online=taken["online"],
                    beyond_maximum=taken["beyond_maximum"],
                    minutes=bits_from_text(taken["minutes"]),
                )
                for advisor_id, taken in advisors_json.items()
            },
            labour=labour_json,
            row_id=row_id,
        )

    def columns(self) -> tuple[str, str]:
        """The lock row's two JSON text columns (advisors, labour)."""
        advisors: AdvisorsColumn = {
            str(advisor_id): {
                "customers": taken.customers,
                "online": taken.online,
                "beyond_maximum": taken.beyond_maximum,
                "minutes": bits_text(taken.minutes),
            }
            for advisor_id, taken in sorted(self.advisors.items())
        }
        labour: LabourColumn = dict(sorted(self.labour.items()))
        return json.dumps(advisors, separators=(",", ":")), json.dumps(labour, separators=(",", ":"))

    def same_as(self, other: "DayLedger") -> bool:
        return (self.advisors, self.labour) == (other.advisors, other.labour)


def bits_text(minutes: MinuteSet) -> str:
    """A minute set as text for the JSON column: the first minute, then the bits from it in hex
    ("480:7fff..."): 150 characters for a day received from 8:00 to 18:00, not 270 from midnight."""
    if minutes <= 0:
        return ""
    first = (minutes & -minutes).bit_length() - 1
    return f"{first}:{minutes >> first:x}"


def bits_from_text(text: str) -> MinuteSet:
    if not text:
        return 0
    first, _, digits = text.partition(":")
    return int(digits, 16) << int(first)


@dataclass(frozen=True, kw_only=True, slots=True)
class TakenCapacity:
    """The capacity one appointment takes: its reception with its advisor on its local day, and
    its labour by work day and skill (R4.2, R4.8, R9.5)."""

    advisor_id: int
    day: date
    minutes: MinuteSet  # the reception's minutes of its day
    online: bool
    beyond_maximum: bool
    labour: tuple[LabourPiece, ...]

    @property
    def days(self) -> set[date]:
        return {self.day, *(day for day, _, _ in self.labour)}


def appointment_capacity(
    appointment: Appointment, *, labour: Iterable[LabourPiece], tz: ZoneInfo
) -> TakenCapacity:
    """What the appointment, as written (or about to be), takes; `labour` is its labour rows."""
    return TakenCapacity(
        advisor_id=appointment.advisor_id,
        day=appointment.local_day,
        minutes=minute_bits(
            appointment.drop_off_at, appointment.reception_ends_at, day_start(appointment.local_day, tz)
        ),
        online=appointment.channel == Channel.WEB,
        beyond_maximum=bool(appointment.capacity_override_reason),
        labour=tuple(labour),
    )


def ledger_take(days: Mapping[date, DayLedger], taken: TakenCapacity) -> None:
    """Count the appointment's capacity in the ledger of its days (which `days` must hold)."""
    advisor = days[taken.day].advisors.setdefault(taken.advisor_id, AdvisorTaken())
    advisor.customers += 1
    advisor.online += taken.online
    advisor.beyond_maximum += taken.beyond_maximum
    advisor.minutes |= taken.minutes
    for day, skill, minutes in taken.labour:
        labour = days[day].labour
        labour[skill] = labour.get(skill, 0) + minutes


def ledger_free(days: Mapping[date, DayLedger], taken: TakenCapacity) -> None:
    """Take the appointment's capacity out of the ledger of its days. An advisor's receptions
    never overlap (the exclusion constraint, the check under the lock), so the minutes of one
    are its own to clear; what reaches zero leaves the row, as a rebuild would write it."""
    advisors = days[taken.day].advisors
    advisor = advisors.get(taken.advisor_id)
    if advisor is not None:
        advisor.customers -= 1
        advisor.online -= taken.online
        advisor.beyond_maximum -= taken.beyond_maximum
        advisor.minutes &= ~taken.minutes
        if advisor.customers <= 0:
            del advisors[taken.advisor_id]
    for day, skill, minutes in taken.labour:
        labour = days[day].labour
        left = labour.get(skill, 0) - minutes
        if left > 0:
            labour[skill] = left
        else:
            labour.pop(skill, None)


def ledger_write(days: Iterable[DayLedger]) -> None:
    """Store the days' ledger on their lock rows, which the caller holds locked."""
    for ledger in days:
        if ledger.row_id is None:
            raise ValueError("a day's ledger is written on the lock row it was read from")
        advisors, labour = ledger.columns()
        CapacityLock.objects.filter(pk=ledger.row_id).update(advisors=advisors, labour=labour)


def ledger_compute(*, dealership: Dealership, start: date, end: date) -> dict[date, DayLedger]:
    """The ledger of the days start..end as the appointments give it: the days with capacity
    taken only. Two queries; the rebuild's source, and what the tests hold the ledger to."""
    tz = dealership.tz
    ledger: dict[date, DayLedger] = {}
    receptions = (
        Appointment.objects.for_dealership(dealership)
        .filter(local_day__range=(start, end))
        .exclude(status__in=CAPACITY_RELEASED)
        .values_list(
            "advisor_id",
            "local_day",
            "drop_off_at",
            "reception_ends_at",
            "channel",
            "capacity_override_reason",
        )
    )
    for advisor_id, day, drop_off, reception_end, channel, override_reason in receptions:
        advisor = ledger.setdefault(day, DayLedger(day=day)).advisors.setdefault(advisor_id, AdvisorTaken())
        advisor.customers += 1
        advisor.online += channel == Channel.WEB
        advisor.beyond_maximum += bool(override_reason)
        advisor.minutes |= minute_bits(drop_off, reception_end, day_start(day, tz))
    labour = (
        AppointmentLabour.objects.for_dealership(dealership)
        .filter(day__range=(start, end))
        .exclude(appointment__status__in=CAPACITY_RELEASED)
        .values_list("day", "skill")
        .annotate(minutes=Sum("minutes"))
        .order_by()
    )
    for day, skill, minutes in labour:
        if minutes:
            ledger.setdefault(day, DayLedger(day=day)).labour[skill] = minutes
    return ledger


# A rebuild locks and writes a month at a time, so bookings wait at most for one month's rows.
REBUILD_DAYS = 31


def capacity_ledger_rebuild(
    *, dealership: Dealership, start: date | None = None, end: date | None = None, write: bool = True
) -> list[date]:
    """Write the ledger of the dealership's days again from its appointments (all days, or
    start..end), under the day locks, a month per transaction; answer the days whose row was
    wrong. With `write=False` only answer them."""
    from bookings.services.locks import capacity_days_lock  # which answers the rows as DayLedger

    wrong: list[date] = []
    for days in _months(sorted(_days_with_capacity(dealership, start, end))):
        with transaction.atomic():
            locked = capacity_days_lock(dealership=dealership, days=days)
            expected = ledger_compute(dealership=dealership, start=days[0], end=days[-1])
            # A day that had nothing when the days were listed and got a booking since then is
            # not in `locked`: that booking wrote its row.
            changed = []
            for day, ledger in locked.items():
                right = expected.get(day, DayLedger(day=day))
                if not ledger.same_as(right):
                    right.row_id = ledger.row_id
                    changed.append(right)
            wrong += [ledger.day for ledger in changed]
            if write:
                ledger_write(changed)
    return wrong


def _days_with_capacity(dealership: Dealership, start: date | None, end: date | None) -> set[date]:
    """The days between start and end with an appointment, booked labour or a ledger row."""
    days: set[date] = set()
    for queryset, day_field in (
        (Appointment.objects.for_dealership(dealership), "local_day"),
        (AppointmentLabour.objects.for_dealership(dealership), "day"),
        (CapacityLock.objects.for_dealership(dealership), "day"),
    ):
        if start is not None:
            queryset = queryset.filter(**{f"{day_field}__gte": start})
        if end is not None:
            queryset = queryset.filter(**{f"{day_field}__lte": end})
        days.update(queryset.order_by().values_list(day_field, flat=True).distinct())
    return days


def _months(days: list[date]) -> list[list[date]]:
    """The sorted days in runs spanning at most REBUILD_DAYS."""
    runs: list[list[date]] = []
    for day in days:
        if runs and (day - runs[-1][0]).days < REBUILD_DAYS:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs
