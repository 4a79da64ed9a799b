"""The audit trail as people read it: who, when, what kind of change, and each changed field
with its name and its values before and after, in the reader's language and the dealership's
time zone. Built from the selectors' history steps; the related rows a change names (an advisor,
a vehicle) are read in one query per kind of row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from audit.models import Actor
from audit.selectors import HistoryStep
from bookings.models import Appointment, Document
from customers.models import Customer, Vehicle
from dealerships.models import Closure, Dealership, DealershipOwned, OpeningHours, Weekday
from dealerships.templatetags.local_formats import short_day_time
from mobility.models import FleetVehicle, MobilitySolution, Reservation
from workshop.models import (
    Advisor,
    AdvisorAbsence,
    AdvisorShift,
    Job,
    Skill,
    Technician,
    TechnicianAbsence,
    TechnicianShift,
)

# Columns a change never shows: the tenant (never changes), and copies the record derives from
# the columns that are shown (an appointment's day, reception end and work start follow its
# drop-off; its advisor's name follows its advisor).
HIDDEN: dict[type[models.Model], set[str]] = {
    Appointment: {"advisor_name", "local_day", "reception_ends_at", "work_starts_at"},
}
ALWAYS_HIDDEN = {"dealership"}
# Columns no form edits that a change shows all the same (simple-history diffs editable ones).
SHOWN: dict[type[models.Model], set[str]] = {Customer: {"erased_at"}}
# JSON lists of choice values, shown by their labels.
LIST_CHOICES: dict[tuple[type[models.Model], str], type[models.TextChoices]] = {
    (Technician, "skills"): Skill,
    (Appointment, "documents_to_bring"): Document,
}


@dataclass(frozen=True, slots=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True, slots=True)
class AuditEntry:
    at: datetime
    who: str
    kind: str  # "+", "~" or "-", as simple-history records it
    action: str
    subject: str
    changes: tuple[FieldChange, ...]


def _action(kind: str) -> str:
    return {
        "+": pgettext("audit", "Created"),
        "~": pgettext("audit", "Changed"),
        "-": pgettext("audit", "Deleted"),
    }[kind]


def _who(step: HistoryStep) -> str:
    row = step.row
    user = row.history_user
    if user is not None:
        return str(user.get_full_name() or user.get_username())
    return str(Actor(row.history_actor).label)


def _references(model: type[models.Model]) -> list[models.ForeignKey[Any, Any]]:
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey) and field.name not in ALWAYS_HIDDEN
    ]


class _Labels:
    """The names of the rows that history rows point at, read in one query per model."""

    def __init__(self, dealership: Dealership, steps: Sequence[HistoryStep]) -> None:
        wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
        for step in steps:
            for field in _references(step.model):
                for row in (step.row, step.previous):
                    if row is not None and (value := getattr(row, field.attname)) is not None:
                        wanted[field.related_model].add(value)
        self._labels: dict[tuple[type[models.Model], Any], str] = {}
        for model, ids in wanted.items():
            rows = model._base_manager.filter(pk__in=ids)
            if issubclass(model, DealershipOwned):  # the wall holds for what a change names too
                rows = rows.filter(dealership=dealership)
            self._labels.update(((model, row.pk), str(row)) for row in rows)

    def get(self, model: type[models.Model], pk: object) -> str:
        return self._labels.get((model, pk), f"#{pk}")


def _shown(model: type[models.Model], field: models.Field[Any, Any], value: object, labels: _Labels) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(field, models.ForeignKey):
        return labels.get(field.related_model, value)
    if (choices := LIST_CHOICES.get((model, field.name))) is not None and isinstance(value, list):
        return ", ".join(str(choices(v).label) if v in choices.values else str(v) for v in value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return short_day_time(timezone.localtime(value))
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, time):
        return formats.time_format(value, "TIME_FORMAT")
    if isinstance(value, int):
        return formats.number_format(value, force_grouping=True)
    if hasattr(value, "as_international"):  # a phone number
        return str(value.as_international)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _changes(step: HistoryStep, labels: _Labels) -> tuple[FieldChange, ...]:
    if step.previous is None or step.row.history_type != "~":
        return ()
    delta = step.row.diff_against(
        step.previous, excluded_fields=ALWAYS_HIDDEN | HIDDEN.get(step.model, set())
    )
    values = {change.field: (change.old, change.new) for change in delta.changes}
    for name in SHOWN.get(step.model, set()):  # diff_against compares editable columns only
        if (old := getattr(step.previous, name)) != (new := getattr(step.row, name)):
            values[name] = (old, new)
    changes = []
    for field in step.model._meta.concrete_fields:  # in the model's order
        if field.name in values:
            old, new = values[field.name]
            changes.append(
                FieldChange(
                    label=str(field.verbose_name).capitalize(),
                    before=_shown(step.model, field, old, labels),
                    after=_shown(step.model, field, new, labels),
                )
            )
    return tuple(changes)


def _hours(first: time, last: time) -> str:
    return f"{formats.time_format(first, 'TIME_FORMAT')}–{formats.time_format(last, 'TIME_FORMAT')}"


def _days(first: date, last: date) -> str:
    return (
        f"{formats.date_format(first, 'SHORT_DATE_FORMAT')}–{formats.date_format(last, 'SHORT_DATE_FORMAT')}"
    )


def _subject(step: HistoryStep, labels: _Labels) -> str:
    """What the change was made to, for a list that mixes records of several kinds."""
    row, model = step.row, step.model
    kind = str(model._meta.verbose_name).capitalize()
    if model in (AdvisorShift, TechnicianShift):
        owner = (
            labels.get(Advisor, row.advisor_id)
            if model is AdvisorShift
            else labels.get(Technician, row.technician_id)
        )
        hours = _hours(row.starts, row.ends)
        return f"{kind}: {owner}, {Weekday(row.weekday).label} {hours}"
    if model in (AdvisorAbsence, TechnicianAbsence):
        owner = (
            labels.get(Advisor, row.advisor_id)
            if model is AdvisorAbsence
            else labels.get(Technician, row.technician_id)
        )
        return f"{kind}: {owner}, {_days(row.first_day, row.last_day)}"
    if model is OpeningHours:
        return f"{kind}: {Weekday(row.weekday).label} {_hours(row.opens, row.closes)}"
    if model is Closure:
        return f"{kind}: {_days(row.start_date, row.end_date)} {row.reason}".strip()
    if model in (Advisor, Technician):
        return f"{kind}: {row.name}"
    if model is Job:
        return f"{kind}: {row.code} {row.name}"
    if model is Vehicle:
        return f"{kind}: {row.plate or row.vin}"
    if model is FleetVehicle:
        return f"{kind}: {row.brand} {row.model} ({row.plate})"
    if model is Reservation:
        return f"{kind}: {labels.get(MobilitySolution, row.solution_id)}"
    return kind


def audit_entries(
    *, dealership: Dealership, steps: Iterable[HistoryStep], page_model: type[models.Model] | None = None
) -> list[AuditEntry]:
    """The steps as the page shows them; one query per kind of row the changes name. The steps
    of `page_model` (the record the page is about) need not say what they were made to."""
    steps = list(steps)
    labels = _Labels(dealership, steps)
    return [
        AuditEntry(
            at=step.row.history_date,
            who=_who(step),
            kind=step.row.history_type,
            action=_action(step.row.history_type),
            subject="" if step.model is page_model else _subject(step, labels),
            changes=_changes(step, labels),
        )
        for step in steps
    ]
