"""The staff's pages of the notifications: the dealership's own message texts (with a live
preview and the SMS segment count), the advisor's inbox of replies and failed messages, and an
advisor's private calendar feed. Thin: the selectors read, the services write."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dealerships.access import Capability, StaffAccess
from dealerships.forms import add_service_errors
from dealerships.models import Dealership
from dealerships.scoping import HtmxRequest, staff_view
from notifications import schedule, selectors, templating
from notifications.forms import MessageTemplateForm
from notifications.models import MessageKind, MessageTemplate
from notifications.rendering import EDITABLE_KINDS, advisor_feed_ics, public_url, sample_render, starting_text
from notifications.services import feeds, inbox, texts

LANGUAGE_NAMES = dict(settings.LANGUAGES)


def _kind_and_language(kind: str, language: str) -> tuple[MessageKind, str]:
    if kind not in EDITABLE_KINDS or language not in LANGUAGE_NAMES:
        raise Http404
    return MessageKind(kind), language


@staff_view(Capability.MANAGE_DEALERSHIP)
@require_GET
def message_template_list(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """Each kind of message in each language: the built-in text, or the dealership's own."""
    dealership = access.dealership
    own = {(t.kind, t.language) for t in selectors.message_template_list(dealership=dealership)}
    rows = [
        {
            "kind": kind,
            "label": kind.label,
            "languages": [
                {"code": code, "name": name, "own": (kind, code) in own} for code, name in settings.LANGUAGES
            ],
        }
        for kind in EDITABLE_KINDS
    ]
    return render(request, "notifications/texts.html", {"dealership": dealership, "rows": rows})


def _preview_context(
    dealership: Dealership, kind: str, language: str, form: MessageTemplateForm | None
) -> dict[str, object]:
    """The sample message as the text in the form would say it (the built-in one without a
    valid text), and its SMS size."""
    override = None
    if form is not None and form.is_valid():
        override = MessageTemplate(
            dealership=dealership,
            kind=kind,
            language=language,
            subject=form.cleaned_data["subject"],
            body=form.cleaned_data["body"],
        )
    subject, body = sample_render(
        kind=kind, dealership=dealership, language=language, override=override, now=timezone.now()
    )
    return {
        "preview_subject": subject,
        "preview_body": body,
        "size": schedule.sms_size(body),
        "preview_language": language,
    }


