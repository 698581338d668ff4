"""Recommendation algorithms: pure numpy/scipy/scikit-learn/implicit, no Django.

Every model works in one item space: `interactions` is a users x items CSR matrix of
(already weighted, already time-decayed) implicit feedback. `Model.scores(user_rows)`
scores any history in that item space, including users never seen at fit time, so the
caller can refresh lists for new users without refitting.

Models (`model_fit(name, ...)`):

- ``popularity``: how many users touched each item, each counting at most 1.0 of their
  time-decayed weight, so recent interest counts more (the cold-start fallback).
- ``itemknn``: item-item cosine on the binarised interactions, k nearest kept.
- ``ease``: Steck's EASE^R (closed-form item-item regression, 2019).
- ``als``: implicit-feedback ALS (Hu, Koren & Volinsky 2008) via `implicit`.
- ``content``: TF-IDF item vectors (core/text.py); profile = weighted sum of the
  user's item vectors, scored by cosine.
- ``rp3beta``: the item -> user -> item random walk with a popularity penalty.
- ``wordvec`` (recommend/wordvec.py): ``content`` with item vectors built from
  Word2Vec word vectors trained on the item texts, so items with no shared word can
  still be close.
- ``stacked`` (recommend/stacked.py): the shipped model, every model above blended
  with weights tuned on a validation slice of the training data.
- ``blend``: the model shipped before ``stacked``. A collaborative part plus content similarity plus
  popularity, each scaled per user (row max), with weights that move from popularity
  to CF and content as the user's history grows (cold start: an empty history gets
  popularity only), and with content standing in for the CF score of items that nobody
  has interacted with yet (new items the CF cannot see).

Choice of the collaborative part, by measurement (NDCG@10, validation splits carved out
of the training data of MovieLens 100K 75/25 and MOOCCube 80/20; never the test split):
EASE beat item-kNN and ALS on both; EASE with an item-dependent penalty on top of lambda
(Steck 2020, EDLAE/DLAE "dropout" emphasis: lam + drop/(1-drop) * item count) was a
little better again on both with one setting (lam 100, drop 0.75), so the blend uses
that. Content helps most where histories are short: its weight 0.3 halves at 30 items
(chosen by the mean validation NDCG over four seeded validation splits of each data set,
summed over both; a constant 0.2 was 0.2% behind on validation and 0.5% behind EASE on
MovieLens test). Popularity after the first item did not help (0.0). The new-item
weight 0.1 cost nothing measurable on validation; 0.5 cost ~1-2%.
`recommend_evaluate --tune` repeats the tuning per data set.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np
import scipy.sparse as sp

from core.text import tfidf_vectorizer

MODEL_NAMES = (
    "popularity",
    "itemknn",
    "ease",
    "als",
    "rp3beta",
    "content",
    "wordvec",
    "blend",
    "stacked",
)
# models that read the items' texts (item_text)
TEXT_MODELS = frozenset(["content", "wordvec", "blend", "stacked"])

# Defaults for every model's parameters; model_fit(**params) overrides them.
DEFAULTS: dict[str, dict] = {
    "popularity": {},
    "itemknn": {"k": 100, "shrink": 10.0, "binary": True},
    # drop > 0: Steck's EDLAE/DLAE (NeurIPS 2020) emphasis, an item-dependent L2 penalty
    # drop/(1-drop) * item count on top of lam; 0 is plain EASE
    "ease": {"lam": 250.0, "drop": 0.0, "binary": True},
    "als": {  # validation NDCG: 32 factors, reg 5 beat 64/0.05 on both data sets
        "factors": 32,
        "regularization": 5.0,
        "alpha": 2.0,
        "iterations": 15,
        "num_threads": 2,
        "random_state": 42,
    },
    "content": {"min_df": 1, "max_features": 50_000},
    # Word2Vec trained on the item texts (recommend/wordvec.py); skip-gram, the whole
    # text as the window (up to max_window words either side)
    "wordvec": {
        "dim": 64,
        "epochs": 20,
        "negative": 5,
        "min_count": 1,
        "max_window": 10,
        "seed": 42,
    },
    "blend": {
        "cf": "ease",  # which collaborative model carries the warm users
        "cf_lam": 100.0,  # cf_* go to the CF model: EDLAE-style EASE (see module doc)
        "cf_drop": 0.75,
        "w_content": 0.3,  # content weight (per-user max-scaled cosine)
        "content_half": 30.0,  # history size at which the content weight halves (0: constant)
        "w_pop": 0.0,  # popularity weight once the user has a history
        "cold_k": 0.1,  # history size at which CF and popularity weigh the same
        "new_item_weight": 0.1,  # extra content weight standing in for CF on unseen items
        "similar_content": 0.3,  # share of content in "similar items"
    },
    "rp3beta": {"alpha": 0.8, "beta": 0.3},
    # the shipped model (recommend/stacked.py): a blend of every model above, its
    # parameters and weights tuned on a validation slice of the training data
    "stacked": {
        "tune": True,  # False: use `weights` and the models' parameters as given
        "holdout": "random",  # how the tuning slice is carved: random, or last (newest)
        "holdout_fraction": 0.2,
        "tune_users": 800,  # users of the slice scored (more when few items: TUNE_CELLS)
        "weights": {},  # component -> weight; empty: EASE alone until tuned
        "ease_lam": 250.0,
        "rp3_alpha": 0.8,
        "rp3_beta": 0.3,
        "als_factors": 32,
        "als_reg": 5.0,
        "transitions_window": 3,
        "transitions_decay": 0.5,
        "transitions_half": 1.0,
        "transitions_both": False,
        "seed": 42,
    },
}


def _params(name: str, overrides: dict) -> dict:
    if name not in DEFAULTS:
        raise ValueError(f"unknown model {name!r}; choose one of {', '.join(MODEL_NAMES)}")
    out = dict(DEFAULTS[name])
    for key, value in overrides.items():
        if key in out or name == "blend" and key.startswith("cf_"):
            out[key] = value
        else:
            raise ValueError(f"model {name!r} takes no parameter {key!r}")
    return out


def _csr(matrix, n_items: int | None = None) -> sp.csr_matrix:
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    if n_items is not None and matrix.shape[1] != n_items:
        raise ValueError(f"user rows have {matrix.shape[1]} items, the model {n_items}")
    matrix.sum_duplicates()
    matrix.eliminate_zeros()
    return matrix


def _binary(matrix: sp.csr_matrix) -> sp.csr_matrix:
    out = matrix.copy()
    out.data = np.ones_like(out.data)
    return out


def _row_scale(scores: np.ndarray) -> np.ndarray:
    """Each row divided by its largest absolute value (rows of zeros stay zero)."""
    top = np.abs(scores).max(axis=1, keepdims=True)
    top[top == 0] = 1.0
    return scores / top


def _product(user_rows: sp.csr_matrix, matrix) -> np.ndarray:
    """user_rows @ matrix as a dense float32 array (matrix dense, or sparse once compacted)."""
    out = user_rows @ matrix
    if sp.issparse(out):
        out = out.toarray()
    return np.asarray(out, dtype=np.float32)


def _side_by_side(first, second):
    """(first(), second()), the first in another thread. Sparse products release the
    GIL, so a blend's two models score a batch of users on two cores in about the
    time of one (fitting them side by side was no faster: EASE's LAPACK uses both
    cores already)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(first)
        other = second()
        return pending.result(), other


