"""What a workshop manager is told after saving a person's capacity: hours given for weekdays the
dealership is closed (never offered), and days already booked beyond a lowered daily maximum.

The bookings are held by an app above this one: it answers `advisor_maxima_saved` with the
days it finds over the new maxima, so this app asks without importing it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

from django.dispatch import Signal
from django.utils import formats
from django.utils.translation import gettext as _

from dealerships.models import Dealership, OpeningHours, Weekday
from dealerships.services import OpeningInterval
from workshop.models import Advisor

# Sent with advisor= and today=; each receiver returns a list of DayOverMaximum.
advisor_maxima_saved = Signal()


@dataclass(frozen=True, slots=True)
class DayOverMaximum:
    day: date
    booked_customers: int
    max_customers: int


def hours_on_closed_days(dealership: Dealership, hours: Sequence[OpeningInterval]) -> str | None:
    """The warning for hours on weekdays the dealership does not open, or None."""
    open_weekdays = set(OpeningHours.objects.for_dealership(dealership).values_list("weekday", flat=True))
    closed = sorted({interval.weekday for interval in hours} - open_weekdays)
    if not closed:
        return None
    return _("The dealership is closed on %(days)s: the hours given for those days are never offered.") % {
        "days": ", ".join(str(Weekday(weekday).label) for weekday in closed)
    }


def days_over_new_maximum(advisor: Advisor, today: date) -> str | None:
    """The warning for the days from `today` already booked beyond the advisor's maximum, or None."""
    answers = advisor_maxima_saved.send(sender=Advisor, advisor=advisor, today=today)
    found: list[DayOverMaximum] = [day for _receiver, days in answers for day in cast(list, days)]
    over = sorted(found, key=lambda day: day.day)
    if not over:
        return None
    listed = ", ".join(
        _("%(day)s (%(booked)d booked)")
        % {"day": formats.date_format(day.day, "SHORT_DATE_FORMAT"), "booked": day.booked_customers}
        for day in over
    )
    return _(
        "%(advisor)s already has more customers than the new maximum of %(maximum)d on: %(days)s. "
        "Those appointments stand; move some if the day cannot take them."
    ) % {"advisor": advisor.name, "maximum": advisor.max_customers_per_day, "days": listed}
