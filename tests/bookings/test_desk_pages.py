"""The desk finds what is booked: the agenda, the appointment's page and its changes, the customer
file's appointments, and the warning before the same car is booked twice."""

import re
from datetime import date, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Appointment, AppointmentJob, AppointmentStatus, AppointmentTransition, Channel
from dealerships.models import Role
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CampaignFactory, CustomerFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.models import Skill, WorkshopPolicy

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(at(MONDAY, "07:30"), tick=False):
        yield


@pytest.fixture
def desk(milano):
    """Two advisors; Chiara Greco's Fiat booked Monday 9:00 with Giulia, with a recall."""
    giulia = AdvisorFactory(dealership=milano, name="Giulia Conti")
    marco = AdvisorFactory(dealership=milano, name="Marco Riva")
    customer = CustomerFactory(dealership=milano, given_name="Chiara", family_name="Greco")
    vehicle = VehicleFactory(customer=customer, plate="AB 123 CD", make="Fiat", model="500")
    appointment = AppointmentFactory(
        advisor=giulia,
        vehicle=vehicle,
        customer=customer,
        drop_off_at=at(MONDAY, "09:00"),
        channel=Channel.WEB,
    )
    recall = CampaignFactory(dealership=milano, code="REC-7", title="Airbag")
    AppointmentJob.objects.create(
        dealership=milano,
        appointment=appointment,
        campaign=recall,
        description="REC-7 Airbag",
        skill=Skill.MAINTENANCE,
        labour_minutes=30,
    )
    return {
        "giulia": giulia,
        "marco": marco,
        "customer": customer,
        "vehicle": vehicle,
        "appointment": appointment,
    }


def _entries(page):
    """How many appointments the page links to."""
    return len(re.findall(r'href="/d/milano/appointments/\d+/"', page))


def _agenda(client, **query):
    return client.get(reverse("agenda", kwargs={"dealership_slug": "milano"}), query)


def _more_appointments(desk, count, day=MONDAY):
    for n in range(count):
        customer = CustomerFactory(dealership=desk["customer"].dealership)
        AppointmentFactory(
            advisor=desk["marco"],
            vehicle=VehicleFactory(customer=customer),
            customer=customer,
            drop_off_at=at(day, "14:00") + timedelta(minutes=30 * n),
        )


def test_todays_agenda_shows_each_advisors_appointments_with_what_the_desk_needs(client, alice, desk):
    client.force_login(alice)
    response = _agenda(client)
    page = response.content.decode()
    assert response.status_code == 200
    # Every advisor has a column on the day view, the free one too.
    assert "Giulia Conti" in page
    assert "Marco Riva" in page
    detail = reverse(
        "appointment_detail", kwargs={"dealership_slug": "milano", "appointment_id": desk["appointment"].id}
    )
    assert f'href="{detail}"' in page
    for shown in ("Chiara Greco", "AB 123 CD", "Fiat 500", "REC-7", "Online", "Booked"):
        assert shown in page


def test_the_agenda_reads_in_a_fixed_number_of_queries(client, alice, desk):
    client.force_login(alice)
    with CaptureQueriesContext(connection) as few:
        _agenda(client)
    _more_appointments(desk, 8)
    with CaptureQueriesContext(connection) as many:
        page = _agenda(client).content.decode()
    assert _entries(page) == 9
    assert len(many.captured_queries) == len(few.captured_queries)


def test_the_agenda_filters_by_advisor_status_and_channel(client, alice, desk):
    _more_appointments(desk, 2)
    client.force_login(alice)
    only_marco = _agenda(client, advisor=desk["marco"].id).content.decode()
    assert "Chiara Greco" not in only_marco
    assert _entries(only_marco) == 2
    online = _agenda(client, channel=Channel.WEB).content.decode()
    assert _entries(online) == 1
    cancelled = _agenda(client, status=AppointmentStatus.CANCELLED).content.decode()
    assert _entries(cancelled) == 0


