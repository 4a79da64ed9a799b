"""The workshop manager's pages: policy, advisors, technicians and the job catalogue."""

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from dealerships.access import Capability, StaffAccess
from dealerships.forms import add_service_errors, format_intervals
from dealerships.models import Dealership, Weekday
from dealerships.scoping import staff_view
from dealerships.services import OpeningInterval
from workshop import capacity_warnings, selectors, services
from workshop.forms import (
    AbsenceForm,
    AdvisorForm,
    JobForm,
    TechnicianForm,
    WorkingHoursForm,
    WorkshopPolicyForm,
)
from workshop.models import Advisor, AdvisorShift, Technician, TechnicianShift


def _hours_by_day(
    shifts: Iterable[AdvisorShift] | Iterable[TechnicianShift],
) -> dict[int, list[tuple[time, time]]]:
    by_day: dict[int, list[tuple[time, time]]] = {day.value: [] for day in Weekday}
    for shift in shifts:
        by_day[shift.weekday].append((shift.starts, shift.ends))
    return {day: sorted(pairs) for day, pairs in by_day.items()}


def _hours_summary(shifts: Iterable[AdvisorShift] | Iterable[TechnicianShift]) -> list[tuple[str, str]]:
    """("Monday–Friday", "08:00-12:30, 14:00-18:30"): runs of days with the same hours, from
    prefetched shifts."""
    runs: list[tuple[int, int, str]] = []  # (first day, last day, text)
    for day, pairs in _hours_by_day(shifts).items():
        text = format_intervals(pairs)
        if runs and runs[-1][2] == text and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day, text)
        else:
            runs.append((day, day, text))
    return [
        (
            str(Weekday(first).label) if first == last else f"{Weekday(first).label}–{Weekday(last).label}",
            text,
        )
        for first, last, text in runs
        if text
    ]


