"""Traffic shares of the ranking variants by Thompson sampling (numpy only, no Django).

Each variant (arm) has a Beta posterior on its click-through rate: Beta(1 + clicks,
1 + impressions - clicks). A variant's share of the traffic is the posterior
probability that it is the best one, estimated by drawing from every posterior at
once (`DRAWS` times) and counting who wins; so a variant that is clearly worse loses
its traffic, and one that may still be better keeps some of it (exploration).

- floor: every running variant keeps at least `floor` of the traffic (so a variant
  that had a bad start still gets looked at, and its curve goes on);
- guardrail: a variant is stopped (share 0, no floor) when, with posterior
  probability >= `guard_confidence`, its purchases per impression are below
  `guard_ratio` of the best variant's, once it has `guard_min_impressions`;
- shares move at most `max_step` per update (traffic does not swing on one noisy day).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DRAWS = 4000


@dataclass(frozen=True)
class ArmStats:
    impressions: int
    clicks: int
    purchases: int = 0


@dataclass(frozen=True)
class Policy:
    floor: float = 0.05
    max_step: float = 0.1
    guard_ratio: float = 0.7
    guard_confidence: float = 0.95
    guard_min_impressions: int = 2000


def _beta_draws(successes: np.ndarray, trials: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """DRAWS x arms samples of each arm's Beta(1 + s, 1 + n - s) posterior."""
    failures = np.maximum(trials - successes, 0)
    return rng.beta(1.0 + successes, 1.0 + failures, size=(DRAWS, successes.size))


def stopped_by_guardrail(
    stats: dict[str, ArmStats], policy: Policy, rng: np.random.Generator
) -> set[str]:
    """Variants whose purchase rate is, with confidence, well below the best one's."""
    names = sorted(stats)
    if len(names) < 2:
        return set()
    shown = np.array([stats[n].impressions for n in names], dtype=np.float64)
    bought = np.array([min(stats[n].purchases, stats[n].impressions) for n in names], float)
    draws = _beta_draws(bought, shown, rng)
    best = int(np.argmax((1.0 + bought) / (2.0 + shown)))  # posterior mean
    out = set()
    for i, name in enumerate(names):
        if i == best or shown[i] < policy.guard_min_impressions:
            continue
        below = np.mean(draws[:, i] < policy.guard_ratio * draws[:, best])
        if below >= policy.guard_confidence:
            out.add(name)
    return out


def thompson_shares(
    stats: dict[str, ArmStats],
    *,
    previous: dict[str, float] | None = None,
    policy: Policy | None = None,
    stopped: set[str] | frozenset[str] = frozenset(),
    rng: np.random.Generator | None = None,
) -> dict[str, float]:
    """The next traffic share of every variant of `stats` (they sum to 1; stopped
    variants get 0). `previous`: the shares now, for the step limit."""
    policy = policy or Policy()
    rng = rng or np.random.default_rng()
    names = sorted(stats)
    running = [n for n in names if n not in stopped] or names  # never stop them all
    clicks = np.array([min(stats[n].clicks, stats[n].impressions) for n in running], float)
    shown = np.array([stats[n].impressions for n in running], dtype=np.float64)
    draws = _beta_draws(clicks, shown, rng)
    wins = np.bincount(np.argmax(draws, axis=1), minlength=len(running)) / DRAWS
    target = _with_floor(dict(zip(running, wins.tolist(), strict=True)), policy.floor)
    if previous:
        target = _step_limited(target, previous, policy)
    return {n: round(target.get(n, 0.0), 6) for n in names}


def _with_floor(shares: dict[str, float], floor: float) -> dict[str, float]:
    """Raise every share to `floor` at least, taking it from those above, summing to 1."""
    floor = min(floor, 1.0 / len(shares))
    out = dict(shares)
    for _ in range(len(out)):
        low = {n for n, s in out.items() if s <= floor}
        rest = sum(out[n] for n in out if n not in low)
        spare = 1.0 - floor * len(low)
        out = {n: floor if n in low else out[n] * spare / rest if rest > 0 else 0 for n in out}
        if all(s >= floor - 1e-12 for s in out.values()):
            break
    total = sum(out.values())
    return {n: s / total for n, s in out.items()}


def _step_limited(
    target: dict[str, float], previous: dict[str, float], policy: Policy
) -> dict[str, float]:
    """Move from `previous` towards `target`, every variant by the same fraction of the
    way, so that none moves more than `max_step` (a mix of two splits that both keep
    the floor keeps it too). A variant new to `previous` starts from an equal share;
    a stopped one (target 0) leaves at once."""
    equal = 1.0 / len(target)
    now = {n: previous.get(n, equal) if target[n] > 0 else 0.0 for n in target}
    total = sum(now.values())
    if total <= 0:
        return target
    now = {n: s / total for n, s in now.items()}
    gap = max(abs(target[n] - now[n]) for n in target)
    t = 1.0 if gap <= policy.max_step else policy.max_step / gap
    return {n: now[n] + t * (target[n] - now[n]) for n in target}
