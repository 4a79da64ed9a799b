"""The availability engine over hand-built snapshots: no database, one rule per test (R4, R2.3)."""

from dataclasses import replace
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.workshop.snapshots import ROME, advisor, at, capacity_day, service, span, week
from workshop.availability import (
    JobLine,
    NoCapacity,
    Period,
    Policy,
    Reason,
    SlotRequest,
    kept_free_quarters,
    offer_slots,
)

MONDAY = date(2026, 11, 23)
TUESDAY = MONDAY + timedelta(days=1)
WEDNESDAY = MONDAY + timedelta(days=2)
NOW = at(MONDAY, "10:00")


def local(proposal, tz=ROME):
    moment = proposal.drop_off.astimezone(tz)
    return moment.date(), moment.strftime("%H:%M")


def test_r4_1_the_earliest_possible_time_comes_first():
    offer = offer_slots(week(MONDAY), SlotRequest(jobs=service()), now=NOW)
    first = offer.proposals[0]
    assert local(first) == (TUESDAY, "08:00")
    assert Reason.EARLIEST in first.reasons


def test_r4_1_the_earliest_comes_first_even_when_the_customer_wished_another_day():
    offer = offer_slots(
        week(MONDAY), SlotRequest(jobs=service(), wished_day=MONDAY + timedelta(days=4)), now=NOW
    )
    assert local(offer.proposals[0]) == (TUESDAY, "08:00")
    wished = offer.proposals[-1]
    assert Reason.WISHED_DAY in wished.reasons
    assert local(wished) == (MONDAY + timedelta(days=4), "08:00")


def test_r4_1_asked_again_from_a_later_time_nothing_earlier_is_offered_even_on_the_wished_day():
    """The next times after one just taken (or after the courtesy car is back): the wished day,
    before that time, is not proposed again."""
    later = at(WEDNESDAY, "12:00")
    offer = offer_slots(
        week(MONDAY), SlotRequest(jobs=service(), wished_day=TUESDAY), now=NOW, not_before=later
    )
    assert offer.proposals
    assert all(p.drop_off >= later for p in offer.proposals)


def test_r4_4_double_offer_is_one_busy_and_one_quiet_time():
    offer = offer_slots(week(MONDAY), SlotRequest(jobs=service()), now=NOW)
    assert len(offer.proposals) == 2
    assert offer.busy is not None
    assert offer.quiet is not None
    assert local(offer.busy) == (TUESDAY, "08:00")  # peak hours 8:00-9:30
    assert Reason.PEAK_HOURS in offer.busy.reasons
    # 9:00-9:15 is advisor 1's kept-free quarter of the 9 o'clock hour (R4.3); 9:30 is quiet.
    assert local(offer.quiet) == (TUESDAY, "09:30")
    assert Reason.QUIET_PERIOD in offer.quiet.reasons


def test_r4_4_a_day_booked_beyond_the_load_threshold_is_busy():
    tuesday = capacity_day(TUESDAY, advisors=(advisor(1, TUESDAY, booked_customers=7, max_customers=8),))
    offer = offer_slots(week(MONDAY, special={TUESDAY: tuesday}), SlotRequest(jobs=service()), now=NOW)
    assert local(offer.proposals[0]) == (TUESDAY, "08:00")
    assert all(p.period is Period.BUSY for p in offer.proposals if p.day == TUESDAY)
    assert Reason.HIGH_LOAD in offer.proposals[0].reasons
    assert offer.quiet.day == WEDNESDAY
    assert local(offer.quiet)[1] == "09:30"


def test_r4_4_more_alternatives_on_request_at_distinct_times():
    offer = offer_slots(week(MONDAY), SlotRequest(jobs=service(), alternatives=4), now=NOW)
    assert len(offer.proposals) == 6
    assert len({p.drop_off for p in offer.proposals}) == 6
    assert all(Reason.ALTERNATIVE in p.reasons for p in offer.proposals[2:])