def _row(matrix, item: int) -> np.ndarray:
    """One row of an items x items matrix, dense."""
    row = matrix[item]
    if sp.issparse(row):
        row = row.toarray()
    return np.asarray(row, dtype=np.float32).ravel()


def _top_k_rows(matrix, k: int, block: int = 256) -> sp.csr_matrix:
    """The matrix with only the k largest-magnitude entries of each row kept (sparse).
    A block of rows at a time: one partition of the whole 5,000 x 5,000 matrix (its
    int64 index array alone is 200 MB) took six times as long."""
    n_rows, n_cols = matrix.shape
    if k >= n_cols:
        return sp.csr_matrix(matrix, dtype=np.float32)
    if k <= 0:
        return sp.csr_matrix(matrix.shape, dtype=np.float32)
    nonzero = matrix.nnz if sp.issparse(matrix) else np.count_nonzero(matrix)
    if nonzero < 0.25 * n_rows * n_cols:
        return _top_k_sparse(sp.csr_matrix(matrix, dtype=np.float32), k)
    matrix = matrix.toarray() if sp.issparse(matrix) else matrix
    matrix = np.asarray(matrix, dtype=np.float32)
    indices = np.empty((n_rows, k), dtype=np.int32)
    values = np.empty((n_rows, k), dtype=np.float32)
    for start in range(0, n_rows, block):
        part = matrix[start : start + block]
        idx = np.argpartition(np.abs(part), n_cols - k, axis=1)[:, n_cols - k :]
        idx.sort(axis=1)
        indices[start : start + block] = idx
        values[start : start + block] = np.take_along_axis(part, idx, axis=1)
    indptr = np.arange(0, n_rows * k + 1, k, dtype=np.int64)
    out = sp.csr_matrix((values.ravel(), indices.ravel(), indptr), shape=matrix.shape)
    out.eliminate_zeros()
    return out


