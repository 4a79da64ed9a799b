"""Which solution is free when (R3.3, R3.4, R3.7, R3.8): the pure module over hand-built
snapshots, then the loader over the database (holds, query count)."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from customers.models import CampaignVin
from mobility import availability
from mobility.availability import Cap, FleetSnapshot, Hold, Interval, SolutionPlan, unit
from mobility.models import FleetStatus, SolutionKind
from mobility.snapshot import (
    FLEET_BUSY_QUERIES,
    FLEET_READ_QUERIES,
    FLEET_STATIC_QUERIES,
    RECALL_COMPLETION_QUERIES,
    SNAPSHOT_QUERIES,
    fleet_snapshot_load,
    solution_next_free,
)
from tests.factories.customers import CampaignFactory, CustomerFactory
from tests.factories.mobility import (
    FleetOutOfServiceFactory,
    FleetVehicleFactory,
    MobilitySolutionFactory,
    ReservationFactory,
)
from tests.workshop.snapshots import at

ROME = ZoneInfo("Europe/Rome")
MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
NOW = at(MONDAY, "10:00")


def busy(day, start, end, end_day=None):
    return Interval(start=at(day, start), end=at(end_day or day, end))


def plan(solution_id, kind, *units, **more):
    return SolutionPlan(
        solution_id=solution_id,
        kind=kind,
        label=kind,
        is_vehicle=kind in availability.REPLACEMENT_ORDER,
        units=tuple(units),
        **more,
    )


def snapshot(*plans):
    return FleetSnapshot(
        tz=ROME, start=at(MONDAY, "00:00"), end=at(MONDAY + timedelta(days=30), "00:00"), plans=plans
    )


def test_r3_8_a_unit_is_free_only_where_nothing_overlaps():
    car = unit(
        vehicle_id=1, label="A", busy=[busy(TUESDAY, "08:00", "18:00"), busy(MONDAY, "09:00", "10:00")]
    )
    assert availability.unit_free(
        car, at(MONDAY, "10:00"), at(MONDAY, "18:00")
    )  # touching is not overlapping
    assert not availability.unit_free(car, at(MONDAY, "09:30"), at(MONDAY, "11:00"))
    assert not availability.unit_free(car, at(MONDAY, "12:00"), at(TUESDAY, "09:00"))
    assert availability.unit_free(car, at(TUESDAY, "18:00"), at(TUESDAY, "19:00"))


def test_r3_8_an_interval_hidden_inside_a_longer_one_still_counts():
    car = unit(
        vehicle_id=1,
        label="A",
        busy=[busy(MONDAY, "08:00", "18:00", TUESDAY + timedelta(days=2)), busy(TUESDAY, "09:00", "10:00")],
    )
    assert not availability.unit_free(car, at(TUESDAY, "12:00"), at(TUESDAY, "13:00"))


@pytest.mark.parametrize(
    ("brand_busy", "other_busy", "rental_allowed", "expected"),
    [
        (False, False, True, "brand_courtesy_car"),
        (True, False, True, "other_brand_courtesy_car"),
        (True, True, True, "rental"),
        (True, True, False, None),
        (False, True, False, "brand_courtesy_car"),
    ],
)
def test_r3_4_replacement_vehicles_in_the_order_of_preference(
    brand_busy, other_busy, rental_allowed, expected
):
    day = busy(MONDAY, "08:00", "19:00")
    plans = (
        plan(3, "rental", unit(vehicle_id=30, label="Rental")),
        plan(
            2,
            "other_brand_courtesy_car",
            unit(vehicle_id=20, label="Other", busy=[day] if other_busy else []),
        ),
        plan(1, "brand_courtesy_car", unit(vehicle_id=10, label="Brand", busy=[day] if brand_busy else [])),
    )
    allowed = frozenset({1, 2, 3} if rental_allowed else {1, 2})
    found = availability.replacement_vehicle(
        snapshot(*plans), at(MONDAY, "09:00"), at(MONDAY, "17:00"), online=False, allowed=allowed
    )
    assert (found[0].kind if found else None) == expected


def test_r3_3_every_solution_is_ranked_replacement_vehicles_first():
    plans = [
        plan(5, "taxi", position=0),
        plan(3, "rental"),
        plan(4, "pickup_delivery", position=1),
        plan(1, "brand_courtesy_car"),
        plan(2, "other_brand_courtesy_car"),
    ]
    assert [p.kind for p in availability.ranked(plans)] == [
        "brand_courtesy_car",
        "other_brand_courtesy_car",
        "rental",
        "taxi",
        "pickup_delivery",
    ]


@pytest.mark.parametrize("hold", list(Hold))
def test_r3_8_a_held_vehicle_is_never_proposed(hold):
    held = unit(vehicle_id=1, label="Held", hold=hold)
    free = unit(vehicle_id=2, label="Free")
    courtesy = plan(1, "brand_courtesy_car", held, free)
    answer = availability.solution_availability(
        snapshot(courtesy), courtesy, at(MONDAY, "09:00"), at(MONDAY, "17:00"), online=False
    )
    assert answer.unit.vehicle_id == 2
    only_held = plan(1, "brand_courtesy_car", held)
    answer = availability.solution_availability(
        snapshot(only_held), only_held, at(MONDAY, "09:00"), at(MONDAY, "17:00"), online=False
    )
    assert not answer.free
    assert answer.all_held
    assert (
        availability.next_free(
            snapshot(only_held), only_held, after=NOW, duration=timedelta(hours=8), online=False
        )
        is None
    )


def test_r3_8_holds_recall_service_due_mileage_and_age():
    base = {
        "in_service": True,
        "open_recall": False,
        "mileage_km": 10_000,
        "mileage_limit_km": 50_000,
        "max_age_months": 12,
        "in_fleet_since": date(2026, 1, 31),
        "next_service_due_on": date(2027, 1, 1),
        "next_service_due_km": 30_000,
        "today": MONDAY,
    }
    assert availability.vehicle_hold(**base) is None
    assert availability.vehicle_hold(**{**base, "in_service": False}) is Hold.OUT_OF_SERVICE
    assert availability.vehicle_hold(**{**base, "open_recall": True}) is Hold.RECALL
    assert availability.vehicle_hold(**{**base, "next_service_due_on": MONDAY}) is Hold.SERVICE_DUE
    assert availability.vehicle_hold(**{**base, "mileage_km": 30_000}) is Hold.SERVICE_DUE
    assert availability.vehicle_hold(**{**base, "mileage_km": 50_000, "next_service_due_km": None}) is (
        Hold.MILEAGE_LIMIT
    )
    assert availability.vehicle_hold(**{**base, "in_fleet_since": date(2025, 11, 23)}) is Hold.AGE_LIMIT
    assert availability.vehicle_hold(**{**base, "in_fleet_since": date(2025, 11, 24)}) is None


def test_r3_7_next_free_is_when_a_unit_is_free_for_the_whole_immobilisation():
    first = unit(vehicle_id=1, label="A", busy=[busy(MONDAY, "08:00", "12:00", TUESDAY + timedelta(days=1))])
    second = unit(
        vehicle_id=2,
        label="B",
        busy=[
            busy(MONDAY, "08:00", "12:00", TUESDAY),
            busy(TUESDAY, "15:00", "18:00", TUESDAY + timedelta(days=3)),
        ],
    )
    courtesy = plan(1, "brand_courtesy_car", first, second)
    # Two hours fit between B's two reservations; a whole day does not, so A's return decides.
    short = availability.next_free(
        snapshot(courtesy), courtesy, after=NOW, duration=timedelta(hours=2), online=False
    )
    assert short == (at(TUESDAY, "12:00"), second)
    long = availability.next_free(
        snapshot(courtesy), courtesy, after=NOW, duration=timedelta(hours=24), online=False
    )
    assert long == (at(TUESDAY + timedelta(days=1), "12:00"), first)


_stays = st.lists(
    st.tuples(st.integers(min_value=0, max_value=6 * 24), st.integers(min_value=1, max_value=30)),
    max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(
    fleet=st.lists(_stays, min_size=1, max_size=5),
    after_hours=st.integers(min_value=0, max_value=4 * 24),
    duration_hours=st.integers(min_value=1, max_value=48),
)
def test_r3_7_next_free_is_the_earliest_moment_any_unit_is_free_for_the_whole_stay(
    fleet, after_hours, duration_hours
):
    """Against every moment it could be: `after`, or the end of something that keeps a unit
    busy. Overlapping and nested intervals included (an out-of-service period within a stay)."""
    start = at(MONDAY, "00:00")
    units = [
        unit(
            vehicle_id=index,
            label=str(index),
            busy=[
                Interval(start=start + timedelta(hours=hour), end=start + timedelta(hours=hour + length))
                for hour, length in stays
            ],
        )
        for index, stays in enumerate(fleet)
    ]
    courtesy = plan(1, "brand_courtesy_car", *units)
    after, duration = start + timedelta(hours=after_hours), timedelta(hours=duration_hours)
    found = availability.next_free(snapshot(courtesy), courtesy, after=after, duration=duration, online=False)
    candidates = sorted(
        {after} | {interval.end for item in units for interval in item.busy if interval.end > after}
    )
    expected = next(
        (
            (moment, item)
            for moment in candidates
            if moment + duration <= snapshot(courtesy).end
            for item in units
            if availability.unit_free(item, moment, moment + duration)
        ),
        None,
    )
    assert found == expected


def test_caps_an_option_at_its_cap_is_not_offered_online_and_flagged_to_staff():
    pickup = plan(
        4,
        "pickup_delivery",
        taken={(MONDAY, False): 2},
        weekday_caps={0: Cap(max_per_half_day=2)},
    )
    morning, afternoon = at(MONDAY, "09:00"), at(MONDAY, "15:00")
    online = availability.solution_availability(snapshot(pickup), pickup, morning, afternoon, online=True)
    staff = availability.solution_availability(snapshot(pickup), pickup, morning, afternoon, online=False)
    assert not online.free
    assert online.at_cap
    assert staff.free
    assert staff.at_cap
    later = availability.solution_availability(
        snapshot(pickup), pickup, afternoon, afternoon + timedelta(hours=1), online=True
    )
    assert later.free  # the afternoon has its own two places
    found = availability.next_free(
        snapshot(pickup), pickup, after=morning, duration=timedelta(hours=1), online=True
    )
    assert found == (at(MONDAY, "12:00"), None)


def test_a_dates_cap_wins_over_its_weekdays():
    loaners = plan(
        1,
        "brand_courtesy_car",
        unit(vehicle_id=1, label="A"),
        taken={(MONDAY, False): 1},
        weekday_caps={0: Cap(max_per_day=6)},
        date_caps={MONDAY: Cap(max_per_day=1)},
    )
    assert availability.at_cap(loaners, MONDAY, True)
    assert not availability.at_cap(loaners, MONDAY + timedelta(days=7), True)


@pytest.mark.django_db
def test_r3_8_the_loader_holds_a_recalled_vehicle_and_reads_in_a_fixed_number_of_queries(
    milano, django_assert_num_queries
):
    courtesy = MobilitySolutionFactory(dealership=milano, kind=SolutionKind.BRAND_COURTESY_CAR)
    cars = [FleetVehicleFactory(solution=courtesy) for _ in range(6)]
    recall = CampaignFactory(dealership=milano, is_recall=True)
    CampaignVin.objects.create(dealership=milano, campaign=recall, vin=cars[0].vin)
    cars[1].status = FleetStatus.WORKSHOP
    cars[1].save()
    cars[2].next_service_due_on = MONDAY
    cars[2].save()
    for index, car in enumerate(cars[3:]):
        for day in range(5):
            ReservationFactory(
                solution=courtesy,
                fleet_vehicle=car,
                departure_at=at(MONDAY + timedelta(days=day), "08:00"),
                return_at=at(MONDAY + timedelta(days=day), "12:00" if index else "18:00"),
            )
    FleetOutOfServiceFactory(vehicle=cars[4], starts_at=at(MONDAY, "13:00"), ends_at=at(MONDAY, "18:00"))
    with django_assert_num_queries(SNAPSHOT_QUERIES + FLEET_STATIC_QUERIES + RECALL_COMPLETION_QUERIES):
        loaded = fleet_snapshot_load(
            dealership=milano, start=NOW, end=at(MONDAY + timedelta(days=5), "00:00"), now=NOW
        )
    (courtesy_plan,) = loaded.plans
    assert [u.hold for u in courtesy_plan.units] == [
        Hold.RECALL,
        Hold.OUT_OF_SERVICE,
        Hold.SERVICE_DUE,
        None,
        None,
        None,
    ]
    answer = availability.solution_availability(
        loaded, courtesy_plan, at(MONDAY, "13:00"), at(MONDAY, "17:00"), online=False
    )
    assert answer.unit.vehicle_id == cars[5].id  # 3 busy till 18:00, 4 out of service, never 0-2
    assert courtesy_plan.taken[(MONDAY, False)] == 3


@pytest.mark.django_db
@pytest.mark.parametrize("days", [2, 3])
def test_r3_7_next_free_past_weeks_of_short_gaps_is_the_full_searchs_answer_in_few_queries(
    milano, days, django_assert_num_queries
):
    """Two cars busy for weeks with gaps of four hours: a stay of several days is first free at
    the first end after which a car has room (a gap of the second car once back from the
    workshop, or the first one's last return), found in the fleet read once for the horizon."""
    courtesy = MobilitySolutionFactory(dealership=milano, kind=SolutionKind.BRAND_COURTESY_CAR)
    first, second = (FleetVehicleFactory(solution=courtesy) for _ in range(2))
    customer = CustomerFactory(dealership=milano)
    for car, last_day in ((first, 24), (second, 8)):
        for day in range(last_day):
            ReservationFactory(
                solution=courtesy,
                fleet_vehicle=car,
                customer=customer,
                departure_at=at(MONDAY + timedelta(days=day), "04:00"),
                return_at=at(MONDAY + timedelta(days=day + 1), "00:00"),
            )
    # The second car is in the workshop from its last return for six days; then a day free, a
    # day out, two days and three hours free, and out again.
    back = at(MONDAY + timedelta(days=14), "09:00")
    FleetOutOfServiceFactory(vehicle=second, starts_at=at(MONDAY + timedelta(days=8), "00:00"), ends_at=back)
    for starts, ends in (
        (timedelta(days=1), timedelta(days=2)),
        (timedelta(days=4, hours=3), timedelta(days=20)),
    ):
        ReservationFactory(
            solution=courtesy,
            fleet_vehicle=second,
            customer=customer,
            departure_at=back + starts,
            return_at=back + ends,
        )
    after, duration = NOW, timedelta(days=days)
    with django_assert_num_queries(FLEET_READ_QUERIES + FLEET_STATIC_QUERIES + FLEET_BUSY_QUERIES):
        found = solution_next_free(
            dealership=milano, solution_id=courtesy.id, after=after, duration=duration, now=NOW
        )
    whole = fleet_snapshot_load(
        dealership=milano, start=after, end=after + timedelta(days=60), now=NOW, solution_ids=[courtesy.id]
    )
    expected = availability.next_free(
        whole, whole.plan(courtesy.id), after=after, duration=duration, online=False
    )
    assert found is not None
    assert expected is not None
    assert (found[0], found[1].vehicle_id) == (expected[0], expected[1].vehicle_id)
    # Two days fit in the second car's gap after the workshop; three only after the first's last.
    assert found[0] == (back + timedelta(days=2) if days == 2 else at(MONDAY + timedelta(days=24), "00:00"))
