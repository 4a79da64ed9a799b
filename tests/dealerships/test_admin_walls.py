"""The Django admin never crosses the tenant wall (R1.2), and neither does any other way of
writing a row: a dealership's row points only at rows of the same dealership.

Milano's dealer manager works in the admin; Torino (the same group, so no group rule can be what
stops them) holds one row of every tenant model, each named with "Segret", to aim at.
"""

from datetime import UTC, date, datetime
from html.parser import HTMLParser
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import ModelChoiceField
from django.urls import reverse

from bookings.models import Appointment, AppointmentLabour
from customers.models import Campaign, Customer, Programme, Vehicle
from dealerships.models import Closure, Dealership, DealershipOwned, Membership, Role, User
from dealerships.tenant_integrity import dangerously_vouch_same_dealership
from followups.models import CallScript, CallTask, ContactRecord, FollowupRules, SatisfactionResponse
from followups.services.calls import call_task_create
from mobility.models import FleetOutOfService, FleetVehicle, MobilitySolution, Reservation, SolutionCap
from notifications.models import InboundReply, OutboxMessage
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CampaignFactory, CustomerFactory, ProgrammeFactory, VehicleFactory
from tests.factories.dealerships import ClosureFactory, MembershipFactory, UserFactory
from tests.factories.mobility import (
    FleetOutOfServiceFactory,
    FleetVehicleFactory,
    MobilitySolutionFactory,
    ReservationFactory,
    SolutionCapFactory,
)
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from workshop.models import Advisor, AdvisorAbsence, Job, Technician, WorkshopPolicy

# Every string the Torino side shows contains one of these; none may reach Milano's manager.
TORINO_MARKERS = ["Segret", "Autosalone Torino", "torino-segreto"]

REGISTERED = sorted(model._meta.label for model in apps.get_models() if admin.site.is_registered(model))


def _rows_of(dealership: Dealership, *, name: str, login: User) -> dict[type[models.Model], models.Model]:
    """One row of every tenant model of the admin, each with `name` in what it shows."""
    customer = CustomerFactory(dealership=dealership, given_name=name, family_name=f"{name}i")
    vehicle = VehicleFactory(customer=customer, make="Lancia", model=name)
    advisor = AdvisorFactory(dealership=dealership, name=f"Consulente {name}", user=login)
    AdvisorAbsence.objects.create(
        dealership=dealership, advisor=advisor, first_day=date(2099, 2, 1), last_day=date(2099, 2, 2)
    )
    solution = MobilitySolutionFactory(dealership=dealership, name=f"Cortesia {name}")
    fleet_vehicle = FleetVehicleFactory(solution=solution, model=name)
    mobility = {
        MobilitySolution: solution,
        SolutionCap: SolutionCapFactory(solution=solution, weekday=0, max_per_day=3),
        FleetVehicle: fleet_vehicle,
        FleetOutOfService: FleetOutOfServiceFactory(
            vehicle=fleet_vehicle,
            starts_at=datetime(2099, 2, 1, 8, 0, tzinfo=UTC),
            ends_at=datetime(2099, 2, 2, 8, 0, tzinfo=UTC),
            reason=f"Tagliando {name}",
        ),
        Reservation: ReservationFactory(
            solution=solution,
            fleet_vehicle=fleet_vehicle,
            customer=customer,
            departure_at=datetime(2099, 1, 5, 8, 0, tzinfo=UTC),
            return_at=datetime(2099, 1, 5, 17, 0, tzinfo=UTC),
        ),
    }
    appointment = AppointmentFactory(
        advisor=advisor, vehicle=vehicle, drop_off_at=datetime(2099, 1, 5, 8, 0, tzinfo=UTC)
    )
    task = call_task_create(
        dealership=dealership,
        kind="manual",
        customer=customer,
        now=datetime(2099, 1, 1, tzinfo=UTC),
        note=f"Nota {name}",
    )
    when = datetime(2099, 1, 1, tzinfo=UTC)
    message = OutboxMessage.objects.create(
        dealership=dealership,
        customer=customer,
        appointment=appointment,
        kind="day_before",
        due_at=when,
        next_attempt_at=when,
        idempotency_key=f"walls:{name}",
        rendered_text=f"Messaggio {name}",
    )
    followups = {
        OutboxMessage: message,
        InboundReply: InboundReply.objects.create(
            dealership=dealership,
            provider_id=f"SM{name}",
            channel="sms",
            from_number="+390000000",
            body=f"Risposta {name}",
            received_at=when,
            customer=customer,
            answers=message,
            outcome="not_understood",
        ),
        CallTask: task,
        ContactRecord: ContactRecord.objects.create(
            dealership=dealership,
            kind="manual",
            customer=customer,
            call_task=task,
            channel="phone",
            at=datetime(2099, 1, 1, tzinfo=UTC),
            outcome="reached",
            note=f"Esito {name}",
        ),
        FollowupRules: FollowupRules.objects.create(dealership=dealership),
        CallScript: CallScript.objects.create(
            dealership=dealership, kind="manual", language="it", text=f"Copione {name}"
        ),
        SatisfactionResponse: SatisfactionResponse.objects.create(
            dealership=dealership,
            appointment=appointment,
            customer=customer,
            call_task=task,
            channel="phone",
            score=4,
            comment=f"Commento {name}",
            responded_at=datetime(2099, 1, 6, tzinfo=UTC),
        ),
    }
    return {
        **mobility,
        **followups,
        Dealership: dealership,
        User: login,
        Membership: MembershipFactory(user=login, dealership=dealership, role=Role.SERVICE_ADVISOR),
        Closure: ClosureFactory(
            dealership=dealership,
            start_date=date(2099, 3, 1),
            end_date=date(2099, 3, 1),
            reason=f"Chiusura {name}",
        ),
        Customer: customer,
        Vehicle: vehicle,
        Programme: ProgrammeFactory(
            vehicle=vehicle,
            name=f"Programma {name}",
            valid_from=date(2020, 1, 1),
            valid_until=date(2099, 1, 1),
        ),
        Campaign: CampaignFactory(dealership=dealership, title=f"Campagna {name}"),
        WorkshopPolicy: WorkshopPolicy.objects.create(dealership=dealership),
        Advisor: advisor,
        Technician: TechnicianFactory(dealership=dealership, name=f"Tecnico {name}"),
        Job: JobFactory(dealership=dealership, name=f"Lavoro {name}"),
        Appointment: appointment,
    }


