"""The operators' outcomes, the rules' settings and the satisfaction answers: bad input is a
clear field error and writes nothing (R7.5, R9.1)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from bookings import services as bookings
from customers.models import ContactMethod
from followups.models import (
    CallTask,
    ContactChannel,
    ContactOutcome,
    ContactRecord,
    DeclineReason,
    FollowupRules,
    Outcome,
    SatisfactionResponse,
    TaskKind,
    TaskStatus,
)
from followups.scans import vehicles_scan
from followups.scripts import call_script, call_scripts_save, default_script
from followups.selectors import call_queue, customer_contacts, open_concerns
from followups.services import calls, rule_settings, satisfaction
from tests.factories.bookings import AppointmentFactory, requested_work
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from tests.followups.conftest import NOW, TODAY, days_ago
from workshop.models import Skill, WorkshopPolicy


@pytest.fixture
def task(milano, make_vehicle):
    vehicle = make_vehicle(milano)
    return calls.call_task_create(
        dealership=milano, kind=TaskKind.MANUAL, customer=vehicle.customer, vehicle=vehicle, now=NOW
    )


def claimed(milano, task, operator):
    return calls.call_task_claim(dealership=milano, task=task, operator=operator, now=NOW)


def outcome(milano, task, operator, value, **fields):
    return calls.call_task_outcome_record(
        dealership=milano, task=task, operator=operator, outcome=value, now=fields.pop("now", NOW), **fields
    )


def test_r7_5_an_outcome_for_a_task_another_operator_holds_is_refused(milano, task, operators):
    first, second = operators(2)
    claimed(milano, task, first)
    with pytest.raises(ValidationError) as refused:
        outcome(milano, task, second, Outcome.REACHED)
    assert "task" in refused.value.message_dict
    task.refresh_from_db()
    assert (task.status, task.operator_id, task.outcome) == (TaskStatus.CLAIMED, first.id, "")
    assert not ContactRecord.objects.exists()
    with pytest.raises(ValidationError):
        claimed(milano, task, second)


def test_r7_5_a_call_back_time_in_the_past_is_refused(milano, task, operators):
    (operator,) = operators(1)
    claimed(milano, task, operator)
    for when in (None, NOW - timedelta(minutes=1)):
        with pytest.raises(ValidationError) as refused:
            outcome(milano, task, operator, Outcome.CALL_BACK, call_back_at=when)
        assert "call_back_at" in refused.value.message_dict
    task.refresh_from_db()
    assert (task.status, task.call_back_at) == (TaskStatus.CLAIMED, None)
    later = NOW + timedelta(days=1, hours=2)
    outcome(milano, task, operator, Outcome.CALL_BACK, call_back_at=later)
    task.refresh_from_db()
    assert (task.status, task.next_attempt_at, task.operator_id) == (TaskStatus.OPEN, later, operator.id)
    assert calls.call_task_claim_next(dealership=milano, operator=operator, now=NOW) is None
    assert calls.call_task_claim_next(dealership=milano, operator=operator, now=later).id == task.id


def test_r7_5_an_outcome_on_a_closed_task_is_refused(milano, task, operators):
    (operator,) = operators(1)
    claimed(milano, task, operator)
    outcome(milano, task, operator, Outcome.REACHED)
    with pytest.raises(ValidationError) as refused:
        outcome(milano, task, operator, Outcome.NO_ANSWER)
    assert refused.value.message_dict["task"] == ["This task is closed already."]
    assert ContactRecord.objects.count() == 1


def test_r7_5_declined_needs_a_reason_and_records_it(milano, task, operators):
    (operator,) = operators(1)
    claimed(milano, task, operator)
    with pytest.raises(ValidationError) as refused:
        outcome(milano, task, operator, Outcome.DECLINED)
    assert "decline_reason" in refused.value.message_dict
    outcome(
        milano,
        task,
        operator,
        Outcome.DECLINED,
        decline_reason=DeclineReason.SERVICED_ELSEWHERE,
        note="Near work",
    )
    record = ContactRecord.objects.get()
    assert (record.outcome, record.decline_reason, record.operator_id, record.at, record.note) == (
        ContactOutcome.DECLINED,
        DeclineReason.SERVICED_ELSEWHERE,
        operator.id,
        NOW,
        "Near work",
    )
    assert [row.id for row in customer_contacts(dealership=milano, customer=task.customer)] == [record.id]


def test_r7_5_unanswered_comes_back_at_other_times_until_three_attempts(milano, task, operators):
    (operator,) = operators(1)
    now, hours = NOW, []
    for _attempt in range(3):
        current = calls.call_task_claim_next(dealership=milano, operator=operator, now=now)
        assert current.id == task.id
        hours.append(now.astimezone(milano.tz).hour)
        outcome(milano, current, operator, Outcome.NO_ANSWER, now=now)
        current.refresh_from_db()
        now = current.next_attempt_at
    task.refresh_from_db()
    assert (task.status, task.attempts, task.outcome) == (TaskStatus.DONE, 3, Outcome.NO_ANSWER)
    assert len(set(hours)) == 3
    assert ContactRecord.objects.filter(outcome=ContactOutcome.NO_ANSWER).count() == 3


def test_a_task_held_comes_back_when_its_claim_runs_out(milano, task, operators):
    first, second = operators(2)
    assert calls.call_task_claim_next(dealership=milano, operator=first, now=NOW).id == task.id
    assert calls.call_task_claim_next(dealership=milano, operator=second, now=NOW) is None
    later = NOW + calls.CLAIM_LEASE + timedelta(seconds=1)
    assert calls.call_task_claim_next(dealership=milano, operator=second, now=later).id == task.id
    assert call_queue(dealership=milano, now=later) == []


def test_r7_2_a_rule_with_an_inverted_window_is_refused(milano):
    with pytest.raises(ValidationError) as refused:
        rule_settings.followup_rules_save(
            dealership=milano, values={"remind_min_days": 12, "remind_max_days": 7}
        )
    assert "remind_max_days" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        rule_settings.followup_rules_save(dealership=milano, values={"no_show_min_days": 11})
    assert "no_show_max_days" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        rule_settings.followup_rules_save(dealership=milano, values={"first_service_days": 0})
    assert "first_service_days" in refused.value.message_dict
    assert not FollowupRules.objects.exists()
    saved = rule_settings.followup_rules_save(dealership=milano, values={"first_service_km": 1500})
    assert (saved.first_service_km, saved.remind_max_days) == (1500, 10)


def test_r7_2_the_database_refuses_an_inverted_window_too(milano):
    with pytest.raises(Exception, match="followup_rules_remind_window"), transaction.atomic():
        FollowupRules.objects.create(dealership=milano, remind_min_days=12, remind_max_days=7)


def test_r9_1_a_concern_is_routed_to_the_advisor(milano, make_vehicle):
    vehicle = make_vehicle(milano)
    appointment = AppointmentFactory(dealership=milano, vehicle=vehicle, advisor__dealership=milano)
    with pytest.raises(ValidationError) as refused:
        satisfaction.satisfaction_record(
            dealership=milano,
            appointment=appointment,
            score=6,
            comment="",
            concern=False,
            channel="phone",
            now=NOW,
        )
    assert "score" in refused.value.message_dict
    answer = satisfaction.satisfaction_record(
        dealership=milano,
        appointment=appointment,
        score=2,
        comment="Car returned dirty",
        concern=False,
        channel=ContactChannel.PHONE,
        now=NOW,
    )
    assert (answer.concern, answer.advisor_id) == (True, appointment.advisor_id)
    assert open_concerns(dealership=milano, advisor_id=appointment.advisor_id) == [answer]
    satisfaction.satisfaction_concern_handle(dealership=milano, response=answer, now=NOW)
    assert open_concerns(dealership=milano) == []
    with pytest.raises(ValidationError):
        satisfaction.satisfaction_record(
            dealership=milano,
            appointment=appointment,
            score=5,
            comment="",
            concern=False,
            channel="sms",
            now=NOW,
        )
    assert SatisfactionResponse.objects.count() == 1


def test_call_scripts_per_kind_and_language_are_editable(milano):
    assert "{vehicle}" in default_script(TaskKind.RECALL, "en")
    text = call_script(dealership=milano, kind=TaskKind.RECALL, language="en", values={"vehicle": "Fiat 500"})
    assert "Fiat 500" in text
    call_scripts_save(dealership=milano, language="en", texts={TaskKind.RECALL: "Recall for {vehicle}!"})
    assert (
        call_script(dealership=milano, kind=TaskKind.RECALL, language="en", values={"vehicle": "X"})
        == "Recall for X!"
    )
    call_scripts_save(dealership=milano, language="en", texts={TaskKind.RECALL: ""})
    assert call_script(dealership=milano, kind=TaskKind.RECALL, language="en") == default_script(
        TaskKind.RECALL, "en"
    )


@pytest.fixture
def shop(milano):
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    advisor = AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    JobFactory(dealership=milano, code="SRV", name="Tagliando", labour_minutes=60)
    return advisor


def book(milano, advisor, vehicle, *, now, by=None):
    from datetime import datetime, time

    work = requested_work(milano, now=now, jobs=["SRV"])
    day = now.astimezone(milano.tz).date() + timedelta(days=7)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    with transaction.atomic():
        return bookings.appointment_book(
            dealership=milano,
            customer=vehicle.customer,
            vehicle=vehicle,
            advisor_id=advisor.id,
            drop_off=datetime.combine(day, time(9, 0), tzinfo=milano.tz),
            jobs=work.jobs,
            now=now,
            booked_by=by,
            channel="phone",
        )


def test_r7_5_a_reminder_that_led_to_a_booking_is_linked(milano, shop, make_vehicle):
    vehicle = make_vehicle(milano, sold=days_ago(40), readings=[(TODAY, 2100)], preferred=ContactMethod.SMS)
    other = make_vehicle(milano, sold=days_ago(40), readings=[(TODAY, 2100)], preferred=ContactMethod.SMS)
    vehicles_scan(now=NOW)
    reminder = ContactRecord.objects.get(vehicle=vehicle)
    appointment = book(milano, shop, vehicle, now=NOW + timedelta(days=2))
    reminder.refresh_from_db()
    assert reminder.booked_appointment_id == appointment.id
    assert ContactRecord.objects.get(vehicle=other).booked_appointment_id is None


def test_r7_5_the_operators_booking_closes_the_task_they_hold(milano, shop, make_vehicle, operators):
    (operator,) = operators(1)
    vehicle = make_vehicle(milano, sold=days_ago(40), readings=[(TODAY, 2100)])
    vehicles_scan(now=NOW)
    task = calls.call_task_claim_next(dealership=milano, operator=operator, now=NOW)
    appointment = book(milano, shop, vehicle, now=NOW, by=operator)
    task.refresh_from_db()
    assert (task.status, task.outcome, task.booked_appointment_id) == (
        TaskStatus.DONE,
        Outcome.BOOKED,
        appointment.id,
    )
    record = ContactRecord.objects.get(call_task=task)
    assert (record.outcome, record.operator_id, record.booked_appointment_id) == (
        ContactOutcome.BOOKED,
        operator.id,
        appointment.id,
    )


def test_r6_6_booking_after_a_no_show_cancels_the_third_attempt(milano, make_vehicle, operators):
    (operator,) = operators(1)
    vehicle = make_vehicle(milano)
    missed = AppointmentFactory(dealership=milano, vehicle=vehicle, advisor__dealership=milano)
    bookings.appointment_transition(
        dealership=milano,
        appointment=missed,
        to_status="no_show",
        by=None,
        now=missed.drop_off_at + timedelta(hours=1),
    )
    second, third = CallTask.objects.filter(kind=TaskKind.NO_SHOW).order_by("due_at")
    when = second.due_at
    current = calls.call_task_claim_next(dealership=milano, operator=operator, now=when)
    assert current.id == second.id
    outcome(milano, current, operator, Outcome.DECLINED, decline_reason=DeclineReason.NO_TIME, now=when)
    third.refresh_from_db()
    assert third.status == TaskStatus.CANCELLED
