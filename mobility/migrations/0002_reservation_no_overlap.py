"""No fleet vehicle is reserved twice for overlapping times (R3.8): a PostgreSQL exclusion
constraint over (vehicle, [departure, return)) for the live reservations, the backstop under
the reservation service's row locks and check.

SQLite, the embedded default, has no exclusion constraints (nor btree_gist, whose creation is
a no-op there); IMMEDIATE transactions serialise the writers and the service's check is the guard.
"""

from django.contrib.postgres.operations import BtreeGistExtension
from django.db import migrations

FORWARD = [
    "ALTER TABLE mobility_reservation ADD CONSTRAINT reservation_vehicle_no_overlap "
    "EXCLUDE USING gist (fleet_vehicle_id WITH =, tstzrange(departure_at, return_at) WITH &&) "
    "WHERE (fleet_vehicle_id IS NOT NULL AND status IN ('reserved', 'out'))",
]
BACKWARD = ["ALTER TABLE mobility_reservation DROP CONSTRAINT IF EXISTS reservation_vehicle_no_overlap"]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in FORWARD:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in BACKWARD:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("mobility", "0001_fleet_and_reservations")]

    operations = [BtreeGistExtension(), migrations.RunPython(create, drop)]
