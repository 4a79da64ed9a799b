"""Writes for dealership settings: weekly reception hours and closures."""

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

import holidays
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from dealerships.models import Closure, Dealership, OpeningHours
from dealerships.ownership import ensure_owned_by


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
    # With their copies in the audit trail (audit/ registers the history; bulk_create saves none).
    created: list[OpeningHours] = bulk_create_with_history(rows, OpeningHours)
    capacity_changed(dealership_id=dealership.id)  # bulk_create sends no signal
    return created


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
    ensure_owned_by(dealership, closure)
    closure.delete()


# Our language codes whose locale is not the code itself: simplified Chinese is written in China.
_HOLIDAY_LOCALES = {"zh-hans": "zh_CN", "zh-hant": "zh_TW"}


def holiday_language(
    *, language: str, country: str, supported: Sequence[str], default: str | None
) -> str | None:
    """The locale of a holiday calendar to name its holidays in `language`: the same locale,
    else the same language as spoken in `country`, else in any country; when the calendar does
    not speak it, the calendar's own language. Always one of the calendar's, since without one
    the `holidays` package guesses from the server's locale settings."""
    wanted = _HOLIDAY_LOCALES.get(language.lower(), translation.to_locale(language))
    same_language = [code for code in supported if code.split("_")[0].lower() == wanted.split("_")[0].lower()]
    for candidate in (wanted, f"{wanted.split('_')[0]}_{country.upper()}"):
        if candidate in supported:
            return candidate
    return same_language[0] if same_language else default


@transaction.atomic
def closures_prefill_public_holidays(*, dealership: Dealership, year: int) -> list[Closure]:
    """Close the dealership on its country's and region's public holidays of `year`.

    Days already covered by a closure are left alone, so running it twice adds nothing, and
    a holiday the manager removed stays removed until the year is filled in again.
    """
    try:
        calendar = holidays.country_holidays(
            dealership.country, subdiv=dealership.subdivision or None, years=year
        )
    except NotImplementedError as error:
        message = _("There is no public holiday calendar for %(country)s.") % {"country": dealership.country}
        raise ValidationError({"year": message}) from error
    language = holiday_language(
        language=dealership.language,
        country=dealership.country,
        supported=calendar.supported_languages,
        default=calendar.default_language,
    )
    calendar = holidays.country_holidays(
        dealership.country, subdiv=dealership.subdivision or None, years=year, language=language
    )
    covered = [
        (c.start_date, c.end_date)
        for c in Closure.objects.for_dealership(dealership).filter(
            start_date__lte=date(year, 12, 31), end_date__gte=date(year, 1, 1)
        )
    ]
    created = []
    for day, name in sorted(calendar.items()):
        if any(first <= day <= last for first, last in covered):
            continue
        created.append(
            closure_create(
                dealership=dealership,
                start_date=day,
                end_date=day,
                reason=name[:120],
                source=Closure.Source.PUBLIC_HOLIDAY,
            )
        )
    return created


def capacity_changed(*, dealership_id: int) -> None:
    """The dealership's weekly capacity changed: the availability loader reloads it."""
    Dealership.objects.filter(pk=dealership_id).update(capacity_version=uuid.uuid4())
