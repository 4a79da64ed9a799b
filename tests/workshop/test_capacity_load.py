"""The loader turns the dealership's rows into the engine's snapshot in a fixed number of queries."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bookings.capacity import capacity_load
from bookings.models import AppointmentStatus, Channel
from bookings.offers import availability_offer
from dealerships.services import OpeningInterval, closure_create, closure_delete, opening_hours_replace
from tests.factories.bookings import AppointmentFactory
from tests.factories.dealerships import ClosureFactory
from tests.factories.workshop import AdvisorFactory, TechnicianFactory
from tests.workshop.snapshots import at, minutes_of, span
from workshop.availability import JobLine, Reason, SlotRequest, offer_slots
from workshop.capacity_settings import capacity_settings
from workshop.models import Advisor, AdvisorAbsence, JobKind, Skill, TechnicianAbsence, WorkshopPolicy
from workshop.services import absence_create, absence_delete, job_save

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
LOADER_QUERIES = 2  # with the capacity settings in memory: their version, what is taken
SETTINGS_QUERIES = 10  # policy, hours, closures, advisors and technicians, shifts, absences, jobs


@pytest.fixture
def workshop(milano):
    giulia = AdvisorFactory(dealership=milano, name="Giulia")
    marco = AdvisorFactory(dealership=milano, name="Marco", max_customers_per_day=2, max_online_per_day=1)
    diagnostician = TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE, Skill.DIAGNOSIS])
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    return {"giulia": giulia, "marco": marco, "diagnostician": diagnostician}


def test_r4_2_the_loader_runs_the_same_queries_for_one_or_many_appointments(
    milano, workshop, django_assert_num_queries
):
    AppointmentFactory(advisor=workshop["giulia"], drop_off_at=at(TUESDAY, "08:00"))
    with django_assert_num_queries(LOADER_QUERIES + SETTINGS_QUERIES):
        capacity_load(dealership=milano, start=MONDAY, end=MONDAY + timedelta(days=13))
    with django_assert_num_queries(LOADER_QUERIES):
        capacity_load(dealership=milano, start=MONDAY, end=MONDAY + timedelta(days=13))
    for day in range(1, 4):  # Wednesday to Friday
        for clock in ("09:00", "10:00", "11:00", "14:00", "15:00", "16:00"):
            AppointmentFactory(
                advisor=workshop["giulia"], drop_off_at=at(TUESDAY + timedelta(days=day), clock)
            )
    with django_assert_num_queries(LOADER_QUERIES):
        snapshot = capacity_load(dealership=milano, start=MONDAY, end=MONDAY + timedelta(days=13))
    assert sum(d.booked_customers for d in snapshot.days) == 19


def test_r4_2_bookings_count_per_advisor_and_day_and_online_separately(milano, workshop):
    AppointmentFactory(advisor=workshop["marco"], drop_off_at=at(TUESDAY, "08:00"), channel=Channel.WEB)
    AppointmentFactory(advisor=workshop["marco"], drop_off_at=at(TUESDAY, "10:00"))
    AppointmentFactory(
        advisor=workshop["marco"], drop_off_at=at(TUESDAY, "11:00"), status=AppointmentStatus.CANCELLED
    )
    tuesday = capacity_load(dealership=milano, start=TUESDAY, end=TUESDAY).days[0]
    marco = next(a for a in tuesday.advisors if a.name == "Marco")
    assert (marco.booked_customers, marco.max_customers) == (2, 2)
    assert (marco.booked_online, marco.max_online) == (1, 1)
    # The minutes of the two live receptions, not of the cancelled one.
    assert marco.booked == minutes_of(TUESDAY, [("08:00", "08:15"), ("10:00", "10:15")])


def test_r4_8_technician_minutes_by_skill_and_booked_labour(milano, workshop):
    AppointmentFactory(
        advisor=workshop["giulia"], drop_off_at=at(TUESDAY, "08:00"), labour_minutes=90, skill=Skill.DIAGNOSIS
    )
    tuesday = capacity_load(dealership=milano, start=TUESDAY, end=TUESDAY).days[0]
    # Two technicians on 8:00-12:30 and 14:00-18:30, nine hours each; one of them diagnoses too.
    assert tuesday.technician_minutes == {Skill.MAINTENANCE: 1080, Skill.DIAGNOSIS: 540}
    assert tuesday.technician_total_minutes == 1080  # the two-skilled technician counts once
    assert tuesday.booked_labour == {Skill.DIAGNOSIS: 90}


def test_closures_weekends_and_absences_take_capacity_away(milano, workshop):
    ClosureFactory(dealership=milano, start_date=TUESDAY, end_date=TUESDAY, reason="Sant'Ambrogio")
    AdvisorAbsence.objects.create(
        dealership=milano, advisor=workshop["marco"], first_day=MONDAY, last_day=MONDAY, reason="training"
    )
    TechnicianAbsence.objects.create(
        dealership=milano, technician=workshop["diagnostician"], first_day=MONDAY, last_day=MONDAY
    )
    days = {
        d.day: d for d in capacity_load(dealership=milano, start=MONDAY, end=MONDAY + timedelta(days=6)).days
    }
    assert days[TUESDAY].opening == ()
    assert days[TUESDAY].advisors == ()
    assert days[MONDAY + timedelta(days=5)].opening == ()  # Saturday: no opening hours
    assert [a.name for a in days[MONDAY].advisors] == ["Giulia"]
    assert days[MONDAY].technician_total_minutes == 540
    assert len(days[MONDAY + timedelta(days=2)].advisors) == 2


def test_dst_opening_hours_are_local_wall_clock(milano, workshop):
    # Europe/Rome springs forward on Sunday 29 March 2026.
    friday, monday = date(2026, 3, 27), date(2026, 3, 30)
    days = {d.day: d for d in capacity_load(dealership=milano, start=friday, end=monday).days}
    assert days[friday].opening[0].start == datetime(2026, 3, 27, 7, 0, tzinfo=UTC)
    assert days[monday].opening[0].start == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
    assert days[monday].advisors[0].shifts[0].start == datetime(2026, 3, 30, 6, 0, tzinfo=UTC)


def test_the_policy_saved_by_the_workshop_manager_reaches_the_engine(milano, workshop):
    WorkshopPolicy.objects.create(
        dealership=milano, slot_minutes=15, kept_free_minutes_per_hour=0, evening_drop_off=time(17, 0)
    )
    snapshot = capacity_load(dealership=milano, start=MONDAY, end=TUESDAY)
    assert snapshot.policy.slot_minutes == 15
    assert snapshot.policy.evening_drop_off == time(17, 0)
    offer = offer_slots(
        snapshot, SlotRequest(jobs=(JobLine(skill=Skill.MAINTENANCE, minutes=30),)), now=at(MONDAY, "10:00")
    )
    assert offer.proposals[0].drop_off == at(TUESDAY, "08:00")


def test_r4_1_when_two_weeks_are_full_the_whole_horizon_is_searched(milano, workshop):
    ClosureFactory(
        dealership=milano, start_date=MONDAY, end_date=MONDAY + timedelta(days=20), reason="inventory"
    )
    request = SlotRequest(jobs=(JobLine(skill=Skill.MAINTENANCE, minutes=60),))
    offer = availability_offer(dealership=milano, request=request, now=at(MONDAY, "10:00"))
    first = offer.proposals[0]
    assert first.day == MONDAY + timedelta(days=21)
    assert Reason.EARLIEST in first.reasons


def test_r4_2_a_change_of_capacity_is_seen_by_the_next_load(milano, workshop, admin_client):
    from workshop.services import advisor_save

    before = capacity_load(dealership=milano, start=TUESDAY, end=TUESDAY).days[0]
    assert {a.name: a.max_customers for a in before.advisors} == {"Giulia": 8, "Marco": 2}
    # Through the service, with the shifts bulk-created...
    advisor_save(
        dealership=milano,
        advisor=workshop["marco"],
        hours=[OpeningInterval(weekday=TUESDAY.weekday(), opens=time(9, 0), closes=time(12, 0))],
        name="Marco",
        max_customers_per_day=5,
        max_online_per_day=1,
        is_active=True,
    )
    after = capacity_load(dealership=milano, start=TUESDAY, end=TUESDAY).days[0]
    marco = next(a for a in after.advisors if a.name == "Marco")
    assert marco.max_customers == 5
    assert [s.start for s in marco.shifts] == [at(TUESDAY, "09:00")]
    # ...through the admin...
    admin_client.post(
        f"/admin/workshop/advisor/{workshop['giulia'].id}/change/",
        {
            "name": "Giulia",
            "max_customers_per_day": "3",
            "max_online_per_day": "1",
            "is_active": "on",
            "dealership": milano.id,
            "shifts-TOTAL_FORMS": "0",
            "shifts-INITIAL_FORMS": "0",
            "absences-TOTAL_FORMS": "0",
            "absences-INITIAL_FORMS": "0",
        },
    )
    assert Advisor.objects.get(id=workshop["giulia"].id).max_customers_per_day == 3
    again = capacity_load(dealership=milano, start=TUESDAY, end=TUESDAY).days[0]
    assert {a.name: a.max_customers for a in again.advisors}["Giulia"] == 3
    # ...and the opening hours.
    opening_hours_replace(
        dealership=milano,
        intervals=[OpeningInterval(weekday=TUESDAY.weekday(), opens=time(10, 0), closes=time(12, 0))],
    )
    hours = capacity_load(dealership=milano, start=TUESDAY, end=TUESDAY).days[0].opening
    assert [(i.start, i.end) for i in hours] == [(at(TUESDAY, "10:00"), at(TUESDAY, "12:00"))]


def test_r4_2_closures_absences_and_the_catalogue_are_seen_by_the_next_load(milano, workshop):
    def tuesday():
        return capacity_load(dealership=milano, start=TUESDAY, end=TUESDAY).days[0]

    assert {a.name for a in tuesday().advisors} == {"Giulia", "Marco"}
    absence = absence_create(dealership=milano, person=workshop["marco"], first_day=TUESDAY, last_day=TUESDAY)
    assert {a.name for a in tuesday().advisors} == {"Giulia"}
    absence_delete(dealership=milano, absence=absence)
    assert {a.name for a in tuesday().advisors} == {"Giulia", "Marco"}

    closure = closure_create(dealership=milano, start_date=TUESDAY, end_date=TUESDAY, reason="Inventory")
    assert tuesday().opening == ()
    closure_delete(dealership=milano, closure=closure)
    assert tuesday().opening == (span(TUESDAY, "08:00", "12:30"), span(TUESDAY, "14:00", "18:30"))

    def catalogue():
        return capacity_settings(milano).active_jobs_by_code

    assert "BRK" not in catalogue()
    brakes = {"code": "BRK", "name": "Brakes", "kind": JobKind.REPAIR, "skill": Skill.MAINTENANCE}
    job = job_save(dealership=milano, job=None, labour_minutes=90, **brakes)
    assert catalogue()["BRK"].labour_minutes == 90
    job_save(dealership=milano, job=job, labour_minutes=120, **brakes)
    assert catalogue()["BRK"].labour_minutes == 120
