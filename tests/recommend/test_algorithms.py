"""The recommenders on small hand-built data where the right answer is known."""

import numpy as np
import pytest
import scipy.sparse as sp

from recommend import stacked
from recommend.algorithms import (
    MODEL_NAMES,
    _top_k_rows,
    _top_similar,
    _top_similar_rows,
    diversify,
    model_fit,
    top_n,
)

# Items 0-3 finance, 4-7 programming, 8-11 cooking; item 12 is a new finance item
# nobody has touched yet.
TEXTS = (
    [
        "finance stocks investing money",
        "personal finance budget money",
        "stocks bonds investing",
        "money markets finance 理财 投资",
    ]
    + [
        "python programming code",
        "javascript web programming",
        "python data code 编程",
        "programming algorithms code",
    ]
    + [
        "cooking recipes kitchen",
        "baking bread kitchen",
        "cooking noodles 美食",
        "kitchen recipes food",
    ]
    + ["finance investing stocks for beginners 理财"]
)
N_ITEMS = len(TEXTS)


def history(*items, n_items=N_ITEMS):
    row = np.zeros((1, n_items), dtype=np.float32)
    row[0, list(items)] = 1.0
    return sp.csr_matrix(row)


@pytest.fixture(scope="module")
def interactions():
    """30 users in three taste clusters; programming items are the most popular."""
    rng = np.random.default_rng(0)
    rows = []
    for cluster, (lo, hi) in enumerate([(0, 4), (4, 8), (8, 12)]):
        for _ in range(10 + 15 * (cluster == 1)):
            row = np.zeros(N_ITEMS, dtype=np.float32)
            row[rng.choice(np.arange(lo, hi), size=3, replace=False)] = 1.0
            rows.append(row)
    return sp.csr_matrix(np.vstack(rows))


@pytest.mark.parametrize("name", ["itemknn", "ease", "als", "content", "wordvec", "blend"])
def test_user_who_watched_only_finance_gets_finance_first(name, interactions):
    model = model_fit(
        name, interactions, item_text=TEXTS, **({"factors": 4} if name == "als" else {})
    )
    user = history(0, 1)
    ranked = top_n(model.scores(user), 2, exclude=user)[0]
    assert set(ranked) <= {2, 3, 12}, ranked


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_excluded_items_never_appear_in_top_n(name, interactions):
    model = model_fit(
        name, interactions, item_text=TEXTS, **({"factors": 4} if name == "als" else {})
    )
    users = interactions[:5]
    ranked = top_n(model.scores(users), N_ITEMS, exclude=users)
    for u in range(5):
        owned = set(users[u].indices)
        shown = [i for i in ranked[u] if i >= 0]
        assert owned.isdisjoint(shown)
        assert len(shown) == N_ITEMS - len(owned)  # everything else is still offered
        assert (ranked[u][len(shown) :] == -1).all()  # the rest is padding


def test_top_n_orders_by_score_and_skips_minus_infinity():
    scores = np.array([[0.1, 0.9, -np.inf, 0.5]], dtype=np.float32)
    assert top_n(scores, 3).tolist() == [[1, 3, 0]]
    assert top_n(scores, 4).tolist() == [[1, 3, 0, -1]]


def test_cold_start_user_gets_popular_items(interactions):
    model = model_fit("blend", interactions, item_text=TEXTS)
    empty = sp.csr_matrix((1, N_ITEMS), dtype=np.float32)
    ranked = top_n(model.scores(empty), 4)[0]
    # the programming cluster has the most users, so its items are the most popular
    assert set(ranked) == {4, 5, 6, 7}


def test_new_item_without_interactions_is_recommended_by_content(interactions):
    assert interactions[:, 12].nnz == 0
    model = model_fit("blend", interactions, item_text=TEXTS)
    user = history(0, 1, 2, 3)
    ranked = top_n(model.scores(user), 3, exclude=user)[0]
    assert ranked[0] == 12
    # its detail page still gets neighbours: from content alone
    assert {i for i, _ in model.similar(12, 3)} <= {0, 1, 2, 3}


