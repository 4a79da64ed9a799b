from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealershipsConfig(AppConfig):
    name = "dealerships"
    verbose_name = _("Dealerships")
