"""Customer self-booking at /book/<slug>/ (R9.5): identify with a one-time code, choose the
services, pick one of the proposed times (held for a few minutes), confirm; then a signed link
to see, move or cancel. Every rule is checked again on the server at each step."""

from datetime import datetime, time
from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from bookings import lifecycle, mobility_hooks, requests, selectors, self_service, services
from bookings.forms import (
    MOBILITY_OPTIONS,
    NO_MOBILITY,
    REPLACEMENT_KINDS,
    CodeForm,
    IdentifyForm,
    MoveDayForm,
    ProposalChoiceForm,
    ServicesForm,
    customer_address,
    requested_work_for,
)
from bookings.models import AppointmentStatus, Channel, FunnelEvent, SlotHold
from config.client_address import client_address
from config.errors import IllegalTransition, SlotTaken
from customers.models import Customer, Vehicle
from dealerships import selectors as dealership_selectors
from dealerships.forms import weekly_hours_text
from dealerships.models import Dealership
from dealerships.scoping import public_view
from dealerships.templatetags.local_formats import long_day_time
from workshop import selectors as workshop_selectors
from workshop.availability import Proposal
from workshop.capacity_settings import capacity_settings
from workshop.models import JobKind

SESSION = "self_booking"
CODE_REQUESTS_RATE = "5/15m"  # one-time codes a client may ask for: a typo or two, not a scan
# Codes asked for one plate, or one phone/e-mail, from any address: a flood of messages aimed at
# one customer from many addresses stops too.
CODES_PER_CUSTOMER_RATE = "10/h"
ONLINE_KINDS = (JobKind.MAINTENANCE, JobKind.TYRES, JobKind.DIAGNOSIS, JobKind.REPAIR)


def _session_key(request: HttpRequest) -> str:
    if not request.session.session_key:
        request.session.save()
    return cast(str, request.session.session_key)  # saving gave the session its key


def _state(request: HttpRequest, dealership: Dealership) -> dict:
    state = request.session.get(SESSION) or {}
    return state if state.get("dealership") == dealership.id else {}


def _identified(request: HttpRequest, dealership: Dealership) -> tuple[Customer, Vehicle] | None:
    state = _state(request, dealership)
    if "customer" not in state:
        return None
    vehicle = (
        Vehicle.objects.for_dealership(dealership)
        .filter(id=state["vehicle"], customer_id=state["customer"])
        .select_related("customer")
        .first()
    )
    if vehicle is None or vehicle.customer is None:
        return None
    return vehicle.customer, vehicle


def _too_many_code_requests(request: HttpRequest, dealership: Dealership) -> bool:
    """Counts this request: at most CODE_REQUESTS_RATE per client address and dealership."""
    return is_ratelimited(
        request,
        group=f"self-booking-codes:{dealership.id}",
        key=lambda _group, request: client_address(request),
        rate=CODE_REQUESTS_RATE,
        increment=True,
    )


def _too_many_codes_for(request: HttpRequest, dealership: Dealership, *, plate: str, contact: str) -> bool:
    """Counts this request against the plate and the contact it names (CODES_PER_CUSTOMER_RATE
    each). Known and unknown ones count alike, so the limit reveals no customer."""
    limited = False
    for name, value in (("plate", plate.upper()), ("contact", contact.casefold())):
        limited |= is_ratelimited(
            request,
            group=f"self-booking-codes-{name}:{dealership.id}",
            key=lambda _group, _request, value=value: value,
            rate=CODES_PER_CUSTOMER_RATE,
            increment=True,
        )
    return limited


@public_view
def booking_landing(request: HttpRequest, dealership: Dealership) -> HttpResponse:
    """The dealership's page for customers: its hours, and the first step of booking online."""
    hours = weekly_hours_text(dealership_selectors.opening_hours_list(dealership=dealership))
    return render(
        request,
        "bookings/self_landing.html",
        {"dealership": dealership, "weekly_hours": hours, "form": IdentifyForm(dealership=dealership)},
    )


