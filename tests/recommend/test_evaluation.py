"""Metric functions on hand-computed cases; the evaluation command on a slice of real data."""

import json
import math
import os
import re

import numpy as np
import pytest
import scipy.sparse as sp
from django.core.management import CommandError, call_command

from recommend import datasets
from recommend.datasets import split_per_user
from recommend.evaluation import (
    coverage,
    hits_matrix,
    ndcg_at_k,
    paired_ratio_interval,
    precision_at_k,
    recall_at_k,
)


def test_metrics_on_a_hand_computed_case():
    # user 0: relevant {1, 5}, ranked [1, 2, 5] -> hits at ranks 1 and 3
    # user 1: relevant {4},    ranked [0, 2, 3] -> no hit
    ranked = np.array([[1, 2, 5], [0, 2, 3]])
    relevant = sp.csr_matrix(([1, 1, 1], ([0, 0, 1], [1, 5, 4])), shape=(2, 6))
    hits = hits_matrix(ranked, relevant)
    assert hits.tolist() == [[True, False, True], [False, False, False]]
    n_rel = np.array([2, 1])
    assert precision_at_k(hits, 3).tolist() == pytest.approx([2 / 3, 0.0])
    assert recall_at_k(hits, n_rel, 3).tolist() == pytest.approx([1.0, 0.0])
    dcg = 1 + 1 / math.log2(4)
    idcg = 1 + 1 / math.log2(3)
    assert ndcg_at_k(hits, n_rel, 3).tolist() == pytest.approx([dcg / idcg, 0.0])
    assert coverage(ranked, 6) == pytest.approx(5 / 6)


def test_ndcg_is_one_for_a_perfect_ranking_and_ignores_padding():
    ranked = np.array([[3, 7, -1]])
    relevant = sp.csr_matrix(([1, 1], ([0, 0], [3, 7])), shape=(1, 8))
    hits = hits_matrix(ranked, relevant)
    assert ndcg_at_k(hits, np.array([2]), 3)[0] == pytest.approx(1.0)
    assert coverage(ranked, 8) == pytest.approx(2 / 8)


def test_per_user_split_is_seeded_and_disjoint():
    full = sp.csr_matrix(np.ones((3, 8), dtype=np.float32))
    train, test = split_per_user(full, 0.25, seed=7)
    again, _ = split_per_user(full, 0.25, seed=7)
    assert (train != again).nnz == 0
    assert train.multiply(test).nnz == 0
    assert (train + test != full).nnz == 0
    assert np.diff(test.indptr).tolist() == [2, 2, 2]


def _require_data():
    if not (datasets.data_dir() / "ml-100k" / "u.data").exists():
        if os.environ.get("REQUIRE_REAL_SERVICES") == "1":
            pytest.fail(f"{datasets.data_dir()} is missing: the shared evaluation data is required")
        pytest.skip("shared evaluation data not available")


def test_ua_split_holds_ten_ratings_per_user():
    _require_data()
    split = datasets.load("ml100k-ua")
    assert split.train.shape == (943, 1682)
    assert set(np.diff(split.test.indptr)) == {10}
    assert split.train.multiply(split.test).nnz == 0
    assert "Toy Story" in split.item_text[0]


def test_evaluate_command_on_a_slice_of_movielens_and_mooccube(capsys):
    _require_data()
    call_command(
        "recommend_evaluate",
        "--data", "ml100k,mooccube", "--split", "random",
        "--models", "popularity,itemknn,ease,content,blend",
        "--limit-users", "60",
        "--json",
    )  # fmt: skip
    out = json.loads(capsys.readouterr().out)
    assert [(d["data"], d["split"]) for d in out] == [("ml100k", "random"), ("mooccube", "random")]
    for data in out:
        by = {r["model"]: r for r in data["results"]}
        assert set(by) == {"popularity", "itemknn", "ease", "content", "blend"}
        assert all(r["users"] == 60 for r in by.values())
        # learned models beat the popularity list clearly, even on 60 users
        assert by["ease"]["ndcg"] > 1.3 * by["popularity"]["ndcg"]
        assert by["blend"]["ndcg"] > 1.3 * by["popularity"]["ndcg"]
        assert 0 < by["popularity"]["coverage"] < by["blend"]["coverage"] <= 1


