"""Shared set-up of the outbox tests: a workshop to book in, the Twilio stub, and the dispatcher
run as a worker runs it."""

from datetime import date, datetime, time, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from bookings import services
from notifications import channels
from notifications.models import OutboxMessage
from notifications.services.dispatch import DispatchResult, outbox_dispatch_across_dealerships
from tests.factories.bookings import requested_work
from tests.factories.customers import CustomerFactory, VehicleFactory
from tests.factories.workshop import AdvisorFactory, JobFactory, TechnicianFactory
from tests.notifications.twilio_stub import start_stub
from workshop.models import Skill, WorkshopPolicy

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
ACCOUNT_SID = "AC" + "1" * 32
AUTH_TOKEN = "stub-auth-token-0123456789abcdef"
SENDER = "+390212345678"


def local(dealership, day: date, clock: str) -> datetime:
    hours, minutes = map(int, clock.split(":"))
    return datetime.combine(day, time(hours, minutes), tzinfo=dealership.tz)


@pytest.fixture
def shop(milano):
    WorkshopPolicy.objects.create(dealership=milano, kept_free_minutes_per_hour=0)
    advisor = AdvisorFactory(dealership=milano, name="Giulia Conti")
    TechnicianFactory(dealership=milano, skills=[Skill.MAINTENANCE])
    JobFactory(dealership=milano, code="SRV", name="Tagliando", labour_minutes=60)
    customer = CustomerFactory(
        dealership=milano,
        given_name="Mario",
        family_name="Bianchi",
        email="mario@example.com",
        mobile_phone="+393471234567",
        language="it",
    )
    vehicle = VehicleFactory(customer=customer, plate="AB 123 CD")
    return {"advisor": advisor, "customer": customer, "vehicle": vehicle}


@pytest.fixture
def book(milano, shop):
    """Book through the real service, as every door does: book(at=..., now=..., channel=...)."""

    def _book(*, at: datetime, now: datetime, channel: str = "phone", vehicle=None):
        vehicle = vehicle or shop["vehicle"]
        work = requested_work(milano, now=now, jobs=["SRV"], online=channel == "web")
        with transaction.atomic():
            return services.appointment_book(
                dealership=milano,
                customer=vehicle.customer,
                vehicle=vehicle,
                advisor_id=shop["advisor"].id,
                drop_off=at,
                jobs=work.jobs,
                now=now,
                booked_by=None,
                channel=channel,
            )

    return _book


@pytest.fixture
def dispatch():
    """Run the dispatcher until nothing due is left, as the workers would: dispatch(now=...)."""

    def _dispatch(now: datetime | None = None, limit: int = 100) -> DispatchResult:
        total = DispatchResult()
        while True:
            result = outbox_dispatch_across_dealerships(now=now or timezone.now(), limit=limit)
            for name in ("sent", "to_call", "withdrawn", "waiting", "retrying", "failed"):
                setattr(total, name, getattr(total, name) + getattr(result, name))
            if result.handled < limit:
                return total

    return _dispatch


@pytest.fixture
def twilio(settings):
    """The real twilio client, pointed at the local stub, with an account from the settings."""
    stub, server = start_stub()
    settings.TWILIO_ACCOUNT_SID = ACCOUNT_SID
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.TWILIO_FROM_NUMBER = SENDER
    settings.TWILIO_API_BASE_URL = stub.url
    settings.TWILIO_TIMEOUT_SECONDS = 5
    settings.NOTIFICATIONS_PUBLIC_URL = "https://service.example"
    channels._twilio_client.cache_clear()
    yield stub
    server.shutdown()
    channels._twilio_client.cache_clear()


def rows(**filters) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(**filters).order_by("due_at", "id"))
