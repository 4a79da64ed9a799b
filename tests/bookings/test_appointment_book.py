"""The booking service: it takes and frees capacity exactly, keeps history, refuses bad moves."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction

from bookings import services
from bookings.models import AppointmentLabour, AppointmentStatus, AppointmentTransition, Channel
from bookings.offers import availability_offer
from bookings.requests import RequestedJob
from config.errors import ForeignRow, IllegalTransition, SlotTaken
from tests.factories.bookings import requested_work
from tests.factories.customers import CampaignFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from tests.workshop.snapshots import at
from workshop.availability import JobLine, SlotRequest
from workshop.models import Skill, WorkshopPolicy
from workshop.services import workshop_policy_save

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
NOW = at(MONDAY, "10:00")


@pytest.fixture
def shop(milano):
    # No kept-free quarters here (their place depends on the advisor's id), except where a test
    # is about them.
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    return {
        "giulia": AdvisorFactory(
            dealership=milano, name="Giulia", max_customers_per_day=2, max_online_per_day=2
        ),
        "technician": TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE, Skill.DIAGNOSIS]),
        "service": JobFactory(dealership=milano, code="SRV", name="Service", labour_minutes=90),
        "vehicle": VehicleFactory(customer__dealership=milano),
    }


def _service_job(shop, minutes=90):
    return [
        RequestedJob(
            description="Service", skill=Skill.MAINTENANCE, labour_minutes=minutes, job=shop["service"]
        )
    ]


def _book(milano, shop, clock="08:00", day=TUESDAY, alice=None, **extra):
    vehicle = extra.pop("vehicle", shop["vehicle"])
    # The tests go on after SlotTaken inside the test's transaction: like the booking pages,
    # they give the call a transaction of its own (appointment_book makes no savepoint).
    with transaction.atomic():
        return services.appointment_book(
            dealership=milano,
            customer=vehicle.customer,
            vehicle=vehicle,
            advisor_id=extra.pop("advisor_id", shop["giulia"].id),
            drop_off=at(day, clock),
            jobs=extra.pop("jobs", _service_job(shop)),
            now=NOW,
            booked_by=alice,
            **extra,
        )


def _offered(milano, minutes=90):
    offer = availability_offer(
        dealership=milano,
        request=SlotRequest(jobs=(JobLine(skill="maintenance", minutes=minutes),), alternatives=6),
        now=NOW,
    )
    return {p.drop_off for p in offer.proposals}


def test_r4_7_booking_writes_the_times_the_labour_and_the_history(milano, shop, alice):
    appointment = _book(
        milano,
        shop,
        alice=alice,
        details=services.AppointmentDetails(customer_requests="Noise from the front left", mileage_km=42_000),
    )
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.drop_off_at == at(TUESDAY, "08:00")
    assert appointment.promised_return_at == at(TUESDAY, "10:00")  # R4.7
    assert appointment.local_day == TUESDAY
    assert list(
        AppointmentLabour.objects.filter(appointment=appointment).values_list("day", "skill", "minutes")
    ) == [(TUESDAY, "maintenance", 90)]
    [history] = AppointmentTransition.objects.filter(appointment=appointment)
    assert (history.from_status, history.to_status, history.by) == ("", AppointmentStatus.BOOKED, alice)
    assert appointment.jobs.get().job == shop["service"]


def test_r4_2_a_booked_time_is_no_longer_offered_and_cancelling_gives_it_back(milano, shop, alice):
    assert at(TUESDAY, "08:00") in _offered(milano)
    appointment = _book(milano, shop)
    assert at(TUESDAY, "08:00") not in _offered(milano)
    with pytest.raises(SlotTaken):
        _book(milano, shop, vehicle=VehicleFactory(customer__dealership=milano))
    services.appointment_cancel(
        dealership=milano, appointment=appointment, reason="customer away", by=alice, now=NOW
    )
    assert at(TUESDAY, "08:00") in _offered(milano)
    assert _book(milano, shop).drop_off_at == at(TUESDAY, "08:00")


def test_r4_2_the_advisors_maximum_is_enforced_at_booking(milano, shop):
    _book(milano, shop, clock="08:00")
    _book(milano, shop, clock="10:00", vehicle=VehicleFactory(customer__dealership=milano))
    # A workshop manager asks for times past the maximum (R4.2 override) and books one.
    beyond = SlotRequest(jobs=(JobLine(skill="maintenance", minutes=90),), beyond_maximum=True)
    time_past_maximum = availability_offer(dealership=milano, request=beyond, now=NOW).proposals[0].drop_off
    assert time_past_maximum.date() == TUESDAY
    third = VehicleFactory(customer__dealership=milano)
    with pytest.raises(SlotTaken):  # Giulia takes two a day
        _book(
            milano,
            shop,
            vehicle=third,
            day=TUESDAY,
            clock=time_past_maximum.astimezone(milano.tz).strftime("%H:%M"),
        )
    override = _book(
        milano,
        shop,
        vehicle=third,
        clock=time_past_maximum.astimezone(milano.tz).strftime("%H:%M"),
        capacity_override_reason="VIP",
    )
    assert override.capacity_override_reason == "VIP"


def test_r4_3_a_normal_booking_cannot_take_the_kept_free_quarter_but_a_comeback_can(milano, shop):
    from bookings.capacity import capacity_load
    from workshop.availability import Policy, kept_free_quarters

    workshop_policy_save(dealership=milano, kept_free_minutes_per_hour=15)
    advisor_day = capacity_load(dealership=milano, start=TUESDAY, end=TUESDAY).days[0].advisors[0]
    on_the_grid = [
        q
        for q in kept_free_quarters(advisor_day, Policy(), milano.tz)
        if q.start.astimezone(milano.tz).minute % 30 == 0
    ]
    clock = on_the_grid[0].start.astimezone(milano.tz).strftime("%H:%M")
    with pytest.raises(SlotTaken):
        _book(milano, shop, clock=clock)
    comeback = _book(milano, shop, clock=clock, comeback=True)  # R2.3: within 48 hours
    assert comeback.uses_kept_free_time
    assert comeback.kind == "comeback"


def test_r4_3_the_check_at_booking_keeps_each_advisors_own_kept_free_quarters(milano, shop):
    """The booking confirms its time loading the chosen advisor alone; the quarter kept free
    still turns with that advisor's place among all of them, as in the offer."""
    from bookings.capacity import capacity_load
    from workshop.availability import Policy, kept_free_quarters

    workshop_policy_save(dealership=milano, kept_free_minutes_per_hour=15)
    marco = AdvisorFactory(dealership=milano, name="Marco", max_customers_per_day=8)
    giulia_day, marco_day = capacity_load(dealership=milano, start=TUESDAY, end=TUESDAY).days[0].advisors
    assert marco_day.advisor_id == marco.id

    def on_the_grid(advisor_day):
        return {
            q.start
            for q in kept_free_quarters(advisor_day, Policy(), milano.tz)
            if q.start.astimezone(milano.tz).minute % 30 == 0
        }

    marcos_only = sorted(on_the_grid(marco_day) - on_the_grid(giulia_day))
    assert marcos_only, "the two advisors keep different quarters free"
    clock = marcos_only[0].astimezone(milano.tz).strftime("%H:%M")
    with pytest.raises(SlotTaken):
        _book(milano, shop, clock=clock, advisor_id=marco.id)
    assert _book(milano, shop, clock=clock).advisor_id == shop["giulia"].id


