"""REST API of what is free: availability (the double offer, R4) and the workload view."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from bookings import offers, requests
from bookings.api.fields import ADVISOR_NAME_MAX_LENGTH, JOB_CODE_MAX_LENGTH, AwareDateTimeField
from bookings.capacity import capacity_load
from bookings.models import Channel
from customers import selectors as customer_selectors
from dealerships.access import Capability
from dealerships.scoping import DealershipApiMixin
from workshop import availability
from workshop.capacity_settings import CapacitySettings, capacity_settings
from workshop.models import Job, Skill
from workshop.reasons import reason_text, refusal_text

MAX_ALTERNATIVES = 10


class AvailabilityApiBase(DealershipApiMixin, APIView):
    read_capability = Capability.BOOK_APPOINTMENTS


class AvailabilityQuerySerializer(serializers.Serializer):
    jobs = serializers.ListField(
        child=serializers.CharField(max_length=JOB_CODE_MAX_LENGTH),
        required=False,
        default=list,
        help_text="job codes",
    )
    extra_minutes = serializers.IntegerField(
        min_value=1, max_value=5 * 24 * 60, required=False, help_text="labour not in the catalogue"
    )
    extra_skill = serializers.ChoiceField(choices=Skill.choices, default=Skill.MAINTENANCE)
    vehicle = serializers.IntegerField(required=False, help_text="adds the vehicle's open campaigns (R2.4)")
    urgent = serializers.BooleanField(default=False, help_text="R4.6")
    comeback = serializers.BooleanField(default=False, help_text="R2.3")
    channel = serializers.ChoiceField(choices=[Channel.PHONE.value, Channel.WEB.value], default=Channel.PHONE)
    advisor = serializers.IntegerField(required=False, help_text="the customer's usual advisor")
    wished_date = serializers.DateField(required=False)
    window_start = AwareDateTimeField(
        required=False, help_text="the customer can come from (with its UTC offset)"
    )
    window_end = AwareDateTimeField(
        required=False, help_text="the customer can come until (with its UTC offset)"
    )
    alternatives = serializers.IntegerField(min_value=0, max_value=MAX_ALTERNATIVES, default=0)
    beyond_maximum = serializers.BooleanField(
        default=False, help_text="workshop managers only: offer advisors past their daily maximum"
    )
    mobility_needed = serializers.BooleanField(
        default=False, help_text="R3: the customer needs a courtesy car or another mobility solution"
    )

    def validate(self, data: dict) -> dict:
        """Shape first, then the answers against the dealership (context: dealership, settings,
        today); the checked request is `validated_data["wanted"]`."""
        start, end = data.get("window_start"), data.get("window_end")
        if (start is None) != (end is None):
            raise serializers.ValidationError({"window_end": _("Give both ends of the time window.")})
        if start is not None and start >= end:
            raise serializers.ValidationError({"window_end": _("The window must end after it starts.")})
        if end is not None and end <= timezone.now():
            raise serializers.ValidationError({"window_end": _("The window is in the past.")})
        dealership, settings, today = (self.context[key] for key in ("dealership", "settings", "today"))
        jobs, errors = work_wanted_checks(data, settings=settings, today=today, tz=dealership.tz)
        vehicle = None
        if data.get("vehicle") is not None:
            vehicle = customer_selectors.vehicle_get(dealership=dealership, vehicle_id=data["vehicle"])
            if vehicle is None:
                errors["vehicle"] = _("There is no such vehicle at this dealership.")
        if errors:
            raise serializers.ValidationError(errors)
        data["wanted"] = requests.WorkWanted(
            jobs=jobs,
            extra=extra_labour(data),
            vehicle=vehicle,
            urgent=data["urgent"],
            comeback=data["comeback"],
            online=data["channel"] == Channel.WEB,
            advisor_id=data.get("advisor"),
            wished_day=data.get("wished_date"),
            window=availability.Interval(start=start, end=end)
            if start is not None and end is not None
            else None,
            alternatives=data["alternatives"],
            beyond_maximum=data["beyond_maximum"],
            mobility_needed=data["mobility_needed"],
        )
        return data


def work_wanted_checks(
    data: dict, *, settings: CapacitySettings, today: date, tz: ZoneInfo
) -> tuple[tuple[Job, ...], dict[str, str]]:
    """The catalogue jobs for `data["jobs"]`, and the field errors of the answers the
    availability and booking requests share."""
    jobs, unknown = requests.catalogue_jobs(settings=settings, codes=data.get("jobs", ()))
    errors = {
        field: message
        for field, message in (
            ("jobs", unknown),
            ("advisor", requests.advisor_error(settings=settings, advisor_id=data.get("advisor"))),
            (
                "wished_date",
                requests.wished_day_error(settings=settings, today=today, wished_day=data.get("wished_date")),
            ),
            (
                "window_start",
                requests.beyond_horizon_error(
                    settings=settings, today=today, tz=tz, moment=data.get("window_start")
                ),
            ),
            (
                "drop_off",
                requests.beyond_horizon_error(
                    settings=settings, today=today, tz=tz, moment=data.get("drop_off")
                ),
            ),
        )
        if message
    }
    return jobs, errors


def extra_labour(data: dict) -> requests.ExtraLabour | None:
    if not data.get("extra_minutes"):
        return None
    return requests.ExtraLabour(
        minutes=data["extra_minutes"],
        skill=data.get("extra_skill", Skill.MAINTENANCE),
        description=data.get("extra_description", ""),
    )


def tenant_request_context(view: DealershipApiMixin, now: datetime) -> dict:
    """What the edge checks an answer against: the dealership, its capacity settings (their
    version read by this request's tenant check, so current) and its local today."""
    dealership = view.dealership
    return {
        "dealership": dealership,
        "settings": capacity_settings(dealership, version=dealership.capacity_version),
        "today": now.astimezone(dealership.tz).date(),
    }


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    text = serializers.CharField()


class ShortfallSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text="what ran out: no_skill, technicians_full, fully_booked, closed_throughout, no_advisor, ..."
    )
    text = serializers.CharField(help_text="the same, in the user's language")


class ProposalAdvisorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(max_length=ADVISOR_NAME_MAX_LENGTH)


class ProposalSerializer(serializers.Serializer):
    day = serializers.DateField()
    drop_off = serializers.DateTimeField()
    reception_ends = serializers.DateTimeField()
    work_starts = serializers.DateTimeField()
    promised_return = serializers.DateTimeField()
    period = serializers.ChoiceField(choices=[p.value for p in availability.Period])
    advisor = ProposalAdvisorSerializer()
    uses_kept_free_time = serializers.BooleanField()
    reasons = ReasonSerializer(many=True)


class AvailabilitySerializer(serializers.Serializer):
    labour_minutes = serializers.IntegerField(help_text="R3.1: the jobs' labour, the immobilisation's base")
    proposals = ProposalSerializer(many=True)
    quiet = serializers.IntegerField(allow_null=True, help_text="index of the quiet proposal")
    busy = serializers.IntegerField(allow_null=True, help_text="index of the busy proposal")
    shortfall = ShortfallSerializer(
        allow_null=True, help_text="with no proposals, why: what ran out; null when there are proposals"
    )


EXAMPLE = {
    "labour_minutes": 90,
    "proposals": [
        {
            "day": "2026-11-24",
            "drop_off": "2026-11-24T08:00:00+01:00",
            "reception_ends": "2026-11-24T08:15:00+01:00",
            "work_starts": "2026-11-24T08:15:00+01:00",
            "promised_return": "2026-11-24T10:00:00+01:00",
            "period": "busy",
            "advisor": {"id": 3, "name": "Giulia Conti"},
            "uses_kept_free_time": False,
            "reasons": [
                {"code": "earliest", "text": "The earliest possible time."},
                {"code": "peak_hours", "text": "In the busy early hours."},
            ],
        },
        {
            "day": "2026-11-24",
            "drop_off": "2026-11-24T10:00:00+01:00",
            "reception_ends": "2026-11-24T10:15:00+01:00",
            "work_starts": "2026-11-24T10:15:00+01:00",
            "promised_return": "2026-11-24T12:00:00+01:00",
            "period": "quiet",
            "advisor": {"id": 3, "name": "Giulia Conti"},
            "uses_kept_free_time": False,
            "reasons": [{"code": "quiet_period", "text": "A quiet time in the workshop."}],
        },
    ],
    "quiet": 1,
    "busy": 0,
    "shortfall": None,
}


