"""The guided phone booking (R2.1-R2.6, R4.4, R5.1-R5.2) as the operator goes through a call."""

import re
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from bookings.models import Appointment, ScriptPhrase
from customers.models import CampaignDecline, CampaignVin, MileageReading, Vehicle
from tests.factories.customers import CampaignFactory, CustomerFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.models import Advisor, Skill, WorkshopPolicy

MONDAY = date(2026, 11, 23)


@pytest.fixture(autouse=True)
def _monday_morning():
    with time_machine.travel(at(MONDAY, "10:00"), tick=False):
        yield


@pytest.fixture
def call(milano, alice):
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE, Skill.DIAGNOSIS])
    JobFactory(dealership=milano, code="SRV", name="Tagliando", labour_minutes=90)
    customer = CustomerFactory(dealership=milano, given_name="Mario", family_name="Bianchi", language="en")
    vehicle = VehicleFactory(customer=customer, plate="AB 123 CD")
    alice.first_name = "Alice"
    alice.save()
    return {"customer": customer, "vehicle": vehicle}


URL = reverse("phone_booking", kwargs={"dealership_slug": "milano"})


def test_r2_1_the_page_opens_with_the_greeting_and_finds_the_customer(client, alice, call):
    client.force_login(alice)
    page = client.get(URL).content.decode()
    # In the dealership's language, the operator named by given and family name, as the guide says.
    assert "Autosalone Milano, Service, Alice Advisor, buongiorno." in page
    # Typed live, the results list the files; sent with Enter, the one file found opens.
    found = client.get(URL, {"q": "ab123"}, headers={"HX-Request": "true"}).content.decode()
    assert f'href="?customer={call["customer"].id}"' in found
    opened = client.get(URL, {"q": "ab123"})
    assert opened["Location"] == f"{URL}?customer={call['customer'].id}"


def test_several_files_found_are_listed_with_their_phone_numbers_to_tell_them_apart(client, alice, call):
    for phone in ("+39 333 111 2222", "+39 333 444 5555"):
        CustomerFactory(dealership=call["customer"].dealership, family_name="Greco", mobile_phone=phone)
    client.force_login(alice)
    found = client.get(URL, {"q": "Greco"})
    assert found.status_code == 200
    page = found.content.decode()
    assert "+39 333 111 2222" in page
    assert "+39 333 444 5555" in page


def test_r2_5_the_customer_is_confirmed_and_r2_4_open_campaigns_show(client, alice, call, milano):
    campaign = CampaignFactory(dealership=milano, code="REC-7", labour_minutes=30, starts_on=date(2026, 1, 1))
    CampaignVin.objects.create(dealership=milano, campaign=campaign, vin=call["vehicle"].vin)
    client.force_login(alice)
    page = client.get(URL, {"customer": call["customer"].id}).content.decode()
    assert "Confirm with the customer:" in page
    assert "REC-7" in page


def _answers(call, **extra):
    return {
        "customer": call["customer"].id,
        "vehicle": call["vehicle"].id,
        "kind": "maintenance",
        "jobs": ["SRV"],
        "extra_skill": "maintenance",
        "mobility": "none",
        "find": "1",
        **extra,
    }


def test_r4_4_finding_times_gives_the_double_offer_and_more_on_demand(client, alice, call):
    client.force_login(alice)
    page = client.get(URL, _answers(call)).content.decode()
    assert page.count('name="proposal"') == 2
    assert "busy period" in page
    assert "quiet period" in page
    assert "The earliest possible time." in page  # each time says why it is offered
    more = client.get(URL, _answers(call, more="1")).content.decode()
    assert more.count('name="proposal"') == 6


def test_r5_1_r5_2_r3_6_booking_ends_with_the_recap_and_the_documents_in_the_customers_language(
    client, alice, call
):
    client.force_login(alice)
    giulia = Advisor.objects.get(name="Giulia Conti")
    response = client.post(
        URL + "?find=1",
        {
            **_answers(call),
            "proposal": f"{giulia.id}|2026-11-24T08:00:00+01:00",
            "customer_requests": "noise",
        },
        follow=True,
    )
    appointment = Appointment.objects.get()
    assert response.redirect_chain[-1][0].endswith(f"/appointments/{appointment.id}/booked/")
    page = response.content.decode()
    recap = page[page.index("Read to the customer") :]
    expected = (
        "We expect you on Tuesday Nov. 24, 2026 at 8 a.m. at the service reception of Autosalone Milano."
    )
    assert expected in recap, recap[:900]
    assert "We plan to hand the car back at 10 a.m. on Tuesday Nov. 24, 2026." in recap
    assert "Please bring your driving licence" in page
    assert (
        "Driving licence, Vehicle registration document, Owner&#x27;s manual or service book" in page
    )  # R3.6
    assert appointment.customer_requests == "noise"
    assert appointment.booked_by == alice