def test_r4_4_no_same_day_booking_by_default_but_when_the_policy_allows_it():
    assert all(
        p.day > MONDAY for p in offer_slots(week(MONDAY), SlotRequest(jobs=service()), now=NOW).proposals
    )
    allowing = week(MONDAY, policy=Policy(same_day_allowed=True))
    assert local(offer_slots(allowing, SlotRequest(jobs=service()), now=NOW).proposals[0]) == (
        MONDAY,
        "10:00",
    )


def test_r4_2_a_day_is_filled_to_each_advisors_maximum_before_the_next_day():
    tuesday = capacity_day(
        TUESDAY,
        advisors=(
            advisor(1, TUESDAY, booked_customers=8, max_customers=8),  # full
            advisor(2, TUESDAY, booked=(("08:00", "08:15"),), max_customers=8),
        ),
    )
    offer = offer_slots(week(MONDAY, special={TUESDAY: tuesday}), SlotRequest(jobs=service()), now=NOW)
    assert [(p.day, p.advisor_id) for p in offer.proposals] == [(TUESDAY, 2), (TUESDAY, 2)]
    # 8:00 is booked (and advisor 2's kept-free quarter of the 8 o'clock hour): next is 8:30.
    assert local(offer.proposals[0]) == (TUESDAY, "08:30")


def test_r4_2_when_every_advisor_is_at_the_maximum_the_next_day_is_offered():
    tuesday = capacity_day(
        TUESDAY,
        advisors=(
            advisor(1, TUESDAY, booked_customers=8, max_customers=8),
            advisor(2, TUESDAY, booked_customers=6, max_customers=6),
        ),
    )
    offer = offer_slots(week(MONDAY, special={TUESDAY: tuesday}), SlotRequest(jobs=service()), now=NOW)
    assert {p.day for p in offer.proposals} == {WEDNESDAY}


def test_r4_2_a_workshop_manager_may_book_beyond_the_maximum_but_never_into_a_booked_slot():
    tuesday = capacity_day(
        TUESDAY,
        advisors=(advisor(1, TUESDAY, booked=(("08:00", "08:15"),), booked_customers=8, max_customers=8),),
    )
    snapshot = week(MONDAY, special={TUESDAY: tuesday})
    override = offer_slots(snapshot, SlotRequest(jobs=service(), beyond_maximum=True), now=NOW)
    first = override.proposals[0]
    # 8:00 is booked; 8:30 and 9:00 are kept free (the 8 and the 9 o'clock hours' quarters).
    assert local(first) == (TUESDAY, "09:30")
    assert Reason.BEYOND_MAXIMUM in first.reasons
    assert offer_slots(snapshot, SlotRequest(jobs=service()), now=NOW).proposals[0].day == WEDNESDAY


def test_r4_2_online_bookings_have_their_own_cap_so_the_phone_desk_keeps_places():
    tuesday = capacity_day(TUESDAY, advisors=(advisor(1, TUESDAY, booked_online=3, max_online=3),))
    snapshot = week(MONDAY, special={TUESDAY: tuesday})
    assert (
        offer_slots(snapshot, SlotRequest(jobs=service(), online=True), now=NOW).proposals[0].day == WEDNESDAY
    )
    assert offer_slots(snapshot, SlotRequest(jobs=service()), now=NOW).proposals[0].day == TUESDAY


def test_r4_3_kept_free_quarters_are_in_every_hour_at_varying_times():
    one = advisor(1, TUESDAY)
    two = advisor(2, TUESDAY)
    quarters = kept_free_quarters(one, Policy(), ROME)
    # One quarter in each of the 10 hours the advisor works (8-12:30 and 14-18:30).
    assert len(quarters) == 10
    assert all(q.minutes == 15 for q in quarters)

    def clocks(quarters):
        return " ".join(q.start.astimezone(ROME).strftime("%H:%M") for q in quarters)

    # The kept quarter starts on a drop-off time of the 30-minute grid, where an urgent car can
    # be received; it moves through the hour, and the next advisor keeps the other half hour,
    # so an urgent car finds someone at every time of the day (12:00 and 18:00 are the only
    # times of their hours: both keep them).
    assert clocks(quarters) == "08:30 09:00 10:30 11:00 12:00 14:30 15:00 16:30 17:00 18:00"
    assert clocks(kept_free_quarters(two, Policy(), ROME)) == (
        "08:00 09:30 10:00 11:30 12:00 14:00 15:30 16:00 17:30 18:00"
    )


