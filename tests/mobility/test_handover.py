"""The hand-over out and back (R3.6, R3.8), on the advisor's page and in the service: documents
checked before a car leaves, mileage and fuel never backwards, everything recorded with time
and who; reservations not picked up in time are released by beat."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from config.errors import IllegalTransition
from mobility.models import ReleaseReason, ReservationStatus
from mobility.services.handover import reservation_hand_over_back, reservation_hand_over_out
from mobility.tasks import not_picked_up_release_task
from tests.factories.customers import CustomerFactory
from tests.factories.dealerships import MembershipFactory, UserFactory
from tests.factories.mobility import FleetVehicleFactory, ReservationFactory
from tests.mobility.test_board import MONDAY, NOW, world_build
from tests.workshop.snapshots import at


@pytest.fixture
def world(milano):
    return world_build(milano)


@pytest.fixture
def desk(client, alice):
    client.force_login(alice)
    with time_machine.travel(NOW, tick=False):
        yield client


def _out(client, reservation, **data):
    return client.post(reverse("reservation_out", args=["milano", reservation.id]), data)


def _back(client, reservation, **data):
    return client.post(reverse("reservation_back", args=["milano", reservation.id]), data)


def test_r3_6_a_hand_over_without_the_licence_check_is_refused_on_the_field(desk, world):
    reservation = world["reserved"]
    response = _out(desk, reservation, registration_checked="on", mileage_km="12000", fuel_percent="90")
    assert response.status_code == 400
    assert 'id="id_licence_checked_error"' in response.content.decode()
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.RESERVED
    assert reservation.out_at is None
    assert reservation.out_mileage_km is None


def test_r3_6_the_service_refuses_a_hand_over_without_the_documents_checked(milano, world):
    with pytest.raises(ValidationError) as refused:
        reservation_hand_over_out(
            dealership=milano,
            reservation=world["reserved"],
            licence_checked=False,
            registration_checked=False,
            mileage_km=12_000,
            fuel_percent=90,
            now=NOW,
            by=None,
        )
    assert set(refused.value.error_dict) == {"licence_checked", "registration_checked"}


def test_r3_8_a_car_goes_out_and_comes_back_with_everything_recorded(desk, world, alice):
    reservation = world["reserved"]
    response = _out(
        desk,
        reservation,
        licence_checked="on",
        registration_checked="on",
        mileage_km="12000",
        fuel_percent="90",
        damage_notes="Scratch on the rear bumper",
    )
    assert response.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.OUT
    assert (reservation.out_at, reservation.out_by, reservation.out_mileage_km) == (NOW, alice, 12_000)
    assert reservation.documents_checked

    response = _back(desk, reservation, mileage_km="12180", fuel_percent="90", damage_notes="")
    assert response.status_code == 302
    reservation.refresh_from_db()
    assert reservation.status == ReservationStatus.RETURNED
    assert (reservation.in_at, reservation.in_by, reservation.in_mileage_km) == (NOW, alice, 12_180)
    world["grecale"].refresh_from_db()
    assert world["grecale"].mileage_km == 12_180  # the fleet's mileage moves on

    page = desk.get(reverse("reservation_detail", args=["milano", reservation.id])).content.decode()
    assert "Scratch on the rear bumper" in page
    assert "12,180" in page  # grouped as the language writes it
    assert "Alice" in page


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"mileage_km": "4999", "fuel_percent": "80"}, "mileage_km"),
        ({"mileage_km": "5100", "fuel_percent": "60"}, "fuel_percent"),
        ({"mileage_km": "5100", "fuel_percent": "101"}, "fuel_percent"),
        ({"fuel_percent": "80"}, "mileage_km"),
    ],
)
def test_r3_8_mileage_or_fuel_going_backwards_at_return_is_a_field_error(desk, world, data, field):
    late = world["late"]  # left with 5,000 km and 80 % fuel
    response = _back(desk, late, **data)
    assert response.status_code == 400
    assert f'id="id_{field}_error"' in response.content.decode()
    late.refresh_from_db()
    assert late.status == ReservationStatus.OUT
    assert late.in_at is None


def test_the_mileage_out_cannot_be_below_what_the_car_last_showed(desk, world):
    response = _out(
        desk,
        world["reserved"],
        licence_checked="on",
        registration_checked="on",
        mileage_km="100",
        fuel_percent="90",
    )
    assert response.status_code == 400
    assert 'id="id_mileage_km_error"' in response.content.decode()


def test_a_car_still_with_another_customer_cannot_be_handed_over(milano, world):
    ReservationFactory(
        solution=world["courtesy"],
        fleet_vehicle=world["grecale"],
        departure_at=at(MONDAY - timedelta(days=2), "09:00"),
        return_at=at(MONDAY, "08:00"),
        status=ReservationStatus.OUT,
    )
    with pytest.raises(IllegalTransition):
        reservation_hand_over_out(
            dealership=milano,
            reservation=world["reserved"],
            licence_checked=True,
            registration_checked=True,
            mileage_km=12_000,
            fuel_percent=90,
            now=NOW,
            by=None,
        )


def test_only_a_car_with_the_customer_can_be_taken_back(milano, world):
    with pytest.raises(IllegalTransition):
        reservation_hand_over_back(
            dealership=milano, reservation=world["reserved"], mileage_km=1, fuel_percent=1, now=NOW, by=None
        )


def test_an_operator_may_see_the_reservation_but_not_hand_it_over(client, milano, world):
    operator = UserFactory(username="milano-operator")
    MembershipFactory(user=operator, dealership=milano, role="reservation_operator")
    client.force_login(operator)
    page = client.get(reverse("reservation_detail", args=["milano", world["reserved"].id]))
    assert page.status_code == 200
    assert reverse("reservation_out", args=["milano", world["reserved"].id]) not in page.content.decode()
    assert _out(client, world["reserved"], licence_checked="on").status_code == 403


def test_the_reservation_page_flags_an_overdue_return(desk, world):
    page = desk.get(reverse("reservation_detail", args=["milano", world["late"].id])).content.decode()
    assert 'class="badge over"' in page


def test_r3_8_the_next_reservation_on_a_car_not_back_says_who_has_it_and_moves_to_another_car(desk, world):
    """The Panda is still with Mr Verdi, due back at 09:00; Ms Moretti's reservation on it this
    afternoon says so on its page, and the desk moves it onto a free car of the solution."""
    waiting = ReservationFactory(
        solution=world["other"],
        fleet_vehicle=world["panda"],
        customer=CustomerFactory(dealership=world["panda"].dealership, family_name="Moretti"),
        departure_at=at(MONDAY, "14:00"),
        return_at=at(MONDAY, "18:00"),
    )
    url = reverse("reservation_detail", args=["milano", waiting.id])
    warning = desk.get(url).content.decode()
    warning = warning[warning.index('aria-labelledby="still-out-title"') :].split("</section>")[0]
    assert "Verdi still has it" in warning
    assert reverse("reservation_detail", args=["milano", world["late"].id]) in warning
    spare = FleetVehicleFactory(solution=world["other"], plate="PA005MI", brand="Fiat", model="Panda")
    moved = desk.post(
        reverse("reservation_move", args=["milano", waiting.id]),
        {
            "departure_at": "2026-11-23 14:00",
            "return_at": "2026-11-23 18:00",
            "fleet_vehicle": spare.id,
        },
    )
    assert moved.status_code == 302
    waiting.refresh_from_db()
    assert waiting.fleet_vehicle_id == spare.id
    assert "still-out-title" not in desk.get(url).content.decode()
    # On time, nothing is said: the car of a reservation due back later is not flagged.
    assert (
        "still-out-title"
        not in desk.get(reverse("reservation_detail", args=["milano", world["reserved"].id])).content.decode()
    )


def test_r3_8_a_reservation_not_picked_up_in_time_is_released_by_beat(milano, world, settings):
    settings.MOBILITY_NOT_PICKED_UP_MINUTES = 120
    forgotten = ReservationFactory(
        solution=world["courtesy"],
        fleet_vehicle=world["ghibli"],
        departure_at=at(MONDAY, "07:00"),
        return_at=at(MONDAY, "19:00"),
    )
    just_late = ReservationFactory(
        solution=world["other"],
        departure_at=at(MONDAY, "09:30"),
        return_at=at(MONDAY, "19:00"),
    )
    with time_machine.travel(NOW, tick=False):
        assert not_picked_up_release_task() == 1
        assert not_picked_up_release_task() == 0  # safe to run twice
    forgotten.refresh_from_db()
    just_late.refresh_from_db()
    assert (forgotten.status, forgotten.release_reason) == (
        ReservationStatus.RELEASED,
        ReleaseReason.NOT_PICKED_UP,
    )
    assert just_late.status == ReservationStatus.RESERVED
    world["late"].refresh_from_db()
    assert world["late"].status == ReservationStatus.OUT  # out with the customer: not touched
