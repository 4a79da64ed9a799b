"""The second factor of the people who run a dealership: dealer managers, workshop managers and
superusers log in with their password and then a TOTP code (django-otp) before any staff page,
the admin or the API with their session works for them. Other staff are not asked.

settings.MANAGER_TOTP_REQUIRED switches it on (the production profile's default).
"""

from collections.abc import Callable
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import login as otp_login
from django_otp import verify_token as otp_verify_token
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from config.errors import error_body
from dealerships.api_tokens.authentication import sends_api_token
from dealerships.models import Membership, Role, User

MANAGER_ROLES = (Role.DEALER_MANAGER, Role.WORKSHOP_MANAGER)

# Pages an unverified manager may still open: the second-factor steps themselves, and leaving.
OPEN_BEFORE_SECOND_FACTOR = frozenset(
    {"totp_verify", "totp_enrol", "logout", "login", "set_language", "healthz", "admin:logout"}
)


def totp_required_for(user: User) -> bool:
    """Whether the user must pass a TOTP check after the password (the setting, then the roles)."""
    if not settings.MANAGER_TOTP_REQUIRED:
        return False
    return user.is_superuser or Membership.objects.filter(user=user, role__in=MANAGER_ROLES).exists()


def is_verified(user: object) -> bool:
    """Whether this session passed a TOTP check (django_otp.middleware.OTPMiddleware's mark)."""
    return bool(getattr(user, "is_verified", lambda: False)())


class ManagerTotpMiddleware:
    """Send a manager who has logged in with a password but not yet a code to the code step.

    After OTPMiddleware. An API call that sends a token is left to the API, which logs in the
    token's owner instead of the session's user: a token is a login of its own (and a manager
    made it after passing the code)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponse],
        args: tuple[object, ...],
        kwargs: dict[str, object],
    ) -> HttpResponse | None:
        if not settings.MANAGER_TOTP_REQUIRED:
            return None
        user = request.user
        if not user.is_authenticated or is_verified(user):
            return None
        is_api = request.path_info.startswith("/api/v1/")
        if is_api and sends_api_token(request):
            return None  # DRF logs the token's owner in, not the session's user
        match = request.resolver_match
        if match is not None and match.view_name in OPEN_BEFORE_SECOND_FACTOR:
            return None
        if not totp_required_for(user):
            return None
        if is_api:
            return JsonResponse(
                error_body(
                    detail=_("Confirm your login with the code of your authenticator app first."),
                    code="second_factor_required",
                ),
                status=403,
            )
        target = reverse("totp_verify") + "?" + urlencode({"next": request.get_full_path()})
        if request.headers.get("HX-Request"):
            # htmx would swap the code page into a fragment: have it load the page instead.
            return HttpResponse(status=204, headers={"HX-Redirect": target})
        return HttpResponseRedirect(target)


# The secret of a device being set up stays in the session until its first code is right, so
# nothing is stored for an abandoned setup.
PENDING_KEY_SESSION_KEY = "totp_pending_key"
DEVICE_NAME = "Authenticator app"


def totp_device_for(user: User) -> TOTPDevice | None:
    """The user's confirmed authenticator, if they have set one up."""
    return TOTPDevice.objects.devices_for_user(user, confirmed=True).first()


def totp_devices_remove(*, user: User) -> int:
    """Remove the user's authenticators (a lost phone), so that their next login sets one up."""
    removed, _by_model = TOTPDevice.objects.filter(user=user).delete()
    return removed


def totp_device_pending(request: HttpRequest) -> TOTPDevice:
    """The authenticator the logged-in user is setting up (not saved until confirmed)."""
    key = request.session.get(PENDING_KEY_SESSION_KEY)
    if not key:
        key = request.session[PENDING_KEY_SESSION_KEY] = random_hex(20)
    return TOTPDevice(user=request.user, name=DEVICE_NAME, key=key, confirmed=True)


def _second_factor_passed(request: HttpRequest, device: TOTPDevice) -> None:
    # A new session key for the session that now holds more rights, as login() does.
    request.session.cycle_key()
    otp_login(request, device)


@transaction.atomic
def totp_enrol_confirm(request: HttpRequest, *, device: TOTPDevice, code: str) -> None:
    """Save the pending authenticator once its first code is right, and count it as this
    session's second factor; a wrong code raises ValidationError."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if not totp.verify(int(code), device.tolerance):
        raise ValidationError(_("That code is not right. Check the time on your phone and try again."))
    device.last_t = totp.t()  # the same code cannot be used again to log in
    device.save()
    del request.session[PENDING_KEY_SESSION_KEY]
    _second_factor_passed(request, device)


def totp_login_confirm(request: HttpRequest, *, device: TOTPDevice, code: str) -> None:
    """Count the code as this session's second factor, or raise ValidationError (a wrong code;
    after wrong codes django-otp makes each next try wait twice as long)."""
    allowed, refusal = device.verify_is_allowed()
    if not allowed:
        locked_until = (refusal or {}).get("locked_until", timezone.now())
        wait = max(1, round((locked_until - timezone.now()).total_seconds()))
        raise ValidationError(
            ngettext(
                "Too many wrong codes: try again in %(seconds)s second.",
                "Too many wrong codes: try again in %(seconds)s seconds.",
                wait,
            )
            % {"seconds": wait}
        )
    if otp_verify_token(request.user, device.persistent_id, code) is None:
        raise ValidationError(_("That code is not right. Check the time on your phone and try again."))
    _second_factor_passed(request, device)
