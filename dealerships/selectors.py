"""Reads about dealerships, their hours, closures and staff."""

from datetime import date, datetime

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q, QuerySet

from dealerships.models import Closure, Dealership, GroupMembership, Membership, OpeningHours, User


def dealership_list_for_user(*, user: User | AnonymousUser) -> QuerySet[Dealership]:
    """Active dealerships the user works at, directly or as manager of their group; none for a
    visitor who is not logged in."""
    if not user.is_authenticated:
        return Dealership.objects.none()
    if user.is_superuser:
        return Dealership.objects.filter(is_active=True)
    return (
        Dealership.objects.filter(is_active=True)
        .filter(
            Q(id__in=Membership.objects.filter(user=user).values("dealership_id"))
            | Q(group_id__in=GroupMembership.objects.filter(user=user).values("dealer_group_id"))
        )
        .order_by("name")
    )


def dealership_local_today(*, dealership: Dealership, now: datetime) -> date:
    """The dealership's calendar date at `now` (an aware datetime)."""
    return now.astimezone(dealership.tz).date()


def opening_hours_list(*, dealership: Dealership) -> QuerySet[OpeningHours]:
    return OpeningHours.objects.for_dealership(dealership).order_by("weekday", "opens")


def closure_list_upcoming(*, dealership: Dealership, today: date) -> QuerySet[Closure]:
    """Closures that end today or later, in the dealership's calendar."""
    return Closure.objects.for_dealership(dealership).filter(end_date__gte=today).order_by("start_date")


def closure_get(*, dealership: Dealership, closure_id: int) -> Closure | None:
    return Closure.objects.for_dealership(dealership).filter(id=closure_id).first()


def membership_list(*, dealership: Dealership) -> QuerySet[Membership]:
    return (
        Membership.objects.for_dealership(dealership)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "role")
    )