class AvailabilityApi(AvailabilityApiBase):
    """R4: the double offer (a quiet and a busy time, earliest first) with reasons."""

    @extend_schema(
        parameters=[AvailabilityQuerySerializer],
        responses=AvailabilitySerializer,
        examples=[OpenApiExample("Double offer for a 90-minute service", value=EXAMPLE, response_only=True)],
    )
    def get(self, request: Request, dealership_slug: str) -> Response:
        now, dealership = timezone.now(), self.dealership
        context = tenant_request_context(self, now)
        query = AvailabilityQuerySerializer(data=request.query_params, context=context)
        query.is_valid(raise_exception=True)
        if query.validated_data["beyond_maximum"] and not self.access.can(Capability.MANAGE_CAPACITY):
            raise PermissionDenied(_("Only a workshop manager may book beyond an advisor's maximum."))
        work = requests.requested_work_build(
            dealership=dealership,
            wanted=query.validated_data["wanted"],
            today=context["today"],
            settings=context["settings"],
        )
        slot_request = work.slot_request
        offer = offers.availability_offer(
            dealership=dealership, request=slot_request, now=now, settings=work.settings
        )
        proposals = list(offer.proposals)
        quiet = next((i for i, p in enumerate(proposals[:2]) if p.period is availability.Period.QUIET), None)
        busy = next((i for i, p in enumerate(proposals[:2]) if p.period is availability.Period.BUSY), None)
        data = {
            "labour_minutes": slot_request.labour_minutes,
            "proposals": [proposal_data(p) for p in proposals],
            "quiet": quiet,
            "busy": busy,
            "shortfall": _shortfall_data(offer.shortfall) if not proposals else None,
        }
        return Response(AvailabilitySerializer(data).data)


def _shortfall_data(shortfall: availability.Refusal | None) -> dict | None:
    if shortfall is None:
        return None
    return {"code": shortfall.value, "text": refusal_text(shortfall)}


def proposal_data(proposal: availability.Proposal) -> dict:
    local = timezone.localtime  # the mixin activated the dealership's zone
    return {
        "day": proposal.day,
        "drop_off": local(proposal.drop_off),
        "reception_ends": local(proposal.reception_end),
        "work_starts": local(proposal.work_starts),
        "promised_return": local(proposal.promised_return),
        "period": proposal.period.value,
        "advisor": {"id": proposal.advisor_id, "name": proposal.advisor_name},
        "uses_kept_free_time": proposal.uses_kept_free_time,
        "reasons": [{"code": reason.value, "text": reason_text(reason)} for reason in proposal.reasons],
    }


class WorkloadQuerySerializer(serializers.Serializer):
    start = serializers.DateField(
        required=False, help_text="first day; default today", validators=[requests.service_day_validate]
    )
    days = serializers.IntegerField(min_value=1, max_value=62, default=7)


class AdvisorLoadSerializer(serializers.Serializer):
    advisor_id = serializers.IntegerField()
    name = serializers.CharField(max_length=ADVISOR_NAME_MAX_LENGTH)
    booked_customers = serializers.IntegerField()
    max_customers = serializers.IntegerField()
    booked_online = serializers.IntegerField()
    max_online = serializers.IntegerField()
    booked_beyond_maximum = serializers.IntegerField()
    kept_free_minutes = serializers.IntegerField()
    kept_free_minutes_left = serializers.IntegerField()


class SkillLoadSerializer(serializers.Serializer):
    skill = serializers.ChoiceField(choices=Skill.choices)
    booked_minutes = serializers.IntegerField()
    capacity_minutes = serializers.IntegerField()


class DayLoadSerializer(serializers.Serializer):
    day = serializers.DateField()
    is_open = serializers.BooleanField()
    period = serializers.CharField()
    booked_customers = serializers.IntegerField()
    max_customers = serializers.IntegerField()
    booked_labour_minutes = serializers.IntegerField()
    technician_minutes = serializers.IntegerField()
    advisors = AdvisorLoadSerializer(many=True)
    skills = SkillLoadSerializer(many=True)


class WorkloadApi(AvailabilityApiBase):
    """Per day and advisor: booked customers against the maximum, labour against technician
    hours by skill, kept-free time left (R4.2, R4.3, R4.8)."""

    read_capability = Capability.VIEW_DEALERSHIP

    @extend_schema(parameters=[WorkloadQuerySerializer], responses=DayLoadSerializer(many=True))
    def get(self, request: Request, dealership_slug: str) -> Response:
        query = WorkloadQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start = query.validated_data.get("start") or timezone.localdate()
        end = start + timedelta(days=query.validated_data["days"] - 1)
        loads = availability.day_loads(capacity_load(dealership=self.dealership, start=start, end=end))
        return Response(DayLoadSerializer(loads, many=True).data)