@pytest.fixture
def torino_rows(torino):
    login = UserFactory(username="torino-segreto", first_name="Segreto", last_name="Segreti")
    return _rows_of(torino, name="Segreto", login=login)


@pytest.fixture
def milano_rows(milano):
    return _rows_of(milano, name="Rossi", login=UserFactory(username="milano-rossi"))


def _dealer_manager(*dealerships: Dealership, username: str) -> User:
    """A staff user with the admin permissions of the tenant apps, dealer manager of `dealerships`."""
    user = UserFactory(username=username, is_staff=True)
    for dealership in dealerships:
        MembershipFactory(user=user, dealership=dealership, role=Role.DEALER_MANAGER)
    managers, _ = Group.objects.get_or_create(name="Dealer managers")
    managers.permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["dealerships", "customers", "workshop", "bookings", "mobility"]
        )
    )
    user.groups.add(managers)
    return user


@pytest.fixture
def manager(client, milano):
    user = _dealer_manager(milano, username="milano-manager")
    client.force_login(user)
    return user


def _admin_url(model: type[models.Model], view: str, *args: object) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def _text(response) -> str:
    return response.content.decode()


def _assert_nothing_of_torino(response, url: str) -> None:
    text = _text(response)
    for marker in TORINO_MARKERS:
        assert marker not in text, f"{url} shows {marker!r}"


def _tenant_foreign_keys(model: type[models.Model]) -> list[models.ForeignKey]:
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, models.ForeignKey)
        and (field.related_model in (Dealership, User) or issubclass(field.related_model, DealershipOwned))
    ]


