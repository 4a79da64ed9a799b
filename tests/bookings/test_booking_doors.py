"""The same booking rules at every door: the API refuses what the offer would never propose,
says why it refuses, and says why an offer is empty; times without a UTC offset are refused."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Appointment, AppointmentKind
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import VehicleFactory
from tests.factories.dealerships import ClosureFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.models import Skill, WorkshopPolicy

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(at(MONDAY, "10:00"), tick=False):
        yield


@pytest.fixture
def shop(milano):
    giulia = AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])  # 540 minutes a weekday
    JobFactory(dealership=milano, code="SRV", name="Service", labour_minutes=90)
    return {"giulia": giulia, "vehicle": VehicleFactory(customer__dealership=milano)}


def _url(name, **kwargs):
    return reverse(name, kwargs={"dealership_slug": "milano", **kwargs})


def _book(client, shop, drop_off, **extra):
    body = {
        "customer": shop["vehicle"].customer_id,
        "vehicle": shop["vehicle"].id,
        "advisor": shop["giulia"].id,
        "drop_off": drop_off,
        "jobs": ["SRV"],
        **extra,
    }
    return client.post(_url("api_appointment_list"), body, content_type="application/json")


def _availability(client, **query):
    return client.get(_url("api_availability"), {"jobs": "SRV", **query})


def test_r3_1_a_time_whose_work_would_start_after_closing_on_the_last_day_is_refused(
    client, alice, shop, milano
):
    """18:00 is the last drop-off of the grid: with a half-hour reception the work starts the
    next working morning. On the horizon's last day that morning is past the horizon: the offer
    never proposes the time, and booking it directly is refused, saying why."""
    WorkshopPolicy.objects.create(
        dealership=milano, booking_horizon_days=7, reception_minutes=30, kept_free_minutes_per_hour=0
    )  # the last day open to booking: Monday the 30th
    client.force_login(alice)
    friday_evening = _availability(
        client, window_start="2026-11-27T18:00:00+01:00", window_end="2026-11-27T18:30:00+01:00"
    ).json()["proposals"]
    assert [p["drop_off"] for p in friday_evening] == ["2026-11-27T18:00:00+01:00"]  # work on Monday
    last_day = _availability(
        client, window_start="2026-11-30T17:00:00+01:00", window_end="2026-11-30T18:30:00+01:00"
    ).json()["proposals"]
    assert "2026-11-30T18:00:00+01:00" not in [p["drop_off"] for p in last_day]

    refused = _book(client, shop, "2026-11-30T18:00:00+01:00")
    assert refused.status_code == 409, refused.content
    body = refused.json()
    assert body["reason"] == "work_past_last_day"
    assert body["detail"] == "The work would not be finished by the last day open to booking."
    assert body["errors"] == {"drop_off": [body["detail"]]}
    assert not Appointment.objects.exists()
    assert _book(client, shop, "2026-11-27T18:00:00+01:00").status_code == 201  # as offered


@pytest.mark.parametrize(
    ("naive", "today"),
    [
        ("2026-11-24T08:00:00", MONDAY),  # an ordinary time without its offset
        # A wall-clock time the spring-forward change skips in Rome: read in the local zone it
        # would silently become 03:30.
        ("2027-03-28T02:30:00", date(2027, 3, 22)),
    ],
)
def test_a_time_without_a_utc_offset_is_a_400_naming_the_field(client, alice, shop, naive, today):
    with time_machine.travel(at(today, "10:00"), tick=False):
        client.force_login(alice)  # signed in that day: a session of today's would have expired
        response = _book(client, shop, naive)
    assert response.status_code == 400, response.content
    [message] = response.json()["errors"]["drop_off"]
    assert message == "The time needs its UTC offset, such as +01:00 or Z."
    assert not Appointment.objects.exists()


def test_a_time_without_a_utc_offset_is_refused_by_the_move_and_the_availability_window(client, alice, shop):
    client.force_login(alice)
    booked = _book(client, shop, "2026-11-24T08:00:00+01:00").json()
    move = client.post(
        _url("api_appointment_reschedule", appointment_id=booked["id"]),
        {"advisor": shop["giulia"].id, "drop_off": "2026-11-25T08:00:00"},
        content_type="application/json",
    )
    assert move.status_code == 400
    assert "UTC offset" in move.json()["errors"]["drop_off"][0]
    window = _availability(client, window_start="2026-11-25T08:00:00", window_end="2026-11-25T12:00:00+01:00")
    assert window.status_code == 400
    assert set(window.json()["errors"]) == {"window_start"}


def test_r2_2_a_comeback_booked_through_the_api_is_stored_as_a_comeback(client, alice, shop):
    client.force_login(alice)
    assert _book(client, shop, "2026-11-24T08:00:00+01:00", comeback=True).status_code == 201
    comeback = Appointment.objects.get()
    assert (comeback.kind, comeback.is_comeback) == (AppointmentKind.COMEBACK, True)
    # The kind alone says so too, as on the phone page.
    assert _book(client, shop, "2026-11-24T08:30:00+01:00", kind="comeback").status_code == 201
    assert Appointment.objects.filter(kind=AppointmentKind.COMEBACK, is_comeback=True).count() == 2
    # Without either, a maintenance visit (at 9:30: 9:00 is Giulia's kept-free quarter, R4.3).
    assert _book(client, shop, "2026-11-24T09:30:00+01:00").json()["kind"] == "maintenance"
    contradiction = _book(client, shop, "2026-11-24T10:00:00+01:00", comeback=True, kind="maintenance")
    assert contradiction.status_code == 400
    assert set(contradiction.json()["errors"]) == {"kind"}


def test_r4_8_a_time_the_technicians_cannot_take_is_a_409_that_says_so(client, alice, shop, milano):
    marco = AdvisorFactory(dealership=milano, name="Marco Neri")
    AppointmentFactory(advisor=marco, drop_off_at=at(TUESDAY, "08:00"), labour_minutes=540)
    client.force_login(alice)
    refused = _book(client, shop, "2026-11-24T10:00:00+01:00")  # Giulia is free then
    assert refused.status_code == 409
    body = refused.json()
    assert (body["code"], body["reason"]) == ("slot_taken", "technicians_full")
    assert body["detail"] == "The technicians' hours are fully booked."
    assert "just taken" not in body["detail"]
    assert body["proposals"]
    assert all(p["day"] != "2026-11-24" for p in body["proposals"])  # Tuesday's hours are all booked


def test_a_time_another_booking_took_says_it_was_taken(client, alice, shop, milano):
    AppointmentFactory(advisor=shop["giulia"], drop_off_at=at(TUESDAY, "10:00"))
    client.force_login(alice)
    body = _book(client, shop, "2026-11-24T10:00:00+01:00").json()
    assert (body["reason"], body["detail"]) == ("taken", "That time was just taken.")


def test_r4_3_the_kept_free_quarter_is_refused_as_kept_free(client, alice, shop):
    client.force_login(alice)
    refusals = {
        _book(client, shop, f"2026-11-24T{hour:02d}:{minute:02d}:00+01:00").json().get("reason")
        for hour in (9, 10, 11)
        for minute in (0, 30)
    }
    assert "kept_free" in refusals  # one half-hour of every hour meets the kept-free quarter


def test_r4_4_the_next_times_mention_the_usual_advisor_only_for_a_customer_who_has_one(
    client, alice, shop, milano
):
    AppointmentFactory(advisor=shop["giulia"], drop_off_at=at(TUESDAY, "10:00"))
    client.force_login(alice)
    newcomer = _book(client, shop, "2026-11-24T10:00:00+01:00").json()
    codes = {reason["code"] for p in newcomer["proposals"] for reason in p["reasons"]}
    assert newcomer["proposals"]
    assert "preferred_advisor" not in codes
    assert "With the customer's usual advisor." not in str(newcomer)

    AppointmentFactory(
        advisor=shop["giulia"], vehicle=shop["vehicle"], drop_off_at=at(MONDAY - timedelta(days=40), "09:00")
    )
    regular = _book(client, shop, "2026-11-24T10:00:00+01:00").json()
    assert "preferred_advisor" in {reason["code"] for reason in regular["proposals"][0]["reasons"]}


def test_r4_4_an_empty_offer_says_no_technician_has_the_skill(client, alice, shop, milano):
    JobFactory(dealership=milano, code="HV", name="Battery check", skill=Skill.EV_HIGH_VOLTAGE)
    client.force_login(alice)
    answer = _availability(client, jobs="HV").json()
    assert answer["proposals"] == []
    assert answer["shortfall"] == {
        "code": "no_skill",
        "text": "No technician has the skill this work needs.",
    }
    assert _availability(client).json()["shortfall"] is None  # a service has times


def test_r4_4_an_empty_offer_says_the_horizon_is_fully_booked(client, alice, milano):
    WorkshopPolicy.objects.create(dealership=milano, booking_horizon_days=3)  # Tuesday to Thursday
    giulia = AdvisorFactory(dealership=milano, max_customers_per_day=1, max_online_per_day=1)
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    JobFactory(dealership=milano, code="SRV", labour_minutes=90)
    for day in range(1, 4):
        AppointmentFactory(advisor=giulia, drop_off_at=at(MONDAY + timedelta(days=day), "08:00"))
    client.force_login(alice)
    answer = _availability(client).json()
    assert answer["proposals"] == []
    assert answer["shortfall"] == {"code": "fully_booked", "text": "Every time open to booking is taken."}


def test_r4_4_an_empty_offer_says_the_workshop_is_closed(client, alice, shop, milano):
    WorkshopPolicy.objects.create(dealership=milano, booking_horizon_days=10)
    ClosureFactory(dealership=milano, start_date=MONDAY, end_date=MONDAY + timedelta(days=10), reason="Works")
    client.force_login(alice)
    answer = _availability(client).json()
    assert answer["proposals"] == []
    assert answer["shortfall"]["code"] == "closed_throughout"
    assert answer["shortfall"]["text"] == "The workshop is closed on every day open to booking."


def test_the_schema_documents_the_refusals_and_the_nullable_fields(client, alice):
    client.force_login(alice)
    schema = client.get("/api/schema/", {"format": "json"}).json()
    components = schema["components"]["schemas"]
    assert components["Availability"]["properties"]["shortfall"]["nullable"] is True
    refused = schema["paths"]["/api/v1/dealerships/{dealership_slug}/appointments/"]["post"]["responses"][
        "409"
    ]
    assert refused["content"]["application/json"]["schema"]["$ref"].endswith("/BookingRefused")
    assert {"reason", "proposals"} <= set(components["BookingRefused"]["properties"])
    job = components["AppointmentJob"]["properties"]
    assert job["campaign_code"]["nullable"] is True
    assert job["job_code"]["nullable"] is True
    transition = components["Transition"]["properties"]
    assert transition["by"]["nullable"] is True
    assert transition["previous_drop_off_at"]["nullable"] is True
    book = components["Book"]["properties"]
    assert book["extra_description"]["maxLength"] == 200
    assert book["customer_requests"]["maxLength"] == 2000


def _call(shop, **extra):
    return {
        "customer": shop["vehicle"].customer_id,
        "vehicle": shop["vehicle"].id,
        "kind": "maintenance",
        "jobs": ["SRV"],
        "extra_skill": "maintenance",
        "mobility": "none",
        "find": "1",
        **extra,
    }


def test_r4_4_the_phone_page_says_why_no_time_is_free(client, alice, shop, milano):
    JobFactory(dealership=milano, code="HV", name="Battery check", skill=Skill.EV_HIGH_VOLTAGE)
    client.force_login(alice)
    page = client.get(
        reverse("phone_booking", kwargs={"dealership_slug": "milano"}), _call(shop, jobs=["HV"])
    )
    text = page.content.decode()
    assert 'name="proposal"' not in text
    assert "No technician has the skill this work needs." in text


def test_r4_8_the_phone_page_says_why_the_chosen_time_is_refused(client, alice, shop, milano):
    marco = AdvisorFactory(dealership=milano, name="Marco Neri")
    AppointmentFactory(advisor=marco, drop_off_at=at(TUESDAY, "08:00"), labour_minutes=540)
    client.force_login(alice)
    page = client.post(
        reverse("phone_booking", kwargs={"dealership_slug": "milano"}),
        {**_call(shop), "proposal": f"{shop['giulia'].id}|2026-11-24T10:00:00+01:00"},
        follow=True,
    )
    text = page.content.decode()
    assert "The technicians&#x27; hours are fully booked. Here are the next free times." in text
    assert 'name="proposal"' in text
    assert Appointment.objects.count() == 1  # Marco's only
