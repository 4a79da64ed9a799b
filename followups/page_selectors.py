"""What the follow-up pages read beside fu1's selectors: the file an operator has in front of
them during a call, the queue's counts, a customer's open call tasks. A fixed number of queries
each (pinned in the tests)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q

from bookings import selectors as booking_selectors
from bookings.models import Appointment
from customers import selectors as customer_selectors
from customers.models import Campaign, Customer, Vehicle
from dealerships.models import Dealership
from followups import selectors
from followups.models import CallTask, ContactRecord, SatisfactionResponse, TaskStatus
from workshop.models import Job, JobKind

RECENT_APPOINTMENTS = 5
RECENT_CONTACTS = 5


@dataclass(frozen=True, kw_only=True, slots=True)
class CallFile:
    """The customer file beside the task: their vehicles, last appointments, open campaigns
    and the last contacts (R7.5)."""

    customer: Customer
    vehicles: tuple[Vehicle, ...]
    appointments: tuple[Appointment, ...]
    open_campaigns: tuple[Campaign, ...]
    contacts: tuple[ContactRecord, ...]


@dataclass(frozen=True, kw_only=True, slots=True)
class QueueCounts:
    due: int
    later: int
    claimed: int


def call_file_load(*, dealership: Dealership, task: CallTask, now: datetime) -> CallFile:
    """The customer file of the task's customer, in five queries (and one per vehicle for its
    open campaigns: a customer has one or two)."""
    customer = task.customer
    vehicles = tuple(Vehicle.objects.for_dealership(dealership).filter(customer=customer).order_by("id"))
    appointments = tuple(
        booking_selectors.customer_appointments(dealership=dealership, customer=customer)[
            :RECENT_APPOINTMENTS
        ]
    )
    today = now.astimezone(dealership.tz).date()
    campaigns: dict[int, Campaign] = {}
    for vehicle in vehicles:
        for campaign in customer_selectors.open_campaigns(
            dealership=dealership, vehicle=vehicle, today=today
        ):
            campaigns.setdefault(campaign.id, campaign)
    contacts = tuple(
        selectors.customer_contacts(dealership=dealership, customer=customer, limit=RECENT_CONTACTS)
    )
    return CallFile(
        customer=customer,
        vehicles=vehicles,
        appointments=appointments,
        open_campaigns=tuple(campaigns.values()),
        contacts=contacts,
    )


def queue_counts(*, dealership: Dealership, now: datetime) -> QueueCounts:
    """How many tasks wait and are due now, wait for later, and are being worked: one query."""
    waiting = Q(status=TaskStatus.OPEN) | Q(status=TaskStatus.CLAIMED, claimed_until__lte=now)
    in_time = Q(deadline_at__isnull=True) | Q(deadline_at__gt=now)
    counts = CallTask.objects.for_dealership(dealership).aggregate(
        due=Count("id", filter=waiting & in_time & Q(next_attempt_at__lte=now)),
        later=Count("id", filter=waiting & in_time & Q(next_attempt_at__gt=now)),
        claimed=Count("id", filter=Q(status=TaskStatus.CLAIMED, claimed_until__gt=now)),
    )
    return QueueCounts(**counts)


def customer_open_tasks(*, dealership: Dealership, customer: Customer) -> list[CallTask]:
    """The customer's call tasks not closed yet, the next first."""
    return list(
        CallTask.objects.for_dealership(dealership)
        .filter(customer=customer, status__in=(TaskStatus.OPEN, TaskStatus.CLAIMED))
        .select_related("vehicle", "operator")
        .order_by("next_attempt_at", "id")
    )


def appointment_satisfaction(
    *, dealership: Dealership, appointment: Appointment
) -> SatisfactionResponse | None:
    """The customer's answer about this visit (R9.1), if any."""
    return (
        SatisfactionResponse.objects.for_dealership(dealership)
        .filter(appointment=appointment)
        .select_related("advisor", "recorded_by")
        .first()
    )


def maintenance_job(*, dealership: Dealership) -> Job | None:
    """The catalogue's maintenance package a service reminder books (the first one by name)."""
    return (
        Job.objects.for_dealership(dealership)
        .filter(is_active=True, kind=JobKind.MAINTENANCE)
        .order_by("name", "id")
        .first()
    )
