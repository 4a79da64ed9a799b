"""The follow-ups' Celery tasks: thin, safe to run twice (every contact has its key)."""

from typing import Any

from celery import shared_task
from django.utils import timezone

from followups.scans import followups_scan


@shared_task(name="followups.tasks.followups_scan", ignore_result=True, acks_late=True)
def followups_scan_task() -> dict[str, Any]:
    """Beat: every rule's scan over every dealership (R6.6, R7.1-R7.4, R7.6, R9.1)."""
    return followups_scan(now=timezone.now()).as_dict()
