"""The booking rules over a snapshot: the double offer (R4.1-R4.8, R2.3, R3.1) and the check of
one chosen time under the booking's locks."""

from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from workshop.availability.minutes import day_start, minute_bits, run_starts
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


def days_after_drop_off(request: SlotRequest) -> int:
    """How many days past the drop-off day a snapshot must reach for the request's labour to be
    laid out (R3.1, R4.8), a weekend included."""
    return 3 + request.labour_minutes // 240


def offer_slots(
    snapshot: Snapshot, request: SlotRequest, *, now: datetime, not_before: datetime | None = None
) -> DoubleOffer:
    """Return the double offer and the alternatives for the request (R4.1-R4.8, R2.3, R3.1).

    The first proposal is the earliest that fits (R4.1); the second is the earliest of the
    other period, quiet or busy, within a week of the first, else the next time (R4.4).
    With `not_before`, the same offer from that time on: the next times after one just taken.
    NoCapacity, saying what ran out, when nothing fits.
    """
    if request.labour_minutes <= 0:
        raise ValueError("a request needs labour")
    tz = snapshot.tz
    now = now.astimezone(UTC)
    end_of_today = _instant(now.astimezone(tz).date() + timedelta(days=1), time(), tz)
    if request.comeback:
        deadline = now + snapshot.policy.comeback_window
        # R2.3: within the window on ordinary time first, then on kept-free time if needed.
        found = _earliest(snapshot, request, now=now, not_before=not_before, until=deadline)
        if not found:
            found = _earliest(
                snapshot, request, now=now, not_before=not_before, until=deadline, kept_free_until=deadline
            )
        found = [_with_reason(p, Reason.COMEBACK_WITHIN_WINDOW) for p in found]
        if len(found) < 2 + request.alternatives:
            after_window = max(deadline, not_before) if not_before is not None else deadline
            later = _earliest(snapshot, request, now=now, not_before=after_window)
            found += [_with_reason(p, Reason.COMEBACK_WINDOW_MISSED) for p in later]
    else:
        # R4.6: urgent work may take today's kept-free time, and only today's.
        kept_free_until = end_of_today if request.urgent else None
        found = _earliest(snapshot, request, now=now, not_before=not_before, kept_free_until=kept_free_until)
    if not found:
        raise NoCapacity(_shortfall(snapshot, request, now=now, not_before=not_before))
    offer = _double_offer(found, request.alternatives)
    if request.labour_minutes >= snapshot.policy.full_day_labour_minutes:
        offer += _other_drop_off(snapshot, request, offer, now=now, not_before=not_before)
    if request.wished_day is not None and all(p.day != request.wished_day for p in offer):
        wished = _instant(request.wished_day, time(), tz)
        if not_before is not None and (wished is None or wished < not_before):
            wished = not_before  # the same offer from that time on: nothing earlier
        on_wished_day = next(_candidates(snapshot, request, now=now, not_before=wished), None)
        if on_wished_day is not None and on_wished_day.day == request.wished_day:
            offer.append(_with_reason(on_wished_day, Reason.WISHED_DAY))
    return DoubleOffer(proposals=tuple(offer))


def _other_drop_off(
    snapshot: Snapshot,
    request: SlotRequest,
    offer: list[Proposal],
    *,
    now: datetime,
    not_before: datetime | None,
) -> list[Proposal]:
    """R4.5: a full-day job is offered the evening drop-off and the morning times, so an offer
    holding only one of them gets the earliest of the other, within a week of its first time."""
    has_evening = [Reason.EVENING_DROP_OFF in p.reasons for p in offer]
    if any(has_evening) and not all(has_evening):
        return []  # both already
    wanted_evening = not has_evening[0]
    until = offer[0].drop_off + OTHER_PERIOD_WITHIN
    kept_free_until = None
    if request.comeback:
        kept_free_until = now + snapshot.policy.comeback_window
    elif request.urgent:
        tz = snapshot.tz
        kept_free_until = _instant(now.astimezone(tz).date() + timedelta(days=1), time(), tz)
    for proposal in _candidates(
        snapshot, request, now=now, not_before=not_before, until=until, kept_free_until=kept_free_until
    ):
        if proposal.drop_off <= offer[0].drop_off:
            continue  # a comeback's earlier kept-free time: the first stays the earliest
        if (Reason.EVENING_DROP_OFF in proposal.reasons) is wanted_evening:
            return [_with_reason(proposal, Reason.ALTERNATIVE)]
    return []


