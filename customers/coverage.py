"""Warranty and programme coverage of a vehicle on a day (R3.2). Pure: data in, answer out."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal


@dataclass(frozen=True, kw_only=True, slots=True)
class ProgrammeTerms:
    name: str
    kind: str
    valid_from: date
    valid_until: date
    mileage_limit_km: int | None
    courtesy_car: bool
    pickup_delivery: bool
    taxi: bool
    rental_car: bool
    benefit_value: Decimal | None
    benefit_currency: str
    programme_id: int | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Coverage:
    in_factory_warranty: bool
    active_programmes: tuple[ProgrammeTerms, ...]
    # Mobility the customer is entitled to free of charge: courtesy_car, pickup_delivery, taxi, rental_car.
    free_mobility: frozenset[str]

    @property
    def in_warranty(self) -> bool:
        return self.in_factory_warranty or any(p.kind == "extended_warranty" for p in self.active_programmes)


def _within(
    start: date | None, end: date | None, limit_km: int | None, *, today: date, mileage: int | None
) -> bool:
    if start is None or end is None or not start <= today <= end:
        return False
    return limit_km is None or mileage is None or mileage <= limit_km


def vehicle_coverage(
    *,
    warranty_start: date | None,
    warranty_end: date | None,
    warranty_mileage_limit_km: int | None,
    mileage_km: int | None,
    programmes: Sequence[ProgrammeTerms],
    today: date,
) -> Coverage:
    """Coverage on `today`: warranty by dates and mileage, programmes still valid (R3.2)."""
    active = tuple(
        p
        for p in programmes
        if _within(p.valid_from, p.valid_until, p.mileage_limit_km, today=today, mileage=mileage_km)
    )
    mobility = {
        kind
        for p in active
        for kind, granted in (
            ("courtesy_car", p.courtesy_car),
            ("pickup_delivery", p.pickup_delivery),
            ("taxi", p.taxi),
            ("rental_car", p.rental_car),
        )
        if granted
    }
    return Coverage(
        in_factory_warranty=_within(
            warranty_start, warranty_end, warranty_mileage_limit_km, today=today, mileage=mileage_km
        ),
        active_programmes=active,
        free_mobility=frozenset(mobility),
    )
