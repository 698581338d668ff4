"""Offline evaluation: top-K metrics, model comparison and honest tuning of the blend.

Protocol: fit on the training matrix, score every item for each test user, mask the
user's training items (full ranking, no sampled negatives), take the top K and compare
with the held-out items. Users with no held-out items are skipped.

Tuning (`tune`) never looks at the test split: it carves validation splits out of the
training matrix (per user, several seeds), picks parameters by their mean NDCG@K
there, and only then are the chosen parameters fitted on the full training matrix and
measured on test. `paired_ratio_interval` says whether a difference between two models
is larger than the noise of the evaluated users.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import asdict, dataclass, field
from typing import Any, cast

import numpy as np
import scipy.sparse as sp

from recommend import algorithms
from recommend.datasets import Split, split_per_user

K = 10
RECALL_DEPTH = 20  # recall is reported at 20 as well
BATCH = 2048


# --- metrics ----------------------------------------------------------------------------


def hits_matrix(ranked: np.ndarray, relevant: sp.csr_matrix) -> np.ndarray:
    """hits[u, r] is True when the item at rank r of user u is relevant to u."""
    ranked = np.asarray(ranked)
    relevant = sp.csr_matrix(relevant)
    hits = np.zeros(ranked.shape, dtype=bool)
    for u in range(ranked.shape[0]):
        items = relevant.indices[relevant.indptr[u] : relevant.indptr[u + 1]]
        if items.size:
            hits[u] = np.isin(ranked[u], items) & (ranked[u] >= 0)
    return hits


def precision_at_k(hits: np.ndarray, k: int) -> np.ndarray:
    return hits[:, :k].sum(axis=1) / k


def recall_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    n_relevant = np.asarray(n_relevant, dtype=np.float64)
    return hits[:, :k].sum(axis=1) / np.maximum(n_relevant, 1)


def ndcg_at_k(hits: np.ndarray, n_relevant: np.ndarray, k: int) -> np.ndarray:
    """Binary-relevance NDCG@k: DCG over the ideal DCG of min(|relevant|, k) hits."""
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    dcg = (hits[:, :k] * discounts[: hits[:, :k].shape[1]]).sum(axis=1)
    ideal_hits = np.minimum(np.asarray(n_relevant), k)
    cumulative = np.concatenate([[0.0], np.cumsum(discounts)])
    idcg = cumulative[ideal_hits]
    return np.where(idcg > 0, dcg / np.where(idcg > 0, idcg, 1), 0.0)


def coverage(ranked: np.ndarray, n_items: int) -> float:
    """Share of the catalogue that appears in at least one top-K list."""
    shown = np.unique(ranked[ranked >= 0])
    return shown.size / n_items if n_items else 0.0


# --- evaluation -------------------------------------------------------------------------


@dataclass
class Result:
    data: str
    model: str
    precision: float
    recall: float
    ndcg: float
    recall_20: float
    coverage: float
    fit_seconds: float
    score_seconds: float
    users: int
    # Per evaluated user, in the same order (for paired comparisons): NDCG@K and how
    # many training items the user has
    per_user_ndcg: np.ndarray | None = field(default=None, repr=False)
    per_user_history: np.ndarray | None = field(default=None, repr=False)

    def as_dict(self) -> dict:
        out = asdict(self)
        out.pop("per_user_ndcg")
        out.pop("per_user_history")
        return out


def paired_ratio_interval(
    a: np.ndarray, b: np.ndarray, *, seed: int = 42, rounds: int = 2000, level: float = 0.95
) -> tuple[float, float, float]:
    """mean(a) / mean(b) and its bootstrap interval, resampling users (paired).

    Both arrays hold one value per user, for the same users in the same order. A ratio
    whose interval contains 1.0 is a tie on this data.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape or a.size == 0 or b.mean() == 0:
        raise ValueError("need two non-empty per-user arrays of the same users")
    rng = np.random.default_rng(seed)
    samples = rng.integers(0, a.size, size=(rounds, a.size))
    denominators = b[samples].mean(axis=1)
    ratios = a[samples].mean(axis=1) / np.where(denominators > 0, denominators, np.nan)
    tail = (1 - level) / 2 * 100
    low, high = np.nanpercentile(ratios, [tail, 100 - tail])
    return float(a.mean() / b.mean()), float(low), float(high)