def _only_kept_free_left(day):
    """Advisor 1 booked in every ordinary slot of the day; only kept-free quarters are free."""
    probe = advisor(1, day)
    free = kept_free_quarters(probe, Policy(slot_minutes=15), ROME)
    booked = []
    for shift in probe.shifts:
        moment = shift.start
        while moment < shift.end:
            quarter_end = moment + timedelta(minutes=15)
            if not any(q.start == moment for q in free):
                booked.append(
                    (
                        moment.astimezone(ROME).strftime("%H:%M"),
                        quarter_end.astimezone(ROME).strftime("%H:%M"),
                    )
                )
            moment = quarter_end
    return advisor(1, day, booked=tuple(booked), booked_customers=3, max_customers=8)


def test_r4_3_the_kept_free_quarter_is_never_offered_to_a_normal_booking():
    policy = Policy(slot_minutes=15, same_day_allowed=True)
    monday = capacity_day(MONDAY, advisors=(_only_kept_free_left(MONDAY),))
    tuesday = capacity_day(TUESDAY, advisors=(_only_kept_free_left(TUESDAY),))
    snapshot = week(MONDAY, policy=policy, special={MONDAY: monday, TUESDAY: tuesday})
    offer = offer_slots(snapshot, SlotRequest(jobs=service(), alternatives=3), now=at(MONDAY, "07:00"))
    assert {p.day for p in offer.proposals} == {WEDNESDAY}
    assert not any(p.uses_kept_free_time for p in offer.proposals)


def test_r4_6_urgent_work_gets_todays_kept_free_time():
    monday = capacity_day(MONDAY, advisors=(_only_kept_free_left(MONDAY),))
    snapshot = week(MONDAY, policy=Policy(slot_minutes=15), special={MONDAY: monday})
    offer = offer_slots(snapshot, SlotRequest(jobs=service(), urgent=True), now=at(MONDAY, "10:05"))
    first = offer.proposals[0]
    assert local(first) == (MONDAY, "10:45")  # advisor 1's kept-free quarter of the 10 o'clock hour
    assert Reason.KEPT_FREE_TIME in first.reasons
    assert Reason.SAME_DAY_URGENT in first.reasons


def test_r4_6_urgent_work_does_not_take_kept_free_time_of_later_days():
    monday = capacity_day(MONDAY, closed=True)
    tuesday = capacity_day(TUESDAY, advisors=(_only_kept_free_left(TUESDAY),))
    snapshot = week(MONDAY, policy=Policy(slot_minutes=15), special={MONDAY: monday, TUESDAY: tuesday})
    offer = offer_slots(snapshot, SlotRequest(jobs=service(), urgent=True), now=NOW)
    assert offer.proposals[0].day == WEDNESDAY
    assert not offer.proposals[0].uses_kept_free_time


def test_r4_5_a_two_day_job_is_dropped_off_at_1630_the_evening_before():
    snapshot = week(MONDAY, policy=Policy(kept_free_minutes_per_hour=0))
    offer = offer_slots(snapshot, SlotRequest(jobs=service(minutes=900)), now=NOW)
    first = offer.proposals[0]
    # Dropping the car off this evening for work tomorrow is not a same-day booking (R4.4).
    assert local(first) == (MONDAY, "16:30")
    assert Reason.EVENING_DROP_OFF in first.reasons
    assert first.work_starts == at(TUESDAY, "08:00")
    # 900 minutes: 540 fill Tuesday (8:00-12:30, 14:00-18:30); Wednesday 270 by 12:30, 90 after 14:00.
    assert first.promised_return == at(WEDNESDAY, "15:30")
    assert {day for day, _, _ in first.labour_by_day} == {TUESDAY, WEDNESDAY}
    evenings = [p for p in offer.proposals if Reason.EVENING_DROP_OFF in p.reasons]
    assert evenings
    assert all(local(p)[1] >= "16:30" for p in evenings)


