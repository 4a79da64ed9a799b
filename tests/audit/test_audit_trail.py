"""The audit trail: who changed what and when, for appointments, customers, vehicles and the
capacity settings; shown to managers on each record, to nobody else, never across the wall; and
an erased customer's personal data gone from it too."""

from datetime import date, time

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import Actor
from bookings.models import Appointment, AppointmentStatus
from customers import services as customer_services
from customers.models import Customer, Vehicle
from dealerships.models import Closure, OpeningHours, Role
from dealerships.services import OpeningInterval, opening_hours_replace
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.dealerships import MembershipFactory, UserFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.models import AdvisorShift, Skill, WorkshopPolicy
from workshop.selectors import workshop_policy_get
from workshop.services import advisor_save

MONDAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(at(MONDAY, "10:00"), tick=True):
        yield


@pytest.fixture
def manager(milano):
    user = UserFactory(username="mara", first_name="Mara", last_name="Manager", language="en")
    MembershipFactory(user=user, dealership=milano, role=Role.DEALER_MANAGER)
    return user


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def shop(milano):
    giulia = AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    JobFactory(dealership=milano, code="SRV", name="Service", labour_minutes=90)
    return {"giulia": giulia, "vehicle": VehicleFactory(customer__dealership=milano)}


def _url(name, slug="milano", **kwargs):
    return reverse(name, kwargs={"dealership_slug": slug, **kwargs})


def _api(client, name, body, method="post", **kwargs):
    return getattr(client, method)(_url(name, **kwargs), body, content_type="application/json")


def _book(client, shop, pick=0):
    proposals = client.get(_url("api_availability"), {"jobs": "SRV", "alternatives": 2}).json()["proposals"]
    proposal = proposals[pick]
    response = _api(
        client,
        "api_appointment_list",
        {
            "customer": shop["vehicle"].customer_id,
            "vehicle": shop["vehicle"].id,
            "advisor": proposal["advisor"]["id"],
            "drop_off": proposal["drop_off"],
            "jobs": ["SRV"],
        },
    )
    assert response.status_code == 201, response.content
    return Appointment.objects.get(id=response.json()["id"]), proposals


def _history(model, **filters):
    return list(model.history.filter(**filters).order_by("history_date", "history_id"))


def test_booking_moving_and_cancelling_an_appointment_each_leave_an_entry(client, alice, shop, milano):
    client.force_login(alice)
    appointment, proposals = _book(client, shop)
    moved = _api(
        client,
        "api_appointment_reschedule",
        {"advisor": proposals[1]["advisor"]["id"], "drop_off": proposals[1]["drop_off"]},
        appointment_id=appointment.id,
    )
    assert moved.status_code == 200, moved.content
    cancelled = _api(
        client,
        "api_appointment_transition",
        {"status": "cancelled", "reason": "Sold the car"},
        appointment_id=appointment.id,
    )
    assert cancelled.status_code == 200, cancelled.content

    booked, rescheduled, status_changed = _history(Appointment, id=appointment.id)
    assert [h.history_type for h in (booked, rescheduled, status_changed)] == ["+", "~", "~"]
    for entry in (booked, rescheduled, status_changed):
        assert entry.history_user == alice
        assert entry.dealership_id == milano.id
        assert entry.history_actor == Actor.STAFF
    assert {c.field for c in rescheduled.diff_against(booked).changes} >= {"drop_off_at"}
    assert rescheduled.drop_off_at.isoformat() != booked.drop_off_at.isoformat()
    assert status_changed.status == AppointmentStatus.CANCELLED
    assert status_changed.cancel_reason == "Sold the car"


def test_a_manager_reads_who_changed_the_appointment_on_its_page(client, alice, manager, shop):
    client.force_login(alice)
    appointment, _ = _book(client, shop)
    _api(
        client,
        "api_appointment_transition",
        {"status": "cancelled", "reason": "Sold the car"},
        appointment_id=appointment.id,
    )
    client.force_login(manager)
    page = client.get(_url("appointment_detail", appointment_id=appointment.id)).content.decode()
    assert 'id="audit-title"' in page
    assert "Alice Advisor" in page
    # The change with the field's name and both values, as the reader's language writes them.
    assert '<th scope="row">Status</th><td>Booked</td><td>Cancelled</td>' in page
    assert "Sold the car" in page


def test_an_advisor_or_an_operator_sees_no_audit_trail(client, alice, member_of, shop):
    client.force_login(alice)
    appointment, _ = _book(client, shop)
    page = client.get(_url("appointment_detail", appointment_id=appointment.id)).content.decode()
    assert 'id="audit-title"' not in page
    operator = member_of(Role.RESERVATION_OPERATOR)
    for user in (alice, operator):
        client.force_login(user)
        assert client.get(_url("audit_capacity")).status_code == 403
        assert client.get(_url("audit_vehicle", vehicle_id=shop["vehicle"].id)).status_code == 403
        file_page = client.get(_url("customer_detail", customer_id=shop["vehicle"].customer_id))
        assert 'id="audit-title"' not in file_page.content.decode()


