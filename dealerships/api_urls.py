from django.urls import path

from dealerships import api

urlpatterns = [
    path("dealerships/", api.DealershipListApi.as_view(), name="api_dealership_list"),
    path(
        "dealerships/<slug:dealership_slug>/", api.DealershipDetailApi.as_view(), name="api_dealership_detail"
    ),
    path(
        "dealerships/<slug:dealership_slug>/opening-hours/",
        api.OpeningHoursApi.as_view(),
        name="api_opening_hours",
    ),
    path(
        "dealerships/<slug:dealership_slug>/closures/", api.ClosureListApi.as_view(), name="api_closure_list"
    ),
    path(
        "dealerships/<slug:dealership_slug>/closures/public-holidays/",
        api.ClosurePrefillApi.as_view(),
        name="api_closure_prefill",
    ),
    path(
        "dealerships/<slug:dealership_slug>/closures/<int:closure_id>/",
        api.ClosureDetailApi.as_view(),
        name="api_closure_detail",
    ),
    path(
        "dealerships/<slug:dealership_slug>/members/", api.MembershipListApi.as_view(), name="api_member_list"
    ),
]
