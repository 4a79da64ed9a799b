"""HTTP shape of the customer-file API: field-level errors, 4xx never 5xx, nothing half-written."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from customers.models import Customer, Vehicle
from dealerships.models import Role
from tests.factories.customers import CampaignFactory, CustomerFactory, VehicleFactory


@pytest.fixture
def api(client, member_of):
    client.force_login(member_of(Role.SERVICE_ADVISOR))
    return client


def url(name, **kwargs):
    return reverse(name, kwargs={"dealership_slug": "milano", **kwargs})


def test_r2_5_r2_7_create_customer_and_vehicle_then_find_them(api, milano):
    created = api.post(
        url("api_customer_list"),
        {
            "family_name": "Verdi",
            "given_name": "Giuseppe",
            "mobile_phone": "347 765 4321",
            "preferred_contact": "email",
            "email": "g.verdi@example.it",
        },
        content_type="application/json",
    )
    assert created.status_code == 201
    assert created.json()["mobile_phone"] == "+393477654321"
    assert created.json()["preferred_contact"] == "email"  # R2.7: used for every later contact
    customer_id = created.json()["id"]
    vehicle = api.post(
        url("api_customer_vehicles", customer_id=customer_id),
        {
            "vin": "zfa3120000j765432",
            "plate": "fb 765 zz",
            "make": "Alfa Romeo",
            "model": "Giulia",
            "mileage_km": 5000,
        },
        content_type="application/json",
    )
    assert vehicle.status_code == 201
    assert vehicle.json()["vin"] == "ZFA3120000J765432"
    hits = api.get(url("api_customer_search"), {"q": "765432"}).json()
    assert [(h["customer"]["family_name"], h["matched_on"]) for h in hits] == [("Verdi", "vin_tail")]
    assert hits[0]["vehicles"][0]["matched"] is True


def test_field_level_errors_for_bad_input(api, milano):
    response = api.post(
        url("api_customer_list"),
        {"family_name": "", "mobile_phone": "12", "email": "nope", "preferred_contact": "pigeon"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"family_name", "mobile_phone", "email", "preferred_contact"}
    assert not Customer.objects.exists()


def test_vehicle_errors_name_their_fields(api, milano):
    customer = CustomerFactory(dealership=milano)
    response = api.post(
        url("api_customer_vehicles", customer_id=customer.id),
        {
            "vin": "ZFA3120000J12345Q",
            "plate": "#",
            "make": "Fiat",
            "model": "500",
            "warranty_start": "2025-01-01",
            "warranty_end": "2024-01-01",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors["vin"] == ["A VIN never contains the letters I, O or Q (found: Q)."]
    assert "plate" in errors
    assert not Vehicle.objects.exists()


def test_duplicate_vin_is_a_400_with_the_owner(api, milano):
    VehicleFactory(
        customer=CustomerFactory(dealership=milano, given_name="Anna", family_name="Neri"),
        vin="ZFA3120000J765432",
    )
    other = CustomerFactory(dealership=milano)
    response = api.post(
        url("api_customer_vehicles", customer_id=other.id),
        {"vin": "ZFA3120000J765432", "make": "Fiat", "model": "500"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "Anna Neri" in response.json()["errors"]["vin"][0]


def test_mileage_backwards_is_a_400(api, milano):
    vehicle = VehicleFactory(customer=CustomerFactory(dealership=milano))
    mileage_url = url("api_vehicle_mileage", vehicle_id=vehicle.id)
    assert (
        api.post(
            mileage_url, {"read_on": "2026-01-01", "mileage_km": 10000}, content_type="application/json"
        ).status_code
        == 201
    )
    back = api.post(
        mileage_url, {"read_on": "2026-02-01", "mileage_km": 9000}, content_type="application/json"
    )
    assert back.status_code == 400
    assert back.json()["errors"]["mileage_km"][0].startswith("Mileage cannot go backwards")
    assert [r["mileage_km"] for r in api.get(mileage_url).json()] == [10000]


def test_open_campaigns_endpoint(api, milano):
    vehicle = VehicleFactory(
        customer=CustomerFactory(dealership=milano), make="Fiat", model="500", model_year=2021
    )
    CampaignFactory(dealership=milano, code="R-500", make="Fiat", model="500", is_recall=True)
    response = api.get(url("api_vehicle_open_campaigns", vehicle_id=vehicle.id))
    assert [c["code"] for c in response.json()] == ["R-500"]


def test_a_vehicle_of_another_dealership_is_404(api, sevilla):
    foreign = VehicleFactory(customer=CustomerFactory(dealership=sevilla))
    assert api.get(url("api_vehicle_detail", vehicle_id=foreign.id)).status_code == 404
    assert (
        api.post(
            url("api_vehicle_mileage", vehicle_id=foreign.id),
            {"read_on": "2026-01-01", "mileage_km": 1},
            content_type="application/json",
        ).status_code
        == 404
    )


def test_import_endpoint_reports_rows_and_refuses_advisors(client, member_of, milano):
    csv = b"family_name,mobile_phone\nRossi,347 123 4567\nBianchi,12\n"
    client.force_login(member_of(Role.SERVICE_ADVISOR))
    upload = {"file": SimpleUploadedFile("c.csv", csv, content_type="text/csv")}
    assert client.post(url("api_customer_import"), upload).status_code == 403
    client.force_login(member_of(Role.DEALER_MANAGER))
    response = client.post(url("api_customer_import"), {"file": SimpleUploadedFile("c.csv", csv)})
    assert response.status_code == 400
    assert response.json()["errors"] == [
        {
            "line": 3,
            "column": "mobile_phone",
            "message": "“12” is not a valid phone number for IT; add the country code if it is foreign.",
        }
    ]
    garbage = client.post(url("api_customer_import"), {"file": SimpleUploadedFile("c.csv", b"\xff\xfe\x00")})
    assert garbage.status_code == 400
    assert garbage.json()["errors"]["file"]


def test_technicians_cannot_read_customer_files(client, member_of, milano):
    client.force_login(member_of(Role.TECHNICIAN))
    assert client.get(url("api_customer_search"), {"q": "rossi"}).status_code == 403
