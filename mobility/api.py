"""REST API of mobility: the fleet, the solutions, what the customer's vehicle entitles them to,
whether a solution is free, and the reservations with their hand-over, move and release (R3)."""

from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings.api.fields import AwareDateTimeField
from config.errors import IllegalTransition
from config.openapi import ErrorSerializer
from customers import selectors as customer_selectors
from customers.models import Fuel
from dealerships.access import Capability
from dealerships.scoping import DealershipApiMixin
from mobility import availability, entitlements, page_selectors
from mobility.hooks import NO_COVERAGE, solution_terms
from mobility.models import (
    NOTES_MAX_LENGTH,
    FleetStatus,
    FleetVehicle,
    MobilitySolution,
    PickupMode,
    ReleaseReason,
    Reservation,
    ReservationStatus,
    SolutionKind,
)
from mobility.services.fleet import fleet_vehicle_create, fleet_vehicle_update
from mobility.services.handover import reservation_hand_over_back, reservation_hand_over_out
from mobility.services.reservations import NEXT_FREE_HORIZON, reservation_move, reservation_release
from mobility.snapshot import fleet_snapshot_load

MAX_ID = 2**31 - 1
MAX_MILEAGE_KM = 2_000_000
MAX_DAYS = 31
# Instants outside these years are refused on the field (and never reach the database).
FIRST_YEAR, LAST_YEAR = 2000, 2200


def _id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class BoundedDateTimeField(AwareDateTimeField):
    """An instant with its UTC offset, between the years 2000 and 2200."""

    def to_internal_value(self, value: datetime | str) -> datetime:
        moment = super().to_internal_value(value)
        if not FIRST_YEAR <= moment.year <= LAST_YEAR:
            raise serializers.ValidationError(_("Give a time between the years 2000 and 2200."))
        return moment


class BoundedDateField(serializers.DateField):
    def to_internal_value(self, value: date | str) -> date:
        day = super().to_internal_value(value)
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise serializers.ValidationError(_("Give a date between the years 2000 and 2200."))
        return day


class MobilityApiBase(DealershipApiMixin, APIView):
    read_capability = Capability.BOOK_APPOINTMENTS
    write_capability = Capability.BOOK_APPOINTMENTS

    def reservation(self, reservation_id: int) -> Reservation:
        reservation = page_selectors.reservation_get(
            dealership=self.dealership, reservation_id=reservation_id
        )
        if reservation is None:
            raise Http404
        return reservation


# --- The fleet --------------------------------------------------------------------------------


class FleetVehicleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    solution = _id_field(source="solution_id")
    plate = serializers.CharField(max_length=20)
    vin = serializers.CharField(max_length=17)
    brand = serializers.CharField(max_length=40)
    model = serializers.CharField(max_length=60)
    fuel = serializers.ChoiceField(choices=[("", ""), *Fuel.choices], required=False, default="")
    status = serializers.ChoiceField(
        choices=FleetStatus.choices, required=False, default=FleetStatus.IN_SERVICE
    )
    mileage_km = serializers.IntegerField(min_value=0, max_value=MAX_MILEAGE_KM, required=False, default=0)
    mileage_limit_km = serializers.IntegerField(
        min_value=0, max_value=MAX_MILEAGE_KM, required=False, allow_null=True, default=None
    )
    max_age_months = serializers.IntegerField(
        min_value=1, max_value=600, required=False, allow_null=True, default=None
    )
    in_fleet_since = BoundedDateField()
    next_service_due_on = BoundedDateField(required=False, allow_null=True, default=None)
    next_service_due_km = serializers.IntegerField(
        min_value=0, max_value=MAX_MILEAGE_KM, required=False, allow_null=True, default=None
    )


class FleetVehicleUpdateSerializer(FleetVehicleSerializer):
    solution = _id_field(source="solution_id", read_only=True)


class FleetApiBase(MobilityApiBase):
    write_capability = Capability.MANAGE_FLEET


