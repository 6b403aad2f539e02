"""Concentration widths: each compiled function equals its card, and Monte Carlo coverage (with
fixed seeds, >= 20000 draws) shows validity (the one-sided 99% Clopper-Pearson upper limit of the
coverage frequency is >= 1 - delta) and power (each width is at most 5x the exact quantile of the
deviation, so that an infinite width cannot pass)."""

import math

import numpy as np
import pytest
from scipy import stats

from rlcert.bounds import concentration as conc
from rlcert.bounds import evaluate

DELTA = 0.05
DRAWS = 20000


def cp_upper(successes: int, trials: int, level: float = 0.99) -> float:
    """One-sided Clopper-Pearson upper limit of a binomial proportion."""
    if successes == trials:
        return 1.0
    return float(stats.beta.ppf(level, successes + 1, trials - successes))


def assert_valid_and_powerful(covered: np.ndarray, width: float, deviations: np.ndarray,
                              delta: float = DELTA) -> None:
    assert cp_upper(int(covered.sum()), covered.size) >= 1 - delta
    quantile = float(np.quantile(deviations, 1 - delta))
    assert width <= 5 * quantile, (width, quantile)


# -- functions equal their cards -------------------------------------------------------------------
@pytest.mark.parametrize("n", [1, 2, 10, 1000, 10 ** 7])
@pytest.mark.parametrize("delta", [1e-6, 0.05, 0.5])
def test_functions_equal_cards(n, delta):
    rel = 1e-12
    assert conc.hoeffding_width(n, delta, 2.0) == pytest.approx(
        evaluate("concentration.hoeffding", n=n, delta=delta, b=2.0), rel=rel)
    assert conc.bernstein_width(n, delta, 0.3, 1.5) == pytest.approx(
        evaluate("concentration.bernstein", n=n, delta=delta, sigma2=0.3, b=1.5), rel=rel)
    assert conc.kl_radius(n, delta) == pytest.approx(
        evaluate("concentration.kl_bernoulli", n=n, delta=delta), rel=rel)
    assert conc.time_uniform_hoeffding_width(n, delta, 1.0) == pytest.approx(
        evaluate("concentration.time_uniform_hoeffding", n=n, delta=delta, b=1.0), rel=rel)
    assert conc.freedman_width(float(n), delta, 0.5) == pytest.approx(
        evaluate("concentration.freedman", sigma2=float(n), delta=delta, b=0.5), rel=rel)
    for S in (2, 3, 50, 2000):
        assert conc.weissman_l1_width(n, delta, S) == pytest.approx(
            evaluate("concentration.weissman_l1", n=n, delta=delta, S=S), rel=rel)
    if n >= 2:
        assert conc.empirical_bernstein_width(n, delta, 0.1) == pytest.approx(
            evaluate("concentration.empirical_bernstein", n=n, delta=delta, V_n=0.1), rel=rel)


def test_printed_formulas_by_hand():
    """The cards against the sources' formulas written out here."""
    n, d = 100, 0.05
    assert evaluate("concentration.hoeffding", n=n, delta=d, b=1) == pytest.approx(
        math.sqrt(math.log(2 / d) / (2 * n)))
    L = math.log(1 / d)
    t = evaluate("concentration.bernstein", n=n, delta=d, sigma2=0.25, b=1)
    assert math.exp(-n * t * t / (2 * (0.25 + t / 3))) == pytest.approx(d)  # the tail at t is delta
    assert evaluate("concentration.empirical_bernstein", n=n, delta=d, V_n=0.2) == pytest.approx(
        math.sqrt(2 * 0.2 * math.log(2 / d) / n) + 7 * math.log(2 / d) / (3 * (n - 1)))
    eps = evaluate("concentration.weissman_l1", n=n, delta=d, S=5)
    assert (2 ** 5 - 2) * math.exp(-n * eps ** 2 / 2) == pytest.approx(d)
    t = evaluate("concentration.freedman", sigma2=4.0, delta=d, b=2.0)
    assert math.exp(-t * t / (2 * (4.0 + 2.0 * t / 3))) == pytest.approx(d)
    assert evaluate("concentration.kl_bernoulli", n=n, delta=d) == pytest.approx(L / n)


