"""R9.1 by link: the customer answers a 1-5 score and a comment on a signed, expiring,
single-purpose link; a concern goes to the advisor."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from bookings.self_service import manage_token
from customers.models import ContactMethod
from followups.models import SatisfactionResponse
from followups.satisfaction_link import SATISFACTION_LINK_DAYS, satisfaction_token, satisfaction_url
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory


@pytest.fixture
def visit(milano):
    customer = CustomerFactory(dealership=milano, preferred_contact=ContactMethod.EMAIL)
    advisor = AdvisorFactory(dealership=milano, name="Paola")
    return AppointmentFactory(advisor=advisor, vehicle=VehicleFactory(customer=customer))


def _url(appointment, token=None, slug="milano"):
    return reverse(
        "satisfaction_answer",
        kwargs={"dealership_slug": slug, "token": token or satisfaction_token(appointment)},
    )


def test_r9_1_the_customer_scores_the_visit_by_link(client, visit):
    page = client.get(_url(visit))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'type="radio" name="score" value="5"' in body
    assert 'name="comment"' in body
    answered = client.post(_url(visit), {"score": "4", "comment": "Quick and friendly."})
    assert answered.status_code == 302
    answer = SatisfactionResponse.objects.get()
    assert (answer.appointment, answer.score, answer.comment, answer.channel, answer.concern) == (
        visit,
        4,
        "Quick and friendly.",
        "email",
        False,
    )
    assert "We have your answer" in client.get(answered.url).content.decode()


def test_r9_1_a_concern_is_routed_to_the_advisor(client, visit):
    client.post(_url(visit), {"score": "5", "comment": "The car rattles again.", "concern": "on"})
    answer = SatisfactionResponse.objects.get()
    assert answer.concern
    assert answer.advisor == visit.advisor


def test_r9_1_a_low_score_is_a_concern_too(client, visit):
    client.post(_url(visit), {"score": "1"})
    assert SatisfactionResponse.objects.get().concern


def test_a_second_answer_changes_nothing(client, visit):
    client.post(_url(visit), {"score": "4"})
    again = client.post(_url(visit), {"score": "1"})
    assert again.status_code == 200
    assert SatisfactionResponse.objects.get().score == 4


def test_a_score_out_of_range_is_a_field_error(client, visit):
    refused = client.post(_url(visit), {"score": "9"})
    assert refused.status_code == 400
    assert 'id="id_score_error"' in refused.content.decode()
    assert not SatisfactionResponse.objects.exists()


def test_a_tampered_expired_or_other_link_opens_nothing(client, visit, torino):
    assert client.get(_url(visit, token="nonsense")).status_code == 404
    # A booking's manage link is another kind of link: it does not open this page.
    assert client.get(_url(visit, token=manage_token(visit))).status_code == 404
    # Another dealership's address with this dealership's link.
    assert client.get(_url(visit, slug="torino")).status_code == 404
    token = satisfaction_token(visit)
    with time_machine.travel(timezone.now() + timedelta(days=SATISFACTION_LINK_DAYS, hours=1)):
        expired = client.post(_url(visit, token=token), {"score": "5"})
    assert expired.status_code == 404
    assert not SatisfactionResponse.objects.exists()


def test_the_link_is_a_full_public_address(visit, settings):
    settings.NOTIFICATIONS_PUBLIC_URL = "https://service.example.com"
    assert satisfaction_url(visit).startswith("https://service.example.com/book/milano/satisfaction/")


def test_the_page_is_phone_sized(client, visit):
    body = client.get(_url(visit)).content.decode()
    assert 'class="public"' in body
