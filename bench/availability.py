"""The availability engine (R4) on a busy dealership among many, on PostgreSQL.

    .venv/bin/python bench/availability.py [--scenario default|full60] [--calls 300] [--reload]

`default`: one dealership with 12 service advisors (10 customers a day each), 30 technicians,
a 60-day booking horizon and 20,000 appointments (the next two weeks nearly full, then thinning
out, the rest in the past two years), among 50 dealerships holding 1,000,000 appointments in
all. Timed, for a mix of requests (a 60-minute service, a 90-minute diagnosis, a 10-hour job
that takes the evening drop-off, an urgent repair, a comeback, with alternatives):
  (a) the pure engine call on a snapshot already loaded;
  (b) loader + engine: `bookings.offers.availability_offer`, as the API calls it;
  (c) the HTTP endpoint through Django's test client (authentication, tenancy, JSON).
Target: p95 of (b) under 10 ms.

`full60`: the scenario a peer scheduler is judged by. 10 advisors, open Monday to Saturday
08:00-18:00, a 30-minute grid, the 60 days of the horizon booked full but for one last time
per advisor, on the last open day (about 10,400 receptions in the window): the first available
time is at the far end. Timed as (a), (b) and (c) above for that first time, with the queries
each runs; then (b) again on two more dealerships laid out the same way with half and twice the
receptions in the window (a 60- and a 15-minute grid): 1x, 2x (the peer scenario) and 4x.
Targets: p95 of (b) under 10 ms and of (c) under 20 ms, and (b) flat across 1x, 2x and 4x.

Both are loaded once with COPY into the database of `DATABASE_URL` (default:
`bench_availability` on the local PostgreSQL, created when missing), with the capacity ledger
written from the appointments; later runs reuse them. Prints one JSON object.
"""

import argparse
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import copy_rows, django_on_postgresql, figures