def test_a_time_taken_meanwhile_shows_the_next_times(client, alice, call, milano):
    client.force_login(alice)
    giulia = Advisor.objects.get(name="Giulia Conti")
    choice = f"{giulia.id}|2026-11-24T10:00:00+01:00"  # later than the earliest
    client.post(URL, {**_answers(call), "proposal": choice})
    other = VehicleFactory(customer=CustomerFactory(dealership=milano))
    again = client.post(
        URL, {**_answers(call), "customer": other.customer_id, "vehicle": other.id, "proposal": choice}
    )
    assert again.status_code == 400
    page = again.content.decode()
    assert "That time was just taken. Here are the next free times." in page
    offered = [
        datetime.fromisoformat(t)
        for t in re.findall(r'name="proposal" id="[^"]+" value="\d+\|([^"]+)"', page)
    ]
    assert offered
    assert all(t > datetime.fromisoformat("2026-11-24T08:00:00+01:00") for t in offered)  # the times after it
    assert Appointment.objects.count() == 1


def test_missing_answers_are_named_on_the_page(client, alice, call):
    client.force_login(alice)
    page = client.get(URL, _answers(call, jobs=[], vehicle="")).content.decode()
    assert "Choose at least one job or give the labour time." in page
    assert 'name="proposal"' not in page
    assert Appointment.objects.count() == 0


def test_r1_2_a_customer_of_another_dealership_is_not_shown(client, alice, call, sevilla):
    stranger = CustomerFactory(dealership=sevilla, family_name="Secreta")
    client.force_login(alice)
    page = client.get(URL, {"customer": stranger.id}).content.decode()
    assert "Secreta" not in page


def test_the_next_day_is_proposed_from_a_sunday_call(client, alice, call):
    client.force_login(alice)
    with time_machine.travel(at(MONDAY + timedelta(days=6), "10:00"), tick=False):
        page = client.get(URL, _answers(call)).content.decode()
    assert "Monday Nov. 30, 2026, 8 a.m." in page  # the English formats


@pytest.mark.parametrize("forged", ["nonsense", "1|2026-11-24T08:00:00", "x|y|z"])
def test_a_forged_choice_is_a_clear_error_not_a_500(client, alice, call, forged):
    client.force_login(alice)
    response = client.post(URL, {**_answers(call), "proposal": forged})
    assert response.status_code == 400
    assert "Choose one of the times offered." in response.content.decode()
    assert not Appointment.objects.exists()


def test_r2_2_r2_6_the_reason_and_the_requests_are_recorded(client, alice, call):
    client.force_login(alice)
    page = client.get(URL, {"customer": call["customer"].id}).content.decode()
    for reason in ("Maintenance", "Repair", "Diagnosis", "Recall or campaign", "Comeback", "Other"):
        assert reason in page  # R2.2: the reasons customers call for
    giulia = Advisor.objects.get(name="Giulia Conti")
    answers = _answers(
        call,
        kind="repair",
        customer_requests="Rattle over bumps",
        test_drive_needed="on",
        replacement_vehicle_wanted="on",
        special_requests="Please keep the seat position",
        mileage_km="61200",
    )
    client.post(URL, {**answers, "proposal": f"{giulia.id}|2026-11-24T08:00:00+01:00"})
    appointment = Appointment.objects.get()
    assert appointment.kind == "repair"
    assert (appointment.customer_requests, appointment.special_requests) == (
        "Rattle over bumps",
        "Please keep the seat position",
    )
    assert appointment.test_drive_needed
    assert appointment.replacement_vehicle_wanted
    assert appointment.mileage_km == 61200


def test_r3_3_every_mobility_solution_is_offered_during_the_call(client, alice, call):
    client.force_login(alice)
    page = client.get(URL, {"customer": call["customer"].id}).content.decode()
    for option in (
        "Courtesy car",
        "Pick-up and delivery",
        "Taxi",
        "A staff member drives the customer",
        "Public transport",
    ):
        assert option in page


