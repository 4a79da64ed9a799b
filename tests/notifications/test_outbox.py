"""The outbox: what a booking, a move and a cancellation write, in their transaction; what the
dispatcher sends, withdraws or holds back; the preferred channel, consents and opt-out."""

import logging
from datetime import timedelta

import icalendar
import pytest
import time_machine
from django.core import mail
from django.db import transaction
from django.utils import timezone

from bookings import services
from bookings.models import Appointment, AppointmentStatus
from notifications.models import MessageChannel, MessageKind, MessageStatus, MessagingSettings
from notifications.services.outbox import appointment_booked_messages
from tests.notifications.conftest import MONDAY, local, rows
from tests.workshop.snapshots import at

WEDNESDAY = MONDAY + timedelta(days=2)
THURSDAY = MONDAY + timedelta(days=3)
NOW = at(MONDAY, "10:00")


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _console(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "notifications.console"]


def test_r5_4_r5_5_a_booking_writes_its_confirmation_and_both_reminders_in_its_transaction(book, milano):
    appointment = book(at=local(milano, WEDNESDAY, "08:00"), now=NOW)
    messages = rows(appointment=appointment)
    assert [(m.kind, m.status) for m in messages] == [
        (MessageKind.BOOKING_CONFIRMATION, MessageStatus.PENDING),
        (MessageKind.DAY_BEFORE, MessageStatus.PENDING),
        (MessageKind.HOUR_BEFORE, MessageStatus.PENDING),
    ]
    confirmation, day_before, hour_before = messages
    assert confirmation.due_at == NOW
    assert day_before.due_at == at(WEDNESDAY - timedelta(days=1), "09:00")  # R5.4: before noon, day before
    assert hour_before.due_at == at(WEDNESDAY, "07:00")  # R5.5


def test_r2_7_the_channel_and_language_are_the_customer_files_when_the_message_is_sent(
    book, milano, shop, dispatch
):
    book(at=local(milano, WEDNESDAY, "08:00"), now=NOW)
    customer = shop["customer"]
    customer.preferred_contact, customer.language = "email", "fr"  # changed after the booking
    customer.save()
    dispatch(NOW)
    [confirmation] = rows(kind=MessageKind.BOOKING_CONFIRMATION)
    assert (confirmation.channel, confirmation.language, confirmation.recipient) == (
        MessageChannel.EMAIL,
        "fr",
        "mario@example.com",
    )
    assert mail.outbox[0].to == ["mario@example.com"]


def test_a_booking_rolled_back_leaves_no_message(book, milano):
    class Abandoned(Exception):
        pass

    def book_then_fail():
        with transaction.atomic():
            book(at=local(milano, WEDNESDAY, "08:00"), now=NOW)
            raise Abandoned

    with pytest.raises(Abandoned):
        book_then_fail()
    assert not Appointment.objects.exists()
    assert rows() == []


def test_the_dispatcher_run_twice_sends_each_message_once(book, milano, dispatch, caplog):
    appointment = book(at=local(milano, WEDNESDAY, "08:00"), now=NOW)
    appointment_booked_messages(appointment=appointment, now=NOW)  # the receiver run again
    assert len(rows(appointment=appointment)) == 3
    with caplog.at_level(logging.INFO, logger="notifications.console"):
        assert dispatch(NOW).sent == 1
        assert dispatch(NOW).sent == 0
    [sms] = _console(caplog)
    assert sms.startswith("SMS to +393471234567: Autosalone Milano:")
    [confirmation] = rows(kind=MessageKind.BOOKING_CONFIRMATION)
    assert confirmation.status == MessageStatus.SENT
    assert confirmation.provider_id == f"console-{confirmation.id}"
    assert confirmation.rendered_text in sms
    assert confirmation.attempts == 1


