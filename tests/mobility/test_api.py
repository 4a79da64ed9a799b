"""The mobility API: fleet, solutions, entitlements, availability and reservations with their
hand-over, move and release (R3.2, R3.6, R3.7, R3.8): HTTP shape, field-level 4xx, tenancy, and
the mobility operations fuzzed against their own schema."""

import time
from datetime import date, timedelta

import pytest
import schemathesis
import time_machine

from dealerships.api_tokens.services import api_token_issue
from dealerships.models import Role
from mobility.models import FleetVehicle, ReservationStatus, SolutionKind
from tests.config.conftest import FUZZ_FIGURES, FuzzRun
from tests.config.test_api_fuzz import _fuzz, wsgi_app  # noqa: F401  (the fixture)
from tests.factories.customers import VehicleFactory
from tests.factories.dealerships import MembershipFactory, UserFactory
from tests.factories.mobility import FleetVehicleFactory, MobilitySolutionFactory, ReservationFactory
from tests.mobility.test_board import MONDAY, NOW, world_build
from tests.workshop.snapshots import at

API = "/api/v1/dealerships/milano/"


@pytest.fixture
def world(milano):
    return world_build(milano)


@pytest.fixture
def api(client, alice):
    client.force_login(alice)
    with time_machine.travel(NOW, tick=False):
        yield client


