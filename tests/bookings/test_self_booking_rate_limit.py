"""The one-time code rate limit counts per customer, also behind the load balancer (R9.5)."""

import ipaddress

import pytest
from django.core.cache import cache
from django.test import RequestFactory
from django.urls import reverse

from config.client_address import client_address
from tests.factories.customers import CustomerFactory, VehicleFactory

BALANCER = "10.0.0.5"


@pytest.fixture(autouse=True)
def _empty_counts():
    cache.clear()  # the limits count in the cache


@pytest.fixture
def behind_the_balancer(settings):
    settings.TRUSTED_PROXIES = (ipaddress.ip_network("10.0.0.0/24"),)


def _ask_for_a_code(client, *, forwarded_for: str, remote: str = BALANCER):
    return client.post(
        reverse("self_booking_start", kwargs={"dealership_slug": "milano"}),
        {"plate": "AB123CD", "contact": "mario@example.com"},
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


@pytest.fixture
def mario(milano):
    customer = CustomerFactory(dealership=milano, email="mario@example.com")
    return VehicleFactory(customer=customer, plate="AB 123 CD")


def test_behind_a_trusted_balancer_each_customer_has_their_own_limit(client, mario, behind_the_balancer):
    for _ in range(5):
        assert _ask_for_a_code(client, forwarded_for="203.0.113.7").status_code == 302
    assert _ask_for_a_code(client, forwarded_for="203.0.113.7").status_code == 429
    # Another customer reaching the same balancer is not blocked by the first one's requests.
    assert _ask_for_a_code(client, forwarded_for="198.51.100.20").status_code == 302


def test_a_forged_forwarded_for_does_not_escape_the_limit(client, mario):
    # No trusted proxies (the default): the header is the client's own to write, so it is ignored.
    for attempt in range(5):
        assert (
            _ask_for_a_code(client, forwarded_for=f"192.0.2.{attempt}", remote="203.0.113.9").status_code
            == 302
        )
    assert _ask_for_a_code(client, forwarded_for="192.0.2.99", remote="203.0.113.9").status_code == 429


@pytest.mark.parametrize(
    ("remote", "forwarded_for", "expected"),
    [
        ("203.0.113.9", "", "203.0.113.9"),  # no proxy
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  # an untrusted sender's header is ignored
        (BALANCER, "198.51.100.1", "198.51.100.1"),  # the balancer says who it serves
        (BALANCER, "6.6.6.6, 198.51.100.1, 10.0.0.7", "198.51.100.1"),  # a forged first hop is skipped
        (BALANCER, "10.0.0.7", "10.0.0.7"),  # only proxies: the farthest one
        (BALANCER, "", BALANCER),
    ],
)
def test_the_client_address_is_the_nearest_hop_not_a_trusted_proxy(
    behind_the_balancer, remote, forwarded_for, expected
):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_address(request) == expected
