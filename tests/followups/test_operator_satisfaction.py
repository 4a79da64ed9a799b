"""R9.1 by the operator: on a satisfaction call the customer took, the operator records the 1-5
score, the comment and a concern with the outcome, in one transaction; a concern goes to the
advisor as by link or by reply. Bad answers are refused on their field with nothing written.
And R5.6: "Book now" on a call about another time moves that appointment."""

from urllib.parse import urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from bookings.models import AppointmentStatus
from customers.models import ContactMethod
from dealerships.models import Role
from followups.models import (
    COMMENT_MAX_LENGTH,
    CallTask,
    ContactChannel,
    ContactRecord,
    Outcome,
    SatisfactionResponse,
    TaskKind,
    TaskStatus,
)
from followups.selectors import open_concerns
from followups.services import calls, satisfaction
from followups.views import book_now_url
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory

D = {"dealership_slug": "milano"}
NEXT = reverse("call_next", kwargs=D)


@pytest.fixture
def operator(member_of):
    return member_of(Role.RESERVATION_OPERATOR, username="olga")


@pytest.fixture
def visit(milano):
    customer = CustomerFactory(
        dealership=milano,
        given_name="Marta",
        family_name="Galli",
        language="en",
        mobile_phone="+393471234567",
        preferred_contact=ContactMethod.PHONE,
    )
    advisor = AdvisorFactory(dealership=milano, name="Paola Conti")
    return AppointmentFactory(
        advisor=advisor, vehicle=VehicleFactory(customer=customer), status=AppointmentStatus.DELIVERED
    )


def _call(dealership, visit, kind=TaskKind.SATISFACTION) -> CallTask:
    return calls.call_task_create(
        dealership=dealership,
        kind=kind,
        customer=visit.customer,
        vehicle=visit.vehicle,
        appointment=visit,
        now=timezone.now(),
    )


@pytest.fixture
def call(milano, visit):
    return _call(milano, visit)


@pytest.fixture
def claimed(milano, call, operator):
    return calls.call_task_claim(dealership=milano, task=call, operator=operator, now=timezone.now())


def _outcome_url(task: CallTask, name: str = "call_task_outcome") -> str:
    return reverse(name, kwargs={**D, "task_id": task.id})


def _nothing_written(task: CallTask) -> None:
    task.refresh_from_db()
    assert task.status == TaskStatus.CLAIMED
    assert not ContactRecord.objects.exists()
    assert not SatisfactionResponse.objects.exists()


def _rated_already(dealership, visit, *, score, channel, comment=""):
    """The visit answered by another way (its link, an SMS reply) before the call records one."""
    return satisfaction.satisfaction_record(
        dealership=dealership,
        appointment=visit,
        score=score,
        comment=comment,
        concern=False,
        channel=channel,
        now=timezone.now(),
    )


# --- The service ----------------------------------------------------------------------------


def test_r9_1_operator_records_the_answer_with_the_outcome(milano, visit, claimed, operator):
    calls.call_task_outcome_record(
        dealership=milano,
        task=claimed,
        operator=operator,
        outcome=Outcome.REACHED,
        now=timezone.now(),
        score=2,
        comment="  The brakes squeak again.  ",
        concern=True,
    )
    answer = SatisfactionResponse.objects.get()
    assert (answer.appointment, answer.score, answer.comment, answer.channel) == (
        visit,
        2,
        "The brakes squeak again.",
        ContactChannel.PHONE,
    )
    assert (answer.concern, answer.advisor, answer.recorded_by, answer.call_task) == (
        True,
        visit.advisor,
        operator,
        claimed,
    )
    assert open_concerns(dealership=milano, advisor_id=visit.advisor_id) == [answer]
    claimed.refresh_from_db()
    assert (claimed.status, claimed.outcome) == (TaskStatus.DONE, Outcome.REACHED)
    assert ContactRecord.objects.get().outcome == Outcome.REACHED


