"""Reads over the customer file: the lookup (R2.5), open campaigns (R2.4) and coverage (R3.2)."""

import re
from dataclasses import dataclass, field
from datetime import date

import phonenumbers
from django.db import connection
from django.db.models import Count, F, OrderBy, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Collate, StrIndex
from django.db.models.query import RawQuerySet
from phonenumber_field.phonenumber import PhoneNumber

from config import sql
from customers.coverage import Coverage, ProgrammeTerms, vehicle_coverage
from customers.identifiers import VIN_LENGTH, normalize_name, normalize_plate, normalize_vin
from customers.models import Campaign, CampaignCompletion, CampaignVin, Customer, Programme, Vehicle
from dealerships.models import Dealership
from dealerships.ownership import ensure_owned_by


class MatchKind:
    """How a search hit was found; the order of RANK is the order of the results."""

    VIN = "vin"
    PLATE = "plate"
    PHONE = "phone"
    VIN_TAIL = "vin_tail"
    PLATE_PREFIX = "plate_prefix"
    NAME_EXACT = "name_exact"
    PLATE_FRAGMENT = "plate_fragment"
    NAME_PREFIX = "name_prefix"


RANK = {
    MatchKind.VIN: 100,
    MatchKind.PLATE: 95,
    MatchKind.PHONE: 90,
    MatchKind.VIN_TAIL: 80,
    MatchKind.PLATE_PREFIX: 70,
    MatchKind.NAME_EXACT: 60,
    MatchKind.PLATE_FRAGMENT: 50,
    MatchKind.NAME_PREFIX: 40,
}


@dataclass(kw_only=True, slots=True)
class _Hit:
    """The best way a customer was found so far, before their file is loaded."""

    matched_on: str
    rank: int
    # Where a plate fragment sits in the matched plate: among fragment hits, earlier is better.
    fragment_at: int = 0
    matched_vehicle_ids: set[int] = field(default_factory=set)


@dataclass(frozen=True, kw_only=True, slots=True)
class CustomerMatch:
    customer: Customer
    matched_on: str
    rank: int
    fragment_at: int
    matched_vehicle_ids: set[int]


_VIN_CHARS = re.compile(r"^[A-HJ-NPR-Z0-9]+$")
_PHONE_CHARS = re.compile(r"^[+()\d\s\-./]+$")


