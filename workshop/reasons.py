"""The sentence for each reason the engine gives, in the user's language (R4.4: explain why)."""

from django.utils.translation import gettext_lazy as _

from workshop.availability import Reason

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
