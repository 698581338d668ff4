from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=settings.DISCUSSIONS_MAX_TITLE_CHARS)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=settings.DISCUSSIONS_MAX_BODY_CHARS,
    )


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=settings.DISCUSSIONS_MAX_BODY_CHARS,
    )
    in_reply_to = forms.IntegerField(required=False, widget=forms.HiddenInput)
