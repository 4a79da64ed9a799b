"""The nightly scans of the proactive contacts (R7.1-R7.4, R7.6, and the safety nets of R6.6 and
R9.1), run by Celery beat over every dealership.

Each scan walks its table by primary-key ranges (`batch` rows at a time, never the whole table
in memory), reads what the rules need in a few plain queries per range, decides in
followups.rules, and writes through services.followup_contacts_write: every contact has a key
(rule + subject + due period), so a scan run twice writes nothing the second time.
"""

import logging
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import CharField, Exists, Max, Min, OuterRef, Q, Value
from django.db.models.functions import Cast, Concat

from bookings.models import AccessCode, Appointment, AppointmentStatus, AppointmentTransition
from customers.models import Campaign, CampaignCompletion, CampaignVin, MileageReading, Vehicle
from dealerships.models import Dealership
from followups import rules
from followups.models import CallTask, ContactRecord, Priority, TaskKind
from followups.rules import Reading, RuleSettings
from followups.selectors import rule_settings_by_dealership
from followups.services.calls import call_tasks_expire
from followups.services.contacts import (
    ContactsWritten,
    PlannedContact,
    followup_contacts_write,
    no_show_followups_write,
    satisfaction_followup_write,
)
from notifications.models import InboundReply, MessageStatus, OutboxMessage, ReplyOutcome

logger = logging.getLogger(__name__)

BATCH = 5000
# A visit: the vehicle came in (the reception's reading, or an appointment that got that far).
VISITED = (
    AppointmentStatus.ARRIVED,
    AppointmentStatus.IN_WORKSHOP,
    AppointmentStatus.QUALITY_CHECK,
    AppointmentStatus.READY,
    AppointmentStatus.DELIVERED,
    AppointmentStatus.CLOSED,
)
UPCOMING = (AppointmentStatus.REQUESTED, AppointmentStatus.BOOKED, AppointmentStatus.CONFIRMED)
# Events older than this are not followed up any more by the scans (the signals do it at once).
LOOK_BACK = timedelta(days=7)
# A self-booking left this long without a booking is over.
ABANDONED_AFTER = timedelta(hours=2)


@dataclass(kw_only=True, slots=True)
class ScanResult:
    calls: int = 0
    messages: int = 0
    already: int = 0
    unreachable: int = 0
    expired: int = 0
    by_rule: dict[str, int] = field(default_factory=dict)

    def add(self, rule: str, written: ContactsWritten) -> None:
        self.calls += written.calls
        self.messages += written.messages
        self.already += written.already
        self.unreachable += written.unreachable
        self.by_rule[rule] = self.by_rule.get(rule, 0) + written.calls + written.messages

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, kw_only=True, slots=True)
class _Tenant:
    dealership: Dealership
    settings: RuleSettings
    today: date


def _tenants(now: datetime) -> dict[int, _Tenant]:
    dealerships = {dealership.id: dealership for dealership in Dealership.objects.all()}
    settings = rule_settings_by_dealership(set(dealerships))
    return {
        dealership_id: _Tenant(
            dealership=dealership,
            settings=settings[dealership_id],
            today=rules.local_today(now, dealership.tz),
        )
        for dealership_id, dealership in dealerships.items()
    }


def _ranges(model: type[Any], batch: int, **filters: Any) -> Iterator[tuple[int, int]]:
    """[low, high) primary-key ranges covering the table, `batch` ids wide."""
    bounds = model.objects.filter(**filters).aggregate(low=Min("id"), high=Max("id"))
    if bounds["low"] is None:
        return
    low = bounds["low"]
    while low <= bounds["high"]:
        yield low, low + batch
        low += batch


def _day(value: object) -> date:
    # SQLite hands dates back as text through a raw cursor.
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _write(
    result: ScanResult,
    rule: str,
    planned: dict[int, list[PlannedContact]],
    tenants: dict[int, _Tenant],
    now: datetime,
) -> None:
    for dealership_id, contacts in planned.items():
        written = followup_contacts_write(
            dealership=tenants[dealership_id].dealership, planned=contacts, now=now, scan=True
        )
        result.add(rule, written)