class FleetVehicleListApi(FleetApiBase):
    """GET: the fleet's cars (not retired ones unless asked). POST: add a car to a vehicle solution."""

    @extend_schema(
        parameters=[
            OpenApiParameter("solution", int),
            OpenApiParameter("retired", bool, description="include retired cars"),
        ],
        responses=FleetVehicleSerializer(many=True),
    )
    def get(self, request: Request, dealership_slug: str) -> Response:
        query = FleetQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        vehicles = FleetVehicle.objects.for_dealership(self.dealership).order_by("solution_id", "plate")
        if not query.validated_data["retired"]:
            vehicles = vehicles.exclude(status=FleetStatus.RETIRED)
        if query.validated_data.get("solution") is not None:
            vehicles = vehicles.filter(solution_id=query.validated_data["solution"])
        return Response(FleetVehicleSerializer(vehicles, many=True).data)

    @extend_schema(request=FleetVehicleSerializer, responses={201: FleetVehicleSerializer})
    def post(self, request: Request, dealership_slug: str) -> Response:
        incoming = FleetVehicleSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = dict(incoming.validated_data)
        solution = (
            MobilitySolution.objects.for_dealership(self.dealership)
            .filter(id=data.pop("solution_id"))
            .first()
        )
        if solution is None:
            raise serializers.ValidationError(
                {"solution": [_("There is no such solution at this dealership.")]}
            )
        with transaction.atomic():
            vehicle = fleet_vehicle_create(dealership=self.dealership, solution=solution, fields=data)
        return Response(FleetVehicleSerializer(vehicle).data, status=status.HTTP_201_CREATED)


class FleetQuerySerializer(serializers.Serializer):
    solution = _id_field(required=False)
    retired = serializers.BooleanField(default=False)


class FleetVehicleDetailApi(FleetApiBase):
    def vehicle(self, fleet_vehicle_id: int) -> FleetVehicle:
        vehicle = FleetVehicle.objects.for_dealership(self.dealership).filter(id=fleet_vehicle_id).first()
        if vehicle is None:
            raise Http404
        return vehicle

    @extend_schema(responses=FleetVehicleSerializer)
    def get(self, request: Request, dealership_slug: str, fleet_vehicle_id: int) -> Response:
        return Response(FleetVehicleSerializer(self.vehicle(fleet_vehicle_id)).data)

    @extend_schema(request=FleetVehicleUpdateSerializer(partial=True), responses=FleetVehicleSerializer)
    def patch(self, request: Request, dealership_slug: str, fleet_vehicle_id: int) -> Response:
        vehicle = self.vehicle(fleet_vehicle_id)
        incoming = FleetVehicleUpdateSerializer(data=request.data, partial=True)
        incoming.is_valid(raise_exception=True)
        with transaction.atomic():
            vehicle = fleet_vehicle_update(
                dealership=self.dealership, vehicle=vehicle, changes=dict(incoming.validated_data)
            )
        return Response(FleetVehicleSerializer(vehicle).data)


# --- Solutions and entitlements ---------------------------------------------------------------


class SolutionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=SolutionKind.choices)
    name = serializers.CharField(max_length=80)
    label = serializers.CharField(source="__str__")  # type: ignore[assignment]  # a field, not Field.label
    pickup_mode = serializers.ChoiceField(choices=[("", ""), *PickupMode.choices])
    active = serializers.BooleanField()
    online_bookable = serializers.BooleanField()
    min_job_minutes = serializers.IntegerField(allow_null=True)
    free_under_warranty = serializers.BooleanField()
    rental_allowed = serializers.BooleanField()
    daily_cost = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    currency = serializers.CharField(max_length=3)
    daily_value = serializers.DecimalField(max_digits=9, decimal_places=2, allow_null=True)
    lounge_places = serializers.IntegerField(allow_null=True)
    drivers_per_half_day = serializers.IntegerField(allow_null=True)
    vehicles = serializers.IntegerField(source="vehicle_count", help_text="cars in the fleet, not retired")


class SolutionListApi(MobilityApiBase):
    """Every mobility solution of the dealership, replacement vehicles first (R3.3, R3.4)."""

    @extend_schema(responses=SolutionSerializer(many=True))
    def get(self, request: Request, dealership_slug: str) -> Response:
        solutions = (
            MobilitySolution.objects.for_dealership(self.dealership)
            .annotate(vehicle_count=Count("vehicles", filter=~Q(vehicles__status=FleetStatus.RETIRED)))
            .order_by("position", "id")
        )
        order = {kind: index for index, kind in enumerate(availability.REPLACEMENT_ORDER)}
        ranked = sorted(solutions, key=lambda s: (order.get(s.kind, len(order)), s.position, s.id))
        return Response(SolutionSerializer(ranked, many=True).data)


class EntitlementQuerySerializer(serializers.Serializer):
    vehicle = _id_field(required=False, help_text="the customer's vehicle (customer file); none: no coverage")
    job_minutes = serializers.IntegerField(min_value=0, max_value=5 * 24 * 60, required=False)


