"""REST API of the workshop's supply: the job catalogue and the service advisors."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dealerships.access import Capability
from dealerships.scoping import DealershipApiMixin
from workshop import selectors
from workshop.models import Advisor, Job


class WorkshopApiBase(DealershipApiMixin, APIView):
    read_capability = Capability.BOOK_APPOINTMENTS
    write_capability = Capability.MANAGE_CAPACITY


class JobSerializer(serializers.ModelSerializer):
    class Meta:
        model = Job
        fields = ["id", "code", "name", "kind", "labour_minutes", "skill", "mileage_interval_km"]


class JobListApi(WorkshopApiBase):
    @extend_schema(responses=JobSerializer(many=True))
    def get(self, request: Request, dealership_slug: str) -> Response:
        return Response(JobSerializer(selectors.job_list(dealership=self.dealership), many=True).data)


class AdvisorSerializer(serializers.ModelSerializer):
    class Meta:
        model = Advisor
        fields = ["id", "name", "max_customers_per_day", "max_online_per_day"]


class AdvisorListApi(WorkshopApiBase):
    @extend_schema(responses=AdvisorSerializer(many=True))
    def get(self, request: Request, dealership_slug: str) -> Response:
        return Response(AdvisorSerializer(selectors.advisor_list(dealership=self.dealership), many=True).data)
