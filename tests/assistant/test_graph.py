"""The knowledge graph: creators, courses, topics and items as nodes; it expands a
question, lifts a close passage's course-mates, and picks the expert for a hand-off."""

import pytest
from django.urls import reverse

from assistant.graph import KnowledgeGraph
from assistant.index import Row, index_build, rank
from marketplace.models import Tag
from qa import services as qa
from tests.factories import CreatorFactory

ALICE, DORA = 11, 22


def row(pk, title, *, expert=None, course=None, topics=(), kind="lesson"):
    return Row(pk, kind, pk, title, title, "", False, f"/x/{pk}/", "", expert, list(topics), course)


ROWS = [
    row(1, "Async tasks in Python with asyncio TaskGroup", expert=ALICE, course=7,
        topics=["python", "asyncio"]),
    # The same words in two courses: Dora's comes first in the index.
    row(3, "Cancelling asyncio tasks", expert=DORA, course=9, topics=["python"]),
    row(2, "Cancelling asyncio tasks", expert=ALICE, course=7, topics=["python"]),
    row(4, "Rebalancing an index fund portfolio", expert=DORA, topics=["investing", "funds"]),
]  # fmt: skip


def test_the_graph_links_creators_courses_topics_and_items():
    graph = KnowledgeGraph.build(ROWS, {DORA: ["violin"]})
    assert graph.course_creator == {7: ALICE, 9: DORA}
    assert graph.course_items[7] == [1, 2]
    assert set(graph.topic_creators["python"]) == {ALICE, DORA}
    assert graph.topics_named("Which violin strings?") == ["violin"]
    assert graph.expansion("how do investing returns work") == ["funds"]


def test_the_expert_for_a_hand_off_is_the_one_the_closest_passages_lead_to():
    graph = KnowledgeGraph.build(ROWS, {DORA: ["violin"]})
    # Alice wrote the closest passages; Dora only the third.
    assert [pk for pk, _w in graph.experts([(1, 0.4), (2, 0.3), (3, 0.1)], "asyncio")] == [
        ALICE,
        DORA,
    ]
    # Nothing close, but the question names a topic Dora teaches.
    assert [pk for pk, _w in graph.experts([], "Which violin strings suit a baroque bow?")] == [
        DORA
    ]
    assert graph.experts([], "something else entirely") == []


def test_a_passage_in_the_course_of_the_best_one_moves_up():
    question = "asyncio TaskGroup cancelling tasks"
    ranked = [r.pk for r, _s, _c in rank(index_build(ROWS), question, intent="topic")]
    # Lessons 2 and 3 read alike; 2 is in the course of the best passage (lesson 1).
    assert ranked[:3] == [1, 2, 3]
    # Without creators and courses (no such edges), the index's order decides the tie.
    plain = index_build([row(r.pk, r.title, topics=r.topics) for r in ROWS])
    assert [r.pk for r, _s, _c in rank(plain, question, intent="topic")][:3] == [1, 3, 2]


@pytest.mark.django_db
def test_an_unanswered_question_is_offered_the_expert_the_graph_points_to(client, bob, alice):
    # Two experts take questions; only Dora teaches the violin (her profile's topic, a
    # creator-topic edge of the graph). Alice is cheaper and has answered more.
    dora = CreatorFactory(display_name="Dora", bio="Strings.")
    dora.topics.add(Tag.objects.create(name="violin", slug="violin"))
    for user, price in ((alice.user, 1000), (dora.user, 3000)):
        qa.expert_settings_update(
            user=user, enabled=True, base_price=price, currency="CNY", answer_hours=48
        )
    client.force_login(bob)
    reply = client.post(
        "/api/v1/assistant/ask/",
        {"text": "Which violin rosin is best?", "place": "qa"},
        content_type="application/json",
    ).json()
    assert reply["answered"] is False
    step = next(s for s in reply["next_steps"] if s["kind"] == "expert")
    assert step["url"] == reverse("qa:ask", args=[dora.user.pk])
