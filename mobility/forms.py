"""The mobility pages' forms: they check the shape; the services check the rules."""

from datetime import date
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mobility.models import NOTES_MAX_LENGTH, FleetVehicle
from mobility.page_selectors import BOARD_DAYS

LOCAL_INPUT = "%Y-%m-%dT%H:%M"
MAX_MILEAGE_KM = 2_000_000


class LocalDateTimeField(forms.DateTimeField):
    """A wall-clock time in the dealership's zone (the page's active zone), from a
    datetime-local input."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format=LOCAL_INPUT)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(input_formats=[LOCAL_INPUT, "%Y-%m-%d %H:%M"], **kwargs)


class BoardForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    days = forms.TypedChoiceField(
        label=_("Days shown"),
        choices=[(n, str(n)) for n in BOARD_DAYS],
        coerce=int,
        required=False,
        empty_value=None,
    )

    def clean_start(self) -> date | None:
        start = self.cleaned_data.get("start")
        if start is not None and not 2000 <= start.year <= 2200:
            raise forms.ValidationError(_("Choose a date between 2000 and 2200."))
        return start


class MoveForm(forms.Form):
    departure_at = LocalDateTimeField(label=_("Departure"))
    return_at = LocalDateTimeField(label=_("Return"))
    fleet_vehicle = forms.ModelChoiceField(
        label=_("Vehicle"),
        queryset=FleetVehicle.objects.none(),
        required=False,
        empty_label=_("Keep it, or any free one"),
    )

    def __init__(self, *args: Any, vehicles: QuerySet[FleetVehicle], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["fleet_vehicle"].queryset = vehicles  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        departure, back = data.get("departure_at"), data.get("return_at")
        if departure and back and back <= departure:
            self.add_error("return_at", _("The return must be after the departure."))
        return data


class HandOverOutForm(forms.Form):
    licence_checked = forms.BooleanField(label=_("Driving licence checked"), required=False)
    registration_checked = forms.BooleanField(label=_("Vehicle registration checked"), required=False)
    mileage_km = forms.IntegerField(
        label=_("Mileage (km)"), min_value=0, max_value=MAX_MILEAGE_KM, required=False
    )
    fuel_percent = forms.IntegerField(label=_("Fuel (%)"), min_value=0, max_value=100, required=False)
    damage_notes = forms.CharField(
        label=_("Damage noted"),
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, vehicle: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("mileage_km", "fuel_percent"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"
        if not vehicle:
            for name in ("licence_checked", "mileage_km", "fuel_percent", "damage_notes"):
                del self.fields[name]


class HandOverBackForm(forms.Form):
    mileage_km = forms.IntegerField(
        label=_("Mileage (km)"), min_value=0, max_value=MAX_MILEAGE_KM, required=False
    )
    fuel_percent = forms.IntegerField(label=_("Fuel (%)"), min_value=0, max_value=100, required=False)
    damage_notes = forms.CharField(
        label=_("Damage noted"),
        required=False,
        max_length=NOTES_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, vehicle: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("mileage_km", "fuel_percent"):
            self.fields[name].widget.attrs["inputmode"] = "numeric"
        if not vehicle:
            for name in ("mileage_km", "fuel_percent", "damage_notes"):
                del self.fields[name]