class EntitlementSerializer(serializers.Serializer):
    solution = serializers.IntegerField(source="solution_id")
    kind = serializers.ChoiceField(choices=SolutionKind.choices)
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    offering = serializers.ChoiceField(choices=[o.value for o in entitlements.Offering])
    basis = serializers.ChoiceField(choices=[b.value for b in entitlements.Basis])
    amount = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text="paid: a day"
    )
    currency = serializers.CharField(max_length=3)
    value = serializers.DecimalField(
        max_digits=12, decimal_places=2, allow_null=True, help_text="free: what the benefit is worth a day"
    )
    programme = serializers.CharField()
    text = serializers.CharField(help_text="the sentence to read out, in the caller's language")


class EntitlementListApi(MobilityApiBase):
    """What each solution costs this customer (R3.2, R3.5): free under the warranty or a
    programme (with its value), at the daily price, or not offered, with the reason."""

    @extend_schema(parameters=[EntitlementQuerySerializer], responses=EntitlementSerializer(many=True))
    def get(self, request: Request, dealership_slug: str) -> Response:
        query = EntitlementQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        coverage = NO_COVERAGE
        if query.validated_data.get("vehicle") is not None:
            vehicle = customer_selectors.vehicle_get(
                dealership=self.dealership, vehicle_id=query.validated_data["vehicle"]
            )
            if vehicle is None:
                raise serializers.ValidationError(
                    {"vehicle": [_("There is no such vehicle at this dealership.")]}
                )
            coverage = customer_selectors.vehicle_coverage_on(
                vehicle=vehicle, today=timezone.now().astimezone(self.dealership.tz).date()
            )
        solutions = list(MobilitySolution.objects.for_dealership(self.dealership).order_by("position", "id"))
        answers = entitlements.entitlements_for(
            [solution_terms(s) for s in solutions],
            coverage,
            job_minutes=query.validated_data.get("job_minutes"),
        )
        rows = [
            {
                "solution_id": a.solution_id,
                "kind": a.kind,
                "label": a.label,
                "offering": a.offering.value,
                "basis": a.basis.value,
                "amount": a.amount,
                "currency": a.currency,
                "value": a.value,
                "programme": a.programme,
                "text": entitlements.entitlement_text(a),
            }
            for a in answers
        ]
        return Response(EntitlementSerializer(rows, many=True).data)


# --- Availability -----------------------------------------------------------------------------


class MobilityAvailabilityQuerySerializer(serializers.Serializer):
    solution = _id_field()
    departure = BoundedDateTimeField(help_text="with its UTC offset")
    back = BoundedDateTimeField(help_text="the return, with its UTC offset")
    online = serializers.BooleanField(default=False, help_text="as the customer's own booking sees it")

    def validate(self, data: dict) -> dict:
        if data["back"] <= data["departure"]:
            raise serializers.ValidationError({"back": [_("The return must be after the departure.")]})
        if data["back"] - data["departure"] > timedelta(days=MAX_DAYS):
            raise serializers.ValidationError(
                {"back": [_("A reservation lasts at most %(days)s days.") % {"days": MAX_DAYS}]}
            )
        return data


class MobilityAvailabilitySerializer(serializers.Serializer):
    solution = serializers.IntegerField()
    free = serializers.BooleanField()
    vehicle = serializers.IntegerField(
        allow_null=True, help_text="the car it would be, for vehicle solutions"
    )
    vehicle_label = serializers.CharField(allow_null=True)
    at_cap = serializers.BooleanField(help_text="at its cap: not offered online, flagged to staff")
    all_held = serializers.BooleanField(help_text="every car of it is held (recall, service, limits)")
    next_free = serializers.DateTimeField(
        allow_null=True, help_text="when not free: when it next is, for as long (R3.7)"
    )


class MobilityAvailabilityApi(MobilityApiBase):
    """Is the solution free from departure to return, with which car; if not, when next (R3.7)."""

    @extend_schema(parameters=[MobilityAvailabilityQuerySerializer], responses=MobilityAvailabilitySerializer)
    def get(self, request: Request, dealership_slug: str) -> Response:
        query = MobilityAvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        now = timezone.now()
        departure, back = data["departure"], data["back"]
        snapshot = fleet_snapshot_load(
            dealership=self.dealership,
            start=departure,
            end=max(back, departure + NEXT_FREE_HORIZON),
            now=now,
            solution_ids=[data["solution"]],
        )
        plan = snapshot.plan(data["solution"])
        if plan is None:
            raise serializers.ValidationError(
                {"solution": [_("There is no such active solution at this dealership.")]}
            )
        answer = availability.solution_availability(snapshot, plan, departure, back, online=data["online"])
        found = (
            None
            if answer.free
            else availability.next_free(
                snapshot, plan, after=departure, duration=back - departure, online=data["online"]
            )
        )
        body = {
            "solution": plan.solution_id,
            "free": answer.free,
            "vehicle": answer.unit.vehicle_id if answer.unit else None,
            "vehicle_label": answer.unit.label if answer.unit else None,
            "at_cap": answer.at_cap,
            "all_held": answer.all_held,
            "next_free": found[0] if found else None,
        }
        return Response(MobilityAvailabilitySerializer(body).data)


