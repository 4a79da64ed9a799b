"""CSV onboarding of a dealership's customers and vehicles, and of campaign VIN lists.

Every row is validated with the same forms staff use. Errors are reported by line and column;
by default nothing is imported while any row is wrong, and on request the valid rows are.
"""

import csv
import io
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from customers import services
from customers.forms import CustomerForm, VehicleForm
from customers.identifiers import normalize_name
from customers.models import Campaign, Customer, MileageReading, Vehicle
from customers.validation import clean_vin
from dealerships.models import Dealership

CUSTOMER_COLUMNS = (
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
)
VEHICLE_COLUMNS = (*services.VEHICLE_FIELDS, "mileage_km")
MAX_ROWS = 50_000


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    column: str
    message: str


@dataclass(slots=True)
class ImportReport:
    rows: int = 0
    customers_created: int = 0
    vehicles_created: int = 0
    errors: list[RowError] = field(default_factory=list)
    imported: bool = False


class CsvFileError(ValidationError):
    """The file as a whole cannot be read (encoding, header, size)."""


def read_csv(raw: bytes) -> list[dict[str, str]]:
    """Decode (UTF-8, with or without BOM) and parse with , or ; as separator."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvFileError(_("The file is not UTF-8 text; save it as “CSV UTF-8”.")) from None
    if not text.strip():
        raise CsvFileError(_("The file is empty."))
    first_line = text.splitlines()[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    rows = []
    for row in reader:
        if None in row:
            raise CsvFileError(
                _("Line %(line)s has more values than the header has columns.") % {"line": reader.line_num}
            )
        rows.append({key: (value or "").strip() for key, value in row.items()})
        if len(rows) > MAX_ROWS:
            raise CsvFileError(_("Import at most %(max)s rows at a time.") % {"max": MAX_ROWS})
    return rows


@dataclass(slots=True)
class _ValidRow:
    line: int
    customer: dict
    vehicle: dict | None


def customers_import(*, dealership: Dealership, raw: bytes, import_valid_rows: bool = False) -> ImportReport:
    """Validate every row, then import all of them, none, or (on request) the valid ones."""
    rows = read_csv(raw)
    header = set(rows[0]) if rows else set()
    if "family_name" not in header:
        raise CsvFileError(_("The header must have a family_name column (and vin for vehicles)."))
    unknown = header - set(CUSTOMER_COLUMNS) - set(VEHICLE_COLUMNS)
    if unknown:
        raise CsvFileError(_("Unknown columns: %(columns)s.") % {"columns": ", ".join(sorted(unknown))})
    report = ImportReport(rows=len(rows))
    valid: list[_ValidRow] = []
    seen_vins: dict[str, int] = {}
    existing_vins = set(
        Vehicle.objects.for_dealership(dealership)
        .filter(vin__in=[r.get("vin", "").upper() for r in rows if r.get("vin")])
        .values_list("vin", flat=True)
    )
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        errors = len(report.errors)
        customer_data = {key: row.get(key, "") for key in CUSTOMER_COLUMNS}
        customer_data["preferred_contact"] = customer_data["preferred_contact"] or "sms"
        customer_form = CustomerForm(customer_data, dealership=dealership)
        customer_form.fields["consent_service_sms"].required = False
        if not customer_form.is_valid():
            report.errors += [
                RowError(line, column, str(message))
                for column, messages in customer_form.errors.items()
                for message in messages
            ]
        vehicle_data = None
        if any(row.get(key) for key in VEHICLE_COLUMNS):
            vehicle_form = VehicleForm(
                {key: row.get(key, "") for key in VEHICLE_COLUMNS}, dealership=dealership
            )
            if vehicle_form.is_valid():
                vehicle_data = vehicle_form.cleaned_data
                vin = vehicle_data["vin"]
                if vin in existing_vins:
                    report.errors.append(RowError(line, "vin", _("This VIN is already on file here.")))
                elif vin in seen_vins:
                    report.errors.append(
                        RowError(line, "vin", _("Same VIN as line %(line)s.") % {"line": seen_vins[vin]})
                    )
                seen_vins.setdefault(vin, line)
            else:
                report.errors += [
                    RowError(line, column, str(message))
                    for column, messages in vehicle_form.errors.items()
                    for message in messages
                ]
        if len(report.errors) == errors:
            valid.append(_ValidRow(line, customer_form.cleaned_data, vehicle_data))
    if report.errors and not import_valid_rows:
        return report
    _import_rows(dealership=dealership, rows=valid, report=report)
    report.imported = True
    return report


@transaction.atomic
def _import_rows(*, dealership: Dealership, rows: list[_ValidRow], report: ImportReport) -> None:
    # Rows of one person (same family name and mobile or e-mail) become one file with several cars,
    # and so do rows matching a customer already on file.
    by_identity: dict[tuple[str, str], Customer] = {}
    for row in rows:
        data = {k: v for k, v in row.customer.items() if k in CUSTOMER_COLUMNS}
        contact = str(data.get("mobile_phone") or "") or (data.get("email") or "").lower()
        identity = (normalize_name(data["family_name"]), contact)
        customer = by_identity.get(identity) if contact else None
        if customer is None and contact:
            customer = (
                Customer.objects.for_dealership(dealership)
                .filter(family_name_search=identity[0])
                .filter(
                    **(
                        {"mobile_phone": data["mobile_phone"]}
                        if data.get("mobile_phone")
                        else {"email__iexact": data["email"]}
                    )
                )
                .first()
            )
        if customer is None:
            customer = services.customer_create(dealership=dealership, **data)
            report.customers_created += 1
        if contact:
            by_identity[identity] = customer
        if row.vehicle:
            vehicle = dict(row.vehicle)
            mileage = vehicle.pop("mileage_km", None)
            services.vehicle_create(
                dealership=dealership,
                customer=customer,
                mileage_km=mileage,
                mileage_source=MileageReading.Source.IMPORT,
                **vehicle,
            )
            report.vehicles_created += 1


def campaign_vins_import(
    *, dealership: Dealership, campaign: Campaign, raw: bytes
) -> tuple[int, list[RowError]]:
    """Add the VINs of a CSV (a `vin` column, or one VIN per line) to a campaign; all or nothing."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvFileError(_("The file is not UTF-8 text; save it as “CSV UTF-8”.")) from None
    lines = [line.split(",")[0].split(";")[0].strip() for line in text.splitlines()]
    start = 1 if lines and lines[0].lower() == "vin" else 0
    vins, errors = [], []
    for number, value in enumerate(lines[start:], start=start + 1):
        if not value:
            continue
        try:
            vins.append(clean_vin(value, dealership=dealership))
        except ValidationError as error:
            errors.append(RowError(number, "vin", " ".join(str(m) for m in error.messages)))
    if not vins and not errors:
        raise CsvFileError(_("The file holds no VIN."))
    if errors:
        return 0, errors
    result = services.campaign_vins_add(dealership=dealership, campaign=campaign, vins=vins)
    return result.added, []