@staff_view(Capability.MANAGE_DEALERSHIP)
@require_http_methods(["GET", "POST"])
def message_template_edit(
    request: HttpRequest, access: StaffAccess, kind: str, language: str
) -> HttpResponse:
    """The dealership's own text of one kind of message in one language; "reset" goes back to
    the built-in one."""
    dealership = access.dealership
    kind, language = _kind_and_language(kind, language)
    current = selectors.message_template_get(dealership=dealership, kind=kind, language=language)
    status = 200
    if request.method == "POST" and "reset" in request.POST:
        texts.message_template_reset(dealership=dealership, kind=kind, language=language)
        messages.success(request, _("The built-in text is used again."))
        return redirect("message_template_list", dealership_slug=dealership.slug)
    if request.method == "POST":
        form = MessageTemplateForm(request.POST, kind=kind)
        if form.is_valid():
            try:
                texts.message_template_save(
                    dealership=dealership,
                    kind=kind,
                    language=language,
                    subject=form.cleaned_data["subject"],
                    body=form.cleaned_data["body"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("Message text saved."))
                return redirect("message_template_list", dealership_slug=dealership.slug)
        status = 400
    else:
        initial = (
            {"subject": current.subject, "body": current.body}
            if current
            else {"subject": "", "body": starting_text(kind=kind, language=language)}
        )
        form = MessageTemplateForm(initial=initial, kind=kind)
    preview_form = form if form.is_bound else MessageTemplateForm(form.initial, kind=kind)
    context = {
        "dealership": dealership,
        "form": form,
        "kind": kind,
        "kind_label": kind.label,
        "language": language,
        "language_name": LANGUAGE_NAMES[language],
        "own": current is not None,
        "placeholders": templating.allowed_placeholders(kind),
        **_preview_context(dealership, kind, language, preview_form),
    }
    return render(request, "notifications/text_edit.html", context, status=status)


@staff_view(Capability.MANAGE_DEALERSHIP)
@require_POST
def message_template_preview(
    request: HttpRequest, access: StaffAccess, kind: str, language: str
) -> HttpResponse:
    """htmx, as the manager types: the sample message and its SMS segments, or the field error."""
    dealership = access.dealership
    kind, language = _kind_and_language(kind, language)
    form = MessageTemplateForm(request.POST, kind=kind)
    context = {"dealership": dealership, "form": form, **_preview_context(dealership, kind, language, form)}
    return render(request, "notifications/_text_preview.html", context)


@staff_view(Capability.BOOK_APPOINTMENTS)
@require_GET
def advisor_inbox(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """The replies a person must read and the messages that did not arrive, the latest first."""
    dealership = access.dealership
    return render(
        request,
        "notifications/inbox.html",
        {
            "dealership": dealership,
            "replies": list(selectors.reply_list_for_inbox(dealership=dealership)),
            "failures": list(selectors.failure_list_for_inbox(dealership=dealership)),
        },
    )


def _handled_answer(request: HtmxRequest, access: StaffAccess, done: bool) -> HttpResponse:
    if not done:
        raise Http404
    if request.htmx:
        return HttpResponse("")  # the row is swapped out of the list
    messages.success(request, _("Marked as handled."))
    return redirect("advisor_inbox", dealership_slug=access.dealership.slug)


@staff_view(Capability.BOOK_APPOINTMENTS)
@require_POST
def reply_handled(request: HtmxRequest, access: StaffAccess, reply_id: int) -> HttpResponse:
    done = inbox.reply_mark_handled(dealership=access.dealership, reply_id=reply_id, now=timezone.now())
    return _handled_answer(request, access, done)


@staff_view(Capability.BOOK_APPOINTMENTS)
@require_POST
def failure_handled(request: HtmxRequest, access: StaffAccess, message_id: int) -> HttpResponse:
    done = inbox.failure_mark_handled(dealership=access.dealership, message_id=message_id, now=timezone.now())
    return _handled_answer(request, access, done)


@staff_view(Capability.BOOK_APPOINTMENTS)
@require_http_methods(["GET", "POST"])
def my_calendar(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """The advisor's own page for their calendar feed: issue (or rotate) its secret address,
    shown once, or revoke it."""
    dealership = access.dealership
    advisor = selectors.advisor_for_user(dealership=dealership, user_id=access.user.pk)
    feed_url = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if advisor is None or action not in ("issue", "revoke"):
            status = 400
        elif action == "issue":
            token = feeds.calendar_feed_issue(dealership=dealership, advisor=advisor)
            feed_url = public_url(
                reverse("advisor_calendar_feed", kwargs={"dealership_slug": dealership.slug, "token": token})
            )
        else:
            feeds.calendar_feed_revoke(dealership=dealership, advisor=advisor)
            messages.success(request, _("The calendar address no longer works."))
            return redirect("my_calendar", dealership_slug=dealership.slug)
    feed = selectors.calendar_feed_for_advisor(dealership=dealership, advisor=advisor) if advisor else None
    return render(
        request,
        "notifications/my_calendar.html",
        {"dealership": dealership, "advisor": advisor, "feed": feed, "feed_url": feed_url},
        status=status,
    )


def advisor_calendar_feed(request: HttpRequest, dealership_slug: str, token: str) -> HttpResponse:
    """The advisor's appointments from today on, as text/calendar; a wrong, revoked or rotated
    secret, or an unknown dealership, answers 404."""
    if request.method != "GET":
        raise Http404
    dealership = Dealership.objects.filter(slug=dealership_slug, is_active=True).first()
    if dealership is None:
        raise Http404
    now = timezone.now()
    feed = feeds.calendar_feed_read(dealership=dealership, token=token, now=now)
    if feed is None:
        raise Http404
    start_of_today = timezone.localtime(now, dealership.tz).replace(hour=0, minute=0, second=0, microsecond=0)
    with translation.override(dealership.language):
        appointments = list(
            selectors.appointment_list_for_feed(
                dealership=dealership, advisor=feed.advisor, since=start_of_today
            )
        )
        body = advisor_feed_ics(dealership=dealership, appointments=appointments, now=now)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response


advisor_calendar_feed.tenant_scoped = True  # type: ignore[attr-defined]
# Read by calendar programs, which carry no login: the secret in the address is the proof.
advisor_calendar_feed.public = True  # type: ignore[attr-defined]
