from django.urls import path

from followups import api

D = "dealerships/<slug:dealership_slug>/"
C = D + "calls/"

urlpatterns = [
    path(C, api.CallQueueApi.as_view(), name="api_call_queue"),
    path(C + "next/", api.CallNextApi.as_view(), name="api_call_next"),
    path(C + "<int:task_id>/", api.CallTaskDetailApi.as_view(), name="api_call_task"),
    path(C + "<int:task_id>/outcome/", api.CallTaskOutcomeApi.as_view(), name="api_call_task_outcome"),
    path(D + "followup-rules/", api.FollowupRulesApi.as_view(), name="api_followup_rules"),
]
