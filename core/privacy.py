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
from collections.abc import Mapping

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
    counts: Mapping[str, int], *, epsilon: float, threshold: int | None = None
) -> dict[str, int | None]:
    """Every cell plus Laplace(1/epsilon) noise, rounded, at least 0, and None where
    the noisy value is below the threshold. Precondition: each person counts in one
    cell at most (else divide epsilon by how many cells one person can touch)."""
    if epsilon <= 0:
        raise ValueError("epsilon must be positive")
    released = {}
    for key, count in counts.items():
        noisy = max(0, round(count + laplace(1.0 / epsilon)))
        released[key] = suppress(noisy, threshold)
    return released
