"""The operator's guided phone booking (R2, R4, R5) and the booking's confirmation page."""

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bookings import mobility_hooks, phrases, selectors, services
from bookings.forms import (
    MORE_TIMES,
    PhoneBookingForm,
    ProposalChoiceForm,
    customer_address,
    requested_work_for,
)
from bookings.mobility_hooks import MobilityOffer
from bookings.models import Appointment, AppointmentKind, Document, ScriptPhrase
from bookings.requests import RequestedWork
from config.errors import SlotTaken
from customers import selectors as customer_selectors
from customers import services as customer_services
from customers.forms import CustomerSearchForm
from customers.models import Campaign, Customer, Vehicle
from customers.selectors import CustomerMatch
from dealerships.access import Capability, StaffAccess
from dealerships.forms import add_service_errors
from dealerships.models import Dealership, User
from dealerships.scoping import HtmxRequest, staff_view
from workshop.availability import SlotRequest
from workshop.capacity_settings import capacity_settings


def _greeting_period(hour: int) -> str:
    if hour < 12:
        return _("good morning")
    if hour < 18:
        return _("good afternoon")
    return _("good evening")


@staff_view(Capability.BOOK_APPOINTMENTS)
@require_http_methods(["GET", "POST"])
def phone_booking(request: HtmxRequest, access: StaffAccess) -> HttpResponse:
    """One page that follows the call: greeting, customer, reason, vehicle and campaigns,
    requests, mobility, the double offer, then the booking and its recap."""
    dealership, now = access.dealership, timezone.now()
    answers = request.POST if request.method == "POST" else request.GET
    customer = _customer_on_the_line(dealership, answers)
    search = CustomerSearchForm(answers)
    query = search.query()
    matches = _customer_matches(dealership, query, customer)
    if len(matches) == 1 and request.method == "GET" and not request.htmx:
        # The search was sent (Enter), not typed live, and found one file: open it.
        return redirect(f"{request.path}?customer={matches[0].customer.id}")
    form = _call_form(
        dealership, customer, answers, now=now, asked=request.method == "POST" or "find" in answers
    )
    work: RequestedWork | None = None
    offer: MobilityOffer | None = None
    if form.is_bound and form.is_valid():
        work = requested_work_for(form, dealership=dealership, wanted=form.work_wanted())
    if work is not None and request.method == "GET":
        offer = _offer(dealership, form, work, now=now)
    elif work is not None and customer is not None and work.vehicle is not None:
        # Always so: the form is bound only with a customer, and the vehicle is a required answer.
        appointment, offer = _book_the_chosen_time(
            request, access, customer, work.vehicle, form, work, now=now
        )
        if appointment is not None:
            return redirect(
                "appointment_booked", dealership_slug=dealership.slug, appointment_id=appointment.id
            )
    return render(
        request,
        "bookings/phone_booking.html",
        {
            "dealership": dealership,
            "greeting": _greeting(dealership, access.user, now),
            "query": query or "",
            "search": search,
            "matches": matches,
            "customer": customer,
            "form": form,
            "work": work,
            "offer": offer.offer if offer else None,
            "offer_rows": offer.rows if offer else [],
            "mobility_message": offer.message if offer else "",
            "open_campaigns": form.open_campaigns,
            "already_booked": list(
                selectors.open_appointments_of_vehicles(
                    dealership=dealership, vehicle_ids=form.vehicles.keys(), now=now
                ).values()
            ),
            "more_url": _more_url(answers) if offer else "",
        },
        status=400 if request.method == "POST" or query is None else 200,
    )


def _customer_on_the_line(dealership: Dealership, answers: QueryDict) -> Customer | None:
    customer_id = answers.get("customer", "")
    if not customer_id.isdigit():
        return None
    return customer_selectors.customer_file_get(dealership=dealership, customer_id=int(customer_id))


def _customer_matches(
    dealership: Dealership, query: str | None, customer: Customer | None
) -> list[CustomerMatch]:
    if not query or customer is not None:
        return []
    return customer_selectors.customer_search(dealership=dealership, query=query)


