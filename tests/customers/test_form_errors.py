"""A refused mileage reading is shown again with the error on its field and a 400, never a
redirect with a flash message; nothing is stored."""

import pytest
from django.urls import reverse

from customers.models import MileageReading
from dealerships.models import Role
from tests.factories.customers import CustomerFactory, VehicleFactory


@pytest.fixture
def operator(client, member_of):
    client.force_login(member_of(Role.RESERVATION_OPERATOR))
    return client


@pytest.fixture
def vehicle(milano):
    return VehicleFactory(customer=CustomerFactory(dealership=milano), mileage_km=None, mileage_read_on=None)


def mileage_url(vehicle):
    return reverse("vehicle_mileage", kwargs={"dealership_slug": "milano", "vehicle_id": vehicle.id})


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"mileage_km": "lots", "read_on": "2026-05-01"}, "mileage_km"),
        ({"mileage_km": "-5", "read_on": "2026-05-01"}, "mileage_km"),
        ({"mileage_km": "50000", "read_on": "yesterday"}, "read_on"),
        ({"mileage_km": "50000"}, "read_on"),
    ],
)
def test_a_bad_value_re_renders_the_form_with_the_field_error(operator, vehicle, data, field):
    response = operator.post(mileage_url(vehicle), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert 'method="post"' in page  # the form, to correct and send again
    assert not MileageReading.objects.filter(vehicle=vehicle).exists()


def test_a_reading_below_an_earlier_one_is_refused_on_the_mileage_field(operator, vehicle):
    first = operator.post(mileage_url(vehicle), {"mileage_km": "50000", "read_on": "2026-05-01"})
    assert first.status_code == 302
    response = operator.post(mileage_url(vehicle), {"mileage_km": "100", "read_on": "2026-06-01"})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_mileage_km_error"' in page
    assert "Mileage cannot go backwards" in page
    assert 'value="100"' in page  # what was typed stays in the field
    readings = MileageReading.objects.filter(vehicle=vehicle)
    assert list(readings.values_list("mileage_km", flat=True)) == [50000]
    vehicle.refresh_from_db()
    assert vehicle.mileage_km == 50000


def test_a_good_reading_goes_back_to_the_customer_file(operator, vehicle):
    response = operator.post(mileage_url(vehicle), {"mileage_km": "42000", "read_on": "2026-05-01"})
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "customer_detail", kwargs={"dealership_slug": "milano", "customer_id": vehicle.customer_id}
    )
    vehicle.refresh_from_db()
    assert vehicle.mileage_km == 42000


def test_the_mileage_form_has_a_page_of_its_own(operator, vehicle):
    response = operator.get(mileage_url(vehicle))
    assert response.status_code == 200
    assert 'name="mileage_km"' in response.content.decode()


def test_an_empty_post_names_every_missing_field(operator, vehicle):
    page = operator.post(mileage_url(vehicle), {}).content.decode()
    assert 'id="id_mileage_km_error"' in page
    assert 'id="id_read_on_error"' in page
