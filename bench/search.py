"""The customer lookup (R2.5) at a million vehicles per dealership, on PostgreSQL.

    .venv/bin/python bench/search.py [--vehicles 1000000] [--queries 300] [--reload]

Two dealerships (an Italian and a Spanish one) get `--vehicles` vehicles each, with about 0.8
customers per vehicle, loaded once with COPY into the database of `DATABASE_URL` (default: a
`bench_search` database on the local PostgreSQL, created when missing; later runs reuse the
data). Then `customers.selectors.customer_search`, the function behind the search box and the
API, is timed in-process for three kinds of key taken from the loaded data: a plate fragment
(3 to 5 characters from inside a plate), a VIN tail (the last 6 to 8 characters) and a surname
prefix (3 to 6 letters, typed in lower case without accents). Target: p95 under 10 ms.

Prints one JSON object: per dealership and kind, the median, p95 and max in milliseconds, the
queries per lookup and how many lookups found something.
"""

import argparse
import importlib
import json
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import copy_rows, django_on_postgresql, figures

TARGET_P95_MS = 10.0
TENANTS = [
    # slug, language, country, time zone
    ("bench-milano", "it", "IT", "Europe/Rome"),
    ("bench-madrid", "es", "ES", "Europe/Madrid"),
]
# Family names: the common ones of each country, weighted, and a long tail built from syllables,
# so that a prefix matches anything from a handful to tens of thousands of customers.
SYLLABLES = {
    "it": (
        ["Bel", "Cap", "Fer", "Gal", "Mar", "Pe", "Ros", "San", "Ver", "Zan", "Lom", "Bru", "Cor", "Ga"],
        ["ri", "ti", "li", "ni", "so", "to", "ra", "ce", "lo", "ve"],
        ["", "lli", "tti", "ni", "no", "sco", "zzi", "ri"],
    ),
    "es": (
        ["Al", "Ben", "Cas", "Del", "Es", "Gar", "Her", "Lo", "Mo", "Na", "Ort", "Pa", "Ro", "Vi"],
        ["ci", "da", "go", "la", "ma", "ña", "re", "ri", "ta", "ve"],
        ["", "nez", "les", "dez", "ro", "do", "rra", "no"],
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vehicles", type=int, default=1_000_000, help="vehicles per dealership")
    parser.add_argument("--queries", type=int, default=300, help="timed lookups per kind and dealership")
    parser.add_argument("--reload", action="store_true", help="load the data again even if it is there")
    args = parser.parse_args()

    django_on_postgresql("bench_search")
    from django.db import connection

    load_seconds = {}
    samples = {}
    for slug, language, country, tz in TENANTS:
        dealership = _dealership(slug, language, country, tz)
        started = time.perf_counter()
        loaded = _load_if_needed(dealership, args.vehicles, reload=args.reload)
        if loaded:
            load_seconds[slug] = round(time.perf_counter() - started, 1)
        samples[slug] = _sample_keys(dealership, args.queries)
    if load_seconds:
        _rebuild_search_indexes()

    results = {}
    for slug, *_ in TENANTS:
        results[slug] = _time_lookups(slug, samples[slug])
    worst_p95 = max(results[slug][kind]["p95_ms"] for slug in results for kind in samples[slug])
    print(
        json.dumps(
            {
                "benchmark": "customer lookup (customers.selectors.customer_search)",
                "database": f"PostgreSQL {connection.cursor().connection.info.server_version}",
                "vehicles_per_dealership": args.vehicles,
                "dealerships": len(TENANTS),
                "lookups_per_kind": args.queries,
                "load_seconds": load_seconds or "reused",
                "results": results,
                "target_p95_ms": TARGET_P95_MS,
                "worst_p95_ms": worst_p95,
                "meets_target": worst_p95 < TARGET_P95_MS,
            },
            indent=2,
        )
    )


def _dealership(slug, language, country, tz):
    from dealerships.models import DealerGroup, Dealership

    group, _ = DealerGroup.objects.get_or_create(slug="bench", defaults={"name": "Benchmark group"})
    dealership, _ = Dealership.objects.get_or_create(
        slug=slug,
        defaults={
            "group": group,
            "name": slug.replace("-", " ").title(),
            "city": slug.split("-")[1].title(),
            "country": country,
            "time_zone": tz,
            "language": language,
            "phone_region": country,
        },
    )
    return dealership


def _load_if_needed(dealership, vehicles: int, *, reload: bool) -> bool:
    from customers.models import Vehicle

    have = Vehicle.objects.for_dealership(dealership).count()
    if have == vehicles and not reload:
        return False
    _drop_search_indexes()
    _delete_tenant_rows(dealership)
    _copy_customers_and_vehicles(dealership, vehicles)
    return True


def _search_index_migration():
    return importlib.import_module("customers.migrations.0002_search_indexes")


def _drop_search_indexes() -> None:
    # Loading first and indexing after is several times faster than maintaining the indexes
    # (the trigram GIN above all) row by row; the statements are the migration's own.
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in _search_index_migration().BACKWARD:
            cursor.execute(statement)


def _rebuild_search_indexes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for statement in _search_index_migration().POSTGRES_FORWARD:
            cursor.execute(statement.replace("CREATE INDEX ", "CREATE INDEX IF NOT EXISTS ", 1))
        # A table in service has been vacuumed by autovacuum: index-only scans need the
        # visibility map a fresh COPY does not have yet.
        cursor.execute("VACUUM ANALYZE customers_customer")
        cursor.execute("VACUUM ANALYZE customers_vehicle")


def _delete_tenant_rows(dealership) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("customers_vehicle", "customers_customer"):
            cursor.execute(f"DELETE FROM {table} WHERE dealership_id = %s", [dealership.id])


def _copy_customers_and_vehicles(dealership, vehicles: int) -> None:
    from django.db import connection

    from customers.demo import MOBILE_PATTERNS
    from customers.identifiers import normalize_name, normalize_plate
    from customers.models import Customer, Vehicle

    rng = random.Random(f"bench-{dealership.slug}")
    now = datetime.now(UTC)
    family_names, weights = _family_names(dealership.language, rng)
    given_names = _given_names(dealership.language)
    customer_count = max(1, int(vehicles * 0.8))
    prefix, digits = MOBILE_PATTERNS[dealership.country].split("{")
    digits = int(digits.rstrip("}"))

    def customers():
        phones = set()
        for family in rng.choices(family_names, weights=weights, k=customer_count):
            phone = prefix + "".join(rng.choices("0123456789", k=digits))
            while phone in phones:
                phone = prefix + "".join(rng.choices("0123456789", k=digits))
            phones.add(phone)
            yield {
                "given_name": rng.choice(given_names),
                "family_name": family,
                "family_name_search": normalize_name(family),
                "mobile_phone": phone,
            }

    copy_rows(Customer, customers(), fixed={"dealership_id": dealership.id}, now=now)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id FROM customers_customer WHERE dealership_id = %s ORDER BY id", [dealership.id]
        )
        customer_ids = [row[0] for row in cursor.fetchall()]

    def vehicle_rows():
        vins, plates = set(), set()
        for index in range(vehicles):
            # Every customer has a vehicle; the rest go to random customers (second cars).
            owner = customer_ids[index] if index < len(customer_ids) else rng.choice(customer_ids)
            vin = _vin(rng)
            while vin in vins:
                vin = _vin(rng)
            vins.add(vin)
            plate = _plate(rng, dealership.country)
            while plate in plates:
                plate = _plate(rng, dealership.country)
            plates.add(plate)
            year = rng.randint(2012, 2026)
            yield {
                "customer_id": owner,
                "vin": vin,
                "vin_reversed": vin[::-1],
                "plate": plate,
                "plate_search": normalize_plate(plate),
                "make": "Fiat",
                "model": rng.choice(["500", "Panda", "Tipo", "500X"]),
                "model_year": year,
                "mileage_km": rng.randint(0, 200_000),
                "mileage_read_on": date(2026, 1, 1) - timedelta(days=rng.randint(0, 900)),
            }

    copy_rows(Vehicle, vehicle_rows(), fixed={"dealership_id": dealership.id}, now=now)


def _family_names(language: str, rng: random.Random) -> tuple[list[str], list[float]]:
    from customers.demo import NAMES

    common = NAMES[language][1]
    heads, middles, tails = SYLLABLES[language]
    tail_names = sorted({h + m + t for h in heads for m in middles for t in tails} - set(common))
    names = common + tail_names
    # Zipf-like: the common names carry about a third of the customers, as in real registers.
    weights = [40.0 / (rank + 1) for rank in range(len(common))] + [0.05] * len(tail_names)
    return names, weights


def _given_names(language: str) -> list[str]:
    from customers.demo import NAMES

    return NAMES[language][0]


def _vin(rng: random.Random) -> str:
    from customers.demo import VIN_CHARS

    body = "".join(rng.choices(VIN_CHARS, k=5))
    plant = "".join(rng.choices(VIN_CHARS, k=2))
    serial = "".join(rng.choices("0123456789", k=6))
    return f"ZFA{body}0{plant}{serial}"


def _plate(rng: random.Random, country: str) -> str:
    from customers.demo import LATIN

    digits = "".join(rng.choices("0123456789", k=4 if country == "ES" else 3))
    if country == "ES":
        return f"{digits} {''.join(rng.choices('BCDFGHJKLMNPRSTVWXYZ', k=3))}"
    return f"{''.join(rng.choices(LATIN, k=2))} {digits} {''.join(rng.choices(LATIN, k=2))}"


def _sample_keys(dealership, count: int) -> dict[str, list[str]]:
    """What operators type, drawn from this dealership's own rows (a random, repeatable sample)."""
    from django.db import connection

    rng = random.Random(f"keys-{dealership.slug}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT v.plate_search, v.vin, c.family_name_search FROM customers_vehicle v "
            "JOIN customers_customer c ON c.id = v.customer_id "
            "WHERE v.dealership_id = %s ORDER BY md5(v.id::text || %s) LIMIT %s",
            [dealership.id, dealership.slug, count * 3],
        )
        rows = cursor.fetchall()
    plates, vins, families = zip(*rows, strict=True)

    def fragment(plate):
        length = rng.randint(3, 5)
        start = rng.randint(1, max(1, len(plate) - length))
        return plate[start : start + length]

    return {
        "plate_fragment": [fragment(p) for p in plates[:count]],
        "vin_tail": [v[-rng.randint(6, 8) :] for v in vins[count : 2 * count]],
        "surname_prefix": [f[: rng.randint(3, 6)] for f in families[2 * count : 3 * count]],
    }


def _time_lookups(slug: str, samples: dict[str, list[str]]) -> dict[str, dict]:
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from customers.selectors import customer_search
    from dealerships.models import Dealership

    dealership = Dealership.objects.get(slug=slug)
    results = {}
    for kind, keys in samples.items():
        # An untimed pass warms the connection and the caches, as on a running server, and
        # counts the queries; the timed pass runs without that bookkeeping.
        queries, found = [], 0
        for key in keys:
            reset_queries()  # the query log is capped; start each count from an empty one
            with CaptureQueriesContext(connection) as captured:
                found += bool(customer_search(dealership=dealership, query=key))
            queries.append(len(captured))
        timings = []
        for key in keys:
            started = time.perf_counter()
            customer_search(dealership=dealership, query=key)
            timings.append((time.perf_counter() - started) * 1000)
        results[kind] = {
            **figures(timings),
            "queries_per_lookup_max": max(queries),
            "lookups_with_hits": f"{found}/{len(keys)}",
        }
        if kind == "plate_fragment":  # the shortest fragments match the most plates
            for length in sorted({len(key) for key in keys}):
                picked = [t for key, t in zip(keys, timings, strict=True) if len(key) == length]
                results[f"plate_fragment_{length}_chars"] = figures(picked)
    return results


if __name__ == "__main__":
    main()
