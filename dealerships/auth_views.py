"""Logging in beyond the password: the lockout page, the second factor of managers, API tokens.

Thin: the rules live in dealerships.two_factor and dealerships.api_tokens.
"""

import math
from base64 import b32encode
from datetime import timedelta
from urllib.parse import urlencode

import segno
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from dealerships import two_factor
from dealerships.access import Capability, StaffAccess
from dealerships.api_tokens import selectors as token_selectors
from dealerships.api_tokens import services as token_services
from dealerships.auth_forms import ApiTokenForm, ApiTokenRevokeForm, TotpCodeForm
from dealerships.models import ApiToken, User
from dealerships.scoping import staff_view

# --- Lockout (django-axes) --------------------------------------------------------------------


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: object = None
) -> HttpResponse:
    """settings.AXES_LOCKOUT_CALLABLE: the answer to a login tried too often, 429 with the time
    left until the pause ends (Retry-After)."""
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    last_failure = AccessAttempt.objects.filter(
        username=get_client_username(request, credentials),
        ip_address=request.axes_ip_address,  # type: ignore[attr-defined]  # set by django-axes
    ).aggregate(last=Max("attempt_time"))["last"]
    left = cool_off if last_failure is None else last_failure + cool_off - timezone.now()
    seconds = max(1, math.ceil(left.total_seconds()))
    response = render(
        request, "registration/locked_out.html", {"minutes": math.ceil(seconds / 60)}, status=429
    )
    response["Retry-After"] = str(seconds)
    return response


# --- The second factor ----------------------------------------------------------------------


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse(settings.LOGIN_REDIRECT_URL)


def _user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):  # login_required let only logged-in users through
        raise PermissionDenied
    return request.user


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def totp_verify(request: HttpRequest) -> HttpResponse:
    """The login's second step: the code of the authenticator app set up before."""
    next_url = _next_url(request)
    if two_factor.is_verified(request.user):
        return redirect(next_url)
    device = two_factor.totp_device_for(_user(request))
    if device is None:
        return redirect(reverse("totp_enrol") + "?" + urlencode({"next": next_url}))
    form = TotpCodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            two_factor.totp_login_confirm(request, device=device, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            return redirect(next_url)
    return render(
        request,
        "registration/totp_verify.html",
        {"form": form, "next": next_url},
        status=400 if form.is_bound else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def totp_enrol(request: HttpRequest) -> HttpResponse:
    """Set up the authenticator app: its secret (a QR code, or the text), then its first code."""
    next_url = _next_url(request)
    if two_factor.is_verified(request.user):
        return redirect(next_url)
    if two_factor.totp_device_for(_user(request)) is not None:
        # Replacing an authenticator takes an administrator (the admin's TOTP devices), so a
        # stolen password alone cannot swap in the thief's phone.
        return redirect(reverse("totp_verify") + "?" + urlencode({"next": next_url}))
    device = two_factor.totp_device_pending(request)
    form = TotpCodeForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        try:
            two_factor.totp_enrol_confirm(request, device=device, code=form.cleaned_data["code"])
        except ValidationError as error:
            form.add_error("code", error)
        else:
            messages.success(request, _("Your authenticator app is set up."))
            return redirect(next_url)
    secret = b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/totp_enrol.html",
        {
            "form": form,
            "next": next_url,
            # segno draws the QR code as SVG paths from the URI; nothing of the input is echoed.
            "qr_svg": mark_safe(segno.make(device.config_url, error="m").svg_inline(scale=4)),  # noqa: S308
            "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        },
        status=400 if form.is_bound else 200,
    )


# --- API tokens -------------------------------------------------------------------------------


def _revoke_from(request: HttpRequest, tokens: QuerySet[ApiToken]) -> ApiToken:
    """The token the revoke button names, among those the page lists, or 404."""
    form = ApiTokenRevokeForm(request.POST)
    token = tokens.filter(id=form.cleaned_data["revoke"]).first() if form.is_valid() else None
    if token is None:
        raise Http404
    token_services.api_token_revoke(token=token)
    messages.success(request, _("The token “%(name)s” is revoked.") % {"name": token.name})
    return token


@never_cache  # the page shows a new token's secret once: no cache may keep it
@login_required
@require_http_methods(["GET", "POST"])
def api_token_list(request: HttpRequest) -> HttpResponse:
    """My API tokens: make one (its secret is shown this once), revoke one."""
    owner = _user(request)
    tokens = token_selectors.api_token_list_for_owner(owner=owner)
    form = ApiTokenForm(owner=owner)
    issued = None
    status = 200
    if request.method == "POST" and "revoke" in request.POST:
        _revoke_from(request, tokens)
        return redirect("api_token_list")
    if request.method == "POST":
        form = ApiTokenForm(request.POST, owner=owner)
        if form.is_valid():
            try:
                issued = token_services.api_token_issue(owner=owner, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                form = ApiTokenForm(owner=owner)
                status = 201
        if issued is None:
            status = 400
    return render(
        request,
        "dealerships/api_tokens.html",
        {"form": form, "tokens": tokens, "issued": issued},
        status=status,
    )


@never_cache
@staff_view(Capability.MANAGE_DEALERSHIP)
@require_http_methods(["GET", "POST"])
def dealership_api_token_list(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """The live tokens that can act at this dealership, for its manager to check and revoke."""
    tokens = token_selectors.api_token_list_for_dealership(dealership=access.dealership)
    if request.method == "POST":
        _revoke_from(request, tokens)
        return redirect("dealership_api_token_list", dealership_slug=access.dealership.slug)
    return render(
        request, "dealerships/dealership_api_tokens.html", {"dealership": access.dealership, "tokens": tokens}
    )
