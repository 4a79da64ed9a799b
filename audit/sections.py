"""The audit trail's sections on the lower apps' pages (registered in AuditConfig.ready): the
staff appointment page and the customer file; managers only."""

from datetime import datetime
from typing import Any

from audit import entries, selectors
from bookings.models import Appointment
from customers.models import Customer
from dealerships.access import Capability, StaffAccess
from mobility.models import Reservation

SECTION_LIMIT = 20


def appointment_history(access: StaffAccess, appointment: Appointment) -> dict[str, Any] | None:
    """Who changed the appointment, when and what (booked, moved, its status, its details), and
    its mobility reservations: two queries, and one per kind of row the changes name."""
    if not access.can(Capability.VIEW_AUDIT_TRAIL):
        return None
    dealership = access.dealership
    steps = selectors.record_history(
        dealership=dealership, model=Appointment, object_id=appointment.id, limit=SECTION_LIMIT
    ) + selectors.related_history(
        dealership=dealership, model=Reservation, appointment_id=appointment.id, limit=SECTION_LIMIT
    )
    steps.sort(key=lambda step: (step.row.history_date, step.row.history_id), reverse=True)
    return {
        "entries": entries.audit_entries(
            dealership=dealership, steps=steps[:SECTION_LIMIT], page_model=Appointment
        )
    }


def customer_history(access: StaffAccess, customer: Customer, _now: datetime) -> dict[str, Any] | None:
    """Who changed the customer's file, when and what; links to each vehicle's changes."""
    if not access.can(Capability.VIEW_AUDIT_TRAIL):
        return None
    steps = selectors.record_history(
        dealership=access.dealership, model=Customer, object_id=customer.id, limit=SECTION_LIMIT
    )
    return {
        "entries": entries.audit_entries(dealership=access.dealership, steps=steps, page_model=Customer),
        "dealership": access.dealership,
        # The file's page has its vehicles already (customers.selectors.customer_file_get).
        "vehicles": list(customer.vehicles.all()),
    }
