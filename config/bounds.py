"""How long a free-text column may be, said once and held by the model and the database.

Django takes a TextField's max_length into its form fields and DRF into its serializer fields,
but neither the model nor the database enforces it. A bounded text field therefore carries a
MaxLengthValidator too (so full_clean reports it on the field), and its table a MaxLengthCheck
(so a write that skips full_clean, such as bulk_create or update, cannot store more either).
"""

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import DEFAULT_DB_ALIAS, models
from django.db.models import F, Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual


class MaxLengthCheck(models.CheckConstraint):
    """CHECK (length(field) <= max_length), validated in Python with the field validator's message."""

    def __init__(self, *, field: str, max_length: int, name: str) -> None:
        super().__init__(condition=Q(LessThanOrEqual(Length(F(field)), max_length)), name=name)
        self.field = field
        self.max_length = max_length

    def validate(
        self,
        model: type[models.Model],
        instance: models.Model,
        exclude: set[str] | None = None,
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        # The default asks the database to evaluate the condition, a query per save for a
        # question the value itself answers.
        if exclude and self.field in exclude:
            return
        value = getattr(instance, self.field)
        if value is None:
            return
        try:
            MaxLengthValidator(self.max_length)(value)
        except ValidationError as error:
            raise ValidationError({self.field: error.error_list}) from None

    def deconstruct(self) -> tuple[str, Sequence[Any], dict[str, Any]]:
        path, args, kwargs = super().deconstruct()
        del kwargs["condition"]
        kwargs.update(field=self.field, max_length=self.max_length)
        return path, args, kwargs

    def _identity(self) -> tuple[str, str, int]:
        return (self.name, self.field, self.max_length)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MaxLengthCheck) and other._identity() == self._identity()

    def __hash__(self) -> int:
        return hash(self._identity())
