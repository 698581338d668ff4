from django import forms
from django.utils.translation import gettext_lazy as _

from moderation.models import Sanction


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with it?"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class AppealForm(forms.Form):
    text = forms.CharField(
        label=_("Why should the decision change?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class VerificationForm(forms.Form):
    credentials = forms.CharField(
        label=_("Your credentials"),
        help_text=_("Degrees, positions, publications, licences: what makes you an expert."),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    documents = MultipleFileField(
        label=_("Documents (PDF, PNG or JPEG)"),
        required=False,
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (sent to the author)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SanctionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Sanction.Kind.choices)
    days = forms.IntegerField(
        label=_("Days (empty: until lifted)"), min_value=1, max_value=3650, required=False
    )
    reason = forms.CharField(
        label=_("Reason (sent to the user)"), widget=forms.Textarea(attrs={"rows": 3})
    )
