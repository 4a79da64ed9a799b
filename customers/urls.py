from django.urls import path

from customers import views

urlpatterns = [
    path("d/<slug:dealership_slug>/customers/", views.customer_search, name="customer_search"),
    path("d/<slug:dealership_slug>/customers/new/", views.customer_create, name="customer_create"),
    path("d/<slug:dealership_slug>/customers/import/", views.customers_import, name="customers_import"),
    path(
        "d/<slug:dealership_slug>/customers/<int:customer_id>/", views.customer_detail, name="customer_detail"
    ),
    path(
        "d/<slug:dealership_slug>/customers/<int:customer_id>/edit/",
        views.customer_edit,
        name="customer_edit",
    ),
    path(
        "d/<slug:dealership_slug>/customers/<int:customer_id>/privacy/",
        views.customer_privacy,
        name="customer_privacy",
    ),
    path(
        "d/<slug:dealership_slug>/customers/<int:customer_id>/privacy/export.json",
        views.customer_export_json,
        name="customer_export_json",
    ),
    path(
        "d/<slug:dealership_slug>/customers/<int:customer_id>/vehicles/new/",
        views.vehicle_create,
        name="vehicle_create",
    ),
    path("d/<slug:dealership_slug>/vehicles/<int:vehicle_id>/edit/", views.vehicle_edit, name="vehicle_edit"),
    path(
        "d/<slug:dealership_slug>/vehicles/<int:vehicle_id>/mileage/",
        views.vehicle_mileage,
        name="vehicle_mileage",
    ),
    path(
        "d/<slug:dealership_slug>/vehicles/<int:vehicle_id>/programmes/new/",
        views.programme_create,
        name="programme_create",
    ),
    path("d/<slug:dealership_slug>/campaigns/", views.campaign_list, name="campaign_list"),
    path(
        "d/<slug:dealership_slug>/campaigns/<int:campaign_id>/vins/",
        views.campaign_vins_upload,
        name="campaign_vins_upload",
    ),
]
