"""The Celery application: tasks are autodiscovered from each app's tasks.py."""

import os

from celery import Celery

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
}
