from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MobilityConfig(AppConfig):
    name = "mobility"
    verbose_name = _("Mobility")

    def ready(self) -> None:
        # The reservation follows its appointment inside the booking's own transaction, and the
        # booking pages get the real mobility layer, without bookings importing mobility.
        from bookings import mobility_hooks, signals
        from bookings.appointment_sections import appointment_page_sections
        from mobility import hooks, receivers, views

        signals.appointment_booked.connect(receivers.appointment_booked, dispatch_uid="mobility.booked")
        signals.appointment_rescheduled.connect(
            receivers.appointment_rescheduled, dispatch_uid="mobility.rescheduled"
        )
        signals.appointment_status_changed.connect(
            receivers.appointment_status_changed, dispatch_uid="mobility.status_changed"
        )
        from django.db.models.signals import post_delete, post_save

        from mobility.models import (
            FleetOutOfService,
            FleetVehicle,
            MobilitySolution,
            Reservation,
            SolutionCap,
        )

        for model in (MobilitySolution, SolutionCap, FleetVehicle, FleetOutOfService, Reservation):
            post_save.connect(
                receivers.fleet_row_changed, sender=model, dispatch_uid=f"fleet-save-{model.__name__}"
            )
            post_delete.connect(
                receivers.fleet_row_changed, sender=model, dispatch_uid=f"fleet-delete-{model.__name__}"
            )
        from customers import signals as customer_signals
        from customers.models import Campaign, CampaignCompletion, CampaignVin

        # A VIN is deleted only with its campaign (see receivers.recall_row_changed).
        for change, name, recall_model in (
            (post_save, "save", Campaign),
            (post_delete, "delete", Campaign),
            (post_save, "save", CampaignVin),
            (post_save, "save", CampaignCompletion),
            (post_delete, "delete", CampaignCompletion),
        ):
            change.connect(
                receivers.recall_row_changed,
                sender=recall_model,
                dispatch_uid=f"recall-{name}-{recall_model.__name__}",
            )
        customer_signals.campaign_vins_added.connect(
            receivers.campaign_vins_added, dispatch_uid="mobility.campaign_vins_added"
        )
        customer_signals.vehicle_vin_changed.connect(
            receivers.vehicle_vin_changed, dispatch_uid="mobility.vehicle_vin_changed"
        )
        mobility_hooks.register(hooks.MobilityLayer())
        appointment_page_sections.register(
            "mobility/_appointment_section.html", views.appointment_mobility_section
        )
