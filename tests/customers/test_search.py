"""R2.5: one search box finds the customer file by surname, plate, VIN or phone, ranked."""

import pytest

from customers.selectors import MatchKind, customer_search
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.dealerships import DealershipFactory


@pytest.fixture
def files(milano):
    nunez = CustomerFactory(
        dealership=milano, given_name="Lucía", family_name="Núñez", mobile_phone="+393471234567"
    )
    nunezo = CustomerFactory(dealership=milano, given_name="Ana", family_name="Nuñezo")
    rossi = CustomerFactory(
        dealership=milano, given_name="Mario", family_name="Rossi", other_phone="+390212345678"
    )
    VehicleFactory(customer=nunez, vin="ZFA3120000J123456", plate="AB 123 CD")
    VehicleFactory(customer=nunezo, vin="ZFA3120000J999999", plate="XAB123Z")
    VehicleFactory(customer=rossi, vin="WVWZZZ1JZXW000001", plate="EF 456 GH")
    return {"nunez": nunez, "nunezo": nunezo, "rossi": rossi}


def _names(matches):
    return [m.customer.family_name for m in matches]


def test_r2_5_surname_prefix_ignores_accents_and_case(milano, files):
    assert _names(customer_search(dealership=milano, query="nunez")) == ["Núñez", "Nuñezo"]
    matches = customer_search(dealership=milano, query="NÚÑ")
    assert _names(matches) == ["Núñez", "Nuñezo"]
    assert {m.matched_on for m in matches} == {MatchKind.NAME_PREFIX}


def test_r2_5_exact_surname_ranks_above_a_longer_one(milano, files):
    matches = customer_search(dealership=milano, query="Núñez")
    assert [(m.customer.family_name, m.matched_on) for m in matches] == [
        ("Núñez", MatchKind.NAME_EXACT),
        ("Nuñezo", MatchKind.NAME_PREFIX),
    ]


def test_r2_5_plate_exact_beats_prefix_beats_fragment(milano, files):
    matches = customer_search(dealership=milano, query="ab-123")
    assert [(m.customer.family_name, m.matched_on) for m in matches] == [
        ("Núñez", MatchKind.PLATE_PREFIX),
        ("Nuñezo", MatchKind.PLATE_FRAGMENT),
    ]
    exact = customer_search(dealership=milano, query="ab 123 cd")
    assert exact[0].matched_on == MatchKind.PLATE
    assert _names(exact) == ["Núñez"]


def test_r2_5_a_plate_that_starts_with_the_fragment_is_shown_before_plates_that_contain_it(milano):
    # More plates contain "123" than a result list holds; the one starting with it must not be
    # crowded out, and the plates where the fragment sits earlier come first.
    for number in range(30):
        VehicleFactory(
            customer=CustomerFactory(dealership=milano, family_name=f"Bianchi{number:02d}"),
            plate=f"ZZ{number:02d}123",
        )
    VehicleFactory(customer=CustomerFactory(dealership=milano, family_name="Verdi"), plate="X123ZZ")
    VehicleFactory(customer=CustomerFactory(dealership=milano, family_name="Conti"), plate="123ZZZ")
    matches = customer_search(dealership=milano, query="123", limit=5)
    assert [(m.customer.family_name, m.matched_on) for m in matches][:2] == [
        ("Conti", MatchKind.PLATE_PREFIX),
        ("Verdi", MatchKind.PLATE_FRAGMENT),
    ]
    assert len(matches) == 5


def test_r2_5_vin_whole_or_by_its_last_characters(milano, files):
    assert _names(customer_search(dealership=milano, query="zfa3120000j123456")) == ["Núñez"]
    tail = customer_search(dealership=milano, query="J123456")
    assert _names(tail) == ["Núñez"]
    assert tail[0].matched_on == MatchKind.VIN_TAIL
    assert tail[0].matched_vehicle_ids == {files["nunez"].vehicles.get().id}
    assert _names(customer_search(dealership=milano, query="000001")) == ["Rossi"]


@pytest.mark.parametrize("typed", ["347 123 4567", "+39 347 1234567", "0039 347 123 4567"])
def test_r2_5_phone_in_any_common_writing(milano, files, typed):
    matches = customer_search(dealership=milano, query=typed)
    assert _names(matches) == ["Núñez"]
    assert matches[0].matched_on == MatchKind.PHONE


def test_r2_5_other_phone_is_searched_too(milano, files):
    assert _names(customer_search(dealership=milano, query="02 1234 5678")) == ["Rossi"]


def test_r1_2_another_dealerships_customers_are_never_found(milano, sevilla, files):
    stranger = CustomerFactory(dealership=sevilla, family_name="Núñez", mobile_phone="+393471234567")
    VehicleFactory(customer=stranger, vin="VSSZZZ6JZ9R000777", plate="AB 123 CE")
    for query in ("Núñez", "AB123", "000777", "+393471234567", "VSSZZZ6JZ9R000777"):
        assert stranger.id not in {m.customer.id for m in customer_search(dealership=milano, query=query)}
    assert _names(customer_search(dealership=sevilla, query="000777")) == ["Núñez"]


def test_search_runs_a_fixed_number_of_queries(milano, files, django_assert_max_num_queries):
    for n in range(30):
        VehicleFactory(
            customer=CustomerFactory(dealership=milano, family_name=f"Nunez{n}"), plate=f"AB1{n:02d}"
        )
    with django_assert_max_num_queries(6):
        matches = customer_search(dealership=milano, query="nunez")
        for match in matches:
            list(match.customer.vehicles.all())
    assert len(matches) == 20  # the limit


def test_too_short_queries_find_nothing(milano, files):
    assert customer_search(dealership=milano, query="n") == []
    assert customer_search(dealership=milano, query="  ") == []


@pytest.fixture
def shanghai_customers(db):
    shanghai = DealershipFactory(slug="shanghai-search", time_zone="Asia/Shanghai", language="zh-hans")
    return {
        "zhang_wei": CustomerFactory(dealership=shanghai, family_name="张", given_name="伟"),
        "zhang_min": CustomerFactory(dealership=shanghai, family_name="张", given_name="敏"),
        "ouyang": CustomerFactory(dealership=shanghai, family_name="欧阳", given_name="娜"),
        "dealership": shanghai,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("张", {"zhang_wei", "zhang_min"}),  # one character: the family name
        ("张伟", {"zhang_wei"}),  # family name first, then the given name, no space
        ("欧阳", {"ouyang"}),  # a two-character family name
        ("欧阳娜", {"ouyang"}),
    ],
)
def test_chinese_names_are_found_by_character_family_name_first(shanghai_customers, query, expected):
    found = customer_search(dealership=shanghai_customers["dealership"], query=query)
    assert {m.customer.id for m in found} == {shanghai_customers[key].id for key in expected}
