"""Reads of the recommend app: the lists pages and the API show.

Stored lists are filtered again when served: an item hidden, unpublished or
cancelled since the list was stored, an item the user has bought since, or the
user's own content never shows.
"""

import logging
from collections.abc import Set
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core import signing
from django.core.cache import cache
from django.db.models import Count, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from recommend import profiles, refresh, traffic
from recommend.features import Item, items_load, owned_keys
from recommend.items import item_key_for
from recommend.live import live_boosts
from recommend.models import (
    Event,
    RecommendationList,
    VariantDailyRelease,
    VariantShareChange,
)
from recommend.services import NONPERSONAL_VARIANT, AnyUser, personalisation_opted_out

logger = logging.getLogger(__name__)
POPULAR_CACHE = "recommend:popular"
TOPICS_ASKED = "recommend_topics_asked"  # session flag: the topic picker was answered
CLICK_SALT = "recommend.click"


@dataclass
class ShownList:
    source: str  # "for_you", "similar", "because"
    variant: str
    algorithm: str
    items: list[Item] = field(default_factory=list)
    anchor: Item | None = None  # "because you watched <anchor>", "similar to <anchor>"
    reasons: dict[str, str] = field(default_factory=dict)  # item key -> why it is here

    def click_url(self, item: Item) -> str:
        token = signing.dumps([item.key, self.variant, self.source], salt=CLICK_SALT)
        return f"{reverse('recommend:click')}?t={token}"

    @property
    def entries(self) -> list[tuple[Item, str]]:
        return [(item, self.click_url(item)) for item in self.items]

    @property
    def cards(self) -> list[tuple[Item, str, str]]:
        """(item, click link, reason) of each item, for the row template."""
        return [(item, url, self.reasons.get(item.key, "")) for item, url in self.entries]


def click_token_read(token: str) -> tuple[str, str, str] | None:
    """(item key, variant, source) of a click link we signed, or None."""
    try:
        key, variant, source = signing.loads(token, salt=CLICK_SALT, max_age=30 * 86400)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return str(key), str(variant)[:40], str(source)[:20]


def popular_keys() -> list[str]:
    """Popular items: the fitted model's ranking, else the last 30 days' events,
    padded with the newest items. Cached for a few minutes (same for everyone)."""
    keys = cache.get(POPULAR_CACHE)
    if keys is not None:
        return keys
    keys = list(refresh.popular_stored() or [])
    if not keys:
        since = timezone.now() - timedelta(days=30)
        rows = (
            Event.objects.filter(created_at__gte=since)
            .exclude(item_kind="")
            .values("item_kind", "item_id")
            .annotate(users=Count("user_id", distinct=True))
            .order_by("-users", "item_kind", "item_id")[:100]
        )
        keys = [f"{r['item_kind']}:{r['item_id']}" for r in rows]
    seen = set(keys)
    newest = sorted(items_load().values(), key=lambda item: -item.pk)  # cheap: no texts
    keys += [item.key for item in newest if item.key not in seen][:100]
    cache.set(POPULAR_CACHE, keys, settings.RECOMMEND_POPULAR_CACHE_SECONDS)
    return keys


def _serve(
    keys: list[str], *, user: AnyUser, n: int, exclude: Set[str] = frozenset()
) -> list[Item]:
    """The first `n` of `keys` still visible, not owned, not the user's own."""
    candidates = [k for k in dict.fromkeys(keys) if k not in exclude][: n * 4 + 20]
    visible = items_load(candidates)
    owned = owned_keys(user)
    own_id = user.pk if user is not None and user.is_authenticated else None
    out = []
    for key in candidates:
        item = visible.get(key)
        if item is None or key in owned or item.creator_user_id == own_id:
            continue
        out.append(item)
        if len(out) == n:
            break
    return out