def test_editing_the_customer_is_on_the_file_for_the_manager(client, alice, manager, milano):
    customer = CustomerFactory(dealership=milano, family_name="Rossi", given_name="Giulia")
    client.force_login(alice)
    response = _api(client, "api_customer_detail", {"city": "Monza"}, method="patch", customer_id=customer.id)
    assert response.status_code == 200, response.content
    [_created, changed] = _history(Customer, id=customer.id)
    assert changed.history_user == alice
    assert changed.dealership_id == milano.id
    assert [c.field for c in changed.diff_against(_created).changes] == ["city"]

    client.force_login(manager)
    page = client.get(_url("customer_detail", customer_id=customer.id)).content.decode()
    assert '<th scope="row">City</th><td>—</td><td>Monza</td>' in page
    assert "Alice Advisor" in page


def test_editing_the_vehicle_is_on_its_history_page(client, alice, manager, milano):
    vehicle = VehicleFactory(customer__dealership=milano, plate="FG 123 HJ", mileage_km=None)
    client.force_login(alice)
    response = _api(
        client, "api_vehicle_detail", {"plate": "GH 456 JK"}, method="patch", vehicle_id=vehicle.id
    )
    assert response.status_code == 200, response.content
    changed = _history(Vehicle, id=vehicle.id)[-1]
    assert (changed.history_user, changed.dealership_id, changed.plate) == (alice, milano.id, "GH 456 JK")

    client.force_login(manager)
    file_page = client.get(_url("customer_detail", customer_id=vehicle.customer_id)).content.decode()
    assert _url("audit_vehicle", vehicle_id=vehicle.id) in file_page
    page = client.get(_url("audit_vehicle", vehicle_id=vehicle.id)).content.decode()
    assert '<th scope="row">Registration plate</th><td>FG 123 HJ</td><td>GH 456 JK</td>' in page


def _policy_form(policy, **changes):
    data = {}
    for name in (
        "slot_minutes",
        "reception_minutes",
        "kept_free_minutes_per_hour",
        "full_day_labour_minutes",
        "comeback_window_hours",
        "peak_load_percent",
        "booking_horizon_days",
    ):
        data[name] = getattr(policy, name)
    for name in ("evening_drop_off", "peak_hours_start", "peak_hours_end"):
        data[name] = getattr(policy, name).strftime("%H:%M")
    return {**data, **changes}


def test_a_capacity_setting_changed_is_on_the_settings_history(as_manager, manager, milano):
    WorkshopPolicy.objects.create(dealership=milano)
    policy = workshop_policy_get(dealership=milano)
    response = as_manager.post(_url("workshop_settings"), _policy_form(policy, reception_minutes=20))
    assert response.status_code == 302
    changed = _history(WorkshopPolicy, dealership=milano)[-1]
    assert (changed.history_user, changed.dealership_id, changed.reception_minutes) == (
        manager,
        milano.id,
        20,
    )

    page = as_manager.get(_url("audit_capacity")).content.decode()
    assert "Reception time per customer (minutes)</th><td>15</td><td>20</td>" in page
    assert "Mara Manager" in page
    assert as_manager.get(_url("dealership_home")).content.decode().count(_url("audit_capacity")) >= 1


def test_a_workshop_manager_sees_the_settings_history_too(client, member_of, milano):
    client.force_login(member_of(Role.WORKSHOP_MANAGER))
    assert client.get(_url("audit_capacity")).status_code == 200


def test_hours_saved_unchanged_leave_no_entry_and_a_changed_interval_shows(as_manager, milano):
    advisor = AdvisorFactory(dealership=milano, name="Luca Bianchi", hours=[])
    hours = [OpeningInterval(weekday=0, opens=time(8, 0), closes=time(12, 0))]
    advisor_save(dealership=milano, advisor=advisor, hours=hours)
    advisor_save(dealership=milano, advisor=advisor, hours=hours)  # the same hours again
    shifts = _history(AdvisorShift, advisor_id=advisor.id)
    assert [h.history_type for h in shifts] == ["+", "-", "+"]
    page = as_manager.get(_url("audit_capacity")).content.decode()
    assert page.count("Luca Bianchi, Monday") == 1  # the first creation only

    later = [OpeningInterval(weekday=0, opens=time(8, 0), closes=time(13, 0))]
    advisor_save(dealership=milano, advisor=advisor, hours=later)
    page = as_manager.get(_url("audit_capacity")).content.decode()
    assert page.count("Luca Bianchi, Monday") == 3  # the first, then one removed and one added


