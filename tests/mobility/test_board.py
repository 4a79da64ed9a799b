"""The fleet planning board (R3.8): vehicles as rows, days as columns, reservations as bars
with customer and appointment, out-of-service periods shaded, overdue returns and held vehicles
flagged; moving a reservation refuses a conflict on the field, nothing changed."""

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from mobility.models import FleetStatus, Reservation, SolutionKind
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CustomerFactory
from tests.factories.mobility import (
    FleetOutOfServiceFactory,
    FleetVehicleFactory,
    MobilitySolutionFactory,
    ReservationFactory,
)
from tests.factories.workshop import AdvisorFactory
from tests.workshop.snapshots import at

MONDAY = date(2026, 11, 23)
NOW = at(MONDAY, "10:00")


def world_build(milano) -> dict:
    """Milano's fleet: two brand courtesy cars (one in its own service mid-week), one held car,
    an other-brand car; a reservation on an appointment, one car out and overdue."""
    courtesy = MobilitySolutionFactory(
        dealership=milano,
        kind=SolutionKind.BRAND_COURTESY_CAR,
        name="Maserati courtesy car",
        daily_cost=Decimal("45"),
        currency="EUR",
    )
    other = MobilitySolutionFactory(
        dealership=milano, kind=SolutionKind.OTHER_BRAND_COURTESY_CAR, name="Fiat"
    )
    grecale = FleetVehicleFactory(solution=courtesy, plate="GR001MI", model="Grecale", mileage_km=12_000)
    ghibli = FleetVehicleFactory(solution=courtesy, plate="GH002MI", model="Ghibli", mileage_km=8_000)
    held = FleetVehicleFactory(
        solution=courtesy, plate="LV003MI", model="Levante", status=FleetStatus.WORKSHOP
    )
    panda = FleetVehicleFactory(solution=other, plate="PA004MI", brand="Fiat", model="Panda")
    FleetOutOfServiceFactory(
        vehicle=ghibli,
        starts_at=at(MONDAY + timedelta(days=2), "08:00"),
        ends_at=at(MONDAY + timedelta(days=3), "18:00"),
        reason="Tagliando",
    )
    advisor = AdvisorFactory(dealership=milano)
    appointment = AppointmentFactory(advisor=advisor, drop_off_at=at(MONDAY + timedelta(days=1), "08:30"))
    appointment.customer.family_name = "Bianchi"
    appointment.customer.save()
    reserved = ReservationFactory(
        solution=courtesy,
        fleet_vehicle=grecale,
        customer=appointment.customer,
        appointment=appointment,
        departure_at=at(MONDAY + timedelta(days=1), "08:30"),
        return_at=at(MONDAY + timedelta(days=3), "18:00"),
    )
    late = ReservationFactory(
        solution=other,
        fleet_vehicle=panda,
        customer=CustomerFactory(dealership=milano, family_name="Verdi"),
        departure_at=at(MONDAY - timedelta(days=3), "09:00"),
        return_at=at(MONDAY, "09:00"),
        out=True,
        out_at=at(MONDAY - timedelta(days=3), "09:10"),
        out_mileage_km=5_000,
    )
    return {
        "courtesy": courtesy,
        "other": other,
        "grecale": grecale,
        "ghibli": ghibli,
        "held": held,
        "panda": panda,
        "appointment": appointment,
        "reserved": reserved,
        "late": late,
    }


@pytest.fixture
def world(milano):
    return world_build(milano)


@pytest.fixture
def desk(client, alice):
    client.force_login(alice)
    with time_machine.travel(NOW, tick=False):
        yield client


def _board(client, **query) -> str:
    response = client.get(reverse("fleet_board", args=["milano"]), {"start": MONDAY.isoformat(), **query})
    assert response.status_code == 200
    return response.content.decode()


