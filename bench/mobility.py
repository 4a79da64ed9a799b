"""Mobility (R3.1, R3.7, R3.8) on the availability bench's busy dealership, on PostgreSQL.

    .venv/bin/python bench/mobility.py [--calls 300] [--reload]

The dealership measured by bench/availability.py (its data is loaded first when missing: 50
dealerships, 1,000,000 appointments) gets a fleet of 200 vehicles (150 courtesy cars of its
brand, 30 of another brand, 20 rental cars) and 50,000 reservations: about 250 a vehicle, each
busy about 60% of the time, from ten months ago to two months ahead. Timed:
  (a) the next availability of a chosen solution (the brand's courtesy cars) within 60 days, for
      stays of 4 hours, 10 hours and a day from times spread over the next fortnight
      (`mobility.snapshot.solution_next_free`, loader and pure search); and, apart, the worst
      case: a 3-day stay, longer than any gap, answered past the fleet's last reservation;
  (b) the combined workshop + mobility double offer (`mobility.offers.mobility_offer`) against the
      same offer without mobility (`bookings.offers.availability_offer`), back to back, for the
      availability bench's requests.
Targets: (a) p95 under 10 ms; (b) p95 no more than 5 ms above the offer without mobility.

Loaded once with COPY into the database of `DATABASE_URL` (default: `bench_mobility` on the
local PostgreSQL, created when missing); later runs reuse it. Prints one JSON object.
"""

import argparse
import json
import random
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import copy_rows, django_on_postgresql, figures

TARGET_NEXT_FREE_P95_MS = 10.0
TARGET_EXTRA_P95_MS = 5.0
FLEET = (
    ("brand_courtesy_car", 150, "Maserati"),
    ("other_brand_courtesy_car", 30, "Fiat"),
    ("rental", 20, "Hertz"),
)
RESERVATIONS = 50_000
PAST_DAYS, AHEAD_DAYS = 300, 60
# Stays asked for: a morning's service, a working day, a day and a night.
DURATIONS = (timedelta(hours=4), timedelta(hours=10), timedelta(days=1))
# Longer than any gap the fleet has: the answer is past its last reservation, 60 days out.
WORST_CASE = timedelta(days=3)
STAY_HOURS, GAP_HOURS = (4, 36), (0, 29)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=300, help="timed calls for each measure")
    parser.add_argument("--reload", action="store_true", help="load the fleet again even if it is there")
    args = parser.parse_args()
    django_on_postgresql("bench_mobility")
    print(json.dumps(_run(args.calls, args.reload), indent=2))


def _run(calls: int, reload: bool) -> dict:
    from django.db import connection

    from bench import availability as workshop_bench
    from bookings.ledger import capacity_ledger_rebuild
    from bookings.models import Appointment
    from mobility.models import FleetVehicle, Reservation

    started = time.perf_counter()
    if (
        Appointment.objects.filter(dealership__slug__startswith="bench-").count()
        != workshop_bench.APPOINTMENTS_IN_ALL
    ):
        workshop_bench._load()
        reload = True
    dealership = workshop_bench._target()
    capacity_ledger_rebuild(dealership=dealership)
    if reload or Reservation.objects.filter(dealership=dealership).count() != RESERVATIONS:
        _load_fleet(dealership)
    load_seconds = round(time.perf_counter() - started, 1)
    next_free = _measure_next_free(dealership, calls)
    combined = _measure_offers(dealership, calls, workshop_bench)
    extra = round(combined["with_mobility"]["p95_ms"] - combined["without_mobility"]["p95_ms"], 2)
    return {
        "benchmark": "mobility: next availability and the combined workshop + mobility offer",
        "database": f"PostgreSQL {connection.cursor().connection.info.server_version}",
        "fleet_vehicles": FleetVehicle.objects.filter(dealership=dealership).count(),
        "reservations": Reservation.objects.filter(dealership=dealership).count(),
        "reservations_next_60_days": Reservation.objects.filter(
            dealership=dealership,
            departure_at__gte=workshop_bench.NOW,
            departure_at__lt=workshop_bench.NOW + timedelta(days=AHEAD_DAYS),
        ).count(),
        "load_seconds": load_seconds,
        "a_next_free_60_days": next_free,
        "b_offer": combined,
        "b_extra_p95_ms": extra,
        "targets": {"a_p95_ms": TARGET_NEXT_FREE_P95_MS, "b_extra_p95_ms": TARGET_EXTRA_P95_MS},
        "meets_targets": next_free["p95_ms"] <= TARGET_NEXT_FREE_P95_MS and extra <= TARGET_EXTRA_P95_MS,
    }


