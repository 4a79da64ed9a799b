"""The operators' call queue (R7.5), the follow-up settings, and the customers' satisfaction and
enquiry pages. Thin: fu1's services decide, these pages ask and show."""

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import model_to_dict
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.core import is_ratelimited

from bookings import lifecycle
from bookings import selectors as booking_selectors
from bookings.models import AppointmentKind
from config.client_address import client_address
from customers.models import Customer
from dealerships.access import Capability, StaffAccess
from dealerships.forms import add_service_errors
from dealerships.models import Dealership, User
from dealerships.scoping import public_view, staff_view
from followups import enquiry, page_selectors, scripts, selectors
from followups.forms import (
    OUTCOME_KEYS,
    EnquiryForm,
    OutcomeForm,
    RulesForm,
    SatisfactionForm,
    ScriptsForm,
    TaskCreateForm,
)
from followups.models import CallTask, ContactChannel, Outcome, TaskKind, TaskStatus
from followups.satisfaction_link import satisfaction_token_read
from followups.services import calls, rule_settings, satisfaction
from followups.services.rule_settings import RULE_FIELDS

QUEUE_SHOWN = 50
ENQUIRY_RATE = "5/h"  # questions one address may leave in an hour: a customer's, not a flood's
ENQUIRIES_PER_DEALERSHIP_RATE = "200/h"


def _queue_url(access: StaffAccess) -> str:
    return reverse("call_queue", kwargs={"dealership_slug": access.dealership.slug})


def _task_url(access: StaffAccess, task: CallTask) -> str:
    return reverse("call_task", kwargs={"dealership_slug": access.dealership.slug, "task_id": task.id})


def book_now_url(dealership: Dealership, task: CallTask) -> str:
    """The phone booking with the customer, the vehicle and the due service filled in, asking
    for times straight away (the phone page reads its answers from the URL); for a customer who
    asked for another time (R5.6), the move of that appointment while it can still be moved."""
    subject = task.appointment if task.kind == TaskKind.RESCHEDULE_REQUEST else None
    if subject is not None and lifecycle.can_reschedule(subject.status):
        return reverse(
            "appointment_move",
            kwargs={"dealership_slug": dealership.slug, "appointment_id": task.appointment_id},
        )
    query: list[tuple[str, str]] = [("customer", str(task.customer_id))]
    if task.vehicle_id is not None:
        query.append(("vehicle", str(task.vehicle_id)))
        campaign_call = task.kind in (TaskKind.CAMPAIGN, TaskKind.RECALL)
        query.append(("kind", AppointmentKind.CAMPAIGN if campaign_call else AppointmentKind.MAINTENANCE))
        if task.kind in (TaskKind.FIRST_SERVICE, TaskKind.PERIODIC_SERVICE):
            job = page_selectors.maintenance_job(dealership=dealership)
            if job is not None:
                query.append(("jobs", job.code))
        # The campaigns of the vehicle join the jobs on their own (R2.4).
        query += [("mobility", "none"), ("extra_skill", "maintenance"), ("find", "1")]
    return reverse("phone_booking", kwargs={"dealership_slug": dealership.slug}) + "?" + urlencode(query)


def _script(dealership: Dealership, task: CallTask, operator: User) -> tuple[str, str]:
    """The script for the task in the customer's language (the dealership's otherwise)."""
    language = task.customer.language or dealership.language
    with translation.override(language):
        values = {
            "customer": task.customer.display_name,
            "vehicle": f"{task.vehicle.make} {task.vehicle.model}".strip() if task.vehicle else _("car"),
            "dealership": dealership.name,
            "operator": operator.get_full_name() or operator.username,
        }
        text = scripts.call_script(dealership=dealership, kind=task.kind, language=language, values=values)
    return language, text


