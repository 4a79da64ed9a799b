"""REST API of appointments: book (idempotent), reschedule, cancel, move along the lifecycle, list."""

import hashlib
import json
from dataclasses import replace
from datetime import datetime, timedelta

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import lifecycle, mobility_hooks, requests, selectors, services
from bookings.api.availability import (
    ProposalSerializer,
    extra_labour,
    proposal_data,
    tenant_request_context,
    work_wanted_checks,
)
from bookings.api.fields import (
    ADVISOR_NAME_MAX_LENGTH,
    CAMPAIGN_CODE_MAX_LENGTH,
    JOB_CODE_MAX_LENGTH,
    OVERRIDE_REASON_MAX_LENGTH,
    STATUS_MAX_LENGTH,
    USERNAME_MAX_LENGTH,
    AwareDateTimeField,
)
from bookings.models import (
    REQUESTS_MAX_LENGTH,
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    Channel,
    Document,
    IdempotencyKey,
    MobilityKind,
)
from bookings.requests import DESCRIPTION_MAX_LENGTH, RequestedWork
from bookings.services.transitions import REASON_MAX_LENGTH
from config.errors import SlotTaken
from config.openapi import ErrorSerializer
from customers import selectors as customer_selectors
from customers.models import Customer
from dealerships.access import Capability
from dealerships.models import Dealership
from dealerships.scoping import DealershipApiMixin
from workshop.availability import Refusal
from workshop.models import Skill


class AppointmentApiBase(DealershipApiMixin, APIView):
    read_capability = Capability.BOOK_APPOINTMENTS
    write_capability = Capability.BOOK_APPOINTMENTS

    def appointment(self, appointment_id: int) -> Appointment:
        appointment = selectors.appointment_get(dealership=self.dealership, appointment_id=appointment_id)
        if appointment is None:
            raise Http404
        return appointment


# The answers' text fields carry the bounds of the columns they are read from, so the schema
# says how long each can be.


class AppointmentJobSerializer(serializers.Serializer):
    description = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH)
    skill = serializers.ChoiceField(choices=Skill.choices)
    labour_minutes = serializers.IntegerField()
    job_code = serializers.CharField(
        source="job.code",
        default=None,
        allow_null=True,
        max_length=JOB_CODE_MAX_LENGTH,
        help_text="null for other work",
    )
    campaign_code = serializers.CharField(
        source="campaign.code",
        default=None,
        allow_null=True,
        max_length=CAMPAIGN_CODE_MAX_LENGTH,
        help_text="the open campaign or recall the job comes from (R2.4); null for the others",
    )


class TransitionSerializer(serializers.Serializer):
    kind = serializers.CharField(max_length=STATUS_MAX_LENGTH)
    from_status = serializers.CharField(
        max_length=STATUS_MAX_LENGTH, help_text="empty for the booking itself"
    )
    to_status = serializers.ChoiceField(choices=AppointmentStatus.choices)
    previous_drop_off_at = serializers.DateTimeField(allow_null=True, help_text="set when rescheduled")
    at = serializers.DateTimeField()
    by = serializers.CharField(
        source="by.username",
        default=None,
        allow_null=True,
        max_length=USERNAME_MAX_LENGTH,
        help_text="null: the customer online",
    )
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH)


