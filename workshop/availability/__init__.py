"""The availability engine: a capacity snapshot and a request in, ranked proposals out.

Pure: no ORM, no settings, no clock (`now` is passed in). Instants are aware datetimes in UTC,
so arithmetic and comparisons on them are absolute (Python compares two datetimes of one zone
by their wall-clock reading, which is wrong across a DST change). Wall-clock rules (opening
hours, the 16:30 evening drop-off, peak hours, the kept-free quarter of each hour) are read in
the dealership's zone, so the engine is right on DST days. Rules: R4.1-R4.8, R2.3, R3.1.

`values` holds what goes in and comes out, `rules` the offer and the check of one time,
`load` the load figures, `minutes` the minute sets an advisor's day is read with; this module
is their one public face.
"""

from workshop.availability.load import AdvisorLoad, DayLoad, SkillLoad, day_loads
from workshop.availability.minutes import day_start, minute_bits, run_starts
from workshop.availability.rules import (
    OTHER_PERIOD_WITHIN,
    confirm,
    days_after_drop_off,
    high_load,
    kept_free_quarters,
    offer_slots,
)
from workshop.availability.values import (
    MINUTE,
    AdvisorDay,
    CapacityDay,
    DoubleOffer,
    Interval,
    JobLine,
    MinuteSet,
    NoCapacity,
    Period,
    Policy,
    Proposal,
    Reason,
    Refusal,
    SlotRequest,
    Snapshot,
)

__all__ = [
    "MINUTE",
    "OTHER_PERIOD_WITHIN",
    "AdvisorDay",
    "AdvisorLoad",
    "CapacityDay",
    "DayLoad",
    "DoubleOffer",
    "Interval",
    "JobLine",
    "MinuteSet",
    "NoCapacity",
    "Period",
    "Policy",
    "Proposal",
    "Reason",
    "Refusal",
    "SkillLoad",
    "SlotRequest",
    "Snapshot",
    "confirm",
    "day_loads",
    "day_start",
    "days_after_drop_off",
    "high_load",
    "kept_free_quarters",
    "minute_bits",
    "offer_slots",
    "run_starts",
]
