from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FollowupsConfig(AppConfig):
    name = "followups"
    verbose_name = _("Follow-ups")

    def ready(self) -> None:
        # The booking services announce their changes; the follow-ups they cause (a no-show's
        # second and third attempt, the satisfaction call, a reminder that led to a booking) are
        # written here, in the same transaction, without bookings importing us.
        from bookings import signals
        from followups import page_sections, receivers
        from notifications import satisfaction_hooks

        signals.appointment_booked.connect(receivers.appointment_booked, dispatch_uid="followups.booked")
        signals.appointment_status_changed.connect(
            receivers.appointment_status_changed, dispatch_uid="followups.status_changed"
        )
        # The customer file's contact history and the appointment page's satisfaction answer.
        page_sections.register()
        # The satisfaction answers sent back by SMS (R9.1), taken for the inbound replies.
        satisfaction_hooks.register(receivers.SatisfactionReplies())
