import uuid
from decimal import Decimal
from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import PricedForm, PriceField, currency_choices
from payments.models import LedgerTransaction


class AmountForm(PricedForm):
    """An amount typed in major units; cleaned_data gets `price_amount` in minor units."""

    price = PriceField(label=_("Amount"), min_value=Decimal("0.01"))
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault(
            "currency", settings.MARKETPLACE_DEFAULT_CURRENCY
        )
        super().__init__(*args, **kwargs)


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
