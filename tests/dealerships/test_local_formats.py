"""Dates and times in each language's own forms, not one pattern for all (the customer reads
"2026年12月2日 星期三" in Chinese and "Среда 2 декабря 2026 г." in Russian)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone, translation

from dealerships.templatetags.local_formats import long_day

WEDNESDAY = date(2026, 12, 2)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("zh-hans", "2026年12月2日 星期三"),
        ("ru", "Среда 2 декабря 2026 г."),
        ("it", "Mercoledì 02 Dicembre 2026"),
        ("es", "Miércoles 2 de diciembre de 2026"),
        ("fr", "Mercredi 2 décembre 2026"),
        ("en", "Wednesday Dec. 2, 2026"),
    ],
)
def test_the_day_is_written_as_the_language_writes_it(language, expected):
    with translation.override(language):
        assert long_day(WEDNESDAY) == expected


def test_a_moment_is_shown_in_the_dealerships_zone_with_the_languages_time_form():
    moment = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)  # 15:30 in Shanghai
    template = Template("{% load local_formats %}{{ moment|long_day_time }}")
    with translation.override("zh-hans"), timezone.override(ZoneInfo("Asia/Shanghai")):
        assert template.render(Context({"moment": moment})) == "2026年12月2日 星期三 15:30"


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "27,612"),
        ("it", "27.612"),
        ("es", "27\xa0612"),
        ("fr", "27\xa0612"),
        ("ru", "27\xa0612"),
        ("zh-hans", "27612"),  # Django's Chinese formats do not group
    ],
)
def test_a_mileage_is_grouped_as_the_language_groups_digits(language, expected):
    template = Template("{% load local_formats %}{{ km|grouped }}")
    with translation.override(language):
        assert template.render(Context({"km": 27_612})) == expected
