"""The workshop manager's pages: advisors, technicians, policy, catalogue, and the week's load."""

from datetime import date, time, timedelta

import pytest
import time_machine
from django.urls import reverse

from dealerships.models import Role
from tests.factories.bookings import AppointmentFactory
from tests.factories.workshop import AdvisorFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.models import Advisor, AdvisorAbsence, AdvisorShift, Job, Technician, WorkshopPolicy

MONDAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _monday():
    with time_machine.travel(at(MONDAY, "10:00"), tick=False):
        yield


@pytest.fixture
def manager(client, member_of):
    user = member_of(Role.WORKSHOP_MANAGER)
    client.force_login(user)
    return user


def _url(name, **kwargs):
    return reverse(name, kwargs={"dealership_slug": "milano", **kwargs})


def _hours(**days):
    data = {f"hours-day_{d}": "" for d in range(7)}
    data.update({f"hours-day_{d}": text for d, text in days.items()})
    return data


def test_settings_list_advisors_and_technicians_in_fixed_queries(
    client, manager, milano, django_assert_num_queries
):
    AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, name="Paolo Russo", skills=["maintenance", "diagnosis"])
    client.get(_url("workshop_settings"))  # warm the session and content types

    def queries_for_page():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            page = client.get(_url("workshop_settings"))
        return page, len(captured)

    page, few = queries_for_page()
    text = page.content.decode()
    assert "Giulia Conti" in text
    assert "Monday–Friday 08:00-12:30, 14:00-18:30" in text
    assert "Maintenance, Diagnosis" in text
    for _n in range(6):
        AdvisorFactory(dealership=milano)
        TechnicianFactory(dealership=milano)
    _, many = queries_for_page()
    assert many == few


def test_r4_2_a_manager_adds_an_advisor_with_daily_maxima_and_hours(client, manager, milano):
    data = {"name": "Marco Neri", "max_customers_per_day": "9", "max_online_per_day": "3", "is_active": "on"}
    data.update(_hours(**{"0": "08:00-12:30, 14:00-18:30", "4": "08:00-13:00"}))
    response = client.post(_url("advisor_create"), data)
    advisor = Advisor.objects.get(dealership=milano, name="Marco Neri")
    assert response.status_code == 302
    assert (advisor.max_customers_per_day, advisor.max_online_per_day) == (9, 3)
    shifts = sorted(AdvisorShift.objects.filter(advisor=advisor).values_list("weekday", "starts", "ends"))
    assert shifts == [(0, time(8), time(12, 30)), (0, time(14), time(18, 30)), (4, time(8), time(13))]


@pytest.mark.parametrize(
    ("changes", "field_text"),
    [
        ({"max_online_per_day": "12"}, "The online cap cannot exceed the daily maximum."),
        ({"max_customers_per_day": "0"}, "Ensure this value is greater than or equal to 1."),
        ({"hours-day_1": "9-12"}, "Write the hours as 08:00-12:30"),
        ({"hours-day_1": "14:00-12:00"}, "the closing time is not after the opening time"),
        ({"name": ""}, "This field is required."),
    ],
)
def test_bad_advisor_input_is_refused_with_the_field_named(client, manager, milano, changes, field_text):
    data = {"name": "Marco", "max_customers_per_day": "8", "max_online_per_day": "4", "is_active": "on"}
    data.update(_hours(**{"1": "08:00-12:00"}))
    data.update(changes)
    response = client.post(_url("advisor_create"), data)
    assert response.status_code == 400
    assert field_text in response.content.decode()
    assert not Advisor.objects.filter(dealership=milano).exists()


def test_r4_8_a_technicians_skills_and_hours_are_edited(client, manager, milano):
    technician = TechnicianFactory(dealership=milano, name="Paolo", skills=["maintenance"])
    page = client.get(_url("technician_edit", technician_id=technician.id)).content.decode()
    assert 'value="08:00-12:30, 14:00-18:30"' in page
    assert "<legend>Skills</legend>" in page
    data = {"name": "Paolo", "skills": ["diagnosis", "ev_high_voltage"], "is_active": "on"}
    data.update(_hours(**{"2": "07:00-15:00"}))
    assert client.post(_url("technician_edit", technician_id=technician.id), data).status_code == 302
    technician.refresh_from_db()
    assert technician.skills == ["diagnosis", "ev_high_voltage"]
    assert list(technician.shifts.values_list("weekday", "starts")) == [(2, time(7))]
    bad = client.post(_url("technician_edit", technician_id=technician.id), {**data, "skills": ["juggling"]})
    assert bad.status_code == 400


def test_absences_are_added_and_removed(client, manager, milano):
    advisor = AdvisorFactory(dealership=milano)
    url = _url("advisor_absence_add", advisor_id=advisor.id)
    client.post(url, {"first_day": "2026-12-01", "last_day": "2026-12-03", "reason": "training"})
    absence = AdvisorAbsence.objects.get(advisor=advisor)
    assert "training" in client.get(_url("advisor_edit", advisor_id=advisor.id)).content.decode()
    refused = client.post(url, {"first_day": "2026-12-05", "last_day": "2026-12-04"}, follow=True)
    assert "The last day cannot be before the first day." in refused.content.decode()
    client.post(_url("advisor_absence_delete", advisor_id=advisor.id, absence_id=absence.id))
    assert not AdvisorAbsence.objects.filter(advisor=advisor).exists()