@pytest.mark.parametrize(
    ("day", "clock"),
    [
        (MONDAY, "08:00"),  # in the past
        (MONDAY, "11:00"),  # today: no same-day booking by default (R4.4)
        (TUESDAY, "07:30"),  # before opening
        (TUESDAY, "12:45"),  # lunch break
        (TUESDAY, "08:10"),  # off the slot grid
        (MONDAY + timedelta(days=6), "10:00"),  # Sunday
    ],
)
def test_times_the_rules_do_not_allow_are_refused(milano, shop, day, clock):
    with pytest.raises(SlotTaken):
        _book(milano, shop, day=day, clock=clock)


def test_a_vehicle_must_be_on_the_customers_file(milano, shop):
    someone_else = VehicleFactory(customer__dealership=milano)
    with pytest.raises(ValidationError) as caught:
        services.appointment_book(
            dealership=milano,
            customer=shop["vehicle"].customer,
            vehicle=someone_else,
            advisor_id=shop["giulia"].id,
            drop_off=at(TUESDAY, "08:00"),
            jobs=_service_job(shop),
            now=NOW,
            booked_by=None,
        )
    assert "vehicle" in caught.value.message_dict


def test_r2_4_open_campaigns_are_added_as_jobs(milano, shop):
    from customers.models import CampaignVin

    campaign = CampaignFactory(dealership=milano, labour_minutes=30, starts_on=date(2026, 1, 1))
    CampaignVin.objects.create(dealership=milano, campaign=campaign, vin=shop["vehicle"].vin)
    work = requested_work(milano, now=NOW, jobs=["SRV"], vehicle=shop["vehicle"])
    appointment = _book(milano, shop, jobs=work.jobs)
    assert [(j.job_id, j.campaign_id) for j in appointment.jobs.order_by("id")] == [
        (shop["service"].id, None),
        (None, campaign.id),
    ]
    assert appointment.labour_minutes == 120


