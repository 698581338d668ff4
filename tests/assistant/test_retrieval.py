"""Candidate re-ranking: only the best passages by BM25 and by the semantic space are
scored with character grams and blended, and they rank and score as if every passage
had been (no database)."""

import numpy as np

from assistant.index import Row, index_build, rank
from assistant.retrieval import FeedbackMemory, HybridIndex, Passage, Vote

TOPICS = [
    ("refund", "How do I get a refund for a ticket I bought?"),
    ("password", "I forgot my password and cannot log in"),
    ("sourdough", "Why does my sourdough starter smell of vinegar?"),
    ("guitar", "Which guitar strings suit fingerpicking?"),
    ("postgres", "Postgres vacuum is slow on a big table"),
    ("退款", "买的门票怎么申请退款？"),
    ("基金", "指数基金适合长期投资吗？"),
]
PASSAGES = [
    Passage(f"{topic}-{i}", f"{question} (variant {i})", f"{topic} notes number {i}")
    for i in range(8)
    for topic, question in TOPICS
]
QUESTIONS = [
    "refund for my ticket",
    "cannot log in, forgot password",
    "sourdough smells like vinegar",
    "strings for fingerpicking guitar",
    "门票退款",
    "长期投资指数基金",
]


def test_candidates_rank_and_score_as_every_passage_would():
    everything = HybridIndex(PASSAGES)  # 56 passages, pools of 300: all are scored
    few = HybridIndex(PASSAGES, pool=5)  # 5 by BM25 and 5 semantic: at most 10
    for question in QUESTIONS:
        positions, scores, confidences = few.candidates(question)
        assert positions.size <= 10
        all_scores, all_confidences = everything.scored(question)
        best = int(np.argmax(all_scores))
        assert best in positions
        np.testing.assert_allclose(scores, all_scores[positions], rtol=1e-5)
        np.testing.assert_allclose(confidences, all_confidences[positions], rtol=1e-5)
        assert few.search(question, 3) == everything.search(question, 3)


def test_a_passage_voted_up_is_ranked_though_no_pool_holds_it():
    rows = [
        Row(i + 1, "lesson", i + 1, p.question, p.body, "", False, f"/x/{i + 1}/", "", None, [])
        for i, p in enumerate(PASSAGES)
    ]
    index = index_build(rows)
    index.search.pool = 2
    question = "refund for my ticket"
    guitar = next(r.pk for r in rows if r.title.startswith("Which guitar"))
    assert guitar not in [r.pk for r, _s, _c in rank(index, question, intent="topic")]
    memory = FeedbackMemory([Vote(question, str(guitar), 1.0)], strength=5.0)
    ranked = rank(index, question, intent="topic", feedback=memory)
    assert ranked[0][0].pk == guitar
    assert ranked[0][2] == 1.0  # the vote moved its confidence as it moved its score