# --- R7.1 and R7.2: the vehicles -----------------------------------------------------------


def _vehicle_batch(
    low: int, high: int, now: datetime
) -> tuple[
    list[tuple[Any, ...]],
    dict[int, list[Reading]],
    dict[int, Reading],
    dict[int, list[tuple[date, int | None]]],
    set[int],
]:
    # Across dealerships by design: the nightly scan walks every tenant's vehicles by id range,
    # each row then judged by its own dealership's rules. No ordering: the rows are grouped here.
    vehicles = list(
        Vehicle.objects.filter(id__gte=low, id__lt=high, customer__isnull=False)
        .order_by()
        .values_list("id", "dealership_id", "customer_id", "sale_date")
    )
    readings: dict[int, list[Reading]] = defaultdict(list)
    reception: dict[int, Reading] = {}
    for vehicle_id, read_on, km, source in (
        MileageReading.objects.filter(vehicle_id__gte=low, vehicle_id__lt=high)
        .order_by()
        .values_list("vehicle_id", "read_on", "mileage_km", "source")
    ):
        reading = (read_on, km)
        readings[vehicle_id].append(reading)
        if source == MileageReading.Source.RECEPTION and (
            vehicle_id not in reception or reading > reception[vehicle_id]
        ):
            reception[vehicle_id] = reading
    visits: dict[int, list[tuple[date, int | None]]] = defaultdict(list)
    upcoming: set[int] = set()
    for vehicle_id, status, local_day, reported_km, drop_off in (
        Appointment.objects.filter(vehicle_id__gte=low, vehicle_id__lt=high, status__in=VISITED + UPCOMING)
        .order_by()
        .values_list("vehicle_id", "status", "local_day", "mileage_km", "drop_off_at")
    ):
        if status in VISITED:
            visits[vehicle_id].append((local_day, reported_km))
        elif drop_off >= now:
            upcoming.add(vehicle_id)
    return vehicles, readings, reception, visits, upcoming


def _km_on(readings: list[Reading], day: date) -> int | None:
    """The latest reading on or before `day`."""
    before = [reading for reading in readings if reading[0] <= day]
    return max(before)[1] if before else None


VEHICLE_RULES = frozenset({TaskKind.FIRST_SERVICE, TaskKind.PERIODIC_SERVICE, TaskKind.LOST_CUSTOMER})


