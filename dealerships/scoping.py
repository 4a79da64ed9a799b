"""Wrappers that put every tenant URL through `dealership_access_for` before the view runs.

HTML views use `@staff_view(...)` or `@public_view`; API views inherit `DealershipApiMixin`.
Each marks its view `tenant_scoped`, and tests/dealerships/test_walls.py fails for any URL
with a `dealership_slug` whose view is not marked, so a new view cannot skip the check.
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django_htmx.middleware import HtmxDetails
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from dealerships.access import Capability, StaffAccess, dealership_access_for, public_dealership_for
from dealerships.models import ApiToken, Dealership

StaffViewFunc = Callable[..., HttpResponse]


class HtmxRequest(HttpRequest):
    """A request as django-htmx's middleware leaves it: `htmx` tells an htmx call from a page load."""

    htmx: HtmxDetails


def staff_view(
    capability: Capability = Capability.VIEW_DEALERSHIP,
) -> Callable[[StaffViewFunc], StaffViewFunc]:
    """Resolve /d/<dealership_slug>/ for a logged-in member holding `capability`.

    The view is called as view(request, access, **other_url_kwargs).
    """

    def decorator(view: StaffViewFunc) -> StaffViewFunc:
        @wraps(view)
        def wrapper(request: HttpRequest, dealership_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            access = dealership_access_for(user=request.user, slug=dealership_slug)
            if not access.can(capability):
                raise PermissionDenied
            request.staff_access = access  # type: ignore[attr-defined]  # read by the navigation
            # Every time on a dealership's page is shown in the dealership's own zone.
            with timezone.override(access.dealership.tz):
                return view(request, access, *args, **kwargs)

        # Marks on the function object, which its type does not declare; the capability is
        # read by the authorisation matrix test.
        wrapper.tenant_scoped = True  # type: ignore[attr-defined]
        wrapper.capability = capability  # type: ignore[attr-defined]
        return wrapper

    return decorator


def public_view(view: StaffViewFunc) -> StaffViewFunc:
    """Resolve /book/<dealership_slug>/ for customers; the view gets the Dealership."""

    @wraps(view)
    def wrapper(request: HttpRequest, dealership_slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        dealership = public_dealership_for(slug=dealership_slug)
        with timezone.override(dealership.tz):
            return view(request, dealership, *args, **kwargs)

    wrapper.tenant_scoped = True  # type: ignore[attr-defined]
    wrapper.public = True  # type: ignore[attr-defined]  # customers' pages: no login, no staff data
    return wrapper


class DealershipApiMixin(APIView):
    """For DRF views under /api/v1/dealerships/<dealership_slug>/.

    Resolves the tenant after DRF has authenticated the request, and checks the capability:
    `read_capability` for safe methods, `write_capability` for the rest. A caller logged in
    with an API token limited to another dealership is answered as any outsider is: 404.
    """

    tenant_scoped = True
    read_capability: Capability = Capability.VIEW_DEALERSHIP
    write_capability: Capability = Capability.MANAGE_DEALERSHIP
    access: StaffAccess

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        self.access = dealership_access_for(user=request.user, slug=kwargs["dealership_slug"])
        if not token_reaches(request.auth, self.access.dealership):
            raise Http404
        needed = (
            self.read_capability if request.method in ("GET", "HEAD", "OPTIONS") else self.write_capability
        )
        if not self.access.can(needed):
            raise exceptions.PermissionDenied
        # Datetimes in responses are rendered in the dealership's zone (with their offset).
        timezone.activate(self.access.dealership.tz)

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        timezone.deactivate()
        return super().finalize_response(request, response, *args, **kwargs)

    @property
    def dealership(self) -> Dealership:
        return self.access.dealership


def token_reaches(auth: object, dealership: Dealership) -> bool:
    """Whether the credential the API was called with may act at the dealership: a session or
    an unlimited token may wherever its user may, a limited token only at its dealership."""
    return not isinstance(auth, ApiToken) or auth.dealership_id in (None, dealership.id)


def api_dealerships_reached(request: Request, dealerships: QuerySet[Dealership]) -> QuerySet[Dealership]:
    """Of the caller's dealerships, those the credential they called with may act at."""
    token = request.auth
    if isinstance(token, ApiToken) and token.dealership_id is not None:
        return dealerships.filter(id=token.dealership_id)
    return dealerships
