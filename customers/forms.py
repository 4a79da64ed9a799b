"""Customer and vehicle forms: the shape of input, checked with the shared edge validation."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from config.constraints import form_constraint_errors_add
from customers.identifiers import normalize_name
from customers.models import Campaign, Customer, Programme, Vehicle
from customers.services import CUSTOMER_FIELDS, VEHICLE_FIELDS
from customers.validation import clean_phone, clean_plate, clean_vin
from dealerships.models import Dealership


class DealershipForm(forms.ModelForm):
    """A model form that knows its dealership (phone region, VIN market)."""

    def __init__(self, *args: Any, dealership: Dealership, **kwargs: Any) -> None:
        self.dealership = dealership
        super().__init__(*args, **kwargs)


class CustomerForm(DealershipForm):
    mobile_phone = forms.CharField(label=_("mobile phone"), required=False)
    other_phone = forms.CharField(label=_("other phone"), required=False)

    class Meta:
        model = Customer
        fields = list(CUSTOMER_FIELDS)
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("mobile_phone", "other_phone"):
            value = getattr(self.instance, name, None)
            if value and not self.is_bound:
                self.initial[name] = value.as_international
        self.fields["mobile_phone"].widget.attrs.update({"type": "tel", "autocomplete": "tel"})
        self.fields["other_phone"].widget.attrs.update({"type": "tel"})

    def clean_mobile_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("mobile_phone", ""), dealership=self.dealership)

    def clean_other_phone(self) -> str:
        return clean_phone(self.cleaned_data.get("other_phone", ""), dealership=self.dealership)

    def _post_clean(self) -> None:
        # The service owns saving; model validation of a half-built instance adds nothing here.
        pass


class VehicleForm(DealershipForm):
    mileage_km = forms.IntegerField(label=_("mileage (km)"), min_value=0, max_value=2_000_000, required=False)

    class Meta:
        model = Vehicle
        fields = list(VEHICLE_FIELDS)
        widgets = {
            "sale_date": forms.DateInput(attrs={"type": "date"}),
            "warranty_start": forms.DateInput(attrs={"type": "date"}),
            "warranty_end": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            del self.fields["mileage_km"]  # later readings go through the mileage form

    def clean_vin(self) -> str:
        return clean_vin(self.cleaned_data.get("vin", ""), dealership=self.dealership)

    def clean_plate(self) -> str:
        plate = self.cleaned_data.get("plate", "")
        return clean_plate(plate) if plate else ""

    def clean_model_year(self) -> int | None:
        year = self.cleaned_data.get("model_year")
        if year is not None and not 1950 <= year <= 2100:
            raise forms.ValidationError(_("Give the model year with four digits, such as 2021."))
        return year

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        form_constraint_errors_add(self, Vehicle, instance=self.instance if self.instance.pk else None)
        return cleaned

    def _post_clean(self) -> None:
        pass


class MileageForm(forms.Form):
    mileage_km = forms.IntegerField(label=_("mileage (km)"), min_value=0, max_value=2_000_000)
    # A date input sends and shows ISO dates, whatever the language.
    read_on = forms.DateField(
        label=_("read on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )


class ProgrammeForm(DealershipForm):
    class Meta:
        model = Programme
        fields = [
            "kind",
            "name",
            "valid_from",
            "valid_until",
            "mileage_limit_km",
            "entitles_courtesy_car",
            "entitles_pickup_delivery",
            "entitles_taxi",
            "entitles_rental_car",
            "benefit_value",
            "benefit_currency",
        ]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}),
            "valid_until": forms.DateInput(attrs={"type": "date"}),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        form_constraint_errors_add(self, Programme)
        return cleaned

    def _post_clean(self) -> None:
        pass


class CampaignForm(DealershipForm):
    class Meta:
        model = Campaign
        fields = [
            "code",
            "title",
            "description",
            "is_recall",
            "labour_minutes",
            "starts_on",
            "ends_on",
            "make",
            "model",
            "model_year_from",
            "model_year_to",
        ]
        widgets = {
            "starts_on": forms.DateInput(attrs={"type": "date"}),
            "ends_on": forms.DateInput(attrs={"type": "date"}),
            "description": forms.Textarea(attrs={"rows": 3}),
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        form_constraint_errors_add(self, Campaign)
        low, high = cleaned.get("model_year_from"), cleaned.get("model_year_to")
        if not cleaned.get("make") and (cleaned.get("model") or low or high):
            self.add_error("make", _("Give the make when the campaign applies to a model or model years."))
        return cleaned

    def _post_clean(self) -> None:
        pass


class CsvUploadForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
    import_valid_rows = forms.BooleanField(
        label=_("Import the valid rows even if some rows have errors"), required=False
    )


class CustomerSearchForm(forms.Form):
    """The one search box (R2.5): its text, refused when it cannot be a name, plate, VIN or
    phone (a NUL character, which no database column can hold, or a paragraph)."""

    q = forms.CharField(max_length=100, required=False)

    def query(self) -> str | None:
        """The text to search for ("" for none), or None when it is refused (see `errors`)."""
        return self.cleaned_data["q"] if self.is_valid() else None


class CustomerEraseForm(forms.Form):
    """The confirmation an erasure needs: the customer's family name typed again, and why."""

    family_name = forms.CharField(
        label=_("Type the customer's family name to confirm"), max_length=80, strip=True
    )
    reason = forms.CharField(
        label=_("Reason (the customer's request, its date)"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        self.customer = customer
        super().__init__(*args, **kwargs)

    def clean_family_name(self) -> str:
        typed = self.cleaned_data["family_name"]
        if normalize_name(typed) != normalize_name(self.customer.family_name):
            raise forms.ValidationError(_("This is not the customer's family name."))
        return typed
