"""Forms for the workshop manager's pages: they check the shape; the services check the rules."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from config.constraints import form_constraint_errors_add
from dealerships.forms import WeeklyHoursForm
from workshop.models import Advisor, AdvisorAbsence, Job, Skill, Technician, WorkshopPolicy
from workshop.services import ADVISOR_FIELDS, JOB_FIELDS, POLICY_FIELDS


class WorkshopPolicyForm(forms.ModelForm):
    class Meta:
        model = WorkshopPolicy
        fields = list(POLICY_FIELDS)
        widgets = {
            "evening_drop_off": forms.TimeInput(attrs={"type": "time"}),
            "peak_hours_start": forms.TimeInput(attrs={"type": "time"}),
            "peak_hours_end": forms.TimeInput(attrs={"type": "time"}),
        }


class AdvisorForm(forms.ModelForm):
    class Meta:
        model = Advisor
        fields = list(ADVISOR_FIELDS)


class TechnicianForm(forms.ModelForm):
    skills = forms.MultipleChoiceField(
        label=_("Skills"), choices=Skill.choices, widget=forms.CheckboxSelectMultiple, required=False
    )

    class Meta:
        model = Technician
        fields = ["name", "skills", "is_active"]


class WorkingHoursForm(WeeklyHoursForm):
    """Weekly hours of one person; an empty day is a day off."""

    empty_help = _("Empty means a day off.")


class AbsenceForm(forms.ModelForm):
    class Meta:
        model = AdvisorAbsence  # the same three fields for technicians
        fields = ["first_day", "last_day", "reason"]
        widgets = {
            "first_day": forms.DateInput(attrs={"type": "date"}),
            "last_day": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        form_constraint_errors_add(self, AdvisorAbsence)
        return cleaned


class JobForm(forms.ModelForm):
    class Meta:
        model = Job
        fields = list(JOB_FIELDS)
