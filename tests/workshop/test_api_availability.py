"""The availability and workload endpoints: the double offer over HTTP, bad input, walls."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from customers.models import CampaignVin
from dealerships.models import Role
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CampaignFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.models import Advisor, Skill

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(at(MONDAY, "10:00"), tick=False):
        yield


@pytest.fixture
def milano_workshop(milano):
    AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE, Skill.DIAGNOSIS])
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    JobFactory(dealership=milano, code="SRV-15K", name="15,000 km service", labour_minutes=90)
    JobFactory(dealership=milano, code="DIAG", name="Diagnosis", labour_minutes=60, skill=Skill.DIAGNOSIS)
    JobFactory(dealership=milano, code="CLUTCH", name="Clutch", labour_minutes=600)
    return milano


def _get(client, name, slug="milano", headers=None, **params):
    return client.get(reverse(name, kwargs={"dealership_slug": slug}), params, headers=headers)


def test_r4_4_the_double_offer_over_http(client, alice, milano_workshop):
    client.force_login(alice)
    response = _get(client, "api_availability", jobs=["SRV-15K"])
    assert response.status_code == 200
    body = response.json()
    assert body["labour_minutes"] == 90
    first, second = body["proposals"]
    # Local times with the dealership's offset (R4.1: Tuesday 8:00, the earliest; no same day).
    assert first["drop_off"] == "2026-11-24T08:00:00+01:00"
    assert first["promised_return"] == "2026-11-24T10:00:00+01:00"  # R4.7
    assert first["advisor"]["name"] == "Giulia Conti"
    assert {first["period"], second["period"]} == {"quiet", "busy"}
    assert body["proposals"][body["busy"]]["period"] == "busy"
    assert body["proposals"][body["quiet"]]["period"] == "quiet"
    assert first["reasons"][0] == {"code": "earliest", "text": "The earliest possible time."}


def test_r4_5_a_long_job_is_offered_an_evening_drop_off(client, alice, milano_workshop):
    client.force_login(alice)
    first = _get(client, "api_availability", jobs=["CLUTCH"]).json()["proposals"][0]
    # 16:30 and 17:00 are Giulia's kept-free quarters of those hours (R4.3): 17:30 is the first.
    assert first["drop_off"] == "2026-11-23T17:30:00+01:00"
    assert first["work_starts"] == "2026-11-24T08:00:00+01:00"
    assert "evening_drop_off" in [r["code"] for r in first["reasons"]]


def test_r2_4_a_vehicle_brings_its_open_campaigns_into_the_labour(client, alice, milano_workshop):
    vehicle = VehicleFactory(customer__dealership=milano_workshop)
    campaign = CampaignFactory(dealership=milano_workshop, labour_minutes=45, starts_on=date(2026, 1, 1))
    CampaignVin.objects.create(dealership=milano_workshop, campaign=campaign, vin=vehicle.vin)
    client.force_login(alice)
    body = _get(client, "api_availability", jobs=["SRV-15K"], vehicle=vehicle.id).json()
    assert body["labour_minutes"] == 135  # the 90-minute service and the campaign's 45 minutes


def test_r4_6_urgent_same_day_and_extra_labour(client, alice, milano_workshop):
    client.force_login(alice)
    body = _get(client, "api_availability", extra_minutes=30, extra_skill="diagnosis", urgent="true").json()
    first = body["proposals"][0]
    assert first["day"] == "2026-11-23"
    assert "same_day_urgent" in [r["code"] for r in first["reasons"]]


def test_alternatives_and_customer_window(client, alice, milano_workshop):
    client.force_login(alice)
    body = _get(
        client,
        "api_availability",
        jobs=["DIAG"],
        window_start="2026-11-26T14:00:00+01:00",
        window_end="2026-11-26T18:30:00+01:00",
        alternatives=2,
    ).json()
    # Giulia keeps one drop-off time of each hour free (R4.3): four of the nine times are hers.
    assert len(body["proposals"]) == 4
    assert all(p["day"] == "2026-11-26" for p in body["proposals"])
    assert all("14:00" <= p["drop_off"][11:16] < "18:30" for p in body["proposals"])


def test_r4_8_an_offer_in_a_window_lays_its_labour_past_the_window(client, alice, milano_workshop):
    # Friday evening's drop-off for the clutch (R4.5): ten hours of work that the two
    # technicians finish on Tuesday morning, days the window does not name but the offer reads.
    friday = MONDAY + timedelta(days=4)
    client.force_login(alice)
    body = _get(
        client,
        "api_availability",
        jobs=["CLUTCH"],
        window_start=f"{friday.isoformat()}T16:00:00+01:00",
        window_end=f"{friday.isoformat()}T18:30:00+01:00",
    ).json()
    first = body["proposals"][0]
    assert first["drop_off"] == "2026-11-27T17:30:00+01:00"  # 16:30 and 17:00 are kept free
    assert first["work_starts"] == "2026-11-30T08:00:00+01:00"
    assert first["promised_return"] == "2026-12-01T09:00:00+01:00"


def test_no_capacity_is_an_empty_offer_not_an_error(client, alice, milano):
    AdvisorFactory(dealership=milano)  # nobody to do the work: no technicians
    JobFactory(dealership=milano, code="SRV")
    client.force_login(alice)
    response = _get(client, "api_availability", jobs=["SRV"])
    assert response.status_code == 200
    assert response.json()["proposals"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"jobs": ["NOPE"]}, "jobs"),
        ({}, "jobs"),
        ({"extra_minutes": 0}, "extra_minutes"),
        ({"extra_minutes": 999999}, "extra_minutes"),
        ({"jobs": ["DIAG"], "extra_skill": "juggling"}, "extra_skill"),
        ({"jobs": ["DIAG"], "alternatives": 99}, "alternatives"),
        ({"jobs": ["DIAG"], "window_start": "2026-11-26T14:00:00+01:00"}, "window_end"),
        (
            {
                "jobs": ["DIAG"],
                "window_start": "2026-11-26T14:00:00+01:00",
                "window_end": "2026-11-26T13:00:00+01:00",
            },
            "window_end",
        ),
        (
            {
                "jobs": ["DIAG"],
                "window_start": "2026-11-20T14:00:00+01:00",
                "window_end": "2026-11-20T15:00:00+01:00",
            },
            "window_end",
        ),
        (
            {
                "jobs": ["DIAG"],
                "window_start": "2027-06-01T14:00:00+02:00",
                "window_end": "2027-06-01T15:00:00+02:00",
            },
            "window_start",
        ),
        ({"jobs": ["DIAG"], "wished_date": "2026-11-01"}, "wished_date"),
        ({"jobs": ["DIAG"], "wished_date": "2027-11-01"}, "wished_date"),
        ({"jobs": ["DIAG"], "wished_date": "someday"}, "wished_date"),
        ({"jobs": ["DIAG"], "advisor": 987654}, "advisor"),
        ({"jobs": ["DIAG"], "vehicle": 987654}, "vehicle"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, alice, milano_workshop, params, field):
    client.force_login(alice)
    response = _get(client, "api_availability", **params)
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]


def test_r1_2_an_advisor_or_vehicle_of_another_dealership_is_unknown_here(
    client, alice, milano_workshop, sevilla
):
    sevilla_advisor = AdvisorFactory(dealership=sevilla, name="Asesora Secreta")
    sevilla_vehicle = VehicleFactory(customer__dealership=sevilla)
    client.force_login(alice)
    response = _get(
        client, "api_availability", jobs=["DIAG"], advisor=sevilla_advisor.id, vehicle=sevilla_vehicle.id
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"advisor", "vehicle"}
    assert "Secreta" not in response.content.decode()


def test_errors_speak_the_users_language(client, alice, milano_workshop):
    client.force_login(alice)
    response = _get(client, "api_availability", jobs=["NOPE"], headers={"accept-language": "it"})
    assert response.json()["errors"]["jobs"] == ["Lavorazione sconosciuta: NOPE."]


def test_a_technician_may_not_ask_for_availability_but_may_read_the_load(client, member_of, milano_workshop):
    client.force_login(member_of(Role.TECHNICIAN))
    assert _get(client, "api_availability", jobs=["DIAG"]).status_code == 403
    assert _get(client, "api_workload").status_code == 200


def test_r4_2_only_a_workshop_manager_may_ask_beyond_the_maximum(client, alice, member_of, milano_workshop):
    client.force_login(alice)
    refused = _get(client, "api_availability", jobs=["DIAG"], beyond_maximum="true")
    assert refused.status_code == 403
    assert "workshop manager" in refused.json()["detail"]
    client.force_login(member_of(Role.WORKSHOP_MANAGER))
    assert _get(client, "api_availability", jobs=["DIAG"], beyond_maximum="true").status_code == 200


def test_workload_counts_bookings_made_beyond_the_maximum(client, alice, milano_workshop):
    giulia = Advisor.objects.get(dealership=milano_workshop, name="Giulia Conti")
    AppointmentFactory(
        advisor=giulia, drop_off_at=at(TUESDAY, "10:00"), capacity_override_reason="VIP customer"
    )
    client.force_login(alice)
    tuesday = _get(client, "api_workload", start="2026-11-24", days=1).json()[0]
    assert tuesday["advisors"][0]["booked_beyond_maximum"] == 1


def test_availability_runs_a_fixed_number_of_queries(client, alice, milano_workshop):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(alice)
    advisor = AdvisorFactory(dealership=milano_workshop, name="Marco")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert _get(client, "api_availability", jobs=["SRV-15K"]).status_code == 200
        return len(captured)

    cold = queries()  # the weekly capacity is read once, then kept in memory
    few = queries()
    for day in range(1, 4):
        for clock in ("09:00", "10:00", "11:00", "14:00", "15:00"):
            AppointmentFactory(advisor=advisor, drop_off_at=at(MONDAY + timedelta(days=day), clock))
    assert queries() == few < cold
    assert few <= 15


def test_r4_3_workload_shows_bookings_against_maxima_labour_and_kept_free_time(
    client, alice, milano_workshop
):
    giulia = Advisor.objects.get(dealership=milano_workshop, name="Giulia Conti")
    AppointmentFactory(advisor=giulia, drop_off_at=at(TUESDAY, "08:00"), labour_minutes=120)
    # Her kept-free quarter of the 9 o'clock hour, a drop-off time only urgent work takes.
    AppointmentFactory(advisor=giulia, drop_off_at=at(TUESDAY, "09:00"))
    client.force_login(alice)
    days = _get(client, "api_workload", start="2026-11-24", days=2).json()
    tuesday = days[0]
    assert tuesday["day"] == "2026-11-24"
    assert tuesday["booked_customers"] == 2
    assert tuesday["max_customers"] == 8
    advisor = tuesday["advisors"][0]
    # A quarter of an hour kept in each of her ten hours (R4.3); the 9:00 urgent car took one.
    assert advisor["kept_free_minutes"] == 150
    assert advisor["kept_free_minutes_left"] == 135
    maintenance = next(s for s in tuesday["skills"] if s["skill"] == "maintenance")
    # Two hours and one hour booked, against two technicians' nine hours.
    assert maintenance == {"skill": "maintenance", "booked_minutes": 180, "capacity_minutes": 1080}
    assert days[1]["booked_customers"] == 0


def test_workload_bad_input(client, alice, milano_workshop):
    client.force_login(alice)
    assert "days" in _get(client, "api_workload", days=0).json()["errors"]
    assert "start" in _get(client, "api_workload", start="yesterday").json()["errors"]


def test_catalogue_and_advisors_are_listed(client, alice, milano_workshop, sevilla):
    JobFactory(dealership=sevilla, code="SEV-ONLY")
    client.force_login(alice)
    codes = [job["code"] for job in _get(client, "api_job_list").json()]
    assert sorted(codes) == ["CLUTCH", "DIAG", "SRV-15K"]
    assert [a["name"] for a in _get(client, "api_advisor_list").json()] == ["Giulia Conti"]


def test_the_schema_documents_availability(client, alice):
    client.force_login(alice)
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    path = schema["paths"]["/api/v1/dealerships/{dealership_slug}/availability/"]["get"]
    assert {p["name"] for p in path["parameters"]} >= {
        "jobs",
        "urgent",
        "comeback",
        "window_start",
        "alternatives",
    }