def test_weissman_is_finite_for_many_outcomes():
    w = conc.weissman_l1_width(10 ** 6, 0.05, 5000)
    assert math.isfinite(w)
    assert w == pytest.approx(math.sqrt(2 * (5000 * math.log(2) + math.log(20)) / 10 ** 6), rel=1e-12)
    assert math.isfinite(evaluate("concentration.weissman_l1", n=10 ** 6, delta=0.05, S=5000))


def test_kl_helpers():
    assert conc.kl_bernoulli(0.3, 0.3) == 0.0
    assert conc.kl_bernoulli(0.0, 0.5) == pytest.approx(math.log(2))
    assert math.isinf(conc.kl_bernoulli(0.5, 1.0))
    for p in (0.0, 0.1, 0.5, 0.9, 1.0):
        for level in (1e-4, 0.1, 2.0):
            u = conc.kl_upper(p, level)
            assert p <= u <= 1.0
            assert conc.kl_bernoulli(p, u) <= level + 1e-12
            if u < 1.0:  # maximal: slightly above u exceeds the level
                assert conc.kl_bernoulli(p, min(1.0, u + 1e-9)) > level
            lo = conc.kl_lower(p, level)
            assert 0.0 <= lo <= p and conc.kl_bernoulli(p, lo) <= level + 1e-12


# -- coverage ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("dist", ["bern01", "bern50", "beta"])
def test_hoeffding_and_bernstein_coverage(dist):
    """Hoeffding's power is asked for where the variance is not small (it cannot adapt);
    Bernstein's everywhere, including Bernoulli(0.01)."""
    rng = np.random.default_rng(11)
    n = 50
    if dist == "bern01":
        X, mu, var = rng.random((DRAWS, n)) < 0.01, 0.01, 0.01 * 0.99
    elif dist == "bern50":
        X, mu, var = rng.random((DRAWS, n)) < 0.5, 0.5, 0.25
    else:
        a, b_ = 2.0, 5.0
        X, mu = rng.beta(a, b_, (DRAWS, n)), a / (a + b_)
        var = a * b_ / ((a + b_) ** 2 * (a + b_ + 1))
    mean = X.mean(axis=1)
    dev = mean - mu
    w = conc.hoeffding_width(n, DELTA, 1.0)
    if dist == "bern01":  # Hoeffding ignores the variance: valid, but not within 5x here
        covered = np.abs(dev) <= w
        assert cp_upper(int(covered.sum()), covered.size) >= 1 - DELTA
    else:
        assert_valid_and_powerful(np.abs(dev) <= w, w, np.abs(dev))
    wb = conc.bernstein_width(n, DELTA, var, 1.0 - mu)  # X - mu <= 1 - mu
    assert_valid_and_powerful(dev <= wb, wb, dev)


@pytest.mark.parametrize("n", [2, 5, 20, 1000])
@pytest.mark.parametrize("p", [0.05, 0.5])
def test_empirical_bernstein_coverage(n, p):
    rng = np.random.default_rng(12 + n)
    X = (rng.random((DRAWS, n)) < p).astype(float)
    mean = X.mean(axis=1)
    V = X.var(axis=1, ddof=1)
    widths = np.array([conc.empirical_bernstein_width(n, DELTA, v) for v in V])
    dev = p - mean  # E X - X_bar
    covered = dev <= widths
    assert cp_upper(int(covered.sum()), DRAWS) >= 1 - DELTA
    if n <= 5:  # 7 ln(2/delta)/(3(n-1)) alone exceeds the range [0, 1]: vacuous, validity only
        assert np.min(widths) >= 1.0
    elif n >= 1000:  # power where the sqrt term leads (at n = 20 the 1/(n-1) term makes the
        # width about 12x the quantile for p = 0.05: valid but loose, so validity only there)
        assert np.median(widths) <= 5 * max(np.quantile(dev, 1 - DELTA), 1.0 / n)


