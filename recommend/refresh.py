"""The refresh job: fit (or reuse) the model, then store lists for users with new
activity since their last list.

- Incremental: `RecommendationList.last_event_id` is each user's watermark; a user
  whose newest event is past it is refreshed, nobody else.
- Safe to run twice: one run at a time (a Redis lock); lists are upserted on the
  user, so a repeated run writes the same rows.
- Interruptible: users go in batches, each batch commits on its own; a run killed
  half way leaves finished batches stored and the rest for the next run.
- The fitted model is pickled into the cache with a version; it is refitted when it
  is older than RECOMMEND_MODEL_MAX_AGE_SECONDS or the catalogue changed. Before it is
  stored, its items x items matrices keep each item's RECOMMEND_MODEL_NEIGHBOURS
  strongest neighbours (sparse): 5,000 items take ~30 MB instead of ~200 MB dense.
- Web processes never load the model: the popular list and each item's similar items
  are stored next to it under keys of their own.
"""

import hashlib
import logging
import time
import uuid
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction
from django.db.models import F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from marketplace.models import CreatorProfile
from recommend import algorithms, features, profiles, traffic
from recommend.models import Event, RecommendationList

logger = logging.getLogger(__name__)

MODEL_VERSION_KEY = "recommend:model:version"
MODEL_STATE_KEY = "recommend:model:state"
SIMILAR_KEY = "recommend:similar:{}:{}"
POPULAR_KEY = "recommend:popular:{}"
REFRESH_LOCK = "recommend:refresh:lock"
FIT_LOCK = "recommend:fit:lock"
TUNED_KEY = "recommend:stacked:tuned"  # the shipped model's last tuned weights
SIMILAR_LENGTH = 12
_memo: dict = {}
REFRESH_LOCK_SECONDS = 1800
PAGES_PER_QUERY = 10  # batches of users found by one `users_with_new_activity` query


# --- variants ------------------------------------------------------------------------


def variant_for(user_id: int) -> str:
    """The ranking variant of a user: a stable hash of the id placed on the split in
    force (recommend.traffic: the bandit's shares, or RECOMMEND_VARIANTS). A user keeps
    their variant while the split stays; when the bandit moves the split, only users
    near the moved boundaries change variant."""
    variants = sorted(traffic.current_shares().items())
    if not variants:
        return "stacked"
    digest = hashlib.sha256(f"recommend-variant:{user_id}".encode()).digest()
    point = int.from_bytes(digest[:8], "big") / 2.0**64
    for name, share in variants:
        if point < share:
            return name
        point -= share
    return variants[-1][0]


def algorithm_for(variant: str) -> str:
    return variant if variant in algorithms.MODEL_NAMES else "stacked"


# --- the fitted model ----------------------------------------------------------------


@dataclass
class ModelState:
    version: str
    fitted_at: float
    catalogue_hash: str
    keys: list[str]
    creators: np.ndarray  # per item: creator profile id
    categories: np.ndarray  # per item: category id (-1 none)
    models: dict = field(default_factory=dict)  # algorithm name -> algorithms.Model

    @property
    def index(self) -> dict[str, int]:
        if not hasattr(self, "_index"):
            self._index = {key: i for i, key in enumerate(self.keys)}
        return self._index


def _catalogue_hash(keys: list[str]) -> str:
    return hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]


def model_state_get() -> ModelState | None:
    """The stored model (unpickled once per process and version), or None."""
    version = cache.get(MODEL_VERSION_KEY)
    if version is None:
        return None
    if _memo.get("version") == version:
        return _memo["state"]
    state = cache.get(MODEL_STATE_KEY)
    if state is None or state.version != version:
        return None
    _memo.update(version=version, state=state)
    return state