def test_r5_4_the_day_before_confirmation_goes_in_the_morning_in_the_customers_language(
    book, milano, dispatch, clock, caplog
):
    book(at=local(milano, WEDNESDAY, "08:00"), now=NOW)
    dispatch(NOW)
    clock.move_to(at(WEDNESDAY - timedelta(days=1), "08:59"))
    assert dispatch().sent == 0
    clock.move_to(at(WEDNESDAY - timedelta(days=1), "09:00"))
    with caplog.at_level(logging.INFO, logger="notifications.console"):
        assert dispatch().sent == 1
    [day_before] = rows(kind=MessageKind.DAY_BEFORE)
    assert day_before.status == MessageStatus.SENT
    assert day_before.sent_at == at(WEDNESDAY - timedelta(days=1), "09:00")
    # Italian, with the dealership's local day and time, and how to answer (R5.6).
    assert "mercoledì 25 novembre 2026" in day_before.rendered_text.lower()
    assert "08:00" in day_before.rendered_text
    assert "1" in day_before.rendered_text  # how to answer: 1, 2 or 3


def test_r5_4_rescheduling_supersedes_the_waiting_messages_and_tells_the_new_time(
    book, milano, dispatch, shop
):
    appointment = book(at=local(milano, WEDNESDAY, "08:00"), now=NOW)
    dispatch(NOW)
    later = NOW + timedelta(minutes=5)
    services.appointment_reschedule(
        dealership=milano,
        appointment=appointment,
        advisor_id=shop["advisor"].id,
        drop_off=local(milano, THURSDAY, "09:00"),
        by=None,
        now=later,
    )
    by_kind = {(m.kind, m.status): m for m in rows(appointment=appointment)}
    assert by_kind[(MessageKind.BOOKING_CONFIRMATION, MessageStatus.SENT)]
    assert by_kind[(MessageKind.DAY_BEFORE, MessageStatus.SUPERSEDED)].due_at == at(
        WEDNESDAY - timedelta(days=1), "09:00"
    )
    assert by_kind[(MessageKind.HOUR_BEFORE, MessageStatus.SUPERSEDED)].due_at == at(WEDNESDAY, "07:00")
    assert by_kind[(MessageKind.DAY_BEFORE, MessageStatus.PENDING)].due_at == at(WEDNESDAY, "09:00")
    assert by_kind[(MessageKind.HOUR_BEFORE, MessageStatus.PENDING)].due_at == at(THURSDAY, "08:00")
    assert by_kind[(MessageKind.RESCHEDULED, MessageStatus.PENDING)].due_at == later
    assert dispatch(later).sent == 1
    notice = rows(kind=MessageKind.RESCHEDULED)[0]
    assert "giovedì 26 novembre 2026" in notice.rendered_text.lower()
    # Nothing is sent for the old time: on Wednesday, the new day-before only.
    assert dispatch(at(WEDNESDAY, "09:00")).sent == 1
    assert [m.kind for m in rows(status=MessageStatus.SENT)] == [
        MessageKind.BOOKING_CONFIRMATION,
        MessageKind.RESCHEDULED,
        MessageKind.DAY_BEFORE,
    ]


def test_rescheduling_twice_the_same_day_and_back_writes_no_duplicate(book, milano, shop):
    appointment = book(at=local(milano, WEDNESDAY, "08:00"), now=NOW)
    for minutes, clock in ((1, "09:00"), (2, "08:00")):
        services.appointment_reschedule(
            dealership=milano,
            appointment=appointment,
            advisor_id=shop["advisor"].id,
            drop_off=local(milano, WEDNESDAY, clock),
            by=None,
            now=NOW + timedelta(minutes=minutes),
        )
    waiting = rows(appointment=appointment, status=MessageStatus.PENDING)
    assert sorted(m.kind for m in waiting) == [
        MessageKind.DAY_BEFORE,
        MessageKind.HOUR_BEFORE,
        MessageKind.RESCHEDULED,
    ]


def test_cancelling_withdraws_what_waits_and_sends_the_notice(book, milano, dispatch, caplog):
    appointment = book(at=local(milano, WEDNESDAY, "08:00"), now=NOW)
    services.appointment_cancel(
        dealership=milano, appointment=appointment, reason="Car sold", by=None, now=NOW
    )
    statuses = {m.kind: m.status for m in rows(appointment=appointment)}
    assert statuses == {
        MessageKind.BOOKING_CONFIRMATION: MessageStatus.SUPERSEDED,
        MessageKind.DAY_BEFORE: MessageStatus.SUPERSEDED,
        MessageKind.HOUR_BEFORE: MessageStatus.SUPERSEDED,
        MessageKind.CANCELLED: MessageStatus.PENDING,
    }
    with caplog.at_level(logging.INFO, logger="notifications.console"):
        assert dispatch(NOW).sent == 1
    [sms] = _console(caplog)
    assert "annullato" in sms or "cancelled" in sms


