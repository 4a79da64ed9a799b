"""Staff pages of a dealership: home, hours, closures, staff. Thin: rules live in services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dealerships import selectors, services
from dealerships.access import Capability, StaffAccess
from dealerships.forms import ClosureForm, WeeklyHoursForm, weekly_hours_text
from dealerships.models import Dealership
from dealerships.scoping import staff_view


@login_required
def home(request: HttpRequest) -> HttpResponse:
    dealerships = list(selectors.dealership_list_for_user(user=request.user)[:2])
    if len(dealerships) == 1:
        return redirect("dealership_home", dealership_slug=dealerships[0].slug)
    return redirect("dealership_switcher")


@login_required
def dealership_switcher(request: HttpRequest) -> HttpResponse:
    dealerships = list(selectors.dealership_list_for_user(user=request.user).select_related("group"))
    wanted = request.GET.get("go")
    if wanted and any(d.slug == wanted for d in dealerships):
        return redirect("dealership_home", dealership_slug=wanted)
    return render(request, "dealerships/switcher.html", {"dealerships": dealerships})


def _weekly_hours(dealership: Dealership) -> list[tuple[str, str]]:
    return weekly_hours_text(selectors.opening_hours_list(dealership=dealership))


@staff_view()
def dealership_home(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    dealership = access.dealership
    now = timezone.now()
    local_now = now.astimezone(dealership.tz)
    today = selectors.dealership_local_today(dealership=dealership, now=now)
    upcoming = selectors.closure_list_upcoming(dealership=dealership, today=today)[:5]
    return render(
        request,
        "dealerships/home.html",
        {
            "dealership": dealership,
            "local_now": local_now,
            "closed_today": any(c.covers(today) for c in upcoming),
            "upcoming_closures": upcoming,
            "weekly_hours": _weekly_hours(dealership),
            "roles": sorted(access.roles),
        },
    )


@staff_view(Capability.MANAGE_CAPACITY)
@require_http_methods(["GET", "POST"])
def opening_hours_edit(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    dealership = access.dealership
    if request.method == "POST":
        form = WeeklyHoursForm(request.POST)
        if form.is_valid():
            try:
                services.opening_hours_replace(dealership=dealership, intervals=form.intervals)
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                messages.success(request, _("Opening hours saved."))
                return redirect("opening_hours_edit", dealership_slug=dealership.slug)
        status = 400
    else:
        initial = {f"day_{i}": text for i, (_label, text) in enumerate(_weekly_hours(dealership))}
        form = WeeklyHoursForm(initial=initial)
        status = 200
    return render(
        request, "dealerships/opening_hours.html", {"dealership": dealership, "form": form}, status=status
    )


@staff_view(Capability.MANAGE_CAPACITY)
@require_http_methods(["GET", "POST"])
def closure_list(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    dealership = access.dealership
    status = 200
    if request.method == "POST":
        form = ClosureForm(request.POST)
        if form.is_valid():
            services.closure_create(dealership=dealership, **form.cleaned_data)
            messages.success(request, _("Closure added."))
            return redirect("closure_list", dealership_slug=dealership.slug)
        status = 400
    else:
        form = ClosureForm()
    today = selectors.dealership_local_today(dealership=dealership, now=timezone.now())
    closures = selectors.closure_list_upcoming(dealership=dealership, today=today)
    return render(
        request,
        "dealerships/closures.html",
        {
            "dealership": dealership,
            "form": form,
            "closures": closures,
            "prefill_years": (today.year, today.year + 1),
        },
        status=status,
    )


@staff_view(Capability.MANAGE_CAPACITY)
@require_POST
def closure_delete(request: HttpRequest, access: StaffAccess, closure_id: int) -> HttpResponse:
    closure = selectors.closure_get(dealership=access.dealership, closure_id=closure_id)
    if closure is None:
        raise Http404
    services.closure_delete(dealership=access.dealership, closure=closure)
    messages.success(request, _("Closure removed."))
    return redirect("closure_list", dealership_slug=access.dealership.slug)


@staff_view(Capability.MANAGE_CAPACITY)
@require_POST
def closures_prefill(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """Close on the country's and region's public holidays of this or next year."""
    today = selectors.dealership_local_today(dealership=access.dealership, now=timezone.now())
    try:
        year = int(request.POST.get("year", ""))
    except ValueError:
        year = 0
    if year not in (today.year, today.year + 1):
        messages.error(request, _("Choose this year or next year."))
        return redirect("closure_list", dealership_slug=access.dealership.slug)
    try:
        created = services.closures_prefill_public_holidays(dealership=access.dealership, year=year)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            ngettext(
                "%(count)s public holiday of %(year)s added.",
                "%(count)s public holidays of %(year)s added.",
                len(created),
            )
            % {"count": len(created), "year": year},
        )
    return redirect("closure_list", dealership_slug=access.dealership.slug)


@staff_view(Capability.MANAGE_DEALERSHIP)
def staff_list(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    memberships = selectors.membership_list(dealership=access.dealership)
    return render(
        request, "dealerships/staff.html", {"dealership": access.dealership, "memberships": memberships}
    )


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for the load balancer and docker-compose."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok"})
