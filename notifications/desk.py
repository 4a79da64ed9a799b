"""What the staff pages show of the messages: an appointment's and a customer's (thin: the
selectors read, the templates show)."""

from datetime import datetime
from typing import Any

from bookings.models import Appointment
from customers.models import Customer
from dealerships.access import Capability, StaffAccess
from notifications import selectors


def appointment_messages(access: StaffAccess, appointment: Appointment) -> dict[str, Any] | None:
    """The context of templates/notifications/_messages.html for the appointment's page:
    `{% include "notifications/_messages.html" with section=messages %}`; None for a role that
    does not book."""
    if not access.can(Capability.BOOK_APPOINTMENTS):
        return None
    return {
        "messages": list(
            selectors.message_list_for_appointment(
                dealership=access.dealership, appointment_id=appointment.id
            )
        ),
        "dealership": access.dealership,
    }


def customer_messages_section(
    access: StaffAccess, customer: Customer, _now: datetime
) -> dict[str, Any] | None:
    """The customer file's messages: what was sent, when, how, and the answers."""
    if not access.can(Capability.BOOK_APPOINTMENTS):
        return None
    dealership = access.dealership
    return {
        "messages": list(selectors.message_list_for_customer(dealership=dealership, customer=customer)),
        "replies": list(selectors.reply_list_for_customer(dealership=dealership, customer=customer)),
        "customer": customer,
        "dealership": dealership,
        "opted_out": customer.opted_out_at is not None,
    }
