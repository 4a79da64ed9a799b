"""Django admin, scoped: staff who are not superusers see and edit only their dealerships' rows."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from dealerships.models import (
    Brand,
    Closure,
    DealerGroup,
    Dealership,
    GroupMembership,
    Membership,
    OpeningHours,
    Role,
    User,
)


def managed_dealership_ids(request: HttpRequest) -> QuerySet:
    """Dealerships the admin user runs as dealer manager; the admin's only notion of tenant."""
    user = request.user
    if not user.is_authenticated:  # the admin lets only staff in: a visitor manages nothing
        return Membership.objects.none().values("dealership_id")
    return Membership.objects.filter(user=user, role=Role.DEALER_MANAGER).values("dealership_id")


class NotFoundAdmin(admin.ModelAdmin):
    """Answers 404 for an object outside the user's queryset, like every other tenant URL."""

    def _require_visible(self, request: HttpRequest, object_id: str | None) -> None:
        # Django's admin answers an unknown id with a redirect; we answer 404, so "not yours"
        # and "not there" look the same.
        if object_id is not None and not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        self._require_visible(request, object_id)
        return super().change_view(request, object_id, form_url, extra_context)

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._require_visible(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def history_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        self._require_visible(request, object_id)
        return super().history_view(request, object_id, extra_context)


class DealershipScopedAdmin(NotFoundAdmin):
    """For models with a `dealership` foreign key: non-superusers see their dealerships' rows only."""

    dealership_field = "dealership"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.dealership_field}__in": managed_dealership_ids(request)})

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        if db_field.name == "dealership" and not request.user.is_superuser:
            kwargs["queryset"] = Dealership.objects.filter(id__in=managed_dealership_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class SuperuserOnlyAdmin(NotFoundAdmin):
    """Platform-wide rows (groups, brands, users) belong to no single dealership."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_view_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return request.user.is_superuser

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return request.user.is_superuser


@admin.register(User)
class StaffUserAdmin(SuperuserOnlyAdmin, UserAdmin):
    fieldsets = (*(UserAdmin.fieldsets or ()), ("Preferences", {"fields": ("language",)}))


@admin.register(DealerGroup)
class DealerGroupAdmin(SuperuserOnlyAdmin):
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Brand)
class BrandAdmin(SuperuserOnlyAdmin):
    pass


@admin.register(GroupMembership)
class GroupMembershipAdmin(SuperuserOnlyAdmin):
    list_display = ["user", "dealer_group"]


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0


@admin.register(Dealership)
class DealershipAdmin(DealershipScopedAdmin):
    dealership_field = "id"
    list_display = ["name", "group", "city", "time_zone", "language", "is_active"]
    list_filter = ["is_active", "language"]
    search_fields = ["name", "city", "slug"]
    inlines = [OpeningHoursInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return request.user.is_superuser

    def get_readonly_fields(self, request: HttpRequest, obj: models.Model | None = None) -> tuple[str, ...]:
        return () if request.user.is_superuser else ("group", "slug")


@admin.register(Closure)
class ClosureAdmin(DealershipScopedAdmin):
    list_display = ["reason", "dealership", "start_date", "end_date", "source"]
    list_filter = ["source"]


@admin.register(Membership)
class MembershipAdmin(DealershipScopedAdmin):
    list_display = ["user", "dealership", "role"]
    list_filter = ["role"]
    raw_id_fields = ["user"]
