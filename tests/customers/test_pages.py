"""The customer pages: search-as-you-type partials, the file page, forms with inline errors."""

import pytest
from django.urls import reverse

from customers.models import Customer, Vehicle
from dealerships.models import Role
from tests.factories.customers import CampaignFactory, CustomerFactory, ProgrammeFactory, VehicleFactory


@pytest.fixture
def operator(client, member_of):
    client.force_login(member_of(Role.RESERVATION_OPERATOR))
    return client


def page(name, **kwargs):
    return reverse(name, kwargs={"dealership_slug": "milano", **kwargs})


def test_search_page_and_htmx_partial(operator, milano):
    VehicleFactory(customer=CustomerFactory(dealership=milano, family_name="Rossi"), plate="AB 123 CD")
    full = operator.get(page("customer_search"), {"q": "ross"}).content.decode()
    assert "<h1>" in full
    assert "Rossi" in full
    partial = operator.get(page("customer_search"), {"q": "ab123"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<h1>" not in partial
    assert "Rossi" in partial


def test_search_list_query_count_does_not_grow_with_results(operator, milano, django_assert_max_num_queries):
    VehicleFactory(customer=CustomerFactory(dealership=milano, family_name="Rossi0"))
    operator.get(page("customer_search"), {"q": "rossi"})
    with django_assert_max_num_queries(12) as few:
        operator.get(page("customer_search"), {"q": "rossi"}, HTTP_HX_REQUEST="true")
    for n in range(1, 15):
        customer = CustomerFactory(dealership=milano, family_name=f"Rossi{n}")
        VehicleFactory(customer=customer)
        VehicleFactory(customer=customer)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = operator.get(page("customer_search"), {"q": "rossi"}, HTTP_HX_REQUEST="true")
    assert response.content.decode().count('class="result"') == 15


def test_customer_file_page_shows_coverage_programmes_and_open_campaigns(
    operator, milano, django_assert_max_num_queries
):
    customer = CustomerFactory(dealership=milano, given_name="Lucia", family_name="Verdi")
    for n in range(3):
        vehicle = VehicleFactory(customer=customer, make="Fiat", model="500", model_year=2021)
        ProgrammeFactory(
            vehicle=vehicle,
            name=f"Cortesia {n}",
            valid_from="2020-01-01",
            valid_until="2099-01-01",
            entitles_courtesy_car=True,
        )
    CampaignFactory(dealership=milano, code="RC-500", make="Fiat", model="500", is_recall=True)
    with django_assert_max_num_queries(16):
        body = operator.get(page("customer_detail", customer_id=customer.id)).content.decode()
    assert "Lucia Verdi" in body
    assert body.count("RC-500") == 3
    assert "Cortesia 2" in body
    assert "courtesy car" in body


def test_quick_create_with_vehicle_and_inline_errors(operator, milano):
    bad = operator.post(
        page("customer_create"),
        {
            "family_name": "Gialli",
            "mobile_phone": "123",
            "preferred_contact": "sms",
            "consent_service_sms": "on",
            "vehicle-vin": "SHORT",
            "vehicle-make": "Fiat",
            "vehicle-model": "Panda",
        },
    )
    assert bad.status_code == 400
    text = bad.content.decode()
    assert 'id="id_mobile_phone_error"' in text
    assert 'id="id_vehicle-vin_error"' in text
    assert not Customer.objects.exists()
    good = operator.post(
        page("customer_create"),
        {
            "family_name": "Gialli",
            "mobile_phone": "347 111 2233",
            "preferred_contact": "sms",
            "vehicle-vin": "ZFA3120000J111222",
            "vehicle-make": "Fiat",
            "vehicle-model": "Panda",
            "vehicle-mileage_km": "4000",
        },
    )
    assert good.status_code == 302
    vehicle = Vehicle.objects.get()
    assert vehicle.customer.family_name == "Gialli"
    assert vehicle.mileage_km == 4000


def test_duplicate_vin_in_the_form_names_the_field(operator, milano):
    VehicleFactory(customer=CustomerFactory(dealership=milano), vin="ZFA3120000J111222")
    response = operator.post(
        page("customer_create"),
        {
            "family_name": "Gialli",
            "preferred_contact": "sms",
            "vehicle-vin": "ZFA3120000J111222",
            "vehicle-make": "Fiat",
            "vehicle-model": "Panda",
        },
    )
    assert response.status_code == 400
    assert 'id="id_vehicle-vin_error"' in response.content.decode()
    assert Customer.objects.count() == 1  # the first one only: nothing half-written


def test_mileage_form_reports_backwards_readings(operator, milano):
    vehicle = VehicleFactory(customer=CustomerFactory(dealership=milano))
    url = page("vehicle_mileage", vehicle_id=vehicle.id)
    operator.post(url, {"mileage_km": "50000", "read_on": "2026-05-01"})
    response = operator.post(url, {"mileage_km": "100", "read_on": "2026-06-01"}, follow=True)
    assert "Mileage cannot go backwards" in response.content.decode()
    vehicle.refresh_from_db()
    assert vehicle.mileage_km == 50000


def test_import_page_reports_errors_by_line(client, member_of, milano):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(member_of(Role.DEALER_MANAGER))
    csv = SimpleUploadedFile("c.csv", b"family_name;vin\nRossi;ZFA3120000J111222\nBianchi;BAD\n")
    response = client.post(page("customers_import"), {"file": csv})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Nothing was imported" in body
    assert "<td>3</td>" in body
    assert not Customer.objects.exists()


def test_campaign_page_creates_and_takes_a_vin_file(client, member_of, milano):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(member_of(Role.WORKSHOP_MANAGER))
    response = client.post(
        page("campaign_list"),
        {
            "code": "RC-1",
            "title": "Airbag",
            "labour_minutes": "45",
            "starts_on": "2026-01-01",
            "model": "500",
        },
    )
    assert response.status_code == 400  # a model without a make
    assert "Give the make" in response.content.decode()
    assert (
        client.post(
            page("campaign_list"),
            {
                "code": "RC-1",
                "title": "Airbag",
                "labour_minutes": "45",
                "starts_on": "2026-01-01",
                "is_recall": "on",
            },
        ).status_code
        == 302
    )
    campaign_id = client.get(page("campaign_list")).context["campaigns"][0].id
    upload = SimpleUploadedFile("v.csv", b"vin\nZFA3120000J111222\n")
    response = client.post(
        page("campaign_vins_upload", campaign_id=campaign_id), {"file": upload}, follow=True
    )
    assert "1 VINs added to RC-1" in response.content.decode()
