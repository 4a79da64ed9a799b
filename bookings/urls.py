from django.urls import path

from bookings import desk_views, load_views, public_views, views

urlpatterns = [
    path("d/<slug:dealership_slug>/workshop/load/", load_views.workload_week, name="workload_week"),
    path("book/<slug:dealership_slug>/", public_views.booking_landing, name="booking_landing"),
    path("d/<slug:dealership_slug>/book/", views.phone_booking, name="phone_booking"),
    path("d/<slug:dealership_slug>/agenda/", desk_views.agenda, name="agenda"),
    path(
        "d/<slug:dealership_slug>/appointments/<int:appointment_id>/",
        desk_views.appointment_detail,
        name="appointment_detail",
    ),
    path(
        "d/<slug:dealership_slug>/appointments/<int:appointment_id>/status/",
        desk_views.appointment_status_change,
        name="appointment_status_change",
    ),
    path(
        "d/<slug:dealership_slug>/appointments/<int:appointment_id>/move/",
        desk_views.appointment_move,
        name="appointment_move",
    ),
    path("d/<slug:dealership_slug>/settings/phrases/", views.script_phrases, name="script_phrases"),
    path(
        "d/<slug:dealership_slug>/appointments/<int:appointment_id>/booked/",
        views.appointment_booked,
        name="appointment_booked",
    ),
    path("book/<slug:dealership_slug>/start/", public_views.self_booking_start, name="self_booking_start"),
    path("book/<slug:dealership_slug>/code/", public_views.self_booking_verify, name="self_booking_verify"),
    path("book/<slug:dealership_slug>/times/", public_views.self_booking_times, name="self_booking_times"),
    path(
        "book/<slug:dealership_slug>/confirm/", public_views.self_booking_confirm, name="self_booking_confirm"
    ),
    path(
        "book/<slug:dealership_slug>/appointment/<str:token>/",
        public_views.self_booking_manage,
        name="self_booking_manage",
    ),
]
