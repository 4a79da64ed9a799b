"""Bookings under load: gunicorn, PostgreSQL, many clients booking at once.

    .venv/bin/python bench/booking.py [--clients 64] [--seconds 30] [--workers 4] [--threads 1]
                                      [--pick offer|guess]

Starts gunicorn (`--workers` sync workers; its log in var/bench-booking-gunicorn.log) on
127.0.0.1 against the database of `DATABASE_URL` (default: `bench_booking` on the local
PostgreSQL, created when missing; its appointments are cleared at each run). `--clients`
threads, each with its own logged-in session, book into one dealership (12 advisors, 30
technicians) for `--seconds`, POSTing each booking with an Idempotency-Key. How a client
chooses the time (`--pick`):

- `offer` (default), as the phone desk and the web do: it asks the availability endpoint for the
  times of a random working day in the next 40 (up to a dozen) and books them one after another,
  one customer each; when one was taken meanwhile, the 409 carries the next times and it books
  the first of those.
- `guess`: it books an advisor and a time drawn from a 30-minute grid over the next 40 working
  days, without asking first (a quarter of those fall in an advisor's kept-free quarter, R4.3),
  and on a 409 one of the next times the answer carries.

Prints JSON: bookings per second, p50/p95 latency of the booking requests, conflicts answered,
availability requests, errors, and the overbookings found in the database afterwards (must be
0). Target: >= 100 bookings/s on this 2-core machine, 0 overbookings.
"""

import argparse
import http.client
import json
import os
import random
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as clock
from importlib import import_module
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import ROOT, django_on_postgresql, figures

TARGET_BOOKINGS_PER_SECOND = 100
ADVISORS = 12
TECHNICIANS = 30
MAX_CUSTOMERS = 10
WORKING_DAYS = 40
PASSWORD = "bench-pass-2026"
HOURS = [(w, clock(8, 0), clock(12, 30)) for w in range(5)] + [
    (w, clock(14, 0), clock(18, 30)) for w in range(5)
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="threads per worker (gthread when > 1)")
    parser.add_argument("--pick", choices=("offer", "guess"), default="offer")
    args = parser.parse_args()
    django_on_postgresql("bench_booking")
    dealership, customers = _prepare(args.clients)
    port = _free_port()
    server = _gunicorn(port, args.workers, args.threads)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_until_up(base)
        clients = [_logged_in(port) for _ in range(args.clients)]
        results = _run(dealership, customers, clients, args.seconds, args.pick)
    finally:
        server.terminate()
        server.wait(timeout=20)
    print(json.dumps({**results, **_audit(dealership)}, indent=2))


