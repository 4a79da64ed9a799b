"""The capacity ledger (bookings.ledger) is what the appointments give, after any sequence of
changes through the services: the rebuild from the appointments finds nothing to correct.
The offer and the booking's check read it, never the receptions; holds count while they last
without being written in it; the rebuild command repairs rows written by other means."""

import importlib
from collections import Counter
from datetime import date, timedelta

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings import services
from bookings.capacity import capacity_load
from bookings.ledger import DayLedger, capacity_ledger_rebuild, ledger_compute
from bookings.models import Appointment, AppointmentStatus, CapacityLock, Channel
from bookings.offers import availability_offer
from bookings.requests import RequestedJob
from config.errors import DomainError
from tests.factories.bookings import AppointmentFactory
from tests.factories.customers import VehicleFactory
from tests.factories.workshop import AdvisorFactory, TechnicianFactory
from tests.workshop.snapshots import at, minutes_of
from workshop.availability import JobLine, SlotRequest
from workshop.capacity_settings import capacity_settings
from workshop.models import Skill, WorkshopPolicy

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
NOW = at(MONDAY, "10:00")
DAYS = [TUESDAY + timedelta(days=n) for n in range(4)]  # Tuesday to Friday
CLOCKS = [f"{hour:02d}:{minute:02d}" for hour in (8, 9, 10, 11, 14, 15, 16, 17) for minute in (0, 30)]
WHOLE_WEEKS = (MONDAY, MONDAY + timedelta(days=20))


@pytest.fixture
def shop(milano):
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    advisors = [
        AdvisorFactory(dealership=milano, name=name, max_customers_per_day=3, max_online_per_day=2)
        for name in ("Giulia", "Marco")
    ]
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    vehicles = [VehicleFactory(customer__dealership=milano) for _ in range(4)]
    return {"advisors": advisors, "vehicles": vehicles}


def _stored(dealership) -> dict[date, DayLedger]:
    """The ledger as the services wrote it: the rows with something taken."""
    rows = CapacityLock.objects.for_dealership(dealership).values_list("day", "advisors", "labour")
    ledger = {day: DayLedger.from_columns(day, advisors, labour) for day, advisors, labour in rows}
    return {day: day_ledger for day, day_ledger in ledger.items() if day_ledger.advisors or day_ledger.labour}


def _as_compared(ledger: dict[date, DayLedger]) -> dict[date, tuple]:
    return {day: (day_ledger.advisors, day_ledger.labour) for day, day_ledger in ledger.items()}


books = st.tuples(
    st.just("book"),
    st.integers(0, 1),  # advisor
    st.sampled_from(DAYS),
    st.sampled_from(CLOCKS),
    st.sampled_from([30, 90, 240, 600]),  # labour: 600 minutes runs onto the next day
    st.booleans(),  # online
    st.sampled_from(["", "", "", "VIP customer"]),  # a workshop manager past the maximum
)
moves = st.tuples(
    st.just("move"), st.integers(0, 30), st.integers(0, 1), st.sampled_from(DAYS), st.sampled_from(CLOCKS)
)
status_changes = st.tuples(
    st.just("status"),
    st.integers(0, 30),
    st.sampled_from([AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW, AppointmentStatus.CONFIRMED]),
)
holds = st.tuples(
    st.just("hold"), st.integers(0, 2), st.integers(0, 1), st.sampled_from(DAYS), st.sampled_from(CLOCKS)
)
steps = st.lists(st.one_of(books, books, moves, status_changes, holds), min_size=1, max_size=14)


def _run(milano, shop, step) -> None:
    kind, *values = step
    booked = list(Appointment.objects.for_dealership(milano).order_by("id"))
    if kind == "book":
        advisor, day, clock, labour, online, override = values
        vehicle = shop["vehicles"][len(booked) % len(shop["vehicles"])]
        services.appointment_book(
            dealership=milano,
            customer=vehicle.customer,
            vehicle=vehicle,
            advisor_id=shop["advisors"][advisor].id,
            drop_off=at(day, clock),
            jobs=[RequestedJob(description="Work", skill=Skill.MAINTENANCE, labour_minutes=labour)],
            now=NOW,
            booked_by=None,
            channel=Channel.WEB if online else Channel.PHONE,
            capacity_override_reason=override,
        )
    elif kind == "move" and booked:
        which, advisor, day, clock = values
        services.appointment_reschedule(
            dealership=milano,
            appointment=booked[which % len(booked)],
            advisor_id=shop["advisors"][advisor].id,
            drop_off=at(day, clock),
            by=None,
            now=NOW,
        )
    elif kind == "status" and booked:
        which, to_status = values
        services.appointment_transition(
            dealership=milano,
            appointment=booked[which % len(booked)],
            to_status=to_status,
            by=None,
            now=NOW,
            reason="customer away",
        )
    elif kind == "hold":
        holder, advisor, day, clock = values
        services.slot_hold(
            dealership=milano,
            holder=f"browser-{holder}",
            request=SlotRequest(jobs=(JobLine(skill=Skill.MAINTENANCE, minutes=30),), online=True),
            advisor_id=shop["advisors"][advisor].id,
            drop_off=at(day, clock),
            now=NOW,
        )


