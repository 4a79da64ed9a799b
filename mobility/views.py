"""The mobility pages: the fleet planning board, a reservation with everything recorded, and
its changes (move, hand-over out and back, release). Thin: the services decide."""

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings.models import Appointment
from config.errors import DomainError
from dealerships.access import Capability, StaffAccess
from dealerships.forms import add_service_errors
from dealerships.scoping import staff_view
from mobility import page_selectors
from mobility.forms import BoardForm, HandOverBackForm, HandOverOutForm, MoveForm
from mobility.models import ReleaseReason, Reservation, ReservationStatus
from mobility.services.handover import reservation_hand_over_back, reservation_hand_over_out
from mobility.services.reservations import reservation_move, reservation_release


@staff_view(Capability.BOOK_APPOINTMENTS)
def fleet_board(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """Vehicles as rows, days as columns, reservations as bars (R3.8)."""
    dealership, now = access.dealership, timezone.now()
    today = now.astimezone(dealership.tz).date()
    form = BoardForm(request.GET)
    valid = form.is_valid()
    start = (form.cleaned_data.get("start") if valid else None) or today
    days = (form.cleaned_data.get("days") if valid else None) or page_selectors.BOARD_DAYS[-1]
    board = page_selectors.board_load(dealership=dealership, start=start, days=days, now=now)
    slug = dealership.slug

    def at(day: object) -> str:
        return reverse("fleet_board", args=[slug]) + "?" + urlencode({"start": str(day), "days": days})

    return render(
        request,
        "mobility/board.html",
        {
            "dealership": dealership,
            "form": form,
            "board": board,
            "today": today,
            "now": now,
            "earlier": at(start - timedelta(days=days)),
            "later": at(start + timedelta(days=days)),
            "today_url": at(today),
        },
        status=200 if valid else 400,
    )


def _reservation(access: StaffAccess, reservation_id: int) -> Reservation:
    reservation = page_selectors.reservation_get(dealership=access.dealership, reservation_id=reservation_id)
    if reservation is None:
        raise Http404
    return reservation


def _move_initial(reservation: Reservation) -> dict[str, Any]:
    tz = timezone.get_current_timezone()
    return {
        "departure_at": reservation.departure_at.astimezone(tz),
        "return_at": reservation.return_at.astimezone(tz),
    }


def _reservation_page(
    request: HttpRequest,
    access: StaffAccess,
    reservation: Reservation,
    *,
    forms: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    now = timezone.now()
    has_vehicle = reservation.fleet_vehicle_id is not None
    vehicles = page_selectors.fleet_vehicle_choices(
        dealership=access.dealership, solution_id=reservation.solution_id
    )
    given = forms or {}
    context = {
        "dealership": access.dealership,
        "reservation": reservation,
        "overdue": page_selectors.is_overdue(reservation, now),
        "late_pickup": page_selectors.is_late_pickup(reservation, now),
        "car_still_out": page_selectors.car_still_out(
            dealership=access.dealership, reservation=reservation, now=now
        ),
        "may_hand_over": access.can(Capability.RECEIVE_VEHICLES),
        "move_form": given.get("move") or MoveForm(initial=_move_initial(reservation), vehicles=vehicles),
        "out_form": given.get("out") or HandOverOutForm(vehicle=has_vehicle),
        "back_form": given.get("back")
        or HandOverBackForm(
            vehicle=has_vehicle,
            initial={"mileage_km": reservation.out_mileage_km, "fuel_percent": reservation.out_fuel_percent},
        ),
        "error": given.get("error", ""),
    }
    return render(request, "mobility/reservation_detail.html", context, status=status)


@staff_view(Capability.BOOK_APPOINTMENTS)
def reservation_detail(request: HttpRequest, access: StaffAccess, reservation_id: int) -> HttpResponse:
    return _reservation_page(request, access, _reservation(access, reservation_id))


def _done(request: HttpRequest, access: StaffAccess, reservation: Reservation, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("reservation_detail", access.dealership.slug, reservation.id)


@staff_view(Capability.BOOK_APPOINTMENTS)
@require_POST
def reservation_move_view(request: HttpRequest, access: StaffAccess, reservation_id: int) -> HttpResponse:
    """New departure and return, and/or another vehicle of the solution: a conflict is refused
    on the field, nothing changed (R3.8)."""
    reservation = _reservation(access, reservation_id)
    vehicles = page_selectors.fleet_vehicle_choices(
        dealership=access.dealership, solution_id=reservation.solution_id
    )
    form = MoveForm(request.POST, vehicles=vehicles)
    status = 400
    if form.is_valid():
        try:
            # Its own transaction: a refusal leaves nothing half-written and the page can go on.
            with transaction.atomic():
                moved = reservation_move(
                    dealership=access.dealership,
                    reservation=reservation,
                    departure_at=form.cleaned_data["departure_at"],
                    return_at=form.cleaned_data["return_at"],
                    fleet_vehicle=form.cleaned_data["fleet_vehicle"],
                    now=timezone.now(),
                    by=access.user,
                )
            return _done(request, access, moved, _("The reservation was moved."))
        except DomainError as refusal:
            field = refusal.field if refusal.field in form.fields else None
            form.add_error(field or "departure_at", str(refusal.message))
            status = refusal.status_code
        except ValidationError as refusal:
            add_service_errors(form, refusal)
    return _reservation_page(
        request, access, _reservation(access, reservation_id), forms={"move": form}, status=status
    )


@staff_view(Capability.RECEIVE_VEHICLES)
@require_POST
def reservation_out(request: HttpRequest, access: StaffAccess, reservation_id: int) -> HttpResponse:
    """Hand-over out (R3.6): documents checked, mileage, fuel, damage; time and who are taken."""
    reservation = _reservation(access, reservation_id)
    form = HandOverOutForm(request.POST, vehicle=reservation.fleet_vehicle_id is not None)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            done = reservation_hand_over_out(
                dealership=access.dealership,
                reservation=reservation,
                licence_checked=data.get("licence_checked", False),
                registration_checked=data.get("registration_checked", False),
                mileage_km=data.get("mileage_km"),
                fuel_percent=data.get("fuel_percent"),
                damage_notes=data.get("damage_notes", ""),
                now=timezone.now(),
                by=access.user,
            )
            return _done(request, access, done, _("Handed over to the customer."))
        except DomainError as refusal:
            form.add_error(None, str(refusal.message))
            status = refusal.status_code
        except ValidationError as refusal:
            add_service_errors(form, refusal)
    return _reservation_page(request, access, reservation, forms={"out": form}, status=status)


@staff_view(Capability.RECEIVE_VEHICLES)
@require_POST
def reservation_back(request: HttpRequest, access: StaffAccess, reservation_id: int) -> HttpResponse:
    """Hand-over back: mileage and fuel in (never backwards), damage; time and who are taken."""
    reservation = _reservation(access, reservation_id)
    form = HandOverBackForm(request.POST, vehicle=reservation.fleet_vehicle_id is not None)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            done = reservation_hand_over_back(
                dealership=access.dealership,
                reservation=reservation,
                mileage_km=data.get("mileage_km"),
                fuel_percent=data.get("fuel_percent"),
                damage_notes=data.get("damage_notes", ""),
                now=timezone.now(),
                by=access.user,
            )
            return _done(request, access, done, _("Taken back from the customer."))
        except DomainError as refusal:
            form.add_error(None, str(refusal.message))
            status = refusal.status_code
        except ValidationError as refusal:
            add_service_errors(form, refusal)
    return _reservation_page(request, access, reservation, forms={"back": form}, status=status)


@staff_view(Capability.BOOK_APPOINTMENTS)
@require_POST
def reservation_release_view(request: HttpRequest, access: StaffAccess, reservation_id: int) -> HttpResponse:
    """Release a reserved solution (staff): its car goes back to the pool."""
    reservation = _reservation(access, reservation_id)
    if reservation.status != ReservationStatus.RESERVED:
        return _reservation_page(
            request,
            access,
            reservation,
            forms={"error": _("Only a reservation not yet handed over can be released.")},
            status=409,
        )
    done = reservation_release(
        dealership=access.dealership,
        reservation=reservation,
        reason=ReleaseReason.STAFF,
        now=timezone.now(),
        by=access.user,
    )
    return _done(request, access, done, _("The reservation was released."))


def appointment_mobility_section(access: StaffAccess, appointment: Appointment) -> dict[str, Any] | None:
    """The appointment page's mobility section (registered by the mobility app): its
    reservations, each linking to its page; None when it has none."""
    reservations = list(
        Reservation.objects.for_dealership(access.dealership)
        .filter(appointment=appointment)
        .select_related("solution", "fleet_vehicle")
        .order_by("departure_at")
    )
    if not reservations:
        return None
    return {"dealership": access.dealership, "reservations": reservations}
