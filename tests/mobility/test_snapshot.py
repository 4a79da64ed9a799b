"""The fleet snapshot's static part (solutions, caps, vehicles and their holds) is kept in memory
per dealership and fleet version: read in a fixed number of queries, then from memory, and any
change to it, whatever writes it, is seen by the next read (R3.7, R3.8)."""

from datetime import date, timedelta

import pytest
from django.db import transaction

from customers.models import CampaignCompletion, CampaignVin
from customers.services import campaign_vins_add
from mobility import snapshot as fleet_snapshot
from mobility.availability import Hold, unit_free
from mobility.errors import MobilityUnavailable
from mobility.models import (
    HANDOVER_EXPLANATION_MINUTES,
    FleetStatus,
    FleetVehicle,
    MobilityPolicy,
    MobilitySolution,
    ReservationStatus,
    SolutionCap,
    SolutionKind,
    fleet_changed,
)
from mobility.services.fleet import fleet_vehicle_update
from mobility.services.handover import reservation_hand_over_back, reservation_hand_over_out
from mobility.services.reservations import reservation_book
from mobility.snapshot import (
    FLEET_BUSY_QUERIES,
    FLEET_READ_QUERIES,
    FLEET_STATIC_QUERIES,
    SNAPSHOT_QUERIES,
    fleet_read,
    fleet_snapshot_load,
    mobility_handover_at,
    mobility_policy_read,
)
from tests.factories.customers import CampaignFactory, CustomerFactory, VehicleFactory
from tests.factories.mobility import (
    FleetOutOfServiceFactory,
    FleetVehicleFactory,
    MobilitySolutionFactory,
    ReservationFactory,
)
from tests.workshop.snapshots import at

pytestmark = pytest.mark.django_db

MONDAY = date(2026, 11, 23)
NOW = at(MONDAY, "10:00")
END = at(MONDAY + timedelta(days=3), "00:00")


@pytest.fixture
def fleet(milano):
    courtesy = MobilitySolutionFactory(dealership=milano, kind=SolutionKind.BRAND_COURTESY_CAR)
    cars = [FleetVehicleFactory(solution=courtesy) for _ in range(3)]
    return {"courtesy": courtesy, "cars": cars}


def _holds(milano) -> list[Hold | None]:
    (plan,) = fleet_snapshot_load(dealership=milano, start=NOW, end=END, now=NOW).plans
    return [unit.hold for unit in plan.units]


def _read(milano):
    return fleet_read(dealership=milano, now=NOW, first_day=MONDAY, last_day=MONDAY + timedelta(days=3))


def test_the_fleet_is_read_in_a_fixed_number_of_queries_then_kept_in_memory(
    milano, fleet, django_assert_num_queries
):
    for car in fleet["cars"]:
        for day in range(3):
            ReservationFactory(
                solution=fleet["courtesy"],
                fleet_vehicle=car,
                departure_at=at(MONDAY + timedelta(days=day), "08:00"),
                return_at=at(MONDAY + timedelta(days=day), "12:00"),
            )
    FleetOutOfServiceFactory(
        vehicle=fleet["cars"][0], starts_at=at(MONDAY, "13:00"), ends_at=at(MONDAY, "18:00")
    )
    with django_assert_num_queries(SNAPSHOT_QUERIES + FLEET_STATIC_QUERIES):
        first = fleet_snapshot_load(dealership=milano, start=NOW, end=END, now=NOW)
    with django_assert_num_queries(SNAPSHOT_QUERIES):
        again = fleet_snapshot_load(dealership=milano, start=NOW, end=END, now=NOW)
    with django_assert_num_queries(FLEET_READ_QUERIES + FLEET_BUSY_QUERIES):
        _read(milano)
    with django_assert_num_queries(FLEET_READ_QUERIES):
        kept = _read(milano)
    assert again == first
    assert fleet_snapshot_load(dealership=milano, start=NOW, end=END, now=NOW, fleet=kept) == first
    (plan,) = again.plans
    assert [len(unit.busy) for unit in plan.units] == [4, 3, 3]  # the out-of-service period too
    assert plan.taken[(MONDAY, False)] == 3


def test_a_car_changed_by_the_fleet_service_is_held_at_once(milano, fleet):
    assert _holds(milano) == [None, None, None]
    fleet_vehicle_update(
        dealership=milano, vehicle=fleet["cars"][1], changes={"status": FleetStatus.WORKSHOP}
    )
    assert _holds(milano) == [None, Hold.OUT_OF_SERVICE, None]


