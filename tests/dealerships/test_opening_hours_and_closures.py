"""Reception hours and closures: field-level errors, all-or-nothing writes, local dates."""

import html
from datetime import UTC, date, datetime, time

import pytest
import time_machine
from django.urls import reverse

from dealerships.forms import parse_intervals
from dealerships.models import Closure, OpeningHours, Role
from dealerships.selectors import dealership_local_today


def _monday(dealership) -> list[tuple[time, time]]:
    return list(OpeningHours.objects.filter(dealership=dealership, weekday=0).values_list("opens", "closes"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("08:00-12:30", [(time(8), time(12, 30))]),
        ("14:00-18:30, 8.00–12.30", [(time(8), time(12, 30)), (time(14), time(18, 30))]),
    ],
)
def test_hours_parse_in_the_ways_staff_write_them(text, expected):
    assert parse_intervals(text) == expected


@pytest.fixture
def workshop_manager(member_of):
    return member_of(Role.WORKSHOP_MANAGER)


def test_hours_form_saves_the_week(client, workshop_manager, milano):
    client.force_login(workshop_manager)
    url = reverse("opening_hours_edit", kwargs={"dealership_slug": milano.slug})
    response = client.post(url, {"day_0": "07:30-12:00, 13:00-19:00", "day_5": "09:00-12:00"})
    assert response.status_code == 302
    assert _monday(milano) == [(time(7, 30), time(12)), (time(13), time(19))]
    assert not OpeningHours.objects.filter(dealership=milano, weekday=1).exists()  # emptied: closed


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("8-12", "08:00-12:30"),
        ("18:00-08:00", "closing time is not after"),
        ("08:00-12:00, 11:00-14:00", "overlap"),
        ("25:00-26:00", "not a time of day"),
    ],
)
def test_hours_form_rejects_bad_input_field_by_field_and_keeps_the_old_week(
    client, workshop_manager, milano, value, message
):
    client.force_login(workshop_manager)
    url = reverse("opening_hours_edit", kwargs={"dealership_slug": milano.slug})
    response = client.post(url, {"day_0": value, "day_1": "09:00-10:00"})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert 'id="id_day_0_error"' in response.content.decode()
    assert _monday(milano) == [(time(8), time(12, 30)), (time(14), time(18, 30))]


def test_hours_errors_are_in_the_users_language(client, workshop_manager, milano):
    client.force_login(workshop_manager)
    client.cookies["django_language"] = "it"
    url = reverse("opening_hours_edit", kwargs={"dealership_slug": milano.slug})
    response = client.post(url, {"day_0": "18:00-08:00"})
    assert response.status_code == 400
    assert "l'orario di chiusura non è successivo" in html.unescape(response.content.decode())


def test_api_replaces_the_week_or_answers_field_errors(client, workshop_manager, milano):
    client.force_login(workshop_manager)
    url = reverse("api_opening_hours", kwargs={"dealership_slug": milano.slug})
    bad = client.put(
        url, [{"weekday": 0, "opens": "12:00", "closes": "09:00"}], content_type="application/json"
    )
    assert bad.status_code == 400
    assert bad.json()["errors"] == {"closes": ["Closing time must be after opening time."]}
    overlapping = [
        {"weekday": 2, "opens": "08:00", "closes": "12:00"},
        {"weekday": 2, "opens": "11:00", "closes": "15:00"},
    ]
    assert client.put(url, overlapping, content_type="application/json").status_code == 400
    assert _monday(milano) == [(time(8), time(12, 30)), (time(14), time(18, 30))]  # nothing half-written

    good = client.put(
        url, [{"weekday": 0, "opens": "09:00", "closes": "17:00"}], content_type="application/json"
    )
    assert good.status_code == 200
    assert client.get(url).json() == [{"weekday": 0, "opens": "09:00:00", "closes": "17:00:00"}]


def test_api_rejects_a_weekday_out_of_range(client, workshop_manager, milano):
    client.force_login(workshop_manager)
    url = reverse("api_opening_hours", kwargs={"dealership_slug": milano.slug})
    response = client.put(
        url, [{"weekday": 9, "opens": "09:00", "closes": "17:00"}], content_type="application/json"
    )
    assert response.status_code == 400
    assert "weekday" in response.json()["errors"]["0"]  # the first item of the list


def test_closure_api_creates_lists_and_deletes(client, workshop_manager, milano):
    client.force_login(workshop_manager)
    url = reverse("api_closure_list", kwargs={"dealership_slug": milano.slug})
    created = client.post(
        url,
        {"start_date": "2099-08-14", "end_date": "2099-08-16", "reason": "Ferragosto"},
        content_type="application/json",
    )
    assert created.status_code == 201
    assert [c["reason"] for c in client.get(url).json()] == ["Ferragosto"]
    detail = reverse(
        "api_closure_detail", kwargs={"dealership_slug": milano.slug, "closure_id": created.json()["id"]}
    )
    assert client.delete(detail).status_code == 204
    assert not Closure.objects.filter(dealership=milano).exists()


