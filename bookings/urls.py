from django.urls import path

from bookings import views

urlpatterns = [
    path("d/<slug:dealership_slug>/book/", views.phone_booking, name="phone_booking"),
    path(
        "d/<slug:dealership_slug>/appointments/<int:appointment_id>/booked/",
        views.appointment_booked,
        name="appointment_booked",
    ),
]