def evaluation_users(test: sp.csr_matrix, limit: int | None, seed: int) -> np.ndarray:
    users = np.flatnonzero(np.diff(test.indptr) > 0)
    if limit is not None and limit < users.size:
        users = np.sort(np.random.default_rng(seed).choice(users, size=limit, replace=False))
    return users


def evaluate_model(
    model: algorithms.Model,
    train: sp.csr_matrix,
    test: sp.csr_matrix,
    users: np.ndarray,
    k: int = K,
) -> dict[str, Any]:
    """Mean P/R/NDCG@k and recall@20 over `users`, and catalogue coverage of the top-k
    lists, training items masked."""
    depth = max(k, RECALL_DEPTH)
    ranked_parts = []
    for start in range(0, users.size, BATCH):
        batch = users[start : start + BATCH]
        history = train[batch]
        ranked_parts.append(algorithms.top_n(model.scores(history), depth, exclude=history))
    ranked = np.vstack(ranked_parts) if ranked_parts else np.empty((0, depth), dtype=np.int64)
    relevant = test[users]
    n_relevant = np.diff(relevant.indptr)
    hits = hits_matrix(ranked, relevant)
    ndcg = ndcg_at_k(hits, n_relevant, k)
    return {
        "precision": float(precision_at_k(hits, k).mean()) if users.size else 0.0,
        "recall": float(recall_at_k(hits, n_relevant, k).mean()) if users.size else 0.0,
        "ndcg": float(ndcg.mean()) if users.size else 0.0,
        "recall_20": (
            float(recall_at_k(hits, n_relevant, RECALL_DEPTH).mean()) if users.size else 0.0
        ),
        "coverage": coverage(ranked[:, :k], train.shape[1]),
        "per_user_ndcg": ndcg,
        "per_user_history": np.diff(train[users].indptr),
    }


def run(
    split: Split,
    models: list[str],
    *,
    seed: int = 42,
    limit_users: int | None = None,
    params: dict[str, dict] | None = None,
    k: int = K,
) -> list[Result]:
    """Fit each model on split.train and measure it on split.test."""
    params = params or {}
    users = evaluation_users(split.test, limit_users, seed)
    results = []
    for name in models:
        if name in ("content", "wordvec") and not split.item_text:
            continue
        text = split.item_text if name in algorithms.TEXT_MODELS else None
        train, extra = split.train, params.get(name, {})
        if name == "stacked":
            # the shipped model sees what the site gives it: weights that carry recency,
            # and it tunes itself on a slice carved the way this split's test was
            if split.train_recency is not None:
                train = split.train_recency
            extra = {"holdout": "last" if split.kind == "time" else "random", **extra}
        model = algorithms.model_fit(name, train, item_text=text, **extra)
        started = time.perf_counter()
        metrics = evaluate_model(model, train, split.test, users, k)
        results.append(
            Result(
                data=split.name,
                model=name,
                fit_seconds=model.fit_seconds,
                score_seconds=time.perf_counter() - started,
                users=int(users.size),
                **metrics,
            )
        )
    return results


# --- tuning on a validation split carved out of training ----------------------------------

# The grids searched by `tune`. Small on purpose: each point is a fit.
GRIDS: dict[str, dict[str, list]] = {
    "ease": {"lam": [50.0, 100.0, 250.0, 500.0, 1000.0]},
    "edlae": {"lam": [30.0, 60.0, 100.0, 150.0], "drop": [0.5, 0.75, 0.85]},
    "itemknn": {"k": [50, 100, 200], "shrink": [0.0, 10.0, 50.0]},
    "als": {"factors": [64], "regularization": [0.05, 1.0], "alpha": [1.0, 5.0, 20.0]},
    "blend": {
        "w_content": [0.1, 0.2, 0.3],
        "content_half": [0.0, 10.0, 30.0, 100.0],
        "w_pop": [0.0, 0.05],
    },
}
# Validation splits per point: one split's noise (~1% NDCG on MovieLens 100K) is larger
# than the differences between the blend's settings; their mean is steadier.
VALIDATION_SEEDS = 4