# --- Reservations -----------------------------------------------------------------------------


class ReservationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ReservationStatus.choices)
    solution = serializers.IntegerField(source="solution_id")
    solution_label = serializers.CharField(source="solution.__str__")
    fleet_vehicle = serializers.IntegerField(source="fleet_vehicle_id", allow_null=True)
    fleet_vehicle_label = serializers.CharField(source="fleet_vehicle.__str__", default=None, allow_null=True)
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField(source="customer.full_name")
    appointment = serializers.IntegerField(source="appointment_id", allow_null=True)
    departure_at = serializers.DateTimeField()
    return_at = serializers.DateTimeField()
    local_day = serializers.DateField()
    overdue = serializers.SerializerMethodField(help_text="still with the customer after the return")
    licence_required = serializers.BooleanField()
    registration_required = serializers.BooleanField()
    licence_checked = serializers.BooleanField()
    registration_checked = serializers.BooleanField()
    address = serializers.CharField(max_length=200)
    release_reason = serializers.CharField(max_length=20, help_text="empty while not released")
    released_at = serializers.DateTimeField(allow_null=True)
    out_at = serializers.DateTimeField(allow_null=True)
    out_by = serializers.CharField(source="out_by.username", default=None, allow_null=True)
    out_mileage_km = serializers.IntegerField(allow_null=True)
    out_fuel_percent = serializers.IntegerField(allow_null=True)
    out_damage_notes = serializers.CharField(max_length=NOTES_MAX_LENGTH)
    in_at = serializers.DateTimeField(allow_null=True)
    in_by = serializers.CharField(source="in_by.username", default=None, allow_null=True)
    in_mileage_km = serializers.IntegerField(allow_null=True)
    in_fuel_percent = serializers.IntegerField(allow_null=True)
    in_damage_notes = serializers.CharField(max_length=NOTES_MAX_LENGTH)

    def get_overdue(self, reservation: Reservation) -> bool:
        return page_selectors.is_overdue(reservation, self.context.get("now") or timezone.now())


class ReservationQuerySerializer(serializers.Serializer):
    start = BoundedDateField(required=False, help_text="first local day, YYYY-MM-DD (default today)")
    days = serializers.IntegerField(min_value=1, max_value=MAX_DAYS, default=7)
    status = serializers.MultipleChoiceField(choices=ReservationStatus.choices, required=False)
    fleet_vehicle = _id_field(required=False)


class ReservationListApi(MobilityApiBase):
    """The reservations whose time overlaps the days asked for, by departure."""

    @extend_schema(parameters=[ReservationQuerySerializer], responses=ReservationSerializer(many=True))
    def get(self, request: Request, dealership_slug: str) -> Response:
        query = ReservationQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data, tz = query.validated_data, self.dealership.tz
        start = data.get("start") or timezone.now().astimezone(tz).date()
        first = datetime.combine(start, datetime.min.time(), tzinfo=tz)
        last = first + timedelta(days=data["days"])
        reservations = (
            Reservation.objects.for_dealership(self.dealership)
            .filter(return_at__gt=first, departure_at__lt=last)
            .select_related("solution", "fleet_vehicle", "customer", "out_by", "in_by")
            .order_by("departure_at", "id")
        )
        if data.get("status"):
            reservations = reservations.filter(status__in=sorted(data["status"]))
        if data.get("fleet_vehicle") is not None:
            reservations = reservations.filter(fleet_vehicle_id=data["fleet_vehicle"])
        return Response(ReservationSerializer(reservations, many=True, context={"now": timezone.now()}).data)


class ReservationDetailApi(MobilityApiBase):
    @extend_schema(responses=ReservationSerializer)
    def get(self, request: Request, dealership_slug: str, reservation_id: int) -> Response:
        return Response(ReservationSerializer(self.reservation(reservation_id)).data)


class HandOverOutSerializer(serializers.Serializer):
    licence_checked = serializers.BooleanField(help_text="R3.6: required when the reservation needs it")
    registration_checked = serializers.BooleanField()
    mileage_km = serializers.IntegerField(
        min_value=0, max_value=MAX_MILEAGE_KM, required=False, allow_null=True
    )
    fuel_percent = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    damage_notes = serializers.CharField(
        max_length=NOTES_MAX_LENGTH, required=False, default="", allow_blank=True
    )


