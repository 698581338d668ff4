from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import AccountDeletion, Delivery
from accounts.services.notify import CONFIGURABLE
from core.timezones import zone_names


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
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        choices=lambda: [("", _("Detect from my browser")), *((z, z) for z in zone_names())],
        required=False,
        help_text=_("Every date and time on the site is shown in this zone."),
    )


class ConsentForm(forms.Form):
    """The privacy page's switches, one per consent purpose."""

    personalisation = forms.BooleanField(
        label=_("Personalised recommendations"),
        required=False,
        help_text=_("Suggest channels, courses and sessions from what you view and buy."),
    )
    analytics = forms.BooleanField(
        label=_("Behaviour analytics"),
        required=False,
        help_text=_(
            "Record what you watch and click (watch time, clicks, impressions). Off: nothing "
            "is recorded and what was recorded is deleted; recommendations stop learning."
        ),
    )
    marketing = forms.BooleanField(
        label=_("Marketing e-mail"),
        required=False,
        help_text=_("News and offers from the site. Notices about your purchases always come."),
    )


class DeletionForm(forms.Form):
    contributions = forms.ChoiceField(
        label=_("Your chat messages, comments and questions"),
        choices=AccountDeletion.Contributions.choices,
        initial=AccountDeletion.Contributions.ANONYMISE,
        widget=forms.RadioSelect,
    )
    confirm = forms.BooleanField(
        label=_("I understand that after the grace period this cannot be undone."),
        required=True,
    )


class NotificationPreferencesForm(forms.Form):
    """One choice per configurable notification kind: in the site, e-mail, both, none."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in CONFIGURABLE:
            self.fields[kind.value] = forms.ChoiceField(
                label=kind.label, choices=Delivery.choices, widget=forms.RadioSelect
            )