def _queue_page(
    request: HttpRequest,
    access: StaffAccess,
    task: CallTask | None,
    *,
    form: OutcomeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    dealership, now = access.dealership, timezone.now()
    held_by_me = (
        task is not None
        and task.status == TaskStatus.CLAIMED
        and task.operator_id == access.user.id
        and task.claimed_until is not None
        and task.claimed_until > now
    )
    context: dict[str, Any] = {
        "dealership": dealership,
        "task": task,
        "held_by_me": held_by_me,
        "queue": selectors.call_queue(dealership=dealership, now=now, limit=QUEUE_SHOWN),
        "counts": page_selectors.queue_counts(dealership=dealership, now=now),
        "outcome_keys": [(Outcome(value), key) for value, key in OUTCOME_KEYS],
        "form": form or OutcomeForm(),
        "now": now,
    }
    if task is not None:
        language, script = _script(dealership, task, access.user)
        context |= {
            "file": page_selectors.call_file_load(dealership=dealership, task=task, now=now),
            "script": script,
            "script_language": language,
            "book_now_url": book_now_url(dealership, task) if not task.is_closed else "",
        }
        if task.kind == TaskKind.SATISFACTION and task.appointment is not None:
            # The answer given already (by link, by reply): the operator does not ask again.
            context["satisfaction_call"] = True
            context["answered"] = page_selectors.appointment_satisfaction(
                dealership=dealership, appointment=task.appointment
            )
    return render(request, "followups/call_queue.html", context, status=status)


@staff_view(Capability.WORK_CALL_QUEUE)
def call_queue(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """The queue: the task the operator holds (if any), the next-task key, the tasks waiting."""
    task = selectors.operator_current_task(
        dealership=access.dealership, operator=access.user, now=timezone.now()
    )
    return _queue_page(request, access, task)


@staff_view(Capability.WORK_CALL_QUEUE)
@require_POST
def call_next(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """Claim the next task for this operator (the one they hold still, else the next due)."""
    task = calls.call_task_claim_next(dealership=access.dealership, operator=access.user, now=timezone.now())
    if task is None:
        messages.info(request, _("No call is due now."))
        return redirect(_queue_url(access))
    return redirect(_task_url(access, task))


def _task_or_404(access: StaffAccess, task_id: int) -> CallTask:
    task = selectors.call_task_get(dealership=access.dealership, task_id=task_id)
    if task is None:
        raise Http404
    return task


@staff_view(Capability.WORK_CALL_QUEUE)
def call_task(request: HttpRequest, access: StaffAccess, task_id: int) -> HttpResponse:
    """One task with the customer file beside it; its outcome keys when the operator holds it."""
    return _queue_page(request, access, _task_or_404(access, task_id))


@staff_view(Capability.WORK_CALL_QUEUE)
@require_POST
def call_task_claim(request: HttpRequest, access: StaffAccess, task_id: int) -> HttpResponse:
    """Take a task from the list (or from the customer file's "call now")."""
    task = _task_or_404(access, task_id)
    try:
        calls.call_task_claim(
            dealership=access.dealership, task=task, operator=access.user, now=timezone.now()
        )
    except ValidationError as refusal:
        form = OutcomeForm()
        add_service_errors(form, refusal)
        return _queue_page(request, access, task, form=form, status=409)
    return redirect(_task_url(access, task))


@staff_view(Capability.WORK_CALL_QUEUE)
@require_POST
def call_task_release(request: HttpRequest, access: StaffAccess, task_id: int) -> HttpResponse:
    """Give the task back to the queue unworked."""
    task = _task_or_404(access, task_id)
    try:
        calls.call_task_release(
            dealership=access.dealership, task=task, operator=access.user, now=timezone.now()
        )
    except ValidationError as refusal:
        form = OutcomeForm()
        add_service_errors(form, refusal)
        return _queue_page(request, access, task, form=form, status=409)
    return redirect(_queue_url(access))


@staff_view(Capability.WORK_CALL_QUEUE)
@require_POST
def call_task_outcome(request: HttpRequest, access: StaffAccess, task_id: int) -> HttpResponse:
    """Record how the call went (R7.5): the task closes or comes back, a contact is recorded."""
    task = _task_or_404(access, task_id)
    form = OutcomeForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            calls.call_task_outcome_record(
                dealership=access.dealership,
                task=task,
                operator=access.user,
                outcome=data["outcome"],
                now=timezone.now(),
                call_back_at=data["call_back_at"],
                decline_reason=data["decline_reason"],
                note=data["note"].strip(),
                score=data["score"],
                comment=data["comment"],
                concern=data["concern"],
            )
        except ValidationError as refusal:
            add_service_errors(form, refusal)
            status = 409 if "task" in getattr(refusal, "error_dict", {}) else 400
        else:
            messages.success(
                request,
                _("%(customer)s: %(outcome)s.")
                % {"customer": task.customer.display_name, "outcome": Outcome(data["outcome"]).label},
            )
            return redirect(_queue_url(access))
    task = _task_or_404(access, task_id)  # as it is now: unchanged
    return _queue_page(request, access, task, form=form, status=status)


def _customers(dealership: Dealership) -> QuerySet[Customer]:
    return Customer.objects.for_dealership(dealership).filter(erased_at__isnull=True)


@staff_view(Capability.WORK_CALL_QUEUE)
@require_http_methods(["GET", "POST"])
def call_task_create(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """A call task by hand: customer, when, what about."""
    dealership = access.dealership
    initial = {"customer": request.GET.get("customer", "")}
    form = TaskCreateForm(request.POST or None, initial=initial, customers=_customers(dealership))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        now = timezone.now()
        if data["due_at"] is not None and data["due_at"] < now:
            form.add_error("due_at", _("This time has passed: leave it empty to call now."))
        else:
            try:
                task = calls.call_task_create(
                    dealership=dealership,
                    kind=TaskKind.MANUAL,
                    customer=data["customer"],
                    now=now,
                    due_at=data["due_at"],
                    note=data["note"].strip(),
                    created_by=access.user,
                )
            except ValidationError as refusal:
                add_service_errors(form, refusal)
            else:
                messages.success(request, _("Call task added to the queue."))
                return redirect(_task_url(access, task))
    return render(
        request,
        "followups/call_task_create.html",
        {"dealership": dealership, "form": form},
        status=400 if request.method == "POST" else 200,
    )


# --- Settings ---------------------------------------------------------------------------------


@staff_view(Capability.MANAGE_FOLLOWUPS)
@require_http_methods(["GET", "POST"])
def followup_rules_edit(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """The follow-up rules of the dealership (R6.6, R7.1-R7.6, R9.1): on/off, days, kilometres."""
    dealership = access.dealership
    rules = selectors.followup_rules_get(dealership=dealership)
    form = RulesForm(request.POST or None, initial=model_to_dict(rules, fields=RULE_FIELDS))
    if request.method == "POST" and form.is_valid():
        try:
            rule_settings.followup_rules_save(dealership=dealership, values=dict(form.cleaned_data))
        except ValidationError as refusal:
            add_service_errors(form, refusal)
        else:
            messages.success(request, _("Follow-up rules saved."))
            return redirect("followup_rules", dealership_slug=dealership.slug)
    return render(
        request,
        "followups/rules.html",
        {"dealership": dealership, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@staff_view(Capability.MANAGE_FOLLOWUPS)
@require_http_methods(["GET", "POST"])
def call_scripts_edit(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """What the operators say on each kind of call, per language; an emptied box is the default."""
    dealership = access.dealership
    language = request.GET.get("language") or dealership.language
    if language not in dict(settings.LANGUAGES):
        raise Http404
    current = {
        kind.value: scripts.call_script(dealership=dealership, kind=kind, language=language)
        for kind in TaskKind
    }
    form = ScriptsForm(request.POST or None, initial_texts=current)
    if request.method == "POST" and form.is_valid():
        scripts.call_scripts_save(dealership=dealership, language=language, texts=form.cleaned_data)
        messages.success(request, _("Call scripts saved."))
        return redirect(
            reverse("call_scripts", kwargs={"dealership_slug": dealership.slug}) + f"?language={language}"
        )
    return render(
        request,
        "followups/call_scripts.html",
        {"dealership": dealership, "form": form, "language": language, "languages": settings.LANGUAGES},
        status=400 if request.method == "POST" else 200,
    )


# --- The customers' pages ---------------------------------------------------------------------


def _link_dealership(slug: str) -> Dealership:
    """The dealership of a link sent to a customer: it works where online booking is off too."""
    dealership = Dealership.objects.filter(slug=slug, is_active=True).first()
    if dealership is None:
        raise Http404
    return dealership


def satisfaction_answer(request: HttpRequest, dealership_slug: str, token: str) -> HttpResponse:
    """R9.1 by link: a 1-5 score and a comment about the visit; a concern goes to the advisor."""
    dealership = _link_dealership(dealership_slug)
    with timezone.override(dealership.tz):
        return _satisfaction_answer(request, dealership, token)


# Marked as the public views are (dealerships.scoping.public_view): the slug is resolved above.
satisfaction_answer.tenant_scoped = True  # type: ignore[attr-defined]
satisfaction_answer.public = True  # type: ignore[attr-defined]


def _satisfaction_answer(request: HttpRequest, dealership: Dealership, token: str) -> HttpResponse:
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    appointment_id = satisfaction_token_read(dealership=dealership, token=token)
    appointment = (
        booking_selectors.appointment_get(
            dealership=dealership, appointment_id=appointment_id, with_history=False
        )
        if appointment_id is not None
        else None
    )
    context: dict[str, Any] = {"dealership": dealership, "appointment": appointment}
    if appointment is None:
        return render(request, "followups/satisfaction_invalid.html", context, status=404)
    if page_selectors.appointment_satisfaction(dealership=dealership, appointment=appointment) is not None:
        return render(request, "followups/satisfaction_thanks.html", context)
    form = SatisfactionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        customer = appointment.customer
        channel = (
            ContactChannel.EMAIL if customer.preferred_contact == ContactChannel.EMAIL else ContactChannel.SMS
        )
        try:
            satisfaction.satisfaction_record(
                dealership=dealership,
                appointment=appointment,
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
                concern=form.cleaned_data["concern"],
                channel=channel,
                now=timezone.now(),
            )
        except ValidationError as refusal:
            add_service_errors(form, refusal)
        else:
            return redirect(request.path)
    context["form"] = form
    return render(
        request, "followups/satisfaction.html", context, status=400 if request.method == "POST" else 200
    )


def _too_many_enquiries(request: HttpRequest, dealership: Dealership) -> bool:
    """Counts this request: ENQUIRY_RATE per client address, and a ceiling per dealership."""
    limited = is_ratelimited(
        request,
        group=f"enquiries:{dealership.id}",
        key=lambda _group, request: client_address(request),
        rate=ENQUIRY_RATE,
        increment=True,
    )
    limited |= is_ratelimited(
        request,
        group=f"enquiries-all:{dealership.id}",
        key=lambda _group, _request: "all",
        rate=ENQUIRIES_PER_DEALERSHIP_RATE,
        increment=True,
    )
    return limited


def _page_language(dealership: Dealership) -> str:
    """The language the customer reads the page in, as a customer file stores it."""
    active = (translation.get_language() or "").lower()
    return active if active in dict(settings.LANGUAGES) else dealership.language


@public_view
@require_http_methods(["GET", "POST"])
def enquiry_form(request: HttpRequest, dealership: Dealership) -> HttpResponse:
    """A question for the dealership: it becomes a call task for the operators. The answer is
    the same whether or not the contact is on a customer file."""
    form = EnquiryForm(request.POST or None, phone_region=dealership.phone_region)
    context: dict[str, Any] = {"dealership": dealership, "form": form}
    if request.method == "GET":
        return render(request, "followups/enquiry.html", context)
    if _too_many_enquiries(request, dealership):
        context["error"] = _("Too many questions were sent from here. Try again in an hour, or call us.")
        return render(request, "followups/enquiry.html", context, status=429)
    if not form.is_valid():
        return render(request, "followups/enquiry.html", context, status=400)
    data = form.cleaned_data
    enquiry.enquiry_submit(
        dealership=dealership,
        name=data["name"],
        contact=data["contact"],
        plate=data["plate"],
        question=data["question"],
        language=_page_language(dealership),
        now=timezone.now(),
    )
    return render(request, "followups/enquiry_sent.html", {"dealership": dealership})


@staff_view(Capability.BOOK_APPOINTMENTS)
@require_POST
def satisfaction_concern_handled(
    request: HttpRequest, access: StaffAccess, appointment_id: int
) -> HttpResponse:
    """The advisor has dealt with the customer's concern about the visit (R9.1)."""
    dealership = access.dealership
    appointment = booking_selectors.appointment_get(
        dealership=dealership, appointment_id=appointment_id, with_history=False
    )
    answer = (
        page_selectors.appointment_satisfaction(dealership=dealership, appointment=appointment)
        if appointment is not None
        else None
    )
    if answer is None:
        raise Http404
    try:
        satisfaction.satisfaction_concern_handle(dealership=dealership, response=answer, now=timezone.now())
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    else:
        messages.success(request, _("The concern is marked as handled."))
    return redirect("appointment_detail", dealership_slug=dealership.slug, appointment_id=appointment_id)
