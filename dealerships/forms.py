"""Forms check the shape of input; the services check the rules."""

import itertools
import re
from collections.abc import Iterable
from datetime import time
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from config.constraints import form_constraint_errors_add
from dealerships.models import Closure, OpeningHours, Weekday
from dealerships.services import OpeningInterval

_INTERVAL = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s*[-–]\s*(\d{1,2})[:.](\d{2})\s*$")


def parse_intervals(text: str) -> list[tuple[time, time]]:
    """Parse "08:00-12:30, 14:00-18:30" into (opens, closes) pairs; empty text means closed."""
    pairs = []
    for chunk in filter(None, (part.strip() for part in text.split(","))):
        match = _INTERVAL.match(chunk)
        if not match:
            raise forms.ValidationError(
                _("Write the hours as 08:00-12:30, with commas between intervals; “%(chunk)s” is not."),
                params={"chunk": chunk},
            )
        h1, m1, h2, m2 = (int(g) for g in match.groups())
        if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
            raise forms.ValidationError(_("“%(chunk)s” is not a time of day."), params={"chunk": chunk})
        opens, closes = time(h1, m1), time(h2, m2)
        if opens >= closes:
            raise forms.ValidationError(
                _("In “%(chunk)s” the closing time is not after the opening time."), params={"chunk": chunk}
            )
        pairs.append((opens, closes))
    pairs.sort()
    for (_o1, c1), (o2, _c2) in itertools.pairwise(pairs):
        if o2 < c1:
            raise forms.ValidationError(_("These intervals overlap."))
    return pairs


def format_intervals(pairs: list[tuple[time, time]]) -> str:
    return ", ".join(f"{opens:%H:%M}-{closes:%H:%M}" for opens, closes in pairs)


def weekly_hours_text(opening_hours: Iterable[OpeningHours]) -> list[tuple[str, str]]:
    """(weekday, "08:00-12:30, 14:00-18:30") for every weekday, "" when closed."""
    by_day: dict[int, list[tuple[time, time]]] = {day.value: [] for day in Weekday}
    for row in opening_hours:
        by_day[row.weekday].append((row.opens, row.closes))
    return [(str(day.label), format_intervals(by_day[day.value])) for day in Weekday]


class WeeklyHoursForm(forms.Form):
    """One text box per weekday, e.g. "08:00-12:30, 14:00-18:30"; empty means closed."""

    empty_help = _("Empty means closed.")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day in Weekday:
            self.fields[f"day_{day.value}"] = forms.CharField(
                label=day.label,
                required=False,
                help_text=self.empty_help,
                widget=forms.TextInput(attrs={"placeholder": "08:00-12:30, 14:00-18:30"}),
            )

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        self.intervals: list[OpeningInterval] = []
        for day in Weekday:
            field = f"day_{day.value}"
            if field in self.errors:
                continue
            try:
                pairs = parse_intervals(cleaned.get(field, ""))
            except forms.ValidationError as error:
                self.add_error(field, error)
                continue
            self.intervals.extend(OpeningInterval(weekday=day.value, opens=o, closes=c) for o, c in pairs)
        return cleaned


class ClosureForm(forms.ModelForm):
    class Meta:
        model = Closure
        fields = ["start_date", "end_date", "reason"]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        form_constraint_errors_add(self, Closure)
        return cleaned


def add_service_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Attach a service's ValidationError to the form: on the field it names, else to the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        form.add_error(field if field in form.fields else None, errors)
