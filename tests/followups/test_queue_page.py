"""The operators' call queue page (R7.5): the next call claimed and shown with the customer file
and the script, one key per outcome, bad outcomes refused on their field with nothing changed."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from customers.models import ContactMethod
from dealerships.models import Role
from followups.models import CallScript, CallTask, ContactRecord, Outcome, Priority, TaskKind, TaskStatus
from followups.services import calls
from followups.views import book_now_url
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.workshop import JobFactory
from workshop.models import JobKind

QUEUE = reverse("call_queue", kwargs={"dealership_slug": "milano"})
NEXT = reverse("call_next", kwargs={"dealership_slug": "milano"})


def _url(name: str, task: CallTask) -> str:
    return reverse(name, kwargs={"dealership_slug": "milano", "task_id": task.id})


@pytest.fixture
def operator(member_of):
    return member_of(Role.RESERVATION_OPERATOR, username="olga")


@pytest.fixture
def make_task(milano):
    base = timezone.now()  # one instant, so equal delays are equally due

    def make(*, kind=TaskKind.PERIODIC_SERVICE, priority=Priority.NORMAL, due_in=timedelta(0), **customer):
        person = CustomerFactory(
            dealership=milano,
            mobile_phone="+393471234567",
            language="en",
            preferred_contact=ContactMethod.PHONE,
            **customer,
        )
        vehicle = VehicleFactory(customer=person, make="Fiat", model="Panda")
        return calls.call_task_create(
            dealership=milano,
            kind=kind,
            customer=person,
            vehicle=vehicle,
            now=base,
            due_at=base + due_in,
            priority=priority,
        )

    return make


def test_r7_5_the_operator_takes_the_next_call_with_the_file_and_the_script_beside_it(
    client, operator, make_task
):
    task = make_task(given_name="Giulia", family_name="Verdi")
    client.force_login(operator)
    queue = client.get(QUEUE).content.decode()
    assert "1 call due now" in queue
    assert "Giulia Verdi" in queue

    claimed = client.post(NEXT)
    assert claimed.status_code == 302
    assert claimed.url == _url("call_task", task)
    task.refresh_from_db()
    assert (task.status, task.operator) == (TaskStatus.CLAIMED, operator)

    page = client.get(claimed.url).content.decode()
    assert "Periodic service" in page or task.get_kind_display() in page
    assert "+39 347 123 4567" in page  # the phone to dial
    assert "Your Fiat Panda is due for its regular service soon" in page  # the script, in English
    for outcome in Outcome:
        assert f'name="outcome" value="{outcome.value}"' in page
    assert 'data-key="1"' in page
    assert 'aria-keyshortcuts="6"' in page
    assert "Book now" in page


def test_r7_5_the_queue_lists_the_due_calls_first_then_by_priority(client, operator, make_task):
    low = make_task(family_name="Basso", priority=Priority.LOW, due_in=-timedelta(minutes=5))
    high = make_task(family_name="Alto", priority=Priority.HIGH, due_in=-timedelta(minutes=5))
    earlier = make_task(family_name="Primo", priority=Priority.LOW, due_in=-timedelta(hours=1))
    make_task(family_name="Dopo", due_in=timedelta(days=2))
    client.force_login(operator)
    page = client.get(QUEUE).content.decode()
    assert "3 calls due now" in page
    assert "1 for later" in page
    positions = [page.index(name) for name in ("Primo", "Alto", "Basso")]
    assert positions == sorted(positions)
    assert "Dopo" not in page
    assert client.post(NEXT).url == _url("call_task", earlier)
    assert {low.id, high.id} == set(
        CallTask.objects.filter(status=TaskStatus.OPEN)
        .exclude(customer__family_name="Dopo")
        .values_list("id", flat=True)
    )


def test_the_queue_page_reads_in_the_same_number_of_queries_for_3_or_30_calls(client, operator, make_task):
    client.force_login(operator)
    for _ in range(3):
        make_task()
    client.get(QUEUE)  # warm the session and the content types
    with CaptureQueriesContext(connection) as few:
        assert client.get(QUEUE).status_code == 200
    for _ in range(27):
        make_task()
    with CaptureQueriesContext(connection) as many:
        assert "30 calls due now" in client.get(QUEUE).content.decode()
    assert len(many) == len(few)


def test_the_task_page_reads_a_fixed_number_of_queries(
    client, operator, make_task, django_assert_max_num_queries
):
    task = make_task()
    client.force_login(operator)
    client.post(NEXT)
    with django_assert_max_num_queries(16):
        assert client.get(_url("call_task", task)).status_code == 200


def test_r7_5_a_declined_call_needs_its_reason_then_records_it(client, operator, make_task):
    task = make_task()
    client.force_login(operator)
    client.post(NEXT)
    refused = client.post(_url("call_task_outcome", task), {"outcome": Outcome.DECLINED})
    assert refused.status_code == 400
    assert "Say why the customer declined." in refused.content.decode()
    task.refresh_from_db()
    assert task.status == TaskStatus.CLAIMED
    assert not ContactRecord.objects.exists()

    done = client.post(
        _url("call_task_outcome", task),
        {
            "outcome": Outcome.DECLINED,
            "decline_reason": "serviced_elsewhere",
            "note": "At the brother's garage",
        },
    )
    assert done.status_code == 302
    assert done.url == QUEUE
    task.refresh_from_db()
    assert (task.status, task.outcome, task.decline_reason) == (
        TaskStatus.DONE,
        "declined",
        "serviced_elsewhere",
    )
    record = ContactRecord.objects.get()
    assert (record.outcome, record.decline_reason, record.operator) == (
        "declined",
        "serviced_elsewhere",
        operator,
    )


def test_an_outcome_for_a_call_another_operator_holds_is_refused_and_changes_nothing(
    client, operator, member_of, make_task
):
    task = make_task()
    other = member_of(Role.RESERVATION_OPERATOR, username="otto")
    calls.call_task_claim(dealership=task.dealership, task=task, operator=other, now=timezone.now())
    client.force_login(operator)
    refused = client.post(_url("call_task_outcome", task), {"outcome": Outcome.REACHED})
    assert refused.status_code == 409
    assert "Another operator is working on this task." in refused.content.decode()
    task.refresh_from_db()
    assert (task.status, task.operator, task.outcome) == (TaskStatus.CLAIMED, other, "")
    assert not ContactRecord.objects.exists()
    # The list shows it to them, without the keys.
    page = client.get(_url("call_task", task)).content.decode()
    assert 'name="outcome"' not in page


def test_a_call_back_time_in_the_past_is_a_field_error(client, operator, make_task):
    task = make_task()
    client.force_login(operator)
    client.post(NEXT)
    past = (timezone.localtime(timezone.now(), task.dealership.tz) - timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    refused = client.post(
        _url("call_task_outcome", task), {"outcome": Outcome.CALL_BACK, "call_back_at": past}
    )
    assert refused.status_code == 400
    body = refused.content.decode()
    assert "The call-back time is in the past." in body
    assert 'id="id_call_back_at_error"' in body  # on its field
    task.refresh_from_db()
    assert task.status == TaskStatus.CLAIMED
    assert not ContactRecord.objects.exists()


def test_a_call_back_puts_the_call_back_in_the_queue_at_that_time(client, operator, make_task):
    task = make_task()
    client.force_login(operator)
    client.post(NEXT)
    later = timezone.localtime(timezone.now(), task.dealership.tz).replace(
        second=0, microsecond=0
    ) + timedelta(days=1)
    done = client.post(
        _url("call_task_outcome", task),
        {"outcome": Outcome.CALL_BACK, "call_back_at": later.strftime("%Y-%m-%dT%H:%M")},
    )
    assert done.status_code == 302
    task.refresh_from_db()
    assert (task.status, task.next_attempt_at) == (TaskStatus.OPEN, later)


def test_an_outcome_on_a_closed_call_is_refused(client, operator, make_task):
    task = make_task()
    client.force_login(operator)
    client.post(NEXT)
    assert client.post(_url("call_task_outcome", task), {"outcome": Outcome.REACHED}).status_code == 302
    again = client.post(_url("call_task_outcome", task), {"outcome": Outcome.WRONG_NUMBER})
    assert again.status_code == 409
    assert "This task is closed already." in again.content.decode()
    task.refresh_from_db()
    assert task.outcome == Outcome.REACHED
    assert ContactRecord.objects.count() == 1


def test_an_unknown_outcome_is_a_400(client, operator, make_task):
    task = make_task()
    client.force_login(operator)
    client.post(NEXT)
    assert client.post(_url("call_task_outcome", task), {"outcome": "hung_up"}).status_code == 400
    assert not ContactRecord.objects.exists()


def test_no_answer_brings_the_call_back_later(client, operator, make_task):
    task = make_task()
    client.force_login(operator)
    client.post(NEXT)
    client.post(_url("call_task_outcome", task), {"outcome": Outcome.NO_ANSWER})
    task.refresh_from_db()
    assert (task.status, task.attempts) == (TaskStatus.OPEN, 1)
    assert task.next_attempt_at > timezone.now()
    assert client.post(NEXT).url == QUEUE  # nothing else is due


def test_book_now_opens_the_phone_booking_with_the_customer_the_vehicle_and_the_service(milano, make_task):
    JobFactory(dealership=milano, code="SRV-15", kind=JobKind.MAINTENANCE)
    task = make_task(kind=TaskKind.PERIODIC_SERVICE)
    url = urlsplit(book_now_url(milano, task))
    assert url.path == reverse("phone_booking", kwargs={"dealership_slug": "milano"})
    query = parse_qs(url.query)
    assert query["customer"] == [str(task.customer_id)]
    assert query["vehicle"] == [str(task.vehicle_id)]
    assert query["jobs"] == ["SRV-15"]
    assert query["kind"] == ["maintenance"]


def test_a_release_gives_the_call_back_to_the_queue(client, operator, make_task):
    task = make_task()
    client.force_login(operator)
    client.post(NEXT)
    assert client.post(_url("call_task_release", task)).status_code == 302
    task.refresh_from_db()
    assert task.status == TaskStatus.OPEN
    assert task.operator is None


def test_a_call_taken_from_the_list_is_claimed_for_the_operator(client, operator, make_task):
    task = make_task()
    client.force_login(operator)
    assert client.post(_url("call_task_claim", task)).status_code == 302
    task.refresh_from_db()
    assert task.operator == operator


def test_a_call_task_by_hand(client, operator, milano):
    customer = CustomerFactory(dealership=milano)
    client.force_login(operator)
    url = reverse("call_task_create", kwargs={"dealership_slug": "milano"})
    assert f'value="{customer.id}"' in client.get(url, {"customer": customer.id}).content.decode()
    made = client.post(url, {"customer": customer.id, "note": "Ask about the tyres"})
    task = CallTask.objects.get()
    assert made.status_code == 302
    assert made.url == _url("call_task", task)
    assert (task.kind, task.customer, task.note, task.created_by) == (
        TaskKind.MANUAL,
        customer,
        "Ask about the tyres",
        operator,
    )


def test_a_call_task_by_hand_refuses_a_past_time_and_another_dealerships_customer(
    client, operator, milano, torino
):
    stranger = CustomerFactory(dealership=torino)
    client.force_login(operator)
    url = reverse("call_task_create", kwargs={"dealership_slug": "milano"})
    assert client.post(url, {"customer": stranger.id, "note": "x"}).status_code == 400
    mine = CustomerFactory(dealership=milano)
    past = client.post(url, {"customer": mine.id, "note": "x", "due_at": "2020-01-01T10:00"})
    assert past.status_code == 400
    assert "This time has passed" in past.content.decode()
    assert not CallTask.objects.exists()


def test_the_dealerships_own_script_is_read_out(client, operator, make_task, milano):
    CallScript.objects.create(
        dealership=milano,
        kind=TaskKind.PERIODIC_SERVICE,
        language="en",
        text="Hi {customer}, time for the {vehicle}!",
    )
    task = make_task(given_name="Anna", family_name="Neri")
    client.force_login(operator)
    client.post(NEXT)
    assert "Hi Anna Neri, time for the Fiat Panda!" in client.get(_url("call_task", task)).content.decode()


@pytest.mark.parametrize(
    ("role", "status"), [(Role.TECHNICIAN, 403), (Role.SERVICE_ADVISOR, 403), (Role.DEALER_MANAGER, 200)]
)
def test_operators_and_managers_work_the_queue(client, member_of, role, status):
    client.force_login(member_of(role))
    assert client.get(QUEUE).status_code == status


def test_the_staff_navigation_links_the_calls(client, operator):
    client.force_login(operator)
    assert f'href="{QUEUE}"' in client.get(QUEUE).content.decode()