def test_at_send_time_a_message_for_a_cancelled_appointment_is_withdrawn(book, milano, dispatch):
    appointment = book(at=local(milano, WEDNESDAY, "08:00"), now=NOW)
    # Cancelled by a path that tells nobody (an import, the admin): the dispatcher still checks.
    Appointment.objects.filter(id=appointment.id).update(status=AppointmentStatus.CANCELLED)
    assert dispatch(NOW).withdrawn == 1
    [confirmation] = rows(kind=MessageKind.BOOKING_CONFIRMATION)
    assert confirmation.status == MessageStatus.WITHDRAWN
    assert confirmation.error == "The appointment was cancelled."
    assert confirmation.rendered_text == ""


def test_r5_4_a_confirmed_appointment_gets_no_day_before_confirmation(book, milano, dispatch):
    appointment = book(at=local(milano, WEDNESDAY, "08:00"), now=NOW)
    services.appointment_transition(
        dealership=milano, appointment=appointment, to_status=AppointmentStatus.CONFIRMED, by=None, now=NOW
    )
    dispatch(at(WEDNESDAY - timedelta(days=1), "09:00"))
    assert rows(kind=MessageKind.DAY_BEFORE)[0].error == "The appointment is confirmed already."


def test_r5_4_the_chinese_manuals_rule_sends_it_only_for_bookings_more_than_three_days_ahead(
    book, milano, dispatch
):
    MessagingSettings.objects.create(dealership=milano, day_before_min_days_ahead=3)
    book(at=local(milano, WEDNESDAY, "08:00"), now=NOW)  # two days ahead
    dispatch(at(WEDNESDAY - timedelta(days=1), "09:00"))
    [day_before] = rows(kind=MessageKind.DAY_BEFORE)
    assert day_before.status == MessageStatus.WITHDRAWN
    assert "Booked too shortly" in day_before.error


def test_an_opted_out_customer_gets_nothing_and_no_consent_means_no_message(book, milano, shop, dispatch):
    customer = shop["customer"]
    customer.opted_out_at = NOW
    customer.save()
    book(at=local(milano, WEDNESDAY, "08:00"), now=NOW)
    dispatch(NOW)
    assert rows(kind=MessageKind.BOOKING_CONFIRMATION)[0].error == "The customer has stopped all messages."

    customer.opted_out_at = None
    customer.consent_service_sms = False
    customer.save()
    dispatch(at(WEDNESDAY - timedelta(days=1), "09:00"))
    assert rows(kind=MessageKind.DAY_BEFORE)[0].error == "No consent to service messages by SMS."
    assert rows(status=MessageStatus.SENT) == []


def test_r2_7_the_preferred_contact_method_carries_every_message(book, milano, shop, dispatch):
    customer = shop["customer"]
    customer.preferred_contact = "email"
    customer.save()
    book(at=local(milano, WEDNESDAY, "08:00"), now=NOW)
    dispatch(at(WEDNESDAY - timedelta(days=1), "09:00"))
    assert [(m.kind, m.channel) for m in rows(status=MessageStatus.SENT)] == [
        (MessageKind.BOOKING_CONFIRMATION, MessageChannel.EMAIL),
        (MessageKind.DAY_BEFORE, MessageChannel.EMAIL),
    ]
    message = mail.outbox[0]
    assert message.to == ["mario@example.com"]
    assert "Autosalone Milano" in message.subject
    [(_name, _ics, mimetype)] = message.attachments  # the booking's invitation
    assert mimetype == "text/calendar"


def test_r2_7_a_customer_who_prefers_the_phone_is_called_by_the_operators(book, milano, shop, dispatch):
    customer = shop["customer"]
    customer.preferred_contact = "phone"
    customer.save()
    book(at=local(milano, WEDNESDAY, "08:00"), now=NOW)
    # Booked on the phone: the call itself was the confirmation; the reminders become calls.
    assert dispatch(NOW).withdrawn == 1
    assert rows(kind=MessageKind.BOOKING_CONFIRMATION)[0].error.startswith("No call")
    assert dispatch(at(WEDNESDAY - timedelta(days=1), "09:00")).to_call == 1
    [call] = rows(status=MessageStatus.TO_CALL)
    assert call.kind == MessageKind.DAY_BEFORE
    assert call.recipient == "+393471234567"
    assert "Autosalone Milano" in call.rendered_text
    assert mail.outbox == []


