"""Draining the outbox: day-before confirmations across many dealerships, real Celery workers.

    .venv/bin/python bench/notifications.py [--messages 100000] [--dealerships 200]
                                            [--concurrency 2] [--batch 500] [--channel console|twilio]

Loads, once, into the database of `DATABASE_URL` (default: `bench_notifications` on the local
PostgreSQL, created when missing) `--dealerships` dealerships with `--messages` customers,
vehicles and appointments, and one day-before confirmation (R5.4) each; every run makes them
all due again. Then starts one Celery worker with `--concurrency` processes on Redis
(`REDIS_URL`, default the local one; a queue of the run's own) and times the drain from the
first scan to the last row recorded: the console channel (the log, as the embedded default), or
`--channel twilio`: the real `twilio` client against the local stub of Twilio's Messages API.

Prints JSON: seconds to drain, messages per second, the CPU the worker's processes spent per
message (what the code costs, whatever else the machine runs; Linux), and what the audit finds
afterwards: rows not sent (lost), and recipients the channel got more than once (duplicates),
both must be 0. Target: >= 1,000 messages/s on the console channel.
"""

import argparse
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ROOT, copy_rows, django_on_postgresql

TARGET_MESSAGES_PER_SECOND = 1000
ADVISORS_PER_DEALERSHIP = 10
SLOTS_A_DAY = 16  # half-hour receptions from 8:00
ZONES = ["Europe/Rome", "Europe/Madrid", "Europe/Moscow", "Asia/Shanghai", "America/New_York"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--dealerships", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=2, help="worker processes")
    parser.add_argument("--batch", type=int, default=500, help="rows a worker claims at once")
    parser.add_argument("--channel", choices=("console", "twilio"), default="console")
    args = parser.parse_args()
    django_on_postgresql("bench_notifications")
    _load(args.messages, args.dealerships)
    stub = server = None
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CELERY_TASK_DEFAULT_QUEUE": f"bench-outbox-{uuid.uuid4().hex[:8]}",
        "NOTIFICATIONS_BATCH_SIZE": str(args.batch),
        "LOG_LEVEL": "INFO",
        "TWILIO_ACCOUNT_SID": "",
        "TWILIO_AUTH_TOKEN": "",
    }
    if args.channel == "twilio":
        from tests.notifications.twilio_stub import start_stub

        stub, server = start_stub()
        env |= {
            "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
            "TWILIO_AUTH_TOKEN": "bench-token",
            "TWILIO_FROM_NUMBER": "+390200000000",
            "TWILIO_API_BASE_URL": stub.url,
        }
    due = _make_all_due()
    log_path = ROOT / "var" / f"bench-notifications-{args.channel}.log"
    log_path.parent.mkdir(exist_ok=True)
    with log_path.open("w") as log:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--concurrency={args.concurrency}",
                "--without-mingle",
                "--without-gossip",
                "-Q",
                env["CELERY_TASK_DEFAULT_QUEUE"],
                "--loglevel=INFO",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            seconds, cpu_ms = _drain(env, due, worker.pid)
        finally:
            worker.terminate()
            worker.wait(timeout=60)
            if server is not None:
                server.shutdown()
    if stub is not None:
        recipients = Counter(request.form["To"] for request in stub.messages())
    else:
        # The console channel's lines, as the worker logged them: "... SMS to +39...: <text>".
        console_line = re.compile(r"\bSMS to (\+\d+): ")
        recipients = Counter(
            match.group(1)
            for line in log_path.read_text().splitlines()
            if (match := console_line.search(line))
        )
    print(
        json.dumps(
            {
                "channel": args.channel,
                "messages": due,
                "dealerships": args.dealerships,
                "worker_processes": args.concurrency,
                "batch": args.batch,
                "seconds_to_drain": round(seconds, 2),
                "messages_per_second": round(due / seconds, 1),
                "target_messages_per_second": TARGET_MESSAGES_PER_SECOND
                if args.channel == "console"
                else None,
                "worker_cpu_ms_per_message": cpu_ms,
                **_audit(recipients, due),
            },
            indent=2,
        )
    )