@public_view
@require_POST
def self_booking_start(request: HttpRequest, dealership: Dealership) -> HttpResponse:
    """Plate + phone or e-mail: a code is sent if they match a customer file (rate-limited).
    A plate or contact that cannot be one is a field error; well formed, the answer is the same
    whether or not a customer matches."""
    now = timezone.now()
    form = IdentifyForm(request.POST, dealership=dealership)
    if _too_many_code_requests(request, dealership):
        return render(
            request,
            "bookings/self_start.html",
            {
                "dealership": dealership,
                "form": form,
                "error": _("Too many requests. Try again in a quarter of an hour."),
            },
            status=429,
        )
    if not form.is_valid():
        return render(
            request, "bookings/self_start.html", {"dealership": dealership, "form": form}, status=400
        )
    if _too_many_codes_for(
        request, dealership, plate=form.cleaned_data["plate"], contact=form.cleaned_data["contact"]
    ):
        error = _("Too many codes were asked for this vehicle or contact. Try again in an hour.")
        return render(
            request,
            "bookings/self_start.html",
            {"dealership": dealership, "form": form, "error": error},
            status=429,
        )
    session = _session_key(request)
    self_service.funnel_record(dealership=dealership, session=session, step=FunnelEvent.Step.STARTED, now=now)
    access = self_service.access_code_send(
        dealership=dealership, plate=form.cleaned_data["plate"], contact=form.cleaned_data["contact"], now=now
    )
    request.session[SESSION] = {"dealership": dealership.id, "access_code": access.id if access else None}
    return redirect("self_booking_verify", dealership_slug=dealership.slug)


