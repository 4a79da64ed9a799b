"""When each message is due, whether quiet hours hold it back, how long a retry waits, and which
channel a customer is written on (pure: no ORM, no clock; `now` is passed in).

Every local time is built as an aware datetime in the dealership's zone and converted to UTC
before any arithmetic, so "9:00 the day before" is 9:00 on the clock on the wall on DST days too.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

# R5.4: the day-before confirmation goes before noon on the local day before, at this time.
DAY_BEFORE_AT = time(9, 0)
# R5.5: the arrival confirmation, this long before the drop-off.
HOUR_BEFORE = timedelta(hours=1)

RETRY_FIRST_WAIT = timedelta(minutes=1)
RETRY_LONGEST_WAIT = timedelta(hours=1)


def _local(day_time: datetime, tz: ZoneInfo) -> datetime:
    return day_time.astimezone(tz)


def day_before_instant(*, drop_off: datetime, tz: ZoneInfo, at: time = DAY_BEFORE_AT) -> datetime:
    """R5.4: `at` (before noon) on the local day before the drop-off, in UTC."""
    day_before = _local(drop_off, tz).date() - timedelta(days=1)
    return datetime.combine(day_before, at, tzinfo=tz).astimezone(UTC)


def day_before_due(*, drop_off: datetime, tz: ZoneInfo, now: datetime) -> datetime | None:
    """When the day-before confirmation is due (R5.4); None for a booking made on the day before
    or later, whose own confirmation has just said it all."""
    due = day_before_instant(drop_off=drop_off, tz=tz)
    if _local(now, tz).date() >= _local(due, tz).date():
        return None
    return due


def hour_before_due(*, drop_off: datetime, now: datetime) -> datetime | None:
    """R5.5: an hour before the drop-off; None for a booking made within that hour."""
    due = drop_off.astimezone(UTC) - HOUR_BEFORE
    return due if now < due else None


def quiet_until(*, now: datetime, tz: ZoneInfo, start: time, end: time) -> datetime | None:
    """The end of the dealership's quiet hours when `now` falls in them (local times; they may
    run over midnight), else None."""
    if start == end:
        return None
    local = _local(now, tz)
    clock = local.time().replace(tzinfo=None)
    overnight = start > end
    inside = (clock >= start or clock < end) if overnight else (start <= clock < end)
    if not inside:
        return None
    end_day = local.date() + timedelta(days=1) if overnight and clock >= start else local.date()
    return datetime.combine(end_day, end, tzinfo=tz).astimezone(UTC)


def retry_wait(attempts: int) -> timedelta:
    """Exponential backoff after the attempts made so far: 1, 2, 4 ... minutes, at most an hour."""
    wait = RETRY_FIRST_WAIT * (2 ** max(attempts - 1, 0))
    return min(wait, RETRY_LONGEST_WAIT)


def idempotency_key(*, subject: str, kind: str, due: datetime, tz: ZoneInfo, per_instant: bool) -> str:
    """Subject + kind + the local due date: re-running a scheduler never writes a second
    day-before message. A message caused by one change (a notice, a code) is keyed by its
    instant instead, as two changes may happen on one day."""
    local = _local(due, tz)
    when = local.isoformat() if per_instant else local.date().isoformat()
    return f"{subject}:{kind}:{when}"


@dataclass(frozen=True, kw_only=True, slots=True)
class Contact:
    """What the customer file says about reaching the customer (R2.7)."""

    preferred: str  # customers.models.ContactMethod: "phone", "sms", "email"
    has_mobile: bool
    has_email: bool
    has_phone: bool


def channel_for(contact: Contact, *, invitation_wanted: bool = False) -> str | None:
    """R2.7: the customer's preferred contact method, or the next one the file allows; None when
    the file has no way to reach them. `invitation_wanted`: a booking made online is confirmed
    by e-mail when there is an address, for its calendar invitation."""
    if invitation_wanted and contact.has_email:
        return "email"
    by_preference = {
        "sms": ("sms", "email", "phone"),
        "email": ("email", "sms", "phone"),
        "phone": ("phone", "sms", "email"),
    }.get(contact.preferred, ("sms", "email", "phone"))
    reachable = {"sms": contact.has_mobile, "email": contact.has_email, "phone": contact.has_phone}
    return next((channel for channel in by_preference if reachable[channel]), None)


GSM7_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")


@dataclass(frozen=True, kw_only=True, slots=True)
class SmsSize:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets or UTF-16 code units
    segments: int


def sms_size(text: str) -> SmsSize:
    """How many SMS segments a text takes: GSM-7 (160, or 153 a part when split; the extended
    characters count twice) unless a character needs UCS-2 (70, or 67 a part)."""
    if all(char in GSM7_BASIC or char in GSM7_EXTENDED for char in text):
        units = sum(2 if char in GSM7_EXTENDED else 1 for char in text)
        single, part, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, part, encoding = 70, 67, "UCS-2"
    segments = 1 if units <= single else -(-units // part)
    return SmsSize(encoding=encoding, units=units, segments=segments)
