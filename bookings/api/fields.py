"""Serializer fields the bookings API shares."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

# The bounds of the columns the API's text fields are stored in or read from.
JOB_CODE_MAX_LENGTH = 30  # workshop.models.Job.code
CAMPAIGN_CODE_MAX_LENGTH = 40  # customers.models.Campaign.code
OVERRIDE_REASON_MAX_LENGTH = 200  # bookings.models.Appointment.capacity_override_reason
ADVISOR_NAME_MAX_LENGTH = 120  # workshop.models.Advisor.name
USERNAME_MAX_LENGTH = 150  # django.contrib.auth's username
STATUS_MAX_LENGTH = 20  # the status and kind columns


class AwareDateTimeField(serializers.DateTimeField):
    """A date-time that must carry its UTC offset (`+01:00` or `Z`).

    DRF reads a time without an offset in the current zone, which silently moves a wall-clock
    time the clocks skip (02:30 on a spring-forward night) and guesses at one they repeat. A
    booking names an instant, so a time without an offset is a field error instead.
    `enforce_timezone` is the hook that sees the parsed value while it is still naive.
    """

    default_error_messages = {
        "naive": _("The time needs its UTC offset, such as +01:00 or Z."),
    }

    def enforce_timezone(self, value: datetime) -> datetime:
        if timezone.is_naive(value):
            self.fail("naive")
        return super().enforce_timezone(value)
