"""What comes next: item-to-item transitions in the order users met the items.

Both the site's weights (time-decayed: newer events weigh more) and the offline data
(`datasets.recency`: 1.0 for the newest item, halving with age) value a user's items so
that newer is larger, so each user's order is read from the values of their row.

- `newest_first_rank(rows)`: each stored entry's place in its row, 0 for the largest
  value (the newest), ties in column order.
- `sharp_recency(rows, half)`: the rows revalued 0.5 ** (rank / half): a history that
  listens mostly to the last few items (`half` items halve the weight).
- `Transitions`: items x items, how often item j came within `window` items after item
  i in a user's history (each step further counting `decay` times less; with `both`,
  before or after it), each row divided by the row's total plus `shrink`. A user's
  scores are their sharp-recency history (`half` > 0; 0: every item alike) times that
  matrix: "after X, people take Y" (or, with `both` and `half` 0, "people take Y next
  to X", for a hold-out that is not the newest item).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recommend.algorithms import Model, _csr, _product, _row, _top_k_rows, _top_similar


def newest_first_rank(rows: sp.csr_matrix) -> np.ndarray:
    """Per stored entry of a CSR matrix: its rank in its row by value, 0 = largest."""
    rows = sp.csr_matrix(rows)
    row_of = np.repeat(np.arange(rows.shape[0]), np.diff(rows.indptr))
    order = np.lexsort((-rows.data, row_of))  # row by row, largest value first
    rank = np.empty(rows.nnz, dtype=np.int64)
    rank[order] = np.arange(rows.nnz) - rows.indptr[row_of[order]]
    return rank


def sharp_recency(rows: sp.csr_matrix, half: float) -> sp.csr_matrix:
    """The rows with each entry valued 0.5 ** (its newest-first rank / half)."""
    rows = sp.csr_matrix(rows, dtype=np.float32, copy=True)
    rows.sum_duplicates()
    rows.eliminate_zeros()
    rows.data = np.power(0.5, newest_first_rank(rows) / float(half)).astype(np.float32)
    return rows


class Transitions(Model):
    def fit(self, x: sp.csr_matrix, **_):
        p = self.params
        x = _csr(x)
        n = x.shape[1]
        row_of = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        order = np.lexsort((x.data, row_of))  # row by row, oldest first
        users, items = row_of[order], x.indices[order]
        heads, tails, weights = [], [], []
        for lag in range(1, int(p["window"]) + 1):
            same = users[:-lag] == users[lag:]
            weight = np.full(int(same.sum()), float(p["decay"]) ** (lag - 1))
            heads.append(items[:-lag][same])
            tails.append(items[lag:][same])
            weights.append(weight)
            if p["both"]:  # neighbours in either direction: "taken next to"
                heads.append(items[lag:][same])
                tails.append(items[:-lag][same])
                weights.append(weight)
        counts = sp.csr_matrix(
            (
                np.concatenate(weights) if weights else np.empty(0),
                (
                    np.concatenate(heads) if heads else np.empty(0, dtype=np.int64),
                    np.concatenate(tails) if tails else np.empty(0, dtype=np.int64),
                ),
            ),
            shape=(n, n),
            dtype=np.float64,
        )
        counts.sum_duplicates()
        totals = np.asarray(counts.sum(axis=1)).ravel() + float(p["shrink"])
        totals[totals == 0] = 1.0
        self.sim = sp.csr_matrix(sp.diags(1.0 / totals) @ counts, dtype=np.float32)
        self.sim.setdiag(0.0)
        self.sim.eliminate_zeros()
        return self

    def scores(self, user_rows):
        user_rows = _csr(user_rows, self.n_items)
        half = float(self.params["half"])
        if half > 0:
            user_rows = sharp_recency(user_rows, half)
        else:  # every item of the history alike
            user_rows = user_rows.copy()
            user_rows.data[:] = 1.0
        return _product(user_rows, self.sim)

    def similar(self, item, n):
        self._check_item(item)
        return _top_similar(_row(self.sim, item), item, n)

    def compact(self, k: int) -> None:
        self.sim = _top_k_rows(self.sim, k)


TRANSITION_DEFAULTS = {"window": 3, "decay": 0.5, "shrink": 5.0, "half": 1.0, "both": False}


def transitions_fit(x: sp.csr_matrix, **params) -> Transitions:
    settings = {**TRANSITION_DEFAULTS, **params}
    return Transitions(name="transitions", n_items=x.shape[1], params=settings).fit(x)
