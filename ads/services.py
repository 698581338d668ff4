"""Sponsored campaigns: create and fund, review, serve, count, charge, end.

Money moves only through payments (`ad_budget_fund/charge/release`). A campaign is
charged for what it delivered: impressions (CPM) or clicks (CPC) counted once per
viewer and day, within its daily budget and the budget held; what is left when it
ends goes back to where it came from.
"""

import re
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from ads.models import Campaign, Charge, Delivery
from ads.targets import target_get
from core.visit import visitor_key, visitor_of
from moderation import services as moderation_services
from moderation.models import ReviewItem
from moderation.selectors import reviews_holding
from payments import services as payment_services

BOT_RE = re.compile(r"bot|crawl|spider|slurp|curl|wget|python-requests|httpx|scrapy", re.I)
Kind = Delivery.Kind


@transaction.atomic
def campaign_create(
    *,
    advertiser: User,
    target: str,
    target_id: int,
    headline: str,
    bid: str,
    bid_amount: int,
    daily_budget: int,
    budget: int,
    currency: str,
    funded_from: str,
    starts_on: date,
    ends_on: date,
) -> Campaign:
    """A campaign for one of the advertiser's own things; its budget is held at once
    and it waits for a moderator before it runs."""
    thing = target_get(target, target_id)
    if thing is None or thing.owner_id != advertiser.pk:
        raise ValidationError(
            {"target": _("Promote one of your own courses, channels or sessions.")}
        )
    headline = (headline or "").strip()[:120] or thing.title
    if bid not in Campaign.Bid.values:
        raise ValidationError({"bid": _("Bid per 1,000 impressions or per click.")})
    for field, value in (("bid", bid_amount), ("daily_budget", daily_budget), ("budget", budget)):
        try:
            payment_services.validate_amount(amount=value, currency=currency)
        except ValidationError as exc:
            raise ValidationError({f"{field}_price": exc.messages}) from None
    if daily_budget > budget:
        raise ValidationError(
            {"daily_budget_price": _("The daily budget cannot exceed the total.")}
        )
    if bid == Campaign.Bid.CPC and bid_amount > daily_budget:
        raise ValidationError({"bid_price": _("A click cannot cost more than a day's budget.")})
    today = timezone.localdate()
    if starts_on < today or ends_on < starts_on:
        raise ValidationError({"ends_on": _("Run from today or later, and end after the start.")})
    campaign = Campaign.objects.create(
        advertiser=advertiser,
        target=target,
        target_id=target_id,
        headline=headline,
        bid=bid,
        bid_amount=bid_amount,
        daily_budget=daily_budget,
        budget=budget,
        currency=currency,
        funded_from=funded_from,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    payment_services.ad_budget_fund(
        advertiser=advertiser,
        amount=budget,
        currency=currency,
        funded_from=funded_from,
        key=f"ads:fund:{campaign.pk}",
        reference=str(campaign.pk),
    )
    moderation_services.content_screen(
        obj=campaign, review_reason=_("Sponsored campaigns are reviewed before they run")
    )
    return campaign


@transaction.atomic
def campaign_set_visible(campaign: Campaign, visible: bool) -> None:
    """Moderation's switch: approved, it runs; held, it waits; rejected, its budget
    goes back."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.status in (Campaign.Status.ENDED, Campaign.Status.REJECTED):
        return
    running_changed()
    if visible:
        campaign.status = Campaign.Status.ACTIVE
        campaign.save(update_fields=["status"])
        return
    rejected = (
        reviews_holding(Campaign)
        .filter(object_id=campaign.pk, status=ReviewItem.Status.REJECTED)
        .exists()
    )
    if rejected:
        _close(campaign, status=Campaign.Status.REJECTED)
    else:
        campaign.status = Campaign.Status.REVIEW
        campaign.save(update_fields=["status"])


def _close(campaign: Campaign, *, status: str) -> None:
    """Caller holds the campaign lock. Release what was not charged; close it."""
    unspent = campaign.budget - campaign.charged - campaign.released
    if unspent > 0:
        payment_services.ad_budget_release(
            advertiser=campaign.advertiser,
            amount=unspent,
            currency=campaign.currency,
            funded_from=campaign.funded_from,
            key=f"ads:release:{campaign.pk}",
            reference=str(campaign.pk),
        )
        campaign.released += unspent
    campaign.status = status
    campaign.save(update_fields=["status", "released"])
    running_changed()


RUNNING_CACHE_KEY = "ads:running"


def running_changed() -> None:
    """What is running changed (approved, charged, ended): forget the cached list,
    now and again once the change commits."""
    cache.delete(RUNNING_CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(RUNNING_CACHE_KEY))


def viewer_key(*, user: User | None, session_key: str | None, fallback: str = "") -> str:
    """One person for frequency caps and deduplication (core.visit.visitor_key)."""
    user_id = user.pk if user is not None and user.is_authenticated else None
    return visitor_key(user_id=user_id, session_key=session_key, fallback=fallback)


def viewer_for(request: Any) -> str:
    """viewer_key for an HTTP request; writes nothing (no session is created)."""
    return visitor_of(request)


def countable(*, user: User | None, user_agent: str) -> bool:
    """Staff and bots are never counted (nor charged for)."""
    if user is not None and user.is_authenticated and user.is_staff:
        return False
    return bool(user_agent) and not BOT_RE.search(user_agent)


def _record(*, campaign_id: int, kind: str, user: User | None, viewer: str, placement: str) -> bool:
    campaign = Campaign.objects.filter(pk=campaign_id, status=Campaign.Status.ACTIVE).first()
    if campaign is None:
        return False
    if user is not None and user.is_authenticated and user.pk == campaign.advertiser_id:
        return False  # an advertiser looking at their own listing is not an audience
    try:
        with transaction.atomic():
            Delivery.objects.create(
                campaign=campaign,
                kind=kind,
                viewer=viewer,
                user=user if user is not None and user.is_authenticated else None,
                day=timezone.localdate(),
                placement=placement[:20],
            )
    except IntegrityError:
        return False  # already counted for this viewer today
    return True


def impression_record(
    *, campaign_id: int, user: User | None, viewer: str, placement: str, user_agent: str
) -> bool:
    """The client saw at least half the card for a second. True if it counted."""
    if not countable(user=user, user_agent=user_agent):
        return False
    return _record(
        campaign_id=campaign_id, kind=Kind.IMPRESSION, user=user, viewer=viewer, placement=placement
    )


def click_record(
    *, campaign: Campaign, user: User | None, viewer: str, placement: str, user_agent: str
) -> bool:
    if not countable(user=user, user_agent=user_agent):
        return False
    return _record(
        campaign_id=campaign.pk, kind=Kind.CLICK, user=user, viewer=viewer, placement=placement
    )


def conversion_record(*, user_id: int, target: str, target_id: int) -> int:
    """A purchase of a promoted thing by someone who clicked its campaign lately."""
    since = timezone.localdate() - timedelta(days=settings.ADS_CONVERSION_DAYS)
    clicked = Delivery.objects.filter(
        kind=Kind.CLICK,
        user_id=user_id,
        day__gte=since,
        campaign__target=target,
        campaign__target_id=target_id,
    ).values_list("campaign_id", flat=True)
    user = User.objects.get(pk=user_id)
    return sum(_record_any(campaign_id=pk, user=user) for pk in set(clicked))


def _record_any(*, campaign_id: int, user: User) -> bool:
    try:
        with transaction.atomic():
            Delivery.objects.create(
                campaign_id=campaign_id,
                kind=Kind.CONVERSION,
                viewer=f"u{user.pk}",
                user=user,
                day=timezone.localdate(),
            )
    except IntegrityError:
        return False
    return True


def frequency_allows(*, campaign_id: int, viewer: str) -> bool:
    """At most ADS_FREQUENCY_CAP showings of one campaign to one viewer a day."""
    key = f"ads:freq:{timezone.localdate().isoformat()}:{campaign_id}:{viewer}"
    cache.add(key, 0, timeout=86_400)
    try:
        shown = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=86_400)
        shown = 1
    return shown <= settings.ADS_FREQUENCY_CAP


def _billable(campaign: Campaign, day: date) -> int:
    kind = Kind.IMPRESSION if campaign.bid == Campaign.Bid.CPM else Kind.CLICK
    count = campaign.deliveries.filter(kind=kind, day=day).count()
    if campaign.bid == Campaign.Bid.CPM:
        return count * campaign.bid_amount // 1000
    return count * campaign.bid_amount


def charged_on(campaign: Campaign, day: date) -> int:
    return campaign.charges.filter(day=day).aggregate(total=Sum("amount"))["total"] or 0


@transaction.atomic
def campaign_charge(campaign: Campaign, *, day: date) -> int:
    """Charge `day`'s delivery not yet charged, within the daily budget and what is
    left of the budget. Safe to run again: returns what it charged now."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    already = charged_on(campaign, day)
    due = min(
        _billable(campaign, day) - already,
        campaign.daily_budget - already,
        campaign.budget - campaign.charged - campaign.released,
    )
    if due <= 0:
        return 0
    payment_services.ad_budget_charge(
        advertiser=campaign.advertiser,
        amount=due,
        currency=campaign.currency,
        key=f"ads:charge:{campaign.pk}:{campaign.charged}",
        reference=str(campaign.pk),
    )
    Charge.objects.create(campaign=campaign, day=day, amount=due)
    campaign.charged += due
    campaign.save(update_fields=["charged"])
    running_changed()
    return due


def campaigns_charge(*, today: date | None = None) -> int:
    """The Celery job: charge every running campaign for today and yesterday (late
    beacons), then end campaigns past their last day and release what is left."""
    today = today or timezone.localdate()
    total = 0
    for campaign in Campaign.objects.filter(status=Campaign.Status.ACTIVE):
        for day in (today - timedelta(days=1), today):
            total += campaign_charge(campaign, day=day)
    for campaign in Campaign.objects.filter(
        status__in=[Campaign.Status.ACTIVE, Campaign.Status.REVIEW], ends_on__lt=today
    ):
        with transaction.atomic():
            locked = Campaign.objects.select_for_update().get(pk=campaign.pk)
            if locked.status in (Campaign.Status.ACTIVE, Campaign.Status.REVIEW):
                _close(locked, status=Campaign.Status.ENDED)
    return total