def test_evaluate_command_prints_a_table(capsys):
    _require_data()
    call_command("recommend_evaluate", "--data", "ml100k-ub", "--models", "popularity",
                 "--limit-users", "20")  # fmt: skip
    out = capsys.readouterr().out
    assert "ub.base/ub.test" in out
    assert "NDCG@10" in out and "popularity" in out


def test_paired_interval_separates_a_real_difference_from_noise():
    rng = np.random.default_rng(1)
    base = rng.uniform(0, 1, 500)
    ratio, low, high = paired_ratio_interval(base, base)
    assert ratio == 1.0 and low == 1.0 and high == 1.0
    # the same users, each a little better: a clear win
    ratio, low, high = paired_ratio_interval(base * 1.1, base)
    assert low > 1.05 and high < 1.15
    # unrelated noise of the same size: 4.5% ahead on the mean, yet a tie
    ratio, low, high = paired_ratio_interval(rng.uniform(0, 1, 500), base)
    assert ratio > 1.04 and low < 1.0 < high
    with pytest.raises(ValueError):
        paired_ratio_interval(base, base[:10])


def test_evaluate_command_prints_the_shipped_model_against_the_best_baseline(capsys):
    _require_data()
    call_command("recommend_evaluate", "--data", "mooccube", "--split", "random",
                 "--models", "popularity,ease,itemknn,stacked", "--limit-users", "200")  # fmt: skip
    out = capsys.readouterr().out
    assert re.search(r"stacked/EASE NDCG [0-9.]+x \(95% CI [0-9.]+-[0-9.]+\)", out)
    # and split by how much history the users have (short histories: cold start)
    assert re.search(r"history 1-2 items: \d+ users, EASE [0-9.]+, stacked [0-9.]+", out)
    last = out.strip().splitlines()[-1]
    found = re.fullmatch(
        r"recommend mooccube random ndcg@10 ([0-9.]+) "
        r"best (ease|itemknn) ([0-9.]+) ratio ([0-9.]+)",
        last,
    )
    assert found, last
    shipped, best, ratio = float(found[1]), float(found[3]), float(found[4])
    assert ratio == pytest.approx(shipped / best, abs=2e-3)


@pytest.mark.django_db
def test_evaluate_command_runs_on_the_sites_own_events(capsys, shelf):
    from recommend import services
    from tests.factories import UserFactory

    for topic in ("finance", "technology"):
        for _ in range(6):
            person = UserFactory()
            for obj in shelf[topic]:
                services.event_record(user=person, kind="view", item=obj)
    call_command("recommend_evaluate", "--data", "site", "--models", "popularity,ease,blend",
                 "--json")  # fmt: skip
    (data,) = json.loads(capsys.readouterr().out)
    assert data["data"] == "site" and data["users"] == 12 and data["test"] > 0
    by = {r["model"]: r for r in data["results"]}
    assert set(by) == {"popularity", "ease", "blend"}
    # one taste per person: the held-out items are the rest of their topic
    assert by["blend"]["ndcg"] > by["popularity"]["ndcg"]


@pytest.mark.django_db
def test_evaluate_command_on_an_empty_site_says_there_is_nothing_to_measure(capsys):
    call_command("recommend_evaluate", "--data", "site")
    assert "site: no held-out interactions to evaluate; skipped" in capsys.readouterr().err


def test_evaluate_command_refuses_bad_options():
    with pytest.raises(CommandError, match="unknown model"):
        call_command("recommend_evaluate", "--models", "magic")
    with pytest.raises(CommandError, match="unknown data"):
        call_command("recommend_evaluate", "--data", "netflix")


def test_missing_data_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("RECOMMEND_DATA_DIR", str(tmp_path))
    with pytest.raises(CommandError, match="is missing"):
        call_command("recommend_evaluate", "--data", "ml100k", "--models", "popularity")


def test_time_split_holds_out_each_users_newest_item():
    from recommend.datasets import _ordered, recency, split_last

    order = _ordered(
        np.array([0, 0, 0, 1, 1, 2]), np.array([3, 1, 2, 0, 3, 1]),
        np.array([30, 10, 20, 5, 1, 7]), (3, 4),
    )  # fmt: skip
    train, test = split_last(order)
    assert test.nonzero()[1].tolist() == [3, 0]  # user 0: item 3 (time 30); user 1: item 0
    assert train[2].nonzero()[1].tolist() == [1]  # one item only: kept for training
    weights = recency(train, half_items=1.0)
    assert weights[0, 2] == 1.0 and weights[0, 1] == 0.5  # the newer item weighs more
