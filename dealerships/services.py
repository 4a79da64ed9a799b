"""Writes for dealership settings: weekly reception hours and closures."""

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from dealerships.models import Closure, Dealership, OpeningHours


@dataclass(frozen=True, kw_only=True, slots=True)
class OpeningInterval:
    weekday: int
    opens: time
    closes: time


def opening_intervals_validate(intervals: Sequence[OpeningInterval]) -> None:
    """Raise ValidationError when an interval is reversed or two overlap on the same weekday."""
    by_day: dict[int, list[OpeningInterval]] = {}
    for interval in intervals:
        if not 0 <= interval.weekday <= 6:
            raise ValidationError({"weekday": _("The weekday must be between 0 (Monday) and 6 (Sunday).")})
        if interval.opens >= interval.closes:
            raise ValidationError({"closes": _("Closing time must be after opening time.")})
        by_day.setdefault(interval.weekday, []).append(interval)
    for day_intervals in by_day.values():
        ordered = sorted(day_intervals, key=lambda i: i.opens)
        for earlier, later in itertools.pairwise(ordered):
            if later.opens < earlier.closes:
                raise ValidationError(
                    {
                        "opens": _("Two intervals on the same day overlap: %(a)s and %(b)s.")
                        % {
                            "a": f"{earlier.opens:%H:%M}-{earlier.closes:%H:%M}",
                            "b": f"{later.opens:%H:%M}-{later.closes:%H:%M}",
                        }
                    }
                )


@transaction.atomic
def opening_hours_replace(
    *, dealership: Dealership, intervals: Sequence[OpeningInterval]
) -> list[OpeningHours]:
    """Replace the dealership's whole weekly reception schedule; all or nothing."""
    opening_intervals_validate(intervals)
    OpeningHours.objects.for_dealership(dealership).delete()
    rows = [
        OpeningHours(dealership=dealership, weekday=i.weekday, opens=i.opens, closes=i.closes)
        for i in sorted(intervals, key=lambda i: (i.weekday, i.opens))
    ]
    for row in rows:
        row.full_clean(exclude=["dealership"], validate_unique=False)
    return OpeningHours.objects.bulk_create(rows)


@transaction.atomic
def closure_create(
    *,
    dealership: Dealership,
    start_date: date,
    end_date: date,
    reason: str,
    source: str = Closure.Source.MANUAL,
) -> Closure:
    """Close the dealership for whole local days (holidays, inventory)."""
    closure = Closure(
        dealership=dealership, start_date=start_date, end_date=end_date, reason=reason, source=source
    )
    closure.full_clean()
    closure.save()
    return closure


@transaction.atomic
def closure_delete(*, dealership: Dealership, closure: Closure) -> None:
    if closure.dealership_id != dealership.id:
        raise ValueError("closure_delete called with a closure of another dealership")
    closure.delete()
