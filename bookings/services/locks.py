"""The day locks every change of capacity takes: one row per dealership and local day."""

from collections.abc import Sequence
from datetime import date

from django.db import OperationalError

from bookings.models import CapacityLock
from config import db_errors
from config.errors import SlotTaken
from dealerships.models import Dealership


def capacity_days_lock(*, dealership: Dealership, days: Sequence[date]) -> None:
    """Lock the dealership's capacity on these local days until the transaction ends.

    In date order, so two bookings that share days do not wait on each other in a circle; if a
    reschedule's days still cross another's, PostgreSQL breaks the deadlock and the loser is
    told the time was taken. A day's lock row is created by the first booking on that day, so
    the usual booking locks with one statement. SQLite has no FOR UPDATE (Django leaves it
    out): its IMMEDIATE transaction already holds the one write lock.
    """
    ordered = sorted(set(days))
    if not ordered:
        return
    try:
        locked = _lock_rows(dealership, ordered)
        if len(locked) < len(ordered):
            CapacityLock.objects.bulk_create(
                [CapacityLock(dealership=dealership, day=day) for day in ordered if day not in locked],
                ignore_conflicts=True,
            )
            _lock_rows(dealership, ordered)
    except OperationalError as error:
        if db_errors.is_deadlock(error):
            raise SlotTaken from error
        raise


def _lock_rows(dealership: Dealership, ordered: list[date]) -> set[date]:
    return set(
        CapacityLock.objects.select_for_update()
        .filter(dealership=dealership, day__in=ordered)
        .order_by("day")
        .values_list("day", flat=True)
    )
