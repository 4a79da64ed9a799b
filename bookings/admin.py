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
    # What takes capacity changes only through the booking services, which keep the day's
    # capacity ledger under the day locks: the admin may not move, cancel or reassign.
    readonly_fields = [
        "advisor",
        "status",
        "local_day",
        "drop_off_at",
        "reception_ends_at",
        "work_starts_at",
        "promised_return_at",
        "labour_minutes",
        "uses_kept_free_time",
        "capacity_override_reason",
        "channel",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