def test_r4_5_the_evening_before_skips_a_closed_day():
    saturday = MONDAY + timedelta(days=5)
    offer = offer_slots(
        week(MONDAY, days=10, policy=Policy(kept_free_minutes_per_hour=0)),
        SlotRequest(jobs=service(minutes=480)),
        now=at(saturday, "09:00"),
    )
    # Saturday evening drop-off, Sunday closed, work on Monday.
    assert local(offer.proposals[0]) == (saturday, "16:30")
    assert offer.proposals[0].work_starts == at(MONDAY + timedelta(days=7), "08:00")


def test_r3_1_the_immobilisation_comes_from_the_jobs_durations():
    jobs = (JobLine(skill="maintenance", minutes=60), JobLine(skill="diagnosis", minutes=45))
    first = offer_slots(week(MONDAY), SlotRequest(jobs=jobs), now=NOW).proposals[0]
    assert sum(minutes for _, _, minutes in first.labour_by_day) == 105
    assert {(skill, minutes) for _, skill, minutes in first.labour_by_day} == {
        ("maintenance", 60),
        ("diagnosis", 45),
    }
    # Received 8:00-8:15, 105 minutes of work to 10:00.
    assert first.promised_return == at(TUESDAY, "10:00")


def test_r4_7_the_return_time_is_planned_from_the_labour():
    offer = offer_slots(week(MONDAY), SlotRequest(jobs=(JobLine(skill="maintenance", minutes=95),)), now=NOW)
    first = offer.proposals[0]
    # Received 8:00-8:15, 95 minutes of work to 9:50, handed back on the slot grid at 10:00.
    assert first.promised_return == at(TUESDAY, "10:00")


def test_r4_7_the_return_is_never_promised_after_closing():
    tuesday = capacity_day(TUESDAY, hours=(("08:00", "12:30"), ("14:00", "18:10")))
    late = SlotRequest(jobs=service(minutes=110), windows=(span(TUESDAY, "16:00", "16:15"),))
    first = offer_slots(week(MONDAY, special={TUESDAY: tuesday}), late, now=NOW).proposals[0]
    assert local(first) == (TUESDAY, "16:00")
    # Work 16:15-18:05; the slot grid would say 18:30, but the reception closes at 18:10.
    assert first.promised_return == at(TUESDAY, "18:10")


def test_r4_7_work_pauses_over_the_lunch_break():
    offer = offer_slots(week(MONDAY), SlotRequest(jobs=service(minutes=300)), now=NOW)
    first = offer.proposals[0]
    # 8:15-12:30 is 255 minutes, the other 45 after 14:00.
    assert first.promised_return == at(TUESDAY, "15:00")


def test_r4_8_technician_hours_by_skill_block_a_day_with_free_advisor_slots():
    tuesday = capacity_day(TUESDAY, booked_labour={"diagnosis": 480})
    snapshot = week(MONDAY, special={TUESDAY: tuesday})
    diagnosis = offer_slots(snapshot, SlotRequest(jobs=service(minutes=90, skill="diagnosis")), now=NOW)
    assert {p.day for p in diagnosis.proposals} == {WEDNESDAY}
    # The same day still takes maintenance: other technicians.
    maintenance = offer_slots(snapshot, SlotRequest(jobs=service(minutes=90)), now=NOW)
    assert maintenance.proposals[0].day == TUESDAY


def test_r4_8_a_skill_nobody_has_is_never_offered():
    with pytest.raises(NoCapacity):
        offer_slots(week(MONDAY), SlotRequest(jobs=service(skill="bodywork")), now=NOW)


