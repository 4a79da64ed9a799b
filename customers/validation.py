"""Edge validation shared by forms, API serializers and the CSV import: one message per mistake,
in the user's language, attached to the field it concerns."""

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import PhoneNumber

from customers.identifiers import InvalidIdentifier, validate_plate, validate_vin
from dealerships.models import Dealership

MESSAGES = {
    "vin_length": _("A VIN has 17 characters; this one has %(length)s."),
    "vin_ioq": _("A VIN never contains the letters I, O or Q (found: %(letters)s)."),
    "vin_characters": _("A VIN has only the letters A-Z (without I, O, Q) and digits."),
    "vin_check_digit": _(
        "The check digit (9th character) should be %(expected)s, not %(found)s: please read the VIN again."
    ),
    "plate_length": _("A registration plate has 2 to 12 letters and digits."),
    "plate_characters": _("A registration plate has only letters and digits."),
}


def _error(exc: InvalidIdentifier) -> ValidationError:
    return ValidationError(MESSAGES[exc.code], code=exc.code, params=exc.params)


def clean_vin(raw: str, *, dealership: Dealership) -> str:
    try:
        return validate_vin(raw, country=dealership.country)
    except InvalidIdentifier as exc:
        raise _error(exc) from None


def clean_plate(raw: str) -> str:
    """Validate a plate and return it as typed, trimmed (the search form is derived later)."""
    try:
        validate_plate(raw)
    except InvalidIdentifier as exc:
        raise _error(exc) from None
    return " ".join(raw.split()).upper()


def clean_phone(raw: str, *, dealership: Dealership) -> PhoneNumber | str:
    """Parse a phone number as the dealership's region writes it; return E.164 or ''."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = PhoneNumber.from_string(raw, region=dealership.phone_region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not number.is_valid():
        raise ValidationError(
            _(
                "“%(number)s” is not a valid phone number for %(region)s; "
                "add the country code if it is foreign."
            ),
            code="invalid_phone",
            params={"number": raw, "region": dealership.phone_region},
        )
    return number