@pytest.mark.parametrize("S", [2, 10, 50])
@pytest.mark.parametrize("shape", ["uniform", "skewed", "extreme"])
def test_weissman_coverage(S, shape):
    """The width uses phi >= 2, the worst case over distributions: power is asked for on the
    uniform and a moderately skewed distribution; on an extreme one (masses down to 1/100 of the
    largest; about 6x the quantile at S = 2) only validity."""
    rng = np.random.default_rng(13 + S)
    p = {"uniform": np.ones(S), "skewed": np.geomspace(1, 1e-1, S),
         "extreme": np.geomspace(1, 1e-2, S)}[shape]
    p = p / p.sum()
    n = 200
    counts = rng.multinomial(n, p, size=DRAWS)
    dev = np.abs(counts / n - p).sum(axis=1)
    w = conc.weissman_l1_width(n, DELTA, S)
    if shape == "extreme":
        covered = dev <= w
        assert cp_upper(int(covered.sum()), DRAWS) >= 1 - DELTA
    else:
        assert_valid_and_powerful(dev <= w, w, dev)


@pytest.mark.parametrize("mu", [0.02, 0.3, 0.7])
@pytest.mark.parametrize("n", [1, 10, 200])
def test_kl_upper_confidence_bound_coverage(mu, n):
    """With probability >= 1 - delta, mu <= kl_upper(mu_hat, ln(1/delta)/n). At n = 1 the bound
    can be exactly tight, so only the upper Clopper-Pearson limit is asked to clear 1 - delta."""
    rng = np.random.default_rng(14 + n)
    mean = rng.binomial(n, mu, size=DRAWS) / n
    radius = conc.kl_radius(n, DELTA)
    ucb = np.array([conc.kl_upper(m, radius) for m in mean])
    covered = mu <= ucb
    assert cp_upper(int(covered.sum()), DRAWS) >= 1 - DELTA
    # power: the index exceeds the mean by at most 5x the exact (1 - delta) deviation quantile
    q = np.quantile(mu - mean, 1 - DELTA)
    assert np.median(ucb - mean) <= 5 * max(q, 1.0 / n)


def test_freedman_time_uniform_coverage():
    """Martingale with adaptively chosen Bernoulli increments D_i = X_i - p_i, p_i depending on the
    past; event {exists n: S_n >= t and W_n <= sigma2}."""
    rng = np.random.default_rng(15)
    steps, sigma2 = 400, 20.0
    t = conc.freedman_width(sigma2, DELTA, 1.0)
    S = np.zeros(DRAWS)
    W = np.zeros(DRAWS)
    crossed = np.zeros(DRAWS, dtype=bool)
    running_max = np.zeros(DRAWS)
    for _ in range(steps):
        p = np.where(S > 0, 0.2, 0.6)  # adaptive
        X = rng.random(DRAWS) < p
        S += X - p
        W += p * (1 - p)
        crossed |= (S >= t) & (W <= sigma2)
        running_max = np.maximum(running_max, np.where(W <= sigma2, S, -np.inf))
    assert cp_upper(int((~crossed).sum()), DRAWS) >= 1 - DELTA
    assert t <= 5 * np.quantile(running_max, 1 - DELTA)


def test_time_uniform_hoeffding_coverage_to_1e4_steps():
    rng = np.random.default_rng(16)
    paths, steps = 2000, 10_000
    n = np.arange(1, steps + 1)
    widths = np.array([conc.time_uniform_hoeffding_width(k, DELTA, 1.0) for k in n])
    ever = np.zeros(paths, dtype=bool)
    for start in range(0, paths, 250):
        X = (rng.random((250, steps)) < 0.5).astype(float)
        means = np.cumsum(X, axis=1) / n
        ever[start:start + 250] = np.any(np.abs(means - 0.5) > widths, axis=1)
    assert cp_upper(int((~ever).sum()), paths) >= 1 - DELTA
    # power: at n = 1e4 the width is within 5x of the fixed-n (1 - delta) deviation quantile
    q = stats.norm.ppf(1 - DELTA / 2) * 0.5 / math.sqrt(steps)
    assert widths[-1] <= 5 * q
