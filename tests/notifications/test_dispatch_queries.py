"""The dispatcher's cost does not grow with the batch: a batch is claimed, read, re-checked,
rendered, sent and recorded in a fixed number of queries, however many rows and dealerships."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.models import MessageKind, MessageStatus, OutboxMessage
from notifications.services import outbox
from notifications.services.dispatch import outbox_dispatch_across_dealerships
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory
from tests.notifications.conftest import local

# The claim: SAVEPOINT, SELECT ... FOR UPDATE SKIP LOCKED, UPDATE, RELEASE (a transaction
# outside the test's). The batch: the rows with their customers, appointments and vehicles;
# their dealerships; their messaging settings; their own texts; the moves of the appointments
# whose e-mail would carry an invitation. The outcomes: SAVEPOINT, SET LOCAL, one statement
# for every row, RELEASE.
CLAIM_QUERIES = 4
LOAD_QUERIES = 5
RECORD_QUERIES = 4


def _booked(dealership, *, count: int, now) -> None:
    advisor = AdvisorFactory(dealership=dealership)
    day = (now + timedelta(days=3)).astimezone(dealership.tz).date()
    for n in range(count):
        customer = CustomerFactory(dealership=dealership, mobile_phone=f"+39347{n:07d}", language="it")
        appointment = AppointmentFactory(
            advisor=advisor,
            vehicle=VehicleFactory(customer=customer),
            customer=customer,
            drop_off_at=local(dealership, day, "08:00") + timedelta(minutes=30 * n),
        )
        outbox.appointment_booked_messages(appointment=appointment, now=now)


@pytest.mark.parametrize("per_dealership", [1, 6])
def test_a_batch_costs_the_same_queries_whatever_its_size(
    milano, torino, per_dealership, django_assert_num_queries
):
    now = timezone.now()
    _booked(milano, count=per_dealership, now=now)
    _booked(torino, count=per_dealership, now=now)
    with django_assert_num_queries(CLAIM_QUERIES + LOAD_QUERIES + RECORD_QUERIES):
        result = outbox_dispatch_across_dealerships(now=now, limit=100)
    assert result.sent == 2 * per_dealership
    assert (
        OutboxMessage.objects.filter(kind=MessageKind.BOOKING_CONFIRMATION, status=MessageStatus.SENT).count()
        == 2 * per_dealership
    )
