"""Tenants never see each other (R1.2): every URL pattern, walked as a user of another dealership.

The walk is over the live URL configuration, so a URL added tomorrow is checked tomorrow. A URL
keyword this test does not know how to fill fails the test with a message saying what to add.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from urllib.parse import urlencode

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from bookings.self_service import manage_token
from customers.models import Campaign, Customer, Programme, Vehicle
from dealerships.models import Closure, Dealership, GroupMembership, Membership, Role
from followups.models import CallScript, CallTask, ContactRecord, FollowupRules, SatisfactionResponse
from notifications.models import InboundReply, OutboxMessage
from tests.factories.bookings import AppointmentFactory
from tests.factories.dealerships import GroupMembershipFactory, MembershipFactory, UserFactory
from tests.factories.workshop import (
    AdvisorFactory,
    JobFactory,
    TechnicianFactory,
)
from workshop.models import AdvisorAbsence, TechnicianAbsence, WorkshopPolicy

# Unnamed patterns that cannot be reversed and hold no tenant data.
UNNAMED_ALLOWED = {"(?P<url>.*)$"}  # the admin's catch-all redirect


@dataclass(frozen=True)
class Route:
    name: str
    route: str
    callback: object
    keywords: tuple[str, ...]


def _walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or ""
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern), full_ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else (entry.name or "")
            keywords = tuple(entry.pattern.regex.groupindex)
            yield Route(
                name=name, route=prefix + str(entry.pattern), callback=entry.callback, keywords=keywords
            )


def all_routes() -> list[Route]:
    return list(_walk(get_resolver().url_patterns))


def _is_tenant_scoped(callback: object) -> bool:
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    return bool(getattr(callback, "tenant_scoped", False) or getattr(view_class, "tenant_scoped", False))


def test_every_url_with_a_dealership_is_resolved_through_the_access_check():
    dealership_routes = [r for r in all_routes() if "dealership_slug" in r.keywords]
    assert dealership_routes, "the walk found no tenant URLs at all"
    unscoped = [r.route for r in dealership_routes if not _is_tenant_scoped(r.callback)]
    assert unscoped == [], f"views under a dealership slug that skip dealership_access_for: {unscoped}"


def _sevilla_mobility(sevilla: Dealership, appointment: object) -> dict[str, object]:
    """Sevilla's mobility rows: a solution with a cap, a car with its service, a reservation."""
    from mobility.models import SolutionCap
    from tests.factories.mobility import FleetOutOfServiceFactory, FleetVehicleFactory, ReservationFactory

    car = FleetVehicleFactory(
        dealership=sevilla,
        solution__dealership=sevilla,
        solution__name="Cortesía Secreta",
        plate="SEV-1234-F",
    )
    SolutionCap.objects.create(dealership=sevilla, solution=car.solution, weekday=0, max_per_day=2)
    FleetOutOfServiceFactory(
        vehicle=car,
        starts_at=datetime(2099, 2, 1, 8, 0, tzinfo=UTC),
        ends_at=datetime(2099, 2, 2, 8, 0, tzinfo=UTC),
        reason="Revisión Secreta",
    )
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
def sevilla_world(sevilla, charlie, sud):
    """One row of every tenant model on the Sevilla side, to aim at."""
    closure = Closure.objects.get(dealership=sevilla)
    manager = UserFactory(username="sevilla-secret-manager", first_name="Sevillana", last_name="Secreta")
    MembershipFactory(user=manager, dealership=sevilla, role=Role.DEALER_MANAGER)
    group_manager = GroupMembershipFactory(
        user=UserFactory(username="sud-secret-groupmanager"), dealer_group=sud
    )
    customer = Customer.objects.create(
        dealership=sevilla,
        given_name="Rocío",
        family_name="Secreta-Cliente",
        family_name_search="secreta-cliente",
    )
    vehicle = Vehicle.objects.create(
        dealership=sevilla,
        customer=customer,
        vin="VF1SEVILLA0000001",
        vin_reversed="1000000ALLIVES1FV",
        plate="SEV-1234",
        plate_search="SEV1234",
        make="Seat",
        model="León",
    )
    programme = Programme.objects.create(
        dealership=sevilla,
        vehicle=vehicle,
        kind=Programme.Kind.COURTESY_CAR,
        name="Programa Secreto",
        valid_from=date(2020, 1, 1),
        valid_until=date(2099, 1, 1),
    )
    campaign = Campaign.objects.create(
        dealership=sevilla,
        code="SEV-REC-1",
        title="Campaña Secreta",
        labour_minutes=30,
        starts_on=date(2020, 1, 1),
    )
    # The workshop side: policy, an advisor and a technician with hours and absences, a job,
    # and an appointment with its labour.
    WorkshopPolicy.objects.create(dealership=sevilla)
    advisor = AdvisorFactory(dealership=sevilla, name="Asesora Secreta")
    advisor_absence = AdvisorAbsence.objects.create(
        dealership=sevilla, advisor=advisor, first_day=date(2099, 1, 1), last_day=date(2099, 1, 2)
    )
    technician = TechnicianFactory(dealership=sevilla, name="Técnico Secreto")
    technician_absence = TechnicianAbsence.objects.create(
        dealership=sevilla, technician=technician, first_day=date(2099, 1, 1), last_day=date(2099, 1, 2)
    )
    job = JobFactory(dealership=sevilla, code="SEV-JOB-1", name="Trabajo Secreto")
    appointment = AppointmentFactory(
        advisor=advisor, drop_off_at=datetime(2099, 1, 5, 9, 0, tzinfo=UTC), vehicle=vehicle
    )
    # The notifications side: a reply waiting in the inbox and a message that failed.
    reply = InboundReply.objects.create(
        dealership=sevilla,
        provider_id="SM-SEVILLA-1",
        channel="sms",
        from_number="+34600000001",
        body="Mensaje Secreto",
        received_at=datetime(2099, 1, 4, 9, 0, tzinfo=UTC),
        customer=customer,
        outcome="not_understood",
    )
    message = OutboxMessage.objects.create(
        dealership=sevilla,
        customer=customer,
        appointment=appointment,
        kind="day_before",
        channel="sms",
        due_at=datetime(2099, 1, 4, 8, 0, tzinfo=UTC),
        next_attempt_at=datetime(2099, 1, 4, 8, 0, tzinfo=UTC),
        idempotency_key="sevilla-secret-message",
        status="failed",
        error="Twilio 400 21211",
    )
    # The follow-ups: a call, its contact record, the rules, a script, a satisfaction answer.
    task = CallTask.objects.create(
        dealership=sevilla,
        kind="manual",
        customer=customer,
        due_at=datetime(2099, 1, 4, 8, 0, tzinfo=UTC),
        next_attempt_at=datetime(2099, 1, 4, 8, 0, tzinfo=UTC),
        note="Llamada Secreta",
        idempotency_key="sevilla-secret-call",
    )
    ContactRecord.objects.create(
        dealership=sevilla,
        kind="manual",
        customer=customer,
        call_task=task,
        channel="phone",
        at=datetime(2099, 1, 4, 8, 0, tzinfo=UTC),
        outcome="no_answer",
    )
    FollowupRules.objects.create(dealership=sevilla)
    CallScript.objects.create(dealership=sevilla, kind="manual", language="es", text="Guion Secreta")
    SatisfactionResponse.objects.create(
        dealership=sevilla,
        appointment=appointment,
        customer=customer,
        channel="sms",
        score=2,
        comment="Queja Secreta",
        responded_at=datetime(2099, 1, 6, 8, 0, tzinfo=UTC),
    )
    return {
        "dealership": sevilla,
        "task": task,
        "reply": reply,
        "message": message,
        "closure": closure,
        "customer": customer,
        "vehicle": vehicle,
        "programme": programme,
        "campaign": campaign,
        "advisor": advisor,
        "advisor_absence": advisor_absence,
        "technician": technician,
        "technician_absence": technician_absence,
        "job": job,
        "appointment": appointment,
        **_sevilla_mobility(sevilla, appointment),
        "membership": Membership.objects.filter(dealership=sevilla).first(),
        "user": manager,
        "group": sud,
        "group_membership": group_manager,
    }