class AppointmentFieldsSerializer(serializers.Serializer):
    """An appointment's own fields, without its jobs."""

    # Declared, not a ModelSerializer: this answers every booking, and building the fields from
    # the model on each call cost more than the rest of the serializing (bench/booking.py).
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=AppointmentStatus.choices)
    kind = serializers.ChoiceField(choices=AppointmentKind.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField(source="customer.full_name")
    vehicle = serializers.IntegerField(source="vehicle_id")
    vehicle_label = serializers.CharField(source="vehicle.__str__")
    advisor_id = serializers.IntegerField()
    advisor = serializers.CharField(source="advisor_name", max_length=ADVISOR_NAME_MAX_LENGTH)
    local_day = serializers.DateField()
    drop_off_at = serializers.DateTimeField()
    reception_ends_at = serializers.DateTimeField()
    work_starts_at = serializers.DateTimeField()
    promised_return_at = serializers.DateTimeField()
    labour_minutes = serializers.IntegerField()
    is_urgent = serializers.BooleanField()
    is_comeback = serializers.BooleanField()
    uses_kept_free_time = serializers.BooleanField()
    capacity_override_reason = serializers.CharField(max_length=OVERRIDE_REASON_MAX_LENGTH)
    customer_requests = serializers.CharField(max_length=REQUESTS_MAX_LENGTH)
    test_drive_needed = serializers.BooleanField()
    replacement_vehicle_wanted = serializers.BooleanField()
    mobility_kind = serializers.CharField(
        max_length=30, help_text="R3.3: the mobility chosen, empty for none"
    )
    special_requests = serializers.CharField(max_length=REQUESTS_MAX_LENGTH)
    mileage_km = serializers.IntegerField(allow_null=True)
    cancel_reason = serializers.CharField(max_length=REASON_MAX_LENGTH)
    documents_to_bring = serializers.ListField(child=serializers.ChoiceField(choices=Document.choices))


class AppointmentSerializer(AppointmentFieldsSerializer):
    jobs = AppointmentJobSerializer(many=True)


class AppointmentDetailSerializer(AppointmentSerializer):
    history = TransitionSerializer(source="transitions", many=True)


class BookSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    vehicle = serializers.IntegerField()
    advisor = serializers.IntegerField()
    drop_off = AwareDateTimeField(
        help_text="a proposal's drop_off, from the availability endpoint, with its UTC offset"
    )
    jobs = serializers.ListField(
        child=serializers.CharField(max_length=JOB_CODE_MAX_LENGTH), required=False, default=list
    )
    extra_minutes = serializers.IntegerField(min_value=1, max_value=5 * 24 * 60, required=False)
    extra_skill = serializers.ChoiceField(choices=Skill.choices, default=Skill.MAINTENANCE)
    extra_description = serializers.CharField(max_length=DESCRIPTION_MAX_LENGTH, required=False, default="")
    open_campaigns = serializers.BooleanField(
        default=True, help_text="add the vehicle's open campaigns (R2.4)"
    )
    kind = serializers.ChoiceField(
        choices=AppointmentKind.choices,
        required=False,
        help_text="default: comeback for a comeback, else maintenance (R2.2)",
    )
    channel = serializers.ChoiceField(choices=Channel.choices, default=Channel.PHONE)
    urgent = serializers.BooleanField(default=False)
    comeback = serializers.BooleanField(default=False, help_text="R2.3; kind comeback implies it")
    customer_requests = serializers.CharField(
        max_length=REQUESTS_MAX_LENGTH, required=False, default="", allow_blank=True
    )
    test_drive_needed = serializers.BooleanField(default=False)
    replacement_vehicle_wanted = serializers.BooleanField(default=False)
    mobility_kind = serializers.ChoiceField(
        choices=MobilityKind.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text="R3.3, R3.8: the mobility the customer chose; a planned one is reserved with the "
        "booking for the whole stay, or the booking is refused (409) with the next time it is free",
    )
    mobility_address = serializers.CharField(
        max_length=mobility_hooks.ADDRESS_MAX_LENGTH,
        required=False,
        default="",
        allow_blank=True,
        help_text="where the driver picks the car up and brings it back: required for "
        "pickup_delivery, ignored for the other kinds; the reservation keeps it",
    )
    special_requests = serializers.CharField(
        max_length=REQUESTS_MAX_LENGTH, required=False, default="", allow_blank=True
    )
    mileage_km = serializers.IntegerField(min_value=0, max_value=2_000_000, required=False, allow_null=True)
    capacity_override_reason = serializers.CharField(
        max_length=OVERRIDE_REASON_MAX_LENGTH,
        required=False,
        default="",
        allow_blank=True,
        help_text="workshop managers only (R4.2)",
    )

    def validate_drop_off(self, value: datetime) -> datetime:
        if value <= timezone.now():
            raise serializers.ValidationError(_("The drop-off time has passed."))
        return value

    def validate(self, data: dict) -> dict:
        """A comeback is of kind comeback (R2.3), and the kind comeback is a comeback: the same
        answer as the phone page's, which asks for the kind only. Pick-up and delivery needs
        the address the driver goes to (bookings.mobility_hooks.mobility_address_clean)."""
        kind = data.get("kind")
        if data["comeback"] and kind not in (None, AppointmentKind.COMEBACK):
            raise serializers.ValidationError({"kind": _("A comeback is of kind comeback.")})
        data["comeback"] = data["comeback"] or kind == AppointmentKind.COMEBACK
        # A field error on mobility_address (the Django error becomes DRF's 400).
        data["mobility_address"] = mobility_hooks.mobility_address_clean(
            mobility_kind=data["mobility_kind"], address=data["mobility_address"]
        )
        return data


class SlotRefusedSerializer(ErrorSerializer):
    """The 409 of a booking or move whose time the rules refuse: the error shape, with the
    refusal's code; `detail` (and `errors` on drop_off) say why."""

    reason = serializers.ChoiceField(
        choices=[refusal.value for refusal in Refusal],
        help_text="why the time cannot be had: taken, technicians_full, kept_free, advisor_full, ...",
    )


class BookingRefusedSerializer(SlotRefusedSerializer):
    proposals = ProposalSerializer(many=True, help_text="the next free times after the one asked for")


# One bound instance of each serves every booking: DRF deep-copies a serializer's declared
# fields each time one is made, which cost more than the validating and serializing themselves
# (bench/booking.py). run_validation and to_representation only read the bound fields (errors
# are raised, not kept), so the instances are shared safely across requests and threads.
_BOOK_REQUEST = BookSerializer()
_BOOKED_ANSWER = AppointmentFieldsSerializer()
_BOOKED_JOBS = AppointmentJobSerializer(many=True)


def _request_hash(data: object) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()


class AppointmentListApi(AppointmentApiBase):
    """GET: appointments by day, advisor and status. POST: book a proposal (idempotent with the
    Idempotency-Key header); a time just taken answers 409 with the next proposals."""

    @extend_schema(
        parameters=[
            OpenApiParameter("start", str, description="first local day, YYYY-MM-DD (default today)"),
            OpenApiParameter("days", int, description="how many days (1-31, default 1)"),
            OpenApiParameter("advisor", int),
            OpenApiParameter("status", str, many=True),
        ],
        responses=AppointmentSerializer(many=True),
    )
    def get(self, request: Request, dealership_slug: str) -> Response:
        query = AppointmentListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start = query.validated_data.get("start") or timezone.localdate()
        appointments = selectors.appointment_list(
            dealership=self.dealership,
            start=start,
            end=start + timedelta(days=query.validated_data["days"] - 1),
            advisor_id=query.validated_data.get("advisor"),
            statuses=query.validated_data.get("status"),
        )
        return Response(AppointmentSerializer(appointments, many=True).data)

    @extend_schema(
        request=BookSerializer,
        responses={201: AppointmentSerializer, 409: BookingRefusedSerializer},
        parameters=[OpenApiParameter("Idempotency-Key", str, location=OpenApiParameter.HEADER)],
    )
    def post(self, request: Request, dealership_slug: str) -> Response:
        data = dict(_BOOK_REQUEST.run_validation(request.data))
        if data["capacity_override_reason"] and not self.access.can(Capability.MANAGE_CAPACITY):
            raise PermissionDenied(_("Only a workshop manager may book beyond an advisor's maximum."))
        dealership, now = self.dealership, timezone.now()
        vehicle = customer_selectors.vehicle_for_booking_get(
            dealership=dealership, vehicle_id=data["vehicle"]
        )
        if vehicle is not None and vehicle.customer_id == data["customer"]:
            customer = vehicle.customer  # fetched with the vehicle
        else:
            customer = customer_selectors.customer_get(dealership=dealership, customer_id=data["customer"])
        context = tenant_request_context(self, now)
        jobs, errors = work_wanted_checks(
            data, settings=context["settings"], today=context["today"], tz=dealership.tz
        )
        if customer is None:
            errors["customer"] = _("There is no such customer at this dealership.")
        if vehicle is None:
            errors["vehicle"] = _("There is no such vehicle at this dealership.")
        if errors or customer is None or vehicle is None:
            raise serializers.ValidationError({field: [message] for field, message in errors.items()})
        wanted = requests.WorkWanted(
            jobs=jobs,
            extra=extra_labour(data),
            vehicle=vehicle if data["open_campaigns"] else None,
            urgent=data["urgent"],
            comeback=data["comeback"],
            online=data["channel"] == Channel.WEB,
            beyond_maximum=bool(data["capacity_override_reason"]),
        )
        work = requests.requested_work_build(
            dealership=dealership, wanted=wanted, today=context["today"], settings=context["settings"]
        )

        def book_it() -> tuple[int, dict]:
            appointment = services.appointment_book(
                dealership=dealership,
                customer=customer,
                vehicle=vehicle,
                advisor_id=data["advisor"],
                drop_off=data["drop_off"],
                jobs=work.jobs,
                now=now,
                booked_by=self.access.user,
                channel=data["channel"],
                urgent=data["urgent"],
                comeback=data["comeback"],
                capacity_override_reason=data["capacity_override_reason"],
                details=services.AppointmentDetails(
                    kind=data.get("kind"),
                    customer_requests=data["customer_requests"],
                    test_drive_needed=data["test_drive_needed"],
                    replacement_vehicle_wanted=data["replacement_vehicle_wanted"],
                    special_requests=data["special_requests"],
                    mileage_km=data.get("mileage_km"),
                    mobility_kind=data["mobility_kind"],
                    mobility_address=data["mobility_address"],
                ),
                settings=work.settings,
            )
            # The jobs just written are the jobs asked for: answered from them, not read back.
            answer = {
                **_BOOKED_ANSWER.to_representation(appointment),
                "jobs": _BOOKED_JOBS.to_representation(work.jobs),
            }
            return status.HTTP_201_CREATED, answer

        try:
            code, body = services.idempotent(
                dealership=dealership,
                key=_idempotency_key(request),
                request_hash=_request_hash(request.data),
                action=book_it,
            )
        except SlotTaken as refused:
            raise _with_next_proposals(
                refused,
                dealership,
                customer,
                work,
                now,
                data["drop_off"],
                mobility_kind=data["mobility_kind"],
            ) from None
        return Response(body, status=code)


def _idempotency_key(request: Request) -> str | None:
    """The request's Idempotency-Key header, or a 400 naming it when it is longer than is kept."""
    key = request.headers.get("Idempotency-Key")
    if key is not None and len(key) > IdempotencyKey.MAX_LENGTH:
        message = _("An Idempotency-Key has at most %(max)s characters.") % {"max": IdempotencyKey.MAX_LENGTH}
        raise serializers.ValidationError({"idempotency_key": [message]})
    return key


def _with_next_proposals(
    refused: SlotTaken,
    dealership: Dealership,
    customer: Customer,
    work: RequestedWork,
    now: datetime,
    wanted: datetime,
    *,
    mobility_kind: str = "",
) -> SlotTaken:
    """R4.4 when the time wanted is refused (taken meanwhile, or never free): the next free
    times after it, so the caller can offer them, preferring the customer's usual advisor; with
    the chosen mobility, only times it is free for the whole stay (R3.7). The refusal keeps its
    kind (a mobility refusal stays one)."""
    usual_advisor = selectors.last_advisor_id(dealership=dealership, customer=customer)
    offer = (
        mobility_hooks.layer()
        .offer(
            dealership=dealership,
            request=replace(work.slot_request, advisor_id=usual_advisor),
            mobility_kind=mobility_kind or mobility_hooks.NO_MOBILITY,
            now=now,
            from_time=wanted,
            settings=work.settings,
        )
        .offer
    )
    proposals = [proposal_data(p) for p in offer.proposals]
    for proposal in proposals:  # JSON-ready: the error handler does not run serializers
        for key in ("day", "drop_off", "reception_ends", "work_starts", "promised_return"):
            proposal[key] = proposal[key].isoformat()
    return type(refused)(refused.message, field=refused.field, **refused.extra, proposals=proposals)


class AppointmentListQuerySerializer(serializers.Serializer):
    start = serializers.DateField(required=False, validators=[requests.service_day_validate])
    days = serializers.IntegerField(min_value=1, max_value=31, default=1)
    advisor = serializers.IntegerField(required=False)
    status = serializers.ListField(
        child=serializers.ChoiceField(choices=AppointmentStatus.choices), required=False
    )


class AppointmentDetailApi(AppointmentApiBase):
    @extend_schema(responses=AppointmentDetailSerializer)
    def get(self, request: Request, dealership_slug: str, appointment_id: int) -> Response:
        return Response(AppointmentDetailSerializer(self.appointment(appointment_id)).data)


class RescheduleSerializer(serializers.Serializer):
    advisor = serializers.IntegerField()
    drop_off = AwareDateTimeField(help_text="a proposal's drop_off, with its UTC offset")
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, default="", allow_blank=True)

    def validate_drop_off(self, value: datetime) -> datetime:
        if value <= timezone.now():
            raise serializers.ValidationError(_("The drop-off time has passed."))
        beyond = requests.beyond_horizon_error(
            settings=self.context["settings"],
            today=self.context["today"],
            tz=self.context["dealership"].tz,
            moment=value,
        )
        if beyond:
            raise serializers.ValidationError(beyond)
        return value


