"""The follow-ups the process standards ask for (R6.6, R7.1-R7.6, R9.1): the operators' call
tasks, the record of every proactive contact and what it led to, each dealership's rules and
call scripts, and the customers' answers to the satisfaction question."""

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from config.bounds import MaxLengthCheck
from dealerships.models import DealershipOwned


class TaskKind(models.TextChoices):
    """Why the customer is contacted: the rule (or the event) that asked for it."""

    FIRST_SERVICE = "first_service", _("First-service reminder")  # R7.1
    PERIODIC_SERVICE = "periodic_service", _("Periodic service reminder")  # R7.2
    LOST_CUSTOMER = "lost_customer", _("Customer not seen for a long time")  # R7.3
    CAMPAIGN = "campaign", _("Service campaign")  # R7.4
    RECALL = "recall", _("Safety recall")  # R7.4
    REPAIR_SOLUTION = "repair_solution", _("Repair solution found")  # R7.4, R6.3
    BOOKING_NOT_MADE = "booking_not_made", _("Booking not made")  # R7.6
    NO_SHOW = "no_show", _("No-show: book again")  # R6.6
    SATISFACTION = "satisfaction", _("Satisfaction follow-up")  # R9.1
    MESSAGE_FAILED = "message_failed", _("A message could not be delivered")
    RESCHEDULE_REQUEST = "reschedule_request", _("Asked for another time")  # R5.6
    ENQUIRY = "enquiry", _("Enquiry")  # R9.3
    MANUAL = "manual", _("Call by hand")


# The kinds that invite the customer to book: a booking soon after one of them was led to by it.
REMINDER_KINDS = frozenset(
    {
        TaskKind.FIRST_SERVICE,
        TaskKind.PERIODIC_SERVICE,
        TaskKind.LOST_CUSTOMER,
        TaskKind.CAMPAIGN,
        TaskKind.RECALL,
        TaskKind.REPAIR_SOLUTION,
        TaskKind.BOOKING_NOT_MADE,
        TaskKind.NO_SHOW,
        TaskKind.RESCHEDULE_REQUEST,
    }
)


class TaskStatus(models.TextChoices):
    OPEN = "open", _("To call")
    CLAIMED = "claimed", _("Being called")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class Priority(models.IntegerChoices):
    LOW = 10, _("Low")
    NORMAL = 20, _("Normal")
    HIGH = 30, _("High")


class Outcome(models.TextChoices):
    """How a contact went (R7.5)."""

    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    CALL_BACK = "call_back", _("Call back later")
    BOOKED = "booked", _("Booked")
    DECLINED = "declined", _("Declined")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class DeclineReason(models.TextChoices):
    """Why the customer declined (R7.5, R7.3: the reason a lost customer stays away)."""

    NOT_NEEDED = "not_needed", _("No service needed now")
    SERVICED_ELSEWHERE = "serviced_elsewhere", _("Serviced elsewhere")
    VEHICLE_SOLD = "vehicle_sold", _("Vehicle sold")
    TOO_EXPENSIVE = "too_expensive", _("Too expensive")
    NO_TIME = "no_time", _("No time at the moment")
    DISSATISFIED = "dissatisfied", _("Not satisfied with us")
    MOVED_AWAY = "moved_away", _("Moved away")
    NO_CONTACT_WANTED = "no_contact_wanted", _("Does not want to be contacted")
    OTHER = "other", _("Other")


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")


class ContactOutcome(models.TextChoices):
    """A contact's outcome: a call's (Outcome), or a message written to the outbox."""

    MESSAGE_SENT = "message_sent", _("Message sent")
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    CALL_BACK = "call_back", _("Call back later")
    BOOKED = "booked", _("Booked")
    DECLINED = "declined", _("Declined")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


NOTE_MAX_LENGTH = 1000  # what an operator writes down during a call


