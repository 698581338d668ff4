"""The shipped model: every recommender's scores blended with weights learned here.

Components (each scaled per user by its row max, popularity as it is):

- ``ease``: EASE on the 0/1 history; ``ease_recent``: the same EASE weights applied to
  the history valued by recency (the site's time-decayed weights, or on the offline
  data 0.5 per RECENCY_HALF_ITEMS newer items), so recent items speak louder;
- ``rp3beta``: the item -> user -> item random walk with a popularity penalty;
- ``itemknn``, ``als`` (implicit), ``content`` (TF-IDF), ``wordvec`` (item vectors from
  word vectors trained on the item texts, recommend/wordvec.py), ``popularity``;
- ``transitions`` (recommend/sequence.py): what users took right after (or, for a
  random hold-out, right next to) the user's items in the order of their histories,
  the newest items speaking loudest when the hold-out is in time.

Tuning (`tune=True`) never reads a test split: it carves a slice out of the training
matrix (`holdout="random"`: a share of each user's items; `"last"`: each user's newest
item, the way the time split holds out), fits the components on the rest, picks EASE's
lambda, RP3beta's exponents, ALS's size and the transitions' window, decay, direction
and recency by each one's NDCG@10 on the slice, then the
weights by coordinate ascent on the blend's NDCG@10 on the slice (two passes over a
small grid, a change kept only if it gains). The chosen components are then fitted again
on the whole matrix. With `tune=False` the weights and parameters given are used as they
are (the site's refresh passes the last tuned ones, so it fits each component once).

Tried and dropped (validation NDCG@10 on MovieLens 100K): a gradient-boosted ranker over
the components' scores, ranks, popularity and history size re-ranking EASE + ALS
candidates. It overfitted the slice (0.42 in-sample against 0.23 on validation, below
EASE's 0.26); a logistic ranker only matched the candidates' own order.
"""

from __future__ import annotations

import itertools
from typing import Any, cast

import numpy as np
import scipy.sparse as sp

from recommend import algorithms, sequence
from recommend.algorithms import Model, _binary, _csr, _product, _row_scale
from recommend.datasets import split_last, split_per_user

COMPONENTS = (
    "ease",
    "ease_recent",
    "rp3beta",
    "itemknn",
    "als",
    "content",
    "wordvec",
    "transitions",
    "popularity",
)
WEIGHT_GRID = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5)
# candidate parameters, each picked by its own validation NDCG before the weights
EASE_LAMS = (50.0, 100.0, 250.0, 500.0, 1000.0)
RP3_GRID = ((0.6, 0.2), (0.8, 0.3), (1.0, 0.3), (1.0, 0.5))
ALS_GRID = ((32, 5.0), (128, 20.0))
# transitions (recommend/sequence.py): (window, decay, half, both directions)
TRANSITIONS_GRID = (
    (3, 0.5, 1.0, False),
    (5, 0.7, 2.0, False),
    (10, 0.8, 3.0, False),
    (3, 0.5, 0.0, True),
    (10, 0.8, 0.0, True),
)
K = 10
FOLDS = 2  # tuning slices; weights are chosen by their mean NDCG over them
TUNE_CELLS = 4_000_000  # users x items scored per slice and component, at most
MIN_GAIN = 0.002  # relative NDCG gain a weight change must bring on the slices


def holdout_slice(
    x: sp.csr_matrix, how: str, fraction: float, seed: int
) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """(fit part, hidden part) of a training matrix, per user; users keep at least one
    item in the fit part. `last`: the item with the largest value (the most recent)."""
    if how == "random":
        return split_per_user(x, fraction, seed)
    if how == "last":
        return split_last(x)
    raise ValueError("holdout must be 'random' or 'last'")


def _ndcg(scores: np.ndarray, history: sp.csr_matrix, hidden: sp.csr_matrix) -> float:
    """Mean NDCG@K of `scores` against `hidden`, the history masked."""
    # evaluation imports the models (and through them this module): imported here
    from recommend.evaluation import hits_matrix, ndcg_at_k

    ranked = algorithms.top_n(scores, K, exclude=history)
    return float(ndcg_at_k(hits_matrix(ranked, hidden), np.diff(hidden.indptr), K).mean())


