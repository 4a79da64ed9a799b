"""When messages are due, quiet hours, backoff and the channel chosen (no database)."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from notifications.schedule import (
    Contact,
    channel_for,
    day_before_due,
    hour_before_due,
    idempotency_key,
    quiet_until,
    retry_wait,
    sms_size,
)

ROME = ZoneInfo("Europe/Rome")
MOSCOW = ZoneInfo("Europe/Moscow")
SHANGHAI = ZoneInfo("Asia/Shanghai")
NEW_YORK = ZoneInfo("America/New_York")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


LONG_BEFORE = utc(2026, 1, 1, 0, 0)


@pytest.mark.parametrize(
    ("tz", "drop_off_local", "due_utc"),
    [
        # Rome: the day before is the spring DST day (clocks 02:00 -> 03:00 on 29 March 2026):
        # 9:00 CEST is 7:00 UTC, where the day before it was 8:00 UTC.
        (ROME, datetime(2026, 3, 30, 8, 30), utc(2026, 3, 29, 7, 0)),
        (ROME, datetime(2026, 3, 28, 8, 30), utc(2026, 3, 27, 8, 0)),
        # Rome, autumn: 25 October 2026 goes back to CET, 9:00 is 8:00 UTC.
        (ROME, datetime(2026, 10, 26, 8, 0), utc(2026, 10, 25, 8, 0)),
        # Moscow keeps UTC+3 all year.
        (MOSCOW, datetime(2026, 3, 30, 10, 0), utc(2026, 3, 29, 6, 0)),
        (MOSCOW, datetime(2026, 11, 24, 10, 0), utc(2026, 11, 23, 6, 0)),
        # Shanghai keeps UTC+8.
        (SHANGHAI, datetime(2026, 11, 24, 9, 0), utc(2026, 11, 23, 1, 0)),
        # New York: 8 March 2026 springs forward (EDT, UTC-4); 1 November falls back (EST, UTC-5).
        (NEW_YORK, datetime(2026, 3, 9, 8, 0), utc(2026, 3, 8, 13, 0)),
        (NEW_YORK, datetime(2026, 3, 7, 8, 0), utc(2026, 3, 6, 14, 0)),
        (NEW_YORK, datetime(2026, 11, 2, 8, 0), utc(2026, 11, 1, 14, 0)),
    ],
)
def test_r5_4_the_day_before_confirmation_is_due_at_nine_local_the_day_before(tz, drop_off_local, due_utc):
    drop_off = drop_off_local.replace(tzinfo=tz)
    due = day_before_due(drop_off=drop_off, tz=tz, now=LONG_BEFORE)
    assert due == due_utc
    local_due = due.astimezone(tz)
    assert local_due.time() == time(9, 0)
    assert local_due.date() == drop_off_local.date() - timedelta(days=1)


@pytest.mark.parametrize("tz", [ROME, MOSCOW, SHANGHAI, NEW_YORK])
def test_r5_4_booked_before_the_day_before_it_is_due_then_and_later_not_at_all(tz):
    """A booking made on the day before (or on the day) has its own confirmation just sent."""
    drop_off = datetime(2026, 3, 30, 8, 30, tzinfo=tz)
    day_before = drop_off.date() - timedelta(days=1)
    nine = datetime.combine(day_before, time(9, 0), tzinfo=tz).astimezone(UTC)
    last_evening = datetime.combine(day_before - timedelta(days=1), time(23, 59), tzinfo=tz).astimezone(UTC)
    assert day_before_due(drop_off=drop_off, tz=tz, now=last_evening) == nine
    assert nine.astimezone(tz).hour < 12  # before noon
    early_that_day = datetime.combine(day_before, time(0, 1), tzinfo=tz).astimezone(UTC)
    assert day_before_due(drop_off=drop_off, tz=tz, now=early_that_day) is None


@pytest.mark.parametrize(
    ("tz", "drop_off_local", "due_utc"),
    [
        # 03:30 CEST on the spring DST day is 01:30 UTC; an hour of real time before is 00:30
        # UTC (01:30 CET): the clock's 02:30 never existed that night.
        (ROME, datetime(2026, 3, 29, 3, 30), utc(2026, 3, 29, 0, 30)),
        (ROME, datetime(2026, 11, 24, 8, 0), utc(2026, 11, 24, 6, 0)),
        (MOSCOW, datetime(2026, 11, 24, 8, 0), utc(2026, 11, 24, 4, 0)),
        (SHANGHAI, datetime(2026, 11, 24, 8, 0), utc(2026, 11, 23, 23, 0)),
        # 1 November 2026: 01:30 happens twice in New York; the second (EST) is 06:30 UTC.
        (NEW_YORK, datetime(2026, 11, 1, 1, 30, fold=1), utc(2026, 11, 1, 5, 30)),
    ],
)
def test_r5_5_the_arrival_confirmation_is_due_an_hour_of_real_time_before(tz, drop_off_local, due_utc):
    drop_off = drop_off_local.replace(tzinfo=tz)
    assert hour_before_due(drop_off=drop_off, now=LONG_BEFORE) == due_utc
    assert drop_off.astimezone(UTC) - due_utc == timedelta(hours=1)


def test_r5_5_no_arrival_confirmation_for_a_booking_made_within_the_hour():
    drop_off = utc(2026, 11, 24, 9, 0)
    assert hour_before_due(drop_off=drop_off, now=drop_off - timedelta(minutes=59)) is None


@pytest.mark.parametrize(
    ("local_now", "until_local"),
    [
        (datetime(2026, 11, 23, 22, 0), datetime(2026, 11, 24, 8, 0)),
        (datetime(2026, 11, 24, 6, 30), datetime(2026, 11, 24, 8, 0)),
        (datetime(2026, 11, 24, 8, 0), None),
        (datetime(2026, 11, 24, 20, 59), None),
        # The night the clocks go forward still ends at 8:00 on the wall.
        (datetime(2026, 3, 28, 23, 0), datetime(2026, 3, 29, 8, 0)),
    ],
)
def test_quiet_hours_run_over_midnight_in_the_dealerships_zone(local_now, until_local):
    until = quiet_until(now=local_now.replace(tzinfo=ROME), tz=ROME, start=time(21, 0), end=time(8, 0))
    assert until == (until_local.replace(tzinfo=ROME) if until_local else None)


def test_retries_back_off_exponentially_up_to_an_hour():
    waits = [retry_wait(attempts) for attempts in range(1, 10)]
    assert waits[:4] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
    ]
    assert max(waits) == timedelta(hours=1)
    assert waits == sorted(waits)


def _contact(preferred, *, mobile=True, email=True, phone=True):
    return Contact(preferred=preferred, has_mobile=mobile, has_email=email, has_phone=phone)


@pytest.mark.parametrize(
    ("contact", "invitation", "channel"),
    [
        (_contact("sms"), False, "sms"),
        (_contact("email"), False, "email"),
        (_contact("phone"), False, "phone"),
        (_contact("sms", mobile=False), False, "email"),
        (_contact("email", email=False), False, "sms"),
        (_contact("phone", phone=False, mobile=False), False, "email"),
        (_contact("sms", mobile=False, email=False, phone=False), False, None),
        # An online booking's confirmation carries its invitation by e-mail when it can.
        (_contact("sms"), True, "email"),
        (_contact("sms", email=False), True, "sms"),
    ],
)
def test_r2_7_messages_go_by_the_preferred_contact_method_or_the_next_one_possible(
    contact, invitation, channel
):
    assert channel_for(contact, invitation_wanted=invitation) == channel


def test_the_idempotency_key_is_the_subject_the_kind_and_the_local_due_date():
    due = utc(2026, 11, 23, 23, 30)  # already the 24th in Rome
    key = idempotency_key(subject="appointment:7", kind="day_before", due=due, tz=ROME, per_instant=False)
    assert key == "appointment:7:day_before:2026-11-24"
    later_same_day = idempotency_key(
        subject="appointment:7", kind="day_before", due=due + timedelta(hours=5), tz=ROME, per_instant=False
    )
    assert later_same_day == key
    notice = idempotency_key(subject="appointment:7", kind="rescheduled", due=due, tz=ROME, per_instant=True)
    assert notice != idempotency_key(
        subject="appointment:7", kind="rescheduled", due=due + timedelta(minutes=1), tz=ROME, per_instant=True
    )


def test_sms_segments_count_gsm7_and_ucs2():
    assert sms_size("a" * 160).segments == 1
    assert sms_size("a" * 161).segments == 2
    assert sms_size("€" * 80).units == 160  # extended characters take two septets
    assert sms_size("Ваша запись").encoding == "UCS-2"
    assert sms_size("я" * 70).segments == 1
    assert sms_size("я" * 71).segments == 2
    assert sms_size("è à ù ì ò").encoding == "GSM-7"
