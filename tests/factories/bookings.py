from datetime import datetime

from bookings.requests import RequestedWork, WorkWanted, catalogue_jobs, requested_work_build
from customers.models import Vehicle
from dealerships.models import Dealership
from workshop.capacity_settings import capacity_settings


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
