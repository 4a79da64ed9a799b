"""Customers book themselves (R9.5): code instead of password, held times, server-side checks,
the confirmation e-mail with its invitation, the manage link, the funnel, the rate limit."""

import re
from datetime import date, datetime, timedelta

import icalendar
import pytest
import time_machine
from django.core import mail
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus, FunnelEvent, SlotHold
from bookings.offers import availability_offer
from bookings.self_service import manage_token
from notifications.services.dispatch import outbox_dispatch_across_dealerships
from tests.factories.bookings import AppointmentFactory, requested_work
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.models import Advisor, Skill, WorkshopPolicy

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture(autouse=True)
def clock():
    cache.clear()  # the rate limit counts in the cache
    with time_machine.travel(at(MONDAY, "10:00"), tick=False) as traveller:
        yield traveller


@pytest.fixture
def shop(milano):
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    JobFactory(dealership=milano, code="SRV", name="Tagliando", labour_minutes=60)
    customer = CustomerFactory(
        dealership=milano, given_name="Mario", family_name="Bianchi", email="mario@example.com", language="en"
    )
    vehicle = VehicleFactory(customer=customer, plate="AB 123 CD")
    return {"customer": customer, "vehicle": vehicle}


def _url(name, **kwargs):
    return reverse(name, kwargs={"dealership_slug": "milano", **kwargs})


def _identify(client, plate="ab123cd", contact="mario@example.com"):
    return client.post(_url("self_booking_start"), {"plate": plate, "contact": contact}, follow=True)


def _sent_mail() -> list:
    """The e-mails sent once the outbox is delivered, as its workers would (notifications)."""
    outbox_dispatch_across_dealerships(now=timezone.now(), limit=100)
    return mail.outbox


def _code_from_mail() -> str:
    return re.search(r"\b(\d{6})\b", _sent_mail()[-1].body).group(1)


def _signed_in(client):
    _identify(client)
    client.post(_url("self_booking_verify"), {"code": _code_from_mail()})


def _hold_first_time(client) -> str:
    times = client.get(_url("self_booking_times"), {"jobs": "SRV", "mobility": "none"}).content.decode()
    choice = re.search(r'id="time-1" value="([^"]+)"', times).group(1)
    answers = {"jobs": "SRV", "mobility": "none", "proposal": choice}
    assert client.post(_url("self_booking_times") + "?jobs=SRV&mobility=none", answers).status_code == 302
    return choice


def test_r9_5_a_customer_books_online_from_plate_to_confirmation(client, shop):
    landing = client.get(reverse("booking_landing", kwargs={"dealership_slug": "milano"})).content.decode()
    assert "Send me a code" in landing
    page = _identify(client)
    assert "we have sent a six-digit code" in page.content.decode()
    assert _sent_mail()[-1].to == ["mario@example.com"]
    assert client.post(_url("self_booking_verify"), {"code": _code_from_mail()}).status_code == 302

    _hold_first_time(client)
    assert SlotHold.objects.count() == 1
    assert "We hold" in client.get(_url("self_booking_confirm")).content.decode()

    done = client.post(_url("self_booking_confirm"), follow=True)
    appointment = Appointment.objects.get()
    assert appointment.channel == "web"
    assert appointment.status == AppointmentStatus.BOOKED
    assert SlotHold.objects.count() == 0
    assert "Your appointment" in done.content.decode()
    confirmation = _sent_mail()[-1]
    assert confirmation.subject == "Your service appointment at Autosalone Milano"
    assert "/book/milano/appointment/" in confirmation.body
    [(filename, ics, mimetype)] = confirmation.attachments
    assert (filename, mimetype) == ("appointment.ics", "text/calendar")
    assert "BEGIN:VEVENT" in (ics.decode() if isinstance(ics, bytes) else ics)
    steps = set(FunnelEvent.objects.values_list("step", flat=True))
    assert steps == {"started", "identified", "services", "time", "booked"}


def test_an_unknown_plate_gets_the_same_answer_and_no_code_works(client, shop):
    page = _identify(client, plate="ZZ999ZZ")
    assert "we have sent a six-digit code" in page.content.decode()
    assert _sent_mail() == []
    wrong = client.post(_url("self_booking_verify"), {"code": "123456"})
    assert wrong.status_code == 400
    assert "That code is not right." in wrong.content.decode()


def test_a_code_allows_five_attempts_and_then_no_more(client, shop):
    _identify(client)
    code = _code_from_mail()
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        client.post(_url("self_booking_verify"), {"code": wrong})
    blocked = client.post(_url("self_booking_verify"), {"code": code})
    assert "Too many attempts." in blocked.content.decode()


