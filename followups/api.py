"""REST API of the follow-up calls (R7.5): the queue, a task, claiming the next one, recording an
outcome, a task by hand; and the dealership's follow-up rules. Thin: fu1's services decide."""

from datetime import datetime

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import selectors as booking_selectors
from bookings.api.fields import USERNAME_MAX_LENGTH, AwareDateTimeField
from customers import selectors as customer_selectors
from dealerships.access import Capability
from dealerships.scoping import DealershipApiMixin
from followups import selectors
from followups.models import (
    COMMENT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    CallTask,
    DeclineReason,
    FollowupRules,
    Outcome,
    Priority,
    TaskKind,
    TaskStatus,
)
from followups.services import calls, rule_settings
from followups.services.rule_settings import RULE_FIELDS

QUEUE_LIMIT_MAX = 200


class CallTaskSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=TaskKind.choices)
    status = serializers.ChoiceField(choices=TaskStatus.choices)
    priority = serializers.ChoiceField(
        choices=Priority.choices, help_text="higher first: 10 low, 20 normal, 30 high"
    )
    customer = serializers.IntegerField(source="customer_id")
    customer_name = serializers.CharField(source="customer.full_name")
    vehicle = serializers.IntegerField(source="vehicle_id", allow_null=True)
    appointment = serializers.IntegerField(source="appointment_id", allow_null=True, help_text="the subject")
    campaign = serializers.IntegerField(source="campaign_id", allow_null=True)
    due_at = serializers.DateTimeField()
    deadline_at = serializers.DateTimeField(allow_null=True, help_text="call before this")
    next_attempt_at = serializers.DateTimeField(help_text="the queue's order, then the priority")
    attempts = serializers.IntegerField()
    max_attempts = serializers.IntegerField()
    operator = serializers.CharField(
        source="operator.username", default=None, allow_null=True, max_length=USERNAME_MAX_LENGTH
    )
    claimed_until = serializers.DateTimeField(allow_null=True)
    outcome = serializers.ChoiceField(
        choices=Outcome.choices, allow_blank=True, help_text="empty until a call"
    )
    call_back_at = serializers.DateTimeField(allow_null=True)
    decline_reason = serializers.ChoiceField(choices=DeclineReason.choices, allow_blank=True)
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, allow_blank=True)
    booked_appointment = serializers.IntegerField(
        source="booked_appointment_id", allow_null=True, help_text="the booking the call led to"
    )
    closed_at = serializers.DateTimeField(allow_null=True)


class QueueQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(min_value=1, max_value=QUEUE_LIMIT_MAX, default=50)


class TaskCreateSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    vehicle = serializers.IntegerField(required=False, allow_null=True)
    due_at = AwareDateTimeField(required=False, allow_null=True, help_text="empty: now")
    priority = serializers.ChoiceField(choices=Priority.choices, default=Priority.NORMAL)
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH)

    def validate_due_at(self, value: datetime | None) -> datetime | None:
        if value is not None and value < timezone.now():
            raise serializers.ValidationError(_("This time has passed: leave it empty to call now."))
        return value


class OutcomeSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    call_back_at = AwareDateTimeField(required=False, allow_null=True, help_text="for call_back: when")
    decline_reason = serializers.ChoiceField(
        choices=DeclineReason.choices,
        required=False,
        default="",
        allow_blank=True,
        help_text="for declined: why (R7.5)",
    )
    note = serializers.CharField(max_length=NOTE_MAX_LENGTH, required=False, default="", allow_blank=True)
    booked_appointment = serializers.IntegerField(
        required=False, allow_null=True, help_text="for booked: the appointment made"
    )
    score = serializers.IntegerField(
        min_value=1,
        max_value=5,
        required=False,
        allow_null=True,
        help_text="for reached on a satisfaction call: the customer's score, 5 very satisfied (R9.1)",
    )
    comment = serializers.CharField(
        max_length=COMMENT_MAX_LENGTH,
        required=False,
        default="",
        allow_blank=True,
        help_text="with the score: what the customer said",
    )
    concern = serializers.BooleanField(
        required=False,
        default=False,
        help_text="with the score: the advisor should call the customer back (a score of 2 or less is one)",
    )


class FollowupRulesSerializer(serializers.ModelSerializer):
    class Meta:
        model = FollowupRules
        fields = RULE_FIELDS


class CallApiBase(DealershipApiMixin, APIView):
    read_capability = Capability.WORK_CALL_QUEUE
    write_capability = Capability.WORK_CALL_QUEUE

    def task(self, task_id: int) -> CallTask:
        task = selectors.call_task_get(dealership=self.dealership, task_id=task_id)
        if task is None:
            raise Http404
        return task


