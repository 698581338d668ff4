"""Input parsing for the creator's session pages.

The form checks the shape of input and what it can see from the channel (its tiers,
its courses); livestream.services owns the rules and the writes.
`apply_session_errors` puts a service's ValidationError next to the right field.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any, TypeVar, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import PriceField, apply_service_errors, currency_choices
from core.money import MoneyError, format_money, to_major_units, to_minor_units
from livestream.models import LiveSession
from marketplace.models import Channel, Course, SubscriptionTier

# Service (model) field names that the session form calls something else.
SESSION_FORM_FIELD_FOR = {"ticket_price_amount": "price", "ticket_currency": "currency"}

# A start a few minutes ago is a creator scheduling "now"; the service allows the same.
START_GRACE = timedelta(minutes=5)

Access = LiveSession.Access
M = TypeVar("M", SubscriptionTier, Course)


def apply_session_errors(form: forms.Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        exc = ValidationError(
            {
                SESSION_FORM_FIELD_FOR.get(name, name): errors
                for name, errors in exc.error_dict.items()
            }
        )
    apply_service_errors(form, exc)


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's date-and-time picker; its value has no time zone (the site's)."""

    input_type = "datetime-local"

    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%Y-%m-%dT%H:%M")
        super().__init__(**kwargs)


def _channel_choice(model: type[M], **kwargs: Any) -> forms.ModelChoiceField[M]:
    """An optional choice among the channel's tiers or courses (set in __init__)."""
    return forms.ModelChoiceField(queryset=model.objects.none(), required=False, **kwargs)


class SessionForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(
        label=_("Description"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you will cover and who it is for."),
    )
    scheduled_start = forms.DateTimeField(
        label=_("Starts at"),
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
    )
    duration_minutes = forms.IntegerField(
        label=_("Planned length (minutes)"), min_value=5, max_value=720, initial=60
    )
    access = forms.ChoiceField(
        label=_("Who may watch"), choices=Access.choices, widget=forms.RadioSelect
    )
    required_tier: forms.ModelChoiceField[SubscriptionTier] = _channel_choice(
        SubscriptionTier,
        label=_("Subscription tier"),
        empty_label=_("Any tier of this channel"),
        help_text=_("For subscriber sessions: this tier or any dearer one may watch."),
    )
    price = PriceField(
        label=_("Ticket price"),
        required=False,
        help_text=_("For ticketed sessions, in the currency below, e.g. 9.90."),
    )
    currency = forms.ChoiceField(label=_("Currency"), choices=currency_choices)
    refund_hours = forms.IntegerField(
        label=_("Self-service refunds until (hours before the start)"),
        required=False,
        min_value=0,
        max_value=720,
        help_text=_(
            "Ticket holders may refund their ticket themselves until this many hours "
            "before the start (0: until it starts). Leave empty for no self-service refunds."
        ),
    )
    course: forms.ModelChoiceField[Course] = _channel_choice(
        Course,
        label=_("Part of a course"),
        empty_label=_("No course"),
        help_text=_("Buyers of the course may watch the session too."),
    )

    def __init__(self, *args, channel: Channel, session: LiveSession | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel = channel
        # Only this channel's tiers and courses are choices: another channel's id is
        # refused as an invalid choice before the service sees it.
        tiers = cast(forms.ModelChoiceField, self.fields["required_tier"])
        tiers.queryset = channel.tiers.order_by("price_amount", "id")
        tiers.label_from_instance = lambda tier: (  # type: ignore[assignment] # Django documents this override
            _("%(name)s (%(price)s a month)")
            % {"name": tier.name, "price": format_money(tier.price_amount, tier.currency)}
        )
        cast(forms.ModelChoiceField, self.fields["course"]).queryset = channel.courses.order_by(
            "title", "id"
        )
        if session is not None and session.status == LiveSession.Status.LIVE:
            # The service refuses these once the broadcast runs; say so up front.
            for name in ("scheduled_start", "access", "price", "currency"):
                self.fields[name].disabled = True
                self.fields[name].help_text = _("Fixed while the session is live.")

    @classmethod
    def initial_for(cls, session: LiveSession) -> dict:
        currency = session.ticket_currency
        return {
            "title": session.title,
            "description": session.description,
            # The picker works in whole minutes: an untouched start must compare equal.
            "scheduled_start": timezone.localtime(session.scheduled_start).replace(
                second=0, microsecond=0
            ),
            "duration_minutes": session.duration_minutes,
            "access": session.access,
            "required_tier": session.required_tier,
            "price": to_major_units(session.ticket_price_amount, currency) if currency else None,
            "currency": currency,
            "course": session.course,
            "refund_hours": session.refund_hours,
        }

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise ValidationError(_("Give the session a title."))
        return title

    def clean_scheduled_start(self):
        start = self.cleaned_data["scheduled_start"]
        # An edit that keeps the start time (a session already under way) is fine.
        if "scheduled_start" in self.changed_data and start < timezone.now() - START_GRACE:
            raise ValidationError(_("Choose a start time in the future."))
        return start

    def clean(self):
        super().clean()
        cleaned = self.cleaned_data
        access = cleaned.get("access")
        price, currency = cleaned.get("price"), cleaned.get("currency")
        cleaned["ticket_price_amount"], cleaned["ticket_currency"] = 0, ""
        if access == Access.TICKET:
            if price is None or price == Decimal("0"):
                self.add_error("price", _("A ticketed session needs a price above zero."))
            elif currency:
                try:
                    cleaned["ticket_price_amount"] = to_minor_units(price, currency)
                    cleaned["ticket_currency"] = currency
                except MoneyError as exc:
                    self.add_error("price", str(exc))
        tiers = cast(forms.ModelChoiceField, self.fields["required_tier"]).queryset
        if access == Access.SUBSCRIBERS and tiers is not None and not tiers.exists():
            self.add_error(
                "access",
                _(
                    "This channel has no subscription tiers yet; "
                    "add one before a subscriber session."
                ),
            )
        if access != Access.SUBSCRIBERS:
            cleaned["required_tier"] = None
        return cleaned

    def service_kwargs(self) -> dict:
        """cleaned_data in the service's terms (livestream.services.SESSION_EDITABLE)."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "scheduled_start": data["scheduled_start"],
            "duration_minutes": data["duration_minutes"],
            "access": data["access"],
            "required_tier": data["required_tier"],
            "ticket_price_amount": data["ticket_price_amount"],
            "ticket_currency": data["ticket_currency"],
            "course": data["course"],
            "refund_hours": data["refund_hours"],
        }


class ChatReportForm(forms.Form):
    reason = forms.CharField(max_length=1000)
