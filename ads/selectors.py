"""Which sponsored listing to show, and a campaign's figures for its creator."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, F, Q, Sum
from django.utils import timezone

from accounts.models import User
from ads.models import Campaign, Charge, Delivery
from ads.services import RUNNING_CACHE_KEY, charged_on, frequency_allows
from ads.targets import Target, target_get
from recommend.selectors import recommendations_for_user

# Placements a sponsored card may appear in. Paid lesson pages and live rooms are
# deliberately absent: nothing there ever asks for one.
PLACEMENTS = ("catalogue", "search", "for_you", "home")


@dataclass(frozen=True)
class Sponsored:
    campaign: Campaign
    target: Target
    placement: str


def _effective_bid(campaign: Campaign) -> float:
    """Rank CPM and CPC bids on one scale: expected minor units per 1,000 showings,
    assuming a 2% click-through for per-click bids."""
    if campaign.bid == Campaign.Bid.CPM:
        return float(campaign.bid_amount)
    return campaign.bid_amount * 1000 * 0.02


def campaigns_running(*, today: date) -> list[Campaign]:
    """Approved campaigns within their dates with budget left today; cached briefly
    (and forgotten on every change: services.running_changed), so a page with a
    sponsored slot and no campaign running costs no query."""
    cached = cache.get(RUNNING_CACHE_KEY)
    if cached is not None and cached[0] == today:
        return list(cached[1])
    running = list(
        Campaign.objects.filter(
            status=Campaign.Status.ACTIVE, starts_on__lte=today, ends_on__gte=today
        )
        .filter(budget__gt=F("charged") + F("released"))
        .select_related("advertiser")
    )
    result = [c for c in running if charged_on(c, today) < c.daily_budget]
    cache.set(RUNNING_CACHE_KEY, (today, result), timeout=settings.ADS_RUNNING_CACHE_SECONDS)
    return result


def sponsored_pick(*, placement: str, user: User | None, viewer: str) -> Sponsored | None:
    """At most one listing for this list: the most relevant running campaign (by the
    recommender's order for this user, non-personal for those who opted out), then
    the highest bid; never the viewer's own, never past its frequency cap."""
    if placement not in PLACEMENTS:
        return None
    today = timezone.localdate()
    own_id = user.pk if user is not None and user.is_authenticated else None
    candidates = [c for c in campaigns_running(today=today) if c.advertiser_id != own_id]
    if not candidates:
        return None
    shown = recommendations_for_user(user=user, n=50)
    order = {item.key: i for i, item in enumerate(shown.items)}
    targets = {c.pk: target_get(c.target, c.target_id) for c in candidates}
    ranked = sorted(
        (c for c in candidates if targets[c.pk] is not None),
        key=lambda c: (order.get(targets[c.pk].key, len(order)), -_effective_bid(c), c.pk),
    )
    for campaign in ranked:
        if frequency_allows(campaign_id=campaign.pk, viewer=viewer):
            target = targets[campaign.pk]
            assert target is not None
            return Sponsored(campaign=campaign, target=target, placement=placement)
    return None


def campaigns_for(*, advertiser: User) -> list[Campaign]:
    return list(
        Campaign.objects.filter(advertiser=advertiser)
        .annotate(
            impressions=Count("deliveries", filter=Q(deliveries__kind=Delivery.Kind.IMPRESSION)),
            clicks=Count("deliveries", filter=Q(deliveries__kind=Delivery.Kind.CLICK)),
        )
        .order_by("-created_at")
    )


def campaign_get_for_advertiser(*, advertiser: User, pk: int) -> Campaign | None:
    return Campaign.objects.filter(advertiser=advertiser, pk=pk).first()


def campaign_stats(campaign: Campaign, *, days: int = 30) -> dict:
    """Per day: impressions, clicks, conversions and spend; totals and CTR."""
    start = max(campaign.starts_on, timezone.localdate() - timedelta(days=days - 1))
    end = min(campaign.ends_on, timezone.localdate())
    rows = (
        campaign.deliveries.filter(day__gte=start)
        .values("day", "kind")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts: dict[tuple[date, str], int] = {(r["day"], r["kind"]): r["n"] for r in rows}
    spend = dict(
        Charge.objects.filter(campaign=campaign, day__gte=start)
        .values_list("day")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    series = []
    day = start
    while day <= end:
        series.append(
            {
                "day": day,
                "impressions": counts.get((day, Delivery.Kind.IMPRESSION), 0),
                "clicks": counts.get((day, Delivery.Kind.CLICK), 0),
                "conversions": counts.get((day, Delivery.Kind.CONVERSION), 0),
                "spend": spend.get(day, 0),
            }
        )
        day += timedelta(days=1)
    totals = {
        key: sum(row[key] for row in series)
        for key in ("impressions", "clicks", "conversions", "spend")
    }
    totals["ctr"] = (
        round(100 * totals["clicks"] / totals["impressions"], 2) if totals["impressions"] else 0.0
    )
    return {"series": series, "totals": totals}
