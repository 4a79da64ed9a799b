"""Why a mobility solution cannot be booked: a SlotTaken (409) on the `mobility` field, so every
booking door that already answers a taken time answers these too, in the user's language."""

from django.utils.translation import gettext_lazy as _

from config.errors import SlotTaken


class MobilityUnavailable(SlotTaken):
    """The chosen mobility solution is not free for the whole immobilisation (R3.7, R3.8)."""

    code = "mobility_unavailable"
    default_message = _("The chosen mobility solution is not free at that time.")

    def __init__(self, message: object = None, *, field: str | None = "mobility", **extra: object) -> None:
        super().__init__(message, field=field, **extra)  # type: ignore[arg-type]


class VehicleHeld(MobilityUnavailable):
    """The fleet vehicle is held: out of service, a recall open, a service due, over its limits."""

    code = "vehicle_held"
    default_message = _("This fleet vehicle is held and cannot be lent.")
