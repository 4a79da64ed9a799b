"""Sizes are bounded: free text has a length limit on the field, in the model and in the
database, and a body too large to read is answered 413 (in the API's error shape under /api/)."""

import json

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from bookings.models import Appointment
from customers.models import NOTES_MAX_LENGTH, Campaign, Customer
from dealerships.models import Role
from tests.factories.customers import CustomerFactory

TWO_MB = 2 * 1024 * 1024
TEN_MB = 10 * 1024 * 1024


@pytest.fixture
def operator(client, member_of):
    client.force_login(member_of(Role.RESERVATION_OPERATOR))
    return client


def url(name, **kwargs):
    return reverse(name, kwargs={"dealership_slug": "milano", **kwargs})


def test_a_2_mb_note_is_refused_on_its_field_through_the_api(operator, milano):
    response = operator.post(
        url("api_customer_list"),
        {"family_name": "Rossi", "notes": "x" * TWO_MB},
        content_type="application/json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert str(NOTES_MAX_LENGTH) in body["errors"]["notes"][0]  # the message says the limit
    assert not Customer.objects.exists()


def test_a_2_mb_note_is_refused_on_its_field_through_the_form(operator, milano):
    response = operator.post(
        url("customer_create"), {"family_name": "Rossi", "preferred_contact": "sms", "notes": "x" * TWO_MB}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_notes_error"' in page
    assert f"at most {NOTES_MAX_LENGTH} characters" in page
    assert not Customer.objects.exists()


def test_a_note_at_the_limit_is_kept_whole(operator, milano):
    note = "é" * NOTES_MAX_LENGTH  # characters, not bytes
    response = operator.post(
        url("api_customer_list"), {"family_name": "Rossi", "notes": note}, content_type="application/json"
    )
    assert response.status_code == 201
    assert Customer.objects.get().notes == note


def test_the_model_and_the_database_hold_the_bound_too(milano):
    customer = CustomerFactory(dealership=milano)
    customer.notes = "x" * (NOTES_MAX_LENGTH + 1)
    with pytest.raises(ValidationError) as refused:
        customer.full_clean()
    assert list(refused.value.message_dict) == ["notes"]
    # A write that skips full_clean meets the database's check.
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.filter(id=customer.id).update(notes="x" * (NOTES_MAX_LENGTH + 1))


@pytest.mark.parametrize(
    ("model", "field"),
    [
        (Customer, "notes"),
        (Campaign, "description"),
        (Appointment, "customer_requests"),
        (Appointment, "special_requests"),
    ],
)
def test_every_free_text_field_is_bounded(model, field):
    model_field = model._meta.get_field(field)
    assert model_field.max_length
    assert any(getattr(v, "limit_value", None) == model_field.max_length for v in model_field.validators)
    assert any(getattr(c, "field", None) == field for c in model._meta.constraints)


def test_a_10_mb_body_is_a_413_in_the_api_error_shape_and_nothing_is_stored(operator, milano):
    assert TEN_MB > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    response = operator.post(
        url("api_customer_list"),
        json.dumps({"family_name": "Rossi", "notes": "x" * TEN_MB}),
        content_type="application/json",
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "too_large"
    assert body["detail"]
    assert not Customer.objects.exists()


def test_a_10_mb_form_post_to_the_api_is_a_413_in_json_too(client, member_of, milano):
    client.force_login(member_of(Role.DEALER_MANAGER))
    # The CSV upload is multipart: Django refuses its form fields past the limit.
    response = client.post(url("api_customer_import"), {"import_valid_rows": "x" * TEN_MB})
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"


def test_a_10_mb_form_post_to_a_page_is_a_plain_413_page(operator, milano):
    response = operator.post(url("customer_create"), {"family_name": "Rossi", "notes": "x" * TEN_MB})
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "<h1>Too large</h1>" in response.content.decode()
    assert not Customer.objects.exists()


def test_the_csrf_check_reading_a_10_mb_form_answers_413_too(member_of, milano):
    # With CSRF enforced the middleware reads the form before any view: Django's 400 handler.
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member_of(Role.RESERVATION_OPERATOR))
    browser.get(url("customer_create"))  # the CSRF cookie, as a browser has it
    response = browser.post(url("customer_create"), {"family_name": "Rossi", "notes": "x" * TEN_MB})
    assert response.status_code == 413
    assert "<h1>Too large</h1>" in response.content.decode()
    assert not Customer.objects.exists()
