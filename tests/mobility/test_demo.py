import itertools
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from dealerships.models import Dealership
from mobility.models import (
    ACTIVE_STATUSES,
    FleetOutOfService,
    FleetVehicle,
    MobilitySolution,
    Reservation,
    ReservationStatus,
    SolutionKind,
)


def test_each_demo_dealership_gets_a_fleet_and_reservations_on_its_appointments(db):
    call_command("demo_seed", "--customers", "40", stdout=StringIO())
    statuses: set[str] = set()
    for dealership in Dealership.objects.all():
        kinds = set(MobilitySolution.objects.filter(dealership=dealership).values_list("kind", flat=True))
        assert {
            SolutionKind.BRAND_COURTESY_CAR,
            SolutionKind.OTHER_BRAND_COURTESY_CAR,
            SolutionKind.RENTAL,
            SolutionKind.PICKUP_DELIVERY,
            SolutionKind.WAITING,
            SolutionKind.TAXI,
            SolutionKind.PUBLIC_TRANSPORT,
        } <= kinds, dealership.slug
        fleet = FleetVehicle.objects.filter(dealership=dealership)
        brands = {b.name for b in dealership.brands.all()}
        assert fleet.filter(solution__kind=SolutionKind.BRAND_COURTESY_CAR, brand__in=brands).count() >= 2
        assert fleet.filter(solution__kind=SolutionKind.OTHER_BRAND_COURTESY_CAR).exclude(brand__in=brands)
        assert FleetOutOfService.objects.filter(dealership=dealership).exists()

        reservations = list(Reservation.objects.filter(dealership=dealership).select_related("appointment"))
        assert reservations, dealership.slug
        for reservation in reservations:
            assert reservation.appointment.dealership_id == dealership.id
            assert reservation.appointment.mobility_kind == reservation.solution.kind
            assert reservation.customer_id == reservation.appointment.customer_id
            if reservation.status == ReservationStatus.RETURNED:
                assert reservation.in_mileage_km >= reservation.out_mileage_km
                assert reservation.documents_checked
        live = sorted(
            (r.fleet_vehicle_id, r.departure_at, r.return_at)
            for r in reservations
            if r.status in ACTIVE_STATUSES
        )
        assert all(a[0] != b[0] or a[2] <= b[1] for a, b in itertools.pairwise(live)), "a car reserved twice"
        out = [r for r in reservations if r.status == ReservationStatus.OUT]
        assert len({r.fleet_vehicle_id for r in out}) == len(out), "a car out with two customers"
        # A car kept out past its return is lent to no one after it (R3.8).
        for late in (r for r in out if r.return_at < timezone.now()):
            assert not any(
                r.fleet_vehicle_id == late.fleet_vehicle_id and r.departure_at >= late.return_at
                for r in reservations
                if r.status in ACTIVE_STATUSES and r.id != late.id
            ), dealership.slug
        statuses |= {r.status for r in reservations}
    assert {ReservationStatus.RETURNED, ReservationStatus.RESERVED} <= statuses

    call_command("demo_seed", "--if-empty", stdout=StringIO())  # nothing doubled
    assert MobilitySolution.objects.filter(kind=SolutionKind.TAXI).count() == Dealership.objects.count()
