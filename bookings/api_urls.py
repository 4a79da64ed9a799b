from django.urls import path

from bookings.api import appointments, availability

D = "dealerships/<slug:dealership_slug>/"
P = D + "appointments/"

urlpatterns = [
    path(D + "availability/", availability.AvailabilityApi.as_view(), name="api_availability"),
    path(D + "workload/", availability.WorkloadApi.as_view(), name="api_workload"),
    path(P, appointments.AppointmentListApi.as_view(), name="api_appointment_list"),
    path(
        P + "<int:appointment_id>/",
        appointments.AppointmentDetailApi.as_view(),
        name="api_appointment_detail",
    ),
    path(
        P + "<int:appointment_id>/reschedule/",
        appointments.AppointmentRescheduleApi.as_view(),
        name="api_appointment_reschedule",
    ),
    path(
        P + "<int:appointment_id>/transitions/",
        appointments.AppointmentTransitionApi.as_view(),
        name="api_appointment_transition",
    ),
]