def _call_form(
    dealership: Dealership, customer: Customer | None, answers: QueryDict, *, now: datetime, asked: bool
) -> PhoneBookingForm:
    """The call's answers so far; bound once there is a customer and times were asked for."""
    vehicles = list(customer.vehicles.all()) if customer else []
    chosen = answers.get("vehicle", "")
    vehicle = next((v for v in vehicles if str(v.id) == chosen), vehicles[0] if len(vehicles) == 1 else None)
    initial: dict[str, object] = {
        "customer": customer.id if customer else None,
        "kind": AppointmentKind.MAINTENANCE,
        # Pick-up and delivery goes to the address on the customer file unless told otherwise.
        "mobility_address": customer_address(customer),
    }
    if len(vehicles) == 1:
        initial["vehicle"] = vehicles[0].id
    return PhoneBookingForm(
        answers if customer and asked else None,
        initial=initial,
        vehicles=vehicles,
        open_campaigns=_open_campaigns(dealership, vehicles, now),
        # R3.2, R3.3, R3.5: every solution with what it costs this customer's vehicle.
        mobility_options=mobility_hooks.layer().options(
            dealership=dealership, vehicle=vehicle, job_minutes=None, online=False, now=now
        )
        if customer
        else (),
        # The tenant check read the dealership's row in this request: its version is current.
        settings=capacity_settings(dealership, version=dealership.capacity_version),
        today=now.astimezone(dealership.tz).date(),
    )


def _book_the_chosen_time(
    request: HttpRequest,
    access: StaffAccess,
    customer: Customer,
    vehicle: Vehicle,
    form: PhoneBookingForm,
    work: RequestedWork,
    *,
    now: datetime,
) -> tuple[Appointment | None, MobilityOffer | None]:
    """Book the time the customer chose: (the appointment, None), or (None, the offer to read
    out instead: the next times after one just taken)."""
    dealership = access.dealership
    choice = ProposalChoiceForm(request.POST)
    if not choice.is_valid():
        messages.error(request, _("Choose one of the times offered."))
        return None, _offer(dealership, form, work, now=now)
    advisor_id, drop_off = choice.cleaned_data["proposal"]
    try:
        with transaction.atomic():  # the page goes on after SlotTaken (appointment_book)
            appointment = services.appointment_book(
                dealership=dealership,
                customer=customer,
                vehicle=vehicle,
                advisor_id=advisor_id,
                drop_off=drop_off,
                jobs=work.jobs,
                now=now,
                booked_by=access.user,
                urgent=work.slot_request.urgent,
                comeback=work.slot_request.comeback,
                details=form.appointment_details(),
                settings=work.settings,
            )
            if declined := form.declined():
                customer_services.campaign_declines_record(
                    dealership=dealership,
                    vehicle=vehicle,
                    campaigns=declined,
                    reason=form.cleaned_data["decline_reason"].strip(),
                    on=now.astimezone(dealership.tz).date(),
                    by=access.user,
                )
    except ValidationError as refusal:  # a reading recorded meanwhile is higher than the one given
        add_service_errors(form, refusal)
        return None, None
    except SlotTaken as refused:  # its message says why: taken meanwhile, technicians full, ...
        messages.error(request, _("%(why)s Here are the next free times.") % {"why": refused.message})
        more_times = replace(work.slot_request, alternatives=max(work.slot_request.alternatives, MORE_TIMES))
        return None, _offer(
            dealership, form, work, now=timezone.now(), request=more_times, from_time=drop_off
        )
    return appointment, None


def _offer(
    dealership: Dealership,
    form: PhoneBookingForm,
    work: RequestedWork,
    *,
    now: datetime,
    request: SlotRequest | None = None,
    from_time: datetime | None = None,
) -> MobilityOffer:
    """The double offer, kept to the times the chosen mobility is free for the whole
    immobilisation, with the car or option of each (R3.1, R3.7; bookings.mobility_hooks)."""
    return mobility_hooks.layer().offer(
        dealership=dealership,
        request=request or work.slot_request,
        mobility_kind=form.cleaned_data["mobility"],
        now=now,
        from_time=from_time,
        settings=work.settings,
    )


def _greeting(dealership: Dealership, user: User, now: datetime) -> str:
    """R2.1: the greeting in the dealership's language, with the operator's name."""
    with translation.override(dealership.language):
        return phrases.phrase(
            dealership=dealership,
            key=ScriptPhrase.Key.GREETING,
            language=dealership.language,
            values={
                "dealership": dealership.name,
                "department": dealership.service_department_name,
                # The guide: the operator gives their given and family name.
                "name": user.get_full_name() or user.username,
                "given_name": user.first_name or user.username,
                "hello": _greeting_period(timezone.localtime(now).hour),
            },
        )


