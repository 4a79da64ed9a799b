"""What is held about a customer, gathered for them to read (the export), and who takes part in
erasing it.

Appointments and messages are held by apps above the customer file, which it may not import. As
with the file's page (file_sections), each of those apps registers, when it is ready, a function
that exports what it holds about a customer and one that erases it
(customers.services.customer_erase calls them inside its transaction).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Prefetch
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber

from customers.models import (
    CampaignDecline,
    Customer,
    CustomerErasure,
    MileageReading,
    Programme,
    Vehicle,
    VehicleOwnership,
)
from dealerships.models import Dealership
from dealerships.ownership import ensure_owned_by

# What a field of the JSON export holds.
JsonValue = str | int | float | bool | list[str] | None


@dataclass(frozen=True, slots=True)
class ExportField:
    name: str  # the key in the JSON export
    label: str  # the heading on the readable page, in the reader's language
    value: JsonValue
    shown: str  # as the readable page shows it


@dataclass(frozen=True, slots=True)
class ExportRecord:
    fields: tuple[ExportField, ...]

    def as_json(self) -> dict[str, JsonValue]:
        return {field.name: field.value for field in self.fields}


@dataclass(frozen=True, slots=True)
class ExportSection:
    key: str  # the key in the JSON export: "appointments"
    title: str
    records: tuple[ExportRecord, ...]


@dataclass(frozen=True, slots=True)
class CustomerExport:
    dealership: Dealership
    customer: Customer
    exported_at: datetime
    sections: tuple[ExportSection, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "customer_id": self.customer.id,
            "dealership": self.dealership.slug,
            "exported_at": self.exported_at.isoformat(),
            **{section.key: [record.as_json() for record in section.records] for section in self.sections},
        }


# contributor(dealership, customer): the sections an app holds about the customer.
ExportContributor = Callable[[Dealership, Customer], Iterable[ExportSection]]
# Called inside customer_erase's transaction, with the customer row locked and already anonymised.
ErasureContributor = Callable[[Dealership, Customer], None]

_export_contributors: list[ExportContributor] = []
_erasure_contributors: list[ErasureContributor] = []


def export_contributor_register(contributor: ExportContributor) -> None:
    if contributor not in _export_contributors:
        _export_contributors.append(contributor)


def erasure_contributor_register(contributor: ErasureContributor) -> None:
    if contributor not in _erasure_contributors:
        _erasure_contributors.append(contributor)


def erasure_contributors() -> tuple[ErasureContributor, ...]:
    return tuple(_erasure_contributors)


def _json_value(value: object) -> JsonValue:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, PhoneNumber):
        return str(value) if value else ""
    if isinstance(value, Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list):
        return [str(item) for item in value]
    return str(value)


def _shown(instance: models.Model, field: models.Field, value: object) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if field.choices:
        return str(getattr(instance, f"get_{field.name}_display")())
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime):
        return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
    if isinstance(value, date):
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    if isinstance(value, PhoneNumber):
        return value.as_international
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def export_field(name: str, label: str, value: object, shown: str | None = None) -> ExportField:
    """A field that is not a column of the record's model (the vehicle an appointment is for)."""
    return ExportField(name, label, _json_value(value), shown if shown is not None else str(value or "—"))


def model_record(
    instance: models.Model, field_names: Iterable[str], *, extra: Iterable[ExportField] = ()
) -> ExportRecord:
    """The named columns of a row, labelled with their verbose names, then the extra fields."""
    fields = []
    for name in field_names:
        field = instance._meta.get_field(name)
        if not isinstance(field, models.Field):  # a reverse relation: not a column of the row
            raise TypeError(f"{name} is not a column of {type(instance).__name__}")
        value = field.value_from_object(instance)
        fields.append(
            ExportField(
                name, str(field.verbose_name).capitalize(), _json_value(value), _shown(instance, field, value)
            )
        )
    return ExportRecord((*fields, *extra))


