"""Word vectors trained on the catalogue's own text: items that share no word are close
when their words keep the same company, where TF-IDF sees nothing at all."""

import numpy as np
import pytest
import scipy.sparse as sp

from recommend import evaluation
from recommend.algorithms import model_fit, top_n

# "股票" (stocks) and "bonds" never meet in one text, but both keep company with
# "investing" and "money"; "面包" (bread) keeps company with "baking" and "kitchen".
CONTEXT = (
    ["股票 investing money portfolio"] * 6
    + ["bonds investing money portfolio"] * 6
    + ["面包 baking kitchen oven"] * 6
    + ["cake baking kitchen oven"] * 6
)
STOCKS, BONDS, BREAD = len(CONTEXT), len(CONTEXT) + 1, len(CONTEXT) + 2
TEXTS = CONTEXT + ["股票", "bonds", "面包"]


def _fit(name, texts=TEXTS):
    return model_fit(name, sp.csr_matrix((3, len(texts)), dtype=np.float32), item_text=texts)


def test_items_with_no_shared_word_are_close_by_word_vectors_and_not_by_tfidf():
    tfidf, words = _fit("content"), _fit("wordvec")
    assert tfidf.sim[STOCKS, BONDS] == 0 and tfidf.sim[STOCKS, BREAD] == 0
    assert words.sim[STOCKS, BONDS] > 0.5
    assert words.sim[STOCKS, BONDS] > words.sim[STOCKS, BREAD] + 0.3
    # a learner who watched the stocks item is offered the bonds item before the bread
    watched = sp.csr_matrix(([1.0], ([0], [STOCKS])), shape=(1, len(TEXTS)), dtype=np.float32)
    scores = words.scores(watched)
    assert scores[0, BONDS] > scores[0, BREAD]


def test_the_same_texts_give_the_same_vectors():
    np.testing.assert_array_equal(_fit("wordvec").sim, _fit("wordvec").sim)


def test_an_item_without_text_gets_no_vector_and_a_model_without_text_is_refused():
    words = _fit("wordvec", TEXTS + [""])
    assert not words.has_text[-1] and words.has_text[:-1].all()
    assert not words.sim[-1].any()
    with pytest.raises(ValueError, match="item_text"):
        model_fit("wordvec", sp.csr_matrix((2, 3), dtype=np.float32))
    empty = _fit("wordvec", ["", "的", ""])  # stop words only: no vectors, no error
    assert not empty.sim.any()


def test_a_compacted_word_vector_model_ranks_as_before():
    words = _fit("wordvec")
    watched = sp.csr_matrix(([1.0], ([0], [STOCKS])), shape=(1, len(TEXTS)), dtype=np.float32)
    before = top_n(words.scores(watched), 3, exclude=watched)[0]
    words.compact(len(TEXTS))
    assert sp.issparse(words.sim)
    assert list(top_n(words.scores(watched), 3, exclude=watched)[0]) == list(before)


def test_unshared_neighbour_lift_rewards_word_vectors_that_follow_co_consumption():
    # each user takes three items of one topic: finance (stocks, bonds) or baking
    finance = [*range(12), STOCKS, BONDS]
    baking = [*range(12, 24), BREAD]
    rng = np.random.default_rng(0)
    rows = [rng.choice(finance if u % 2 else baking, 3, replace=False) for u in range(80)]
    users = np.repeat(np.arange(len(rows)), 3)
    train = sp.csr_matrix(
        (np.ones(users.size), (users, np.concatenate(rows))), shape=(len(rows), len(TEXTS))
    )
    lift, measured = evaluation.unshared_neighbour_lift(train, TEXTS, k=2)
    assert measured == len(TEXTS)  # every item has unshared pairs to rank
    # the nearest unshared items by word vectors are the same topic's: taken together
    assert lift > 1.5
    # and with co-consumption that ignores the topics, no lift
    shuffled = sp.csr_matrix(
        (np.ones(240), (np.repeat(np.arange(80), 3), rng.integers(0, len(TEXTS), 240))),
        shape=(80, len(TEXTS)),
    )
    assert evaluation.unshared_neighbour_lift(shuffled, TEXTS, k=2)[0] < 1.3
