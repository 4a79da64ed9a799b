"""The desk's view of what is booked: the agenda, the appointment's page and its changes, and the
appointments section of the customer file. Thin: the lifecycle and the booking services decide."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from bookings import lifecycle, mobility_hooks, requests, selectors, services
from bookings.appointment_sections import appointment_page_sections
from bookings.desk_forms import AgendaForm, MoveWishForm, StatusChangeForm
from bookings.forms import MORE_TIMES, ProposalChoiceForm
from bookings.models import Appointment, AppointmentStatus, Document
from config.errors import IllegalTransition, SlotTaken
from customers.models import Customer
from dealerships.access import Capability, StaffAccess
from dealerships.forms import add_service_errors
from dealerships.scoping import staff_view
from workshop import selectors as workshop_selectors
from workshop.capacity_settings import capacity_settings
from workshop.models import Advisor

# What the button that moves an appointment to each status says.
ACTION_LABELS = {
    AppointmentStatus.BOOKED: gettext_lazy("Book"),
    AppointmentStatus.CONFIRMED: gettext_lazy("Confirmed by the customer"),
    AppointmentStatus.ARRIVED: gettext_lazy("Arrived"),
    AppointmentStatus.NO_SHOW: gettext_lazy("No-show"),
    AppointmentStatus.IN_WORKSHOP: gettext_lazy("Into the workshop"),
    AppointmentStatus.QUALITY_CHECK: gettext_lazy("To the quality check"),
    AppointmentStatus.READY: gettext_lazy("Ready"),
    AppointmentStatus.DELIVERED: gettext_lazy("Delivered"),
    AppointmentStatus.CLOSED: gettext_lazy("Close"),
}


@dataclass(frozen=True, slots=True)
class Action:
    status: str
    label: str


def appointment_actions(access: StaffAccess, appointment: Appointment) -> dict[str, Any]:
    """What this staff member can do with the appointment now: the next steps of its lifecycle
    (cancelling apart, as it asks for a reason), whether it can be cancelled and moved."""
    steps = [
        status
        for status in lifecycle.next_statuses(appointment.status)
        if access.can(lifecycle.transition_capability(status))
    ]
    return {
        "steps": [
            Action(status, str(ACTION_LABELS[status]))
            for status in steps
            if status not in lifecycle.NEEDS_REASON
        ],
        "can_cancel": AppointmentStatus.CANCELLED in steps,
        "can_move": lifecycle.can_reschedule(appointment.status) and access.can(Capability.BOOK_APPOINTMENTS),
    }


@dataclass
class AdvisorColumn:
    advisor: Advisor
    appointments: list[Appointment] = field(default_factory=list)


@dataclass
class AgendaDay:
    day: date
    columns: list[AdvisorColumn]

    @property
    def count(self) -> int:
        return sum(len(column.appointments) for column in self.columns)


@staff_view(Capability.BOOK_APPOINTMENTS)
def agenda(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """The desk's day (or week): each advisor's appointments in drop-off order, filterable."""
    dealership = access.dealership
    today = timezone.now().astimezone(dealership.tz).date()
    advisors = list(workshop_selectors.advisor_list(dealership=dealership))
    form = AgendaForm(request.GET, advisors=advisors)
    valid = form.is_valid()
    wanted = form.cleaned_data if valid else {}
    day = wanted.get("day") or today
    span = wanted.get("span") or AgendaForm.DAY
    start, end = (day, day) if span == AgendaForm.DAY else _week_of(day)
    advisor_id = wanted.get("advisor")
    appointments = selectors.appointment_list(
        dealership=dealership,
        start=start,
        end=end,
        advisor_id=advisor_id,
        statuses=wanted.get("status") or None,
        channels=wanted.get("channel") or None,
    )
    shown_advisors = [a for a in advisors if advisor_id is None or a.id == advisor_id]
    days = _agenda_days(start, end, shown_advisors, appointments, every_advisor=span == AgendaForm.DAY)
    step = timedelta(days=1 if span == AgendaForm.DAY else 7)
    return render(
        request,
        "bookings/agenda.html",
        {
            "dealership": dealership,
            "form": form,
            "days": days,
            "span": span,
            "day": day,
            "today": today,
            "start": start,
            "end": end,
            "total": sum(agenda_day.count for agenda_day in days),
            "earlier": _agenda_url(request, day - step),
            "later": _agenda_url(request, day + step),
            "today_url": _agenda_url(request, today),
        },
        status=200 if valid else 400,
    )


def _week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


def _agenda_days(
    start: date,
    end: date,
    advisors: list[Advisor],
    appointments: Iterable[Appointment],
    *,
    every_advisor: bool,
) -> list[AgendaDay]:
    """The appointments laid out by day and advisor. A day view shows every advisor (an empty
    column says they are free); a week view only the advisors booked that day."""
    by_key: dict[tuple[date, int], list[Appointment]] = {}
    for appointment in appointments:
        by_key.setdefault((appointment.local_day, appointment.advisor_id), []).append(appointment)
    known = {advisor.id: advisor for advisor in advisors}
    days = []
    day = start
    while day <= end:
        columns = [
            AdvisorColumn(advisor, by_key.get((day, advisor.id), []))
            for advisor in advisors
            if every_advisor or (day, advisor.id) in by_key
        ]
        # An appointment with an advisor no longer active still shows, under that advisor.
        for (booked_day, advisor_id), booked in by_key.items():
            if booked_day == day and advisor_id not in known:
                columns.append(AdvisorColumn(booked[0].advisor, booked))
        days.append(AgendaDay(day, columns))
        day += timedelta(days=1)
    return days


def _agenda_url(request: HttpRequest, day: date) -> str:
    query = request.GET.copy()
    query["day"] = day.isoformat()
    return "?" + query.urlencode()


@staff_view(Capability.BOOK_APPOINTMENTS)
def appointment_detail(request: HttpRequest, access: StaffAccess, appointment_id: int) -> HttpResponse:
    """Everything recorded about the appointment, its history, and what can be done with it."""
    return _appointment_page(request, access, appointment_id)


def _appointment_page(
    request: HttpRequest,
    access: StaffAccess,
    appointment_id: int,
    *,
    status_form: StatusChangeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    appointment = selectors.appointment_get(dealership=access.dealership, appointment_id=appointment_id)
    if appointment is None:
        raise Http404
    return render(
        request,
        "bookings/appointment_detail.html",
        {
            "dealership": access.dealership,
            "appointment": appointment,
            "actions": appointment_actions(access, appointment),
            "status_form": status_form or StatusChangeForm(),
            "documents": [
                Document(code).label for code in appointment.documents_to_bring if code in Document.values
            ],
            "campaign_codes": [job.campaign.code for job in appointment.jobs.all() if job.campaign],
            "sections": appointment_page_sections.render(access, appointment),
        },
        status=status,
    )


@staff_view(Capability.BOOK_APPOINTMENTS)
@require_POST
def appointment_status_change(request: HttpRequest, access: StaffAccess, appointment_id: int) -> HttpResponse:
    """Confirm, arrive, miss or cancel (with the reason) an appointment, from wherever the desk
    is: the agenda, the customer file or the appointment's page, which it returns to."""
    appointment = selectors.appointment_get(
        dealership=access.dealership, appointment_id=appointment_id, with_history=False
    )
    if appointment is None:
        raise Http404
    form = StatusChangeForm(request.POST)
    if form.is_valid():
        target = form.cleaned_data["status"]
        if not access.can(lifecycle.transition_capability(target)):
            form.add_error("status", _("Your role does not let you make this change."))
        else:
            try:
                services.appointment_transition(
                    dealership=access.dealership,
                    appointment=appointment,
                    to_status=target,
                    by=access.user,
                    now=timezone.now(),
                    reason=form.cleaned_data["reason"],
                )
            except IllegalTransition as refusal:
                form.add_error("status", str(refusal.message))
            except ValidationError as refusal:
                add_service_errors(form, refusal)
    if form.errors:
        return _appointment_page(request, access, appointment_id, status_form=form, status=400)
    messages.success(
        request,
        _("%(customer)s: %(status)s.")
        % {
            "customer": appointment.customer.display_name,
            "status": AppointmentStatus(form.cleaned_data["status"]).label,
        },
    )
    return redirect(_back_to(request, access, appointment_id))


