"""What the customer file announces, for the layers above to act on without being imported.

Sent inside the transaction of the change it announces (Django signals run synchronously), so
whatever a receiver writes commits or rolls back with the change.

Arguments, all keyword:
- campaign_vins_added: dealership_id, campaign (VINs added to its list in bulk, which sends no
  post_save for each row)
- vehicle_vin_changed: vehicle, previous_vin (a vehicle on file saved with another VIN than it
  was read with: a correction, or the erasure's placeholder)
"""

from typing import Any

from django.dispatch import Signal

from customers.models import Vehicle

campaign_vins_added = Signal()
vehicle_vin_changed = Signal()


def vehicle_saved(sender: type[Vehicle], instance: Vehicle, created: bool, **kwargs: Any) -> None:
    """Sends vehicle_vin_changed when a vehicle's VIN was written and differs from the one it was
    read with (Vehicle.from_db); any other save sends nothing and reads nothing."""
    update_fields = kwargs.get("update_fields")
    if kwargs.get("raw") or (update_fields is not None and "vin" not in update_fields):
        return  # saved with some fields only (a deferred VIN among the others): the VIN is kept
    previous, instance.vin_as_read = instance.vin_as_read, instance.vin  # as stored from now on
    if not created and instance.vin != previous:
        vehicle_vin_changed.send(sender=Vehicle, vehicle=instance, previous_vin=previous)
