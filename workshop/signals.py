"""Any change to the capacity settings, wherever it comes from (a service, the admin, a fixture),
gives the dealership a new capacity version, so no process keeps using an old copy
(workshop.capacity_settings)."""

from typing import Any

from django.db.models.signals import post_delete, post_save

from dealerships.models import Closure, DealershipOwned, OpeningHours
from dealerships.services import capacity_changed
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

CAPACITY_MODELS = (
    OpeningHours,
    Closure,
    WorkshopPolicy,
    Advisor,
    AdvisorShift,
    AdvisorAbsence,
    Technician,
    TechnicianShift,
    TechnicianAbsence,
    Job,
)


def _capacity_row_changed(sender: type[DealershipOwned], instance: DealershipOwned, **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loading fixtures: the rows may not be complete yet
        return
    capacity_changed(dealership_id=instance.dealership_id)


def connect() -> None:
    for model in CAPACITY_MODELS:
        post_save.connect(_capacity_row_changed, sender=model, dispatch_uid=f"capacity-save-{model.__name__}")
        post_delete.connect(
            _capacity_row_changed, sender=model, dispatch_uid=f"capacity-delete-{model.__name__}"
        )
