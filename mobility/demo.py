"""Demo mobility for each demo dealership: every kind of solution (R3.3) with a small fleet
(courtesy cars of the dealership's brand, one of another brand, a rental partner), one car in
its own maintenance, and reservations on the demo appointments that make the planning board
true: returned ones with their hand-over, cars out with customers (one overdue), reserved ones
ahead."""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction

from bookings.models import Appointment, AppointmentStatus
from customers.identifiers import vin_check_digit
from dealerships.models import Dealership
from mobility.errors import MobilityUnavailable
from mobility.models import (
    FleetOutOfService,
    FleetVehicle,
    MobilitySolution,
    PickupMode,
    Reservation,
    ReservationStatus,
    SolutionCap,
    SolutionKind,
)
from mobility.services.reservations import reservation_book

CURRENCY = {"RU": "RUB", "CN": "CNY", "US": "USD", "MX": "MXN"}
# A day's price of a rental and what a free courtesy car is worth, in the dealership's currency.
PRICES = {"EUR": (Decimal("45"), Decimal("60")), "RUB": (Decimal("4500"), Decimal("6000"))}
DEFAULT_PRICES = (Decimal("350"), Decimal("450"))
MODELS = {
    "Maserati": ("Grecale", "Ghibli", "Levante"),
    "Fiat": ("Panda", "Tipo", "500"),
    "Citroën": ("C3", "C5 Aircross", "C4"),
    "Peugeot": ("208", "2008", "308"),
}
OTHER_BRAND = ("Fiat", "Tipo")
DAYS_BEFORE, DAYS_AFTER = 7, 12
BRAND_CARS = 3


def _vin(dealership: Dealership, n: int) -> str:
    """17 characters without I, O or Q, with the check digit the markets that use one ask for."""
    prefix = "".join(c for c in dealership.slug.upper() if c not in "IOQ")[:3].ljust(3, "X")
    vin = f"{prefix}FLEET0DM{n:06d}"
    return vin[:8] + vin_check_digit(vin) + vin[9:]


def _plate(dealership: Dealership, n: int) -> str:
    return f"{dealership.slug[:2].upper()}{n:03d}MB"


@transaction.atomic
def demo_mobility_create(*, dealership: Dealership, now: datetime) -> None:
    """Create the dealership's demo solutions, fleet and reservations, unless it has solutions."""
    if MobilitySolution.objects.for_dealership(dealership).exists():
        return
    rng = random.Random(f"mobility-{dealership.slug}")
    currency = CURRENCY.get(dealership.country, "EUR")
    rental_price, courtesy_value = PRICES.get(currency, DEFAULT_PRICES)
    brand = next(iter(dealership.brands.all()), None)
    brand_name = brand.name if brand else "Maserati"

    def solution(kind: str, position: int, **fields: object) -> MobilitySolution:
        return MobilitySolution.objects.create(dealership=dealership, kind=kind, position=position, **fields)

    courtesy = solution(
        SolutionKind.BRAND_COURTESY_CAR,
        1,
        free_under_warranty=True,
        daily_cost=rental_price,
        daily_value=courtesy_value,
        currency=currency,
        min_job_minutes=120,
    )
    other = solution(
        SolutionKind.OTHER_BRAND_COURTESY_CAR,
        2,
        free_under_warranty=True,
        daily_cost=rental_price,
        daily_value=courtesy_value,
        currency=currency,
    )
    rental = solution(SolutionKind.RENTAL, 3, daily_cost=rental_price, currency=currency)
    solution(SolutionKind.PICKUP_DELIVERY, 4, pickup_mode=PickupMode.BOTH, drivers_per_half_day=2)
    solution(SolutionKind.WAITING, 5, lounge_places=6, online_bookable=True)
    solution(SolutionKind.TAXI, 6)
    solution(SolutionKind.PUBLIC_TRANSPORT, 7)
    SolutionCap.objects.create(dealership=dealership, solution=courtesy, weekday=5, max_per_day=1)

    today = now.astimezone(dealership.tz).date()
    cars: list[FleetVehicle] = []
    models = MODELS.get(brand_name, ("Model A", "Model B", "Model C"))
    other_brand = OTHER_BRAND if brand_name != OTHER_BRAND[0] else ("Citroën", "C3")
    specs = [(courtesy, brand_name, models[n % len(models)]) for n in range(BRAND_CARS)]
    specs += [(other, *other_brand), (rental, "Peugeot" if brand_name != "Peugeot" else "Fiat", "2008")]
    for n, (owner, make, model) in enumerate(specs, start=1):
        cars.append(
            FleetVehicle.objects.create(
                dealership=dealership,
                solution=owner,
                plate=_plate(dealership, n),
                vin=_vin(dealership, n),
                brand=make,
                model=model,
                fuel="petrol",
                mileage_km=rng.randint(3_000, 30_000),
                mileage_limit_km=60_000,
                max_age_months=24,
                in_fleet_since=today - timedelta(days=120 + 30 * n),
            )
        )
    # The last brand courtesy car has its own service in the middle of the board.
    FleetOutOfService.objects.create(
        dealership=dealership,
        vehicle=cars[BRAND_CARS - 1],
        starts_at=_local(dealership, today + timedelta(days=2), time(8)),
        ends_at=_local(dealership, today + timedelta(days=4), time(18)),
        reason="Tagliando / service",
    )
    _reservations(dealership=dealership, courtesy=courtesy, other=other, today=today, now=now, rng=rng)


