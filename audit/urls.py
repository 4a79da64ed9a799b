from django.urls import path

from audit import views

urlpatterns = [
    path("d/<slug:dealership_slug>/audit/", views.capacity_history, name="audit_capacity"),
    path(
        "d/<slug:dealership_slug>/audit/vehicles/<int:vehicle_id>/",
        views.vehicle_history,
        name="audit_vehicle",
    ),
]
