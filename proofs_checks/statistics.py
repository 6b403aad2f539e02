r"""The statistics behind the verdicts.

* :func:`clopper_pearson`: exact one-sided binomial limits. With ``k`` successes in ``n`` trials,
  the lower limit ``B^{-1}(alpha; k, n-k+1)`` and the upper limit ``B^{-1}(1-alpha; k+1, n-k)``
  each hold with probability ``>= 1 - alpha`` (Clopper and Pearson 1934).
* :func:`trials_needed_all_pass`: the number of trials that must all succeed for the lower
  limit to clear ``1 - delta`` at family-wise level ``alpha`` over ``m`` cells,
  ``ceil(log(alpha / m) / log(1 - delta))`` (59 at m = 1, delta = alpha = 0.05; 104 at m = 10).
* :func:`mean_confidence_bounds`: one-sided confidence bounds on a mean of i.i.d. values in a
  known range ``[0, b]`` by the empirical Bernstein inequality of Maurer and Pontil (2009,
  Thm 4), variance-adaptive (Hoeffding over the full range is too wide to decide anything).
* :func:`loglog_slope` and :func:`bootstrap_slope`: least-squares slope of ``log y`` against
  ``log x`` and its percentile bootstrap interval over trials.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from scipy import stats

from rlcert.bounds.concentration import empirical_bernstein_width


def clopper_pearson(successes: int, trials: int, alpha: float = 0.05) -> tuple[float, float]:
    """One-sided Clopper-Pearson lower and upper limits (each at confidence ``1 - alpha``)."""
    if trials <= 0:
        return 0.0, 1.0
    lo = 0.0 if successes == 0 else float(stats.beta.ppf(alpha, successes, trials - successes + 1))
    hi = 1.0 if successes == trials else float(stats.beta.ppf(1 - alpha, successes + 1,
                                                              trials - successes))
    return lo, hi


def trials_needed_all_pass(delta: float, alpha: float, cells: int = 1) -> int:
    """Trials that must all succeed for the lower limit to reach ``1 - delta`` at level
    ``alpha / cells``: the smallest ``n`` with ``(alpha / cells)^(1/n) >= 1 - delta``, i.e.
    ``ceil(log(alpha / cells) / log(1 - delta))``."""
    level, target = alpha / cells, 1.0 - delta
    n = int(math.ceil(math.log(level) / math.log(target)))
    # at an exact tie (level = target^k) the quotient of logarithms can round above k (delta =
    # 1/2, alpha = 2^-29 gives 29.000000000000004): settle the neighbours in exact rationals;
    # exact ties need k <= 1074, so larger counts skip this
    if n <= 2_000:
        t, q = Fraction(level), Fraction(target)
        while n > 1 and q ** (n - 1) <= t:
            n -= 1
        while q ** n > t:
            n += 1
    return n


def trials_to_decide(successes: int, trials: int, target: float, alpha: float,
                     max_trials: int = 10 ** 7) -> int | None:
    """Assuming the observed frequency ``p = successes / trials`` persists, the smallest total
    number of trials ``n > trials`` at which the Clopper-Pearson rule decides (lower limit
    ``B^{-1}(alpha; p n, (1 - p) n + 1) >= target`` if ``p > target``, upper limit
    ``B^{-1}(1 - alpha; p n + 1, (1 - p) n) < target`` if ``p < target``); None if ``p`` equals
    the target (no number of trials decides) or no ``n <= max_trials`` does. ``p n`` successes
    are taken as they come, not rounded: the limits then move monotonically towards ``p`` as
    ``n`` grows, so the rule decides at the returned count, at every later one and at none
    before, and bisection finds it (rounded success counts decide at scattered ``n``)."""
    if trials == 0:
        return None
    p = successes / trials
    if p == target:
        return None

    def decides(n: int) -> bool:
        if p > target:
            return float(stats.beta.ppf(alpha, p * n, (1.0 - p) * n + 1.0)) >= target
        return float(stats.beta.ppf(1.0 - alpha, p * n + 1.0, (1.0 - p) * n)) < target

    below, n = trials, trials + 1  # the rule does not decide at `below`, is tried at `n`
    while not decides(n):
        if n >= max_trials:
            return None
        below, n = n, min(2 * n, max_trials)
    while n - below > 1:
        mid = (below + n) // 2
        below, n = (below, mid) if decides(mid) else (mid, n)
    return n


def mean_confidence_bounds(values, alpha: float, value_range: float,
                           lower: float = 0.0) -> tuple[float, float, float]:
    """Mean and one-sided lower/upper confidence bounds (each at ``1 - alpha``) for i.i.d.
    values in ``[lower, lower + value_range]``: the empirical Bernstein inequality of Maurer and
    Pontil (2009, Thm 4) on the values rescaled to [0, 1], clipped to the range."""
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    mean = float(x.mean()) if n else math.nan
    if n < 2 or value_range <= 0:
        return mean, -math.inf, math.inf
    z = (x - lower) / value_range
    width = empirical_bernstein_width(float(n), alpha, min(float(z.var(ddof=1)), 0.25))
    zm = float(z.mean())
    return (mean, lower + value_range * max(0.0, zm - width),
            lower + value_range * min(1.0, zm + width))


def clt_interval(values, alpha: float = 0.05) -> tuple[float, float, float]:
    """``(mean, lower, upper)``: the two-sided normal-approximation interval of a mean, for
    reported quantities that claim no pass/fail."""
    x = np.asarray(values, dtype=np.float64)
    half = float(stats.norm.ppf(1 - alpha / 2) * x.std(ddof=1) / math.sqrt(x.size))
    m = float(x.mean())
    return m, m - half, m + half


def loglog_slope(x, y) -> float:
    """Least-squares slope of ``log y`` on ``log x`` (positive entries only)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    keep = (x > 0) & (y > 0)
    if keep.sum() < 2:
        return math.nan
    return float(np.polyfit(np.log(x[keep]), np.log(y[keep]), 1)[0])