def vehicles_scan(*, now: datetime, batch: int = BATCH, kinds: frozenset[str] = VEHICLE_RULES) -> ScanResult:
    """R7.1 first-service and R7.2 periodic-service reminders for every vehicle with an owner,
    and R7.3: the owners not seen for `lost_customer_days` (their last visit with any of their
    vehicles, or the sale of their latest one), once per absence; none with a booking coming."""
    result = ScanResult()
    tenants = _tenants(now)
    for low, high in _ranges(Vehicle, batch):
        vehicles, readings, reception, visits, upcoming = _vehicle_batch(low, high, now)
        known = _known_keys(low, high)
        planned: dict[str, dict[int, list[PlannedContact]]] = {
            kind: defaultdict(list) for kind in VEHICLE_RULES
        }
        # customer id -> (dealership id, the latest day seen), of the owners who may be lost.
        absent: dict[int, tuple[int, date]] = {}
        booked_customers: set[int] = set()
        for vehicle_id, dealership_id, customer_id, sale_date in vehicles:
            if vehicle_id in upcoming:
                booked_customers.add(customer_id)
                continue
            tenant = tenants[dealership_id]
            history = readings.get(vehicle_id, [])
            sold = _day(sale_date) if sale_date is not None else None
            last_service = reception.get(vehicle_id)
            for visit_day, visit_km in visits.get(vehicle_id, ()):
                if last_service is None or visit_day > last_service[0]:
                    km = visit_km if visit_km is not None else _km_on(history, visit_day)
                    last_service = (visit_day, km if km is not None else 0)
            if TaskKind.LOST_CUSTOMER in kinds:
                days = [day for day in (sold, last_service[0] if last_service else None) if day is not None]
                if days:
                    _seen(absent, customer_id, dealership_id, max(days))
            serviced = last_service is not None and (sold is None or last_service[0] >= sold)
            due = (
                rules.first_service_due(
                    vehicle_id=vehicle_id,
                    sale_date=sold,
                    readings=history,
                    serviced_since_sale=serviced,
                    today=tenant.today,
                    rules=tenant.settings,
                )
                if TaskKind.FIRST_SERVICE in kinds
                else None
            )
            if due is not None:
                if due.key in known:
                    result.already += 1
                else:
                    planned[TaskKind.FIRST_SERVICE][dealership_id].append(
                        _planned(TaskKind.FIRST_SERVICE, due, tenant, customer_id, vehicle_id, now)
                    )
                continue
            due = (
                rules.periodic_service_due(
                    vehicle_id=vehicle_id,
                    last_service=last_service,
                    readings=history,
                    today=tenant.today,
                    rules=tenant.settings,
                )
                if TaskKind.PERIODIC_SERVICE in kinds
                else None
            )
            if due is not None and due.key in known:
                result.already += 1
            elif due is not None:
                planned[TaskKind.PERIODIC_SERVICE][dealership_id].append(
                    _planned(TaskKind.PERIODIC_SERVICE, due, tenant, customer_id, vehicle_id, now)
                )
        for customer_id, (dealership_id, seen_on) in _lost(
            absent, booked_customers, low, high, now, tenants
        ).items():
            tenant = tenants[dealership_id]
            due = rules.lost_customer_due(
                customer_id=customer_id, last_seen_on=seen_on, today=tenant.today, rules=tenant.settings
            )
            if due is not None:
                planned[TaskKind.LOST_CUSTOMER][dealership_id].append(
                    _planned(TaskKind.LOST_CUSTOMER, due, tenant, customer_id, None, now)
                )
        for kind in (TaskKind.FIRST_SERVICE, TaskKind.PERIODIC_SERVICE, TaskKind.LOST_CUSTOMER):
            _write(result, kind, planned[kind], tenants, now)
    return result


def _known_keys(low: int, high: int) -> set[str]:
    """The keys of the reminders written already for the vehicles of the range: skipped before
    they are planned (the vehicles' own index finds them)."""
    kinds = (TaskKind.FIRST_SERVICE, TaskKind.PERIODIC_SERVICE)
    tasks = CallTask.objects.filter(vehicle_id__gte=low, vehicle_id__lt=high, kind__in=kinds)
    records = ContactRecord.objects.filter(vehicle_id__gte=low, vehicle_id__lt=high, kind__in=kinds)
    return set(tasks.values_list("idempotency_key", flat=True)) | set(
        records.values_list("idempotency_key", flat=True)
    )


