"""The public enquiry form: a question becomes an `enquiry` call for the operators; rate-limited;
the same answer whether or not the contact is on a customer file (no enumeration)."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from customers.models import Customer
from followups.models import CallTask, TaskKind
from tests.factories.customers import CustomerFactory, VehicleFactory

URL = reverse("enquiry_form", kwargs={"dealership_slug": "milano"})


@pytest.fixture(autouse=True)
def _empty_counts():
    cache.clear()  # the limits count in the cache


def _ask(client, remote="203.0.113.7", **fields):
    data = {
        "name": "Mario Rossi",
        "contact": "+39 347 765 4321",
        "plate": "",
        "question": "Do you fit winter tyres?",
    }
    return client.post(URL, data | fields, REMOTE_ADDR=remote)


def _without_csrf(response) -> str:
    # The CSRF token is masked afresh on every page: it is the one part that differs.
    token = r'("X-CSRFToken": |name="csrfmiddlewaretoken" value=)"[^"]*"'
    return re.sub(token, "", response.content.decode())


def test_a_known_customer_asking_becomes_a_call_on_their_file(client, milano):
    known = CustomerFactory(dealership=milano, mobile_phone="+393477654321")
    vehicle = VehicleFactory(customer=known, plate="AB 123 CD")
    answer = _ask(client, plate="ab 123 cd")
    assert answer.status_code == 200
    task = CallTask.objects.get()
    assert (task.kind, task.customer, task.vehicle) == (TaskKind.ENQUIRY, known, vehicle)
    assert "Do you fit winter tyres?" in task.note
    assert "AB 123 CD" in task.note
    assert Customer.objects.count() == 1


def test_an_unknown_contact_gets_a_minimal_customer_file_and_the_same_answer(client, milano):
    CustomerFactory(dealership=milano, mobile_phone="+393470000000")
    known_answer = _ask(client, contact="+39 347 000 0000")
    unknown_answer = _ask(client, contact="nuovo@example.com", name="Nuovo Cliente")
    assert known_answer.status_code == unknown_answer.status_code == 200
    assert _without_csrf(unknown_answer) == _without_csrf(known_answer)
    new = Customer.objects.get(email="nuovo@example.com")
    assert (new.family_name, new.preferred_contact) == ("Nuovo Cliente", "email")
    assert CallTask.objects.filter(customer=new, kind=TaskKind.ENQUIRY).exists()


def test_bad_input_is_a_field_error_and_creates_nothing(client, milano):
    refused = _ask(client, contact="not a phone", question="")
    assert refused.status_code == 400
    body = refused.content.decode()
    assert 'id="id_contact_error"' in body
    assert 'id="id_question_error"' in body
    assert not CallTask.objects.exists()
    assert not Customer.objects.exists()


def test_an_enquiry_from_another_dealerships_customer_opens_a_file_here(client, milano, torino):
    CustomerFactory(dealership=torino, email="mario@example.com")
    _ask(client, contact="mario@example.com")
    task = CallTask.objects.get()
    assert task.dealership == milano
    assert task.customer.dealership == milano


def test_the_form_is_rate_limited_per_address_with_a_clear_429(client, milano):
    for _ in range(5):
        assert _ask(client).status_code == 200
    limited = _ask(client)
    assert limited.status_code == 429
    assert "Too many questions were sent from here" in limited.content.decode()
    assert CallTask.objects.count() == 5
    assert _ask(client, remote="198.51.100.20").status_code == 200  # another address is not blocked


def test_the_booking_page_links_the_enquiry_form(client, milano):
    page = client.get(reverse("booking_landing", kwargs={"dealership_slug": "milano"})).content.decode()
    assert f'href="{URL}"' in page


def test_the_form_is_phone_sized(client, milano):
    page = client.get(URL).content.decode()
    assert 'class="public"' in page
    assert 'name="viewport" content="width=device-width' in page
