"""Twilio's webhooks are rate-limited per client address (django-ratelimit): 429 beyond."""

import pytest
from django.core.cache import cache
from django.urls import reverse
from twilio.request_validator import RequestValidator

from notifications.models import InboundReply
from tests.notifications.conftest import AUTH_TOKEN

URL = reverse("twilio_inbound", kwargs={"dealership_slug": "milano"})


@pytest.fixture(autouse=True)
def _empty_counts(settings):
    cache.clear()  # the limits count in the cache
    settings.TWILIO_WEBHOOK_RATE = "3/m"
    yield
    cache.clear()


def _post(client, sid: str, remote: str):
    params = {"MessageSid": sid, "From": "+393471234567", "Body": "OK"}
    signature = RequestValidator(AUTH_TOKEN).compute_signature("https://service.example" + URL, params)
    return client.post(URL, params, headers={"X-Twilio-Signature": signature}, REMOTE_ADDR=remote)


def test_a_flood_from_one_address_gets_429_and_changes_nothing(client, milano, twilio):
    for n in range(3):
        assert _post(client, f"SM{n}", "198.51.100.7").status_code == 200
    refused = _post(client, "SM9", "198.51.100.7")
    assert refused.status_code == 429
    assert refused["Retry-After"] == "60"
    assert "Too many requests" in refused.content.decode()
    assert not InboundReply.objects.filter(provider_id="SM9").exists()
    # Another address is not held back by the first one's calls.
    assert _post(client, "SM10", "198.51.100.8").status_code == 200


def test_forged_calls_count_too(client, milano, twilio):
    for n in range(3):
        response = client.post(URL, {"MessageSid": f"SM{n}"}, REMOTE_ADDR="198.51.100.9")
        assert response.status_code == 403
    assert client.post(URL, {"MessageSid": "SM4"}, REMOTE_ADDR="198.51.100.9").status_code == 429
