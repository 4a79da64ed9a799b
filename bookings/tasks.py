"""Periodic housekeeping of the online booking (thin: the work is in the services)."""

from celery import shared_task
from django.utils import timezone

from bookings.self_service import expired_rows_purge


@shared_task(name="bookings.tasks.expired_rows_purge", ignore_result=True)
def expired_rows_purge_task() -> int:
    return expired_rows_purge(now=timezone.now())
