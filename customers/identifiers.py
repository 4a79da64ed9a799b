"""Pure normalisation and validation of what people type to identify a car or a customer.

VINs (ISO 3779), registration plates and names are stored as typed for display and once more
normalised for search, so "AB-123 cd", "ab123CD" and "АВ123СD" (Cyrillic) find the same car.
"""

import re
import unicodedata

VIN_LENGTH = 17
# I, O and Q are never used in a VIN: they look like 1 and 0.
_VIN_ALPHABET = re.compile(r"^[A-HJ-NPR-Z0-9]{17}$")
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
# Markets whose VINs carry the ISO 3779 check digit in position 9 (North America, China).
CHECK_DIGIT_COUNTRIES = frozenset({"US", "CA", "MX", "CN"})


class InvalidIdentifier(ValueError):
    """Carries a message code the edge turns into a translated, field-level error."""

    def __init__(self, code: str, **params: object):
        self.code = code
        self.params = params
        super().__init__(code)


def normalize_vin(raw: str) -> str:
    return re.sub(r"[\s\-]", "", raw or "").upper()


def vin_check_digit(vin: str) -> str:
    total = sum(_VIN_VALUES[char] * weight for char, weight in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def validate_vin(raw: str, *, country: str) -> str:
    """Return the normalised VIN or raise InvalidIdentifier (length, I/O/Q, check digit)."""
    vin = normalize_vin(raw)
    if len(vin) != VIN_LENGTH:
        raise InvalidIdentifier("vin_length", length=len(vin))
    forbidden = sorted(set(vin) & {"I", "O", "Q"})
    if forbidden:
        raise InvalidIdentifier("vin_ioq", letters=", ".join(forbidden))
    if not _VIN_ALPHABET.match(vin):
        raise InvalidIdentifier("vin_characters")
    if country.upper() in CHECK_DIGIT_COUNTRIES and vin[8] != vin_check_digit(vin):
        raise InvalidIdentifier("vin_check_digit", expected=vin_check_digit(vin), found=vin[8])
    return vin


# Russian plates use the twelve Cyrillic letters that look like Latin ones; people type either.
_CYRILLIC_LOOKALIKES = str.maketrans("АВЕКМНОРСТУХ", "ABEKMHOPCTYX")
_PLATE_SEPARATORS = re.compile(r"[\s\-.·_/]")


def normalize_plate(raw: str) -> str:
    return _PLATE_SEPARATORS.sub("", (raw or "").upper()).translate(_CYRILLIC_LOOKALIKES)


def validate_plate(raw: str) -> str:
    """Return the normalised plate, or raise InvalidIdentifier when it cannot be a plate."""
    plate = normalize_plate(raw)
    if not 2 <= len(plate) <= 12:
        raise InvalidIdentifier("plate_length")
    if not all(char.isalnum() for char in plate):
        raise InvalidIdentifier("plate_characters")
    return plate


def normalize_name(raw: str) -> str:
    """Accent- and case-insensitive form of a name: "Núñez" and "nunez" match."""
    decomposed = unicodedata.normalize("NFKD", raw or "")
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(stripped.casefold().split())