def test_a_code_expires(client, shop, clock):
    _identify(client)
    code = _code_from_mail()
    clock.shift(timedelta(minutes=11))
    answer = client.post(_url("self_booking_verify"), {"code": code})
    assert "This code has expired." in answer.content.decode()


def test_code_requests_are_rate_limited(client, shop):
    for _ in range(5):
        _identify(client)
    assert _identify(client).status_code == 429


def test_pages_need_a_verified_customer(client, shop):
    assert client.get(_url("self_booking_times")).url == "/book/milano/"
    assert client.get(_url("self_booking_confirm")).url == "/book/milano/"


def test_a_held_time_is_not_offered_to_anyone_else_until_it_expires(client, shop, milano, clock):
    _signed_in(client)
    _hold_first_time(client)
    held = SlotHold.objects.get().drop_off_at

    def offered():
        now = at(MONDAY, "10:00")
        work = requested_work(milano, now=now, jobs=["SRV"], alternatives=4)
        offer = availability_offer(dealership=milano, request=work.slot_request, now=now)
        return {p.drop_off for p in offer.proposals}

    assert held not in offered()  # the phone desk does not see it either
    clock.shift(timedelta(minutes=6))
    assert held in offered()
    # The hold is gone: confirming now sends the customer back to choose a time.
    assert client.post(_url("self_booking_confirm")).url.endswith("/times/")


def test_the_manage_link_moves_and_cancels_and_cannot_be_forged(client, shop, sevilla):
    _signed_in(client)
    choice = _hold_first_time(client)
    client.post(_url("self_booking_confirm"))
    appointment = Appointment.objects.get()
    token = manage_token(appointment)
    link = _url("self_booking_manage", token=token)

    page = client.get(link, {"move": "1"}).content.decode()
    new_time = re.findall(r'id="move-\d" value="([^"]+)"', page)[-1]
    assert client.post(link, {"action": "move", "proposal": new_time}).status_code == 302
    appointment.refresh_from_db()
    assert choice.split("|")[1] == "2026-11-24T07:00:00+00:00"  # booked for Tuesday 8:00
    # The last time offered to move to: the appointment's own 8:00 reception does not block the
    # times around it, so the offer's times come closer together than a new booking's would.
    assert new_time.split("|")[1] == "2026-11-24T09:30:00+00:00"
    assert appointment.drop_off_at == at(MONDAY + timedelta(days=1), "10:30")
    assert appointment.transitions.filter(kind="rescheduled").exists()

    assert client.get(_url("self_booking_manage", token=token + "x")).status_code == 404
    assert (
        client.get(
            reverse("self_booking_manage", kwargs={"dealership_slug": "sevilla", "token": token})
        ).status_code
        == 404
    )

    client.post(link, {"action": "cancel", "reason": "on holiday"})
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.CANCELLED
    assert appointment.cancel_reason == "on holiday"
    assert "Move the appointment" not in client.get(link).content.decode()


def test_a_returning_customer_gets_their_usual_advisor_first(client, shop, milano):
    marco = AdvisorFactory(dealership=milano, name="Marco Neri")
    AppointmentFactory(
        advisor=marco, drop_off_at=at(MONDAY - timedelta(days=30), "09:00"), vehicle=shop["vehicle"]
    )
    _signed_in(client)
    page = client.get(_url("self_booking_times"), {"jobs": "SRV", "mobility": "none", "advisor": marco.id})
    text = page.content.decode()
    assert f'<option value="{marco.id}" selected>Marco Neri</option>' in text
    first = re.search(r'id="time-1" value="(\d+)\|', text).group(1)
    assert int(first) == marco.id
    blank = client.get(_url("self_booking_times")).content.decode()
    assert f'<option value="{marco.id}" selected>Marco Neri</option>' in blank  # preselected


@pytest.mark.parametrize(
    "answers",
    [
        {"jobs": "SRV", "mobility": "none", "wished_date": "2027-09-01"},  # beyond the horizon
        {"jobs": "SRV", "mobility": "none", "wished_date": "someday"},
        {"jobs": "NOPE", "mobility": "none"},
        {"jobs": "SRV", "mobility": "teleport"},
        {"jobs": "SRV", "mobility": "none", "advisor": "999999"},
    ],
)
def test_bad_answers_are_shown_on_the_form_never_a_500(client, shop, answers):
    _signed_in(client)
    page = client.get(_url("self_booking_times"), answers)
    assert page.status_code == 200
    assert 'class="field-error"' in page.content.decode()
    assert 'name="proposal"' not in page.content.decode()


