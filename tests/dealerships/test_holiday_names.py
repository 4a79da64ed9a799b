"""Public holidays are named in the dealership's language, whatever the language of the
server's own locale settings (which the `holidays` package reads when it is given none)."""

from datetime import date

import pytest

from dealerships.models import Closure
from dealerships.services import closures_prefill_public_holidays
from tests.factories.dealerships import DealershipFactory


@pytest.fixture(autouse=True)
def english_server(monkeypatch):
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.setenv(name, "en_US.UTF-8")


def _reason(dealership, day):
    return Closure.objects.get(dealership=dealership, start_date=day).reason


@pytest.mark.parametrize(
    ("country", "language", "time_zone", "day", "name"),
    [
        ("IT", "it", "Europe/Rome", date(2026, 4, 6), "Lunedì dell'Angelo"),
        ("RU", "ru", "Europe/Moscow", date(2026, 1, 7), "Рождество Христово"),
        ("CN", "zh-hans", "Asia/Shanghai", date(2026, 10, 1), "国庆节"),
        ("MX", "es", "America/Mexico_City", date(2026, 9, 16), "Día de la Independencia"),
        ("US", "en", "America/New_York", date(2026, 7, 4), "Independence Day"),
    ],
)
def test_holidays_are_named_in_the_dealerships_language(db, country, language, time_zone, day, name):
    dealership = DealershipFactory(
        slug=f"shop-{country.lower()}", country=country, language=language, time_zone=time_zone
    )
    closures_prefill_public_holidays(dealership=dealership, year=2026)
    assert _reason(dealership, day) == name


def test_a_language_the_calendar_lacks_gets_the_countrys_own_names(db):
    """No Italian calendar in French: the names are the Italian ones, not the server's English."""
    dealership = DealershipFactory(slug="shop-fr-it", country="IT", language="fr")
    closures_prefill_public_holidays(dealership=dealership, year=2026)
    assert _reason(dealership, date(2026, 4, 6)) == "Lunedì dell'Angelo"


def test_english_is_named_in_english_in_italy(db):
    dealership = DealershipFactory(slug="shop-en-it", country="IT", language="en")
    closures_prefill_public_holidays(dealership=dealership, year=2026)
    assert _reason(dealership, date(2026, 4, 6)) == "Easter Monday"
