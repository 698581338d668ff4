"""Expert matching and similar-question search: in-process TF-IDF indexes.

Each process keeps one index of experts (topics, headline, bio, course titles and
summaries, recent answered questions) and one of answered public questions, built
with core.text (jieba for Chinese). An index is rebuilt when it is older than
QA_INDEX_TTL_SECONDS, or when the shared version in the cache moved (an answer, a
rating, a change of terms), but at most every QA_INDEX_MIN_REBUILD_SECONDS.
"""

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Q
from sklearn.feature_extraction.text import TfidfVectorizer

from core.text import tfidf_vectorizer
from core.versions import version_bump, version_get
from marketplace.models import Course, CreatorProfile, PublicationStatus
from qa.models import ExpertSettings, Question

VERSION_KEY = "qa:index:version"
ANSWERS_PER_EXPERT = 30

logger = logging.getLogger(__name__)
_lock = threading.Lock()  # guards the dicts below
_build_lock = threading.Lock()  # one synchronous build at a time
_indexes: dict[str, "TextIndex"] = {}
_rebuilding: set[str] = set()


@dataclass
class TextIndex:
    ids: list[int]
    vectorizer: TfidfVectorizer | None
    matrix: Any  # a scipy CSR matrix (untyped)
    version: int
    built_at: float

    def search(self, text: str, limit: int) -> list[tuple[int, float]]:
        if self.vectorizer is None or not self.ids:
            return []
        query = self.vectorizer.transform([text])
        if query.nnz == 0:
            return []
        scores = np.asarray((self.matrix @ query.T).todense()).ravel()
        return top_scores(self.ids, scores, limit)


def top_scores(ids: list[int], scores: np.ndarray, limit: int) -> list[tuple[int, float]]:
    positive = np.flatnonzero(scores > 0)
    if positive.size > limit:
        positive = positive[np.argpartition(-scores[positive], limit - 1)[:limit]]
    order = positive[np.argsort(-scores[positive], kind="stable")]
    return [(ids[i], float(scores[i])) for i in order]


def _build(ids: list[int], docs: list[str], version: int) -> TextIndex:
    if not ids:
        return TextIndex([], None, None, version, time.monotonic())
    vectorizer = tfidf_vectorizer()
    try:
        matrix = vectorizer.fit_transform(docs).tocsr()
    except ValueError:  # every document empty
        return TextIndex([], None, None, version, time.monotonic())
    return TextIndex(ids, vectorizer, matrix, version, time.monotonic())


def index_version() -> int:
    return version_get(VERSION_KEY)


def index_version_bump() -> None:
    version_bump(VERSION_KEY)


def index_reset() -> None:
    """Forget this process's indexes (tests, benchmarks)."""
    with _lock:
        _indexes.clear()


def _rebuild(name: str, builder, version: int) -> TextIndex:
    ids, docs = builder()
    index = _build(ids, docs, version)
    with _lock:
        _indexes[name] = index
    return index


def _rebuild_in_background(name: str, builder, version: int) -> None:
    try:
        _rebuild(name, builder, version)
    except Exception:  # noqa: BLE001 - the stale index keeps serving; retried next time
        logger.exception("qa: rebuilding the %s index failed", name)
    finally:
        _rebuilding.discard(name)
        connection.close()  # this thread's own connection


def _current(name: str, builder) -> TextIndex:
    """The index, rebuilt if stale. Only a process without one waits for the build:
    otherwise the stale index answers while one background thread rebuilds it
    (building 50,000 questions takes seconds, QA_INDEX_REBUILD_IN_BACKGROUND=False
    makes it synchronous, for tests)."""
    version = index_version()
    now = time.monotonic()
    index = _indexes.get(name)
    if index is not None:
        age = now - index.built_at
        fresh = age < settings.QA_INDEX_TTL_SECONDS and (
            index.version == version or age < settings.QA_INDEX_MIN_REBUILD_SECONDS
        )
        if fresh:
            return index
        if settings.QA_INDEX_REBUILD_IN_BACKGROUND:
            with _lock:
                start = name not in _rebuilding
                _rebuilding.add(name)
            if start:
                threading.Thread(
                    target=_rebuild_in_background,
                    args=(name, builder, version),
                    name=f"qa-index-{name}",
                    daemon=True,
                ).start()
            return index
    with _build_lock:
        index = _indexes.get(name)
        if index is None or index.built_at < now:
            index = _rebuild(name, builder, version)
    return index


# --- documents ----------------------------------------------------------------------