def confirm(
    snapshot: Snapshot, request: SlotRequest, *, advisor_id: int, drop_off: datetime, now: datetime
) -> Proposal:
    """The proposal for exactly this advisor and drop-off time, if the snapshot still allows it
    under the rules offer_slots applies; NoCapacity saying why otherwise. The booking service
    calls it under its locks, so what is written is what the rules allow now, not when it was
    offered. The snapshot's last day is the last the work may run to."""
    policy, tz = snapshot.policy, snapshot.tz
    now, drop_off = now.astimezone(UTC), drop_off.astimezone(UTC)
    today = now.astimezone(tz).date()
    if drop_off < now:
        raise NoCapacity(Refusal.PASSED)
    kept_free_until = None
    if request.comeback:
        kept_free_until = now + policy.comeback_window
    elif request.urgent:
        kept_free_until = _instant(today + timedelta(days=1), time(), tz)
    local_day = drop_off.astimezone(tz).date()
    index = next((i for i, d in enumerate(snapshot.days) if d.day == local_day), None)
    if index is None or local_day < today:
        raise NoCapacity(Refusal.NOT_A_SLOT)
    plan = _day_plan(snapshot, index, request, today=today)
    if isinstance(plan, Refusal):
        raise NoCapacity(plan)
    if drop_off not in plan.starts:
        raise NoCapacity(_off_plan_refusal(plan, drop_off, policy, tz))
    pinned = replace(request, advisor_id=advisor_id, windows=(), wished_day=None)
    by_day = {d.day: d for d in snapshot.days}
    outcome = _fit(snapshot, pinned, plan, drop_off, kept_free_until=kept_free_until, by_day=by_day)
    if isinstance(outcome, Proposal) and outcome.advisor_id == advisor_id:
        return outcome
    # Said for the advisor chosen first: that another advisor is free then does not help.
    chosen = next((a for a in plan.capacity_day.advisors if a.advisor_id == advisor_id), None)
    if chosen is None:
        raise NoCapacity(Refusal.ADVISOR_NOT_RECEIVING)
    reception = Interval(start=drop_off, end=drop_off + policy.reception_minutes * MINUTE)
    may_use_kept_free = kept_free_until is not None and drop_off < kept_free_until
    why_not, _on_kept_free = _advisor_refusal(
        chosen,
        reception,
        minute_bits(reception.start, reception.end, plan.origin),
        pinned,
        policy,
        tz,
        plan,
        kept_free=may_use_kept_free,
    )
    if why_not is not None:
        raise NoCapacity(why_not)
    if isinstance(outcome, Refusal):
        raise NoCapacity(outcome)
    # The chosen advisor is free only on their kept-free quarter while another has ordinary
    # time then: the offer would give the other one, and the quarter stays kept (R4.3).
    raise NoCapacity(Refusal.KEPT_FREE)


def _off_plan_refusal(plan: "DayPlan", drop_off: datetime, policy: Policy, tz: ZoneInfo) -> Refusal:
    """Why a drop-off time is not among the day's times for the request."""
    if not plan.full_day or drop_off not in _slot_starts(plan.capacity_day, policy, tz):
        return Refusal.NOT_A_SLOT
    clock = drop_off.astimezone(tz).time()
    if clock < min(policy.morning_drop_off_until, policy.evening_drop_off):
        return plan.morning_refusal or Refusal.NOT_A_SLOT
    if clock >= policy.evening_drop_off and plan.work_day is None:
        return Refusal.WORK_PAST_LAST_DAY
    # R4.5: a full-day job is dropped off in the morning or in the evening, not in between.
    return Refusal.EVENING_DROP_OFF_ONLY


OTHER_PERIOD_WITHIN = timedelta(days=7)


@dataclass(slots=True)
class _StillWanted:
    """What the collection still looks for, which the walk of the times is told: once the
    proposals wanted are there and all of one period, only one of the other period, within a
    week of the first, can change the offer (R4.4)."""

    period: Period | None = None
    until: datetime | None = None


def _earliest(
    snapshot: Snapshot,
    request: SlotRequest,
    *,
    now: datetime,
    not_before: datetime | None = None,
    until: datetime | None = None,
    kept_free_until: datetime | None = None,
) -> list[Proposal]:
    """The proposals the offer is made of (_collect), walking the times (_candidates)."""
    still = _StillWanted()
    candidates = _candidates(
        snapshot,
        request,
        now=now,
        not_before=not_before,
        until=until,
        kept_free_until=kept_free_until,
        still=still,
    )
    return _collect(candidates, request.alternatives, still)


def _collect(candidates: Iterator[Proposal], alternatives: int, still: _StillWanted) -> list[Proposal]:
    """Proposals with distinct drop-off times, in time order, until the offer is complete:
    both periods present (or a week passed since the first) and the alternatives found. The
    ones of the period already present that come after the proposals wanted change nothing
    (_double_offer takes the alternatives from the earliest): `still` has the walk skip them."""
    wanted = 2 + max(0, alternatives)
    taken: list[Proposal] = []
    seen: set[datetime] = set()
    for proposal in candidates:
        if proposal.drop_off in seen:
            continue
        if len(taken) >= wanted and proposal.drop_off - taken[0].drop_off > OTHER_PERIOD_WITHIN:
            break
        seen.add(proposal.drop_off)
        taken.append(proposal)
        periods = {p.period for p in taken}
        if len(taken) >= wanted and periods == set(Period):
            break
        if len(taken) >= wanted and still.period is None:
            (present,) = periods
            still.period = Period.QUIET if present is Period.BUSY else Period.BUSY
            still.until = taken[0].drop_off + OTHER_PERIOD_WITHIN
    return taken


