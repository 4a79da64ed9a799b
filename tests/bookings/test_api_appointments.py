"""The appointments API: booking a proposal, idempotency, the 409 with the next proposals,
rescheduling, transitions, lists in a fixed number of queries, permissions and walls."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Appointment, AppointmentStatus
from dealerships.models import Role
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import VehicleFactory
from tests.factories.dealerships import ClosureFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.models import Skill

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(at(MONDAY, "10:00"), tick=False):
        yield


@pytest.fixture
def shop(milano):
    giulia = AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE, Skill.DIAGNOSIS])
    JobFactory(dealership=milano, code="SRV", name="Service", labour_minutes=90)
    return {"giulia": giulia, "vehicle": VehicleFactory(customer__dealership=milano)}


def _url(name, **kwargs):
    return reverse(name, kwargs={"dealership_slug": "milano", **kwargs})


def _first_proposal(client):
    return client.get(_url("api_availability"), {"jobs": "SRV"}).json()["proposals"][0]


def _booking(shop, proposal, **extra):
    return {
        "customer": shop["vehicle"].customer_id,
        "vehicle": shop["vehicle"].id,
        "advisor": proposal["advisor"]["id"],
        "drop_off": proposal["drop_off"],
        "jobs": ["SRV"],
        **extra,
    }


def _post(client, name, body, headers=None, **kwargs):
    return client.post(_url(name, **kwargs), body, content_type="application/json", headers=headers)


def test_an_operator_books_the_proposal_the_customer_chose(client, alice, shop):
    client.force_login(alice)
    proposal = _first_proposal(client)
    response = _post(
        client,
        "api_appointment_list",
        _booking(shop, proposal, customer_requests="Brakes squeak", test_drive_needed=True),
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["drop_off_at"] == proposal["drop_off"] == "2026-11-24T08:00:00+01:00"
    assert body["promised_return_at"] == proposal["promised_return"]
    assert body["status"] == "booked"
    assert body["advisor"] == "Giulia Conti"
    assert body["jobs"] == [
        {
            "description": "Service",
            "skill": "maintenance",
            "labour_minutes": 90,
            "job_code": "SRV",
            "campaign_code": None,
        }
    ]
    detail = client.get(_url("api_appointment_detail", appointment_id=body["id"])).json()
    assert [(h["from_status"], h["to_status"], h["by"]) for h in detail["history"]] == [
        ("", "booked", "alice")
    ]
    # The time is gone from the next offer. 08:30 and 09:00 are the quarters Giulia keeps free
    # for urgent work (R4.3, on grid times), so the earliest is now 09:30.
    assert _first_proposal(client)["drop_off"] == "2026-11-24T09:30:00+01:00"


def test_a_retried_request_with_the_same_idempotency_key_books_once(client, alice, shop):
    client.force_login(alice)
    body = _booking(shop, _first_proposal(client))
    first = _post(client, "api_appointment_list", body, headers={"Idempotency-Key": "call-42"})
    again = _post(client, "api_appointment_list", body, headers={"Idempotency-Key": "call-42"})
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Appointment.objects.count() == 1
    different = _post(
        client,
        "api_appointment_list",
        {**body, "jobs": []} | {"extra_minutes": 30},
        headers={"Idempotency-Key": "call-42"},
    )
    assert different.status_code == 422
    assert different.json()["code"] == "idempotency_key_reused"
    assert Appointment.objects.count() == 1
    # Another time that is free: the booking it would make is rolled back, not kept.
    other_time = client.get(_url("api_availability"), {"jobs": "SRV"}).json()["proposals"][0]
    elsewhere = _post(
        client, "api_appointment_list", _booking(shop, other_time), headers={"Idempotency-Key": "call-42"}
    )
    assert elsewhere.status_code == 422
    assert Appointment.objects.count() == 1


def test_an_idempotency_key_longer_than_is_kept_is_a_field_error(client, alice, shop):
    client.force_login(alice)
    body = _booking(shop, _first_proposal(client))
    response = _post(client, "api_appointment_list", body, headers={"Idempotency-Key": "k" * 101})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "idempotency_key": ["An Idempotency-Key has at most 100 characters."]
    }
    assert not Appointment.objects.exists()
    assert (
        _post(client, "api_appointment_list", body, headers={"Idempotency-Key": "k" * 100}).status_code == 201
    )


def test_a_time_just_taken_is_a_409_with_the_next_proposals(client, alice, shop, milano):
    client.force_login(alice)
    proposal = _first_proposal(client)
    other = VehicleFactory(customer__dealership=milano)
    assert _post(client, "api_appointment_list", _booking(shop, proposal)).status_code == 201
    late = _post(
        client,
        "api_appointment_list",
        {**_booking(shop, proposal), "customer": other.customer_id, "vehicle": other.id},
    )
    assert late.status_code == 409
    body = late.json()
    assert body["code"] == "slot_taken"
    assert body["proposals"]
    assert proposal["drop_off"] not in [p["drop_off"] for p in body["proposals"]]
    assert Appointment.objects.count() == 1


def test_r4_4_the_next_proposals_after_a_time_taken_start_from_the_time_asked_for(
    client, alice, shop, milano
):
    # Thursday 10:00 is taken; the caller hears the times after it, not Tuesday morning's.
    client.force_login(alice)
    thursday_ten = at(TUESDAY + timedelta(days=2), "10:00")
    AppointmentFactory(advisor=shop["giulia"], drop_off_at=thursday_ten)
    other = VehicleFactory(customer__dealership=milano)
    late = _post(
        client,
        "api_appointment_list",
        {
            **_booking(shop, {"advisor": {"id": shop["giulia"].id}, "drop_off": thursday_ten.isoformat()}),
            "customer": other.customer_id,
            "vehicle": other.id,
        },
    )
    assert late.status_code == 409
    drop_offs = [p["drop_off"] for p in late.json()["proposals"]]
    # The next slot of the grid that is not one of Giulia's kept-free quarters (10:30, 11:00: R4.3).
    assert drop_offs[0] == "2026-11-26T11:30:00+01:00"
    assert all(d > thursday_ten.isoformat() for d in drop_offs)
    # Asking for availability afresh still starts at the earliest (R4.1).
    assert _first_proposal(client)["drop_off"] == "2026-11-24T08:00:00+01:00"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"vehicle": 999999}, "vehicle"),
        ({"customer": 999999}, "customer"),
        ({"drop_off": "2026-11-20T08:00:00+01:00"}, "drop_off"),
        ({"drop_off": "tomorrow"}, "drop_off"),
        ({"jobs": ["NOPE"]}, "jobs"),
        ({"jobs": []}, "jobs"),
        ({"advisor": 999999}, "advisor"),
        ({"mileage_km": -5}, "mileage_km"),
        ({"channel": "pigeon"}, "channel"),
    ],
)
def test_bad_bookings_are_400s_naming_the_field_and_write_nothing(client, alice, shop, change, field):
    client.force_login(alice)
    response = _post(client, "api_appointment_list", {**_booking(shop, _first_proposal(client)), **change})
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Appointment.objects.exists()


def test_a_vehicle_of_another_customer_is_refused(client, alice, shop, milano):
    client.force_login(alice)
    stranger = VehicleFactory(customer__dealership=milano)
    response = _post(
        client, "api_appointment_list", {**_booking(shop, _first_proposal(client)), "vehicle": stranger.id}
    )
    assert response.status_code == 400
    assert "vehicle" in response.json()["errors"]


def test_r1_2_a_customer_of_another_dealership_is_unknown_here(client, alice, shop, sevilla):
    client.force_login(alice)
    foreign = VehicleFactory(customer__dealership=sevilla)
    body = {**_booking(shop, _first_proposal(client)), "customer": foreign.customer_id, "vehicle": foreign.id}
    response = _post(client, "api_appointment_list", body)
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"customer", "vehicle"}


def test_only_a_workshop_manager_books_beyond_the_maximum(client, alice, member_of, shop):
    client.force_login(alice)
    body = _booking(shop, _first_proposal(client), capacity_override_reason="VIP")
    assert _post(client, "api_appointment_list", body).status_code == 403
    client.force_login(member_of(Role.WORKSHOP_MANAGER))
    assert _post(client, "api_appointment_list", body).status_code == 201


def test_reschedule_cancel_and_the_lifecycle_over_http(client, alice, member_of, shop):
    client.force_login(alice)
    proposal = _first_proposal(client)
    appointment_id = _post(client, "api_appointment_list", _booking(shop, proposal)).json()["id"]
    later = client.get(_url("api_availability"), {"jobs": "SRV", "wished_date": "2026-11-27"}).json()[
        "proposals"
    ][-1]
    moved = _post(
        client,
        "api_appointment_reschedule",
        {"advisor": later["advisor"]["id"], "drop_off": later["drop_off"], "reason": "customer asked"},
        appointment_id=appointment_id,
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["local_day"] == "2026-11-27"
    assert moved.json()["history"][-1]["kind"] == "rescheduled"

    illegal = _post(
        client, "api_appointment_transition", {"status": "delivered"}, appointment_id=appointment_id
    )
    assert illegal.status_code == 409  # booked -> delivered skips the workshop
    assert illegal.json()["code"] == "illegal_transition"
    client.force_login(member_of(Role.RESERVATION_OPERATOR))
    assert (
        _post(
            client, "api_appointment_transition", {"status": "arrived"}, appointment_id=appointment_id
        ).status_code
        == 403
    )
    no_reason = _post(
        client, "api_appointment_transition", {"status": "cancelled"}, appointment_id=appointment_id
    )
    assert no_reason.status_code == 400
    assert "reason" in no_reason.json()["errors"]
    cancelled = _post(
        client,
        "api_appointment_transition",
        {"status": "cancelled", "reason": "car sold"},
        appointment_id=appointment_id,
    )
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "car sold"
    again = _post(
        client, "api_appointment_transition", {"status": "confirmed"}, appointment_id=appointment_id
    )
    assert again.status_code == 409
    assert again.json()["code"] == "illegal_transition"
    moving_a_cancelled_one = _post(
        client,
        "api_appointment_reschedule",
        {"advisor": later["advisor"]["id"], "drop_off": later["drop_off"]},
        appointment_id=appointment_id,
    )
    assert moving_a_cancelled_one.status_code == 409


def test_the_day_list_runs_a_fixed_number_of_queries(client, alice, shop, django_assert_num_queries):
    client.force_login(alice)
    AppointmentFactory(advisor=shop["giulia"], drop_off_at=at(TUESDAY, "08:00"))
    client.get(_url("api_appointment_list"), {"start": "2026-11-24"})

    def count():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            rows = client.get(_url("api_appointment_list"), {"start": "2026-11-24"}).json()
        return len(rows), len(captured)

    one, few = count()
    for clock in ("09:00", "10:00", "11:00", "14:00", "15:00"):
        AppointmentFactory(advisor=shop["giulia"], drop_off_at=at(TUESDAY, clock))
    six, many = count()
    assert (one, six) == (1, 6)
    assert many == few


def test_the_list_filters_by_advisor_and_status(client, alice, shop, milano):
    marco = AdvisorFactory(dealership=milano, name="Marco")
    AppointmentFactory(advisor=shop["giulia"], drop_off_at=at(TUESDAY, "08:00"))
    AppointmentFactory(advisor=marco, drop_off_at=at(TUESDAY, "08:00"), status=AppointmentStatus.CANCELLED)
    client.force_login(alice)
    rows = client.get(_url("api_appointment_list"), {"start": "2026-11-24", "advisor": marco.id}).json()
    assert [r["advisor"] for r in rows] == ["Marco"]
    rows = client.get(_url("api_appointment_list"), {"start": "2026-11-24", "status": "booked"}).json()
    assert [r["advisor"] for r in rows] == ["Giulia Conti"]
    assert client.get(_url("api_appointment_list"), {"days": 99}).status_code == 400


def test_a_technician_cannot_book(client, member_of, shop):
    client.force_login(member_of(Role.TECHNICIAN))
    assert client.get(_url("api_appointment_list")).status_code == 403


def test_a_booking_runs_a_fixed_short_list_of_statements(client, alice, shop, milano):
    """bench/booking.py: every statement on the booking path is a round trip on every booking.
    The capacity settings come from memory under the version the tenant check read, what is
    taken comes from the capacity ledger and the chosen advisor's holds (no reception is read),
    and the booking makes no savepoint inside the request's transaction."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(alice)
    other = VehicleFactory(customer__dealership=milano)
    offer = client.get(_url("api_availability"), {"jobs": "SRV", "alternatives": 2}).json()
    first, second = offer["proposals"][:2]
    first_booking = _post(client, "api_appointment_list", _booking(shop, first))  # makes the day's lock row
    assert first_booking.status_code == 201
    booking = {**_booking(shop, second), "customer": other.customer_id, "vehicle": other.id}
    with CaptureQueriesContext(connection) as captured:
        response = _post(client, "api_appointment_list", booking, headers={"Idempotency-Key": "k-1"})
    assert response.status_code == 201, response.content
    statements = [query["sql"] for query in captured]
    assert not [sql for sql in statements if "capacity_version" in sql]
    [taken] = [sql for sql in statements if "reception_ends_at" in sql and sql.startswith("SELECT")]
    assert "bookings_capacitylock" in taken
    assert "advisor_id = " in taken
    assert not [sql for sql in statements if sql.startswith("SELECT") and '"bookings_appointment"' in sql]
    # The test's own transaction makes idempotent()'s block a savepoint: that one pair only.
    assert sum(sql.startswith("SAVEPOINT") for sql in statements) == 1
    # The user, the tenant check, the vehicle with its owner, open campaigns; the savepoint;
    # the day lock (with the day's capacity ledger), what is taken (the ledger of the days the
    # work may run to, and the live holds); seven inserts (appointment, its audit-trail copy,
    # labour, job, history, the outbox's messages, key) and the ledger's update; the release.
    # (Sessions come from Redis when there is one.) The audit trail (audit/) copies the saved
    # appointment with who booked it: one INSERT. The follow-ups (followups/) link the booking
    # to the reminders that led to it (R7.5: their rules' attribution window, the customer's
    # recent contacts, their open call tasks, locked): three reads.
    without_sessions = [sql for sql in statements if "django_session" not in sql]
    assert len(without_sessions) == 19, "\n".join(without_sessions)


def test_r4_2_a_closure_is_seen_by_the_next_request(client, alice, shop, milano):
    """The settings are kept in memory under the version the request's tenant check read: a
    change made meanwhile (here a closure, by another process or request) gives a new version."""
    client.force_login(alice)
    assert _first_proposal(client)["day"] == "2026-11-24"
    ClosureFactory(dealership=milano, start_date=TUESDAY, end_date=TUESDAY, reason="Sant'Ambrogio")
    assert _first_proposal(client)["day"] == "2026-11-25"
    proposal = {"advisor": {"id": shop["giulia"].id}, "drop_off": at(TUESDAY, "08:00").isoformat()}
    assert _post(client, "api_appointment_list", _booking(shop, proposal)).status_code == 409
