"""Script payloads typed into names, notes, campaign titles, desk phrases and job names stay
text: pages show them escaped, never as markup that runs; plain-text e-mails and SMS carry them
as the characters typed, with no HTML to escape them for."""

import logging
from datetime import date
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from bookings.models import AppointmentJob, ScriptPhrase
from bookings.self_service import access_code_send
from dealerships.models import Role
from notifications.services.dispatch import outbox_dispatch_across_dealerships
from notifications.services.outbox import appointment_booked_messages
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CampaignFactory, CustomerFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from workshop.models import Skill

SCRIPT = "<script>alert(1)</script>"
ATTRIBUTE_BREAKOUT = '"><img src=x onerror=alert(1)>'
PAYLOADS = (SCRIPT, ATTRIBUTE_BREAKOUT)


class _Markup(HTMLParser):
    """What a browser would build from the page: its text, and any markup that would run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.live: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.live += [f"<{tag} {name}=…>" for name in attributes if name.startswith("on")]
        if tag == "script" and not attributes.get("src"):
            self.live.append("<script> with inline code")
        if tag == "img" and attributes.get("src") == "x":
            self.live.append("<img src=x>")
        self.text += [value for value in attributes.values() if value]

    handle_startendtag = handle_starttag

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def assert_shown_inert(html: str, *payloads: str) -> None:
    """Each payload is on the page as text (escaped in the source), and nothing in it runs."""
    markup = _Markup()
    markup.feed(html)
    markup.close()
    assert markup.live == []
    shown = "\n".join(markup.text)
    for payload in payloads:
        assert payload not in html  # the source never holds it raw
        assert payload in shown  # the reader sees what was typed


@pytest.fixture
def planted(milano):
    """Milano's data with a payload in every field a person types."""
    advisor = AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    JobFactory(dealership=milano, code="SRV", name=SCRIPT, labour_minutes=60)
    customer = CustomerFactory(
        dealership=milano,
        given_name=SCRIPT,
        family_name=ATTRIBUTE_BREAKOUT,
        notes=f"{SCRIPT}\n{ATTRIBUTE_BREAKOUT}",
        email="mario@example.com",
        mobile_phone="+393471234567",
        language="en",
    )
    vehicle = VehicleFactory(customer=customer, plate="AB 123 CD", make="Fiat", model=ATTRIBUTE_BREAKOUT)
    campaign = CampaignFactory(
        dealership=milano, code="REC-1", title=SCRIPT, make="Fiat", starts_on=date(2000, 1, 1)
    )
    # The greeting in the dealership's language; the recap's phrases in the customer's.
    ScriptPhrase.objects.create(dealership=milano, key="greeting", language="it", text=f"{SCRIPT} {{name}}")
    ScriptPhrase.objects.create(dealership=milano, key="arrival", language="en", text=ATTRIBUTE_BREAKOUT)
    ScriptPhrase.objects.create(dealership=milano, key="documents", language="en", text=SCRIPT)
    appointment = AppointmentFactory(advisor=advisor, vehicle=vehicle, customer=customer)
    AppointmentJob.objects.create(
        dealership=milano,
        appointment=appointment,
        campaign=campaign,
        description=f"{campaign.code} {campaign.title}",
        skill=Skill.MAINTENANCE,
        labour_minutes=30,
    )
    return {"customer": customer, "vehicle": vehicle, "appointment": appointment}


@pytest.fixture
def manager(client, member_of):
    client.force_login(member_of(Role.DEALER_MANAGER))
    return client


def _page(client, name: str, query: dict | None = None, **kwargs) -> str:
    response = client.get(reverse(name, kwargs={"dealership_slug": "milano", **kwargs}), query or {})
    assert response.status_code == 200
    return response.content.decode()


