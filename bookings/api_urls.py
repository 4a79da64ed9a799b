from django.urls import path

from bookings import api

P = "dealerships/<slug:dealership_slug>/appointments/"

urlpatterns = [
    path(P, api.AppointmentListApi.as_view(), name="api_appointment_list"),
    path(P + "<int:appointment_id>/", api.AppointmentDetailApi.as_view(), name="api_appointment_detail"),
    path(
        P + "<int:appointment_id>/reschedule/",
        api.AppointmentRescheduleApi.as_view(),
        name="api_appointment_reschedule",
    ),
    path(
        P + "<int:appointment_id>/transitions/",
        api.AppointmentTransitionApi.as_view(),
        name="api_appointment_transition",
    ),
]