def test_unseen_user_rows_are_scored_without_refit(interactions):
    model = model_fit("als", interactions, factors=4)
    users = sp.vstack([history(8, 9), history(4)]).tocsr()
    scores = model.scores(users)
    assert scores.shape == (2, N_ITEMS) and scores.dtype == np.float32
    assert top_n(scores, 1, exclude=users)[0][0] in {10, 11}


def test_similar_items_come_from_the_same_cluster(interactions):
    model = model_fit("blend", interactions, item_text=TEXTS)
    neighbours = [i for i, _ in model.similar(5, 3)]
    assert set(neighbours) <= {4, 6, 7}


def test_unknown_model_or_parameter_is_refused(interactions):
    with pytest.raises(ValueError, match="unknown model"):
        model_fit("magic", interactions)
    with pytest.raises(ValueError, match="no parameter"):
        model_fit("ease", interactions, lamda=3)
    with pytest.raises(ValueError, match="item_text"):
        model_fit("content", interactions)


def test_diversify_caps_items_per_group():
    creator = np.array([0, 0, 0, 0, 1, 1, 2, 2, 3, 3])
    scores = np.linspace(1.0, 0.1, 10)
    out = diversify(np.arange(10), scores, groups=[creator], n=6, max_per_group=2)
    assert out.tolist() == [0, 1, 4, 5, 6, 7]
    assert np.bincount(creator[out]).max() <= 2


def test_diversify_caps_every_grouping_and_ignores_unlabelled():
    creator = np.array([0, 0, 1, 1, 2, -1, -1])
    category = np.array([5, 5, 5, 6, 6, 6, 7])
    out = diversify(
        np.arange(7), np.linspace(1, 0, 7), groups=[creator, category], n=4, max_per_group=2
    )
    assert out.tolist() == [0, 1, 3, 4]
    assert np.bincount(category[out]).max() <= 2


def test_diversify_tops_up_when_the_caps_leave_too_few():
    creator = np.zeros(5, dtype=int)
    out = diversify(np.arange(5), np.linspace(1, 0, 5), groups=[creator], n=3, max_per_group=1)
    assert out.tolist() == [0, 1, 2]


def test_diversify_ignores_a_grouping_in_which_no_item_has_a_group():
    # A second grouping of -1 labels (no group, never capped) must change nothing:
    # the same items in the same order, padding, caps and top-up included.
    rng = np.random.default_rng(5)
    for _ in range(500):
        size = int(rng.integers(1, 40))
        scores = rng.random(size).astype(np.float32)
        ranked = top_n(scores[None, :], int(rng.integers(1, size + 1)))[0]
        if rng.random() < 0.3:
            ranked[rng.integers(0, len(ranked))] = -1  # top_n's padding
        labels = rng.integers(-2, 6, size)
        n, cap = int(rng.integers(0, size + 2)), int(rng.integers(1, 4))
        one = diversify(ranked, scores, groups=[labels], n=n, max_per_group=cap)
        walked = diversify(
            ranked, scores, groups=[labels, np.full(size, -1)], n=n, max_per_group=cap
        )
        assert one.tolist() == walked.tolist()


def test_similar_items_of_a_block_are_those_of_each_item_alone():
    # similar_all ranks a block of items at once; ties, zeros and negatives included
    rng = np.random.default_rng(0)
    for _ in range(300):
        rows, cols = int(rng.integers(1, 8)), int(rng.integers(8, 15))
        first, n = int(rng.integers(0, cols - rows + 1)), int(rng.integers(0, cols + 2))
        block = rng.integers(-2, 4, (rows, cols)).astype(np.float32)
        alone = [_top_similar(row, first + r, n) for r, row in enumerate(block)]
        assert _top_similar_rows(block, first, n) == alone