class _SubmittedValues(HTMLParser):
    """What a browser submits from the admin's form: inputs, the selected options, text areas."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.values: dict[str, list[str]] = {}
        self._select: tuple[str, bool] | None = None
        self._first_option: str | None = None
        self._selected = False
        self._textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.inside = attributes.get("id") == self.form_id
        if not self.inside or "disabled" in attributes:
            return
        name = attributes.get("name")
        kind = attributes.get("type", "text")
        if tag == "input" and name and kind not in ("submit", "button", "file", "image"):
            checkable = kind in ("checkbox", "radio")
            if not checkable or "checked" in attributes:
                value = attributes.get("value")
                self.values.setdefault(name, []).append(
                    value if value is not None else "on" if checkable else ""
                )
        elif tag == "select" and name:
            self._select, self._first_option, self._selected = (name, "multiple" in attributes), None, False
        elif tag == "option" and self._select:
            value = attributes.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attributes:
                self._selected = True
                self.values.setdefault(self._select[0], []).append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self._select:
            name, multiple = self._select
            if not self._selected and not multiple and self._first_option is not None:
                self.values[name] = [self._first_option]
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def _submitted(response, model: type[models.Model]) -> dict[str, list[str]]:
    parser = _SubmittedValues(f"{model._meta.model_name}_form")
    parser.feed(_text(response))
    return parser.values


# --- The walk: every registered model's add and change forms --------------------------------


@pytest.mark.parametrize("label", REGISTERED)
def test_no_add_or_change_form_shows_another_dealerships_rows(
    client, manager, milano_rows, torino_rows, label
):
    """R1.2: choices and raw-id labels of every form hold Milano's rows only, even with Torino's
    ids in the URL (?customer=<id>), the way a raw-id field is prefilled."""
    model = apps.get_model(label)
    aimed = {field.name: torino_rows[field.related_model].pk for field in _tenant_foreign_keys(model)}
    add_url = _admin_url(model, "add") + ("?" + urlencode(aimed) if aimed else "")
    add = client.get(add_url)
    assert add.status_code in (200, 403), add_url
    _assert_nothing_of_torino(add, add_url)
    own = milano_rows.get(model)
    if own is None:  # platform rows (groups, brands): superusers only
        return
    change_url = _admin_url(model, "change", own.pk)
    change = client.get(change_url)
    assert change.status_code in (200, 403), change_url
    _assert_nothing_of_torino(change, change_url)


def test_the_walk_covers_the_tenant_models_with_foreign_keys():
    walked = {apps.get_model(label) for label in REGISTERED}
    assert {Vehicle, Programme, Appointment, Advisor, Membership, Closure} <= walked
    assert {MobilitySolution, SolutionCap, FleetVehicle, FleetOutOfService, Reservation} <= walked


@pytest.mark.parametrize("label", REGISTERED)
def test_no_add_form_accepts_another_dealerships_rows(client, manager, milano_rows, torino_rows, label):
    """R1.2: an add form posted with Torino's ids in its foreign keys is shown again with the
    error on each of those fields, and nothing is stored."""
    model = apps.get_model(label)
    add_url = _admin_url(model, "add")
    form_page = client.get(add_url)
    if form_page.status_code == 403:  # no add form for this user (appointments, platform rows)
        return
    fields = form_page.context["adminform"].form.fields
    aimed = {
        name: torino_rows[field.queryset.model].pk
        for name, field in fields.items()
        if isinstance(field, ModelChoiceField) and field.queryset.model in torino_rows
    }
    if not aimed:
        return
    data = _submitted(form_page, model) | {name: [str(pk)] for name, pk in aimed.items()}
    before = model._default_manager.count()
    response = client.post(add_url, data)
    assert response.status_code == 200, f"{label}: {response.status_code}"
    errors = response.context["adminform"].form.errors
    assert set(aimed) <= set(errors), f"{label}: no error on {set(aimed) - set(errors)}"
    assert model._default_manager.count() == before
    _assert_nothing_of_torino(response, add_url)


# --- The cases of the issue, with the form otherwise valid ----------------------------------


def _vehicle_form(
    dealership: Dealership, customer: Customer, vin: str = "ZFA31200000999999"
) -> dict[str, str]:
    return {
        "dealership": str(dealership.pk),
        "customer": str(customer.pk),
        "vin": vin,
        "plate": "",
        "make": "Fiat",
        "model": "Panda",
        "model_year": "",
        "engine": "",
        "fuel": "",
        "sale_date": "",
        "warranty_start": "",
        "warranty_end": "",
        "warranty_mileage_limit_km": "",
    }


def _programme_form(dealership: Dealership, vehicle: Vehicle) -> dict[str, str]:
    return {
        "dealership": str(dealership.pk),
        "vehicle": str(vehicle.pk),
        "kind": Programme.Kind.SERVICE_PLAN,
        "name": "Piano di manutenzione",
        "valid_from": "2026-01-01",
        "valid_until": "2028-01-01",
        "benefit_currency": "",
    }


def test_a_vehicle_cannot_be_given_another_dealerships_customer(
    client, manager, milano, milano_rows, torino_rows
):
    url = _admin_url(Vehicle, "add")
    refused = client.post(url, _vehicle_form(milano, torino_rows[Customer]))
    assert refused.status_code == 200
    assert list(refused.context["adminform"].form.errors) == ["customer"]
    assert not Vehicle.objects.filter(vin="ZFA31200000999999").exists()
    _assert_nothing_of_torino(refused, url)

    accepted = client.post(url, _vehicle_form(milano, milano_rows[Customer]))
    assert accepted.status_code == 302
    assert Vehicle.objects.get(vin="ZFA31200000999999").customer == milano_rows[Customer]


def test_a_programme_cannot_be_put_on_another_dealerships_vehicle(
    client, manager, milano, milano_rows, torino_rows
):
    url = _admin_url(Programme, "add")
    refused = client.post(url, _programme_form(milano, torino_rows[Vehicle]))
    assert refused.status_code == 200
    assert list(refused.context["adminform"].form.errors) == ["vehicle"]
    assert not Programme.objects.filter(name="Piano di manutenzione").exists()

    assert client.post(url, _programme_form(milano, milano_rows[Vehicle])).status_code == 302
    assert Programme.objects.get(name="Piano di manutenzione").vehicle == milano_rows[Vehicle]


def test_a_raw_id_field_names_only_the_users_own_rows(client, manager, milano_rows, torino_rows):
    url = _admin_url(Vehicle, "add")
    foreign = client.get(f"{url}?customer={torino_rows[Customer].pk}")
    assert foreign.status_code == 200
    _assert_nothing_of_torino(foreign, url)
    own = client.get(f"{url}?customer={milano_rows[Customer].pk}")
    assert milano_rows[Customer].full_name in _text(own)  # the label beside the id, as before


def test_a_staff_login_from_another_dealership_is_neither_named_nor_accepted(
    client, manager, milano, milano_rows, torino_rows
):
    url = _admin_url(Membership, "add")
    assert "torino-segreto" not in _text(client.get(f"{url}?user={torino_rows[User].pk}"))
    data = {"dealership": str(milano.pk), "role": Role.PARTS_MANAGER}
    refused = client.post(url, {**data, "user": str(torino_rows[User].pk)})
    assert refused.status_code == 200
    assert list(refused.context["adminform"].form.errors) == ["user"]
    assert not Membership.objects.filter(role=Role.PARTS_MANAGER).exists()
    # Someone with no place yet can be given a first role.
    newcomer = UserFactory(username="nuovo-arrivato")
    assert client.post(url, {**data, "user": str(newcomer.pk)}).status_code == 302
    assert Membership.objects.get(role=Role.PARTS_MANAGER).user == newcomer


def test_the_autocomplete_finds_only_the_users_own_rows(client, manager, milano_rows, torino_rows):
    url = reverse("admin:autocomplete")
    query = {"app_label": "customers", "model_name": "vehicle", "field_name": "customer"}
    foreign = client.get(url, {**query, "term": "Segret"})
    assert foreign.status_code == 200
    assert foreign.json()["results"] == []
    own = client.get(url, {**query, "term": "Rossii"})
    assert [row["id"] for row in own.json()["results"]] == [str(milano_rows[Customer].pk)]


@pytest.fixture
def two_dealerships_manager(client, milano, torino):
    """Manages Milano and Torino: both dealerships' rows are offered, but never mixed in one row."""
    user = _dealer_manager(milano, torino, username="nord-manager")
    client.force_login(user)
    return user


