"""The operator's guided phone booking (R2, R4, R5) and the booking's confirmation page."""

from dataclasses import replace
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, time_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from bookings import phrases, selectors, services
from bookings.forms import PhoneBookingForm, ProposalChoiceForm, requested_work_for
from bookings.models import Document, ScriptPhrase
from config.errors import SlotTaken
from customers import selectors as customer_selectors
from dealerships.access import Capability, StaffAccess
from dealerships.scoping import staff_view
from workshop import selectors as workshop_selectors


def _greeting_period(hour: int) -> str:
    if hour < 12:
        return _("good morning")
    if hour < 18:
        return _("good afternoon")
    return _("good evening")


@staff_view(Capability.BOOK_APPOINTMENTS)
@require_http_methods(["GET", "POST"])
def phone_booking(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """One page that follows the call: greeting, reason, customer, vehicle and campaigns,
    requests, the double offer, mobility, then the booking and its recap."""
    dealership = access.dealership
    now = timezone.now()
    data = request.POST if request.method == "POST" else request.GET
    customer = None
    if data.get("customer", "").isdigit():
        customer = customer_selectors.customer_file_get(
            dealership=dealership, customer_id=int(data["customer"])
        )
    query = data.get("q", "").strip()
    matches = (
        customer_selectors.customer_search(dealership=dealership, query=query)
        if query and not customer
        else []
    )
    vehicles = list(customer.vehicles.all()) if customer else []
    form = PhoneBookingForm(
        data if customer and ("find" in data or request.method == "POST") else None,
        initial={"customer": customer.id if customer else None, "kind": "maintenance", "mobility": "none"}
        | ({"vehicle": vehicles[0].id} if len(vehicles) == 1 else {}),
        vehicles=vehicles,
        jobs=workshop_selectors.job_list(dealership=dealership),
    )
    offer = work = None
    if form.is_bound and form.is_valid():
        work = requested_work_for(
            form,
            dealership=dealership,
            now=now,
            jobs=form.cleaned_data["jobs"],
            extra_minutes=form.cleaned_data["extra_minutes"],
            extra_skill=form.cleaned_data["extra_skill"],
            vehicle=form.cleaned_data["vehicle"],
            urgent=form.cleaned_data["urgent"],
            comeback=form.cleaned_data["kind"] == "comeback",
            wished_date=form.cleaned_data["wished_date"],
            alternatives=4 if form.cleaned_data["more"] else 0,
            mobility_needed=form.cleaned_data["mobility"] != "none",
        )
        if work is not None:
            offer = workshop_selectors.availability_offer(
                dealership=dealership, request=work.slot_request, now=now, settings=work.settings
            )
    if request.method == "POST" and work is not None:
        choice = ProposalChoiceForm(request.POST)
        if choice.is_valid():
            advisor_id, drop_off = choice.cleaned_data["proposal"]
            try:
                with transaction.atomic():  # the page goes on after SlotTaken (appointment_book)
                    appointment = services.appointment_book(
                        dealership=dealership,
                        customer=customer,
                        vehicle=work.vehicle,
                        advisor_id=advisor_id,
                        drop_off=drop_off,
                        jobs=work.jobs,
                        now=now,
                        booked_by=request.user,
                        urgent=form.cleaned_data["urgent"],
                        comeback=form.cleaned_data["kind"] == "comeback",
                        kind=form.cleaned_data["kind"],
                        customer_requests=form.cleaned_data["customer_requests"],
                        test_drive_needed=form.cleaned_data["test_drive_needed"],
                        replacement_vehicle_wanted=form.cleaned_data["replacement_vehicle_wanted"]
                        or form.cleaned_data["mobility"] == "courtesy_car",
                        special_requests=form.cleaned_data["special_requests"],
                        mileage_km=form.cleaned_data["mileage_km"],
                        settings=work.settings,
                    )
            except SlotTaken:
                messages.error(request, _("That time was just taken. Here are the next free times."))
                more_times = replace(work.slot_request, alternatives=max(work.slot_request.alternatives, 4))
                offer = workshop_selectors.availability_offer(
                    dealership=dealership,
                    request=more_times,
                    now=timezone.now(),
                    from_time=drop_off,
                    settings=work.settings,
                )
            else:
                return redirect(
                    "appointment_booked", dealership_slug=dealership.slug, appointment_id=appointment.id
                )
        else:
            messages.error(request, _("Choose one of the times offered."))
    with translation.override(dealership.language):
        greeting = phrases.phrase(
            dealership=dealership,
            key=ScriptPhrase.Key.GREETING,
            language=dealership.language,
            values={
                "dealership": dealership.name,
                "department": dealership.service_department_name,
                "name": request.user.first_name or request.user.username,
                "hello": _greeting_period(timezone.localtime(now).hour),
            },
        )
    return render(
        request,
        "bookings/phone_booking.html",
        {
            "dealership": dealership,
            "greeting": greeting,
            "query": query,
            "matches": matches,
            "customer": customer,
            "form": form,
            "work": work,
            "offer": offer,
            "open_campaigns": _open_campaigns(dealership, vehicles, now),
            "more_url": _more_url(data) if offer else "",
        },
        status=400 if request.method == "POST" else 200,
    )


def _more_url(data) -> str:
    """The same answers, asking for more times (R4.4: more options on demand)."""
    kept = [
        (key, value)
        for key, values in data.lists()
        if key not in {"more", "find", "proposal", "csrfmiddlewaretoken"}
        for value in values
    ]
    return "?" + urlencode([*kept, ("more", "1"), ("find", "1")])


def _open_campaigns(dealership, vehicles, now):
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


def _recap(appointment, dealership) -> dict[str, str]:
    """The sentences to read out, in the active language: date, arrival, work, return, documents."""
    drop_off = timezone.localtime(appointment.drop_off_at)
    ready = timezone.localtime(appointment.promised_return_at)

    def moment(value) -> dict[str, str]:
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
    def __init__(self, *args, initial_texts: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        for key in ScriptPhrase.Key:
            self.fields[key.value] = forms.CharField(
                label=key.label,
                initial=initial_texts[key.value],
                max_length=500,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("You can use {dealership}, {department}, {name} and {hello}.")
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