def test_r9_1_operator_a_high_score_without_the_box_raises_no_concern(milano, claimed, operator):
    calls.call_task_outcome_record(
        dealership=milano,
        task=claimed,
        operator=operator,
        outcome=Outcome.REACHED,
        now=timezone.now(),
        score=5,
    )
    assert SatisfactionResponse.objects.get().concern is False
    assert open_concerns(dealership=milano) == []


@pytest.mark.parametrize(
    ("outcome", "score", "comment", "concern", "kind", "message"),
    [
        (Outcome.REACHED, 0, "", False, TaskKind.SATISFACTION, "Give a score from 1 to 5."),
        (Outcome.REACHED, 6, "", False, TaskKind.SATISFACTION, "Give a score from 1 to 5."),
        (Outcome.REACHED, None, "Lovely", False, TaskKind.SATISFACTION, "Give a score from 1 to 5."),
        (Outcome.REACHED, None, "", True, TaskKind.SATISFACTION, "Give a score from 1 to 5."),
        (Outcome.NO_ANSWER, 3, "", False, TaskKind.SATISFACTION, "A score goes with the outcome “Reached”."),
        (Outcome.REACHED, 3, "", False, TaskKind.NO_SHOW, "Only a satisfaction call takes a score."),
    ],
)
def test_r9_1_operator_a_misplaced_or_bad_answer_is_refused_with_nothing_written(
    milano, visit, operator, outcome, score, comment, concern, kind, message
):
    task = _call(milano, visit, kind=kind)
    calls.call_task_claim(dealership=milano, task=task, operator=operator, now=timezone.now())
    with pytest.raises(ValidationError) as refused:
        calls.call_task_outcome_record(
            dealership=milano,
            task=task,
            operator=operator,
            outcome=outcome,
            now=timezone.now(),
            score=score,
            comment=comment,
            concern=concern,
        )
    assert refused.value.message_dict["score"] == [message]
    _nothing_written(task)


def test_r9_1_operator_an_over_long_comment_is_refused_with_nothing_written(milano, claimed, operator):
    with pytest.raises(ValidationError) as refused:
        calls.call_task_outcome_record(
            dealership=milano,
            task=claimed,
            operator=operator,
            outcome=Outcome.REACHED,
            now=timezone.now(),
            score=4,
            comment="x" * (COMMENT_MAX_LENGTH + 1),
        )
    assert list(refused.value.message_dict) == ["comment"]
    _nothing_written(claimed)


def test_r9_1_operator_a_visit_rated_already_keeps_its_answer_and_the_call_stays_open(
    milano, visit, claimed, operator
):
    by_link = _rated_already(milano, visit, score=4, channel=ContactChannel.EMAIL)
    with pytest.raises(ValidationError) as refused:
        calls.call_task_outcome_record(
            dealership=milano,
            task=claimed,
            operator=operator,
            outcome=Outcome.REACHED,
            now=timezone.now(),
            score=1,
        )
    assert refused.value.message_dict == {"score": ["This visit has been rated already."]}
    assert list(SatisfactionResponse.objects.all()) == [by_link]
    claimed.refresh_from_db()
    assert claimed.status == TaskStatus.CLAIMED
    assert not ContactRecord.objects.exists()


def test_r9_1_operator_an_answer_written_meanwhile_is_rated_already_not_a_crash(
    milano, claimed, operator, monkeypatch
):
    # The reply or the link won the race after the check: the database's unique row refuses.
    def taken(**_kwargs):
        raise IntegrityError("satisfaction_once")

    monkeypatch.setattr(SatisfactionResponse.objects, "create", taken)
    with pytest.raises(ValidationError) as refused:
        calls.call_task_outcome_record(
            dealership=milano,
            task=claimed,
            operator=operator,
            outcome=Outcome.REACHED,
            now=timezone.now(),
            score=3,
        )
    assert refused.value.message_dict == {"score": ["This visit has been rated already."]}
    claimed.refresh_from_db()
    assert claimed.status == TaskStatus.CLAIMED
    assert not ContactRecord.objects.exists()


