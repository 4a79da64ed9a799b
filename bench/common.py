"""What the benchmarks share: a PostgreSQL database of their own, COPY loading, the figures."""

import json
import os
import statistics
import sys
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def django_on_postgresql(database: str) -> None:
    """Point Django at `DATABASE_URL` (default: database `database` on the local PostgreSQL,
    created when missing) and `REDIS_URL` (default: the local Redis), with DEBUG off unless
    set, set it up and migrate; exit when the database is not PostgreSQL."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")  # the production topology
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    # As production runs: no debug cursor timing and logging every query.
    os.environ.setdefault("DEBUG", "false")
    _create_database_if_missing(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit("The benchmarks measure PostgreSQL: point DATABASE_URL at one.")
    call_command("migrate", verbosity=0)


def _create_database_if_missing(url: str) -> None:
    parts = urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        return
    import psycopg

    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            admin.execute(f'CREATE DATABASE "{name}"')


def copy_rows(model, rows, *, fixed: dict, now: datetime, with_id: bool = False) -> None:
    """COPY dict rows into the model's table; a column a row does not give comes from `fixed`,
    then the field's default (timestamps are `now`). With `with_id` the rows carry their ids."""
    from django.db import connection
    from django.db.models import JSONField

    fields = [f for f in model._meta.concrete_fields if with_id or not f.primary_key]
    columns = ", ".join(f.column for f in fields)
    fixed = {"created_at": now, "updated_at": now, **fixed}
    defaults = {f.attname: (None if f.null else f.get_default()) for f in fields}
    # COPY takes text: a JSON column's value is written as JSON, not as Python's list or dict.
    as_json = {f.attname for f in fields if isinstance(f, JSONField)}
    names = [f.attname for f in fields]
    connection.ensure_connection()
    statement = f"COPY {model._meta.db_table} ({columns}) FROM STDIN"
    with connection.connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            values = [row.get(name, fixed.get(name, defaults[name])) for name in names]
            copy.write_row(
                [json.dumps(v) if name in as_json else v for name, v in zip(names, values, strict=True)]
            )


def figures(timings: list[float]) -> dict:
    """Median, p95 and max of timings in milliseconds, and how many there were."""
    ordered = sorted(timings)
    return {
        "count": len(ordered),
        "median_ms": round(statistics.median(ordered), 2),
        "p95_ms": round(ordered[max(0, round(len(ordered) * 0.95) - 1)], 2),
        "max_ms": round(ordered[-1], 2),
    }
