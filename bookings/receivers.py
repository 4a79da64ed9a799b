"""What the bookings answer when a lower app asks (connected in BookingsConfig.ready)."""

from datetime import date
from typing import Any

from bookings import selectors
from workshop.capacity_warnings import DayOverMaximum
from workshop.models import Advisor


def days_over_maximum(sender: type, *, advisor: Advisor, today: date, **kwargs: Any) -> list[DayOverMaximum]:
    return selectors.advisor_days_over_maximum(advisor=advisor, today=today)
