"""The booking pages' forms: the answers checked for shape and against the dealership (its
catalogue, advisors and booking horizon); the booking rules are in the engine and the services."""

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, cast

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils import formats
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import PhoneNumber

from bookings import mobility_hooks, requests
from bookings.mobility_hooks import MobilityOption
from bookings.models import REQUESTS_MAX_LENGTH, AppointmentKind, MobilityKind
from bookings.services import AppointmentDetails
from customers.models import Campaign, Customer, Vehicle
from customers.validation import clean_plate
from dealerships.models import Dealership
from workshop.capacity_settings import CapacitySettings
from workshop.models import Advisor, Job, Skill
from workshop.templatetags.workshop import duration

NO_MOBILITY = mobility_hooks.NO_MOBILITY
MORE_TIMES = 4  # R4.4: the alternatives "more times" asks for
# The kinds that hand the customer a replacement vehicle (R3.4).
REPLACEMENT_KINDS = frozenset(
    {MobilityKind.BRAND_COURTESY_CAR, MobilityKind.OTHER_BRAND_COURTESY_CAR, MobilityKind.RENTAL}
)
MOBILITY_OPTIONS = [(NO_MOBILITY, _("No mobility needed")), *MobilityKind.choices]
# Without the mobility layer's answer: every kind, plain (bookings.mobility_hooks).
PLAIN_MOBILITY = tuple(MobilityOption(value=kind.value, label=str(kind.label)) for kind in MobilityKind)


def customer_address(customer: Customer | None) -> str:
    """The customer file's address on one line ("Via Roma 1, 20121 Milano"), "" without one:
    what the pick-up and delivery address starts from."""
    if customer is None:
        return ""
    town = " ".join(part for part in (customer.postal_code.strip(), customer.city.strip()) if part)
    return ", ".join(part for part in (customer.street.strip(), town) if part)


