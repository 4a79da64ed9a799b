"""The mobility rows in the scoped admin: the policy, solutions with their caps, the fleet with
its out-of-service periods, and reservations read-mostly (they take a vehicle: the reservation
services book, move and release them, under the fleet's locks). Saving or deleting a solution,
cap or vehicle here renews the fleet version (mobility.models.fleet_changed, on the rows'
signals), so the offers see the change at once."""

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from dealerships.admin import DealershipScopedAdmin, DealershipScopedInline
from mobility.models import (
    FleetOutOfService,
    FleetVehicle,
    MobilityPolicy,
    MobilitySolution,
    Reservation,
    SolutionCap,
)


@admin.register(MobilityPolicy)
class MobilityPolicyAdmin(DealershipScopedAdmin):
    list_display = ["__str__", "handover_explanation_minutes", "dealership"]


class SolutionCapInline(DealershipScopedInline):
    model = SolutionCap
    exclude = ["dealership"]
    extra = 0


@admin.register(MobilitySolution)
class MobilitySolutionAdmin(DealershipScopedAdmin):
    list_display = ["__str__", "kind", "active", "online_bookable", "daily_cost", "currency", "dealership"]
    list_filter = ["kind", "active"]
    inlines = [SolutionCapInline]


@admin.register(SolutionCap)
class SolutionCapAdmin(DealershipScopedAdmin):
    list_display = ["solution", "weekday", "date", "max_per_day", "max_per_half_day"]


class FleetOutOfServiceInline(DealershipScopedInline):
    model = FleetOutOfService
    exclude = ["dealership"]
    extra = 0


@admin.register(FleetVehicle)
class FleetVehicleAdmin(DealershipScopedAdmin):
    list_display = ["plate", "brand", "model", "solution", "status", "mileage_km", "dealership"]
    list_filter = ["status"]
    search_fields = ["plate", "vin"]
    inlines = [FleetOutOfServiceInline]


@admin.register(FleetOutOfService)
class FleetOutOfServiceAdmin(DealershipScopedAdmin):
    list_display = ["vehicle", "starts_at", "ends_at", "reason"]


@admin.register(Reservation)
class ReservationAdmin(DealershipScopedAdmin):
    """Read-mostly: a reservation takes a fleet vehicle for a time, which only the reservation
    services may give (locks, overlap check); the admin edits the notes around it."""

    list_display = ["departure_at", "return_at", "solution", "fleet_vehicle", "customer", "status"]
    list_filter = ["status"]
    raw_id_fields = ["customer", "appointment"]
    readonly_fields = [
        "solution",
        "fleet_vehicle",
        "customer",
        "appointment",
        "departure_at",
        "return_at",
        "local_day",
        "afternoon",
        "status",
        "release_reason",
        "released_at",
        "out_at",
        "out_by",
        "out_mileage_km",
        "out_fuel_percent",
        "in_at",
        "in_by",
        "in_mileage_km",
        "in_fuel_percent",
        "booked_by",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False
