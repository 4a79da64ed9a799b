"""The dispatcher's Celery tasks: thin, safe to run twice (the claim decides who sends a row)."""

import math

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from notifications.services.dispatch import (
    outbox_dispatch_across_dealerships,
    outbox_due_count_across_dealerships,
)
from notifications.services.retention import message_bodies_expire_across_dealerships

# At most this many batches are started at once by one scan; each goes on while it finds full
# batches, so a backlog drains at the speed of the workers, not of beat.
MAX_PARALLEL_BATCHES = 32


@shared_task(name="notifications.tasks.outbox_scan", ignore_result=True, acks_late=True)
def outbox_scan_task() -> int:
    """Beat, every minute: start as many batch senders as the due rows need."""
    due = outbox_due_count_across_dealerships(now=timezone.now())
    batches = min(math.ceil(due / settings.NOTIFICATIONS_BATCH_SIZE), MAX_PARALLEL_BATCHES)
    for _batch in range(batches):
        outbox_send_task.delay()
    return batches


@shared_task(name="notifications.tasks.outbox_send", ignore_result=True, acks_late=True)
def outbox_send_task() -> int:
    """Claim and send one batch of due rows; a full batch means more may wait: go on."""
    batch = settings.NOTIFICATIONS_BATCH_SIZE
    handled = outbox_dispatch_across_dealerships(now=timezone.now(), limit=batch).handled
    if handled >= batch:
        outbox_send_task.delay()
    return handled


@shared_task(name="notifications.tasks.message_bodies_expire", ignore_result=True, acks_late=True)
def message_bodies_expire_task() -> int:
    """Beat, daily: blank the texts of messages sent longer ago than MESSAGE_BODY_RETENTION_DAYS."""
    return message_bodies_expire_across_dealerships(now=timezone.now())
