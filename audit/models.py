"""The audit trail: a historical copy of every audited row, kept by django-simple-history.

The audited models belong to the apps below this one; their history tables are registered here
(`app="audit"`) so that those apps, their models and their migrations know nothing of it. Each
historical row is the whole record as it was after the change, with its dealership (the
records are DealershipOwned), who changed it (the request's user, HistoryRequestMiddleware),
when, and whether it was created, changed or deleted.
"""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history import register
from simple_history.models import HistoricalRecords

from bookings.models import Appointment
from customers.models import Customer, Vehicle
from dealerships.models import Closure, OpeningHours
from mobility.models import FleetVehicle, Reservation
from workshop.models import (
    Advisor,
    AdvisorAbsence,
    AdvisorShift,
    Job,
    Technician,
    TechnicianAbsence,
    TechnicianShift,
    WorkshopPolicy,
)


class Actor(models.TextChoices):
    """Who made a change when no staff member did: a customer (self-service pages, replies to
    messages) or the system (Celery tasks, management commands)."""

    STAFF = "staff", _("staff")
    CUSTOMER = "customer", _("the customer")
    SYSTEM = "system", _("system")


class AuditedChange(models.Model):
    """What every historical table adds to simple-history's own columns."""

    history_actor = models.CharField(max_length=10, choices=Actor.choices, default=Actor.SYSTEM)

    class Meta:
        abstract = True


class AuditRecords(HistoricalRecords):
    """simple-history's records, reading a partly loaded row's other columns in one query."""

    def create_historical_record(
        self, instance: models.Model, history_type: str, *args: Any, **kwargs: Any
    ) -> None:
        # A row read with only() (or Model.from_db) and saved writes only its loaded columns;
        # its copy needs them all, which Django would read one column per query.
        if deferred := instance.get_deferred_fields():
            instance.refresh_from_db(fields=sorted(deferred))
        super().create_historical_record(instance, history_type, *args, **kwargs)


# model -> the columns not copied: search keys derived from columns that are (the erasure would
# otherwise have to find personal data in them too).
EXCLUDED: dict[type[models.Model], list[str]] = {
    Customer: ["family_name_search"],
    Vehicle: ["vin_reversed", "plate_search"],
}
RECORD_MODELS: tuple[type[models.Model], ...] = (Appointment, Customer, Vehicle, Reservation)
# The capacity settings (workshop.capacity_settings reads exactly these).
CAPACITY_MODELS: tuple[type[models.Model], ...] = (
    WorkshopPolicy,
    OpeningHours,
    Closure,
    Advisor,
    AdvisorShift,
    AdvisorAbsence,
    Technician,
    TechnicianShift,
    TechnicianAbsence,
    Job,
)
# What the settings history page shows: the workshop's capacity and the mobility fleet.
SETTINGS_MODELS: tuple[type[models.Model], ...] = (*CAPACITY_MODELS, FleetVehicle)
AUDITED_MODELS = RECORD_MODELS + SETTINGS_MODELS

for _model in AUDITED_MODELS:
    register(
        _model,
        app="audit",
        records_class=AuditRecords,
        bases=[AuditedChange],
        excluded_fields=EXCLUDED.get(_model, []),
    )
