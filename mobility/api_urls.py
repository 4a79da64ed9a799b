from django.urls import path

from mobility import api

D = "dealerships/<slug:dealership_slug>/"
F = D + "fleet/vehicles/"
M = D + "mobility/"
R = M + "reservations/<int:reservation_id>/"

urlpatterns = [
    path(F, api.FleetVehicleListApi.as_view(), name="api_fleet_vehicle_list"),
    path(F + "<int:fleet_vehicle_id>/", api.FleetVehicleDetailApi.as_view(), name="api_fleet_vehicle_detail"),
    path(M + "solutions/", api.SolutionListApi.as_view(), name="api_mobility_solution_list"),
    path(M + "entitlements/", api.EntitlementListApi.as_view(), name="api_mobility_entitlements"),
    path(M + "availability/", api.MobilityAvailabilityApi.as_view(), name="api_mobility_availability"),
    path(M + "reservations/", api.ReservationListApi.as_view(), name="api_reservation_list"),
    path(R, api.ReservationDetailApi.as_view(), name="api_reservation_detail"),
    path(R + "hand-over-out/", api.ReservationHandOverOutApi.as_view(), name="api_reservation_hand_over_out"),
    path(
        R + "hand-over-back/", api.ReservationHandOverBackApi.as_view(), name="api_reservation_hand_over_back"
    ),
    path(R + "move/", api.ReservationMoveApi.as_view(), name="api_reservation_move"),
    path(R + "release/", api.ReservationReleaseApi.as_view(), name="api_reservation_release"),
]
