from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest

from dealerships.admin import DealershipScopedAdmin, DealershipScopedInline
from workshop.models import (
    Advisor,
    AdvisorAbsence,
    AdvisorShift,
    Job,
    Technician,
    TechnicianAbsence,
    TechnicianShift,
    WorkshopPolicy,
)


class SameDealershipInline(DealershipScopedInline):
    """Rows that belong to their parent's dealership; the field is set from the parent."""

    exclude = ["dealership"]
    extra = 0


class ParentDealershipAdmin(DealershipScopedAdmin):
    def save_formset(
        self, request: HttpRequest, form: forms.ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        for row in formset.save(commit=False):
            row.dealership_id = form.instance.dealership_id
            row.save()
        for row in formset.deleted_objects:
            row.delete()
        formset.save_m2m()


class AdvisorShiftInline(SameDealershipInline):
    model = AdvisorShift


class AdvisorAbsenceInline(SameDealershipInline):
    model = AdvisorAbsence


class TechnicianShiftInline(SameDealershipInline):
    model = TechnicianShift


class TechnicianAbsenceInline(SameDealershipInline):
    model = TechnicianAbsence


@admin.register(WorkshopPolicy)
class WorkshopPolicyAdmin(DealershipScopedAdmin):
    list_display = ["dealership", "slot_minutes", "kept_free_minutes_per_hour", "same_day_booking_allowed"]


@admin.register(Advisor)
class AdvisorAdmin(ParentDealershipAdmin):
    list_display = ["name", "max_customers_per_day", "max_online_per_day", "is_active", "dealership"]
    inlines = [AdvisorShiftInline, AdvisorAbsenceInline]
    raw_id_fields = ["user"]


@admin.register(Technician)
class TechnicianAdmin(ParentDealershipAdmin):
    list_display = ["name", "skills", "is_active", "dealership"]
    inlines = [TechnicianShiftInline, TechnicianAbsenceInline]
    raw_id_fields = ["user"]


@admin.register(Job)
class JobAdmin(DealershipScopedAdmin):
    list_display = ["code", "name", "kind", "labour_minutes", "skill", "is_active", "dealership"]
    search_fields = ["code", "name"]