# --- The queue page -------------------------------------------------------------------------


def test_r9_1_operator_the_satisfaction_call_offers_the_score_comment_and_concern(client, operator, call):
    client.force_login(operator)
    claimed = client.post(NEXT)
    page = client.get(claimed.url).content.decode()
    assert '<fieldset class="satisfaction-answer">' in page
    assert "<legend>Customer satisfaction</legend>" in page
    assert "<legend>Score</legend>" in page
    for score in range(1, 6):
        assert f'type="radio" name="score" value="{score}"' in page
    assert 'name="comment"' in page
    assert 'name="concern"' in page
    assert "Concern: the advisor should call back" in page


def test_r9_1_operator_other_calls_show_no_score(client, operator, milano, visit):
    _call(milano, visit, kind=TaskKind.NO_SHOW)
    client.force_login(operator)
    page = client.get(client.post(NEXT).url).content.decode()
    assert 'name="score"' not in page


def test_r9_1_operator_records_a_low_score_with_a_concern_from_the_page(client, operator, visit, claimed):
    client.force_login(operator)
    done = client.post(
        _outcome_url(claimed),
        {"outcome": Outcome.REACHED, "score": "2", "comment": "Still a noise.", "concern": "on"},
        headers={"HX-Request": "true"},
    )
    assert done.status_code == 302
    answer = SatisfactionResponse.objects.get()
    assert (answer.score, answer.comment, answer.concern, answer.channel) == (
        2,
        "Still a noise.",
        True,
        ContactChannel.PHONE,
    )
    assert answer.advisor == visit.advisor
    # The advisor sees it on the visit's page, with the concern waiting for them.
    page = client.get(reverse("appointment_detail", kwargs={**D, "appointment_id": visit.id}))
    assert "for the advisor" in page.content.decode()


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"score": "6"}, "score", "Select a valid choice. 6 is not one of the available choices."),
        ({"score": "0"}, "score", "Select a valid choice. 0 is not one of the available choices."),
        ({"score": "3", "comment": "bad\x00byte"}, "comment", "Null characters are not allowed."),
        (
            {"score": "3", "comment": "x" * (COMMENT_MAX_LENGTH + 1)},
            "comment",
            f"at most {COMMENT_MAX_LENGTH} characters (it has {COMMENT_MAX_LENGTH + 1}).",
        ),
        ({"comment": "Lovely"}, "score", "Give a score from 1 to 5."),
    ],
)
def test_r9_1_operator_a_bad_answer_on_the_page_is_a_field_error_and_nothing_is_written(
    client, operator, claimed, fields, field, message
):
    client.force_login(operator)
    refused = client.post(_outcome_url(claimed), {"outcome": Outcome.REACHED, **fields})
    assert refused.status_code == 400
    body = refused.content.decode()
    assert f'id="id_{field}_error"' in body
    assert message in body
    _nothing_written(claimed)


def test_r9_1_operator_a_bad_answer_reads_in_the_users_language(client, claimed, operator):
    operator.language = "it"
    operator.save()
    client.force_login(operator)
    refused = client.post(
        _outcome_url(claimed), {"outcome": Outcome.REACHED, "score": "3", "comment": "a\x00"}
    )
    assert refused.status_code == 400
    assert "I caratteri null non sono ammessi." in refused.content.decode()
    _nothing_written(claimed)


def test_r9_1_operator_a_visit_rated_already_is_said_on_the_page_and_on_submit(
    client, operator, milano, visit, claimed
):
    _rated_already(milano, visit, score=4, channel=ContactChannel.SMS, comment="Fine.")
    client.force_login(operator)
    page = client.get(reverse("call_task", kwargs={**D, "task_id": claimed.id})).content.decode()
    assert "Rated already: 4/5 (SMS)." in page
    assert 'name="score"' not in page
    refused = client.post(_outcome_url(claimed), {"outcome": Outcome.REACHED, "score": "2"})
    assert refused.status_code == 400
    assert "This visit has been rated already." in refused.content.decode()
    assert SatisfactionResponse.objects.get().score == 4
    claimed.refresh_from_db()
    assert claimed.status == TaskStatus.CLAIMED