def _top_similar(column: np.ndarray, item: int, n: int) -> list[tuple[int, float]]:
    """The n best other items of one item's scores: [(item, score)], positive only."""
    return _top_similar_rows(np.asarray(column).ravel()[None, :], item, n)[0]


def _top_similar_rows(block: np.ndarray, first: int, n: int) -> list[list[tuple[int, float]]]:
    """`_top_similar` of each row of `block`, row r being item first + r: one partition
    and one sort of the whole block instead of one per item."""
    block = np.array(block, dtype=np.float32, ndmin=2)  # a copy: the items are masked
    rows = np.arange(block.shape[0])
    block[rows, first + rows] = -np.inf
    n = min(n, block.shape[1] - 1)
    if n <= 0:
        return [[] for _ in rows]
    idx = np.argpartition(-block, n - 1, axis=1)[:, :n]
    values = np.take_along_axis(block, idx, axis=1)
    order = np.argsort(-values, axis=1, kind="stable")
    idx, values = np.take_along_axis(idx, order, 1), np.take_along_axis(values, order, 1)
    good = np.isfinite(values) & (values > 0)
    return [
        [(i, v) for i, v, ok in zip(*row, strict=True) if ok]
        for row in zip(idx.tolist(), values.tolist(), good.tolist(), strict=True)
    ]


def _top_k_sparse(matrix: sp.csr_matrix, k: int) -> sp.csr_matrix:
    """`_top_k_rows` of a mostly-zero matrix (content similarities: partitioning dense
    rows full of equal zeros was ten times slower than everything else): only rows with
    more than k stored entries are partitioned, each over its stored entries alone."""
    matrix = matrix.copy()
    matrix.eliminate_zeros()
    matrix.sum_duplicates()
    sizes = np.diff(matrix.indptr)
    keep = np.ones(matrix.nnz, dtype=bool)
    for row in np.flatnonzero(sizes > k):
        start, size = matrix.indptr[row], sizes[row]
        weakest = np.argpartition(np.abs(matrix.data[start : start + size]), size - k)
        keep[start + weakest[: size - k]] = False
    indptr = np.concatenate([[0], np.cumsum(np.minimum(sizes, k))]).astype(np.int64)
    return sp.csr_matrix(
        (matrix.data[keep], matrix.indices[keep], indptr), shape=matrix.shape, dtype=np.float32
    )


