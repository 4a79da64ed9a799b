"""The OpenAPI schema says what the server does: every operation documents the errors it can
answer in the one error shape, the query parameters declare their bounds, and the bodies the
server really answers match what the schema declares for them."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from jsonschema import Draft7Validator

from bookings.api.availability import AvailabilityQuerySerializer, WorkloadQuerySerializer
from customers.api import SearchQuerySerializer
from dealerships.models import Role
from tests.factories.customers import CampaignFactory

ERROR_REF = "#/components/schemas/Error"
WRITE_METHODS = {"post", "put", "patch", "delete"}


@pytest.fixture
def schema(client, db):
    response = client.get(reverse("api_schema"), HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            yield f"{method.upper()} {path}", method, operation


def documented_schema(operation, status):
    return operation["responses"][status]["content"]["application/json"]["schema"]


def in_error_shape(schema, node):
    """The error shape, or a view's own extension of it (its `detail` and `code`, and more), or
    a choice of answers among which one of those is."""
    if "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    if "oneOf" in node:
        return any(in_error_shape(schema, choice) for choice in node["oneOf"])
    required = set(node.get("required", ()))
    return {"detail", "code"} <= required and node["properties"]["detail"]["type"] == "string"


def takes_input(operation):
    query = [p for p in operation.get("parameters", []) if p["in"] == "query" and p["name"] != "page"]
    return "requestBody" in operation or bool(query)


def validator(schema, target):
    """A JSON Schema validator of `target` that resolves the document's component references."""
    return Draft7Validator({**target, "components": schema["components"]})


def test_the_error_shape_is_a_component(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "code"}
    assert {"detail", "code", "errors"} <= set(error["properties"])


def test_every_operation_documents_403_and_404_in_the_error_shape(schema):
    for name, _method, operation in operations(schema):
        for status in ("403", "404"):
            assert in_error_shape(schema, documented_schema(operation, status)), (name, status)


def test_every_operation_that_reads_input_documents_400_in_the_error_shape(schema):
    for name, _method, operation in operations(schema):
        if not takes_input(operation):
            assert "400" not in operation["responses"], name  # nothing it reads can be wrong
            continue
        # An upload answers its own report when rows are wrong; the error shape is among its answers.
        assert in_error_shape(schema, documented_schema(operation, "400")), name


def test_writes_document_409_and_bodies_413(schema):
    for name, method, operation in operations(schema):
        if method in WRITE_METHODS:
            assert in_error_shape(schema, documented_schema(operation, "409")), name
        if "requestBody" in operation:
            assert in_error_shape(schema, documented_schema(operation, "413")), name


def test_no_operation_documents_429_while_the_api_has_no_throttle(schema):
    assert not [name for name, _method, operation in operations(schema) if "429" in operation["responses"]]


def test_the_generated_schema_is_valid_openapi(schema):
    from drf_spectacular.validation import validate_schema

    validate_schema(schema)


def query_parameter(schema, path_end, name):
    for path, item in schema["paths"].items():
        if path.endswith(path_end):
            for parameter in item["get"]["parameters"]:
                if parameter["name"] == name:
                    return parameter["schema"]
    raise AssertionError(f"no {name} on {path_end}")


@pytest.mark.parametrize(
    ("path_end", "serializer", "name"),
    [
        ("/workload/", WorkloadQuerySerializer, "days"),
        ("/availability/", AvailabilityQuerySerializer, "alternatives"),
        ("/availability/", AvailabilityQuerySerializer, "extra_minutes"),
    ],
)
def test_numeric_query_parameters_declare_the_bounds_the_server_checks(schema, path_end, serializer, name):
    field = serializer().fields[name]
    declared = query_parameter(schema, path_end, name)
    assert (declared["minimum"], declared["maximum"]) == (field.min_value, field.max_value)


def test_the_search_text_declares_its_length_bound(schema):
    declared = query_parameter(schema, "/search/", "q")
    assert declared["maxLength"] == SearchQuerySerializer().fields["q"].max_length


def test_request_bodies_declare_a_bound_on_every_free_string(schema):
    components = schema["components"]["schemas"]
    unbounded = []

    def walk(node, where, seen):
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                walk(components[name], name, seen | {name})
            return
        if node.get("type") == "array":
            walk(node.get("items", {}), where, seen)
        for sub in node.get("oneOf", []) + node.get("allOf", []):
            walk(sub, where, seen)
        for field, prop in node.get("properties", {}).items():
            if prop.get("readOnly"):
                continue
            if prop.get("type") == "string" and not {"maxLength", "enum", "format"} & set(prop):
                unbounded.append(f"{where}.{field}")
            walk(prop, f"{where}.{field}", seen)

    for name, _method, operation in operations(schema):
        for content in operation.get("requestBody", {}).get("content", {}).values():
            walk(content["schema"], name, set())
    assert not unbounded


def test_the_import_answers_400_in_the_shape_it_declares(client, member_of, milano, schema):
    client.force_login(member_of(Role.DEALER_MANAGER))
    url = reverse("api_customer_import", kwargs={"dealership_slug": "milano"})
    operation = schema["paths"]["/api/v1/dealerships/{dealership_slug}/customers/import/"]["post"]
    declared = validator(schema, documented_schema(operation, "400"))
    refusals = [
        # a wrong row: the report, by line
        client.post(url, {"file": SimpleUploadedFile("c.csv", b"family_name,mobile_phone\nBianchi,12\n")}),
        # a file that is not text: the error shape
        client.post(url, {"file": SimpleUploadedFile("c.csv", b"\xff\xfe\x00")}),
        # no file at all: the error shape
        client.post(url, {}),
    ]
    for response in refusals:
        assert response.status_code == 400
        assert not list(declared.iter_errors(response.json())), response.json()


def test_the_campaign_vin_upload_answers_in_the_shapes_it_declares(client, member_of, milano, schema):
    client.force_login(member_of(Role.DEALER_MANAGER))
    campaign = CampaignFactory(dealership=milano)
    url = reverse("api_campaign_vins", kwargs={"dealership_slug": "milano", "campaign_id": campaign.id})
    operation = schema["paths"]["/api/v1/dealerships/{dealership_slug}/campaigns/{campaign_id}/vins/"]["post"]
    refused = client.post(url, {"file": SimpleUploadedFile("v.csv", b"vin\nNOT-A-VIN\n")})
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["line"] == 2
    assert not list(validator(schema, documented_schema(operation, "400")).iter_errors(refused.json()))
    added = client.post(url, {"file": SimpleUploadedFile("v.csv", b"vin\nZFA3120000J111222\n")})
    assert added.status_code == 200
    assert added.json()["vins_added"] == 1
    assert not list(validator(schema, documented_schema(operation, "200")).iter_errors(added.json()))


def test_the_errors_the_server_answers_match_the_documented_shape(client, member_of, milano, sevilla, schema):
    error = validator(schema, {"$ref": ERROR_REF})
    anonymous = client.get(reverse("api_dealership_detail", kwargs={"dealership_slug": "milano"}))
    client.force_login(member_of(Role.TECHNICIAN))
    answers = {
        403: anonymous,
        404: client.get(reverse("api_dealership_detail", kwargs={"dealership_slug": "sevilla"})),
        400: client.get(reverse("api_workload", kwargs={"dealership_slug": "milano"}), {"days": "0"}),
    }
    for status, response in answers.items():
        assert response.status_code == status
        assert not list(error.iter_errors(response.json())), response.json()
        assert response.json()["code"]