def _back_to(request: HttpRequest, access: StaffAccess, appointment_id: int) -> str:
    wanted = request.POST.get("next", "")
    if wanted and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse(
        "appointment_detail",
        kwargs={"dealership_slug": access.dealership.slug, "appointment_id": appointment_id},
    )


def customer_appointments_section(
    access: StaffAccess, customer: Customer, _now: datetime
) -> dict[str, Any] | None:
    """The customer file's appointments: the open ones first (to come, or passed and waiting
    to be marked arrived or missed), the next one first, each with what the desk can do with it;
    then the others, the latest first."""
    if not access.can(Capability.BOOK_APPOINTMENTS):
        return None
    appointments = list(selectors.customer_appointments(dealership=access.dealership, customer=customer))
    upcoming = [a for a in appointments if a.status in lifecycle.OPEN]
    upcoming.reverse()
    upcoming_ids = {a.id for a in upcoming}
    return {
        "upcoming": [(a, appointment_actions(access, a)) for a in upcoming],
        "past": [a for a in appointments if a.id not in upcoming_ids],
        "customer": customer,
        "dealership": access.dealership,
    }


@staff_view(Capability.BOOK_APPOINTMENTS)
@require_http_methods(["GET", "POST"])
def appointment_move(request: HttpRequest, access: StaffAccess, appointment_id: int) -> HttpResponse:
    """Move the appointment to another time the engine offers for its own jobs, from the day
    the customer wishes; the appointment keeps its history."""
    dealership, now = access.dealership, timezone.now()
    appointment = selectors.appointment_get(dealership=dealership, appointment_id=appointment_id)
    if appointment is None:
        raise Http404
    if not lifecycle.can_reschedule(appointment.status):
        messages.error(
            request,
            _("A %(status)s appointment cannot be moved.")
            % {"status": appointment.get_status_display().lower()},
        )
        return redirect("appointment_detail", dealership_slug=dealership.slug, appointment_id=appointment.id)
    settings = capacity_settings(dealership, version=dealership.capacity_version)
    today = now.astimezone(dealership.tz).date()
    wish = MoveWishForm(request.GET, settings=settings, today=today)
    wished_day = wish.cleaned_data.get("wished_date") if wish.is_valid() else None
    status, from_time = (200 if wish.is_valid() or not request.GET else 400), None
    choice = ProposalChoiceForm(request.POST or None)
    if request.method == "POST":
        status = 400
        if choice.is_valid():
            advisor_id, drop_off = choice.cleaned_data["proposal"]
            try:
                services.appointment_reschedule(
                    dealership=dealership,
                    appointment=appointment,
                    advisor_id=advisor_id,
                    drop_off=drop_off,
                    by=access.user,
                    now=now,
                    reason=request.POST.get("reason", ""),
                )
            except (SlotTaken, IllegalTransition) as refusal:
                choice.add_error(None, str(refusal.message))
                status, from_time = 409, drop_off
            else:
                messages.success(request, _("Appointment moved."))
                return redirect(
                    "appointment_detail", dealership_slug=dealership.slug, appointment_id=appointment.id
                )
    # Only the times at which its courtesy car or other mobility solution is free for the whole
    # stay, with the car or option of each (R3.1, R3.7), as when booking; its own reservation
    # and capacity move with it, so they are not in the way.
    offer = mobility_hooks.layer().offer(
        dealership=dealership,
        request=requests.appointment_slot_request(
            appointment, wished_day=wished_day, alternatives=MORE_TIMES
        ),
        mobility_kind=appointment.mobility_kind or mobility_hooks.NO_MOBILITY,
        now=now,
        from_time=from_time,
        settings=settings,
        moving=appointment,
    )
    return render(
        request,
        "bookings/appointment_move.html",
        {
            "dealership": dealership,
            "appointment": appointment,
            "wish": wish,
            "choice": choice,
            "offer": offer.offer,
            "proposals": offer.rows,
            "mobility_message": offer.message,
        },
        status=status,
    )
