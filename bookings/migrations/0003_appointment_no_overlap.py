"""No two live appointments of one advisor overlap: a PostgreSQL exclusion constraint, the
backstop under the booking service's locks (DESIGN: no double booking, by construction).

SQLite, the embedded default, has no exclusion constraints; there IMMEDIATE transactions
serialise the bookings and the service's check is the guard.
"""

from django.db import migrations

from bookings.models import AppointmentStatus

# The one status whose appointments leave the advisor's time free (bookings.lifecycle.CAPACITY_RELEASED).
RELEASED = AppointmentStatus.CANCELLED.value

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    "ALTER TABLE bookings_appointment ADD CONSTRAINT appointment_advisor_no_overlap "
    "EXCLUDE USING gist (advisor_id WITH =, tstzrange(drop_off_at, reception_ends_at) WITH &&) "
    f"WHERE (status <> '{RELEASED}')",
]
BACKWARD = ["ALTER TABLE bookings_appointment DROP CONSTRAINT IF EXISTS appointment_advisor_no_overlap"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("bookings", "0002_booking_lifecycle")]

    operations = [migrations.RunPython(create, drop)]
