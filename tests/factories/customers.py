import datetime

import factory

from customers.identifiers import normalize_name, normalize_plate
from customers.models import Campaign, Customer, Programme, Vehicle
from tests.factories.dealerships import DealershipFactory


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer

    dealership = factory.SubFactory(DealershipFactory)
    given_name = "Mario"
    family_name = factory.Sequence(lambda n: f"Cliente{n}")
    family_name_search = factory.LazyAttribute(lambda o: normalize_name(o.family_name))


class VehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vehicle

    dealership = factory.LazyAttribute(lambda o: o.customer.dealership)
    customer = factory.SubFactory(CustomerFactory)
    vin = factory.Sequence(lambda n: f"ZFA31200000{n:06d}")
    vin_reversed = factory.LazyAttribute(lambda o: o.vin[::-1])
    plate = factory.Sequence(lambda n: f"GA {n:03d} XY")
    plate_search = factory.LazyAttribute(lambda o: normalize_plate(o.plate))
    make = "Fiat"
    model = "500"
    model_year = 2021


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    vehicle = factory.SubFactory(VehicleFactory)
    dealership = factory.LazyAttribute(lambda o: o.vehicle.dealership)
    kind = Programme.Kind.COURTESY_CAR
    name = "Courtesy"


class CampaignFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Campaign

    dealership = factory.SubFactory(DealershipFactory)
    code = factory.Sequence(lambda n: f"CMP-{n:04d}")
    title = "Brake hose inspection"
    labour_minutes = 30
    starts_on = datetime.date(2026, 1, 1)
