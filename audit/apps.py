from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "audit"
    verbose_name = _("Audit trail")

    def ready(self) -> None:
        # The lower apps' pages show the trail, and the erasure reaches it, without importing us.
        from simple_history.signals import pre_create_historical_record

        from audit import privacy, receivers, sections
        from bookings.appointment_sections import appointment_page_sections
        from customers.file_sections import customer_file_sections

        pre_create_historical_record.connect(receivers.actor_record, dispatch_uid="audit.actor")
        appointment_page_sections.register("audit/_history_section.html", sections.appointment_history)
        customer_file_sections.register("audit/_history_section.html", sections.customer_history)
        privacy.contributors_register()