class AppointmentRescheduleApi(AppointmentApiBase):
    """Move the appointment to another proposal; the same appointment keeps its history."""

    @extend_schema(
        request=RescheduleSerializer, responses={200: AppointmentDetailSerializer, 409: SlotRefusedSerializer}
    )
    def post(self, request: Request, dealership_slug: str, appointment_id: int) -> Response:
        appointment = self.appointment(appointment_id)
        move = RescheduleSerializer(data=request.data, context=tenant_request_context(self, timezone.now()))
        move.is_valid(raise_exception=True)
        services.appointment_reschedule(
            dealership=self.dealership,
            appointment=appointment,
            advisor_id=move.validated_data["advisor"],
            drop_off=move.validated_data["drop_off"],
            reason=move.validated_data["reason"],
            by=self.access.user,
            now=timezone.now(),
        )
        return Response(AppointmentDetailSerializer(self.appointment(appointment_id)).data)


class TransitionRequestSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=AppointmentStatus.choices)
    reason = serializers.CharField(max_length=REASON_MAX_LENGTH, required=False, default="", allow_blank=True)


class AppointmentTransitionApi(AppointmentApiBase):
    """Move the appointment along its lifecycle (confirm, arrive, ..., cancel with a reason)."""

    write_capability = Capability.VIEW_DEALERSHIP  # checked per target state below

    @extend_schema(request=TransitionRequestSerializer, responses=AppointmentDetailSerializer)
    def post(self, request: Request, dealership_slug: str, appointment_id: int) -> Response:
        move = TransitionRequestSerializer(data=request.data)
        move.is_valid(raise_exception=True)
        target = move.validated_data["status"]
        needed = (
            Capability.RECEIVE_VEHICLES
            if lifecycle.is_workshop_side(target)
            else Capability.BOOK_APPOINTMENTS
        )
        if not self.access.can(needed):
            raise PermissionDenied
        appointment = self.appointment(appointment_id)
        services.appointment_transition(
            dealership=self.dealership,
            appointment=appointment,
            to_status=target,
            reason=move.validated_data["reason"],
            by=self.access.user,
            now=timezone.now(),
        )
        return Response(AppointmentDetailSerializer(self.appointment(appointment_id)).data)