class CallTask(DealershipOwned):
    """One contact that needs a person: the operators' queue is the open ones, due first.

    An operator claims a task before calling (services.call_task_claim_next): it is theirs until
    they record the outcome or the claim runs out (`claimed_until`), so two operators never call
    the same customer about the same thing at once. An unanswered call comes back at another
    time of day until `max_attempts` is reached.
    """

    kind = models.CharField(_("reason"), max_length=30, choices=TaskKind.choices)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vehicle"),
    )
    # What it is about: the no-show or the delivered appointment, the campaign, the message that
    # failed, the reply that asked for another time.
    appointment = models.ForeignKey(
        "bookings.Appointment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appointment"),
    )
    campaign = models.ForeignKey(
        "customers.Campaign",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("campaign"),
    )
    message = models.ForeignKey(
        "notifications.OutboxMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message"),
    )
    reply = models.ForeignKey(
        "notifications.InboundReply",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reply"),
    )
    due_at = models.DateTimeField(_("due"))
    # After it the call is pointless (R6.6: 10 days after the no-show; R9.1: 2 days after the
    # delivery): an open task past it is cancelled. None: no limit.
    deadline_at = models.DateTimeField(_("call before"), null=True, blank=True)
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("attempts at most"), default=3)
    # The queue's order: when the next call should be made (due_at, then the retries').
    next_attempt_at = models.DateTimeField(_("next attempt"))
    status = models.CharField(_("status"), max_length=20, choices=TaskStatus.choices, default=TaskStatus.OPEN)
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("operator"),
    )
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    call_back_at = models.DateTimeField(_("call back at"), null=True, blank=True)
    decline_reason = models.CharField(
        _("reason for declining"), max_length=30, choices=DeclineReason.choices, blank=True
    )
    note = models.TextField(
        _("note"), blank=True, max_length=NOTE_MAX_LENGTH, validators=[MaxLengthValidator(NOTE_MAX_LENGTH)]
    )
    booked_appointment = models.ForeignKey(
        "bookings.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booking made"),
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # Rule + subject + due period (rules.*_key): a scan run twice finds the first task.
    idempotency_key = models.CharField(max_length=200)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        ordering = ["next_attempt_at", "-priority", "id"]
        verbose_name = _("call task")
        verbose_name_plural = _("call tasks")
        constraints = [
            models.UniqueConstraint(fields=["dealership", "idempotency_key"], name="call_task_once"),
            models.CheckConstraint(
                condition=~Q(status="claimed") | Q(operator__isnull=False, claimed_until__isnull=False),
                name="call_task_claimed_has_operator",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="declined") | ~Q(decline_reason=""), name="call_task_decline_has_reason"
            ),
            models.CheckConstraint(
                condition=Q(attempts__lte=F("max_attempts")), name="call_task_attempts_bounded"
            ),
            models.CheckConstraint(condition=Q(max_attempts__gte=1), name="call_task_max_attempts_positive"),
            MaxLengthCheck(field="note", max_length=NOTE_MAX_LENGTH, name="call_task_note_length"),
        ]
        indexes = [
            # The queue: only the tasks still to call are in it.
            models.Index(
                fields=["dealership", "next_attempt_at", "priority"],
                condition=Q(status__in=["open", "claimed"]),
                name="call_task_queue",
            ),
            models.Index(fields=["dealership", "customer", "due_at"], name="call_task_customer"),
            models.Index(fields=["dealership", "operator", "status"], name="call_task_operator"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.status} {self.due_at:%Y-%m-%d}"

    @property
    def is_closed(self) -> bool:
        return self.status in (TaskStatus.DONE, TaskStatus.CANCELLED)


class ContactRecord(DealershipOwned):
    """One proactive contact and its outcome (R7.5): a call attempt or a message written, when,
    by whom or on which channel, and the booking it led to, for the KPIs ("reminders sent ->
    bookings made", "no-shows rebooked within 10 days", "follow-up within 2 days")."""

    kind = models.CharField(_("reason"), max_length=30, choices=TaskKind.choices)
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    vehicle = models.ForeignKey(
        "customers.Vehicle",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("vehicle"),
    )
    # The appointment it is about (the no-show, the delivered one), for the time KPIs.
    appointment = models.ForeignKey(
        "bookings.Appointment",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("appointment"),
    )
    call_task = models.ForeignKey(
        CallTask,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="contacts",
        verbose_name=_("call task"),
    )
    message = models.ForeignKey(
        "notifications.OutboxMessage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=ContactChannel.choices)
    at = models.DateTimeField(_("when"))
    operator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("operator"),
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=ContactOutcome.choices)
    decline_reason = models.CharField(
        _("reason for declining"), max_length=30, choices=DeclineReason.choices, blank=True
    )
    note = models.TextField(
        _("note"), blank=True, max_length=NOTE_MAX_LENGTH, validators=[MaxLengthValidator(NOTE_MAX_LENGTH)]
    )
    # What it led to: the booking made on the call, or made by the customer after the message.
    booked_appointment = models.ForeignKey(
        "bookings.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booking made"),
    )
    # Rule + subject + due period, as the call task's: the message of a scan run twice is
    # recorded once. Blank for call attempts (each one is recorded).
    idempotency_key = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.UniqueConstraint(
                fields=["dealership", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="contact_record_once",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="declined") | ~Q(decline_reason=""), name="contact_decline_has_reason"
            ),
            MaxLengthCheck(field="note", max_length=NOTE_MAX_LENGTH, name="contact_record_note_length"),
        ]
        indexes = [
            models.Index(fields=["dealership", "customer", "at"], name="contact_record_customer"),
            models.Index(fields=["dealership", "kind", "at"], name="contact_record_kind"),
            models.Index(fields=["dealership", "vehicle", "at"], name="contact_record_vehicle"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.channel} {self.outcome}"


class FollowupRules(DealershipOwned):
    """A dealership's follow-up rules; without a row, the manuals' defaults (R6.6, R7.1-R7.3,
    R9.1). Windows are checked by the database too: an inverted one cannot be stored."""

    first_service_enabled = models.BooleanField(_("first-service reminder"), default=True)  # R7.1
    first_service_days = models.PositiveSmallIntegerField(
        _("first service: days after the sale"), default=60, validators=[MinValueValidator(1)]
    )
    first_service_km = models.PositiveIntegerField(
        _("first service: km after the sale"), default=2000, validators=[MinValueValidator(1)]
    )
    periodic_enabled = models.BooleanField(_("periodic service reminder"), default=True)  # R7.2
    periodic_km = models.PositiveIntegerField(
        _("periodic service: every km"), default=5000, validators=[MinValueValidator(1)]
    )
    periodic_months = models.PositiveSmallIntegerField(
        _("periodic service: every months"),
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    remind_min_days = models.PositiveSmallIntegerField(
        _("remind at least days before"), default=7, validators=[MaxValueValidator(90)]
    )
    remind_max_days = models.PositiveSmallIntegerField(
        _("remind at most days before"), default=10, validators=[MaxValueValidator(90)]
    )
    lost_customer_enabled = models.BooleanField(_("lost customers"), default=True)  # R7.3
    lost_customer_days = models.PositiveSmallIntegerField(
        _("lost customer: days without a visit"), default=180, validators=[MinValueValidator(1)]
    )
    campaigns_enabled = models.BooleanField(_("campaign and recall invitations"), default=True)  # R7.4
    booking_not_made_enabled = models.BooleanField(_("bookings not made"), default=True)  # R7.6
    no_show_enabled = models.BooleanField(_("no-show follow-up"), default=True)  # R6.6
    no_show_min_days = models.PositiveSmallIntegerField(
        _("no-show: first try days after"), default=3, validators=[MaxValueValidator(60)]
    )
    no_show_max_days = models.PositiveSmallIntegerField(
        _("no-show: last try days after"), default=10, validators=[MaxValueValidator(60)]
    )
    satisfaction_enabled = models.BooleanField(_("satisfaction follow-up"), default=True)  # R9.1
    satisfaction_days = models.PositiveSmallIntegerField(
        _("satisfaction: within days after delivery"),
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    # With one reading the history gives no daily mileage: this is assumed.
    default_daily_km = models.PositiveSmallIntegerField(
        _("assumed km a day"), default=40, validators=[MinValueValidator(1), MaxValueValidator(1000)]
    )
    call_attempts = models.PositiveSmallIntegerField(
        _("call attempts"), default=3, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    retry_after_hours = models.PositiveSmallIntegerField(
        _("call again after hours"), default=26, validators=[MinValueValidator(1), MaxValueValidator(240)]
    )
    # A booking within this many days of a reminder is counted as led to by it.
    attribution_days = models.PositiveSmallIntegerField(
        _("a booking counts for a reminder within days"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    class Meta:
        verbose_name = _("follow-up rules")
        verbose_name_plural = _("follow-up rules")
        constraints = [
            models.UniqueConstraint(fields=["dealership"], name="followup_rules_one"),
            models.CheckConstraint(
                condition=Q(remind_min_days__lte=F("remind_max_days")),
                name="followup_rules_remind_window",
                violation_error_message=_(
                    "The reminder window is inverted: the earliest day comes after the latest."
                ),
            ),
            models.CheckConstraint(
                condition=Q(no_show_min_days__lte=F("no_show_max_days")),
                name="followup_rules_no_show_window",
                violation_error_message=_(
                    "The no-show window is inverted: the first try comes after the last."
                ),
            ),
            models.CheckConstraint(
                condition=Q(
                    first_service_days__gte=1,
                    first_service_km__gte=1,
                    periodic_km__gte=1,
                    periodic_months__gte=1,
                    lost_customer_days__gte=1,
                    satisfaction_days__gte=1,
                    default_daily_km__gte=1,
                    call_attempts__gte=1,
                    retry_after_hours__gte=1,
                    attribution_days__gte=1,
                ),
                name="followup_rules_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"follow-up rules of {self.dealership_id}"


SCRIPT_MAX_LENGTH = 2000  # what an operator reads out on one call


class CallScript(DealershipOwned):
    """A dealership's own script for one kind of call in one language; without one, the
    product's default (followups.scripts.default_script) is shown."""

    kind = models.CharField(_("reason"), max_length=30, choices=TaskKind.choices)
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    text = models.TextField(
        _("script"), max_length=SCRIPT_MAX_LENGTH, validators=[MaxLengthValidator(SCRIPT_MAX_LENGTH)]
    )

    class Meta:
        verbose_name = _("call script")
        verbose_name_plural = _("call scripts")
        constraints = [
            models.UniqueConstraint(fields=["dealership", "kind", "language"], name="call_script_unique"),
            MaxLengthCheck(field="text", max_length=SCRIPT_MAX_LENGTH, name="call_script_text_length"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.language})"


COMMENT_MAX_LENGTH = 1000


class SatisfactionResponse(DealershipOwned):
    """The customer's answer after the delivery (R9.1): a 1-5 score, a comment, whether it
    raises a concern; a concern goes to the appointment's advisor until handled."""

    appointment = models.ForeignKey(
        "bookings.Appointment", on_delete=models.CASCADE, related_name="+", verbose_name=_("appointment")
    )
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    call_task = models.ForeignKey(
        CallTask,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("call task"),
    )
    channel = models.CharField(_("channel"), max_length=20, choices=ContactChannel.choices)
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    comment = models.TextField(
        _("comment"),
        blank=True,
        max_length=COMMENT_MAX_LENGTH,
        validators=[MaxLengthValidator(COMMENT_MAX_LENGTH)],
    )
    concern = models.BooleanField(_("raises a concern"), default=False)
    advisor = models.ForeignKey(
        "workshop.Advisor",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("advisor"),
    )
    responded_at = models.DateTimeField(_("answered"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    concern_handled_at = models.DateTimeField(_("concern handled"), null=True, blank=True)

    class Meta:
        ordering = ["-responded_at", "-id"]
        verbose_name = _("satisfaction answer")
        verbose_name_plural = _("satisfaction answers")
        constraints = [
            models.UniqueConstraint(fields=["dealership", "appointment"], name="satisfaction_once"),
            models.CheckConstraint(condition=Q(score__gte=1, score__lte=5), name="satisfaction_score_range"),
            MaxLengthCheck(
                field="comment", max_length=COMMENT_MAX_LENGTH, name="satisfaction_comment_length"
            ),
        ]
        indexes = [
            models.Index(
                fields=["dealership", "advisor"],
                condition=Q(concern=True, concern_handled_at__isnull=True),
                name="satisfaction_open_concern",
            )
        ]

    def __str__(self) -> str:
        return f"{self.score}/5 {self.appointment_id}"
