"""Offline evaluation of question matching (`manage.py assistant_evaluate`).

A data set is DIR/bank.jsonl ({"id", "question", "answer"}) and DIR/queries.jsonl
({"query", "match": bank id or null}). Every system ranks the whole bank for every
query; ties keep the bank's order (no system gains from them). Reported:

- accuracy@1 and MRR@10 over the queries that have a match;
- no-answer: over the queries whose match is null, the share where the system says
  it has no answer (the assistant: confidence under its threshold; the baselines
  only when no term of the query is in the bank);
- coverage@90: answer the queries in order of confidence, most confident first; the
  largest share of all queries answered while the top answers stay 90% right (a
  null query answered counts wrong). It needs no threshold, so systems compare;
- feedback: votes simulated on one half of the matched queries (thumbs up on the
  right answer when it is in the top ten, down on a wrong first answer), MRR@10
  measured on the other half, both ways round, against the assistant on the same
  halves without them.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from assistant.retrieval import (
    BM25,
    FeedbackMemory,
    HybridIndex,
    Passage,
    Vote,
    Weights,
    language_detect,
)
from core.text import terms, tfidf_vectorizer

K = 10
PRECISION_TARGET = 0.9


@dataclass(frozen=True)
class DataSet:
    name: str
    bank: list[dict]
    queries: list[dict]


def dataset_load(directory: Path) -> DataSet:
    def read(name: str) -> list[dict]:
        with (directory / name).open(encoding="utf-8") as handle:
            return [json.loads(line) for line in handle if line.strip()]

    bank, queries = read("bank.jsonl"), read("queries.jsonl")
    ids = {row["id"] for row in bank}
    unknown = [q["match"] for q in queries if q["match"] is not None and q["match"] not in ids]
    if unknown:
        raise ValueError(f"{len(unknown)} queries match ids missing from the bank")
    return DataSet(directory.name, bank, queries)


@dataclass
class Result:
    system: str
    accuracy_at_1: float
    mrr_at_10: float
    no_answer: float | None  # None: the data set has no null queries
    coverage_at_90: float
    ms_per_query: float


Scorer = Callable[[str], "np.ndarray | tuple[np.ndarray, np.ndarray]"]


def _ranks(scored: np.ndarray | tuple[np.ndarray, np.ndarray]) -> tuple[list[int], float]:
    """The top positions, and the confidence of the first: a system that returns
    (scores, confidences) is judged by its own confidence, the others by their score."""
    scores, confidences = scored if isinstance(scored, tuple) else (scored, scored)
    order = np.argsort(-scores, kind="stable")[:K]
    top = [int(i) for i in order if scores[i] > 0]
    return top, float(confidences[top[0]]) if top else 0.0


def _evaluate(
    system: str,
    data: DataSet,
    score: Scorer,
    says_no_answer: Callable[[float], bool],
) -> Result:
    position = {row["id"]: i for i, row in enumerate(data.bank)}
    reciprocal, first, abstained, confidences, correct = [], [], [], [], []
    started = time.perf_counter()
    for query in data.queries:
        top, confidence = _ranks(score(query["query"]))
        gold = position.get(query["match"]) if query["match"] is not None else None
        confidences.append(confidence)
        correct.append(gold is not None and bool(top) and top[0] == gold)
        if gold is None:
            abstained.append(says_no_answer(confidence) or not top)
            continue
        first.append(bool(top) and top[0] == gold)
        reciprocal.append(1 / (top.index(gold) + 1) if gold in top else 0.0)
    elapsed = (time.perf_counter() - started) * 1000 / max(1, len(data.queries))
    return Result(
        system,
        float(np.mean(first)) if first else 0.0,
        float(np.mean(reciprocal)) if reciprocal else 0.0,
        float(np.mean(abstained)) if abstained else None,
        coverage_at_precision(confidences, correct, PRECISION_TARGET),
        elapsed,
    )


def coverage_at_precision(
    confidences: Sequence[float], correct: Sequence[bool], target: float
) -> float:
    """The largest share of queries answered, most confident first, at precision >= target."""
    if not confidences:
        return 0.0
    order = np.argsort(-np.asarray(confidences), kind="stable")
    hits = np.cumsum(np.asarray(correct, dtype=float)[order])
    answered = np.arange(1, len(order) + 1)
    ok = np.flatnonzero(hits / answered >= target)
    return float(answered[ok[-1]] / len(order)) if ok.size else 0.0


def assistant_index(data: DataSet, weights: Weights | None = None) -> HybridIndex:
    return HybridIndex(
        [Passage(row["id"], row["question"], row["answer"]) for row in data.bank], weights
    )


def evaluate(
    data: DataSet, *, min_confidence: float, weights: Weights | None = None
) -> list[Result]:
    """The assistant and the two baselines on one data set, in one run."""
    index = assistant_index(data, weights)
    documents = [f"{row['question']} {row['answer']}" for row in data.bank]
    bm25 = BM25().fit([terms(text) for text in documents])
    tfidf = tfidf_vectorizer()
    matrix = tfidf.fit_transform(documents).tocsr()

    def tfidf_scores(text: str) -> np.ndarray:
        return (matrix @ tfidf.transform([text]).T).toarray().ravel()

    return [
        _evaluate("assistant", data, index.scored, lambda c: c < min_confidence),
        _evaluate("bm25", data, lambda text: bm25.scores(terms(text)), lambda c: False),
        _evaluate("tfidf", data, tfidf_scores, lambda c: False),
    ]


def _halves(data: DataSet) -> tuple[DataSet, DataSet]:
    matched = [q for q in data.queries if q["match"] is not None]
    return (
        DataSet(data.name, data.bank, matched[0::2]),
        DataSet(data.name, data.bank, matched[1::2]),
    )


def simulated_votes(index: HybridIndex, data: DataSet) -> list[Vote]:
    votes = []
    for query in data.queries:
        found = [key for key, _ in index.search(query["query"], K)]
        if found and found[0] != query["match"]:
            votes.append(Vote(query["query"], found[0], -1.0))
        if query["match"] in found:
            votes.append(Vote(query["query"], query["match"], 1.0))
    return votes


def feedback_evaluate(data: DataSet) -> tuple[float, float]:
    """(MRR@10 without, with feedback), each on the half the votes did not come from."""
    index = assistant_index(data)
    without, with_votes = [], []
    halves = _halves(data)
    for learn, test in (halves, halves[::-1]):
        memory = FeedbackMemory(simulated_votes(index, learn))
        without.append(_evaluate("assistant", test, index.scores, lambda c: False).mrr_at_10)

        def adjusted(text: str, memory: FeedbackMemory = memory) -> np.ndarray:
            return memory.adjust(index.keys, index.scores(text), text)

        with_votes.append(_evaluate("feedback", test, adjusted, lambda c: False).mrr_at_10)
    return float(np.mean(without)), float(np.mean(with_votes))


def weights_tune(data: DataSet) -> tuple[Weights, float]:
    """Blend weights picked on one half of the matched queries by MRR@10, measured on the
    other half (and the other way round); returns the weights best on the whole set
    and the mean held-out MRR@10 that picking them on a half achieved."""
    index = assistant_index(data)
    grid = [
        Weights(round(a, 2), round(b, 2), round(1 - a - b, 2))
        for a, b in itertools.product(np.arange(0, 1.01, 0.1), repeat=2)
        if a + b <= 1.0001
    ]
    signals = {q["query"]: index.signals(q["query"]) for q in data.queries}

    def mrr(part: DataSet, w: Weights) -> float:
        def score(text: str) -> np.ndarray:
            lexical, chars, semantic = signals[text]
            return w.lexical * lexical + w.chars * chars + w.semantic * semantic

        return _evaluate("tune", part, score, lambda c: False).mrr_at_10

    halves = _halves(data)
    held_out = [
        mrr(test, max(grid, key=lambda w: mrr(learn, w))) for learn, test in (halves, halves[::-1])
    ]
    whole = DataSet(data.name, data.bank, halves[0].queries + halves[1].queries)
    return max(grid, key=lambda w: mrr(whole, w)), float(np.mean(held_out))


def corpus_language(data: DataSet) -> str:
    return language_detect(" ".join(row["question"] for row in data.bank[:200]))