def test_a_row_saved_or_deleted_as_the_admin_does_is_seen_at_once(milano, fleet):
    assert _holds(milano) == [None, None, None]
    car = fleet["cars"][2]
    car.next_service_due_on = MONDAY
    car.save()  # the admin's change form and the API save the row so
    assert _holds(milano) == [None, None, Hold.SERVICE_DUE]
    car.delete()
    assert _holds(milano) == [None, None]
    SolutionCap.objects.create(dealership=milano, solution=fleet["courtesy"], date=MONDAY, max_per_day=1)
    (plan,) = fleet_snapshot_load(dealership=milano, start=NOW, end=END, now=NOW).plans
    assert plan.date_caps[MONDAY].max_per_day == 1
    fleet["courtesy"].active = False
    fleet["courtesy"].save()
    assert fleet_snapshot_load(dealership=milano, start=NOW, end=END, now=NOW).plans == ()


def test_a_car_back_past_its_service_mileage_is_held_at_once(milano, fleet, alice):
    car = fleet["cars"][0]
    car.next_service_due_km = 20_000
    car.mileage_km = 19_900
    car.save()
    reservation = ReservationFactory(
        solution=fleet["courtesy"],
        fleet_vehicle=car,
        departure_at=at(MONDAY, "08:00"),
        return_at=at(MONDAY, "09:00"),
    )
    reservation_hand_over_out(
        dealership=milano,
        reservation=reservation,
        mileage_km=19_900,
        fuel_percent=100,
        damage_notes="",
        licence_checked=True,
        registration_checked=True,
        by=alice,
        now=at(MONDAY, "08:00"),
    )
    assert _holds(milano) == [None, None, None]
    reservation_hand_over_back(
        dealership=milano,
        reservation=reservation,
        mileage_km=20_050,
        fuel_percent=100,
        damage_notes="",
        by=alice,
        now=at(MONDAY, "09:00"),
    )
    assert _holds(milano) == [Hold.SERVICE_DUE, None, None]


def test_a_recall_in_the_customer_file_and_an_out_of_service_period_are_seen_at_once(milano, fleet):
    assert _holds(milano) == [None, None, None]
    recall = CampaignFactory(dealership=milano, is_recall=True)
    CampaignVin.objects.create(dealership=milano, campaign=recall, vin=fleet["cars"][0].vin)
    assert _holds(milano) == [Hold.RECALL, None, None]
    FleetOutOfServiceFactory(
        vehicle=fleet["cars"][1], starts_at=at(MONDAY, "13:00"), ends_at=at(MONDAY, "18:00")
    )
    (plan,) = fleet_snapshot_load(dealership=milano, start=NOW, end=END, now=NOW).plans
    assert len(plan.units[1].busy) == 1


def test_r3_8_a_recall_listed_in_bulk_done_undone_or_ended_in_the_customer_file_is_seen_at_once(
    milano, fleet
):
    """The open recalls are kept in memory with the fleet: every write of the customer file that
    can put a fleet car on one or take it off renews the fleet version (R3.8)."""
    first, second, _third = fleet["cars"]
    assert _holds(milano) == [None, None, None]
    recall = CampaignFactory(dealership=milano, is_recall=True)
    campaign_vins_add(dealership=milano, campaign=recall, vins=[first.vin, second.vin])  # in bulk
    assert _holds(milano) == [Hold.RECALL, Hold.RECALL, None]
    # The recall is done on the second car, as the customer file records it: on a vehicle of its VIN.
    filed = VehicleFactory(customer__dealership=milano, vin=second.vin, vin_reversed=second.vin[::-1])
    done = CampaignCompletion.objects.create(
        dealership=milano, campaign=recall, vehicle=filed, done_on=MONDAY
    )
    assert _holds(milano) == [Hold.RECALL, None, None]
    filed.vin, filed.vin_reversed = "ZFA31299999999999", "99999999999992AFZ"  # a VIN corrected
    filed.save()
    assert _holds(milano) == [Hold.RECALL, Hold.RECALL, None]
    filed.vin, filed.vin_reversed = second.vin, second.vin[::-1]
    filed.save()
    assert _holds(milano) == [Hold.RECALL, None, None]
    done.delete()
    assert _holds(milano) == [Hold.RECALL, Hold.RECALL, None]
    recall.ends_on = MONDAY - timedelta(days=1)
    recall.save()
    assert _holds(milano) == [None, None, None]