def _double_offer(found: list[Proposal], alternatives: int) -> list[Proposal]:
    first = _with_reason(found[0], Reason.EARLIEST)
    other = next((p for p in found[1:] if p.period is not first.period), None)
    if other is None and len(found) > 1:
        other = found[1]
    offer = [first] + ([other] if other is not None else [])
    rest = [p for p in found[1:] if p is not other]
    return offer + [_with_reason(p, Reason.ALTERNATIVE) for p in rest[: max(0, alternatives)]]


def _with_reason(proposal: Proposal, reason: Reason) -> Proposal:
    if reason in proposal.reasons:
        return proposal
    return replace(proposal, reasons=(reason, *proposal.reasons))


# The refusals that say an advisor could not receive the customer: an offer that finds nothing
# for these reasons found the receptions full.
ADVISOR_REFUSALS = frozenset(
    {
        Refusal.ADVISOR_NOT_RECEIVING,
        Refusal.TAKEN,
        Refusal.KEPT_FREE,
        Refusal.ADVISOR_FULL,
    }
)


@dataclass(frozen=True, kw_only=True, slots=True)
class DayPlan:
    """One day's drop-off times for the request and the days its work starts on."""

    index: int  # the day's place in the snapshot
    capacity_day: CapacityDay
    origin: datetime  # where the day starts: the origin of its minute sets
    starts: tuple[datetime, ...]
    full_day: bool
    # R4.5: a full-day job dropped off from here on is worked on from the next open day
    # (`work_day`); before it, the morning times, from the drop-off on. None: no evening times.
    evening_from: datetime | None
    work_day: CapacityDay | None
    work_day_index: int | None
    same_day: bool  # a drop-off before `evening_from` has its work today (R4.4)
    busy: bool  # R4.4: booked to the load threshold, so every time of it is busy
    # Why a full-day job has no morning time on the day (the same-day rule), if it has none.
    morning_refusal: Refusal | None = None
    # The advisors in the order they are asked, by the preferred advisor's id (_best_advisor).
    orderings: dict[int | None, tuple[AdvisorDay, ...]] = field(default_factory=dict)

    def is_evening(self, start: datetime) -> bool:
        return self.evening_from is not None and start >= self.evening_from


def _day_plan(snapshot: Snapshot, index: int, request: SlotRequest, *, today: date) -> DayPlan | Refusal:
    """The drop-off times of the snapshot's day `index` for the request, or why there are none."""
    policy, tz, days = snapshot.policy, snapshot.tz, snapshot.days
    capacity_day = days[index]
    if not capacity_day.opening:
        return Refusal.CLOSED_DAY
    grid = _slot_starts(capacity_day, policy, tz)
    # R4.4: no work on the day of the booking unless the policy or the urgency allows it
    # (a drop-off this evening for work tomorrow is not a same-day booking).
    same_day = capacity_day.day == today
    same_day_refused = same_day and not (policy.same_day_allowed or request.urgent or request.comeback)
    full_day = request.labour_minutes >= policy.full_day_labour_minutes
    evening_from: datetime | None = None
    work_day: CapacityDay | None = None
    work_day_index: int | None = None
    morning_refusal: Refusal | None = None
    if full_day:
        # R4.5: a full-day job is dropped off the evening before its first work day, or in the
        # morning (the guide's "tomorrow 9:30 or 10:30"), when the day's work is still ahead.
        work_day_index = next((i for i in range(index + 1, len(days)) if days[i].opening), None)
        work_day = days[work_day_index] if work_day_index is not None else None
        evening = _evening_starts(grid, policy.evening_drop_off, tz) if work_day is not None else ()
        if evening:
            evening_from = evening[0]
        morning = _morning_starts(grid, policy.morning_drop_off_until, policy.evening_drop_off, tz)
        if same_day_refused:
            morning, morning_refusal = (), Refusal.SAME_DAY
        starts = morning + evening
        if not starts:
            return Refusal.SAME_DAY if same_day_refused and work_day else Refusal.WORK_PAST_LAST_DAY
    else:
        if same_day_refused:
            return Refusal.SAME_DAY
        starts = grid
    return DayPlan(
        index=index,
        capacity_day=capacity_day,
        origin=day_start(capacity_day.day, tz),
        starts=starts,
        full_day=full_day,
        evening_from=evening_from,
        work_day=work_day,
        work_day_index=work_day_index,
        same_day=same_day,
        busy=high_load(capacity_day, policy),
        morning_refusal=morning_refusal,
    )