def cosine_item_similarity(interactions: sp.csr_matrix, shrink: float = 0.0) -> np.ndarray:
    """Dense items x items cosine similarity of the item columns, diagonal zero."""
    x = interactions.tocsc()
    gram = (x.T @ x).toarray().astype(np.float32)
    norms = np.sqrt(np.diag(gram)).astype(np.float32)
    denom = np.outer(norms, norms) + np.float32(shrink)
    denom[denom == 0] = 1.0
    sim = gram / denom
    np.fill_diagonal(sim, 0.0)
    return sim


def _spd_inverse(matrix: np.ndarray) -> np.ndarray:
    """The inverse of a symmetric positive definite matrix, in float32, by Cholesky
    (LAPACK potrf + potri). EASE's regularised Gram matrix is one; on 5,000 items this
    took about a fifth of the time of `np.linalg.inv` in float64 (measured on 2 cores),
    and the scores it gives rank the same (recommend_evaluate)."""
    from scipy.linalg import lapack  # LAPACK bindings: loaded only when EASE fits

    factor, info = lapack.spotrf(np.asarray(matrix, dtype=np.float32), lower=False)
    if info == 0:
        upper, info = lapack.spotri(factor, lower=False, overwrite_c=True)
    if info != 0:  # not positive definite after all (cannot happen with lam > 0)
        return np.linalg.inv(matrix).astype(np.float32)
    # potri fills the upper triangle; potrf left the lower one zero (clean=1)
    inverse = upper + upper.T
    np.fill_diagonal(inverse, np.diag(upper))
    return inverse


@dataclass
class Model:
    """A fitted model. `scores` for users x items, `similar` for one item."""

    name: str
    n_items: int
    params: dict = field(default_factory=dict)
    fit_seconds: float = 0.0

    def fit(self, x: sp.csr_matrix, *, item_text: list[str] | None = None, **_: Any) -> Model:
        raise NotImplementedError

    def scores(self, user_rows: sp.csr_matrix) -> np.ndarray:
        raise NotImplementedError

    def similar(self, item: int, n: int) -> list[tuple[int, float]]:
        raise NotImplementedError

    def similar_all(self, n: int) -> list[list[tuple[int, float]]]:
        """`similar(item, n)` of every item, in item order."""
        return [self.similar(item, n) for item in range(self.n_items)]

    def compact(self, k: int) -> None:
        """Keep only each item's k strongest neighbours (for storage). Models without
        an items x items matrix have nothing to drop."""

    def _check_item(self, item: int) -> None:
        if not 0 <= item < self.n_items:
            raise IndexError(f"item {item} is outside 0..{self.n_items - 1}")


class Popularity(Model):
    def fit(self, x: sp.csr_matrix, **_):
        # Each user counts once per item, at most 1.0: on the site's time-decayed
        # weights an old interaction counts less (recent popularity); on 0/1 data this
        # is the plain count of users.
        capped = x.copy()
        capped.data = np.minimum(capped.data, 1.0)
        counts = np.asarray(capped.sum(axis=0)).ravel().astype(np.float32)
        self.counts = counts
        top = counts.max() if counts.size and counts.max() > 0 else 1.0
        self.normalised = (counts / top).astype(np.float32)
        self.item_similarity = None
        return self

    def scores(self, user_rows):
        user_rows = _csr(user_rows, self.n_items)
        return np.tile(self.normalised, (user_rows.shape[0], 1))

    def similar(self, item, n):
        self._check_item(item)
        return _top_similar(self.normalised, item, n)


class _ItemItem(Model):
    """A model that scores a user's history through one items x items matrix, `sim`
    (row i: how strongly having item i points to each item), on 0/1 history when
    `binary`."""

    sim: Any
    binary: bool

    def scores(self, user_rows):
        user_rows = _csr(user_rows, self.n_items)
        if self.binary:
            user_rows = _binary(user_rows)
        return _product(user_rows, self.sim)

    def similar(self, item, n):
        self._check_item(item)
        return _top_similar(_row(self.sim, item), item, n)

    def compact(self, k: int) -> None:
        self.sim = _top_k_rows(self.sim, k)