def expert_documents() -> tuple[list[int], list[str]]:
    """(expert user ids, one text each) for experts taking questions."""
    user_ids = list(
        ExpertSettings.objects.filter(enabled=True)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    parts: dict[int, list[str]] = {pk: [] for pk in user_ids}
    profiles = CreatorProfile.objects.filter(user_id__in=user_ids).prefetch_related("topics")
    for profile in profiles:
        topics = " ".join(tag.name for tag in profile.topics.all())
        # Topics count twice: they are what the expert says they answer.
        parts[profile.user_id] += [topics, topics, profile.display_name, profile.headline]
        parts[profile.user_id].append(profile.bio)
    for user_id, title, summary in Course.objects.filter(
        channel__creator__user_id__in=user_ids, status=PublicationStatus.PUBLISHED
    ).values_list("channel__creator__user_id", "title", "summary"):
        parts[user_id] += [title, summary]
    counts: dict[int, int] = {}
    for expert_id, text in (
        Question.objects.filter(
            expert_id__in=user_ids, status=Question.Status.ANSWERED, is_visible=True
        )
        .order_by("expert_id", "-answered_at")
        .values_list("expert_id", "text")
    ):
        if counts.get(expert_id, 0) < ANSWERS_PER_EXPERT:
            counts[expert_id] = counts.get(expert_id, 0) + 1
            parts[expert_id].append(text)
    return user_ids, ["\n".join(p for p in parts[pk] if p) for pk in user_ids]


def question_documents() -> tuple[list[int], list[str]]:
    rows = list(
        Question.objects.filter(
            Q(status=Question.Status.ANSWERED),
            is_public=True,
            is_visible=True,
            answer__is_visible=True,
        )
        .order_by("pk")
        .values_list("pk", "text")
    )
    return [pk for pk, _ in rows], [text for _, text in rows]


def expert_index() -> TextIndex:
    return _current("experts", expert_documents)


def question_index() -> TextIndex:
    return _current("questions", question_documents)


# --- ranking ------------------------------------------------------------------------


def warm_up() -> threading.Thread:
    """Build this process's search indexes (and load jieba's dictionary) in a
    background thread, so that the first visitor of /ask/ does not wait for them.
    Called when a production worker starts (deploy/gunicorn.conf.py)."""

    def build() -> None:
        try:
            expert_index()
            question_index()
        except Exception:  # noqa: BLE001 - the first request builds them instead
            logger.exception("qa: warming up the search indexes failed")
        finally:
            connection.close()

    thread = threading.Thread(target=build, name="qa-index-warm-up", daemon=True)
    thread.start()
    return thread


def quality_weight(terms, *, median_price: int) -> float:
    """Between about 0.3 and 1: rating, answer rate, response time and price."""
    average = terms.rating_average
    rating_w = 0.6 + 0.4 * (average / 5) if average is not None else 0.8
    rate = terms.answer_rate
    rate_w = 0.5 + 0.5 * rate if rate is not None else 0.85
    hours = terms.response_hours
    response_w = 0.7 + 0.3 * max(0.0, 1 - hours / 72) if hours is not None else 0.85
    price_w = 0.8 + 0.2 * min(1.0, median_price / max(1, terms.base_price))
    return rating_w * rate_w * response_w * price_w


def experts_match(text: str, *, limit: int | None = None, exclude_user_id=None):
    """[(ExpertSettings with .user, score)] best first, for a question's text."""
    limit = limit or settings.QA_MATCH_LIMIT
    candidates = expert_index().search(text, limit * 4)
    if not candidates:
        return []
    terms = {
        t.user_id: t
        for t in ExpertSettings.objects.filter(
            user_id__in=[pk for pk, _ in candidates], enabled=True
        ).select_related("user", "user__creator_profile")
    }
    prices = sorted(t.base_price for t in terms.values()) or [1]
    median = prices[len(prices) // 2]
    ranked = [
        (terms[pk], score * quality_weight(terms[pk], median_price=median))
        for pk, score in candidates
        if pk in terms and pk != exclude_user_id
    ]
    ranked.sort(key=lambda pair: -pair[1])
    return ranked[:limit]


def questions_similar(text: str, *, limit: int | None = None) -> list[tuple[int, float]]:
    limit = limit or settings.QA_SIMILAR_LIMIT
    return [
        (pk, score)
        for pk, score in question_index().search(text, limit)
        if score >= settings.QA_SIMILAR_MIN_SCORE
    ]
