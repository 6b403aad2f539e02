"""Tests that pin ``rlcert.proofs_checks.verdicts`` and ``statistics`` to independent truth,
written to kill the survivors of the mutation runs of ``dev/mutate.py`` (see ``dev/MUTATION.md``).

Expected values come from the documented rules (the verdict table of ``verdicts.py``), the
normal approximation of the binomial (a second method for the count that decides), and the
definitions of the estimators re-typed here.
"""

import math

import numpy as np
import pytest

from rlcert.bounds import selfcheck
from rlcert.proofs_checks import statistics as st
from rlcert.proofs_checks.verdicts import RATE_TOL, Verdict, rate_rule


def test_rate_tolerance_is_a_twentieth_of_an_exponent():
    """The rate rule tolerates a slope up to 0.05 above the claim (the same tolerance as the
    catalog's own rate self-check): a measured ``n^-0.44`` against a claimed ``n^-0.5`` is
    consistent, ``n^-0.44`` with lower limit 0.06 above the claim is not, and neither is a
    slope a tenth or a whole unit above it."""
    assert RATE_TOL == selfcheck.RATE_TOL == 0.05
    claimed = -0.5
    assert rate_rule(claimed + 0.04, claimed) is Verdict.CONSISTENT
    assert rate_rule(claimed + 0.06, claimed) is Verdict.INCONSISTENT
    assert rate_rule(claimed + 0.1, claimed) is Verdict.INCONSISTENT
    assert rate_rule(claimed + 1.0, claimed) is Verdict.INCONSISTENT
    assert rate_rule(1.0 + 0.0499, 1.0) is Verdict.CONSISTENT


def test_clopper_pearson_without_trials_is_the_whole_interval():
    """No trials carry no information: the limits are exactly 0 and 1 at any level (also for a
    negative count of trials)."""
    for alpha in (1e-6, 0.05, 0.5):
        assert st.clopper_pearson(0, 0, alpha) == (0.0, 1.0)
        assert st.clopper_pearson(0, -3, alpha) == (0.0, 1.0)


def test_trials_to_decide_near_the_target_matches_the_normal_approximation():
    """With ``p = 0.5002`` against target 0.5 at ``alpha = 0.05`` the rule decides where ``p -
    z_{0.95} sqrt(p (1 - p) / n) = 0.5``, i.e. near ``n = z^2 p (1 - p) / 0.0002^2 = 1.69e7``
    (normal approximation, a second method): beyond the default cap of ``10^7`` trials (None)
    and found within 2 % of the approximation when the cap is lifted."""
    z = 1.6448536269514722
    p, g = 0.5002, 0.0002
    approx = z * z * p * (1 - p) / g ** 2
    assert st.trials_to_decide(5002, 10000, 0.5, 0.05) is None
    n = st.trials_to_decide(5002, 10000, 0.5, 0.05, max_trials=4 * 10 ** 7)
    assert n is not None and abs(n - approx) <= 0.02 * approx
    # below the target by the same amount: the upper limit decides, symmetric count
    m = st.trials_to_decide(4998, 10000, 0.5, 0.05, max_trials=4 * 10 ** 7)
    assert m is not None and abs(m - approx) <= 0.02 * approx


def test_trials_to_decide_far_from_the_target_matches_the_normal_approximation():
    """Far from the target (``p = 0.6`` against 0.5, 0.4 against 0.5) the deciding count is
    within 25 % of the normal approximation ``z^2 p (1 - p) / (p - target)^2`` and above the
    observed ``trials``."""
    z = 1.6448536269514722
    for k in (6, 4):
        p = k / 10
        approx = z * z * p * (1 - p) / (p - 0.5) ** 2
        n = st.trials_to_decide(k, 10, 0.5, 0.05)
        assert n is not None and n > 10 and abs(n - approx) <= 0.25 * approx


def test_mean_confidence_bounds_with_a_zero_range_say_nothing():
    """A zero or negative range gives no bounds (``-inf``, ``inf``) and the plain mean."""
    for rng in (0.0, -1.0):
        mean, lo, hi = st.mean_confidence_bounds([0.2, 0.4, 0.9], 0.05, rng)
        assert mean == pytest.approx(0.5) and lo == -math.inf and hi == math.inf


