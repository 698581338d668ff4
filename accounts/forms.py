from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class ProfileForm(forms.Form):
    display_name = forms.CharField(
        label=_("Display name"),
        max_length=60,
        required=False,
        help_text=_("Shown next to your comments and questions."),
    )
    bio = forms.CharField(
        label=_("About you"), max_length=1000, required=False, widget=forms.Textarea
    )
    preferred_language = forms.ChoiceField(
        label=_("Preferred language"),
        choices=[("", _("Same as the browser")), *settings.LANGUAGES],
        required=False,
    )
