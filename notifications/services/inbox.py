"""The advisor's inbox: a reply a person must read, or a message that could not be delivered,
marked handled once someone has dealt with it."""

from datetime import datetime

from dealerships.models import Dealership
from notifications.models import InboundReply, MessageStatus, OutboxMessage


def reply_mark_handled(*, dealership: Dealership, reply_id: int, now: datetime) -> bool:
    """The reply leaves the inbox; False when the dealership has no such reply waiting."""
    return (
        InboundReply.objects.for_dealership(dealership)
        .filter(id=reply_id, handled_at=None)
        .update(handled_at=now, updated_at=now)
        == 1
    )


def failure_mark_handled(*, dealership: Dealership, message_id: int, now: datetime) -> bool:
    """The failed message leaves the inbox; False when the dealership has no such failure waiting."""
    return (
        OutboxMessage.objects.for_dealership(dealership)
        .filter(id=message_id, status=MessageStatus.FAILED, failure_handled_at=None)
        .update(failure_handled_at=now, updated_at=now)
        == 1
    )
