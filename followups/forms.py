"""The follow-up pages' forms: they check the shape of the answers; the services decide."""

from typing import Any, cast

import phonenumbers
from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from phonenumber_field.phonenumber import PhoneNumber

from customers.models import Customer
from customers.validation import clean_plate
from followups.models import (
    COMMENT_MAX_LENGTH,
    NOTE_MAX_LENGTH,
    SCRIPT_MAX_LENGTH,
    DeclineReason,
    FollowupRules,
    Outcome,
    TaskKind,
)
from followups.services.rule_settings import RULE_FIELDS

# What the operator's keys say, in the order of the buttons (and of their shortcut keys 1-6).
OUTCOME_KEYS = (
    (Outcome.REACHED, "1"),
    (Outcome.NO_ANSWER, "2"),
    (Outcome.CALL_BACK, "3"),
    (Outcome.BOOKED, "4"),
    (Outcome.DECLINED, "5"),
    (Outcome.WRONG_NUMBER, "6"),
)
DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
SCORE_CHOICES = [(score, str(score)) for score in range(5, 0, -1)]


class OutcomeForm(forms.Form):
    """How the call went: one submit button per outcome, the call-back time and the reason for
    a refusal beside them (R7.5)."""

    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.HiddenInput)
    call_back_at = forms.DateTimeField(label=_("call back at"), required=False, widget=DATETIME_LOCAL)
    decline_reason = forms.ChoiceField(
        label=_("why the customer declines"),
        choices=[("", "—"), *DeclineReason.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("note"),
        max_length=NOTE_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # A satisfaction call reached: the customer's answer as they give it (R9.1).
    score = forms.TypedChoiceField(
        label=_("Score"),
        choices=SCORE_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("5 = very satisfied, 1 = not at all."),
    )
    comment = forms.CharField(
        label=_("Comment"),
        max_length=COMMENT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    concern = forms.BooleanField(label=_("Concern: the advisor should call back"), required=False)


class TaskCreateForm(forms.Form):
    """A call task by hand: whom to call, when, and why."""

    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Customer.objects.none())
    due_at = forms.DateTimeField(
        label=_("call from"), required=False, widget=DATETIME_LOCAL, help_text=_("Empty: now.")
    )
    note = forms.CharField(
        label=_("what the call is about"),
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, customers: QuerySet[Customer], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["customer"])
        field.queryset = customers
        field.widget = forms.NumberInput(attrs={"min": 1, "inputmode": "numeric"})
        field.help_text = _("The number of the customer file (open it from the customer search).")


class RulesForm(forms.Form):
    """The dealership's follow-up rules, the model's fields as they are; the service checks the
    windows (an inverted one is an error on its last day) and saves."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(forms.fields_for_model(FollowupRules, fields=RULE_FIELDS))


class ScriptsForm(forms.Form):
    """One text box per kind of call, in one language; an emptied box goes back to the default."""

    def __init__(self, *args: Any, initial_texts: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind in TaskKind:
            self.fields[kind.value] = forms.CharField(
                label=kind.label,
                initial=initial_texts[kind.value],
                max_length=SCRIPT_MAX_LENGTH,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3}),
            )


class SatisfactionForm(forms.Form):
    """The customer's answer after the visit (R9.1)."""

    score = forms.TypedChoiceField(
        label=_("How satisfied are you with our service?"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        help_text=_("5 = very satisfied, 1 = not at all."),
    )
    comment = forms.CharField(
        label=_("Anything you would like to tell us?"),
        max_length=COMMENT_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    concern = forms.BooleanField(label=_("I would like my service advisor to call me back."), required=False)


class EnquiryForm(forms.Form):
    """A question from the public page: who asks and how to reach them, the car, the question."""

    name = forms.CharField(
        label=_("Your name"), max_length=160, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    contact = forms.CharField(
        label=_("Mobile phone or e-mail"),
        max_length=120,
        help_text=_("We call or write back to you there."),
        widget=forms.TextInput(attrs={"inputmode": "email", "autocomplete": "email", "spellcheck": "false"}),
    )
    plate = forms.CharField(
        label=_("Registration plate (optional)"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
    )
    question = forms.CharField(
        label=_("Your question"), max_length=NOTE_MAX_LENGTH - 200, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args: Any, phone_region: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.phone_region = phone_region

    def clean_name(self) -> str:
        name: str = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("Tell us your name."))
        return name

    def clean_plate(self) -> str:
        plate: str = self.cleaned_data["plate"].strip()
        return clean_plate(plate) if plate else ""

    def clean_contact(self) -> str:
        """An e-mail address, or a phone number as E.164 read in the dealership's region."""
        contact: str = self.cleaned_data["contact"].strip()
        if "@" in contact:
            try:
                validate_email(contact)
            except ValidationError:
                raise ValidationError(
                    _("This is not an e-mail address: check it for a typing mistake.")
                ) from None
            return contact
        try:
            phone = PhoneNumber.from_string(contact, region=self.phone_region)
        except phonenumbers.NumberParseException:
            phone = None
        if phone is None or not phone.is_valid():
            raise ValidationError(
                _("Give a mobile number with its area code, or an e-mail address."), code="invalid_contact"
            )
        return str(phone.as_e164)
