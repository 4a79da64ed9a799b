"""Reads of API tokens: a person's own, and those that can act at a dealership."""

from django.db.models import Q, QuerySet

from dealerships.models import ApiToken, Dealership, GroupMembership, Membership, User


def api_token_list_for_owner(*, owner: User) -> QuerySet[ApiToken]:
    """Every token the person made or was given, revoked ones included, newest first."""
    return ApiToken.objects.filter(user=owner).select_related("dealership").order_by("-created_at")


def api_token_list_for_dealership(*, dealership: Dealership) -> QuerySet[ApiToken]:
    """The live tokens that can act at the dealership: those limited to it, and the unlimited
    ones of the people who work there (directly or as managers of its group)."""
    works_here = Q(user__in=Membership.objects.for_dealership(dealership).values("user_id")) | Q(
        user__in=GroupMembership.objects.filter(dealer_group_id=dealership.group_id).values("user_id")
    )
    return (
        ApiToken.objects.filter(revoked_at__isnull=True)
        .filter(Q(dealership=dealership) | (Q(dealership__isnull=True) & works_here))
        .select_related("user", "dealership")
        .order_by("-created_at")
    )
