"""The nightly follow-up scan (R6.6, R7.1-R7.4, R7.6, R9.1) over a large customer file.

    .venv/bin/python bench/followups.py [--vehicles 1000000] [--dealerships 50] [--batch 5000]

Loads, once, into the database of `DATABASE_URL` (default: `bench_followups` on the local
PostgreSQL, created when missing) `--dealerships` dealerships in five time zones with
`--vehicles` customers and vehicles, each with a sale date and a mileage history of three
readings (two of them read at the reception: the service visits), and two recalls per dealership
by VIN list plus one campaign by make, model and years. Every run removes the follow-ups of the
previous one, then runs, in a fresh process, one full scan of every rule and a second one.

Prints JSON: seconds of the first and the second scan, vehicles scanned per second, the rows
each created (the second must create 0), and the peak RSS of the scanning process.
Target: the first scan under 60 s, memory bounded (it walks the tables by id ranges).
"""

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import copy_rows, django_on_postgresql

TARGET_SECONDS = 60
NOW = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # the night in Europe, the evening in America
ZONES = ["Europe/Rome", "Europe/Madrid", "Europe/Moscow", "Asia/Shanghai", "America/New_York"]
LANGUAGES = ["it", "es", "ru", "zh-hans", "en"]
MAKES = [
    ("Fiat", "500"),
    ("Fiat", "Tipo"),
    ("Alfa Romeo", "Giulia"),
    ("Jeep", "Compass"),
    ("Lancia", "Ypsilon"),
]
VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
RECALL_VINS = 200  # per recall
DATA_VERSION = 2  # a change of the generated file: loaded again


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vehicles", type=int, default=1_000_000)
    parser.add_argument("--dealerships", type=int, default=50)
    parser.add_argument("--batch", type=int, default=5000, help="ids a scan reads at once")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--load-only", action="store_true", help="load the file, scan nothing")
    parser.add_argument(
        "--plan-only",
        action="store_true",
        help="one scan that reads and decides every rule but writes nothing (the read side alone)",
    )
    args = parser.parse_args()
    django_on_postgresql("bench_followups")
    if args.measure:
        print(json.dumps(_measure(args.batch)))
        return
    if args.plan_only:
        print(json.dumps(_plan_only(args.batch)))
        return
    load_seconds = _load(args.vehicles, args.dealerships)
    if args.load_only:
        print(json.dumps({"vehicles": args.vehicles, "load_seconds": load_seconds}))
        return
    _reset()
    # A fresh process: its peak RSS is the scan's, not the loader's. Its phases' figures come
    # on stderr as each ends (the catch-up on a fresh file takes minutes).
    measured = subprocess.run(
        [sys.executable, __file__, "--measure", "--batch", str(args.batch)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    figures = json.loads(measured.stdout.strip().splitlines()[-1])
    print(
        json.dumps(
            {
                "vehicles": args.vehicles,
                "dealerships": args.dealerships,
                "batch": args.batch,
                "load_seconds": load_seconds,
                **figures,
                "target_seconds": TARGET_SECONDS,
                "met": figures["first_scan_seconds"] < TARGET_SECONDS
                and figures["second_scan_new_rows"] == 0,
            },
            indent=2,
        )
    )


def _counts() -> dict[str, int]:
    from followups.models import CallTask, ContactRecord
    from notifications.models import OutboxMessage

    return {
        "call_tasks": CallTask.objects.count(),
        "contact_records": ContactRecord.objects.count(),
        "outbox_messages": OutboxMessage.objects.filter(kind__startswith="followup_").count(),
    }


def _measure(batch: int) -> dict:
    """The night before's scan catches up (every contact already due); then the night's scan,
    timed, and the same scan again, which must write nothing."""
    from django.db import connection

    from customers.models import Vehicle
    from followups.scans import followups_scan

    connection.ensure_connection()
    start = time.perf_counter()
    catch_up = followups_scan(now=NOW - timedelta(days=1), batch=batch)
    catch_up_seconds = time.perf_counter() - start
    _progress("catch_up", catch_up_seconds, catch_up)
    _analyze()
    before = _counts()
    start = time.perf_counter()
    nightly = followups_scan(now=NOW, batch=batch)
    nightly_seconds = time.perf_counter() - start
    _progress("nightly", nightly_seconds, nightly)
    after_nightly = _counts()
    start = time.perf_counter()
    second = followups_scan(now=NOW, batch=batch)
    second_seconds = time.perf_counter() - start
    after_second = _counts()
    vehicles = Vehicle.objects.count()
    return {
        "catch_up_scan_seconds": round(catch_up_seconds, 2),
        "catch_up_scan_written": catch_up.calls + catch_up.messages,
        "catch_up_by_rule": catch_up.by_rule,
        "first_scan_seconds": round(nightly_seconds, 2),
        "vehicles_per_second": round(vehicles / nightly_seconds),
        "first_scan_new_rows": {name: after_nightly[name] - before[name] for name in before},
        "first_scan_by_rule": nightly.by_rule,
        "first_scan_already_written": nightly.already,
        "second_scan_seconds": round(second_seconds, 2),
        "second_scan_new_rows": sum(after_second.values()) - sum(after_nightly.values()),
        "second_scan_written": second.calls + second.messages,
        "rows_after": after_second,
        # Linux reports kilobytes.
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _plan_only(batch: int) -> dict:
    """Every rule read and decided over the whole file, the contacts counted, not written."""
    from customers.models import Vehicle
    from followups import scans
    from followups.services.contacts import ContactsWritten

    _reset()
    by_kind: dict[str, int] = {}

    def count(*, dealership, planned, now, scan=False):
        for contact in planned:
            by_kind[contact.kind] = by_kind.get(contact.kind, 0) + 1
        return ContactsWritten()

    scans.followup_contacts_write = count
    start = time.perf_counter()
    scans.followups_scan(now=NOW, batch=batch)
    seconds = time.perf_counter() - start
    vehicles = Vehicle.objects.count()
    return {
        "mode": "plan only: read and decide every rule, write nothing",
        "vehicles": vehicles,
        "scan_seconds": round(seconds, 2),
        "vehicles_per_second": round(vehicles / seconds),
        "contacts_planned": by_kind,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def _progress(phase: str, seconds: float, result: object) -> None:
    """Each phase's figures as soon as it ends (on stderr: stdout carries the JSON)."""
    print(json.dumps({"phase": phase, "seconds": round(seconds, 2), **result.as_dict()}), file=sys.stderr)  # type: ignore[attr-defined]


def _analyze() -> None:
    """The statistics of the tables the catch-up filled, as autovacuum would take them after so
    many rows (a server may run without it): the night's plans are made for what is there."""
    from django.db import connection

    from followups.models import CallTask, ContactRecord
    from notifications.models import OutboxMessage

    tables = ", ".join(model._meta.db_table for model in (CallTask, ContactRecord, OutboxMessage))
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {tables}")


def _reset() -> None:
    from django.db import connection

    from followups.models import CallTask, ContactRecord
    from notifications.models import OutboxMessage

    # In SQL, as the tables are filled: a delete through the ORM would read every message first,
    # and the scanning process, started from this one, would inherit that peak of memory.
    with connection.cursor() as cursor:
        cursor.execute(
            f"TRUNCATE {ContactRecord._meta.db_table}, {CallTask._meta.db_table} RESTART IDENTITY CASCADE"
        )
        cursor.execute(f"DELETE FROM {OutboxMessage._meta.db_table} WHERE kind LIKE %s", ["followup\\_%"])


def _sold(n: int, today: date) -> date:
    """The sale date of vehicle n: spread over four years, the same for the car and its history."""
    return today - timedelta(days=(n * 7919) % 1501)


def _vin(rng: random.Random) -> str:
    return "".join(rng.choices(VIN_CHARS, k=17))


def _load(vehicles: int, dealership_count: int) -> float:
    """The file, once: dealerships, customers, vehicles with histories, campaigns."""
    from django.db import connection, transaction

    from customers.models import Campaign, CampaignVin, Customer, MileageReading, Vehicle
    from dealerships.models import DealerGroup, Dealership

    mine = Dealership.objects.filter(slug__startswith=f"bench-fu-{DATA_VERSION}-")
    if Vehicle.objects.count() == vehicles and mine.count() == dealership_count:
        return 0.0
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE customers_campaignvin, customers_campaign, customers_mileagereading, "
            "customers_vehicle, customers_customer RESTART IDENTITY CASCADE"
        )
    rng = random.Random(16)
    group, _ = DealerGroup.objects.get_or_create(
        slug="bench-followups", defaults={"name": "Bench follow-ups"}
    )
    dealerships = []
    for index in range(dealership_count):
        dealership, _ = Dealership.objects.get_or_create(
            slug=f"bench-fu-{DATA_VERSION}-{index}",
            defaults={
                "group": group,
                "name": f"Bench {index}",
                "city": "Milano",
                "country": "IT",
                "phone_region": "IT",
                "time_zone": ZONES[index % len(ZONES)],
                "language": LANGUAGES[index % len(LANGUAGES)],
            },
        )
        dealerships.append(dealership)
    per_dealership = -(-vehicles // dealership_count)
    today = NOW.date()
    vins: list[tuple[int, str]] = []  # a sample for the recalls

    def owners():
        for n in range(vehicles):
            dealership = dealerships[n // per_dealership]
            roll = rng.random()
            preferred = "phone" if roll < 0.5 else "sms" if roll < 0.85 else "email"
            yield {
                "id": n + 1,
                "dealership_id": dealership.id,
                "given_name": "Mario",
                "family_name": f"Cliente{n}",
                "family_name_search": f"cliente{n}",
                "mobile_phone": f"+3934{n:08d}",
                "other_phone": "",
                "email": f"c{n}@example.com",
                "preferred_contact": preferred,
                "language": "",
            }

    def cars():
        for n in range(vehicles):
            dealership = dealerships[n // per_dealership]
            make, model = MAKES[n % len(MAKES)]
            vin = _vin(rng)
            if rng.random() < 0.02:
                vins.append((dealership.id, vin))
            yield {
                "id": n + 1,
                "dealership_id": dealership.id,
                "customer_id": n + 1,
                "vin": vin,
                "vin_reversed": vin[::-1],
                "plate": "",
                "plate_search": "",
                "make": make,
                "model": model,
                "model_year": 2018 + n % 8,
                "engine": "",
                "fuel": "",
                "sale_date": _sold(n, today),
            }

    def history():
        rng_history = random.Random(61)
        for n in range(vehicles):
            dealership = dealerships[n // per_dealership]
            sold = _sold(n, today)
            age = (today - sold).days
            per_day = rng_history.randint(15, 90)
            if age < 120:  # a new car: a reading given when booking, no service yet
                day = rng_history.randint(age // 2, age)
                readings = [(day, "booking")]
            else:
                # Most customers come every 5-7 months; some stopped coming.
                last = (
                    rng_history.randint(0, 200)
                    if rng_history.random() < 0.85
                    else rng_history.randint(200, 900)
                )
                last = min(last, age - 60)
                previous = min(last + rng_history.randint(150, 220), age)
                recent = rng_history.randint(0, last)
                readings = [(age - previous, "reception"), (age - last, "reception"), (age - recent, "staff")]
            for day, source in readings:
                yield {
                    "dealership_id": dealership.id,
                    "vehicle_id": n + 1,
                    "read_on": sold + timedelta(days=day),
                    "mileage_km": per_day * day,
                    "source": source,
                }

    with transaction.atomic():
        copy_rows(Customer, owners(), fixed={}, now=NOW, with_id=True)
        copy_rows(Vehicle, cars(), fixed={}, now=NOW, with_id=True)
        copy_rows(MileageReading, history(), fixed={}, now=NOW)
        for table in (Customer, Vehicle):
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table._meta.db_table}', 'id'), "
                    f"(SELECT MAX(id) FROM {table._meta.db_table}))"
                )
        for dealership in dealerships:
            mine = [vin for owner, vin in vins if owner == dealership.id]
            for number in range(2):
                recall = Campaign.objects.create(
                    dealership=dealership,
                    code=f"RC-{number}",
                    title="Airbag inflator",
                    is_recall=True,
                    labour_minutes=60,
                    starts_on=today - timedelta(days=30),
                )
                CampaignVin.objects.bulk_create(
                    [
                        CampaignVin(dealership=dealership, campaign=recall, vin=vin)
                        for vin in mine[number * RECALL_VINS : (number + 1) * RECALL_VINS]
                    ]
                )
            Campaign.objects.create(
                dealership=dealership,
                code="CMP-TIPO",
                title="Software update",
                labour_minutes=30,
                starts_on=today - timedelta(days=10),
                make="Fiat",
                model="Tipo",
                model_year_from=2019,
                model_year_to=2019,
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return round(time.perf_counter() - start, 1)


if __name__ == "__main__":
    main()
