"""The tenant wall on the write path: a dealership's row points only at rows of its own dealership.

DealershipOwned takes its checks from SameDealershipReferences and its queryset from
SameDealershipQuerySet, so every way of writing rows checks them: full_clean() (a ModelForm, the
admin's included, shows the refusal on the field), save() and bulk_create(). A row also stays
with the dealership it was created for, so rows that point at it never end up across the wall.

The check reads nothing for a reference whose row is on the instance (`vehicle.customer` was set
or fetched) or whose value was read from the database with the row: rows never change
dealership, so a reference that was the dealership's stays so. The other references are read in
one query per save() or bulk_create(). QuerySet.update() and bulk_update() write columns without
instances and are not checked; nothing writes a foreign key through them.
"""

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Self, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Value
from django.utils.translation import gettext_lazy as _

OWNER = "dealership"
OWNER_ATTNAME = "dealership_id"
# Where a row instance keeps what it knows of its references (see _Known).
KNOWN = "_same_dealership_known"

ErrorDict = dict[str, list[ValidationError]]
Reference = models.ForeignKey[Any, Any]
Considered = Callable[[str, str], bool]  # (field name, attname) -> is the field checked


@dataclass(slots=True)
class _Known:
    """What a row instance knows of its tenancy without asking the database."""

    # The row's dealership as the database holds it: read with the row, or last written.
    stored_dealership_id: Any = None
    # The dealership that the values in `references` are known to point into.
    dealership_id: Any = None
    # Foreign key attname -> a value known to point at a row of `dealership_id`.
    references: dict[str, Any] = field(default_factory=dict)


class SameDealershipReferences(models.Model):
    """Checks for DealershipOwned: its foreign keys to dealership-owned rows stay in its dealership."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        written = kwargs.get("update_fields")
        if written is None and not self._state.adding and (deferred := self.get_deferred_fields()):
            # Django writes only the loaded fields of such a row; reading the others to check
            # them would cost a query each.
            written = [f.attname for f in self._meta.concrete_fields if f.attname not in deferred]
        same_dealership_ensure([self], update_fields=written)
        super().save(*args, **kwargs)
        _known(self).stored_dealership_id = getattr(self, OWNER_ATTNAME)

    @classmethod
    def from_db(
        cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any
    ) -> Self:
        row = super().from_db(db, field_names, values, **kwargs)
        if OWNER_ATTNAME in field_names:
            dealership_id = getattr(row, OWNER_ATTNAME)
            row.__dict__[KNOWN] = _Known(
                stored_dealership_id=dealership_id,
                dealership_id=dealership_id,
                references={
                    reference.attname: getattr(row, reference.attname)
                    for reference in tenant_references(cls)
                    if reference.attname in field_names
                },
            )
        return row

    def validate_constraints(self, exclude: Collection[str] | None = None) -> None:
        refused = same_dealership_refusals(self, exclude=exclude)
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            refused = error.update_error_dict(refused)
        if refused:
            raise ValidationError(refused)


_Row = TypeVar("_Row", bound=models.Model)


class SameDealershipQuerySet(models.QuerySet[_Row]):
    def bulk_create(self, objs: Iterable[_Row], *args: Any, **kwargs: Any) -> list[_Row]:
        rows = list(objs)
        same_dealership_ensure(rows)
        created = super().bulk_create(rows, *args, **kwargs)
        for row in created:
            _known(row).stored_dealership_id = getattr(row, OWNER_ATTNAME)
        return created


def same_dealership_refusals(row: models.Model, *, exclude: Collection[str] | None = None) -> ErrorDict:
    """The fields of the row (those not excluded) that point at another dealership's rows or
    move the row to another dealership; for full_clean(), so that a form names the field."""
    excluded = frozenset(exclude or ())
    return _refusals([row], considered=lambda name, attname: name not in excluded)[0]


def same_dealership_ensure(
    rows: Sequence[models.Model], *, update_fields: Iterable[str] | None = None
) -> None:
    """Raise ValidationError naming the field unless every reference written stays in its row's
    dealership and no row changes dealership; one query at most for all the rows."""
    # Only what is written: a row never changes dealership, so what it holds already is its own.
    written = None if update_fields is None else frozenset(update_fields)

    def considered(name: str, attname: str) -> bool:
        return written is None or name in written or attname in written

    for refused in _refusals(rows, considered=considered):
        if refused:
            raise ValidationError(refused)


def dangerously_vouch_same_dealership(row: models.Model, *field_names: str) -> None:
    """Tell the check that the caller proved these references point into the row's dealership,
    so saving the row reads nothing for them. Only for a proof as strong as the check's own: a
    row picked from the dealership's own rows; the vouch holds for the values set now only."""
    found = {}
    for name in field_names:
        reference = row._meta.get_field(name)
        if reference not in tenant_references(type(row)):
            raise ValueError(f"{name} is no reference to a dealership's row")
        found[reference.attname] = getattr(row, reference.attname)
    _remember_references(row, found)