def test_trimming_keeps_the_k_largest_magnitudes_of_every_row_block_by_block():
    rng = np.random.default_rng(3)
    matrix = rng.standard_normal((11, 9)).astype(np.float32)
    kept = _top_k_rows(matrix, 4, block=3).toarray()  # blocks of 3 rows, the last of 2
    for row, out in zip(matrix, kept, strict=True):
        biggest = np.argsort(-np.abs(row))[:4]
        assert sorted(np.flatnonzero(out)) == sorted(biggest)
        assert np.array_equal(out[biggest], row[biggest])
    assert _top_k_rows(matrix, 0).nnz == 0
    mostly_zero = np.where(np.abs(matrix) > 1.2, matrix, 0)  # the sparse path
    kept = _top_k_rows(mostly_zero, 2).toarray()
    for row, out in zip(mostly_zero, kept, strict=True):
        biggest = np.argsort(-np.abs(row))[: min(2, np.count_nonzero(row))]
        assert sorted(np.flatnonzero(out)) == sorted(biggest)
        assert np.array_equal(out[biggest], row[biggest])
    assert np.array_equal(_top_k_rows(matrix, 9).toarray(), matrix)


@pytest.mark.parametrize("name", ["itemknn", "ease", "content", "blend"])
def test_a_compacted_model_keeps_k_neighbours_and_still_ranks_finance_first(name, interactions):
    model = model_fit(name, interactions, item_text=TEXTS)
    dense = model.scores(history(0, 1))
    model.compact(4)
    matrices = [model.cf.b, model.content.sim] if name == "blend" else []
    matrices += [getattr(model, attr) for attr in ("b", "sim") if hasattr(model, attr)]
    for matrix in matrices:
        assert sp.issparse(matrix)
        assert np.diff(matrix.indptr).max() <= 4
    compact = model.scores(history(0, 1))
    assert compact.shape == dense.shape
    ranked = top_n(compact, 2, exclude=history(0, 1))[0]
    assert set(ranked) <= {2, 3, 12}
    assert all(j in (1, 2, 3, 12) for j, _ in model.similar(0, 3))


def test_compacting_with_k_at_least_the_catalogue_changes_no_score(interactions):
    model = model_fit("ease", interactions)
    dense = model.scores(history(4, 5))
    model.compact(N_ITEMS)
    np.testing.assert_allclose(model.scores(history(4, 5)), dense, rtol=1e-6)


@pytest.mark.parametrize("name", ["ease", "blend"])
def test_similar_all_gives_every_item_the_list_similar_gives_it(name, interactions):
    model = model_fit(name, interactions, item_text=TEXTS)
    every = model.similar_all(4, **({"block": 5} if name == "blend" else {}))
    assert len(every) == N_ITEMS
    for item in range(N_ITEMS):
        one = model.similar(item, 4)
        assert [j for j, _ in every[item]] == [j for j, _ in one]
        np.testing.assert_allclose([s for _, s in every[item]], [s for _, s in one], rtol=1e-5)


def test_stacked_model_tunes_its_weights_on_a_slice_and_refits_with_them():
    rng = np.random.default_rng(3)
    # two taste clusters of 20 items; each user takes 8 items of their own cluster
    rows = []
    for u in range(120):
        cluster = u % 2
        for item in rng.choice(20, size=8, replace=False):
            rows.append((u, cluster * 20 + item))
    users, items = np.array(rows).T
    x = sp.csr_matrix((np.ones(len(rows)), (users, items)), shape=(120, 40))
    model = model_fit("stacked", x)
    assert model.weights and set(model.weights) <= set(stacked.COMPONENTS)
    scores = model.scores(x[:4])
    assert scores.shape == (4, 40)
    # a user of cluster 0 is steered to cluster 0's items
    assert np.argsort(-scores[0])[:5].max() < 20
    again = model_fit("stacked", x, tune=False, **model.tuned_params)
    assert again.weights == model.weights
    np.testing.assert_allclose(again.scores(x[:4]), scores, rtol=1e-4, atol=1e-5)