class HandOverBackSerializer(serializers.Serializer):
    mileage_km = serializers.IntegerField(
        min_value=0, max_value=MAX_MILEAGE_KM, required=False, allow_null=True
    )
    fuel_percent = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    damage_notes = serializers.CharField(
        max_length=NOTES_MAX_LENGTH, required=False, default="", allow_blank=True
    )


class HandOverApiBase(MobilityApiBase):
    write_capability = Capability.RECEIVE_VEHICLES


class ReservationHandOverOutApi(HandOverApiBase):
    """Hand the solution over: the documents checked (R3.6), mileage and fuel out, damage."""

    @extend_schema(request=HandOverOutSerializer, responses=ReservationSerializer)
    def post(self, request: Request, dealership_slug: str, reservation_id: int) -> Response:
        reservation = self.reservation(reservation_id)
        incoming = HandOverOutSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        with transaction.atomic():
            done = reservation_hand_over_out(
                dealership=self.dealership,
                reservation=reservation,
                licence_checked=data["licence_checked"],
                registration_checked=data["registration_checked"],
                mileage_km=data.get("mileage_km"),
                fuel_percent=data.get("fuel_percent"),
                damage_notes=data["damage_notes"],
                now=timezone.now(),
                by=self.access.user,
            )
        return Response(ReservationSerializer(self.reservation(done.id)).data)


class ReservationHandOverBackApi(HandOverApiBase):
    """Take the solution back: mileage and fuel in (never below what it left with), damage."""

    @extend_schema(request=HandOverBackSerializer, responses=ReservationSerializer)
    def post(self, request: Request, dealership_slug: str, reservation_id: int) -> Response:
        reservation = self.reservation(reservation_id)
        incoming = HandOverBackSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        with transaction.atomic():
            done = reservation_hand_over_back(
                dealership=self.dealership,
                reservation=reservation,
                mileage_km=data.get("mileage_km"),
                fuel_percent=data.get("fuel_percent"),
                damage_notes=data["damage_notes"],
                now=timezone.now(),
                by=self.access.user,
            )
        return Response(ReservationSerializer(self.reservation(done.id)).data)


class MoveSerializer(serializers.Serializer):
    departure_at = BoundedDateTimeField()
    return_at = BoundedDateTimeField()
    fleet_vehicle = _id_field(required=False, allow_null=True, help_text="another car of the same solution")

    def validate(self, data: dict) -> dict:
        if data["return_at"] <= data["departure_at"]:
            raise serializers.ValidationError({"return_at": [_("The return must be after the departure.")]})
        return data


class MobilityRefusedSerializer(ErrorSerializer):
    next_free = serializers.DateTimeField(required=False, help_text="when the solution is next free (R3.7)")


class ReservationMoveApi(MobilityApiBase):
    """New departure and return, and/or another car of the solution; a conflict answers 409
    with the next free time, nothing changed (R3.7, R3.8)."""

    @extend_schema(
        request=MoveSerializer, responses={200: ReservationSerializer, 409: MobilityRefusedSerializer}
    )
    def post(self, request: Request, dealership_slug: str, reservation_id: int) -> Response:
        reservation = self.reservation(reservation_id)
        incoming = MoveSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        car = None
        if data.get("fleet_vehicle") is not None:
            car = (
                FleetVehicle.objects.for_dealership(self.dealership).filter(id=data["fleet_vehicle"]).first()
            )
            if car is None:
                raise serializers.ValidationError(
                    {"fleet_vehicle": [_("There is no such car in the fleet.")]}
                )
        with transaction.atomic():
            moved = reservation_move(
                dealership=self.dealership,
                reservation=reservation,
                departure_at=data["departure_at"],
                return_at=data["return_at"],
                fleet_vehicle=car,
                now=timezone.now(),
                by=self.access.user,
            )
        return Response(ReservationSerializer(self.reservation(moved.id)).data)


class ReservationReleaseApi(MobilityApiBase):
    """Release a reservation not yet handed over (staff): its car goes back to the pool."""

    @extend_schema(request=None, responses=ReservationSerializer)
    def post(self, request: Request, dealership_slug: str, reservation_id: int) -> Response:
        reservation = self.reservation(reservation_id)
        if reservation.status != ReservationStatus.RESERVED:
            raise IllegalTransition(
                _("Only a reservation not yet handed over can be released."), field="status"
            )
        with transaction.atomic():
            reservation_release(
                dealership=self.dealership,
                reservation=reservation,
                reason=ReleaseReason.STAFF,
                now=timezone.now(),
                by=self.access.user,
            )
        return Response(ReservationSerializer(self.reservation(reservation_id)).data)
