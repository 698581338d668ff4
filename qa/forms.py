"""Forms for paid-question pages; services do the real checking."""

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import PriceField
from core.money import MoneyError, supported_currencies, to_minor_units
from qa.models import Difficulty


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Your question"), max_length=3000, required=False)


class AskForm(forms.Form):
    text = forms.CharField(
        label=_("Your question"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,  # the service says what is wrong with an empty one
        max_length=20_000,
    )
    difficulty = forms.ChoiceField(
        label=_("How deep an answer?"), choices=Difficulty.choices, initial=Difficulty.STANDARD
    )
    is_public = forms.BooleanField(
        label=_("Others may unlock the answer for a small fee (you get a share)"),
        required=False,
        initial=True,
    )


class AnswerForm(forms.Form):
    text = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 10}))
    attachment = forms.FileField(label=_("Attachment (optional)"), required=False)
    audio = forms.FileField(label=_("Audio answer (optional)"), required=False)


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Why you decline"), max_length=500, required=False)


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("Rating"), choices=[(i, "★" * i) for i in range(5, 0, -1)], coerce=int
    )
    comment = forms.CharField(
        label=_("Comment (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ExpertSettingsForm(forms.Form):
    enabled = forms.BooleanField(label=_("Take paid questions"), required=False)
    price = PriceField(label=_("Base price"))
    currency = forms.ChoiceField(label=_("Currency"))
    answer_hours = forms.IntegerField(
        label=_("Answer within (hours)"), min_value=1, max_value=settings.QA_MAX_ANSWER_HOURS
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        currency = self.fields["currency"]
        assert isinstance(currency, forms.ChoiceField)
        currency.choices = [(c, c) for c in supported_currencies()]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "price" in data and "currency" in data:
            try:
                data["base_price"] = to_minor_units(data["price"], data["currency"])
            except MoneyError as exc:
                self.add_error("price", str(exc))
        return data
