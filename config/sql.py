"""Fixed SQL for the few reads on the booking path where building the query through the ORM
cost more than running it (bench/booking.py). The same statements run on PostgreSQL and on the
embedded SQLite: values go in through the backend's adapters and come back as Python dates and
aware UTC instants, whichever backend answered."""

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from django.db import connection, models

# What the database adapters take as a statement parameter.
SqlParam = bool | int | float | Decimal | str | bytes | date | datetime | UUID | None


def table(model: type[models.Model]) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def rows(sql: str, params: Sequence[SqlParam]) -> list[tuple[Any, ...]]:
    """The rows as the driver answers them; callers convert each column (as_date, as_utc)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def placeholders(count: int) -> str:
    return ", ".join(["%s"] * count)


def day_param(day: date) -> SqlParam:
    return connection.ops.adapt_datefield_value(day)


def instant_param(moment: datetime) -> SqlParam:
    return connection.ops.adapt_datetimefield_value(moment)


def as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def as_utc(value: datetime | str) -> datetime:
    # PostgreSQL answers aware instants; SQLite the naive UTC text Django stored.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)
