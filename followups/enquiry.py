"""A customer's question from the public enquiry form: it becomes an `enquiry` call task for the
operators. The contact given is matched against the dealership's customer files (the mobile or
other phone, or the e-mail); a contact that matches none gets a minimal customer file, so the
operator has someone to call and the call is on record (R7.5)."""

from datetime import datetime

from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from customers import services as customer_services
from customers.models import ContactMethod, Customer, Vehicle
from dealerships.models import Dealership
from followups.models import NOTE_MAX_LENGTH, CallTask, Priority, TaskKind
from followups.services import calls


def _customer_by_contact(dealership: Dealership, contact: str) -> Customer | None:
    match = Q(email__iexact=contact) if "@" in contact else Q(mobile_phone=contact) | Q(other_phone=contact)
    return (
        Customer.objects.for_dealership(dealership)
        .filter(match, erased_at__isnull=True)
        .order_by("id")
        .first()
    )


@transaction.atomic
def enquiry_submit(
    *,
    dealership: Dealership,
    name: str,
    contact: str,
    plate: str,
    question: str,
    language: str,
    now: datetime,
) -> CallTask:
    """Queue the question as a call task due now; `contact` is an e-mail or an E.164 number."""
    customer = _customer_by_contact(dealership, contact)
    if customer is None:
        by_email = "@" in contact
        customer = customer_services.customer_create(
            dealership=dealership,
            family_name=name[:80],
            email=contact if by_email else "",
            mobile_phone="" if by_email else contact,
            preferred_contact=ContactMethod.EMAIL if by_email else ContactMethod.PHONE,
            language=language,
        )
    vehicle = None
    if plate:
        vehicle = (
            Vehicle.objects.for_dealership(dealership)
            .filter(customer=customer, plate__iexact=plate)
            .order_by("id")
            .first()
        )
    lines = [
        _("Enquiry from %(name)s (%(contact)s).") % {"name": name, "contact": contact},
        *([_("Plate: %(plate)s.") % {"plate": plate}] if plate else []),
        question.strip(),
    ]
    return calls.call_task_create(
        dealership=dealership,
        kind=TaskKind.ENQUIRY,
        customer=customer,
        vehicle=vehicle,
        now=now,
        priority=Priority.HIGH,
        note="\n".join(lines)[:NOTE_MAX_LENGTH],
    )
