"""The API's token login (REST_FRAMEWORK's DEFAULT_AUTHENTICATION_CLASSES).

DRF imports this module while its own views module loads, so it imports nothing of
drf-spectacular (which imports those views): the schema's part is in api_tokens.schema."""

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from dealerships.api_tokens.services import api_token_authenticate
from dealerships.models import ApiToken, User

# "Bearer" is the standard scheme; "Token" is what DRF's own token login taught integrators.
SCHEMES = ("bearer", "token")


def sends_api_token(request: Request | HttpRequest) -> bool:
    """Whether the request carries an API token (valid or not) in its Authorization header."""
    parts = request.META.get("HTTP_AUTHORIZATION", "").split()
    return bool(parts) and parts[0].lower() in SCHEMES


class ApiTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <secret>` logs in as the token's owner; `request.auth` is the
    token, whose dealership limit DealershipApiMixin applies. No CSRF check: a browser never
    adds this header by itself, so another site cannot make it send one."""

    def authenticate(self, request: Request) -> tuple[User, ApiToken] | None:
        if not sends_api_token(request):
            return None  # the session login may still apply
        parts = get_authorization_header(request).split()
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Send the token as “Authorization: Bearer <token>”."))
        try:
            secret = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The API token is unknown or revoked.")) from None
        token = api_token_authenticate(secret=secret)
        if token is None:
            raise exceptions.AuthenticationFailed(_("The API token is unknown or revoked."))
        return token.user, token

    def authenticate_header(self, request: Request) -> str | None:
        # Only a caller that sent a token is answered 401 with how to send one; one that sent
        # nothing keeps the 403 "not logged in" of the session login (DRF answers 403 when
        # the first authentication class names no scheme).
        return 'Bearer realm="api"' if sends_api_token(request) else None
