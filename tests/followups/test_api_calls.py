"""The follow-up calls' API (R7.5): the queue, a task, claiming the next, outcomes, a task by hand,
and the rules; bad input is a field-level 400 with nothing changed."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dealerships.models import Role
from followups.models import CallTask, ContactRecord, FollowupRules, Outcome, TaskKind, TaskStatus
from followups.services import calls
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory

D = {"dealership_slug": "milano"}


@pytest.fixture
def operator(member_of):
    return member_of(Role.RESERVATION_OPERATOR, username="olga")


@pytest.fixture
def task(milano):
    vehicle = VehicleFactory(customer__dealership=milano)
    now = timezone.now()
    return calls.call_task_create(
        dealership=milano, kind=TaskKind.NO_SHOW, customer=vehicle.customer, vehicle=vehicle, now=now
    )


def _task_url(name: str, task: CallTask) -> str:
    return reverse(name, kwargs={**D, "task_id": task.id})


def test_r7_5_the_queue_then_the_next_call_then_its_outcome(client, operator, task):
    client.force_login(operator)
    queue = client.get(reverse("api_call_queue", kwargs=D))
    assert queue.status_code == 200
    assert [row["id"] for row in queue.json()] == [task.id]
    assert queue.json()[0]["kind"] == "no_show"

    claimed = client.post(reverse("api_call_next", kwargs=D))
    assert claimed.status_code == 200
    assert claimed.json()["status"] == "claimed"
    assert claimed.json()["operator"] == "olga"
    assert client.post(reverse("api_call_next", kwargs=D)).json()["id"] == task.id  # still theirs

    done = client.post(
        _task_url("api_call_task_outcome", task),
        {"outcome": "declined", "decline_reason": "vehicle_sold"},
        content_type="application/json",
    )
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["decline_reason"]) == ("done", "vehicle_sold")
    assert ContactRecord.objects.get().decline_reason == "vehicle_sold"
    assert client.post(reverse("api_call_next", kwargs=D)).status_code == 204


def test_a_declined_outcome_without_its_reason_is_a_field_error(client, operator, task):
    client.force_login(operator)
    client.post(reverse("api_call_next", kwargs=D))
    refused = client.post(
        _task_url("api_call_task_outcome", task), {"outcome": "declined"}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert "decline_reason" in refused.json()["errors"]
    task.refresh_from_db()
    assert task.status == TaskStatus.CLAIMED
    assert not ContactRecord.objects.exists()


def test_an_outcome_for_a_task_another_operator_holds_is_a_400_on_task(client, operator, member_of, task):
    other = member_of(Role.RESERVATION_OPERATOR, username="otto")
    calls.call_task_claim(dealership=task.dealership, task=task, operator=other, now=timezone.now())
    client.force_login(operator)
    refused = client.post(
        _task_url("api_call_task_outcome", task), {"outcome": "reached"}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["task"]
    task.refresh_from_db()
    assert task.operator == other
    assert task.outcome == ""


def test_a_call_back_in_the_past_is_a_400_on_call_back_at(client, operator, task):
    client.force_login(operator)
    client.post(reverse("api_call_next", kwargs=D))
    past = (timezone.now() - timedelta(hours=2)).isoformat()
    refused = client.post(
        _task_url("api_call_task_outcome", task),
        {"outcome": "call_back", "call_back_at": past},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "call_back_at" in refused.json()["errors"]
    assert not ContactRecord.objects.exists()


def test_an_outcome_on_a_closed_task_is_refused(client, operator, task):
    client.force_login(operator)
    client.post(reverse("api_call_next", kwargs=D))
    url = _task_url("api_call_task_outcome", task)
    assert client.post(url, {"outcome": "reached"}, content_type="application/json").status_code == 200
    again = client.post(url, {"outcome": "booked"}, content_type="application/json")
    assert again.status_code == 400
    assert "task" in again.json()["errors"]
    assert ContactRecord.objects.count() == 1


def test_booked_names_the_appointment_it_led_to(client, operator, task, milano):
    appointment = AppointmentFactory(advisor=AdvisorFactory(dealership=milano), vehicle=task.vehicle)
    client.force_login(operator)
    client.post(reverse("api_call_next", kwargs=D))
    done = client.post(
        _task_url("api_call_task_outcome", task),
        {"outcome": Outcome.BOOKED, "booked_appointment": appointment.id},
        content_type="application/json",
    )
    assert done.status_code == 200
    assert done.json()["booked_appointment"] == appointment.id
    assert ContactRecord.objects.get().booked_appointment == appointment


def test_a_task_by_hand_and_its_detail(client, operator, milano):
    customer = CustomerFactory(dealership=milano)
    client.force_login(operator)
    made = client.post(
        reverse("api_call_queue", kwargs=D),
        {"customer": customer.id, "note": "Wants a tyre quote", "priority": 30},
        content_type="application/json",
    )
    assert made.status_code == 201
    assert (made.json()["kind"], made.json()["priority"]) == ("manual", 30)
    detail = client.get(reverse("api_call_task", kwargs={**D, "task_id": made.json()["id"]}))
    assert detail.json()["note"] == "Wants a tyre quote"


def test_a_task_by_hand_for_another_dealerships_customer_is_a_400(client, operator, torino):
    client.force_login(operator)
    refused = client.post(
        reverse("api_call_queue", kwargs=D),
        {"customer": CustomerFactory(dealership=torino).id, "note": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 400
    assert "customer" in refused.json()["errors"]
    assert not CallTask.objects.exists()


def test_another_dealerships_task_is_a_404(client, operator, torino):
    vehicle = VehicleFactory(customer__dealership=torino)
    theirs = calls.call_task_create(
        dealership=torino, kind=TaskKind.MANUAL, customer=vehicle.customer, now=timezone.now()
    )
    client.force_login(operator)
    assert client.get(reverse("api_call_task", kwargs={**D, "task_id": theirs.id})).status_code == 404


def test_the_rules_are_the_defaults_until_a_manager_changes_them(client, member_of):
    client.force_login(member_of(Role.DEALER_MANAGER))
    url = reverse("api_followup_rules", kwargs=D)
    assert client.get(url).json()["first_service_days"] == 60
    changed = client.put(
        url, {"first_service_days": 45, "no_show_max_days": 8}, content_type="application/json"
    )
    assert changed.status_code == 200
    assert changed.json()["first_service_days"] == 45
    assert FollowupRules.objects.get().no_show_max_days == 8


def test_an_inverted_window_is_a_400_and_nothing_is_saved(client, member_of):
    client.force_login(member_of(Role.DEALER_MANAGER))
    url = reverse("api_followup_rules", kwargs=D)
    refused = client.put(url, {"remind_min_days": 12, "remind_max_days": 9}, content_type="application/json")
    assert refused.status_code == 400
    assert "remind_max_days" in refused.json()["errors"]
    assert not FollowupRules.objects.exists()


def test_only_managers_reach_the_rules_and_advisors_not_the_queue(client, member_of, operator):
    client.force_login(operator)
    assert client.get(reverse("api_followup_rules", kwargs=D)).status_code == 403
    client.force_login(member_of(Role.SERVICE_ADVISOR))
    assert client.get(reverse("api_call_queue", kwargs=D)).status_code == 403
