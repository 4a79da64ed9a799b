"""Reads of the audit trail: a record's changes, and the recent changes to the capacity settings.

Each historical row is paired with the one before it of the same record, so a change can be
shown as what it changed. Every read is scoped to the dealership on the historical row itself,
and takes a fixed number of queries whatever the number of changes.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import models
from django.db.models import OuterRef, Subquery

from audit.models import SETTINGS_MODELS
from dealerships.models import Dealership, OpeningHours
from workshop.models import AdvisorShift, TechnicianShift

RECORD_HISTORY_LIMIT = 50
CAPACITY_HISTORY_LIMIT = 100
# Weekly hours are saved by replacing them all (an advisor's with the advisor, the opening hours
# together): an interval deleted and the same one created again by the same save is no change.
REPLACED_TOGETHER: dict[type[models.Model], tuple[str, ...]] = {
    AdvisorShift: ("advisor_id", "weekday", "starts", "ends"),
    TechnicianShift: ("technician_id", "weekday", "starts", "ends"),
    OpeningHours: ("weekday", "opens", "closes"),
}
SAME_SAVE = timedelta(seconds=5)


@dataclass(frozen=True, slots=True)
class HistoryStep:
    """One historical row and the one before it of the same record (None for the first)."""

    model: type[models.Model]
    row: Any  # a historical row (simple-history builds the class at start-up)
    previous: Any | None


def _history(model: type[models.Model]) -> models.Manager[Any]:
    return model.history  # type: ignore[attr-defined]  # added by audit.models


def record_history(
    *, dealership: Dealership, model: type[models.Model], object_id: int, limit: int = RECORD_HISTORY_LIMIT
) -> list[HistoryStep]:
    """The record's latest changes, newest first, with their authors: one query."""
    rows = list(
        _history(model)
        .filter(dealership=dealership, id=object_id)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: limit + 1]  # one more, to show the oldest's change
    )
    return [
        HistoryStep(model=model, row=row, previous=rows[i + 1] if i + 1 < len(rows) else None)
        for i, row in enumerate(rows[:limit])
    ]


def related_history(
    *,
    dealership: Dealership,
    model: type[models.Model],
    limit: int = RECORD_HISTORY_LIMIT,
    **owner: int,
) -> list[HistoryStep]:
    """The latest changes to the rows of `model` that point at a record (an appointment's
    mobility reservations: `appointment_id=...`), newest first: one query."""
    rows = list(
        _history(model)
        .filter(dealership=dealership, **owner)
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[: limit * 2]
    )
    steps = []
    for i, row in enumerate(rows[:limit]):
        previous = next((older for older in rows[i + 1 :] if older.id == row.id), None)
        steps.append(HistoryStep(model=model, row=row, previous=previous))
    return steps


def capacity_history(*, dealership: Dealership, limit: int = CAPACITY_HISTORY_LIMIT) -> list[HistoryStep]:
    """The latest changes to the dealership's capacity settings (and its mobility fleet) across
    all their tables, newest first: two queries per table (the rows, with each row's previous
    row's id; those rows)."""
    steps: list[HistoryStep] = []
    for model in SETTINGS_MODELS:
        history = _history(model)
        before = (
            history.filter(
                id=OuterRef("id"), dealership=dealership, history_date__lt=OuterRef("history_date")
            )
            .order_by("-history_date", "-history_id")
            .values("history_id")[:1]
        )
        rows = list(
            history.filter(dealership=dealership)
            .select_related("history_user")
            .annotate(previous_history_id=Subquery(before))
            .order_by("-history_date", "-history_id")[:limit]
        )
        previous_ids = {row.previous_history_id for row in rows} - {None}
        previous = history.filter(dealership=dealership).in_bulk(previous_ids) if previous_ids else {}
        steps.extend(
            HistoryStep(model=model, row=row, previous=previous.get(row.previous_history_id)) for row in rows
        )
    steps = _without_unchanged_replacements(steps)
    steps.sort(key=lambda step: (step.row.history_date, step.row.history_id), reverse=True)
    return steps[:limit]


def _without_unchanged_replacements(steps: list[HistoryStep]) -> list[HistoryStep]:
    """The steps less each interval deleted and created again, equal, by one save of one user."""
    groups: dict[tuple[Any, ...], list[HistoryStep]] = defaultdict(list)
    for step in steps:
        if (fields := REPLACED_TOGETHER.get(step.model)) and step.row.history_type in "+-":
            key = (step.model, step.row.history_user_id, *(getattr(step.row, f) for f in fields))
            groups[key].append(step)
    dropped: set[int] = set()
    for group in groups.values():
        deleted = [s for s in group if s.row.history_type == "-"]
        created = sorted((s for s in group if s.row.history_type == "+"), key=lambda s: s.row.history_date)
        for gone in sorted(deleted, key=lambda s: s.row.history_date):
            again = next(
                (
                    s
                    for s in created
                    if id(s) not in dropped
                    and timedelta(0) <= s.row.history_date - gone.row.history_date <= SAME_SAVE
                ),
                None,
            )
            if again is not None:
                dropped |= {id(gone), id(again)}
    return [step for step in steps if id(step) not in dropped]
