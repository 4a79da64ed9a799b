from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "notifications"
    verbose_name = _("Notifications")

    def ready(self) -> None:
        # The booking services announce their changes; the outbox rows are written here, in
        # the same transaction (signals run synchronously), without bookings importing us.
        from bookings import signals
        from bookings.appointment_sections import appointment_page_sections
        from customers.file_sections import customer_file_sections
        from notifications import privacy, receivers
        from notifications.desk import appointment_messages, customer_messages_section

        signals.appointment_booked.connect(receivers.appointment_booked, dispatch_uid="notifications.booked")
        signals.appointment_rescheduled.connect(
            receivers.appointment_rescheduled, dispatch_uid="notifications.rescheduled"
        )
        signals.appointment_status_changed.connect(
            receivers.appointment_status_changed, dispatch_uid="notifications.status_changed"
        )
        signals.access_code_issued.connect(
            receivers.access_code_issued, dispatch_uid="notifications.access_code"
        )
        customer_file_sections.register("notifications/_customer_messages.html", customer_messages_section)
        appointment_page_sections.register("notifications/_messages.html", appointment_messages)
        privacy.contributors_register()