def _load(messages: int, dealerships: int) -> None:
    """The dealerships, customers, vehicles, appointments and their day-before rows, once."""
    from django.db import transaction

    from bookings.models import Appointment
    from customers.models import Customer, Vehicle
    from dealerships.models import DealerGroup, Dealership
    from notifications.models import MessageKind, MessagingSettings, OutboxMessage
    from notifications.schedule import day_before_instant
    from workshop.models import Advisor

    if OutboxMessage.objects.filter(kind=MessageKind.DAY_BEFORE).count() == messages:
        return
    print(f"loading {messages} appointments in {dealerships} dealerships ...", file=sys.stderr)
    now = datetime.now(UTC)
    with transaction.atomic():
        for model in (OutboxMessage, Appointment, Vehicle, Customer, Advisor, MessagingSettings):
            model.objects.all().delete()
        Dealership.objects.filter(slug__startswith="bench-n-").delete()
        group, _ = DealerGroup.objects.get_or_create(
            slug="bench-n", defaults={"name": "Benchmark notifications"}
        )
        shops = Dealership.objects.bulk_create(
            Dealership(
                group=group,
                slug=f"bench-n-{n}",
                name=f"Concessionaria {n}",
                city="Milano",
                country="IT",
                time_zone=ZONES[n % len(ZONES)],
                language=["it", "es", "ru", "zh-hans", "en"][n % len(ZONES)],
                phone_region="IT",
            )
            for n in range(dealerships)
        )
        # No quiet hours: the benchmark runs whatever the time of day in each zone.
        MessagingSettings.objects.bulk_create(
            MessagingSettings(dealership=shop, quiet_hours_start=clock(0), quiet_hours_end=clock(0))
            for shop in shops
        )
        advisors = Advisor.objects.bulk_create(
            Advisor(dealership=shop, name=f"Advisor {a}")
            for shop in shops
            for a in range(ADVISORS_PER_DEALERSHIP)
        )
        copy_rows(
            Customer,
            (
                {
                    "id": i + 1,
                    "dealership_id": shops[i % dealerships].id,
                    "family_name": f"Cliente{i}",
                    "family_name_search": f"cliente{i}",
                    "mobile_phone": f"+3934{i:08d}",
                    "preferred_contact": "sms",
                }
                for i in range(messages)
            ),
            fixed={},
            now=now,
            with_id=True,
        )
        copy_rows(
            Vehicle,
            (
                {
                    "id": i + 1,
                    "dealership_id": shops[i % dealerships].id,
                    "customer_id": i + 1,
                    "vin": f"ZFA{i:014d}",
                    "vin_reversed": f"ZFA{i:014d}"[::-1],
                    "make": "Fiat",
                    "model": "500",
                }
                for i in range(messages)
            ),
            fixed={},
            now=now,
            with_id=True,
        )
        appointments, outbox = [], []
        first_day = now.date() + timedelta(days=2)
        for i in range(messages):
            shop = shops[i % dealerships]
            k = i // dealerships  # the shop's k-th appointment: its own advisor and half hour
            advisor = advisors[(i % dealerships) * ADVISORS_PER_DEALERSHIP + k % ADVISORS_PER_DEALERSHIP]
            slot = k // ADVISORS_PER_DEALERSHIP
            day = first_day + timedelta(days=slot // SLOTS_A_DAY)
            drop_off = datetime.combine(day, clock(8), tzinfo=shop.tz) + timedelta(
                minutes=30 * (slot % SLOTS_A_DAY)
            )
            drop_off = drop_off.astimezone(UTC)
            appointments.append(
                {
                    "id": i + 1,
                    "dealership_id": shop.id,
                    "customer_id": i + 1,
                    "vehicle_id": i + 1,
                    "advisor_id": advisor.id,
                    "local_day": day,
                    "drop_off_at": drop_off,
                    "reception_ends_at": drop_off + timedelta(minutes=15),
                    "work_starts_at": drop_off + timedelta(minutes=15),
                    "promised_return_at": drop_off + timedelta(minutes=75),
                    "labour_minutes": 60,
                }
            )
            due = day_before_instant(drop_off=drop_off, tz=shop.tz)
            outbox.append(
                {
                    "dealership_id": shop.id,
                    "customer_id": i + 1,
                    "appointment_id": i + 1,
                    "kind": MessageKind.DAY_BEFORE,
                    "due_at": due,
                    "next_attempt_at": due,
                    "idempotency_key": f"appointment:{i + 1}:day_before:{due.astimezone(shop.tz).date()}",
                }
            )
        copy_rows(Appointment, appointments, fixed={}, now=now, with_id=True)
        copy_rows(OutboxMessage, outbox, fixed={}, now=now)
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("customers_customer", "customers_vehicle", "bookings_appointment"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        cursor.execute("ANALYZE")


def _make_all_due() -> int:
    """Every day-before row waiting and due now, as at 9:00 (each keeps its real due instant);
    then the table is vacuumed and analysed, as autovacuum would have done by then, so that no
    run pays for the dead rows of the runs before it."""
    from django.db import connection
    from django.utils import timezone

    from notifications.models import MessageStatus, OutboxMessage

    due = OutboxMessage.objects.update(
        status=MessageStatus.PENDING,
        attempts=0,
        next_attempt_at=timezone.now() - timedelta(seconds=1),
        claimed_until=None,
        in_doubt=False,
        provider_id="",
        channel="",
        language="",
        recipient="",
        rendered_text="",
        error="",
        sent_at=None,
    )
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {OutboxMessage._meta.db_table}")
    return due


def _drain(env: dict[str, str], due: int, worker_pid: int) -> tuple[float, float]:
    """Start the scan (as beat does) and wait until no row waits or is being sent; the seconds
    it took, and the milliseconds of CPU the worker's processes spent per message meanwhile."""
    from celery import Celery
    from django.conf import settings

    from notifications.models import MessageStatus, OutboxMessage

    app = Celery("bench", broker=settings.CELERY_BROKER_URL, backend=settings.CELERY_RESULT_BACKEND)
    # The clock starts once the worker answers: its start-up is not the drain.
    app.send_task("config.tasks.ping", queue=env["CELERY_TASK_DEFAULT_QUEUE"]).get(timeout=120)
    cpu_before = _cpu_seconds(worker_pid)
    started = time.monotonic()
    app.send_task("notifications.tasks.outbox_scan", queue=env["CELERY_TASK_DEFAULT_QUEUE"])
    open_rows = OutboxMessage.objects.filter(status__in=[MessageStatus.PENDING, MessageStatus.SENDING])
    deadline = started + 1800
    while open_rows.exists():
        if time.monotonic() > deadline:
            sys.exit(f"not drained after 30 minutes: {open_rows.count()} of {due} left")
        time.sleep(0.1)
    seconds = time.monotonic() - started
    cpu_after = _cpu_seconds(worker_pid)
    # On a machine shared with other work the seconds say how much CPU was left to the drain;
    # the CPU per message says what the code costs (the database's share is not in it).
    return seconds, round(1000 * (cpu_after - cpu_before) / due, 3)


def _cpu_seconds(worker_pid: int) -> float:
    """CPU seconds (user + system) so far of the worker's main and pool processes; Linux only."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split() if entry.name.isdigit() else []
        except OSError:  # gone meanwhile
            continue
        if fields and worker_pid in (int(entry.name), int(fields[1])):
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _audit(recipients: Counter, due: int) -> dict:
    from notifications.models import MessageStatus, OutboxMessage

    statuses = Counter(OutboxMessage.objects.values_list("status", flat=True))
    return {
        "sent": statuses.get(MessageStatus.SENT, 0),
        "not_sent": {status: count for status, count in statuses.items() if status != MessageStatus.SENT},
        "lost": due - len(recipients),
        "duplicates": sum(count - 1 for count in recipients.values() if count > 1),
    }


if __name__ == "__main__":
    main()
