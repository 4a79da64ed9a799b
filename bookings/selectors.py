"""Reads of appointments, scoped to the dealership, in a fixed number of queries."""

from datetime import date

from django.db.models import Prefetch, QuerySet

from bookings.models import Appointment, AppointmentJob, AppointmentStatus, AppointmentTransition
from customers.models import Customer
from dealerships.models import Dealership


def appointment_list(
    *,
    dealership: Dealership,
    start: date,
    end: date,
    advisor_id: int | None = None,
    statuses: list[str] | None = None,
) -> QuerySet[Appointment]:
    """Appointments dropped off on the local days start..end: one query, plus one for the jobs."""
    appointments = (
        Appointment.objects.for_dealership(dealership)
        .filter(local_day__gte=start, local_day__lte=end)
        .select_related("customer", "vehicle", "advisor")
        .prefetch_related(
            Prefetch("jobs", queryset=AppointmentJob.objects.select_related("job", "campaign").order_by("id"))
        )
        .order_by("drop_off_at", "id")
    )
    if advisor_id is not None:
        appointments = appointments.filter(advisor_id=advisor_id)
    if statuses:
        appointments = appointments.filter(status__in=statuses)
    return appointments


def appointment_get(
    *, dealership: Dealership, appointment_id: int, with_history: bool = True
) -> Appointment | None:
    """One appointment with its jobs (and its history unless told not to): two or three queries."""
    appointments = (
        Appointment.objects.for_dealership(dealership)
        .filter(id=appointment_id)
        .select_related("customer", "vehicle", "advisor")
        .prefetch_related(
            Prefetch("jobs", queryset=AppointmentJob.objects.select_related("job", "campaign").order_by("id"))
        )
    )
    if with_history:
        appointments = appointments.prefetch_related(
            Prefetch(
                "transitions",
                queryset=AppointmentTransition.objects.select_related("by").order_by("at", "id"),
            )
        )
    return appointments.first()


def last_advisor_id(*, dealership: Dealership, customer: Customer) -> int | None:
    """The advisor of the customer's latest appointment that was not cancelled, if still active."""
    return (
        Appointment.objects.for_dealership(dealership)
        .filter(customer=customer, advisor__is_active=True)
        .exclude(status=AppointmentStatus.CANCELLED)
        .order_by("-drop_off_at")
        .values_list("advisor_id", flat=True)
        .first()
    )
