"""Private aggregates: small counts suppressed, breakdowns with Laplace noise.

Audience figures a creator or staff member sees must not single anyone out
(docs/privacy.md, "Private analytics"):

- `suppress(count)`: a headline count below PRIVACY_MIN_COUNT (5) is shown as "fewer
  than 5", never exactly.
- `noisy_histogram(counts, epsilon)`: a breakdown (viewers by session, by source)
  where each person falls in one group at most. Adding or removing one person then
  changes one cell by at most 1 (L1 sensitivity 1), so adding Laplace(1/epsilon)
  noise to every cell releases the whole histogram under epsilon-differential
  privacy (Dwork and Roth, "The Algorithmic Foundations of Differential Privacy",
  3.3 and parallel composition). The noisy values are rounded, clamped at 0 and
  suppressed below the threshold: post-processing spends no privacy.

The budget (epsilon per creator per day) is kept by the caller, which stores each
release and shows it again instead of drawing new noise (repeated draws would
average the noise away); see recommend.audience.
"""

import math
import secrets
from collections.abc import Iterable, Mapping

from django.conf import settings

_rng = secrets.SystemRandom()  # the OS's CSPRNG: noise an observer cannot predict


def laplace(scale: float) -> float:
    """One draw from Laplace(0, scale), by inverting its CDF."""
    u = _rng.random() - 0.5  # in [-0.5, 0.5)
    while u == -0.5:  # log(0) would be infinite
        u = _rng.random() - 0.5
    return -scale * math.copysign(1.0, u) * math.log(1 - 2 * abs(u))


def suppress(count: int, threshold: int | None = None) -> int | None:
    """`count`, or None ("fewer than the threshold") when it is too small to show."""
    threshold = settings.PRIVACY_MIN_COUNT if threshold is None else threshold
    return count if count >= threshold else None


def noisy_histogram(
    counts: Mapping[str, int],
    *,
    epsilon: float,
    threshold: int | None = None,
    domain: Iterable[str] | None = None,
    delta: float | None = None,
) -> dict[str, int | None]:
    """Every cell plus Laplace(1/epsilon) noise, rounded, at least 0, and None where
    the noisy value is below the threshold. Precondition: each person counts in one
    cell at most (else divide epsilon by how many cells one person can touch).

    Which cells appear must not depend on the data either, or a cell's presence
    alone tells that somebody is in it:

    - `domain`: the cells are known in advance (devices, a creator's own items):
      every one of them is released, with noise, zero counts included; counts
      outside it are refused. Pure epsilon-DP.
    - `delta`: the cells come from the data (cities): a cell is released only if its
      noisy count reaches `open_domain_threshold(epsilon, delta)`, which makes the
      whole release (epsilon, delta)-DP (Korolova et al. 2009; Wilson et al.,
      "Differentially private SQL with bounded user contribution", 2020, 3.2). The
      rest are left out without a trace.
    - neither: the keys of `counts` are taken as public (the caller's promise).
    """
    if epsilon <= 0:
        raise ValueError("epsilon must be positive")
    cells = dict(counts)
    cut = 0.0
    if domain is not None:
        public = list(domain)
        unknown = set(cells) - set(public)
        if unknown:
            raise ValueError(f"cells outside the domain: {sorted(unknown)!r}")
        cells = {key: cells.get(key, 0) for key in public}
    elif delta is not None:
        cut = open_domain_threshold(epsilon, delta)
    released: dict[str, int | None] = {}
    for key, count in cells.items():
        if count < 0:
            raise ValueError("counts cannot be negative")
        noisy = count + laplace(1.0 / epsilon)
        if domain is None and delta is not None and (count == 0 or noisy < cut):
            continue  # an open-domain cell below the cut is not released at all
        released[key] = suppress(max(0, round(noisy)), threshold)
    return released


def open_domain_threshold(epsilon: float, delta: float) -> float:
    """The noisy count a data-chosen cell needs to be released at all: with one cell
    per person, a cell that exists only because of one person (count 1) passes
    with probability at most delta."""
    if not 0 < delta < 1:
        raise ValueError("delta must be between 0 and 1")
    return 1.0 + math.log(1.0 / (2.0 * delta)) / epsilon
