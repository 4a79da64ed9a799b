"""The one error tree of the domain, and its one mapping to HTTP.

Every error the API answers has one shape (`error_body`): `detail`, a sentence in the caller's
language; `code`, a stable identifier to branch on; `errors`, the messages by field when fields
are at fault; and, for some domain errors, a few more keys (the next free times, say).
"""

from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler


class DomainError(Exception):
    """A rule of the business said no. Subclasses set the code, message and HTTP status."""

    code: str = "domain_error"
    status_code: int = status.HTTP_409_CONFLICT
    default_message: str | Promise = _("The request breaks a business rule.")

    def __init__(self, message: str | Promise | None = None, *, field: str | None = None, **extra: Any):
        self.message = message if message is not None else self.default_message
        self.field = field
        self.extra = extra
        super().__init__(str(self.message))


def error_body(*, detail: str | Promise, code: str, errors: object = None, **extra: Any) -> dict[str, Any]:
    """The API's one error shape."""
    body: dict[str, Any] = {"detail": str(detail), "code": code, **extra}
    if errors is not None:
        body["errors"] = errors
    return body


def too_large_message() -> str:
    """What a caller whose request body is over DATA_UPLOAD_MAX_MEMORY_SIZE is told."""
    limit_mb = settings.DATA_UPLOAD_MAX_MEMORY_SIZE / (1024 * 1024)
    return _("The request is too large: send at most %(size)s MB.") % {"size": f"{limit_mb:.1f}"}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF exception handler: every error in the one shape; domain and model validation errors
    become field-level 4xx JSON, an oversized body 413."""
    if isinstance(exc, DomainError):
        return Response(
            error_body(
                detail=exc.message,
                code=exc.code,
                errors={exc.field: [str(exc.message)]} if exc.field else None,
                **exc.extra,
            ),
            status=exc.status_code,
        )
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            errors = {field: [str(m) for m in messages] for field, messages in exc.message_dict.items()}
        else:
            errors = {"non_field_errors": [str(m) for m in exc.messages]}
        return Response(
            error_body(detail=_("Some fields are not valid."), code="invalid", errors=errors),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, exceptions.ValidationError):
        # A dict names fields; a list of dicts is one entry per item of a list payload.
        detail = exc.detail
        if isinstance(detail, list) and not any(isinstance(item, dict) for item in detail):
            detail = {"non_field_errors": detail}
        return Response(
            error_body(detail=_("Some fields are not valid."), code="invalid", errors=detail),
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, RequestDataTooBig):
        # Raised when the view reads a body over DATA_UPLOAD_MAX_MEMORY_SIZE; nothing was parsed.
        return Response(
            error_body(detail=too_large_message(), code="too_large"),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        response.data = error_body(detail=response.data["detail"], code=_api_exception_code(exc))
    return response


def _api_exception_code(exc: Exception) -> str:
    """The code of an exception DRF answers itself (not found, permission denied, throttled...)."""
    if isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        return codes if isinstance(codes, str) else exc.default_code
    if isinstance(exc, Http404):
        return exceptions.NotFound.default_code
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied.default_code
    return "error"


class SlotTaken(DomainError):
    """The time chosen is no longer free: another booking took it first."""

    code = "slot_taken"
    status_code = status.HTTP_409_CONFLICT
    default_message = _("That time was just taken. Here are the next free times.")


class IllegalTransition(DomainError):
    code = "illegal_transition"
    status_code = status.HTTP_409_CONFLICT
    default_message = _("The appointment cannot go to that state from where it is.")


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_message = _("This Idempotency-Key was already used for a different request.")


class ForeignRow(DomainError, Http404):
    """A row of another dealership reached a service. The views scope every lookup to the
    dealership first, so this is a backstop; it answers like an unknown id, 404 (R1.2)."""

    code = "not_found"
    status_code = status.HTTP_404_NOT_FOUND
    default_message = _("Not found.")