def test_the_week_view_shows_the_week_around_the_day_by_day(client, alice, desk):
    _more_appointments(desk, 1, day=TUESDAY + timedelta(days=2))
    client.force_login(alice)
    page = _agenda(client, day=TUESDAY.isoformat(), span="week").content.decode()
    assert _entries(page) == 2
    assert page.count('class="agenda-day"') == 7


@pytest.mark.parametrize("day", ["9999-12-31", "0001-01-02", "not a day"])
def test_a_day_out_of_the_service_calendar_is_a_field_error_not_a_500(client, alice, desk, day):
    client.force_login(alice)
    response = _agenda(client, day=day)
    assert response.status_code == 400
    assert 'id="id_day_error"' in response.content.decode()


def test_the_appointment_page_shows_what_was_recorded_and_its_history(client, alice, desk):
    appointment = desk["appointment"]
    appointment.customer_requests = "Squeak from the front left wheel"
    appointment.save()
    AppointmentTransition.objects.create(
        dealership=appointment.dealership,
        appointment=appointment,
        to_status="booked",
        at=at(MONDAY, "07:00"),
        by=alice,
    )
    client.force_login(alice)
    page = client.get(
        reverse("appointment_detail", kwargs={"dealership_slug": "milano", "appointment_id": appointment.id})
    ).content.decode()
    for shown in ("Chiara Greco", "Giulia Conti", "Squeak from the front left wheel", "REC-7", "History"):
        assert shown in page
    assert (alice.get_full_name() or alice.username) in page  # who booked it, in the history


def _change(client, appointment, **data):
    return client.post(
        reverse(
            "appointment_status_change",
            kwargs={"dealership_slug": "milano", "appointment_id": appointment.id},
        ),
        data,
    )


def test_the_advisor_marks_the_car_arrived_and_the_history_says_who(client, alice, desk):
    appointment = desk["appointment"]
    client.force_login(alice)
    response = _change(client, appointment, status=AppointmentStatus.ARRIVED)
    assert response.status_code == 302
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.ARRIVED
    assert appointment.transitions.get().by == alice


def test_cancelling_asks_for_the_reason_and_changes_nothing_without_it(client, alice, desk):
    appointment = desk["appointment"]
    client.force_login(alice)
    refused = _change(client, appointment, status=AppointmentStatus.CANCELLED, reason="  ")
    assert refused.status_code == 400
    assert "Say why the appointment is cancelled." in refused.content.decode()
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert not appointment.transitions.exists()
    cancelled = _change(client, appointment, status=AppointmentStatus.CANCELLED, reason="Car sold")
    assert cancelled.status_code == 302
    appointment.refresh_from_db()
    assert (appointment.status, appointment.cancel_reason) == (AppointmentStatus.CANCELLED, "Car sold")


def test_an_operator_cannot_mark_the_arrival_which_is_the_receptions_step(client, member_of, desk):
    operator = member_of(Role.RESERVATION_OPERATOR)
    client.force_login(operator)
    response = _change(client, desk["appointment"], status=AppointmentStatus.ARRIVED)
    assert response.status_code == 400
    assert "Your role does not let you make this change." in response.content.decode()
    desk["appointment"].refresh_from_db()
    assert desk["appointment"].status == AppointmentStatus.BOOKED


def test_a_step_the_lifecycle_does_not_allow_is_refused_on_the_page(client, alice, desk):
    client.force_login(alice)
    response = _change(client, desk["appointment"], status=AppointmentStatus.DELIVERED)
    assert response.status_code == 400
    assert "cannot become delivered" in response.content.decode()


def test_after_a_change_the_desk_returns_where_it_was_but_never_to_another_site(client, alice, desk):
    client.force_login(alice)
    agenda_url = reverse("agenda", kwargs={"dealership_slug": "milano"})
    back = _change(client, desk["appointment"], status=AppointmentStatus.CONFIRMED, next=agenda_url)
    assert back["Location"] == agenda_url
    elsewhere = _change(
        client, desk["appointment"], status=AppointmentStatus.ARRIVED, next="https://evil.example/"
    )
    assert elsewhere["Location"].startswith("/d/milano/appointments/")


