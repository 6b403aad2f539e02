"""Properties of the verifier's statistics (``proofs_checks/statistics.py``) and verdict rules
(``proofs_checks/verdicts.py``), each against a truth computed here by other means:

* Clopper-Pearson limits: the binomial tails they must solve, in exact rational arithmetic
  (``fractions``) for small ``n`` and with ``scipy.stats.binom`` plus root finding for large ``n``;
  their exact coverage, summed over every outcome;
* trial counts: brute force in exact rationals (all-pass), the forward regularized incomplete
  beta function scanned over every count (trials to decide);
* empirical-Bernstein bounds: Maurer and Pontil (2009), Theorem 4, transcribed from the paper
  (pairwise form of the sample variance), and their coverage by simulation;
* slopes: exact power laws, and the documented percentile bootstrap written out again;
* verdict rules: the binomial-tail form of each threshold (a limit is at least ``t`` exactly when
  a tail at ``t`` is at most ``alpha``), exact ties on dyadic rationals for ``>=`` against ``>``,
  and the module docstring's table transcribed for ``aggregate``.

The planted one-line bugs these tests catch (and the equivalent ones no test can) are listed in
``dev/MUTATION.md``.
"""

import itertools
import math
import statistics as pystats
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as hst
from scipy import optimize, special, stats

from rlcert.bounds import evaluate
from rlcert.bounds.concentration import empirical_bernstein_width
from rlcert.proofs_checks import statistics as st
from rlcert.proofs_checks.verdicts import (RATE_TOL, Verdict, aggregate, deterministic_rule,
                                           expectation_rule, expectation_verdict, frequency_rule,
                                           is_vacuous, probability_rule, rate_rule)

ALPHAS = hst.floats(1e-4, 0.3)
TIE = 1e-9  # relative distance of a tail from alpha below which a float limit may fall either side


# -- exact binomial tails --------------------------------------------------------------------------
def tail_ge(k: int, n: int, p: Fraction) -> Fraction:
    """Exact ``P(X >= k)`` for ``X ~ Bin(n, p)``."""
    return sum((math.comb(n, j) * p ** j * (1 - p) ** (n - j) for j in range(k, n + 1)),
               Fraction(0))


def tail_le(k: int, n: int, p: Fraction) -> Fraction:
    """Exact ``P(X <= k)`` for ``X ~ Bin(n, p)``."""
    return sum((math.comb(n, j) * p ** j * (1 - p) ** (n - j) for j in range(0, k + 1)),
               Fraction(0))


def near(a, b, rel=TIE) -> bool:
    return abs(float(a) - float(b)) <= rel * abs(float(b))


# -- Clopper-Pearson -------------------------------------------------------------------------------
@settings(max_examples=80)
@given(n=hst.integers(1, 30), data=hst.data(), alpha=ALPHAS)
def test_clopper_pearson_solves_the_exact_binomial_tails(n, data, alpha):
    """At the lower limit ``P(X >= k; p_L) = alpha`` (0 < k), at the upper limit ``P(X <= k; p_U)
    = alpha`` (k < n), evaluated exactly at the returned floats."""
    k = data.draw(hst.integers(0, n))
    lo, hi = st.clopper_pearson(k, n, alpha)
    if k > 0:
        assert 0.0 < lo < 1.0 and near(tail_ge(k, n, Fraction(lo)), alpha)
    if k < n:
        assert 0.0 < hi < 1.0 and near(tail_le(k, n, Fraction(hi)), alpha)


@settings(max_examples=60)
@given(n=hst.integers(1, 5000), frac=hst.floats(0, 1), alpha=ALPHAS)
@example(n=5000, frac=1.0, alpha=1e-4)
@example(n=5000, frac=0.0, alpha=1e-4)
@example(n=5000, frac=1 / 5000, alpha=0.3)
def test_clopper_pearson_equals_the_root_of_the_tail(n, frac, alpha):
    """Large ``n``: the limits equal the roots (brentq) of ``binom.sf(k - 1, n, p) = alpha`` and
    ``binom.cdf(k, n, p) = alpha``."""
    k = int(round(frac * n))
    lo, hi = st.clopper_pearson(k, n, alpha)
    if k > 0:
        root = optimize.brentq(lambda p: stats.binom.sf(k - 1, n, p) - alpha, 0.0, 1.0,
                               xtol=1e-300, rtol=1e-14, maxiter=500)
        assert abs(lo - root) <= 1e-9 * root
    if k < n:
        root = optimize.brentq(lambda p: stats.binom.cdf(k, n, p) - alpha, 0.0, 1.0,
                               xtol=1e-300, rtol=1e-14, maxiter=500)
        assert abs(hi - root) <= 1e-9 * root


@given(n=hst.integers(1, 2000), alpha=ALPHAS)
def test_clopper_pearson_edges(n, alpha):
    """k = 0: lower limit 0 and ``(1 - p_U)^n = alpha``; k = n: upper limit 1 and ``p_L^n =
    alpha``; no trials: the whole interval."""
    lo, hi = st.clopper_pearson(0, n, alpha)
    assert lo == 0.0 and hi == pytest.approx(-math.expm1(math.log(alpha) / n), rel=1e-10)
    lo, hi = st.clopper_pearson(n, n, alpha)
    assert hi == 1.0 and lo == pytest.approx(alpha ** (1.0 / n), rel=1e-12)
    assert st.clopper_pearson(0, 0, alpha) == (0.0, 1.0)


