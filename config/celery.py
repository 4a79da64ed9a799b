"""The Celery application: tasks are autodiscovered from each app's tasks.py."""

import os

from celery import Celery

from config.env import env_int

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("dealership_service")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The health tasks live in config/, which is not a Django app, so autodiscovery misses them.
app.conf.imports = ("config.tasks",)

# The periodic scans. Each entry is a thin task that loads ids and calls a service.
app.conf.beat_schedule = {
    "heartbeat": {"task": "config.tasks.heartbeat", "schedule": 60.0},
    "expired-holds-and-codes": {"task": "bookings.tasks.expired_rows_purge", "schedule": 600.0},
    # The outbox: start the batch senders the due messages need (notifications.tasks); the
    # tests of a real beat make it tick faster.
    "outbox-scan": {
        "task": "notifications.tasks.outbox_scan",
        "schedule": float(env_int("NOTIFICATIONS_SCAN_SECONDS", 60)),
    },
    # Privacy: blank the texts of messages older than MESSAGE_BODY_RETENTION_DAYS.
    "message-bodies-expire": {"task": "notifications.tasks.message_bodies_expire", "schedule": 86400.0},
    # The follow-ups' scans of every rule (followups.tasks): idempotent, so hourly costs nothing
    # twice and a new day's contacts go out in each dealership's morning.
    "followups-scan": {
        "task": "followups.tasks.followups_scan",
        "schedule": float(env_int("FOLLOWUPS_SCAN_SECONDS", 3600)),
    },
    # Mobility: release reservations not picked up MOBILITY_NOT_PICKED_UP_MINUTES after departure.
    "mobility-not-picked-up": {"task": "mobility.tasks.not_picked_up_release", "schedule": 300.0},
}
