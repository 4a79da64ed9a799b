"""The outbox with a real Celery worker and beat on Redis and PostgreSQL, as in production:
book -> the confirmation is sent by the worker through the Twilio stub -> the customer answers
"OK" -> the appointment is confirmed; and a worker killed mid-batch, then restarted, has sent
every message exactly once."""

import os
import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from bookings.models import AppointmentStatus
from notifications.models import MessageKind, MessageStatus, OutboxMessage
from notifications.services import outbox
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.notifications.conftest import ACCOUNT_SID, AUTH_TOKEN, SENDER, local
from tests.notifications.twilio_stub import start_stub

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.celery_worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not settings.DATABASES["default"]["ENGINE"].endswith("postgresql") or not os.environ.get("REDIS_URL"),
        reason="a real worker shares the test database: PostgreSQL and Redis (set DATABASE_URL, REDIS_URL)",
    ),
]


@pytest.fixture
def stub():
    running, server = start_stub()
    yield running
    server.shutdown()


@pytest.fixture
def worker_env(tmp_path, stub):
    database = connection.settings_dict
    queue = f"outbox-test-{uuid.uuid4().hex[:8]}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database['NAME']}",
        "VAR_DIR": str(tmp_path / "var"),
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "NOTIFICATIONS_SCAN_SECONDS": "1",
        "NOTIFICATIONS_BATCH_SIZE": "10",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": SENDER,
        "TWILIO_API_BASE_URL": stub.url,
        "PUBLIC_URL": "https://service.example",
    }


def _start(env, *command: str, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", *command, "--loglevel=INFO"],
        cwd=ROOT,
        env=env,
        stdout=log.open("a"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _worker(env, log):
    return _start(
        env,
        "worker",
        "--pool=solo",
        "--without-mingle",
        "--without-gossip",
        "-Q",
        env["CELERY_TASK_DEFAULT_QUEUE"],
        log=log,
    )


def _beat(env, tmp_path, log):
    return _start(env, "beat", "--schedule", str(tmp_path / "beat-schedule"), log=log)


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _wait_for(condition, *, seconds: float, what: str, log: Path):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}\n{log.read_text()[-4000:]}")


def test_book_then_the_worker_sends_the_confirmation_and_the_reply_confirms(
    client, milano, shop, worker_env, stub, tmp_path, settings
):
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.NOTIFICATIONS_PUBLIC_URL = "https://service.example"
    log = tmp_path / "celery.log"
    worker, beat = _worker(worker_env, log), _beat(worker_env, tmp_path, log)
    try:
        now = timezone.now()
        appointment = AppointmentFactory(
            advisor=shop["advisor"],
            vehicle=shop["vehicle"],
            customer=shop["customer"],
            drop_off_at=local(milano, (now + timedelta(days=3)).astimezone(milano.tz).date(), "09:00"),
        )
        # What the booking service's signal writes, committed: beat's scan finds it.
        outbox.appointment_booked_messages(appointment=appointment, now=now)
        _wait_for(lambda: stub.messages(), seconds=60, what="the SMS at the Twilio stub", log=log)
        [sms] = stub.messages()
        assert sms.form["To"] == "+393471234567"
        assert sms.form["StatusCallback"] == "https://service.example/hooks/twilio/milano/status/"
        confirmation = OutboxMessage.objects.get(kind=MessageKind.BOOKING_CONFIRMATION)
        _wait_for(
            lambda: OutboxMessage.objects.get(id=confirmation.id).status == MessageStatus.SENT,
            seconds=30,
            what="the message recorded as sent",
            log=log,
        )
        url = reverse("twilio_inbound", kwargs={"dealership_slug": "milano"})
        params = {"MessageSid": "SM" + "7" * 32, "From": "+393471234567", "To": SENDER, "Body": "OK"}
        signature = RequestValidator(AUTH_TOKEN).compute_signature("https://service.example" + url, params)
        assert client.post(url, params, headers={"X-Twilio-Signature": signature}).status_code == 200
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CONFIRMED
    finally:
        _stop(beat)
        _stop(worker)


def test_a_worker_killed_mid_batch_and_restarted_sends_every_message_exactly_once(
    milano, shop, worker_env, stub, tmp_path
):
    stub.delay = 0.02  # each send takes a moment, so the kill lands mid-batch
    now = timezone.now()
    day = (now + timedelta(days=3)).astimezone(milano.tz).date()
    for n in range(60):
        customer = CustomerFactory(dealership=milano, mobile_phone=f"+39347{n:07d}", language="en")
        appointment = AppointmentFactory(
            advisor=shop["advisor"],
            vehicle=VehicleFactory(customer=customer),
            customer=customer,
            drop_off_at=local(milano, day, "08:00")
            + timedelta(minutes=30 * (n % 8))
            + timedelta(days=n // 8),
        )
        outbox.appointment_booked_messages(appointment=appointment, now=now)
    log = tmp_path / "celery.log"
    worker_env = {**worker_env, "NOTIFICATIONS_CLAIM_LEASE_SECONDS": "3"}
    worker, beat = _worker(worker_env, log), _beat(worker_env, tmp_path, log)
    try:
        _wait_for(lambda: len(stub.messages()) >= 15, seconds=60, what="the first sends", log=log)
        _stop(worker, signal.SIGKILL)  # mid-batch: no warm shutdown, no ack
        assert len(stub.messages()) < 60
        worker = _worker(worker_env, log)
        _wait_for(
            lambda: (
                OutboxMessage.objects.filter(
                    kind=MessageKind.BOOKING_CONFIRMATION, status=MessageStatus.SENT
                ).count()
                == 60
            ),
            seconds=120,
            what="every confirmation sent",
            log=log,
        )
    finally:
        _stop(beat)
        _stop(worker)
    recipients = [request.form["To"] for request in stub.messages()]
    assert len(recipients) == 60
    assert len(set(recipients)) == 60
