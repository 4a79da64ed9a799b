from django.urls import path

from workshop import api

P = "dealerships/<slug:dealership_slug>/"

urlpatterns = [
    path(P + "jobs/", api.JobListApi.as_view(), name="api_job_list"),
    path(P + "advisors/", api.AdvisorListApi.as_view(), name="api_advisor_list"),
]
