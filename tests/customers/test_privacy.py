"""Privacy: everything held about a customer exported (JSON and a page), and erased on request
while the appointment counts stay; an erased customer is found by no search."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse

from bookings.models import AccessCode, Appointment, AppointmentStatus, AppointmentTransition, Channel
from customers import privacy, selectors, services
from customers.models import CampaignDecline, Customer, CustomerErasure, Vehicle
from dealerships.models import Role
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import CampaignFactory, CustomerFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory

OLD_PHONE = "+393471234567"


@pytest.fixture
def manager(member_of):
    return member_of(Role.DEALER_MANAGER, username="manager")


@pytest.fixture
def as_manager(client, manager):
    client.force_login(manager)
    return client


@pytest.fixture
def rossi(milano):
    """A customer with two cars, a history of appointments with two advisors, and their words."""
    customer = CustomerFactory(
        dealership=milano,
        given_name="Giulia",
        family_name="Rossi",
        mobile_phone=OLD_PHONE,
        email="giulia.rossi@example.it",
        street="Via Torino 12",
        city="Milano",
        notes="Prefers mornings; husband collects the car.",
        consent_marketing_sms=True,
    )
    panda = VehicleFactory(customer=customer, vin="ZFA31200000765432", plate="FG 123 HJ", make="Fiat")
    tipo = VehicleFactory(customer=customer, vin="ZFA35600000111222", plate="GH 456 JK", model="Tipo")
    first, second = AdvisorFactory(dealership=milano), AdvisorFactory(dealership=milano)
    AppointmentFactory(
        advisor=first,
        vehicle=panda,
        customer_requests="Noise from the left wheel since my accident",
        special_requests="Call my office at 02 1234567",
    )
    AppointmentFactory(
        advisor=second,
        vehicle=tipo,
        channel=Channel.WEB,
        status=AppointmentStatus.CANCELLED,
        cancel_reason="In hospital that week",
    )
    AppointmentFactory(advisor=first, vehicle=tipo, status=AppointmentStatus.CLOSED)
    return customer


def _appointment_counts(dealership) -> dict[str, list]:
    """What the KPIs count appointments by."""
    rows = Appointment.objects.for_dealership(dealership)
    return {
        key: sorted(rows.values(key).annotate(n=Count("id")).values_list(key, "n"))
        for key in ("local_day", "status", "advisor_id", "channel", "customer_id", "vehicle_id")
    }


def _page(name, **kwargs):
    return reverse(name, kwargs={"dealership_slug": "milano", **kwargs})


def test_the_export_holds_the_file_its_vehicles_and_appointments(milano, rossi):
    exported = privacy.customer_export(dealership=milano, customer=rossi).as_json()
    assert exported["customer_id"] == rossi.id
    (person,) = exported["customer"]
    assert person["family_name"] == "Rossi"
    assert person["mobile_phone"] == OLD_PHONE
    assert person["notes"] == rossi.notes
    assert sorted(v["plate"] for v in exported["vehicles"]) == ["FG 123 HJ", "GH 456 JK"]
    assert len(exported["ownerships"]) == 0  # the factory records no ownership rows
    requests = sorted(a["customer_requests"] for a in exported["appointments"])
    assert requests == ["", "", "Noise from the left wheel since my accident"]
    assert {a["status"] for a in exported["appointments"]} == {"booked", "cancelled", "closed"}
    assert "erasure" not in exported


def test_the_json_download_and_the_readable_page_show_the_same_data(as_manager, rossi):
    download = as_manager.get(_page("customer_export_json", customer_id=rossi.id))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/json"
    assert "attachment" in download["Content-Disposition"]
    assert download.json()["customer"][0]["email"] == "giulia.rossi@example.it"
    page = as_manager.get(_page("customer_privacy", customer_id=rossi.id)).content.decode()
    for shown in ("giulia.rossi@example.it", "Via Torino 12", "GH 456 JK", "In hospital that week"):
        assert shown in page
    assert "Erase this customer" in page


def test_erasure_anonymises_the_customer_and_keeps_the_appointment_counts(milano, rossi, manager):
    decline = CampaignDecline.objects.create(
        dealership=milano,
        campaign=CampaignFactory(dealership=milano),
        vehicle=rossi.vehicles.first(),
        reason="Her daughter's wedding that day",
        declined_on=date(2026, 3, 1),
    )
    appointment = rossi.appointments.get(status=AppointmentStatus.CANCELLED)
    AppointmentTransition.objects.create(
        dealership=milano,
        appointment=appointment,
        from_status=AppointmentStatus.BOOKED,
        to_status=AppointmentStatus.CANCELLED,
        at=appointment.drop_off_at,
        reason="In hospital that week",
    )
    AccessCode.objects.create(
        dealership=milano,
        customer=rossi,
        vehicle=appointment.vehicle,
        code_hash="x",
        expires_at=appointment.drop_off_at,
    )
    before = _appointment_counts(milano)
    models_before = sorted(rossi.vehicles.values_list("id", "make", "model", "model_year"))

    erasure = services.customer_erase(dealership=milano, customer=rossi, by=manager, reason="E-mail of 1 Dec")

    assert _appointment_counts(milano) == before
    customer = Customer.objects.get(id=rossi.id)
    assert "Rossi" not in customer.family_name
    assert str(rossi.id) in customer.family_name
    assert (customer.given_name, customer.email, customer.street, customer.city, customer.notes) == (
        ("",) * 5
    )
    assert not customer.mobile_phone
    assert not any(
        (
            customer.consent_service_sms,
            customer.consent_service_email,
            customer.consent_marketing_sms,
            customer.consent_marketing_email,
        )
    )
    assert customer.opted_out_at is not None
    assert customer.erased_at == erasure.erased_at
    for vehicle in Vehicle.objects.filter(customer=customer):
        assert vehicle.plate == ""
        assert vehicle.vin not in ("ZFA31200000765432", "ZFA35600000111222")
    # Make, model and year are kept for the statistics.
    assert sorted(customer.vehicles.values_list("id", "make", "model", "model_year")) == models_before
    for kept in Appointment.objects.filter(customer=customer):
        assert (kept.customer_requests, kept.special_requests, kept.cancel_reason) == ("", "", "")
    assert AppointmentTransition.objects.get(appointment=appointment).reason == ""
    decline.refresh_from_db()
    assert "wedding" not in decline.reason
    assert not AccessCode.objects.filter(customer=customer).exists()
    recorded = CustomerErasure.objects.get(customer=customer)
    assert (recorded.erased_by, recorded.reason) == (manager, "E-mail of 1 Dec")


@pytest.mark.parametrize(
    "query",
    ["Rossi", "ross", "FG 123 HJ", "fg123", "ZFA31200000765432", "765432", "347 123 4567", OLD_PHONE],
)
def test_an_erased_customer_is_found_by_no_search(milano, rossi, manager, query):
    assert [m.customer.id for m in selectors.customer_search(dealership=milano, query=query)] == [rossi.id]
    services.customer_erase(dealership=milano, customer=rossi, by=manager, reason="request")
    assert selectors.customer_search(dealership=milano, query=query) == []


def test_an_erased_customer_is_not_found_by_the_placeholder_either(milano, rossi, manager):
    services.customer_erase(dealership=milano, customer=rossi, by=manager, reason="request")
    rossi.refresh_from_db()
    vehicle = rossi.vehicles.first()
    for query in (rossi.family_name, rossi.family_name.split()[0], vehicle.vin, str(vehicle.id)):
        assert selectors.customer_search(dealership=milano, query=query) == [], query


def test_an_erased_file_can_be_neither_edited_nor_erased_again(milano, rossi, manager):
    services.customer_erase(dealership=milano, customer=rossi, by=manager, reason="request")
    with pytest.raises(ValidationError):
        services.customer_update(dealership=milano, customer=rossi, family_name="Rossi")
    with pytest.raises(ValidationError):
        services.vehicle_update(dealership=milano, vehicle=rossi.vehicles.first(), plate="FG 123 HJ")
    with pytest.raises(ValidationError):
        services.vehicle_create(
            dealership=milano, customer=rossi, vin="ZFA31200000999999", make="Fiat", model="Uno"
        )
    with pytest.raises(ValidationError):
        services.customer_erase(dealership=milano, customer=rossi, by=manager, reason="again")
    assert CustomerErasure.objects.filter(customer=rossi).count() == 1
    assert Customer.objects.get(id=rossi.id).given_name == ""


def test_the_edit_page_refuses_an_erased_customer_with_a_message(as_manager, milano, rossi, manager):
    services.customer_erase(dealership=milano, customer=rossi, by=manager, reason="request")
    response = as_manager.post(
        _page("customer_edit", customer_id=rossi.id),
        {"family_name": "Rossi", "preferred_contact": "sms"},
    )
    assert response.status_code == 400
    assert "erased" in response.content.decode()
    assert Customer.objects.get(id=rossi.id).family_name != "Rossi"


def test_the_erase_form_wants_the_family_name_typed_and_a_reason(as_manager, milano, rossi):
    url = _page("customer_privacy", customer_id=rossi.id)
    wrong = as_manager.post(url, {"family_name": "Bianchi", "reason": "request"})
    assert wrong.status_code == 400
    assert "not the customer&#x27;s family name" in wrong.content.decode()
    no_reason = as_manager.post(url, {"family_name": "rossi", "reason": " "})
    assert no_reason.status_code == 400
    assert Customer.objects.get(id=rossi.id).erased_at is None

    done = as_manager.post(url, {"family_name": "rossi", "reason": "Letter of 30 Nov"}, follow=True)
    assert done.status_code == 200
    assert Customer.objects.get(id=rossi.id).erased_at is not None
    page = done.content.decode()
    assert "giulia.rossi@example.it" not in page
    assert "Letter of 30 Nov" in page  # the erasure itself is in the export


def test_only_a_dealer_manager_sees_the_privacy_pages(client, member_of, milano, rossi):
    client.force_login(member_of(Role.SERVICE_ADVISOR, Role.WORKSHOP_MANAGER))
    assert "Privacy" not in client.get(_page("customer_detail", customer_id=rossi.id)).content.decode()
    for name in ("customer_privacy", "customer_export_json"):
        assert client.get(_page(name, customer_id=rossi.id)).status_code == 403
    assert client.post(_page("customer_privacy", customer_id=rossi.id), {}).status_code == 403
    for name in ("api_customer_export", "api_customer_erase"):
        assert client.get(_page(name, customer_id=rossi.id)).status_code in (403, 405)
    assert client.post(_page("api_customer_erase", customer_id=rossi.id), {"reason": "x"}).status_code == 403
    assert Customer.objects.get(id=rossi.id).erased_at is None


def test_the_privacy_link_is_on_the_file_page_for_a_manager(as_manager, rossi):
    body = as_manager.get(_page("customer_detail", customer_id=rossi.id)).content.decode()
    assert _page("customer_privacy", customer_id=rossi.id) in body


def test_another_dealerships_customer_is_not_found(as_manager, sevilla):
    foreign = CustomerFactory(dealership=sevilla, family_name="Secreta")
    for name in ("customer_privacy", "customer_export_json", "api_customer_export"):
        assert as_manager.get(_page(name, customer_id=foreign.id)).status_code == 404
    erase = as_manager.post(_page("api_customer_erase", customer_id=foreign.id), {"reason": "x"})
    assert erase.status_code == 404
    assert Customer.objects.get(id=foreign.id).erased_at is None


def test_the_api_exports_and_erases(as_manager, milano, rossi):
    exported = as_manager.get(_page("api_customer_export", customer_id=rossi.id))
    assert exported.status_code == 200
    assert len(exported.json()["appointments"]) == 3
    refused = as_manager.post(
        _page("api_customer_erase", customer_id=rossi.id), {}, content_type="application/json"
    )
    assert refused.status_code == 400
    assert "reason" in refused.json()["errors"]
    erased = as_manager.post(
        _page("api_customer_erase", customer_id=rossi.id),
        {"reason": "Phone call of 1 Dec"},
        content_type="application/json",
    )
    assert erased.status_code == 201
    assert erased.json()["erased_by"] == "manager"
    again = as_manager.post(
        _page("api_customer_erase", customer_id=rossi.id),
        {"reason": "again"},
        content_type="application/json",
    )
    assert again.status_code == 400
    assert as_manager.get(_page("api_customer_export", customer_id=rossi.id)).json()["erasure"]