def test_opening_hours_and_closures_are_capacity_settings_too(as_manager, manager, milano):
    response = as_manager.post(
        _url("closure_list"), {"start_date": "2099-08-10", "end_date": "2099-08-20", "reason": "Ferragosto"}
    )
    assert response.status_code == 302
    [closure] = _history(Closure, dealership=milano)
    assert (closure.history_user, closure.history_type) == (manager, "+")
    opening_hours_replace(
        dealership=milano, intervals=[OpeningInterval(weekday=5, opens=time(9, 0), closes=time(12, 0))]
    )
    created = _history(OpeningHours, dealership=milano, history_type="+", weekday=5)
    assert len(created) == 1
    assert created[0].history_user is None
    assert created[0].history_actor == Actor.SYSTEM
    page = as_manager.get(_url("audit_capacity")).content.decode()
    assert "Ferragosto" in page
    assert "system" in page


def test_a_change_made_outside_any_request_is_the_systems(milano, shop):
    customer_services.vehicle_update(dealership=milano, vehicle=shop["vehicle"], plate="ZZ 999 ZZ")
    changed = _history(Vehicle, id=shop["vehicle"].id)[-1]
    assert changed.history_user is None
    assert changed.history_actor == Actor.SYSTEM


def test_another_dealerships_manager_gets_404(client, milano, sevilla, shop):
    sevilla_manager = UserFactory(username="sevilla-manager")
    MembershipFactory(user=sevilla_manager, dealership=sevilla, role=Role.DEALER_MANAGER)
    client.force_login(sevilla_manager)
    assert client.get(_url("audit_capacity")).status_code == 404
    assert client.get(_url("audit_vehicle", vehicle_id=shop["vehicle"].id)).status_code == 404
    # Milano's vehicle under Sevilla's own address: not Sevilla's, so not found either.
    assert client.get(_url("audit_vehicle", slug="sevilla", vehicle_id=shop["vehicle"].id)).status_code == 404
    page = client.get(_url("audit_capacity", slug="sevilla")).content.decode()
    assert "Giulia Conti" not in page


def test_the_history_pages_take_the_same_queries_for_one_change_or_many(as_manager, milano, shop):
    vehicle = shop["vehicle"]

    def counts():
        with CaptureQueriesContext(connection) as vehicle_page:
            assert as_manager.get(_url("audit_vehicle", vehicle_id=vehicle.id)).status_code == 200
        with CaptureQueriesContext(connection) as settings_page:
            assert as_manager.get(_url("audit_capacity")).status_code == 200
        return len(vehicle_page), len(settings_page)

    customer_services.vehicle_update(dealership=milano, vehicle=vehicle, plate="AA 000 AA")
    shop["giulia"].max_customers_per_day = 7
    shop["giulia"].save()
    few = counts()  # one change of each
    editors = [UserFactory(username=f"editor{i}") for i in range(5)]
    for i, editor in enumerate(editors):
        vehicle._history_user = editor
        customer_services.vehicle_update(dealership=milano, vehicle=vehicle, plate=f"AA {i:03} BB")
        advisor = shop["giulia"]
        advisor._history_user = editor
        advisor.max_customers_per_day = 9 + i
        advisor.save()
    assert counts() == few
    page = as_manager.get(_url("audit_vehicle", vehicle_id=vehicle.id)).content.decode()
    assert all(editor.get_full_name() in page for editor in editors)


def test_erasure_removes_the_customers_personal_data_from_the_trail(client, alice, manager, milano):
    customer = CustomerFactory(
        dealership=milano,
        given_name="Giulia",
        family_name="Rossi",
        mobile_phone="+393471234567",
        email="giulia.rossi@example.it",
        notes="Husband collects the car.",
    )
    vehicle = VehicleFactory(customer=customer, vin="ZFA31200000765432", plate="FG 123 HJ")
    appointment = AppointmentFactory(
        vehicle=vehicle,
        advisor=AdvisorFactory(dealership=milano),
        customer_requests="Noise since my accident",
    )
    client.force_login(alice)
    _api(
        client, "api_customer_detail", {"family_name": "Rossi-Verdi"}, method="patch", customer_id=customer.id
    )
    _api(client, "api_vehicle_detail", {"plate": "GH 456 JK"}, method="patch", vehicle_id=vehicle.id)
    appointment.special_requests = "Call my office at 02 1234567"
    appointment.save()
    secrets = [
        "Giulia",
        "Rossi",
        "3471234567",
        "giulia.rossi",
        "Husband",
        "ZFA31200000765432",
        "FG 123 HJ",
        "GH 456 JK",
        "accident",
        "02 1234567",
    ]

    def trail():
        rows = [
            *Customer.history.filter(id=customer.id).values(),
            *Vehicle.history.filter(id=vehicle.id).values(),
            *Appointment.history.filter(id=appointment.id).values(),
        ]
        return " ".join(str(value) for row in rows for value in row.values())

    assert all(secret in trail() for secret in secrets)  # what the erasure has to remove
    customer_services.customer_erase(dealership=milano, customer=customer, by=manager, reason="Request")
    held = trail()
    assert [secret for secret in secrets if secret in held] == []
    # Who changed what and when stays: the counts and the staff's work are not personal data.
    assert Customer.history.filter(id=customer.id, history_user=alice).count() == 1
    client.force_login(manager)
    page = client.get(_url("customer_detail", customer_id=customer.id)).content.decode()
    assert 'id="audit-title"' in page
    assert '<th scope="row">Personal data erased at</th><td>—</td>' in page
    assert not [secret for secret in secrets if secret in page]


