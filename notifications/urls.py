from django.urls import path

from notifications import views

urlpatterns = [
    path("hooks/twilio/<slug:dealership_slug>/inbound/", views.twilio_inbound, name="twilio_inbound"),
    path(
        "hooks/twilio/<slug:dealership_slug>/status/",
        views.twilio_status_callback,
        name="twilio_status_callback",
    ),
]
