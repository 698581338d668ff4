"""Item catalogue, item texts and user rows (the inputs of recommend.algorithms).

The catalogue holds published, visible items only: channels, courses, and live
sessions that can still be watched (scheduled, live, or ended with a visible
replay: a session with a replay is the replay).
"""

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any, cast

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, Exists, F, FloatField, Max, Q, Sum, Value, When
from django.db.models.functions import Cast, Extract, Greatest, Power
from django.utils import timezone

from accounts.models import ConsentPurpose
from accounts.selectors import user_ids_refusing
from livestream.models import LiveSession
from livestream.selectors import held_sessions
from marketplace.models import Channel, Course, CreatorProfile, Entitlement, PublicationStatus
from recommend.items import parse_key
from recommend.models import Event, ItemKind

PUBLISHED = PublicationStatus.PUBLISHED
# Kinds that say something about taste (impressions say nothing on their own).
TASTE_KINDS = frozenset(
    [
        "view",
        "watch",
        "like",
        "comment",
        "question",
        "tip",
        "purchase",
        "subscribe",
        "follow",
        "click",
    ]  # fmt: skip
)


@dataclass
class Item:
    key: str
    kind: str
    pk: int
    title: str
    creator_user_id: int
    creator_id: int
    category_id: int | None
    text: str = ""
    tags: list[str] = field(default_factory=list)
    # The object's get_absolute_url, called when a page asks: the refresh builds every
    # item of the catalogue and shows none, and reversing 5,000 URLs took 0.3 s.
    locate: Callable[[], str] = field(default=str, repr=False, compare=False)
    # The cover picture (core.pictures): a session without one shows its channel's.
    cover: Any = field(default=None, repr=False, compare=False)

    @property
    def url(self) -> str:
        return self.locate()


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
        tags_of = _tag_names(Channel, channels) if with_text else {}
        for c in channels.order_by("pk"):
            tags = tags_of.get(c.pk, [])
            texts: tuple[object, ...] = (
                c.title,
                c.tagline,
                c.description,
                _category_text(c.category),
            )
            _item_add(out, "channel", c, c.creator, c.category_id, tags, texts)
    courses = restrict(Course.objects.filter(_courses_q()), "course")
    if courses is not None:
        courses = courses.select_related("channel__creator", "category")
        tags_of = _tag_names(Course, courses) if with_text else {}
        for c in courses.order_by("pk"):
            tags = tags_of.get(c.pk, [])
            texts = (c.title, c.summary, c.description, _category_text(c.category))
            _item_add(out, "course", c, c.channel.creator, c.category_id, tags, texts)
    sessions = restrict(LiveSession.objects.filter(_sessions_q()), "session")
    if sessions is not None:
        sessions = sessions.select_related("channel__creator", "channel__category")
        channel_ids = sessions.values("channel_id")
        tags_of = (
            _tag_names(Channel, Channel.objects.filter(pk__in=channel_ids)) if with_text else {}
        )
        for s in sessions.order_by("pk"):
            tags = tags_of.get(s.channel_id, [])
            texts = (s.title, s.description, _category_text(s.channel.category))
            _item_add(out, "session", s, s.channel.creator, s.channel.category_id, tags, texts)
    return out


def _item_add(
    out: dict[str, Item],
    kind: str,
    obj: Channel | Course | LiveSession,
    creator: CreatorProfile,
    category_id: int | None,
    tags: list[str],
    texts: tuple[object, ...],
) -> None:
    """out[key] = the Item of `obj` (its creator and category given: loaded already)."""
    key = f"{kind}:{obj.pk}"
    out[key] = Item(
        key=key,
        kind=kind,
        pk=obj.pk,
        title=obj.title,
        locate=obj.get_absolute_url,
        cover=obj.cover or (obj.channel.cover if isinstance(obj, LiveSession) else None),
        creator_user_id=creator.user_id,
        creator_id=creator.pk,
        category_id=category_id,
        tags=tags,
        text=_text(*texts, *tags),
    )


def _tag_names(model, objects) -> dict[int, list[str]]:
    """Tag names (in the tags' order) of each of `objects` (a queryset of `model`), in
    one query over the tags' through table: prefetching with 5,000 ids in an IN list
    cost half of the catalogue's time."""
    through = model.tags.through
    owner = f"{model._meta.model_name}_id"
    rows = (
        through.objects.filter(**{f"{owner}__in": objects.values("pk")})
        .order_by(owner, "tag__name", "tag_id")
        .values_list(owner, "tag__name")
    )
    out: dict[int, list[str]] = {}
    for pk, name in rows:
        out.setdefault(pk, []).append(name)
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
    """Users whose events may not be used: personalisation or analytics switched off."""
    return {row["user_id"] for row in opted_out_users()}


def opted_out_users() -> Any:
    """The same, as a subquery of user ids."""
    return user_ids_refusing(ConsentPurpose.PERSONALISATION, ConsentPurpose.ANALYTICS)


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
    events = Event.objects.filter(user_id__in=user_ids)
    matrix, _, newest = _histories(events, index, user_ids, now, weights, half_life_days)
    return matrix, newest


