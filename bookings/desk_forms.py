"""Forms of the desk's appointment pages: the agenda's filters and the changes of an appointment."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings import lifecycle
from bookings.forms import DealershipAnswersForm
from bookings.models import AppointmentStatus, Channel
from bookings.requests import service_day_validate
from bookings.services.transitions import REASON_MAX_LENGTH
from workshop.models import Advisor


class AgendaForm(forms.Form):
    """Which appointments the agenda shows: a day or the week around it, for whom, in which state."""

    DAY, WEEK = "day", "week"

    day = forms.DateField(
        label=_("Day"),
        required=False,
        validators=[service_day_validate],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    span = forms.ChoiceField(
        label=_("Show"), choices=[(DAY, _("Day")), (WEEK, _("Week"))], required=False, initial=DAY
    )
    advisor = forms.TypedChoiceField(label=_("Advisor"), coerce=int, required=False, empty_value=None)
    status = forms.MultipleChoiceField(
        label=_("Status"),
        choices=AppointmentStatus.choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    channel = forms.MultipleChoiceField(
        label=_("Booked by"),
        choices=Channel.choices,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )

    def __init__(self, *args: Any, advisors: list[Advisor], **kwargs: Any):
        super().__init__(*args, **kwargs)
        cast(forms.TypedChoiceField, self.fields["advisor"]).choices = [
            ("", _("Every advisor")),
            *((a.id, a.name) for a in advisors),
        ]


class StatusChangeForm(forms.Form):
    """A step of the appointment's lifecycle, with the reason where the lifecycle wants one."""

    status = forms.ChoiceField(label=_("New status"), choices=AppointmentStatus.choices)
    reason = forms.CharField(label=_("Reason"), max_length=REASON_MAX_LENGTH, required=False)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        target = cleaned.get("status")
        if target and target in lifecycle.NEEDS_REASON and not cleaned.get("reason", "").strip():
            self.add_error("reason", _("Say why the appointment is cancelled."))
        return cleaned


class MoveWishForm(DealershipAnswersForm):
    """The day the customer would rather come, within the booking horizon; none means the earliest."""

    wished_date = forms.DateField(
        label=_("Wished day"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
