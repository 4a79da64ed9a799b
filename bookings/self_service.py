"""Customers booking themselves (R9.5): a one-time code instead of a password, a signed link to
manage the appointment, the funnel. The code and the confirmation go out through the outbox
(notifications), which the signals of bookings.signals feed."""

import hashlib
import hmac
import logging
import secrets
from datetime import datetime, timedelta

import phonenumbers
from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber

from bookings import signals
from bookings.models import AccessCode, Appointment, FunnelEvent, SlotHold
from customers.identifiers import normalize_plate
from customers.models import Vehicle
from dealerships.models import Dealership

logger = logging.getLogger("bookings.self_service")

CODE_MINUTES = 10
CODE_ATTEMPTS = 5
MANAGE_LINK_DAYS = 180
_MANAGE_SALT = "bookings.manage-appointment"


def _code_hash(code_id_seed: str, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{code_id_seed}:{code}".encode(), hashlib.sha256).hexdigest()


@transaction.atomic
def access_code_send(*, dealership: Dealership, plate: str, contact: str, now: datetime) -> AccessCode | None:
    """Find the customer file by plate and mobile phone or e-mail (R2.5) and send it a code.

    None when nothing matches; the page says the same either way, so it reveals no customer.
    """
    vehicles = Vehicle.objects.for_dealership(dealership).filter(plate_search=normalize_plate(plate))
    contact = contact.strip()
    if "@" in contact:
        match = Q(customer__email__iexact=contact)
    else:
        try:
            phone = PhoneNumber.from_string(contact, region=dealership.phone_region)
        except phonenumbers.NumberParseException:  # not a phone number: nothing matches
            return None
        match = Q(customer__mobile_phone=phone) | Q(customer__other_phone=phone)
    vehicle = vehicles.filter(match).select_related("customer").first()
    if vehicle is None or vehicle.customer is None:
        return None
    code = f"{secrets.randbelow(10**6):06d}"
    seed = secrets.token_hex(8)
    access = AccessCode.objects.create(
        dealership=dealership,
        customer=vehicle.customer,
        vehicle=vehicle,
        code_hash=f"{seed}${_code_hash(seed, code)}",
        expires_at=now + timedelta(minutes=CODE_MINUTES),
    )
    # The outbox sends it at once, after the commit: a code whose row was rolled back never
    # goes out. It is the one copy of the code in clear (the row keeps only its hash).
    signals.access_code_issued.send(
        sender=AccessCode,
        access_code=access,
        code=code,
        channel="email" if "@" in contact else "sms",
        to=vehicle.customer.email if "@" in contact else str(phone),
        minutes=CODE_MINUTES,
        now=now,
    )
    return access


def access_code_verify(
    *, dealership: Dealership, access_code_id: int, code: str, now: datetime
) -> AccessCode:
    """The customer typed the code: check it (expiry, attempts, once only) or ValidationError.

    A wrong attempt is counted in its own transaction, so the error that follows does not roll
    the count back.
    """
    with transaction.atomic():
        access = (
            AccessCode.objects.for_dealership(dealership)
            .select_for_update()
            .filter(id=access_code_id)
            .first()
        )
        if access is None or access.used_at is not None or access.expires_at <= now:
            problem = _("This code has expired. Ask for a new one.")
        elif access.attempts >= CODE_ATTEMPTS:
            problem = _("Too many attempts. Ask for a new code.")
        else:
            seed, _sep, expected = access.code_hash.partition("$")
            if hmac.compare_digest(expected, _code_hash(seed, code.strip())):
                access.used_at = now
                access.save(update_fields=["used_at", "updated_at"])
                return access
            AccessCode.objects.filter(id=access.id).update(attempts=F("attempts") + 1)
            problem = _("That code is not right. Check the message and try again.")
    raise ValidationError({"code": problem})


def manage_token(appointment: Appointment) -> str:
    """A signed link token to view, reschedule or cancel the appointment without logging in."""
    return signing.dumps(
        {"a": appointment.id, "d": appointment.dealership_id}, salt=_MANAGE_SALT, compress=True
    )


def manage_token_read(*, dealership: Dealership, token: str) -> int | None:
    """The appointment id behind a manage link of this dealership, or None (tampered, expired)."""
    try:
        data = signing.loads(token, salt=_MANAGE_SALT, max_age=timedelta(days=MANAGE_LINK_DAYS))
    except signing.BadSignature:
        return None
    if data.get("d") != dealership.id:
        return None
    return data.get("a")


def funnel_record(*, dealership: Dealership, session: str, step: str, now: datetime) -> None:
    """One step of the online booking funnel, once per session and step (for the KPIs)."""
    FunnelEvent.objects.get_or_create(dealership=dealership, session=session, step=step, defaults={"at": now})


def expired_rows_purge(*, now: datetime, batch: int = 5000) -> int:
    """Delete holds that have expired and one-time codes older than a day, in bounded batches.

    Across all dealerships on purpose: expired rows belong to nobody any more.
    """
    deleted = 0
    for queryset in (
        SlotHold.objects.filter(expires_at__lte=now),
        AccessCode.objects.filter(expires_at__lte=now - timedelta(days=1)),
    ):
        ids = list(queryset.values_list("id", flat=True)[:batch])
        deleted += queryset.model.objects.filter(id__in=ids).delete()[0]
    return deleted