def recommendations_for_user(*, user: AnyUser, n: int | None = None) -> ShownList:
    """The "for you" list: the stored list of the user's variant, topped up with
    popular items; popular only for visitors and users who turned personalisation off."""
    n = n or settings.RECOMMEND_ROW_LENGTH
    if not isinstance(user, User) or personalisation_opted_out(user):
        return ShownList(
            "for_you", NONPERSONAL_VARIANT, "popularity", _serve(popular_keys(), user=user, n=n)
        )
    variant = refresh.variant_for(user.pk)
    stored = RecommendationList.objects.filter(user=user).first()
    keys, algorithm, seen = [], "popularity", 0
    if stored is not None and stored.variant == variant:
        keys, algorithm, seen = list(stored.items), stored.algorithm, stored.last_event_id
    profile = profiles.profile_for(user.pk)
    followed = profiles.followed_keys(profile)
    boosts = live_boosts(profile)
    # What the learner touched since the stored list was made (everything, for a new
    # learner): its neighbours come first, so the first view, follow or purchase
    # changes the row at once; the touched items themselves are not offered again.
    touched = _touched_since(user.pk, seen)
    near, related = _neighbours_of(touched)
    if near and algorithm == "popularity":
        algorithm = "neighbours"
    # candidates: sessions live now or soon on the learner's topics, those neighbours,
    # the stored list, the followed topics' items (a new learner's first choice counts
    # at once), popular items; then the learner's profile and the live boosts re-rank
    candidates = _serve(
        [*boosts, *near, *keys, *followed, *popular_keys()],
        user=user,
        n=n * 4,
        exclude=set(touched),
    )
    live = {key: b.boost for key, b in boosts.items()}
    ranked = [item for item, _score in profiles.rerank(candidates, profile, live)][:n]
    watched = _watched_anchors(user.pk)
    now_or_soon = {key: b.live for key, b in boosts.items()}
    reasons = {
        item.key: profiles.reason_for(item, profile, watched, now_or_soon)
        or (_("Related to %(title)s") % {"title": related[item.key]} if item.key in related else "")
        for item in ranked
    }
    return ShownList(
        "for_you", variant, algorithm, ranked, reasons={k: r for k, r in reasons.items() if r}
    )


# What shows interest in an item (impressions do not: the learner only saw a list).
TOUCH_KINDS = [kind for kind in Event.Kind.values if kind != Event.Kind.IMPRESSION]
TOUCHED_ANCHORS = 3


def _touched_since(user_id: int, event_id: int) -> list[str]:
    """The newest distinct items (up to TOUCHED_ANCHORS) the user viewed, watched,
    followed, bought... in events after `event_id` (one query)."""
    rows = (
        Event.objects.filter(user_id=user_id, pk__gt=event_id, kind__in=TOUCH_KINDS)
        .exclude(item_kind="")
        .order_by("-pk")
        .values_list("item_kind", "item_id")[:50]
    )
    return list(dict.fromkeys(f"{kind}:{pk}" for kind, pk in rows))[:TOUCHED_ANCHORS]


def _neighbours_of(touched: list[str]) -> tuple[list[str], dict[str, str]]:
    """Item-to-item neighbours of `touched` (the model's similar items; before any
    model, the same category's and creator's), taken in turns so that each touched
    item contributes, newest first; and neighbour key -> the touched item's title."""
    if not touched:
        return [], {}
    anchors = items_load(touched)
    lists = []
    for key in touched:
        anchor = anchors.get(key)
        if anchor is None:
            continue
        similar = refresh.similar_keys(key)
        lists.append((anchor, similar if similar is not None else _same_topic_keys(anchor)))
    keys: list[str] = []
    related: dict[str, str] = {}
    for rank in range(max((len(similar) for _anchor, similar in lists), default=0)):
        for anchor, similar in lists:
            if rank < len(similar) and similar[rank] not in related:
                keys.append(similar[rank])
                related[similar[rank]] = anchor.title
    return keys, related


def _watched_anchors(user_id: int) -> dict[str, str]:
    """Item key -> title of the recently watched item it is similar to (the newest
    watched item first): what "because you watched X" on a card names."""
    recent = (
        Event.objects.filter(user_id=user_id, kind=Event.Kind.WATCH)
        .exclude(item_kind="")
        .order_by("-created_at")
        .values_list("item_kind", "item_id")[:3]
    )
    anchors: dict[str, str] = {}
    keys = [f"{kind}:{pk}" for kind, pk in recent]
    titles = {key: item.title for key, item in items_load(keys).items()} if keys else {}
    for key in keys:
        for similar in refresh.similar_keys(key) or []:
            if key in titles:
                anchors.setdefault(similar, titles[key])
    return anchors


def similar_for_item(*, item: object, user: AnyUser, n: int | None = None) -> ShownList:
    """Items like `item` (any object that maps to an item, or an item key)."""
    n = n or settings.RECOMMEND_ROW_LENGTH
    key = item_key_for(item)
    if key is None:
        return ShownList("similar", similar_variant("none"), "none")
    anchor = items_load([key]).get(key)
    keys = refresh.similar_keys(key)
    algorithm = "blend"
    if keys is None:
        keys, algorithm = _same_topic_keys(anchor), "category"
    return ShownList(
        "similar",
        similar_variant(algorithm),
        algorithm,
        _serve(keys, user=user, n=n, exclude={key}),
        anchor,
    )