class ItemKNN(_ItemItem):
    def fit(self, x: sp.csr_matrix, **_):
        p = self.params
        data = _binary(x) if p["binary"] else x
        sim = cosine_item_similarity(data, shrink=p["shrink"])
        k = int(p["k"])
        if 0 < k < sim.shape[0] - 1:
            # keep the k largest per column: the neighbours of item j that vote for j
            drop = np.argpartition(-sim, k, axis=0)[k:, :]
            np.put_along_axis(sim, drop, 0.0, axis=0)
        self.sim = sim
        self.binary = p["binary"]
        return self


class EASE(_ItemItem):
    def fit(self, x: sp.csr_matrix, **_):
        p = self.params
        data = _binary(x) if p["binary"] else x
        x64 = data.tocsc().astype(np.float64)
        gram = (x64.T @ x64).toarray()
        counts = np.diag(gram).copy()
        drop = float(p["drop"])
        if not 0.0 <= drop < 1.0:
            raise ValueError("ease drop must be in [0, 1)")
        gram[np.diag_indices_from(gram)] += p["lam"] + drop / (1.0 - drop) * counts
        inverse = _spd_inverse(gram)
        b = inverse / (-np.diag(inverse))
        np.fill_diagonal(b, 0.0)
        self.sim = b.astype(np.float32)
        self.binary = p["binary"]
        return self

    @property
    def b(self):
        """The weight matrix under the EASE paper's name: B[i, j], how much having
        i predicts j."""
        return self.sim


class RP3Beta(_ItemItem):
    """RP3beta (Paudel et al. 2017; Dacrema et al. 2019's strong graph baseline): a
    three-step random walk item -> user -> item, each step's transition probabilities
    raised to `alpha`, divided by the target item's popularity to the power `beta`."""

    def fit(self, x: sp.csr_matrix, **_):
        p = self.params
        data = _binary(x)
        counts = np.asarray(data.sum(axis=0)).ravel()
        user_to_item = sp.diags(1.0 / np.maximum(np.diff(data.indptr), 1)) @ data
        item_users = data.T.tocsr()
        item_to_user = sp.diags(1.0 / np.maximum(np.diff(item_users.indptr), 1)) @ item_users
        alpha = float(p["alpha"])
        walk = (item_to_user.power(alpha) @ sp.csr_matrix(user_to_item).power(alpha)).toarray()
        walk /= np.power(np.maximum(counts, 1.0), float(p["beta"]))[None, :]
        np.fill_diagonal(walk, 0.0)
        self.sim = walk.astype(np.float32)
        self.binary = True
        return self


class ALS(Model):
    def fit(self, x: sp.csr_matrix, **_):
        # implicit and threadpoolctl are heavy and only ALS uses them: loaded on fit
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits

        p = self.params
        # implicit runs its own threads; BLAS threads on top of them oversubscribe
        with threadpool_limits(limits=1, user_api="blas"):
            self.model = AlternatingLeastSquares(
                factors=int(p["factors"]),
                regularization=float(p["regularization"]),
                alpha=float(p["alpha"]),
                iterations=int(p["iterations"]),
                num_threads=min(int(p["num_threads"]), 2),
                random_state=p["random_state"],
            )
            self.model.fit(x, show_progress=False)
        self.item_factors = np.asarray(self.model.item_factors, dtype=np.float32)
        norms = np.linalg.norm(self.item_factors, axis=1)
        norms[norms == 0] = 1.0
        self.item_unit = self.item_factors / norms[:, None]
        return self

    def scores(self, user_rows):
        from threadpoolctl import threadpool_limits  # as in fit: only ALS needs it

        user_rows = _csr(user_rows, self.n_items)
        with threadpool_limits(limits=1, user_api="blas"):
            users = self.model.recalculate_user(np.arange(user_rows.shape[0]), user_rows)
        return np.asarray(users @ self.item_factors.T, dtype=np.float32)

    def similar(self, item, n):
        self._check_item(item)
        return _top_similar(self.item_unit @ self.item_unit[item], item, n)


