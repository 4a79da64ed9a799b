from django.urls import path

from followups import views

C = "d/<slug:dealership_slug>/calls/"

urlpatterns = [
    path(C, views.call_queue, name="call_queue"),
    path(C + "next/", views.call_next, name="call_next"),
    path(C + "new/", views.call_task_create, name="call_task_create"),
    path(C + "<int:task_id>/", views.call_task, name="call_task"),
    path(C + "<int:task_id>/claim/", views.call_task_claim, name="call_task_claim"),
    path(C + "<int:task_id>/release/", views.call_task_release, name="call_task_release"),
    path(C + "<int:task_id>/outcome/", views.call_task_outcome, name="call_task_outcome"),
    path("d/<slug:dealership_slug>/settings/followups/", views.followup_rules_edit, name="followup_rules"),
    path("d/<slug:dealership_slug>/settings/call-scripts/", views.call_scripts_edit, name="call_scripts"),
    path(
        "d/<slug:dealership_slug>/appointments/<int:appointment_id>/satisfaction/handled/",
        views.satisfaction_concern_handled,
        name="satisfaction_concern_handled",
    ),
    path("book/<slug:dealership_slug>/enquiry/", views.enquiry_form, name="enquiry_form"),
    path(
        "book/<slug:dealership_slug>/satisfaction/<str:token>/",
        views.satisfaction_answer,
        name="satisfaction_answer",
    ),
]