def test_the_customer_file_shows_names_notes_and_vehicle_as_text(manager, planted):
    page = _page(manager, "customer_detail", customer_id=planted["customer"].id)
    assert_shown_inert(page, *PAYLOADS)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_search_results_and_the_echoed_query_are_text(manager, planted):
    found = _page(manager, "customer_search", {"q": "AB 123 CD"})
    assert_shown_inert(found, *PAYLOADS)
    partial = manager.get(
        reverse("customer_search", kwargs={"dealership_slug": "milano"}),
        {"q": "AB123CD"},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert_shown_inert(partial, *PAYLOADS)
    # What the operator typed comes back in the box and in "no file matches": as text too.
    assert_shown_inert(_page(manager, "customer_search", {"q": SCRIPT}), SCRIPT)


def test_the_phone_page_shows_greeting_customer_campaign_and_jobs_as_text(manager, planted):
    page = _page(manager, "phone_booking", {"customer": planted["customer"].id})
    assert_shown_inert(page, *PAYLOADS)
    assert page.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 4  # greeting, name, campaign, job


def test_the_agenda_and_the_appointment_page_show_them_as_text(manager, planted):
    appointment = planted["appointment"]
    agenda = _page(manager, "agenda", {"day": appointment.local_day.isoformat()})
    assert_shown_inert(agenda, *PAYLOADS)
    detail = _page(manager, "appointment_detail", appointment_id=appointment.id)
    assert_shown_inert(detail, *PAYLOADS)


def test_the_recap_to_read_out_shows_phrases_and_jobs_as_text(manager, planted):
    page = _page(manager, "appointment_booked", appointment_id=planted["appointment"].id)
    assert_shown_inert(page, *PAYLOADS)


def test_the_campaign_list_shows_titles_as_text(manager, planted):
    assert_shown_inert(_page(manager, "campaign_list"), SCRIPT)


def test_the_confirmation_e_mail_is_plain_text_carrying_what_was_typed(planted):
    appointment = planted["appointment"]
    appointment.channel = "web"  # an online booking is confirmed by e-mail, with its invitation
    appointment.save(update_fields=["channel"])
    appointment_booked_messages(appointment=appointment, now=timezone.now())
    outbox_dispatch_across_dealerships(now=timezone.now(), limit=10)
    (message,) = mail.outbox
    assert message.content_subtype == "plain"
    assert getattr(message, "alternatives", []) == []  # no HTML part to escape for
    assert ATTRIBUTE_BREAKOUT in message.body  # the vehicle's model, as typed
    assert "&lt;" not in message.body
    assert "&quot;" not in message.body
    (invitation,) = message.attachments
    assert invitation[2] == "text/calendar"
    calendar = invitation[1] if isinstance(invitation[1], str) else invitation[1].decode()
    unfolded = calendar.replace("\r\n ", "")  # RFC 5545 folds long lines
    assert ATTRIBUTE_BREAKOUT in unfolded  # the event's description is the same text
    assert "&lt;" not in unfolded


def test_the_booking_code_by_e_mail_and_by_sms_is_plain_text(planted, milano, caplog):
    milano.name = SCRIPT
    milano.save()
    access_code_send(dealership=milano, plate="AB 123 CD", contact="mario@example.com", now=timezone.now())
    outbox_dispatch_across_dealerships(now=timezone.now(), limit=10)
    (message,) = mail.outbox
    assert message.content_subtype == "plain"
    assert getattr(message, "alternatives", []) == []
    assert SCRIPT in message.body

    # No Twilio account configured: the text message goes to the console, as the customer reads it.
    with caplog.at_level(logging.INFO, logger="notifications.console"):
        access_code_send(dealership=milano, plate="AB 123 CD", contact="+39 347 123 4567", now=timezone.now())
        outbox_dispatch_across_dealerships(now=timezone.now(), limit=10)
    (sms,) = [record.getMessage() for record in caplog.records if record.getMessage().startswith("SMS to")]
    assert SCRIPT in sms
    assert "&lt;" not in sms
