"""What each mobility solution costs this customer (R3.2, R3.5): free under the warranty or a
programme (and what the benefit is worth), at the dealership's daily price, or not offered, and
why. Pure: the vehicle's coverage and the dealership's policy in, one answer per solution out."""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import partial

from django.utils.formats import number_format
from django.utils.translation import gettext as _

from customers.coverage import Coverage

BRAND_COURTESY_CAR = "brand_courtesy_car"
OTHER_BRAND_COURTESY_CAR = "other_brand_courtesy_car"
RENTAL = "rental"
PICKUP_DELIVERY = "pickup_delivery"
TAXI = "taxi"

# Which programme benefit (customers.coverage.Coverage.free_mobility) makes which solution free.
PROGRAMME_BENEFIT = {
    BRAND_COURTESY_CAR: "courtesy_car",
    OTHER_BRAND_COURTESY_CAR: "courtesy_car",
    RENTAL: "rental_car",
    PICKUP_DELIVERY: "pickup_delivery",
    TAXI: "taxi",
}


class Offering(StrEnum):
    FREE = "free"
    PAID = "paid"
    NOT_OFFERED = "not_offered"


class Basis(StrEnum):
    """Why the answer is what it is; each has its sentence (entitlement_text)."""

    PROGRAMME = "programme"  # free under an active programme
    WARRANTY = "warranty"  # free under warranty, by the dealership's policy
    NO_CHARGE = "no_charge"  # the dealership charges nobody for it
    DAILY_PRICE = "daily_price"  # the customer pays the daily price
    INACTIVE = "inactive"  # the dealership does not offer it now
    POLICY_FORBIDS = "policy_forbids"  # local policy forbids rental cars for service customers
    JOB_TOO_SHORT = "job_too_short"  # the work is shorter than the solution's minimum


@dataclass(frozen=True, kw_only=True, slots=True)
class SolutionTerms:
    """The dealership's policy for one solution (mobility.models.MobilitySolution)."""

    solution_id: int
    kind: str
    label: str
    active: bool = True
    free_under_warranty: bool = False
    rental_allowed: bool = True
    min_job_minutes: int | None = None
    daily_cost: Decimal | None = None
    currency: str = ""
    daily_value: Decimal | None = None


@dataclass(frozen=True, kw_only=True, slots=True)
class Entitlement:
    solution_id: int
    kind: str
    label: str
    offering: Offering
    basis: Basis
    amount: Decimal | None = None  # PAID: a day
    currency: str = ""
    value: Decimal | None = None  # FREE: what the benefit is worth a day, when known
    programme: str = ""  # PROGRAMME: its name
    min_job_minutes: int | None = None

    @property
    def is_free(self) -> bool:
        return self.offering is Offering.FREE

    @property
    def offered(self) -> bool:
        return self.offering is not Offering.NOT_OFFERED


def entitlement(terms: SolutionTerms, coverage: Coverage, *, job_minutes: int | None) -> Entitlement:
    """The answer for one solution (R3.2, R3.5): not offered (inactive, forbidden by local
    policy, the work too short), free (a programme first, then the warranty by policy, then
    no charge at all), else at the daily price."""
    base = partial(Entitlement, solution_id=terms.solution_id, kind=terms.kind, label=terms.label)
    if not terms.active:
        return base(offering=Offering.NOT_OFFERED, basis=Basis.INACTIVE)
    if terms.kind == RENTAL and not terms.rental_allowed:  # R3.4: where local policy allows it
        return base(offering=Offering.NOT_OFFERED, basis=Basis.POLICY_FORBIDS)
    if terms.min_job_minutes and job_minutes is not None and job_minutes < terms.min_job_minutes:
        return base(
            offering=Offering.NOT_OFFERED,
            basis=Basis.JOB_TOO_SHORT,
            min_job_minutes=terms.min_job_minutes,
        )
    benefit = PROGRAMME_BENEFIT.get(terms.kind)
    if benefit and benefit in coverage.free_mobility:
        programme = next(p for p in coverage.active_programmes if _grants(p, benefit))
        value, currency = (
            (programme.benefit_value, programme.benefit_currency)
            if programme.benefit_value is not None
            else (terms.daily_value, terms.currency)
        )
        return base(
            offering=Offering.FREE,
            basis=Basis.PROGRAMME,
            value=value,
            currency=currency if value is not None else "",
            programme=programme.name,
        )
    if terms.free_under_warranty and coverage.in_warranty:
        return base(
            offering=Offering.FREE,
            basis=Basis.WARRANTY,
            value=terms.daily_value,
            currency=terms.currency if terms.daily_value is not None else "",
        )
    if not terms.daily_cost:
        return base(offering=Offering.FREE, basis=Basis.NO_CHARGE)
    return base(
        offering=Offering.PAID,
        basis=Basis.DAILY_PRICE,
        amount=terms.daily_cost,
        currency=terms.currency,
    )


def _grants(programme: object, benefit: str) -> bool:
    return bool(getattr(programme, benefit, False))


def entitlements_for(
    solutions: Sequence[SolutionTerms], coverage: Coverage, *, job_minutes: int | None
) -> tuple[Entitlement, ...]:
    """One answer per solution, every solution listed (R3.3), in the order given."""
    return tuple(entitlement(terms, coverage, job_minutes=job_minutes) for terms in solutions)


def _money(amount: Decimal, currency: str) -> str:
    return f"{number_format(amount, decimal_pos=2 if amount % 1 else 0)} {currency}".strip()


def entitlement_text(item: Entitlement) -> str:
    """The sentence the operator reads out, or the customer reads, in the active language."""
    worth = (
        _(", worth %(amount)s a day") % {"amount": _money(item.value, item.currency)}
        if item.value is not None
        else ""
    )
    if item.basis is Basis.PROGRAMME:
        return _("Free under your programme “%(programme)s”") % {"programme": item.programme} + worth
    if item.basis is Basis.WARRANTY:
        return _("Free under your warranty") + worth
    if item.basis is Basis.NO_CHARGE:
        return _("Free of charge")
    if item.basis is Basis.DAILY_PRICE and item.amount is not None:
        return _("%(amount)s a day") % {"amount": _money(item.amount, item.currency)}
    if item.basis is Basis.POLICY_FORBIDS:
        return _("Not offered: local policy does not allow rental cars")
    if item.basis is Basis.JOB_TOO_SHORT:
        return _("Not offered for work shorter than %(minutes)s minutes") % {"minutes": item.min_job_minutes}
    return _("Not offered at the moment")