def test_r4_8_multi_skilled_technicians_are_counted_once_in_the_total():
    # Two technicians, each with both skills: 960 minutes per skill but only 960 in all.
    tuesday = capacity_day(
        TUESDAY,
        technicians={"maintenance": 960, "diagnosis": 960},
        technician_total=960,
        booked_labour={"maintenance": 960},
    )
    snapshot = week(MONDAY, special={TUESDAY: tuesday})
    offer = offer_slots(snapshot, SlotRequest(jobs=service(minutes=90, skill="diagnosis")), now=NOW)
    assert offer.proposals[0].day == WEDNESDAY


def _full_week(first, days=7):
    special = {}
    for offset in range(days):
        day = first + timedelta(days=offset)
        if day.weekday() != 6:
            special[day] = capacity_day(day, advisors=(_only_kept_free_left(day),))
    return special


def test_r2_3_a_comeback_gets_a_slot_within_48_hours_on_a_full_week():
    snapshot = week(MONDAY, policy=Policy(slot_minutes=15), special=_full_week(MONDAY))
    normal = offer_slots(snapshot, SlotRequest(jobs=service()), now=NOW)
    assert normal.proposals[0].day >= MONDAY + timedelta(days=7)
    comeback = offer_slots(snapshot, SlotRequest(jobs=service(), comeback=True), now=NOW)
    first = comeback.proposals[0]
    assert first.drop_off - NOW <= timedelta(hours=48)
    assert Reason.COMEBACK_WITHIN_WINDOW in first.reasons
    assert first.uses_kept_free_time


def test_r2_3_a_comeback_prefers_ordinary_time_within_the_window():
    offer = offer_slots(week(MONDAY), SlotRequest(jobs=service(), comeback=True), now=NOW)
    first = offer.proposals[0]
    assert local(first) == (MONDAY, "10:00")  # same day allowed for comebacks
    assert not first.uses_kept_free_time


def test_r2_3_when_48_hours_cannot_be_met_the_proposal_says_so():
    special = {day: capacity_day(day, closed=True) for day in (MONDAY, TUESDAY, WEDNESDAY)}
    offer = offer_slots(week(MONDAY, special=special), SlotRequest(jobs=service(), comeback=True), now=NOW)
    assert Reason.COMEBACK_WINDOW_MISSED in offer.proposals[0].reasons
    assert offer.proposals[0].day == MONDAY + timedelta(days=3)


def test_customer_windows_exclude_earlier_times():
    window = span(WEDNESDAY, "14:00", "16:00")
    offer = offer_slots(week(MONDAY), SlotRequest(jobs=service(), windows=(window,), alternatives=2), now=NOW)
    assert offer.proposals
    assert all(window.start <= p.drop_off and p.reception_end <= window.end for p in offer.proposals)


def test_the_preferred_advisor_is_chosen_at_equal_times():
    tuesday = capacity_day(TUESDAY, advisors=(advisor(1, TUESDAY), advisor(2, TUESDAY, booked_customers=5)))
    # Without kept-free quarters, which the two advisors keep at alternate times (R4.3).
    snapshot = week(MONDAY, policy=Policy(kept_free_minutes_per_hour=0), special={TUESDAY: tuesday})
    assert offer_slots(snapshot, SlotRequest(jobs=service()), now=NOW).proposals[0].advisor_id == 1
    preferred = offer_slots(snapshot, SlotRequest(jobs=service(), advisor_id=2), now=NOW).proposals[0]
    assert preferred.advisor_id == 2
    assert Reason.PREFERRED_ADVISOR in preferred.reasons


def test_no_labour_is_refused():
    with pytest.raises(ValueError, match="labour"):
        offer_slots(week(MONDAY), SlotRequest(jobs=service(minutes=0)), now=NOW)


# --- Time zones and DST -------------------------------------------------------------------