def test_r3_8_the_board_shows_each_vehicle_a_row_and_each_reservation_a_bar_with_its_customer(desk, world):
    page = _board(desk, days=7)
    table = page[page.index('<table class="fleet-board"') :]
    assert table.count('<th scope="row"') == 4  # every car not retired, held ones too
    assert re.findall(r'<th scope="col"[^>]*><time datetime="([\d-]+)"', table) == [
        (MONDAY + timedelta(days=n)).isoformat() for n in range(7)
    ]
    detail = reverse("reservation_detail", args=["milano", world["reserved"].id])
    assert f'href="{detail}"' in table
    bar = table[table.index(f'href="{detail}"') :].split("</a>")[0]
    assert "Bianchi" in bar
    assert "appointment" in bar or "appuntamento" in bar
    # Tuesday to Thursday, alone on the row: one cell three days wide.
    row = table[table.index("GR001MI") :].split("</tr>")[0]
    assert 'colspan="3"' in row


def test_the_board_shades_out_of_service_days_and_marks_held_and_overdue_cars(desk, world):
    page = _board(desk, days=7)
    ghibli = page[page.index("GH002MI") :].split("</tr>")[0]
    assert 'class="is-out-of-service' in ghibli
    assert "Tagliando" in ghibli
    held = page[page.index("LV003MI") :].split("</th>")[0]
    assert 'class="badge warn"' in held  # held: not in service, said in words
    overdue = reverse("reservation_detail", args=["milano", world["late"].id])
    assert page.count(f'href="{overdue}"') >= 1
    assert 'class="badge over"' in page  # overdue returns flagged
    assert "Verdi" in page


def test_r3_8_a_car_overdue_since_last_week_is_out_until_today_and_its_next_customer_is_warned(
    desk, milano, world
):
    """Due back last Tuesday, still with Mr Neri: the board from today shows the car out today,
    not free, and the customer booked on it next is flagged, so the desk can move them."""
    ghibli = world["ghibli"]
    neri = ReservationFactory(
        solution=world["courtesy"],
        fleet_vehicle=ghibli,
        customer=CustomerFactory(dealership=milano, family_name="Neri"),
        departure_at=at(MONDAY - timedelta(days=8), "09:00"),
        return_at=at(MONDAY - timedelta(days=6), "18:00"),
        out=True,
    )
    ReservationFactory(  # booked before Mr Neri was late
        solution=world["courtesy"],
        fleet_vehicle=ghibli,
        customer=CustomerFactory(dealership=milano, family_name="Moretti"),
        departure_at=at(MONDAY, "14:00"),
        return_at=at(MONDAY, "18:00"),
    )
    page = _board(desk, days=7)
    table = page[page.index('<table class="fleet-board"') :]
    row = table[table.index("GH002MI") :].split("</tr>")[0]
    neri_bar = row[row.index(reverse("reservation_detail", args=["milano", neri.id])) :].split("</a>")[0]
    assert "Neri" in neri_bar
    assert 'class="badge over"' in neri_bar
    moretti_bar = row[row.index("Moretti") :].split("</a>")[0]
    assert "the car is not back yet" in moretti_bar
    # A car back on time or a reservation on another car is not flagged.
    assert page.count("the car is not back yet") == 1


def test_the_board_shows_the_fleets_utilisation(desk, world):
    page = _board(desk, days=7)
    # Of Monday to Sunday: Grecale 3 days reserved of 7, Ghibli 0 of 5 (two out of service),
    # the held Levante 0 of 7, Panda 1 (its overdue Monday) of 7: 4 of 26, 15%.
    head = page[page.index('class="board-utilisation"') :].split("</p>")[0]
    assert "<strong>15%</strong>" in head
    assert re.search(r"\b4\b\D+\b26\b", head)