class Content(Model):
    def fit(self, x: sp.csr_matrix, *, item_text=None, **_):
        if item_text is None or len(item_text) != self.n_items:
            raise ValueError("the content model needs one text per item (item_text)")
        p = self.params
        texts = [t or "" for t in item_text]
        if any(t.strip() for t in texts):
            vectorizer = tfidf_vectorizer(min_df=p["min_df"], max_features=p["max_features"])
            try:
                vectors = vectorizer.fit_transform(texts)
            except ValueError:  # every text was only stop words
                vectors = sp.csr_matrix((self.n_items, 1), dtype=np.float32)
        else:
            vectors = sp.csr_matrix((self.n_items, 1), dtype=np.float32)
        self.vectors = sp.csr_matrix(vectors, dtype=np.float32)
        # cosine of unit rows; profile . item = history @ (V V^T), so one dense
        # items x items matrix scores any batch of users with one sparse product
        self.sim = (self.vectors @ self.vectors.T).toarray().astype(np.float32)
        self.has_text = np.asarray(self.vectors.getnnz(axis=1) > 0)
        return self

    def scores(self, user_rows):
        user_rows = _csr(user_rows, self.n_items)
        raw = _product(user_rows, self.sim)
        # |profile|^2 = w^T (V V^T) w: cosine without building the profile vectors
        rows = np.repeat(np.arange(user_rows.shape[0]), np.diff(user_rows.indptr))
        sq = np.bincount(
            rows,
            weights=user_rows.data * raw[rows, user_rows.indices],
            minlength=user_rows.shape[0],
        )
        norm = np.sqrt(np.maximum(sq, 0.0)).astype(np.float32)
        norm[norm == 0] = 1.0
        return raw / norm[:, None]

    def similar(self, item, n):
        self._check_item(item)
        return _top_similar(_row(self.sim, item), item, n)

    def compact(self, k: int) -> None:
        self.sim = _top_k_rows(self.sim, k)
        self.vectors = None  # only the similarities are needed to score


