"""Reservations (R3.6, R3.8): the service books a free, not-held car or refuses with the next
free time; a reservation follows its appointment (booked with it in one transaction, moved
when it is rescheduled, released when it is cancelled); the database refuses an overlap even
when the service is bypassed (PostgreSQL)."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from bookings import services
from bookings.models import Appointment, MobilityKind
from bookings.requests import RequestedJob
from bookings.services import AppointmentDetails
from config.errors import ForeignRow, SlotTaken
from mobility.errors import MobilityUnavailable, VehicleHeld
from mobility.models import (
    HANDOVER_EXPLANATION_MINUTES,
    ReleaseReason,
    Reservation,
    ReservationStatus,
    SolutionKind,
)
from mobility.services.reservations import reservation_book, reservation_move, reservation_release
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.mobility import (
    FleetVehicleFactory,
    MobilitySolutionFactory,
    ReservationFactory,
    SolutionCapFactory,
)
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.models import Skill, WorkshopPolicy

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = TUESDAY + timedelta(days=1)
NOW = at(MONDAY, "10:00")

EXPLANATION = timedelta(minutes=HANDOVER_EXPLANATION_MINUTES)  # the policy's default (R3.7)


@pytest.fixture
def fleet(milano):
    courtesy = MobilitySolutionFactory(
        dealership=milano,
        kind=SolutionKind.BRAND_COURTESY_CAR,
        name="Maserati courtesy car",
        daily_cost=Decimal("45"),
        currency="EUR",
    )
    return {"courtesy": courtesy, "car": FleetVehicleFactory(solution=courtesy, plate="GR001MI")}


@pytest.fixture
def shop(milano, fleet):
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    return {
        "giulia": AdvisorFactory(
            dealership=milano, name="Giulia", max_customers_per_day=8, max_online_per_day=8
        ),
        "technician": TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE]),
        "service": JobFactory(dealership=milano, code="SRV", name="Service", labour_minutes=120),
        **fleet,
    }


def _book_appointment(milano, shop, *, clock="08:00", day=TUESDAY, kind=MobilityKind.BRAND_COURTESY_CAR):
    vehicle = VehicleFactory(customer__dealership=milano)
    with transaction.atomic():
        return services.appointment_book(
            dealership=milano,
            customer=vehicle.customer,
            vehicle=vehicle,
            advisor_id=shop["giulia"].id,
            drop_off=at(day, clock),
            jobs=[
                RequestedJob(
                    description="Service", skill=Skill.MAINTENANCE, labour_minutes=120, job=shop["service"]
                )
            ],
            now=NOW,
            booked_by=None,
            details=AppointmentDetails(mobility_kind=kind),
        )


def _reserve(milano, solution, start, end, **extra):
    with transaction.atomic():
        return reservation_book(
            dealership=milano,
            solution=solution,
            customer=extra.pop("customer", None) or CustomerFactory(dealership=milano),
            departure_at=start,
            return_at=end,
            now=NOW,
            **extra,
        )


def test_r3_8_the_service_reserves_a_free_car_and_refuses_an_overlap_with_the_next_free_time(milano, fleet):
    first = _reserve(milano, fleet["courtesy"], at(TUESDAY, "08:00"), at(TUESDAY, "18:00"))
    assert first.fleet_vehicle == fleet["car"]
    assert (first.local_day, first.afternoon) == (TUESDAY, False)
    assert first.licence_required
    assert not first.documents_checked
    with pytest.raises(MobilityUnavailable) as refused:
        _reserve(milano, fleet["courtesy"], at(TUESDAY, "17:00"), at(WEDNESDAY, "10:00"))
    assert refused.value.status_code == 409
    assert refused.value.field == "mobility"
    assert refused.value.extra["next_free"] == at(TUESDAY, "18:00").isoformat()  # R3.7
    assert Reservation.objects.count() == 1


def test_bad_input_is_refused_on_its_field_and_nothing_is_written(milano, torino, fleet):
    with pytest.raises(ValidationError) as reversed_times:
        _reserve(milano, fleet["courtesy"], at(TUESDAY, "18:00"), at(TUESDAY, "08:00"))
    assert "return_at" in reversed_times.value.message_dict
    rental = MobilitySolutionFactory(dealership=milano, kind=SolutionKind.RENTAL, rental_allowed=False)
    with pytest.raises(MobilityUnavailable):
        _reserve(milano, rental, at(TUESDAY, "08:00"), at(TUESDAY, "18:00"))
    with pytest.raises(ForeignRow):  # another dealership's car
        _reserve(torino, fleet["courtesy"], at(TUESDAY, "08:00"), at(TUESDAY, "18:00"))
    assert not Reservation.objects.exists()


def test_r3_8_a_held_vehicle_is_never_assigned(milano, fleet):
    fleet["car"].next_service_due_on = MONDAY
    fleet["car"].save()
    with pytest.raises(VehicleHeld):
        _reserve(
            milano, fleet["courtesy"], at(TUESDAY, "08:00"), at(TUESDAY, "18:00"), fleet_vehicle=fleet["car"]
        )
    with pytest.raises(MobilityUnavailable):
        _reserve(milano, fleet["courtesy"], at(TUESDAY, "08:00"), at(TUESDAY, "18:00"))
    spare = FleetVehicleFactory(solution=fleet["courtesy"])
    assert (
        _reserve(milano, fleet["courtesy"], at(TUESDAY, "08:00"), at(TUESDAY, "18:00")).fleet_vehicle == spare
    )


def test_r3_8_booking_an_appointment_reserves_the_chosen_car_for_the_whole_immobilisation(milano, shop):
    appointment = _book_appointment(milano, shop)
    reservation = Reservation.objects.get(appointment=appointment)
    assert appointment.mobility_kind == MobilityKind.BRAND_COURTESY_CAR
    assert reservation.fleet_vehicle == shop["car"]
    assert reservation.customer == appointment.customer
    assert (reservation.departure_at, reservation.return_at) == (  # left once the work was explained (R3.7)
        appointment.drop_off_at + EXPLANATION,
        appointment.promised_return_at,
    )


def test_r3_8_when_the_car_is_taken_the_whole_booking_rolls_back(milano, shop):
    _book_appointment(milano, shop)
    with pytest.raises(SlotTaken) as refused:
        _book_appointment(milano, shop, clock="09:00")
    assert refused.value.code == "mobility_unavailable"
    assert Appointment.objects.count() == 1
    assert Reservation.objects.count() == 1
    # A kind the dealership does not plan is only remembered on the appointment.
    taxi = _book_appointment(milano, shop, clock="10:00", kind=MobilityKind.TAXI)
    assert taxi.mobility_kind == MobilityKind.TAXI
    assert not taxi.mobility_reservations.exists()


def test_r3_8_rescheduling_moves_the_reservation_or_is_refused_when_the_car_is_not_free(milano, shop):
    appointment = _book_appointment(milano, shop)
    with transaction.atomic():
        moved = services.appointment_reschedule(
            dealership=milano,
            appointment=appointment,
            advisor_id=shop["giulia"].id,
            drop_off=at(WEDNESDAY, "08:00"),
            by=None,
            now=NOW,
        )
    reservation = Reservation.objects.get(appointment=appointment)
    assert reservation.status == ReservationStatus.RESERVED
    assert (reservation.departure_at, reservation.return_at) == (
        moved.drop_off_at + EXPLANATION,
        moved.promised_return_at,
    )
    assert reservation.local_day == WEDNESDAY
    # Another customer has the car on Thursday: moving there is refused, nothing changes.
    thursday = WEDNESDAY + timedelta(days=1)
    ReservationFactory(
        solution=shop["courtesy"],
        fleet_vehicle=shop["car"],
        departure_at=at(thursday, "07:00"),
        return_at=at(thursday, "19:00"),
    )
    with pytest.raises(MobilityUnavailable) as refused, transaction.atomic():
        services.appointment_reschedule(
            dealership=milano,
            appointment=appointment,
            advisor_id=shop["giulia"].id,
            drop_off=at(thursday, "08:00"),
            by=None,
            now=NOW,
        )
    assert "not free at the new time" in str(refused.value.message)
    appointment.refresh_from_db()
    reservation.refresh_from_db()
    assert appointment.local_day == WEDNESDAY
    assert reservation.local_day == WEDNESDAY


def test_r3_8_cancelling_the_appointment_releases_the_reservation(milano, shop):
    appointment = _book_appointment(milano, shop)
    with transaction.atomic():
        services.appointment_cancel(
            dealership=milano, appointment=appointment, reason="Sold the car", by=None, now=NOW
        )
    reservation = Reservation.objects.get(appointment=appointment)
    assert (reservation.status, reservation.release_reason) == (
        ReservationStatus.RELEASED,
        ReleaseReason.CANCELLED,
    )
    # The car is free again for the same time.
    assert _book_appointment(milano, shop).mobility_reservations.get().fleet_vehicle == shop["car"]


def test_releasing_twice_changes_nothing_the_second_time(milano, fleet):
    reservation = _reserve(milano, fleet["courtesy"], at(TUESDAY, "08:00"), at(TUESDAY, "18:00"))
    first = reservation_release(
        dealership=milano, reservation=reservation, reason=ReleaseReason.NOT_PICKED_UP, now=NOW
    )
    again = reservation_release(
        dealership=milano, reservation=reservation, reason=ReleaseReason.STAFF, now=NOW
    )
    assert first.status == again.status == ReservationStatus.RELEASED
    assert again.release_reason == ReleaseReason.NOT_PICKED_UP


def test_r3_8_moving_onto_another_car_of_the_solution_when_its_own_is_taken(milano, fleet):
    reservation = _reserve(milano, fleet["courtesy"], at(TUESDAY, "08:00"), at(TUESDAY, "12:00"))
    other = FleetVehicleFactory(solution=fleet["courtesy"])
    ReservationFactory(
        solution=fleet["courtesy"],
        fleet_vehicle=fleet["car"],
        departure_at=at(WEDNESDAY, "08:00"),
        return_at=at(WEDNESDAY, "18:00"),
    )
    with transaction.atomic():
        moved = reservation_move(
            dealership=milano,
            reservation=reservation,
            departure_at=at(WEDNESDAY, "09:00"),
            return_at=at(WEDNESDAY, "12:00"),
            now=NOW,
        )
    assert moved.fleet_vehicle_id == other.id
    # The board drags it onto the taken car: refused.
    with pytest.raises(MobilityUnavailable), transaction.atomic():
        reservation_move(
            dealership=milano,
            reservation=moved,
            departure_at=at(WEDNESDAY, "09:00"),
            return_at=at(WEDNESDAY, "12:00"),
            now=NOW,
            fleet_vehicle=fleet["car"],
        )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraints are PostgreSQL's")
def test_r3_8_the_exclusion_constraint_refuses_an_overlap_even_when_the_service_is_bypassed(milano, fleet):
    ReservationFactory(
        solution=fleet["courtesy"],
        fleet_vehicle=fleet["car"],
        departure_at=at(TUESDAY, "08:00"),
        return_at=at(TUESDAY, "18:00"),
    )
    with pytest.raises(IntegrityError, match="reservation_vehicle_no_overlap"), transaction.atomic():
        ReservationFactory(
            solution=fleet["courtesy"],
            fleet_vehicle=fleet["car"],
            departure_at=at(TUESDAY, "17:59"),
            return_at=at(WEDNESDAY, "09:00"),
        )
    # A released reservation holds nothing; touching ends are no overlap.
    ReservationFactory(
        solution=fleet["courtesy"],
        fleet_vehicle=fleet["car"],
        departure_at=at(TUESDAY, "12:00"),
        return_at=at(TUESDAY, "13:00"),
        status=ReservationStatus.RELEASED,
    )
    ReservationFactory(
        solution=fleet["courtesy"],
        fleet_vehicle=fleet["car"],
        departure_at=at(TUESDAY, "18:00"),
        return_at=at(WEDNESDAY, "09:00"),
    )
    assert Reservation.objects.count() == 3


def test_an_online_booking_of_an_option_at_its_cap_is_refused(milano, shop):
    SolutionCapFactory(solution=shop["courtesy"], weekday=TUESDAY.weekday(), max_per_day=0)
    with pytest.raises(MobilityUnavailable):
        _reserve(milano, shop["courtesy"], at(TUESDAY, "08:00"), at(TUESDAY, "18:00"), online=True)
    # Staff see the flag and may still book it.
    assert _reserve(milano, shop["courtesy"], at(TUESDAY, "08:00"), at(TUESDAY, "18:00")).pk


def test_r3_8_the_booking_api_reserves_the_car_or_answers_409_with_the_next_free_time(
    client, alice, milano, shop
):
    client.force_login(alice)
    url = reverse("api_appointment_list", kwargs={"dealership_slug": "milano"})

    def book(clock, kind="brand_courtesy_car"):
        vehicle = VehicleFactory(customer__dealership=milano)
        body = {
            "customer": vehicle.customer_id,
            "vehicle": vehicle.id,
            "advisor": shop["giulia"].id,
            "drop_off": at(TUESDAY, clock).isoformat(),
            "jobs": ["SRV"],
            "mobility_kind": kind,
        }
        return client.post(url, body, content_type="application/json")

    with time_machine.travel(NOW, tick=False):
        booked = book("08:00")
        assert booked.status_code == 201, booked.content
        assert booked.json()["mobility_kind"] == "brand_courtesy_car"
        refused = book("09:00")
        bad_kind = book("10:00", kind="teleport")
    assert bad_kind.status_code == 400
    assert "mobility_kind" in bad_kind.json()["errors"]
    assert refused.status_code == 409
    body = refused.json()
    assert body["code"] == "mobility_unavailable"
    assert "mobility" in body["errors"]
    assert body["next_free"] == Reservation.objects.get().return_at.isoformat()
    assert Appointment.objects.count() == 1
