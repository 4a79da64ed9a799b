import datetime

import factory

from mobility.models import (
    FleetOutOfService,
    FleetVehicle,
    MobilitySolution,
    Reservation,
    ReservationStatus,
    SolutionCap,
    SolutionKind,
)
from tests.factories.customers import CustomerFactory
from tests.factories.dealerships import DealershipFactory


class MobilitySolutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MobilitySolution

    dealership = factory.SubFactory(DealershipFactory)
    kind = SolutionKind.BRAND_COURTESY_CAR
    name = factory.Sequence(lambda n: f"Solution {n}")


class SolutionCapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SolutionCap

    solution = factory.SubFactory(MobilitySolutionFactory)
    dealership = factory.SelfAttribute("solution.dealership")


class FleetVehicleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FleetVehicle

    solution = factory.SubFactory(MobilitySolutionFactory)
    dealership = factory.SelfAttribute("solution.dealership")
    plate = factory.Sequence(lambda n: f"FL{n:03d}MI")
    vin = factory.Sequence(lambda n: f"ZAMGJ45B000{n:06d}")
    brand = "Maserati"
    model = "Grecale"
    in_fleet_since = datetime.date(2026, 1, 1)


class FleetOutOfServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FleetOutOfService

    vehicle = factory.SubFactory(FleetVehicleFactory)
    dealership = factory.SelfAttribute("vehicle.dealership")


class ReservationFactory(factory.django.DjangoModelFactory):
    """A reservation written as it is, without the service's checks: set-up for tests."""

    class Meta:
        model = Reservation

    solution = factory.SubFactory(MobilitySolutionFactory)
    dealership = factory.SelfAttribute("solution.dealership")
    customer = factory.SubFactory(CustomerFactory, dealership=factory.SelfAttribute("..dealership"))
    local_day = factory.LazyAttribute(lambda o: o.departure_at.astimezone(o.dealership.tz).date())
    afternoon = factory.LazyAttribute(lambda o: o.departure_at.astimezone(o.dealership.tz).hour >= 12)

    class Params:
        # Handed over at its departure, documents checked, with the car's mileage and 80% fuel.
        out = factory.Trait(
            status=ReservationStatus.OUT,
            out_at=factory.SelfAttribute("departure_at"),
            out_mileage_km=factory.LazyAttribute(
                lambda o: o.fleet_vehicle.mileage_km if o.fleet_vehicle else None
            ),
            out_fuel_percent=80,
            licence_checked=True,
            registration_checked=True,
        )