def test_an_appointments_mobility_reservation_changes_are_on_its_page(client, manager, milano):
    from datetime import UTC, datetime

    from mobility.models import Reservation, ReservationStatus
    from tests.factories.mobility import MobilitySolutionFactory, ReservationFactory

    appointment = AppointmentFactory(advisor=AdvisorFactory(dealership=milano))
    reservation = ReservationFactory(
        solution=MobilitySolutionFactory(dealership=milano, name="Courtesy Panda"),
        customer=appointment.customer,
        appointment=appointment,
        departure_at=datetime(2026, 11, 24, 8, 0, tzinfo=UTC),
        return_at=datetime(2026, 11, 24, 17, 0, tzinfo=UTC),
        address="Via Torino 12",
    )
    reservation.status = ReservationStatus.OUT
    reservation._history_user = manager
    reservation.save()
    [_created, changed] = _history(Reservation, id=reservation.id)
    assert (changed.history_user, changed.dealership_id) == (manager, milano.id)

    client.force_login(manager)
    page = client.get(_url("appointment_detail", appointment_id=appointment.id)).content.decode()
    assert "Courtesy Panda" in page
    assert '<th scope="row">Status</th><td>Reserved</td><td>With the customer</td>' in page

    customer_services.customer_erase(
        dealership=milano, customer=appointment.customer, by=manager, reason="Request"
    )
    reservation.refresh_from_db()
    held = {row["address"] for row in Reservation.history.filter(id=reservation.id).values("address")}
    assert held == {reservation.address}  # what the record holds now, and no more


def test_a_customer_cancelling_online_shows_as_the_customer(client, manager, milano):
    from datetime import UTC, datetime

    from bookings.self_service import manage_token

    appointment = AppointmentFactory(
        advisor=AdvisorFactory(dealership=milano), drop_off_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    )
    link = reverse(
        "self_booking_manage", kwargs={"dealership_slug": "milano", "token": manage_token(appointment)}
    )
    assert client.post(link, {"action": "cancel", "reason": "Away"}).status_code == 302
    cancelled = _history(Appointment, id=appointment.id)[-1]
    assert cancelled.status == AppointmentStatus.CANCELLED
    assert cancelled.history_user is None
    assert cancelled.history_actor == Actor.CUSTOMER
    client.force_login(manager)
    page = client.get(_url("appointment_detail", appointment_id=appointment.id)).content.decode()
    assert "by the customer</span>" in page


def test_the_record_sections_take_the_same_queries_for_one_change_or_many(as_manager, milano):
    appointment = AppointmentFactory(advisor=AdvisorFactory(dealership=milano))
    customer = appointment.customer

    def counts():
        pages = (
            _url("appointment_detail", appointment_id=appointment.id),
            _url("customer_detail", customer_id=customer.id),
        )
        sizes = []
        for page in pages:
            with CaptureQueriesContext(connection) as captured:
                assert as_manager.get(page).status_code == 200
            sizes.append(len(captured))
        return sizes

    appointment.special_requests = "first"
    appointment.save()
    customer_services.customer_update(dealership=milano, customer=customer, city="Monza")
    few = counts()
    for i in range(6):
        editor = UserFactory(username=f"desk{i}")
        appointment._history_user = customer._history_user = editor
        appointment.special_requests = f"change {i}"
        appointment.save()
        customer_services.customer_update(dealership=milano, customer=customer, city=f"Monza {i}")
    assert counts() == few


def test_a_change_made_with_an_api_token_is_its_owners(alice, milano):
    from django.test import Client

    from dealerships.api_tokens.services import api_token_issue

    customer = CustomerFactory(dealership=milano)
    issued = api_token_issue(owner=alice, name="DMS sync", dealership=milano)
    response = Client().patch(
        _url("api_customer_detail", customer_id=customer.id),
        {"city": "Monza"},
        content_type="application/json",
        headers={"Authorization": f"Bearer {issued.secret}"},
    )
    assert response.status_code == 200, response.content
    changed = _history(Customer, id=customer.id)[-1]
    assert (changed.history_user, changed.history_actor) == (alice, Actor.STAFF)