@public_view
@require_http_methods(["GET", "POST"])
def self_booking_verify(request: HttpRequest, dealership: Dealership) -> HttpResponse:
    state = _state(request, dealership)
    if "access_code" not in state:
        return redirect("booking_landing", dealership_slug=dealership.slug)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if state["access_code"] is None:  # nothing matched: the same answer as a wrong code
                raise ValidationError({"code": _("That code is not right. Check the message and try again.")})
            access = self_service.access_code_verify(
                dealership=dealership,
                access_code_id=state["access_code"],
                code=form.cleaned_data["code"],
                now=timezone.now(),
            )
        except ValidationError as error:
            for message in error.message_dict.get("code", []):
                form.add_error("code", message)
        else:
            request.session[SESSION] = {
                "dealership": dealership.id,
                "customer": access.customer_id,
                "vehicle": access.vehicle_id,
            }
            self_service.funnel_record(
                dealership=dealership,
                session=_session_key(request),
                step=FunnelEvent.Step.IDENTIFIED,
                now=timezone.now(),
            )
            return redirect("self_booking_times", dealership_slug=dealership.slug)
    return render(
        request,
        "bookings/self_verify.html",
        {"dealership": dealership, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@public_view
@require_http_methods(["GET", "POST"])
def self_booking_times(request: HttpRequest, dealership: Dealership) -> HttpResponse:
    """Choose the services, see the proposed times, pick one: it is held while you confirm."""
    identified = _identified(request, dealership)
    if identified is None:
        return redirect("booking_landing", dealership_slug=dealership.slug)
    customer, vehicle = identified
    now = timezone.now()
    session = _session_key(request)
    settings = capacity_settings(dealership)
    data = request.POST if request.method == "POST" else (request.GET if "jobs" in request.GET else None)
    form = ServicesForm(
        data,
        jobs=[job for job in settings.active_jobs_by_code.values() if job.kind in ONLINE_KINDS],
        advisors=workshop_selectors.advisor_list(dealership=dealership),
        # The customer's usual advisor: the one of their last appointment.
        # Pick-up and delivery: the address on the customer file, to confirm or change.
        initial={
            "advisor": selectors.last_advisor_id(dealership=dealership, customer=customer),
            "mobility_address": customer_address(customer),
        },
        # R3.2, R3.3, R3.5: every solution with its terms for this car; caps honoured online.
        mobility_options=mobility_hooks.layer().options(
            dealership=dealership, vehicle=vehicle, job_minutes=None, online=True, now=now
        ),
        settings=settings,
        today=now.astimezone(dealership.tz).date(),
    )
    offer: mobility_hooks.MobilityOffer | None = None
    error, work, taken_time, status = None, None, None, 200
    choice = ProposalChoiceForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        work = requested_work_for(form, dealership=dealership, wanted=form.work_wanted(vehicle=vehicle))
    if request.method == "POST":
        status = 400  # unless the chosen time is held, or refused (409)
    if work is not None:
        self_service.funnel_record(
            dealership=dealership, session=session, step=FunnelEvent.Step.SERVICES, now=now
        )
        if request.method == "POST" and choice.is_valid():
            advisor_id, drop_off = choice.cleaned_data["proposal"]
            try:
                services.slot_hold(
                    dealership=dealership,
                    holder=session,
                    request=work.slot_request,
                    advisor_id=advisor_id,
                    drop_off=drop_off,
                    now=now,
                )
            except SlotTaken as refused:
                error = _("%(why)s Please choose another time.") % {"why": refused.message}
                taken_time, status = drop_off, 409  # offer the nearest times after it
            else:
                state = _state(request, dealership)
                state.update(
                    jobs=form.cleaned_data["jobs"],
                    mobility=form.cleaned_data["mobility"],
                    mobility_address=form.cleaned_data["mobility_address"],
                )
                request.session[SESSION] = state
                self_service.funnel_record(
                    dealership=dealership, session=session, step=FunnelEvent.Step.TIME, now=now
                )
                return redirect("self_booking_confirm", dealership_slug=dealership.slug)
        # Only times whose whole stay has the chosen mobility free, with the car or option (R3.1, R3.7).
        offer = mobility_hooks.layer().offer(
            dealership=dealership,
            request=work.slot_request,
            mobility_kind=form.cleaned_data["mobility"],
            now=now,
            from_time=taken_time,
            settings=work.settings,
        )
    return render(
        request,
        "bookings/self_times.html",
        {
            "dealership": dealership,
            "customer": customer,
            "vehicle": vehicle,
            "form": form,
            "choice": choice,
            "offer": offer.offer if offer else None,
            "proposals": _in_time_order(offer.rows if offer else []),
            "mobility_message": offer.message if offer else "",
            "error": error,
        },
        status=status,
    )


@public_view
@require_http_methods(["GET", "POST"])
def self_booking_confirm(request: HttpRequest, dealership: Dealership) -> HttpResponse:
    identified = _identified(request, dealership)
    state = _state(request, dealership)
    session = _session_key(request)
    hold = (
        SlotHold.objects.for_dealership(dealership)
        .filter(holder=session, expires_at__gt=timezone.now())
        .select_related("advisor")
        .first()
    )
    if identified is None or hold is None or "jobs" not in state:
        return (
            redirect("self_booking_times", dealership_slug=dealership.slug)
            if identified
            else redirect("booking_landing", dealership_slug=dealership.slug)
        )
    customer, vehicle = identified
    if request.method == "POST":
        now = timezone.now()
        settings = capacity_settings(dealership)
        mobility = state.get("mobility", NO_MOBILITY)
        jobs, unknown = requests.catalogue_jobs(settings=settings, codes=state["jobs"])
        try:
            if unknown:  # the catalogue changed since the customer chose: choose again
                raise ValidationError(unknown)
            work = requests.requested_work_build(
                dealership=dealership,
                wanted=requests.WorkWanted(jobs=jobs, vehicle=vehicle, online=True),
                today=now.astimezone(dealership.tz).date(),
                settings=settings,
            )
            with transaction.atomic():  # the page goes on after SlotTaken (appointment_book)
                appointment = services.appointment_book(
                    dealership=dealership,
                    customer=customer,
                    vehicle=vehicle,
                    advisor_id=hold.advisor_id,
                    drop_off=hold.drop_off_at,
                    jobs=work.jobs,
                    now=now,
                    booked_by=None,
                    channel=Channel.WEB,
                    holder=session,
                    details=services.AppointmentDetails(
                        replacement_vehicle_wanted=state.get("mobility") in REPLACEMENT_KINDS,
                        mobility_kind="" if mobility == NO_MOBILITY else mobility,
                        mobility_address=state.get("mobility_address", ""),
                    ),
                    settings=work.settings,
                )
        except SlotTaken as refused:  # taken meanwhile: choose again
            if refused.field == "mobility":  # the car went meanwhile: say so (R3.7)
                messages.error(request, str(refused.message))
            return redirect("self_booking_times", dealership_slug=dealership.slug)
        except ValidationError:  # the jobs changed: choose again
            return redirect("self_booking_times", dealership_slug=dealership.slug)
        # The confirmation with its invitation is in the outbox, written with the booking.
        token = self_service.manage_token(appointment)
        self_service.funnel_record(
            dealership=dealership, session=session, step=FunnelEvent.Step.BOOKED, now=now
        )
        request.session.pop(SESSION, None)
        return redirect("self_booking_manage", dealership_slug=dealership.slug, token=token)
    jobs, _unknown = requests.catalogue_jobs(settings=capacity_settings(dealership), codes=state["jobs"])
    return render(
        request,
        "bookings/self_confirm.html",
        {
            "dealership": dealership,
            "customer": customer,
            "vehicle": vehicle,
            "hold": hold,
            "jobs": jobs,
            "mobility": dict(MOBILITY_OPTIONS).get(state.get("mobility", NO_MOBILITY)),
            "needs_mobility": state.get("mobility", NO_MOBILITY) != NO_MOBILITY,
            "mobility_address": state.get("mobility_address", ""),
        },
    )


@public_view
@require_http_methods(["GET", "POST"])
def self_booking_manage(request: HttpRequest, dealership: Dealership, token: str) -> HttpResponse:
    """The signed link: see the appointment; move it (from a day the customer picks) and see
    where it went; cancel it after saying so on a page of its own."""
    appointment_id = self_service.manage_token_read(dealership=dealership, token=token)
    appointment = (
        selectors.appointment_get(dealership=dealership, appointment_id=appointment_id, with_history=False)
        if appointment_id
        else None
    )
    if appointment is None:
        raise Http404
    now, error, offer, status, done = timezone.now(), None, None, 200, ""
    if request.method == "POST":
        choice = ProposalChoiceForm(request.POST)
        try:
            if request.POST.get("action") == "cancel":
                services.appointment_cancel(
                    dealership=dealership,
                    appointment=appointment,
                    reason=request.POST.get("reason", "").strip() or _("Cancelled online by the customer"),
                    by=None,
                    now=now,
                )
                done = _("Your appointment is cancelled.")
            elif not choice.is_valid():
                error, status = " ".join(map(str, choice.errors.get("proposal", []))), 400
            else:
                advisor_id, drop_off = choice.cleaned_data["proposal"]
                moved = services.appointment_reschedule(
                    dealership=dealership,
                    appointment=appointment,
                    advisor_id=advisor_id,
                    drop_off=drop_off,
                    by=None,
                    now=now,
                )
                done = _("Your appointment is moved to %(when)s.") % {
                    "when": long_day_time(timezone.localtime(moved.drop_off_at))
                }
        except (SlotTaken, IllegalTransition) as refused:
            error, status = str(refused.message), 409
        except ValidationError as problem:
            error, status = " ".join(problem.messages), 400
        if error is None:
            messages.success(request, done)
            return redirect("self_booking_manage", dealership_slug=dealership.slug, token=token)
        appointment = selectors.appointment_get(
            dealership=dealership, appointment_id=appointment.id, with_history=False
        )
        if appointment is None:  # deleted meanwhile
            raise Http404
    can_move = lifecycle.can_reschedule(appointment.status)
    can_cancel = lifecycle.can_transition(appointment.status, AppointmentStatus.CANCELLED)
    moving, day_form = can_move and "move" in request.GET, None
    if moving:
        settings = capacity_settings(dealership)
        day_form = MoveDayForm(
            request.GET if "wished_date" in request.GET else None,
            settings=settings,
            today=now.astimezone(dealership.tz).date(),
        )
        wished = day_form.cleaned_data["wished_date"] if day_form.is_bound and day_form.is_valid() else None
        # The appointment's own jobs, as the move's check reads them: only times it accepts;
        # from the start of the day the customer picked, if they picked one; and, when it has a
        # courtesy car or another mobility solution, only times at which that is free for the
        # whole stay, with the car or option of each (R3.1, R3.7), as when booking.
        offer = mobility_hooks.layer().offer(
            dealership=dealership,
            request=requests.appointment_slot_request(appointment, wished_day=wished, alternatives=4),
            mobility_kind=appointment.mobility_kind or mobility_hooks.NO_MOBILITY,
            now=now,
            from_time=datetime.combine(wished, time(), tzinfo=dealership.tz) if wished else None,
            settings=settings,
            # Its own reservation moves with it: the car it holds is free for the new time.
            moving=appointment,
        )
    return render(
        request,
        "bookings/self_manage.html",
        {
            "dealership": dealership,
            "appointment": appointment,
            "can_move": can_move,
            "moving": moving,
            "day_form": day_form,
            "offer": offer.offer if offer else None,
            "proposals": _in_time_order(offer.rows if offer else []),
            "mobility_message": offer.message if offer else "",
            "cancelling": can_cancel and "cancel" in request.GET and not moving,
            "can_cancel": can_cancel,
            "error": error,
        },
        status=status,
    )


def _in_time_order(rows: list[tuple[Proposal, str]]) -> list[tuple[Proposal, str]]:
    """The offer's proposals (each with its mobility note) as a customer reads a list of times:
    earliest first, day by day (the engine's order puts the other period's time second, R4.4)."""
    return sorted(rows, key=lambda row: row[0].drop_off)