def test_the_booking_policy_is_saved_and_checked(client, manager, milano):
    data = {
        "slot_minutes": "15",
        "reception_minutes": "15",
        "kept_free_minutes_per_hour": "15",
        "same_day_booking_allowed": "on",
        "evening_drop_off": "17:00",
        "full_day_labour_minutes": "420",
        "comeback_window_hours": "48",
        "peak_hours_start": "08:00",
        "peak_hours_end": "09:30",
        "peak_load_percent": "80",
        "booking_horizon_days": "90",
    }
    assert client.post(_url("workshop_settings"), data).status_code == 302
    policy = WorkshopPolicy.objects.get(dealership=milano)
    assert (policy.slot_minutes, policy.same_day_booking_allowed, policy.evening_drop_off) == (
        15,
        True,
        time(17),
    )
    reversed_peak = client.post(_url("workshop_settings"), {**data, "peak_hours_end": "07:00"})
    assert reversed_peak.status_code == 400
    assert "The peak hours must end after they start." in reversed_peak.content.decode()
    half_peak = client.post(_url("workshop_settings"), {**data, "peak_hours_end": ""})
    assert "Give both ends of the peak hours, or neither." in half_peak.content.decode()


def test_the_catalogue_takes_new_jobs_and_refuses_a_code_twice(client, manager, milano):
    data = {
        "code": "OIL",
        "name": "Oil change",
        "kind": "maintenance",
        "labour_minutes": "30",
        "skill": "maintenance",
        "is_active": "on",
    }
    assert client.post(_url("job_list"), data).status_code == 302
    again = client.post(_url("job_list"), {**data, "name": "Oil again"})
    assert again.status_code == 400
    assert "A job with this code already exists." in again.content.decode()
    job = Job.objects.get(dealership=milano, code="OIL")
    client.post(_url("job_edit", job_id=job.id), {**data, "labour_minutes": "40"})
    job.refresh_from_db()
    assert job.labour_minutes == 40
    assert client.post(_url("job_list"), {**data, "code": "ZERO", "labour_minutes": "0"}).status_code == 400


def test_r4_2_the_week_view_shows_bookings_against_the_maximum(
    client, alice, milano, django_assert_max_num_queries
):
    giulia = AdvisorFactory(dealership=milano, name="Giulia Conti", max_customers_per_day=4)
    TechnicianFactory(dealership=milano)
    for clock in ("08:00", "10:00", "11:00"):
        AppointmentFactory(
            advisor=giulia, drop_off_at=at(MONDAY + timedelta(days=1), clock), labour_minutes=120
        )
    client.force_login(alice)
    with django_assert_max_num_queries(25):
        page = client.get(_url("workload_week"), {"start": "2026-11-25"})
    text = page.content.decode()
    assert page.status_code == 200
    assert "Week of" in text
    assert '<td class="load-3">3/4' in text  # Tuesday: 75% booked
    assert "6/9" in text  # six hours of labour against the technician's nine


def test_an_advisor_reads_the_load_but_cannot_change_capacity(client, alice, milano):
    client.force_login(alice)
    assert client.get(_url("workload_week")).status_code == 200
    assert client.get(_url("workshop_settings")).status_code == 403
    assert client.get(_url("job_list")).status_code == 403


def test_a_technician_of_another_dealership_is_not_found(client, manager, sevilla):
    stranger = TechnicianFactory(dealership=sevilla)
    assert client.get(_url("technician_edit", technician_id=stranger.id)).status_code == 404
    assert Technician.objects.filter(dealership=sevilla).count() == 1


def test_lowering_a_maximum_below_what_is_booked_tells_the_manager_and_the_load_shows_the_excess(
    client, manager, milano
):
    advisor = AdvisorFactory(
        dealership=milano, name="Giulia Conti", max_customers_per_day=8, max_online_per_day=2
    )
    tuesday = MONDAY + timedelta(days=1)
    for n in range(4):
        AppointmentFactory(advisor=advisor, drop_off_at=at(tuesday, "08:00") + timedelta(minutes=30 * n))
    data = {
        "name": "Giulia Conti",
        "max_customers_per_day": "3",
        "max_online_per_day": "2",
        "is_active": "on",
    }
    data.update(_hours(**{str(d): "08:00-12:30, 14:00-18:30" for d in range(5)}))
    saved = client.post(_url("advisor_edit", advisor_id=advisor.id), data, follow=True)
    page = saved.content.decode()
    assert "already has more customers than the new maximum of 3" in page
    assert "11/24/2026 (4 booked)" in page
    load = client.get(_url("workload_week"), {"start": MONDAY.isoformat()}).content.decode()
    assert 'class="load-over"' in load
    assert "1 over the maximum" in load


def test_hours_on_a_day_the_dealership_is_closed_are_pointed_out(client, manager, milano):
    data = {"name": "Marco Neri", "max_customers_per_day": "8", "max_online_per_day": "4", "is_active": "on"}
    data.update(_hours(**{"0": "08:00-12:30", "5": "08:00-12:00"}))  # Milano opens Monday to Friday
    page = client.post(_url("advisor_create"), data, follow=True).content.decode()
    assert "The dealership is closed on Saturday: the hours given for those days are never offered." in page