class Stacked(Model):
    def fit(self, x: sp.csr_matrix, *, item_text=None, **_):
        p = self.params
        self.item_text = item_text
        self.has_text = bool(item_text) and any(t and t.strip() for t in item_text or [])
        self.weights = dict(p["weights"]) or {"ease": 1.0}
        self.chosen: dict[str, Any] = {
            "ease_lam": float(p["ease_lam"]),
            "rp3": (float(p["rp3_alpha"]), float(p["rp3_beta"])),
            "als": (int(p["als_factors"]), float(p["als_reg"])),
            "transitions": (
                int(p["transitions_window"]),
                float(p["transitions_decay"]),
                float(p["transitions_half"]),
                bool(p["transitions_both"]),
            ),
        }
        if p["tune"]:
            self._tune(x)
        self.parts = self._fit_parts(x, self.chosen, set(self.weights))
        return self

    @property
    def tuned_params(self) -> dict[str, Any]:
        """What tuning chose, as `model_fit("stacked", tune=False, **...)` takes it."""
        return {
            "weights": dict(self.weights),
            "ease_lam": self.chosen["ease_lam"],
            "rp3_alpha": self.chosen["rp3"][0],
            "rp3_beta": self.chosen["rp3"][1],
            "als_factors": self.chosen["als"][0],
            "als_reg": self.chosen["als"][1],
            "transitions_window": self.chosen["transitions"][0],
            "transitions_decay": self.chosen["transitions"][1],
            "transitions_half": self.chosen["transitions"][2],
            "transitions_both": self.chosen["transitions"][3],
        }

    def _fit_parts(self, x, chosen: dict, names: set[str]) -> dict[str, Model]:
        """The fitted models the named components need."""
        parts: dict[str, Model] = {}
        if names & {"ease", "ease_recent"}:
            parts["ease"] = algorithms.model_fit("ease", x, lam=chosen["ease_lam"])
        if "rp3beta" in names:
            alpha, beta = chosen["rp3"]
            parts["rp3beta"] = algorithms.model_fit("rp3beta", x, alpha=alpha, beta=beta)
        if "itemknn" in names:
            parts["itemknn"] = algorithms.model_fit("itemknn", x)
        if "als" in names:  # on 0/1: recency as confidence made ALS worse on validation
            factors, reg = chosen["als"]
            parts["als"] = algorithms.model_fit(
                "als", _binary(x), factors=factors, regularization=reg
            )
        if "transitions" in names:  # reads the order from the values: not binarised
            window, decay, half, both = chosen["transitions"]
            parts["transitions"] = sequence.transitions_fit(
                x, window=window, decay=decay, half=half, both=both
            )
        if "content" in names and self.has_text:
            parts["content"] = algorithms.model_fit("content", x, item_text=self.item_text)
        if "wordvec" in names and self.has_text:
            parts["wordvec"] = self._wordvec(x)
        parts["popularity"] = algorithms.model_fit("popularity", x)
        return parts

    def _wordvec(self, x: sp.csr_matrix) -> Model:
        """The word-vector model: it reads the texts only, so the tuning slices and the
        final fit share one training of the vectors."""
        if getattr(self, "_wordvec_model", None) is None:
            self._wordvec_model = algorithms.model_fit("wordvec", x, item_text=self.item_text)
        return self._wordvec_model

    def _component_scores(self, parts: dict[str, Model], user_rows) -> dict[str, np.ndarray]:
        binary = _binary(user_rows)
        out: dict[str, np.ndarray] = {}
        if "ease" in parts:
            out["ease"] = _row_scale(parts["ease"].scores(binary))
            ease = cast(algorithms.EASE, parts["ease"])
            out["ease_recent"] = _row_scale(_product(user_rows, ease.sim))
        for name in ("rp3beta", "itemknn", "als"):
            if name in parts:
                out[name] = _row_scale(parts[name].scores(binary))
        for name in ("transitions", "content", "wordvec"):
            if name in parts:
                out[name] = _row_scale(parts[name].scores(user_rows))
        out["popularity"] = parts["popularity"].scores(binary)
        return out

    def _folds(self, x: sp.csr_matrix) -> list[tuple[sp.csr_matrix, sp.csr_matrix, np.ndarray]]:
        """(fit part, hidden part, sampled users) of each tuning slice: two random
        slices (two seeds), or the newest and the second newest item of each user."""
        p = self.params
        folds = []
        rest = x
        for fold in range(FOLDS):
            if p["holdout"] == "last":
                fit_part, hidden = holdout_slice(rest, "last", 0.0, 0)
                rest = fit_part
            else:
                fit_part, hidden = holdout_slice(
                    x, "random", p["holdout_fraction"], p["seed"] + fold
                )
            users = np.flatnonzero(np.diff(hidden.indptr) > 0)
            # seven dense users x items score matrices per slice: a few hundred MB at most
            limit = max(int(p["tune_users"]), TUNE_CELLS // max(x.shape[1], 1))
            if users.size > limit:
                rng = np.random.default_rng(p["seed"] + fold)
                users = np.sort(rng.choice(users, size=limit, replace=False))
            if users.size:
                folds.append((fit_part, hidden, users))
        return folds

    def _tune(self, x: sp.csr_matrix) -> None:
        folds = self._folds(x)
        if not folds:
            return  # too little data to carve a slice: keep the given settings

        def mean_ndcg(fit, candidate) -> float:
            got = []
            for fit_part, hidden, users in folds:
                binary = _binary(fit_part[users])
                model = fit(_binary(fit_part), candidate)
                got.append(_ndcg(model.scores(binary), binary, hidden[users]))
            return float(np.mean(got))

        def best(candidates, fit):
            return max(candidates, key=lambda c: mean_ndcg(fit, c))

        def ordered_ndcg(fit, candidate) -> float:
            """mean_ndcg for a model that reads the order of the history (its values)."""
            got = []
            for fit_part, hidden, users in folds:
                history = fit_part[users]
                model = fit(fit_part, candidate)
                got.append(_ndcg(model.scores(history), _binary(history), hidden[users]))
            return float(np.mean(got))

        chosen = {
            "transitions": max(
                TRANSITIONS_GRID,
                key=lambda c: ordered_ndcg(
                    lambda x, wdhb: sequence.transitions_fit(
                        x, window=wdhb[0], decay=wdhb[1], half=wdhb[2], both=wdhb[3]
                    ),
                    c,
                ),
            ),
            "ease_lam": best(EASE_LAMS, lambda x, lam: algorithms.model_fit("ease", x, lam=lam)),
            "rp3": best(
                RP3_GRID,
                lambda x, ab: algorithms.model_fit("rp3beta", x, alpha=ab[0], beta=ab[1]),
            ),
            "als": best(
                ALS_GRID,
                lambda x, fr: algorithms.model_fit("als", x, factors=fr[0], regularization=fr[1]),
            ),
        }
        scored = []
        for fit_part, hidden, users in folds:
            parts = self._fit_parts(fit_part, chosen, set(COMPONENTS))
            history = fit_part[users]
            scored.append((self._component_scores(parts, history), _binary(history), hidden[users]))

        def blend_ndcg(weights: dict[str, float]) -> float:
            return float(np.mean([_ndcg(_mix(sc, weights), h, t) for sc, h, t in scored]))

        names = list(scored[0][0])
        singles = {n: blend_ndcg({n: 1.0}) for n in names}
        start = max(singles, key=lambda n: singles[n])
        weights = {n: 0.0 for n in names}
        weights[start] = 1.0
        current = singles[start]
        for _pass, name in itertools.product(range(2), names):
            for value in WEIGHT_GRID:
                trial = {**weights, name: value}
                if not any(trial.values()) or value == weights[name]:
                    continue
                got = blend_ndcg(trial)
                # a change must gain more than noise-sized steps: the slice is small
                if got > current * (1 + MIN_GAIN):
                    current, weights = got, trial
        self.weights = {n: w for n, w in weights.items() if w}
        self.chosen = chosen
        self.validation_ndcg = {"blend": current, **singles}

    def scores(self, user_rows):
        user_rows = _csr(user_rows, self.n_items)
        return _mix(self._component_scores(self.parts, user_rows), self.weights)

    def similar(self, item, n):
        self._check_item(item)
        base = self.parts.get("ease") or self.parts["popularity"]
        return base.similar(item, n)

    def compact(self, k: int) -> None:
        for part in self.parts.values():
            part.compact(k)


def _mix(scores: dict[str, np.ndarray], weights: dict[str, float]) -> np.ndarray:
    out: np.ndarray | None = None
    for name, weight in weights.items():
        if weight and name in scores:
            part = np.float32(weight) * scores[name]
            out = part if out is None else out + part
    if out is None:
        out = scores["popularity"].copy()
    return out.astype(np.float32, copy=False)