def _candidates(
    snapshot: Snapshot,
    request: SlotRequest,
    *,
    now: datetime,
    not_before: datetime | None = None,
    until: datetime | None = None,
    kept_free_until: datetime | None = None,
    refusals: Counter[Refusal] | None = None,
    still: _StillWanted | None = None,
) -> Iterator[Proposal]:
    """Every proposal that fits, in time order: one per drop-off time, the best advisor for it.
    `refusals` counts why the times that do not fit were refused.

    A day on which no advisor has room for the request (each at their maximum, or without a
    free stretch of the reception's length on the grid) is passed over in a few integer
    operations per advisor, so a fully booked horizon costs what its days cost, whatever the
    number of receptions in it. `still` says what the collection still wants (_collect): the
    times that cannot change the offer are passed over too."""
    policy, tz = snapshot.policy, snapshot.tz
    today = now.astimezone(tz).date()
    earliest = max(now, not_before) if not_before is not None else now
    by_day = {d.day: d for d in snapshot.days}
    for index, capacity_day in enumerate(snapshot.days):
        if capacity_day.day < today:
            continue
        if still is not None and still.until is not None and day_start(capacity_day.day, tz) > still.until:
            return
        if refusals is None and not _anyone_may_take(
            capacity_day, request, tz, kept_free_until=kept_free_until
        ):
            continue  # every advisor at the maximum: not even the day's times are needed
        plan = _day_plan(snapshot, index, request, today=today)
        if isinstance(plan, Refusal):
            if refusals is not None:
                refusals[plan] += 1
            continue
        wanted_period = still.period if still is not None else None
        if wanted_period is not None and still is not None and still.until is not None:
            if plan.starts and plan.starts[0] > still.until:
                return
            if plan.busy and wanted_period is Period.QUIET:
                continue  # a busy day has no quiet time
        if not _day_has_room(plan, request, policy, tz, kept_free_until=kept_free_until):
            if refusals is None:
                if until is not None and plan.starts and plan.starts[-1] >= until:
                    return  # no later time can be offered either
                continue
            if not _online_cap_may_refuse(plan.capacity_day, request):
                # Every time of the day is refused for its advisors: counted without asking each.
                for start in plan.starts:
                    if start < earliest:
                        continue
                    if until is not None and start >= until:
                        return
                    if request.windows and not _within_windows(start, request, policy):
                        refusals[Refusal.OUTSIDE_WINDOW] += 1
                    else:
                        refusals[Refusal.FULLY_BOOKED] += 1
                continue
        for start in plan.starts:
            if start < earliest:
                continue
            if until is not None and start >= until:
                return
            if still is not None and still.period is not None and still.until is not None:
                if start > still.until:
                    return
                if _period(plan, start, policy, tz) is not still.period:
                    continue
            outcome = _fit(snapshot, request, plan, start, kept_free_until=kept_free_until, by_day=by_day)
            if isinstance(outcome, Proposal):
                yield outcome
            elif refusals is not None:
                refusals[outcome] += 1


def _period(plan: DayPlan, start: datetime, policy: Policy, tz: ZoneInfo) -> Period:
    """R4.4: a drop-off in the peak hours or on a busy day is a busy one."""
    local_time = start.astimezone(tz).time()
    in_peak_hours = any(first <= local_time < last for first, last in policy.peak_hours)
    return Period.BUSY if in_peak_hours or plan.busy else Period.QUIET


def _within_windows(start: datetime, request: SlotRequest, policy: Policy) -> bool:
    reception = Interval(start=start, end=start + policy.reception_minutes * MINUTE)
    return any(w.contains(reception) for w in request.windows)


def _day_has_room(
    plan: DayPlan, request: SlotRequest, policy: Policy, tz: ZoneInfo, *, kept_free_until: datetime | None
) -> bool:
    """Whether an advisor might receive the customer at one of the day's drop-off times: False
    only when none can (so the day need not be walked time by time). Per advisor: under the
    maximum (or allowed past it) with a free stretch of the reception's length starting on the
    grid, away from the kept-free quarters; or, for work that may use them, a free stretch at
    all. Shifts are read as one set of minutes, so two shifts that touch may pass here and be
    refused time by time: the answer may be a false yes, never a false no."""
    if not plan.starts:
        return False
    may_use_kept_free = kept_free_until is not None and plan.starts[0] < kept_free_until
    starts: MinuteSet | None = None
    for advisor in plan.capacity_day.advisors:
        ordinary = _may_take_ordinary_time(advisor, request)
        if not advisor.shifts or not (ordinary or may_use_kept_free):
            continue  # at the maximum, and the kept-free quarters are not for this request
        if starts is None:
            starts = _start_bits(plan.starts, plan.origin)
        free = _shift_bits(advisor.shifts, plan.origin) & ~advisor.booked
        kept = _kept_bits(advisor, policy, tz, plan)
        if ordinary and run_starts(free & ~kept, policy.reception_minutes) & starts:
            return True
        if may_use_kept_free and kept and run_starts(free, policy.reception_minutes) & starts:
            return True
    return False


def _anyone_may_take(
    capacity_day: CapacityDay, request: SlotRequest, tz: ZoneInfo, *, kept_free_until: datetime | None
) -> bool:
    """The part of _day_has_room that needs no time of the day: an advisor with places left
    for the request, or kept-free time it may use."""
    if kept_free_until is not None and day_start(capacity_day.day, tz) < kept_free_until:
        return any(advisor.shifts for advisor in capacity_day.advisors)
    return any(
        advisor.shifts and _may_take_ordinary_time(advisor, request) for advisor in capacity_day.advisors
    )


def _may_take_ordinary_time(advisor: AdvisorDay, request: SlotRequest) -> bool:
    """R4.2, R9.5: the advisor's places for the request are not all taken."""
    if request.beyond_maximum:
        return True
    if advisor.booked_customers >= advisor.max_customers:
        return False
    return not (request.online and advisor.booked_online >= advisor.max_online)


