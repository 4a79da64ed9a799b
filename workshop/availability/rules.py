"""The booking rules over a snapshot: the double offer (R4.1-R4.8, R2.3, R3.1) and the check of
one chosen time under the booking's locks."""

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from workshop.availability.values import (
    MINUTE,
    AdvisorDay,
    CapacityDay,
    DoubleOffer,
    Interval,
    JobLine,
    NoCapacity,
    Period,
    Policy,
    Proposal,
    Reason,
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
    """
    if request.labour_minutes <= 0:
        raise ValueError("a request needs labour")
    tz = snapshot.tz
    now = now.astimezone(UTC)
    end_of_today = _instant(now.astimezone(tz).date() + timedelta(days=1), time(), tz)
    if request.comeback:
        deadline = now + snapshot.policy.comeback_window
        # R2.3: within the window on ordinary time first, then on kept-free time if needed.
        found = _collect(
            _candidates(snapshot, request, now=now, not_before=not_before, until=deadline),
            request.alternatives,
        )
        if not found:
            kept = _candidates(
                snapshot, request, now=now, not_before=not_before, until=deadline, kept_free_until=deadline
            )
            found = _collect(kept, request.alternatives)
        found = [_with_reason(p, Reason.COMEBACK_WITHIN_WINDOW) for p in found]
        if len(found) < 2 + request.alternatives:
            after_window = max(deadline, not_before) if not_before is not None else deadline
            later = _collect(
                _candidates(snapshot, request, now=now, not_before=after_window), request.alternatives
            )
            found += [_with_reason(p, Reason.COMEBACK_WINDOW_MISSED) for p in later]
    else:
        # R4.6: urgent work may take today's kept-free time, and only today's.
        kept_free_until = end_of_today if request.urgent else None
        found = _collect(
            _candidates(snapshot, request, now=now, not_before=not_before, kept_free_until=kept_free_until),
            request.alternatives,
        )
    if not found:
        raise NoCapacity
    offer = _double_offer(found, request.alternatives)
    if request.wished_day is not None and all(p.day != request.wished_day for p in offer):
        wished = _instant(request.wished_day, time(), tz)
        on_wished_day = next(_candidates(snapshot, request, now=now, not_before=wished), None)
        if on_wished_day is not None and on_wished_day.day == request.wished_day:
            offer.append(_with_reason(on_wished_day, Reason.WISHED_DAY))
    return DoubleOffer(proposals=tuple(offer))


def confirm(
    snapshot: Snapshot, request: SlotRequest, *, advisor_id: int, drop_off: datetime, now: datetime
) -> Proposal:
    """The proposal for exactly this advisor and drop-off time, if the snapshot still allows it
    under the rules offer_slots applies; NoCapacity otherwise. The booking service calls it
    under its locks, so what is written is what the rules allow now, not when it was offered."""
    tz = snapshot.tz
    now, drop_off = now.astimezone(UTC), drop_off.astimezone(UTC)
    kept_free_until = None
    if request.comeback:
        kept_free_until = now + snapshot.policy.comeback_window
    elif request.urgent:
        kept_free_until = _instant(now.astimezone(tz).date() + timedelta(days=1), time(), tz)
    pinned = replace(request, advisor_id=advisor_id, windows=(), wished_day=None)
    candidates = _candidates(
        snapshot,
        pinned,
        now=now,
        not_before=drop_off,
        until=drop_off + MINUTE,
        kept_free_until=kept_free_until,
    )
    proposal = next(candidates, None)
    if proposal is None or proposal.drop_off != drop_off or proposal.advisor_id != advisor_id:
        raise NoCapacity
    return proposal


OTHER_PERIOD_WITHIN = timedelta(days=7)


def _collect(candidates: Iterator[Proposal], alternatives: int) -> list[Proposal]:
    """Proposals with distinct drop-off times, in time order, until the offer is complete:
    both periods present (or a week passed since the first) and the alternatives found."""
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
        if len(taken) >= wanted and {p.period for p in taken} == set(Period):
            break
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


def _candidates(
    snapshot: Snapshot,
    request: SlotRequest,
    *,
    now: datetime,
    not_before: datetime | None = None,
    until: datetime | None = None,
    kept_free_until: datetime | None = None,
) -> Iterator[Proposal]:
    """Every proposal that fits, in time order: one per drop-off time, the best advisor for it."""
    policy, tz = snapshot.policy, snapshot.tz
    today = now.astimezone(tz).date()
    earliest = max(now, not_before) if not_before is not None else now
    full_day = request.labour_minutes >= policy.full_day_labour_minutes
    days = snapshot.days
    for index, capacity_day in enumerate(days):
        if capacity_day.day < today:
            continue
        if full_day:
            # R4.5: a full-day job is dropped off the evening before its first work day.
            work_day = next((d for d in days[index + 1 :] if d.opening), None)
            if work_day is None:
                continue
            starts = [
                t
                for t in _slot_starts(capacity_day, policy, tz)
                if t.astimezone(tz).time() >= policy.evening_drop_off
            ]
        else:
            work_day = capacity_day
            starts = _slot_starts(capacity_day, policy, tz)
        # R4.4: no work on the day of the booking unless the policy or the urgency allows it
        # (a drop-off this evening for work tomorrow is not a same-day booking).
        same_day = work_day.day == today
        if same_day and not (policy.same_day_allowed or request.urgent or request.comeback):
            continue
        for start in starts:
            if start < earliest:
                continue
            if until is not None and start >= until:
                return
            reception = Interval(start=start, end=start + policy.reception_minutes * MINUTE)
            if request.windows and not any(w.contains(reception) for w in request.windows):
                continue
            work_starts = work_day.opening[0].start if full_day else reception.end
            labour = _labour_walk(days, request.jobs, work_starts)
            if labour is None or not _technicians_can_take(days, labour.pieces):
                continue  # R4.8
            may_use_kept_free = kept_free_until is not None and start < kept_free_until
            advisor, used_kept_free = _best_advisor(
                capacity_day, reception, request, policy, tz, kept_free=may_use_kept_free
            )
            if advisor is None:
                continue
            yield _proposal(
                capacity_day,
                advisor,
                reception,
                labour,
                request,
                policy,
                tz,
                full_day=full_day,
                used_kept_free=used_kept_free,
                same_day=same_day,
            )


def _slot_starts(capacity_day: CapacityDay, policy: Policy, tz: ZoneInfo) -> list[datetime]:
    """Drop-off times on the slot grid of local wall-clock time, inside the opening hours."""
    starts: list[datetime] = []
    for opening in capacity_day.opening:
        local = opening.start.astimezone(tz)
        minute = local.hour * 60 + local.minute
        minute += (-minute) % policy.slot_minutes  # align to the grid (8:10 -> 8:15 or 8:30)
        while minute < 24 * 60:
            wall = time(minute // 60, minute % 60)
            minute += policy.slot_minutes
            instant = _instant(capacity_day.day, wall, tz)
            if instant is None:
                continue  # a wall time skipped by a spring-forward change: no slot there
            if instant + policy.reception_minutes * MINUTE > opening.end:
                break
            if instant >= opening.start:
                starts.append(instant)
    return sorted(set(starts))


def _best_advisor(
    capacity_day: CapacityDay,
    reception: Interval,
    request: SlotRequest,
    policy: Policy,
    tz: ZoneInfo,
    *,
    kept_free: bool,
) -> tuple[AdvisorDay | None, bool]:
    """The advisor to receive the customer then: the preferred one, else the least booked."""
    ordered = sorted(
        capacity_day.advisors,
        key=lambda a: (a.advisor_id != request.advisor_id, a.booked_customers, a.advisor_id),
    )
    fallback: AdvisorDay | None = None
    for advisor in ordered:
        if not any(shift.contains(reception) for shift in advisor.shifts):
            continue
        if any(reception.overlaps(booked) for booked in advisor.booked):
            continue
        in_kept_free = any(reception.overlaps(q) for q in kept_free_quarters(advisor, policy, tz))
        has_places = request.beyond_maximum or (
            advisor.booked_customers < advisor.max_customers  # R4.2
            and not (request.online and advisor.booked_online >= advisor.max_online)
        )
        if has_places and not in_kept_free:
            return advisor, False
        if kept_free and in_kept_free and fallback is None:
            # R4.6 / R2.3: the kept-free quarter is the reserve for urgent work and comebacks,
            # on top of the day's maximum; taken only when nobody has ordinary time then.
            fallback = advisor
    return fallback, fallback is not None


@lru_cache(maxsize=4096)
def kept_free_quarters(advisor: AdvisorDay, policy: Policy, tz: ZoneInfo) -> tuple[Interval, ...]:
    """R4.3: in every hour of the advisor's shifts, a stretch kept for urgent work.

    Which quarter of the hour turns with the hour and the advisor's rotation, so the kept time
    is spread over the day and across the advisors instead of all at :45.
    """
    length = policy.kept_free_minutes_per_hour
    if length <= 0:
        return ()
    quarters: list[Interval] = []
    for shift in advisor.shifts:
        # Whole hours in absolute time from the local hour the shift starts in: each is one
        # wall-clock hour, also on the days the clocks change.
        local = shift.start.astimezone(tz)
        hour_start = shift.start - timedelta(minutes=local.minute, seconds=local.second)
        while hour_start < shift.end:
            pieces = (
                Interval(start=hour_start + offset * MINUTE, end=hour_start + (offset + length) * MINUTE)
                for offset in range(0, 60 - length + 1, length)
            )
            choices = [piece for piece in pieces if shift.contains(piece)]
            if choices:
                hour = hour_start.astimezone(tz).hour
                quarters.append(choices[(advisor.rotation + hour) % len(choices)])
            hour_start += timedelta(hours=1)
    return tuple(quarters)


@dataclass(frozen=True, kw_only=True, slots=True)
class LabourPlan:
    starts: datetime
    ends: datetime
    open_until: datetime  # the end of the opening interval the work ends in
    pieces: tuple[tuple[date, str, int], ...]  # (work day, skill, minutes)


def _labour_walk(days: Sequence[CapacityDay], jobs: Sequence[JobLine], start: datetime) -> LabourPlan | None:
    """Lay the jobs' labour over the opening hours from `start` (R3.1), day after day.

    None when the snapshot ends before the work does.
    """
    pieces: list[tuple[date, str, int]] = []
    remaining = [(job.skill, job.minutes) for job in jobs]
    cursor = start
    for capacity_day in days:
        for opening in capacity_day.opening:
            if opening.end <= cursor:
                continue
            cursor = max(cursor, opening.start)
            while remaining and cursor < opening.end:
                skill, minutes = remaining[0]
                used = min(minutes, int((opening.end - cursor) / MINUTE))
                pieces.append((capacity_day.day, skill, used))
                cursor += used * MINUTE
                if used == minutes:
                    remaining.pop(0)
                else:
                    remaining[0] = (skill, minutes - used)
            if not remaining:
                return LabourPlan(starts=start, ends=cursor, open_until=opening.end, pieces=_merge(pieces))
    return None


def _merge(pieces: list[tuple[date, str, int]]) -> tuple[tuple[date, str, int], ...]:
    merged: dict[tuple[date, str], int] = {}
    for day, skill, minutes in pieces:
        merged[(day, skill)] = merged.get((day, skill), 0) + minutes
    return tuple((day, skill, minutes) for (day, skill), minutes in merged.items())


def _technicians_can_take(days: Sequence[CapacityDay], labour: Sequence[tuple[date, str, int]]) -> bool:
    """R4.8: booked labour plus this job stays within the technicians' hours, by skill and in all."""
    by_day = {d.day: d for d in days}
    demand: dict[date, dict[str, int]] = {}
    for day, skill, minutes in labour:
        demand.setdefault(day, {})
        demand[day][skill] = demand[day].get(skill, 0) + minutes
    for day, skills in demand.items():
        capacity_day = by_day[day]
        for skill, minutes in skills.items():
            if capacity_day.booked_labour.get(skill, 0) + minutes > capacity_day.technician_minutes.get(
                skill, 0
            ):
                return False
        booked_total = sum(capacity_day.booked_labour.values())
        if booked_total + sum(skills.values()) > capacity_day.technician_total_minutes:
            return False
    return True


def _proposal(
    capacity_day: CapacityDay,
    advisor: AdvisorDay,
    reception: Interval,
    labour: LabourPlan,
    request: SlotRequest,
    policy: Policy,
    tz: ZoneInfo,
    *,
    full_day: bool,
    used_kept_free: bool,
    same_day: bool,
) -> Proposal:
    reasons: list[Reason] = []
    local_time = reception.start.astimezone(tz).time()
    in_peak_hours = any(start <= local_time < end for start, end in policy.peak_hours)
    busy_day = high_load(capacity_day, policy)
    if in_peak_hours:
        reasons.append(Reason.PEAK_HOURS)
    if busy_day:
        reasons.append(Reason.HIGH_LOAD)
    period = Period.BUSY if in_peak_hours or busy_day else Period.QUIET
    if period is Period.QUIET:
        reasons.append(Reason.QUIET_PERIOD)
    if full_day:
        reasons.append(Reason.EVENING_DROP_OFF)
    if used_kept_free:
        reasons.append(Reason.KEPT_FREE_TIME)
    if same_day and request.urgent:
        reasons.append(Reason.SAME_DAY_URGENT)
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
        promised_return=_promised_return(labour, policy, tz),
        period=period,
        reasons=tuple(reasons),
        labour_by_day=labour.pieces,
    )


def _promised_return(labour: LabourPlan, policy: Policy, tz: ZoneInfo) -> datetime:
    """R4.7: the hand-over time promised at booking: the end of the work, on the slot grid, but
    never after the reception closes (hours that end off the grid, such as 18:10)."""
    local = labour.ends.astimezone(tz)
    past_grid = (local.hour * 60 + local.minute) % policy.slot_minutes
    if past_grid == 0:
        return labour.ends
    return min(labour.ends + (policy.slot_minutes - past_grid) * MINUTE, labour.open_until)


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