def test_rescheduling_moves_the_same_appointment_and_frees_the_old_time(milano, shop, alice):
    appointment = _book(milano, shop)
    services.appointment_transition(
        dealership=milano, appointment=appointment, to_status=AppointmentStatus.CONFIRMED, by=alice, now=NOW
    )
    moved = services.appointment_reschedule(
        dealership=milano,
        appointment=appointment,
        advisor_id=shop["giulia"].id,
        drop_off=at(TUESDAY + timedelta(days=1), "14:00"),
        by=alice,
        now=NOW,
        reason="customer asked",
    )
    assert moved.id == appointment.id
    assert moved.status == AppointmentStatus.BOOKED  # to be confirmed again (R5.4)
    assert moved.local_day == TUESDAY + timedelta(days=1)
    assert list(moved.labour.values_list("day", flat=True)) == [TUESDAY + timedelta(days=1)]
    assert at(TUESDAY, "08:00") in _offered(milano)
    rescheduled = moved.transitions.get(kind=AppointmentTransition.Kind.RESCHEDULED)
    assert rescheduled.previous_drop_off_at == at(TUESDAY, "08:00")
    assert rescheduled.reason == "customer asked"


def test_rescheduling_onto_its_own_time_or_into_a_full_day(milano, shop):
    appointment = _book(milano, shop)
    # Its own capacity does not block it: a move by half an hour is fine.
    services.appointment_reschedule(
        dealership=milano,
        appointment=appointment,
        advisor_id=shop["giulia"].id,
        drop_off=at(TUESDAY, "09:00"),
        by=None,
        now=NOW,
    )
    other = _book(milano, shop, clock="10:00", vehicle=VehicleFactory(customer__dealership=milano))
    wednesday = _book(
        milano, shop, day=TUESDAY + timedelta(days=1), vehicle=VehicleFactory(customer__dealership=milano)
    )
    _book(
        milano,
        shop,
        day=TUESDAY + timedelta(days=1),
        clock="10:00",
        vehicle=VehicleFactory(customer__dealership=milano),
    )
    with pytest.raises(SlotTaken):  # Wednesday is at Giulia's maximum
        services.appointment_reschedule(
            dealership=milano,
            appointment=other,
            advisor_id=shop["giulia"].id,
            drop_off=at(TUESDAY + timedelta(days=1), "14:00"),
            by=None,
            now=NOW,
        )
    assert wednesday.status == AppointmentStatus.BOOKED


@pytest.mark.parametrize("status", [AppointmentStatus.ARRIVED, AppointmentStatus.CANCELLED])
def test_an_appointment_past_its_open_states_cannot_be_moved(milano, shop, status):
    appointment = _book(milano, shop)
    services.appointment_transition(
        dealership=milano, appointment=appointment, to_status=status, by=None, now=NOW, reason="gone"
    )
    with pytest.raises(IllegalTransition):
        services.appointment_reschedule(
            dealership=milano,
            appointment=appointment,
            advisor_id=shop["giulia"].id,
            drop_off=at(TUESDAY, "14:00"),
            by=None,
            now=NOW,
        )


def test_illegal_transitions_and_cancelling_without_a_reason_are_refused(milano, shop):
    appointment = _book(milano, shop)
    with pytest.raises(IllegalTransition):
        services.appointment_transition(
            dealership=milano,
            appointment=appointment,
            to_status=AppointmentStatus.DELIVERED,
            by=None,
            now=NOW,
        )
    with pytest.raises(ValidationError) as caught:
        services.appointment_cancel(dealership=milano, appointment=appointment, reason="  ", by=None, now=NOW)
    assert "reason" in caught.value.message_dict
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.transitions.count() == 1


def test_the_whole_lifecycle_is_recorded(milano, shop, alice):
    appointment = _book(milano, shop, channel=Channel.WEB)
    path = [
        AppointmentStatus.CONFIRMED,
        AppointmentStatus.ARRIVED,
        AppointmentStatus.IN_WORKSHOP,
        AppointmentStatus.QUALITY_CHECK,
        AppointmentStatus.IN_WORKSHOP,
        AppointmentStatus.QUALITY_CHECK,
        AppointmentStatus.READY,
        AppointmentStatus.DELIVERED,
        AppointmentStatus.CLOSED,
    ]
    for status in path:
        services.appointment_transition(
            dealership=milano, appointment=appointment, to_status=status, by=alice, now=NOW
        )
    history = list(appointment.transitions.values_list("to_status", flat=True))
    assert history == [AppointmentStatus.BOOKED, *path]


def test_another_dealerships_appointment_is_refused(milano, shop, sevilla):
    appointment = _book(milano, shop)
    with pytest.raises(ForeignRow):  # answered 404, like an unknown id
        services.appointment_cancel(dealership=sevilla, appointment=appointment, reason="x", by=None, now=NOW)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
