"""Self-booking's one-time codes are limited per address and per plate and contact, answered
429 with a message, and the answers never tell a known customer from an unknown one (R9.5)."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from bookings.public_views import CODE_REQUESTS_RATE, CODES_PER_CUSTOMER_RATE
from tests.factories.customers import CustomerFactory, VehicleFactory

PER_ADDRESS = int(CODE_REQUESTS_RATE.split("/")[0])
PER_CUSTOMER = int(CODES_PER_CUSTOMER_RATE.split("/")[0])


@pytest.fixture(autouse=True)
def _empty_counts():
    cache.clear()  # the limits count in the cache


@pytest.fixture
def mario(milano):
    customer = CustomerFactory(dealership=milano, email="mario@example.com")
    return VehicleFactory(customer=customer, plate="AB 123 CD")


def _ask(client, *, plate: str = "AB123CD", contact: str = "mario@example.com", address: str = "203.0.113.1"):
    return client.post(
        reverse("self_booking_start", kwargs={"dealership_slug": "milano"}),
        {"plate": plate, "contact": contact},
        REMOTE_ADDR=address,
    )


def test_one_address_asking_too_often_is_answered_429_with_a_message(client, mario):
    for _ in range(PER_ADDRESS):
        assert _ask(client).status_code == 302
    refused = _ask(client)
    assert refused.status_code == 429
    assert "Too many requests" in refused.content.decode()


def test_one_plate_asked_for_from_many_addresses_is_limited(client, mario):
    for n in range(PER_CUSTOMER):
        assert _ask(client, contact=f"someone{n}@example.com", address=f"198.51.100.{n}").status_code == 302
    refused = _ask(client, contact="mario@example.com", address="198.51.100.99")
    assert refused.status_code == 429
    assert "Too many codes were asked for this vehicle or contact" in refused.content.decode()


def test_one_phone_or_email_asked_for_from_many_addresses_is_limited(client, mario):
    for n in range(PER_CUSTOMER):
        assert _ask(client, plate=f"ZZ{n}00ZZ", address=f"198.51.100.{n}").status_code == 302
    assert _ask(client, plate="AB123CD", address="198.51.100.99").status_code == 429


def test_another_customer_is_not_limited_by_a_flood_at_mario(client, mario):
    for n in range(PER_CUSTOMER + 1):
        _ask(client, address=f"198.51.100.{n}")
    assert _ask(client, plate="CD456EF", contact="luigi@example.com", address="192.0.2.8").status_code == 302


def _answers(client, **identity) -> list[tuple[int, str]]:
    started = _ask(client, **identity)
    verify = client.get(started["Location"])
    wrong_code = client.post(started["Location"], {"code": "000000"})
    return [
        (started.status_code, started["Location"]),
        (verify.status_code, verify.content.decode()),
        (wrong_code.status_code, wrong_code.content.decode()),
    ]


def _without_tokens(answers: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The answers without their per-session CSRF tokens."""
    tokens = re.compile(r'"X-CSRFToken": "[^"]+"|name="csrfmiddlewaretoken" value="[^"]+"')
    return [(status, tokens.sub("", text)) for status, text in answers]


def test_known_and_unknown_plates_and_contacts_get_the_same_answers(client, mario):
    known = _answers(client, plate="AB123CD", contact="mario@example.com", address="192.0.2.1")
    client.cookies.clear()
    unknown_plate = _answers(client, plate="XY999ZZ", contact="mario@example.com", address="192.0.2.2")
    client.cookies.clear()
    unknown_phone = _answers(client, plate="AB123CD", contact="+393331234567", address="192.0.2.3")
    assert _without_tokens(known) == _without_tokens(unknown_plate) == _without_tokens(unknown_phone)


def test_the_limit_answers_known_and_unknown_plates_alike(client, mario):
    for n in range(PER_CUSTOMER):
        _ask(client, address=f"198.51.100.{n}")
        _ask(client, plate="XY999ZZ", address=f"198.51.101.{n}")
    known = _ask(client, address="192.0.2.50")
    unknown = _ask(client, plate="XY999ZZ", address="192.0.2.51")
    assert known.status_code == unknown.status_code == 429