def test_mean_confidence_bounds_map_back_to_the_original_scale():
    """For values in ``[lower, lower + range]`` with ``lower != 0`` both bounds are ``lower +
    range * clip(zbar -/+ w)`` with ``w`` the Maurer-Pontil width of the rescaled sample
    (re-typed here), and the lower bound is clipped at ``lower`` when the width is large."""
    rng = np.random.default_rng(3)
    lower, value_range, alpha = -3.0, 5.0, 0.05
    x = lower + value_range * rng.beta(2.0, 5.0, 400)
    z = (x - lower) / value_range
    n, v = z.size, min(z.var(ddof=1), 0.25)
    L = math.log(2 / alpha)
    w = math.sqrt(2 * v * L / n) + 7 * L / (3 * (n - 1))
    mean, lo, hi = st.mean_confidence_bounds(x, alpha, value_range, lower=lower)
    assert mean == pytest.approx(x.mean(), rel=1e-12)
    assert lo == pytest.approx(lower + value_range * max(0.0, z.mean() - w), rel=1e-12)
    assert hi == pytest.approx(lower + value_range * min(1.0, z.mean() + w), rel=1e-12)
    assert lower < lo < mean < hi < lower + value_range
    # three values: the width exceeds the range, both ends clip
    mean, lo, hi = st.mean_confidence_bounds([-2.0, -1.0, 0.0], alpha, value_range, lower=lower)
    assert lo == lower and hi == lower + value_range


def test_clt_interval_is_symmetric_about_the_mean():
    """``mean -/+ z_{1 - alpha/2} s / sqrt(n)`` with ``s`` the sample standard deviation
    (``z_{0.975} = 1.959963984540054``)."""
    x = np.array([1.0, 2.0, 4.0, 7.0, 11.0])
    s = math.sqrt(sum((v - 5.0) ** 2 for v in x) / 4)
    half = 1.959963984540054 * s / math.sqrt(5)
    m, lo, hi = st.clt_interval(x)
    assert m == 5.0 and lo == pytest.approx(5.0 - half, rel=1e-12)
    assert hi == pytest.approx(5.0 + half, rel=1e-12)


def test_loglog_slope_of_decreasing_power_laws():
    """The slope keeps its sign: ``y = 3 x^-0.5`` gives ``-0.5``, ``y = x^2`` gives 2."""
    x = np.array([1.0, 4.0, 16.0, 64.0])
    assert st.loglog_slope(x, 3 * x ** -0.5) == pytest.approx(-0.5, abs=1e-12)
    assert st.loglog_slope(x, x ** 2) == pytest.approx(2.0, abs=1e-12)


def _all_pass_brute_force(delta, alpha, cells):
    """Smallest ``n >= 1`` with ``(1 - delta)^n <= alpha / cells``, in exact rationals of the
    floats."""
    from fractions import Fraction

    t, q = Fraction(alpha / cells), Fraction(1.0 - delta)
    n = 1
    while q ** n > t:
        n += 1
    return n


def test_all_pass_count_one_float_either_side_of_a_tie():
    """At ``alpha`` one float below or above ``(1 - delta)^k`` (``delta`` = 1/2 and 3/4, ``k`` up
    to 40) the logarithm quotient rounds to ``k`` either way, while the answers differ: ``k + 1``
    below the tie, ``k`` above it. The count equals the brute-force search in exact
    rationals."""
    for delta in (0.5, 0.75):
        for k in range(2, 41):
            tie = (1.0 - delta) ** k
            for alpha in (float(np.nextafter(tie, 0.0)), tie, float(np.nextafter(tie, 1.0))):
                if alpha >= 1.0:
                    continue
                assert st.trials_needed_all_pass(delta, alpha) == _all_pass_brute_force(
                    delta, alpha, 1), (delta, k, alpha)
        tie = (1.0 - delta) ** 7
        assert st.trials_needed_all_pass(delta, float(np.nextafter(tie, 0.0))) == 8
        assert st.trials_needed_all_pass(delta, tie) == 7
