"""Mobility's Celery tasks: thin, safe to run twice."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from dealerships.models import Dealership
from mobility.models import Reservation, ReservationStatus
from mobility.services.handover import RELEASE_BATCH, reservations_not_picked_up_release


@shared_task(name="mobility.tasks.not_picked_up_release", ignore_result=True, acks_late=True)
def not_picked_up_release_task() -> int:
    """Beat, every 5 minutes: release, dealership by dealership and in batches, the reservations
    still not picked up MOBILITY_NOT_PICKED_UP_MINUTES after their departure (R3.8); a full
    batch means more wait: go on."""
    now = timezone.now()
    grace = timedelta(minutes=settings.MOBILITY_NOT_PICKED_UP_MINUTES)
    # Every dealership's: the workers serve them all; the service below is scoped to each.
    late_at = Reservation.objects.filter(
        status=ReservationStatus.RESERVED, departure_at__lt=now - grace
    ).values("dealership_id")
    released = 0
    for dealership in Dealership.objects.filter(id__in=late_at).order_by("id"):
        done = reservations_not_picked_up_release(dealership=dealership, now=now, grace=grace)
        released += done
        if done >= RELEASE_BATCH:
            not_picked_up_release_task.delay()
    return released
