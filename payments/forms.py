import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from core.money import MoneyError, supported_currencies, to_minor_units
from payments.models import LedgerTransaction


def currency_choices() -> list[tuple[str, str]]:
    return [(code, code) for code in supported_currencies()]


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form's fields (or the form itself):
    the services name amounts `amount`, the forms `price`."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.error_dict.items():
        name = "price" if field in ("amount", "price_amount") else field
        form.add_error(name if name in form.fields else None, errors)


class AmountForm(forms.Form):
    """An amount typed in major units; cleaned_data gets `price_amount` in minor units."""

    price = forms.DecimalField(
        label=_("Amount"), max_digits=12, decimal_places=2, min_value=Decimal("0.01")
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault(
            "currency", settings.MARKETPLACE_DEFAULT_CURRENCY
        )
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        price, currency = cleaned.get("price"), cleaned.get("currency")
        if price is not None and currency:
            try:
                cleaned["price_amount"] = to_minor_units(price, currency)
            except MoneyError as exc:
                self.add_error("price", str(exc))
        return cleaned


class CardPaymentForm(forms.Form):
    payment_method = forms.CharField(widget=forms.HiddenInput, max_length=100)


class TipForm(AmountForm):
    message = forms.CharField(label=_("Message (optional)"), max_length=200, required=False)
    client_key = forms.CharField(widget=forms.HiddenInput, max_length=64)


def tip_form(*, currency: str) -> TipForm:
    """A fresh tip form; its client key makes a double click one tip."""
    return TipForm(initial={"currency": currency, "client_key": uuid.uuid4().hex})


class HistoryFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Type"),
        choices=[("", _("Everything")), *LedgerTransaction.Kind.choices],
        required=False,
    )
    since = forms.DateField(
        label=_("Since"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
