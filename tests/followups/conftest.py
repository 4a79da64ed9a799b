"""Shared set-up of the follow-up tests: dealerships in two time zones, customers who prefer the
phone or SMS, vehicles with hand-made mileage histories, operators."""

from datetime import UTC, date, datetime, timedelta

import pytest

from customers.models import ContactMethod, MileageReading
from dealerships.models import Role
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.dealerships import DealershipFactory, MembershipFactory, UserFactory

# 11:00 in Rome, 05:00 in New York: the morning in both.
NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.fixture
def new_york(db):
    return DealershipFactory(
        slug="new-york",
        name="Downtown Motors",
        city="New York",
        country="US",
        phone_region="US",
        time_zone="America/New_York",
        language="en",
    )


@pytest.fixture
def make_customer():
    def make(dealership, *, preferred=ContactMethod.PHONE, **fields):
        defaults = {
            "mobile_phone": "+393471234567" if dealership.phone_region == "IT" else "+12125550123",
            "email": "client@example.com",
            "language": dealership.language,
        }
        return CustomerFactory(dealership=dealership, preferred_contact=preferred, **(defaults | fields))

    return make


@pytest.fixture
def make_vehicle(make_customer):
    """make_vehicle(dealership, sold=date, readings=[(date, km, source)], preferred=...)."""

    def make(
        dealership,
        *,
        sold: date | None = None,
        readings=(),
        customer=None,
        preferred=ContactMethod.PHONE,
        **fields,
    ):
        owner = customer or make_customer(dealership, preferred=preferred)
        vehicle = VehicleFactory(customer=owner, dealership=dealership, sale_date=sold, **fields)
        for reading in readings:
            day, km, *source = reading
            MileageReading.objects.create(
                dealership=dealership,
                vehicle=vehicle,
                read_on=day,
                mileage_km=km,
                source=source[0] if source else MileageReading.Source.STAFF,
            )
        return vehicle

    return make


@pytest.fixture
def operators(milano):
    def make(count: int, dealership=None):
        dealership = dealership or milano
        users = [UserFactory(username=f"operator{n}") for n in range(count)]
        for user in users:
            MembershipFactory(user=user, dealership=dealership, role=Role.RESERVATION_OPERATOR)
        return users

    return make


TODAY = NOW.date()


def days_ago(days: int) -> date:
    return TODAY - timedelta(days=days)
