"""The answer to a request Django refuses before any view can: `handler400` in the URL root.

Django answers every SuspiciousOperation with handler400, among them RequestDataTooBig, raised
when a body over DATA_UPLOAD_MAX_MEMORY_SIZE is read (by a form view, or by the CSRF check of a
form post). That one is a 413. Under /api/ the answer is the API's error shape, in JSON.
"""

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views import defaults

from config.errors import error_body, too_large_message

API_PREFIX = "/api/"


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    too_large = isinstance(exception, RequestDataTooBig)
    if request.path_info.startswith(API_PREFIX):
        if too_large:
            return JsonResponse(error_body(detail=too_large_message(), code="too_large"), status=413)
        return JsonResponse(
            error_body(detail=_("The request cannot be read."), code="bad_request"), status=400
        )
    if too_large:
        return render(request, "413.html", {"message": too_large_message()}, status=413)
    return defaults.bad_request(request, exception)
