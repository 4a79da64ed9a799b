from django.urls import path

from customers import api

P = "dealerships/<slug:dealership_slug>/"

urlpatterns = [
    path(P + "search/", api.CustomerSearchApi.as_view(), name="api_customer_search"),
    path(P + "customers/", api.CustomerListApi.as_view(), name="api_customer_list"),
    path(P + "customers/import/", api.CustomerImportApi.as_view(), name="api_customer_import"),
    path(P + "customers/<int:customer_id>/", api.CustomerDetailApi.as_view(), name="api_customer_detail"),
    path(
        P + "customers/<int:customer_id>/export/",
        api.CustomerExportApi.as_view(),
        name="api_customer_export",
    ),
    path(P + "customers/<int:customer_id>/erase/", api.CustomerEraseApi.as_view(), name="api_customer_erase"),
    path(
        P + "customers/<int:customer_id>/vehicles/",
        api.CustomerVehicleListApi.as_view(),
        name="api_customer_vehicles",
    ),
    path(P + "vehicles/<int:vehicle_id>/", api.VehicleDetailApi.as_view(), name="api_vehicle_detail"),
    path(
        P + "vehicles/<int:vehicle_id>/mileage/", api.VehicleMileageApi.as_view(), name="api_vehicle_mileage"
    ),
    path(
        P + "vehicles/<int:vehicle_id>/programmes/",
        api.VehicleProgrammeApi.as_view(),
        name="api_vehicle_programmes",
    ),
    path(
        P + "vehicles/<int:vehicle_id>/open-campaigns/",
        api.VehicleOpenCampaignsApi.as_view(),
        name="api_vehicle_open_campaigns",
    ),
    path(P + "campaigns/", api.CampaignListApi.as_view(), name="api_campaign_list"),
    path(P + "campaigns/<int:campaign_id>/vins/", api.CampaignVinsApi.as_view(), name="api_campaign_vins"),
]
