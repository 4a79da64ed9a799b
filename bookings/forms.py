"""The booking pages' forms: the answers checked for shape and against the dealership (its
catalogue, advisors and booking horizon); the booking rules are in the engine and the services."""

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bookings import requests
from bookings.models import AppointmentKind
from bookings.services import AppointmentDetails
from customers.models import Vehicle
from dealerships.models import Dealership
from workshop.capacity_settings import CapacitySettings
from workshop.models import Advisor, Job, Skill

NO_MOBILITY, COURTESY_CAR = "none", "courtesy_car"
MORE_TIMES = 4  # R4.4: the alternatives "more times" asks for
MOBILITY_OPTIONS = [
    (NO_MOBILITY, _("No mobility needed")),
    (COURTESY_CAR, _("Courtesy car")),
    ("pickup_delivery", _("Pick-up and delivery")),
    ("taxi", _("Taxi")),
    ("staff_driver", _("A staff member drives the customer")),
    ("public_transport", _("Public transport")),
    ("other", _("Other")),
]


class DealershipAnswersForm(forms.Form):
    """A booking form whose answers are checked against the dealership's capacity settings
    (its catalogue, its advisors, its booking horizon) as of its local `today`."""

    def __init__(self, *args: Any, settings: CapacitySettings, today: date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.settings, self.today = settings, today

    def clean_wished_date(self) -> date | None:
        wished: date | None = self.cleaned_data["wished_date"]
        problem = requests.wished_day_error(settings=self.settings, today=self.today, wished_day=wished)
        if problem:
            raise forms.ValidationError(problem)
        return wished

    def choices_set(self, field: str, choices: list[tuple[Any, str | Promise]]) -> None:
        cast(forms.ChoiceField, self.fields[field]).choices = choices


class PhoneBookingForm(DealershipAnswersForm):
    """Everything the operator records during the call (R2.2-R2.6, R4), carried in the URL
    from step to step so the page can be reloaded or sent back at any point."""

    customer = forms.IntegerField(widget=forms.HiddenInput)
    vehicle = forms.TypedChoiceField(label=_("Vehicle"), coerce=int, widget=forms.RadioSelect)
    mileage_km = forms.IntegerField(
        label=_("mileage today (km)"), min_value=0, max_value=2_000_000, required=False
    )
    kind = forms.ChoiceField(
        label=_("Reason for the call"), choices=AppointmentKind.choices, widget=forms.RadioSelect
    )
    urgent = forms.BooleanField(
        label=_("Urgent: risk of damage (engine fault, loss of power, warning lights)"), required=False
    )
    jobs = forms.MultipleChoiceField(label=_("Jobs"), widget=forms.CheckboxSelectMultiple, required=False)
    extra_minutes = forms.IntegerField(
        label=_("other work (minutes)"),
        min_value=1,
        max_value=5 * 24 * 60,
        required=False,
        help_text=_("Labour not in the catalogue, such as a diagnosis of a described fault."),
    )
    extra_skill = forms.ChoiceField(label=_("skill needed"), choices=Skill.choices, initial=Skill.MAINTENANCE)
    customer_requests = forms.CharField(
        label=_("work requested, in the customer's words"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )
    test_drive_needed = forms.BooleanField(label=_("test drive needed"), required=False)
    replacement_vehicle_wanted = forms.BooleanField(label=_("replacement vehicle wanted"), required=False)
    special_requests = forms.CharField(
        label=_("special requests"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    wished_date = forms.DateField(
        label=_("day the customer would like"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    more = forms.BooleanField(required=False, widget=forms.HiddenInput)
    mobility = forms.ChoiceField(
        label=_("Mobility while the car is in"),
        choices=MOBILITY_OPTIONS,
        initial="none",
        widget=forms.RadioSelect,
    )

    def __init__(self, *args: Any, vehicles: Iterable[Vehicle] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.vehicles = {vehicle.id: vehicle for vehicle in vehicles}
        self.choices_set("vehicle", [(v.id, str(v)) for v in self.vehicles.values()])
        self.choices_set(
            "jobs",
            [
                (job.code, f"{job.name} ({job.labour_minutes} min)")
                for job in self.settings.active_jobs_by_code.values()
            ],
        )

    def clean_jobs(self) -> tuple[Job, ...]:
        return tuple(self.settings.active_jobs_by_code[code] for code in self.cleaned_data["jobs"])

    def clean_vehicle(self) -> Vehicle:
        return self.vehicles[self.cleaned_data["vehicle"]]

    def clean(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        if not cleaned.get("jobs") and not cleaned.get("extra_minutes") and "jobs" not in self.errors:
            self.add_error("jobs", requests.no_work_error())
        return cleaned

    def work_wanted(self) -> requests.WorkWanted:
        data = self.cleaned_data
        extra = None
        if data["extra_minutes"]:
            extra = requests.ExtraLabour(minutes=data["extra_minutes"], skill=data["extra_skill"])
        return requests.WorkWanted(
            jobs=data["jobs"],
            extra=extra,
            vehicle=data["vehicle"],
            urgent=data["urgent"],
            comeback=data["kind"] == AppointmentKind.COMEBACK,
            wished_day=data["wished_date"],
            alternatives=MORE_TIMES if data["more"] else 0,
            mobility_needed=data["mobility"] != NO_MOBILITY,
        )

    def appointment_details(self) -> AppointmentDetails:
        data = self.cleaned_data
        return AppointmentDetails(
            kind=data["kind"],
            customer_requests=data["customer_requests"],
            test_drive_needed=data["test_drive_needed"],
            replacement_vehicle_wanted=data["replacement_vehicle_wanted"] or data["mobility"] == COURTESY_CAR,
            special_requests=data["special_requests"],
            mileage_km=data["mileage_km"],
        )


class ProposalChoiceForm(forms.Form):
    """The time the customer chose, as "<advisor id>|<drop-off ISO time>"."""

    proposal = forms.CharField(widget=forms.HiddenInput)

    def clean_proposal(self) -> tuple[int, datetime]:
        advisor, _sep, moment = self.cleaned_data["proposal"].partition("|")
        try:
            chosen = int(advisor), datetime.fromisoformat(moment)
        except ValueError:
            chosen = None
        # The offered times carry their offset, and lie within the service calendar.
        first, last = requests.SERVICE_DAYS
        if chosen is None or chosen[1].tzinfo is None or not first <= chosen[1].date() <= last:
            raise forms.ValidationError(_("Choose one of the times offered."))
        return chosen


class IdentifyForm(forms.Form):
    plate = forms.CharField(label=_("Registration plate"), max_length=20)
    contact = forms.CharField(
        label=_("Mobile phone or e-mail on your customer file"),
        max_length=120,
        help_text=_("We send you a code there."),
    )


def requested_work_for(
    form: DealershipAnswersForm, *, dealership: Dealership, wanted: requests.WorkWanted
) -> requests.RequestedWork | None:
    """The engine's request for a valid form's answers, or None with the objection on the form."""
    try:
        return requests.requested_work_build(
            dealership=dealership, wanted=wanted, today=form.today, settings=form.settings
        )
    except ValidationError as problem:
        for field, messages in problem.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
        return None


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=pgettext_lazy("one-time code", "Code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("The code has six digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class ServicesForm(DealershipAnswersForm):
    jobs = forms.MultipleChoiceField(label=_("What should we do?"), widget=forms.CheckboxSelectMultiple)
    wished_date = forms.DateField(
        label=_("a day that suits you"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    mobility = forms.ChoiceField(
        label=_("While your car is with us"),
        choices=MOBILITY_OPTIONS,
        initial="none",
        widget=forms.RadioSelect,
    )
    advisor = forms.TypedChoiceField(
        label=_("Your service advisor"), coerce=int, empty_value=None, required=False
    )

    def __init__(
        self, *args: Any, jobs: Iterable[Job] = (), advisors: Iterable[Advisor] = (), **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.offered_jobs = {job.code: job for job in jobs}
        self.choices_set("jobs", [(job.code, job.name) for job in self.offered_jobs.values()])
        self.choices_set("advisor", [("", _("No preference")), *((a.id, a.name) for a in advisors)])

    def work_wanted(self, *, vehicle: Vehicle) -> requests.WorkWanted:
        data = self.cleaned_data
        return requests.WorkWanted(
            jobs=tuple(self.offered_jobs[code] for code in data["jobs"]),
            vehicle=vehicle,
            online=True,
            wished_day=data["wished_date"],
            alternatives=2,
            mobility_needed=data["mobility"] != NO_MOBILITY,
            advisor_id=data["advisor"],
        )
