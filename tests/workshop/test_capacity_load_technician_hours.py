"""The loader carries the technicians' working hours by skill (R4.8), in the same fixed number
of queries, and the offer lays the labour over them."""

from datetime import date, time, timedelta

import pytest

from bookings.capacity import capacity_load
from tests.factories.workshop import AdvisorFactory, TechnicianFactory
from tests.workshop.snapshots import at, span
from workshop.availability import JobLine, SlotRequest, confirm
from workshop.models import Skill, TechnicianAbsence

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
LOADER_QUERIES = 2  # with the capacity settings in memory: their version, what is taken
SETTINGS_QUERIES = 10  # policy, hours, closures, advisors and technicians, shifts, absences, jobs


@pytest.fixture
def workshop(milano):
    AdvisorFactory(dealership=milano, name="Giulia")
    # Technicians work through the reception's lunch break, from 7:30; one diagnoses, mornings only.
    early = TechnicianFactory(
        dealership=milano, skills=[Skill.MAINTENANCE], hours=[(time(7, 30), time(16, 30))]
    )
    TechnicianFactory(
        dealership=milano,
        skills=[Skill.MAINTENANCE, Skill.DIAGNOSIS],
        hours=[(time(8, 0), time(12, 0))],
    )
    return {"early": early}


def test_r4_8_the_loader_carries_the_technicians_hours_by_skill_in_fixed_queries(
    milano, workshop, django_assert_num_queries
):
    with django_assert_num_queries(LOADER_QUERIES + SETTINGS_QUERIES):
        capacity_load(dealership=milano, start=MONDAY, end=MONDAY + timedelta(days=13))
    with django_assert_num_queries(LOADER_QUERIES):
        snapshot = capacity_load(dealership=milano, start=MONDAY, end=MONDAY + timedelta(days=13))
    tuesday = snapshot.days[1]
    # The two maintenance technicians' shifts overlap: one stretch of working time.
    assert tuesday.technician_hours == {
        Skill.MAINTENANCE: (span(TUESDAY, "07:30", "16:30"),),
        Skill.DIAGNOSIS: (span(TUESDAY, "08:00", "12:00"),),
    }
    saturday = snapshot.days[5]
    assert saturday.opening == ()
    assert not saturday.technician_hours


def test_r4_8_an_absent_technicians_hours_are_not_worked(milano, workshop):
    TechnicianAbsence.objects.create(
        dealership=milano, technician=workshop["early"], first_day=TUESDAY, last_day=TUESDAY
    )
    tuesday = capacity_load(dealership=milano, start=TUESDAY, end=TUESDAY).days[0]
    assert tuesday.technician_hours[Skill.MAINTENANCE] == (span(TUESDAY, "08:00", "12:00"),)


def test_r4_8_the_labour_of_a_booking_follows_the_technicians_not_the_reception(milano, workshop):
    snapshot = capacity_load(dealership=milano, start=TUESDAY, end=WEDNESDAY)
    # Received 8:00-8:15; five hours of maintenance from 8:15 end at 13:15, while the reception
    # is closed for lunch (12:30-14:00): handed back when it opens again.
    five_hours = SlotRequest(jobs=(JobLine(skill=Skill.MAINTENANCE, minutes=300),))
    proposal = confirm(
        snapshot,
        five_hours,
        advisor_id=snapshot.days[0].advisors[0].advisor_id,
        drop_off=at(TUESDAY, "08:00"),
        now=at(MONDAY, "10:00"),
    )
    assert proposal.work_starts == at(TUESDAY, "08:15")
    assert proposal.promised_return == at(TUESDAY, "14:00")
    # Diagnosis only in the mornings: 11:45-12:00 on Tuesday, the rest on Wednesday morning.
    diagnosis = SlotRequest(jobs=(JobLine(skill=Skill.DIAGNOSIS, minutes=90),))
    later = confirm(
        snapshot,
        diagnosis,
        advisor_id=snapshot.days[0].advisors[0].advisor_id,
        drop_off=at(TUESDAY, "11:30"),
        now=at(MONDAY, "10:00"),
    )
    assert later.labour_by_day == ((TUESDAY, Skill.DIAGNOSIS, 15), (WEDNESDAY, Skill.DIAGNOSIS, 75))
    assert later.promised_return == at(WEDNESDAY, "09:30")
