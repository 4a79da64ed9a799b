"""The follow-ups' sections on lower apps' pages: a customer's contact history and open calls on
their file (R7.5), the satisfaction answer on the appointment page (R9.1). `register()` is called
from followups.apps.FollowupsConfig.ready()."""

from datetime import datetime
from typing import Any

from bookings.appointment_sections import appointment_page_sections
from bookings.models import Appointment
from customers.file_sections import customer_file_sections
from customers.models import Customer
from dealerships.access import Capability, StaffAccess
from followups import page_selectors, selectors


def customer_contacts_section(
    access: StaffAccess, customer: Customer, _now: datetime
) -> dict[str, Any] | None:
    """The customer's contacts, the latest first, and the calls still to make to them."""
    if not access.can(Capability.BOOK_APPOINTMENTS):
        return None
    dealership = access.dealership
    return {
        "contacts": selectors.customer_contacts(dealership=dealership, customer=customer),
        "open_tasks": page_selectors.customer_open_tasks(dealership=dealership, customer=customer),
        "can_call": access.can(Capability.WORK_CALL_QUEUE),
        "customer": customer,
        "dealership": dealership,
    }


def appointment_satisfaction_section(access: StaffAccess, appointment: Appointment) -> dict[str, Any] | None:
    """The customer's score and comment about the visit and whether a concern waits; nothing
    before they answered."""
    if not access.can(Capability.BOOK_APPOINTMENTS):
        return None
    answer = page_selectors.appointment_satisfaction(dealership=access.dealership, appointment=appointment)
    if answer is None:
        return None
    return {"answer": answer, "dealership": access.dealership}


def register() -> None:
    customer_file_sections.register("followups/_customer_contacts.html", customer_contacts_section)
    appointment_page_sections.register(
        "followups/_appointment_satisfaction.html", appointment_satisfaction_section
    )
