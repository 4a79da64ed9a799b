"""Privacy: the text of a message is kept MESSAGE_BODY_RETENTION_DAYS after it was sent, then
blanked; the row stays (kind, channel, status, when) for the counts."""

from datetime import datetime, timedelta

from django.conf import settings

from notifications.models import OutboxMessage

RETENTION_BATCH = 1000  # rows blanked per statement: short transactions, no long lock
RETENTION_MAX_BATCHES = 100  # per run; the next day's run goes on from there


def message_bodies_expire_across_dealerships(*, now: datetime, batch: int = RETENTION_BATCH) -> int:
    """Blank the texts of the messages sent longer ago than the retention, in bounded batches;
    how many were blanked. Every dealership's: one rule for all, run by beat."""
    days = settings.MESSAGE_BODY_RETENTION_DAYS
    if days <= 0:  # 0 keeps them for ever
        return 0
    before = now - timedelta(days=days)
    blanked = 0
    for _batch in range(RETENTION_MAX_BATCHES):
        ids = list(
            OutboxMessage.objects.filter(sent_at__lt=before)
            .exclude(rendered_text="", subject="")
            .order_by("id")
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            break
        blanked += OutboxMessage.objects.filter(id__in=ids).update(
            rendered_text="", subject="", updated_at=now
        )
    return blanked
