"""Who made a change, as the historical row records it."""

from typing import Any, Protocol

from simple_history.models import HistoricalRecords

from audit.models import Actor


class _HistoricalRow(Protocol):
    history_user_id: int | None
    history_actor: str


def actor_record(sender: type, history_instance: _HistoricalRow, **kwargs: Any) -> None:
    """Staff when a user is known; the customer when an anonymous request made the change (the
    self-booking pages, a reply to a message); the system otherwise (tasks, commands)."""
    if history_instance.history_user_id is not None:
        history_instance.history_actor = Actor.STAFF
        return
    request = getattr(HistoricalRecords.context, "request", None)
    history_instance.history_actor = Actor.CUSTOMER if request is not None else Actor.SYSTEM
