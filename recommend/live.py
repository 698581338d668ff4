"""Live-aware ranking: sessions live now, or starting soon, on the learner's topics.

A session counts when its channel's category is one the learner follows (relevance 1)
or one they engage with by the interest model (relevance = strength, from
profiles.STRONG up). Its boost on "For you" is

    RECOMMEND_LIVE_BOOST x relevance x time weight

where the time weight decays: for a session live now, 0.5 per
RECOMMEND_LIVE_HALF_LIFE_MINUTES it has been live (a stream near its end is worth
less); for one not started yet, 0.5 per RECOMMEND_SOON_HALF_LIFE_MINUTES until it
starts, and nothing past RECOMMEND_SOON_HORIZON_HOURS. A session that has ended
is no longer boosted: with a replay it is the replay (the same item, ranked as any).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from livestream.models import LiveSession
from recommend.features import _sessions_q
from recommend.profiles import STRONG, Profile

LATE_START_GRACE = timedelta(minutes=30)  # scheduled, not started yet, this late: still "soon"
MAX_SESSIONS = 50


@dataclass(frozen=True)
class LiveBoost:
    key: str
    boost: float
    live: bool  # live now (else starting soon)
    category_id: int
    starts_at: datetime


def time_weight(*, live: bool, started_at: datetime | None, starts_at: datetime, now) -> float:
    """The decaying time weight of a session (1.0 at best)."""
    if live:
        minutes = max((now - (started_at or starts_at)).total_seconds() / 60.0, 0.0)
        return 0.5 ** (minutes / settings.RECOMMEND_LIVE_HALF_LIFE_MINUTES)
    minutes = max((starts_at - now).total_seconds() / 60.0, 0.0)
    if minutes > settings.RECOMMEND_SOON_HORIZON_HOURS * 60:
        return 0.0
    return 0.5 ** (minutes / settings.RECOMMEND_SOON_HALF_LIFE_MINUTES)


def live_boosts(profile: Profile, *, now: datetime | None = None) -> dict[str, LiveBoost]:
    """Item key -> boost of the sessions live now or starting soon on the learner's
    followed or strong topics (one query), strongest first."""
    now = now or timezone.now()
    relevance = {c: s for c, s in profile.strengths.items() if s >= STRONG}
    relevance.update({c: 1.0 for c in profile.following})
    for category in profile.not_interested:
        relevance.pop(category, None)
    if not relevance:
        return {}
    S = LiveSession.Status
    horizon = now + timedelta(hours=settings.RECOMMEND_SOON_HORIZON_HOURS)
    rows = (
        LiveSession.objects.filter(_sessions_q())
        .filter(channel__category_id__in=list(relevance))
        .filter(
            Q(status=S.LIVE)
            | Q(status=S.SCHEDULED, scheduled_start__gte=now - LATE_START_GRACE)
            & Q(scheduled_start__lte=horizon)
        )
        .order_by("scheduled_start")
        .values_list("pk", "status", "scheduled_start", "started_at", "channel__category_id")
    )[:MAX_SESSIONS]
    out = {}
    for pk, status, starts_at, started_at, category in rows:
        live = status == S.LIVE
        weight = time_weight(live=live, started_at=started_at, starts_at=starts_at, now=now)
        boost = settings.RECOMMEND_LIVE_BOOST * relevance[category] * weight
        if boost > 0.01:
            key = f"session:{pk}"
            out[key] = LiveBoost(key, boost, live, category, starts_at)
    return dict(sorted(out.items(), key=lambda pair: -pair[1].boost))
