"""One offer for workshop and mobility (R3.1, R3.3, R3.4, R3.7): the workshop's double offer
(bookings.offers) kept to the times whose whole immobilisation has the chosen solution free,
each saying which car or option; when none is, the offer says when the solution is next free
and proposes the times from then on.

The solution is needed from its hand-over, which follows the drop-off by the time the advisor
takes to explain the work (the dealership's mobility policy, 15 minutes by default), to the
promised return: a drop-off is proposed that long before the solution is free (R3.7)."""

from dataclasses import replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.formats import date_format, time_format
from django.utils.translation import gettext as _

from bookings import offers
from bookings.mobility_hooks import MobilityOffer
from bookings.models import Appointment
from dealerships.models import Dealership
from mobility import availability
from mobility.availability import FleetSnapshot, SolutionPlan
from mobility.snapshot import Fleet, fleet_read, fleet_snapshot_load, solution_next_free
from workshop.availability import DoubleOffer, Proposal, Reason, SlotRequest
from workshop.capacity_settings import CapacitySettings, capacity_settings

# The workshop offer is asked again from the next free time at most so often (R3.7).
MAX_REASKS = 3
# When the offer's times are all taken, this many more are asked for before looking further.
WIDER_ALTERNATIVES = 6
# How far ahead the next free time of the solution is looked for, at most: never past the
# booking horizon either.
NEXT_FREE_HORIZON = timedelta(days=60)


