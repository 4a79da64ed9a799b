"""Indexes for the customer lookup (R2.5), per database vendor.

PostgreSQL: pattern-ops btree indexes serve the prefix searches (surname, plate, reversed VIN)
whatever the database collation, and a trigram GIN index (with btree_gin for the tenant column)
serves plate fragments. SQLite, the embedded default: plain btree indexes.
"""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE EXTENSION IF NOT EXISTS btree_gin",
    "CREATE INDEX customer_family_prefix ON customers_customer "
    "(dealership_id, family_name_search varchar_pattern_ops)",
    "CREATE INDEX vehicle_plate_prefix ON customers_vehicle (dealership_id, plate_search varchar_pattern_ops)",
    "CREATE INDEX vehicle_vin_tail ON customers_vehicle (dealership_id, vin_reversed varchar_pattern_ops)",
    "CREATE INDEX vehicle_plate_trgm ON customers_vehicle USING gin (dealership_id, plate_search gin_trgm_ops)",
]
OTHER_FORWARD = [
    "CREATE INDEX customer_family_prefix ON customers_customer (dealership_id, family_name_search)",
    "CREATE INDEX vehicle_plate_prefix ON customers_vehicle (dealership_id, plate_search)",
    "CREATE INDEX vehicle_vin_tail ON customers_vehicle (dealership_id, vin_reversed)",
]
BACKWARD = [
    "DROP INDEX IF EXISTS vehicle_plate_trgm",
    "DROP INDEX IF EXISTS vehicle_vin_tail",
    "DROP INDEX IF EXISTS vehicle_plate_prefix",
    "DROP INDEX IF EXISTS customer_family_prefix",
]


def create(apps, schema_editor):
    statements = POSTGRES_FORWARD if schema_editor.connection.vendor == "postgresql" else OTHER_FORWARD
    for statement in statements:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    for statement in BACKWARD:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_customer_file")]

    operations = [migrations.RunPython(create, drop)]
