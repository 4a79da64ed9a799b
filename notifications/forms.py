"""The editor of a dealership's own message texts (shape only: notifications.services.texts
refuses what a message cannot fill)."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from notifications import templating
from notifications.models import TEMPLATE_MAX_LENGTH
from notifications.services.texts import unknown_placeholder_error


class MessageTemplateForm(forms.Form):
    subject = forms.CharField(
        label=_("E-mail subject"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to keep the built-in subject."),
    )
    body = forms.CharField(
        label=_("Text"), max_length=TEMPLATE_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6})
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind

    def _checked(self, name: str) -> str:
        text: str = self.cleaned_data.get(name, "")
        unknown = templating.unknown_placeholders(self.kind, [text])
        if unknown:
            raise forms.ValidationError(
                unknown_placeholder_error(self.kind, unknown), code="unknown_placeholder"
            )
        return text

    def clean_subject(self) -> str:
        return self._checked("subject")

    def clean_body(self) -> str:
        return self._checked("body")