def test_the_board_reads_a_fixed_number_of_queries_whatever_the_fleet(
    desk, milano, world, django_assert_max_num_queries
):
    url = reverse("fleet_board", args=["milano"])
    with django_assert_max_num_queries(12) as small:
        desk.get(url, {"start": MONDAY.isoformat()})
    for n in range(6):
        car = FleetVehicleFactory(solution=world["courtesy"], plate=f"XX{n:03d}MI")
        ReservationFactory(
            solution=world["courtesy"],
            fleet_vehicle=car,
            departure_at=at(MONDAY + timedelta(days=n % 5), "09:00"),
            return_at=at(MONDAY + timedelta(days=n % 5 + 1), "18:00"),
        )
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert desk.get(url, {"start": MONDAY.isoformat()}).status_code == 200


def test_a_bad_start_day_is_a_field_error_not_a_crash(desk, world):
    response = desk.get(reverse("fleet_board", args=["milano"]), {"start": "31-31-2026", "days": "99"})
    assert response.status_code == 400
    assert 'class="field-error"' in response.content.decode()


def test_another_dealerships_reservation_is_not_found(client, charlie, world):
    client.force_login(charlie)
    assert client.get(reverse("fleet_board", args=["milano"])).status_code == 404
    url = reverse("reservation_detail", args=["sevilla", world["reserved"].id])
    assert client.get(url).status_code == 404


def _move(client, reservation: Reservation, **data) -> object:
    return client.post(reverse("reservation_move", args=["milano", reservation.id]), data)


def test_r3_8_moving_onto_a_car_taken_then_is_refused_on_the_field_and_nothing_changes(desk, world):
    other_customer = ReservationFactory(
        solution=world["courtesy"],
        fleet_vehicle=world["ghibli"],
        departure_at=at(MONDAY + timedelta(days=5), "08:00"),
        return_at=at(MONDAY + timedelta(days=6), "18:00"),
    )
    reservation = world["reserved"]
    response = _move(
        desk,
        reservation,
        departure_at="2026-11-28T09:00",
        return_at="2026-11-29T12:00",
        fleet_vehicle=other_customer.fleet_vehicle_id,
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert 'class="field-error"' in page
    reservation.refresh_from_db()
    assert (reservation.fleet_vehicle, reservation.departure_at) == (
        world["grecale"],
        at(MONDAY + timedelta(days=1), "08:30"),
    )


def test_moving_a_reservation_keeps_its_car_when_free(desk, world):
    reservation = world["reserved"]
    response = _move(desk, reservation, departure_at="2026-11-25T09:00", return_at="2026-11-26T12:00")
    assert response.status_code == 302
    reservation.refresh_from_db()
    assert reservation.departure_at == at(MONDAY + timedelta(days=2), "09:00")
    assert reservation.fleet_vehicle == world["grecale"]


def test_a_return_before_the_departure_is_a_field_error(desk, world):
    response = _move(desk, world["reserved"], departure_at="2026-11-25T09:00", return_at="2026-11-24T09:00")
    assert response.status_code == 400
    assert 'id="id_return_at_error"' in response.content.decode()


def test_a_car_of_another_dealership_cannot_be_chosen(desk, world, torino):
    foreign = FleetVehicleFactory(solution=MobilitySolutionFactory(dealership=torino), plate="TO999TO")
    response = _move(
        desk,
        world["reserved"],
        departure_at="2026-11-25T09:00",
        return_at="2026-11-26T09:00",
        fleet_vehicle=foreign.id,
    )
    assert response.status_code == 400
    assert 'id="id_fleet_vehicle_error"' in response.content.decode()
    world["reserved"].refresh_from_db()
    assert world["reserved"].fleet_vehicle == world["grecale"]


def test_the_appointment_page_section_links_to_its_reservation(milano, alice, world):
    from django.template.loader import render_to_string

    from dealerships.access import dealership_access_for
    from mobility.views import appointment_mobility_section

    access = dealership_access_for(user=alice, slug="milano")
    section = appointment_mobility_section(access, world["appointment"])
    html = render_to_string("mobility/_appointment_section.html", {"section": section})
    assert reverse("reservation_detail", args=["milano", world["reserved"].id]) in html
    assert (
        appointment_mobility_section(access, AppointmentFactory(advisor=AdvisorFactory(dealership=milano)))
        is None
    )
