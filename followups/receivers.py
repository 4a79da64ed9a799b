"""What the lower layers announce and ask here: the booking services' signals (bookings.signals,
connected in followups.apps), run inside the change's transaction, so a follow-up commits or
rolls back with it; and the customers' answers to the satisfaction question by reply, taken for
the inbound replies (notifications.satisfaction_hooks, registered in followups.apps)."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError

from bookings.models import Appointment, AppointmentStatus
from dealerships.models import Dealership
from followups.models import COMMENT_MAX_LENGTH, ContactChannel, ContactRecord, TaskKind
from followups.services import attribution, contacts, satisfaction
from notifications.models import OutboxMessage, ReplyOutcome
from notifications.satisfaction_hooks import SatisfactionAnswers


def appointment_booked(sender: object, *, appointment: Appointment, now: datetime, **kwargs: Any) -> None:
    """A booking after a reminder is counted as led to by it (R7.5's KPIs)."""
    attribution.booking_attribute(appointment=appointment, now=now)


def appointment_status_changed(
    sender: object, *, appointment: Appointment, previous_status: str, now: datetime, **kwargs: Any
) -> None:
    if appointment.status == AppointmentStatus.NO_SHOW:
        contacts.no_show_followups_write(appointment=appointment, now=now)  # R6.6
    elif appointment.status == AppointmentStatus.DELIVERED:
        contacts.satisfaction_followup_write(appointment=appointment, now=now)  # R9.1


class SatisfactionReplies(SatisfactionAnswers):
    """R9.1 by SMS: the score and comment of a reply to the satisfaction question are the
    customer's answer about the visit the question was written for (its contact record)."""

    def record(
        self,
        *,
        dealership: Dealership,
        message: OutboxMessage,
        score: int,
        comment: str,
        now: datetime,
    ) -> ReplyOutcome | None:
        visit = ContactRecord.objects.for_dealership(dealership).filter(
            message_id=message.id, kind=TaskKind.SATISFACTION, customer_id=message.customer_id
        )
        appointment = (
            Appointment.objects.for_dealership(dealership)
            .filter(id__in=visit.values("appointment_id"))
            .first()
        )
        if appointment is None:
            return None
        try:
            answer = satisfaction.satisfaction_record(
                dealership=dealership,
                appointment=appointment,
                score=score,
                comment=comment[:COMMENT_MAX_LENGTH],
                concern=False,  # an SMS has no box to tick: a low score is the concern
                channel=ContactChannel.SMS,
                now=now,
            )
        except (ValidationError, IntegrityError):  # rated already (by its link, or just now)
            return None
        return ReplyOutcome.SATISFACTION_CONCERN if answer.concern else ReplyOutcome.SATISFACTION_ANSWERED
