from django.urls import path

from notifications import staff_views, views

urlpatterns = [
    path("hooks/twilio/<slug:dealership_slug>/inbound/", views.twilio_inbound, name="twilio_inbound"),
    path(
        "hooks/twilio/<slug:dealership_slug>/status/",
        views.twilio_status_callback,
        name="twilio_status_callback",
    ),
    path(
        "d/<slug:dealership_slug>/settings/messages/",
        staff_views.message_template_list,
        name="message_template_list",
    ),
    path(
        "d/<slug:dealership_slug>/settings/messages/<str:kind>/<str:language>/",
        staff_views.message_template_edit,
        name="message_template_edit",
    ),
    path(
        "d/<slug:dealership_slug>/settings/messages/<str:kind>/<str:language>/preview/",
        staff_views.message_template_preview,
        name="message_template_preview",
    ),
    path("d/<slug:dealership_slug>/inbox/", staff_views.advisor_inbox, name="advisor_inbox"),
    path(
        "d/<slug:dealership_slug>/inbox/replies/<int:reply_id>/handled/",
        staff_views.reply_handled,
        name="reply_handled",
    ),
    path(
        "d/<slug:dealership_slug>/inbox/failures/<int:message_id>/handled/",
        staff_views.failure_handled,
        name="failure_handled",
    ),
    path("d/<slug:dealership_slug>/my-calendar/", staff_views.my_calendar, name="my_calendar"),
    path(
        "d/<slug:dealership_slug>/calendar/<str:token>.ics",
        staff_views.advisor_calendar_feed,
        name="advisor_calendar_feed",
    ),
]