def _load_fleet(dealership) -> None:
    """200 vehicles in three solutions and 50,000 reservations, back to back with short gaps."""
    from django.db import connection, transaction

    from bench.availability import NOW
    from customers.models import Customer
    from mobility.models import FleetVehicle, MobilitySolution, Reservation, ReservationStatus, fleet_changed

    rng = random.Random("bench-mobility")
    with transaction.atomic():
        # The benchmark's own database holds only this fleet: emptied at once, without the
        # per-row work (history, signals) a delete through the ORM would do.
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE mobility_reservation, mobility_fleetoutofservice, mobility_fleetvehicle, "
                "mobility_solutioncap, mobility_mobilitysolution CASCADE"
            )
        vehicles = []
        for position, (kind, count, brand) in enumerate(FLEET):
            (solution,) = MobilitySolution.objects.bulk_create(
                [
                    MobilitySolution(
                        dealership=dealership,
                        kind=kind,
                        name=kind,
                        position=position,
                        daily_cost=45,
                        currency="EUR",
                    )
                ]
            )
            vehicles += FleetVehicle.objects.bulk_create(
                FleetVehicle(
                    dealership=dealership,
                    solution=solution,
                    plate=f"FL{position}{number:04d}",
                    vin=f"ZAM{position}{number:013d}",
                    brand=brand,
                    model="Loaner",
                    in_fleet_since=NOW.date() - timedelta(days=400),
                )
                for number in range(count)
            )
        customers = list(Customer.objects.filter(dealership=dealership).values_list("id", flat=True))
        tz = dealership.tz
        per_vehicle = RESERVATIONS // len(vehicles)
        # Each vehicle's reservations fill its span, about 60% of the time: stays of 4 to 36
        # hours, gaps of up to 29 hours between them (about 250 a vehicle over the span).
        rows = []
        for vehicle in vehicles:
            moment = NOW - timedelta(days=PAST_DAYS) + timedelta(hours=rng.randint(0, 24))
            for _ in range(per_vehicle):
                stay = timedelta(minutes=rng.randint(STAY_HOURS[0] * 60, STAY_HOURS[1] * 60))
                local = moment.astimezone(tz)
                rows.append(
                    {
                        "solution_id": vehicle.solution_id,
                        "fleet_vehicle_id": vehicle.id,
                        "customer_id": rng.choice(customers),
                        "departure_at": moment,
                        "return_at": moment + stay,
                        "local_day": local.date(),
                        "afternoon": local.hour >= 12,
                        # Out with the customer when it left before now and is not back yet.
                        "status": (
                            ReservationStatus.RESERVED
                            if moment >= NOW
                            else ReservationStatus.OUT
                            if moment + stay > NOW
                            else ReservationStatus.RETURNED
                        ),
                    }
                )
                moment += stay + timedelta(minutes=rng.randint(GAP_HOURS[0] * 60, GAP_HOURS[1] * 60))
        copy_rows(Reservation, rows, fixed={"dealership_id": dealership.id}, now=NOW)
        # Written by bulk_create and TRUNCATE, past the rows' signals: the fleet's cached static
        # part is renewed here, as every write that bypasses save() does.
        fleet_changed(dealership_id=dealership.id)
    with connection.cursor() as cursor:
        # As autovacuum would soon: the visibility map lets the next-free search's probes of
        # the reservations' index answer from the index alone.
        cursor.execute("VACUUM ANALYZE mobility_reservation")


def _measure_next_free(dealership, calls: int) -> dict:
    from bench.availability import NOW
    from mobility.models import MobilitySolution
    from mobility.snapshot import solution_next_free

    solution_id = MobilitySolution.objects.get(dealership=dealership, kind="brand_courtesy_car").id
    rng = random.Random("next-free")
    asks = [
        (NOW + timedelta(minutes=rng.randint(0, 14 * 24 * 60)), DURATIONS[index % len(DURATIONS)])
        for index in range(calls)
    ]
    for after, duration in asks[:10]:  # warm-up
        solution_next_free(
            dealership=dealership, solution_id=solution_id, after=after, duration=duration, now=NOW
        )
    timings, found = [], 0
    for after, duration in asks:
        started = time.perf_counter()
        answer = solution_next_free(
            dealership=dealership, solution_id=solution_id, after=after, duration=duration, now=NOW
        )
        timings.append((time.perf_counter() - started) * 1000)
        found += answer is not None
    worst = []
    for after, _duration in asks[:30]:
        started = time.perf_counter()
        solution_next_free(
            dealership=dealership, solution_id=solution_id, after=after, duration=WORST_CASE, now=NOW
        )
        worst.append((time.perf_counter() - started) * 1000)
    return {**figures(timings), "found": found, "worst_case_3_day_stay": figures(worst)}


def _measure_offers(dealership, calls: int, workshop_bench) -> dict:
    from bookings.offers import availability_offer
    from mobility.offers import mobility_offer

    requests = workshop_bench._requests()
    now = workshop_bench.NOW
    for _, request in requests:  # warm-up
        availability_offer(dealership=dealership, request=request, now=now)
        mobility_offer(dealership=dealership, request=request, mobility_kind="brand_courtesy_car", now=now)
    without, with_mobility, kept = [], [], 0
    for index in range(calls):
        _, request = requests[index % len(requests)]
        # Back to back, in alternating order, so neither side has the warmer cache.
        order = (False, True) if index % 2 else (True, False)
        for mobility in order:
            started = time.perf_counter()
            if mobility:
                answer = mobility_offer(
                    dealership=dealership, request=request, mobility_kind="brand_courtesy_car", now=now
                )
                with_mobility.append((time.perf_counter() - started) * 1000)
                kept += bool(answer.offer.proposals)
            else:
                availability_offer(dealership=dealership, request=request, now=now)
                without.append((time.perf_counter() - started) * 1000)
    return {
        "without_mobility": figures(without),
        "with_mobility": {**figures(with_mobility), "offers_with_times": kept},
    }


if __name__ == "__main__":
    main()
