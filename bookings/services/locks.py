"""The day locks every change of capacity takes: one row per dealership and local day, which
also holds the day's capacity ledger (bookings.ledger)."""

from collections.abc import Sequence
from datetime import date

from django.db import OperationalError

from bookings.ledger import DayLedger
from bookings.models import CapacityLock
from bookings.services.refusals import slot_refused
from config import db_errors
from dealerships.models import Dealership
from workshop.availability import Refusal


def capacity_days_lock(*, dealership: Dealership, days: Sequence[date]) -> dict[date, DayLedger]:
    """Lock the dealership's capacity on these local days until the transaction ends, and
    answer their ledger as it is under the lock: what a change writes back, changed.

    In date order, so two bookings that share days do not wait on each other in a circle; if a
    reschedule's days still cross another's, PostgreSQL breaks the deadlock and the loser is
    told the time was taken. A day's lock row is created by the first booking on that day, so
    the usual booking locks with one statement. SQLite has no FOR UPDATE (Django leaves it
    out): its IMMEDIATE transaction already holds the one write lock. On PostgreSQL a row
    locked after waiting for another transaction is read as that one committed it.
    """
    ordered = sorted(set(days))
    if not ordered:
        return {}
    try:
        locked = _lock_rows(dealership, ordered)
        if len(locked) < len(ordered):
            CapacityLock.objects.bulk_create(
                [CapacityLock(dealership=dealership, day=day) for day in ordered if day not in locked],
                ignore_conflicts=True,
            )
            locked = _lock_rows(dealership, ordered)
    except OperationalError as error:
        if db_errors.is_deadlock(error):
            raise slot_refused(Refusal.TAKEN) from error
        raise
    return locked


def _lock_rows(dealership: Dealership, ordered: list[date]) -> dict[date, DayLedger]:
    rows = (
        CapacityLock.objects.select_for_update()
        .filter(dealership=dealership, day__in=ordered)
        .order_by("day")
        .values_list("id", "day", "advisors", "labour")
    )
    return {
        day: DayLedger.from_columns(day, advisors, labour, row_id) for row_id, day, advisors, labour in rows
    }
