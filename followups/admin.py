from django.contrib import admin

from dealerships.admin import DealershipScopedAdmin
from followups.models import CallScript, CallTask, ContactRecord, FollowupRules, SatisfactionResponse


@admin.register(CallTask)
class CallTaskAdmin(DealershipScopedAdmin):
    list_display = ("kind", "customer", "due_at", "status", "outcome", "attempts", "operator")
    list_filter = ("dealership", "kind", "status", "outcome")
    raw_id_fields = (
        "customer",
        "vehicle",
        "appointment",
        "campaign",
        "message",
        "reply",
        "booked_appointment",
    )
    readonly_fields = ("idempotency_key",)


@admin.register(ContactRecord)
class ContactRecordAdmin(DealershipScopedAdmin):
    list_display = ("kind", "customer", "channel", "at", "outcome", "operator")
    list_filter = ("dealership", "kind", "channel", "outcome")
    raw_id_fields = ("customer", "vehicle", "appointment", "call_task", "message", "booked_appointment")


@admin.register(FollowupRules)
class FollowupRulesAdmin(DealershipScopedAdmin):
    list_display = ("dealership",)


@admin.register(CallScript)
class CallScriptAdmin(DealershipScopedAdmin):
    list_display = ("dealership", "kind", "language")
    list_filter = ("dealership", "kind", "language")


@admin.register(SatisfactionResponse)
class SatisfactionResponseAdmin(DealershipScopedAdmin):
    list_display = ("appointment", "score", "concern", "advisor", "responded_at", "concern_handled_at")
    list_filter = ("dealership", "concern", "score")
    raw_id_fields = ("appointment", "customer", "call_task")