class CallQueueApi(CallApiBase):
    """GET: the calls due now, in the order they are claimed. POST: a call task by hand."""

    @extend_schema(
        parameters=[OpenApiParameter("limit", int, description=f"at most {QUEUE_LIMIT_MAX} (default 50)")],
        responses=CallTaskSerializer(many=True),
    )
    def get(self, request: Request, dealership_slug: str) -> Response:
        query = QueueQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        queue = selectors.call_queue(
            dealership=self.dealership, now=timezone.now(), limit=query.validated_data["limit"]
        )
        return Response(CallTaskSerializer(queue, many=True).data)

    @extend_schema(request=TaskCreateSerializer, responses={201: CallTaskSerializer})
    def post(self, request: Request, dealership_slug: str) -> Response:
        given = TaskCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        dealership = self.dealership
        customer = customer_selectors.customer_get(dealership=dealership, customer_id=data["customer"])
        if customer is None:
            raise serializers.ValidationError(
                {"customer": [_("There is no such customer at this dealership.")]}
            )
        vehicle = None
        if data.get("vehicle") is not None:
            vehicle = customer_selectors.vehicle_get(dealership=dealership, vehicle_id=data["vehicle"])
            if vehicle is None:
                raise serializers.ValidationError(
                    {"vehicle": [_("There is no such vehicle at this dealership.")]}
                )
        task = calls.call_task_create(
            dealership=dealership,
            kind=TaskKind.MANUAL,
            customer=customer,
            vehicle=vehicle,
            now=timezone.now(),
            due_at=data.get("due_at"),
            priority=data["priority"],
            note=data["note"].strip(),
            created_by=self.access.user,
        )
        return Response(CallTaskSerializer(self.task(task.id)).data, status=status.HTTP_201_CREATED)


class CallTaskDetailApi(CallApiBase):
    @extend_schema(responses=CallTaskSerializer)
    def get(self, request: Request, dealership_slug: str, task_id: int) -> Response:
        return Response(CallTaskSerializer(self.task(task_id)).data)


class CallNextApi(CallApiBase):
    """Claim the caller's next call: the one they hold still, else the next due (two callers
    never get the same). 204 when nothing is due."""

    @extend_schema(
        request=None,
        responses={200: CallTaskSerializer, 204: OpenApiResponse(description="No call is due now.")},
    )
    def post(self, request: Request, dealership_slug: str) -> Response:
        task = calls.call_task_claim_next(
            dealership=self.dealership, operator=self.access.user, now=timezone.now()
        )
        if task is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(CallTaskSerializer(self.task(task.id)).data)


class CallTaskOutcomeApi(CallApiBase):
    """Record how the call went (R7.5). A task another operator holds, or closed, is a 400 on
    `task`; a call-back time in the past a 400 on `call_back_at`; a score out of 1-5, on a call
    other than a satisfaction call reached, or for a visit rated already, a 400 on `score` (R9.1);
    nothing is changed then."""

    @extend_schema(request=OutcomeSerializer, responses=CallTaskSerializer)
    def post(self, request: Request, dealership_slug: str, task_id: int) -> Response:
        given = OutcomeSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        task = self.task(task_id)
        booked = None
        if data.get("booked_appointment") is not None:
            booked = booking_selectors.appointment_get(
                dealership=self.dealership, appointment_id=data["booked_appointment"], with_history=False
            )
            if booked is None:
                raise serializers.ValidationError(
                    {"booked_appointment": [_("There is no such appointment at this dealership.")]}
                )
        calls.call_task_outcome_record(
            dealership=self.dealership,
            task=task,
            operator=self.access.user,
            outcome=data["outcome"],
            now=timezone.now(),
            call_back_at=data.get("call_back_at"),
            decline_reason=data["decline_reason"],
            note=data["note"].strip(),
            booked_appointment=booked,
            score=data.get("score"),
            comment=data["comment"],
            concern=data["concern"],
        )
        return Response(CallTaskSerializer(self.task(task_id)).data)


class FollowupRulesApi(DealershipApiMixin, APIView):
    """The dealership's follow-up rules (the defaults until saved). PUT changes the fields given;
    an inverted window is a 400 on its last day, nothing saved."""

    read_capability = Capability.MANAGE_FOLLOWUPS
    write_capability = Capability.MANAGE_FOLLOWUPS

    @extend_schema(responses=FollowupRulesSerializer)
    def get(self, request: Request, dealership_slug: str) -> Response:
        return Response(
            FollowupRulesSerializer(selectors.followup_rules_get(dealership=self.dealership)).data
        )

    @extend_schema(request=FollowupRulesSerializer, responses=FollowupRulesSerializer)
    def put(self, request: Request, dealership_slug: str) -> Response:
        current = selectors.followup_rules_get(dealership=self.dealership)
        given = FollowupRulesSerializer(current, data=request.data, partial=True)
        given.is_valid(raise_exception=True)
        saved = rule_settings.followup_rules_save(
            dealership=self.dealership, values=dict(given.validated_data)
        )
        return Response(FollowupRulesSerializer(saved).data)
