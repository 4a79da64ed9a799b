"""The follow-ups on other pages: a customer's contact history and open calls on their file
(R7.5), the satisfaction answer on the appointment page (R9.1); and the follow-up settings pages."""

import pytest
from django.urls import reverse
from django.utils import timezone

from dealerships.models import Role
from followups.models import CallScript, FollowupRules, Outcome, TaskKind
from followups.services import calls, rule_settings, satisfaction
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory


@pytest.fixture
def operator(member_of):
    return member_of(Role.RESERVATION_OPERATOR, username="olga")


def test_r7_5_the_customer_file_lists_the_contacts_and_the_calls_to_make(client, operator, milano):
    customer = CustomerFactory(dealership=milano)
    vehicle = VehicleFactory(customer=customer)
    now = timezone.now()
    done = calls.call_task_create(
        dealership=milano, kind=TaskKind.LOST_CUSTOMER, customer=customer, vehicle=vehicle, now=now
    )
    calls.call_task_claim(dealership=milano, task=done, operator=operator, now=now)
    calls.call_task_outcome_record(
        dealership=milano,
        task=done,
        operator=operator,
        outcome=Outcome.DECLINED,
        decline_reason="moved_away",
        now=now,
    )
    waiting = calls.call_task_create(dealership=milano, kind=TaskKind.RECALL, customer=customer, now=now)
    client.force_login(operator)
    page = client.get(
        reverse("customer_detail", kwargs={"dealership_slug": "milano", "customer_id": customer.id})
    )
    body = page.content.decode()
    assert "Contact history" in body
    assert done.get_kind_display() in body
    assert "Moved away" in body or "moved away" in body.lower()
    call_now = reverse("call_task", kwargs={"dealership_slug": "milano", "task_id": waiting.id})
    assert f'href="{call_now}"' in body


def test_r9_1_the_appointment_page_shows_the_satisfaction_answer(client, operator, milano):
    appointment = AppointmentFactory(advisor=AdvisorFactory(dealership=milano, name="Paola"))
    url = reverse(
        "appointment_detail", kwargs={"dealership_slug": "milano", "appointment_id": appointment.id}
    )
    client.force_login(operator)
    assert "Customer satisfaction" not in client.get(url).content.decode()
    satisfaction.satisfaction_record(
        dealership=milano,
        appointment=appointment,
        score=2,
        comment="Waited an hour.",
        concern=False,
        channel="sms",
        now=timezone.now(),
    )
    body = client.get(url).content.decode()
    assert "Customer satisfaction" in body
    assert "Waited an hour." in body
    assert "for the advisor" in body


def test_r9_1_the_advisor_marks_the_concern_handled(client, member_of, milano):
    appointment = AppointmentFactory(advisor=AdvisorFactory(dealership=milano))
    answer = satisfaction.satisfaction_record(
        dealership=milano,
        appointment=appointment,
        score=4,
        comment="The radio was reset.",
        concern=True,
        channel="sms",
        now=timezone.now(),
    )
    kwargs = {"dealership_slug": "milano", "appointment_id": appointment.id}
    client.force_login(member_of(Role.SERVICE_ADVISOR))
    handled = reverse("satisfaction_concern_handled", kwargs=kwargs)
    assert f'action="{handled}"' in client.get(reverse("appointment_detail", kwargs=kwargs)).content.decode()
    assert client.post(handled).status_code == 302
    answer.refresh_from_db()
    assert answer.concern_handled_at is not None
    page = client.get(reverse("appointment_detail", kwargs=kwargs)).content.decode()
    assert f'action="{handled}"' not in page
    assert "handled on" in page


def test_a_concern_of_a_visit_without_an_answer_is_a_404(client, member_of, milano):
    appointment = AppointmentFactory(advisor=AdvisorFactory(dealership=milano))
    client.force_login(member_of(Role.SERVICE_ADVISOR))
    url = reverse(
        "satisfaction_concern_handled", kwargs={"dealership_slug": "milano", "appointment_id": appointment.id}
    )
    assert client.post(url).status_code == 404


RULES = reverse("followup_rules", kwargs={"dealership_slug": "milano"})


def _rules_form(**changes):
    defaults = {
        name: getattr(FollowupRules(), name)
        for name in rule_settings.RULE_FIELDS
        if not isinstance(getattr(FollowupRules(), name), bool)
    }
    checked = {name: "on" for name in rule_settings.RULE_FIELDS if getattr(FollowupRules(), name) is True}
    return defaults | checked | changes


def test_a_manager_changes_the_rules(client, member_of):
    client.force_login(member_of(Role.DEALER_MANAGER))
    assert client.get(RULES).status_code == 200
    saved = client.post(RULES, _rules_form(first_service_days=45))
    assert saved.status_code == 302
    assert FollowupRules.objects.get().first_service_days == 45


def test_an_inverted_window_is_a_field_error_and_nothing_is_saved(client, member_of):
    client.force_login(member_of(Role.DEALER_MANAGER))
    refused = client.post(RULES, _rules_form(remind_min_days=12, remind_max_days=9))
    assert refused.status_code == 400
    assert 'id="id_remind_max_days_error"' in refused.content.decode()
    assert not FollowupRules.objects.exists()


def test_operators_do_not_change_the_rules(client, operator):
    client.force_login(operator)
    assert client.get(RULES).status_code == 403


SCRIPTS = reverse("call_scripts", kwargs={"dealership_slug": "milano"})


def test_a_manager_writes_a_script_and_an_emptied_one_is_the_default(client, member_of, milano):
    client.force_login(member_of(Role.DEALER_MANAGER))
    page = client.get(SCRIPTS, {"language": "en"}).content.decode()
    assert "Your {vehicle} is due for its first service." in page
    texts = {kind.value: "" for kind in TaskKind} | {"recall": "Recall for {vehicle}: book it now."}
    assert client.post(SCRIPTS + "?language=en", texts).status_code == 302
    assert list(CallScript.objects.values_list("kind", "language", "text")) == [
        ("recall", "en", "Recall for {vehicle}: book it now.")
    ]
    assert client.get(SCRIPTS, {"language": "xx"}).status_code == 404
