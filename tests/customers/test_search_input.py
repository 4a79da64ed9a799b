"""The search box refuses what no database column can hold: a NUL character is a 400 naming the
field, on the API, the customer list and the phone page, never a 500."""

import html

import pytest
from django.urls import reverse

from dealerships.models import Role
from tests.factories.customers import CustomerFactory, VehicleFactory

NUL_QUERY = "Ro\x00ssi"


@pytest.fixture
def operator(client, member_of, milano):
    VehicleFactory(customer=CustomerFactory(dealership=milano, family_name="Rossi"), plate="AB 123 CD")
    client.force_login(member_of(Role.RESERVATION_OPERATOR))
    return client


def _url(name):
    return reverse(name, kwargs={"dealership_slug": "milano"})


def test_the_search_api_names_the_field(operator):
    response = operator.get(_url("api_customer_search"), {"q": NUL_QUERY})
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["q"]
    assert (
        operator.get(_url("api_customer_search"), {"q": "Rossi"}).json()[0]["customer"]["family_name"]
        == "Rossi"
    )


@pytest.mark.parametrize("page", ["customer_search", "phone_booking"])
def test_the_pages_show_the_error_on_the_search_box(operator, page):
    response = operator.get(_url(page), {"q": NUL_QUERY})
    assert response.status_code == 400
    text = html.unescape(response.content.decode())
    assert 'role="alert">Null characters are not allowed.' in text
    # Typed live (as htmx sends it): the phone page opens a single match only on Enter.
    typed = operator.get(_url(page), {"q": "Rossi"}, headers={"HX-Request": "true"})
    assert "Rossi" in html.unescape(typed.content.decode())