def _online_cap_may_refuse(capacity_day: CapacityDay, request: SlotRequest) -> bool:
    """Whether some time of the day could be refused because the online places are taken
    (R9.5) rather than because the advisors are: then the refusals are counted time by time."""
    return (
        request.online
        and not request.beyond_maximum
        and any(
            a.shifts and a.booked_customers < a.max_customers and a.booked_online >= a.max_online
            for a in capacity_day.advisors
        )
    )


def _fit(
    snapshot: Snapshot,
    request: SlotRequest,
    plan: DayPlan,
    start: datetime,
    *,
    kept_free_until: datetime | None,
    by_day: dict[date, CapacityDay],
) -> Proposal | Refusal:
    """The proposal for a drop-off at `start` on the plan's day, or why the time does not fit."""
    policy, tz = snapshot.policy, snapshot.tz
    reception = Interval(start=start, end=start + policy.reception_minutes * MINUTE)
    if request.windows and not any(w.contains(reception) for w in request.windows):
        return Refusal.OUTSIDE_WINDOW
    may_use_kept_free = kept_free_until is not None and start < kept_free_until
    advisor, used_kept_free, why_not = _best_advisor(
        plan, reception, request, policy, tz, kept_free=may_use_kept_free
    )
    if advisor is None:
        return why_not
    evening = plan.is_evening(start)
    if evening and plan.work_day is not None and plan.work_day_index is not None:
        # R4.5: dropped off in the evening, worked on from the next open day's first hours.
        work_day_start = day_start(plan.work_day.day, tz)
        labour = _labour_walk(snapshot.days, plan.work_day_index, request.jobs, work_day_start)
    else:
        labour = _labour_walk(snapshot.days, plan.index, request.jobs, reception.end)
    if isinstance(labour, Refusal):
        return labour
    technicians = _technicians_refusal(by_day, labour.pieces)  # R4.8
    if technicians is not None:
        return technicians
    return _proposal(
        plan.capacity_day,
        advisor,
        reception,
        labour,
        request,
        snapshot,
        evening=evening,
        used_kept_free=used_kept_free,
        same_day=plan.same_day and not evening,
        busy_day=plan.busy,
    )


def _shortfall(
    snapshot: Snapshot, request: SlotRequest, *, now: datetime, not_before: datetime | None
) -> Refusal:
    """Why no time fits the request: what ran out, the plainest cause first (the workshop
    closed throughout, a skill nobody has, no advisor), else the most frequent refusal."""
    tz = snapshot.tz
    today = now.astimezone(tz).date()
    open_days = [d for d in snapshot.days if d.day >= today and d.opening]
    if not open_days:
        return Refusal.CLOSED_THROUGHOUT
    skills = {job.skill for job in request.jobs}
    if any(all(d.technician_minutes.get(skill, 0) <= 0 for d in open_days) for skill in skills):
        return Refusal.NO_SKILL
    if not any(advisor.shifts for d in open_days for advisor in d.advisors):
        return Refusal.NO_ADVISOR
    kept_free_until: datetime | None = None
    if request.comeback:
        kept_free_until = now + snapshot.policy.comeback_window
    elif request.urgent:
        kept_free_until = _instant(today + timedelta(days=1), time(), tz)
    refusals: Counter[Refusal] = Counter()
    # The offer found nothing under these rules: this walks every time, counting why not.
    next(
        _candidates(
            snapshot,
            request,
            now=now,
            not_before=not_before,
            kept_free_until=kept_free_until,
            refusals=refusals,
        ),
        None,
    )
    # The days refused whole and the times outside the customer's window say little on their own.
    windows_only = refusals.pop(Refusal.OUTSIDE_WINDOW, 0)
    for whole_day in (Refusal.CLOSED_DAY, Refusal.SAME_DAY):
        refusals.pop(whole_day, None)
    # With the times of the days passed over whole (counted as fully booked), placed after the
    # other refusals as when every time is tried: a tie goes to the other refusal either way.
    receptions_full = sum(refusals.pop(refusal, 0) for refusal in (*ADVISOR_REFUSALS, Refusal.FULLY_BOOKED))
    if receptions_full:
        refusals[Refusal.FULLY_BOOKED] = receptions_full
    if refusals:
        return refusals.most_common(1)[0][0]
    return Refusal.OUTSIDE_WINDOW if windows_only else Refusal.FULLY_BOOKED


def _slot_starts(capacity_day: CapacityDay, policy: Policy, tz: ZoneInfo) -> tuple[datetime, ...]:
    """Drop-off times on the slot grid of local wall-clock time, inside the opening hours."""
    return _grid(capacity_day.day, capacity_day.opening, policy.slot_minutes, policy.reception_minutes, tz)


