from datetime import UTC, date, datetime, time, timedelta

import factory

from bookings.ledger import capacity_ledger_rebuild
from bookings.models import Appointment, AppointmentLabour
from bookings.requests import RequestedWork, WorkWanted, catalogue_jobs, requested_work_build
from customers.models import Vehicle
from dealerships.models import Dealership
from tests.factories.customers import VehicleFactory
from tests.factories.workshop import AdvisorFactory
from workshop.capacity_settings import capacity_settings
from workshop.models import Skill

RECEPTION = timedelta(minutes=15)  # R5.1, the policy's default reception time
# Default drop-offs start on a Monday far past every test's clock, so an appointment made for
# set-up never lands on a day a test counts unless the test says when it is.
FIRST_DEFAULT_DAY = date(2099, 1, 5)
DEFAULT_SLOTS_A_MORNING = 8  # 8:00 to 11:30 every half hour, inside AdvisorFactory's hours


def default_drop_off(dealership: Dealership, n: int) -> datetime:
    """The n-th default drop-off: half-hour slots on weekday mornings in the dealership's zone,
    so default appointments of one advisor never overlap."""
    weekday_number, slot = divmod(n, DEFAULT_SLOTS_A_MORNING)
    week, weekday = divmod(weekday_number, 5)
    day = FIRST_DEFAULT_DAY + timedelta(weeks=week, days=weekday)
    local = datetime.combine(day, time(8, 0), tzinfo=dealership.tz) + timedelta(minutes=30 * slot)
    return local.astimezone(UTC)


class AppointmentLabourFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppointmentLabour

    appointment = factory.SubFactory("tests.factories.bookings.AppointmentFactory", labour=None)
    dealership = factory.SelfAttribute("appointment.dealership")
    day = factory.SelfAttribute("appointment.local_day")
    skill = Skill.MAINTENANCE
    minutes = factory.SelfAttribute("appointment.labour_minutes")


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A booked appointment as the booking service writes one, without the engine or its locks:
    set-up for tests. The advisor decides the dealership; customer and vehicle are of it; the
    labour is one row on the drop-off day (`skill=`, `labour_minutes=`; `labour=None` for
    none). `.build()` makes it without the database."""

    class Meta:
        model = Appointment
        skip_postgeneration_save = True

    class Params:
        skill = Skill.MAINTENANCE

    advisor = factory.SubFactory(AdvisorFactory)
    dealership = factory.SelfAttribute("advisor.dealership")
    vehicle = factory.SubFactory(VehicleFactory, customer__dealership=factory.SelfAttribute("...dealership"))
    customer = factory.SelfAttribute("vehicle.customer")
    drop_off_at = factory.LazyAttributeSequence(lambda o, n: default_drop_off(o.dealership, n))
    local_day = factory.LazyAttribute(lambda o: o.drop_off_at.astimezone(o.dealership.tz).date())
    reception_ends_at = factory.LazyAttribute(lambda o: o.drop_off_at + RECEPTION)
    work_starts_at = factory.SelfAttribute("reception_ends_at")
    labour_minutes = 60
    promised_return_at = factory.LazyAttribute(
        lambda o: o.work_starts_at + timedelta(minutes=o.labour_minutes)
    )
    labour = factory.RelatedFactory(
        AppointmentLabourFactory,
        factory_related_name="appointment",
        skill=factory.SelfAttribute("..skill"),
    )

    @factory.post_generation
    def capacity_ledger(obj, create, extracted, **kwargs):
        # The booking service counts what it books in the day's capacity ledger: so does this.
        if create:
            days = [obj.local_day, *obj.labour.values_list("day", flat=True)]
            capacity_ledger_rebuild(dealership=obj.dealership, start=min(days), end=max(days))

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        # One dealership throughout, or the tenant walls would be tested on a row no real
        # booking can produce.
        dealership = kwargs["dealership"]
        assert kwargs["advisor"].dealership == dealership, "pass advisor= (or advisor__dealership=)"
        assert kwargs["vehicle"].customer == kwargs["customer"], "the vehicle is not on this customer's file"
        assert kwargs["customer"].dealership == dealership, "the customer is of another dealership"
        return kwargs


def requested_work(
    dealership: Dealership,
    *,
    now: datetime,
    jobs: list[str] = (),
    vehicle: Vehicle | None = None,
    **wanted,
) -> RequestedWork:
    """The work for catalogue job codes, as a page builds it once its form is valid."""
    settings = capacity_settings(dealership)
    found, unknown = catalogue_jobs(settings=settings, codes=jobs)
    assert unknown is None, unknown
    return requested_work_build(
        dealership=dealership,
        wanted=WorkWanted(jobs=found, vehicle=vehicle, **wanted),
        today=now.astimezone(dealership.tz).date(),
        settings=settings,
    )
