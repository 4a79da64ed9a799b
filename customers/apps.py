from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from customers import signals
        from customers.models import Vehicle

        post_save.connect(signals.vehicle_saved, sender=Vehicle, dispatch_uid="customers.vehicle_saved")
