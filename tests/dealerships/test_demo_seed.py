import itertools
from io import StringIO

from django.core.management import call_command
from django.db.models import Count

from bookings.models import Appointment, AppointmentStatus
from customers.identifiers import validate_vin
from customers.models import Campaign, Customer, Programme, Vehicle
from dealerships.models import Closure, Dealership, GroupMembership, Membership, Role
from workshop.models import Advisor, Job, Technician


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

    for dealership in Dealership.objects.all():  # a workshop and a month of appointments
        advisors = {a.id: a for a in Advisor.objects.filter(dealership=dealership)}
        assert len(advisors) == 3
        assert Technician.objects.filter(dealership=dealership).count() == 5
        assert Job.objects.filter(dealership=dealership).exists()
        assert Closure.objects.filter(dealership=dealership, source=Closure.Source.PUBLIC_HOLIDAY).exists()
        live = Appointment.objects.filter(dealership=dealership).exclude(status=AppointmentStatus.CANCELLED)
        assert live.exists()
        per_day = live.values("advisor_id", "local_day").annotate(n=Count("id"))
        assert all(row["n"] <= advisors[row["advisor_id"]].max_customers_per_day for row in per_day)
        receptions = sorted(live.values_list("advisor_id", "drop_off_at", "reception_ends_at"))
        assert all(a[0] != b[0] or a[2] <= b[1] for a, b in itertools.pairwise(receptions)), (
            "two demo receptions of one advisor overlap"
        )

    again = StringIO()
    call_command("demo_seed", "--if-empty", stdout=again)
    assert "already loaded" in again.getvalue()
    assert "milano.operator" in again.getvalue()  # the logins are printed every time
    assert Dealership.objects.count() == 5


def test_every_demo_customer_file_passes_the_models_validation(db):
    """Django's EmailValidator refuses non-ASCII local parts: a demo e-mail made from a Cyrillic
    or Chinese name would make every later save of that customer fail."""
    call_command("demo_seed", "--customers", "12", stdout=StringIO())
    for dealership in Dealership.objects.all():  # Moskva and Shanghai included
        assert Customer.objects.filter(dealership=dealership).exclude(email="").exists(), dealership.slug
    for model in (Customer, Vehicle, Programme, Campaign):
        for row in model.objects.all():
            row.full_clean()
