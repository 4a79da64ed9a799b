"""Health tasks: prove that a worker consumes from the broker and that beat is ticking."""

import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

HEARTBEAT_CACHE_KEY = "celery:beat:last-heartbeat"


@shared_task(name="config.tasks.ping")
def ping() -> str:
    return "pong"


@shared_task(name="config.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    beat_at = timezone.now().isoformat()
    cache.set(HEARTBEAT_CACHE_KEY, beat_at, timeout=None)
    logger.info("beat heartbeat at %s", beat_at)
