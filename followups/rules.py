"""When each follow-up falls due (R6.6, R7.1-R7.3, R9.1), and when an unanswered call comes back
(pure: no ORM, no clock; `today` and `now` are passed in).

Dates are the dealership's local dates; an instant to call is built in its zone and converted to
UTC. A mileage is estimated from the vehicle's readings: the daily mileage between the first and
the last reading, or the dealership's assumed daily mileage when the history gives none.
"""

import calendar
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A reading: (the day it was read, the km on the clock).
Reading = tuple[date, int]

# The hour a contact is due on its day (local): calls and messages go out in the morning.
CONTACT_AT = time(10, 0)
# Calls are made between these local hours; a retry that would fall outside waits for the morning.
CALLING_STARTS = time(9, 0)
CALLING_ENDS = time(19, 0)
# A first-service reminder for a car sold longer ago than its rule's days plus this is not sent:
# the customer is then a lost customer (R7.3), not a new one.
FIRST_SERVICE_GRACE_DAYS = 30
# A periodic service overdue by more than this when first seen is not reminded: the customer is
# then a lost customer (R7.3). Nor is a customer lost for longer than a year past the rule: the
# file is history, not a customer to call.
PERIODIC_GRACE_DAYS = 30
LOST_CUSTOMER_GRACE_DAYS = 365


@dataclass(frozen=True, kw_only=True, slots=True)
class RuleSettings:
    """A dealership's rules (followups.models.FollowupRules), the manuals' defaults."""

    first_service_enabled: bool = True
    first_service_days: int = 60
    first_service_km: int = 2000
    periodic_enabled: bool = True
    periodic_km: int = 5000
    periodic_months: int = 6
    remind_min_days: int = 7
    remind_max_days: int = 10
    lost_customer_enabled: bool = True
    lost_customer_days: int = 180
    campaigns_enabled: bool = True
    booking_not_made_enabled: bool = True
    no_show_enabled: bool = True
    no_show_min_days: int = 3
    no_show_max_days: int = 10
    satisfaction_enabled: bool = True
    satisfaction_days: int = 2
    default_daily_km: int = 40
    call_attempts: int = 3
    retry_after_hours: int = 26
    attribution_days: int = 30


@dataclass(frozen=True, kw_only=True, slots=True)
class Due:
    """A contact a rule asks for: the day the service (or the contact) falls due, the day to
    contact the customer, and the key that makes it once."""

    due_on: date
    contact_on: date
    key: str


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def daily_km(readings: Sequence[Reading], *, default: int) -> float:
    """The km a day from the history (first to last reading); `default` when it has fewer than
    two days, or goes backwards."""
    if len(readings) < 2:
        return float(default)
    first, last = min(readings), max(readings)
    days = (last[0] - first[0]).days
    if days <= 0 or last[1] <= first[1]:
        return float(default)
    return (last[1] - first[1]) / days


def day_reaching(readings: Sequence[Reading], target_km: int, *, default_daily: int) -> date | None:
    """The day the vehicle reaches `target_km`: the first reading at it or beyond, else
    estimated forward from the last reading at the history's daily mileage. None: no reading."""
    if not readings:
        return None
    ordered = sorted(readings)
    for index, (day, km) in enumerate(ordered):
        if km >= target_km:
            if index == 0:
                return day
            previous_day, previous_km = ordered[index - 1]
            # Crossed between two readings: the day by the slope between them.
            span = (day - previous_day).days
            share = (target_km - previous_km) / (km - previous_km) if km > previous_km else 1.0
            return previous_day + timedelta(days=math.ceil(span * share))
    last_day, last_km = ordered[-1]
    per_day = daily_km(ordered, default=default_daily)
    return last_day + timedelta(days=math.ceil((target_km - last_km) / per_day))


def first_service_key(vehicle_id: int) -> str:
    return f"first_service:vehicle:{vehicle_id}"


def first_service_due(
    *,
    vehicle_id: int,
    sale_date: date | None,
    readings: Sequence[Reading],
    serviced_since_sale: bool,
    today: date,
    rules: RuleSettings,
) -> Due | None:
    """R7.1: `first_service_days` or `first_service_km` after the sale, whichever comes first;
    the sale counts as a reading of 0 km. None: no sale date, serviced already, sold too long
    ago, or not due yet."""
    if not rules.first_service_enabled or sale_date is None or serviced_since_sale:
        return None
    if (today - sale_date).days > rules.first_service_days + FIRST_SERVICE_GRACE_DAYS:
        return None
    history = [(sale_date, 0), *(reading for reading in readings if reading[0] >= sale_date)]
    by_days = sale_date + timedelta(days=rules.first_service_days)
    by_km = day_reaching(history, rules.first_service_km, default_daily=rules.default_daily_km)
    due_on = min(by_days, by_km) if by_km is not None else by_days
    if due_on > today:
        return None
    return Due(due_on=due_on, contact_on=today, key=first_service_key(vehicle_id))


def periodic_service_key(vehicle_id: int, last_service_on: date) -> str:
    return f"periodic_service:vehicle:{vehicle_id}:after:{last_service_on.isoformat()}"