def test_the_customer_file_lists_the_coming_and_the_past_appointments_with_their_actions(client, alice, desk):
    customer, vehicle = desk["customer"], desk["vehicle"]
    AppointmentFactory(
        advisor=desk["giulia"],
        vehicle=vehicle,
        customer=customer,
        drop_off_at=at(date(2026, 6, 1), "09:00"),
        status=AppointmentStatus.CLOSED,
    )
    client.force_login(alice)
    url = reverse("customer_detail", kwargs={"dealership_slug": "milano", "customer_id": customer.id})
    with CaptureQueriesContext(connection) as two:
        page = client.get(url).content.decode()
    assert "will appear here" not in page
    assert _entries(page) == 2
    assert "Closed" in page
    assert "Arrived" in page
    assert "Cancel the appointment" in page
    for when in (date(2026, 3, 2), date(2026, 4, 6), date(2026, 5, 4)):
        AppointmentFactory(
            advisor=desk["marco"],
            vehicle=vehicle,
            customer=customer,
            drop_off_at=at(when, "09:00"),
            status=AppointmentStatus.DELIVERED,
        )
    with CaptureQueriesContext(connection) as five:
        client.get(url)
    assert len(five.captured_queries) == len(two.captured_queries)


@pytest.fixture
def bookable(milano, desk):
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE, Skill.DIAGNOSIS])
    JobFactory(dealership=milano, code="SRV", name="Tagliando", labour_minutes=90)
    return desk


def test_the_move_page_offers_times_for_the_same_work_and_moves_it(client, alice, bookable):
    appointment = bookable["appointment"]
    client.force_login(alice)
    url = reverse("appointment_move", kwargs={"dealership_slug": "milano", "appointment_id": appointment.id})
    page = client.get(url, {"wished_date": TUESDAY.isoformat()})
    assert page.status_code == 200
    chosen = next(p for p in page.context["offer"].proposals if p.day == TUESDAY)
    moved = client.post(
        url, {"proposal": f"{chosen.advisor_id}|{chosen.drop_off.isoformat()}", "reason": "Customer away"}
    )
    assert moved.status_code == 302
    appointment.refresh_from_db()
    assert appointment.drop_off_at == chosen.drop_off
    assert appointment.transitions.get().kind == AppointmentTransition.Kind.RESCHEDULED


def test_the_move_page_refuses_a_forged_time_with_the_field_named(client, alice, bookable):
    appointment = bookable["appointment"]
    client.force_login(alice)
    url = reverse("appointment_move", kwargs={"dealership_slug": "milano", "appointment_id": appointment.id})
    response = client.post(url, {"proposal": "garbage"})
    assert response.status_code == 400
    assert "Choose one of the times offered." in response.content.decode()
    before = appointment.drop_off_at
    appointment.refresh_from_db()
    assert appointment.drop_off_at == before


def test_booking_the_same_car_again_warns_and_offers_to_move_the_booked_one(client, alice, desk):
    client.force_login(alice)
    page = client.get(
        reverse("phone_booking", kwargs={"dealership_slug": "milano"}), {"customer": desk["customer"].id}
    ).content.decode()
    assert "is already booked on" in page
    move = reverse(
        "appointment_move", kwargs={"dealership_slug": "milano", "appointment_id": desk["appointment"].id}
    )
    assert f'href="{move}"' in page


def test_a_cancelled_appointment_does_not_warn(client, alice, desk):
    Appointment.objects.filter(pk=desk["appointment"].pk).update(status=AppointmentStatus.CANCELLED)
    client.force_login(alice)
    page = client.get(
        reverse("phone_booking", kwargs={"dealership_slug": "milano"}), {"customer": desk["customer"].id}
    ).content.decode()
    assert "is already booked on" not in page