def mobility_address_field() -> forms.CharField:
    """Where the pick-up driver goes: asked with the mobility, required for ADDRESS_KINDS only
    (MobilityChoiceMixin.mobility_address_check); the page shows it only for those kinds."""
    return forms.CharField(
        label=_("Address for pick-up and delivery"),
        max_length=mobility_hooks.ADDRESS_MAX_LENGTH,
        required=False,
        help_text=_(
            "Where our driver picks the car up and brings it back: needed for pick-up and delivery only."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )


def mobility_option_label(option: MobilityOption) -> str:
    """A solution as the radio list shows it: its name and what it costs this customer (R3.2, R3.5)."""
    return f"{option.label} — {option.terms}" if option.terms else option.label


class MobilityChoiceMixin:
    """The mobility question (R3.3): every solution listed; those offered are the choices,
    those not offered (here, or online) are listed apart with the reason."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]
    # The kinds the address is asked for, as the page's script reads them (data-address-for).
    address_kinds = " ".join(sorted(mobility_hooks.ADDRESS_KINDS))

    def mobility_choices_set(self, options: Iterable[MobilityOption]) -> None:
        options = tuple(options)
        self.mobility_options = options
        self.mobility_unavailable = [o for o in options if not o.offered]
        cast(forms.ChoiceField, self.fields["mobility"]).choices = [
            (NO_MOBILITY, _("No mobility needed")),
            *((o.value, mobility_option_label(o)) for o in options if o.offered),
        ]

    def mobility_kind(self, value: str) -> str:
        return "" if value == NO_MOBILITY else value

    def mobility_address_check(self) -> None:
        """The address is required for the kinds that send a driver, and kept for those only."""
        data = self.cleaned_data
        if "mobility" not in data or "mobility_address" not in data:
            return
        try:
            data["mobility_address"] = mobility_hooks.mobility_address_clean(
                mobility_kind=self.mobility_kind(data["mobility"]), address=data["mobility_address"]
            )
        except ValidationError as error:
            cast(forms.Form, self).add_error(None, error)


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

    def date_picker_limit(self, field: str) -> None:
        """Let the browser's date picker offer only the days that can be booked."""
        last = requests.horizon_end(settings=self.settings, today=self.today)
        self.fields[field].widget.attrs.update(min=self.today.isoformat(), max=last.isoformat())


class PhoneBookingForm(MobilityChoiceMixin, DealershipAnswersForm):
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
        max_length=REQUESTS_MAX_LENGTH,
    )
    test_drive_needed = forms.BooleanField(label=_("test drive needed"), required=False)
    replacement_vehicle_wanted = forms.BooleanField(label=_("replacement vehicle wanted"), required=False)
    special_requests = forms.CharField(
        label=_("special requests"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=REQUESTS_MAX_LENGTH,
    )
    wished_date = forms.DateField(
        label=_("day the customer would like"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    more = forms.BooleanField(required=False, widget=forms.HiddenInput)
    # R2.4: the vehicle's open campaigns join the jobs unless the customer declines them now.
    declined_campaigns = forms.TypedMultipleChoiceField(
        label=_("Open campaigns the customer declines this time"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    decline_reason = forms.CharField(label=_("why the customer declines"), max_length=200, required=False)
    mobility = forms.ChoiceField(
        label=_("Mobility while the car is in"),
        choices=MOBILITY_OPTIONS,
        initial="none",
        widget=forms.RadioSelect,
    )
    mobility_address = mobility_address_field()

    def __init__(
        self,
        *args: Any,
        vehicles: Iterable[Vehicle] = (),
        open_campaigns: Mapping[int, Iterable[Campaign]] | None = None,
        mobility_options: Iterable[MobilityOption] = PLAIN_MOBILITY,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.mobility_choices_set(mobility_options)
        self.vehicles = {vehicle.id: vehicle for vehicle in vehicles}
        self.choices_set("vehicle", [(v.id, str(v)) for v in self.vehicles.values()])
        self.open_campaigns = {
            vehicle_id: list(found) for vehicle_id, found in (open_campaigns or {}).items()
        }
        self.choices_set(
            "declined_campaigns",
            [(c.id, f"{c.code} {c.title}") for found in self.open_campaigns.values() for c in found],
        )
        self.choices_set(
            "jobs",
            [(job.code, job_label(job)) for job in self.settings.active_jobs_by_code.values()],
        )

    def clean_jobs(self) -> tuple[Job, ...]:
        return tuple(self.settings.active_jobs_by_code[code] for code in self.cleaned_data["jobs"])

    def clean_vehicle(self) -> Vehicle:
        return self.vehicles[self.cleaned_data["vehicle"]]

    def clean(self) -> dict[str, Any]:
        cleaned = self.cleaned_data
        if not cleaned.get("jobs") and not cleaned.get("extra_minutes") and "jobs" not in self.errors:
            self.add_error("jobs", requests.no_work_error())
        self.mobility_address_check()
        if cleaned.get("declined_campaigns") and not cleaned.get("decline_reason", "").strip():
            self.add_error("decline_reason", _("Say why the customer declines the campaign."))
        vehicle, mileage = cleaned.get("vehicle"), cleaned.get("mileage_km")
        if (
            vehicle is not None
            and mileage is not None
            and vehicle.mileage_km
            and mileage < vehicle.mileage_km
        ):
            # The service refuses it too, under its lock; here the operator hears it at once.
            self.add_error(
                "mileage_km",
                _("The last reading was %(km)s km on %(day)s: the mileage cannot be lower.")
                % {
                    "km": formats.number_format(vehicle.mileage_km, force_grouping=True),
                    "day": formats.date_format(vehicle.mileage_read_on, "SHORT_DATE_FORMAT"),
                },
            )
        return cleaned

    def declined(self) -> list[Campaign]:
        """The chosen vehicle's open campaigns the customer declined (the reason is the form's)."""
        declined_ids = set(self.cleaned_data["declined_campaigns"])
        return [
            c for c in self.open_campaigns.get(self.cleaned_data["vehicle"].id, []) if c.id in declined_ids
        ]

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
            declined_campaign_ids=frozenset(c.id for c in self.declined()),
        )

    def appointment_details(self) -> AppointmentDetails:
        data = self.cleaned_data
        return AppointmentDetails(
            kind=data["kind"],
            customer_requests=data["customer_requests"],
            test_drive_needed=data["test_drive_needed"],
            replacement_vehicle_wanted=(
                data["replacement_vehicle_wanted"] or data["mobility"] in REPLACEMENT_KINDS
            ),
            special_requests=data["special_requests"],
            mileage_km=data["mileage_km"],
            mobility_kind=self.mobility_kind(data["mobility"]),
            mobility_address=data["mobility_address"],
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


def job_label(job: Job) -> str:
    """A catalogue job as a list shows it: its name and how long it takes, "Tagliando (1 h 30 min)"."""
    return gettext("%(job)s (%(duration)s)") % {"job": job.name, "duration": duration(job.labour_minutes)}


class IdentifyForm(forms.Form):
    """The plate and a phone number or e-mail, checked for their form only: the answer is the
    same whether or not they belong to a customer (R2.5 looks the customer up afterwards)."""

    plate = forms.CharField(
        label=_("Registration plate"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocapitalize": "characters", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    contact = forms.CharField(
        label=_("Mobile phone or e-mail on your customer file"),
        max_length=120,
        help_text=_("We send you a code there."),
        # One box takes either: the e-mail keyboard has the "@" and the digits one tap away,
        # the phone pad has no "@".
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "email", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, dealership: Dealership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.dealership = dealership

    def clean_plate(self) -> str:
        return clean_plate(self.cleaned_data["plate"])

    def clean_contact(self) -> str:
        """An e-mail address, or a phone number as E.164 read in the dealership's region."""
        contact: str = self.cleaned_data["contact"].strip()
        if "@" in contact:
            try:
                validate_email(contact)
            except ValidationError:
                raise ValidationError(
                    _("“%(contact)s” is not an e-mail address: check it for a typing mistake."),
                    code="invalid_email",
                    params={"contact": contact},
                ) from None
            return contact
        try:
            phone = PhoneNumber.from_string(contact, region=self.dealership.phone_region)
        except phonenumbers.NumberParseException:
            phone = None
        if phone is None or not phone.is_valid():
            raise ValidationError(
                _(
                    "“%(contact)s” is neither a phone number nor an e-mail address. Give the mobile "
                    "number with its area code (and the country code if it is foreign), or your e-mail."
                ),
                code="invalid_contact",
                params={"contact": contact},
            )
        return str(phone.as_e164)


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


class MoveDayForm(DealershipAnswersForm):
    """The day from which a customer moving their appointment wants to see free times."""

    wished_date = forms.DateField(
        label=_("Show free times from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.date_picker_limit("wished_date")


class CodeForm(forms.Form):
    code = forms.RegexField(
        label=pgettext_lazy("one-time code", "Code"),
        regex=r"^\s*\d{6}\s*$",
        error_messages={"invalid": _("The code has six digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class ServicesForm(MobilityChoiceMixin, DealershipAnswersForm):
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
    mobility_address = mobility_address_field()
    advisor = forms.TypedChoiceField(
        label=_("Your service advisor"), coerce=int, empty_value=None, required=False
    )

    def __init__(
        self,
        *args: Any,
        jobs: Iterable[Job] = (),
        advisors: Iterable[Advisor] = (),
        mobility_options: Iterable[MobilityOption] = PLAIN_MOBILITY,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.mobility_choices_set(mobility_options)
        self.offered_jobs = {job.code: job for job in jobs}
        self.date_picker_limit("wished_date")
        self.choices_set("jobs", [(job.code, job_label(job)) for job in self.offered_jobs.values()])
        self.choices_set("advisor", [("", _("No preference")), *((a.id, a.name) for a in advisors)])

    def clean(self) -> dict[str, Any]:
        super().clean()
        self.mobility_address_check()
        return self.cleaned_data

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