CUSTOMER_EXPORT_FIELDS = (
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
    "opted_out_at",
    "notes",
    "created_at",
    "erased_at",
)
VEHICLE_EXPORT_FIELDS = (
    "vin",
    "plate",
    "make",
    "model",
    "model_year",
    "engine",
    "fuel",
    "sale_date",
    "mileage_km",
    "mileage_read_on",
    "warranty_start",
    "warranty_end",
    "warranty_mileage_limit_km",
)
PROGRAMME_EXPORT_FIELDS = ("kind", "name", "valid_from", "valid_until", "mileage_limit_km")


def vehicle_field(vehicle: Vehicle) -> ExportField:
    """The vehicle a record is about, for the records of other apps too."""
    return export_field("vehicle_id", _("Vehicle"), vehicle.id, shown=str(vehicle))


def _customer_sections(dealership: Dealership, customer: Customer) -> list[ExportSection]:
    """The customer file's own sections: the person, their vehicles and what hangs on them."""
    vehicles = list(
        Vehicle.objects.for_dealership(dealership)
        .filter(customer=customer)
        .order_by("id")
        .prefetch_related(
            Prefetch("mileage_readings", queryset=MileageReading.objects.order_by("read_on", "id"))
        )
        .prefetch_related(Prefetch("programmes", queryset=Programme.objects.order_by("valid_from", "id")))
        .prefetch_related(
            Prefetch(
                "campaign_declines",
                queryset=CampaignDecline.objects.select_related("campaign").order_by("declined_on", "id"),
            )
        )
    )
    ownerships = (
        VehicleOwnership.objects.for_dealership(dealership)
        .filter(customer=customer)
        .select_related("vehicle")
        .order_by("started_on", "id")
    )
    erasure = CustomerErasure.objects.filter(customer=customer).select_related("erased_by").first()
    sections = [
        ExportSection("customer", _("Customer"), (model_record(customer, CUSTOMER_EXPORT_FIELDS),)),
        ExportSection(
            "vehicles",
            _("Vehicles"),
            tuple(model_record(v, VEHICLE_EXPORT_FIELDS, extra=[vehicle_field(v)]) for v in vehicles),
        ),
        ExportSection(
            "ownerships",
            _("Ownership"),
            tuple(
                model_record(o, ("started_on", "ended_on"), extra=[vehicle_field(o.vehicle)])
                for o in ownerships
            ),
        ),
        ExportSection(
            "mileage_readings",
            _("Mileage readings"),
            tuple(
                model_record(r, ("read_on", "mileage_km", "source"), extra=[vehicle_field(v)])
                for v in vehicles
                for r in v.mileage_readings.all()
            ),
        ),
        ExportSection(
            "programmes",
            _("Programmes"),
            tuple(
                model_record(p, PROGRAMME_EXPORT_FIELDS, extra=[vehicle_field(v)])
                for v in vehicles
                for p in v.programmes.all()
            ),
        ),
        ExportSection(
            "campaign_declines",
            _("Declined campaigns"),
            tuple(
                model_record(
                    d,
                    ("declined_on", "reason"),
                    extra=[vehicle_field(v), export_field("campaign", _("Campaign"), d.campaign.code)],
                )
                for v in vehicles
                for d in v.campaign_declines.all()
            ),
        ),
    ]
    if erasure is not None:
        by = erasure.erased_by.get_username() if erasure.erased_by else ""
        record = model_record(
            erasure, ("erased_at", "reason"), extra=[export_field("erased_by", _("By"), by)]
        )
        sections.append(ExportSection("erasure", _("Erasure"), (record,)))
    return sections


def customer_export(*, dealership: Dealership, customer: Customer) -> CustomerExport:
    """Everything held about the customer, by section: the file's own, then the registered apps'."""
    ensure_owned_by(dealership, customer)
    sections = _customer_sections(dealership, customer)
    for contributor in _export_contributors:
        sections.extend(contributor(dealership, customer))
    return CustomerExport(
        dealership=dealership, customer=customer, exported_at=timezone.now(), sections=tuple(sections)
    )
