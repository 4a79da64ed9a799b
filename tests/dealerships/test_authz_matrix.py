"""The authorisation matrix (R1.1), walked: every URL pattern (pages, API, admin) for every role.

A staff page answers 403 to a role without the capability its `staff_view` declares and does
not to a role with it; an API view does the same with its `read_capability` for GET and its
`write_capability` for POST. The walk is over the live URL configuration, so a URL added
tomorrow is checked tomorrow; the README's table is the command's output, checked here too.
"""

import re
from datetime import UTC, date, datetime
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.urls import reverse

from bookings.self_service import manage_token
from customers.models import Campaign
from dealerships.access import ALL_CAPABILITIES, GROUP_MANAGER_CAPABILITIES, ROLE_CAPABILITIES, Capability
from dealerships.models import Closure, Dealership, Role
from followups.models import CallTask
from notifications.models import InboundReply, OutboxMessage
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import VehicleFactory
from tests.factories.dealerships import GroupMembershipFactory, MembershipFactory, UserFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from tests.url_walk import Route, routes_to_walk, url_for
from workshop.models import AdvisorAbsence, TechnicianAbsence


def test_the_readme_table_is_the_commands_output():
    out = StringIO()
    call_command("authz_matrix", stdout=out)
    readme = (Path(settings.BASE_DIR) / "README.md").read_text()
    section = re.search(r"^## Who may do what\n(.*?)^## ", readme, re.S | re.M)
    assert section is not None, "the README lost its 'Who may do what' section"
    assert out.getvalue() in section.group(1), "paste `manage.py authz_matrix` into the README"


def test_the_table_marks_exactly_what_each_role_is_granted():
    out = StringIO()
    call_command("authz_matrix", stdout=out)
    rows = {
        line.split("|")[1].strip(" `"): line for line in out.getvalue().splitlines() if line.startswith("| `")
    }
    assert rows.keys() == {c.value for c in Capability}
    for capability in Capability:
        cells = [c.strip() for c in rows[capability.value].split("|")[2:-1]]
        granted = [ROLE_CAPABILITIES[r] for r in Role] + [GROUP_MANAGER_CAPABILITIES, ALL_CAPABILITIES]
        assert cells == ["✓" if capability in g else "" for g in granted], capability


def _mobility_rows(milano: Dealership, appointment: object) -> dict[str, object]:
    """A courtesy car with a reservation on the appointment, for the mobility URLs to name."""
    from tests.factories.mobility import FleetVehicleFactory, ReservationFactory

    car = FleetVehicleFactory(dealership=milano, solution__dealership=milano)
    reservation = ReservationFactory(
        solution=car.solution,
        fleet_vehicle=car,
        customer=appointment.customer,
        appointment=appointment,
        departure_at=appointment.drop_off_at,
        return_at=appointment.promised_return_at,
    )
    return {"fleet_vehicle": car, "reservation": reservation}


@pytest.fixture
def milano_world(milano):
    """One row of every tenant model at Milano, for the URLs to name."""
    advisor = AdvisorFactory(dealership=milano)
    technician = TechnicianFactory(dealership=milano)
    vehicle = VehicleFactory(customer__dealership=milano)
    appointment = AppointmentFactory(
        advisor=advisor, vehicle=vehicle, drop_off_at=datetime(2099, 1, 5, 9, 0, tzinfo=UTC)
    )
    return {
        "dealership": milano,
        "closure": Closure.objects.create(
            dealership=milano, start_date=date(2099, 8, 10), end_date=date(2099, 8, 20), reason="Ferragosto"
        ),
        "customer": vehicle.customer,
        "vehicle": vehicle,
        "campaign": Campaign.objects.create(
            dealership=milano,
            code="MI-REC-1",
            title="Richiamo",
            labour_minutes=30,
            starts_on=date(2020, 1, 1),
        ),
        "advisor": advisor,
        "advisor_absence": AdvisorAbsence.objects.create(
            dealership=milano, advisor=advisor, first_day=date(2099, 1, 1), last_day=date(2099, 1, 2)
        ),
        "technician": technician,
        "technician_absence": TechnicianAbsence.objects.create(
            dealership=milano, technician=technician, first_day=date(2099, 1, 1), last_day=date(2099, 1, 2)
        ),
        "job": JobFactory(dealership=milano),
        "appointment": appointment,
        "task": CallTask.objects.create(  # a follow-up call (the followups app)
            dealership=milano,
            kind="manual",
            customer=vehicle.customer,
            due_at=datetime(2099, 1, 4, 8, 0, tzinfo=UTC),
            next_attempt_at=datetime(2099, 1, 4, 8, 0, tzinfo=UTC),
            idempotency_key="milano-call",
        ),
        **_mobility_rows(milano, appointment),
        "reply": InboundReply.objects.create(
            dealership=milano,
            provider_id="SM-MILANO-1",
            channel="sms",
            from_number="+393470000001",
            body="?",
            received_at=datetime(2099, 1, 4, 9, 0, tzinfo=UTC),
            outcome="not_understood",
        ),
        "message": OutboxMessage.objects.create(
            dealership=milano,
            customer=vehicle.customer,
            appointment=appointment,
            kind="day_before",
            channel="sms",
            due_at=datetime(2099, 1, 4, 8, 0, tzinfo=UTC),
            next_attempt_at=datetime(2099, 1, 4, 8, 0, tzinfo=UTC),
            idempotency_key="milano-failed-message",
            status="failed",
        ),
    }