def _histories(events, index, user_ids=None, now=None, weights=None, half_life_days=None):
    """(rows, user ids, newest event id per user) of the users of `events`: `user_ids`
    in that order, or everyone with an event, by id."""
    now = now or timezone.now()
    weights = weights or settings.RECOMMEND_EVENT_WEIGHTS
    half_life = half_life_days or settings.RECOMMEND_HALF_LIFE_DAYS
    newest = dict(
        events.values("user_id").annotate(newest=Max("id")).values_list("user_id", "newest")
    )
    user_ids = sorted(newest) if user_ids is None else user_ids
    # Only kinds that weigh something: an event that adds nothing is not read at all.
    kinds = sorted(k for k in TASTE_KINDS if float(weights.get(k, 0.0)) > 0)
    tasteful = events.filter(kind__in=kinds).exclude(item_kind="")
    if connection.vendor == "postgresql":
        cells = _cells_summed_in_database(tasteful, now, weights, half_life)
    else:
        cells = _cells_summed_here(tasteful, now, weights, half_life)
    return _matrix_of(cells, user_ids, index), user_ids, newest


# Item kinds as numbers, so that the summed cells come back as one numeric array.
_KIND_CODES = {kind: code for code, kind in enumerate(ItemKind.values)}
_ID_SPAN = 1 << 40  # item ids below this: kind code * span + id is one int64


def _matrix_of(cells: np.ndarray, user_ids: list[int], index: dict[str, int]) -> sp.csr_matrix:
    """The users x items csr of `cells` (rows of user id, kind code, item id, summed
    weight), log1p of the weights. Cells of items not in `index` (hidden, deleted)
    and of users not in `user_ids` (a first event that came in meanwhile) are left out."""
    shape = (len(user_ids), len(index))
    cells = cells[cells[:, 3] > 0]  # (0, 4) when there are none
    # The index holds item keys only: each parses.
    parsed = cast(list[tuple[str, int]], [parse_key(key) for key in index])
    item_codes = np.array(
        [_KIND_CODES[kind] * _ID_SPAN + pk for kind, pk in parsed], dtype=np.int64
    )
    cell_codes = cells[:, 1].astype(np.int64) * _ID_SPAN + cells[:, 2].astype(np.int64)
    cols, known_item = _positions(item_codes, np.fromiter(index.values(), np.int64), cell_codes)
    rows, known_user = _positions(
        np.asarray(user_ids, dtype=np.int64), np.arange(len(user_ids)), cells[:, 0].astype(np.int64)
    )
    keep = known_item & known_user
    data = np.log1p(cells[keep, 3]).astype(np.float32)
    return sp.csr_matrix((data, (rows[keep], cols[keep])), shape=shape, dtype=np.float32)


def _positions(values: np.ndarray, positions: np.ndarray, wanted: np.ndarray):
    """(the position of each of `wanted` among `values`, whether it is there at all)."""
    if not len(values):
        return np.zeros(len(wanted), dtype=np.int64), np.zeros(len(wanted), dtype=bool)
    order = np.argsort(values, kind="stable")
    at = np.minimum(np.searchsorted(values[order], wanted), len(values) - 1)
    return positions[order[at]], values[order[at]] == wanted


def _cells_summed_here(events, now, weights, half_life_days) -> np.ndarray:
    """(user, kind code, item id, summed weight) per user and item, folded in Python."""
    acc: dict[tuple[int, int, int], float] = {}
    rows = events.values_list("user_id", "kind", "item_kind", "item_id", "value", "created_at")
    for uid, kind, item_kind, item_id, value, created in rows.order_by().iterator(5000):
        code = _KIND_CODES.get(item_kind)
        if code is None or item_id is None:
            continue
        age = (now - created).total_seconds()
        w = event_weight(kind, value, weights) * _decay(age, half_life_days)
        acc[uid, code, item_id] = acc.get((uid, code, item_id), 0.0) + w
    cells = np.array([(*cell, w) for cell, w in acc.items()], dtype=np.float64)
    return cells.reshape(-1, 4)


def _cells_summed_in_database(events, now, weights, half_life_days) -> np.ndarray:
    """As `_cells_summed_here`, summed by PostgreSQL: a million events come back as
    one row per user and item, no timestamp is turned into a datetime, and the rows
    go straight from the cursor into one array (Django's per-row converters cost more
    than the query)."""
    epoch = Cast(Extract("created_at", "epoch", tzinfo=UTC), FloatField())
    age = Greatest(Value(now.timestamp()) - epoch, Value(0.0))
    decay = Power(Value(0.5), age / Value(half_life_days * 86400.0))
    per_kind = [
        When(kind=kind, then=Value(float(weights.get(kind, 0.0))))
        for kind in sorted(TASTE_KINDS - {"watch"})
    ]
    watched = Value(float(weights.get("watch", 0.0)) / 60.0) * Greatest(F("value"), Value(0.0))
    weight = Case(
        When(kind="watch", then=watched), *per_kind, default=Value(0.0), output_field=FloatField()
    )
    code = Case(
        *[When(item_kind=kind, then=Value(c)) for kind, c in _KIND_CODES.items()],
        default=Value(-1),
    )
    summed = (
        events.filter(item_id__isnull=False)
        .values("user_id", "item_kind", "item_id")
        .annotate(weight=Sum(weight * decay), code=code)
        .values_list("user_id", "code", "item_id", "weight")
        .order_by()
    )
    sql, params = summed.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        # Grouping a million events spills to disk at PostgreSQL's default 4 MB.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(sql, params)
        cells = np.array(cursor.fetchall(), dtype=np.float64)
    return cells.reshape(-1, 4)


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
    events = Event.objects.exclude(user_id__in=opted_out_users())
    matrix, user_ids, newest = _histories(events, index)
    return matrix, user_ids, newest, keys, [item.text for item in items]