def test_a_customer_the_file_cannot_reach_is_shown_as_not_sent_with_the_reason(book, milano, shop, dispatch):
    customer = shop["customer"]
    customer.email = ""
    customer.mobile_phone = ""
    customer.save()
    book(at=local(milano, WEDNESDAY, "08:00"), now=NOW)
    dispatch(NOW)
    [confirmation] = rows(kind=MessageKind.BOOKING_CONFIRMATION)
    assert confirmation.status == MessageStatus.WITHDRAWN
    assert confirmation.error == "The customer file has no mobile number, e-mail or phone."


def test_quiet_hours_hold_a_notice_until_the_morning_in_the_dealerships_zone(book, milano, dispatch, clock):
    appointment = book(at=local(milano, WEDNESDAY, "08:00"), now=NOW)
    dispatch(NOW)
    late = at(MONDAY, "22:30")
    clock.move_to(late)
    services.appointment_cancel(dealership=milano, appointment=appointment, reason="Ill", by=None, now=late)
    assert dispatch(late).waiting == 1
    [notice] = rows(kind=MessageKind.CANCELLED)
    assert notice.status == MessageStatus.PENDING
    assert notice.next_attempt_at == at(MONDAY + timedelta(days=1), "08:00")
    assert dispatch(at(MONDAY + timedelta(days=1), "08:00")).sent == 1


def test_the_invitation_is_one_event_updated_then_cancelled(book, milano, shop, dispatch):
    """The .ics parsed back: one UID, a higher SEQUENCE for the change, METHOD:CANCEL at the
    end, start and end in UTC (drop-off to promised return, R4.7)."""
    customer = shop["customer"]
    customer.preferred_contact = "email"
    customer.save()
    appointment = book(at=local(milano, WEDNESDAY, "08:00"), now=NOW, channel="web")
    dispatch(NOW)
    services.appointment_reschedule(
        dealership=milano,
        appointment=appointment,
        advisor_id=shop["advisor"].id,
        drop_off=local(milano, THURSDAY, "09:00"),
        by=None,
        now=NOW,
    )
    dispatch(NOW)
    services.appointment_cancel(dealership=milano, appointment=appointment, reason="Sold", by=None, now=NOW)
    dispatch(NOW)
    appointment.refresh_from_db()
    events = []
    for message in mail.outbox:
        [(filename, content, mimetype)] = message.attachments
        assert (filename, mimetype) == ("appointment.ics", "text/calendar")
        calendar = icalendar.Calendar.from_ical(content)
        [event] = calendar.walk("VEVENT")
        events.append((str(calendar["METHOD"]), event))
    assert [method for method, _ in events] == ["REQUEST", "REQUEST", "CANCEL"]
    assert len({str(event["UID"]) for _, event in events}) == 1
    assert [int(event["SEQUENCE"]) for _, event in events] == [0, 1, 2]
    first, moved = events[0][1], events[1][1]
    assert first.decoded("dtstart") == at(WEDNESDAY, "08:00")
    assert moved.decoded("dtstart") == appointment.drop_off_at == at(THURSDAY, "09:00")
    assert moved.decoded("dtend") == appointment.promised_return_at
    assert first.decoded("dtstart").utcoffset() == timedelta(0)
    moved_ics = mail.outbox[1].attachments[0][1]
    assert "DTSTART:20261126T080000Z" in (moved_ics.decode() if isinstance(moved_ics, bytes) else moved_ics)
    assert str(events[2][1]["STATUS"]) == "CANCELLED"


def test_the_outbox_rows_cost_the_booking_one_statement(book, milano, django_assert_num_queries):
    """The receiver reads nothing: the customer and the dealership are the booking's own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        book(at=local(milano, WEDNESDAY, "08:00"), now=NOW)
    outbox_statements = [q["sql"] for q in captured if "notifications_outboxmessage" in q["sql"]]
    assert len(outbox_statements) == 1
    assert outbox_statements[0].startswith("INSERT")
    assert timezone.now() == NOW
