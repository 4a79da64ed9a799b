"""VINs (ISO 3779), plates and names: pure validation and normalisation, no database."""

import pytest

from customers.identifiers import (
    InvalidIdentifier,
    normalize_name,
    normalize_plate,
    validate_plate,
    validate_vin,
    vin_check_digit,
)


@pytest.mark.parametrize(
    "vin",
    # Published examples whose 9th character is a correct check digit (X stands for 10).
    ["1M8GDM9AXKP042788", "1HGCM82633A004352", "11111111111111111"],
)
def test_r2_5_north_american_vins_with_a_correct_check_digit_are_accepted(vin):
    assert validate_vin(vin, country="US") == vin
    assert vin_check_digit(vin) == vin[8]


def test_r2_5_a_wrong_check_digit_is_refused_where_the_market_uses_it():
    with pytest.raises(InvalidIdentifier) as caught:
        validate_vin("1HGCM82623A004352", country="US")
    assert caught.value.code == "vin_check_digit"
    assert caught.value.params == {"expected": "3", "found": "2"}


def test_r2_5_european_vins_carry_no_check_digit():
    # WVW... is a Volkswagen VIN: position 9 is a filler in Europe, not a check digit.
    assert validate_vin("WVWZZZ1JZXW000001", country="IT") == "WVWZZZ1JZXW000001"
    with pytest.raises(InvalidIdentifier):
        validate_vin("WVWZZZ1JZXW000001", country="US")


def test_r2_5_chinese_vins_are_checked():
    assert validate_vin("LSVAU218XN2183294", country="CN") == "LSVAU218XN2183294"
    with pytest.raises(InvalidIdentifier):
        validate_vin("LSVAU2180N2183294", country="CN")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("1HGCM82633A00435", "vin_length"),  # 16
        ("1HGCM82633A0043521", "vin_length"),  # 18
        ("", "vin_length"),
        ("1HGCM82633A00435I", "vin_ioq"),
        ("OHGCM82633A004352", "vin_ioq"),
        ("1HGCM82633A00435Q", "vin_ioq"),
        ("1HGCM82633A00435*", "vin_characters"),
        ("1HGCM82633A00435Ä", "vin_characters"),
    ],
)
def test_r2_5_malformed_vins_say_what_is_wrong(raw, code):
    with pytest.raises(InvalidIdentifier) as caught:
        validate_vin(raw, country="IT")
    assert caught.value.code == code


def test_vins_are_normalised_to_upper_case_without_spaces():
    assert validate_vin(" 1hgcm8 2633a004352 ", country="US") == "1HGCM82633A004352"


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("AB-123 cd", "AB123CD"),
        ("ab123CD", "AB123CD"),
        ("А123ВС 77", "A123BC77"),  # Cyrillic letters typed on a Russian keyboard
        ("京A·12345", "京A12345"),
        ("1-ABC-234", "1ABC234"),
    ],
)
def test_plates_normalise_for_search(raw, normalised):
    assert normalize_plate(raw) == normalised
    assert validate_plate(raw) == normalised


@pytest.mark.parametrize("raw", ["A", "AB12#", "ABCDEFGHIJKLM"])
def test_impossible_plates_are_refused(raw):
    with pytest.raises(InvalidIdentifier):
        validate_plate(raw)


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Núñez", "nunez"),
        ("  GARCÍA  López ", "garcia lopez"),
        ("Ёлкин", "елкин"),
        ("王", "王"),
        ("D'Été", "d'ete"),
    ],
)
def test_names_normalise_without_accents_or_case(raw, normalised):
    assert normalize_name(raw) == normalised
