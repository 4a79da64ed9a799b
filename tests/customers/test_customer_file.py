"""The customer file through its services: phones per region, VINs per market, mileage, ownership."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from config.errors import ForeignRow
from customers import services
from customers.models import MileageReading, Vehicle, VehicleOwnership
from customers.validation import clean_phone, clean_vin
from tests.factories.customers import CustomerFactory
from tests.factories.dealerships import DealershipFactory


@pytest.mark.parametrize(
    ("region", "typed", "e164"),
    [
        ("IT", "347 123 4567", "+393471234567"),
        ("ES", "612 34 56 78", "+34612345678"),
        ("RU", "8 (916) 123-45-67", "+79161234567"),
        ("FR", "06 12 34 56 78", "+33612345678"),
        ("CN", "138 0013 8000", "+8613800138000"),
        ("US", "(212) 555-0123", "+12125550123"),
        ("IT", "+34 612 34 56 78", "+34612345678"),  # a foreign number with its country code
    ],
)
def test_r2_5_phones_are_read_in_the_dealerships_region(db, region, typed, e164):
    dealership = DealershipFactory(phone_region=region, country=region)
    assert str(clean_phone(typed, dealership=dealership)) == e164


@pytest.mark.parametrize("typed", ["12", "347 123", "not a number", "+39 000 000"])
def test_invalid_phones_get_a_clear_message(db, typed):
    dealership = DealershipFactory(phone_region="IT")
    with pytest.raises(ValidationError) as caught:
        clean_phone(typed, dealership=dealership)
    assert "is not a valid phone number for IT" in caught.value.messages[0]


def test_vin_errors_are_translated(db):
    from django.utils import translation

    dealership = DealershipFactory(country="ES")
    with translation.override("es"):
        with pytest.raises(ValidationError) as caught:
            clean_vin("1HGCM82633A00435", dealership=dealership)
        # Messages are lazy: they speak the language active when they are shown.
        assert caught.value.messages == ["Un VIN tiene 17 caracteres; este tiene 16."]


@pytest.fixture
def mario(milano):
    return services.customer_create(dealership=milano, given_name="Mario", family_name="Núñez Rossi")


def test_r2_5_customer_and_vehicle_are_created_with_search_keys(milano, mario):
    vehicle = services.vehicle_create(
        dealership=milano,
        customer=mario,
        vin="ZFA3120000J123456",
        plate="GA-123 XY",
        make="Fiat",
        model="500",
        mileage_km=12_000,
        mileage_read_on=date(2026, 1, 10),
    )
    assert mario.family_name_search == "nunez rossi"
    assert vehicle.vin_reversed == "654321J0000213AFZ"
    assert vehicle.plate_search == "GA123XY"
    assert vehicle.mileage_km == 12_000
    assert VehicleOwnership.objects.get(vehicle=vehicle).customer == mario


def test_the_same_vin_twice_in_a_dealership_is_refused_and_nothing_is_written(milano, mario):
    services.vehicle_create(
        dealership=milano, customer=mario, vin="ZFA3120000J123456", make="Fiat", model="500"
    )
    other = CustomerFactory(dealership=milano)
    with pytest.raises(ValidationError) as caught:
        services.vehicle_create(
            dealership=milano, customer=other, vin="ZFA3120000J123456", make="Fiat", model="500"
        )
    assert "already on file here" in caught.value.message_dict["vin"][0]
    assert "Mario Núñez Rossi" in caught.value.message_dict["vin"][0]
    assert Vehicle.objects.filter(dealership=milano).count() == 1


def test_the_same_vin_may_exist_at_another_dealership(milano, sevilla, mario):
    services.vehicle_create(
        dealership=milano, customer=mario, vin="ZFA3120000J123456", make="Fiat", model="500"
    )
    buyer = CustomerFactory(dealership=sevilla)
    services.vehicle_create(
        dealership=sevilla, customer=buyer, vin="ZFA3120000J123456", make="Fiat", model="500"
    )
    assert Vehicle.objects.filter(vin="ZFA3120000J123456").count() == 2


def test_a_vehicle_cannot_be_given_to_a_customer_of_another_dealership(milano, sevilla):
    foreign = CustomerFactory(dealership=sevilla)
    with pytest.raises(ForeignRow):  # answered 404, like an unknown customer
        services.vehicle_create(
            dealership=milano, customer=foreign, vin="ZFA3120000J123456", make="Fiat", model="500"
        )
    assert not Vehicle.objects.exists()


@pytest.fixture
def car(milano, mario):
    return services.vehicle_create(
        dealership=milano,
        customer=mario,
        vin="ZFA3120000J123456",
        make="Fiat",
        model="500",
        sale_date=date(2024, 5, 2),
        mileage_km=30_000,
        mileage_read_on=date(2026, 3, 1),
    )


def test_mileage_going_backwards_is_rejected_with_the_last_reading(milano, car):
    with pytest.raises(ValidationError) as caught:
        services.mileage_record(
            dealership=milano, vehicle=car, mileage_km=29_000, read_on=date(2026, 4, 1), source="staff"
        )
    assert caught.value.message_dict["mileage_km"] == [
        "Mileage cannot go backwards: 30,000 km were read on 03/01/2026."  # in the user's formats
    ]
    car.refresh_from_db()
    assert car.mileage_km == 30_000
    assert MileageReading.objects.filter(vehicle=car).count() == 1


def test_an_older_reading_may_be_added_if_it_fits_the_history(milano, car):
    services.mileage_record(
        dealership=milano, vehicle=car, mileage_km=20_000, read_on=date(2025, 9, 1), source="staff"
    )
    car.refresh_from_db()
    assert car.mileage_km == 30_000  # the latest stays the current one
    with pytest.raises(ValidationError):
        services.mileage_record(
            dealership=milano, vehicle=car, mileage_km=35_000, read_on=date(2026, 1, 1), source="staff"
        )


def test_ownership_changes_keep_history(milano, car, mario):
    buyer = CustomerFactory(dealership=milano, family_name="Bianchi")
    services.vehicle_transfer(dealership=milano, vehicle=car, customer=buyer, on=date(2026, 6, 1))
    history = list(
        VehicleOwnership.objects.filter(vehicle=car)
        .order_by("started_on")
        .values_list("customer__family_name", "ended_on")
    )
    assert history == [("Núñez Rossi", date(2026, 6, 1)), ("Bianchi", None)]
    car.refresh_from_db()
    assert car.customer == buyer


def test_the_mileage_refusal_reads_numbers_and_dates_as_the_language_writes_them(milano, car):
    with translation.override("it"), pytest.raises(ValidationError) as caught:
        services.mileage_record(
            dealership=milano, vehicle=car, mileage_km=29_000, read_on=date(2026, 4, 1), source="staff"
        )
    assert "30.000 km" in caught.value.message_dict["mileage_km"][0]
    assert "01/03/2026" in caught.value.message_dict["mileage_km"][0]
