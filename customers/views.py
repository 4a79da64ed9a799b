"""Staff pages of the customer file. Thin: forms check shape, services decide."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods, require_POST

from customers import file_sections, importing, privacy, selectors, services
from customers.forms import (
    CampaignForm,
    CsvUploadForm,
    CustomerEraseForm,
    CustomerForm,
    CustomerSearchForm,
    MileageForm,
    ProgrammeForm,
    VehicleForm,
)
from customers.models import Customer, MileageReading, Vehicle
from dealerships.access import Capability, StaffAccess
from dealerships.forms import add_service_errors
from dealerships.scoping import HtmxRequest, staff_view
from dealerships.selectors import dealership_local_today

MOBILITY_LABELS = {
    "courtesy_car": _lazy("courtesy car"),
    "pickup_delivery": _lazy("pick-up & delivery"),
    "taxi": _lazy("taxi"),
    "rental_car": _lazy("rental car"),
}


def _today(access: StaffAccess) -> date:
    return dealership_local_today(dealership=access.dealership, now=timezone.now())


@staff_view(Capability.MANAGE_CUSTOMERS)
def customer_search(request: HtmxRequest, access: StaffAccess) -> HttpResponse:
    """R2.5: one box finds the file by surname, plate, VIN (or its tail) or phone."""
    search = CustomerSearchForm(request.GET)
    query = search.query()
    matches = selectors.customer_search(dealership=access.dealership, query=query) if query else []
    context = {"dealership": access.dealership, "query": query or "", "matches": matches, "search": search}
    template = "customers/_search_results.html" if request.htmx else "customers/search.html"
    return render(request, template, context, status=400 if query is None else 200)


def _customer_or_404(access: StaffAccess, customer_id: int) -> Customer:
    customer = selectors.customer_get(dealership=access.dealership, customer_id=customer_id)
    if customer is None:
        raise Http404
    return customer


def _vehicle_or_404(access: StaffAccess, vehicle_id: int) -> Vehicle:
    vehicle = selectors.vehicle_get(dealership=access.dealership, vehicle_id=vehicle_id)
    if vehicle is None:
        raise Http404
    return vehicle


@staff_view(Capability.MANAGE_CUSTOMERS)
@require_http_methods(["GET", "POST"])
def customer_create(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """Quick create of a customer file with its first vehicle (the vehicle part is optional)."""
    dealership = access.dealership
    customer_form = CustomerForm(request.POST or None, dealership=dealership)
    vehicle_form = VehicleForm(request.POST or None, dealership=dealership, prefix="vehicle")
    with_vehicle = bool(request.POST.get("vehicle-vin"))
    if request.method == "POST":
        forms_valid = customer_form.is_valid() & (vehicle_form.is_valid() if with_vehicle else True)
        if forms_valid:
            try:
                with transaction.atomic():
                    customer = services.customer_create(dealership=dealership, **customer_form.cleaned_data)
                    if with_vehicle:
                        vehicle = dict(vehicle_form.cleaned_data)
                        mileage = vehicle.pop("mileage_km", None)
                        services.vehicle_create(
                            dealership=dealership, customer=customer, mileage_km=mileage, **vehicle
                        )
            except ValidationError as error:
                target = vehicle_form if "vin" in getattr(error, "error_dict", {}) else customer_form
                add_service_errors(target, error)
            else:
                messages.success(request, _("Customer file created."))
                if request.GET.get("for") == "booking":  # back to the call in progress
                    return redirect(
                        reverse("phone_booking", kwargs={"dealership_slug": dealership.slug})
                        + f"?customer={customer.id}"
                    )
                return redirect("customer_detail", dealership_slug=dealership.slug, customer_id=customer.id)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "customers/customer_form.html",
        {"dealership": dealership, "form": customer_form, "vehicle_form": vehicle_form, "creating": True},
        status=status,
    )


@staff_view(Capability.MANAGE_CUSTOMERS)
def customer_detail(request: HttpRequest, access: StaffAccess, customer_id: int) -> HttpResponse:
    customer = selectors.customer_file_get(dealership=access.dealership, customer_id=customer_id)
    if customer is None:
        raise Http404
    today = _today(access)
    vehicles = []
    for vehicle in customer.vehicles.all():
        coverage = selectors.vehicle_coverage_on(vehicle=vehicle, today=today)
        vehicles.append(
            {
                "vehicle": vehicle,
                "coverage": coverage,
                "active_programme_ids": {p.programme_id for p in coverage.active_programmes},
                "free_mobility": [MOBILITY_LABELS[kind] for kind in sorted(coverage.free_mobility)],
                "open_campaigns": list(
                    selectors.open_campaigns(dealership=access.dealership, vehicle=vehicle, today=today)
                ),
            }
        )
    return render(
        request,
        "customers/customer_detail.html",
        {
            "dealership": access.dealership,
            "customer": customer,
            "vehicles": vehicles,
            "mileage_form": MileageForm(initial={"read_on": today}),
            "sections": file_sections.customer_file_sections.render(access, customer, timezone.now()),
        },
    )


@staff_view(Capability.MANAGE_CUSTOMERS)
@require_http_methods(["GET", "POST"])
def customer_edit(request: HttpRequest, access: StaffAccess, customer_id: int) -> HttpResponse:
    customer = _customer_or_404(access, customer_id)
    form = CustomerForm(request.POST or None, instance=customer, dealership=access.dealership)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_update(dealership=access.dealership, customer=customer, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Customer file saved."))
            return redirect(
                "customer_detail", dealership_slug=access.dealership.slug, customer_id=customer.id
            )
    return render(
        request,
        "customers/customer_form.html",
        {"dealership": access.dealership, "form": form, "customer": customer},
        status=400 if request.method == "POST" else 200,
    )


@staff_view(Capability.MANAGE_CUSTOMERS)
@require_http_methods(["GET", "POST"])
def vehicle_create(request: HttpRequest, access: StaffAccess, customer_id: int) -> HttpResponse:
    customer = _customer_or_404(access, customer_id)
    form = VehicleForm(request.POST or None, dealership=access.dealership)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        mileage = data.pop("mileage_km", None)
        try:
            services.vehicle_create(
                dealership=access.dealership, customer=customer, mileage_km=mileage, **data
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Vehicle added."))
            return redirect(
                "customer_detail", dealership_slug=access.dealership.slug, customer_id=customer.id
            )
    return render(
        request,
        "customers/vehicle_form.html",
        {"dealership": access.dealership, "form": form, "customer": customer},
        status=400 if request.method == "POST" else 200,
    )


@staff_view(Capability.MANAGE_CUSTOMERS)
@require_http_methods(["GET", "POST"])
def vehicle_edit(request: HttpRequest, access: StaffAccess, vehicle_id: int) -> HttpResponse:
    vehicle = _vehicle_or_404(access, vehicle_id)
    form = VehicleForm(request.POST or None, instance=vehicle, dealership=access.dealership)
    if request.method == "POST" and form.is_valid():
        try:
            services.vehicle_update(dealership=access.dealership, vehicle=vehicle, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Vehicle saved."))
            return redirect(
                "customer_detail", dealership_slug=access.dealership.slug, customer_id=vehicle.customer_id
            )
    return render(
        request,
        "customers/vehicle_form.html",
        {"dealership": access.dealership, "form": form, "customer": vehicle.customer, "vehicle": vehicle},
        status=400 if request.method == "POST" else 200,
    )


@staff_view(Capability.MANAGE_CUSTOMERS)
@require_http_methods(["GET", "POST"])
def vehicle_mileage(request: HttpRequest, access: StaffAccess, vehicle_id: int) -> HttpResponse:
    """Record a mileage reading (the customer file posts its inline form here); a refused reading
    is shown again on its own page, with the error on the field."""
    vehicle = _vehicle_or_404(access, vehicle_id)
    form = MileageForm(
        request.POST if request.method == "POST" else None, initial={"read_on": _today(access)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.mileage_record(
                dealership=access.dealership,
                vehicle=vehicle,
                source=MileageReading.Source.STAFF,
                **form.cleaned_data,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Mileage recorded."))
            return redirect(
                "customer_detail", dealership_slug=access.dealership.slug, customer_id=vehicle.customer_id
            )
    return render(
        request,
        "customers/mileage_form.html",
        {"dealership": access.dealership, "form": form, "vehicle": vehicle},
        status=400 if request.method == "POST" else 200,
    )


@staff_view(Capability.MANAGE_CUSTOMERS)
@require_http_methods(["GET", "POST"])
def programme_create(request: HttpRequest, access: StaffAccess, vehicle_id: int) -> HttpResponse:
    vehicle = _vehicle_or_404(access, vehicle_id)
    form = ProgrammeForm(request.POST or None, dealership=access.dealership)
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_create(dealership=access.dealership, vehicle=vehicle, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Programme added."))
            return redirect(
                "customer_detail", dealership_slug=access.dealership.slug, customer_id=vehicle.customer_id
            )
    return render(
        request,
        "customers/programme_form.html",
        {"dealership": access.dealership, "form": form, "vehicle": vehicle},
        status=400 if request.method == "POST" else 200,
    )


@staff_view(Capability.IMPORT_DATA)
@require_http_methods(["GET", "POST"])
def customers_import(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """Onboarding: a CSV of customers and vehicles, every row validated (all or nothing by default)."""
    form = CsvUploadForm(request.POST or None, request.FILES or None)
    report = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                report = importing.customers_import(
                    dealership=access.dealership,
                    raw=form.cleaned_data["file"].read(),
                    import_valid_rows=form.cleaned_data["import_valid_rows"],
                )
            except importing.CsvFileError as error:
                form.add_error("file", error)
            else:
                status = 200 if report.imported else 400
    return render(
        request,
        "customers/import.html",
        {"dealership": access.dealership, "form": form, "report": report},
        status=status,
    )


@staff_view(Capability.MANAGE_CAMPAIGNS)
@require_http_methods(["GET", "POST"])
def campaign_list(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    form = CampaignForm(request.POST or None, dealership=access.dealership)
    if request.method == "POST" and form.is_valid():
        try:
            services.campaign_create(dealership=access.dealership, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Campaign added."))
            return redirect("campaign_list", dealership_slug=access.dealership.slug)
    return render(
        request,
        "customers/campaigns.html",
        {
            "dealership": access.dealership,
            "form": form,
            "campaigns": selectors.campaign_list(dealership=access.dealership),
            "upload_form": CsvUploadForm(),
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_view(Capability.MANAGE_CAMPAIGNS)
@require_POST
def campaign_vins_upload(request: HttpRequest, access: StaffAccess, campaign_id: int) -> HttpResponse:
    campaign = selectors.campaign_get(dealership=access.dealership, campaign_id=campaign_id)
    if campaign is None:
        raise Http404
    form = CsvUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a CSV file with one VIN per line."))
    else:
        try:
            added, errors = importing.campaign_vins_import(
                dealership=access.dealership, campaign=campaign, raw=form.cleaned_data["file"].read()
            )
        except importing.CsvFileError as error:
            messages.error(request, " ".join(error.messages))
        else:
            if errors:
                for row_error in errors[:20]:
                    messages.error(
                        request,
                        _("Line %(line)s: %(message)s")
                        % {"line": row_error.line, "message": row_error.message},
                    )
                messages.error(request, _("No VIN was added: correct the file and upload it again."))
            else:
                messages.success(
                    request, _("%(count)s VINs added to %(code)s.") % {"count": added, "code": campaign.code}
                )
    return redirect("campaign_list", dealership_slug=access.dealership.slug)


@staff_view(Capability.MANAGE_DEALERSHIP)
@require_http_methods(["GET", "POST"])
def customer_privacy(request: HttpRequest, access: StaffAccess, customer_id: int) -> HttpResponse:
    """Everything held about the customer, to read, and the form that erases it on request."""
    customer = _customer_or_404(access, customer_id)
    form = CustomerEraseForm(request.POST or None, customer=customer)
    if request.method == "POST" and form.is_valid():
        try:
            services.customer_erase(
                dealership=access.dealership,
                customer=customer,
                by=access.user,
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The customer's personal data was erased."))
            return redirect(
                "customer_privacy", dealership_slug=access.dealership.slug, customer_id=customer.id
            )
    return render(
        request,
        "customers/privacy.html",
        {
            "dealership": access.dealership,
            "customer": customer,
            "export": privacy.customer_export(dealership=access.dealership, customer=customer),
            "form": form,
        },
        status=400 if request.method == "POST" else 200,
    )


@staff_view(Capability.MANAGE_DEALERSHIP)
def customer_export_json(request: HttpRequest, access: StaffAccess, customer_id: int) -> HttpResponse:
    """The same export as a JSON file, to hand to the customer."""
    customer = _customer_or_404(access, customer_id)
    export = privacy.customer_export(dealership=access.dealership, customer=customer)
    response = JsonResponse(export.as_json(), json_dumps_params={"ensure_ascii": False, "indent": 2})
    filename = f"customer-{customer.id}-{export.exported_at:%Y%m%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
