from io import StringIO

from django.core.management import call_command

from customers.identifiers import validate_vin
from customers.models import Customer, Vehicle
from dealerships.models import Dealership, GroupMembership, Membership, Role


def test_demo_seed_creates_tenants_in_several_zones_and_languages_once(db):
    out = StringIO()
    call_command("demo_seed", "--if-empty", "--customers", "12", stdout=out)
    europa = Dealership.objects.filter(group__slug="europa-motors")
    assert europa.count() == 3
    assert len({d.time_zone for d in europa}) == 3
    assert len({d.language for d in europa}) == 3
    for dealership in Dealership.objects.all():
        roles = set(Membership.objects.filter(dealership=dealership).values_list("role", flat=True))
        assert roles == set(Role.values), dealership.slug
    assert GroupMembership.objects.count() == 2
    assert "milano.operator" in out.getvalue()
    for dealership in Dealership.objects.all():
        vehicles = Vehicle.objects.filter(dealership=dealership)
        assert Customer.objects.filter(dealership=dealership).count() == 12
        assert vehicles.count() >= 12
        for vehicle in vehicles:  # every demo VIN is valid in its market (check digit in CN)
            assert validate_vin(vehicle.vin, country=dealership.country) == vehicle.vin
            assert Customer.objects.get(id=vehicle.customer_id).dealership_id == dealership.id

    again = StringIO()
    call_command("demo_seed", "--if-empty", stdout=again)
    assert "already loaded" in again.getvalue()
    assert "milano.operator" in again.getvalue()  # the logins are printed every time
    assert Dealership.objects.count() == 5