def _lost(
    absent: dict[int, tuple[int, date]],
    booked: set[int],
    low: int,
    high: int,
    now: datetime,
    tenants: dict[int, _Tenant],
) -> dict[int, tuple[int, date]]:
    """Of the owners this range of vehicles says are absent long enough, those whose other
    vehicles (outside the range) say so too, and who have no booking coming."""
    candidates = {
        customer_id: (dealership_id, seen_on)
        for customer_id, (dealership_id, seen_on) in absent.items()
        if customer_id not in booked
        and rules.lost_customer_due(
            customer_id=customer_id,
            last_seen_on=seen_on,
            today=tenants[dealership_id].today,
            rules=tenants[dealership_id].settings,
        )
        is not None
    }
    if not candidates:
        return {}
    # The range's owners by a join from the range, not a list of thousands of ids (which costs
    # more to bind than to run): their other vehicles and appointments through the owner's index.
    in_range = Q(customer__vehicles__id__gte=low, customer__vehicles__id__lt=high)
    others = (
        Vehicle.objects.filter(in_range)
        .exclude(id__gte=low, id__lt=high)
        .order_by()
        .values("customer_id")
        .annotate(
            sold=Max("sale_date"),
            serviced=Max(
                "mileage_readings__read_on",
                filter=Q(mileage_readings__source=MileageReading.Source.RECEPTION),
            ),
        )
        .values_list("customer_id", "sold", "serviced")
    )
    for customer_id, sold, serviced in others:
        if customer_id in candidates:
            for day in (sold, serviced):
                _seen(candidates, customer_id, candidates[customer_id][0], day)
    appointments = Appointment.objects.filter(in_range).order_by()
    for customer_id, day in (
        appointments.filter(status__in=VISITED)
        .values("customer_id")
        .annotate(day=Max("local_day"))
        .values_list("customer_id", "day")
    ):
        if customer_id in candidates:
            _seen(candidates, customer_id, candidates[customer_id][0], day)
    coming = set(
        appointments.filter(status__in=UPCOMING, drop_off_at__gte=now).values_list("customer_id", flat=True)
    )
    return {customer_id: seen for customer_id, seen in candidates.items() if customer_id not in coming}


def _planned(
    kind: str, due: rules.Due, tenant: _Tenant, customer_id: int, vehicle_id: int | None, now: datetime
) -> PlannedContact:
    return PlannedContact(
        kind=kind,
        customer_id=customer_id,
        vehicle_id=vehicle_id,
        key=due.key,
        due_at=rules.contact_instant(contact_on=due.contact_on, now=now, tz=tenant.dealership.tz),
    )


# --- R7.3: the customers ---------------------------------------------------------------------


def _seen(last_seen: dict[int, tuple[int, date]], customer_id: int, dealership_id: int, day: object) -> None:
    """Keep the latest day the customer was seen."""
    if day is not None:
        seen_on = _day(day)
        if customer_id not in last_seen or seen_on > last_seen[customer_id][1]:
            last_seen[customer_id] = (dealership_id, seen_on)


def customers_scan(*, now: datetime, batch: int = BATCH) -> ScanResult:
    """R7.3 alone (the vehicles scan runs it with R7.1 and R7.2 in one pass)."""
    return vehicles_scan(now=now, batch=batch, kinds=frozenset({TaskKind.LOST_CUSTOMER}))


# --- R7.4: campaigns and recalls -----------------------------------------------------------


def campaigns_scan(*, now: datetime, batch: int = BATCH) -> ScanResult:
    """R7.4: an invitation per open campaign or recall and affected vehicle (by its VIN list or
    its make, model and years), once; not for a vehicle done already or with a booking coming."""
    result = ScanResult()
    tenants = _tenants(now)
    for tenant in tenants.values():
        if not tenant.settings.campaigns_enabled:
            continue
        campaigns = Campaign.objects.for_dealership(tenant.dealership).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=tenant.today), starts_on__lte=tenant.today
        )
        for campaign in campaigns:
            kind = TaskKind.RECALL if campaign.is_recall else TaskKind.CAMPAIGN
            priority = Priority.HIGH if campaign.is_recall else Priority.NORMAL
            affected = Vehicle.objects.for_dealership(tenant.dealership).filter(customer__isnull=False)
            by_vin = Q(vin__in=CampaignVin.objects.filter(campaign=campaign).values("vin"))
            by_make = Q()
            if campaign.make:
                by_make = Q(make__iexact=campaign.make)
                if campaign.model:
                    by_make &= Q(model__iexact=campaign.model)
                if campaign.model_year_from is not None:
                    by_make &= Q(model_year__gte=campaign.model_year_from)
                if campaign.model_year_to is not None:
                    by_make &= Q(model_year__lte=campaign.model_year_to)
            matches = by_vin | by_make if campaign.make else by_vin
            key = Concat(
                Value(rules.campaign_key(campaign.id, 0)[: -len("0")]),
                Cast(OuterRef("id"), output_field=CharField()),
                output_field=CharField(),
            )
            affected = (
                affected.filter(matches)
                .exclude(
                    Exists(CampaignCompletion.objects.filter(campaign=campaign, vehicle_id=OuterRef("id")))
                )
                .exclude(
                    Exists(
                        Appointment.objects.filter(
                            vehicle_id=OuterRef("id"), status__in=UPCOMING, drop_off_at__gte=now
                        )
                    )
                )
                # Invited already (by a call or a message): skipped in the database, so a
                # campaign's thousands are not planned again every night.
                .exclude(Exists(CallTask.objects.filter(dealership=tenant.dealership, idempotency_key=key)))
                .exclude(
                    Exists(ContactRecord.objects.filter(dealership=tenant.dealership, idempotency_key=key))
                )
            )
            last_id = 0
            while True:
                rows = list(
                    affected.filter(id__gt=last_id).order_by("id").values_list("id", "customer_id")[:batch]
                )
                if not rows:
                    break
                last_id = rows[-1][0]
                due_at = rules.contact_instant(contact_on=tenant.today, now=now, tz=tenant.dealership.tz)
                planned = [
                    PlannedContact(
                        kind=kind,
                        customer_id=customer_id,
                        vehicle_id=vehicle_id,
                        campaign_id=campaign.id,
                        key=rules.campaign_key(campaign.id, vehicle_id),
                        due_at=due_at,
                        priority=priority,
                    )
                    for vehicle_id, customer_id in rows
                ]
                _write(result, kind, {tenant.dealership.id: planned}, tenants, now)
    return result


