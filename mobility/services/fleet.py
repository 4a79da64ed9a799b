"""The fleet: add a courtesy or rental car to a vehicle solution, change what is known of it."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext as _

from customers.validation import clean_plate, clean_vin
from dealerships.models import Dealership
from dealerships.ownership import ensure_owned_by
from mobility.models import FleetVehicle, MobilitySolution

# What the API and the admin may change on a car; its solution and dealership stay.
EDITABLE = (
    "plate",
    "vin",
    "brand",
    "model",
    "fuel",
    "status",
    "mileage_km",
    "mileage_limit_km",
    "max_age_months",
    "in_fleet_since",
    "next_service_due_on",
    "next_service_due_km",
)


def _checked(dealership: Dealership, vehicle: FleetVehicle) -> None:
    errors: dict[str, list[str]] = {}
    for name, clean in (
        ("vin", lambda raw: clean_vin(raw, dealership=dealership)),
        ("plate", clean_plate),
    ):
        try:
            setattr(vehicle, name, clean(getattr(vehicle, name)))
        except ValidationError as error:
            errors[name] = error.messages
    others = FleetVehicle.objects.for_dealership(dealership).exclude(id=vehicle.id)
    if "vin" not in errors and others.filter(vin=vehicle.vin).exists():
        errors["vin"] = [_("Another car of the fleet has this VIN.")]
    if "plate" not in errors and others.filter(plate=vehicle.plate).exists():
        errors["plate"] = [_("Another car of the fleet has this plate.")]
    try:
        vehicle.full_clean(exclude=["dealership", "solution"], validate_constraints=False)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            errors.setdefault(name, messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def fleet_vehicle_create(
    *, dealership: Dealership, solution: MobilitySolution, fields: dict[str, Any]
) -> FleetVehicle:
    """Add a car to a vehicle solution (R3.4: brand, other brand or rental)."""
    ensure_owned_by(dealership, solution)
    if not solution.is_vehicle:
        raise ValidationError({"solution": _("Only a courtesy or rental car solution has vehicles.")})
    vehicle = FleetVehicle(
        dealership=dealership, solution=solution, **{k: v for k, v in fields.items() if k in EDITABLE}
    )
    _checked(dealership, vehicle)
    vehicle.save()
    return vehicle


@transaction.atomic
def fleet_vehicle_update(
    *, dealership: Dealership, vehicle: FleetVehicle, changes: dict[str, Any]
) -> FleetVehicle:
    """Change what is known of a car (its mileage never goes backwards)."""
    ensure_owned_by(dealership, vehicle)
    vehicle = FleetVehicle.objects.for_dealership(dealership).select_for_update().get(id=vehicle.id)
    mileage = changes.get("mileage_km")
    if mileage is not None and mileage < vehicle.mileage_km:
        raise ValidationError(
            {
                "mileage_km": _("The car showed %(km)s km: the mileage cannot go backwards.")
                % {"km": formats.number_format(vehicle.mileage_km, force_grouping=True)}
            }
        )
    for name, value in changes.items():
        if name in EDITABLE:
            setattr(vehicle, name, value)
    _checked(dealership, vehicle)
    vehicle.save()
    return vehicle