def similar_variant(algorithm: str) -> str:
    """The label "similar" and "because you watched" rows are counted under.

    The A/B split is over the "For you" row: similar lists are the same for every
    variant, so their impressions and clicks are kept apart from the variants' and the
    staff chart's click-through rates compare like with like."""
    return f"similar-{algorithm}"


def because_you_watched(
    *, user: AnyUser, n: int | None = None, exclude: Set[str] = frozenset()
) -> ShownList | None:
    """Items similar to what the user watched most recently (None if nothing)."""
    if not isinstance(user, User) or personalisation_opted_out(user):
        return None
    recent = (
        Event.objects.filter(user=user, kind__in=[Event.Kind.WATCH, Event.Kind.VIEW])
        .exclude(item_kind="")
        .order_by("-kind", "-created_at")  # watch before view, newest first
        .values_list("item_kind", "item_id")[:5]
    )
    for item_kind, item_id in recent:
        key = f"{item_kind}:{item_id}"
        if key in exclude:
            continue
        shown = similar_for_item(item=key, user=user, n=n)
        if shown.anchor is not None and shown.items:
            shown.source = "because"
            return shown
    return None


def _same_topic_keys(anchor: Item | None) -> list[str]:
    """Before any model exists: items of the same category, then of the same creator."""
    if anchor is None:
        return []
    everything = items_load().values()
    same = [i for i in everything if i.category_id == anchor.category_id]
    same += [i for i in everything if i.creator_id == anchor.creator_id]
    return [i.key for i in sorted(same, key=lambda i: -i.pk)]


def click_through_by_variant(*, days: int = 30) -> dict[str, Any]:
    """Daily impressions, clicks and CTR per variant for the staff chart: the `days`
    complete days up to yesterday, as released with noise (staff_stats); the exact
    counters and today's running ones are never read here."""
    since = timezone.localdate() - timedelta(days=days)
    released = VariantDailyRelease.objects.filter(day__gte=since, day__lt=timezone.localdate())
    rows = list(released.order_by("day", "variant"))
    variants = sorted({r.variant for r in rows})
    series: dict[str, list[tuple[date, int, int, float]]] = {v: [] for v in variants}
    for r in rows:
        ctr = r.clicks / r.impressions if r.impressions else 0.0
        series[r.variant].append((r.day, r.impressions, r.clicks, ctr))
    totals = (
        released.values("variant")
        .annotate(impressions=Sum("impressions"), clicks=Sum("clicks"))
        .order_by("variant")
    )
    return {
        "since": since,
        "days": days,
        "variants": variants,
        "series": series,
        "rows": rows,
        "totals": [
            {**t, "ctr": (t["clicks"] / t["impressions"]) if t["impressions"] else 0.0}
            for t in totals
        ],
    }


def variant_share_history(*, days: int = 30) -> dict[str, Any]:
    """The bandit's changes of the traffic split in the last `days` (oldest first), and
    the split in force now (recommend.traffic)."""
    since = timezone.now() - timedelta(days=days)
    changes = list(
        VariantShareChange.objects.filter(created_at__gte=since).order_by("created_at", "id")
    )
    return {
        "share_since": since,
        "share_changes": changes,
        "shares_now": sorted(traffic.current_shares().items()),
        "bandit_on": settings.RECOMMEND_BANDIT,
    }


@dataclass
class InterestTopic:
    category_id: int
    topic: str  # "category:3"
    name: str
    strength: float  # 0..1, from behaviour
    choice: str  # "follow", "not_interested" or ""


def interest_topics(*, user: User) -> list[InterestTopic]:
    """Every category with the learner's strength and choice, strongest first (the
    followed ones on top). Three queries (see profiles.profile_for)."""
    profile = profiles.profile_for(user.pk)
    rows = []
    for category_id, name in profile.names.items():
        choice = (
            "follow"
            if category_id in profile.following
            else "not_interested"
            if category_id in profile.not_interested
            else ""
        )
        rows.append(
            InterestTopic(
                category_id,
                profiles.category_topic(category_id),
                name,
                profile.strengths.get(category_id, 0.0),
                choice,
            )
        )
    rows.sort(key=lambda t: (t.choice != "follow", -t.strength, t.name))
    return rows


def topic_picker_due(*, user: AnyUser, session: SessionBase) -> bool:
    """Whether a signed-in learner should be offered the topic picker: no choices yet,
    no strengths, no stored list, and not answered (or skipped) in this session."""
    if not isinstance(user, User) or session.get(TOPICS_ASKED):
        return False
    if RecommendationList.objects.filter(user=user).exists():
        return False
    return profiles.profile_for(user.pk).empty
