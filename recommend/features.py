"""Item catalogue, item texts and user rows (the inputs of recommend.algorithms).

The catalogue holds published, visible items only: channels, courses, and live
sessions that can still be watched (scheduled, live, or ended with a visible
replay: a session with a replay is the replay).
"""

import math
from dataclasses import dataclass, field
from datetime import UTC

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.db import connection
from django.db.models import Exists, FloatField, Q
from django.db.models.functions import Cast, Extract
from django.utils import timezone

from livestream.models import LiveSession
from marketplace.models import Channel, Course, Entitlement, PublicationStatus
from marketplace.selectors import held_sessions
from recommend.items import parse_key
from recommend.models import Event, ItemKind, PersonalisationSetting

PUBLISHED = PublicationStatus.PUBLISHED
# Kinds that say something about taste (impressions say nothing on their own).
TASTE_KINDS = frozenset(
    ["view", "watch", "like", "comment", "question", "tip", "purchase", "subscribe", "click"]
)


@dataclass
class Item:
    key: str
    kind: str
    pk: int
    title: str
    url: str
    creator_user_id: int
    creator_id: int
    category_id: int | None
    text: str = ""
    tags: list[str] = field(default_factory=list)


def _visible(model, prefix: str = "") -> Q:
    """Hidden-by-moderation flags, if the model has one (moderation adds them)."""
    names = {f.name for f in model._meta.get_fields()}
    q = Q()
    if "is_visible" in names:
        q &= Q(**{f"{prefix}is_visible": True})
    for hidden in ("hidden", "is_hidden", "hidden_by_moderation"):
        if hidden in names:
            q &= Q(**{f"{prefix}{hidden}": False})
    return q


def _channels_q() -> Q:
    return Q(status=PUBLISHED) & _visible(Channel)


def _courses_q() -> Q:
    return (
        Q(status=PUBLISHED, channel__status=PUBLISHED)
        & _visible(Course)
        & _visible(Channel, "channel__")
    )


def _sessions_q() -> Q:
    S = LiveSession
    watchable = Q(status__in=[S.Status.SCHEDULED, S.Status.LIVE]) | Q(
        status=S.Status.ENDED, replay_status=S.Replay.READY, replay_hidden=False
    )
    return (
        watchable
        & Q(channel__status=PUBLISHED)
        & Q(~Exists(held_sessions()))  # held or rejected by moderation
        & _visible(S)
        & _visible(Channel, "channel__")
    )


def _text(*parts) -> str:
    return "\n".join(str(p) for p in parts if p)


def _category_text(category) -> str:
    return _text(category.name_en, category.name_zh) if category else ""


def items_load(keys=None, *, with_text: bool = False) -> dict[str, Item]:
    """Visible items by key: all of them (keys=None) or those of `keys` still visible.
    Three queries (four with texts: tags)."""
    wanted: dict[str, set[int]] = {k.value: set() for k in ItemKind}
    if keys is not None:
        for key in keys:
            parsed = parse_key(key)
            if parsed and parsed[0] in wanted:
                wanted[parsed[0]].add(parsed[1])
    out: dict[str, Item] = {}

    def restrict(qs, kind):
        if keys is None:
            return qs
        return qs.filter(pk__in=wanted[kind]) if wanted[kind] else None

    channels = restrict(Channel.objects.filter(_channels_q()), "channel")
    if channels is not None:
        channels = channels.select_related("creator", "category")
        if with_text:
            channels = channels.prefetch_related("tags")
        for c in channels.order_by("pk"):
            tags = [t.name for t in c.tags.all()] if with_text else []
            out[f"channel:{c.pk}"] = Item(
                key=f"channel:{c.pk}",
                kind="channel",
                pk=c.pk,
                title=c.title,
                url=c.get_absolute_url(),
                creator_user_id=c.creator.user_id,
                creator_id=c.creator_id,
                category_id=c.category_id,
                tags=tags,
                text=_text(c.title, c.tagline, c.description, _category_text(c.category), *tags),
            )
    courses = restrict(Course.objects.filter(_courses_q()), "course")
    if courses is not None:
        courses = courses.select_related("channel__creator", "category")
        if with_text:
            courses = courses.prefetch_related("tags")
        for c in courses.order_by("pk"):
            tags = [t.name for t in c.tags.all()] if with_text else []
            out[f"course:{c.pk}"] = Item(
                key=f"course:{c.pk}",
                kind="course",
                pk=c.pk,
                title=c.title,
                url=c.get_absolute_url(),
                creator_user_id=c.channel.creator.user_id,
                creator_id=c.channel.creator_id,
                category_id=c.category_id,
                tags=tags,
                text=_text(c.title, c.summary, c.description, _category_text(c.category), *tags),
            )
    sessions = restrict(LiveSession.objects.filter(_sessions_q()), "session")
    if sessions is not None:
        sessions = sessions.select_related("channel__creator", "channel__category")
        if with_text:
            sessions = sessions.prefetch_related("channel__tags")
        for s in sessions.order_by("pk"):
            tags = [t.name for t in s.channel.tags.all()] if with_text else []
            category = s.channel.category
            out[f"session:{s.pk}"] = Item(
                key=f"session:{s.pk}",
                kind="session",
                pk=s.pk,
                title=s.title,
                url=s.get_absolute_url(),
                creator_user_id=s.channel.creator.user_id,
                creator_id=s.channel.creator_id,
                category_id=s.channel.category_id,
                tags=tags,
                text=_text(s.title, s.description, _category_text(category), *tags),
            )
    return out