@settings(max_examples=40)
@given(n=hst.integers(1, 200), alpha=ALPHAS)
def test_clopper_pearson_is_monotone_in_k_and_brackets_the_frequency(n, alpha):
    lims = np.array([st.clopper_pearson(k, n, alpha) for k in range(n + 1)])
    assert np.all(np.diff(lims[:, 0]) > 0) and np.all(np.diff(lims[:, 1]) > 0)
    freq = np.arange(n + 1) / n
    assert np.all(lims[:, 0] <= freq) and np.all(freq <= lims[:, 1])  # alpha < 1/2


@settings(max_examples=40)
@given(n=hst.integers(1, 25), p=hst.fractions(0, 1, max_denominator=1000), alpha=ALPHAS)
def test_clopper_pearson_one_sided_coverage_is_exact(n, p, alpha):
    """Each one-sided limit holds with probability >= 1 - alpha, summed exactly over outcomes."""
    pmf = [math.comb(n, k) * p ** k * (1 - p) ** (n - k) for k in range(n + 1)]
    lims = [st.clopper_pearson(k, n, alpha) for k in range(n + 1)]
    miss_lo = sum((w for w, (lo, _) in zip(pmf, lims) if Fraction(lo) > p), Fraction(0))
    miss_hi = sum((w for w, (_, hi) in zip(pmf, lims) if Fraction(hi) < p), Fraction(0))
    assert float(miss_lo) <= alpha * (1 + TIE) and float(miss_hi) <= alpha * (1 + TIE)


# -- trial counts ----------------------------------------------------------------------------------
def all_pass_brute(delta: float, alpha: float, cells: int) -> int:
    """Smallest n with ``(alpha / cells)^(1/n) >= 1 - delta``, i.e. ``alpha / cells >= (1 -
    delta)^n``, in exact rationals on the floats the rule compares (``alpha / cells``, ``1.0 -
    delta``)."""
    return first_power_below(Fraction(1.0 - delta), Fraction(alpha / cells), strict=False)


def first_power_below(q: Fraction, t: Fraction, strict: bool) -> int:
    """Smallest ``n >= 1`` with ``q^n <= t`` (``q^n < t`` if strict), for ``0 < q < 1``, by
    trying n = 1, 2, ... in integers (``q^n <= t`` iff ``qn^n td <= tn qd^n``)."""
    n, num, den = 1, q.numerator, q.denominator
    while (num * t.denominator >= t.numerator * den if strict
           else num * t.denominator > t.numerator * den):
        n, num, den = n + 1, num * q.numerator, den * q.denominator
    return n


@settings(max_examples=80)
@given(delta=hst.floats(0.01, 0.6), alpha=ALPHAS, cells=hst.integers(1, 50))
@example(delta=0.05, alpha=0.05, cells=1)       # 59
@example(delta=0.05, alpha=0.05, cells=10)      # 104
@example(delta=0.5, alpha=2.0 ** -29, cells=1)  # exact tie: log ratio 29.000000000000004
@example(delta=0.5, alpha=2.0 ** -30, cells=2)
@example(delta=0.75, alpha=0.25, cells=4)       # exact tie at n = 2
@example(delta=0.001, alpha=0.05, cells=3)      # beyond the exact tie correction (n = 4093)
def test_trials_needed_all_pass_is_the_smallest_count(delta, alpha, cells):
    n = st.trials_needed_all_pass(delta, alpha, cells)
    assert n == all_pass_brute(delta, alpha, cells)
    # the count the rule itself needs: n all-passing trials hold at alpha / cells, n - 1 do not
    # (the float lower limit of an exact tie is tested below, so skip near-ties here)
    t, q = Fraction(alpha / cells), Fraction(1.0 - delta)
    if not near(q ** n, t, 1e-12):
        assert probability_rule(n, n, delta, alpha / cells)[0] is Verdict.HOLDS
    if n > 1 and not near(q ** (n - 1), t, 1e-12):
        assert probability_rule(n - 1, n - 1, delta, alpha / cells)[0] is not Verdict.HOLDS


def test_all_pass_counts_at_exact_ties():
    """Where ``alpha = (1 - delta)^n`` exactly (dyadic rationals), n trials suffice."""
    assert st.trials_needed_all_pass(0.5, 2.0 ** -29) == 29
    assert st.clopper_pearson(29, 29, 2.0 ** -29)[0] == 0.5
    assert st.trials_needed_all_pass(0.75, 0.0625) == 2
    assert st.trials_needed_all_pass(0.75, 0.25) == 1


def decides_independently(n: np.ndarray, p: float, target: float, alpha: float) -> np.ndarray:
    """The rule at ``p n`` successes out of ``n`` by the forward incomplete beta function: the
    lower limit (alpha-quantile of Beta(pn, (1-p)n + 1)) is >= target iff that distribution's CDF
    at target is <= alpha; the upper limit ((1 - alpha)-quantile of Beta(pn + 1, (1-p)n)) is <
    target iff its CDF at target is > 1 - alpha. Near-ties are NaN (either answer is right)."""
    n = n.astype(np.float64)
    if p > target:
        c = special.betainc(p * n, (1 - p) * n + 1, target)
        out = np.where(c <= alpha, 1.0, 0.0)
        out[np.abs(c - alpha) <= TIE * alpha] = np.nan
    else:
        c = special.betainc(p * n + 1, (1 - p) * n, target)
        out = np.where(c > 1 - alpha, 1.0, 0.0)
        out[np.abs(c - (1 - alpha)) <= TIE * alpha] = np.nan
    return out


