"""Django admin, scoped: staff who are not superusers see and edit only their dealerships' rows."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.admin.options import BaseModelAdmin
from django.contrib.admin.widgets import ForeignKeyRawIdWidget
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse

from dealerships.models import (
    Brand,
    Closure,
    DealerGroup,
    Dealership,
    DealershipOwned,
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


def offered_rows(model: type[models.Model], request: HttpRequest) -> QuerySet | None:
    """The rows of `model` a non-superuser's form may show and accept, or None when the model
    belongs to no dealership (brands): the admin user's dealerships and what belongs to them;
    of the users, their dealerships' staff and people not yet placed at any dealership or group
    (someone to give a first role to)."""
    managed = managed_dealership_ids(request)
    if model is Dealership:
        return Dealership.objects.filter(id__in=managed)
    if issubclass(model, DealershipOwned):
        return model._default_manager.filter(dealership__in=managed)
    if model is User:
        return User.objects.filter(
            Q(id__in=Membership.objects.filter(dealership__in=managed).values("user_id"))
            | Q(memberships__isnull=True, group_memberships__isnull=True, is_superuser=False)
        ).distinct()
    return None


class OfferedRowRawIdWidget(ForeignKeyRawIdWidget):
    """A raw-id input that names the row beside the id only if the field offers that row."""

    def __init__(self, *args: Any, offered: QuerySet, **kwargs: Any):
        self.offered = offered
        super().__init__(*args, **kwargs)

    def label_and_url_for_value(self, value: object) -> tuple[str, str]:
        # Django looks the label up among every row of the model: another dealership's id,
        # typed or put in the URL (?customer=<id>), would show that customer's name.
        key = self.rel.get_related_field().name
        try:
            if not self.offered.filter(**{key: value}).exists():
                return "", ""
        except (ValueError, ValidationError):  # not an id at all: Django shows no label either
            return "", ""
        return super().label_and_url_for_value(value)


class DealershipScopedFields(BaseModelAdmin):
    """For model and inline admins alike: for a non-superuser, every foreign key and
    many-to-many field offers, labels and accepts only rows of the dealerships they manage (the
    autocomplete asks the target's admin, whose queryset is scoped the same way)."""

    def formfield_for_foreignkey(
        self, db_field: models.ForeignKey, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelChoiceField | None:
        offered = None if request.user.is_superuser else offered_rows(db_field.related_model, request)
        if offered is not None:
            kwargs.setdefault("queryset", offered)
            if db_field.name in self.raw_id_fields and "widget" not in kwargs:
                kwargs["widget"] = OfferedRowRawIdWidget(
                    db_field.remote_field,
                    self.admin_site,
                    offered=kwargs["queryset"],
                    using=kwargs.get("using"),
                )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(
        self, db_field: models.ManyToManyField, request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        # The raw-id widget of a many-to-many field shows no labels: the queryset is the wall.
        offered = None if request.user.is_superuser else offered_rows(db_field.related_model, request)
        if offered is not None:
            kwargs.setdefault("queryset", offered)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


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


class DealershipScopedAdmin(DealershipScopedFields, NotFoundAdmin):
    """For models with a `dealership` foreign key: non-superusers see their dealerships' rows only,
    and every form field pointing at a dealership's rows offers only theirs."""

    dealership_field = "dealership"

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(**{f"{self.dealership_field}__in": managed_dealership_ids(request)})

    def get_readonly_fields(self, request: HttpRequest, obj: models.Model | None = None) -> tuple[str, ...]:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if obj is not None and self.dealership_field == "dealership":
            # A row stays with its dealership (tenant_integrity): the rows that point at it do.
            return (*readonly, "dealership")
        return readonly


class DealershipScopedInline(DealershipScopedFields, admin.TabularInline):
    """An inline whose foreign keys offer only the admin user's dealerships' rows."""


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


class OpeningHoursInline(DealershipScopedInline):
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