# --- R7.6, the events' safety nets, the failed messages and the replies -------------------


def bookings_not_made_scan(*, now: datetime, batch: int = BATCH) -> ScanResult:
    """R7.6: a customer who identified for an online booking (their code was used: the times were
    shown next) and booked nothing since is contacted, once a day at most."""
    result = ScanResult()
    tenants = _tenants(now)
    booked_since = Appointment.objects.filter(
        customer_id=OuterRef("customer_id"), created_at__gte=OuterRef("created_at")
    )
    codes = (
        AccessCode.objects.filter(used_at__gte=now - LOOK_BACK, used_at__lte=now - ABANDONED_AFTER)
        .exclude(Exists(booked_since))
        .order_by("id")
    )
    last_id = 0
    while True:
        rows = list(
            codes.filter(id__gt=last_id).values_list(
                "id", "dealership_id", "customer_id", "vehicle_id", "used_at"
            )[:batch]
        )
        if not rows:
            break
        last_id = rows[-1][0]
        planned: dict[int, list[PlannedContact]] = defaultdict(list)
        for _code_id, dealership_id, customer_id, vehicle_id, used_at in rows:
            tenant = tenants[dealership_id]
            if not tenant.settings.booking_not_made_enabled:
                continue
            on = rules.local_today(used_at or now, tenant.dealership.tz)
            planned[dealership_id].append(
                PlannedContact(
                    kind=TaskKind.BOOKING_NOT_MADE,
                    customer_id=customer_id,
                    vehicle_id=vehicle_id,
                    key=rules.booking_not_made_key(customer_id, on),
                    due_at=rules.contact_instant(contact_on=tenant.today, now=now, tz=tenant.dealership.tz),
                )
            )
        _write(result, TaskKind.BOOKING_NOT_MADE, planned, tenants, now)
    return result


def appointment_events_scan(*, now: datetime, batch: int = BATCH) -> ScanResult:
    """R6.6 and R9.1 for the no-shows and deliveries of the last days, in case their signal's
    follow-up was not written (a rule switched on since): the keys keep them once."""
    result = ScanResult()
    transitions = (
        AppointmentTransition.objects.filter(
            at__gte=now - LOOK_BACK,
            to_status__in=[AppointmentStatus.NO_SHOW, AppointmentStatus.DELIVERED],
            kind=AppointmentTransition.Kind.STATUS,
        )
        .select_related("appointment", "appointment__dealership")
        .order_by("id")
    )
    last_id = 0
    while True:
        rows = list(transitions.filter(id__gt=last_id)[:batch])
        if not rows:
            break
        last_id = rows[-1].id
        for transition in rows:
            appointment = transition.appointment
            if appointment.status != transition.to_status:
                continue
            if transition.to_status == AppointmentStatus.NO_SHOW:
                result.add(TaskKind.NO_SHOW, no_show_followups_write(appointment=appointment, now=now))
            elif transition.at >= now - timedelta(days=2):
                result.add(
                    TaskKind.SATISFACTION, satisfaction_followup_write(appointment=appointment, now=now)
                )
    return result


