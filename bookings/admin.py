from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from bookings.models import Appointment, AppointmentLabour
from dealerships.admin import DealershipScopedAdmin, DealershipScopedInline


class AppointmentLabourInline(DealershipScopedInline):
    model = AppointmentLabour
    exclude = ["dealership"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(Appointment)
class AppointmentAdmin(DealershipScopedAdmin):
    """Read-mostly: appointments are booked through the booking service, which checks capacity."""

    list_display = ["drop_off_at", "advisor", "vehicle", "status", "channel", "dealership"]
    list_filter = ["status", "channel"]
    raw_id_fields = ["customer", "vehicle", "advisor", "booked_by"]
    inlines = [AppointmentLabourInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
