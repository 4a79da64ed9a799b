"""Writes to the customer file. Inputs arrive cleaned by customers.validation; rules live here."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from customers.identifiers import normalize_name, normalize_plate
from customers.models import (
    Campaign,
    CampaignVin,
    Customer,
    MileageReading,
    Programme,
    Vehicle,
    VehicleOwnership,
)
from dealerships.models import Dealership
from dealerships.ownership import ensure_owned_by
from dealerships.selectors import dealership_local_today

CUSTOMER_FIELDS = (
    "given_name",
    "family_name",
    "mobile_phone",
    "other_phone",
    "email",
    "preferred_contact",
    "language",
    "street",
    "postal_code",
    "city",
    "consent_service_sms",
    "consent_service_email",
    "consent_marketing_sms",
    "consent_marketing_email",
    "notes",
)
VEHICLE_FIELDS = (
    "vin",
    "plate",
    "make",
    "model",
    "model_year",
    "engine",
    "fuel",
    "sale_date",
    "warranty_start",
    "warranty_end",
    "warranty_mileage_limit_km",
)


def _save(instance: models.Model) -> None:
    instance.full_clean(exclude=["dealership"], validate_constraints=True)
    instance.save()


@transaction.atomic
def customer_create(*, dealership: Dealership, **fields: Any) -> Customer:
    """Open a customer file (R2.5)."""
    unknown = set(fields) - set(CUSTOMER_FIELDS)
    if unknown:
        raise TypeError(f"customer_create got unknown fields {sorted(unknown)}")
    customer = Customer(dealership=dealership, **fields)
    customer.family_name_search = normalize_name(customer.family_name)
    _save(customer)
    return customer


@transaction.atomic
def customer_update(*, dealership: Dealership, customer: Customer, **fields: Any) -> Customer:
    """Update contact data and preferences (R2.5, R2.7, R8.3)."""
    ensure_owned_by(dealership, customer)
    for name, value in fields.items():
        if name not in CUSTOMER_FIELDS:
            raise TypeError(f"customer_update got unknown field {name!r}")
        setattr(customer, name, value)
    customer.family_name_search = normalize_name(customer.family_name)
    _save(customer)
    return customer


def _vin_taken_error(existing: Vehicle) -> ValidationError:
    owner = existing.customer.full_name if existing.customer else _("no owner")
    return ValidationError(
        {
            "vin": _("This VIN is already on file here: %(vehicle)s, owned by %(owner)s.")
            % {"vehicle": f"{existing.make} {existing.model}", "owner": owner}
        },
        code="duplicate_vin",
    )


def _derive_search_fields(vehicle: Vehicle) -> None:
    vehicle.vin_reversed = vehicle.vin[::-1]
    vehicle.plate_search = normalize_plate(vehicle.plate)


@transaction.atomic
def vehicle_create(
    *,
    dealership: Dealership,
    customer: Customer | None,
    mileage_km: int | None = None,
    mileage_read_on: date | None = None,
    mileage_source: str = MileageReading.Source.STAFF,
    **fields: Any,
) -> Vehicle:
    """Record a vehicle (R2.5), its first mileage reading and its current owner."""
    unknown = set(fields) - set(VEHICLE_FIELDS)
    if unknown:
        raise TypeError(f"vehicle_create got unknown fields {sorted(unknown)}")
    ensure_owned_by(dealership, customer)
    existing = (
        Vehicle.objects.for_dealership(dealership)
        .filter(vin=fields.get("vin"))
        .select_related("customer")
        .first()
    )
    if existing is not None:
        raise _vin_taken_error(existing)
    vehicle = Vehicle(dealership=dealership, customer=customer, **fields)
    _derive_search_fields(vehicle)
    try:
        with transaction.atomic():
            _save(vehicle)
    except IntegrityError:  # a concurrent request recorded the same VIN first
        raise _vin_taken_error(Vehicle.objects.for_dealership(dealership).get(vin=vehicle.vin)) from None
    today = dealership_local_today(dealership=dealership, now=timezone.now())
    if customer is not None:
        VehicleOwnership.objects.create(
            dealership=dealership,
            vehicle=vehicle,
            customer=customer,
            started_on=min(vehicle.sale_date or today, today),
        )
    if mileage_km is not None:
        mileage_record(
            dealership=dealership,
            vehicle=vehicle,
            mileage_km=mileage_km,
            read_on=mileage_read_on or today,
            source=mileage_source,
        )
    return vehicle


@transaction.atomic
def vehicle_update(*, dealership: Dealership, vehicle: Vehicle, **fields: Any) -> Vehicle:
    ensure_owned_by(dealership, vehicle)
    for name, value in fields.items():
        if name not in VEHICLE_FIELDS:
            raise TypeError(f"vehicle_update got unknown field {name!r}")
        setattr(vehicle, name, value)
    clash = (
        Vehicle.objects.for_dealership(dealership)
        .filter(vin=vehicle.vin)
        .exclude(id=vehicle.id)
        .select_related("customer")
        .first()
    )
    if clash is not None:
        raise _vin_taken_error(clash)
    _derive_search_fields(vehicle)
    _save(vehicle)
    return vehicle


@transaction.atomic
def mileage_record(
    *,
    dealership: Dealership,
    vehicle: Vehicle,
    mileage_km: int,
    read_on: date,
    source: str = MileageReading.Source.STAFF,
) -> MileageReading:
    """Add a mileage reading; mileage never goes backwards in time."""
    # Lock the vehicle so two readings recorded at once are checked one after the other.
    locked = Vehicle.objects.select_for_update().get(id=vehicle.id, dealership=dealership)
    earlier = (
        MileageReading.objects.filter(vehicle=locked, read_on__lte=read_on).order_by("-mileage_km").first()
    )
    if earlier is not None and mileage_km < earlier.mileage_km:
        raise ValidationError(
            {
                "mileage_km": _("Mileage cannot go backwards: %(km)s km were read on %(day)s.")
                % {"km": f"{earlier.mileage_km:,}".replace(",", " "), "day": earlier.read_on.isoformat()}
            },
            code="mileage_backwards",
        )
    later = MileageReading.objects.filter(vehicle=locked, read_on__gt=read_on).order_by("mileage_km").first()
    if later is not None and mileage_km > later.mileage_km:
        raise ValidationError(
            {
                "mileage_km": _("Mileage cannot go backwards: only %(km)s km were read later, on %(day)s.")
                % {"km": f"{later.mileage_km:,}".replace(",", " "), "day": later.read_on.isoformat()}
            },
            code="mileage_backwards",
        )
    reading = MileageReading(
        dealership=dealership, vehicle=locked, mileage_km=mileage_km, read_on=read_on, source=source
    )
    _save(reading)
    if locked.mileage_read_on is None or read_on >= locked.mileage_read_on:
        Vehicle.objects.filter(id=locked.id).update(mileage_km=mileage_km, mileage_read_on=read_on)
        vehicle.mileage_km, vehicle.mileage_read_on = mileage_km, read_on
    return reading


@transaction.atomic
def vehicle_transfer(*, dealership: Dealership, vehicle: Vehicle, customer: Customer, on: date) -> Vehicle:
    """Give the vehicle a new owner from `on`, keeping the ownership history."""
    ensure_owned_by(dealership, vehicle, customer)
    current = (
        VehicleOwnership.objects.select_for_update().filter(vehicle=vehicle, ended_on__isnull=True).first()
    )
    if current is not None:
        if current.customer_id == customer.id:
            return vehicle
        if on < current.started_on:
            raise ValidationError({"on": _("The new ownership cannot start before the current one.")})
        current.ended_on = on
        current.save(update_fields=["ended_on", "updated_at"])
    VehicleOwnership.objects.create(dealership=dealership, vehicle=vehicle, customer=customer, started_on=on)
    vehicle.customer = customer
    vehicle.save(update_fields=["customer", "updated_at"])
    return vehicle


@transaction.atomic
def programme_create(*, dealership: Dealership, vehicle: Vehicle, **fields: Any) -> Programme:
    """Attach a customer programme (extended warranty, courtesy car, ...) to a vehicle (R3.2)."""
    ensure_owned_by(dealership, vehicle)
    programme = Programme(dealership=dealership, vehicle=vehicle, **fields)
    _save(programme)
    return programme


@transaction.atomic
def campaign_create(*, dealership: Dealership, **fields: Any) -> Campaign:
    """Record a manufacturer campaign or recall (R2.4, R7.4)."""
    if Campaign.objects.for_dealership(dealership).filter(code=fields.get("code")).exists():
        raise ValidationError({"code": _("A campaign with this code already exists.")}, code="duplicate_code")
    campaign = Campaign(dealership=dealership, **fields)
    _save(campaign)
    return campaign


@dataclass(frozen=True, kw_only=True, slots=True)
class VinListResult:
    added: int
    already_listed: int


@transaction.atomic
def campaign_vins_add(*, dealership: Dealership, campaign: Campaign, vins: list[str]) -> VinListResult:
    """Add already-validated VINs to the campaign's list; VINs listed before are skipped."""
    ensure_owned_by(dealership, campaign)
    wanted = list(dict.fromkeys(vins))
    present = set(CampaignVin.objects.filter(campaign=campaign, vin__in=wanted).values_list("vin", flat=True))
    new = [
        CampaignVin(dealership=dealership, campaign=campaign, vin=vin) for vin in wanted if vin not in present
    ]
    CampaignVin.objects.bulk_create(new, batch_size=2000)
    return VinListResult(added=len(new), already_listed=len(wanted) - len(new))
