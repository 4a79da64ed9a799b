"""A dealership's own message texts: the editor with its live preview and SMS segment count,
unknown placeholders refused at save, and the dispatcher sending the dealership's text."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from dealerships.models import Role
from notifications import templating
from notifications.models import MessageKind, MessageStatus, MessageTemplate
from notifications.services.outbox import appointment_booked_messages
from tests.factories.bookings import AppointmentFactory
from tests.notifications.conftest import MONDAY, local, rows
from tests.workshop.snapshots import at

NOW = at(MONDAY, "10:00")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def manager(member_of):
    return member_of(Role.DEALER_MANAGER, username="marta")


def _edit_url(kind="day_before", language="it"):
    return reverse(
        "message_template_edit", kwargs={"dealership_slug": "milano", "kind": kind, "language": language}
    )


def _preview_url(kind="day_before", language="it"):
    return reverse(
        "message_template_preview", kwargs={"dealership_slug": "milano", "kind": kind, "language": language}
    )


def test_placeholders_are_filled_and_unknown_ones_found():
    assert templating.unknown_placeholders("day_before", ["{dealership} {when} {colour}"]) == ["colour"]
    assert templating.unknown_placeholders("access_code", ["{code} {when}"]) == ["when"]
    filled = templating.fill("{dealership}: {when} {nothing} {x y}", {"dealership": "A", "when": "B"})
    assert filled == "A: B {nothing} {x y}"


def test_the_editor_starts_from_the_built_in_text_in_its_language(client, milano, manager):
    client.force_login(manager)
    page = client.get(_edit_url(language="it")).content.decode()
    textarea = page.split("<textarea", 1)[1].split("</textarea>", 1)[0]
    assert "{dealership}: " in textarea
    assert "{when}" in textarea
    assert "{vehicle}" in textarea
    assert textarea.rstrip().endswith("{reply_hint}")
    assert 'id="text-preview"' in page
    assert "{manage_link}" in page  # the allowed placeholders are listed
    assert 'hx-post="/d/milano/settings/messages/day_before/it/preview/"' in page


def test_an_unknown_placeholder_is_refused_at_save_with_the_allowed_ones_listed(client, milano, manager):
    client.force_login(manager)
    response = client.post(_edit_url(), {"subject": "", "body": "{dealership}: a domani {colour}"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Unknown placeholder: {colour}" in page
    assert "{dealership}, {customer}, {vehicle}, {when}" in page
    assert not MessageTemplate.objects.exists()


def test_the_preview_renders_the_sample_appointment_and_counts_sms_segments(client, milano, manager):
    client.force_login(manager)
    response = client.post(
        _preview_url(), {"subject": "", "body": "{dealership}: a domani, {when}."}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith('<section id="text-preview"')
    assert "Autosalone Milano: a domani, " in page
    assert "in GSM-7, 1 segment." in page

    chinese = client.post(
        _preview_url(language="zh-hans"), {"subject": "", "body": "{dealership}：明天见，{when}。" * 3}
    ).content.decode()
    assert "in UCS-2, 2 segments." in chinese


def test_the_preview_shows_the_field_error_of_an_unknown_placeholder(client, milano, manager):
    client.force_login(manager)
    page = client.post(_preview_url(), {"subject": "", "body": "{when} {price}"}).content.decode()
    assert "Unknown placeholder: {price}" in page


def test_only_a_manager_edits_the_texts(client, milano, alice):
    client.force_login(alice)
    assert client.get(_edit_url()).status_code == 403
    assert client.post(_edit_url(), {"body": "x"}).status_code == 403
    assert (
        client.get(reverse("message_template_list", kwargs={"dealership_slug": "milano"})).status_code == 403
    )


def test_an_unknown_kind_or_language_is_not_found(client, milano, manager):
    client.force_login(manager)
    assert client.get(_edit_url(kind="birthday")).status_code == 404
    assert client.get(_edit_url(language="de")).status_code == 404


def test_the_dispatcher_sends_the_dealerships_own_text_in_the_customers_language(
    client, milano, shop, manager, dispatch
):
    client.force_login(manager)
    saved = client.post(
        _edit_url(kind="booking_confirmation", language="it"),
        {"subject": "", "body": "Ciao {customer}, {dealership} ti aspetta {when} ({vehicle}). {reply_hint}"},
    )
    assert saved.status_code == 302
    listing = client.get(reverse("message_template_list", kwargs={"dealership_slug": "milano"}))
    assert "own text" in listing.content.decode()
    appointment = AppointmentFactory(
        advisor=shop["advisor"],
        vehicle=shop["vehicle"],
        customer=shop["customer"],
        drop_off_at=local(milano, MONDAY + timedelta(days=2), "08:00"),
    )
    appointment_booked_messages(appointment=appointment, now=NOW)
    dispatch(NOW)
    [confirmation] = rows(kind=MessageKind.BOOKING_CONFIRMATION)
    assert confirmation.status == MessageStatus.SENT
    assert confirmation.rendered_text.startswith(
        "Ciao Mario Bianchi, Autosalone Milano ti aspetta Mercoledì 25 Novembre 2026, 08:00 (Fiat 500"
    )
    # {reply_hint}: the built-in instruction, in the customer's language, on an SMS.
    assert confirmation.rendered_text.endswith(
        "Risponda 1 per confermare, 2 per annullare, 3 per chiedere un altro orario."
    )


def test_going_back_to_the_built_in_text(client, milano, manager):
    client.force_login(manager)
    client.post(_edit_url(), {"subject": "", "body": "{dealership}: domani {when}"})
    assert MessageTemplate.objects.count() == 1
    assert client.post(_edit_url(), {"reset": "1"}).status_code == 302
    assert not MessageTemplate.objects.exists()


def _api_url(kind="day_before", language="it"):
    return reverse(
        "api_message_template_detail",
        kwargs={"dealership_slug": "milano", "kind": kind, "language": language},
    )


def test_the_api_puts_lists_and_deletes_a_dealerships_own_text(client, milano, manager):
    client.force_login(manager)
    put = client.put(
        _api_url(), {"subject": "", "body": "{dealership}: domani {when}"}, content_type="application/json"
    )
    assert put.status_code == 200
    assert put.json()["body"] == "{dealership}: domani {when}"
    assert "reply_hint" in put.json()["placeholders"]
    listing = client.get(reverse("api_message_template_list", kwargs={"dealership_slug": "milano"})).json()
    assert [(t["kind"], t["language"]) for t in listing] == [("day_before", "it")]
    assert client.delete(_api_url()).status_code == 204
    assert client.get(_api_url()).status_code == 404


def test_the_api_refuses_an_unknown_placeholder_on_its_field(client, milano, manager, alice):
    client.force_login(manager)
    response = client.put(_api_url(), {"body": "{when} {price}"}, content_type="application/json")
    assert response.status_code == 400
    assert "Unknown placeholder: {price}" in str(response.json())
    assert "body" in str(response.json())
    assert not MessageTemplate.objects.exists()
    client.force_login(alice)
    assert client.put(_api_url(), {"body": "{when}"}, content_type="application/json").status_code == 403
