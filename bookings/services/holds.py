"""Holding a time for a few minutes while an online customer confirms (R9.5)."""

from datetime import datetime, timedelta

from django.db import transaction

from bookings.models import SlotHold
from bookings.services.booking import capacity_take
from dealerships.models import Dealership
from workshop.availability import SlotRequest

HOLD_MINUTES = 5


@transaction.atomic
def slot_hold(
    *,
    dealership: Dealership,
    holder: str,
    request: SlotRequest,
    advisor_id: int,
    drop_off: datetime,
    now: datetime,
) -> SlotHold:
    """Hold the chosen time for an online customer for a few minutes (R9.5), or raise SlotTaken.

    Checked like a booking, under the same day lock, and replacing the customer's earlier hold.
    A hold is not written in the capacity ledger: it stops counting when it expires, with no
    change to write then, so the loader reads the live holds beside the ledger (bookings.ledger).
    """
    proposal = capacity_take(
        dealership=dealership,
        request=request,
        advisor_id=advisor_id,
        drop_off=drop_off,
        now=now,
        holder=holder,
    ).proposal
    SlotHold.objects.for_dealership(dealership).filter(holder=holder).delete()
    return SlotHold.objects.create(
        dealership=dealership,
        holder=holder,
        advisor_id=proposal.advisor_id,
        local_day=proposal.day,
        drop_off_at=proposal.drop_off,
        reception_ends_at=proposal.reception_end,
        expires_at=now + timedelta(minutes=HOLD_MINUTES),
    )