def _json(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_the_fleet_is_listed_and_a_manager_adds_a_car(client, milano, world):
    manager = UserFactory(username="milano-wm")
    MembershipFactory(user=manager, dealership=milano, role=Role.WORKSHOP_MANAGER)
    client.force_login(manager)
    listed = client.get(API + "fleet/vehicles/").json()
    assert {row["plate"] for row in listed} == {"GR001MI", "GH002MI", "LV003MI", "PA004MI"}
    body = {
        "solution": world["courtesy"].id,
        "plate": "MC005MI",
        "vin": "ZAMGJ45B000000123",
        "brand": "Maserati",
        "model": "MC20",
        "in_fleet_since": "2026-11-01",
    }
    created = _json(client, API + "fleet/vehicles/", body)
    assert created.status_code == 201, created.json()
    assert FleetVehicle.objects.get(plate="MC005MI").dealership == milano

    again = _json(client, API + "fleet/vehicles/", body)
    assert again.status_code == 400
    assert set(again.json()["errors"]) == {"plate", "vin"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"vin": "ZAMGJ45B00000012"}, "vin"),  # 16 characters
        ({"vin": "ZAMGJ45B0000001IO"}, "vin"),
        ({"mileage_km": 10}, "mileage_km"),  # backwards
        ({"in_fleet_since": "1900-01-01"}, "in_fleet_since"),
    ],
)
def test_bad_fleet_input_is_a_field_error_and_nothing_changes(client, milano, world, change, field):
    manager = UserFactory(username="milano-dm")
    MembershipFactory(user=manager, dealership=milano, role=Role.DEALER_MANAGER)
    client.force_login(manager)
    car = world["grecale"]
    response = client.patch(f"{API}fleet/vehicles/{car.id}/", change, content_type="application/json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    car.refresh_from_db()
    assert (car.vin, car.mileage_km) == (world["grecale"].vin, 12_000)


def test_a_car_cannot_be_added_to_another_dealerships_solution(client, milano, torino, world):
    manager = UserFactory(username="milano-dm")
    MembershipFactory(user=manager, dealership=milano, role=Role.DEALER_MANAGER)
    client.force_login(manager)
    foreign = MobilitySolutionFactory(dealership=torino)
    body = {
        "solution": foreign.id,
        "plate": "XX1",
        "vin": "ZAMGJ45B000000999",
        "brand": "Fiat",
        "model": "Uno",
        "in_fleet_since": "2026-01-01",
    }
    response = _json(client, API + "fleet/vehicles/", body)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["solution"]
    assert not FleetVehicle.objects.filter(plate="XX1").exists()


def test_an_advisor_reads_the_fleet_but_does_not_change_it(api, world):
    assert api.get(API + "fleet/vehicles/").status_code == 200
    assert (
        api.patch(
            f"{API}fleet/vehicles/{world['grecale'].id}/", {}, content_type="application/json"
        ).status_code
        == 403
    )


def test_r3_4_solutions_are_listed_replacement_vehicles_first(api, milano, world):
    MobilitySolutionFactory(dealership=milano, kind=SolutionKind.TAXI, position=0, name="Taxi")
    kinds = [row["kind"] for row in api.get(API + "mobility/solutions/").json()]
    assert kinds == [
        SolutionKind.BRAND_COURTESY_CAR,
        SolutionKind.OTHER_BRAND_COURTESY_CAR,
        SolutionKind.TAXI,
    ]


def test_r3_2_entitlements_for_a_vehicle_under_warranty(api, milano, world):
    world["courtesy"].free_under_warranty = True
    world["courtesy"].daily_value = 45
    world["courtesy"].save()
    vehicle = VehicleFactory(
        customer__dealership=milano, warranty_start=date(2025, 1, 1), warranty_end=date(2028, 1, 1)
    )
    rows = api.get(API + "mobility/entitlements/", {"vehicle": vehicle.id}).json()
    courtesy = next(row for row in rows if row["solution"] == world["courtesy"].id)
    assert (courtesy["offering"], courtesy["basis"]) == ("free", "warranty")
    assert "45" in courtesy["text"]
    without = api.get(API + "mobility/entitlements/").json()
    assert next(r for r in without if r["solution"] == world["courtesy"].id)["offering"] == "paid"


def test_entitlements_of_another_dealerships_vehicle_are_refused(api, torino, world):
    foreign = VehicleFactory(customer__dealership=torino)
    response = api.get(API + "mobility/entitlements/", {"vehicle": foreign.id})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["vehicle"]


def test_r3_7_availability_names_the_car_or_when_the_solution_is_next_free(api, world):
    tuesday = {
        "solution": world["other"].id,
        "departure": at(MONDAY + timedelta(days=1), "08:00").isoformat(),
        "back": at(MONDAY + timedelta(days=1), "18:00").isoformat(),
    }
    # The Panda is still with Mr Verdi, due back at 09:00: not free until it is back (R3.8).
    assert api.get(API + "mobility/availability/", tuesday).json()["free"] is False
    back = f"{API}mobility/reservations/{world['late'].id}/hand-over-back/"
    assert _json(api, back, {"mileage_km": 5_200, "fuel_percent": 80}).status_code == 200
    free = api.get(API + "mobility/availability/", tuesday).json()
    assert (free["free"], free["vehicle"]) == (True, world["panda"].id)
    # Both courtesy cars busy on Wednesday (one reserved, one in service), the third held.
    busy = api.get(
        API + "mobility/availability/",
        {
            "solution": world["courtesy"].id,
            "departure": at(MONDAY + timedelta(days=2), "09:00").isoformat(),
            "back": at(MONDAY + timedelta(days=2), "17:00").isoformat(),
        },
    ).json()
    assert busy["free"] is False
    assert busy["next_free"] is not None


def test_a_return_before_the_departure_is_a_field_error(api, world):
    response = api.get(
        API + "mobility/availability/",
        {
            "solution": world["other"].id,
            "departure": at(MONDAY, "18:00").isoformat(),
            "back": at(MONDAY, "08:00").isoformat(),
        },
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["back"]


def test_reservations_are_listed_in_a_fixed_number_of_queries(api, world, django_assert_max_num_queries):
    url = API + "mobility/reservations/"
    with django_assert_max_num_queries(10) as few:
        rows = api.get(url, {"start": MONDAY.isoformat()}).json()
    assert {row["id"] for row in rows} == {world["reserved"].id, world["late"].id}
    assert next(row for row in rows if row["id"] == world["late"].id)["overdue"] is True
    for n in range(5):
        ReservationFactory(
            solution=world["other"],
            departure_at=at(MONDAY + timedelta(days=n), "08:00"),
            return_at=at(MONDAY + timedelta(days=n), "10:00"),
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get(url, {"start": MONDAY.isoformat()}).json()) == 7


def test_another_dealerships_reservation_is_404(client, charlie, world):
    client.force_login(charlie)
    assert (
        client.get(f"/api/v1/dealerships/sevilla/mobility/reservations/{world['reserved'].id}/").status_code
        == 404
    )
    assert client.get(f"{API}mobility/reservations/{world['reserved'].id}/").status_code == 404


def test_r3_6_the_api_refuses_a_hand_over_without_the_licence_check(api, world):
    url = f"{API}mobility/reservations/{world['reserved'].id}/hand-over-out/"
    response = _json(
        api,
        url,
        {"licence_checked": False, "registration_checked": True, "mileage_km": 12_000, "fuel_percent": 90},
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["licence_checked"]
    world["reserved"].refresh_from_db()
    assert world["reserved"].status == ReservationStatus.RESERVED

    done = _json(
        api,
        url,
        {"licence_checked": True, "registration_checked": True, "mileage_km": 12_000, "fuel_percent": 90},
    )
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["out_by"]) == ("out", "alice")


def test_r3_8_the_api_refuses_mileage_going_backwards_at_return(api, world):
    url = f"{API}mobility/reservations/{world['late'].id}/hand-over-back/"
    response = _json(api, url, {"mileage_km": 4_000, "fuel_percent": 80})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["mileage_km"]
    done = _json(api, url, {"mileage_km": 5_200, "fuel_percent": 80})
    assert done.json()["status"] == "returned"


def test_r3_8_a_move_onto_a_busy_car_answers_409_and_changes_nothing(api, world):
    url = f"{API}mobility/reservations/{world['reserved'].id}/move/"
    response = _json(
        api,
        url,
        {
            "departure_at": at(MONDAY + timedelta(days=2), "09:00").isoformat(),
            "return_at": at(MONDAY + timedelta(days=2), "17:00").isoformat(),
            "fleet_vehicle": world["ghibli"].id,  # in its own service on Wednesday
        },
    )
    assert response.status_code == 409
    assert response.json()["code"] in ("mobility_unavailable", "vehicle_held")
    world["reserved"].refresh_from_db()
    assert world["reserved"].fleet_vehicle == world["grecale"]


def test_a_reservation_is_released_once(api, world):
    url = f"{API}mobility/reservations/{world['reserved'].id}/release/"
    assert _json(api, url).json()["status"] == "released"
    assert _json(api, url).status_code == 409


@pytest.fixture
def fuzz_world(milano):
    staff = UserFactory(username="fuzz-staff")
    for role in Role:
        MembershipFactory(user=staff, dealership=milano, role=role)
    world = world_build(milano)
    FleetVehicleFactory(solution=world["courtesy"], plate="FZ001MI")
    return {"staff": staff, **world}


@pytest.mark.parametrize("caller", ["staff", "anonymous"])
def test_the_mobility_operations_survive_fuzzing(wsgi_app, fuzz_world, caller):  # noqa: F811
    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", wsgi_app).include(
        path_regex=r"/(fleet|mobility)/"
    )
    headers = {}
    if caller == "staff":
        issued = api_token_issue(owner=fuzz_world["staff"], name="fuzz", dealership=None)
        headers = {"Authorization": f"Bearer {issued.secret}"}
    run = FuzzRun(caller=f"mobility {caller}")
    started = time.monotonic()
    _fuzz(schema, headers=headers, path_parameters={"dealership_slug": "milano"}, run=run)
    run.seconds = time.monotonic() - started
    FUZZ_FIGURES.append(run)
    assert run.operations == 13
    assert run.failures == [], "\n\n".join(run.failures[:20])
