"""Plain reads of the workshop's capacity supply: policy, advisors, technicians, absences, jobs."""

from datetime import date

from django.db.models import QuerySet

from dealerships.models import Dealership
from workshop.models import (
    Advisor,
    AdvisorAbsence,
    Job,
    Technician,
    TechnicianAbsence,
    WorkshopPolicy,
)


def workshop_policy_get(*, dealership: Dealership) -> WorkshopPolicy:
    """The dealership's policy, or the manuals' defaults when none was saved yet."""
    return WorkshopPolicy.objects.for_dealership(dealership).first() or WorkshopPolicy(dealership=dealership)


def job_list(*, dealership: Dealership) -> QuerySet[Job]:
    return Job.objects.for_dealership(dealership).filter(is_active=True).order_by("kind", "name")


def advisor_list(*, dealership: Dealership) -> QuerySet[Advisor]:
    return Advisor.objects.for_dealership(dealership).filter(is_active=True).order_by("name")


def advisor_get(*, dealership: Dealership, advisor_id: int) -> Advisor | None:
    return Advisor.objects.for_dealership(dealership).filter(id=advisor_id).first()


def technician_get(*, dealership: Dealership, technician_id: int) -> Technician | None:
    return Technician.objects.for_dealership(dealership).filter(id=technician_id).first()


def job_get(*, dealership: Dealership, job_id: int) -> Job | None:
    return Job.objects.for_dealership(dealership).filter(id=job_id).first()


def advisor_list_with_hours(*, dealership: Dealership) -> QuerySet[Advisor]:
    """Every advisor, active or not, with the weekly hours: two queries."""
    return (
        Advisor.objects.for_dealership(dealership).prefetch_related("shifts").order_by("-is_active", "name")
    )


def technician_list_with_hours(*, dealership: Dealership) -> QuerySet[Technician]:
    return (
        Technician.objects.for_dealership(dealership)
        .prefetch_related("shifts")
        .order_by("-is_active", "name")
    )


def absence_list_upcoming(
    *, dealership: Dealership, person: Advisor | Technician, today: date
) -> QuerySet[AdvisorAbsence] | QuerySet[TechnicianAbsence]:
    model = AdvisorAbsence if isinstance(person, Advisor) else TechnicianAbsence
    owner = "advisor" if isinstance(person, Advisor) else "technician"
    return model.objects.for_dealership(dealership).filter(**{owner: person}, last_day__gte=today)


def absence_get(
    *, dealership: Dealership, person: Advisor | Technician, absence_id: int
) -> AdvisorAbsence | TechnicianAbsence | None:
    return (
        absence_list_upcoming(dealership=dealership, person=person, today=date.min)
        .filter(id=absence_id)
        .first()
    )


def job_catalogue(*, dealership: Dealership) -> QuerySet[Job]:
    """Every job, the inactive ones last: the catalogue page."""
    return Job.objects.for_dealership(dealership).order_by("-is_active", "kind", "name")
