"""The vehicles scan gives each car the reminder the pure rules give on its whole mileage history:
readings crossed or extrapolated, an odometer read wrong, two readings on the service day, a new
car, and a visit later than the reception's last reading."""

from datetime import date, datetime, timedelta

import pytest

from bookings.models import AppointmentStatus
from customers.models import MileageReading
from followups import rules
from followups.models import CallTask, TaskKind
from followups.scans import vehicles_scan
from tests.factories.bookings import AppointmentFactory
from tests.followups.conftest import NOW, TODAY, days_ago

RECEPTION = MileageReading.Source.RECEPTION
SERVICED = date(2026, 7, 1)

# (name, sale date, readings (day, km, source)); the last service is the reception's latest.
HISTORIES = [
    # Many readings after the service, none at its 5,000 km: the summary stands for them all.
    (
        "steady",
        days_ago(900),
        [
            (SERVICED, 30000, RECEPTION),
            *((SERVICED + timedelta(days=d), 30000 + 20 * d) for d in (30, 60, 90)),
        ],
    ),
    # Past the service's 5,000 km between two readings: the day is interpolated between them.
    (
        "crossed between readings",
        days_ago(900),
        [(days_ago(190), 30000, RECEPTION), (days_ago(60), 34000), (days_ago(20), 36000)],
    ),
    # Crossed only in the extrapolation: due by the daily mileage from the history.
    (
        "extrapolated",
        days_ago(900),
        [(days_ago(100), 30000, RECEPTION), (days_ago(10), 34000)],
    ),
    # An odometer read wrong once, before the service: the highest km is not a crossing.
    (
        "odd reading before the service",
        days_ago(900),
        [(days_ago(300), 99000), (SERVICED, 30000, RECEPTION), (TODAY, 31000)],
    ),
    # Two readings at the reception the same day: the higher is the service's.
    (
        "two on the service day",
        days_ago(900),
        [(SERVICED, 29000, RECEPTION), (SERVICED, 30000, RECEPTION), (days_ago(30), 34000)],
    ),
    # Sold 50 days ago, 1,900 km by now: R7.1 needs the history, not the summary.
    ("new car", days_ago(50), [(days_ago(20), 1200), (days_ago(5), 1900)]),
]


def _expected(vehicle_id: int, sold: date, readings: list[tuple]) -> str | None:
    """The key the pure rules give on the whole history (no visits)."""
    history = [(day, km) for day, km, *_ in readings]
    reception = [(day, km) for day, km, *source in readings if source == [RECEPTION]]
    last_service = max(reception) if reception else None
    settings = rules.RuleSettings()
    first = rules.first_service_due(
        vehicle_id=vehicle_id,
        sale_date=sold,
        readings=history,
        serviced_since_sale=last_service is not None and last_service[0] >= sold,
        today=TODAY,
        rules=settings,
    )
    if first is not None:
        return first.key
    periodic = rules.periodic_service_due(
        vehicle_id=vehicle_id, last_service=last_service, readings=history, today=TODAY, rules=settings
    )
    return periodic.key if periodic is not None else None


@pytest.mark.parametrize("batch", [1, 1000])
def test_r7_1_r7_2_the_scan_decides_as_the_rules_on_the_whole_history(milano, make_vehicle, batch):
    vehicles = [
        (make_vehicle(milano, sold=sold, readings=readings), sold, readings)
        for _, sold, readings in HISTORIES
    ]
    vehicles_scan(now=NOW, batch=batch)
    written = dict(
        CallTask.objects.filter(kind__in=[TaskKind.FIRST_SERVICE, TaskKind.PERIODIC_SERVICE]).values_list(
            "vehicle_id", "idempotency_key"
        )
    )
    expected = {vehicle.id: _expected(vehicle.id, sold, readings) for vehicle, sold, readings in vehicles}
    assert written == {vehicle_id: key for vehicle_id, key in expected.items() if key is not None}
    # The cases reach both ends: reminded and not.
    assert 2 <= len(written) < len(vehicles)


def test_r7_2_a_visit_after_the_last_reception_reading_is_the_last_service(milano, make_vehicle):
    # The reception's reading says January; the car was delivered on 5 June (its km told then,
    # 1,000 km since): the service is June's, due on 5 December, reminded now.
    vehicle = make_vehicle(
        milano, sold=days_ago(900), readings=[(date(2026, 1, 10), 20000, RECEPTION), (TODAY, 25000)]
    )
    AppointmentFactory(
        dealership=milano,
        vehicle=vehicle,
        advisor__dealership=milano,
        drop_off_at=datetime(2026, 6, 5, 7, 0, tzinfo=NOW.tzinfo),
        status=AppointmentStatus.DELIVERED,
        mileage_km=24000,
    )
    vehicles_scan(now=NOW)
    task = CallTask.objects.get(kind=TaskKind.PERIODIC_SERVICE)
    assert task.idempotency_key == rules.periodic_service_key(vehicle.id, date(2026, 6, 5))
