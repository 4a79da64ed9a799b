"""REST API of the customer file. Thin: serializers check shape, services decide."""

from datetime import date
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, PolymorphicProxySerializer, extend_schema
from phonenumber_field.phonenumber import PhoneNumber
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.constraints import constraints_validated
from config.errors import error_body
from config.openapi import ErrorSerializer
from customers import importing, privacy, selectors, services
from customers.models import Campaign, Customer, CustomerErasure, MileageReading, Programme, Vehicle
from customers.validation import clean_phone, clean_plate, clean_vin
from dealerships.access import Capability
from dealerships.scoping import DealershipApiMixin
from dealerships.selectors import dealership_local_today


class CustomerApiBase(DealershipApiMixin, APIView):
    read_capability = Capability.MANAGE_CUSTOMERS
    write_capability = Capability.MANAGE_CUSTOMERS

    def get_serializer_context(self) -> dict:
        return {"dealership": self.dealership, "request": self.request}

    def customer(self, customer_id: int) -> Customer:
        customer = selectors.customer_get(dealership=self.dealership, customer_id=customer_id)
        if customer is None:
            raise Http404
        return customer

    def vehicle(self, vehicle_id: int) -> Vehicle:
        vehicle = selectors.vehicle_get(dealership=self.dealership, vehicle_id=vehicle_id)
        if vehicle is None:
            raise Http404
        return vehicle

    def today(self) -> date:
        return dealership_local_today(dealership=self.dealership, now=timezone.now())


# Room for a number as people type it: a country code, spaces, brackets and an extension.
PHONE_INPUT_MAX_LENGTH = 32


