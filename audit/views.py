"""The audit trail's pages: a vehicle's changes, and the recent changes to the capacity settings.
Managers only (Capability.VIEW_AUDIT_TRAIL); another dealership's records are 404."""

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from audit import entries, selectors
from customers import selectors as customer_selectors
from customers.models import Vehicle
from dealerships.access import Capability, StaffAccess
from dealerships.scoping import staff_view


@staff_view(Capability.VIEW_AUDIT_TRAIL)
@require_GET
def capacity_history(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """Who changed the capacity settings (policy, hours, closures, advisors, technicians, jobs)."""
    steps = selectors.capacity_history(dealership=access.dealership)
    return render(
        request,
        "audit/capacity_history.html",
        {
            "dealership": access.dealership,
            "entries": entries.audit_entries(dealership=access.dealership, steps=steps),
            "limit": selectors.CAPACITY_HISTORY_LIMIT,
        },
    )


@staff_view(Capability.VIEW_AUDIT_TRAIL)
@require_GET
def vehicle_history(request: HttpRequest, access: StaffAccess, vehicle_id: int) -> HttpResponse:
    vehicle = customer_selectors.vehicle_get(dealership=access.dealership, vehicle_id=vehicle_id)
    if vehicle is None:
        raise Http404
    steps = selectors.record_history(dealership=access.dealership, model=Vehicle, object_id=vehicle.id)
    return render(
        request,
        "audit/vehicle_history.html",
        {
            "dealership": access.dealership,
            "vehicle": vehicle,
            "entries": entries.audit_entries(dealership=access.dealership, steps=steps, page_model=Vehicle),
            "limit": selectors.RECORD_HISTORY_LIMIT,
        },
    )