# --- The API --------------------------------------------------------------------------------


def _api(client, task, body):
    return client.post(
        reverse("api_call_task_outcome", kwargs={**D, "task_id": task.id}),
        body,
        content_type="application/json",
    )


def test_r9_1_operator_records_the_answer_through_the_api(client, operator, visit, claimed):
    client.force_login(operator)
    done = _api(client, claimed, {"outcome": "reached", "score": 2, "comment": "Noise.", "concern": True})
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["outcome"]) == ("done", "reached")
    answer = SatisfactionResponse.objects.get()
    assert (answer.score, answer.comment, answer.concern, answer.channel, answer.advisor) == (
        2,
        "Noise.",
        True,
        ContactChannel.PHONE,
        visit.advisor,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"score": 0}, "score"),
        ({"score": 6}, "score"),
        ({"score": "five"}, "score"),
        ({"score": True}, "score"),
        ({"score": 3, "comment": "a\x00b"}, "comment"),
        ({"score": 3, "comment": "x" * (COMMENT_MAX_LENGTH + 1)}, "comment"),
        ({"score": 3, "concern": "maybe"}, "concern"),
        ({"concern": True}, "score"),
    ],
)
def test_r9_1_operator_a_bad_answer_through_the_api_is_a_400_on_its_field(
    client, operator, claimed, body, field
):
    client.force_login(operator)
    refused = _api(client, claimed, {"outcome": "reached", **body})
    assert refused.status_code == 400
    assert field in refused.json()["errors"]
    _nothing_written(claimed)


def test_r9_1_operator_a_visit_rated_already_is_a_400_on_score_through_the_api(
    client, operator, milano, visit, claimed
):
    _rated_already(milano, visit, score=5, channel=ContactChannel.EMAIL)
    client.force_login(operator)
    refused = _api(client, claimed, {"outcome": "reached", "score": 1})
    assert refused.status_code == 400
    assert refused.json()["errors"]["score"] == ["This visit has been rated already."]
    assert SatisfactionResponse.objects.get().score == 5


def test_r9_1_operator_the_answer_fields_are_in_the_openapi_schema(client, operator):
    client.force_login(operator)
    schema = client.get(reverse("api_schema"), {"format": "json"}).json()
    request = schema["components"]["schemas"]["Outcome"]["properties"]
    assert request["score"]["minimum"] == 1
    assert request["score"]["maximum"] == 5
    assert request["score"]["nullable"] is True
    assert request["comment"]["maxLength"] == COMMENT_MAX_LENGTH
    assert request["concern"]["type"] == "boolean"


# --- Book now on a call about another time (R5.6) ---------------------------------------------


def test_book_now_on_a_reschedule_request_moves_that_appointment(client, operator, milano):
    booked = AppointmentFactory(advisor=AdvisorFactory(dealership=milano))
    task = _call(milano, booked, kind=TaskKind.RESCHEDULE_REQUEST)
    move = reverse("appointment_move", kwargs={**D, "appointment_id": booked.id})
    assert book_now_url(milano, task) == move
    client.force_login(operator)
    page = client.get(client.post(NEXT).url).content.decode()
    assert f'href="{move}"' in page
    assert client.get(move).status_code == 200  # the operator may move it


def test_book_now_on_a_reschedule_request_of_a_closed_visit_books_anew(milano, visit):
    task = _call(milano, visit, kind=TaskKind.RESCHEDULE_REQUEST)  # delivered: cannot be moved
    url = urlsplit(book_now_url(milano, task))
    assert url.path == reverse("phone_booking", kwargs=D)
