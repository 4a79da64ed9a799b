"""The sentence for each reason the engine gives, in the user's language (R4.4: explain why),
and for each refusal: why a time cannot be booked, or why nothing can be offered."""

from django.utils.translation import gettext_lazy as _

from workshop.availability import Reason, Refusal

REASON_TEXTS = {
    Reason.EARLIEST: _("The earliest possible time."),
    Reason.QUIET_PERIOD: _("A quiet time in the workshop."),
    Reason.PEAK_HOURS: _("In the busy early hours."),
    Reason.HIGH_LOAD: _("On a busy day."),
    Reason.EVENING_DROP_OFF: _("Drop the car off the evening before, so work starts first thing."),
    Reason.KEPT_FREE_TIME: _("Uses time kept free for urgent work."),
    Reason.SAME_DAY_URGENT: _("Today, because the work is urgent."),
    Reason.COMEBACK_WITHIN_WINDOW: _("Soon, as the car is back for the same problem."),
    Reason.COMEBACK_WINDOW_MISSED: _("The first time possible; nothing was free within the comeback window."),
    Reason.PREFERRED_ADVISOR: _("With the customer's usual advisor."),
    Reason.BEYOND_MAXIMUM: _("Beyond the advisor's daily maximum, by a workshop manager's decision."),
    Reason.WISHED_DAY: _("On the day the customer asked for."),
    Reason.ALTERNATIVE: _("Another possible time."),
}


def reason_text(reason: Reason) -> str:
    return str(REASON_TEXTS[reason])


REFUSAL_TEXTS = {
    Refusal.PASSED: _("That time has passed."),
    Refusal.CLOSED_DAY: _("The workshop is closed that day."),
    Refusal.NOT_A_SLOT: _("That is not a drop-off time. Choose one of the times offered."),
    Refusal.SAME_DAY: _("Work cannot be booked for today."),
    Refusal.EVENING_DROP_OFF_ONLY: _(
        "Work of a full day or more is dropped off in the morning or from the evening drop-off time."
    ),
    Refusal.OUTSIDE_WINDOW: _("No time is free within the times the customer can come."),
    Refusal.WORK_PAST_LAST_DAY: _("The work would not be finished by the last day open to booking."),
    Refusal.NO_SKILL: _("No technician has the skill this work needs."),
    Refusal.TECHNICIANS_FULL: _("The technicians' hours are fully booked."),
    Refusal.ADVISOR_NOT_RECEIVING: _("The advisor does not receive customers at that time."),
    Refusal.TAKEN: _("That time was just taken."),
    Refusal.KEPT_FREE: _("That time is kept free for urgent work."),
    Refusal.ADVISOR_FULL: _("The advisor has reached the daily maximum of customers."),
    Refusal.ONLINE_FULL: _("The places for online booking are taken."),
    Refusal.BEYOND_HORIZON: _("That time is past the booking horizon."),
    Refusal.CLOSED_THROUGHOUT: _("The workshop is closed on every day open to booking."),
    Refusal.NO_ADVISOR: _("No service advisor receives customers on the days open to booking."),
    Refusal.FULLY_BOOKED: _("Every time open to booking is taken."),
}


def refusal_text(refusal: Refusal) -> str:
    return str(REFUSAL_TEXTS[refusal])
