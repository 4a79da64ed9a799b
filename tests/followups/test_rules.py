"""The follow-up rules on hand-made vehicles and histories (pure: no database)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from followups import rules
from followups.rules import RuleSettings

DEFAULTS = RuleSettings()
TODAY = date(2026, 12, 1)
ROME = ZoneInfo("Europe/Rome")
NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def first_service(sale_date, readings, today=TODAY, serviced=False, settings=DEFAULTS):
    return rules.first_service_due(
        vehicle_id=7,
        sale_date=sale_date,
        readings=readings,
        serviced_since_sale=serviced,
        today=today,
        rules=settings,
    )


def test_r7_1_sold_53_days_ago_with_1500_km_is_due_at_60_days():
    sold = TODAY - timedelta(days=53)
    readings = [(TODAY, 1500)]  # 28 km a day: 2,000 km only after 71 days, so 60 days come first
    assert first_service(sold, readings) is None
    assert first_service(sold, readings, today=TODAY + timedelta(days=6)) is None
    due = first_service(sold, readings, today=TODAY + timedelta(days=7))
    assert due is not None
    assert due.due_on == sold + timedelta(days=60)
    assert due.key == "first_service:vehicle:7"


def test_r7_1_sold_40_days_ago_with_2100_km_is_due_already_by_mileage():
    sold = TODAY - timedelta(days=40)
    due = first_service(sold, [(TODAY, 2100)])
    assert due is not None
    # 2,000 of 2,100 km: on day 39 after the sale, before the 60 days.
    assert due.due_on == sold + timedelta(days=39)
    assert due.contact_on == TODAY


def test_r7_1_mileage_from_the_history_not_the_default():
    sold = TODAY - timedelta(days=30)
    # 100 km a day between the readings: 2,000 km on day 20 after the first reading's 0 km.
    readings = [(sold + timedelta(days=10), 1000), (sold + timedelta(days=15), 1500)]
    assert rules.daily_km(readings, default=40) == 100
    due = first_service(sold, readings)
    assert due is not None
    assert due.due_on == sold + timedelta(days=20)


def test_r7_1_one_reading_takes_the_default_daily_mileage():
    assert rules.daily_km([(TODAY, 5000)], default=40) == 40
    assert rules.day_reaching([(TODAY, 1000)], 2000, default_daily=40) == TODAY + timedelta(days=25)


def test_r7_1_not_for_a_car_serviced_since_the_sale_or_without_a_sale_date():
    sold = TODAY - timedelta(days=70)
    assert first_service(sold, [], serviced=True) is None
    assert first_service(None, [(TODAY, 9000)]) is None


def test_r7_1_configurable_days_and_km():
    sold = TODAY - timedelta(days=45)
    brand = RuleSettings(first_service_days=45, first_service_km=3000)
    due = first_service(sold, [(TODAY, 1000)], settings=brand)
    assert due is not None
    assert due.due_on == TODAY


def periodic(last_service, readings, today=TODAY, settings=DEFAULTS):
    return rules.periodic_service_due(
        vehicle_id=9, last_service=last_service, readings=readings, today=today, rules=settings
    )


def test_r7_2_last_service_5_months_23_days_ago_is_reminded_7_to_10_days_before():
    serviced = date(2026, 6, 8)  # 5 months and 23 days before 1 December
    readings = [(serviced, 30000), (TODAY, 33000)]  # 17 km a day: the 6 months come first
    due = periodic((serviced, 30000), readings)
    assert due is not None
    assert due.due_on == date(2026, 12, 8)
    assert 7 <= (due.due_on - TODAY).days <= 10
    assert due.key == "periodic_service:vehicle:9:after:2026-06-08"
    # Ten days before the due date is the first day of the reminder.
    assert periodic((serviced, 30000), readings, today=date(2026, 11, 27)) is None
    assert periodic((serviced, 30000), readings, today=date(2026, 11, 28)) is not None


def test_r7_2_every_5000_km_when_they_come_before_6_months():
    serviced = TODAY - timedelta(days=60)
    readings = [(serviced, 20000), (TODAY, 24800)]  # 80 km a day: 5,000 km on day 63
    due = periodic((serviced, 20000), readings)
    assert due is not None
    assert due.due_on == serviced + timedelta(days=63)
    assert (due.due_on - TODAY).days == 3


def test_r7_2_no_reminder_without_a_service_on_record_or_too_early():
    assert periodic(None, [(TODAY, 1000)]) is None
    assert periodic((TODAY - timedelta(days=30), 10000), [(TODAY, 10500)]) is None


def test_r7_2_add_months_keeps_the_end_of_short_months():
    assert rules.add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert rules.add_months(date(2026, 6, 8), 6) == date(2026, 12, 8)


def test_r7_3_a_customer_absent_180_days_is_due():
    due = rules.lost_customer_due(
        customer_id=3, last_seen_on=TODAY - timedelta(days=180), today=TODAY, rules=DEFAULTS
    )
    assert due is not None
    assert due.due_on == TODAY
    assert due.key == f"lost_customer:customer:3:since:{TODAY - timedelta(days=180)}"
    assert (
        rules.lost_customer_due(
            customer_id=3, last_seen_on=TODAY - timedelta(days=179), today=TODAY, rules=DEFAULTS
        )
        is None
    )


def test_r6_6_second_and_third_attempt_inside_3_to_10_days():
    missed = date(2026, 11, 20)
    second, third, last = rules.no_show_attempt_days(no_show_on=missed, rules=DEFAULTS)
    assert [(day - missed).days for day in (second, third, last)] == [3, 6, 10]
    for setting in (RuleSettings(no_show_min_days=5, no_show_max_days=5), RuleSettings(no_show_max_days=14)):
        days = rules.no_show_attempt_days(no_show_on=missed, rules=setting)
        assert all(
            setting.no_show_min_days <= (day - missed).days <= setting.no_show_max_days for day in days
        )


def test_r9_1_satisfaction_contact_within_2_days_after_delivery_in_two_zones():
    for tz in (ROME, SHANGHAI):
        for delivered_local in (
            datetime(2026, 12, 1, 9, 0, tzinfo=tz),
            datetime(2026, 12, 1, 18, 30, tzinfo=tz),
        ):
            delivered = delivered_local.astimezone(UTC)
            due, deadline = rules.satisfaction_window(delivered_at=delivered, tz=tz, rules=DEFAULTS)
            assert delivered < due <= delivered + timedelta(days=2)
            assert deadline == delivered + timedelta(days=2)
            assert due.astimezone(tz).date() == date(2026, 12, 2)
            assert due.astimezone(tz).hour == 10


def test_r7_1_the_local_date_decides_in_two_time_zones():
    # 23:30 UTC on 1 December is already 2 December in Rome, still 1 December in New York.
    now = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)
    sold = date(2026, 10, 3)  # 60 days before 2 December
    rome_today, new_york_today = rules.local_today(now, ROME), rules.local_today(now, NEW_YORK)
    assert (rome_today, new_york_today) == (date(2026, 12, 2), date(2026, 12, 1))
    readings = [(date(2026, 11, 30), 1000)]  # 17 km a day: the 60 days decide
    assert first_service(sold, readings, today=rome_today) is not None
    assert first_service(sold, readings, today=new_york_today) is None
    # Due today: at once when the morning is past, else at 10:00 on the wall.
    assert rules.contact_instant(contact_on=rome_today, now=now, tz=ROME) == datetime(
        2026, 12, 2, 9, 0, tzinfo=UTC
    )
    assert rules.contact_instant(contact_on=new_york_today, now=now, tz=NEW_YORK) == now


def test_r7_5_unanswered_calls_come_back_at_other_times_of_day_within_calling_hours():
    for tz in (ROME, NEW_YORK):
        now = datetime(2026, 12, 1, 10, 0, tzinfo=tz).astimezone(UTC)
        hours = [now.astimezone(tz).hour]
        for _attempt in range(2):
            now = rules.next_attempt_after_no_answer(now=now, tz=tz, rules=DEFAULTS)
            local = now.astimezone(tz)
            assert rules.CALLING_STARTS <= local.time() < rules.CALLING_ENDS
            hours.append(local.hour)
        assert len(set(hours)) == 3, hours
    late = datetime(2026, 12, 1, 18, 0, tzinfo=ROME).astimezone(UTC)
    moved = rules.next_attempt_after_no_answer(now=late, tz=ROME, rules=DEFAULTS).astimezone(ROME)
    assert (moved.date(), moved.hour) == (date(2026, 12, 3), 9)


def test_r7_2_r7_3_long_overdue_files_are_left_to_the_next_rule():
    long_ago = (TODAY - timedelta(days=400), 10000)
    assert periodic(long_ago, []) is None  # a lost customer now, not a periodic reminder
    assert (
        rules.lost_customer_due(customer_id=1, last_seen_on=long_ago[0], today=TODAY, rules=DEFAULTS)
        is not None
    )
    ancient = TODAY - timedelta(days=180 + 366)
    assert rules.lost_customer_due(customer_id=1, last_seen_on=ancient, today=TODAY, rules=DEFAULTS) is None
