from django.urls import path

from notifications import api

D = "dealerships/<slug:dealership_slug>/message-texts/"

urlpatterns = [
    path(D, api.MessageTemplateListApi.as_view(), name="api_message_template_list"),
    path(
        D + "<str:kind>/<str:language>/",
        api.MessageTemplateDetailApi.as_view(),
        name="api_message_template_detail",
    ),
]
