"""The outbox of messages to customers, the replies they send back, and each dealership's
messaging settings.

A change that causes a message (a booking, a move, a cancellation, a one-time code) writes its
outbox rows in its own transaction; the dispatcher (notifications.dispatch) claims the due rows,
checks them again against what they are about, and sends them through their channel.
"""

from datetime import time

from django.conf import settings
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from config.bounds import MaxLengthCheck
from dealerships.models import DealershipOwned


class MessageKind(models.TextChoices):
    BOOKING_CONFIRMATION = "booking_confirmation", _("Booking confirmation")
    DAY_BEFORE = "day_before", _("Day-before confirmation")  # R5.4
    HOUR_BEFORE = "hour_before", _("Arrival confirmation an hour before")  # R5.5
    RESCHEDULED = "rescheduled", _("New time")
    CANCELLED = "cancelled", _("Cancellation")
    ACCESS_CODE = "access_code", _("Booking code")
    # The proactive contacts of the follow-up rules sent as messages ("followup_" and the rule).
    FOLLOWUP_FIRST_SERVICE = "followup_first_service", _("First-service reminder")  # R7.1
    FOLLOWUP_PERIODIC_SERVICE = "followup_periodic_service", _("Periodic service reminder")  # R7.2
    FOLLOWUP_LOST_CUSTOMER = "followup_lost_customer", _("Customer not seen for a long time")  # R7.3
    FOLLOWUP_CAMPAIGN = "followup_campaign", _("Service campaign")  # R7.4
    FOLLOWUP_RECALL = "followup_recall", _("Safety recall")  # R7.4
    FOLLOWUP_REPAIR_SOLUTION = "followup_repair_solution", _("Repair solution found")  # R7.4
    FOLLOWUP_BOOKING_NOT_MADE = "followup_booking_not_made", _("Booking not made")  # R7.6
    FOLLOWUP_NO_SHOW = "followup_no_show", _("No-show: book again")  # R6.6
    FOLLOWUP_SATISFACTION = "followup_satisfaction", _("Satisfaction follow-up")  # R9.1


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    WHATSAPP = "whatsapp", _("WhatsApp")
    EMAIL = "email", _("E-mail")
    # The message becomes a call for the operators: the row is their queue's entry.
    PHONE = "phone", _("Phone call")


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Being sent")
    SENT = "sent", _("Sent")
    TO_CALL = "to_call", _("To call")
    FAILED = "failed", _("Failed")
    WITHDRAWN = "withdrawn", _("Not sent")
    SUPERSEDED = "superseded", _("Replaced")


# What a message body may weigh: a long e-mail, or ten SMS segments.
TEXT_MAX_LENGTH = 5000
# A dealership's own text of a message, before its placeholders are filled.
TEMPLATE_MAX_LENGTH = 2000


