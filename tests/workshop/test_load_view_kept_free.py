"""The load page's kept-free figure is the time an urgent car can still be received in (R4.3)."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from tests.factories.bookings import AppointmentFactory
from tests.factories.workshop import AdvisorFactory, TechnicianFactory
from tests.workshop.snapshots import at

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(at(MONDAY, "10:00"), tick=False):
        yield


def test_r4_3_the_load_page_shows_the_kept_free_time_left_of_the_time_kept(
    client, alice, milano, django_assert_max_num_queries
):
    giulia = AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano)
    # 9:00 is her kept-free quarter of the 9 o'clock hour (an urgent car took it); 9:30 is not.
    AppointmentFactory(advisor=giulia, drop_off_at=at(TUESDAY, "09:00"))
    AppointmentFactory(advisor=giulia, drop_off_at=at(TUESDAY, "09:30"))
    client.force_login(alice)
    url = reverse("workload_week", kwargs={"dealership_slug": "milano"})
    with django_assert_max_num_queries(25):
        page = client.get(url, {"start": TUESDAY.isoformat()})
    text = page.content.decode()
    assert page.status_code == 200
    # A quarter of an hour in each of her ten hours: 2 h 30 min kept, 2 h 15 min still free.
    assert "2 h 15 min of 2 h 30 min kept free" in text
    assert text.count("2 h 30 min of 2 h 30 min kept free") == 3  # Wednesday to Friday
    # Today, Monday at 10:00: the 8:30 and 9:00 quarters are past, no longer kept for anyone.
    assert "2 h of 2 h 30 min kept free" in text
