"""The double offer over the booking horizon: the snapshot read a few days at a time until the
offer is complete (R4.1, R4.4)."""

from datetime import date, datetime, timedelta

from bookings.capacity import capacity_load
from dealerships.models import Dealership
from workshop import availability
from workshop.availability import DoubleOffer, SlotRequest
from workshop.capacity_settings import CapacitySettings, capacity_settings

# The engine is fed nine days first (tomorrow and the week after it, where the double offer
# looks for its second period), then three weeks, then the whole booking horizon, stopping as
# soon as the offer is complete (R4.1: the earliest proposals are almost always near). At 20,000
# appointments the loader takes a median 18 ms for nine days, 27 for 21 and 41 for the 60-day
# horizon (bench/availability.py).
FIRST_LOOKS = (9, 21)


def availability_offer(
    *,
    dealership: Dealership,
    request: SlotRequest,
    now: datetime,
    from_time: datetime | None = None,
    settings: CapacitySettings | None = None,
) -> DoubleOffer:
    """The double offer for the request (R4): nine days looked at first, then three weeks, then
    the whole horizon, until the offer is complete. The capacity settings are read once (or come
    as `settings`, as the request already read them); each look is then two queries.
    `from_time` asks for the next times from then on (a time the caller wanted was just taken:
    the customer hears the nearest ones, not next Monday's). An offer without proposals when
    nothing in the horizon fits."""
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
    looks = sorted({min(first_day + timedelta(days=n), horizon_end) for n in FIRST_LOOKS} | {horizon_end})
    offer = None
    for last_day in looks:
        if last_day < first_day:
            break
        snapshot = capacity_load(dealership=dealership, start=first_day, end=last_day, settings=settings)
        try:
            offer = availability.offer_slots(snapshot, request, now=now, not_before=from_time)
        except availability.NoCapacity:
            continue
        if _offer_complete(offer, request, last_day):
            return offer
    return offer or DoubleOffer(proposals=())


def _offer_complete(offer: DoubleOffer, request: SlotRequest, last_day: date) -> bool:
    """Would a longer look change the offer? Not when every proposal wanted is there and the
    look reaches a week past the first (where the other period is searched) and the wished day."""
    proposals = offer.proposals
    if len(proposals) < 2 + request.alternatives:
        return False
    both_periods = {p.period for p in proposals[:2]} == set(availability.Period)
    if not both_periods and proposals[0].day + availability.OTHER_PERIOD_WITHIN > last_day:
        return False
    return request.wished_day is None or request.wished_day <= last_day