def _more_url(data: QueryDict) -> str:
    """The same answers, asking for more times (R4.4: more options on demand)."""
    kept = [
        (key, value)
        for key, values in data.lists()
        if key not in {"more", "find", "proposal", "csrfmiddlewaretoken"}
        for value in values
    ]
    return "?" + urlencode([*kept, ("more", "1"), ("find", "1")])


def _open_campaigns(
    dealership: Dealership, vehicles: Iterable[Vehicle], now: datetime
) -> dict[int, list[Campaign]]:
    today = now.astimezone(dealership.tz).date()
    return {
        vehicle.id: list(
            customer_selectors.open_campaigns(dealership=dealership, vehicle=vehicle, today=today)
        )
        for vehicle in vehicles
    }


@staff_view(Capability.BOOK_APPOINTMENTS)
def appointment_booked(request: HttpRequest, access: StaffAccess, appointment_id: int) -> HttpResponse:
    """The recap to read out (R5.1, R5.2) and the documents to bring (R3.6), in the customer's
    language, with the appointment's details for the operator."""
    appointment = selectors.appointment_get(dealership=access.dealership, appointment_id=appointment_id)
    if appointment is None:
        raise Http404
    language = appointment.customer.language or access.dealership.language
    with translation.override(language), timezone.override(access.dealership.tz):
        recap = _recap(appointment, access.dealership)
    return render(
        request,
        "bookings/appointment_booked.html",
        {
            "dealership": access.dealership,
            "appointment": appointment,
            "recap": recap,
            "recap_language": language,
            "documents": [
                Document(code).label for code in appointment.documents_to_bring if code in Document.values
            ],
        },
    )


def _recap(appointment: Appointment, dealership: Dealership) -> dict[str, str]:
    """The sentences to read out, in the active language: date, arrival, work, return, documents."""
    drop_off = timezone.localtime(appointment.drop_off_at)
    ready = timezone.localtime(appointment.promised_return_at)

    def moment(value: datetime) -> dict[str, str]:
        return {
            "weekday": date_format(value, "l"),
            "date": date_format(value, "DATE_FORMAT"),
            "time": time_format(value, "TIME_FORMAT"),
        }

    jobs = ", ".join(job.description for job in appointment.jobs.all())
    return {
        "when": _(
            "We expect you on %(weekday)s %(date)s at %(time)s at the service reception of %(dealership)s."
        )
        % {**moment(drop_off), "dealership": dealership.name},
        "arrival": phrases.phrase(
            dealership=dealership, key=ScriptPhrase.Key.ARRIVAL, language=get_language()
        ),
        "what": _("We will do: %(jobs)s, on your %(vehicle)s.")
        % {"jobs": jobs, "vehicle": appointment.vehicle},
        "ready": _("We plan to hand the car back at %(time)s on %(weekday)s %(date)s.") % moment(ready),
        "documents": phrases.phrase(
            dealership=dealership, key=ScriptPhrase.Key.DOCUMENTS, language=get_language()
        ),
    }


class PhrasesForm(forms.Form):
    def __init__(self, *args: Any, initial_texts: dict[str, str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for key in ScriptPhrase.Key:
            self.fields[key.value] = forms.CharField(
                label=key.label,
                initial=initial_texts[key.value],
                max_length=500,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_(
                    "You can use {dealership}, {department}, {name} (your given and family name),"
                    " {given_name} and {hello}."
                )
                if key is ScriptPhrase.Key.GREETING
                else "",
            )


@staff_view(Capability.MANAGE_DEALERSHIP)
@require_http_methods(["GET", "POST"])
def script_phrases(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """The wording the desk reads out, per language; an emptied box goes back to the default."""
    dealership = access.dealership
    languages = dict(settings.LANGUAGES)
    language = request.GET.get("language") or dealership.language
    if language not in languages:
        raise Http404
    current = {
        key.value: phrases.phrase(dealership=dealership, key=key, language=language)
        for key in ScriptPhrase.Key
    }
    form = PhrasesForm(request.POST or None, initial_texts=current)
    if request.method == "POST" and form.is_valid():
        phrases.phrases_save(dealership=dealership, language=language, texts=form.cleaned_data)
        messages.success(request, _("Phrases saved."))
        return redirect(
            reverse("script_phrases", kwargs={"dealership_slug": dealership.slug}) + f"?language={language}"
        )
    return render(
        request,
        "bookings/phrases.html",
        {"dealership": dealership, "form": form, "language": language, "languages": settings.LANGUAGES},
        status=400 if request.method == "POST" else 200,
    )