TARGET_P95_MS = 10.0
TARGET_HTTP_P95_MS = 20.0
DEALERSHIPS = 50
APPOINTMENTS_IN_ALL = 1_000_000
APPOINTMENTS_HERE = 20_000
ADVISORS = 12
TECHNICIANS = 30
MAX_CUSTOMERS = 10
HORIZON_DAYS = 60
SKILLS = ["maintenance", "maintenance", "maintenance", "diagnosis", "electrical", "tyres"]
# The bench's "now": a Monday morning in Milan. The data is laid out around it.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
HOURS = [(w, clock(8, 0), clock(12, 30)) for w in range(5)] + [
    (w, clock(14, 0), clock(18, 30)) for w in range(5)
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", choices=("default", "full60"), default="default")
    parser.add_argument("--calls", type=int, default=300, help="timed calls for (a) and (b); (c) takes half")
    parser.add_argument("--reload", action="store_true", help="load the data again even if it is there")
    args = parser.parse_args()
    django_on_postgresql("bench_availability")
    result = (
        _full60(args.calls, args.reload) if args.scenario == "full60" else _default(args.calls, args.reload)
    )
    print(json.dumps(result, indent=2))


def _default(calls: int, reload: bool) -> dict:
    from django.db import connection

    from bookings.ledger import capacity_ledger_rebuild
    from bookings.models import Appointment

    started = time.perf_counter()
    loaded = False
    if (
        reload
        or Appointment.objects.filter(dealership__slug__startswith="bench-").count() != APPOINTMENTS_IN_ALL
    ):
        _load()
        loaded = True
    dealership = _target()
    # Loaded with COPY, not through the booking service: the ledger is written from the rows
    # (nothing to write when it is right already).
    ledger_days_rewritten = len(capacity_ledger_rebuild(dealership=dealership))
    load_seconds = round(time.perf_counter() - started, 1)
    engine, end_to_end, http = _measure(dealership, calls)
    return {
        "benchmark": "availability: the double offer (workshop.availability.offer_slots)",
        "database": f"PostgreSQL {connection.cursor().connection.info.server_version}",
        "dealership": {
            "advisors": ADVISORS,
            "technicians": TECHNICIANS,
            "horizon_days": HORIZON_DAYS,
            "appointments": Appointment.objects.filter(dealership=dealership).count(),
            "appointments_next_60_days": Appointment.objects.filter(
                dealership=dealership,
                local_day__gte=NOW.date(),
                local_day__lt=NOW.date() + timedelta(days=60),
            ).count(),
        },
        "appointments_in_database": Appointment.objects.filter(dealership__slug__startswith="bench-").count(),
        "dealerships": DEALERSHIPS,
        "load_seconds": load_seconds if loaded else "reused",
        "ledger_days_rewritten": ledger_days_rewritten,
        "a_engine": engine,
        "b_loader_and_engine": end_to_end,
        "c_http_endpoint": http,
        "target_p95_ms_of_b": TARGET_P95_MS,
        "meets_target": end_to_end["p95_ms"] <= TARGET_P95_MS,
    }


def _requests():
    from workshop.availability import JobLine, SlotRequest

    return [
        ("service_60", SlotRequest(jobs=(JobLine(skill="maintenance", minutes=60),))),
        (
            "diagnosis_90_two_alternatives",
            SlotRequest(jobs=(JobLine(skill="diagnosis", minutes=90),), alternatives=2),
        ),
        ("full_day_600", SlotRequest(jobs=(JobLine(skill="maintenance", minutes=600),))),
        ("urgent_45", SlotRequest(jobs=(JobLine(skill="electrical", minutes=45),), urgent=True)),
        ("comeback_60", SlotRequest(jobs=(JobLine(skill="maintenance", minutes=60),), comeback=True)),
        ("online_60", SlotRequest(jobs=(JobLine(skill="maintenance", minutes=60),), online=True)),
    ]


def _measure(dealership, calls: int):
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from bookings.capacity import capacity_load
    from bookings.offers import availability_offer
    from workshop.availability import offer_slots

    requests = _requests()
    today = NOW.astimezone(dealership.tz).date()
    snapshot = capacity_load(dealership=dealership, start=today, end=today + timedelta(days=HORIZON_DAYS))
    for _, request in requests:  # warm-up: imports, caches, the connection
        offer_slots(snapshot, request, now=NOW)
        availability_offer(dealership=dealership, request=request, now=NOW)

    engine, by_kind = [], {}
    for index in range(calls):
        name, request = requests[index % len(requests)]
        started = time.perf_counter()
        offer_slots(snapshot, request, now=NOW)
        elapsed = (time.perf_counter() - started) * 1000
        engine.append(elapsed)
    end_to_end = []
    for index in range(calls):
        name, request = requests[index % len(requests)]
        started = time.perf_counter()
        offer = availability_offer(dealership=dealership, request=request, now=NOW)
        elapsed = (time.perf_counter() - started) * 1000
        end_to_end.append(elapsed)
        by_kind.setdefault(name, []).append(elapsed)
        assert len(offer.proposals) >= 2

    import time_machine

    user = get_user_model().objects.get(username="bench-operator")
    client = Client()
    client.force_login(user)
    url = reverse("api_availability", kwargs={"dealership_slug": dealership.slug})
    queries = [
        {"jobs": ["SRV"]},
        {"jobs": ["DIAG"], "alternatives": 2},
        {"jobs": ["BODY"]},
        {"jobs": ["ELEC"], "urgent": "true"},
        {"jobs": ["SRV"], "comeback": "true"},
    ]
    http = []
    with time_machine.travel(NOW, tick=True):
        client.get(url, queries[0])
        for index in range(max(1, calls // 2)):
            started = time.perf_counter()
            response = client.get(url, queries[index % len(queries)])
            http.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content
        http_queries = _queries(lambda: client.get(url, queries[0]))
    offer_queries = _queries(
        lambda: availability_offer(dealership=dealership, request=requests[0][1], now=NOW)
    )
    return (
        figures(engine),
        {
            **figures(end_to_end),
            "queries": offer_queries,
            "by_request": {name: figures(t) for name, t in by_kind.items()},
        },
        {**figures(http), "queries": http_queries},
    )


def _queries(call) -> int:
    """How many statements the call runs (sessions and the user included, over HTTP)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


def _target():
    from dealerships.models import Dealership

    return Dealership.objects.get(slug="bench-00")


def _load() -> None:
    """Fifty dealerships; the first is the one measured. COPY for the appointments."""
    from django.db import connection, transaction

    from customers.models import Customer, Vehicle
    from dealerships.models import DealerGroup, Dealership, Membership, OpeningHours, Role, User
    from workshop.models import Advisor, AdvisorShift, Job, Technician, TechnicianShift, WorkshopPolicy

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE bookings_capacitylock, bookings_appointmentlabour, bookings_appointment, "
            "workshop_advisorshift, workshop_technicianshift, workshop_advisor, workshop_technician, "
            "workshop_job, workshop_workshoppolicy, customers_vehicle, customers_customer CASCADE"
        )
    rng = random.Random("bench-availability")
    group, _ = DealerGroup.objects.get_or_create(slug="bench", defaults={"name": "Benchmark group"})
    per_other = (APPOINTMENTS_IN_ALL - APPOINTMENTS_HERE) // (DEALERSHIPS - 1)
    for number in range(DEALERSHIPS):
        with transaction.atomic():
            dealership, _ = Dealership.objects.get_or_create(
                slug=f"bench-{number:02d}",
                defaults={
                    "group": group,
                    "name": f"Bench {number:02d}",
                    "city": "Milano",
                    "country": "IT",
                    "time_zone": "Europe/Rome",
                    "language": "it",
                    "phone_region": "IT",
                },
            )
            OpeningHours.objects.filter(dealership=dealership).delete()
            OpeningHours.objects.bulk_create(
                OpeningHours(dealership=dealership, weekday=w, opens=o, closes=c) for w, o, c in HOURS
            )
            WorkshopPolicy.objects.create(dealership=dealership, booking_horizon_days=HORIZON_DAYS)
            advisors = [
                Advisor.objects.create(
                    dealership=dealership, name=f"Advisor {i}", max_customers_per_day=MAX_CUSTOMERS
                )
                for i in range(ADVISORS)
            ]
            AdvisorShift.objects.bulk_create(
                AdvisorShift(dealership=dealership, advisor=a, weekday=w, starts=o, ends=c)
                for a in advisors
                for w, o, c in HOURS
            )
            technicians = [
                Technician.objects.create(
                    dealership=dealership,
                    name=f"Technician {i}",
                    skills=sorted(
                        {SKILLS[i % len(SKILLS)], "maintenance"} | ({"diagnosis"} if i % 4 == 0 else set())
                    ),
                )
                for i in range(TECHNICIANS)
            ]
            TechnicianShift.objects.bulk_create(
                TechnicianShift(dealership=dealership, technician=t, weekday=w, starts=o, ends=c)
                for t in technicians
                for w, o, c in HOURS
            )
            for code, minutes, skill in (
                ("SRV", 60, "maintenance"),
                ("DIAG", 90, "diagnosis"),
                ("BODY", 600, "maintenance"),
                ("ELEC", 45, "electrical"),
            ):
                Job.objects.create(
                    dealership=dealership, code=code, name=code, labour_minutes=minutes, skill=skill
                )
            customers = Customer.objects.bulk_create(
                Customer(dealership=dealership, family_name=f"Cliente {i}", family_name_search=f"cliente {i}")
                for i in range(200)
            )
            vehicles = Vehicle.objects.bulk_create(
                Vehicle(
                    dealership=dealership,
                    customer=c,
                    vin=f"ZFA{number:02d}{i:012d}",
                    vin_reversed=f"ZFA{number:02d}{i:012d}"[::-1],
                    make="Fiat",
                    model="500",
                )
                for i, c in enumerate(customers)
            )
            if number == 0:
                user, _ = User.objects.get_or_create(username="bench-operator")
                Membership.objects.get_or_create(
                    user=user, dealership=dealership, role=Role.RESERVATION_OPERATOR
                )
            count = APPOINTMENTS_HERE if number == 0 else per_other
            _copy_appointments(dealership, advisors, vehicles, count, rng, busy=number == 0)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _copy_appointments(dealership, advisors, vehicles, count: int, rng: random.Random, *, busy: bool) -> None:
    """Appointments on working days, never two at one time for one advisor, at most the maximum a
    day. For the measured dealership: the next 10 working days about 90% full, then thinning out
    to 10% at the horizon; the rest in the past."""
    from bookings.models import Appointment, AppointmentLabour

    tz = dealership.tz
    today = NOW.astimezone(tz).date()
    starts = [clock(h, m) for h in range(8, 12) for m in (0, 30)] + [
        clock(h, m) for h in range(14, 18) for m in (0, 30)
    ]
    plan: list[tuple[date, int, int]] = []  # (day, advisor index, slot index)
    if busy:
        horizon = (today + timedelta(days=d) for d in range(HORIZON_DAYS))
        for position, day in enumerate(d for d in horizon if d.weekday() < 5):
            for advisor_index in range(ADVISORS):
                # The first two weeks nearly full (8 to 10 of 10), then thinning out.
                booked = (
                    rng.choice([8, 9, 9, 10])
                    if position < 10
                    else round(MAX_CUSTOMERS * max(0.1, 0.9 - 0.03 * (position - 10)))
                )
                plan += [(day, advisor_index, slot) for slot in rng.sample(range(len(starts)), k=booked)]
    past_day = today - timedelta(days=1)
    while len(plan) < count:
        if past_day.weekday() < 5:
            for advisor_index in range(ADVISORS):
                for slot in rng.sample(range(len(starts)), k=MAX_CUSTOMERS):
                    plan.append((past_day, advisor_index, slot))
        past_day -= timedelta(days=1)
    plan = plan[:count]
    now = datetime.now(UTC)
    first_id = (Appointment.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    labour_rows = []

    def appointment_rows():
        for offset, (day, advisor_index, slot) in enumerate(plan):
            drop_off = datetime.combine(day, starts[slot], tzinfo=tz).astimezone(UTC)
            minutes = rng.choice([45, 60, 60, 90, 120, 180])
            vehicle = rng.choice(vehicles)
            labour_rows.append(
                {
                    "appointment_id": first_id + offset,
                    "day": day,
                    "skill": rng.choice(SKILLS),
                    "minutes": minutes,
                }
            )
            yield {
                "id": first_id + offset,
                "customer_id": vehicle.customer_id,
                "vehicle_id": vehicle.id,
                "advisor_id": advisors[advisor_index].id,
                "status": "booked" if day >= today else "closed",
                "channel": rng.choice(["phone", "phone", "web"]),
                "local_day": day,
                "drop_off_at": drop_off,
                "reception_ends_at": drop_off + timedelta(minutes=15),
                "work_starts_at": drop_off + timedelta(minutes=15),
                "promised_return_at": drop_off + timedelta(minutes=15 + minutes),
                "labour_minutes": minutes,
            }

    copy_rows(Appointment, appointment_rows(), fixed={"dealership_id": dealership.id}, now=now, with_id=True)
    copy_rows(AppointmentLabour, labour_rows, fixed={"dealership_id": dealership.id}, now=now)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('bookings_appointment', 'id'), "
            "(SELECT MAX(id) FROM bookings_appointment))"
        )


# The peer scenario: one dealership per density, the receptions in the window at 1x, 2x and 4x.
PEER_ADVISORS = 10
PEER_TECHNICIANS = 30
PEER_HOURS = [(w, clock(8, 0), clock(18, 0)) for w in range(6)]  # Monday to Saturday
PEER_LABOUR_MINUTES = 30  # per appointment: the technicians never decide, the receptions do
PEER_SCALES = {"1x": 60, "2x": 30, "4x": 15}  # scale -> slot grid (minutes); 2x is the peer's own
PEER_SERVICE_MINUTES = 45


def _full60(calls: int, reload: bool) -> dict:
    from django.db import connection

    from bookings.ledger import capacity_ledger_rebuild
    from bookings.models import Appointment
    from dealerships.models import Dealership
    from workshop.availability import JobLine, SlotRequest

    started = time.perf_counter()
    loaded = []
    for scale, grid in PEER_SCALES.items():
        expected = _peer_plan_size(grid)
        slug = f"peer-{scale}"
        if reload or Appointment.objects.filter(dealership__slug=slug).count() != expected:
            _peer_load(slug, grid)
            loaded.append(slug)
        capacity_ledger_rebuild(dealership=Dealership.objects.get(slug=slug))
    load_seconds = round(time.perf_counter() - started, 1)
    request = SlotRequest(jobs=(JobLine(skill="maintenance", minutes=PEER_SERVICE_MINUTES),))
    peer = Dealership.objects.get(slug="peer-2x")
    result: dict = {
        "benchmark": "availability, the peer scenario: the first available time over a full 60-day horizon",
        "database": f"PostgreSQL {connection.cursor().connection.info.server_version}",
        "dealership": {
            "advisors": PEER_ADVISORS,
            "hours": "Monday to Saturday 08:00-18:00",
            "slot_minutes": PEER_SCALES["2x"],
            "horizon_days": HORIZON_DAYS,
            "receptions_in_window": _in_window(peer),
        },
        "load_seconds": load_seconds if loaded else "reused",
        **_peer_measure(peer, request, calls),
        "scaling": {},
    }
    for scale in PEER_SCALES:
        dealership = Dealership.objects.get(slug=f"peer-{scale}")
        timings, first = _offer_timings(dealership, request, calls)
        result["scaling"][scale] = {
            "receptions_in_window": _in_window(dealership),
            "first_available": first,
            **figures(timings),
        }
    result["targets_ms"] = {"b_p95": TARGET_P95_MS, "c_p95": TARGET_HTTP_P95_MS}
    result["meets_targets"] = (
        result["b_loader_and_engine"]["p95_ms"] <= TARGET_P95_MS
        and result["c_http_endpoint"]["p95_ms"] <= TARGET_HTTP_P95_MS
    )
    return result


def _in_window(dealership) -> int:
    from bookings.models import Appointment

    today = NOW.astimezone(dealership.tz).date()
    return Appointment.objects.filter(
        dealership=dealership, local_day__range=(today, today + timedelta(days=HORIZON_DAYS))
    ).count()


def _offer_timings(dealership, request, calls: int) -> tuple[list[float], str]:
    from bookings.offers import availability_offer

    offer = availability_offer(dealership=dealership, request=request, now=NOW)  # warm-up
    timings = []
    for _ in range(calls):
        started = time.perf_counter()
        offer = availability_offer(dealership=dealership, request=request, now=NOW)
        timings.append((time.perf_counter() - started) * 1000)
    first = offer.proposals[0]
    return timings, first.drop_off.astimezone(dealership.tz).isoformat()


def _peer_measure(dealership, request, calls: int) -> dict:
    """(a), (b) and (c) for the first available time, with the statements (b) and (c) run."""
    import time_machine
    from django.contrib.auth import get_user_model
    from django.test import Client
    from django.urls import reverse

    from bookings.capacity import capacity_load
    from bookings.offers import availability_offer
    from workshop.availability import offer_slots

    today = NOW.astimezone(dealership.tz).date()
    snapshot = capacity_load(dealership=dealership, start=today, end=today + timedelta(days=HORIZON_DAYS))
    offer = offer_slots(snapshot, request, now=NOW)
    engine = []
    for _ in range(calls):
        started = time.perf_counter()
        offer_slots(snapshot, request, now=NOW)
        engine.append((time.perf_counter() - started) * 1000)
    end_to_end, _ = _offer_timings(dealership, request, calls)
    client = Client()
    client.force_login(get_user_model().objects.get(username="peer-operator"))
    url = reverse("api_availability", kwargs={"dealership_slug": dealership.slug})
    http = []
    with time_machine.travel(NOW, tick=True):
        assert client.get(url, {"jobs": ["SRV"]}).status_code == 200
        for _ in range(max(1, calls // 2)):
            started = time.perf_counter()
            response = client.get(url, {"jobs": ["SRV"]})
            http.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, response.content
        http_queries = _queries(lambda: client.get(url, {"jobs": ["SRV"]}))
        answer = client.get(url, {"jobs": ["SRV"]}).json()
    return {
        "first_available": [
            f"{p.drop_off.astimezone(dealership.tz):%Y-%m-%d %H:%M} {p.advisor_name}" for p in offer.proposals
        ],
        "http_first_available": [p["drop_off"] for p in answer["proposals"]],
        "a_engine": figures(engine),
        "b_loader_and_engine": {
            **figures(end_to_end),
            "queries": _queries(lambda: availability_offer(dealership=dealership, request=request, now=NOW)),
        },
        "c_http_endpoint": {**figures(http), "queries": http_queries},
    }


def _peer_days(grid: int) -> tuple[list[date], list[clock]]:
    """The open days of the window and the drop-off times of the grid."""
    today = NOW.date()
    days = [today + timedelta(days=n) for n in range(HORIZON_DAYS + 1)]
    starts = [
        clock(minute // 60, minute % 60)
        for minute in range(8 * 60, 18 * 60, grid)
        if minute + 15 <= 18 * 60  # the reception ends by closing time
    ]
    return [day for day in days if day.weekday() < 6], starts


def _peer_plan_size(grid: int) -> int:
    days, starts = _peer_days(grid)
    return len(days) * len(starts) * PEER_ADVISORS - PEER_ADVISORS


def _peer_load(slug: str, grid: int) -> None:
    """A dealership booked full over the window but for one time per advisor on its last open
    day (advisor n keeps the n-th time of that day free), its maximum the grid's times a day."""
    from django.db import connection, transaction

    from bookings.models import Appointment, AppointmentLabour
    from customers.models import Customer, Vehicle
    from dealerships.models import DealerGroup, Dealership, Membership, OpeningHours, Role, User
    from workshop.models import Advisor, AdvisorShift, Job, Technician, TechnicianShift, WorkshopPolicy

    days, starts = _peer_days(grid)
    group, _ = DealerGroup.objects.get_or_create(slug="bench", defaults={"name": "Benchmark group"})
    with transaction.atomic():
        dealership, _ = Dealership.objects.get_or_create(
            slug=slug,
            defaults={
                "group": group,
                "name": f"Peer {slug}",
                "city": "Milano",
                "country": "IT",
                "time_zone": "Europe/Rome",
                "language": "it",
                "phone_region": "IT",
            },
        )
        with connection.cursor() as cursor:
            for table in ("capacitylock", "appointmentlabour", "appointmentjob", "appointmenttransition"):
                cursor.execute(f"DELETE FROM bookings_{table} WHERE dealership_id = %s", [dealership.id])
            cursor.execute("DELETE FROM bookings_appointment WHERE dealership_id = %s", [dealership.id])
        for model in (AdvisorShift, TechnicianShift, Advisor, Technician, Job, WorkshopPolicy, OpeningHours):
            model.objects.filter(dealership=dealership).delete()
        Vehicle.objects.filter(dealership=dealership).delete()
        Customer.objects.filter(dealership=dealership).delete()
        OpeningHours.objects.bulk_create(
            OpeningHours(dealership=dealership, weekday=w, opens=o, closes=c) for w, o, c in PEER_HOURS
        )
        WorkshopPolicy.objects.create(
            dealership=dealership,
            slot_minutes=grid,
            kept_free_minutes_per_hour=0,
            booking_horizon_days=HORIZON_DAYS,
        )
        advisors = [
            Advisor.objects.create(
                dealership=dealership,
                name=f"Advisor {i}",
                max_customers_per_day=len(starts),
                max_online_per_day=len(starts),
            )
            for i in range(PEER_ADVISORS)
        ]
        AdvisorShift.objects.bulk_create(
            AdvisorShift(dealership=dealership, advisor=a, weekday=w, starts=o, ends=c)
            for a in advisors
            for w, o, c in PEER_HOURS
        )
        technicians = [
            Technician.objects.create(dealership=dealership, name=f"Technician {i}", skills=["maintenance"])
            for i in range(PEER_TECHNICIANS)
        ]
        TechnicianShift.objects.bulk_create(
            TechnicianShift(dealership=dealership, technician=t, weekday=w, starts=o, ends=c)
            for t in technicians
            for w, o, c in PEER_HOURS
        )
        Job.objects.create(
            dealership=dealership,
            code="SRV",
            name="Service",
            labour_minutes=PEER_SERVICE_MINUTES,
            skill="maintenance",
        )
        customers = Customer.objects.bulk_create(
            Customer(dealership=dealership, family_name=f"Cliente {i}", family_name_search=f"cliente {i}")
            for i in range(200)
        )
        vehicles = Vehicle.objects.bulk_create(
            Vehicle(
                dealership=dealership,
                customer=c,
                vin=f"ZFAPEER{slug[-2:]}{i:08d}",
                vin_reversed=f"ZFAPEER{slug[-2:]}{i:08d}"[::-1],
                make="Fiat",
                model="500",
            )
            for i, c in enumerate(customers)
        )
        user, _ = User.objects.get_or_create(username="peer-operator")
        Membership.objects.get_or_create(user=user, dealership=dealership, role=Role.RESERVATION_OPERATOR)
    tz = dealership.tz
    now = datetime.now(UTC)
    first_id = (Appointment.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    plan = [
        (day, advisor_index, start)
        for day in days
        for advisor_index in range(PEER_ADVISORS)
        for slot, start in enumerate(starts)
        if not (day == days[-1] and slot == advisor_index)  # the one time left per advisor
    ]
    labour_rows = []

    def appointment_rows():
        for offset, (day, advisor_index, start) in enumerate(plan):
            drop_off = datetime.combine(day, start, tzinfo=tz).astimezone(UTC)
            vehicle = vehicles[offset % len(vehicles)]
            labour_rows.append(
                {
                    "appointment_id": first_id + offset,
                    "day": day,
                    "skill": "maintenance",
                    "minutes": PEER_LABOUR_MINUTES,
                }
            )
            yield {
                "id": first_id + offset,
                "customer_id": vehicle.customer_id,
                "vehicle_id": vehicle.id,
                "advisor_id": advisors[advisor_index].id,
                "status": "booked",
                "channel": "phone",
                "local_day": day,
                "drop_off_at": drop_off,
                "reception_ends_at": drop_off + timedelta(minutes=15),
                "work_starts_at": drop_off + timedelta(minutes=15),
                "promised_return_at": drop_off + timedelta(minutes=15 + PEER_LABOUR_MINUTES),
                "labour_minutes": PEER_LABOUR_MINUTES,
            }

    copy_rows(Appointment, appointment_rows(), fixed={"dealership_id": dealership.id}, now=now, with_id=True)
    copy_rows(AppointmentLabour, labour_rows, fixed={"dealership_id": dealership.id}, now=now)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('bookings_appointment', 'id'), "
            "(SELECT MAX(id) FROM bookings_appointment))"
        )
        cursor.execute("ANALYZE bookings_appointment")
        cursor.execute("ANALYZE bookings_appointmentlabour")


if __name__ == "__main__":
    main()
