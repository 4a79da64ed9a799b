"""REST API of the tenancy layer: my dealerships, a dealership's hours, closures and staff."""

from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.constraints import constraints_validated
from dealerships import selectors, services
from dealerships.access import Capability
from dealerships.models import Brand, Closure, Dealership, Membership, OpeningHours
from dealerships.scoping import DealershipApiMixin, api_dealerships_reached
from dealerships.services import OpeningInterval


class OpeningHoursSerializer(serializers.ModelSerializer):
    class Meta:
        model = OpeningHours
        fields = ["weekday", "opens", "closes"]


class DealershipSerializer(serializers.ModelSerializer):
    brands: "serializers.StringRelatedField[Brand]" = serializers.StringRelatedField(many=True)
    group = serializers.CharField(source="group.name")

    class Meta:
        model = Dealership
        fields = [
            "slug",
            "name",
            "group",
            "brands",
            "service_department_name",
            "street",
            "postal_code",
            "city",
            "country",
            "subdivision",
            "phone",
            "email",
            "time_zone",
            "language",
            "phone_region",
            "online_booking_enabled",
        ]


class DealershipListApi(ListAPIView):
    """The dealerships the caller works at (not tenant-scoped: it is the list of tenants); with
    a token limited to one, that one."""

    serializer_class = DealershipSerializer

    def get_queryset(self) -> QuerySet[Dealership]:
        return (
            api_dealerships_reached(self.request, selectors.dealership_list_for_user(user=self.request.user))
            .select_related("group")
            .prefetch_related("brands")
        )


class DealershipDetailApi(DealershipApiMixin, APIView):
    @extend_schema(responses=DealershipSerializer)
    def get(self, request: Request, dealership_slug: str) -> Response:
        return Response(DealershipSerializer(self.dealership).data)


class OpeningHoursApi(DealershipApiMixin, APIView):
    """The weekly reception schedule in local wall-clock time; PUT replaces it whole."""

    write_capability = Capability.MANAGE_CAPACITY

    @extend_schema(responses=OpeningHoursSerializer(many=True))
    def get(self, request: Request, dealership_slug: str) -> Response:
        rows = selectors.opening_hours_list(dealership=self.dealership)
        return Response(OpeningHoursSerializer(rows, many=True).data)

    @extend_schema(request=OpeningHoursSerializer(many=True), responses=OpeningHoursSerializer(many=True))
    def put(self, request: Request, dealership_slug: str) -> Response:
        serializer = OpeningHoursSerializer(data=request.data, many=True)
        serializer.is_valid(raise_exception=True)
        intervals = [OpeningInterval(**item) for item in serializer.validated_data]
        rows = services.opening_hours_replace(dealership=self.dealership, intervals=intervals)
        return Response(OpeningHoursSerializer(rows, many=True).data)


class ClosureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Closure
        fields = ["id", "start_date", "end_date", "reason", "source"]
        read_only_fields = ["id", "source"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return constraints_validated(Closure, attrs, instance=self.instance)


class ClosureListApi(DealershipApiMixin, APIView):
    """Upcoming closures (local dates); POST adds one."""

    write_capability = Capability.MANAGE_CAPACITY

    @extend_schema(responses=ClosureSerializer(many=True))
    def get(self, request: Request, dealership_slug: str) -> Response:
        today = selectors.dealership_local_today(dealership=self.dealership, now=timezone.now())
        closures = selectors.closure_list_upcoming(dealership=self.dealership, today=today)
        return Response(ClosureSerializer(closures, many=True).data)

    @extend_schema(request=ClosureSerializer, responses={201: ClosureSerializer})
    def post(self, request: Request, dealership_slug: str) -> Response:
        serializer = ClosureSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        closure = services.closure_create(dealership=self.dealership, **serializer.validated_data)
        return Response(ClosureSerializer(closure).data, status=status.HTTP_201_CREATED)


class PublicHolidaysSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)


class ClosurePrefillApi(DealershipApiMixin, APIView):
    """Close on the country's and region's public holidays of a year; days already closed stay."""

    write_capability = Capability.MANAGE_CAPACITY

    @extend_schema(request=PublicHolidaysSerializer, responses={201: ClosureSerializer(many=True)})
    def post(self, request: Request, dealership_slug: str) -> Response:
        serializer = PublicHolidaysSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.closures_prefill_public_holidays(
            dealership=self.dealership, year=serializer.validated_data["year"]
        )
        return Response(ClosureSerializer(created, many=True).data, status=status.HTTP_201_CREATED)


class ClosureDetailApi(DealershipApiMixin, APIView):
    write_capability = Capability.MANAGE_CAPACITY

    def _closure(self, closure_id: int) -> Closure:
        closure = selectors.closure_get(dealership=self.dealership, closure_id=closure_id)
        if closure is None:
            raise NotFound
        return closure

    @extend_schema(responses=ClosureSerializer)
    def get(self, request: Request, dealership_slug: str, closure_id: int) -> Response:
        return Response(ClosureSerializer(self._closure(closure_id)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, dealership_slug: str, closure_id: int) -> Response:
        services.closure_delete(dealership=self.dealership, closure=self._closure(closure_id))
        return Response(status=status.HTTP_204_NO_CONTENT)


class MembershipSerializer(serializers.ModelSerializer):
    username = serializers.CharField(source="user.username")
    full_name = serializers.CharField(source="user.get_full_name")

    class Meta:
        model = Membership
        fields = ["username", "full_name", "role"]


class MembershipListApi(DealershipApiMixin, APIView):
    read_capability = Capability.MANAGE_DEALERSHIP

    @extend_schema(responses=MembershipSerializer(many=True))
    def get(self, request: Request, dealership_slug: str) -> Response:
        memberships = selectors.membership_list(dealership=self.dealership)
        return Response(MembershipSerializer(memberships, many=True).data)
