import json
from collections import defaultdict
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from django.db import migrations, models
from django.db.models import Sum


def _bits(start, end, origin):
    # The minutes from start to end (every minute touched), counted from the local midnight.
    first = max(0, int((start - origin).total_seconds()) // 60)
    last = -(-int((end - origin).total_seconds()) // 60)
    return ((1 << (last - first)) - 1) << first if last > first else 0


def _text(bits):
    if bits <= 0:
        return ""
    first = (bits & -bits).bit_length() - 1
    return f"{first}:{bits >> first:x}"


def ledger_from_appointments(apps, schema_editor):
    """Write each day's capacity ledger from the appointments already booked (bookings.ledger
    holds the same arithmetic for the running code; a migration keeps its own copy)."""
    Dealership = apps.get_model("dealerships", "Dealership")
    Appointment = apps.get_model("bookings", "Appointment")
    AppointmentLabour = apps.get_model("bookings", "AppointmentLabour")
    CapacityLock = apps.get_model("bookings", "CapacityLock")
    for dealership in Dealership.objects.all():
        tz = ZoneInfo(dealership.time_zone)
        advisors = defaultdict(dict)
        labour = defaultdict(dict)
        for advisor_id, day, drop_off, reception_end, channel, override in (
            Appointment.objects.filter(dealership=dealership)
            .exclude(status="cancelled")
            .values_list(
                "advisor_id",
                "local_day",
                "drop_off_at",
                "reception_ends_at",
                "channel",
                "capacity_override_reason",
            )
        ):
            origin = datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)
            taken = advisors[day].setdefault(
                str(advisor_id), {"customers": 0, "online": 0, "beyond_maximum": 0, "bits": 0}
            )
            taken["customers"] += 1
            taken["online"] += channel == "web"
            taken["beyond_maximum"] += bool(override)
            taken["bits"] |= _bits(drop_off, reception_end, origin)
        for day, skill, minutes in (
            AppointmentLabour.objects.filter(dealership=dealership)
            .exclude(appointment__status="cancelled")
            .values_list("day", "skill")
            .annotate(minutes=Sum("minutes"))
            .order_by()
        ):
            if minutes:
                labour[day][skill] = minutes
        rows = []
        for day in sorted(advisors.keys() | labour.keys()):
            by_advisor = {
                advisor_id: {
                    "customers": taken["customers"],
                    "online": taken["online"],
                    "beyond_maximum": taken["beyond_maximum"],
                    "minutes": _text(taken["bits"]),
                }
                for advisor_id, taken in sorted(advisors[day].items(), key=lambda item: int(item[0]))
            }
            rows.append(
                CapacityLock(
                    dealership=dealership,
                    day=day,
                    advisors=json.dumps(by_advisor, separators=(",", ":")),
                    labour=json.dumps(dict(sorted(labour[day].items())), separators=(",", ":")),
                )
            )
        CapacityLock.objects.bulk_create(
            rows,
            batch_size=1000,
            update_conflicts=True,
            unique_fields=["dealership", "day"],
            update_fields=["advisors", "labour"],
        )


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0008_visit_reasons_bodywork_tyres"),
    ]

    operations = [
        migrations.AddField(
            model_name="capacitylock",
            name="advisors",
            field=models.TextField(db_default="{}", default="{}"),
        ),
        migrations.AddField(
            model_name="capacitylock",
            name="labour",
            field=models.TextField(db_default="{}", default="{}"),
        ),
        migrations.RunPython(ledger_from_appointments, migrations.RunPython.noop),
    ]
