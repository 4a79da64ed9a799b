"""The availability engine (R4) on a busy dealership among many, on PostgreSQL.

    .venv/bin/python bench/availability.py [--calls 300] [--reload]

One dealership with 12 service advisors (10 customers a day each), 30 technicians, a 60-day
booking horizon and 20,000 appointments (the next two weeks nearly full, then thinning out, the
rest in the past two years), among 50 dealerships holding 1,000,000 appointments in all. Loaded
once with COPY into the database of `DATABASE_URL` (default: `bench_availability` on the local
PostgreSQL, created when missing); later runs reuse it.

Timed, for a mix of requests (a 60-minute service, a 90-minute diagnosis, a 10-hour job that
takes the evening drop-off, an urgent repair, a comeback, with alternatives):
  (a) the pure engine call on a snapshot already loaded;
  (b) loader + engine: `bookings.offers.availability_offer`, as the API calls it;
  (c) the HTTP endpoint through Django's test client (authentication, tenancy, JSON).
Target: p95 of (b) under 30 ms. Prints one JSON object.
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

TARGET_P95_MS = 30.0
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
    parser.add_argument("--calls", type=int, default=300, help="timed calls for (a) and (b); (c) takes half")
    parser.add_argument("--reload", action="store_true", help="load the data again even if it is there")
    args = parser.parse_args()
    django_on_postgresql("bench_availability")
    from django.db import connection

    from bookings.models import Appointment

    started = time.perf_counter()
    loaded = False
    if args.reload or Appointment.objects.count() != APPOINTMENTS_IN_ALL:
        _load()
        loaded = True
    load_seconds = round(time.perf_counter() - started, 1)
    dealership = _target()
    engine, end_to_end, http = _measure(dealership, args.calls)
    print(
        json.dumps(
            {
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
                "appointments_in_database": Appointment.objects.count(),
                "dealerships": DEALERSHIPS,
                "load_seconds": load_seconds if loaded else "reused",
                "a_engine": engine,
                "b_loader_and_engine": end_to_end,
                "c_http_endpoint": http,
                "target_p95_ms_of_b": TARGET_P95_MS,
                "meets_target": end_to_end["p95_ms"] < TARGET_P95_MS,
            },
            indent=2,
        )
    )


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
    from bookings.offers import FIRST_LOOKS, availability_offer
    from workshop.availability import offer_slots

    requests = _requests()
    today = NOW.astimezone(dealership.tz).date()
    snapshot = capacity_load(dealership=dealership, start=today, end=today + timedelta(days=FIRST_LOOKS[0]))
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
    return (
        figures(engine),
        {**figures(end_to_end), "by_request": {name: figures(t) for name, t in by_kind.items()}},
        figures(http),
    )


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
            "TRUNCATE bookings_appointmentlabour, bookings_appointment, workshop_advisorshift, "
            "workshop_technicianshift, workshop_advisor, workshop_technician, workshop_job, "
            "workshop_workshoppolicy, customers_vehicle, customers_customer CASCADE"
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


if __name__ == "__main__":
    main()
