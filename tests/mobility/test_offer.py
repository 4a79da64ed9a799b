"""One offer for workshop and mobility (R3.1, R3.3, R3.4, R3.7): only times whose whole
immobilisation has the chosen solution free, each saying which car; when the fleet is full on
the wanted day, when it is next free and the times from then on."""

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from bookings.mobility_hooks import MobilityOffer, layer
from bookings.models import MobilityKind
from bookings.offers import availability_offer
from customers.models import Programme
from mobility.hooks import mobility_options
from mobility.models import HANDOVER_EXPLANATION_MINUTES, MobilityPolicy, SolutionKind
from mobility.offers import mobility_offer
from mobility.snapshot import FLEET_READ_QUERIES
from tests.factories.customers import ProgrammeFactory, VehicleFactory
from tests.factories.mobility import FleetVehicleFactory, MobilitySolutionFactory, ReservationFactory
from tests.factories.workshop import AdvisorFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.availability import JobLine, SlotRequest
from workshop.models import Skill, WorkshopPolicy

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
THURSDAY = MONDAY + timedelta(days=3)
NOW = at(MONDAY, "10:00")
REQUEST = SlotRequest(
    jobs=(JobLine(skill="maintenance", minutes=120),), wished_day=TUESDAY, mobility_needed=True
)


@pytest.fixture
def shop(milano):
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    AdvisorFactory(dealership=milano, name="Giulia", max_customers_per_day=8, max_online_per_day=8)
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    courtesy = MobilitySolutionFactory(
        dealership=milano,
        kind=SolutionKind.BRAND_COURTESY_CAR,
        name="Maserati courtesy car",
        free_under_warranty=True,
        daily_cost=Decimal("45"),
        currency="EUR",
        daily_value=Decimal("45"),
    )
    return {"courtesy": courtesy, "car": FleetVehicleFactory(solution=courtesy, plate="GR001MI")}


def _offer(milano, kind=MobilityKind.BRAND_COURTESY_CAR, request=REQUEST) -> MobilityOffer:
    return mobility_offer(dealership=milano, request=request, mobility_kind=kind, now=NOW)


def test_r3_1_each_time_offered_keeps_the_car_free_for_the_whole_immobilisation(milano, shop):
    offer = _offer(milano)
    assert offer.offer.proposals
    assert offer.next_free is None
    for proposal, note in offer.rows:
        # Which car (R3.8), handed over once the work is explained (R3.7).
        assert note.startswith("Maserati courtesy car: Maserati Grecale (GR001MI), from ")
        assert proposal.promised_return > proposal.drop_off


def test_r3_7_when_the_fleet_is_full_on_the_wanted_day_the_offer_starts_when_it_is_next_free(milano, shop):
    ReservationFactory(
        solution=shop["courtesy"],
        fleet_vehicle=shop["car"],
        departure_at=at(MONDAY, "07:00"),
        return_at=at(THURSDAY, "12:00"),
    )
    offer = _offer(milano)
    assert offer.next_free == at(THURSDAY, "12:00")
    assert "next free" in offer.message
    assert offer.offer.proposals
    assert all(p.drop_off >= at(THURSDAY, "12:00") for p in offer.offer.proposals)
    assert all("(GR001MI)" in note for note in offer.notes)


def test_r3_7_asked_again_from_the_next_free_time_the_offer_reads_nothing_more(
    milano, shop, django_assert_num_queries
):
    """When the car is not free at the first times, the offer searches again from its next free
    time in the workshop capacity and the fleet it has read: the queries of the workshop's offer
    alone and the fleet's version, whatever it takes."""
    ReservationFactory(
        solution=shop["courtesy"],
        fleet_vehicle=shop["car"],
        departure_at=at(MONDAY, "07:00"),
        return_at=at(THURSDAY, "12:00"),
    )
    assert _offer(milano).next_free == at(THURSDAY, "12:00")  # the settings and the fleet in memory
    with CaptureQueriesContext(connection) as workshop:
        availability_offer(dealership=milano, request=REQUEST, now=NOW)
    with django_assert_num_queries(len(workshop) + FLEET_READ_QUERIES):
        offer = _offer(milano)
    assert offer.next_free == at(THURSDAY, "12:00")


