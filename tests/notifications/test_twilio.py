"""SMS through the real `twilio` client against the local stub of Twilio's Messages API:
the request Twilio receives, retries with backoff on 429/5xx, permanent failures, the
per-dealership sender, and the delivery-status callback."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from twilio.request_validator import RequestValidator

from notifications.models import MessageKind, MessageStatus, MessagingSettings
from notifications.services import dispatch as dispatch_module
from notifications.services.outbox import appointment_booked_messages
from tests.factories.bookings import AppointmentFactory
from tests.notifications.conftest import ACCOUNT_SID, AUTH_TOKEN, MONDAY, SENDER, local, rows
from tests.workshop.snapshots import at

NOW = at(MONDAY, "10:00")
STATUS_CALLBACK = "https://service.example/hooks/twilio/milano/status/"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def booked(milano, shop):
    appointment = AppointmentFactory(
        advisor=shop["advisor"],
        vehicle=shop["vehicle"],
        customer=shop["customer"],
        drop_off_at=local(milano, MONDAY + timedelta(days=2), "08:00"),
    )
    appointment_booked_messages(appointment=appointment, now=NOW)
    return appointment


def test_an_sms_is_sent_through_twilio_as_its_api_expects(twilio, booked, dispatch):
    assert dispatch(NOW).sent == 1
    [request] = twilio.messages()
    assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
    assert request.basic_auth == (ACCOUNT_SID, AUTH_TOKEN)
    assert request.form["To"] == "+393471234567"
    assert request.form["From"] == SENDER
    assert "MessagingServiceSid" not in request.form
    assert request.form["StatusCallback"] == STATUS_CALLBACK
    [confirmation] = rows(kind=MessageKind.BOOKING_CONFIRMATION)
    assert request.form["Body"] == confirmation.rendered_text
    assert "Autosalone Milano" in request.form["Body"]
    assert confirmation.status == MessageStatus.SENT
    assert confirmation.provider_id.startswith("SM")


@pytest.mark.parametrize("failures", [(429,), (500, 503), (429, 502, 500)])
def test_429_and_5xx_are_retried_with_backoff_until_twilio_takes_it(twilio, booked, dispatch, failures):
    twilio.fail_next(*failures)
    now = NOW
    for attempt, status in enumerate(failures, start=1):
        result = dispatch(now)
        assert result.retrying == 1
        [confirmation] = rows(kind=MessageKind.BOOKING_CONFIRMATION)
        assert confirmation.status == MessageStatus.PENDING
        assert confirmation.attempts == attempt
        wait = timedelta(minutes=2 ** (attempt - 1))
        assert confirmation.next_attempt_at == now + wait
        assert str(status) in confirmation.error
        assert dispatch(now + wait - timedelta(seconds=1)).handled == 0  # not before its time
        now += wait
    assert dispatch(now).sent == 1
    [confirmation] = rows(kind=MessageKind.BOOKING_CONFIRMATION)
    assert confirmation.status == MessageStatus.SENT
    assert confirmation.attempts == len(failures) + 1
    requests = twilio.messages()
    assert len(requests) == len(failures) + 1
    assert len({tuple(sorted(r.form.items())) for r in requests}) == 1  # the same message each time
    assert all(r.basic_auth == (ACCOUNT_SID, AUTH_TOKEN) for r in requests)


def test_retries_stop_at_the_cap_and_the_failure_is_marked(twilio, booked, dispatch, settings):
    settings.NOTIFICATIONS_MAX_ATTEMPTS = 3
    twilio.fail_next(500, 500, 500)
    now = NOW
    for _ in range(3):
        dispatch(now)
        now += timedelta(hours=1)
    [confirmation] = rows(kind=MessageKind.BOOKING_CONFIRMATION)
    assert confirmation.status == MessageStatus.FAILED
    assert confirmation.error.startswith("Gave up after 3 attempts")
    assert len(twilio.messages()) == 3


def test_an_invalid_number_is_a_permanent_failure_not_retried(twilio, booked, dispatch):
    twilio.fail_next(400, code=21211)
    assert dispatch(NOW).failed == 1
    [confirmation] = rows(kind=MessageKind.BOOKING_CONFIRMATION)
    assert confirmation.status == MessageStatus.FAILED
    assert "21211" in confirmation.error
    assert dispatch(NOW + timedelta(hours=2)).handled == 0
    assert len(twilio.messages()) == 1


def test_a_dealership_sends_through_its_own_account_and_messaging_service(twilio, milano, booked, dispatch):
    own_sid = "AC" + "2" * 32
    MessagingSettings.objects.create(
        dealership=milano,
        twilio_account_sid=own_sid,
        twilio_auth_token="milano-own-token",
        messaging_service_sid="MG" + "3" * 32,
    )
    dispatch(NOW)
    [request] = twilio.messages()
    assert request.path == f"/2010-04-01/Accounts/{own_sid}/Messages.json"
    assert request.basic_auth == (own_sid, "milano-own-token")
    assert request.form["MessagingServiceSid"] == "MG" + "3" * 32
    assert "From" not in request.form


def _signed_post(client, url, params, token=AUTH_TOKEN):
    signature = RequestValidator(token).compute_signature("https://service.example" + url, params)
    return client.post(url, params, headers={"X-Twilio-Signature": signature})


def test_delivery_status_callbacks_update_the_message(client, twilio, booked, dispatch):
    dispatch(NOW)
    [confirmation] = rows(kind=MessageKind.BOOKING_CONFIRMATION)
    url = reverse("twilio_status_callback", kwargs={"dealership_slug": "milano"})
    answer = _signed_post(client, url, {"MessageSid": confirmation.provider_id, "MessageStatus": "delivered"})
    assert answer.status_code == 204
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.delivery_status) == (MessageStatus.SENT, "delivered")
    answer = _signed_post(
        client,
        url,
        {"MessageSid": confirmation.provider_id, "MessageStatus": "undelivered", "ErrorCode": "30003"},
    )
    confirmation.refresh_from_db()
    assert confirmation.status == MessageStatus.FAILED
    assert "30003" in confirmation.error


def test_a_status_callback_without_a_valid_signature_is_refused_and_changes_nothing(
    client, twilio, booked, dispatch
):
    dispatch(NOW)
    [confirmation] = rows(kind=MessageKind.BOOKING_CONFIRMATION)
    url = reverse("twilio_status_callback", kwargs={"dealership_slug": "milano"})
    params = {"MessageSid": confirmation.provider_id, "MessageStatus": "undelivered"}
    assert _signed_post(client, url, params, token="not-the-token").status_code == 403
    assert client.post(url, params).status_code == 403
    confirmation.refresh_from_db()
    assert confirmation.delivery_status == ""
    assert confirmation.status == MessageStatus.SENT


def test_a_worker_that_died_mid_send_neither_loses_the_message_nor_sends_it_twice(
    twilio, booked, dispatch, monkeypatch
):
    from notifications.services.dispatch import claim_lease, outbox_claim_across_dealerships, outbox_deliver

    # Worker A claims the confirmation and dies right after Twilio took it, before recording.
    [claimed] = outbox_claim_across_dealerships(now=NOW, limit=10)

    def killed(self):
        raise SystemExit("killed")

    with monkeypatch.context() as patch:
        patch.setattr(dispatch_module.Recorder, "flush", killed)
        with pytest.raises(SystemExit):
            outbox_deliver(message_ids=[claimed], now=NOW)
    assert len(twilio.messages()) == 1
    assert dispatch(NOW + claim_lease() - timedelta(seconds=1)).handled == 0  # still A's claim
    # Worker B finds it abandoned once the lease is over, asks Twilio, and records it as sent.
    assert dispatch(NOW + claim_lease()).sent == 1
    [confirmation] = rows(kind=MessageKind.BOOKING_CONFIRMATION)
    assert confirmation.status == MessageStatus.SENT
    assert confirmation.provider_id == twilio.created[0]["sid"]
    assert len(twilio.messages()) == 1


def test_a_worker_that_died_before_sending_leaves_the_message_to_the_next(twilio, booked, dispatch):
    from notifications.services.dispatch import claim_lease, outbox_claim_across_dealerships

    outbox_claim_across_dealerships(now=NOW, limit=10)  # claimed, then the worker died
    assert dispatch(NOW + claim_lease()).sent == 1
    assert len(twilio.messages()) == 1
    [confirmation] = rows(kind=MessageKind.BOOKING_CONFIRMATION)
    assert (confirmation.status, confirmation.in_doubt) == (MessageStatus.SENT, False)
