"""Writes of API tokens: issue one (the secret is returned once), revoke one, note its use."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dealerships.models import ApiToken, Dealership, User
from dealerships.selectors import dealership_list_for_user

# Says what the secret is when it turns up in a log or a repository, so secret scanners and
# people recognise it.
SECRET_MARKER = "dsk_"  # noqa: S105  # the visible start of every secret, not a secret
PREFIX_LENGTH = len(SECRET_MARKER) + 8
# Recording every use would be a write on every API call; to the minute is enough to tell a
# token in use from a forgotten one.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True, kw_only=True, slots=True)
class IssuedToken:
    """A token just made, with its secret: the only moment the secret is known."""

    token: ApiToken
    secret: str


def secret_hash(secret: str) -> str:
    # The secret is 256 random bits, so a fast unsalted hash is as safe as a slow one and lets
    # the secret itself be the lookup key.
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, owner: User, name: str, dealership: Dealership | None) -> IssuedToken:
    """Make a token acting as `owner`, limited to `dealership` (one of theirs) or to none."""
    if not owner.is_active:
        raise ValidationError(_("%(user)s cannot log in, so cannot own a token.") % {"user": owner})
    if dealership is not None and not dealership_list_for_user(user=owner).filter(id=dealership.id).exists():
        raise ValidationError(
            {"dealership": _("%(user)s does not work at this dealership.") % {"user": owner.get_username()}}
        )
    secret = SECRET_MARKER + secrets.token_urlsafe(32)
    token = ApiToken(
        user=owner,
        name=name.strip(),
        dealership=dealership,
        prefix=secret[:PREFIX_LENGTH],
        secret_hash=secret_hash(secret),
    )
    token.full_clean()
    token.save()
    return IssuedToken(token=token, secret=secret)


def api_token_revoke(*, token: ApiToken) -> None:
    """Refuse the token from now on; revoking it again keeps the first date."""
    ApiToken.objects.filter(id=token.id, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])


def api_token_authenticate(*, secret: str) -> ApiToken | None:
    """The live token whose secret this is, with its owner loaded and its use noted, or None
    for an unknown or revoked token or an owner who may no longer log in."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(secret_hash=secret_hash(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        ApiToken.objects.filter(id=token.id).update(last_used_at=now)
        token.last_used_at = now
    return token
