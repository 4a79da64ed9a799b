"""R2.4 open campaigns by VIN list and by model range; R3.2 warranty and programme coverage."""

from datetime import date
from decimal import Decimal

import pytest

from customers import services
from customers.coverage import ProgrammeTerms, vehicle_coverage
from customers.models import CampaignCompletion
from customers.selectors import open_campaigns
from tests.factories.customers import CampaignFactory, CustomerFactory, VehicleFactory

TODAY = date(2026, 11, 23)


@pytest.fixture
def panda(milano):
    return VehicleFactory(
        customer=CustomerFactory(dealership=milano),
        vin="ZFA31200000777777",
        make="Fiat",
        model="Panda",
        model_year=2019,
    )


def _codes(vehicle, dealership):
    return [c.code for c in open_campaigns(dealership=dealership, vehicle=vehicle, today=TODAY)]


def test_r2_4_campaign_by_explicit_vin_list(milano, panda):
    listed = CampaignFactory(dealership=milano, code="VIN-LIST", starts_on=date(2026, 1, 1))
    services.campaign_vins_add(
        dealership=milano, campaign=listed, vins=["ZFA31200000777777", "ZFA31200000888888"]
    )
    CampaignFactory(dealership=milano, code="OTHER-LIST", starts_on=date(2026, 1, 1))
    assert _codes(panda, milano) == ["VIN-LIST"]


@pytest.mark.parametrize(
    ("make", "model", "year_from", "year_to", "applies"),
    [
        ("Fiat", "Panda", 2018, 2020, True),
        ("FIAT", "", None, None, True),  # every Fiat
        ("Fiat", "panda", 2019, 2019, True),
        ("Fiat", "Panda", 2020, 2022, False),  # too new
        ("Fiat", "Panda", None, 2018, False),  # too old
        ("Fiat", "500", None, None, False),
        ("Lancia", "", None, None, False),
    ],
)
def test_r2_4_campaign_by_make_model_and_year_range(milano, panda, make, model, year_from, year_to, applies):
    CampaignFactory(
        dealership=milano,
        code="RANGE",
        make=make,
        model=model,
        model_year_from=year_from,
        model_year_to=year_to,
        starts_on=date(2026, 1, 1),
    )
    assert _codes(panda, milano) == (["RANGE"] if applies else [])


def test_r2_4_done_expired_and_future_campaigns_are_not_open(milano, panda):
    done = CampaignFactory(dealership=milano, code="DONE", make="Fiat", starts_on=date(2026, 1, 1))
    CampaignCompletion.objects.create(
        dealership=milano, campaign=done, vehicle=panda, done_on=date(2026, 5, 1)
    )
    CampaignFactory(
        dealership=milano, code="EXPIRED", make="Fiat", starts_on=date(2025, 1, 1), ends_on=date(2026, 1, 1)
    )
    CampaignFactory(dealership=milano, code="FUTURE", make="Fiat", starts_on=date(2027, 1, 1))
    CampaignFactory(dealership=milano, code="RECALL", make="Fiat", starts_on=date(2026, 6, 1), is_recall=True)
    CampaignFactory(dealership=milano, code="SERVICE", make="Fiat", starts_on=date(2026, 2, 1))
    assert _codes(panda, milano) == ["RECALL", "SERVICE"]  # recalls first


def test_r2_4_open_campaigns_is_one_query(milano, panda, django_assert_num_queries):
    for n in range(5):
        CampaignFactory(dealership=milano, make="Fiat", starts_on=date(2026, 1, 1), code=f"C{n}")
    with django_assert_num_queries(1):
        assert len(_codes(panda, milano)) == 5


def test_r1_2_campaigns_of_another_dealership_do_not_apply(milano, sevilla, panda):
    CampaignFactory(dealership=sevilla, code="SEVILLA", make="Fiat", starts_on=date(2026, 1, 1))
    assert _codes(panda, milano) == []


def _programme(**overrides) -> ProgrammeTerms:
    values = dict(
        name="Courtesy",
        kind="courtesy_car",
        valid_from=date(2026, 1, 1),
        valid_until=date(2027, 1, 1),
        mileage_limit_km=None,
        courtesy_car=True,
        pickup_delivery=False,
        taxi=False,
        rental_car=False,
        benefit_value=Decimal("45.00"),
        benefit_currency="EUR",
    )
    return ProgrammeTerms(**{**values, **overrides})


@pytest.mark.parametrize(
    ("end", "limit", "mileage", "covered"),
    [
        (date(2027, 3, 1), 100_000, 60_000, True),
        (date(2026, 11, 23), None, None, True),  # the last day still counts
        (date(2026, 11, 22), None, 10, False),  # expired yesterday
        (date(2027, 3, 1), 100_000, 100_001, False),  # over the mileage limit
    ],
)
def test_r3_2_factory_warranty_by_dates_and_mileage(end, limit, mileage, covered):
    coverage = vehicle_coverage(
        warranty_start=date(2024, 3, 1),
        warranty_end=end,
        warranty_mileage_limit_km=limit,
        mileage_km=mileage,
        programmes=[],
        today=TODAY,
    )
    assert coverage.in_factory_warranty is covered


def test_r3_2_active_programmes_grant_free_mobility_and_extended_warranty():
    coverage = vehicle_coverage(
        warranty_start=date(2020, 1, 1),
        warranty_end=date(2023, 1, 1),
        warranty_mileage_limit_km=None,
        mileage_km=80_000,
        today=TODAY,
        programmes=[
            _programme(),
            _programme(
                name="Pick-up",
                kind="pickup_delivery",
                courtesy_car=False,
                pickup_delivery=True,
                valid_until=date(2026, 1, 1),
            ),  # expired
            _programme(
                name="Extension", kind="extended_warranty", courtesy_car=False, mileage_limit_km=150_000
            ),
        ],
    )
    assert coverage.in_factory_warranty is False
    assert coverage.in_warranty is True  # through the extended warranty
    assert [p.name for p in coverage.active_programmes] == ["Courtesy", "Extension"]
    assert coverage.free_mobility == {"courtesy_car"}