def model_fit_and_store() -> ModelState:
    """Fit one model per algorithm the variants use on the site's events; store it."""
    catalogue = features.catalogue()
    matrix, user_ids, newest, keys, texts = features.site_histories(catalogue)
    items = {item.key: item for item in catalogue}
    creators = np.array([items[k].creator_id for k in keys], dtype=np.int64)
    categories = np.array([items[k].category_id or -1 for k in keys], dtype=np.int64)
    state = ModelState(
        version=uuid.uuid4().hex[:12],
        fitted_at=time.time(),
        catalogue_hash=_catalogue_hash(keys),
        keys=keys,
        creators=creators,
        categories=categories,
    )
    popular: list[str] = []
    if keys:
        names = {algorithm_for(v) for v in settings.RECOMMEND_VARIANTS} | {"popularity"}
        for name in sorted(names):
            try:
                state.models[name] = _model_fit(name, matrix, texts)
            except Exception:  # noqa: BLE001 - one model failing must not stop the others
                logger.exception("recommend: fitting %s failed", name)
        counts = (
            state.models["popularity"].counts
            if "popularity" in state.models
            else (np.asarray((matrix > 0).sum(axis=0)).ravel())
        )
        order = np.argsort(-counts, kind="stable")
        popular = [keys[i] for i in order if counts[i] > 0][:100]
    _similar_store(state)  # from the full matrices, before they are trimmed
    for model in state.models.values():
        model.compact(settings.RECOMMEND_MODEL_NEIGHBOURS)
    timeout = 7 * 86400
    cache.set(POPULAR_KEY.format(state.version), popular, timeout)
    cache.set(MODEL_STATE_KEY, state, timeout)
    cache.set(MODEL_VERSION_KEY, state.version, timeout)
    _memo.update(version=state.version, state=state)
    # The histories just read, for the lists of this same run (see `_Histories`).
    _memo["histories"] = _Histories(state.version, user_ids, matrix, newest)
    try:  # the interest profiles learn from the same events, as often as the model
        profiles.interests_refresh()
    except Exception:  # noqa: BLE001 - stale strengths must not stop the lists
        logger.exception("recommend: interest profiles failed")
    return state


def _model_fit(name: str, matrix, texts) -> algorithms.Model:
    """Fit one model. The shipped "stacked" model tunes its weights on a slice of the
    events at most once per RECOMMEND_TUNE_MAX_AGE_SECONDS; refreshes in between fit
    each of its parts once with the weights and settings last chosen."""
    if name != "stacked":
        return algorithms.model_fit(name, matrix, item_text=texts)
    tuned = cache.get(TUNED_KEY)
    if tuned is not None:
        return algorithms.model_fit(name, matrix, item_text=texts, tune=False, **tuned)
    model = algorithms.model_fit(name, matrix, item_text=texts)
    cache.set(
        TUNED_KEY, getattr(model, "tuned_params", None), settings.RECOMMEND_TUNE_MAX_AGE_SECONDS
    )
    return model


def _similar_store(state: ModelState) -> None:
    model = (
        state.models.get("stacked")
        or state.models.get("blend")
        or next(iter(state.models.values()), None)
    )
    if model is None:
        return
    try:
        lists = model.similar_all(SIMILAR_LENGTH)
    except Exception:  # noqa: BLE001 - pages fall back to the item's own category
        logger.exception("recommend: similar items failed")
        return
    table = {
        SIMILAR_KEY.format(state.version, key): [
            state.keys[j] for j, score in pairs if j != i and np.isfinite(score) and score > 0
        ]
        for i, (key, pairs) in enumerate(zip(state.keys, lists, strict=True))
    }
    cache.set_many(table, 7 * 86400)


def _current_model_get(key_template: str, *args):
    """What the current model stored under `key_template` (None: no model yet)."""
    version = cache.get(MODEL_VERSION_KEY)
    if version is None:
        return None
    return cache.get(key_template.format(version, *args))


def similar_keys(key: str) -> list[str] | None:
    """Stored similar items of `key` (None: no model yet or item unknown to it)."""
    return _current_model_get(SIMILAR_KEY, key)


def popular_stored() -> list[str] | None:
    """The current model's most popular items (None: no model yet)."""
    return _current_model_get(POPULAR_KEY)