def test_the_time_to_explain_the_work_is_the_dealerships_or_the_manuals_default(milano, fleet):
    assert _read(milano).explanation == timedelta(minutes=HANDOVER_EXPLANATION_MINUTES)
    MobilityPolicy.objects.filter(dealership=milano).update(handover_explanation_minutes=25)
    assert _read(milano).explanation == timedelta(minutes=25)
    handover = mobility_handover_at(
        dealership=milano, drop_off=at(MONDAY, "08:30"), promised_return=at(MONDAY, "17:00")
    )
    assert handover == at(MONDAY, "08:55")  # the reservation's departure (R3.7)


def test_without_a_policy_row_the_manuals_15_minutes_apply(torino):
    assert mobility_policy_read(torino) == (None, timedelta(minutes=15))


def test_the_memory_is_bounded(milano, torino, fleet, monkeypatch):
    monkeypatch.setattr(fleet_snapshot, "_MEMORY_MAX_DEALERSHIPS", 1)
    _read(milano)
    fleet["cars"][0].save()
    _read(milano)
    assert len(fleet_snapshot._MEMORY) == 1
    fleet_changed(dealership_id=torino.id)
    fleet_read(dealership=torino, now=NOW, first_day=MONDAY, last_day=MONDAY)
    assert list(fleet_snapshot._MEMORY) == [torino.id]


def test_a_dealership_whose_fleet_was_never_written_through_save_is_read_every_time(
    torino, django_assert_num_queries
):
    """Without a fleet version (no policy row) nothing tells a copy in memory is stale."""
    (courtesy,) = MobilitySolution.objects.bulk_create(
        [MobilitySolution(dealership=torino, kind=SolutionKind.BRAND_COURTESY_CAR, name="Courtesy car")]
    )
    FleetVehicle.objects.bulk_create([FleetVehicleFactory.build(solution=courtesy, dealership=torino)])
    for _ in range(2):
        with django_assert_num_queries(FLEET_READ_QUERIES + FLEET_STATIC_QUERIES + FLEET_BUSY_QUERIES):
            fleet_read(dealership=torino, now=NOW, first_day=MONDAY, last_day=MONDAY)
    assert torino.id not in fleet_snapshot._MEMORY


def test_a_reservation_booked_moved_or_released_is_seen_at_once_by_the_fleet_in_memory(milano, fleet):
    """What keeps the fleet busy is kept in memory with its static part: each reservation
    written renews the fleet version, so the next read sees it (R3.8)."""

    def busy_cars():
        kept = _read(milano)
        (plan,) = fleet_snapshot_load(dealership=milano, start=NOW, end=END, now=NOW, fleet=kept).plans
        return [[(interval.start, interval.end) for interval in unit.busy] for unit in plan.units]

    assert busy_cars() == [[], [], []]
    reservation = ReservationFactory(
        solution=fleet["courtesy"],
        fleet_vehicle=fleet["cars"][1],
        departure_at=at(MONDAY, "12:00"),
        return_at=at(MONDAY, "16:00"),
    )
    assert busy_cars() == [[], [(at(MONDAY, "12:00"), at(MONDAY, "16:00"))], []]
    reservation.departure_at, reservation.return_at = at(MONDAY, "14:00"), at(MONDAY, "18:00")
    reservation.save()
    assert busy_cars() == [[], [(at(MONDAY, "14:00"), at(MONDAY, "18:00"))], []]
    reservation.status = ReservationStatus.RELEASED
    reservation.save()
    assert busy_cars() == [[], [], []]
    FleetOutOfServiceFactory(
        vehicle=fleet["cars"][2], starts_at=at(MONDAY, "13:00"), ends_at=at(MONDAY, "18:00")
    )
    assert busy_cars() == [[], [], [(at(MONDAY, "13:00"), at(MONDAY, "18:00"))]]


def test_a_car_out_since_before_the_span_is_busy_unless_its_reservation_is_the_one_moved(milano, fleet):
    out = ReservationFactory(
        solution=fleet["courtesy"],
        fleet_vehicle=fleet["cars"][0],
        departure_at=at(MONDAY - timedelta(days=1), "20:00"),
        return_at=at(MONDAY + timedelta(days=1), "12:00"),
    )
    ReservationFactory(
        solution=fleet["courtesy"],
        fleet_vehicle=fleet["cars"][0],
        departure_at=at(MONDAY + timedelta(days=1), "14:00"),
        return_at=at(MONDAY + timedelta(days=1), "18:00"),
    )
    (plan,) = fleet_snapshot_load(dealership=milano, start=NOW, end=END, now=NOW).plans
    assert [(b.start, b.end) for b in plan.units[0].busy] == [
        (out.departure_at, out.return_at),
        (at(MONDAY + timedelta(days=1), "14:00"), at(MONDAY + timedelta(days=1), "18:00")),
    ]
    (moved,) = fleet_snapshot_load(
        dealership=milano, start=NOW, end=END, now=NOW, excluding_reservation=out.id
    ).plans
    assert len(moved.units[0].busy) == 1