@staff_view(Capability.MANAGE_CAPACITY)
@require_http_methods(["GET", "POST"])
def workshop_settings(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """The booking policy, and the advisors and technicians who make the capacity."""
    dealership = access.dealership
    policy = selectors.workshop_policy_get(dealership=dealership)
    form = WorkshopPolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services.workshop_policy_save(dealership=dealership, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Booking policy saved."))
            return redirect("workshop_settings", dealership_slug=dealership.slug)
    advisors = [
        (advisor, _hours_summary(advisor.shifts.all()))
        for advisor in selectors.advisor_list_with_hours(dealership=dealership)
    ]
    technicians = [
        (technician, _hours_summary(technician.shifts.all()))
        for technician in selectors.technician_list_with_hours(dealership=dealership)
    ]
    return render(
        request,
        "workshop/settings.html",
        {"dealership": dealership, "form": form, "advisors": advisors, "technicians": technicians},
        status=400 if request.method == "POST" else 200,
    )


@dataclass(frozen=True)
class _PersonPage:
    """What differs between the advisor and the technician pages."""

    form_class: type[AdvisorForm] | type[TechnicianForm]
    save: Callable[..., Advisor | Technician]
    get: Callable[[Dealership, int], Advisor | Technician | None]
    url_name: str
    absence_add: str
    absence_delete: str
    title_new: str | Promise
    title_edit: str | Promise


PEOPLE = {
    "advisor": _PersonPage(
        form_class=AdvisorForm,
        save=lambda dealership, person, hours, data: services.advisor_save(
            dealership=dealership, advisor=person, hours=hours, **data
        ),
        get=lambda dealership, pk: selectors.advisor_get(dealership=dealership, advisor_id=pk),
        url_name="advisor_edit",
        absence_add="advisor_absence_add",
        absence_delete="advisor_absence_delete",
        title_new=gettext_lazy("New service advisor"),
        title_edit=gettext_lazy("Service advisor"),
    ),
    "technician": _PersonPage(
        form_class=TechnicianForm,
        save=lambda dealership, person, hours, data: services.technician_save(
            dealership=dealership, technician=person, hours=hours, **data
        ),
        get=lambda dealership, pk: selectors.technician_get(dealership=dealership, technician_id=pk),
        url_name="technician_edit",
        absence_add="technician_absence_add",
        absence_delete="technician_absence_delete",
        title_new=gettext_lazy("New technician"),
        title_edit=gettext_lazy("Technician"),
    ),
}


def _person_or_404(access: StaffAccess, kind: str, person_id: int) -> Advisor | Technician:
    person = PEOPLE[kind].get(access.dealership, person_id)
    if person is None:
        raise Http404
    return person


def _person_url(dealership: Dealership, kind: str, person_id: int) -> str:
    return reverse(
        PEOPLE[kind].url_name, kwargs={"dealership_slug": dealership.slug, f"{kind}_id": person_id}
    )


def _hours_form_of(person: Advisor | Technician | None) -> WorkingHoursForm:
    by_day = _hours_by_day(person.shifts.all()) if person else {}
    return WorkingHoursForm(
        prefix="hours", initial={f"day_{day}": format_intervals(pairs) for day, pairs in by_day.items()}
    )


def _person_page(
    request: HttpRequest,
    access: StaffAccess,
    kind: str,
    person: Advisor | Technician | None,
    *,
    form: AdvisorForm | TechnicianForm,
    hours_form: WorkingHoursForm,
    absence_form: AbsenceForm,
    status: int,
) -> HttpResponse:
    """The person's page: their details and hours, and (once saved) their absences."""
    dealership = access.dealership
    today = timezone.localdate()
    return render(
        request,
        "workshop/person_form.html",
        {
            "dealership": dealership,
            "kind": kind,
            "page": PEOPLE[kind],
            "person": person,
            "form": form,
            "hours_form": hours_form,
            "absences": selectors.absence_list_upcoming(dealership=dealership, person=person, today=today)
            if person
            else [],
            "absence_form": absence_form,
        },
        status=status,
    )


def _capacity_warnings(
    dealership: Dealership, person: Advisor | Technician, hours: Sequence[OpeningInterval]
) -> list[str]:
    """What the manager should know about what was just saved (R4.2): hours that are never
    offered, bookings already past a lowered maximum."""
    warnings = [capacity_warnings.hours_on_closed_days(dealership, hours)]
    if isinstance(person, Advisor):
        warnings.append(capacity_warnings.days_over_new_maximum(person, timezone.localdate()))
    return [warning for warning in warnings if warning]


def _person_edit(request: HttpRequest, access: StaffAccess, kind: str, person_id: int | None) -> HttpResponse:
    page = PEOPLE[kind]
    dealership = access.dealership
    person = _person_or_404(access, kind, person_id) if person_id is not None else None
    form = page.form_class(request.POST or None, instance=person)
    if request.method == "POST":
        hours_form = WorkingHoursForm(request.POST, prefix="hours")
    else:
        hours_form = _hours_form_of(person)
    if request.method == "POST" and form.is_valid() and hours_form.is_valid():
        try:
            saved = page.save(dealership, person, hours_form.intervals, form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            for warning in _capacity_warnings(dealership, saved, hours_form.intervals):
                messages.warning(request, warning)
            return redirect(_person_url(dealership, kind, saved.id))
    return _person_page(
        request,
        access,
        kind,
        person,
        form=form,
        hours_form=hours_form,
        absence_form=AbsenceForm(),
        status=400 if request.method == "POST" else 200,
    )


def _absence_add(request: HttpRequest, access: StaffAccess, kind: str, person_id: int) -> HttpResponse:
    """Record an absence; a refused one re-renders the person's page with the errors on its fields."""
    person = _person_or_404(access, kind, person_id)
    form = AbsenceForm(request.POST)
    if form.is_valid():
        try:
            services.absence_create(dealership=access.dealership, person=person, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Absence recorded."))
            return redirect(_person_url(access.dealership, kind, person.id))
    return _person_page(
        request,
        access,
        kind,
        person,
        form=PEOPLE[kind].form_class(instance=person),
        hours_form=_hours_form_of(person),
        absence_form=form,
        status=400,
    )


def _absence_delete(
    request: HttpRequest, access: StaffAccess, kind: str, person_id: int, absence_id: int
) -> HttpResponse:
    person = _person_or_404(access, kind, person_id)
    absence = selectors.absence_get(dealership=access.dealership, person=person, absence_id=absence_id)
    if absence is None:
        raise Http404
    services.absence_delete(dealership=access.dealership, absence=absence)
    messages.success(request, _("Absence removed."))
    return redirect(_person_url(access.dealership, kind, person.id))


@staff_view(Capability.MANAGE_CAPACITY)
@require_http_methods(["GET", "POST"])
def advisor_edit(request: HttpRequest, access: StaffAccess, advisor_id: int | None = None) -> HttpResponse:
    return _person_edit(request, access, "advisor", advisor_id)


@staff_view(Capability.MANAGE_CAPACITY)
@require_POST
def advisor_absence_add(request: HttpRequest, access: StaffAccess, advisor_id: int) -> HttpResponse:
    return _absence_add(request, access, "advisor", advisor_id)


@staff_view(Capability.MANAGE_CAPACITY)
@require_POST
def advisor_absence_delete(
    request: HttpRequest, access: StaffAccess, advisor_id: int, absence_id: int
) -> HttpResponse:
    return _absence_delete(request, access, "advisor", advisor_id, absence_id)


@staff_view(Capability.MANAGE_CAPACITY)
@require_http_methods(["GET", "POST"])
def technician_edit(
    request: HttpRequest, access: StaffAccess, technician_id: int | None = None
) -> HttpResponse:
    return _person_edit(request, access, "technician", technician_id)


@staff_view(Capability.MANAGE_CAPACITY)
@require_POST
def technician_absence_add(request: HttpRequest, access: StaffAccess, technician_id: int) -> HttpResponse:
    return _absence_add(request, access, "technician", technician_id)


@staff_view(Capability.MANAGE_CAPACITY)
@require_POST
def technician_absence_delete(
    request: HttpRequest, access: StaffAccess, technician_id: int, absence_id: int
) -> HttpResponse:
    return _absence_delete(request, access, "technician", technician_id, absence_id)


@staff_view(Capability.MANAGE_CAPACITY)
@require_http_methods(["GET", "POST"])
def job_list(request: HttpRequest, access: StaffAccess, job_id: int | None = None) -> HttpResponse:
    """The job catalogue, with a form to add an operation or change the one chosen."""
    dealership = access.dealership
    job = None
    if job_id is not None:
        job = selectors.job_get(dealership=dealership, job_id=job_id)
        if job is None:
            raise Http404
    form = JobForm(request.POST or None, instance=job)
    if request.method == "POST" and form.is_valid():
        try:
            services.job_save(dealership=dealership, job=job, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Job saved."))
            return redirect("job_list", dealership_slug=dealership.slug)
    jobs = selectors.job_catalogue(dealership=dealership)
    return render(
        request,
        "workshop/jobs.html",
        {"dealership": dealership, "jobs": jobs, "form": form, "job": job},
        status=400 if request.method == "POST" else 200,
    )