def test_a_garbage_time_choice_is_shown_on_the_page_with_a_400(client, shop):
    _signed_in(client)
    answers = {"jobs": "SRV", "mobility": "none"}
    for garbage in ("nonsense", "1|not-a-time", "1|2026-11-24T08:00:00", ""):
        page = client.post(
            _url("self_booking_times") + "?jobs=SRV&mobility=none", {**answers, "proposal": garbage}
        )
        assert page.status_code == 400
        text = page.content.decode()
        assert 'class="field-error" id="proposal-error"' in text
        assert 'name="proposal"' in text  # the times offered again, to choose from
    assert not SlotHold.objects.exists()


def test_a_forged_advisor_is_refused_saying_why(client, shop):
    _signed_in(client)
    page = client.post(
        _url("self_booking_times") + "?jobs=SRV&mobility=none",
        {"jobs": "SRV", "mobility": "none", "proposal": "999999|2026-11-24T08:00:00+01:00"},
    )
    assert page.status_code == 409
    assert "The advisor does not receive customers at that time. Please choose another time." in (
        page.content.decode()
    )
    assert not SlotHold.objects.exists()


def test_r4_7_the_invitation_runs_to_the_promised_return_and_is_stamped(client, shop):
    _signed_in(client)
    _hold_first_time(client)
    client.post(_url("self_booking_confirm"))
    appointment = Appointment.objects.get()
    [(_name, ics, _mimetype)] = _sent_mail()[-1].attachments
    [event] = icalendar.Calendar.from_ical(ics).walk("VEVENT")
    assert event.decoded("dtstamp") == at(MONDAY, "10:00")  # RFC 5545 requires it
    assert event.decoded("dtstart") == appointment.drop_off_at
    assert event.decoded("dtend") == appointment.promised_return_at  # R4.7, not the reception's end
    assert appointment.promised_return_at > appointment.reception_ends_at


def test_r4_8_the_move_page_offers_only_times_its_check_accepts_for_the_real_jobs(client, shop, milano):
    """The appointment is a diagnosis: Tuesday's and Wednesday's diagnosis hours are booked, so
    the move offers no time on those days, though maintenance hours are free then."""
    from bookings import services

    JobFactory(dealership=milano, code="DIA", name="Diagnosi", labour_minutes=60, skill=Skill.DIAGNOSIS)
    TechnicianFactory(dealership=milano, skills=[Skill.DIAGNOSIS])
    giulia = Advisor.objects.get(name="Giulia Conti")
    for day in (TUESDAY, TUESDAY + timedelta(days=1)):
        AppointmentFactory(
            advisor=giulia, drop_off_at=at(day, "12:00"), skill=Skill.DIAGNOSIS, labour_minutes=540
        )
    now = at(MONDAY, "10:00")
    work = requested_work(milano, now=now, jobs=["DIA"], online=True)
    thursday = at(TUESDAY + timedelta(days=2), "10:00")
    appointment = services.appointment_book(
        dealership=milano,
        customer=shop["customer"],
        vehicle=shop["vehicle"],
        advisor_id=giulia.id,
        drop_off=thursday,
        jobs=work.jobs,
        now=now,
        booked_by=None,
        channel="web",
    )
    link = _url("self_booking_manage", token=manage_token(appointment))

    offered = re.findall(r'id="move-\d" value="([^"]+)"', client.get(link, {"move": "1"}).content.decode())
    assert offered
    assert all(
        datetime.fromisoformat(t.split("|")[1]) >= at(TUESDAY + timedelta(days=2), "00:00") for t in offered
    )
    for choice in offered:  # each one the move's own check accepts
        assert client.post(link, {"action": "move", "proposal": choice}).status_code == 302
        appointment.refresh_from_db()
        assert appointment.drop_off_at == datetime.fromisoformat(choice.split("|")[1])


def test_a_garbage_move_choice_is_a_400_with_the_reason(client, shop):
    _signed_in(client)
    _hold_first_time(client)
    client.post(_url("self_booking_confirm"))
    link = _url("self_booking_manage", token=manage_token(Appointment.objects.get()))
    page = client.post(link, {"action": "move", "proposal": "1|soon"})
    assert page.status_code == 400
    assert "Choose one of the times offered." in page.content.decode()


def test_expired_holds_and_old_codes_are_purged_by_the_periodic_task(client, shop, clock):
    from bookings.models import AccessCode
    from bookings.tasks import expired_rows_purge_task

    _signed_in(client)
    _hold_first_time(client)
    assert expired_rows_purge_task() == 0  # nothing has expired yet
    clock.shift(timedelta(minutes=6))
    assert expired_rows_purge_task() == 1  # the hold
    assert not SlotHold.objects.exists()
    assert AccessCode.objects.count() == 1
    clock.shift(timedelta(days=1, minutes=5))
    assert expired_rows_purge_task() == 1  # the used code, a day after it expired
    assert not AccessCode.objects.exists()
