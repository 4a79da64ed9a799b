"""Reading follow-ups: the rules in force, the operators' queue, a customer's contacts, the
concerns waiting for an advisor."""

from datetime import datetime

from django.db.models import Q

from customers.models import Customer
from dealerships.models import Dealership, User
from followups.models import CallTask, ContactRecord, FollowupRules, SatisfactionResponse, TaskStatus
from followups.rules import RuleSettings

_SETTING_FIELDS = RuleSettings.__dataclass_fields__.keys()


def followup_rules_get(*, dealership: Dealership) -> FollowupRules:
    """The dealership's rules; the manuals' defaults (unsaved) when it has none."""
    return FollowupRules.objects.for_dealership(dealership).first() or FollowupRules(dealership=dealership)


def rule_settings(row: FollowupRules) -> RuleSettings:
    """The rules as the pure module takes them."""
    return RuleSettings(**{name: getattr(row, name) for name in _SETTING_FIELDS})


def rule_settings_by_dealership(dealership_ids: set[int]) -> dict[int, RuleSettings]:
    """Every dealership's rules in one query; the defaults for those without a row."""
    rows = {row.dealership_id: row for row in FollowupRules.objects.filter(dealership_id__in=dealership_ids)}
    return {
        dealership_id: rule_settings(rows[dealership_id]) if dealership_id in rows else RuleSettings()
        for dealership_id in dealership_ids
    }


def _waiting(now: datetime) -> Q:
    free = Q(status=TaskStatus.OPEN) | Q(status=TaskStatus.CLAIMED, claimed_until__lte=now)
    return free & (Q(deadline_at__isnull=True) | Q(deadline_at__gt=now))


def call_queue(*, dealership: Dealership, now: datetime, limit: int = 50) -> list[CallTask]:
    """The tasks waiting for an operator and due now, in the order they are claimed."""
    return list(
        CallTask.objects.for_dealership(dealership)
        .filter(_waiting(now), next_attempt_at__lte=now)
        .select_related("customer", "vehicle")
        .order_by("next_attempt_at", "-priority", "id")[:limit]
    )


def call_task_get(*, dealership: Dealership, task_id: int) -> CallTask | None:
    return (
        CallTask.objects.for_dealership(dealership)
        .select_related("customer", "vehicle", "appointment", "campaign", "booked_appointment")
        .filter(id=task_id)
        .first()
    )


def operator_current_task(*, dealership: Dealership, operator: User, now: datetime) -> CallTask | None:
    """The task the operator holds now, if any."""
    return (
        CallTask.objects.for_dealership(dealership)
        .filter(status=TaskStatus.CLAIMED, operator=operator, claimed_until__gt=now)
        .select_related("customer", "vehicle", "appointment")
        .order_by("claimed_at", "id")
        .first()
    )


def customer_contacts(*, dealership: Dealership, customer: Customer, limit: int = 50) -> list[ContactRecord]:
    """The customer's contact history (R7.5), latest first."""
    return list(
        ContactRecord.objects.for_dealership(dealership)
        .filter(customer=customer)
        .select_related("vehicle", "operator", "booked_appointment")
        .order_by("-at", "-id")[:limit]
    )


def open_concerns(*, dealership: Dealership, advisor_id: int | None = None) -> list[SatisfactionResponse]:
    """Satisfaction answers with a concern not dealt with yet (R9.1), for the advisor if given."""
    rows = SatisfactionResponse.objects.for_dealership(dealership).filter(
        concern=True, concern_handled_at__isnull=True
    )
    if advisor_id is not None:
        rows = rows.filter(advisor_id=advisor_id)
    return list(rows.select_related("customer", "appointment").order_by("responded_at", "id"))