def model_state_fresh() -> ModelState | None:
    """The stored model, refitted first if stale (one fitter at a time)."""
    state = model_state_get()
    keys = features.catalogue_keys()
    stale = (
        state is None
        or time.time() - state.fitted_at > settings.RECOMMEND_MODEL_MAX_AGE_SECONDS
        or state.catalogue_hash != _catalogue_hash(keys)
    )
    if not stale:
        return state
    token = uuid.uuid4().hex
    if not cache.add(FIT_LOCK, token, 1800):
        return state  # someone else is fitting: use what there is
    try:
        return model_fit_and_store()
    finally:
        if cache.get(FIT_LOCK) == token:
            cache.delete(FIT_LOCK)


# --- lists ---------------------------------------------------------------------------


def users_with_new_activity(after_user_id: int = 0, limit: int = 200) -> list[int]:
    """Users (personalisation on) whose newest event is past their list's watermark,
    by id, after `after_user_id`. One index probe per user (the newest event by the
    (user, id) index), not a grouping of every event: the refresh pages through this."""
    newest = Event.objects.filter(user_id=OuterRef("pk")).order_by("-id").values("id")[:1]
    rows = (
        get_user_model()
        .objects.filter(pk__gt=after_user_id)
        .exclude(pk__in=features.opted_out_users())
        .annotate(newest=Subquery(newest))
        .filter(newest__gt=Coalesce(F("recommendation_list__last_event_id"), Value(0)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return list(rows[:limit])


def _exclusions(state: ModelState, user_ids: list[int], rows: sp.csr_matrix) -> sp.csr_matrix:
    """Per user: items owned, the user's own content, and what they already watched."""
    index = state.index
    r, c = [], []
    owned = features.owned_keys_by_user(user_ids)
    own_creators = dict(
        CreatorProfile.objects.filter(user_id__in=user_ids).values_list("user_id", "id")
    )
    watched = Event.objects.filter(user_id__in=user_ids, kind=Event.Kind.WATCH).values_list(
        "user_id", "item_kind", "item_id"
    )
    watched_by: dict[int, set[str]] = {}
    for uid, kind, pk in watched:
        watched_by.setdefault(uid, set()).add(f"{kind}:{pk}")
    for row, uid in enumerate(user_ids):
        keys = owned.get(uid, set()) | watched_by.get(uid, set())
        for key in keys:
            if key in index:
                r.append(row)
                c.append(index[key])
        creator_id = own_creators.get(uid)
        if creator_id is not None:
            for col in np.flatnonzero(state.creators == creator_id):
                r.append(row)
                c.append(int(col))
    data = np.ones(len(r), dtype=np.float32)
    return sp.csr_matrix((data, (r, c)), shape=(len(user_ids), len(state.keys)))


def _diversified(state: ModelState, candidates, scores, length: int) -> np.ndarray:
    """Few items per creator, then not too many per category (two passes: each has
    its own cap; the second keeps the order the first made)."""
    candidates = candidates[candidates >= 0]
    if not candidates.size:
        return candidates
    first = algorithms.diversify(
        candidates,
        scores,
        groups=[state.creators],
        n=len(candidates),
        max_per_group=settings.RECOMMEND_MAX_PER_CREATOR,
    )
    return algorithms.diversify(
        first,
        None,  # in the order the first pass made
        groups=[state.categories],
        n=length,
        max_per_group=settings.RECOMMEND_MAX_PER_CATEGORY,
    )


@dataclass
class _Histories:
    """Every user's history as the fit read it. A full refresh that has just fitted
    scores users from these rows instead of reading every event a second time; events
    that arrive meanwhile are newer than the watermark stored with the lists, so the
    next run picks those users up again."""

    version: str
    user_ids: list[int]
    matrix: sp.csr_matrix
    newest: dict[int, int]

    def rows_of(self, user_ids: list[int]):
        if not hasattr(self, "_position"):
            self._position = {uid: row for row, uid in enumerate(self.user_ids)}
        rows = [self._position.get(uid) for uid in user_ids]
        if None in rows:
            return None
        return self.matrix[rows], {uid: self.newest.get(uid, 0) for uid in user_ids}


def _lists_for(
    state: ModelState, user_ids: list[int], histories: _Histories | None = None
) -> tuple[list[RecommendationList], int]:
    found = histories.rows_of(user_ids) if histories is not None else None
    rows, newest = found or features.user_rows(user_ids, state.index)
    exclude = _exclusions(state, user_ids, rows)
    length = settings.RECOMMEND_LIST_LENGTH
    now = timezone.now()
    by_algorithm: dict[str, list[int]] = {}
    for row, uid in enumerate(user_ids):
        by_algorithm.setdefault(algorithm_for(variant_for(uid)), []).append(row)
    lists = []
    for algorithm, row_ids in by_algorithm.items():
        model = state.models.get(algorithm) or state.models.get("popularity")
        if model is None or not state.keys:
            scores = np.zeros((len(row_ids), len(state.keys)), dtype=np.float32)
            used = "none"
        else:
            scores = model.scores(rows[row_ids])
            used = model.name
        candidates = algorithms.top_n(scores, length * 3, exclude=exclude[row_ids])
        for offset, row in enumerate(row_ids):
            chosen = _diversified(state, candidates[offset], scores[offset], length)
            uid = user_ids[row]
            lists.append(
                RecommendationList(
                    user_id=uid,
                    variant=variant_for(uid),
                    algorithm=used,
                    items=[state.keys[i] for i in chosen],
                    last_event_id=newest.get(uid, 0),
                    model_version=state.version,
                    created_at=now,
                )
            )
    return lists, len(lists)


def _store(lists: list[RecommendationList]) -> None:
    with transaction.atomic():
        RecommendationList.objects.bulk_create(
            lists,
            update_conflicts=True,
            unique_fields=["user"],
            update_fields=[
                "variant",
                "algorithm",
                "items",
                "last_event_id",
                "model_version",
                "created_at",
            ],
        )


def recommendations_refresh(
    *, batch_size: int | None = None, user_ids: list[int] | None = None
) -> int:
    """Refresh stored lists; returns how many were written (0 if another run holds
    the lock). `user_ids`: just these users (a new user's first list)."""
    batch_size = batch_size or settings.RECOMMEND_REFRESH_BATCH
    lock = REFRESH_LOCK if user_ids is None else f"{REFRESH_LOCK}:{min(user_ids, default=0)}"
    token = uuid.uuid4().hex
    if not cache.add(lock, token, REFRESH_LOCK_SECONDS):
        logger.info("recommend: a refresh is already running")
        return 0
    written = 0
    try:
        if user_ids is None:
            state = model_state_fresh()
        else:
            state = model_state_get() or model_state_fresh()
        # Taken in any case: what a fit leaves behind is never kept past this run.
        histories = _memo.pop("histories", None)
        if state is None:
            return 0
        if histories is not None and histories.version != state.version:
            histories = None
        if user_ids is not None:
            opted_out = features.opted_out_user_ids()
            batch = sorted(set(user_ids) - opted_out)
            if batch:
                lists, count = _lists_for(state, batch)
                _store(lists)
                written += count
            return written
        after = 0
        while True:
            pending = users_with_new_activity(after, batch_size * PAGES_PER_QUERY)
            if not pending:
                return written
            for start in range(0, len(pending), batch_size):
                batch = pending[start : start + batch_size]
                lists, count = _lists_for(state, batch, histories)
                _store(lists)  # each batch commits: an interrupted run keeps its work
                written += count
                # Still running: keep the lock for another while (a run longer than
                # the lock's life would otherwise let a second one start beside it).
                if cache.get(lock) == token:
                    cache.touch(lock, REFRESH_LOCK_SECONDS)
            after = pending[-1]
    finally:
        if cache.get(lock) == token:
            cache.delete(lock)
