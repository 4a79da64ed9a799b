"""The token login's entry among the OpenAPI schema's security schemes (drf-spectacular).

An extension registers itself when its class is defined: DealershipsConfig.ready imports this."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema

from dealerships.api_tokens.authentication import ApiTokenAuthentication


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = ApiTokenAuthentication
    name = "apiToken"

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, str]:
        return {
            "type": "http",
            "scheme": "bearer",
            "description": (
                "An API token made on the API tokens page or with `manage.py api_token_create`, "
                "sent as `Authorization: Bearer <token>`. It acts as its owner, at the dealership "
                "it is limited to or at all of the owner's dealerships; a revoked or unknown "
                "token is answered 401."
            ),
        }
