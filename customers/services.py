"""Writes to the customer file. Inputs arrive cleaned by customers.validation; rules live here."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from customers import privacy, signals
from customers.identifiers import normalize_name, normalize_plate
from customers.models import (
    Campaign,
    CampaignDecline,
    CampaignVin,
    Customer,
    CustomerErasure,
    MileageReading,
    Programme,
    Vehicle,
    VehicleOwnership,
)
from dealerships.models import Dealership, User
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
    "consent_service_whatsapp",
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


def _refuse_erased(customer_id: int) -> None:
    """Refuse a write to an erased customer's file. The row stays locked to the end of the
    transaction, so a write cannot slip in while the customer is being erased."""
    erased_at = (
        Customer.objects.select_for_update()
        .filter(id=customer_id)
        .values_list("erased_at", flat=True)
        .first()
    )
    if erased_at is not None:
        raise ValidationError(
            _("This customer's personal data was erased: their file can no longer be changed."),
            code="customer_erased",
        )


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
    """Update contact data and preferences (R2.5, R2.7, R8.3); an erased customer's file is closed."""
    ensure_owned_by(dealership, customer)
    _refuse_erased(customer.id)
    for name, value in fields.items():
        if name not in CUSTOMER_FIELDS:
            raise TypeError(f"customer_update got unknown field {name!r}")
        setattr(customer, name, value)
    customer.family_name_search = normalize_name(customer.family_name)
    _save(customer)
    return customer


def _vin_taken_error(existing: Vehicle) -> ValidationError:
    owner = existing.customer.display_name if existing.customer else _("no owner")
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
    if customer is not None:
        _refuse_erased(customer.id)
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
    if vehicle.customer_id is not None:
        _refuse_erased(vehicle.customer_id)
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


def _km(mileage_km: int) -> str:
    return formats.number_format(mileage_km, force_grouping=True)


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
                % {
                    "km": _km(earlier.mileage_km),
                    "day": formats.date_format(earlier.read_on, "SHORT_DATE_FORMAT"),
                }
            },
            code="mileage_backwards",
        )
    later = MileageReading.objects.filter(vehicle=locked, read_on__gt=read_on).order_by("mileage_km").first()
    if later is not None and mileage_km > later.mileage_km:
        raise ValidationError(
            {
                "mileage_km": _("Mileage cannot go backwards: only %(km)s km were read later, on %(day)s.")
                % {
                    "km": _km(later.mileage_km),
                    "day": formats.date_format(later.read_on, "SHORT_DATE_FORMAT"),
                }
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
    _refuse_erased(customer.id)
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
    if new:
        signals.campaign_vins_added.send(sender=Campaign, dealership_id=dealership.id, campaign=campaign)
    return VinListResult(added=len(new), already_listed=len(wanted) - len(new))


def campaign_declines_record(
    *,
    dealership: Dealership,
    vehicle: Vehicle,
    campaigns: Iterable[Campaign],
    reason: str,
    on: date,
    by: User | None,
) -> list[CampaignDecline]:
    """The customer declined these open campaigns for now (R2.4), with the reason they gave."""
    ensure_owned_by(dealership, vehicle, *campaigns)
    return CampaignDecline.objects.bulk_create(
        CampaignDecline(
            dealership=dealership,
            campaign=campaign,
            vehicle=vehicle,
            reason=reason,
            declined_on=on,
            recorded_by=by,
        )
        for campaign in campaigns
    )


# An erased vehicle's VIN: unique in the dealership as the constraint wants, and not a VIN (lower
# case, a hyphen), so it can neither identify the car nor be found by a VIN search.
ERASED_VIN_FORMAT = "{id}-erased"
ERASE_REASON_MAX_LENGTH = CustomerErasure._meta.get_field("reason").max_length


@transaction.atomic
def customer_erase(
    *, dealership: Dealership, customer: Customer, by: User | None, reason: str
) -> CustomerErasure:
    """Erase the customer's personal data on request and record who did it, when and why.

    The rows stay (the customer, their vehicles, their appointments), so every count by day,
    advisor, status or channel is the same after as before; what could identify the person goes:
    names, phones, e-mail, address, notes, consents, the plates and VINs of the vehicles they
    own, and (through the registered erasure contributors) the free text of the other apps.
    """
    ensure_owned_by(dealership, customer)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the data is erased (the request, its date).")})
    if ERASE_REASON_MAX_LENGTH is not None and len(reason) > ERASE_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": _("Keep the reason to at most %(count)s characters.")
                % {"count": ERASE_REASON_MAX_LENGTH}
            }
        )
    locked = Customer.objects.select_for_update().get(id=customer.id, dealership=dealership)
    if locked.erased_at is not None:
        raise ValidationError(_("This customer's personal data was already erased."), code="already_erased")
    now = timezone.now()
    # Stored, so written in the dealership's language, as its staff will read it.
    with translation.override(dealership.language):
        placeholder = pgettext("erased customer", "Erased customer #%(id)s") % {"id": locked.id}
        erased_text = pgettext("erased free text", "(erased)")
    for name in CUSTOMER_FIELDS:
        field = Customer._meta.get_field(name)
        if isinstance(field, models.BooleanField):
            setattr(locked, name, False)  # every consent withdrawn
        elif name not in ("preferred_contact", "language"):  # preferences identify no one
            setattr(locked, name, "")
    locked.family_name = placeholder
    # No search key: a name search finds nothing, not even the placeholder.
    locked.family_name_search = ""
    locked.opted_out_at = locked.opted_out_at or now
    locked.erased_at = now
    locked.full_clean(exclude=["dealership", "family_name_search"], validate_constraints=True)
    locked.save()
    vehicles = Vehicle.objects.for_dealership(dealership).filter(customer=locked).select_for_update()
    for vehicle in vehicles:
        # Make, model, year, engine and fuel stay for the statistics; they name no one.
        vehicle.plate = ""
        vehicle.vin = ERASED_VIN_FORMAT.format(id=vehicle.id)
        _derive_search_fields(vehicle)
        vehicle.customer = locked
        _save(vehicle)
    CampaignDecline.objects.filter(dealership=dealership, vehicle__customer=locked).update(
        reason=erased_text, updated_at=now
    )
    erasure = CustomerErasure(
        dealership=dealership, customer=locked, erased_at=now, erased_by=by, reason=reason
    )
    _save(erasure)
    for contributor in privacy.erasure_contributors():
        contributor(dealership, locked)
    customer.refresh_from_db()
    return erasure