def test_r3_7_the_times_proposed_leave_time_to_explain_the_work_before_the_car_is_handed_over(milano, shop):
    """R3.7: "propose those dates and times (leaving time to explain the work at hand-over)". The
    car is back on Thursday at 12:00 and the advisor takes 30 minutes to explain the work: the
    customer is offered 11:30, the car is handed over at 12:00, and the note says so."""
    MobilityPolicy.objects.filter(dealership=milano).update(handover_explanation_minutes=30)
    ReservationFactory(
        solution=shop["courtesy"],
        fleet_vehicle=shop["car"],
        departure_at=at(MONDAY, "07:00"),
        return_at=at(THURSDAY, "12:00"),
    )
    with translation.override("en"):
        offer = _offer(milano)
    assert offer.next_free == at(THURSDAY, "12:00")
    assert offer.offer.proposals[0].drop_off == at(THURSDAY, "11:30")
    assert all(p.drop_off + timedelta(minutes=30) >= at(THURSDAY, "12:00") for p in offer.offer.proposals)
    assert offer.notes[0].startswith("Maserati courtesy car: Maserati Grecale (GR001MI), from ")
    assert offer.notes[0].endswith(" after 30 min to explain the work")


def test_r3_7_times_that_clash_with_the_car_are_dropped_and_later_ones_kept(milano, shop):
    # The car is out on Tuesday morning only: Tuesday's early times go, the others stay.
    ReservationFactory(
        solution=shop["courtesy"],
        fleet_vehicle=shop["car"],
        departure_at=at(MONDAY, "07:00"),
        return_at=at(TUESDAY, "13:00"),
    )
    offer = _offer(milano)
    assert offer.offer.proposals
    assert all(p.drop_off >= at(TUESDAY, "13:00") for p in offer.offer.proposals)


def test_r3_7_when_the_car_is_not_free_on_the_wished_day_the_offer_says_when_it_next_is(milano, shop):
    """The car is free on the first days offered but out all Thursday, the day the customer
    asked for: those times are kept, and the offer says when the car is next free and proposes
    that time too, instead of leaving the wished day out without a word."""
    back = at(THURSDAY + timedelta(days=1), "12:00")
    ReservationFactory(
        solution=shop["courtesy"],
        fleet_vehicle=shop["car"],
        departure_at=at(THURSDAY, "00:00"),
        return_at=back,
    )
    offer = _offer(milano, request=replace(REQUEST, wished_day=THURSDAY))
    days = [p.day for p in offer.offer.proposals]
    assert TUESDAY in days  # the times the car is free for stay
    assert THURSDAY not in days
    assert offer.next_free == back
    assert "next free" in offer.message
    last, note = offer.rows[-1]
    assert last.drop_off >= back - timedelta(minutes=HANDOVER_EXPLANATION_MINUTES)
    assert "(GR001MI)" in note
    assert len(offer.notes) == len(offer.offer.proposals)


def test_r3_4_a_kind_the_dealership_does_not_plan_leaves_the_workshop_offer_as_it_is(milano, shop):
    plain = layer().offer(dealership=milano, request=REQUEST, mobility_kind="none", now=NOW)
    taxi = _offer(milano, kind=MobilityKind.TAXI)
    assert [p.drop_off for p in taxi.offer.proposals] == [p.drop_off for p in plain.offer.proposals]
    assert taxi.notes == ()


def test_r3_3_every_solution_is_listed_with_its_entitlement_and_value(milano, shop):
    MobilitySolutionFactory(
        dealership=milano, kind=SolutionKind.RENTAL, name="Rent-a-car", rental_allowed=False
    )
    MobilitySolutionFactory(
        dealership=milano,
        kind=SolutionKind.PICKUP_DELIVERY,
        name="Pick-up",
        daily_cost=Decimal("25"),
        currency="EUR",
    )
    vehicle = VehicleFactory(
        customer__dealership=milano, warranty_start=date(2025, 1, 1), warranty_end=date(2028, 1, 1)
    )
    ProgrammeFactory(
        vehicle=vehicle,
        kind=Programme.Kind.PICKUP_DELIVERY,
        name="Door to door",
        valid_from=date(2026, 1, 1),
        valid_until=date(2027, 1, 1),
        entitles_pickup_delivery=True,
    )
    with translation.override("en"):
        options = {
            o.value: o
            for o in mobility_options(
                dealership=milano, vehicle=vehicle, job_minutes=120, online=False, now=NOW
            )
        }
    assert list(options)[:2] == ["brand_courtesy_car", "rental"]  # R3.4's order first
    assert options["brand_courtesy_car"].terms == "Free under your warranty, worth 45 EUR a day"
    assert options["brand_courtesy_car"].free
    assert options["pickup_delivery"].terms == "Free under your programme “Door to door”"
    assert not options["rental"].offered  # listed, with the reason (R3.3)
    assert {"taxi", "public_transport", "staff_driver", "waiting", "other"} <= set(options)
