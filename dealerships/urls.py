from django.urls import path

from dealerships import auth_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("d/", views.dealership_switcher, name="dealership_switcher"),
    path("d/<slug:dealership_slug>/", views.dealership_home, name="dealership_home"),
    path("d/<slug:dealership_slug>/settings/hours/", views.opening_hours_edit, name="opening_hours_edit"),
    path("d/<slug:dealership_slug>/settings/closures/", views.closure_list, name="closure_list"),
    path(
        "d/<slug:dealership_slug>/settings/closures/public-holidays/",
        views.closures_prefill,
        name="closures_prefill",
    ),
    path(
        "d/<slug:dealership_slug>/settings/closures/<int:closure_id>/delete/",
        views.closure_delete,
        name="closure_delete",
    ),
    path("d/<slug:dealership_slug>/staff/", views.staff_list, name="staff_list"),
    path(
        "d/<slug:dealership_slug>/staff/api-tokens/",
        auth_views.dealership_api_token_list,
        name="dealership_api_token_list",
    ),
    path("accounts/api-tokens/", auth_views.api_token_list, name="api_token_list"),
    path("accounts/two-factor/", auth_views.totp_verify, name="totp_verify"),
    path("accounts/two-factor/setup/", auth_views.totp_enrol, name="totp_enrol"),
]
