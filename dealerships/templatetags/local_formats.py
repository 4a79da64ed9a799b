"""Dates and times in the active language's own forms (Django's locale formats), for every page,
e-mail and message: never one fixed pattern for all languages. Like Django's `date` filter, they
show an aware datetime in the current time zone (a dealership's pages run in its own)."""

from datetime import date, datetime

from django import template
from django.utils import formats
from django.utils.translation import gettext as _

register = template.Library()


@register.filter(expects_localtime=True)
def long_day(value: date | datetime | None) -> str:
    """The weekday and the date, as the language writes them: "Wednesday, Dec. 2, 2026",
    "mercoledì 2 dicembre 2026", "2026年12月2日 星期三"."""
    if value is None:
        return ""
    return _("%(weekday)s %(date)s") % {
        "weekday": formats.date_format(value, "l"),
        "date": formats.date_format(value, "DATE_FORMAT"),
    }


@register.filter(expects_localtime=True)
def long_day_time(value: datetime | None) -> str:
    """The weekday, the date and the time of day in the language's forms."""
    if value is None:
        return ""
    return _("%(day)s, %(time)s") % {
        "day": long_day(value),
        "time": formats.time_format(value, "TIME_FORMAT"),
    }


@register.filter(expects_localtime=True)
def short_day_time(value: datetime | None) -> str:
    """The short date and the time, for tables."""
    if value is None:
        return ""
    return _("%(date)s %(time)s") % {
        "date": formats.date_format(value, "SHORT_DATE_FORMAT"),
        "time": formats.time_format(value, "TIME_FORMAT"),
    }


@register.filter
def grouped(value: int | None) -> str:
    """A whole number (a mileage) with the language's digit grouping: 27,612 in English,
    27.612 in Italian, 27 612 (a no-break space) in Spanish, French and Russian."""
    if value is None:
        return ""
    return formats.number_format(value, force_grouping=True)
