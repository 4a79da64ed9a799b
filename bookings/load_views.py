"""The week's load page: supply against demand, per advisor and per skill."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from bookings.capacity import capacity_load
from bookings.requests import service_day_validate
from dealerships.access import Capability, StaffAccess
from dealerships.scoping import staff_view
from workshop import availability
from workshop.models import Skill


@staff_view(Capability.VIEW_DEALERSHIP)
def workload_week(request: HttpRequest, access: StaffAccess) -> HttpResponse:
    """A week of load: booked customers against maxima per advisor, labour against technician
    hours per skill, kept-free time left (R4.2, R4.3, R4.8)."""
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("start", ""))
        service_day_validate(start)
    except (ValueError, ValidationError):  # not a day, or one no desk works on: this week
        start = today
    monday = start - timedelta(days=start.weekday())
    snapshot = capacity_load(dealership=access.dealership, start=monday, end=monday + timedelta(days=6))
    # R4.3, R4.6: today's kept-free quarters already past are not left for urgent work.
    days = availability.day_loads(snapshot, now=timezone.now())
    advisor_names = {a.advisor_id: a.name for day in days for a in day.advisors}
    advisor_rows = [
        (name, [next((a for a in day.advisors if a.advisor_id == advisor_id), None) for day in days])
        for advisor_id, name in sorted(advisor_names.items(), key=lambda item: item[1])
    ]
    skills = sorted({s.skill for day in days for s in day.skills})
    skill_rows = [
        (
            Skill(skill).label if skill in Skill.values else skill,
            [next((s for s in day.skills if s.skill == skill), None) for day in days],
        )
        for skill in skills
    ]
    return render(
        request,
        "bookings/load.html",
        {
            "dealership": access.dealership,
            "days": days,
            "advisor_rows": advisor_rows,
            "skill_rows": skill_rows,
            "monday": monday,
            "previous_week": monday - timedelta(days=7),
            "next_week": monday + timedelta(days=7),
            "today": today,
        },
    )
