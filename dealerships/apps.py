from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DealershipsConfig(AppConfig):
    name = "dealerships"
    verbose_name = _("Dealerships")

    def ready(self) -> None:
        # Registers how the schema documents the API token login (an import-time side effect).
        from dealerships.api_tokens import schema  # noqa: F401