def _note(
    plan: SolutionPlan, answer: availability.Availability, *, handover: datetime, fleet: Fleet, tz: ZoneInfo
) -> str:
    note = f"{plan.label}: {answer.unit.label}" if answer.unit is not None else plan.label
    if answer.at_cap:  # staff may still book it; online it is not offered (R3.7)
        note = _("%(option)s (at its cap that day)") % {"option": note}
    if fleet.explanation:  # the operator tells the customer when the solution is handed over
        note = _("%(option)s, from %(time)s after %(minutes)s min to explain the work") % {
            "option": note,
            "time": time_format(handover.astimezone(tz), "TIME_FORMAT"),
            "minutes": int(fleet.explanation.total_seconds() // 60),
        }
    return note


def _match(
    snapshot: FleetSnapshot, plans: list[SolutionPlan], proposal: Proposal, *, fleet: Fleet, online: bool
) -> str | None:
    """Which car or option goes with the proposal: the first plan free from its hand-over, once
    the work is explained, to the promised return (R3.1, R3.7)."""
    handover = availability.handover_at(proposal.drop_off, proposal.promised_return, fleet.explanation)
    for plan in plans:
        answer = availability.solution_availability(
            snapshot, plan, handover, proposal.promised_return, online=online
        )
        if answer.free:
            return _note(plan, answer, handover=handover, fleet=fleet, tz=snapshot.tz)
    return None


def _kept(
    snapshot: FleetSnapshot, offer: DoubleOffer, *, fleet: Fleet, online: bool
) -> tuple[list[Proposal], list[str]]:
    proposals, notes = [], []
    plans = list(snapshot.plans)
    for proposal in offer.proposals:
        note = _match(snapshot, plans, proposal, fleet=fleet, online=online)
        if note is not None:
            proposals.append(proposal)
            notes.append(note)
    return proposals, notes


def _horizon_end(dealership: Dealership, today: date, settings: CapacitySettings) -> datetime:
    """The local midnight after the booking horizon's last day."""
    last_day = today + timedelta(days=settings.booking_horizon_days)
    return datetime.combine(last_day + timedelta(days=1), time(0), tzinfo=dealership.tz)


def _span(offer: DoubleOffer) -> tuple[datetime, datetime]:
    return min(p.drop_off for p in offer.proposals), max(p.promised_return for p in offer.proposals)


def _snapshot_over(
    offer: DoubleOffer,
    *,
    dealership: Dealership,
    fleet: Fleet,
    now: datetime,
    excluding_reservation: int | None,
) -> FleetSnapshot:
    """The fleet over the offer's days, from its first drop-off to its last promised return."""
    start, end = _span(offer)
    return fleet_snapshot_load(
        dealership=dealership,
        start=start,
        end=end,
        now=now,
        fleet=fleet,
        excluding_reservation=excluding_reservation,
    )


def mobility_offer(
    *,
    dealership: Dealership,
    request: SlotRequest,
    mobility_kind: str,
    now: datetime,
    from_time: datetime | None = None,
    settings: CapacitySettings | None = None,
    moving: Appointment | None = None,
    excluding_reservation: int | None = None,
) -> MobilityOffer:
    """The double offer narrowed to the times the chosen kind of mobility is free for the whole
    immobilisation, with the car or option of each (R3.1, R3.7). A kind the dealership does
    not plan leaves the offer as it is. `moving`: the appointment being moved, whose own capacity
    is not in the way; `excluding_reservation`: its reservation, which moves with it and so keeps
    nothing busy."""
    if settings is None:
        settings = capacity_settings(dealership)
    # The workshop's capacity, read once for the offer and for every offer asked again below.
    capacity = offers.offer_capacity_load(
        dealership=dealership, request=request, now=now, from_time=from_time, settings=settings, moving=moving
    )
    offer = capacity.offer(request, from_time=from_time)
    if not offer.proposals:
        return MobilityOffer(offer=offer)
    wanted = 2 + request.alternatives
    # The solutions, caps and holds, read once for every snapshot and search to the horizon.
    today = now.astimezone(dealership.tz).date()
    horizon_end = _horizon_end(dealership, today, settings)
    fleet = fleet_read(
        dealership=dealership, now=now, kind=mobility_kind, first_day=today, last_day=horizon_end.date()
    )
    snapshot = _snapshot_over(
        offer, dealership=dealership, fleet=fleet, now=now, excluding_reservation=excluding_reservation
    )
    plans = list(snapshot.plans)
    if not plans:  # a kind the dealership does not plan: the workshop's offer as it is
        return MobilityOffer(offer=offer)
    proposals, notes = _kept(snapshot, offer, fleet=fleet, online=request.online)
    if len(proposals) == len(offer.proposals):  # the common case: one snapshot, nothing more
        return MobilityOffer(offer=offer, notes=tuple(notes))
    if not proposals:
        return _from_next_free(
            dealership=dealership,
            request=request,
            offer=offer,
            fleet=fleet,
            capacity=capacity,
            horizon_end=horizon_end,
            excluding_reservation=excluding_reservation,
        )
    # Some times are free: ask for more and keep as many as the offer would have had.
    wider = capacity.offer(
        replace(request, alternatives=max(request.alternatives, WIDER_ALTERNATIVES)), from_time=from_time
    )
    snapshot = _snapshot_over(
        wider, dealership=dealership, fleet=fleet, now=now, excluding_reservation=excluding_reservation
    )
    proposals, notes = _kept(snapshot, wider, fleet=fleet, online=request.online)
    proposals, notes = proposals[:wanted], notes[:wanted]
    wished = _wished_day_dropped(offer, proposals, request)
    if wished is not None:
        # The solution is not free on the day asked for (R3.7): say when it next is from then,
        # and offer that time after the others, where the workshop puts the wished day's.
        later = _from_next_free(
            dealership=dealership,
            request=request,
            offer=DoubleOffer(proposals=(wished,), shortfall=offer.shortfall),
            fleet=fleet,
            capacity=capacity,
            horizon_end=horizon_end,
            excluding_reservation=excluding_reservation,
        )
        taken = {(p.advisor_id, p.drop_off) for p in proposals}
        extra = [(p, note) for p, note in later.rows if (p.advisor_id, p.drop_off) not in taken and note][:1]
        if extra:
            return MobilityOffer(
                offer=DoubleOffer(
                    proposals=(*proposals, *(p for p, _note in extra)), shortfall=wider.shortfall
                ),
                notes=(*notes, *(note for _p, note in extra)),
                next_free=later.next_free,
                message=later.message,
            )
    return MobilityOffer(
        offer=DoubleOffer(proposals=tuple(proposals), shortfall=wider.shortfall), notes=tuple(notes)
    )


def _wished_day_dropped(offer: DoubleOffer, kept: list[Proposal], request: SlotRequest) -> Proposal | None:
    """The workshop's time on the day the customer asked for, when the solution is not free for
    it and no time kept is on that day."""
    if request.wished_day is None or any(p.day == request.wished_day for p in kept):
        return None
    return next(
        (p for p in offer.proposals if Reason.WISHED_DAY in p.reasons and p not in kept),
        None,
    )


def _from_next_free(
    *,
    dealership: Dealership,
    request: SlotRequest,
    offer: DoubleOffer,
    fleet: Fleet,
    capacity: offers.OfferCapacity,
    horizon_end: datetime,
    excluding_reservation: int | None = None,
) -> MobilityOffer:
    """Nothing offered has the solution free: find when it next is, from the first proposal's
    hand-over for as long as it is needed then, and offer the workshop's times from the work's
    explanation before it (R3.7), a few times. The search is in the fleet read for the offer,
    the workshop's times in its capacity (`capacity`): no query. Nothing past the booking
    horizon (`horizon_end`) can be offered: the search stops there."""
    now = capacity.now
    first = offer.proposals[0]
    after = availability.handover_at(first.drop_off, first.promised_return, fleet.explanation)
    for _attempt in range(MAX_REASKS):
        handover = availability.handover_at(first.drop_off, first.promised_return, fleet.explanation)
        duration = first.promised_return - handover
        if after + duration > horizon_end:
            break
        found = [
            hit
            for solution_id in fleet.ids
            if (
                hit := solution_next_free(
                    dealership=dealership,
                    solution_id=solution_id,
                    after=after,
                    duration=duration,
                    now=now,
                    online=request.online,
                    horizon=min(NEXT_FREE_HORIZON, horizon_end - after),
                    fleet=fleet,
                    excluding_reservation=excluding_reservation,
                )
            )
        ]
        if not found:
            break
        next_time = min(moment for moment, _unit in found)
        # The customer comes in that long before, to hear the work explained (R3.7).
        later = capacity.offer(request, from_time=next_time - fleet.explanation)
        if not later.proposals:
            break
        snapshot = _snapshot_over(
            later, dealership=dealership, fleet=fleet, now=now, excluding_reservation=excluding_reservation
        )
        proposals, notes = _kept(snapshot, later, fleet=fleet, online=request.online)
        if proposals:
            local = next_time.astimezone(dealership.tz)
            message = _("Not free on the days asked for: next free from %(when)s") % {
                "when": date_format(local, "DATETIME_FORMAT")
            }
            return MobilityOffer(
                offer=DoubleOffer(proposals=tuple(proposals), shortfall=later.shortfall),
                notes=tuple(notes),
                next_free=next_time,
                message=message,
            )
        first = later.proposals[0]
        after = max(
            next_time, availability.handover_at(first.drop_off, first.promised_return, fleet.explanation)
        )
    return MobilityOffer(
        offer=DoubleOffer(proposals=(), shortfall=offer.shortfall),
        message=_("The chosen mobility is not free within the booking horizon."),
    )
