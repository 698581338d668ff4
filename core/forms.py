"""Form helpers several apps share: amounts typed in major units, service errors."""

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.money import MoneyError, supported_currencies, to_minor_units
from core.validators import plain_decimal_check

# Service (model) field names that the forms call something else.
FORM_FIELD_FOR = {"price_amount": "price"}


def currency_choices() -> list[tuple[str, str]]:
    return [(code, code) for code in supported_currencies()]


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form's fields (or the form itself)."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        name = FORM_FIELD_FOR.get(field, field)
        form.add_error(name if name in form.fields else None, errors)


class PriceField(forms.DecimalField):
    """A price typed in major units as a plain decimal (9.90, never 1E2); the form
    converts it to minor units, refusing more decimals than the currency has."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("min_value", Decimal("0"))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]
        if isinstance(value, str) and value.strip():
            # A minus sign is plain too: the minimum then says what is allowed.
            plain_decimal_check(value.strip().removeprefix("-"))
        return super().to_python(value)


class PricedForm(forms.Form):
    """Adds `price_amount` (minor units) to cleaned_data from `price` + `currency`."""

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        price, currency = cleaned.get("price"), cleaned.get("currency")
        if price is not None and currency:
            try:
                cleaned["price_amount"] = to_minor_units(price, currency)
            except MoneyError as exc:
                self.add_error("price", str(exc))
        return cleaned


class PictureForm(forms.Form):
    """One picture upload (core.pictures checks it), or "remove" to go back to the
    placeholder."""

    picture = forms.FileField(
        label=_("Picture"),
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
        help_text=_("PNG, JPEG, GIF or WebP, at most 5 MB. It is cropped to fit."),
    )
    remove = forms.BooleanField(label=_("Remove the picture"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("picture") and not data.get("remove"):
            raise ValidationError(_("Choose a picture to upload."), code="required")
        return data