def test_a_row_cannot_mix_two_of_the_users_dealerships(
    client, two_dealerships_manager, milano, milano_rows, torino_rows
):
    refused = client.post(_admin_url(Vehicle, "add"), _vehicle_form(milano, torino_rows[Customer]))
    assert refused.status_code == 200
    errors = refused.context["adminform"].form.errors
    assert list(errors) == ["customer"]
    assert errors["customer"] == ["Choose one that belongs to this dealership."]
    assert not Vehicle.objects.filter(vin="ZFA31200000999999").exists()


def test_an_appointment_cannot_be_changed_to_another_dealerships_customer(
    client, two_dealerships_manager, milano_rows, torino_rows
):
    appointment = milano_rows[Appointment]
    url = _admin_url(Appointment, "change", appointment.pk)
    page = client.get(url)
    data = _submitted(page, Appointment)
    assert client.post(url, data).status_code == 302  # the form as shown is valid
    for field in ("customer", "vehicle"):
        response = client.post(url, data | {field: [str(torino_rows[type(getattr(appointment, field))].pk)]})
        assert response.status_code == 200
        assert list(response.context["adminform"].form.errors) == [field]
    # The advisor is read-only in the admin (it takes capacity): a posted one is not taken.
    client.post(url, data | {"advisor": [str(torino_rows[Advisor].pk)]})
    appointment.refresh_from_db()
    assert (appointment.customer, appointment.vehicle, appointment.advisor) == (
        milano_rows[Customer],
        milano_rows[Vehicle],
        milano_rows[Advisor],
    )