@settings(max_examples=40)
@given(trials=hst.integers(1, 300), successes=hst.integers(0, 300), target=hst.floats(0.3, 0.99),
       alpha=hst.floats(1e-3, 0.2))
@example(trials=100, successes=97, target=0.95, alpha=0.05)
@example(trials=10, successes=3, target=0.5, alpha=0.05)
@example(trials=100, successes=95, target=0.95, alpha=0.05)  # p = target: nothing decides
def test_trials_to_decide_decides_there_and_not_before(trials, successes, target, alpha):
    """Under its assumption (``p n`` successes in ``n`` trials), the rule decides at the returned
    count and at no count between the current one and it; None only if p = target or no count
    up to max_trials decides."""
    successes = min(successes, trials)
    cap = 50_000
    got = st.trials_to_decide(successes, trials, target, alpha, max_trials=cap)
    p = successes / trials
    if p == target:
        assert got is None
        return
    n = np.arange(trials + 1, (got if got is not None else cap) + 1)
    d = decides_independently(n, p, target, alpha)
    if got is None:
        assert d[-1] != 1.0
    else:
        assert got > trials and d[-1] != 0.0
        assert np.all(d[:-1] != 1.0)
        assert np.all(decides_independently(np.array([got + 1, got + 7, 2 * got]), p, target,
                                            alpha) != 0.0)


@settings(max_examples=40)
@given(trials=hst.integers(1, 300), delta=hst.floats(0.005, 0.5), alpha=ALPHAS)
@example(trials=1, delta=0.5, alpha=0.25)   # exact tie: 0.25^(1/2) = 0.5 decides at 2
@example(trials=3, delta=0.5, alpha=2.0 ** -29)
def test_trials_to_decide_when_all_pass_is_the_all_pass_count(trials, delta, alpha):
    """With every trial passing, the lower limit at n is ``alpha^(1/n)``, so the count is the
    all-pass count (when beyond the current trials)."""
    want = max(trials + 1, all_pass_brute(delta, alpha, 1))
    t, q = Fraction(alpha), Fraction(1.0 - delta)
    exact_ties = [(0.5, 0.25), (0.5, 2.0 ** -29)]  # the float limit lands on the tie exactly
    if (delta, alpha) not in exact_ties and (near(q ** want, t, 1e-12)
                                             or near(q ** (want - 1), t, 1e-12)):
        return  # a near-tie: a float limit may fall either side
    assert st.trials_to_decide(trials, trials, 1.0 - delta, alpha) == want


@settings(max_examples=40)
@given(trials=hst.integers(1, 300), target=hst.floats(0.005, 0.5), alpha=ALPHAS)
@example(trials=1, target=0.5, alpha=0.25)  # exact tie: upper limit 1 - 0.25^(1/2) = 0.5 at 2
def test_trials_to_decide_when_all_fail(trials, target, alpha):
    """With every trial failing, the upper limit at n is ``1 - alpha^(1/n)``: it is < target iff
    ``alpha > (1 - target)^n``, first at the smallest such n (when beyond the current trials)."""
    t, q = Fraction(alpha), Fraction(1.0 - target)
    want = max(trials + 1, first_power_below(q, t, strict=True))
    if (trials, target, alpha) != (1, 0.5, 0.25) and (near(q ** want, t, 1e-12)
                                                     or near(q ** (want - 1), t, 1e-12)):
        return  # a near-tie: a float limit may fall either side
    assert st.trials_to_decide(0, trials, target, alpha) == want


def test_trials_to_decide_edges():
    assert st.trials_to_decide(0, 0, 0.9, 0.05) is None
    assert st.trials_to_decide(95, 100, 0.95, 0.05) is None
    assert st.trials_to_decide(9501, 10000, 0.95, 0.05) is None  # beyond 10^7 trials
    assert st.trials_to_decide(951, 1000, 0.95, 0.05, max_trials=10 ** 4) is None


# -- empirical Bernstein (Maurer and Pontil 2009, Theorem 4) ---------------------------------------
def maurer_pontil(values, alpha: float, value_range: float, lower: float = 0.0):
    """Maurer and Pontil (2009), Theorem 4: for i.i.d. ``Z_1..Z_n`` in [0, 1], ``n >= 2``, with
    probability >= 1 - delta, ``E Z <= Zbar + sqrt(2 V_n ln(2/delta) / n) + 7 ln(2/delta) /
    (3 (n - 1))``, ``V_n = (1 / (n (n - 1))) sum_{i<j} (Z_i - Z_j)^2``; the lower bound applies it
    to ``1 - Z`` (same ``V_n``). Values are rescaled ``Z = (X - lower) / range`` and the bounds
    clipped to [0, 1] before mapping back.

    The variance is clipped to 1/4 (the sample variance of n values in [0, 1] reaches n / (4 (n -
    1))). This keeps the guarantee: Theorem 4 is proved on the event where Bennett's inequality
    with the true variance ``sigma^2`` holds at delta/2 and ``sigma <= sqrt(V_n) + sqrt(2 ln(2 /
    delta) / (n - 1))``; there, since ``sigma^2 <= 1/4``, the deviation is at most ``sqrt(ln(2 /
    delta) / (2 n)) + ln(2/delta) / (3 n)``, which is below the width at ``V_n = 1/4``."""
    n = len(values)
    if n < 2 or value_range <= 0:
        return -math.inf, math.inf
    z = [(float(x) - lower) / value_range for x in values]
    v = math.fsum((z[i] - z[j]) ** 2 for i in range(n) for j in range(i + 1, n)) / (n * (n - 1))
    v = min(v, 0.25)
    log_term = math.log(2.0 / alpha)
    width = math.sqrt(2.0 * v * log_term / n) + 7.0 * log_term / (3.0 * (n - 1))
    zbar = math.fsum(z) / n
    return (lower + value_range * max(0.0, zbar - width),
            lower + value_range * min(1.0, zbar + width))