def _local(dealership: Dealership, day: date, at: time) -> datetime:
    return datetime.combine(day, at, tzinfo=dealership.tz)


def _reservations(
    *,
    dealership: Dealership,
    courtesy: MobilitySolution,
    other: MobilitySolution,
    today: date,
    now: datetime,
    rng: random.Random,
) -> None:
    """Courtesy cars on about one appointment in four, from drop-off to the evening (or the next
    day's), each with the state its dates give it."""
    appointments = list(
        Appointment.objects.for_dealership(dealership)
        .filter(
            local_day__gte=today - timedelta(days=DAYS_BEFORE),
            local_day__lte=today + timedelta(days=DAYS_AFTER),
        )
        .exclude(status__in=[AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW])
        .select_related("customer")
        .order_by("drop_off_at")
    )
    overdue_made = False
    for appointment in appointments:
        if rng.random() > 0.25:
            continue
        evening = _local(dealership, appointment.local_day, time(18, 30))
        back = evening + timedelta(days=1) if rng.random() < 0.4 else evening
        chosen = None
        for solution in (courtesy, other):
            try:
                with transaction.atomic():
                    chosen = reservation_book(
                        dealership=dealership,
                        solution=solution,
                        customer=appointment.customer,
                        appointment=appointment,
                        departure_at=appointment.drop_off_at,
                        return_at=max(back, appointment.promised_return_at + timedelta(minutes=30)),
                        now=now,
                    )
                break
            except MobilityUnavailable:
                continue
        if chosen is None:
            continue
        Appointment.objects.filter(id=appointment.id).update(mobility_kind=chosen.solution.kind)
        # One car kept out past its return of yesterday evening or this morning: from then on the
        # fleet lends it to no one else until it is back.
        overdue = not overdue_made and now - timedelta(days=1) < chosen.return_at < now
        _hand_over(chosen, now=now, rng=rng, keep_out=overdue)
        overdue_made = overdue_made or overdue


def _hand_over(reservation: Reservation, *, now: datetime, rng: random.Random, keep_out: bool) -> None:
    """What the desk would have recorded by now: out when it left, back when it came back."""
    if reservation.departure_at > now:
        return
    mileage = reservation.fleet_vehicle.mileage_km if reservation.fleet_vehicle else 0
    reservation.licence_checked = reservation.registration_checked = True
    reservation.out_at = reservation.departure_at + timedelta(minutes=20)
    reservation.out_mileage_km = mileage
    reservation.out_fuel_percent = rng.choice([75, 90, 100])
    reservation.status = ReservationStatus.OUT
    if reservation.return_at <= now and not keep_out:
        reservation.status = ReservationStatus.RETURNED
        reservation.in_at = reservation.return_at - timedelta(minutes=rng.randint(0, 90))
        reservation.in_mileage_km = mileage + rng.randint(10, 140)
        reservation.in_fuel_percent = min(100, reservation.out_fuel_percent + rng.choice([0, 0, 10]))
        if reservation.fleet_vehicle is not None:
            FleetVehicle.objects.filter(id=reservation.fleet_vehicle.id).update(
                mileage_km=reservation.in_mileage_km
            )
    reservation.save()