def periodic_service_due_on(
    *, last_service: Reading, readings: Sequence[Reading], rules: RuleSettings
) -> date:
    """R7.2: `periodic_months` or `periodic_km` after the last service, whichever comes first."""
    service_day, service_km = last_service
    by_months = add_months(service_day, rules.periodic_months)
    since = [last_service, *(reading for reading in readings if reading[0] > service_day)]
    by_km = day_reaching(since, service_km + rules.periodic_km, default_daily=rules.default_daily_km)
    return min(by_months, by_km) if by_km is not None else by_months


def periodic_service_due(
    *,
    vehicle_id: int,
    last_service: Reading | None,
    readings: Sequence[Reading],
    today: date,
    rules: RuleSettings,
) -> Due | None:
    """R7.2: the reminder goes `remind_max_days` to `remind_min_days` before the service falls
    due; today when that window has begun (or passed, unreminded). None: not yet, or no service
    on record."""
    if not rules.periodic_enabled or last_service is None:
        return None
    due_on = periodic_service_due_on(last_service=last_service, readings=readings, rules=rules)
    if (
        not due_on - timedelta(days=rules.remind_max_days)
        <= today
        <= due_on + timedelta(days=PERIODIC_GRACE_DAYS)
    ):
        return None
    return Due(due_on=due_on, contact_on=today, key=periodic_service_key(vehicle_id, last_service[0]))


def lost_customer_key(customer_id: int, last_seen_on: date) -> str:
    return f"lost_customer:customer:{customer_id}:since:{last_seen_on.isoformat()}"


def lost_customer_due(
    *, customer_id: int, last_seen_on: date | None, today: date, rules: RuleSettings
) -> Due | None:
    """R7.3: no visit for `lost_customer_days`: contact them (once per absence)."""
    if not rules.lost_customer_enabled or last_seen_on is None:
        return None
    due_on = last_seen_on + timedelta(days=rules.lost_customer_days)
    if not due_on <= today <= due_on + timedelta(days=LOST_CUSTOMER_GRACE_DAYS):
        return None
    return Due(due_on=due_on, contact_on=today, key=lost_customer_key(customer_id, last_seen_on))


def campaign_key(campaign_id: int, vehicle_id: int) -> str:
    return f"campaign:{campaign_id}:vehicle:{vehicle_id}"


def no_show_key(appointment_id: int, attempt: int) -> str:
    return f"no_show:appointment:{appointment_id}:attempt:{attempt}"


def no_show_attempt_days(*, no_show_on: date, rules: RuleSettings) -> tuple[date, date, date]:
    """R6.6: the days of the second and the third booking attempt, and the last day to try,
    inside `no_show_min_days`-`no_show_max_days` after the date."""
    first = no_show_on + timedelta(days=rules.no_show_min_days)
    last = no_show_on + timedelta(days=rules.no_show_max_days)
    second = first + timedelta(days=(rules.no_show_max_days - rules.no_show_min_days) // 2)
    return first, second, last


def satisfaction_key(appointment_id: int) -> str:
    return f"satisfaction:appointment:{appointment_id}"


def satisfaction_window(
    *, delivered_at: datetime, tz: ZoneInfo, rules: RuleSettings
) -> tuple[datetime, datetime]:
    """R9.1: when to contact the customer after the delivery and by when: the next local morning,
    at most `satisfaction_days` after the delivery."""
    deadline = delivered_at.astimezone(UTC) + timedelta(days=rules.satisfaction_days)
    next_morning = local_instant(delivered_at.astimezone(tz).date() + timedelta(days=1), tz)
    return min(next_morning, deadline), deadline


def booking_not_made_key(customer_id: int, on: date) -> str:
    return f"booking_not_made:customer:{customer_id}:{on.isoformat()}"


def message_failed_key(message_id: int) -> str:
    return f"message_failed:message:{message_id}"


def reschedule_request_key(reply_id: int) -> str:
    return f"reschedule_request:reply:{reply_id}"


def local_today(now: datetime, tz: ZoneInfo) -> date:
    """The dealership's date at `now`: the rules count days on the wall of the dealership."""
    return now.astimezone(tz).date()


def local_instant(day: date, tz: ZoneInfo, at: time = CONTACT_AT) -> datetime:
    """`at` on the local `day`, in UTC."""
    return datetime.combine(day, at, tzinfo=tz).astimezone(UTC)


def contact_instant(*, contact_on: date, now: datetime, tz: ZoneInfo) -> datetime:
    """When a contact due on `contact_on` goes: that local morning, or now when it is past."""
    return max(now, local_instant(contact_on, tz))


def next_attempt_after_no_answer(*, now: datetime, tz: ZoneInfo, rules: RuleSettings) -> datetime:
    """An unanswered call comes back `retry_after_hours` later (26: the next day, two hours
    later on the clock), moved into the calling hours: each attempt at another time of day."""
    candidate = (now + timedelta(hours=rules.retry_after_hours)).astimezone(tz)
    clock = candidate.time().replace(tzinfo=None)
    if clock < CALLING_STARTS:
        candidate = datetime.combine(candidate.date(), CALLING_STARTS, tzinfo=tz)
    elif clock >= CALLING_ENDS:
        candidate = datetime.combine(candidate.date() + timedelta(days=1), CALLING_STARTS, tzinfo=tz)
    return candidate.astimezone(UTC)
