"""The satisfaction answers of R9.1, from the link, an SMS reply or the operator, and the
concerns they raise for the advisor."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from bookings.models import Appointment
from dealerships.models import Dealership, User
from dealerships.ownership import ensure_owned_by
from followups.models import (
    COMMENT_MAX_LENGTH,
    CallTask,
    ContactChannel,
    SatisfactionResponse,
)

# --- Satisfaction (R9.1) ----------------------------------------------------------------------

# A score at or below this is a concern for the advisor, whatever the customer ticked.
CONCERN_AT_MOST = 2


def satisfaction_record(
    *,
    dealership: Dealership,
    appointment: Appointment,
    score: int,
    comment: str,
    concern: bool,
    channel: str,
    now: datetime,
    recorded_by: User | None = None,
    call_task: CallTask | None = None,
) -> SatisfactionResponse:
    """The customer's answer after the delivery; a concern (or a low score) goes to the advisor."""
    ensure_owned_by(dealership, appointment, call_task)
    errors: dict[str, Any] = {}
    if isinstance(score, bool) or not 1 <= score <= 5:
        errors["score"] = _("Give a score from 1 to 5.")
    if len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = _("At most %(count)d characters.") % {"count": COMMENT_MAX_LENGTH}
    if channel not in ContactChannel.values:
        errors["channel"] = _("Choose a channel from the list.")
    if SatisfactionResponse.objects.for_dealership(dealership).filter(appointment=appointment).exists():
        errors["appointment"] = _("This visit has been rated already.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        return SatisfactionResponse.objects.create(
            dealership=dealership,
            appointment=appointment,
            customer_id=appointment.customer_id,
            call_task=call_task,
            channel=channel,
            score=score,
            comment=comment.strip(),
            concern=concern or score <= CONCERN_AT_MOST,
            advisor_id=appointment.advisor_id,
            responded_at=now,
            recorded_by=recorded_by,
        )


def satisfaction_concern_handle(
    *, dealership: Dealership, response: SatisfactionResponse, now: datetime
) -> SatisfactionResponse:
    """The advisor has dealt with the concern."""
    ensure_owned_by(dealership, response)
    if not response.concern:
        raise ValidationError({"response": _("This answer raises no concern.")})
    if response.concern_handled_at is None:
        response.concern_handled_at = now
        response.save(update_fields=["concern_handled_at", "updated_at"])
    return response