@hst.composite
def samples(draw, n_min=2, n_max=40):
    lower = draw(hst.floats(-5, 5))
    value_range = draw(hst.floats(0.1, 10))
    kind = draw(hst.sampled_from(["any", "two-point", "constant"]))
    n = draw(hst.integers(n_min, n_max))
    if kind == "any":
        u = draw(hst.lists(hst.floats(0, 1), min_size=n, max_size=n))
    elif kind == "two-point":  # the variance clip is active: V_n > 1/4
        u = [0.0, 1.0] * (n // 2) + [0.0] * (n % 2)
    else:
        u = [draw(hst.floats(0, 1))] * n
    return np.array([lower + value_range * x for x in u]), value_range, lower


@settings(max_examples=80)
@given(sample=samples(), alpha=ALPHAS)
@example(sample=(np.array([0.0, 1.0] * 10), 1.0, 0.0), alpha=0.05)
@example(sample=(np.array([0.2, 0.2, 0.21]), 1.0, 0.0), alpha=0.3)
def test_mean_confidence_bounds_are_theorem_4(sample, alpha):
    x, value_range, lower = sample
    mean, lo, hi = st.mean_confidence_bounds(x, alpha, value_range, lower=lower)
    want_lo, want_hi = maurer_pontil(x, alpha, value_range, lower)
    tol = 1e-12 * (abs(lower) + value_range)
    assert mean == pytest.approx(math.fsum(x) / x.size, abs=tol)
    assert abs(lo - want_lo) <= tol and abs(hi - want_hi) <= tol
    assert lower - tol <= lo <= mean + tol and mean - tol <= hi <= lower + value_range + tol


@settings(max_examples=30)
@given(n=hst.integers(2, 10 ** 6), v=hst.floats(0, 0.25), alpha=ALPHAS)
def test_theorem_4_width_matches_the_library_and_the_card(n, v, alpha):
    """The constant 7/3 and the n - 1 of the range term, in the transcription above, in
    ``empirical_bernstein_width`` and in the card ``concentration.empirical_bernstein``."""
    log_term = math.log(2.0 / alpha)
    width = math.sqrt(2.0 * v * log_term / n) + 7.0 * log_term / (3.0 * (n - 1))
    assert empirical_bernstein_width(float(n), alpha, v) == pytest.approx(width, rel=1e-12)
    assert evaluate("concentration.empirical_bernstein", n=n, delta=alpha, V_n=v) == \
        pytest.approx(width, rel=1e-12)


def test_mean_confidence_bounds_without_enough_data():
    assert st.mean_confidence_bounds([0.3], 0.05, 1.0)[1:] == (-math.inf, math.inf)
    mean, lo, hi = st.mean_confidence_bounds([], 0.05, 1.0)
    assert math.isnan(mean) and (lo, hi) == (-math.inf, math.inf)
    assert st.mean_confidence_bounds([0.3, 0.4], 0.05, 0.0)[1:] == (-math.inf, math.inf)


REPS = 2000


@pytest.mark.parametrize("name, n, draw, mu, value_range, lower", [
    ("Bernoulli(1/2)", 40, lambda g, s: g.integers(0, 2, s).astype(float), 0.5, 1.0, 0.0),
    ("Bernoulli(0.03)", 200, lambda g, s: (g.random(s) < 0.03).astype(float), 0.03, 1.0, 0.0),
    ("Beta(2, 5)", 100, lambda g, s: g.beta(2, 5, s), 2 / 7, 1.0, 0.0),
    ("U[-3, 2]", 30, lambda g, s: g.uniform(-3, 2, s), -0.5, 5.0, -3.0),
    ("5 + 3 Beta(0.3, 0.3)", 60, lambda g, s: 5 + 3 * g.beta(0.3, 0.3, s), 6.5, 3.0, 5.0),
])
def test_mean_confidence_bounds_cover(name, n, draw, mu, value_range, lower):
    """Each one-sided bound misses the mean with probability <= alpha. With 2000 repetitions the
    miss count of a valid bound is at most Bin(2000, alpha)'s 1 - 1e-6 quantile (a Monte Carlo
    false alarm rate of 1e-6 per assertion); the seed is fixed."""
    alpha = 0.1
    rng = np.random.default_rng(20090101)
    x = draw(rng, (REPS, n))
    bounds = np.array([st.mean_confidence_bounds(row, alpha, value_range, lower)[1:] for row in x])
    allowed = stats.binom.ppf(1 - 1e-6, REPS, alpha)
    assert np.sum(bounds[:, 0] > mu) <= allowed, name
    assert np.sum(bounds[:, 1] < mu) <= allowed, name
    # and the bounds are informative (a width clipped to the whole range would cover trivially)
    assert np.mean(bounds[:, 1] - bounds[:, 0]) < 0.9 * value_range, name


# -- CLT interval ----------------------------------------------------------------------------------
@given(x=hst.lists(hst.floats(-100, 100), min_size=2, max_size=30), alpha=ALPHAS)
def test_clt_interval_is_the_normal_interval(x, alpha):
    mean, lo, hi = st.clt_interval(x, alpha)
    half = pystats.NormalDist().inv_cdf(1 - alpha / 2) * pystats.stdev(x) / math.sqrt(len(x))
    m = pystats.fmean(x)
    tol = 1e-9 * (1 + max(abs(v) for v in x))
    assert abs(mean - m) <= tol and abs(lo - (m - half)) <= tol and abs(hi - (m + half)) <= tol


# -- slopes ----------------------------------------------------------------------------------------
@hst.composite
def power_laws(draw):
    a = draw(hst.floats(-3, 3))
    c = draw(hst.floats(1e-3, 1e3))
    x = np.unique(np.round(draw(hst.lists(hst.floats(1e-2, 1e4), min_size=2, max_size=25)), 6))
    x = np.append(x, x[-1] * 3.0 if x.size == 1 else [])  # at least two distinct points
    if np.log(x.max() / x.min()) < 0.5:
        x = np.append(x, x.max() * 2.0)
    return a, c, x


@settings(max_examples=60)
@given(law=power_laws(), junk=hst.lists(hst.tuples(hst.floats(-10, 10), hst.floats(-10, 10)),
                                        max_size=5), zeros_in=hst.sampled_from(["x", "y", "both"]))
def test_loglog_slope_is_exact_on_power_laws(law, junk, zeros_in):
    """``y = c x^a`` gives slope ``a``; points with x <= 0 or y <= 0 are dropped."""
    a, c, x = law
    y = c * x ** a
    assert st.loglog_slope(x, y) == pytest.approx(a, abs=1e-8)
    bad = [(0.0, 5.0), (2.0, 0.0)]  # points with a non-positive coordinate, put anywhere
    for u, v in junk:
        if zeros_in in ("x", "both"):
            bad.append((-abs(u), abs(v) + 1.0))
        if zeros_in in ("y", "both"):
            bad.append((abs(u) + 1.0, -abs(v)))
    bad_x, bad_y = zip(*bad)
    xs, ys = np.concatenate([bad_x, x]), np.concatenate([bad_y, y])
    perm = np.random.default_rng(len(junk)).permutation(xs.size)
    assert st.loglog_slope(xs[perm], ys[perm]) == pytest.approx(a, abs=1e-8)


def test_loglog_slope_needs_two_positive_points():
    assert math.isnan(st.loglog_slope([1.0, 0.0, -2.0], [3.0, 1.0, 1.0]))
    assert math.isnan(st.loglog_slope([1.0, 2.0], [3.0, 0.0]))
    assert st.loglog_slope([1.0, 2.0, 0.0], [3.0, 6.0, 1.0]) == pytest.approx(1.0, abs=1e-12)


@settings(max_examples=25)
@given(law=power_laws(), rows=hst.integers(2, 12), scales=hst.booleans())
def test_bootstrap_slope_on_noiseless_data(law, rows, scales):
    """Identical trials: every resample is the same curve, so the interval is ``[a, a]`` with
    width exactly 0; trials ``c_i x^a``: every resampled mean is still a power law of exponent
    ``a``."""
    a, c, x = law
    k = np.geomspace(0.5, 2.0, rows) if scales else np.ones(rows)
    curves = c * k[:, None] * x[None, :] ** a
    s, lo, hi = st.bootstrap_slope(x, curves, n_boot=50)
    if not scales:
        assert lo == s == hi
    assert s == pytest.approx(a, abs=1e-8)
    assert lo - 1e-8 <= a <= hi + 1e-8 and hi - lo <= 2e-8
    one = st.bootstrap_slope(x, curves[:1])
    assert one[0] == pytest.approx(a, abs=1e-8) and math.isnan(one[1]) and math.isnan(one[2])


def test_bootstrap_slope_is_the_documented_percentile_interval():
    """Two-sided ``1 - 2 alpha`` percentile interval over trials resampled with replacement
    (``default_rng(seed).integers`` row draws), slopes by least squares written out here."""
    rng = np.random.default_rng(5)
    x = np.geomspace(10, 1e4, 12)
    curves = x ** 0.5 * rng.lognormal(0.0, 0.3, (15, 12))
    alpha, n_boot, seed = 0.1, 300, 3

    def lsq_slope(y):
        design = np.column_stack([np.log(x), np.ones_like(x)])
        return np.linalg.lstsq(design, np.log(y), rcond=None)[0][0]

    draws = np.random.default_rng(seed)
    boots = [lsq_slope(curves[draws.integers(0, 15, 15)].mean(axis=0)) for _ in range(n_boot)]
    s, lo, hi = st.bootstrap_slope(x, curves, alpha=alpha, n_boot=n_boot, seed=seed)
    assert s == pytest.approx(lsq_slope(curves.mean(axis=0)), abs=1e-10)
    assert lo == pytest.approx(np.quantile(boots, alpha), abs=1e-10)
    assert hi == pytest.approx(np.quantile(boots, 1 - alpha), abs=1e-10)


def test_bootstrap_slope_per_n_is_the_documented_percentile_interval():
    """Two-sided ``1 - alpha`` percentile interval, trials resampled independently at each n."""
    rng = np.random.default_rng(6)
    ns = np.array([10, 30, 100, 300, 1000])
    values = [n ** -0.5 * rng.lognormal(0.0, 0.4, 8 + j) for j, n in enumerate(ns)]
    alpha, n_boot, seed = 0.1, 300, 4
    design = np.column_stack([np.log(ns), np.ones(ns.size)])

    def lsq_slope(means):
        return np.linalg.lstsq(design, np.log(means), rcond=None)[0][0]

    draws = np.random.default_rng(seed)
    boots = [lsq_slope([v[draws.integers(0, v.size, v.size)].mean() for v in values])
             for _ in range(n_boot)]
    s, lo, hi = st.bootstrap_slope_per_n(ns, values, alpha=alpha, n_boot=n_boot, seed=seed)
    assert s == pytest.approx(lsq_slope([v.mean() for v in values]), abs=1e-10)
    assert lo == pytest.approx(np.quantile(boots, alpha / 2), abs=1e-10)
    assert hi == pytest.approx(np.quantile(boots, 1 - alpha / 2), abs=1e-10)


@settings(max_examples=20)
@given(law=power_laws(), per=hst.integers(1, 6))
def test_bootstrap_slope_per_n_on_noiseless_data(law, per):
    a, c, x = law
    s, lo, hi = st.bootstrap_slope_per_n(x, [np.full(per, c * v ** a) for v in x], n_boot=50)
    assert s == pytest.approx(a, abs=1e-8)
    assert lo - 1e-8 <= a <= hi + 1e-8 and hi - lo <= 2e-8


# -- verdict rules ---------------------------------------------------------------------------------
def binomial_verdict_exact(k, n, target, alpha):
    """The probability rule through tails at the target (None on a near-tie): the lower limit is
    >= target iff ``P(X >= k; target) <= alpha`` (the tail grows with p and is alpha at p_L), the
    upper limit is < target iff ``P(X <= k; target) < alpha`` (it falls with p and is alpha at
    p_U)."""
    t = Fraction(target)
    ge = tail_ge(k, n, t) if k > 0 else None
    le = tail_le(k, n, t) if k < n else None
    if (ge is not None and near(ge, alpha)) or (le is not None and near(le, alpha)):
        return None
    if le is not None and le < alpha:
        return Verdict.VIOLATED
    if ge is not None and ge <= alpha:
        return Verdict.HOLDS
    return Verdict.INCONCLUSIVE


@settings(max_examples=100)
@given(n=hst.integers(1, 40), data=hst.data(), delta=hst.floats(0.001, 0.6), alpha=ALPHAS)
def test_probability_rule_against_exact_limits(n, data, delta, alpha):
    k = data.draw(hst.integers(max(0, n - 6), n) if data.draw(hst.booleans())
                  else hst.integers(0, n))
    verdict, lo, hi, more = probability_rule(k, n, delta, alpha)
    assert (lo, hi) == st.clopper_pearson(k, n, alpha)
    want = binomial_verdict_exact(k, n, 1.0 - delta, alpha)
    if want is not None:
        assert verdict is want, (k, n, lo, hi)
    # the documented comparisons on the returned limits, whatever the rounding
    target = 1.0 - delta
    assert verdict is (Verdict.VIOLATED if hi < target else
                       Verdict.HOLDS if lo >= target else Verdict.INCONCLUSIVE)
    if verdict is Verdict.INCONCLUSIVE:
        assert more == st.trials_to_decide(k, n, target, alpha)
    else:
        assert more is None


@settings(max_examples=40)
@given(n=hst.integers(41, 3000), data=hst.data(), delta=hst.floats(0.001, 0.3),
       alpha=ALPHAS)
def test_probability_rule_against_scipy_tails(n, data, delta, alpha):
    target = 1.0 - delta
    k = data.draw(hst.integers(max(0, int(n * target) - 40), min(n, int(n * target) + 40)))
    verdict = probability_rule(k, n, delta, alpha)[0]
    ge = stats.binom.sf(k - 1, n, target) if k > 0 else 1.0
    le = stats.binom.cdf(k, n, target) if k < n else 1.0
    if near(ge, alpha, 1e-7) or near(le, alpha, 1e-7):
        return
    want = (Verdict.VIOLATED if le < alpha else Verdict.HOLDS if ge <= alpha
            else Verdict.INCONCLUSIVE)
    assert verdict is want


def test_probability_rule_at_exact_ties():
    """Dyadic ties where the exact limit equals 1 - delta: ``0.25^(1/2) = 0.5``, ``1 - 0.25^(1/2)
    = 0.5``, ``0.0625^(1/4) = 0.5``; holds at lo = target, not violated at hi = target."""
    assert st.clopper_pearson(2, 2, 0.25) == (0.5, 1.0)
    assert st.clopper_pearson(0, 2, 0.25) == (0.0, 0.5)
    assert st.clopper_pearson(4, 4, 0.0625)[0] == 0.5
    assert probability_rule(2, 2, 0.5, 0.25)[0] is Verdict.HOLDS
    assert probability_rule(4, 4, 0.5, 0.0625)[0] is Verdict.HOLDS
    assert probability_rule(1, 1, 0.75, 0.25)[0] is Verdict.HOLDS  # lo = 0.25 = 1 - 0.75
    assert probability_rule(0, 2, 0.5, 0.25)[0] is Verdict.INCONCLUSIVE  # hi = 0.5 = target


def frequency_verdict_exact(k, n, bound, alpha):
    """``P(event) <= bound``: violated iff lo > bound iff ``P(X >= k; bound) < alpha``; holds iff
    hi <= bound iff ``P(X <= k; bound) <= alpha`` (k < n; at k = n, hi = 1 > bound)."""
    b = Fraction(bound)
    ge = tail_ge(k, n, b) if k > 0 else None
    le = tail_le(k, n, b) if k < n else None
    if (ge is not None and near(ge, alpha)) or (le is not None and near(le, alpha)):
        return None
    if ge is not None and ge < alpha:
        return Verdict.VIOLATED
    if le is not None and le <= alpha:
        return Verdict.HOLDS
    return Verdict.INCONCLUSIVE


@settings(max_examples=100)
@given(n=hst.integers(1, 40), data=hst.data(), bound=hst.floats(0.001, 0.999), alpha=ALPHAS)
def test_frequency_rule_against_exact_limits(n, data, bound, alpha):
    k = data.draw(hst.integers(0, n))
    verdict = frequency_rule(k, n, bound, alpha)
    want = frequency_verdict_exact(k, n, bound, alpha)
    if want is not None:
        assert verdict is want
    lo, hi = st.clopper_pearson(k, n, alpha)
    assert verdict is (Verdict.VIOLATED if lo > bound else
                       Verdict.HOLDS if hi <= bound else Verdict.INCONCLUSIVE)


def test_frequency_rule_at_exact_ties():
    assert frequency_rule(2, 2, 0.5, 0.25) is Verdict.INCONCLUSIVE  # lo = 0.5 = bound
    assert frequency_rule(0, 2, 0.5, 0.25) is Verdict.HOLDS         # hi = 0.5 = bound
    assert frequency_rule(0, 2, np.nextafter(0.5, 0), 0.25) is Verdict.INCONCLUSIVE
    assert frequency_rule(2, 2, np.nextafter(0.5, 0), 0.25) is Verdict.VIOLATED


def expectation_truth(lo, hi, bound, margin):
    """The table's expectation rule on (transcribed) bounds; None within ``margin`` of a
    threshold."""
    if abs(lo - bound) <= margin or abs(hi - bound) <= margin:
        return None
    return (Verdict.VIOLATED if lo > bound else Verdict.HOLDS if hi <= bound
            else Verdict.INCONCLUSIVE)


@settings(max_examples=80)
@given(sample=samples(n_max=30), alpha=ALPHAS, where=hst.floats(-0.3, 1.3),
       at=hst.sampled_from(["free", "lo", "hi", "below lo", "above hi", "below hi"]))
def test_expectation_rule_at_and_around_its_thresholds(sample, alpha, where, at):
    x, value_range, lower = sample
    x = x - lower  # the rule's range starts at 0
    mean, lo, hi = st.mean_confidence_bounds(x, alpha, value_range)
    bound = {"free": where * value_range, "lo": lo, "hi": hi, "below lo": np.nextafter(lo, -1e9),
             "above hi": np.nextafter(hi, 1e9), "below hi": np.nextafter(hi, -1e9)}[at]
    verdict, m, vlo, vhi = expectation_rule(x, bound, alpha, value_range)
    assert (m, vlo, vhi) == (mean, lo, hi)
    assert verdict is (Verdict.VIOLATED if lo > bound else Verdict.HOLDS if hi <= bound
                       else Verdict.INCONCLUSIVE)
    want = expectation_truth(*maurer_pontil(x, alpha, value_range), bound, 1e-10 * value_range)
    if want is not None:
        assert verdict is want
    if at == "hi":
        assert verdict is Verdict.HOLDS
    if at == "lo" and lo < hi:
        assert verdict is Verdict.INCONCLUSIVE


@settings(max_examples=80)
@given(sample=samples(n_max=30), alpha=ALPHAS, where=hst.floats(-0.3, 1.6),
       trivial_at=hst.floats(0.0, 3.0),
       at=hst.sampled_from(["free", "lower", "upper", "trivial", "below trivial"]))
def test_expectation_verdict_at_and_around_its_thresholds(sample, alpha, where, trivial_at, at):
    x, value_range, lower = sample
    trivial = lower + trivial_at * value_range
    upper_end = lower + value_range
    lo_b, hi_b = st.mean_confidence_bounds(x, alpha, upper_end - lower, lower=lower)[1:]
    bound = {"free": lower + where * value_range, "lower": lo_b, "upper": hi_b,
             "trivial": trivial, "below trivial": np.nextafter(trivial, -1e9)}[at]
    verdict, vlo, vhi = expectation_verdict(x, bound, lower, upper_end, trivial, alpha)
    assert (vlo, vhi) == (lo_b, hi_b)
    if bound >= trivial:
        assert verdict is Verdict.VACUOUS
        return
    assert verdict is (Verdict.HOLDS if hi_b <= bound else Verdict.VIOLATED if lo_b > bound
                       else Verdict.INCONCLUSIVE)
    want = expectation_truth(*maurer_pontil(x, alpha, value_range, lower), bound,
                             1e-10 * (abs(lower) + value_range))
    if want is not None:
        assert verdict is want


def test_expectation_verdict_at_exact_thresholds():
    """Values in [2, 5]: holds when the upper confidence bound equals the bound, inconclusive at
    the lower one, violated just below it; vacuous from the trivial bound up."""
    x = 2.0 + 3.0 * np.random.default_rng(7).beta(2, 5, 400)
    lower, upper = st.mean_confidence_bounds(x, 0.05, 3.0, lower=2.0)[1:]
    assert 2.0 < lower < upper < 5.0
    assert expectation_verdict(x, upper, 2.0, 5.0, 5.0, 0.05)[0] is Verdict.HOLDS
    assert expectation_verdict(x, np.nextafter(upper, 0), 2.0, 5.0, 5.0, 0.05)[0] is \
        Verdict.INCONCLUSIVE
    assert expectation_verdict(x, lower, 2.0, 5.0, 5.0, 0.05)[0] is Verdict.INCONCLUSIVE
    assert expectation_verdict(x, np.nextafter(lower, 0), 2.0, 5.0, 5.0, 0.05)[0] is \
        Verdict.VIOLATED
    assert expectation_verdict(x, upper, 2.0, 5.0, upper, 0.05)[0] is Verdict.VACUOUS
    assert expectation_verdict(x, upper, 2.0, 5.0, np.nextafter(upper, 9), 0.05)[0] is \
        Verdict.HOLDS


def test_expectation_verdict_vacuous_first():
    x = np.full(50, 0.9)  # the mean is far above the bound, but the bound is trivial
    assert expectation_verdict(x, 1.0, 0.0, 1.0, 1.0, 0.05)[0] is Verdict.VACUOUS
    assert expectation_verdict(x, 0.1, 0.0, 1.0, 1.0, 0.05)[0] is Verdict.VIOLATED


CELL_WORDS = [Verdict.HOLDS, Verdict.VIOLATED, Verdict.INCONCLUSIVE, Verdict.VACUOUS]


def aggregate_table(vs):
    """The docstring, clause by clause: violated if any cell is, vacuous if all are, holds if
    every non-vacuous cell holds, inconclusive otherwise."""
    if any(v is Verdict.VIOLATED for v in vs):
        return Verdict.VIOLATED
    if all(v is Verdict.VACUOUS for v in vs):
        return Verdict.VACUOUS
    if all(v is Verdict.HOLDS for v in vs if v is not Verdict.VACUOUS):
        return Verdict.HOLDS
    return Verdict.INCONCLUSIVE


def test_aggregate_every_combination():
    lists = [c for r in range(6) for c in itertools.product(CELL_WORDS, repeat=r)]
    lists += [c for r in range(1, 4) for c in itertools.product(list(Verdict), repeat=r)]
    for vs in lists:
        assert aggregate(vs) is aggregate_table(vs), vs
        assert aggregate(iter(vs)) is aggregate_table(vs), vs


@given(vs=hst.lists(hst.sampled_from(CELL_WORDS), max_size=30))
def test_aggregate_long_lists(vs):
    assert aggregate(vs) is aggregate_table(vs)


@given(claimed=hst.floats(-3, 3), offset=hst.floats(-1, 1))
def test_rate_rule(claimed, offset):
    assert RATE_TOL > 0
    lower = claimed + offset
    want = Verdict.INCONSISTENT if lower > claimed + RATE_TOL else Verdict.CONSISTENT
    assert rate_rule(lower, claimed) is want


@pytest.mark.parametrize("claimed", [-1.0, -0.5, 0.0, 0.5, 1.0 / 3.0, 2.0])
def test_rate_rule_at_its_threshold(claimed):
    edge = claimed + RATE_TOL
    assert rate_rule(edge, claimed) is Verdict.CONSISTENT
    assert rate_rule(np.nextafter(edge, np.inf), claimed) is Verdict.INCONSISTENT
    assert rate_rule(claimed + RATE_TOL / 2, claimed) is Verdict.CONSISTENT
    assert rate_rule(claimed, claimed) is Verdict.CONSISTENT
    assert rate_rule(claimed - 1.0, claimed) is Verdict.CONSISTENT
    assert rate_rule(math.nan, claimed) is Verdict.REPORTED


@given(bound=hst.floats(-1e6, 1e6), trivial=hst.floats(-1e6, 1e6))
@example(bound=3.0, trivial=3.0)
def test_is_vacuous(bound, trivial):
    assert is_vacuous(bound, trivial) is (bound >= trivial)
    assert is_vacuous(trivial, trivial) is True
    assert is_vacuous(np.nextafter(trivial, -np.inf), trivial) is False


@given(passed=hst.lists(hst.booleans(), max_size=20))
def test_deterministic_rule(passed):
    want = Verdict.HOLDS if all(passed) else Verdict.VIOLATED
    assert deterministic_rule(passed) is want
    assert deterministic_rule(np.array(passed, dtype=bool)) is want


def test_only_violated_fails():
    assert [v for v in Verdict if v.fails] == [Verdict.VIOLATED]