def test_after_any_bookings_moves_and_cancellations_the_rebuild_equals_the_ledger(milano, shop):
    """Books (online, and past the maximum), moves (across days, labour running onto the
    next), cancellations, no-shows, confirmations and holds, each accepted or refused as the
    rules say; afterwards the ledger written step by step is the one the appointments give."""
    steps_run = Counter()

    @settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(steps=steps)
    def rebuild_equals_ledger(steps):
        with transaction.atomic():
            for step in steps:
                try:
                    with transaction.atomic():
                        _run(milano, shop, step)
                    steps_run["accepted"] += 1
                except DomainError:
                    steps_run["refused"] += 1  # by the rules (a time taken, a cancelled one moved)
            rebuilt = ledger_compute(dealership=milano, start=date(2026, 1, 1), end=date(2027, 12, 31))
            assert _as_compared(_stored(milano)) == _as_compared(rebuilt)
            assert capacity_ledger_rebuild(dealership=milano, write=False) == []
            transaction.set_rollback(True)  # the next example starts from the empty shop

    rebuild_equals_ledger()
    # A sequence whose steps were all refused would prove little.
    assert steps_run["accepted"] >= steps_run["refused"], steps_run


def _book(milano, shop, clock, *, advisor=0, vehicle=0, **extra):
    vehicle = shop["vehicles"][vehicle]
    return services.appointment_book(
        dealership=milano,
        customer=vehicle.customer,
        vehicle=vehicle,
        advisor_id=shop["advisors"][advisor].id,
        drop_off=at(TUESDAY, clock),
        jobs=[RequestedJob(description="Service", skill=Skill.MAINTENANCE, labour_minutes=60)],
        now=NOW,
        booked_by=None,
        **extra,
    )


def test_r4_2_a_booking_and_its_cancellation_are_counted_in_the_days_ledger(milano, shop):
    """R4.2, R4.8, R9.5: customers (online, past the maximum), their minutes, the labour."""
    appointment = _book(milano, shop, "08:00", channel=Channel.WEB)
    _book(milano, shop, "09:00", vehicle=1, capacity_override_reason="VIP customer")
    giulia = shop["advisors"][0].id
    tuesday = _stored(milano)[TUESDAY]
    assert (tuesday.advisors[giulia].customers, tuesday.advisors[giulia].online) == (2, 1)
    assert tuesday.advisors[giulia].beyond_maximum == 1
    assert tuesday.advisors[giulia].minutes == minutes_of(TUESDAY, [("08:00", "08:15"), ("09:00", "09:15")])
    assert tuesday.labour == {Skill.MAINTENANCE: 120}
    services.appointment_cancel(dealership=milano, appointment=appointment, reason="away", by=None, now=NOW)
    tuesday = _stored(milano)[TUESDAY]
    assert (tuesday.advisors[giulia].customers, tuesday.advisors[giulia].online) == (1, 0)
    assert tuesday.advisors[giulia].minutes == minutes_of(TUESDAY, [("09:00", "09:15")])
    assert tuesday.labour == {Skill.MAINTENANCE: 60}


def test_a_no_show_keeps_its_capacity(milano, shop):
    """lifecycle.CAPACITY_RELEASED: the reception time has passed anyway, the labour was planned."""
    appointment = _book(milano, shop, "08:00")
    before = _stored(milano)
    services.appointment_transition(
        dealership=milano, appointment=appointment, to_status=AppointmentStatus.NO_SHOW, by=None, now=NOW
    )
    assert _as_compared(_stored(milano)) == _as_compared(before)


def test_a_move_frees_the_day_it_leaves_and_takes_the_one_it_goes_to(milano, shop):
    appointment = _book(milano, shop, "08:00")
    services.appointment_reschedule(
        dealership=milano,
        appointment=appointment,
        advisor_id=shop["advisors"][1].id,
        drop_off=at(TUESDAY + timedelta(days=1), "10:00"),
        by=None,
        now=NOW,
    )
    ledger = _stored(milano)
    assert TUESDAY not in ledger
    wednesday = ledger[TUESDAY + timedelta(days=1)]
    assert list(wednesday.advisors) == [shop["advisors"][1].id]
    assert wednesday.advisors[shop["advisors"][1].id].minutes == minutes_of(
        TUESDAY + timedelta(days=1), [("10:00", "10:15")]
    )


