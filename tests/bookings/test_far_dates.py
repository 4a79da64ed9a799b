"""Days and times far out (year 9999, year 1) are field errors, never a 500, at every door that
takes one: the appointment list, the workload API, the load page, booking, rescheduling and the
time chosen on the booking pages. A drop-off past the booking horizon is refused too."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from bookings import services
from bookings.models import Appointment
from config.errors import SlotTaken
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import VehicleFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.availability import JobLine, SlotRequest
from workshop.models import Skill

MONDAY = date(2026, 11, 23)
SERVICE_DAYS_MESSAGE = "Choose a day between 01/01/2000 and 12/31/2099."  # in the user's own form


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(at(MONDAY, "10:00"), tick=False):
        yield


@pytest.fixture
def shop(milano, client, alice):
    giulia = AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    JobFactory(dealership=milano, code="SRV", name="Service", labour_minutes=90)
    client.force_login(alice)
    return {"giulia": giulia, "vehicle": VehicleFactory(customer__dealership=milano)}


def _url(name, **kwargs):
    return reverse(name, kwargs={"dealership_slug": "milano", **kwargs})


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-02"])
@pytest.mark.parametrize("endpoint", ["api_appointment_list", "api_workload"])
def test_lists_name_a_start_day_out_of_the_calendar(client, shop, endpoint, start):
    response = client.get(_url(endpoint), {"start": start, "days": 7})
    assert response.status_code == 400
    assert response.json()["errors"] == {"start": [SERVICE_DAYS_MESSAGE]}


@pytest.mark.parametrize("start", ["9999-12-31", "0001-01-02"])
def test_the_load_page_shows_this_week_for_a_day_out_of_the_calendar(client, shop, start):
    response = client.get(_url("workload_week"), {"start": start})
    assert response.status_code == 200
    assert response.context["monday"] == MONDAY


@pytest.mark.parametrize("drop_off", ["9999-12-31T10:00:00+01:00", "2027-06-01T10:00:00+02:00"])
def test_a_drop_off_past_the_horizon_is_a_field_error_when_booking(client, shop, drop_off):
    body = {
        "customer": shop["vehicle"].customer_id,
        "vehicle": shop["vehicle"].id,
        "advisor": shop["giulia"].id,
        "drop_off": drop_off,
        "jobs": ["SRV"],
    }
    response = client.post(_url("api_appointment_list"), body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"drop_off": ["Appointments can be booked until 01/22/2027."]}
    assert not Appointment.objects.exists()


def test_a_drop_off_past_the_horizon_is_a_field_error_when_rescheduling(client, shop):
    appointment = AppointmentFactory(
        advisor=shop["giulia"], drop_off_at=at(MONDAY + timedelta(days=1), "08:00")
    )
    response = client.post(
        _url("api_appointment_reschedule", appointment_id=appointment.id),
        {"advisor": shop["giulia"].id, "drop_off": "9999-12-31T10:00:00+01:00"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["drop_off"]
    appointment.refresh_from_db()
    assert appointment.drop_off_at == at(MONDAY + timedelta(days=1), "08:00")


def test_a_forged_time_in_year_9999_on_the_phone_page_asks_for_an_offered_time(client, shop):
    vehicle = shop["vehicle"]
    answers = {
        "customer": vehicle.customer_id,
        "vehicle": vehicle.id,
        "kind": "maintenance",
        "jobs": ["SRV"],
        "mobility": "none",
        "extra_skill": "maintenance",
        "proposal": f"{shop['giulia'].id}|9999-12-31T10:00:00+01:00",
    }
    response = client.post(_url("phone_booking"), answers)
    assert response.status_code == 400
    assert "Choose one of the times offered." in response.content.decode()
    assert not Appointment.objects.exists()


def test_every_door_refuses_a_drop_off_past_the_horizon(client, shop):
    # The booking service itself checks the horizon, so a forged page POST cannot pass it either.
    vehicle = shop["vehicle"]
    answers = {
        "customer": vehicle.customer_id,
        "vehicle": vehicle.id,
        "kind": "maintenance",
        "jobs": ["SRV"],
        "mobility": "none",
        "extra_skill": "maintenance",
        "proposal": f"{shop['giulia'].id}|2027-06-01T10:00:00+02:00",
    }
    response = client.post(_url("phone_booking"), answers)
    assert response.status_code == 400
    assert not Appointment.objects.exists()
    with pytest.raises(SlotTaken) as refused:
        services.slot_hold(
            dealership=shop["giulia"].dealership,
            holder="session-1",
            request=SlotRequest(jobs=(JobLine(skill=Skill.MAINTENANCE, minutes=90),), online=True),
            advisor_id=shop["giulia"].id,
            drop_off=at(date(2027, 6, 1), "10:00"),
            now=at(MONDAY, "10:00"),
        )
    assert str(refused.value.message) == "Appointments can be booked until 01/22/2027."