def test_a_span_past_the_days_in_memory_is_read_from_the_database(milano, fleet, django_assert_num_queries):
    """A last promised return after the booking horizon: the fleet read for the horizon still
    answers for it, with the reservations of those days read once more."""
    later = MONDAY + fleet_snapshot.MEMORY_DAYS + timedelta(days=30)
    ReservationFactory(
        solution=fleet["courtesy"],
        fleet_vehicle=fleet["cars"][0],
        departure_at=at(later, "08:00"),
        return_at=at(later, "12:00"),
    )
    kept = _read(milano)
    with django_assert_num_queries(FLEET_BUSY_QUERIES):
        (plan,) = fleet_snapshot_load(
            dealership=milano, start=at(later, "00:00"), end=at(later, "23:00"), now=NOW, fleet=kept
        ).plans
    assert [(b.start, b.end) for b in plan.units[0].busy] == [(at(later, "08:00"), at(later, "12:00"))]


def _free_tuesday(milano, car, now, fleet=None) -> bool:
    tuesday = MONDAY + timedelta(days=1)
    (plan,) = fleet_snapshot_load(
        dealership=milano, start=at(tuesday, "08:00"), end=at(tuesday, "18:00"), now=now, fleet=fleet
    ).plans
    unit = next(unit for unit in plan.units if unit.vehicle_id == car.id)
    return unit_free(unit, at(tuesday, "08:00"), at(tuesday, "18:00"))


@pytest.mark.parametrize("due_back", [at(MONDAY - timedelta(days=4), "18:30"), at(MONDAY, "09:00")])
def test_r3_8_a_car_not_back_when_due_is_lent_to_no_one_else_until_it_is_back(milano, fleet, alice, due_back):
    """Due back last week or this morning, still with the customer at 10:00: the car is busy
    until it comes back, and the booking's own check refuses it; once back, it is free."""
    car = fleet["cars"][0]
    late = ReservationFactory(
        solution=fleet["courtesy"],
        fleet_vehicle=car,
        departure_at=due_back - timedelta(days=1),
        return_at=due_back,
        out=True,
    )
    assert not _free_tuesday(milano, car, NOW)
    tuesday = MONDAY + timedelta(days=1)
    with pytest.raises(MobilityUnavailable), transaction.atomic():
        reservation_book(
            dealership=milano,
            solution=fleet["courtesy"],
            customer=CustomerFactory(dealership=milano),
            fleet_vehicle=car,
            departure_at=at(tuesday, "08:00"),
            return_at=at(tuesday, "18:00"),
            now=NOW,
        )
    reservation_hand_over_back(
        dealership=milano,
        reservation=late,
        mileage_km=car.mileage_km + 40,
        fuel_percent=100,
        by=alice,
        now=NOW,
    )
    assert _free_tuesday(milano, car, NOW)


def test_r3_8_a_car_that_comes_due_without_coming_back_is_busy_from_then_without_any_write(
    milano, fleet, django_assert_num_queries
):
    """The fleet in memory was read while the car was still expected back at 09:00: at 09:01,
    with nothing written, what was read is no longer true, and it is read again."""
    car = fleet["cars"][0]
    ReservationFactory(
        solution=fleet["courtesy"],
        fleet_vehicle=car,
        departure_at=at(MONDAY - timedelta(days=1), "09:00"),
        return_at=at(MONDAY, "09:00"),
        out=True,
    )
    before = at(MONDAY, "08:00")
    kept = fleet_read(dealership=milano, now=before, first_day=MONDAY, last_day=MONDAY + timedelta(days=3))
    with django_assert_num_queries(0):
        assert _free_tuesday(milano, car, before, fleet=kept)
    after = at(MONDAY, "09:01")
    with django_assert_num_queries(FLEET_READ_QUERIES + FLEET_BUSY_QUERIES):
        read_again = fleet_read(
            dealership=milano, now=after, first_day=MONDAY, last_day=MONDAY + timedelta(days=3)
        )
    with django_assert_num_queries(0):
        assert not _free_tuesday(milano, car, after, fleet=read_again)
    with django_assert_num_queries(FLEET_READ_QUERIES):  # and kept again, until the next car due
        fleet_read(dealership=milano, now=after, first_day=MONDAY, last_day=MONDAY + timedelta(days=3))
