"""The in-process search index over KnowledgeItem rows.

Each serving process keeps one HybridIndex (assistant/retrieval.py) and the rows'
display fields. It is rebuilt when the stored version moves (every indexing change
bumps it), at most every ASSISTANT_INDEX_MIN_REBUILD_SECONDS; meanwhile the old one
answers. With no index yet it is built in a background thread and questions are told
the assistant is being prepared (`IndexUnavailable`): a page never waits or fails.
"""

import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.db import DatabaseError, connection

from assistant.graph import KnowledgeGraph
from assistant.models import KnowledgeItem
from assistant.retrieval import FeedbackMemory, HybridIndex, Passage, top_positions
from assistant.services.indexing import index_version
from marketplace.models import CreatorProfile

logger = logging.getLogger(__name__)


class IndexUnavailable(Exception):
    """No index to answer from (being built, or the store unreachable)."""


@dataclass
class Row:
    pk: int
    kind: str
    source_id: int
    title: str
    text: str
    preview: str
    paid: bool
    url: str
    course_title: str
    expert_id: int | None
    topics: list[str]
    course_id: int | None = None


@dataclass
class KnowledgeIndex:
    search: HybridIndex
    rows: dict[int, Row]
    version: int
    built_at: float
    graph: KnowledgeGraph = field(default_factory=KnowledgeGraph)
    is_help: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))


_lock = threading.Lock()
_state: dict[str, KnowledgeIndex] = {}
_building: set[str] = set()


def index_build(
    rows: list[Row], version: int = 0, creator_topics: Mapping[int, Sequence[str]] | None = None
) -> KnowledgeIndex:
    search = HybridIndex([Passage(str(r.pk), r.title, r.text) for r in rows])
    graph = KnowledgeGraph.build(rows, creator_topics)
    is_help = np.array([r.kind == "help" for r in rows], dtype=bool)
    return KnowledgeIndex(
        search, {r.pk: r for r in rows}, version, time.monotonic(), graph, is_help
    )


def expanded(index: KnowledgeIndex, text: str) -> str:
    """The question plus the topics the knowledge graph links to topics it names."""
    extra = index.graph.expansion(text)
    return f"{text} {' '.join(extra)}" if extra else text


OTHER_SIDE = 0.85  # support questions meet the help centre first, course questions the rest


def rank(
    index: KnowledgeIndex,
    text: str,
    *,
    intent: str,
    feedback: FeedbackMemory | None = None,
    limit: int = 6,
) -> list[tuple[Row, float, float]]:
    """The best (row, score, confidence) for `text`, best first: hybrid scores of the
    question expanded through the topic graph, moved by feedback, weighed by intent.
    Feedback and intent move the confidence as they move the score. No database."""
    if not len(index.search):
        return []
    keys = index.search.keys
    boosts = feedback.boosts(keys, text) if feedback is not None else {}
    positions, base, confidence = index.search.candidates(expanded(index, text), extra=list(boosts))
    scores = base
    if boosts:
        delta = np.array([boosts.get(int(i), 0.0) for i in positions], dtype=np.float32)
        scores = np.clip(base + delta, 0, None)
    factor = np.where(index.is_help[positions] != (intent == "support"), OTHER_SIDE, 1.0)
    confidence = np.clip((confidence + scores - base) * factor, 0, 1)
    scores = scores * factor
    # The graph: a passage in the course, or by the creator, of a better one moves up.
    # Lifts only raise candidates, so the best `limit` are among them.
    local = top_positions(scores, limit * 3)  # indices into `positions`
    pks = {j: int(keys[positions[j]]) for j in local}
    lifts = index.graph.lifts([pks[j] for j in local[:limit]], pks.values())
    lifted = {j: float(scores[j]) * lifts.get(pks[j], 1.0) for j in local}
    ordered = sorted(local, key=lambda j: -lifted[j])[:limit]  # stable: ties keep order
    return [(index.rows[pks[j]], lifted[j], float(confidence[j])) for j in ordered]


def _load() -> KnowledgeIndex:
    version = index_version()
    fields = [f for f in Row.__dataclass_fields__ if f != "pk"]
    rows = [
        Row(pk, *values)
        for pk, *values in KnowledgeItem.objects.order_by("pk").values_list("pk", *fields)
    ]
    creator_topics: dict[int, list[str]] = {}
    for user_id, topic in CreatorProfile.topics.through.objects.values_list(
        "creatorprofile__user_id", "tag__name"
    ):
        creator_topics.setdefault(user_id, []).append(topic)
    return index_build(rows, version, creator_topics)


def _build_in_background() -> None:
    try:
        index = _load()
        with _lock:
            _state["current"] = index
    except Exception:  # noqa: BLE001 - the old index (or "unavailable") stays; retried next question
        logger.exception("assistant: building the knowledge index failed")
    finally:
        _building.discard("current")
        connection.close()  # this thread's own connection


def _start_build() -> None:
    with _lock:
        if "current" in _building:
            return
        _building.add("current")
    if settings.ASSISTANT_INDEX_BUILD_IN_BACKGROUND:
        threading.Thread(target=_build_in_background, name="assistant-index", daemon=True).start()
    else:
        try:
            with _lock:
                _state["current"] = _load()
        finally:
            _building.discard("current")


def current() -> KnowledgeIndex:
    """The index to answer from; raises IndexUnavailable when there is none yet."""
    try:
        version = index_version()
    except Exception as error:  # noqa: BLE001 - the cache down: answer from what we have
        logger.warning("assistant: index version unreadable: %s", error)
        version = None
    index = _state.get("current")
    stale = index is None or (
        version is not None
        and index.version != version
        and time.monotonic() - index.built_at >= settings.ASSISTANT_INDEX_MIN_REBUILD_SECONDS
    )
    if stale:
        try:
            _start_build()
        except DatabaseError as error:
            logger.warning("assistant: the knowledge store is unreachable: %s", error)
        index = _state.get("current")
    if index is None:
        raise IndexUnavailable
    return index


def index_reset(index: KnowledgeIndex | None = None) -> None:
    """Forget this process's index, or install one (tests, benchmarks)."""
    with _lock:
        _state.pop("current", None)
        if index is not None:
            _state["current"] = index
