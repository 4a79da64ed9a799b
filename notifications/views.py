"""Twilio's webhooks: the customers' answers (R5.6) and the delivery statuses of what was sent.

Twilio calls these public URLs; each names its dealership in the path, and a request counts only
when its X-Twilio-Signature is valid for that dealership's auth token (403 otherwise, nothing
changed), and each client address may call them settings.TWILIO_WEBHOOK_RATE times (429
beyond). The answer is empty TwiML: replies are sent through the outbox, never inline.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, HttpResponseForbidden
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited
from twilio.request_validator import RequestValidator  # type: ignore[import-untyped]

from config.client_address import client_address
from dealerships.models import Dealership
from notifications.models import MessagingSettings
from notifications.rendering import public_url
from notifications.services.inbound import delivery_status_record, inbound_reply_record

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'
WebhookView = Callable[[HttpRequest, Dealership], HttpResponse]


def _auth_token(dealership: Dealership) -> str:
    rules = MessagingSettings.objects.for_dealership(dealership).first()
    if rules is not None and rules.twilio_account_sid and rules.twilio_auth_token:
        return rules.twilio_auth_token
    return settings.TWILIO_AUTH_TOKEN


def signed_by_twilio(request: HttpRequest, dealership: Dealership) -> bool:
    """X-Twilio-Signature checked by the library's RequestValidator, for the address Twilio was
    given (NOTIFICATIONS_PUBLIC_URL) or the one this request reached, whichever it signed."""
    token = _auth_token(dealership)
    signature = request.headers.get("X-Twilio-Signature", "")
    if not token or not signature:
        return False
    validator = RequestValidator(token)
    params = request.POST.dict()
    addresses = {public_url(request.get_full_path()), request.build_absolute_uri()}
    return any(validator.validate(address, params, signature) for address in addresses)


RETRY_AFTER_SECONDS = 60


def _too_many_webhook_calls(request: HttpRequest) -> bool:
    """Counts this request: at most settings.TWILIO_WEBHOOK_RATE per client address, checked
    before the signature so a flood of forged calls costs no database or HMAC work."""
    return is_ratelimited(
        request,
        group="twilio-webhooks",
        key=lambda _group, request: client_address(request),
        rate=settings.TWILIO_WEBHOOK_RATE,
        increment=True,
    )


def twilio_webhook(view: WebhookView) -> Callable[..., HttpResponse]:
    """Resolve /hooks/twilio/<dealership_slug>/ to an active dealership (404 for an unknown
    one) and refuse a request Twilio did not sign for it (403)."""

    @csrf_exempt  # Twilio posts from outside; the signature is the proof, not a cookie
    @require_POST
    @wraps(view)
    def wrapper(request: HttpRequest, dealership_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        if _too_many_webhook_calls(request):
            response = HttpResponse(
                "Too many requests. Try again in a minute.", status=429, content_type="text/plain"
            )
            response["Retry-After"] = str(RETRY_AFTER_SECONDS)
            return response
        dealership = Dealership.objects.filter(slug=dealership_slug, is_active=True).first()
        if dealership is None:
            raise Http404
        if not signed_by_twilio(request, dealership):
            return HttpResponseForbidden("Invalid signature.", content_type="text/plain")
        with timezone.override(dealership.tz):
            return view(request, dealership, *args, **kwargs)

    wrapper.tenant_scoped = True  # type: ignore[attr-defined]
    wrapper.public = True  # type: ignore[attr-defined]  # called by Twilio: no login, no staff data
    return wrapper


@twilio_webhook
def twilio_inbound(request: HttpRequest, dealership: Dealership) -> HttpResponse:
    """A customer's SMS or WhatsApp message to the dealership's number."""
    provider_id = request.POST.get("MessageSid", "")
    if not provider_id:
        return HttpResponseBadRequest("MessageSid is missing.", content_type="text/plain")
    inbound_reply_record(
        dealership=dealership,
        provider_id=provider_id,
        from_number=request.POST.get("From", ""),
        body=request.POST.get("Body", ""),
        opt_out_type=request.POST.get("OptOutType", ""),
        now=timezone.now(),
    )
    return HttpResponse(EMPTY_TWIML, content_type="text/xml")


@twilio_webhook
def twilio_status_callback(request: HttpRequest, dealership: Dealership) -> HttpResponse:
    """The delivery status of a message sent (queued, sent, delivered, undelivered, failed)."""
    delivery_status_record(
        dealership=dealership,
        provider_id=request.POST.get("MessageSid", ""),
        status=request.POST.get("MessageStatus", ""),
        error_code=request.POST.get("ErrorCode", ""),
        now=timezone.now(),
    )
    return HttpResponse(status=204)
