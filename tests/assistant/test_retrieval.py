"""Candidate re-ranking: only the best passages by BM25 and by the semantic space are
scored with character grams and blended, and they rank and score as if every passage
had been (no database)."""

import math

import numpy as np

from assistant.index import Row, index_build, rank
from assistant.retrieval import BM25, FeedbackMemory, HybridIndex, Passage, Vote

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


def test_bm25_scores_are_the_okapi_formula_with_lucene_idf():
    """The bm25s-backed class scores exactly as Okapi BM25 (k1 1.2, b 0.75, Lucene idf,
    the (k1 + 1) numerator), worked out here term by term."""
    documents = [["a", "b", "a"], ["b", "c"], ["c"], []]
    bm25 = BM25().fit(documents)
    n, average = len(documents), sum(map(len, documents)) / len(documents)  # 4, 1.5

    def idf(term: str) -> float:
        df = sum(term in d for d in documents)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def expected(query: set[str], document: list[str]) -> float:
        norm = 1.2 * (1 - 0.75 + 0.75 * len(document) / average)
        tfs = {t: document.count(t) for t in query if t in document}
        return sum(idf(t) * tf * 2.2 / (tf + norm) for t, tf in tfs.items())

    # Worked once by hand: "a" in the first document, tf 2, length 3, df 1:
    # idf ln(1 + 3.5 / 1.5) = 1.20397, norm 1.2 * (0.25 + 0.75 * 2) = 2.1, 1.20397 * 4.4 / 4.1.
    assert math.isclose(expected({"a"}, documents[0]), 1.29207, rel_tol=1e-5)
    query = ["a", "c", "c", "unknown"]  # repeated terms count once; unknown ones add nothing
    got = bm25.scores(query)
    assert got.shape == (4,)
    for document, score in zip(documents, got, strict=True):
        assert math.isclose(float(score), expected({"a", "c"}, document), abs_tol=1e-5)
    assert got[3] == 0.0
    for term in "abc":
        assert math.isclose(float(bm25.idf[bm25.vocabulary[term]]), idf(term), rel_tol=1e-6)
    unknown = math.log(1 + (n + 0.5) / 0.5)
    assert math.isclose(bm25.query_weight(query), idf("a") + idf("c") + unknown, rel_tol=1e-6)
    assert not bm25.scores(["unknown"]).any()
    assert BM25().fit([]).scores(["a"]).shape == (0,)