def test_a_rows_dealership_cannot_be_changed_in_the_admin(
    client, two_dealerships_manager, milano, torino, milano_rows
):
    customer = milano_rows[Customer]
    url = _admin_url(Customer, "change", customer.pk)
    page = client.get(url)
    assert 'name="dealership"' not in _text(page)  # shown, not editable
    client.post(url, _submitted(page, Customer) | {"dealership": [str(torino.pk)]})
    customer.refresh_from_db()
    assert customer.dealership == milano


def test_a_superuser_is_offered_every_row_but_cannot_mix_dealerships(
    client, milano, milano_rows, torino_rows
):
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    url = _admin_url(Vehicle, "add")
    assert torino_rows[Customer].full_name in _text(client.get(f"{url}?customer={torino_rows[Customer].pk}"))
    refused = client.post(url, _vehicle_form(milano, torino_rows[Customer]))
    assert refused.status_code == 200
    assert list(refused.context["adminform"].form.errors) == ["customer"]


# --- The save path: no code writes a row across the wall ------------------------------------


def _refused_fields(error: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return {field: [e.code for e in errors] for field, errors in error.value.error_dict.items()}


def test_saving_a_vehicle_with_another_dealerships_customer_is_refused(milano, torino):
    foreign = CustomerFactory(dealership=torino)
    with pytest.raises(ValidationError) as refused:
        Vehicle(dealership=milano, customer=foreign, vin="ZFA31200000888888", make="Fiat", model="Uno").save()
    assert _refused_fields(refused) == {"customer": ["other_dealership"]}
    assert not Vehicle.objects.filter(vin="ZFA31200000888888").exists()


def test_a_foreign_id_not_loaded_is_read_in_one_query_and_refused(milano, torino, django_assert_num_queries):
    foreign = CustomerFactory(dealership=torino)
    vehicle = Vehicle(
        dealership=milano, customer_id=foreign.id, vin="ZFA31200000888888", make="Fiat", model="Uno"
    )
    with django_assert_num_queries(1), pytest.raises(ValidationError) as refused:
        vehicle.save()
    assert _refused_fields(refused) == {"customer": ["other_dealership"]}
    assert not Vehicle.objects.filter(vin="ZFA31200000888888").exists()


def test_full_clean_names_the_field(milano, torino):
    advisor = AdvisorFactory(dealership=torino)
    absence = AdvisorAbsence(
        dealership=milano, advisor=advisor, first_day=date(2099, 1, 1), last_day=date(2099, 1, 2)
    )
    with pytest.raises(ValidationError) as refused:
        absence.full_clean()
    assert _refused_fields(refused) == {"advisor": ["other_dealership"]}


def test_an_appointment_with_another_dealerships_advisor_is_refused(milano, torino):
    own = AppointmentFactory(advisor=AdvisorFactory(dealership=milano))
    foreign_advisor = AdvisorFactory(dealership=torino)
    own.advisor_id = foreign_advisor.id
    with pytest.raises(ValidationError) as refused:
        own.save()
    assert _refused_fields(refused) == {"advisor": ["other_dealership"]}
    assert Appointment.objects.get(pk=own.pk).advisor.dealership == milano


def test_bulk_create_is_checked_too(milano, torino):
    appointment = AppointmentFactory(advisor=AdvisorFactory(dealership=torino), labour=None)
    rows = [
        AppointmentLabour(
            dealership=milano, appointment=appointment, day=date(2099, 1, 5), skill="tyres", minutes=30
        )
    ]
    with pytest.raises(ValidationError) as refused:
        AppointmentLabour.objects.bulk_create(rows)
    assert _refused_fields(refused) == {"appointment": ["other_dealership"]}
    assert not AppointmentLabour.objects.exists()


def test_a_row_keeps_its_dealership(milano, torino):
    customer = CustomerFactory(dealership=milano)
    VehicleFactory(customer=customer)
    customer.dealership = torino
    with pytest.raises(ValidationError) as refused:
        customer.save()
    assert _refused_fields(refused) == {"dealership": ["moved"]}
    assert Customer.objects.get(pk=customer.pk).dealership == milano


def test_the_check_reads_nothing_for_rows_on_the_instance_or_read_with_it(milano, django_assert_num_queries):
    customer = CustomerFactory(dealership=milano)
    # Each write also copies the vehicle into the audit trail (audit/): one INSERT more.
    with django_assert_num_queries(2):  # the INSERT alone (and its copy)
        Vehicle.objects.create(
            dealership=milano, customer=customer, vin="ZFA31200000777777", make="Fiat", model="Uno"
        )
    vehicle = Vehicle.objects.get(vin="ZFA31200000777777")
    vehicle.plate = "GA 777 XY"
    with django_assert_num_queries(2):  # the UPDATE alone: the owner's id came with the row
        vehicle.save()
    with django_assert_num_queries(2):
        vehicle.save(update_fields=["plate", "updated_at"])
    partly = Vehicle.objects.only("id", "dealership", "plate").get(pk=vehicle.pk)
    partly.plate = "GA 778 XY"
    # The deferred owner is neither written nor checked; the trail's copy reads the deferred
    # columns after the UPDATE, in one query.
    with django_assert_num_queries(3):
        partly.save()


def test_a_vouched_reference_is_not_read_and_a_changed_one_is(milano, django_assert_num_queries):
    own, other = CustomerFactory(dealership=milano), CustomerFactory(dealership=milano)
    vehicle = Vehicle(
        dealership=milano, customer_id=own.id, vin="ZFA31200000666666", make="Fiat", model="Uno"
    )
    dangerously_vouch_same_dealership(vehicle, "customer")
    with django_assert_num_queries(2):  # the INSERT and its copy in the audit trail
        vehicle.save()
    vehicle.customer_id = other.id
    with django_assert_num_queries(3):  # the owner's dealership, then the UPDATE and its copy
        vehicle.save()


def test_references_to_rows_of_several_models_are_read_in_one_query(
    milano, torino, django_assert_num_queries
):
    own = AppointmentFactory(advisor=AdvisorFactory(dealership=milano))
    fresh = Appointment.objects.get(pk=own.pk)
    foreign = AppointmentFactory(advisor=AdvisorFactory(dealership=torino))
    fresh.customer_id, fresh.vehicle_id, fresh.advisor_id = (
        foreign.customer_id,
        foreign.vehicle_id,
        foreign.advisor_id,
    )
    with django_assert_num_queries(1), pytest.raises(ValidationError) as refused:
        fresh.save()
    assert _refused_fields(refused) == {
        "customer": ["other_dealership"],
        "vehicle": ["other_dealership"],
        "advisor": ["other_dealership"],
    }


def test_the_admin_cannot_change_what_an_appointment_takes_of_the_capacity(client, milano):
    """The capacity ledger is written by the booking services only: the admin's change form shows
    an appointment's time, advisor and status but has no field to change them."""
    from tests.factories.bookings import AppointmentFactory
    from tests.factories.dealerships import UserFactory
    from tests.factories.workshop import AdvisorFactory

    appointment = AppointmentFactory(advisor=AdvisorFactory(dealership=milano))
    client.force_login(UserFactory(username="root", is_staff=True, is_superuser=True))
    page = client.get(f"/admin/bookings/appointment/{appointment.id}/change/").content.decode()
    assert 'name="customer_requests"' in page  # what the customer said stays editable
    for taken in ("advisor", "status", "drop_off_at_0", "promised_return_at_0", "local_day"):
        assert f'name="{taken}"' not in page