def catalogue_keys() -> list[str]:
    """The keys of `items_load()`, in its order, from three id-only queries: what the
    refresh compares with its stored model on every run."""
    return [
        *(f"channel:{pk}" for pk in Channel.objects.filter(_channels_q()).order_by("pk")
          .values_list("pk", flat=True)),
        *(f"course:{pk}" for pk in Course.objects.filter(_courses_q()).order_by("pk")
          .values_list("pk", flat=True)),
        *(f"session:{pk}" for pk in LiveSession.objects.filter(_sessions_q()).order_by("pk")
          .values_list("pk", flat=True)),
    ]  # fmt: skip


def catalogue() -> list[Item]:
    """Every visible item with its text, in a stable order (kind, id)."""
    return list(items_load(with_text=True).values())


def owned_keys(user) -> set[str]:
    """Items the user already has: tickets, courses, channel subscriptions (active)."""
    if user is None or not user.is_authenticated:
        return set()
    return owned_keys_by_user([user.pk]).get(user.pk, set())


def owned_keys_by_user(user_ids) -> dict[int, set[str]]:
    """`owned_keys` of many users in one query (the refresh job's batches)."""
    now = timezone.now()
    rows = Entitlement.objects.filter(
        Q(ends_at__isnull=True) | Q(ends_at__gt=now),
        user_id__in=list(user_ids),
        revoked_at__isnull=True,
        starts_at__lte=now,
    ).values_list("user_id", "course_id", "live_session_id", "tier__channel_id")
    out: dict[int, set[str]] = {}
    for user_id, course_id, session_id, channel_id in rows:
        keys = out.setdefault(user_id, set())
        if course_id:
            keys.add(f"course:{course_id}")
        if session_id:
            keys.add(f"session:{session_id}")
        if channel_id:
            keys.add(f"channel:{channel_id}")
    return out


def opted_out_user_ids() -> set[int]:
    return set(
        PersonalisationSetting.objects.filter(opted_out=True).values_list("user_id", flat=True)
    )


def _decay(age_seconds: float, half_life_days: float) -> float:
    return math.pow(0.5, max(age_seconds, 0.0) / (half_life_days * 86400.0))


def event_weight(kind: str, value: float, weights: dict) -> float:
    weight = float(weights.get(kind, 0.0))
    if kind == "watch":
        return weight * max(value, 0.0) / 60.0  # per minute watched
    return weight


def user_rows(
    user_ids: list[int],
    index: dict[str, int],
    *,
    now=None,
    weights: dict | None = None,
    half_life_days: float | None = None,
) -> tuple[sp.csr_matrix, dict[int, int]]:
    """Time-decayed, event-weighted histories of `user_ids` in the item space `index`
    (item key -> column), and each user's newest event id. Events for items not in the
    index (deleted, hidden) are skipped. Cells are log1p of the summed weights, so a
    flood of views of one item does not drown everything else."""
    now = now or timezone.now()
    weights = weights or settings.RECOMMEND_EVENT_WEIGHTS
    half_life = half_life_days or settings.RECOMMEND_HALF_LIFE_DAYS
    position = {uid: row for row, uid in enumerate(user_ids)}
    acc: dict[tuple[int, int], float] = {}
    newest: dict[int, int] = {}
    events, age_of = _events_with_age(Event.objects.filter(user_id__in=user_ids), now)
    for eid, uid, kind, item_kind, item_id, value, created in events.iterator(chunk_size=5000):
        newest[uid] = max(newest.get(uid, 0), eid)
        column = index.get(f"{item_kind}:{item_id}")
        if column is None or kind not in TASTE_KINDS:
            continue
        age = age_of(created)
        w = event_weight(kind, value, weights) * _decay(age, half_life)
        if w > 0:
            cell = (position[uid], column)
            acc[cell] = acc.get(cell, 0.0) + w
    rows = np.fromiter((r for r, _ in acc), dtype=np.int32, count=len(acc))
    cols = np.fromiter((c for _, c in acc), dtype=np.int32, count=len(acc))
    data = np.log1p(np.fromiter(acc.values(), dtype=np.float32, count=len(acc)))
    shape = (len(user_ids), len(index))
    matrix = sp.csr_matrix((data, (rows, cols)), shape=shape, dtype=np.float32)
    return matrix, newest


def _events_with_age(events, now):
    """(rows of id, user, kind, item kind, item id, value, time; a function of the time
    giving the event's age in seconds). On PostgreSQL the time is read as epoch seconds:
    turning a million timestamps into datetimes costs the refresh several seconds."""
    fields = ["id", "user_id", "kind", "item_kind", "item_id", "value"]
    if connection.vendor == "postgresql":
        epoch = Cast(Extract("created_at", "epoch", tzinfo=UTC), FloatField())
        rows = events.annotate(epoch=epoch).values_list(*fields, "epoch").order_by()
        now_epoch = now.timestamp()
        return rows, lambda created: now_epoch - created
    rows = events.values_list(*fields, "created_at").order_by()
    return rows, lambda created: (now - created).total_seconds()


def site_interactions(items: list[Item] | None = None):
    """(users x items csr, user ids, item keys, item texts) from the site's events:
    what the offline evaluation (`--data site`) and the refresh job fit on. Opted-out
    users are left out (they have no events anyway). `items`: the `catalogue()`, if the
    caller has it already."""
    matrix, user_ids, _newest, keys, texts = site_histories(items)
    return matrix, user_ids, keys, texts


def site_histories(items: list[Item] | None = None):
    """`site_interactions` plus each user's newest event id (as `user_rows`)."""
    items = catalogue() if items is None else items
    keys = [item.key for item in items]
    index = {key: i for i, key in enumerate(keys)}
    excluded = opted_out_user_ids()
    user_ids = sorted(
        set(Event.objects.exclude(item_kind="").values_list("user_id", flat=True).distinct())
        - excluded
    )
    matrix, newest = user_rows(user_ids, index)
    return matrix, user_ids, newest, keys, [item.text for item in items]