def _prepare(clients: int):
    """One dealership with its capacity; appointments of earlier runs cleared."""
    from django.db import connection

    from bookings.models import Appointment
    from customers.models import Customer, Vehicle
    from dealerships.models import DealerGroup, Dealership, Membership, OpeningHours, Role, User
    from workshop.models import Advisor, AdvisorShift, Job, Technician, TechnicianShift, WorkshopPolicy

    group, _ = DealerGroup.objects.get_or_create(slug="bench", defaults={"name": "Benchmark group"})
    dealership, created = Dealership.objects.get_or_create(
        slug="bench-booking",
        defaults={
            "group": group,
            "name": "Bench booking",
            "city": "Milano",
            "country": "IT",
            "time_zone": "Europe/Rome",
            "language": "it",
            "phone_region": "IT",
        },
    )
    with connection.cursor() as cursor:
        for table in ("idempotencykey", "appointmenttransition", "appointmentlabour", "appointmentjob"):
            cursor.execute(f"DELETE FROM bookings_{table} WHERE dealership_id = %s", [dealership.id])
        cursor.execute("DELETE FROM bookings_appointment WHERE dealership_id = %s", [dealership.id])
        # The days' capacity ledger follows the appointments: nothing is taken any more.
        cursor.execute(
            "UPDATE bookings_capacitylock SET advisors = '{}', labour = '{}' WHERE dealership_id = %s",
            [dealership.id],
        )
        cursor.execute("DELETE FROM django_session")  # the bench's own database: its clients' sessions
        # Each run deletes what the last one wrote; without a vacuum (autovacuum may be off, as
        # on the CI machines) the dead rows pile up run after run and every booking walks them.
        for table in ("idempotencykey", "appointmenttransition", "appointmentlabour", "appointmentjob"):
            cursor.execute(f"VACUUM ANALYZE bookings_{table}")
        cursor.execute("VACUUM ANALYZE bookings_appointment")
        cursor.execute("VACUUM ANALYZE bookings_capacitylock")
        cursor.execute("VACUUM ANALYZE django_session")
    if created:
        OpeningHours.objects.bulk_create(
            OpeningHours(dealership=dealership, weekday=w, opens=o, closes=c) for w, o, c in HOURS
        )
        WorkshopPolicy.objects.create(dealership=dealership, booking_horizon_days=70)
        for index in range(ADVISORS):
            advisor = Advisor.objects.create(
                dealership=dealership,
                name=f"Advisor {index}",
                max_customers_per_day=MAX_CUSTOMERS,
                max_online_per_day=4,
            )
            AdvisorShift.objects.bulk_create(
                AdvisorShift(dealership=dealership, advisor=advisor, weekday=w, starts=o, ends=c)
                for w, o, c in HOURS
            )
        for index in range(TECHNICIANS):
            technician = Technician.objects.create(
                dealership=dealership, name=f"Technician {index}", skills=["maintenance"]
            )
            TechnicianShift.objects.bulk_create(
                TechnicianShift(dealership=dealership, technician=technician, weekday=w, starts=o, ends=c)
                for w, o, c in HOURS
            )
        Job.objects.create(dealership=dealership, code="SRV", name="Service", labour_minutes=45)
        user = User.objects.create_user(username="bench-booker", password=PASSWORD)
        Membership.objects.create(user=user, dealership=dealership, role=Role.RESERVATION_OPERATOR)
    have = Customer.objects.filter(dealership=dealership).count()
    for index in range(have, clients):
        customer = Customer.objects.create(
            dealership=dealership, family_name=f"Cliente {index}", family_name_search=f"cliente {index}"
        )
        Vehicle.objects.create(
            dealership=dealership,
            customer=customer,
            vin=f"ZFABENCH{index:09d}",
            vin_reversed=f"ZFABENCH{index:09d}"[::-1],
            make="Fiat",
            model="500",
        )
    customers = list(
        Vehicle.objects.filter(dealership=dealership)
        .order_by("id")
        .values_list("customer_id", "id")[:clients]
    )
    assert not Appointment.objects.filter(dealership=dealership).exists()
    return dealership, customers


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _gunicorn(port: int, workers: int, threads: int) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",  # DEBUG keeps every query in memory: not what production runs
        "CONN_MAX_AGE": "60",
    }
    log = open(ROOT / "var" / "bench-booking-gunicorn.log", "w")  # noqa: SIM115 - lives as long as the server
    return subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
        stdout=log,
        stderr=log,  # 409s are logged by Django as warnings: thousands of lines
    )


def _wait_until_up(base: str) -> None:
    import requests

    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):  # not listening yet, or still loading
            time.sleep(0.2)
    raise SystemExit("gunicorn did not come up")


class _Client:
    """One client's HTTP: its own session cookie and CSRF token, a fresh connection per request
    (gunicorn's sync workers close each one). http.client, not requests: on a 2-core machine
    the load generator's own CPU is taken from the server it measures."""

    def __init__(self, port: int, session_key: str, csrf_secret: str):
        self.port = port
        self.headers = {
            "Cookie": f"sessionid={session_key}; csrftoken={csrf_secret}",
            "X-CSRFToken": csrf_secret,  # Django takes the unmasked secret in the header too
        }

    def request(self, method: str, path: str, body: dict | None = None, headers: dict | None = None):
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            payload = json.dumps(body).encode() if body is not None else None
            sent = {**self.headers, **(headers or {})}
            if payload is not None:
                sent["Content-Type"] = "application/json"
            connection.request(method, path, body=payload, headers=sent)
            response = connection.getresponse()
            data = response.read()
            return response.status, (json.loads(data) if data else None)
        finally:
            connection.close()


def _logged_in(port: int) -> _Client:
    """A client with its own session, made as a login would make it (without spending a
    password hash per client on the server before the clock starts)."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.utils.crypto import get_random_string

    from dealerships.models import User

    user = User.objects.get(username="bench-booker")
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return _Client(port, store.session_key, get_random_string(32))


def _grid(dealership) -> list[datetime]:
    """Drop-off times on the 30-minute grid of the next working days, in the dealership's zone."""
    tz = dealership.tz
    today = datetime.now(tz).date()
    times, day = [], today
    while len({t.date() for t in times}) < WORKING_DAYS:
        day += timedelta(days=1)
        if day.weekday() >= 5:
            continue
        for _, opens, closes in (h for h in HOURS if h[0] == day.weekday()):
            moment = datetime.combine(day, opens, tzinfo=tz)
            while moment + timedelta(minutes=15) <= datetime.combine(day, closes, tzinfo=tz):
                times.append(moment)
                moment += timedelta(minutes=30)
    return times


