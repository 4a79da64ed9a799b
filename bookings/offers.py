"""The double offer over the booking horizon: the snapshot of the whole horizon read once, the
engine walking its days in order until the offer is complete (R4.1, R4.4)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from bookings.capacity import capacity_load
from bookings.ledger import appointment_capacity
from bookings.models import Appointment
from dealerships.models import Dealership
from workshop import availability
from workshop.availability import DoubleOffer, SlotRequest, Snapshot
from workshop.capacity_settings import CapacitySettings, capacity_settings


@dataclass(frozen=True, kw_only=True, slots=True)
class OfferCapacity:
    """The capacity an offer for one request searches, read once (offer_capacity_load): the
    same request asked again from a later time, or for more alternatives, searches it again
    without a query (the mobility offer asks so when the car is not free at the first times)."""

    snapshot: Snapshot | None  # None: asked past the booking horizon
    now: datetime

    def offer(self, request: SlotRequest, *, from_time: datetime | None = None) -> DoubleOffer:
        """The double offer for the request (R4), from `from_time` on when given: the request
        this capacity was read for, or the same work with more alternatives."""
        if self.snapshot is None:
            return DoubleOffer(proposals=(), shortfall=availability.Refusal.BEYOND_HORIZON)
        try:
            return availability.offer_slots(self.snapshot, request, now=self.now, not_before=from_time)
        except availability.NoCapacity as nothing:
            return DoubleOffer(proposals=(), shortfall=nothing.refusal)


def offer_capacity_load(
    *,
    dealership: Dealership,
    request: SlotRequest,
    now: datetime,
    from_time: datetime | None = None,
    settings: CapacitySettings | None = None,
    moving: Appointment | None = None,
) -> OfferCapacity:
    """The capacity of the days an offer for the request can use, from `from_time` (or today)
    to the booking horizon: the capacity settings are read once (or come as `settings`, as the
    request already read them); the capacity of every day to the horizon's end is then one
    query, one ledger row a day whatever the number of appointments (bookings.capacity).
    `moving`: the appointment being moved, whose own reception and labour do not block the times
    it moves to (one query more, for its labour)."""
    if settings is None:
        settings = capacity_settings(dealership)
    today = now.astimezone(dealership.tz).date()
    horizon_end = today + timedelta(days=settings.booking_horizon_days)
    # Nothing can be offered before the time asked from, nor before the customer's first window.
    not_before = [from_time] if from_time else []
    if request.windows:
        not_before.append(min(window.start for window in request.windows))
    first_day = max([today, *(moment.astimezone(dealership.tz).date() for moment in not_before)])
    if request.windows:
        # Nor after the last window: the days past it are read only to lay the labour out.
        last_window_day = max(window.end for window in request.windows).astimezone(dealership.tz).date()
        last_needed = last_window_day + timedelta(days=availability.days_after_drop_off(request))
        horizon_end = min(horizon_end, last_needed)
    if horizon_end < first_day:  # asked past the horizon
        return OfferCapacity(snapshot=None, now=now)
    excluding = (
        None
        if moving is None
        else appointment_capacity(
            moving, labour=moving.labour.values_list("day", "skill", "minutes"), tz=dealership.tz
        )
    )
    snapshot = capacity_load(
        dealership=dealership, start=first_day, end=horizon_end, settings=settings, excluding=excluding
    )
    return OfferCapacity(snapshot=snapshot, now=now)


def availability_offer(
    *,
    dealership: Dealership,
    request: SlotRequest,
    now: datetime,
    from_time: datetime | None = None,
    settings: CapacitySettings | None = None,
    moving: Appointment | None = None,
) -> DoubleOffer:
    """The double offer for the request (R4) over the booking horizon: its capacity read once
    (offer_capacity_load), the engine walking its days in order and stopping at the first
    complete offer, passing over a fully booked day in a few operations per advisor.
    `from_time` asks for the next times from then on (a time the caller wanted was just taken:
    the customer hears the nearest ones, not next Monday's). An offer without proposals when
    nothing in the horizon fits, its shortfall saying what ran out.
    `moving`: the appointment being moved, whose own capacity does not block its new time."""
    capacity = offer_capacity_load(
        dealership=dealership, request=request, now=now, from_time=from_time, settings=settings, moving=moving
    )
    return capacity.offer(request, from_time=from_time)