class PhoneField(serializers.CharField):
    """A phone number read in the dealership's region, written out in E.164."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", PHONE_INPUT_MAX_LENGTH)
        super().__init__(**kwargs)

    def to_internal_value(self, data: str) -> PhoneNumber | str:
        return clean_phone(super().to_internal_value(data), dealership=self.context["dealership"])

    def to_representation(self, value: object) -> str:
        return str(value) if value else ""


class CustomerSerializer(serializers.ModelSerializer):
    mobile_phone = PhoneField(required=False, allow_blank=True)
    other_phone = PhoneField(required=False, allow_blank=True)

    class Meta:
        model = Customer
        fields = ["id", *services.CUSTOMER_FIELDS, "opted_out_at", "created_at"]
        read_only_fields = ["id", "opted_out_at", "created_at"]


class VehicleSerializer(serializers.ModelSerializer):
    mileage_km = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=2_000_000)
    customer_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = Vehicle
        fields = ["id", "customer_id", *services.VEHICLE_FIELDS, "mileage_km", "mileage_read_on"]
        read_only_fields = ["id", "customer_id", "mileage_read_on"]

    def validate_vin(self, value: str) -> str:
        return clean_vin(value, dealership=self.context["dealership"])

    def validate_plate(self, value: str) -> str:
        return clean_plate(value) if value else ""

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return constraints_validated(Vehicle, attrs, instance=self.instance)


class MileageSerializer(serializers.ModelSerializer):
    class Meta:
        model = MileageReading
        fields = ["id", "read_on", "mileage_km", "source"]
        read_only_fields = ["id"]
        extra_kwargs = {"mileage_km": {"max_value": 2_000_000}}


class ProgrammeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Programme
        fields = [
            "id",
            "kind",
            "name",
            "valid_from",
            "valid_until",
            "mileage_limit_km",
            "entitles_courtesy_car",
            "entitles_pickup_delivery",
            "entitles_taxi",
            "entitles_rental_car",
            "benefit_value",
            "benefit_currency",
        ]
        read_only_fields = ["id"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return constraints_validated(Programme, attrs, instance=self.instance)


class CampaignSerializer(serializers.ModelSerializer):
    class Meta:
        model = Campaign
        fields = [
            "id",
            "code",
            "title",
            "description",
            "is_recall",
            "labour_minutes",
            "starts_on",
            "ends_on",
            "make",
            "model",
            "model_year_from",
            "model_year_to",
        ]
        read_only_fields = ["id"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        constraints_validated(Campaign, attrs, instance=self.instance)
        low, high = attrs.get("model_year_from"), attrs.get("model_year_to")
        if not attrs.get("make") and (attrs.get("model") or low or high):
            raise serializers.ValidationError(
                {"make": [_("Give the make when the campaign applies to a model or model years.")]}
            )
        return attrs


class SearchVehicleSerializer(serializers.ModelSerializer):
    matched = serializers.BooleanField()

    class Meta:
        model = Vehicle
        fields = ["id", "plate", "vin", "make", "model", "matched"]


class SearchHitSerializer(serializers.Serializer):
    customer = CustomerSerializer()
    matched_on = serializers.ChoiceField(choices=list(selectors.RANK), help_text="what the query matched")
    rank = serializers.IntegerField()
    vehicles = SearchVehicleSerializer(many=True)


class SearchQuerySerializer(serializers.Serializer):
    # CharField refuses NUL characters, which no database column can hold.
    q = serializers.CharField(
        max_length=100,
        required=False,
        allow_blank=True,
        default="",
        help_text="surname prefix, plate, VIN, VIN tail or phone",
    )


class CustomerSearchApi(CustomerApiBase):
    """R2.5: find customer files by surname, plate, VIN (or its last 6-8 characters) or phone."""

    @extend_schema(parameters=[SearchQuerySerializer], responses=SearchHitSerializer(many=True))
    def get(self, request: Request, dealership_slug: str) -> Response:
        search = SearchQuerySerializer(data=request.query_params)
        search.is_valid(raise_exception=True)
        matches = selectors.customer_search(dealership=self.dealership, query=search.validated_data["q"])
        data = [
            {
                "customer": match.customer,
                "matched_on": match.matched_on,
                "rank": match.rank,
                "vehicles": [
                    {
                        "id": v.id,
                        "plate": v.plate,
                        "vin": v.vin,
                        "make": v.make,
                        "model": v.model,
                        "matched": v.id in match.matched_vehicle_ids,
                    }
                    for v in match.customer.vehicles.all()
                ],
            }
            for match in matches
        ]
        return Response(SearchHitSerializer(data, many=True, context=self.get_serializer_context()).data)


class CustomerListApi(CustomerApiBase):
    @extend_schema(request=CustomerSerializer, responses={201: CustomerSerializer})
    def post(self, request: Request, dealership_slug: str) -> Response:
        serializer = CustomerSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        customer = services.customer_create(dealership=self.dealership, **serializer.validated_data)
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)


class CustomerDetailApi(CustomerApiBase):
    @extend_schema(responses=CustomerSerializer)
    def get(self, request: Request, dealership_slug: str, customer_id: int) -> Response:
        return Response(CustomerSerializer(self.customer(customer_id)).data)

    @extend_schema(request=CustomerSerializer, responses=CustomerSerializer)
    def patch(self, request: Request, dealership_slug: str, customer_id: int) -> Response:
        customer = self.customer(customer_id)
        serializer = CustomerSerializer(
            customer, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        customer = services.customer_update(
            dealership=self.dealership, customer=customer, **serializer.validated_data
        )
        return Response(CustomerSerializer(customer).data)


class CustomerVehicleListApi(CustomerApiBase):
    @extend_schema(responses=VehicleSerializer(many=True))
    def get(self, request: Request, dealership_slug: str, customer_id: int) -> Response:
        customer = self.customer(customer_id)
        return Response(
            VehicleSerializer(
                Vehicle.objects.for_dealership(self.dealership).filter(customer=customer), many=True
            ).data
        )

    @extend_schema(request=VehicleSerializer, responses={201: VehicleSerializer})
    def post(self, request: Request, dealership_slug: str, customer_id: int) -> Response:
        customer = self.customer(customer_id)
        serializer = VehicleSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        mileage = data.pop("mileage_km", None)
        vehicle = services.vehicle_create(
            dealership=self.dealership, customer=customer, mileage_km=mileage, **data
        )
        return Response(VehicleSerializer(vehicle).data, status=status.HTTP_201_CREATED)


class VehicleDetailApi(CustomerApiBase):
    @extend_schema(responses=VehicleSerializer)
    def get(self, request: Request, dealership_slug: str, vehicle_id: int) -> Response:
        return Response(VehicleSerializer(self.vehicle(vehicle_id)).data)

    @extend_schema(request=VehicleSerializer, responses=VehicleSerializer)
    def patch(self, request: Request, dealership_slug: str, vehicle_id: int) -> Response:
        vehicle = self.vehicle(vehicle_id)
        serializer = VehicleSerializer(
            vehicle, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if "mileage_km" in data:
            raise serializers.ValidationError(
                {"mileage_km": [_("Record mileage through the mileage endpoint.")]}
            )
        vehicle = services.vehicle_update(dealership=self.dealership, vehicle=vehicle, **data)
        return Response(VehicleSerializer(vehicle).data)


class VehicleMileageApi(CustomerApiBase):
    @extend_schema(responses=MileageSerializer(many=True))
    def get(self, request: Request, dealership_slug: str, vehicle_id: int) -> Response:
        vehicle = self.vehicle(vehicle_id)
        return Response(MileageSerializer(vehicle.mileage_readings.all(), many=True).data)

    @extend_schema(request=MileageSerializer, responses={201: MileageSerializer})
    def post(self, request: Request, dealership_slug: str, vehicle_id: int) -> Response:
        vehicle = self.vehicle(vehicle_id)
        serializer = MileageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        reading = services.mileage_record(
            dealership=self.dealership, vehicle=vehicle, **serializer.validated_data
        )
        return Response(MileageSerializer(reading).data, status=status.HTTP_201_CREATED)


class VehicleProgrammeApi(CustomerApiBase):
    @extend_schema(responses=ProgrammeSerializer(many=True))
    def get(self, request: Request, dealership_slug: str, vehicle_id: int) -> Response:
        return Response(ProgrammeSerializer(self.vehicle(vehicle_id).programmes.all(), many=True).data)

    @extend_schema(request=ProgrammeSerializer, responses={201: ProgrammeSerializer})
    def post(self, request: Request, dealership_slug: str, vehicle_id: int) -> Response:
        vehicle = self.vehicle(vehicle_id)
        serializer = ProgrammeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        programme = services.programme_create(
            dealership=self.dealership, vehicle=vehicle, **serializer.validated_data
        )
        return Response(ProgrammeSerializer(programme).data, status=status.HTTP_201_CREATED)


class VehicleOpenCampaignsApi(CustomerApiBase):
    """R2.4: the campaigns and recalls still open for this VIN, to add to the job list."""

    @extend_schema(responses=CampaignSerializer(many=True))
    def get(self, request: Request, dealership_slug: str, vehicle_id: int) -> Response:
        campaigns = selectors.open_campaigns(
            dealership=self.dealership, vehicle=self.vehicle(vehicle_id), today=self.today()
        )
        return Response(CampaignSerializer(campaigns, many=True).data)


class CampaignListApi(CustomerApiBase):
    write_capability = Capability.MANAGE_CAMPAIGNS

    @extend_schema(responses=CampaignSerializer(many=True))
    def get(self, request: Request, dealership_slug: str) -> Response:
        return Response(
            CampaignSerializer(selectors.campaign_list(dealership=self.dealership), many=True).data
        )

    @extend_schema(request=CampaignSerializer, responses={201: CampaignSerializer})
    def post(self, request: Request, dealership_slug: str) -> Response:
        serializer = CampaignSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        campaign = services.campaign_create(dealership=self.dealership, **serializer.validated_data)
        return Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)


class CsvUploadSerializer(serializers.Serializer):
    file = serializers.FileField()
    import_valid_rows = serializers.BooleanField(required=False, default=False)


class RowErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    column = serializers.CharField()
    message = serializers.CharField()


class ImportReportSerializer(serializers.Serializer):
    rows = serializers.IntegerField()
    imported = serializers.BooleanField()
    customers_created = serializers.IntegerField()
    vehicles_created = serializers.IntegerField()
    # DRF's metaclass takes declared fields off the class, so this does not replace
    # Serializer.errors; the stubs cannot know that.
    errors = RowErrorSerializer(many=True)  # type: ignore[assignment]


class CampaignVinsReportSerializer(ImportReportSerializer):
    vins_added = serializers.IntegerField()


def _refusal(report: type[serializers.Serializer], *, name: str) -> OpenApiResponse:
    """The 400 of an upload: the report when rows are wrong, the error shape when the file or
    the form cannot be read."""
    return OpenApiResponse(
        PolymorphicProxySerializer(
            component_name=name, serializers=[report, ErrorSerializer], resource_type_field_name=None
        ),
        description="Some rows are wrong: the report, by line, and nothing was imported. "
        "Or the file or the form cannot be read: the error shape.",
    )


def _file_error_response(error: importing.CsvFileError) -> Response:
    return Response(
        error_body(detail=" ".join(error.messages), code="invalid_file", errors={"file": error.messages}),
        status=status.HTTP_400_BAD_REQUEST,
    )


class CampaignVinsApi(CustomerApiBase):
    write_capability = Capability.MANAGE_CAMPAIGNS
    parser_classes = [MultiPartParser, FormParser, JSONParser]

    @extend_schema(
        request=CsvUploadSerializer,
        responses={
            200: CampaignVinsReportSerializer,
            400: _refusal(CampaignVinsReportSerializer, name="CampaignVinsRefusal"),
        },
    )
    def post(self, request: Request, dealership_slug: str, campaign_id: int) -> Response:
        campaign = selectors.campaign_get(dealership=self.dealership, campaign_id=campaign_id)
        if campaign is None:
            raise Http404
        upload = CsvUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            added, errors = importing.campaign_vins_import(
                dealership=self.dealership, campaign=campaign, raw=upload.validated_data["file"].read()
            )
        except importing.CsvFileError as error:
            return _file_error_response(error)
        report = {
            "rows": added + len(errors),
            "imported": not errors,
            "customers_created": 0,
            "vehicles_created": 0,
            "errors": errors,
            "vins_added": added,
        }
        return Response(
            CampaignVinsReportSerializer(report).data,
            status=status.HTTP_400_BAD_REQUEST if errors else status.HTTP_200_OK,
        )


class CustomerImportApi(CustomerApiBase):
    """Onboarding CSV: every row validated; nothing imported while a row is wrong, unless asked."""

    read_capability = Capability.IMPORT_DATA
    write_capability = Capability.IMPORT_DATA
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request=CsvUploadSerializer,
        responses={
            200: ImportReportSerializer,
            400: _refusal(ImportReportSerializer, name="CustomerImportRefusal"),
        },
    )
    def post(self, request: Request, dealership_slug: str) -> Response:
        upload = CsvUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            report = importing.customers_import(
                dealership=self.dealership,
                raw=upload.validated_data["file"].read(),
                import_valid_rows=upload.validated_data["import_valid_rows"],
            )
        except importing.CsvFileError as error:
            return _file_error_response(error)
        return Response(
            ImportReportSerializer(report).data,
            status=status.HTTP_200_OK if report.imported else status.HTTP_400_BAD_REQUEST,
        )


class CustomerExportApi(CustomerApiBase):
    """Everything held about the customer (the file, its vehicles, appointments...), by section."""

    read_capability = Capability.MANAGE_DEALERSHIP
    write_capability = Capability.MANAGE_DEALERSHIP

    @extend_schema(
        responses=OpenApiResponse(
            OpenApiTypes.OBJECT,
            description="customer_id, dealership, exported_at, then one list of records per section "
            "(customer, vehicles, ownerships, mileage_readings, programmes, campaign_declines, "
            "appointments, erasure...).",
        )
    )
    def get(self, request: Request, dealership_slug: str, customer_id: int) -> Response:
        export = privacy.customer_export(dealership=self.dealership, customer=self.customer(customer_id))
        return Response(export.as_json())


class CustomerEraseSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=services.ERASE_REASON_MAX_LENGTH, help_text="why, e.g. the request"
    )


class CustomerErasureSerializer(serializers.ModelSerializer):
    customer_id = serializers.IntegerField(read_only=True)
    erased_by = serializers.CharField(source="erased_by.username", read_only=True, allow_null=True)

    class Meta:
        model = CustomerErasure
        fields = ["customer_id", "erased_at", "erased_by", "reason"]
        read_only_fields = fields


class CustomerEraseApi(CustomerApiBase):
    """Erase the customer's personal data on request; the appointments and counts stay."""

    read_capability = Capability.MANAGE_DEALERSHIP
    write_capability = Capability.MANAGE_DEALERSHIP

    @extend_schema(request=CustomerEraseSerializer, responses={201: CustomerErasureSerializer})
    def post(self, request: Request, dealership_slug: str, customer_id: int) -> Response:
        customer = self.customer(customer_id)
        serializer = CustomerEraseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        erasure = services.customer_erase(
            dealership=self.dealership,
            customer=customer,
            by=self.access.user,
            reason=serializer.validated_data["reason"],
        )
        return Response(CustomerErasureSerializer(erasure).data, status=status.HTTP_201_CREATED)
