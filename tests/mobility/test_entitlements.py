"""The entitlement table (R3.2, R3.5): warranty yes/no x each programme x the dealership's
policy, for each solution: free (and what it is worth), at a cost, or not offered, and why.
No database: the pure module over frozen dataclasses."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from customers.coverage import ProgrammeTerms, vehicle_coverage
from mobility.entitlements import (
    Basis,
    Offering,
    SolutionTerms,
    entitlement,
    entitlement_text,
    entitlements_for,
)

TODAY = date(2026, 11, 23)

COURTESY = SolutionTerms(
    solution_id=1,
    kind="brand_courtesy_car",
    label="Courtesy car",
    free_under_warranty=True,
    daily_cost=Decimal("45"),
    currency="EUR",
    daily_value=Decimal("45"),
)
OTHER_BRAND = SolutionTerms(
    solution_id=2,
    kind="other_brand_courtesy_car",
    label="Other brand",
    daily_cost=Decimal("35"),
    currency="EUR",
)
RENTAL = SolutionTerms(
    solution_id=3,
    kind="rental",
    label="Rental",
    daily_cost=Decimal("60"),
    currency="EUR",
    daily_value=Decimal("60"),
)
PICKUP = SolutionTerms(
    solution_id=4, kind="pickup_delivery", label="Pick-up", daily_cost=Decimal("25"), currency="EUR"
)
TAXI = SolutionTerms(solution_id=5, kind="taxi", label="Taxi", daily_cost=Decimal("20"), currency="EUR")
WAITING = SolutionTerms(solution_id=6, kind="waiting", label="Lounge")
PUBLIC = SolutionTerms(solution_id=7, kind="public_transport", label="Bus")
ALL = (COURTESY, OTHER_BRAND, RENTAL, PICKUP, TAXI, WAITING, PUBLIC)


def programme(kind: str, **grants: bool) -> ProgrammeTerms:
    return ProgrammeTerms(
        name=f"Programme {kind}",
        kind=kind,
        valid_from=date(2026, 1, 1),
        valid_until=date(2027, 12, 31),
        mileage_limit_km=None,
        courtesy_car=grants.get("courtesy_car", False),
        pickup_delivery=grants.get("pickup_delivery", False),
        taxi=grants.get("taxi", False),
        rental_car=grants.get("rental_car", False),
        benefit_value=Decimal("50") if grants else None,
        benefit_currency="EUR" if grants else "",
    )


PROGRAMMES = {
    "none": (),
    "extended_warranty": (programme("extended_warranty"),),
    "courtesy_car": (programme("courtesy_car", courtesy_car=True),),
    "pickup_delivery": (programme("pickup_delivery", pickup_delivery=True),),
    "service_plan_taxi_rental": (programme("service_plan", taxi=True, rental_car=True),),
}


def coverage(*, warranty: bool, programmes: str):
    return vehicle_coverage(
        warranty_start=date(2025, 1, 1) if warranty else date(2020, 1, 1),
        warranty_end=date(2028, 1, 1) if warranty else date(2023, 1, 1),
        warranty_mileage_limit_km=None,
        mileage_km=20_000,
        programmes=PROGRAMMES[programmes],
        today=TODAY,
    )


# (warranty, programmes) -> {solution label: (offering, basis, amount or value)}
TABLE = {
    (False, "none"): {
        "Courtesy car": (Offering.PAID, Basis.DAILY_PRICE, Decimal("45")),
        "Other brand": (Offering.PAID, Basis.DAILY_PRICE, Decimal("35")),
        "Rental": (Offering.PAID, Basis.DAILY_PRICE, Decimal("60")),
        "Pick-up": (Offering.PAID, Basis.DAILY_PRICE, Decimal("25")),
        "Taxi": (Offering.PAID, Basis.DAILY_PRICE, Decimal("20")),
    },
    (True, "none"): {
        "Courtesy car": (Offering.FREE, Basis.WARRANTY, Decimal("45")),  # the dealership's policy
        "Other brand": (Offering.PAID, Basis.DAILY_PRICE, Decimal("35")),  # not free under warranty
        "Rental": (Offering.PAID, Basis.DAILY_PRICE, Decimal("60")),
    },
    (False, "extended_warranty"): {
        "Courtesy car": (Offering.FREE, Basis.WARRANTY, Decimal("45")),  # extended warranty counts
        "Pick-up": (Offering.PAID, Basis.DAILY_PRICE, Decimal("25")),
    },
    (False, "courtesy_car"): {
        "Courtesy car": (Offering.FREE, Basis.PROGRAMME, Decimal("50")),  # the programme's own value
        "Other brand": (Offering.FREE, Basis.PROGRAMME, Decimal("50")),
        "Rental": (Offering.PAID, Basis.DAILY_PRICE, Decimal("60")),
        "Taxi": (Offering.PAID, Basis.DAILY_PRICE, Decimal("20")),
    },
    (True, "courtesy_car"): {
        "Courtesy car": (Offering.FREE, Basis.PROGRAMME, Decimal("50")),  # the programme first
        "Other brand": (Offering.FREE, Basis.PROGRAMME, Decimal("50")),
    },
    (False, "pickup_delivery"): {
        "Pick-up": (Offering.FREE, Basis.PROGRAMME, Decimal("50")),
        "Courtesy car": (Offering.PAID, Basis.DAILY_PRICE, Decimal("45")),
    },
    (True, "pickup_delivery"): {
        "Pick-up": (Offering.FREE, Basis.PROGRAMME, Decimal("50")),
        "Courtesy car": (Offering.FREE, Basis.WARRANTY, Decimal("45")),
    },
    (False, "service_plan_taxi_rental"): {
        "Taxi": (Offering.FREE, Basis.PROGRAMME, Decimal("50")),
        "Rental": (Offering.FREE, Basis.PROGRAMME, Decimal("50")),
        "Courtesy car": (Offering.PAID, Basis.DAILY_PRICE, Decimal("45")),
    },
}


@pytest.mark.parametrize(("warranty", "programmes"), list(TABLE))
def test_r3_2_entitlement_table_warranty_by_programme_by_policy(warranty, programmes):
    answers = {
        e.label: e
        for e in entitlements_for(ALL, coverage(warranty=warranty, programmes=programmes), job_minutes=240)
    }
    assert len(answers) == len(ALL)  # R3.3: every solution answered, whatever the coverage
    for label, (offering, basis, money) in TABLE[(warranty, programmes)].items():
        got = answers[label]
        assert (got.offering, got.basis) == (offering, basis), label
        assert (got.value if offering is Offering.FREE else got.amount) == money, label
    # Waiting and public transport cost nobody anything, with or without warranty.
    assert answers["Lounge"].basis is Basis.NO_CHARGE
    assert answers["Bus"].basis is Basis.NO_CHARGE


@pytest.mark.parametrize("warranty", [False, True])
@pytest.mark.parametrize("programmes", list(PROGRAMMES))
def test_r3_5_rental_where_local_policy_forbids_it_is_never_offered(warranty, programmes):
    forbidden = SolutionTerms(**{**_fields(RENTAL), "rental_allowed": False})
    answer = entitlement(forbidden, coverage(warranty=warranty, programmes=programmes), job_minutes=240)
    assert answer.offering is Offering.NOT_OFFERED
    assert answer.basis is Basis.POLICY_FORBIDS


@pytest.mark.parametrize("programmes", list(PROGRAMMES))
def test_r3_5_a_job_shorter_than_the_minimum_gets_no_courtesy_car(programmes):
    short = SolutionTerms(**{**_fields(COURTESY), "min_job_minutes": 120})
    cover = coverage(warranty=True, programmes=programmes)
    assert entitlement(short, cover, job_minutes=60).basis is Basis.JOB_TOO_SHORT
    assert entitlement(short, cover, job_minutes=120).offered


def test_r3_5_an_inactive_solution_is_listed_as_not_offered():
    inactive = SolutionTerms(**{**_fields(TAXI), "active": False})
    answer = entitlement(inactive, coverage(warranty=True, programmes="none"), job_minutes=60)
    assert answer.offering is Offering.NOT_OFFERED
    assert answer.basis is Basis.INACTIVE


def test_r3_2_the_benefit_and_its_value_are_told_in_the_customers_language():
    answers = entitlements_for((COURTESY, TAXI), coverage(warranty=True, programmes="none"), job_minutes=240)
    with translation.override("en"):
        assert entitlement_text(answers[0]) == "Free under your warranty, worth 45 EUR a day"
        assert entitlement_text(answers[1]) == "20 EUR a day"
    programme_answer = entitlement(
        COURTESY, coverage(warranty=False, programmes="courtesy_car"), job_minutes=240
    )
    with translation.override("en"):
        assert entitlement_text(programme_answer) == (
            "Free under your programme “Programme courtesy_car”, worth 50 EUR a day"
        )


def _fields(terms: SolutionTerms) -> dict:
    return {name: getattr(terms, name) for name in SolutionTerms.__dataclass_fields__}
