"""The pick-up address travels with the booking (R3.8): the booking service checks it and
announces it with the appointment; the mobility receiver writes it on the reservation, in the
booking's transaction. A missing or unstorable one is refused by the service, whichever door
the booking came through, before anything is written."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from bookings import services
from bookings.models import Appointment, MobilityKind
from bookings.requests import RequestedJob
from mobility.models import HANDOVER_EXPLANATION_MINUTES, PickupMode, Reservation, SolutionKind
from tests.factories.customers import VehicleFactory
from tests.factories.mobility import MobilitySolutionFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.models import Skill, WorkshopPolicy

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
NOW = at(MONDAY, "10:00")

EXPLANATION = timedelta(minutes=HANDOVER_EXPLANATION_MINUTES)  # the policy's default (R3.7)


@pytest.fixture
def shop(milano):
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    return {
        "giulia": AdvisorFactory(dealership=milano, name="Giulia", max_customers_per_day=8),
        "technician": TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE]),
        "service": JobFactory(dealership=milano, code="SRV", name="Service", labour_minutes=120),
        "pickup": MobilitySolutionFactory(
            dealership=milano,
            kind=SolutionKind.PICKUP_DELIVERY,
            pickup_mode=PickupMode.BOTH,
            drivers_per_half_day=2,
            daily_cost=Decimal("25"),
            currency="EUR",
        ),
    }


def _book(milano, shop, *, kind=MobilityKind.PICKUP_DELIVERY, address=""):
    vehicle = VehicleFactory(customer__dealership=milano)
    with transaction.atomic():
        return services.appointment_book(
            dealership=milano,
            customer=vehicle.customer,
            vehicle=vehicle,
            advisor_id=shop["giulia"].id,
            drop_off=at(TUESDAY, "08:00"),
            jobs=[
                RequestedJob(
                    description="Service", skill=Skill.MAINTENANCE, labour_minutes=120, job=shop["service"]
                )
            ],
            now=NOW,
            booked_by=None,
            details=services.AppointmentDetails(mobility_kind=kind, mobility_address=address),
        )


def test_r3_8_the_reservation_booked_with_the_appointment_keeps_the_pick_up_address(milano, shop):
    appointment = _book(milano, shop, address=" Via Verdi 7, 20121 Milano ")
    reservation = Reservation.objects.get(appointment=appointment)
    assert reservation.solution == shop["pickup"]
    assert reservation.address == "Via Verdi 7, 20121 Milano"
    assert (reservation.departure_at, reservation.return_at) == (  # left once the work was explained (R3.7)
        appointment.drop_off_at + EXPLANATION,
        appointment.promised_return_at,
    )


@pytest.mark.parametrize("address", ["", "Via\x00Verdi", "V" * 201])
def test_r3_8_the_booking_service_refuses_a_missing_or_bad_pick_up_address_writing_nothing(
    milano, shop, address
):
    with pytest.raises(ValidationError) as refused:
        _book(milano, shop, address=address)
    assert list(refused.value.message_dict) == ["mobility_address"]
    assert not Appointment.objects.exists()
    assert not Reservation.objects.exists()


def test_an_address_given_with_another_mobility_is_not_kept(milano, shop):
    appointment = _book(milano, shop, kind=MobilityKind.TAXI, address="Via\x00Verdi")
    assert appointment.mobility_kind == MobilityKind.TAXI
    assert not Reservation.objects.exists()  # a kind the dealership does not plan
