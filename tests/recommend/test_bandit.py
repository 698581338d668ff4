"""The bandit that shares "For you" traffic across ranking variants: on a simulated
click stream it moves the traffic to the variant people click most, keeps every
variant at its floor, and stops a variant whose purchases drop."""

import numpy as np
import pytest

from recommend.bandit import ArmStats, Policy, stopped_by_guardrail, thompson_shares

TRUE_CTR = {"stacked": 0.060, "itemknn": 0.045, "popularity": 0.030}


def _simulate(days, per_day=3000, seed=0, policy=None, purchase=None):
    """Each day `per_day` impressions are split by the current shares; clicks (and
    purchases) come from each variant's true rates. Returns the shares after each day."""
    rng = np.random.default_rng(seed)
    policy = policy or Policy()
    totals = {n: [0, 0, 0] for n in TRUE_CTR}
    shares = {n: 1 / len(TRUE_CTR) for n in TRUE_CTR}
    history, stopped = [], set()
    for _ in range(days):
        shown = rng.multinomial(per_day, [shares[n] for n in TRUE_CTR])
        for n, count in zip(TRUE_CTR, shown, strict=True):
            totals[n][0] += int(count)
            totals[n][1] += int(rng.binomial(count, TRUE_CTR[n]))
            totals[n][2] += int(rng.binomial(count, (purchase or {}).get(n, 0.01)))
        stats = {n: ArmStats(*t) for n, t in totals.items()}
        stopped |= stopped_by_guardrail(stats, policy, rng)
        shares = thompson_shares(stats, previous=shares, policy=policy, stopped=stopped, rng=rng)
        history.append(shares)
    return history, stopped


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_traffic_converges_on_the_variant_people_click_most(seed):
    history, stopped = _simulate(30, seed=seed)
    last = history[-1]
    assert not stopped
    assert last["stacked"] >= 0.85
    # the others keep their floor: still measured, never starved
    assert last["itemknn"] == pytest.approx(0.05, abs=0.03)
    assert last["popularity"] == pytest.approx(0.05, abs=1e-6)
    assert all(abs(sum(s.values()) - 1) < 1e-5 for s in history)
    # the traffic's click-through: close to always showing the best variant, well above
    # the fixed even split (0.045)
    expected = sum(last[n] * TRUE_CTR[n] for n in TRUE_CTR)
    assert expected > 0.057


def test_shares_move_at_most_the_step_per_update():
    history, _ = _simulate(10)
    before = {n: 1 / 3 for n in TRUE_CTR}
    step = Policy().max_step
    for shares in history:
        assert all(abs(shares[n] - before[n]) <= step + 1e-5 for n in TRUE_CTR)
        before = shares
    # the best variant climbs step by step: 1/3 + 0.1 per day until it reaches 0.9
    assert history[0]["stacked"] == pytest.approx(1 / 3 + step, abs=1e-5)
    first_at_top = next(day for day, shares in enumerate(history, 1) if shares["stacked"] >= 0.9)
    assert 5 <= first_at_top <= 8


def test_equal_variants_keep_sharing_the_traffic():
    rng = np.random.default_rng(5)
    stats = {n: ArmStats(20_000, 1000) for n in ("a", "b", "c")}
    shares = thompson_shares(stats, rng=rng)
    assert all(abs(s - 1 / 3) < 0.05 for s in shares.values())


def test_no_data_yet_is_an_even_split_and_one_variant_gets_everything():
    shares = thompson_shares({n: ArmStats(0, 0) for n in "ab"}, rng=np.random.default_rng(0))
    assert shares == pytest.approx({"a": 0.5, "b": 0.5}, abs=0.03)
    assert thompson_shares({"only": ArmStats(10, 1)}) == {"only": 1.0}


def test_a_variant_whose_purchases_drop_is_stopped_even_if_people_click_it():
    # itemknn is clicked well but sells at a third of the others' rate
    history, stopped = _simulate(
        20, purchase={"stacked": 0.012, "itemknn": 0.004, "popularity": 0.012}
    )
    assert stopped == {"itemknn"}
    assert history[-1]["itemknn"] == 0.0
    assert sum(history[-1].values()) == pytest.approx(1.0)


def test_the_guardrail_waits_for_enough_impressions_and_never_stops_everything():
    rng = np.random.default_rng(0)
    few = {"a": ArmStats(500, 50, 10), "b": ArmStats(500, 50, 0)}
    assert stopped_by_guardrail(few, Policy(), rng) == set()
    many = {"a": ArmStats(50_000, 500, 500), "b": ArmStats(50_000, 500, 100)}
    assert stopped_by_guardrail(many, Policy(), rng) == {"b"}
    shares = thompson_shares(many, stopped={"a", "b"}, rng=rng)
    assert sum(shares.values()) == pytest.approx(1.0)