class Blend(Model):
    def fit(self, x: sp.csr_matrix, *, item_text=None, **_):
        p = self.params
        cf_name = p["cf"]
        if cf_name not in ("ease", "itemknn", "als"):
            raise ValueError(f"blend cf must be ease, itemknn or als, not {cf_name!r}")
        cf_params = {
            k[3:]: v for k, v in p.items() if k.startswith("cf_") and k[3:] in DEFAULTS[cf_name]
        }
        self.cf = model_fit(cf_name, x, **cf_params)
        self.popularity = cast(Popularity, model_fit("popularity", x))
        self.content = (
            cast(Content, model_fit("content", x, item_text=item_text)) if item_text else None
        )
        # items nobody has touched: CF knows nothing about them, content speaks for them
        self.unseen = np.asarray(x.getnnz(axis=0) == 0)
        # who touched each item, for "similar items"
        self._item_users = _binary(x).T.tocsr()
        self._item_norms = np.sqrt(self._item_users.getnnz(axis=1)).astype(np.float32)
        return self

    def user_weights(self, history_sizes: np.ndarray) -> tuple[np.ndarray, ...]:
        """(cf, content, popularity) weight per user from the size of their history.

        An empty history gets popularity (and nothing else to go on); each item seen
        moves weight from popularity to CF and content, reaching the long-history
        weights asymptotically (half way at `cold_k` items).
        """
        p = self.params
        n = history_sizes.astype(np.float32)
        warm = n / (n + np.float32(p["cold_k"]))
        w_content = warm * p["w_content"] if self.content is not None else 0.0 * warm
        if p["content_half"] > 0:
            # content matters most for short histories: half weight at content_half items
            w_content = w_content * (p["content_half"] / (p["content_half"] + n))
        w_pop = (1 - warm) + warm * p["w_pop"]
        w_cf = warm
        return w_cf, w_content, w_pop

    def scores(self, user_rows):
        user_rows = _csr(user_rows, self.n_items)
        sizes = np.asarray(user_rows.getnnz(axis=1))
        w_cf, w_content, w_pop = self.user_weights(sizes)
        if self.content is None:
            cf, content = self.cf.scores(user_rows), None
        else:
            cf, content = _side_by_side(
                lambda: self.cf.scores(user_rows), lambda: self.content.scores(user_rows)
            )
        out = w_cf[:, None] * _row_scale(cf)
        out += w_pop[:, None] * self.popularity.normalised[None, :]
        if content is not None:
            content = _row_scale(content)
            out += w_content[:, None] * content
            if self.unseen.any():
                unseen = self.unseen
                out[:, unseen] += (
                    self.params["new_item_weight"] * w_cf[:, None] * content[:, unseen]
                )
        return out.astype(np.float32, copy=False)

    def similar(self, item, n):
        self._check_item(item)
        return self._similar_rows(item, item + 1, n)[0]

    def similar_all(self, n: int, block: int = 512) -> list[list[tuple[int, float]]]:
        """`similar` of every item, a block of items per sparse product (the refresh
        stores every item's list; one product per item was 2x slower than fitting
        the model at 5,000 items)."""
        starts = range(0, self.n_items, block)
        with ThreadPoolExecutor(max_workers=2) as pool:  # the products release the GIL
            blocks = pool.map(
                lambda start: self._similar_rows(start, min(start + block, self.n_items), n),
                starts,
            )
            return [pairs for rows in blocks for pairs in rows]

    def _similar_rows(self, start: int, stop: int, n: int) -> list[list[tuple[int, float]]]:
        """Similar items of items start..stop-1: co-occurrence cosine (each row scaled
        by its largest value) mixed with content similarity; content alone for items
        nobody has touched."""
        x = self._item_users
        norms = self._item_norms
        overlap = (x[start:stop] @ x.T).toarray().astype(np.float32)
        cf = overlap / (norms[start:stop, None] * norms[None, :] + 1.0)
        top = cf.max(axis=1, keepdims=True)
        cf = np.divide(cf, top, out=cf, where=top > 0)
        share = self.params["similar_content"] if self.content is not None else 0.0
        combined = (1 - share) * cf
        if self.content is not None:
            content = self.content.sim[start:stop]
            content = content.toarray() if sp.issparse(content) else np.asarray(content)
            combined += share * content
            unseen = self.unseen[start:stop]
            combined[unseen] = content[unseen]
        return _top_similar_rows(combined, start, n)

    def compact(self, k: int) -> None:
        self.cf.compact(k)
        if self.content is not None:
            self.content.compact(k)


_CLASSES = {
    "popularity": Popularity,
    "itemknn": ItemKNN,
    "ease": EASE,
    "als": ALS,
    "rp3beta": RP3Beta,
    "content": Content,
    "blend": Blend,
}


def model_fit(
    name: str, interactions: sp.csr_matrix, *, item_text: list[str] | None = None, **params
) -> Model:
    """Fit the model `name` on a users x items matrix of weighted implicit feedback."""
    settings = _params(name, params)
    x = _csr(interactions)
    started = time.perf_counter()
    if name == "stacked":
        # stacked builds on this module's models: imported here, not at the top (a cycle)
        from recommend.stacked import Stacked

        model: Model = Stacked(name=name, n_items=x.shape[1], params=settings)
    elif name == "wordvec":
        # wordvec builds on Content (a cycle) and imports gensim: imported when asked for
        from recommend.wordvec import WordVectors

        model = WordVectors(name=name, n_items=x.shape[1], params=settings)
    else:
        model = _CLASSES[name](name=name, n_items=x.shape[1], params=settings)
    model.fit(x, item_text=item_text)
    model.fit_seconds = time.perf_counter() - started
    return model


