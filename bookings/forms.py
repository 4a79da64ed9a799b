"""The booking pages' forms: the answers checked for shape and against the dealership (its
catalogue, advisors and booking horizon); the booking rules are in the engine and the services."""

from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bookings import requests
from bookings.models import AppointmentKind
from bookings.services import AppointmentDetails
from workshop.capacity_settings import CapacitySettings
from workshop.models import Job, Skill

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


class PhoneBookingForm(forms.Form):
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

    def __init__(self, *args, vehicles=(), settings: CapacitySettings, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.settings, self.today = settings, today
        self.vehicles = {vehicle.id: vehicle for vehicle in vehicles}
        self.fields["vehicle"].choices = [(v.id, str(v)) for v in vehicles]
        self.fields["jobs"].choices = [
            (job.code, f"{job.name} ({job.labour_minutes} min)")
            for job in settings.active_jobs_by_code.values()
        ]

    def clean_jobs(self) -> tuple[Job, ...]:
        return tuple(self.settings.active_jobs_by_code[code] for code in self.cleaned_data["jobs"])

    def clean_vehicle(self):
        return self.vehicles[self.cleaned_data["vehicle"]]

    def clean_wished_date(self) -> date | None:
        return _checked_wished_date(self)

    def clean(self):
        cleaned = super().clean()
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


def _checked_wished_date(form: forms.Form) -> date | None:
    problem = requests.wished_day_error(
        settings=form.settings, today=form.today, wished_day=form.cleaned_data["wished_date"]
    )
    if problem:
        raise forms.ValidationError(problem)
    return form.cleaned_data["wished_date"]


class ProposalChoiceForm(forms.Form):
    """The time the customer chose, as "<advisor id>|<drop-off ISO time>"."""

    proposal = forms.CharField(widget=forms.HiddenInput)

    def clean_proposal(self):
        advisor, _sep, moment = self.cleaned_data["proposal"].partition("|")
        try:
            chosen = int(advisor), datetime.fromisoformat(moment)
        except ValueError:
            chosen = None
        if chosen is None or chosen[1].tzinfo is None:  # the offered times carry their offset
            raise forms.ValidationError(_("Choose one of the times offered."))
        return chosen


class IdentifyForm(forms.Form):
    plate = forms.CharField(label=_("Registration plate"), max_length=20)
    contact = forms.CharField(
        label=_("Mobile phone or e-mail on your customer file"),
        max_length=120,
        help_text=_("We send you a code there."),
    )


def requested_work_for(form: forms.Form, *, dealership, wanted: requests.WorkWanted):
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


class ServicesForm(forms.Form):
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
        self, *args, jobs=(), advisors=(), settings: CapacitySettings, today: date, **kwargs
    ) -> None:
        super().__init__(*args, **kwargs)
        self.settings, self.today = settings, today
        self.jobs = {job.code: job for job in jobs}
        self.fields["jobs"].choices = [(job.code, job.name) for job in jobs]
        self.fields["advisor"].choices = [("", _("No preference")), *((a.id, a.name) for a in advisors)]

    def clean_wished_date(self) -> date | None:
        return _checked_wished_date(self)

    def work_wanted(self, *, vehicle) -> requests.WorkWanted:
        data = self.cleaned_data
        return requests.WorkWanted(
            jobs=tuple(self.jobs[code] for code in data["jobs"]),
            vehicle=vehicle,
            online=True,
            wished_day=data["wished_date"],
            alternatives=2,
            mobility_needed=data["mobility"] != NO_MOBILITY,
            advisor_id=data["advisor"],
        )