# The grid of a day depends on its opening hours and the policy only, which change when a
# manager changes them: the same few hundred days are asked for on every offer.
@lru_cache(maxsize=8192)
def _grid(
    day: date, opening: tuple[Interval, ...], slot_minutes: int, reception_minutes: int, tz: ZoneInfo
) -> tuple[datetime, ...]:
    starts: list[datetime] = []
    for interval in opening:
        local = interval.start.astimezone(tz)
        minute = local.hour * 60 + local.minute
        minute += (-minute) % slot_minutes  # align to the grid (8:10 -> 8:15 or 8:30)
        while minute < 24 * 60:
            wall = time(minute // 60, minute % 60)
            minute += slot_minutes
            instant = _instant(day, wall, tz)
            if instant is None:
                continue  # a wall time skipped by a spring-forward change: no slot there
            if instant + reception_minutes * MINUTE > interval.end:
                break
            if instant >= interval.start:
                starts.append(instant)
    return tuple(sorted(set(starts)))


@lru_cache(maxsize=8192)
def _evening_starts(
    starts: tuple[datetime, ...], evening_drop_off: time, tz: ZoneInfo
) -> tuple[datetime, ...]:
    """R4.5: the drop-off times from the evening drop-off on."""
    return tuple(t for t in starts if t.astimezone(tz).time() >= evening_drop_off)


@lru_cache(maxsize=8192)
def _morning_starts(
    starts: tuple[datetime, ...], morning_until: time, evening_drop_off: time, tz: ZoneInfo
) -> tuple[datetime, ...]:
    """R4.5: the morning's drop-off times a full-day job is offered besides the evening's."""
    until = min(morning_until, evening_drop_off)
    return tuple(t for t in starts if t.astimezone(tz).time() < until)


@lru_cache(maxsize=8192)
def _start_bits(starts: tuple[datetime, ...], origin: datetime) -> MinuteSet:
    bits = 0
    for start in starts:
        bits |= 1 << ((start - origin) // MINUTE)
    return bits


@lru_cache(maxsize=8192)
def _shift_bits(shifts: tuple[Interval, ...], origin: datetime) -> MinuteSet:
    bits = 0
    for shift in shifts:
        bits |= minute_bits(shift.start, shift.end, origin)
    return bits


def _best_advisor(
    plan: DayPlan,
    reception: Interval,
    request: SlotRequest,
    policy: Policy,
    tz: ZoneInfo,
    *,
    kept_free: bool,
) -> tuple[AdvisorDay | None, bool, Refusal]:
    """The advisor to receive the customer then: the preferred one, else the least booked; and
    whether on kept-free time. With nobody, why: the first refusal of an advisor who works then."""
    ordered = plan.orderings.get(request.advisor_id)
    if ordered is None:
        ordered = plan.orderings[request.advisor_id] = tuple(
            sorted(
                plan.capacity_day.advisors,
                key=lambda a: (a.advisor_id != request.advisor_id, a.booked_customers, a.advisor_id),
            )
        )
    reception_bits = minute_bits(reception.start, reception.end, plan.origin)
    fallback: AdvisorDay | None = None
    refused = Refusal.ADVISOR_NOT_RECEIVING
    for advisor in ordered:
        why_not, on_kept_free = _advisor_refusal(
            advisor, reception, reception_bits, request, policy, tz, plan, kept_free=kept_free
        )
        if why_not is None and not on_kept_free:
            return advisor, False, refused
        if why_not is None and fallback is None:
            # R4.6 / R2.3: the kept-free quarter is the reserve for urgent work and comebacks,
            # on top of the day's maximum; taken only when nobody has ordinary time then.
            fallback = advisor
        elif why_not is not None and refused is Refusal.ADVISOR_NOT_RECEIVING:
            refused = why_not
    return fallback, fallback is not None, refused


def _advisor_refusal(
    advisor: AdvisorDay,
    reception: Interval,
    reception_bits: MinuteSet,
    request: SlotRequest,
    policy: Policy,
    tz: ZoneInfo,
    plan: DayPlan,
    *,
    kept_free: bool,
) -> tuple[Refusal | None, bool]:
    """Why the advisor cannot receive the customer then (None when they can), and whether the
    reception falls in their kept-free quarter (R4.3), which only `kept_free` requests may use.
    `reception_bits` are the reception's minutes of the plan's day."""
    if not any(shift.contains(reception) for shift in advisor.shifts):
        return Refusal.ADVISOR_NOT_RECEIVING, False
    if advisor.booked & reception_bits:
        return Refusal.TAKEN, False
    if _kept_bits(advisor, policy, tz, plan) & reception_bits:
        return (None if kept_free else Refusal.KEPT_FREE), True
    if request.beyond_maximum:
        return None, False
    if advisor.booked_customers >= advisor.max_customers:  # R4.2
        return Refusal.ADVISOR_FULL, False
    if request.online and advisor.booked_online >= advisor.max_online:
        return Refusal.ONLINE_FULL, False
    return None, False


def kept_free_quarters(
    advisor: AdvisorDay, policy: Policy, tz: ZoneInfo, *, opening: tuple[Interval, ...] | None = None
) -> tuple[Interval, ...]:
    """R4.3: in every hour of the advisor's shifts, a stretch kept for urgent work (R4.6).

    It starts on a drop-off time of the slot grid, where an urgent car can be received: kept
    between two grid times it would hold back nothing an urgent request could take. Which grid
    time of the hour turns with the hour and the advisor's rotation, so the kept time is spread
    over the day and across the advisors (with a 30-minute grid, two advisors keep the two
    halves of each hour in turn). With `opening` (the day's reception hours), only times on the
    day's grid are kept.
    """
    return _kept_quarters(
        advisor.shifts,
        advisor.rotation,
        policy.kept_free_minutes_per_hour,
        policy.slot_minutes,
        policy.reception_minutes,
        opening,
        tz,
    )


# Kept by what decides them (the shifts, the rotation, the policy's lengths and the opening
# hours), which change when a manager changes them, not with each booking.
@lru_cache(maxsize=8192)
def _kept_quarters(
    shifts: tuple[Interval, ...],
    rotation: int,
    length: int,
    slot_minutes: int,
    reception_minutes: int,
    opening: tuple[Interval, ...] | None,
    tz: ZoneInfo,
) -> tuple[Interval, ...]:
    if length <= 0:
        return ()
    # An urgent car received at the kept time takes its whole reception there.
    held = max(length, reception_minutes) * MINUTE
    reception = reception_minutes * MINUTE
    quarters: list[Interval] = []
    for shift in shifts:
        # Whole hours in absolute time from the local hour the shift starts in: each is one
        # wall-clock hour, also on the days the clocks change. The grid's times are the local
        # minutes of the day that are multiples of the slot, and every slot length divides 60.
        local = shift.start.astimezone(tz)
        hour_start = shift.start - timedelta(minutes=local.minute, seconds=local.second)
        while hour_start < shift.end:
            choices = [
                start
                for offset in range(0, 60, slot_minutes)
                if (start := hour_start + offset * MINUTE) >= shift.start
                and start + held <= shift.end
                and (opening is None or any(o.start <= start and start + reception <= o.end for o in opening))
            ]
            hour = hour_start.astimezone(tz).hour
            turn = rotation + hour
            # A grid with one time an hour (60 minutes) cannot keep it every hour and still
            # take anyone: the hours are kept in turn, each advisor keeping the others' free.
            if len(choices) == 1 and slot_minutes >= 60 and turn % 2:
                choices = []
            if choices:
                start = choices[turn % len(choices)]
                quarters.append(Interval(start=start, end=start + length * MINUTE))
            hour_start += timedelta(hours=1)
    return tuple(quarters)


def _kept_bits(advisor: AdvisorDay, policy: Policy, tz: ZoneInfo, plan: DayPlan) -> MinuteSet:
    """The minutes of the advisor's kept-free quarters on the plan's day (R4.3)."""
    if policy.kept_free_minutes_per_hour <= 0:
        return 0
    return _kept_bits_of(
        advisor.shifts,
        advisor.rotation,
        policy.kept_free_minutes_per_hour,
        policy.slot_minutes,
        policy.reception_minutes,
        plan.capacity_day.opening,
        tz,
        plan.origin,
    )


@lru_cache(maxsize=8192)
def _kept_bits_of(
    shifts: tuple[Interval, ...],
    rotation: int,
    length: int,
    slot_minutes: int,
    reception_minutes: int,
    opening: tuple[Interval, ...],
    tz: ZoneInfo,
    origin: datetime,
) -> MinuteSet:
    bits = 0
    for quarter in _kept_quarters(shifts, rotation, length, slot_minutes, reception_minutes, opening, tz):
        bits |= minute_bits(quarter.start, quarter.end, origin)
    return bits


@dataclass(frozen=True, kw_only=True, slots=True)
class LabourPlan:
    starts: datetime  # the first minute of work
    ends: datetime
    end_index: int  # the snapshot day the work ends on
    pieces: tuple[tuple[date, str, int], ...]  # (work day, skill, minutes)


def _work_hours(capacity_day: CapacityDay, skill: str) -> tuple[Interval, ...]:
    """R4.8: when a technician with the skill works that day (the opening hours for a
    snapshot that does not say)."""
    if capacity_day.technician_hours is None:
        return capacity_day.opening
    return capacity_day.technician_hours.get(skill, ())


def _labour_walk(
    days: Sequence[CapacityDay], index: int, jobs: Sequence[JobLine], start: datetime
) -> LabourPlan | Refusal:
    """Lay the jobs' labour, one after the other, over the working hours of the technicians
    with each job's skill from `start` on the snapshot's day `index` (R3.1, R4.8), day after day.

    NO_SKILL when no technician with a job's skill works on the days left, WORK_PAST_LAST_DAY
    when the snapshot ends before the work does.
    """
    pieces: list[tuple[date, str, int]] = []
    cursor = start
    first: datetime | None = None
    first_index = index
    for job in jobs:
        remaining = job.minutes
        while remaining > 0:
            if index >= len(days):
                if not any(_work_hours(day, job.skill) for day in days[first_index:]):
                    return Refusal.NO_SKILL
                return Refusal.WORK_PAST_LAST_DAY
            capacity_day = days[index]
            for hours in _work_hours(capacity_day, job.skill):
                if hours.end <= cursor:
                    continue
                begin = max(cursor, hours.start)
                used = min(remaining, (hours.end - begin) // MINUTE)
                if used <= 0:
                    continue
                if first is None:
                    first = begin
                pieces.append((capacity_day.day, job.skill, used))
                cursor = begin + used * MINUTE
                remaining -= used
                if not remaining:
                    break
            if remaining:
                index += 1
    if first is None:
        raise ValueError("a request needs labour")
    return LabourPlan(starts=first, ends=cursor, end_index=index, pieces=_merge(pieces))


def _merge(pieces: list[tuple[date, str, int]]) -> tuple[tuple[date, str, int], ...]:
    merged: dict[tuple[date, str], int] = {}
    for day, skill, minutes in pieces:
        merged[(day, skill)] = merged.get((day, skill), 0) + minutes
    return tuple((day, skill, minutes) for (day, skill), minutes in merged.items())


def _technicians_refusal(
    by_day: dict[date, CapacityDay], labour: Sequence[tuple[date, str, int]]
) -> Refusal | None:
    """R4.8: None when booked labour plus this job stays within the technicians' hours, by skill
    and in all; else why not (a skill nobody has that day, or hours full)."""
    demand: dict[date, dict[str, int]] = {}
    for day, skill, minutes in labour:
        demand.setdefault(day, {})
        demand[day][skill] = demand[day].get(skill, 0) + minutes
    for day, skills in demand.items():
        capacity_day = by_day[day]
        for skill, minutes in skills.items():
            available = capacity_day.technician_minutes.get(skill, 0)
            if capacity_day.booked_labour.get(skill, 0) + minutes > available:
                return Refusal.NO_SKILL if available <= 0 else Refusal.TECHNICIANS_FULL
        booked_total = sum(capacity_day.booked_labour.values())
        if booked_total + sum(skills.values()) > capacity_day.technician_total_minutes:
            return Refusal.TECHNICIANS_FULL
    return None


def _proposal(
    capacity_day: CapacityDay,
    advisor: AdvisorDay,
    reception: Interval,
    labour: LabourPlan,
    request: SlotRequest,
    snapshot: Snapshot,
    *,
    evening: bool,
    used_kept_free: bool,
    same_day: bool,
    busy_day: bool,
) -> Proposal:
    policy, tz = snapshot.policy, snapshot.tz
    reasons: list[Reason] = []
    local_time = reception.start.astimezone(tz).time()
    in_peak_hours = any(start <= local_time < end for start, end in policy.peak_hours)
    if in_peak_hours:
        reasons.append(Reason.PEAK_HOURS)
    if busy_day:
        reasons.append(Reason.HIGH_LOAD)
    period = Period.BUSY if in_peak_hours or busy_day else Period.QUIET
    if period is Period.QUIET:
        reasons.append(Reason.QUIET_PERIOD)
    if evening:
        reasons.append(Reason.EVENING_DROP_OFF)
    if used_kept_free:
        reasons.append(Reason.KEPT_FREE_TIME)
    if same_day and request.urgent and labour.starts.astimezone(tz).date() == capacity_day.day:
        reasons.append(Reason.SAME_DAY_URGENT)  # R4.6: the work starts today
    if request.advisor_id is not None and advisor.advisor_id == request.advisor_id:
        reasons.append(Reason.PREFERRED_ADVISOR)
    if advisor.booked_customers >= advisor.max_customers and not used_kept_free:
        reasons.append(Reason.BEYOND_MAXIMUM)
    return Proposal(
        advisor_id=advisor.advisor_id,
        advisor_name=advisor.name,
        day=capacity_day.day,
        drop_off=reception.start,
        reception_end=reception.end,
        work_starts=labour.starts,
        promised_return=_promised_return(labour, snapshot.days, policy, tz),
        period=period,
        reasons=tuple(reasons),
        labour_by_day=labour.pieces,
    )


def _promised_return(
    labour: LabourPlan, days: Sequence[CapacityDay], policy: Policy, tz: ZoneInfo
) -> datetime:
    """R4.7: the hand-over time promised at booking: the end of the work, on the slot grid, but
    never after the reception closes (hours that end off the grid, such as 18:10). Work that
    ends while the reception is closed (technicians start earlier or stay later, R4.8) is
    handed over when it opens next."""
    ends = labour.ends
    for capacity_day in days[labour.end_index :]:
        for opening in capacity_day.opening:
            if opening.end < ends:
                continue
            if opening.start > ends:
                return opening.start
            local = ends.astimezone(tz)
            past_grid = (local.hour * 60 + local.minute) % policy.slot_minutes
            if past_grid == 0:
                return ends
            return min(ends + (policy.slot_minutes - past_grid) * MINUTE, opening.end)
    return ends  # past the snapshot's last opening: the end of the work itself


def high_load(capacity_day: CapacityDay, policy: Policy) -> bool:
    """R4.4: a day whose places are booked to the policy's ratio or more is a busy day."""
    places = capacity_day.max_customers
    return places > 0 and capacity_day.booked_customers / places >= policy.peak_load_ratio


def _instant(day: date, wall: time, tz: ZoneInfo) -> datetime | None:
    """The UTC instant of a local wall-clock time, or None when the clocks skip it."""
    local = datetime.combine(day, wall, tzinfo=tz)
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        return None
    return instant
