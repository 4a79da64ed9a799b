"""What the booking pages ask the mobility layer, without importing it (bookings sits below
mobility): the options to list with their terms (R3.2, R3.3, R3.5) and the double offer narrowed
to the times the chosen solution is free (R3.1, R3.7). The default answers as if no mobility
were planned: every kind listed, the workshop's offer unchanged. The mobility app registers the
real layer in its AppConfig.ready()."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.utils.translation import gettext as _

from bookings import offers
from bookings.models import Appointment, MobilityKind
from customers.models import Vehicle
from dealerships.models import Dealership
from workshop.availability import DoubleOffer, Proposal, SlotRequest
from workshop.capacity_settings import CapacitySettings

NO_MOBILITY = "none"
# The kinds whose driver comes to the customer: the booking asks where (R3.3, R3.8).
ADDRESS_KINDS = frozenset({MobilityKind.PICKUP_DELIVERY.value})
# As long as the reservation keeps it (mobility.models.Reservation.address).
ADDRESS_MAX_LENGTH = 200


def mobility_address_clean(*, mobility_kind: str, address: str) -> str:
    """The address the driver goes to, stripped, for a kind that needs one, else "" (R3.3);
    a ValidationError on `mobility_address` when it is missing, too long or holds a NUL
    character (which PostgreSQL cannot store)."""
    if mobility_kind not in ADDRESS_KINDS:
        return ""
    address = address.strip()
    try:
        if not address:
            raise ValidationError(
                _("Give the address where our driver picks the car up and brings it back."),
                code="required",
            )
        ProhibitNullCharactersValidator()(address)
        MaxLengthValidator(ADDRESS_MAX_LENGTH)(address)
    except ValidationError as error:
        raise ValidationError({"mobility_address": error.error_list}) from None
    return address


@dataclass(frozen=True, kw_only=True, slots=True)
class MobilityOption:
    """One solution as the pages list it (R3.3): every one is listed; those not offered say why."""

    value: str  # a MobilityKind value
    label: str
    terms: str = ""  # "Free under your warranty, worth 45 EUR a day", "30 EUR a day"
    free: bool = False  # the customer is entitled to it free of charge (R3.2)
    offered: bool = True


@dataclass(frozen=True, kw_only=True, slots=True)
class MobilityOffer:
    """The double offer with, for each proposal, which car or option goes with it; when the
    solution was not free on the wanted days, when it next is (the offer then starts there)."""

    offer: DoubleOffer
    notes: tuple[str, ...] = ()  # aligned with offer.proposals
    next_free: datetime | None = None
    message: str = ""

    @property
    def rows(self) -> list[tuple[Proposal, str]]:
        notes = self.notes or ("",) * len(self.offer.proposals)
        return list(zip(self.offer.proposals, notes, strict=False))


class MobilityLayer:
    """No mobility planning: the kinds listed plain, the workshop's offer as it is."""

    def options(
        self,
        *,
        dealership: Dealership,
        vehicle: Vehicle | None,
        job_minutes: int | None,
        online: bool,
        now: datetime,
    ) -> tuple[MobilityOption, ...]:
        return tuple(MobilityOption(value=kind.value, label=str(kind.label)) for kind in MobilityKind)

    def offer(
        self,
        *,
        dealership: Dealership,
        request: SlotRequest,
        mobility_kind: str,
        now: datetime,
        from_time: datetime | None = None,
        settings: CapacitySettings | None = None,
        moving: Appointment | None = None,
    ) -> MobilityOffer:
        """`moving`: the appointment being moved, whose own capacity and mobility reservation
        are not in the way of the times it moves to."""
        return MobilityOffer(
            offer=offers.availability_offer(
                dealership=dealership,
                request=request,
                now=now,
                from_time=from_time,
                settings=settings,
                moving=moving,
            )
        )


_layer: list[MobilityLayer] = [MobilityLayer()]


def register(layer: MobilityLayer) -> None:
    """Install the mobility layer (the mobility app's AppConfig.ready())."""
    _layer[0] = layer


def layer() -> MobilityLayer:
    return _layer[0]
