"""What bookings holds about a customer, for the customer file's export and erasure
(customers.privacy; registered in BookingsConfig.ready)."""

from collections.abc import Iterable

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import AccessCode, Appointment, AppointmentJob, AppointmentTransition
from customers.models import Customer
from customers.privacy import (
    ExportSection,
    erasure_contributor_register,
    export_contributor_register,
    export_field,
    model_record,
    vehicle_field,
)
from dealerships.models import Dealership

APPOINTMENT_EXPORT_FIELDS = (
    "status",
    "channel",
    "kind",
    "drop_off_at",
    "promised_return_at",
    "customer_requests",
    "special_requests",
    "test_drive_needed",
    "replacement_vehicle_wanted",
    "mileage_km",
    "documents_to_bring",
    "cancel_reason",
    "is_urgent",
    "created_at",
)
# What the customer said in their own words, which may hold anything about them. The rest of an
# appointment (day, advisor, status, channel, jobs) is what the counts are made of, and stays.
APPOINTMENT_FREE_TEXT = ("customer_requests", "special_requests", "cancel_reason")


def appointments_export(dealership: Dealership, customer: Customer) -> Iterable[ExportSection]:
    """The customer's appointments with their jobs: two queries."""
    appointments = (
        Appointment.objects.for_dealership(dealership)
        .filter(customer=customer)
        .select_related("vehicle", "advisor")
        .prefetch_related(Prefetch("jobs", queryset=AppointmentJob.objects.order_by("id")))
        .order_by("drop_off_at", "id")
    )
    records = tuple(
        model_record(
            appointment,
            APPOINTMENT_EXPORT_FIELDS,
            extra=[
                vehicle_field(appointment.vehicle),
                export_field("advisor", _("Advisor"), appointment.advisor.name),
                export_field(
                    "jobs",
                    _("Jobs"),
                    [job.description for job in appointment.jobs.all()],
                    shown=", ".join(job.description for job in appointment.jobs.all()) or "—",
                ),
            ],
        )
        for appointment in appointments
    )
    return [ExportSection("appointments", _("Appointments"), records)]


def appointments_erase(dealership: Dealership, customer: Customer) -> None:
    """Blank the customer's words on their appointments and drop their unused booking codes;
    the appointments themselves stay, so the counts by day, advisor, status and channel do."""
    now = timezone.now()
    appointments = Appointment.objects.for_dealership(dealership).filter(customer=customer)
    appointments.update(**dict.fromkeys(APPOINTMENT_FREE_TEXT, ""), updated_at=now)
    # A reason given for a cancellation or a move is the customer's words too.
    AppointmentTransition.objects.for_dealership(dealership).filter(appointment__in=appointments).update(
        reason="", updated_at=now
    )
    AccessCode.objects.for_dealership(dealership).filter(customer=customer, used_at__isnull=True).delete()


def contributors_register() -> None:
    """Take part in the customer file's export and erasure."""
    export_contributor_register(appointments_export)
    erasure_contributor_register(appointments_erase)
