"""Check constraints that carry their own message and the field it belongs to, so a rule such as
"the last day cannot be before the first day" is written once, on the model, and forms and
serializers show the database's own rule as a field error before anything is written."""

from collections.abc import Mapping, Sequence
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import F, Q
from django.utils.functional import Promise
from rest_framework import serializers


class FieldCheckConstraint(models.CheckConstraint):
    """A CheckConstraint whose violation is reported on `field` (with the constraint's
    violation_error_message and violation_error_code)."""

    def __init__(self, *, field: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.field = field

    def validate(
        self,
        model: type[models.Model],
        instance: models.Model,
        exclude: set[str] | None = None,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        try:
            super().validate(model, instance, exclude=exclude, using=using)
        except ValidationError as error:
            raise ValidationError({self.field: error.error_list}) from None

    def deconstruct(self) -> tuple[str, Sequence[Any], dict[str, Any]]:
        path, args, kwargs = super().deconstruct()
        kwargs["field"] = self.field
        return path, args, kwargs

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and getattr(other, "field", None) == self.field

    def __hash__(self) -> int:
        return hash((self.name, self.field))


def constraint_errors(
    model: type[models.Model], values: Mapping[str, Any], *, instance: models.Model | None = None
) -> dict[str, list[ValidationError]]:
    """The field errors the model's FieldCheckConstraints find in `values` (over `instance`'s
    current values for a partial change); constraints over a field that is not given are skipped."""
    candidate = model()
    known: set[str] = set()
    for field in model._meta.concrete_fields:
        if field.name in values:
            setattr(candidate, field.name, values[field.name])
        elif instance is not None:
            setattr(candidate, field.attname, getattr(instance, field.attname))
        else:
            continue
        known.add(field.name)
    exclude = {field.name for field in model._meta.concrete_fields} - known
    errors: dict[str, list[ValidationError]] = {}
    for constraint in model._meta.constraints:
        if isinstance(constraint, FieldCheckConstraint):
            try:
                constraint.validate(model, candidate, exclude=exclude)
            except ValidationError as error:
                for name, messages in error.error_dict.items():
                    errors.setdefault(name, []).extend(messages)
    return errors


def form_constraint_errors_add(
    form: forms.BaseForm, model: type[models.Model], *, instance: models.Model | None = None
) -> None:
    """Put the model's FieldCheckConstraint violations among the form's errors, on their fields."""
    for field, messages in constraint_errors(model, form.cleaned_data, instance=instance).items():
        if field not in form.errors:
            form.add_error(field, messages)


def constraints_validated(
    model: type[models.Model], attrs: dict[str, Any], *, instance: models.Model | None = None
) -> dict[str, Any]:
    """A DRF serializer's `validate`: the attrs, or a field-level ValidationError from the
    model's FieldCheckConstraints."""
    errors = constraint_errors(model, attrs, instance=instance)
    if errors:
        raise serializers.ValidationError(
            {
                field: [message for error in messages for message in error.messages]
                for field, messages in errors.items()
            }
        )
    return attrs


def ordered(
    first: str,
    last: str,
    *,
    name: str,
    message: str | Promise,
    code: str,
    strictly: bool = False,
    optional: tuple[str, ...] = (),
) -> FieldCheckConstraint:
    """`first` comes before `last` (or on it, unless `strictly`), an error on `last`; the fields in
    `optional` may be empty, and then there is nothing to check."""
    condition = Q(**{f"{first}__{'lt' if strictly else 'lte'}": F(last)})
    for field in reversed(optional):
        condition = Q(**{f"{field}__isnull": True}) | condition
    return FieldCheckConstraint(
        condition=condition, name=name, field=last, violation_error_message=message, violation_error_code=code
    )
