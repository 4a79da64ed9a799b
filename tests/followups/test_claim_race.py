"""Two operators never get the same call: operators claiming at once, each with their own
database connection, get different tasks, and none is lost (R7.5's queue).

Real PostgreSQL (CI sets DATABASE_URL): FOR UPDATE SKIP LOCKED under concurrent transactions is
what is proven here; SQLite's single writer would prove nothing.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections

from followups.models import CallTask, TaskKind, TaskStatus
from followups.services import calls
from tests.followups.conftest import NOW

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the race is proven on PostgreSQL (set DATABASE_URL, as .ci/run does); SQLite has one writer",
    ),
]


def _race(milano, operators):
    start = threading.Barrier(len(operators))

    def claim(operator):
        try:
            start.wait(timeout=30)
            task = calls.call_task_claim_next(dealership=milano, operator=operator, now=NOW)
            return task.id if task is not None else None
        finally:
            connections.close_all()  # this thread's connection

    with ThreadPoolExecutor(max_workers=len(operators)) as pool:
        return list(pool.map(claim, operators))


def _tasks(milano, make_customer, count):
    customer = make_customer(milano)
    return [
        calls.call_task_create(dealership=milano, kind=TaskKind.MANUAL, customer=customer, now=NOW)
        for _ in range(count)
    ]


def test_r7_5_two_operators_claiming_at_once_get_different_tasks(milano, make_customer, operators):
    _tasks(milano, make_customer, 2)
    first, second = operators(2)
    for _round in range(5):
        CallTask.objects.update(status=TaskStatus.OPEN, operator=None, claimed_at=None, claimed_until=None)
        claimed = _race(milano, [first, second])
        assert None not in claimed
        assert len(set(claimed)) == 2, claimed


def test_r7_5_eight_operators_on_five_tasks_share_them_out(milano, make_customer, operators):
    tasks = _tasks(milano, make_customer, 5)
    crowd = operators(8)
    claimed = _race(milano, crowd)
    won = [task_id for task_id in claimed if task_id is not None]
    assert sorted(won) == sorted(task.id for task in tasks)  # each once, none left
    assert claimed.count(None) == 3
    holders = dict(CallTask.objects.values_list("id", "operator_id"))
    assert len(set(holders.values())) == 5
