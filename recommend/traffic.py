"""Who gets which ranking variant: the bandit's traffic shares (recommend.bandit).

The variants are those of settings.RECOMMEND_VARIANTS; their numbers are the starting
split. With RECOMMEND_BANDIT on, the Celery beat job (`variant_shares_update`, hourly)
reads each variant's impressions, clicks and purchases of the last
RECOMMEND_BANDIT_WINDOW_DAYS days, draws the next shares by Thompson sampling (floor,
step limit and purchase guardrail: recommend.bandit) and logs every change as a
`VariantShareChange` row; the newest row is the split in force. A variant stopped by
the guardrail stays stopped until staff clear the log (or take it out of the settings).
"""

from __future__ import annotations

import time
from datetime import timedelta

import numpy as np
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from recommend.bandit import ArmStats, Policy, stopped_by_guardrail, thompson_shares
from recommend.models import VariantDailyStat, VariantShareChange

SHARES_KEY = "recommend:variant:shares"
MEMO_SECONDS = 30.0  # a page asks for its variant; the split changes hourly at most
_memo: dict = {}


def configured_shares() -> dict[str, float]:
    """RECOMMEND_VARIANTS as fractions (variants with a share above 0)."""
    raw = {str(k): float(v) for k, v in settings.RECOMMEND_VARIANTS.items() if float(v) > 0}
    total = sum(raw.values())
    return {k: v / total for k, v in raw.items()} if total else {}


def current_shares() -> dict[str, float]:
    """The split in force: the bandit's last one (for the variants still configured),
    else the configured one."""
    configured = configured_shares()
    if not settings.RECOMMEND_BANDIT:
        return configured
    now = time.monotonic()
    if _memo.get("until", 0.0) > now and _memo.get("configured") == configured:
        return _memo["shares"]
    shares = cache.get(SHARES_KEY)
    if shares is None:
        last = VariantShareChange.objects.first()
        shares = last.shares if last else {}
        cache.set(SHARES_KEY, shares, None)
    kept = {k: float(v) for k, v in shares.items() if k in configured}
    if not kept or sum(kept.values()) <= 0:
        kept = configured
    else:
        total = sum(kept.values())
        kept = {k: v / total for k, v in kept.items()}
    _memo.update(until=now + MEMO_SECONDS, shares=kept, configured=configured)
    return kept


def shares_forget() -> None:
    """Drop this process's and Redis' copy (after a change, or in tests)."""
    _memo.clear()
    cache.delete(SHARES_KEY)


def arm_stats(*, days: int) -> dict[str, ArmStats]:
    """Impressions, clicks and purchases of each configured variant in the last `days`."""
    since = timezone.localdate() - timedelta(days=days - 1)
    rows = (
        VariantDailyStat.objects.filter(day__gte=since, variant__in=list(configured_shares()))
        .values("variant")
        .annotate(i=Sum("impressions"), c=Sum("clicks"), p=Sum("purchases"))
    )
    got = {r["variant"]: ArmStats(r["i"] or 0, r["c"] or 0, r["p"] or 0) for r in rows}
    return {name: got.get(name, ArmStats(0, 0, 0)) for name in configured_shares()}


def _policy() -> Policy:
    return Policy(
        floor=settings.RECOMMEND_BANDIT_FLOOR,
        max_step=settings.RECOMMEND_BANDIT_MAX_STEP,
        guard_ratio=settings.RECOMMEND_BANDIT_GUARD_RATIO,
        guard_min_impressions=settings.RECOMMEND_BANDIT_GUARD_MIN_IMPRESSIONS,
    )


def variant_shares_update(*, seed: int | None = None) -> VariantShareChange | None:
    """Draw the next split from the counts and log it if it changed (the beat job).
    Returns the new row, or None (bandit off, fewer than two variants, no change)."""
    configured = configured_shares()
    if not settings.RECOMMEND_BANDIT or len(configured) < 2:
        return None
    rng = np.random.default_rng(seed)
    stats = arm_stats(days=settings.RECOMMEND_BANDIT_WINDOW_DAYS)
    last = VariantShareChange.objects.first()
    previous = {k: v for k, v in (last.shares if last else configured).items() if k in configured}
    before = set(last.stopped) & set(configured) if last else set()
    # stopped variants stay stopped and are no yardstick for the running ones
    running = {k: v for k, v in stats.items() if k not in before}
    stopped = before | stopped_by_guardrail(running, _policy(), rng)
    shares = thompson_shares(stats, previous=previous, policy=_policy(), stopped=stopped, rng=rng)
    moved = max(abs(shares[k] - previous.get(k, 0.0)) for k in shares)
    if last is not None and moved < 0.005 and stopped == before:
        return None  # not worth a row: the split stays
    newly = sorted(stopped - before)
    reason = (
        f"guardrail stopped {', '.join(newly)}: purchases per impression below "
        f"{settings.RECOMMEND_BANDIT_GUARD_RATIO:.0%} of the best variant's"
        if newly
        else "Thompson sampling on click-through"
    )
    with transaction.atomic():
        row = VariantShareChange.objects.create(
            created_at=timezone.now(),
            shares=shares,
            stopped=sorted(stopped),
            stats={k: [s.impressions, s.clicks, s.purchases] for k, s in stats.items()},
            reason=reason,
        )
        transaction.on_commit(shares_forget)
    return row
