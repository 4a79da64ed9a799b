"""CSV onboarding: every row checked, errors by line, all-or-nothing unless asked otherwise."""

import pytest

from customers.importing import CsvFileError, campaign_vins_import, customers_import
from customers.models import CampaignVin, Customer, Vehicle
from tests.factories.customers import CampaignFactory

HEADER = "given_name;family_name;mobile_phone;email;vin;plate;make;model;model_year;mileage_km\n"
GOOD = "Mario;Rossi;347 123 4567;mario@example.it;ZFA3120000J123456;GA 123 XY;Fiat;500;2021;12000\n"
SAME_PERSON = "Mario;Rossi;347 123 4567;;ZFA3120000J654321;GA 124 XY;Fiat;Panda;2019;\n"
BAD = "Anna;Bianchi;12;not-an-email;ZFA3120000J12345O;;Fiat;500;21;-5\n"


def test_a_bad_row_stops_the_import_and_is_reported_by_line_and_column(milano):
    report = customers_import(dealership=milano, raw=(HEADER + GOOD + BAD).encode())
    assert report.imported is False
    assert {(e.line, e.column) for e in report.errors} == {
        (3, "mobile_phone"),
        (3, "email"),
        (3, "vin"),
        (3, "model_year"),
        (3, "mileage_km"),
    }
    assert not Customer.objects.exists()
    assert not Vehicle.objects.exists()


def test_valid_rows_can_be_imported_on_request(milano):
    report = customers_import(
        dealership=milano, raw=(HEADER + GOOD + BAD + SAME_PERSON).encode(), import_valid_rows=True
    )
    assert report.imported is True
    assert (report.customers_created, report.vehicles_created) == (1, 2)
    rossi = Customer.objects.get(dealership=milano)
    assert str(rossi.mobile_phone) == "+393471234567"
    assert sorted(rossi.vehicles.values_list("model", flat=True)) == ["500", "Panda"]
    assert Vehicle.objects.get(vin="ZFA3120000J123456").mileage_km == 12000


def test_duplicate_vins_within_the_file_and_on_file_are_reported(milano):
    customers_import(dealership=milano, raw=(HEADER + GOOD).encode())
    again = customers_import(
        dealership=milano, raw=(HEADER + GOOD + GOOD.replace("GA 123", "GA 999")).encode()
    )
    assert [(e.line, e.column, e.message) for e in again.errors] == [
        (2, "vin", "This VIN is already on file here."),
        (3, "vin", "This VIN is already on file here."),
    ]


def test_a_row_matching_a_customer_on_file_adds_the_car_to_that_file(milano):
    customers_import(dealership=milano, raw=(HEADER + GOOD).encode())
    customers_import(dealership=milano, raw=(HEADER + SAME_PERSON).encode())
    assert Customer.objects.count() == 1
    assert Vehicle.objects.count() == 2


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"", "empty"),
        ("family_name\nRossi\n".encode("utf-16"), "not UTF-8"),
        (b"name;phone\nRossi;1\n", "family_name column"),
        (b"family_name;shoe_size\nRossi;44\n", "Unknown columns: shoe_size"),
        (b"family_name\nRossi,extra,values\n", "Line 2 has more values than the header has columns."),
    ],
)
def test_malformed_files_get_a_file_level_error(milano, raw, message):
    with pytest.raises(CsvFileError) as caught:
        customers_import(dealership=milano, raw=raw)
    assert message in caught.value.messages[0]


def test_campaign_vin_list_is_all_or_nothing(milano):
    campaign = CampaignFactory(dealership=milano)
    added, errors = campaign_vins_import(
        dealership=milano, campaign=campaign, raw=b"vin\nZFA3120000J123456\nZFA3120000J12345\n"
    )
    assert added == 0
    assert [(e.line, e.column) for e in errors] == [(3, "vin")]
    assert not CampaignVin.objects.exists()
    added, errors = campaign_vins_import(
        dealership=milano,
        campaign=campaign,
        raw=b"vin\nzfa3120000j123456\nZFA3120000J123457\nZFA3120000J123456\n",
    )
    assert (added, errors) == (2, [])
