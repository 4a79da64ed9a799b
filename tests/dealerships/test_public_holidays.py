"""Closures are prefilled from the country's and region's public holidays, and stay editable."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse

from dealerships.models import Closure, Role
from dealerships.services import closures_prefill_public_holidays
from tests.factories.dealerships import ClosureFactory, DealershipFactory


def _days(dealership):
    return {c.start_date: c for c in Closure.objects.filter(dealership=dealership)}


def test_italy_and_milan_holidays_are_filled_in_once(milano):
    milano.subdivision = "MI"
    milano.save()
    ClosureFactory(
        dealership=milano, start_date=date(2026, 12, 24), end_date=date(2026, 12, 26), reason="Natale"
    )
    created = closures_prefill_public_holidays(dealership=milano, year=2026)
    days = _days(milano)
    assert date(2026, 4, 6) in days  # Easter Monday
    assert days[date(2026, 4, 6)].source == Closure.Source.PUBLIC_HOLIDAY
    assert date(2026, 12, 7) in days  # Sant'Ambrogio, Milan only
    # Christmas was already closed by hand: not added a second time.
    assert days[date(2026, 12, 24)].reason == "Natale"
    assert date(2026, 12, 25) not in {c.start_date for c in created}
    assert closures_prefill_public_holidays(dealership=milano, year=2026) == []


def test_the_region_matters_and_names_speak_the_dealerships_language(db):
    madrid = DealershipFactory(
        slug="madrid-x", country="ES", subdivision="MD", language="es", time_zone="Europe/Madrid"
    )
    barcelona = DealershipFactory(
        slug="bcn-x", country="ES", subdivision="CT", language="es", time_zone="Europe/Madrid"
    )
    closures_prefill_public_holidays(dealership=madrid, year=2026)
    closures_prefill_public_holidays(dealership=barcelona, year=2026)
    assert date(2026, 9, 11) in _days(barcelona)  # Diada de Catalunya
    assert date(2026, 9, 11) not in _days(madrid)
    assert _days(madrid)[date(2026, 12, 8)].reason == "Inmaculada Concepción"


def test_an_unknown_country_is_a_field_error(db):
    from django.core.exceptions import ValidationError

    nowhere = DealershipFactory(slug="nowhere", country="ZZ")
    with pytest.raises(ValidationError) as caught:
        closures_prefill_public_holidays(dealership=nowhere, year=2026)
    assert "year" in caught.value.message_dict


@time_machine.travel(date(2026, 11, 23), tick=False)
def test_the_closures_page_fills_in_next_year_for_the_workshop_manager(client, member_of, milano):
    client.force_login(member_of(Role.WORKSHOP_MANAGER))
    page = client.get(reverse("closure_list", kwargs={"dealership_slug": "milano"})).content.decode()
    assert "Fill in 2027" in page
    response = client.post(
        reverse("closures_prefill", kwargs={"dealership_slug": "milano"}), {"year": "2027"}, follow=True
    )
    assert "public holidays of 2027 added" in response.content.decode()
    assert date(2027, 12, 25) in _days(milano)
    refused = client.post(
        reverse("closures_prefill", kwargs={"dealership_slug": "milano"}), {"year": "1999"}, follow=True
    )
    assert "Choose this year or next year." in refused.content.decode()


def test_an_advisor_cannot_fill_in_holidays(client, alice, milano):
    client.force_login(alice)
    response = client.post(
        reverse("closures_prefill", kwargs={"dealership_slug": "milano"}), {"year": "2027"}
    )
    assert response.status_code == 403
    assert not Closure.objects.filter(dealership=milano, source=Closure.Source.PUBLIC_HOLIDAY).exists()


def test_the_api_fills_in_a_year(client, member_of, milano):
    client.force_login(member_of(Role.WORKSHOP_MANAGER))
    url = reverse("api_closure_prefill", kwargs={"dealership_slug": "milano"})
    response = client.post(url, {"year": 2027}, content_type="application/json")
    assert response.status_code == 201
    assert "2027-04-25" in [c["start_date"] for c in response.json()]
    assert client.post(url, {"year": 1066}, content_type="application/json").status_code == 400
