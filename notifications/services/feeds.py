"""An advisor's private calendar feed: a random secret in its address, of which only the SHA-256
is kept. Issuing a new one replaces the old (rotation); revoking deletes it."""

import hashlib
import secrets
from datetime import datetime

from django.db import transaction

from dealerships.models import Dealership
from notifications.models import CalendarFeed
from workshop.models import Advisor

TOKEN_BYTES = 32  # 256 bits: not guessable


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_feed_issue(*, dealership: Dealership, advisor: Advisor) -> str:
    """A new secret for the advisor's feed, returned once (only its hash is stored); the
    previous address stops working."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    CalendarFeed.objects.for_dealership(dealership).filter(advisor=advisor).delete()
    feed = CalendarFeed(dealership=dealership, advisor=advisor, token_hash=token_hash(token))
    feed.full_clean()
    feed.save()
    return token


def calendar_feed_revoke(*, dealership: Dealership, advisor: Advisor) -> bool:
    """The advisor's feed address stops working; False when there was none."""
    deleted, _rows = CalendarFeed.objects.for_dealership(dealership).filter(advisor=advisor).delete()
    return deleted > 0


def calendar_feed_read(*, dealership: Dealership, token: str, now: datetime) -> CalendarFeed | None:
    """The feed the secret opens at this dealership, its last read noted; None for a wrong,
    revoked or rotated secret (the view answers 404)."""
    feed = (
        CalendarFeed.objects.for_dealership(dealership)
        .filter(token_hash=token_hash(token), advisor__is_active=True)
        .select_related("advisor")
        .first()
    )
    if feed is not None:
        CalendarFeed.objects.filter(id=feed.id).update(last_read_at=now)
    return feed
