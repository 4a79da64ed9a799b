"""Two indexes over the live reservations (partial on the live statuses, mostly ahead of now)
for mobility.snapshot: a solution's reservations over a span (departing before its end, back
after its start), and whether a vehicle has one over a stretch (the next-free search)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("mobility", "0002_reservation_no_overlap")]

    operations = [
        migrations.AddIndex(
            model_name="reservation",
            index=models.Index(
                condition=models.Q(("status__in", ("reserved", "out"))),
                fields=["dealership", "solution", "departure_at", "return_at"],
                name="reservation_live_departure",
            ),
        ),
        migrations.AddIndex(
            model_name="reservation",
            index=models.Index(
                condition=models.Q(("status__in", ("reserved", "out"))),
                fields=["fleet_vehicle", "return_at", "departure_at"],
                name="reservation_live_vehicle_span",
            ),
        ),
    ]
