"""Idempotency-Key: a retried request gets the first answer back instead of a second booking."""

from collections.abc import Callable
from typing import Any

from django.db import transaction

from bookings.models import IdempotencyKey
from config.errors import IdempotencyKeyReused
from dealerships.models import Dealership

# The answer as stored in a JSONField and sent back: whatever JSON the action produced.
JsonObject = dict[str, Any]


def idempotent(
    *,
    dealership: Dealership,
    key: str | None,
    request_hash: str,
    action: Callable[[], tuple[int, JsonObject]],
) -> tuple[int, JsonObject]:
    """Run `action` (which only writes to the database, and returns status and body) once per
    Idempotency-Key.

    A retry with the same key and the same request gets the first answer back; with another
    request, IdempotencyKeyReused. The key is stored in the action's transaction, and a first
    request does not read it first: a retry runs into what the first run wrote (the time it
    booked is taken, or the key is), its own writes are rolled back, and it is answered from the
    stored key. Two concurrent retries cannot both book: the second waits on the day lock or the
    unique key, then replays. The action always runs in this block's transaction, which an error
    rolls back whole: the services it calls need no savepoint of their own.
    """
    if not key:
        with transaction.atomic():
            return action()
    try:
        with transaction.atomic():
            status, body = action()
            IdempotencyKey.objects.create(
                dealership=dealership,
                key=key,
                request_hash=request_hash,
                response_status=status,
                response_body=body,
            )
            return status, body
    except Exception:
        stored = _stored_answer(dealership, key)
        if stored is None:
            raise  # a first request that failed: its own error
    stored_hash, status, body = stored
    if stored_hash != request_hash:
        raise IdempotencyKeyReused(field="idempotency_key")
    return status, body


def _stored_answer(dealership: Dealership, key: str) -> tuple[str, int, JsonObject] | None:
    rows = IdempotencyKey.objects.for_dealership(dealership).filter(key=key)
    return rows.values_list("request_hash", "response_status", "response_body").first()