# Strings that exist only on the Sevilla side: none may appear in any response to the outsider.
SEVILLA_MARKERS = [
    "Concesionario Sevilla",
    "Mensaje Secreto",
    "Feria de Abril",
    "sevilla-secret-manager",
    "Secreta",
    "charlie",
    "VF1SEVILLA",
    "SEV-1234",
    "SEV-REC-1",
    "SEV-JOB-1",
]


@pytest.fixture
def outsider(milano, torino):
    """A Milano user with every role, admin access as a dealer manager, and group manager of Nord.

    Nothing but the tenant wall stands between them and Sevilla.
    """
    user = UserFactory(username="outsider", is_staff=True)
    for role in Role:
        MembershipFactory(user=user, dealership=milano, role=role)
    GroupMembershipFactory(user=user, dealer_group=milano.group)
    admins, _ = Group.objects.get_or_create(name="Dealer managers")
    admins.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["dealerships", "customers", "workshop", "bookings"]
        )
    )
    user.groups.add(admins)
    return user


def _admin_model_of(route: Route):
    for model in admin.site._registry:
        if route.route.startswith(f"admin/{model._meta.app_label}/{model._meta.model_name}/"):
            return model
    return None


def _sevilla_row(model, world: dict):
    """Sevilla's row of the model, or None for a platform-wide model (brands, groups)."""
    by_model = {
        Dealership: world["dealership"],
        Closure: world["closure"],
        Customer: world["customer"],
        Vehicle: world["vehicle"],
        Programme: world["programme"],
        Campaign: world["campaign"],
        Membership: world["membership"],
        GroupMembership: world["group_membership"],
        type(world["user"]): world["user"],
        type(world["group"]): world["group"],
    }
    if model in by_model:
        return by_model[model]
    if any(f.name == "dealership" for f in model._meta.fields):
        obj = model.objects.filter(dealership=world["dealership"]).first()
        assert obj is not None, f"sevilla_world needs a {model.__name__} row for the walls test"
        return obj
    return None


