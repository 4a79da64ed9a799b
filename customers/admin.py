from django.contrib import admin

from customers.models import Campaign, Customer, Programme, Vehicle
from dealerships.admin import DealershipScopedAdmin


@admin.register(Customer)
class CustomerAdmin(DealershipScopedAdmin):
    list_display = ["family_name", "given_name", "mobile_phone", "email", "dealership"]
    search_fields = ["family_name_search", "email"]
    exclude = ["family_name_search"]


@admin.register(Vehicle)
class VehicleAdmin(DealershipScopedAdmin):
    list_display = ["vin", "plate", "make", "model", "customer", "dealership"]
    search_fields = ["vin", "plate_search"]
    raw_id_fields = ["customer"]
    readonly_fields = ["mileage_km", "mileage_read_on"]


@admin.register(Programme)
class ProgrammeAdmin(DealershipScopedAdmin):
    list_display = ["name", "kind", "vehicle", "valid_from", "valid_until"]
    raw_id_fields = ["vehicle"]


@admin.register(Campaign)
class CampaignAdmin(DealershipScopedAdmin):
    list_display = ["code", "title", "is_recall", "make", "model", "starts_on", "ends_on"]
