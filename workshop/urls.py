from django.urls import path

from workshop import views

P = "d/<slug:dealership_slug>/workshop/"

urlpatterns = [
    path(P, views.workshop_settings, name="workshop_settings"),
    path(P + "advisors/new/", views.advisor_edit, name="advisor_create"),
    path(P + "advisors/<int:advisor_id>/", views.advisor_edit, name="advisor_edit"),
    path(P + "advisors/<int:advisor_id>/absences/", views.advisor_absence_add, name="advisor_absence_add"),
    path(
        P + "advisors/<int:advisor_id>/absences/<int:absence_id>/delete/",
        views.advisor_absence_delete,
        name="advisor_absence_delete",
    ),
    path(P + "technicians/new/", views.technician_edit, name="technician_create"),
    path(P + "technicians/<int:technician_id>/", views.technician_edit, name="technician_edit"),
    path(
        P + "technicians/<int:technician_id>/absences/",
        views.technician_absence_add,
        name="technician_absence_add",
    ),
    path(
        P + "technicians/<int:technician_id>/absences/<int:absence_id>/delete/",
        views.technician_absence_delete,
        name="technician_absence_delete",
    ),
    path(P + "jobs/", views.job_list, name="job_list"),
    path(P + "jobs/<int:job_id>/", views.job_list, name="job_edit"),
]