@cache
def tenant_references(model: type[models.Model]) -> tuple[Reference, ...]:
    """The model's foreign keys to dealership-owned rows and to dealerships, its own `dealership` aside."""
    dealership_model = model._meta.get_field(OWNER).related_model
    return tuple(
        candidate
        for candidate in model._meta.concrete_fields
        if isinstance(candidate, models.ForeignKey)
        and candidate.name != OWNER
        and (candidate.related_model is dealership_model or _is_dealership_owned(candidate.related_model))
    )


def _is_dealership_owned(model: object) -> bool:
    return isinstance(model, type) and issubclass(model, SameDealershipReferences)


def _target(reference: Reference) -> tuple[type[models.Model], str]:
    """The model a reference points at and the column it points at (the primary key, mostly)."""
    return reference.related_model, reference.target_field.attname


def _owner_column(target: type[models.Model]) -> str:
    """The column of `target` that names the dealership its row belongs to."""
    return OWNER_ATTNAME if _is_dealership_owned(target) else "pk"


_UNKNOWN = object()


def _owner_in_memory(row: models.Model, reference: Reference, value: object) -> object:
    """The dealership the reference points into when the instance tells it; else _UNKNOWN."""
    target, key = _target(reference)
    if not _is_dealership_owned(target) and reference.target_field.primary_key:
        return value  # a reference to a dealership by its id names the dealership
    if not reference.is_cached(row):
        return _UNKNOWN
    related = reference.get_cached_value(row)
    if related is None or getattr(related, key) != value:  # the id was changed after the row was set
        return _UNKNOWN
    return getattr(related, _owner_column(target))


def _owners_read(wanted: dict[tuple[type[models.Model], str], set[Any]]) -> dict[tuple[Any, ...], Any]:
    """(target model, column, value) -> the dealership of that row, for every row found; one query."""
    targets = list(wanted)
    queries = [
        target._base_manager.filter(**{f"{key}__in": wanted[target, key]})
        .order_by()
        .values_list(Value(index, output_field=models.IntegerField()), key, _owner_column(target))
        for index, (target, key) in enumerate(targets)
    ]
    rows = queries[0].union(*queries[1:], all=True) if len(queries) > 1 else queries[0]
    return {(*targets[index], value): owner for index, value, owner in rows}


def _refusals(rows: Sequence[models.Model], *, considered: Considered) -> list[ErrorDict]:
    """For each row, the considered fields that point across the wall (or move the row). What
    the instances do not tell is read in one query for all the rows."""
    refusals: list[ErrorDict] = [{} for _ in rows]
    confirmed: list[dict[str, Any]] = [{} for _ in rows]
    pending: list[tuple[int, Reference, Any]] = []
    for index, row in enumerate(rows):
        references = [r for r in tenant_references(type(row)) if considered(r.name, r.attname)]
        owner_written = considered(OWNER, OWNER_ATTNAME)
        if not references and not owner_written:
            continue  # e.g. save(update_fields=["status"]): nothing of the wall is written
        dealership_id = getattr(row, OWNER_ATTNAME)
        known: _Known | None = row.__dict__.get(KNOWN)
        stored = known.stored_dealership_id if known else None
        is_new = row._state.adding or row.pk is None  # a copy saved as a new row is no move
        if owner_written and not is_new and stored is not None and dealership_id != stored:
            refusals[index][OWNER] = [
                ValidationError(_("A record stays with the dealership it was created for."), code="moved")
            ]
            continue
        if dealership_id is None:  # a required field: its own validation and NOT NULL refuse it
            continue
        verified = known.references if known and known.dealership_id == dealership_id else {}
        for reference in references:
            value = getattr(row, reference.attname)
            if value is None or verified.get(reference.attname, _UNKNOWN) == value:
                continue
            owner = _owner_in_memory(row, reference, value)
            if owner is _UNKNOWN:
                pending.append((index, reference, value))
            elif owner == dealership_id:
                confirmed[index][reference.attname] = value
            else:
                refusals[index][reference.name] = [_other_dealership_error()]
    if pending:
        wanted: dict[tuple[type[models.Model], str], set[Any]] = {}
        for _index, reference, value in pending:
            wanted.setdefault(_target(reference), set()).add(value)
        owners = _owners_read(wanted)
        for index, reference, value in pending:
            # An id of no row at all is left to the database's foreign key constraint.
            owner = owners.get((*_target(reference), value), _UNKNOWN)
            if owner is _UNKNOWN:
                continue
            if owner == getattr(rows[index], OWNER_ATTNAME):
                confirmed[index][reference.attname] = value
            else:
                refusals[index][reference.name] = [_other_dealership_error()]
    for row, refused, found in zip(rows, refusals, confirmed, strict=True):
        if found and not refused:
            _remember_references(row, found)
    return refusals


def _other_dealership_error() -> ValidationError:
    # Worded so that it does not confirm the id is another dealership's row (R1.2).
    return ValidationError(_("Choose one that belongs to this dealership."), code="other_dealership")


def _known(row: models.Model) -> _Known:
    known: _Known | None = row.__dict__.get(KNOWN)
    if known is None:
        known = row.__dict__[KNOWN] = _Known()
    return known


def _remember_references(row: models.Model, found: dict[str, Any]) -> None:
    known = _known(row)
    dealership_id = getattr(row, OWNER_ATTNAME)
    if known.dealership_id != dealership_id:
        known.dealership_id, known.references = dealership_id, {}
    known.references.update(found)
