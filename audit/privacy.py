"""The audit trail's part in erasing a customer (customers.privacy; registered in
AuditConfig.ready). Nothing of the trail goes into the export: it records staff work on the
records, and what it holds about the customer is what the records held, which the export has.

After an erasure the trail holds no more about the person than the records themselves now do:
every historical copy of the customer, of the vehicles they ever owned and of their appointments
gets the record's current (anonymised) values in the columns the erasure blanks. Who changed
what and when stays, and so do the columns the counts are made of.
"""

from typing import Any

from django.db.models import OuterRef, Subquery

from bookings.models import Appointment
from bookings.privacy import APPOINTMENT_FREE_TEXT
from customers.models import Customer, Vehicle
from customers.privacy import erasure_contributor_register
from customers.services import CUSTOMER_FIELDS
from dealerships.models import Dealership
from mobility.models import Reservation

VEHICLE_IDENTIFIERS = ("vin", "plate")
# What a reservation may hold about the person: where the driver fetched them, what was noted
# at the hand-overs.
RESERVATION_FREE_TEXT = ("address", "out_damage_notes", "in_damage_notes")


def _current(model: type[Any], name: str) -> Subquery:
    return Subquery(model.objects.filter(pk=OuterRef("id")).values(name)[:1])


def history_erase(dealership: Dealership, customer: Customer) -> None:
    """Overwrite the customer's personal data in the trail with what the records now hold:
    four statements, whatever the number of changes."""
    Customer.history.filter(dealership=dealership, id=customer.id).update(  # type: ignore[attr-defined]
        **{name: getattr(customer, name) for name in CUSTOMER_FIELDS}
    )
    vehicle_ids = Vehicle.history.filter(  # type: ignore[attr-defined]
        dealership=dealership, customer_id=customer.id
    ).values("id")
    Vehicle.history.filter(dealership=dealership, id__in=vehicle_ids).update(  # type: ignore[attr-defined]
        **{name: _current(Vehicle, name) for name in VEHICLE_IDENTIFIERS}
    )
    Appointment.history.filter(dealership=dealership, customer_id=customer.id).update(  # type: ignore[attr-defined]
        **{name: _current(Appointment, name) for name in APPOINTMENT_FREE_TEXT}
    )
    Reservation.history.filter(dealership=dealership, customer_id=customer.id).update(  # type: ignore[attr-defined]
        **{name: _current(Reservation, name) for name in RESERVATION_FREE_TEXT}
    )


def contributors_register() -> None:
    erasure_contributor_register(history_erase)