def _admin_object_pk(route: Route, world: dict) -> object:
    model = _admin_model_of(route)
    if model is None:  # e.g. view_on_site, which names its model by content type
        return world["dealership"].pk
    row = _sevilla_row(model, world)
    if row is not None:
        return row.pk
    first = model.objects.first()  # a platform-wide model (brand): superusers only
    return first.pk if first is not None else 1


def _admin_add_query(route: Route, world: dict) -> str:
    """An admin add form's foreign keys aimed at Sevilla's rows, the way a raw-id field is
    prefilled (?customer=<id>): the form must neither name nor offer them."""
    model = _admin_model_of(route)
    if model is None or not route.name.endswith("_add"):
        return ""
    aimed = {}
    for field in model._meta.concrete_fields:
        row = _sevilla_row(field.related_model, world) if field.many_to_one else None
        if row is not None:
            aimed[field.name] = row.pk
    return "?" + urlencode(aimed) if aimed else ""


# Keywords that point at one tenant's rows: a URL holding one must answer 403 or 404.
TENANT_KEYWORDS = {
    "dealership_slug",
    "closure_id",
    "customer_id",
    "vehicle_id",
    "campaign_id",
    "advisor_id",
    "technician_id",
    "absence_id",
    "job_id",
    "appointment_id",
    "reply_id",
    "message_id",
    "task_id",
    "reservation_id",
    "fleet_vehicle_id",
    "object_id",
    "id",
}


def _fill(route: Route, world: dict) -> dict[str, object]:
    """URL kwargs aimed at Sevilla's rows."""
    kwargs: dict[str, object] = {}
    for keyword in route.keywords:
        if keyword == "dealership_slug":
            kwargs[keyword] = world["dealership"].slug
        elif keyword == "closure_id":
            kwargs[keyword] = world["closure"].id
        elif keyword in (
            "customer_id",
            "vehicle_id",
            "campaign_id",
            "advisor_id",
            "technician_id",
            "job_id",
            "appointment_id",
            "reply_id",
            "message_id",
            "task_id",
            "reservation_id",
            "fleet_vehicle_id",
        ):
            kwargs[keyword] = world[keyword.removesuffix("_id")].id
        elif keyword == "token":
            # A customer's manage link is the secret itself; aimed here: one altered by a byte.
            kwargs[keyword] = manage_token(world["appointment"]) + "x"
        elif keyword == "absence_id":
            owner = "technician" if "technician_id" in route.keywords else "advisor"
            kwargs[keyword] = world[f"{owner}_absence"].id
        elif keyword in ("object_id", "id") and route.route.startswith("admin/"):
            kwargs[keyword] = _admin_object_pk(route, world)
        elif keyword == "kind":  # a kind of message (the message texts' editor)
            kwargs[keyword] = "day_before"
        elif keyword == "language":
            kwargs[keyword] = "es"
        elif keyword == "app_label":
            kwargs[keyword] = "dealerships"
        elif keyword == "content_type_id":
            kwargs[keyword] = ContentType.objects.get_for_model(Dealership).id
        else:
            pytest.fail(
                f"teach test_walls.py how to aim the URL keyword {keyword!r} of {route.route} at Sevilla"
            )
    return kwargs


def _routes_to_walk() -> list[Route]:
    return [r for r in all_routes() if not r.route.endswith(tuple(UNNAMED_ALLOWED))]


_CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def _url(route: Route, kwargs: dict[str, object]) -> str:
    if route.name:
        return reverse(route.name, kwargs=kwargs)
    # Unnamed path() routes (the admin's legacy object URL): substitute the converters.
    assert "^" not in route.route, (
        f"unnamed regex URL {route.route}: name it so the walls test can reverse it"
    )
    return "/" + _CONVERTER.sub(lambda m: str(kwargs[m.group(1)]), route.route)


# Query strings a view needs to do real work rather than fail on missing parameters.
QUERY_FOR = {"admin:autocomplete": "?app_label=dealerships&model_name=membership&field_name=user&term=sev"}


def _is_public(route: Route) -> bool:
    return bool(getattr(route.callback, "public", False))


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_outsider_sees_nothing_of_another_dealership(client, outsider, sevilla_world, method):
    """R1.2: as a Milano user, every Sevilla URL answers 403/404 and no response shows Sevilla data."""
    checked = 0
    for route in _routes_to_walk():
        kwargs = _fill(route, sevilla_world)
        url = _url(route, kwargs) + (QUERY_FOR.get(route.name) or _admin_add_query(route, sevilla_world))
        client.force_login(outsider)  # again each time: some URLs (logout) end the session
        # Redirects are followed: a redirect is fine only if where it leads is closed too.
        response = getattr(client, method)(url, follow=True)
        body = b"".join(response) if response.streaming else response.content
        text = body.decode("utf-8", errors="replace")
        assert response.status_code < 500, f"{method.upper()} {url} gave {response.status_code}"
        if _is_public(route):
            # The customer-facing page is public by design; it shows no staff or closure data.
            assert "charlie" not in text, url
            assert "Feria de Abril" not in text, url
        else:
            if kwargs.keys() & TENANT_KEYWORDS:
                assert response.status_code in (403, 404), (
                    f"{method.upper()} {url} gave {response.status_code}"
                )
            for marker in SEVILLA_MARKERS:
                assert marker not in text, f"{method.upper()} {url} shows {marker!r}"
        checked += 1
    assert checked > 20


def test_unknown_and_foreign_dealerships_look_the_same(client, alice, sevilla):
    client.force_login(alice)
    foreign = client.get(reverse("dealership_home", kwargs={"dealership_slug": "sevilla"}))
    unknown = client.get(reverse("dealership_home", kwargs={"dealership_slug": "no-such-place"}))
    assert foreign.status_code == unknown.status_code == 404

    def without_tokens(response) -> str:
        text = response.content.decode()
        text = re.sub(r'"X-CSRFToken": "[^"]+"', "", text)
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)
        return re.sub(r'name="next" type="hidden" value="[^"]+"', "", text)

    assert without_tokens(foreign) == without_tokens(unknown)


def test_api_answers_404_json_for_another_dealership(client, alice, sevilla):
    client.force_login(alice)
    response = client.get(reverse("api_closure_list", kwargs={"dealership_slug": "sevilla"}))
    assert response.status_code == 404
    assert response.json()["detail"]


def test_group_manager_reads_every_dealership_of_the_group_and_no_other(client, bob, milano, torino, sevilla):
    client.force_login(bob)
    for dealership in (milano, torino):
        assert (
            client.get(reverse("dealership_home", kwargs={"dealership_slug": dealership.slug})).status_code
            == 200
        )
    assert client.get(reverse("dealership_home", kwargs={"dealership_slug": sevilla.slug})).status_code == 404
    listed = [d["slug"] for d in client.get(reverse("api_dealership_list")).json()["results"]]
    assert listed == ["milano", "torino"]


def test_admin_lists_only_the_managers_own_dealership_rows(client, sevilla_world, milano):
    manager = UserFactory(username="milano-manager", is_staff=True)
    MembershipFactory(user=manager, dealership=milano, role=Role.DEALER_MANAGER)
    admins, _ = Group.objects.get_or_create(name="Dealer managers")
    admins.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["dealerships", "customers", "workshop", "bookings"]
        )
    )
    manager.groups.add(admins)
    client.force_login(manager)
    response = client.get(reverse("admin:dealerships_dealership_changelist"))
    assert response.status_code == 200
    assert milano.name in response.content.decode()
    assert "Concesionario Sevilla" not in response.content.decode()
    assert GroupMembership.objects.exists()  # the group-manager row exists but is superuser-only
    assert client.get(reverse("admin:dealerships_groupmembership_changelist")).status_code == 403
