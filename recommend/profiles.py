"""Interest profiles on the site: learners' events into per-category strengths (the
model in recommend/interests.py), stored by the refresh; the learner's own choices
(follow, not interested) and how both re-rank a list and explain it."""

import logging
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import Category
from recommend import interests
from recommend.features import TASTE_KINDS, Item, items_load, opted_out_users
from recommend.models import Event, InterestStrength, TopicChoice

logger = logging.getLogger(__name__)
KIND_NAMES = tuple(sorted(TASTE_KINDS))
# ranking: how much a choice or a strength moves an item (scores are 1 / (1 + rank / 10))
FOLLOW_BOOST = 1.0
STRENGTH_BOOST = 0.5
NOT_INTERESTED_PENALTY = 0.8
SIBLING_PENALTY = 0.5  # per category of an item the learner marked "not interested"
STRONG = 0.5  # strengths from here on explain a card ("matches your interest in X")


def category_topic(category_id: int) -> str:
    return f"category:{category_id}"


def interests_refresh() -> int:
    """Fit the interest model on everyone's taste events and store each learner's
    strengths (replacing the previous ones). Returns the number of learners."""
    categories = list(Category.objects.order_by("position", "slug").values_list("pk", flat=True))
    if not categories:
        return 0
    topic_of = {pk: i for i, pk in enumerate(categories)}
    item_topic = {
        key: topic_of[item.category_id]
        for key, item in items_load().items()
        if item.category_id in topic_of
    }
    opted_out = opted_out_users()  # personalisation or analytics switched off
    rows = (
        Event.objects.exclude(user_id__in=opted_out)
        .filter(kind__in=KIND_NAMES)
        .exclude(item_kind="")
        .values_list("user_id", "kind", "item_kind", "item_id", "value", "created_at")
    )
    now = timezone.now()
    user_index: dict[int, int] = {}
    cols: list[tuple[int, int, int, float, float]] = []
    for user_id, kind, item_kind, item_id, value, created in rows.iterator(chunk_size=5000):
        topic = item_topic.get(f"{item_kind}:{item_id}")
        if topic is None:
            continue
        u = user_index.setdefault(user_id, len(user_index))
        age = (now - created).total_seconds() / 86400
        cols.append((u, topic, KIND_NAMES.index(kind), float(value), age))
    if not cols:
        return 0
    arr = np.array(cols, dtype=np.float64)
    behaviour = interests.Behaviour(
        users=arr[:, 0].astype(np.int64),
        topics=arr[:, 1].astype(np.int64),
        kinds=arr[:, 2].astype(np.int64),
        values=arr[:, 3],
        ages=arr[:, 4],
        n_users=len(user_index),
        n_topics=len(categories),
        kind_names=KIND_NAMES,
    )
    strengths = interests.InterestModel().fit(behaviour).strengths(behaviour)
    user_ids = list(user_index)
    stored = [
        InterestStrength(
            user_id=user_id,
            category_id=categories[t],
            strength=round(float(strengths[u, t]), 4),
            updated_at=now,
        )
        for user_id, u in user_index.items()
        for t in np.flatnonzero(strengths[u] >= 0.01)
    ]
    with transaction.atomic():
        InterestStrength.objects.filter(user_id__in=user_ids).delete()
        InterestStrength.objects.bulk_create(stored, batch_size=2000)
    return len(user_ids)


# --- a learner's profile, as the pages and the ranking read it ----------------------------


@dataclass
class Profile:
    following: set[int] = field(default_factory=set)  # category ids
    not_interested: set[int] = field(default_factory=set)  # category ids
    hidden_items: set[str] = field(default_factory=set)  # item keys
    strengths: dict[int, float] = field(default_factory=dict)  # category id -> 0..1
    names: dict[int, str] = field(default_factory=dict)  # category id -> name
    # categories of the items the learner hid: their siblings go down
    siblings_down: set[int] = field(default_factory=set)

    @property
    def empty(self) -> bool:
        return not (self.following or self.not_interested or self.hidden_items or self.strengths)


def profile_for(user_id: int) -> Profile:
    """The learner's choices and strengths (three queries)."""
    profile = Profile()
    for topic, choice in TopicChoice.objects.filter(user_id=user_id).values_list("topic", "choice"):
        kind, _, pk = topic.partition(":")
        if kind == "category" and pk.isdigit():
            target = (
                profile.following if choice == TopicChoice.Choice.FOLLOW else profile.not_interested
            )
            target.add(int(pk))
        elif choice == TopicChoice.Choice.NOT_INTERESTED:
            profile.hidden_items.add(topic)
    profile.strengths = dict(
        InterestStrength.objects.filter(user_id=user_id).values_list("category_id", "strength")
    )
    profile.names = {c.pk: c.name for c in Category.objects.all()}
    if profile.hidden_items:
        hidden = items_load(list(profile.hidden_items)).values()
        profile.siblings_down = {i.category_id for i in hidden if i.category_id is not None}
    return profile


def rerank(
    items: list[Item], profile: Profile, live: dict[str, float] | None = None
) -> list[tuple[Item, float]]:
    """Items (best first) re-scored by the learner's choices and strengths: items they
    hid are gone, followed categories rise, categories they are not interested in sink,
    and `live` (item key -> boost: sessions live now or soon, recommend.live) rise."""
    live = live or {}
    scored = []
    for rank, item in enumerate(items):
        if item.key in profile.hidden_items:
            continue
        score = 1.0 / (1.0 + rank / 10.0)
        category = item.category_id
        if category in profile.following:
            score += FOLLOW_BOOST
        if category in profile.not_interested:
            score -= NOT_INTERESTED_PENALTY
        if category in profile.siblings_down:
            score -= SIBLING_PENALTY
        score += STRENGTH_BOOST * profile.strengths.get(category or -1, 0.0)
        score += live.get(item.key, 0.0)
        scored.append((item, score))
    scored.sort(key=lambda pair: -pair[1])
    return scored


def followed_keys(profile: Profile) -> list[str]:
    """Items of the categories the learner follows, newest first: what a new learner
    sees from their first choice, before any behaviour."""
    if not profile.following:
        return []
    everything = items_load().values()
    mine = [i for i in everything if i.category_id in profile.following]
    return [i.key for i in sorted(mine, key=lambda i: -i.pk)]


def reason_for(
    item: Item, profile: Profile, watched: dict[str, str], live: dict[str, bool] | None = None
) -> str:
    """Why an item is on the learner's list, in words ("" when nothing specific).
    `live`: item key -> live now (True) or starting soon (False)."""
    category = item.category_id if item.category_id is not None else -1
    if live and item.key in live:
        topic = profile.names.get(category, "")
        if live[item.key]:
            return _("Live now in %(topic)s") % {"topic": topic}
        return _("Starting soon in %(topic)s") % {"topic": topic}
    if category in profile.following:
        return _("Because you follow %(topic)s") % {"topic": profile.names.get(category, "")}
    if item.key in watched:
        return _("Because you watched %(title)s") % {"title": watched[item.key]}
    if profile.strengths.get(category, 0.0) >= STRONG:
        return _("Matches your interest in %(topic)s") % {"topic": profile.names.get(category, "")}
    return ""
