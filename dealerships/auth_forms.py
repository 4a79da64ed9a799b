"""Forms of the login's second step and of the API tokens pages: they check shape only."""

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from dealerships.models import ApiToken, Dealership, User
from dealerships.selectors import dealership_list_for_user


class TotpCodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def clean_code(self) -> str:
        # Apps show the code as "123 456"; people copy it with the space.
        code = re.sub(r"[\s-]", "", self.cleaned_data["code"])
        if not re.fullmatch(r"\d{6}", code):
            raise forms.ValidationError(_("Type the 6 digits your authenticator app shows."))
        return code


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=ApiToken._meta.get_field("name").max_length,
        help_text=_("What the token is for, such as “DMS synchronisation”."),
    )
    dealership = forms.ModelChoiceField(
        label=_("Dealership"),
        queryset=Dealership.objects.none(),
        required=False,
        empty_label=_("All my dealerships"),
        help_text=_("A token limited to one dealership cannot be used at the others."),
    )

    def __init__(self, *args: Any, owner: User, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["dealership"].queryset = dealership_list_for_user(user=owner)  # type: ignore[attr-defined]


class ApiTokenRevokeForm(forms.Form):
    """The token a revoke button names; the view looks it up among the tokens the page lists."""

    revoke = forms.IntegerField(min_value=1)