def _run(dealership, customers, clients, seconds, pick):
    from workshop.models import Advisor

    advisors = list(Advisor.objects.filter(dealership=dealership).values_list("id", flat=True))
    grid = _grid(dealership)
    days = sorted({moment.date() for moment in grid})
    tz = dealership.tz
    api = f"/api/v1/dealerships/{dealership.slug}"
    latencies: list[float] = []
    outcome = {"booked": 0, "conflict": 0, "error": 0, "availability_requests": 0}
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def times_of_a_day(http, rng) -> list[tuple[int, str]]:
        day = rng.choice(days)
        query = urlencode(
            {
                "jobs": "SRV",
                "window_start": datetime.combine(day, clock(0, 0), tzinfo=tz).isoformat(),
                "window_end": datetime.combine(day, clock(23, 59), tzinfo=tz).isoformat(),
                "alternatives": 10,
            }
        )
        status, answer = http.request("GET", f"{api}/availability/?{query}")
        with lock:
            outcome["availability_requests"] += 1
        if status != 200:
            return []
        return [(p["advisor"]["id"], p["drop_off"]) for p in answer["proposals"]]

    def client(index: int) -> None:
        rng = random.Random(index)
        http = clients[index]
        customer_id, vehicle_id = customers[index]
        planned: list[tuple[int, str]] = []
        while time.monotonic() < stop_at:
            if not planned:
                if pick == "offer":
                    planned = times_of_a_day(http, rng)
                    continue
                planned = [(rng.choice(advisors), rng.choice(grid).isoformat())]
            advisor_id, drop_off = planned.pop(0)
            body = {
                "customer": customer_id,
                "vehicle": vehicle_id,
                "advisor": advisor_id,
                "drop_off": drop_off,
                "jobs": ["SRV"],
            }
            started = time.perf_counter()
            try:
                key = {"Idempotency-Key": uuid.uuid4().hex}
                status, answer = http.request("POST", f"{api}/appointments/", body, headers=key)
            except Exception:
                status, answer = 0, None
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if status == 201:
                    outcome["booked"] += 1
                elif status == 409:
                    outcome["conflict"] += 1
                else:
                    outcome["error"] += 1
            if status == 409:
                # The desk offers the next free times and "the customer" takes one of them.
                proposals = [(p["advisor"]["id"], p["drop_off"]) for p in answer["proposals"]]
                if pick == "offer":
                    planned = proposals[:1]
                elif proposals:
                    planned = [rng.choice(proposals)]

    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "benchmark": "booking under load (POST /api/v1/dealerships/<slug>/appointments/)",
        "clients": len(clients),
        "pick": pick,
        "seconds": round(elapsed, 1),
        "bookings": outcome["booked"],
        "bookings_per_second": round(outcome["booked"] / elapsed, 1),
        "conflicts_answered": outcome["conflict"],
        "availability_requests": outcome["availability_requests"],
        "errors": outcome["error"],
        "booking_requests": figures(latencies),
        "target_bookings_per_second": TARGET_BOOKINGS_PER_SECOND,
        "meets_target": outcome["booked"] / elapsed >= TARGET_BOOKINGS_PER_SECOND,
    }


def _audit(dealership) -> dict:
    """Overbookings in the database: two live receptions of one advisor that overlap, or an
    advisor-day past its maximum without a manager's override."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM bookings_appointment a JOIN bookings_appointment b "
            "ON a.advisor_id = b.advisor_id AND a.id < b.id "
            "AND a.drop_off_at < b.reception_ends_at AND b.drop_off_at < a.reception_ends_at "
            "WHERE a.dealership_id = %s AND a.status <> 'cancelled' AND b.status <> 'cancelled'",
            [dealership.id],
        )
        overlaps = cursor.fetchone()[0]
        cursor.execute(
            "SELECT count(*) FROM (SELECT a.advisor_id, a.local_day FROM bookings_appointment a "
            "JOIN workshop_advisor w ON w.id = a.advisor_id WHERE a.dealership_id = %s "
            "AND a.status <> 'cancelled' AND a.capacity_override_reason = '' "
            "GROUP BY a.advisor_id, a.local_day, w.max_customers_per_day "
            "HAVING count(*) > w.max_customers_per_day) past_maximum",
            [dealership.id],
        )
        past_maximum = cursor.fetchone()[0]
    return {
        "overlapping_receptions": overlaps,
        "advisor_days_past_maximum": past_maximum,
        "overbookings": overlaps + past_maximum,
    }


if __name__ == "__main__":
    main()