def top_n(scores: np.ndarray, n: int, exclude: sp.csr_matrix | None = None) -> np.ndarray:
    """The indices of the `n` best items per row, best first.

    Items in `exclude` (same shape as `scores`, any non-zero entry excludes) and items
    scored -inf or NaN are never returned. A row with fewer than `n` eligible items is
    padded with -1, so callers drop negative indices.
    """
    scores = np.array(scores, dtype=np.float32, copy=True, ndmin=2)
    rows, n_items = scores.shape
    n = max(0, min(int(n), n_items))
    if n == 0:
        return np.empty((rows, 0), dtype=np.int64)
    scores[np.isnan(scores)] = -np.inf
    if exclude is not None:
        exclude = sp.csr_matrix(exclude)
        if exclude.shape != scores.shape:
            raise ValueError(f"exclude has shape {exclude.shape}, scores {scores.shape}")
        exclude.eliminate_zeros()
        r, c = exclude.nonzero()
        scores[r, c] = -np.inf
    if n < n_items:
        part = np.argpartition(-scores, n - 1, axis=1)[:, :n]
    else:
        part = np.tile(np.arange(n_items), (rows, 1))
    part_scores = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-part_scores, axis=1, kind="stable")
    ranked = np.take_along_axis(part, order, axis=1).astype(np.int64)
    ranked_scores = np.take_along_axis(part_scores, order, axis=1)
    ranked[~np.isfinite(ranked_scores)] = -1
    return ranked


def diversify(
    ranked: np.ndarray,
    scores: np.ndarray | None,
    *,
    groups: list[np.ndarray],
    n: int,
    max_per_group: int,
) -> np.ndarray:
    """Re-rank one user's candidates so that no group takes more than `max_per_group`.

    `ranked`: candidate item indices (best first; -1 entries are ignored).
    `scores`: that user's scores indexed by item (used to order the candidates), or
    None if `ranked` is in order already.
    `groups`: one array per grouping (creator, category, ...), indexed by item, holding
    a group label; a negative label means "no group" and is never capped.
    Greedy: take candidates best first while every group of the item is under its cap.
    If the caps leave fewer than `n` items, the list is topped up with the best
    skipped candidates (a short list serves the user worse than a repetitive one).
    """
    ranked = np.asarray(ranked, dtype=np.int64).ravel()
    ranked = ranked[ranked >= 0]
    if scores is not None:
        scores = np.asarray(scores).ravel()
        if ranked.size and scores.size > ranked.max():
            ranked = ranked[np.argsort(-scores[ranked], kind="stable")]
    n = int(n)
    if max_per_group < 1:
        raise ValueError("max_per_group must be at least 1")
    # Plain lists: the refresh runs this twice for every user, and indexing numpy
    # arrays one element at a time made it as slow as scoring the users.
    groupings: list[tuple[list[Any], dict[Any, int]]] = [
        (np.asarray(g)[ranked].tolist(), {}) for g in groups
    ]  # (labels, counts)
    chosen: list[int] = []
    skipped: list[int] = []
    for position, item in enumerate(ranked.tolist()):
        if len(chosen) >= n:
            break
        for label, count in groupings:
            key = label[position]
            if key >= 0 and count.get(key, 0) >= max_per_group:
                skipped.append(item)
                break
        else:
            chosen.append(item)
            for label, count in groupings:
                key = label[position]
                count[key] = count.get(key, 0) + 1
    # Short of n: every candidate was seen, so the best skipped ones top the list up.
    return np.asarray((chosen + skipped)[:n], dtype=np.int64)
