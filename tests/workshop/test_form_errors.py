"""A refused absence re-renders the advisor's or technician's page with the errors on the
absence form's fields and a 400, never a redirect with a flash message; nothing is stored."""

import pytest
from django.urls import reverse

from dealerships.models import Role
from tests.factories.workshop import AdvisorFactory, TechnicianFactory
from workshop.models import AdvisorAbsence, TechnicianAbsence

PEOPLE = {
    "advisor": (AdvisorFactory, AdvisorAbsence),
    "technician": (TechnicianFactory, TechnicianAbsence),
}


@pytest.fixture
def manager(client, member_of):
    client.force_login(member_of(Role.WORKSHOP_MANAGER))
    return client


def absence_url(kind, person):
    return reverse(f"{kind}_absence_add", kwargs={"dealership_slug": "milano", f"{kind}_id": person.id})


@pytest.mark.parametrize("kind", PEOPLE)
@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        (
            {"first_day": "2026-12-05", "last_day": "2026-12-04"},
            "last_day",
            "The last day cannot be before the first day.",
        ),
        ({"first_day": "soon", "last_day": "2026-12-04"}, "first_day", "Enter a valid date."),
        ({"first_day": "2026-12-05"}, "last_day", "This field is required."),
        ({"first_day": "2026-12-05", "last_day": "2026-12-06", "reason": "x" * 121}, "reason", "at most 120"),
    ],
)
def test_a_bad_absence_re_renders_the_page_with_the_field_error(manager, milano, kind, data, field, message):
    factory, absence_model = PEOPLE[kind]
    person = factory(dealership=milano, name="Giulia Conti")
    response = manager.post(absence_url(kind, person), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert message in page
    assert "Giulia Conti" in page  # the person's page, not a bare form
    assert not absence_model.objects.exists()


@pytest.mark.parametrize("kind", PEOPLE)
def test_a_good_absence_is_recorded_and_goes_back_to_the_page(manager, milano, kind):
    factory, absence_model = PEOPLE[kind]
    person = factory(dealership=milano)
    response = manager.post(absence_url(kind, person), {"first_day": "2026-12-01", "last_day": "2026-12-03"})
    assert response.status_code == 302
    assert absence_model.objects.count() == 1
