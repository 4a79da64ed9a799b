"""A rule such as "the last day cannot be before the first day" is written once, on the model's
check constraint, and every door shows it on its field: forms, the API, the services, and the
database itself as the backstop."""

from datetime import date, time

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import translation

from config.constraints import constraint_errors
from dealerships.models import Closure
from tests.factories.customers import VehicleFactory
from workshop import services as workshop_services
from workshop.models import WorkshopPolicy

MONDAY, FRIDAY = date(2026, 12, 7), date(2026, 12, 11)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):  # a request in another language may have left it active
        yield


def test_a_reversed_closure_is_an_error_on_its_last_day(milano):
    errors = constraint_errors(Closure, {"start_date": FRIDAY, "end_date": MONDAY})
    [error] = errors["end_date"]
    assert (error.message, error.code) == ("The last day cannot be before the first day.", "dates_reversed")
    assert constraint_errors(Closure, {"start_date": MONDAY, "end_date": FRIDAY}) == {}
    assert constraint_errors(Closure, {"start_date": FRIDAY}) == {}  # the other end not given


def test_the_database_refuses_what_validation_was_skipped_for(milano):
    with pytest.raises(IntegrityError), transaction.atomic():
        Closure.objects.create(dealership=milano, start_date=FRIDAY, end_date=MONDAY, reason="typo")


def test_the_api_names_the_field_in_the_users_language(client, milano, member_of):
    from dealerships.models import Role

    client.force_login(member_of(Role.DEALER_MANAGER))
    response = client.post(
        reverse("api_closure_list", kwargs={"dealership_slug": "milano"}),
        {"start_date": "2026-12-11", "end_date": "2026-12-07", "reason": "Inventario"},
        content_type="application/json",
        headers={"accept-language": "it"},
    )
    assert response.status_code == 400
    assert response.json()["errors"] == {"end_date": ["L'ultimo giorno non può precedere il primo."]}
    assert not Closure.objects.exists()


def test_a_partial_change_is_checked_against_what_is_stored(client, alice, milano):
    vehicle = VehicleFactory(
        customer__dealership=milano, warranty_start=date(2025, 3, 1), warranty_end=date(2027, 3, 1)
    )
    errors = constraint_errors(type(vehicle), {"warranty_end": date(2025, 1, 1)}, instance=vehicle)
    assert [e.message for e in errors["warranty_end"]] == ["The warranty cannot end before it starts."]


def test_a_service_reports_the_online_cap_on_its_field(milano):
    with pytest.raises(ValidationError) as caught:
        workshop_services.advisor_save(
            dealership=milano,
            advisor=None,
            hours=[],
            name="Giulia Conti",
            max_customers_per_day=4,
            max_online_per_day=6,
        )
    assert caught.value.message_dict == {
        "max_online_per_day": ["The online cap cannot exceed the daily maximum."]
    }


def test_the_busy_hours_must_end_after_they_start(milano):
    with pytest.raises(ValidationError) as caught:
        workshop_services.workshop_policy_save(
            dealership=milano, peak_hours_start=time(9, 30), peak_hours_end=time(8, 0)
        )
    assert caught.value.message_dict["peak_hours_end"] == ["The peak hours must end after they start."]
    assert not WorkshopPolicy.objects.filter(dealership=milano).exists()