class OutboxMessage(DealershipOwned):
    """One message due to a customer: what, about what, by which channel, when, and how it went."""

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.PROTECT, related_name="+", verbose_name=_("customer")
    )
    # The subject: an appointment, or the customer alone (a one-time code).
    appointment = models.ForeignKey(
        "bookings.Appointment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appointment"),
    )
    kind = models.CharField(_("message"), max_length=30, choices=MessageKind.choices)
    # Both chosen from the customer file when the row is sent (R2.7); blank until then.
    channel = models.CharField(_("channel"), max_length=20, choices=MessageChannel.choices, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    due_at = models.DateTimeField(_("due"))
    # Subject + kind + due date (notifications.schedule.idempotency_key): writing the same
    # message twice finds the first one; a superseded row gives its key up.
    idempotency_key = models.CharField(max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    # A claimed row belongs to one worker until then; a worker that died lets it go by itself.
    claimed_until = models.DateTimeField(null=True, blank=True)
    # Its worker died while it was claimed, perhaps mid-send: before sending it again, the
    # dispatcher asks the provider whether it went out.
    in_doubt = models.BooleanField(default=False)
    recipient = models.CharField(_("to"), max_length=254, blank=True)
    provider_id = models.CharField(_("provider's id"), max_length=64, blank=True)
    delivery_status = models.CharField(_("delivery"), max_length=30, blank=True)
    error = models.CharField(_("why"), max_length=300, blank=True)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    rendered_text = models.TextField(
        _("text"), blank=True, max_length=TEXT_MAX_LENGTH, validators=[MaxLengthValidator(TEXT_MAX_LENGTH)]
    )
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    # A failed message waits in the advisor's inbox until someone has dealt with it.
    failure_handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    class Meta:
        ordering = ["-due_at", "-id"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        constraints = [
            models.UniqueConstraint(
                fields=["dealership", "idempotency_key"],
                condition=~Q(status="superseded"),
                name="outbox_message_once",
            ),
            MaxLengthCheck(
                field="rendered_text", max_length=TEXT_MAX_LENGTH, name="outbox_message_text_length"
            ),
        ]
        indexes = [
            # The dispatcher's scan: only the rows still to send are in it.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="outbox_message_due",
            ),
            models.Index(fields=["dealership", "appointment"], name="outbox_message_appointment"),
            models.Index(fields=["dealership", "customer", "due_at"], name="outbox_message_customer"),
            models.Index(fields=["dealership", "provider_id"], name="outbox_message_provider_id"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} {self.status}"


class ReplyOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed the appointment")
    CANCELLED = "cancelled", _("Cancelled the appointment")
    RESCHEDULE_REQUESTED = "reschedule_requested", _("Asked for another time")
    OPTED_OUT = "opted_out", _("Stopped all messages")
    OPTED_IN = "opted_in", _("Asked for messages again")
    NOT_UNDERSTOOD = "not_understood", _("Not understood")
    NOTHING_TO_ANSWER = "nothing_to_answer", _("No confirmation waiting for an answer")
    # The satisfaction question answered by reply (R9.1); a concern waits in the inbox too.
    SATISFACTION_ANSWERED = "satisfaction_answered", _("Answered the satisfaction question")
    SATISFACTION_CONCERN = "satisfaction_concern", _("Raised a concern about the visit")


REPLY_MAX_LENGTH = 1600  # Twilio's longest inbound body


class InboundReply(DealershipOwned):
    """A message a customer sent back (R5.6), and what it did. The ones a person must read (not
    understood, asking for another time, a concern about a visit) wait in the advisor's inbox
    until handled."""

    provider_id = models.CharField(_("provider's id"), max_length=64)
    channel = models.CharField(_("channel"), max_length=20, choices=MessageChannel.choices)
    from_number = models.CharField(_("from"), max_length=64)
    body = models.TextField(
        _("text"), max_length=REPLY_MAX_LENGTH, validators=[MaxLengthValidator(REPLY_MAX_LENGTH)]
    )
    received_at = models.DateTimeField(_("received"))
    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("customer"),
    )
    answers = models.ForeignKey(
        OutboxMessage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
        verbose_name=_("answers"),
    )
    outcome = models.CharField(_("outcome"), max_length=30, choices=ReplyOutcome.choices)
    handled_at = models.DateTimeField(_("handled"), null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        constraints = [
            # Twilio retries a webhook it got no answer to: the second delivery changes nothing.
            models.UniqueConstraint(fields=["dealership", "provider_id"], name="inbound_reply_once"),
            MaxLengthCheck(field="body", max_length=REPLY_MAX_LENGTH, name="inbound_reply_body_length"),
        ]
        indexes = [
            models.Index(fields=["dealership", "customer", "received_at"], name="inbound_reply_customer")
        ]

    def __str__(self) -> str:
        return f"{self.from_number}: {self.outcome}"


class MessagingSettings(DealershipOwned):
    """A dealership's senders and rules for messages; without a row, the manuals' defaults and the
    account from the environment (TWILIO_*)."""

    twilio_account_sid = models.CharField(_("Twilio account SID"), max_length=64, blank=True)
    twilio_auth_token = models.CharField(_("Twilio auth token"), max_length=64, blank=True)
    sms_from = models.CharField(_("SMS sender number"), max_length=32, blank=True)
    messaging_service_sid = models.CharField(_("Twilio messaging service SID"), max_length=64, blank=True)
    whatsapp_from = models.CharField(_("WhatsApp sender number"), max_length=32, blank=True)
    day_before_enabled = models.BooleanField(_("day-before confirmation"), default=True)  # R5.4
    # The Chinese manual: the day-before confirmation only when the appointment is more than
    # 3 days after the booking. 0: always.
    day_before_min_days_ahead = models.PositiveSmallIntegerField(
        _("day-before confirmation only for bookings more days ahead than"), default=0
    )
    hour_before_enabled = models.BooleanField(_("arrival confirmation an hour before"), default=True)  # R5.5
    quiet_hours_start = models.TimeField(_("no messages from"), default=time(21, 0))
    quiet_hours_end = models.TimeField(_("no messages until"), default=time(8, 0))

    class Meta:
        verbose_name = _("messaging settings")
        verbose_name_plural = _("messaging settings")
        constraints = [models.UniqueConstraint(fields=["dealership"], name="messaging_settings_one")]

    def __str__(self) -> str:
        return f"messaging settings of {self.dealership_id}"


class MessageTemplate(DealershipOwned):
    """A dealership's own words for one kind of message in one language, in place of the built-in
    text; {placeholders} from notifications.templating are filled when the message is sent."""

    kind = models.CharField(_("message"), max_length=30, choices=MessageKind.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    # The e-mail's subject; blank keeps the built-in one.
    subject = models.CharField(_("e-mail subject"), max_length=200, blank=True)
    body = models.TextField(
        _("text"),
        max_length=TEMPLATE_MAX_LENGTH,
        validators=[MaxLengthValidator(TEMPLATE_MAX_LENGTH)],
    )

    class Meta:
        ordering = ["kind", "language"]
        verbose_name = _("message text")
        verbose_name_plural = _("message texts")
        constraints = [
            models.UniqueConstraint(fields=["dealership", "kind", "language"], name="message_template_one"),
            MaxLengthCheck(field="body", max_length=TEMPLATE_MAX_LENGTH, name="message_template_body_length"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.language}"


class CalendarFeed(DealershipOwned):
    """An advisor's private iCalendar feed of their own appointments. The address holds a random
    secret of which only the SHA-256 is kept; deleting the row revokes it, a new one rotates it."""

    advisor = models.OneToOneField(
        "workshop.Advisor", on_delete=models.CASCADE, related_name="+", verbose_name=_("service advisor")
    )
    token_hash = models.CharField(max_length=64, unique=True)
    last_read_at = models.DateTimeField(_("last read"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"calendar feed of advisor {self.advisor_id}"
