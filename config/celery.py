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
}