def _fill(route: Route, world: dict) -> dict[str, object]:
    kwargs: dict[str, object] = {}
    for keyword in route.keywords:
        if keyword == "dealership_slug":
            kwargs[keyword] = world["dealership"].slug
        elif keyword == "token":
            kwargs[keyword] = manage_token(world["appointment"])
        elif keyword == "absence_id":
            owner = "technician" if "technician_id" in route.keywords else "advisor"
            kwargs[keyword] = world[f"{owner}_absence"].id
        elif keyword.removesuffix("_id") in world:
            kwargs[keyword] = world[keyword.removesuffix("_id")].id
        elif keyword in ("object_id", "id") and route.route.startswith("admin/"):
            kwargs[keyword] = world["dealership"].pk
        elif keyword == "kind":  # a kind of message (the message texts' editor)
            kwargs[keyword] = "day_before"
        elif keyword == "language":
            kwargs[keyword] = "it"
        elif keyword == "app_label":
            kwargs[keyword] = "dealerships"
        elif keyword == "content_type_id":
            kwargs[keyword] = ContentType.objects.get_for_model(Dealership).id
        else:
            pytest.fail(
                f"teach test_authz_matrix.py how to fill the URL keyword {keyword!r} of {route.route}"
            )
    return kwargs


def _needed(route: Route, method: str) -> Capability | None:
    """The capability the route's view declares for the method, None for a public or untenanted one."""
    view_class = route.view_class
    if view_class is not None and hasattr(view_class, "read_capability"):
        return view_class.read_capability if method == "get" else view_class.write_capability
    return getattr(route.callback, "capability", None)


def test_every_tenant_url_declares_a_capability_or_is_public():
    undeclared = [
        r.route
        for r in routes_to_walk()
        if "dealership_slug" in r.keywords
        and _needed(r, "get") is None
        and not getattr(r.callback, "public", False)
    ]
    assert undeclared == [], f"tenant URLs whose view declares no capability: {undeclared}"


def _staff(role: Role | str, milano: Dealership) -> object:
    """A Milano user in the role, the way the demo makes them: dealer managers get the admin."""
    if role == "superuser":
        return UserFactory(username="root", is_staff=True, is_superuser=True)
    if role == "group_manager":
        user = UserFactory(username="group-manager")
        GroupMembershipFactory(user=user, dealer_group=milano.group)
        return user
    user = UserFactory(username=f"milano-{role}", is_staff=role == Role.DEALER_MANAGER)
    MembershipFactory(user=user, dealership=milano, role=role)
    if role == Role.DEALER_MANAGER:
        admins, _ = Group.objects.get_or_create(name="Dealer managers")
        admins.permissions.set(Permission.objects.filter(content_type__app_label="dealerships"))
        user.groups.add(admins)
    return user


def _granted(role: Role | str) -> frozenset[Capability]:
    if role == "superuser":
        return ALL_CAPABILITIES
    if role == "group_manager":
        return GROUP_MANAGER_CAPABILITIES
    return ROLE_CAPABILITIES[Role(role)]


ADMIN_ROLES = {Role.DEALER_MANAGER, "superuser"}
# The admin's own way in and out, open to anyone.
ADMIN_DOORS = {"admin:login", "admin:logout"}


@pytest.mark.parametrize("role", [*Role, "group_manager", "superuser"])
def test_each_role_reaches_exactly_what_its_capabilities_allow(client, milano_world, role):
    """R1.1: for every URL pattern, GET and POST, as this role."""
    user = _staff(role, milano_world["dealership"])
    granted = _granted(role)
    wrong: list[str] = []
    walked = 0
    client.force_login(user)
    for route in routes_to_walk():
        url = url_for(route, _fill(route, milano_world))
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            if "logout" in route.name:
                client.force_login(user)
            status = response.status_code
            walked += 1
            if status >= 500:
                wrong.append(f"{method.upper()} {url}: {status}")
            elif route.route.startswith("admin/") and route.name not in ADMIN_DOORS:
                if role not in ADMIN_ROLES and not (
                    status == 302 and response.url.startswith(reverse("admin:login"))
                ):
                    wrong.append(f"{method.upper()} {url}: {status}, not sent to the admin's login")
            elif (needed := _needed(route, method)) is not None:
                if needed in granted and status == 403:
                    wrong.append(f"{method.upper()} {url}: 403 though the role may {needed}")
                elif needed not in granted and status != 403:
                    wrong.append(f"{method.upper()} {url}: {status} though the role may not {needed}")
    assert wrong == [], "\n".join(wrong)
    assert walked > 300


@pytest.mark.parametrize("role", sorted(ADMIN_ROLES, key=str))
def test_dealer_managers_and_superusers_reach_the_admin(client, milano_world, role):
    client.force_login(_staff(role, milano_world["dealership"]))
    assert client.get(reverse("admin:index")).status_code == 200
    changelist = client.get(reverse("admin:dealerships_dealership_changelist"))
    assert changelist.status_code == 200
    assert milano_world["dealership"].name in changelist.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_anonymous_visitor_reaches_no_staff_page_or_endpoint(client, milano_world, method):
    """Pages send them to the login, the API answers 403; the customers' pages stay open."""
    wrong = []
    for route in routes_to_walk():
        if "dealership_slug" not in route.keywords or getattr(route.callback, "public", False):
            continue
        url = url_for(route, _fill(route, milano_world))
        response = getattr(client, method)(url)
        to_login = response.status_code == 302 and response.url.startswith(reverse("login"))
        if not (to_login or response.status_code == 403):
            wrong.append(f"{method.upper()} {url}: {response.status_code}")
    assert wrong == [], "\n".join(wrong)
