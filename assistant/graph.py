"""The knowledge graph: topics, creators, courses and the indexed items (answers,
lessons, articles, replay chapters, help articles) as nodes; who wrote or answered
an item, which course holds it, which topics label it and which topics a creator
teaches as edges. No Django, no database: built with the index from its rows.

It is used three ways when answering:

- expanding a question with the topics that label the same items as a topic it
  names ("refund" -> "ticket");
- ranking: an item that shares a course or a creator with one of the best passages
  moves up a little, so an answer comes with its own course's lessons rather than a
  stranger's that happen to use the same words;
- the hand-off: the experts linked to the passages that came closest (their author,
  the creator of their course) and to the topics the question names are the ones
  suggested, weighed by how close those passages came.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

COURSE_LIFT = 0.08  # a passage in the same course as a better one: score x (1 + this)
CREATOR_LIFT = 0.04  # by the same creator (answers, articles, lessons of other courses)
TOPIC_EXPERT = 0.5  # what a creator teaching a topic the question names counts for
COURSE_EXPERT = 0.6  # the creator of a close passage's course, against its author's 1


class Node(Protocol):
    pk: int
    expert_id: int | None
    course_id: int | None
    topics: list[str]


@dataclass
class KnowledgeGraph:
    item_creator: dict[int, int] = field(default_factory=dict)
    item_course: dict[int, int] = field(default_factory=dict)
    course_creator: dict[int, int] = field(default_factory=dict)
    course_items: dict[int, list[int]] = field(default_factory=dict)
    creator_items: dict[int, list[int]] = field(default_factory=dict)
    topic_creators: dict[str, dict[int, int]] = field(default_factory=dict)
    related_topics: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def build(
        cls, rows: Iterable[Node], creator_topics: Mapping[int, Sequence[str]] | None = None
    ) -> KnowledgeGraph:
        """The graph of `rows` and of the topics each creator lists on their profile."""
        graph = cls()
        together: dict[str, dict[str, int]] = {}
        for row in rows:
            if row.expert_id:
                graph.item_creator[row.pk] = row.expert_id
                graph.creator_items.setdefault(row.expert_id, []).append(row.pk)
            if row.course_id:
                graph.item_course[row.pk] = row.course_id
                graph.course_items.setdefault(row.course_id, []).append(row.pk)
                if row.expert_id:
                    graph.course_creator.setdefault(row.course_id, row.expert_id)
            for topic in row.topics:
                if row.expert_id:
                    graph._teaches(row.expert_id, topic)
                for other in row.topics:
                    if other != topic:
                        counts = together.setdefault(topic.lower(), {})
                        counts[other] = counts.get(other, 0) + 1
        for creator, topics in (creator_topics or {}).items():
            for topic in topics:
                graph._teaches(creator, topic)
        graph.related_topics = {
            topic: [t for t, _ in sorted(counts.items(), key=lambda kv: -kv[1])[:3]]
            for topic, counts in together.items()
        }
        return graph

    def _teaches(self, creator: int, topic: str) -> None:
        creators = self.topic_creators.setdefault(topic.lower(), {})
        creators[creator] = creators.get(creator, 0) + 1

    def topics_named(self, text: str) -> list[str]:
        """The topic nodes `text` names (lower-cased), longest first."""
        lowered = text.lower()
        named = {t for t in (*self.related_topics, *self.topic_creators) if t and t in lowered}
        return sorted(named, key=lambda t: (-len(t), t))

    def expansion(self, text: str, limit: int = 4) -> list[str]:
        """Topics linked to the topics `text` names, that it does not name itself."""
        lowered = text.lower()
        extra = [
            related
            for topic in self.topics_named(text)
            for related in self.related_topics.get(topic, [])
            if related.lower() not in lowered
        ]
        return list(dict.fromkeys(extra))[:limit]

    def lifts(self, best: Sequence[int], candidates: Iterable[int]) -> dict[int, float]:
        """candidate item -> factor (> 1) for the `candidates` that share a course or
        a creator with one of the `best` items (best first: the nearer the top that
        neighbour, the bigger the lift)."""
        by_course: dict[int, float] = {}
        by_creator: dict[int, float] = {}
        for rank, item in enumerate(best):
            fade = 1.0 / (1 + rank)
            course, creator = self.item_course.get(item), self.item_creator.get(item)
            if course:
                by_course.setdefault(course, 1.0 + COURSE_LIFT * fade)
            if creator:
                by_creator.setdefault(creator, 1.0 + CREATOR_LIFT * fade)
        if not by_course and not by_creator:
            return {}
        out: dict[int, float] = {}
        for item in candidates:
            lift = max(
                by_course.get(self.item_course.get(item, 0), 1.0),
                by_creator.get(self.item_creator.get(item, 0), 1.0),
            )
            if lift > 1.0 and item not in best[:1]:
                out[item] = lift
        return out

    def experts(self, passages: Sequence[tuple[int, float]], text: str) -> list[tuple[int, float]]:
        """(creator user id, weight) best first: the authors of the closest passages
        (weighed by their scores), the creators of their courses, and the creators
        who teach a topic the question names."""
        weight: dict[int, float] = {}

        def add(creator: int | None, value: float) -> None:
            if creator:
                weight[creator] = weight.get(creator, 0.0) + value

        for item, score in passages:
            add(self.item_creator.get(item), score)
            course_creator = self.course_creator.get(self.item_course.get(item, 0))
            if course_creator != self.item_creator.get(item):
                add(course_creator, COURSE_EXPERT * score)
        for topic in self.topics_named(text):
            creators = self.topic_creators.get(topic, {})
            total = sum(creators.values()) or 1
            for creator, count in creators.items():
                add(creator, TOPIC_EXPERT * count / total)
        return sorted(weight.items(), key=lambda kv: (-kv[1], kv[0]))