def test_closure_api_rejects_a_reversed_range(client, workshop_manager, milano):
    client.force_login(workshop_manager)
    url = reverse("api_closure_list", kwargs={"dealership_slug": milano.slug})
    response = client.post(
        url,
        {"start_date": "2099-08-16", "end_date": "2099-08-14", "reason": "x"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["end_date"] == ["The last day cannot be before the first day."]
    malformed = client.post(url, {"start_date": "yesterday"}, content_type="application/json")
    assert malformed.status_code == 400
    assert set(malformed.json()["errors"]) == {"start_date", "end_date", "reason"}
    assert not Closure.objects.filter(dealership=milano).exists()


def test_closure_form_adds_and_removes(client, workshop_manager, milano):
    client.force_login(workshop_manager)
    url = reverse("closure_list", kwargs={"dealership_slug": milano.slug})
    bad = client.post(url, {"start_date": "2099-12-27", "end_date": "2099-12-24", "reason": "Natale"})
    assert bad.status_code == 400
    assert "The last day cannot be before the first day." in bad.content.decode()
    assert (
        client.post(
            url, {"start_date": "2099-12-24", "end_date": "2099-12-27", "reason": "Natale"}
        ).status_code
        == 302
    )
    closure = Closure.objects.get(dealership=milano)
    assert "Natale" in client.get(url).content.decode()
    delete_url = reverse("closure_delete", kwargs={"dealership_slug": milano.slug, "closure_id": closure.id})
    assert client.get(delete_url).status_code == 405  # deleting needs a POST
    assert client.post(delete_url).status_code == 302
    assert not Closure.objects.filter(id=closure.id).exists()


@pytest.mark.parametrize(
    ("time_zone", "utc_now", "local_day"),
    [
        # 23:30 UTC on 31 Dec is already New Year's Day in Rome and Moscow...
        ("Europe/Rome", datetime(2026, 12, 31, 23, 30, tzinfo=UTC), date(2027, 1, 1)),
        ("Europe/Moscow", datetime(2026, 12, 31, 21, 30, tzinfo=UTC), date(2027, 1, 1)),
        ("Asia/Shanghai", datetime(2026, 12, 31, 16, 0, tzinfo=UTC), date(2027, 1, 1)),
        # ...and still New Year's Eve in New York and Mexico City.
        ("America/New_York", datetime(2027, 1, 1, 4, 30, tzinfo=UTC), date(2026, 12, 31)),
        ("America/Mexico_City", datetime(2027, 1, 1, 5, 30, tzinfo=UTC), date(2026, 12, 31)),
    ],
)
def test_today_is_the_dealerships_local_day(milano, time_zone, utc_now, local_day):
    milano.time_zone = time_zone
    milano.__dict__.pop("tz", None)
    assert dealership_local_today(dealership=milano, now=utc_now) == local_day


def test_closed_today_follows_the_local_calendar_not_utc(client, alice, milano):
    """At 00:30 in Rome on 1 Nov (23:30 UTC on 31 Oct) the All Saints closure is today."""
    Closure.objects.create(
        dealership=milano, start_date=date(2026, 11, 1), end_date=date(2026, 11, 1), reason="Ognissanti"
    )
    client.force_login(alice)
    client.cookies["django_language"] = "en"
    with time_machine.travel(datetime(2026, 10, 31, 23, 30, tzinfo=UTC), tick=False):
        page = client.get(
            reverse("dealership_home", kwargs={"dealership_slug": milano.slug})
        ).content.decode()
    assert "Closed today" in page
    assert "It is 00:30" in page


def test_local_clock_across_the_spring_forward_in_rome(client, alice, milano):
    """DST: at 01:30 UTC on 29 Mar 2026 Rome has jumped from 02:00 to 03:00 CEST."""
    client.force_login(alice)
    client.cookies["django_language"] = "en"
    with time_machine.travel(datetime(2026, 3, 29, 1, 30, tzinfo=UTC), tick=False):
        page = client.get(
            reverse("dealership_home", kwargs={"dealership_slug": milano.slug})
        ).content.decode()
    assert "It is 03:30" in page


def test_staff_list_has_a_fixed_query_count(client, member_of, milano, django_assert_max_num_queries):
    manager = member_of(Role.DEALER_MANAGER)
    client.force_login(manager)
    url = reverse("staff_list", kwargs={"dealership_slug": milano.slug})
    client.get(url)  # warm the session
    with django_assert_max_num_queries(9) as small:
        client.get(url)
    for n in range(15):
        member_of(Role.TECHNICIAN, username=f"tech{n}")
    with django_assert_max_num_queries(len(small.captured_queries)) as large:
        response = client.get(url)
    assert response.content.decode().count("<tr>") == 17  # header + manager + 15 technicians
    assert len(large.captured_queries) == len(small.captured_queries)


def test_a_form_encoded_replacement_is_refused_and_keeps_the_week(client, workshop_manager, milano):
    # Read as JSON it would be an empty list, which replaces the week with nothing.
    client.force_login(workshop_manager)
    url = reverse("api_opening_hours", kwargs={"dealership_slug": milano.slug})
    response = client.put(
        url, "weekday=0&opens=09:00&closes=17:00", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert "detail" in response.json()
    assert _monday(milano) == [(time(8), time(12, 30)), (time(14), time(18, 30))]