def _grid(grid: dict[str, list]):
    keys = list(grid)
    for values in itertools.product(*(grid[k] for k in keys)):
        yield dict(zip(keys, values, strict=True))


def tune(
    split: Split,
    name: str,
    *,
    seed: int = 42,
    validation_fraction: float = 0.2,
    base: dict | None = None,
    grid: dict[str, list] | None = None,
    limit_users: int | None = None,
    validation_seeds: int = VALIDATION_SEEDS,
) -> tuple[dict, list[tuple[dict, float]]]:
    """Best parameters of `name` by NDCG@K on validation splits of split.train.

    Each grid point is scored by its mean NDCG over `validation_seeds` per-user
    validation splits carved out of the training matrix. Returns (best params,
    [(params, mean validation NDCG), ...]). The test split is not read.
    """
    folds = []
    for offset in range(1, validation_seeds + 1):
        fit_part, validation = split_per_user(split.train, validation_fraction, seed + offset)
        folds.append((fit_part, validation, evaluation_users(validation, limit_users, seed)))
    text = split.item_text if name in algorithms.TEXT_MODELS else None
    base = dict(base or {})
    trials = []
    for point in _grid(grid or GRIDS[name]):
        candidate = {**base, **point}
        scores = []
        for fit_part, validation, users in folds:
            model = algorithms.model_fit(name, fit_part, item_text=text, **candidate)
            scores.append(evaluate_model(model, fit_part, validation, users)["ndcg"])
        trials.append((candidate, float(np.mean(scores))))
    best = max(trials, key=lambda t: t[1])[0]
    return best, trials


def tune_blend(split: Split, *, seed: int = 42, limit_users: int | None = None) -> dict:
    """The blend's CF (EDLAE lambda and dropout), then its content/popularity weights."""
    cf, _ = tune(split, "ease", seed=seed, grid=GRIDS["edlae"], limit_users=limit_users)
    blend, _ = tune(
        split,
        "blend",
        seed=seed,
        base={"cf_lam": cf["lam"], "cf_drop": cf["drop"]},
        limit_users=limit_users,
    )
    return blend


# --- word vectors where TF-IDF sees nothing ---------------------------------------------


def unshared_neighbour_lift(
    train: sp.csr_matrix, item_text: list[str], *, k: int = 5
) -> tuple[float, int]:
    """How much more the word-vector model's nearest items *that share no word* with an
    item are consumed together with it than an average pair sharing no word.

    TF-IDF gives every such pair a cosine of 0, so it cannot rank them at all (its lift
    is 1 by construction). Co-consumption is the cosine of the two items' user columns
    in `train` (never the test split). Returns (lift, items measured)."""
    tfidf = cast(algorithms.Content, algorithms.model_fit("content", train, item_text=item_text))
    words = cast(algorithms.Content, algorithms.model_fit("wordvec", train, item_text=item_text))
    unshared = np.asarray(tfidf.sim) <= 1e-9
    np.fill_diagonal(unshared, False)
    has_text = np.asarray(tfidf.has_text) & np.asarray(words.has_text)
    unshared &= has_text[:, None] & has_text[None, :]
    together = algorithms.cosine_item_similarity(_binary_columns(train))
    wv = np.where(unshared, np.asarray(words.sim), -np.inf)
    picked, baseline = [], []
    for item in np.flatnonzero(unshared.sum(axis=1) >= 2 * k):
        nearest = np.argpartition(-wv[item], k)[:k]
        picked.append(together[item, nearest].mean())
        baseline.append(together[item, unshared[item]].mean())
    if not picked or np.mean(baseline) <= 0:
        return float("nan"), len(picked)
    return float(np.mean(picked) / np.mean(baseline)), len(picked)


def _binary_columns(train: sp.csr_matrix) -> sp.csr_matrix:
    out = sp.csr_matrix(train, dtype=np.float32, copy=True)
    out.data[:] = 1.0
    return out
