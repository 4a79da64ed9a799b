"""Minutes of one local day as the bits of an int: how the engine holds the receptions taken
with an advisor, so that checking a time, or a whole day, costs a few integer operations
however many receptions there are.

Bit n stands for the minute that starts n minutes after the day does (its local midnight, as
an instant): a day the clocks change is as long as it really is. A stretch covers every minute
it touches. Receptions start and end on whole minutes (the slot grid, a reception time in
minutes), so for them the set is exact; a stretch off the minute could only block more.
"""

from datetime import UTC, date, datetime, time
from functools import lru_cache
from zoneinfo import ZoneInfo

from workshop.availability.values import MINUTE, MinuteSet


@lru_cache(maxsize=8192)
def day_start(day: date, tz: ZoneInfo) -> datetime:
    """The instant (UTC) the local day starts: the origin of its minute sets."""
    return datetime.combine(day, time(), tzinfo=tz).astimezone(UTC)


def minute_bits(start: datetime, end: datetime, origin: datetime) -> MinuteSet:
    """The minutes from `start` to `end` (every minute touched) of the day starting at `origin`."""
    if end <= start:
        return 0
    first = max(0, (start - origin) // MINUTE)
    last = -((origin - end) // MINUTE)  # rounded up
    if last <= first:
        return 0
    return ((1 << (last - first)) - 1) << first


def run_starts(minutes: MinuteSet, length: int) -> MinuteSet:
    """The minutes at which `length` minutes of the set in a row begin: where a reception of
    that length fits. Doubling the run each step: a handful of operations for any length."""
    covered = 1
    while covered * 2 <= length:
        minutes &= minutes >> covered
        covered *= 2
    if covered < length:
        minutes &= minutes >> (length - covered)
    return minutes
