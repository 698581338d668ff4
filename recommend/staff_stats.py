"""The staff click-through chart, differentially private.

The counters behind it (VariantDailyStat: items shown and clicks per variant and
day) hold no user id, but exact counts still let someone who knows everybody else's
activity tell whether one person clicked. So, as for creators' breakdowns
(core.privacy, docs/privacy.md "Private analytics"):

1. Contributions are bounded where they are counted (`stats_allowance`): one
   visitor (core.visit.visitor_key: the user, else the browser session, else a hash
   of address and browser, held in a cache key for two days) adds at most
   RECOMMEND_STATS_MAX_IMPRESSIONS_PER_VISITOR_DAY items shown and
   RECOMMEND_STATS_MAX_CLICKS_PER_VISITOR_DAY clicks to a day's counters, over all
   variants together. What is past the bound is not counted. So one person changes
   a day's vector of items shown by at most the first bound (L1), and its clicks by
   at most the second.
2. Each complete day is released once (`variant_releases_due`): every variant's
   counters plus Laplace(bound / (epsilon / 2)) noise, rounded, at least 0, kept in
   VariantDailyRelease. The day's release costs RECOMMEND_STATS_EPSILON_PER_DAY
   (half for items shown, half for clicks); the chart reads only releases, never
   today's running counters, and never draws noise twice for one day.

Variant names are the site's own A/B arms (settings), not data about anyone, so a
variant's row is released whether or not it had any traffic that day.
"""

from datetime import date, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.privacy import laplace
from recommend.models import VariantDailyRelease, VariantDailyStat

_BOUND_CACHE = "recommend:stats-bound:{}:{}:{}"  # visitor, day, "i" or "c"


def _take(visitor: str, which: str, amount: int, bound: int) -> int:
    """How much of `amount` still fits under the visitor's bound for today."""
    if amount <= 0:
        return 0
    key = _BOUND_CACHE.format(visitor, timezone.localdate().isoformat(), which)
    cache.add(key, 0, 2 * 86400)
    try:
        after = cache.incr(key, amount)
    except ValueError:  # expired between add and incr
        cache.set(key, amount, 2 * 86400)
        after = amount
    before = after - amount
    return max(0, min(amount, bound - before))


def stats_allowance(
    *, visitor: str | None, impressions: int = 0, clicks: int = 0
) -> tuple[int, int]:
    """(items shown, clicks) of this event that may be counted. Without a visitor the
    bound cannot be kept, so nothing is counted."""
    if visitor is None:
        return 0, 0
    return (
        _take(visitor, "i", impressions, settings.RECOMMEND_STATS_MAX_IMPRESSIONS_PER_VISITOR_DAY),
        _take(visitor, "c", clicks, settings.RECOMMEND_STATS_MAX_CLICKS_PER_VISITOR_DAY),
    )


def _noisy(count: int, bound: int, epsilon: float) -> int:
    return max(0, round(count + laplace(bound / epsilon)))


def variant_releases_due(*, since: date) -> int:
    """Release every complete day from `since` to yesterday that has counters but no
    release yet. Returns how many (day, variant) rows were released."""
    yesterday = timezone.localdate() - timedelta(days=1)
    stats = list(VariantDailyStat.objects.filter(day__gte=since, day__lte=yesterday))
    if not stats:
        return 0
    variants = sorted({s.variant for s in stats})
    released = set(
        VariantDailyRelease.objects.filter(day__gte=since, day__lte=yesterday).values_list(
            "day", flat=True
        )
    )
    by_cell = {(s.day, s.variant): s for s in stats}
    epsilon = settings.RECOMMEND_STATS_EPSILON_PER_DAY
    made = 0
    # A day is released whole, once: a variant first seen later is not added to it
    # (that would spend the day's budget again).
    for day in sorted({s.day for s in stats} - released):
        try:
            with transaction.atomic():
                for variant in variants:
                    stat = by_cell.get((day, variant))
                    VariantDailyRelease.objects.create(
                        day=day,
                        variant=variant,
                        impressions=_noisy(
                            stat.impressions if stat else 0,
                            settings.RECOMMEND_STATS_MAX_IMPRESSIONS_PER_VISITOR_DAY,
                            epsilon / 2,
                        ),
                        clicks=_noisy(
                            stat.clicks if stat else 0,
                            settings.RECOMMEND_STATS_MAX_CLICKS_PER_VISITOR_DAY,
                            epsilon / 2,
                        ),
                        epsilon=epsilon,
                    )
                    made += 1
        except IntegrityError:  # released meanwhile by another request: keep that one
            continue
    return made
