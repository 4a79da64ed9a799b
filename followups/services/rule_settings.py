"""The dealership's follow-up rules as the manager saves them (R6.6, R7.1-R7.6, R9.1)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from dealerships.models import Dealership
from followups.models import (
    FollowupRules,
)

# --- Rules ------------------------------------------------------------------------------------

RULE_FIELDS = tuple(
    field.name
    for field in FollowupRules._meta.concrete_fields
    if field.name not in ("id", "dealership", "created_at", "updated_at")
)


def followup_rules_save(*, dealership: Dealership, values: dict[str, object]) -> FollowupRules:
    """Change the dealership's rules; an inverted window or a value out of range is refused on its field."""
    row = FollowupRules.objects.for_dealership(dealership).first() or FollowupRules(dealership=dealership)
    unknown = set(values) - set(RULE_FIELDS)
    if unknown:
        raise ValidationError({name: _("Unknown setting.") for name in sorted(unknown)})
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean(validate_constraints=False)
    errors: dict[str, Any] = {}
    if row.remind_min_days > row.remind_max_days:
        errors["remind_max_days"] = _(
            "The reminder window is inverted: the earliest day comes after the latest."
        )
    if row.no_show_min_days > row.no_show_max_days:
        errors["no_show_max_days"] = _("The no-show window is inverted: the first try comes after the last.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        row.save()
    return row
