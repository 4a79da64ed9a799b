"""Demo follow-ups: the rules' scan over the demo files (a car of the file may well be due for
a reminder), and a few calls of each common kind for the operators' queue, so the queue page
has work on it the first time it is opened."""

from datetime import datetime, timedelta

from bookings.models import Appointment, AppointmentStatus
from customers.models import ContactMethod, Customer
from dealerships.models import Dealership
from followups.models import Priority, TaskKind
from followups.scans import followups_scan
from followups.services.calls import call_task_create

DEMO_CALLS = (
    (TaskKind.FIRST_SERVICE, Priority.NORMAL),
    (TaskKind.PERIODIC_SERVICE, Priority.NORMAL),
    (TaskKind.LOST_CUSTOMER, Priority.LOW),
    (TaskKind.BOOKING_NOT_MADE, Priority.HIGH),
)


def demo_followups_create(*, dealership: Dealership, now: datetime) -> None:
    """A handful of due calls for customers who prefer the phone, and a satisfaction call after
    the latest delivered demo appointment, if there is one."""
    customers = (
        Customer.objects.for_dealership(dealership)
        .filter(preferred_contact=ContactMethod.PHONE, erased_at__isnull=True)
        .prefetch_related("vehicles")
        .order_by("id")[: len(DEMO_CALLS)]
    )
    for (kind, priority), customer in zip(DEMO_CALLS, customers, strict=False):
        vehicle = next(iter(customer.vehicles.all()), None)
        call_task_create(
            dealership=dealership,
            kind=kind,
            customer=customer,
            vehicle=vehicle,
            priority=priority,
            now=now,
            due_at=now - timedelta(hours=1),
            idempotency_key=f"demo:{kind}:{customer.id}",
        )
    delivered = (
        Appointment.objects.for_dealership(dealership)
        .filter(status=AppointmentStatus.DELIVERED)
        .select_related("customer", "vehicle")
        .order_by("-drop_off_at")
        .first()
    )
    if delivered is not None:
        call_task_create(
            dealership=dealership,
            kind=TaskKind.SATISFACTION,
            customer=delivered.customer,
            vehicle=delivered.vehicle,
            appointment=delivered,
            now=now,
            idempotency_key=f"demo:satisfaction:{delivered.id}",
        )


def demo_followups_scan(*, now: datetime) -> None:
    """The nightly scan once over every demo dealership (beat runs it hourly afterwards)."""
    followups_scan(now=now)