NEW_YORK = ZoneInfo("America/New_York")
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.mark.parametrize(
    ("tz", "saturday", "utc_before", "utc_after"),
    [
        # Europe/Rome springs forward on Sunday 29 March 2026 and falls back on 25 October.
        (ROME, date(2026, 3, 28), "07:00", "06:00"),
        (ROME, date(2026, 10, 24), "06:00", "07:00"),
        # America/New_York: 8 March and 1 November 2026.
        (NEW_YORK, date(2026, 3, 7), "13:00", "12:00"),
        (NEW_YORK, date(2026, 10, 31), "12:00", "13:00"),
    ],
)
def test_dst_weekend_keeps_local_times_and_moves_utc(tz, saturday, utc_before, utc_after):
    monday = saturday + timedelta(days=2)
    snapshot = week(saturday, days=4, tz=tz)
    offer = offer_slots(snapshot, SlotRequest(jobs=service(minutes=120)), now=at(saturday, "17:50", tz))
    first = offer.proposals[0]
    assert local(first, tz) == (monday, "08:00")
    assert first.drop_off.strftime("%H:%M") == utc_after
    assert at(saturday, "08:00", tz).strftime("%H:%M") == utc_before
    assert first.promised_return == at(monday, "10:30", tz)


@pytest.mark.parametrize(
    ("tz", "sunday", "clocks"),
    [
        # 01:00-05:00 local is 3 real hours: 02:xx never happens.
        (ROME, date(2026, 3, 29), "01:00 01:30 03:00 03:30 04:00 04:30"),
        # 4 wall hours, 5 real hours: 02:xx happens twice and is offered once.
        (ROME, date(2026, 10, 25), "01:00 01:30 02:00 02:30 03:00 03:30 04:00 04:30"),
        (NEW_YORK, date(2026, 3, 8), "01:00 01:30 03:00 03:30 04:00 04:30"),
    ],
)
def test_dst_night_opening_hours_offer_only_times_that_exist(tz, sunday, clocks):
    night = capacity_day(sunday, tz=tz, hours=(("01:00", "05:00"),))
    policy = Policy(kept_free_minutes_per_hour=0, same_day_allowed=True, peak_hours=())
    snapshot = week(sunday, days=1, tz=tz, policy=policy, special={sunday: night})
    offer = offer_slots(
        snapshot, SlotRequest(jobs=service(minutes=15), alternatives=20), now=at(sunday, "00:00", tz)
    )
    times = [p.drop_off.astimezone(tz) for p in offer.proposals]
    assert " ".join(t.strftime("%H:%M") for t in times) == clocks
    assert times == sorted(times)


def test_shanghai_has_no_dst_and_local_eight_is_midnight_utc():
    monday = date(2026, 3, 30)
    offer = offer_slots(
        week(monday, tz=SHANGHAI), SlotRequest(jobs=service()), now=at(monday, "12:00", SHANGHAI)
    )
    assert offer.proposals[0].drop_off.strftime("%H:%M") == "00:00"
    assert local(offer.proposals[0], SHANGHAI) == (monday + timedelta(days=1), "08:00")


def test_proposals_are_reproducible_from_the_same_snapshot():
    snapshot = week(MONDAY)
    request = SlotRequest(jobs=service(), alternatives=3)
    assert offer_slots(snapshot, request, now=NOW) == offer_slots(snapshot, request, now=NOW)


def test_a_later_now_never_offers_the_past():
    later = at(TUESDAY, "11:10")
    offer = offer_slots(
        week(MONDAY, policy=Policy(same_day_allowed=True)), SlotRequest(jobs=service()), now=later
    )
    assert all(p.drop_off >= later for p in offer.proposals)
    assert local(offer.proposals[0]) == (TUESDAY, "11:30")


def test_opening_hours_not_on_the_grid_are_aligned():
    tuesday = capacity_day(TUESDAY, hours=(("08:10", "12:00"),))
    snapshot = week(MONDAY, policy=Policy(kept_free_minutes_per_hour=0), special={TUESDAY: tuesday})
    offer = offer_slots(snapshot, SlotRequest(jobs=service()), now=NOW)
    assert local(offer.proposals[0]) == (TUESDAY, "08:30")


def test_policy_is_a_value():
    assert replace(Policy(), evening_drop_off=time(17, 0)).evening_drop_off == time(17, 0)
