"""The appointment factory makes rows a real booking could have made, with and without the database."""

from datetime import UTC, date, datetime
from itertools import pairwise

import pytest

from bookings.models import AppointmentLabour
from bookings.self_service import manage_token, manage_token_read
from tests.factories.bookings import AppointmentFactory
from tests.factories.dealerships import DealershipFactory
from tests.factories.workshop import AdvisorFactory
from workshop.models import Skill


def test_a_built_appointment_is_one_dealership_and_its_local_day_without_the_database():
    # 23:30 UTC on Monday is half past midnight on Tuesday in Rome: the day is the dealership's.
    appointment = AppointmentFactory.build(drop_off_at=datetime(2026, 11, 23, 23, 30, tzinfo=UTC))
    dealership = appointment.dealership
    assert appointment.advisor.dealership is dealership
    assert appointment.customer.dealership is dealership
    assert appointment.vehicle.customer is appointment.customer
    assert appointment.local_day == date(2026, 11, 24)
    assert appointment.reception_ends_at == datetime(2026, 11, 23, 23, 45, tzinfo=UTC)
    assert appointment.work_starts_at == appointment.reception_ends_at
    assert appointment.promised_return_at == datetime(2026, 11, 24, 0, 45, tzinfo=UTC)  # 60 minutes' work


def test_the_manage_link_names_its_appointment_for_its_dealership_only():
    appointment = AppointmentFactory.build(id=41, advisor__dealership__id=7)
    token = manage_token(appointment)
    assert manage_token_read(dealership=appointment.dealership, token=token) == 41
    assert manage_token_read(dealership=DealershipFactory.build(id=8), token=token) is None


@pytest.mark.django_db
def test_a_created_appointment_passes_the_models_checks_and_books_its_labour():
    appointment = AppointmentFactory(labour_minutes=90, skill=Skill.DIAGNOSIS)
    appointment.full_clean()
    labour = AppointmentLabour.objects.get(appointment=appointment)
    assert (labour.day, labour.skill, labour.minutes) == (appointment.local_day, Skill.DIAGNOSIS, 90)
    assert labour.dealership == appointment.dealership


@pytest.mark.django_db
def test_default_appointments_of_one_advisor_do_not_overlap():
    advisor = AdvisorFactory()
    made = [AppointmentFactory(advisor=advisor) for _ in range(10)]
    receptions = sorted((a.drop_off_at, a.reception_ends_at) for a in made)
    assert all(end <= start for (_, end), (start, _) in pairwise(receptions))
    # Weekday mornings from 8:00 in the dealership's zone, inside the advisor's hours.
    for appointment in made:
        local = appointment.drop_off_at.astimezone(appointment.dealership.tz)
        assert local.weekday() < 5
        assert 8 <= local.hour < 12


@pytest.mark.django_db
def test_a_dealership_without_its_advisor_is_refused():
    with pytest.raises(AssertionError, match="advisor"):
        AppointmentFactory(dealership=DealershipFactory())
