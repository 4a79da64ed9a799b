"""The OpenAPI schema documents the errors the server answers, in its one error shape.

`ApiAutoSchema` (REST_FRAMEWORK's DEFAULT_SCHEMA_CLASS) adds them to every operation from what
the operation is, so a new endpoint documents them without listing them; a view that declares a
status itself (`@extend_schema(responses={400: ...})`) keeps its own.
"""

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

FIELD_ERRORS_SCHEMA = {
    "oneOf": [
        {
            "type": "object",
            "description": "The messages by field name: a list of sentences, or the same shape for a "
            "nested field.",
            "additionalProperties": {},
        },
        {
            "type": "array",
            "description": "For a list payload: one entry per item, each by field name.",
            "items": {"type": "object", "additionalProperties": {}},
        },
    ]
}


@extend_schema_field(FIELD_ERRORS_SCHEMA)
class FieldErrorsField(serializers.JSONField):
    """The `errors` member of the error shape."""


class ErrorSerializer(serializers.Serializer):
    """The API's one error shape (config.errors.error_body)."""

    detail = serializers.CharField(help_text="What went wrong, in the caller's language.")
    code = serializers.CharField(
        help_text="A stable identifier to branch on, e.g. invalid, not_found, permission_denied, "
        "slot_taken, too_large."
    )
    # DRF's metaclass takes declared fields off the class, so this does not replace
    # Serializer.errors; the stubs cannot know that.
    errors = FieldErrorsField(  # type: ignore[assignment]
        required=False, help_text="Present when fields are at fault."
    )


ERROR_DESCRIPTIONS = {
    "400": "The request cannot be used: `errors` names the fields at fault.",
    "401": "An API token was sent that is malformed, unknown or revoked.",
    "403": "Not logged in, or the caller's role at this dealership does not allow it.",
    "404": "No such dealership or row, or not the caller's (both answer alike).",
    "409": "A business rule says no (e.g. the time was just taken); `code` says which.",
    "413": "The request body is over the size the server reads.",
    "429": "Too many requests; retry after the time in the Retry-After header.",
}


class ApiAutoSchema(AutoSchema):
    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        error = self.resolve_serializer(ErrorSerializer, "response").ref
        responses = operation["responses"]
        for status in self._error_statuses(operation):
            responses.setdefault(
                status,
                {
                    "description": ERROR_DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": error}},
                },
            )
        return operation

    def _error_statuses(self, operation: dict[str, Any]) -> list[str]:
        """The error statuses this operation can answer, from what it takes and who may call it."""
        parameters = operation.get("parameters", [])
        paginator = getattr(self.view, "paginator", None)  # a list view's, None elsewhere
        # A page that does not exist is a 404, not a 400 (DRF's pagination).
        page_parameters = (
            {p["name"] for p in paginator.get_schema_operation_parameters(self.view)} if paginator else set()
        )
        takes_body = "requestBody" in operation
        statuses = []
        if takes_body or any(p["in"] == "query" and p["name"] not in page_parameters for p in parameters):
            statuses.append("400")
        if self.view.get_authenticators():
            # A bad credential is refused before the permissions are asked, on any operation.
            statuses.append("401")
        if not all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions()):
            statuses.append("403")
        if any(p["in"] == "path" for p in parameters) or page_parameters:
            statuses.append("404")  # an unknown id or slug, or a page past the last
        if self.method in WRITE_METHODS:
            statuses.append("409")
        if takes_body:
            statuses.append("413")
        if self.view.get_throttles():
            statuses.append("429")
        return statuses


class WallClockTimeField(OpenApiSerializerFieldExtension):
    """A TimeField is a local wall-clock time with no UTC offset (opening hours in the
    dealership's zone), which JSON Schema's `format: time` (RFC 3339, offset required) is not."""

    target_class = "rest_framework.fields.TimeField"

    def map_serializer_field(self, auto_schema: AutoSchema, direction: str) -> dict[str, Any]:
        return {
            "type": "string",
            "maxLength": len("23:59:59.999999"),
            "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?$",
            "example": "08:30:00",
        }
