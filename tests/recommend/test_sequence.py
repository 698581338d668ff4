"""Transitions (recommend/sequence.py): what users take next, read from the order of
their history's values."""

import numpy as np
import scipy.sparse as sp

from recommend.sequence import newest_first_rank, sharp_recency, transitions_fit


def _history(sequences, n_items):
    """users x items, each item valued by its position (later = larger)."""
    rows, cols, vals = [], [], []
    for user, items in enumerate(sequences):
        for position, item in enumerate(items, 1):
            rows.append(user)
            cols.append(item)
            vals.append(float(position))
    return sp.csr_matrix((vals, (rows, cols)), shape=(len(sequences), n_items))


def test_rank_and_sharp_recency_read_newest_first():
    x = _history([[3, 0, 2], [1]], 4)
    assert newest_first_rank(x).tolist() == [1, 0, 2, 0]  # row 0 stored as items 0, 2, 3
    sharp = sharp_recency(x, 1.0).toarray()
    assert sharp[0].tolist() == [0.5, 0.0, 1.0, 0.25]
    assert sharp[1].tolist() == [0.0, 1.0, 0.0, 0.0]


def test_the_next_item_follows_the_last_one_not_the_popular_one():
    # everyone who takes 0 then takes 1; everyone who takes 2 then takes 3; item 4 is
    # taken by everyone first (popular, but never after anything)
    sequences = [[4, 0, 1]] * 5 + [[4, 2, 3]] * 5
    model = transitions_fit(_history(sequences, 5), window=1)
    scores = model.scores(_history([[2], [0]], 5))
    assert int(np.argmax(scores[0])) == 3
    assert int(np.argmax(scores[1])) == 1
    # the last item speaks louder than an older one: 0 then 2 -> 3 before 1
    mixed = model.scores(_history([[0, 2]], 5))[0]
    assert mixed[3] > mixed[1] > 0
    assert model.similar(0, 2)[0][0] == 1


def test_compact_keeps_the_strongest_transition():
    sequences = [[0, 1]] * 3 + [[0, 2]]
    model = transitions_fit(_history(sequences, 3), window=1, shrink=0.0)
    assert model.sim[0, 1] == np.float32(0.75)
    model.compact(1)
    assert model.sim[0].nnz == 1 and model.sim[0, 1] > 0