def customer_search(*, dealership: Dealership, query: str, limit: int = 20) -> list[CustomerMatch]:
    """Find customer files by family name, plate, VIN (whole or last 6-8) or phone (R2.5).

    Each kind of key is one indexed query, then one query loads the hits' customers with their
    vehicles: at most six queries, whatever the size of the dealership.
    """
    text = (query or "").strip()
    # One Chinese character is a whole family name ("张"); one Latin letter is too little.
    if len(text) < 2 and not is_cjk(text):
        return []
    hits: dict[int, _Hit] = {}

    def add(customer_id: int | None, kind: str, vehicle_id: int | None = None, fragment_at: int = 0) -> None:
        if customer_id is None:
            return
        match = hits.get(customer_id)
        if match is None or RANK[kind] > match.rank:
            previous = match.matched_vehicle_ids if match else set()
            match = hits[customer_id] = _Hit(
                matched_on=kind,
                rank=RANK[kind],
                fragment_at=fragment_at,
                matched_vehicle_ids=previous,
            )
        elif RANK[kind] == match.rank:
            match.fragment_at = min(match.fragment_at, fragment_at)
        if vehicle_id is not None:
            match.matched_vehicle_ids.add(vehicle_id)

    vehicles = Vehicle.objects.for_dealership(dealership)
    compact = normalize_plate(text)
    if _PHONE_CHARS.match(text) and sum(c.isdigit() for c in text) >= 6:
        phone = _parse_phone(text, dealership)
        if phone is not None:
            for customer_id in (
                Customer.objects.for_dealership(dealership)
                .filter(Q(mobile_phone=phone) | Q(other_phone=phone))
                .values_list("id", flat=True)[:limit]
            ):
                add(customer_id, MatchKind.PHONE)
    vin = normalize_vin(text)
    if len(vin) == VIN_LENGTH and _VIN_CHARS.match(vin):
        for vehicle_id, customer_id in vehicles.filter(vin=vin).values_list("id", "customer_id")[:limit]:
            add(customer_id, MatchKind.VIN, vehicle_id)
    elif 6 <= len(vin) <= 8 and _VIN_CHARS.match(vin) and any(c.isdigit() for c in vin):
        tail = vin[::-1]
        tails = vehicles.filter(vin_reversed__startswith=tail).order_by(_index_order("vin_reversed"))
        for vehicle_id, customer_id in tails.values_list("id", "customer_id")[:limit]:
            add(customer_id, MatchKind.VIN_TAIL, vehicle_id)
    if 2 <= len(compact) <= 12 and compact.isalnum():
        if len(compact) >= 3:
            # A fragment goes through the trigram index. Ordering by where the fragment sits puts
            # the exact plate and the prefixes first; and as no index gives that order, the
            # planner fetches the few matches through the trigram index instead of walking the
            # dealership's rows in some index order until the LIMIT is met (at 1M vehicles a
            # rare fragment made that walk take 100 ms: bench/search.py).
            plates = vehicles.filter(plate_search__contains=compact).order_by(
                StrIndex("plate_search", Value(compact)), _index_order("plate_search")
            )
        else:  # two characters match too much to be a fragment: only plates that start so
            plates = vehicles.filter(plate_search__startswith=compact).order_by(_index_order("plate_search"))
        plate_hits = plates.values_list("id", "customer_id", "plate_search")[: limit * 2]
        for vehicle_id, customer_id, plate in plate_hits:
            if plate == compact:
                kind = MatchKind.PLATE
            elif plate.startswith(compact):
                kind = MatchKind.PLATE_PREFIX
            else:
                kind = MatchKind.PLATE_FRAGMENT
            add(customer_id, kind, vehicle_id, fragment_at=plate.find(compact))
    name = normalize_name(text)
    if is_cjk(name):
        # Chinese names are written family name first with no space ("张伟"): the family name is
        # the first one or two characters (复姓 such as 欧阳), the given name what follows.
        for family, given in cjk_name_splits(name):
            family_hits = Customer.objects.for_dealership(dealership).filter(family_name_search=family)
            if given:
                family_hits = family_hits.filter(given_name__startswith=given)
            for customer_id, given_name in family_hits.values_list("id", "given_name")[:limit]:
                exact = not given or normalize_name(given_name) == given
                add(customer_id, MatchKind.NAME_EXACT if exact else MatchKind.NAME_PREFIX)
    if name and not name.isdigit():
        family = name.split(" ")[0] if " " in name and not _has_multiword_family(name) else name
        for customer_id, family_search in (
            Customer.objects.for_dealership(dealership)
            .filter(family_name_search__startswith=family)
            .order_by(_index_order("family_name_search"))
            .values_list("id", "family_name_search")[:limit]
        ):
            add(customer_id, MatchKind.NAME_EXACT if family_search == family else MatchKind.NAME_PREFIX)
    if not hits:
        return []
    customers = (
        Customer.objects.for_dealership(dealership)
        .filter(id__in=list(hits))
        .prefetch_related(Prefetch("vehicles", queryset=Vehicle.objects.order_by("make", "model")))
    )
    matches = [
        CustomerMatch(
            customer=customer,
            matched_on=hit.matched_on,
            rank=hit.rank,
            fragment_at=hit.fragment_at,
            matched_vehicle_ids=hit.matched_vehicle_ids,
        )
        for customer in customers
        for hit in (hits[customer.id],)
    ]
    ranked = sorted(
        matches, key=lambda m: (-m.rank, m.fragment_at, m.customer.family_name_search, m.customer.given_name)
    )
    return ranked[:limit]


def _index_order(search_field: str) -> OrderBy:
    """Order by a search column the way its index is sorted, so a prefix scan stops at the LIMIT.

    The search columns hold normalised keys, indexed in byte order: COLLATE "C" on PostgreSQL
    (migration 0002_search_indexes), SQLite's default BINARY collation elsewhere. Ordering by
    the database's own collation instead would sort every match first: 70 ms for "ros" among
    a million customers.
    """
    if connection.vendor == "postgresql":
        return Collate(F(search_field), "C").asc()
    return F(search_field).asc()


def is_cjk(text: str) -> bool:
    """Whether the text is written in Chinese characters only (CJK unified ideographs)."""
    return bool(text) and all("\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff" for char in text)


def cjk_name_splits(name: str) -> list[tuple[str, str]]:
    """The ways to read a Chinese full name as (family name, start of the given name)."""
    return [(name[:length], name[length:]) for length in (1, 2) if length <= len(name)]


def _has_multiword_family(name: str) -> bool:
    # "de la cruz", "van der berg", "di stefano": the whole text is the family name prefix.
    return name.split(" ")[0] in {"de", "del", "della", "di", "da", "van", "von", "le", "la", "du", "des"}


def _parse_phone(text: str, dealership: Dealership) -> PhoneNumber | None:
    try:
        number = PhoneNumber.from_string(text, region=dealership.phone_region)
    except phonenumbers.NumberParseException:
        return None
    return number if number.is_valid() else None


def customer_get(*, dealership: Dealership, customer_id: int) -> Customer | None:
    return Customer.objects.for_dealership(dealership).filter(id=customer_id).first()


def customer_file_get(*, dealership: Dealership, customer_id: int) -> Customer | None:
    """The customer with vehicles and their programmes, in three queries."""
    return (
        Customer.objects.for_dealership(dealership)
        .filter(id=customer_id)
        .prefetch_related(
            Prefetch(
                "vehicles",
                queryset=Vehicle.objects.order_by("make", "model").prefetch_related(
                    Prefetch("programmes", queryset=Programme.objects.order_by("valid_until"))
                ),
            )
        )
        .first()
    )


def vehicle_get(*, dealership: Dealership, vehicle_id: int) -> Vehicle | None:
    return Vehicle.objects.for_dealership(dealership).filter(id=vehicle_id).select_related("customer").first()