def test_r9_5_a_hold_counts_while_it_lasts_and_writes_nothing_in_the_ledger(milano, shop):
    """R9.5. A hold stops counting by the clock, with nothing written then: the loader reads the live
    holds beside the ledger, which holds never enter."""
    request = SlotRequest(jobs=(JobLine(skill=Skill.MAINTENANCE, minutes=30),), online=True)
    giulia = shop["advisors"][0]
    hold = services.slot_hold(
        dealership=milano,
        holder="browser-1",
        request=request,
        advisor_id=giulia.id,
        drop_off=at(TUESDAY, "08:00"),
        now=NOW,
    )
    assert _stored(milano) == {}

    def giulia_on_tuesday(now):
        return capacity_load(dealership=milano, start=TUESDAY, end=TUESDAY, now=now).days[0].advisors[0]

    held = giulia_on_tuesday(NOW)
    assert (held.booked_customers, held.booked_online) == (1, 1)
    assert held.booked == minutes_of(TUESDAY, [("08:00", "08:15")])
    expired = giulia_on_tuesday(hold.expires_at)
    assert (expired.booked_customers, expired.booked) == (0, 0)


def test_the_offer_reads_the_ledger_not_the_receptions_in_two_queries(milano, shop):
    """However many appointments: the settings' version and one read of the days' ledger rows
    and live holds (bookings.capacity); the appointments' table is never read."""
    request = SlotRequest(jobs=(JobLine(skill=Skill.MAINTENANCE, minutes=60),), alternatives=2)
    capacity_settings(milano)  # in memory from here on, as on a running server

    def statements():
        with CaptureQueriesContext(connection) as captured:
            offer = availability_offer(dealership=milano, request=request, now=NOW)
        return offer, [query["sql"] for query in captured]

    _offer, few = statements()
    for day in DAYS:
        for advisor in shop["advisors"]:
            for clock in ("08:00", "08:30"):
                AppointmentFactory(advisor=advisor, drop_off_at=at(day, clock))
    offer, many = statements()
    assert len(few) == len(many) == 2
    assert not [sql for sql in many if "bookings_appointment" in sql]
    assert offer.proposals[0].drop_off == at(TUESDAY, "09:00")  # what is taken was read all the same


def test_the_command_rewrites_a_ledger_written_by_other_means(milano, shop):
    _book(milano, shop, "08:00")
    # Written around the services (a bulk import): the ledger does not know of it.
    rogue = AppointmentFactory.build(
        advisor=shop["advisors"][1],
        vehicle=shop["vehicles"][1],
        drop_off_at=at(TUESDAY, "11:00"),
        labour=None,
    )
    rogue.save()
    with pytest.raises(CommandError):
        call_command("capacity_ledger_rebuild", "--check", "--dealership", "milano")
    assert shop["advisors"][1].id not in _stored(milano)[TUESDAY].advisors
    call_command("capacity_ledger_rebuild", "--dealership", "milano")
    call_command("capacity_ledger_rebuild", "--check", "--dealership", "milano")
    assert _stored(milano)[TUESDAY].advisors[shop["advisors"][1].id].customers == 1
    marco = capacity_load(dealership=milano, start=TUESDAY, end=TUESDAY).days[0].advisors[1]
    assert marco.booked == minutes_of(TUESDAY, [("11:00", "11:15")])


def test_the_command_refuses_an_unknown_dealership(milano):
    with pytest.raises(CommandError, match="atlantis"):
        call_command("capacity_ledger_rebuild", "--dealership", "atlantis")


def test_the_migration_writes_the_ledger_of_the_appointments_already_booked(milano, shop):
    for index, clock in enumerate(("08:00", "09:30", "15:00")):
        AppointmentFactory(
            advisor=shop["advisors"][index % 2], drop_off_at=at(TUESDAY, clock), channel=Channel.WEB
        )
    AppointmentFactory(
        advisor=shop["advisors"][0], drop_off_at=at(TUESDAY, "16:00"), status=AppointmentStatus.CANCELLED
    )
    expected = _as_compared(_stored(milano))
    CapacityLock.objects.all().delete()
    migration = importlib.import_module("bookings.migrations.0009_capacity_ledger")
    migration.ledger_from_appointments(apps, None)
    assert _as_compared(_stored(milano)) == expected
