"""Beacon and click for sponsored cards; the creator's campaigns and their figures."""

from datetime import timedelta
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.http import AuthenticatedHttpRequest
from ads import selectors, services
from ads.models import Campaign
from ads.targets import promotable_for, target_get
from core.forms import PriceField, currency_choices
from core.money import MoneyError, to_minor_units
from core.views import form_page


def _viewer(request: HttpRequest) -> tuple[Any, str]:
    user = request.user if request.user.is_authenticated else None
    return user, services.viewer_for(request)


@require_POST
def seen(request: HttpRequest, pk: int) -> JsonResponse:
    """The viewable-impression beacon: at least half the card, for a second."""
    user, viewer = _viewer(request)
    counted = services.impression_record(
        campaign_id=pk,
        user=user,
        viewer=viewer,
        placement=request.POST.get("p", ""),
        user_agent=request.headers.get("User-Agent", ""),
    )
    return JsonResponse({"counted": counted})


def go(request: HttpRequest, pk: int) -> HttpResponse:
    """A click on a sponsored card: counted once a day per viewer, then on to it."""
    campaign = get_object_or_404(Campaign, pk=pk)
    target = target_get(campaign.target, campaign.target_id)
    if target is None:
        raise Http404(_("This is no longer on show."))
    user, viewer = _viewer(request)
    services.click_record(
        campaign=campaign,
        user=user,
        viewer=viewer,
        placement=request.GET.get("p", ""),
        user_agent=request.headers.get("User-Agent", ""),
    )
    return redirect(target.url)


# Typed in major units -> the service's minor-unit arguments.
PRICE_FIELDS = {
    "bid_price": "bid_amount",
    "daily_budget_price": "daily_budget",
    "budget_price": "budget",
}


class CampaignForm(forms.Form):
    promote = forms.ChoiceField(label=gettext_lazy("Promote"))
    headline = forms.CharField(label=gettext_lazy("Headline"), max_length=120, required=False)
    bid = forms.ChoiceField(label=gettext_lazy("Pay"), choices=Campaign.Bid.choices)
    bid_price = PriceField(label=gettext_lazy("Bid"))
    daily_budget_price = PriceField(label=gettext_lazy("Daily budget"))
    budget_price = PriceField(label=gettext_lazy("Total budget"))
    currency = forms.ChoiceField(label=gettext_lazy("Currency"), choices=currency_choices)
    funded_from = forms.ChoiceField(
        label=gettext_lazy("Pay from"),
        choices=[("earnings", gettext_lazy("My earnings")), ("wallet", gettext_lazy("My wallet"))],
    )
    starts_on = forms.DateField(label=gettext_lazy("First day"))
    ends_on = forms.DateField(label=gettext_lazy("Last day"))

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["promote"].choices = choices

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        currency = cleaned.get("currency") or settings.MARKETPLACE_DEFAULT_CURRENCY
        for field, target in PRICE_FIELDS.items():
            if cleaned.get(field) is not None:
                try:
                    cleaned[target] = to_minor_units(cleaned[field], currency)
                except MoneyError as exc:
                    self.add_error(field, str(exc))
        return cleaned


@login_required
def campaigns(request: AuthenticatedHttpRequest) -> HttpResponse:
    choices = promotable_for(request.user)
    today = timezone.localdate()
    form = CampaignForm(
        request.POST or None,
        choices=choices,
        initial={
            "starts_on": today,
            "ends_on": today + timedelta(days=6),
            "currency": settings.MARKETPLACE_DEFAULT_CURRENCY,
        },
    )
    return form_page(
        request,
        form,
        lambda data: services.campaign_create(
            advertiser=request.user,
            target=data["promote"].partition(":")[0],
            target_id=int(data["promote"].partition(":")[2]),
            headline=data["headline"],
            bid=data["bid"],
            bid_amount=data["bid_amount"],
            daily_budget=data["daily_budget"],
            budget=data["budget"],
            currency=data["currency"],
            funded_from=data["funded_from"],
            starts_on=data["starts_on"],
            ends_on=data["ends_on"],
        ),
        done=_("Campaign created; its budget is held. It runs once a moderator approves it."),
        then=lambda campaign: redirect("ads:campaign", pk=campaign.pk),
        template="ads/campaigns.html",
        context=lambda: {"campaigns": selectors.campaigns_for(advertiser=request.user)},
    )


@login_required
def campaign(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    found = selectors.campaign_get_for_advertiser(advertiser=request.user, pk=pk)
    if found is None:
        raise Http404(_("No such campaign."))
    stats = selectors.campaign_stats(found)
    top = max((row["impressions"] for row in stats["series"]), default=0) or 1
    bars = [
        {
            **row,
            "x": i * 10,
            "h": round(100 * row["impressions"] / top, 1),
            "y": 100 - round(100 * row["impressions"] / top, 1),
            "ch": round(100 * row["conversions"] / top, 1),
        }
        for i, row in enumerate(stats["series"])
    ]
    return render(
        request,
        "ads/campaign.html",
        {
            "campaign": found,
            "target": target_get(found.target, found.target_id),
            "totals": stats["totals"],
            "bars": bars,
            "width": max(len(bars) * 10, 10),
        },
    )