# What a booking reads of the vehicle and its owner: who they are, what the open campaigns are
# matched on (R2.4), and the labels the answer shows. The other columns stay deferred.
BOOKING_VEHICLE_FIELDS = ("id", "dealership_id", "customer_id", "vin", "plate", "make", "model", "model_year")
BOOKING_OWNER_FIELDS = ("id", "dealership_id", "given_name", "family_name")


def vehicle_for_booking_get(*, dealership: Dealership, vehicle_id: int) -> Vehicle | None:
    """The vehicle with its owner (`vehicle.customer`), only the columns a booking reads, in one
    fixed query: every booking asks this, and compiling the ORM's join cost five times running it.
    The instances are Django's own (Model.from_db), their other fields deferred."""
    columns = [f"v.{name}" for name in BOOKING_VEHICLE_FIELDS] + [
        f"c.{name}" for name in BOOKING_OWNER_FIELDS
    ]
    found = sql.rows(
        f"SELECT {', '.join(columns)} FROM {sql.table(Vehicle)} v"
        f" JOIN {sql.table(Customer)} c ON c.id = v.customer_id WHERE v.dealership_id = %s AND v.id = %s",
        [dealership.id, vehicle_id],
    )
    if not found:
        return None
    row = found[0]
    split = len(BOOKING_VEHICLE_FIELDS)
    vehicle = Vehicle.from_db(connection.alias, BOOKING_VEHICLE_FIELDS, row[:split])
    vehicle.customer = Customer.from_db(connection.alias, BOOKING_OWNER_FIELDS, row[split:])
    return vehicle


def campaign_list(*, dealership: Dealership) -> QuerySet[Campaign]:
    """Campaigns with the size of their VIN lists, in one query."""
    return (
        Campaign.objects.for_dealership(dealership)
        .annotate(vin_count=Count("vins"))
        .order_by("-starts_on", "code")
    )


def campaign_get(*, dealership: Dealership, campaign_id: int) -> Campaign | None:
    return Campaign.objects.for_dealership(dealership).filter(id=campaign_id).first()


def open_campaigns(*, dealership: Dealership, vehicle: Vehicle, today: date) -> RawQuerySet:
    """Active campaigns that apply to the vehicle and were not done on it yet: one query (R2.4).

    A campaign applies by its VIN list, or by make (and model, and model years when it gives
    them; a vehicle of unknown year only matches a campaign without years). Fixed SQL because
    every booking asks it: through the ORM, building the query cost ten times running it.
    """
    ensure_owned_by(dealership, vehicle)
    if vehicle.model_year is not None:
        years = (
            "(c.model_year_from IS NULL OR c.model_year_from <= %s)"
            " AND (c.model_year_to IS NULL OR c.model_year_to >= %s)"
        )
        year_params = [vehicle.model_year, vehicle.model_year]
    else:
        years, year_params = "c.model_year_from IS NULL AND c.model_year_to IS NULL", []
    day = sql.day_param(today)
    statement = f"""
        SELECT c.* FROM {sql.table(Campaign)} c
        WHERE c.dealership_id = %s
          AND c.starts_on <= %s AND (c.ends_on IS NULL OR c.ends_on >= %s)
          AND (
            EXISTS (SELECT 1 FROM {sql.table(CampaignVin)} v WHERE v.campaign_id = c.id AND v.vin = %s)
            OR (
              c.make <> '' AND UPPER(c.make) = UPPER(%s)
              AND (c.model = '' OR UPPER(c.model) = UPPER(%s))
              AND {years}
            )
          )
          AND NOT EXISTS (
            SELECT 1 FROM {sql.table(CampaignCompletion)} d
            WHERE d.campaign_id = c.id AND d.vehicle_id = %s
          )
        ORDER BY c.is_recall DESC, c.starts_on, c.code
    """
    params = [dealership.id, day, day, vehicle.vin, vehicle.make, vehicle.model, *year_params, vehicle.id]
    return Campaign.objects.raw(statement, params)


def vehicle_coverage_on(*, vehicle: Vehicle, today: date) -> Coverage:
    """Coverage of the vehicle on `today`; uses prefetched programmes when there are any."""
    terms = [
        ProgrammeTerms(
            name=p.name,
            kind=p.kind,
            valid_from=p.valid_from,
            valid_until=p.valid_until,
            mileage_limit_km=p.mileage_limit_km,
            courtesy_car=p.entitles_courtesy_car,
            pickup_delivery=p.entitles_pickup_delivery,
            taxi=p.entitles_taxi,
            rental_car=p.entitles_rental_car,
            benefit_value=p.benefit_value,
            benefit_currency=p.benefit_currency,
            programme_id=p.id,
        )
        for p in vehicle.programmes.all()
    ]
    return vehicle_coverage(
        warranty_start=vehicle.warranty_start,
        warranty_end=vehicle.warranty_end,
        warranty_mileage_limit_km=vehicle.warranty_mileage_limit_km,
        mileage_km=vehicle.mileage_km,
        programmes=terms,
        today=today,
    )
