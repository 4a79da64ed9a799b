"""Reads of appointments, scoped to the dealership, in a fixed number of queries."""

from collections.abc import Iterable
from datetime import date, datetime

from django.db.models import Count, Prefetch, QuerySet

from bookings import lifecycle
from bookings.models import Appointment, AppointmentJob, AppointmentStatus, AppointmentTransition
from customers.models import Customer
from dealerships.models import Dealership
from workshop.capacity_warnings import DayOverMaximum
from workshop.models import Advisor


def appointment_list(
    *,
    dealership: Dealership,
    start: date,
    end: date,
    advisor_id: int | None = None,
    statuses: list[str] | None = None,
    channels: list[str] | None = None,
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
    if channels:
        appointments = appointments.filter(channel__in=channels)
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


def customer_appointments(*, dealership: Dealership, customer: Customer) -> QuerySet[Appointment]:
    """Every appointment of the customer, the latest first: one query, plus one for the jobs."""
    return (
        Appointment.objects.for_dealership(dealership)
        .filter(customer=customer)
        .select_related("vehicle", "advisor")
        .prefetch_related(Prefetch("jobs", queryset=AppointmentJob.objects.order_by("id")))
        .order_by("-drop_off_at", "-id")
    )


def open_appointments_of_vehicles(
    *, dealership: Dealership, vehicle_ids: Iterable[int], now: datetime
) -> dict[int, Appointment]:
    """Each vehicle's next appointment still to come that has not been cancelled or missed: one
    query. The desk sees it before booking the same car twice."""
    upcoming = (
        Appointment.objects.for_dealership(dealership)
        .filter(vehicle_id__in=list(vehicle_ids), status__in=lifecycle.OPEN, drop_off_at__gte=now)
        .select_related("advisor", "vehicle")
        .order_by("drop_off_at", "id")
    )
    next_by_vehicle: dict[int, Appointment] = {}
    for appointment in upcoming:
        next_by_vehicle.setdefault(appointment.vehicle_id, appointment)
    return next_by_vehicle


def advisor_days_over_maximum(*, advisor: Advisor, today: date) -> list[DayOverMaximum]:
    """The advisor's days from `today` with more customers booked than their daily maximum (a
    maximum lowered after the bookings were made): one query."""
    booked_days = (
        Appointment.objects.for_dealership(advisor.dealership)
        .filter(advisor=advisor, local_day__gte=today)
        .exclude(status__in=lifecycle.CAPACITY_RELEASED)
        .values("local_day")
        .annotate(booked=Count("id"))
        .filter(booked__gt=advisor.max_customers_per_day)
        .order_by("local_day")
    )
    return [
        DayOverMaximum(
            day=row["local_day"], booked_customers=row["booked"], max_customers=advisor.max_customers_per_day
        )
        for row in booked_days
    ]
