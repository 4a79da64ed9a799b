"""The signed link of the satisfaction question (R9.1): single-purpose (its own salt, so a
booking's manage link does not open it, nor the other way round), tied to one appointment of one
dealership, and valid for SATISFACTION_LINK_DAYS."""

from datetime import timedelta

from django.core import signing
from django.urls import reverse

from bookings.models import Appointment
from dealerships.models import Dealership
from notifications.rendering import public_url

SATISFACTION_LINK_DAYS = 14
_SALT = "followups.satisfaction"
URL_NAME = "satisfaction_answer"


def satisfaction_token(appointment: Appointment) -> str:
    return signing.dumps({"a": appointment.id, "d": appointment.dealership_id}, salt=_SALT, compress=True)


def satisfaction_token_read(*, dealership: Dealership, token: str) -> int | None:
    """The appointment id behind a satisfaction link of this dealership, or None (tampered,
    expired, another dealership's, another kind of link)."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=timedelta(days=SATISFACTION_LINK_DAYS))
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("d") != dealership.id or not isinstance(data.get("a"), int):
        return None
    return data["a"]


def satisfaction_url(appointment: Appointment) -> str:
    """The full address to put in the satisfaction SMS or e-mail."""
    path = reverse(
        URL_NAME,
        kwargs={"dealership_slug": appointment.dealership.slug, "token": satisfaction_token(appointment)},
    )
    return public_url(path)