def failed_messages_scan(*, now: datetime, batch: int = BATCH) -> ScanResult:
    """A message that failed for good becomes a call: the customer is not told otherwise."""
    result = ScanResult()
    tenants = _tenants(now)
    failed = OutboxMessage.objects.filter(
        status=MessageStatus.FAILED, updated_at__gte=now - LOOK_BACK
    ).order_by("id")
    last_id = 0
    while True:
        rows = list(
            failed.filter(id__gt=last_id).values_list("id", "dealership_id", "customer_id", "appointment_id")[
                :batch
            ]
        )
        if not rows:
            break
        last_id = rows[-1][0]
        planned: dict[int, list[PlannedContact]] = defaultdict(list)
        for message_id, dealership_id, customer_id, appointment_id in rows:
            planned[dealership_id].append(
                PlannedContact(
                    kind=TaskKind.MESSAGE_FAILED,
                    customer_id=customer_id,
                    appointment_id=appointment_id,
                    message_id=message_id,
                    key=rules.message_failed_key(message_id),
                    due_at=now,
                    priority=Priority.HIGH,
                )
            )
        _write(result, TaskKind.MESSAGE_FAILED, planned, tenants, now)
    return result


def reschedule_replies_scan(*, now: datetime, batch: int = BATCH) -> ScanResult:
    """A reply asking for another time (R5.6) not handled yet becomes a call."""
    result = ScanResult()
    tenants = _tenants(now)
    replies = InboundReply.objects.filter(
        outcome=ReplyOutcome.RESCHEDULE_REQUESTED,
        handled_at__isnull=True,
        customer__isnull=False,
        received_at__gte=now - LOOK_BACK,
    ).order_by("id")
    last_id = 0
    while True:
        rows = list(
            replies.filter(id__gt=last_id).values_list(
                "id", "dealership_id", "customer_id", "answers__appointment_id"
            )[:batch]
        )
        if not rows:
            break
        last_id = rows[-1][0]
        planned: dict[int, list[PlannedContact]] = defaultdict(list)
        for reply_id, dealership_id, customer_id, appointment_id in rows:
            planned[dealership_id].append(
                PlannedContact(
                    kind=TaskKind.RESCHEDULE_REQUEST,
                    customer_id=customer_id,
                    appointment_id=appointment_id,
                    reply_id=reply_id,
                    key=rules.reschedule_request_key(reply_id),
                    due_at=now,
                    priority=Priority.HIGH,
                )
            )
        _write(result, TaskKind.RESCHEDULE_REQUEST, planned, tenants, now)
    return result


SCANS = (
    vehicles_scan,
    campaigns_scan,
    bookings_not_made_scan,
    appointment_events_scan,
    failed_messages_scan,
    reschedule_replies_scan,
)


def followups_scan(*, now: datetime, batch: int = BATCH) -> ScanResult:
    """Every scan, then the open tasks past their last day are cancelled."""
    total = ScanResult()
    for scan in SCANS:
        part = scan(now=now, batch=batch)
        total.calls += part.calls
        total.messages += part.messages
        total.already += part.already
        total.unreachable += part.unreachable
        for rule, count in part.by_rule.items():
            total.by_rule[rule] = total.by_rule.get(rule, 0) + count
    total.expired = call_tasks_expire(now=now)
    logger.info("follow-up scan: %s", total.as_dict())
    return total
