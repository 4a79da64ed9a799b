"""The advisor's inbox: a reply a person must read, or a message that could not be delivered,
marked handled once someone has dealt with it (by the inbox's button, or by closing the call
task made for it)."""

from collections.abc import Collection
from datetime import datetime

from dealerships.models import Dealership
from notifications.models import InboundReply, MessageStatus, OutboxMessage


def replies_mark_handled(*, dealership: Dealership, reply_ids: Collection[int], now: datetime) -> int:
    """The dealership's replies among `reply_ids` still waiting leave the inbox; how many did."""
    if not reply_ids:
        return 0
    return (
        InboundReply.objects.for_dealership(dealership)
        .filter(id__in=reply_ids, handled_at=None)
        .update(handled_at=now, updated_at=now)
    )


def reply_mark_handled(*, dealership: Dealership, reply_id: int, now: datetime) -> bool:
    """The reply leaves the inbox; False when the dealership has no such reply waiting."""
    return replies_mark_handled(dealership=dealership, reply_ids=[reply_id], now=now) == 1


def failures_mark_handled(*, dealership: Dealership, message_ids: Collection[int], now: datetime) -> int:
    """The dealership's failed messages among `message_ids` still waiting leave the inbox; how
    many did (a message that did not fail is no inbox item: it is left alone)."""
    if not message_ids:
        return 0
    return (
        OutboxMessage.objects.for_dealership(dealership)
        .filter(id__in=message_ids, status=MessageStatus.FAILED, failure_handled_at=None)
        .update(failure_handled_at=now, updated_at=now)
    )


def failure_mark_handled(*, dealership: Dealership, message_id: int, now: datetime) -> bool:
    """The failed message leaves the inbox; False when the dealership has no such failure waiting."""
    return failures_mark_handled(dealership=dealership, message_ids=[message_id], now=now) == 1