def test_r5_3_who_booked_and_when_is_recorded_at_once(client, alice, call):
    client.force_login(alice)
    giulia = Advisor.objects.get(name="Giulia Conti")
    client.post(URL, {**_answers(call), "proposal": f"{giulia.id}|2026-11-24T08:00:00+01:00"})
    appointment = Appointment.objects.get()
    assert appointment.booked_by == alice
    assert appointment.created_at == at(MONDAY, "10:00")  # in the system during the call
    assert appointment.transitions.get().at == at(MONDAY, "10:00")


def test_r2_1_the_dealership_may_greet_with_the_given_name_only(client, alice, call, milano):
    ScriptPhrase.objects.create(
        dealership=milano,
        key=ScriptPhrase.Key.GREETING,
        language="it",
        text="{dealership}, sono {given_name}.",
    )
    client.force_login(alice)
    assert "Autosalone Milano, sono Alice." in client.get(URL).content.decode()


@pytest.mark.parametrize("reason", ["bodywork", "tyres"])
def test_r2_2_bodywork_and_tyres_are_reasons_the_operator_records(client, alice, call, reason):
    client.force_login(alice)
    page = client.get(URL, {"customer": call["customer"].id}).content.decode()
    assert f'name="kind" value="{reason}"' in page
    giulia = Advisor.objects.get(name="Giulia Conti")
    client.post(URL, {**_answers(call, kind=reason), "proposal": f"{giulia.id}|2026-11-24T08:00:00+01:00"})
    assert Appointment.objects.get().kind == reason


@pytest.fixture
def recall(milano, call):
    campaign = CampaignFactory(
        dealership=milano, code="REC-7", title="Airbag", labour_minutes=30, starts_on=date(2026, 1, 1)
    )
    CampaignVin.objects.create(dealership=milano, campaign=campaign, vin=call["vehicle"].vin)
    return campaign


def test_r2_4_an_open_campaign_the_customer_declines_is_left_out_with_the_reason_recorded(
    client, alice, call, recall
):
    client.force_login(alice)
    giulia = Advisor.objects.get(name="Giulia Conti")
    answers = {
        **_answers(call),
        "declined_campaigns": [recall.id],
        "proposal": f"{giulia.id}|2026-11-24T08:00:00+01:00",
    }
    without_reason = client.post(URL, answers)
    assert without_reason.status_code == 400
    assert "Say why the customer declines the campaign." in without_reason.content.decode()
    assert not Appointment.objects.exists()
    client.post(URL, {**answers, "decline_reason": "No time for the recall today"})
    appointment = Appointment.objects.get()
    assert [job.campaign_id for job in appointment.jobs.all()] == [None]
    decline = CampaignDecline.objects.get()
    assert (decline.campaign, decline.vehicle, decline.reason, decline.recorded_by) == (
        recall,
        call["vehicle"],
        "No time for the recall today",
        alice,
    )


def test_r2_4_an_open_campaign_not_declined_joins_the_jobs(client, alice, call, recall):
    client.force_login(alice)
    giulia = Advisor.objects.get(name="Giulia Conti")
    client.post(URL, {**_answers(call), "proposal": f"{giulia.id}|2026-11-24T08:00:00+01:00"})
    assert recall.id in [job.campaign_id for job in Appointment.objects.get().jobs.all()]
    assert not CampaignDecline.objects.exists()


def test_the_mileage_given_at_booking_becomes_the_vehicles_reading(client, alice, call):
    client.force_login(alice)
    giulia = Advisor.objects.get(name="Giulia Conti")
    client.post(
        URL, {**_answers(call, mileage_km="61200"), "proposal": f"{giulia.id}|2026-11-24T08:00:00+01:00"}
    )
    call["vehicle"].refresh_from_db()
    assert (call["vehicle"].mileage_km, call["vehicle"].mileage_read_on) == (61_200, MONDAY)
    reading = MileageReading.objects.get(vehicle=call["vehicle"])
    assert reading.source == MileageReading.Source.BOOKING


def test_a_mileage_lower_than_the_last_reading_is_a_field_error(client, alice, call):
    Vehicle.objects.filter(pk=call["vehicle"].pk).update(mileage_km=70_000, mileage_read_on=date(2026, 9, 1))
    client.force_login(alice)
    page = client.get(URL, _answers(call, mileage_km="61200"))
    assert page.status_code == 200
    assert (
        "The last reading was 70,000 km on 09/01/2026: the mileage cannot be lower." in page.content.decode()
    )
    assert 'name="proposal"' not in page.content.decode()