def bootstrap_slope_per_n(ns, values_per_n, alpha: float = 0.05, n_boot: int = 2000,
                          seed: int = 0) -> tuple[float, float, float]:
    """Slope of ``log mean`` on ``log n`` when each ``n`` has its own independent trials
    (``values_per_n[j]``, e.g. one tuned run per horizon), with a two-sided ``1 - alpha``
    percentile bootstrap interval (trials resampled independently at each ``n``)."""
    logn = np.log(np.asarray(ns, dtype=np.float64))
    means = np.array([np.mean(v) for v in values_per_n])
    slope = float(np.polyfit(logn, np.log(means), 1)[0])
    rng = np.random.default_rng(seed)
    boot = np.empty(n_boot)
    for b in range(n_boot):
        m = [np.mean(v[rng.integers(0, len(v), len(v))]) for v in values_per_n]
        boot[b] = np.polyfit(logn, np.log(m), 1)[0]
    lo, hi = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
    return slope, float(lo), float(hi)


def bootstrap_slope(x, curves, alpha: float = 0.05, n_boot: int = 400,
                    seed: int = 0) -> tuple[float, float, float]:
    """Slope of the mean curve over trials (rows of ``curves``) against ``x`` on log-log axes,
    with a two-sided ``1 - 2 alpha`` percentile bootstrap interval over trials."""
    curves = np.atleast_2d(np.asarray(curves, dtype=np.float64))
    slope = loglog_slope(x, curves.mean(axis=0))
    if curves.shape[0] < 2:
        return slope, math.nan, math.nan
    rng = np.random.default_rng(seed)
    boots = np.empty(n_boot)
    for b in range(n_boot):
        idx = rng.integers(0, curves.shape[0], curves.shape[0])
        boots[b] = loglog_slope(x, curves[idx].mean(axis=0))
    return slope, float(np.nanquantile(boots, alpha)), float(np.nanquantile(boots, 1 - alpha))
