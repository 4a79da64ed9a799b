"""The mobility layer the booking pages use (bookings.mobility_hooks): the solutions with the
customer's entitlement and value (R3.2, R3.3, R3.5), caps honoured online, and the combined
workshop and mobility offer (mobility.offers)."""

from datetime import datetime

from django.utils.translation import gettext as _

from bookings import mobility_hooks
from bookings.mobility_hooks import MobilityOffer, MobilityOption
from bookings.models import Appointment, MobilityKind
from customers.coverage import Coverage
from customers.models import Vehicle
from customers.selectors import vehicle_coverage_on
from dealerships.models import Dealership
from mobility import availability, entitlements, offers
from mobility.entitlements import SolutionTerms
from mobility.models import ACTIVE_STATUSES, MobilitySolution, Reservation
from workshop.availability import SlotRequest
from workshop.capacity_settings import CapacitySettings

NO_COVERAGE = Coverage(in_factory_warranty=False, active_programmes=(), free_mobility=frozenset())


def solution_terms(solution: MobilitySolution) -> SolutionTerms:
    return SolutionTerms(
        solution_id=solution.id,
        kind=solution.kind,
        label=str(solution),
        active=solution.active,
        free_under_warranty=solution.free_under_warranty,
        rental_allowed=solution.rental_allowed,
        min_job_minutes=solution.min_job_minutes,
        daily_cost=solution.daily_cost,
        currency=solution.currency,
        daily_value=solution.daily_value,
    )


def mobility_options(
    *, dealership: Dealership, vehicle: Vehicle | None, job_minutes: int | None, online: bool, now: datetime
) -> tuple[MobilityOption, ...]:
    """Every solution listed, replacement vehicles first in the order of preference (R3.3, R3.4),
    with what it costs this customer (R3.2, R3.5); one option a kind (its first solution); online,
    one not bookable online is listed as not offered. Caps depend on the day: the combined offer
    honours them (mobility.offers). Kinds the dealership does not plan are listed plain."""
    solutions = list(MobilitySolution.objects.for_dealership(dealership).order_by("position", "id"))
    if not solutions:
        return mobility_hooks.MobilityLayer().options(
            dealership=dealership, vehicle=vehicle, job_minutes=job_minutes, online=online, now=now
        )
    today = now.astimezone(dealership.tz).date()
    coverage = vehicle_coverage_on(vehicle=vehicle, today=today) if vehicle is not None else NO_COVERAGE
    first_of_kind: dict[str, MobilitySolution] = {}
    for solution in solutions:
        if solution.active or solution.kind not in first_of_kind:
            first_of_kind.setdefault(solution.kind, solution)
    replacement = availability.REPLACEMENT_ORDER
    chosen = sorted(
        first_of_kind.values(),
        key=lambda s: (
            replacement.index(s.kind) if s.kind in replacement else len(replacement),
            s.position,
            s.id,
        ),
    )
    options = []
    for solution in chosen:
        answer = entitlements.entitlement(solution_terms(solution), coverage, job_minutes=job_minutes)
        offered = answer.offered and (not online or solution.online_bookable)
        terms = entitlements.entitlement_text(answer)
        if answer.offered and not offered:  # online only: bookable by phone only
            terms = _("Not bookable online at the moment: please call us")
        options.append(
            MobilityOption(
                value=solution.kind,
                label=str(solution),
                terms=terms,
                free=answer.is_free and answer.basis is not entitlements.Basis.NO_CHARGE,
                offered=offered,
            )
        )
    planned = set(first_of_kind)
    options.extend(
        MobilityOption(value=kind.value, label=str(kind.label))
        for kind in MobilityKind
        if kind not in planned
        and kind.value not in availability.REPLACEMENT_ORDER
        and kind != MobilityKind.PICKUP_DELIVERY
    )
    return tuple(options)


class MobilityLayer(mobility_hooks.MobilityLayer):
    def options(
        self,
        *,
        dealership: Dealership,
        vehicle: Vehicle | None,
        job_minutes: int | None,
        online: bool,
        now: datetime,
    ) -> tuple[MobilityOption, ...]:
        return mobility_options(
            dealership=dealership, vehicle=vehicle, job_minutes=job_minutes, online=online, now=now
        )

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
        if not mobility_kind or mobility_kind == mobility_hooks.NO_MOBILITY:
            return super().offer(
                dealership=dealership,
                request=request,
                mobility_kind=mobility_kind,
                now=now,
                from_time=from_time,
                settings=settings,
                moving=moving,
            )
        return offers.mobility_offer(
            dealership=dealership,
            request=request,
            mobility_kind=mobility_kind,
            now=now,
            from_time=from_time,
            settings=settings,
            moving=moving,
            excluding_reservation=(
                None
                if moving is None
                else live_reservation_id(dealership=dealership, appointment_id=moving.id)
            ),
        )


def live_reservation_id(*, dealership: Dealership, appointment_id: int) -> int | None:
    """The appointment's live reservation, if it has one (one query): moving the appointment
    moves it (mobility.receivers.appointment_rescheduled), so the times it would take once
    moved are not taken by it (R3.7, R3.8)."""
    return (
        Reservation.objects.for_dealership(dealership)
        .filter(appointment_id=appointment_id, status__in=ACTIVE_STATUSES)
        .values_list("id", flat=True)
        .first()
    )
