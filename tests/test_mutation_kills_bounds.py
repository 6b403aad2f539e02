"""Tests that pin ``rlcert.bounds`` to independent truth, written to kill the survivors of the
mutation runs of ``dev/mutate.py`` (see ``dev/MUTATION.md``).

Every expected value comes from a second computation: the width formulas of the docstring table
re-typed in plain ``math`` (or the root of the tail bound the width solves, by ``scipy``'s
``brentq``), ``ln(2^S - 2)`` from exact integers, ``log det`` from ``numpy.linalg.slogdet``, the KL
bounds from a root finder. Domain edges come from the module docstring (Python entry points) and
from the compiled cores' own documented ranges (``delta`` up to 2 for ``ln(2/delta)``, up to 1 for
``ln(1/delta)``).
"""

import math

import numpy as np
import pytest
from numba import njit
from scipy import optimize

from rlcert.bounds import BoundError
from rlcert.bounds import concentration as conc

NS = [1, 2, 3, 7, 50, 1000]
DELTAS = [1e-6, 0.01, 0.05, 0.3, 0.9]


def _close(a, b, rel=1e-12):
    return a == pytest.approx(b, rel=rel, abs=1e-300)


# -- the widths are their formulas --------------------------------------------------------------
@pytest.mark.parametrize("n", NS)
@pytest.mark.parametrize("delta", DELTAS)
def test_widths_are_the_formulas_of_the_table(n, delta):
    """Each width equals its formula of the module's table, re-typed here, at counts from 1 to
    1000 and ``delta`` from 1e-6 to 0.9 (with non-unit scale ``b`` and variances)."""
    b, s2 = 2.5, 0.37
    L1, L2 = math.log(1 / delta), math.log(2 / delta)
    assert _close(conc.hoeffding_width(n, delta, b), b * math.sqrt(L2 / (2 * n)))
    assert _close(conc.hoeffding_width(n, delta), math.sqrt(L2 / (2 * n)))
    a = b * L1 / (3 * n)
    assert _close(conc.bernstein_width(n, delta, s2, b), a + math.sqrt(a * a + 2 * s2 * L1 / n))
    assert _close(conc.kl_radius(n, delta), L1 / n)
    assert _close(conc.time_uniform_hoeffding_width(n, delta, b),
                  b * math.sqrt(math.log(2 * n * (n + 1) / delta) / (2 * n)))
    assert _close(conc.time_uniform_hoeffding_width(n, delta),
                  math.sqrt(math.log(2 * n * (n + 1) / delta) / (2 * n)))
    for S in (2, 3, 10):
        assert _close(conc.weissman_l1_width(n, delta, S),
                      math.sqrt(2 * (math.log(2 ** S - 2) + L1) / n))
    if n >= 2:
        v = 0.2
        assert _close(conc.empirical_bernstein_width(n, delta, v),
                      math.sqrt(2 * v * L2 / n) + 7 * L2 / (3 * (n - 1)))
        assert _close(conc.empirical_bernstein_width(n, delta, 0.0), 7 * L2 / (3 * (n - 1)))


@pytest.mark.parametrize("delta", DELTAS)
@pytest.mark.parametrize("s2, b", [(0.0, 1.0), (0.25, 1.0), (3.0, 0.5), (1e-4, 7.0)])
def test_bernstein_and_freedman_widths_are_the_roots_of_their_tails(delta, s2, b):
    """The Bernstein width ``e`` solves ``n e^2 / (2 sigma2 + 2 b e / 3) = ln(1/delta)`` and
    Freedman's solves ``e^2 / (2 sigma2 + 2 b e / 3) = ln(1/delta)``: checked against
    ``brentq`` on the tail exponent (a second method, not the closed-form root)."""
    L = math.log(1 / delta)
    for n in (1, 4, 100):
        root = optimize.brentq(lambda e: n * e * e - L * (2 * s2 + 2 * b * e / 3), 1e-300, 1e3,
                               xtol=1e-15, rtol=1e-14)
        assert conc.bernstein_width(n, delta, s2, b) == pytest.approx(root, rel=1e-10)
    root = optimize.brentq(lambda e: e * e - L * (2 * s2 + 2 * b * e / 3), 1e-300, 1e4,
                           xtol=1e-15, rtol=1e-14)
    assert conc.freedman_width(s2, delta, b) == pytest.approx(root, rel=1e-10)
    assert conc.freedman_width(s2, delta) == pytest.approx(
        optimize.brentq(lambda e: e * e - L * (2 * s2 + 2 * e / 3), 1e-300, 1e4, xtol=1e-15,
                        rtol=1e-14), rel=1e-10)


@pytest.mark.parametrize("delta", DELTAS)
def test_self_normalized_width_is_the_theorem(delta):
    """Abbasi-Yadkori et al. (2011, Thm 1): ``||S||^2 <= sigma2 (2 ln(1/delta) + logdet)``; the
    width is its square root (also with the default ``sigma2 = 1`` and ``logdet = 0``)."""
    for logdet, s2 in [(0.0, 1.0), (3.2, 1.0), (0.7, 0.04), (50.0, 9.0)]:
        want = math.sqrt(s2 * (2 * math.log(1 / delta) + logdet))
        assert _close(conc.self_normalized_width(logdet, delta, s2), want)
    assert _close(conc.self_normalized_width(2.0, delta),
                  math.sqrt(2 * math.log(1 / delta) + 2.0))


def test_log_two_pow_minus_two_is_exact():
    """``ln(2^S - 2)`` against Python's exact big integers, from ``S = 2`` (``ln 2``) to
    ``S = 5000`` (where ``2^S`` overflows a float)."""
    for S in [2, 3, 4, 5, 10, 53, 200, 1100, 5000]:
        assert _close(conc.log_two_pow_minus_two(S), math.log(2 ** S - 2), rel=1e-14)
    assert _close(conc.log_two_pow_minus_two(2), math.log(2.0), rel=1e-15)


def test_log_det_ratio_is_the_log_determinant():
    """``log det V - d log lam`` against ``numpy.linalg.slogdet`` for random Gram matrices
    ``lam I + X^T X`` (d = 1, 2, 5), and exactly ``d log(c / lam)`` for ``V = c I``."""
    rng = np.random.default_rng(7)
    for d in (1, 2, 5):
        X = rng.normal(size=(3 * d, d))
        for lam in (0.1, 1.0, 4.0):
            V = lam * np.eye(d) + X.T @ X
            sign, ld = np.linalg.slogdet(V)
            assert sign == 1.0
            assert conc.log_det_ratio(V, lam) == pytest.approx(ld - d * math.log(lam),
                                                               rel=1e-12, abs=1e-12)
        assert conc.log_det_ratio(3.0 * np.eye(d), 0.5) == pytest.approx(d * math.log(6.0),
                                                                        rel=1e-13)


# -- KL helpers -----------------------------------------------------------------------------------
def _kl(p, q):
    out = 0.0
    if p > 0:
        out += p * math.log(p / q)
    if p < 1:
        out += (1 - p) * math.log((1 - p) / (1 - q))
    return out


def test_kl_bernoulli_is_the_formula_with_its_limits():
    """``kl(p, q)`` at interior points is the formula; ``0 ln 0 = 0`` at ``p in {0, 1}``;
    ``inf`` when ``q`` is 0 or 1 and ``p`` differs; 0 on the diagonal."""
    for p in (0.0, 0.1, 0.5, 0.93, 1.0):
        for q in (0.02, 0.4, 0.5, 0.99):
            assert _close(conc.kl_bernoulli(p, q), _kl(p, q))
    assert conc.kl_bernoulli(0.0, 0.0) == 0.0 and conc.kl_bernoulli(1.0, 1.0) == 0.0
    assert conc.kl_bernoulli(0.3, 0.3) == 0.0
    assert _close(conc.kl_bernoulli(0.0, 0.25), -math.log(0.75))
    assert _close(conc.kl_bernoulli(1.0, 0.25), -math.log(0.25))
    for p in (0.2, 1.0):
        assert conc.kl_bernoulli(p, 0.0) == math.inf
    for p in (0.0, 0.6):
        assert conc.kl_bernoulli(p, 1.0) == math.inf


@pytest.mark.parametrize("p", [0.0, 0.05, 0.3, 0.5, 0.8, 0.999, 1.0])
@pytest.mark.parametrize("level", [1e-6, 0.01, 0.2, 1.5])
def test_kl_bounds_are_the_roots_of_kl_equals_level(p, level):
    """``kl_upper(p, l) = max {q >= p : kl(p, q) <= l}`` and ``kl_lower(p, l) = min {q <= p :
    kl(p, q) <= l}``: equal to ``brentq``'s root of ``kl(p, q) = l`` on the plain formula (``p = 1``
    has upper bound 1, ``p = 0`` lower bound 0), and the next float beyond is outside the level."""
    up = conc.kl_upper(p, level)
    top = 1.0 - 2.0 ** -53  # the largest float below 1 (kl(p, 1) = inf for p < 1)
    if p == 1.0:
        assert up == 1.0
    elif _kl(p, top) <= level:
        assert up == top
    else:
        root = optimize.brentq(lambda q: _kl(p, q) - level, p, top, xtol=1e-16,
                               rtol=1e-15)
        assert up == pytest.approx(root, abs=1e-13)
        assert conc.kl_bernoulli(p, up) <= level
        assert conc.kl_bernoulli(p, float(np.nextafter(up, 2.0))) > level
    lo = conc.kl_lower(p, level)
    if p == 0.0:
        assert lo == 0.0
    else:
        root = optimize.brentq(lambda q: _kl(p, q) - level, 1e-300, p, xtol=1e-16, rtol=1e-15)
        assert lo == pytest.approx(root, abs=1e-13)
        assert conc.kl_bernoulli(p, lo) <= level
        assert conc.kl_bernoulli(p, float(np.nextafter(lo, -1.0))) > level


def test_kl_bounds_edges():
    """``level <= 0`` returns ``p``; ``p = 1`` has upper bound 1 and ``p = 0`` lower bound 0 at any
    level; an infinite level gives the whole interval; a NaN level is refused."""
    for p in (0.0, 0.4, 1.0):
        assert conc.kl_upper(p, 0.0) == p and conc.kl_lower(p, 0.0) == p
        assert conc.kl_upper(p, -1.0) == p and conc.kl_lower(p, -3.0) == p
        assert conc.kl_upper(p, math.inf) == 1.0 and conc.kl_lower(p, math.inf) == 0.0
    assert conc.kl_upper(1.0, 0.1) == 1.0 and conc.kl_lower(0.0, 0.1) == 0.0
    # p = 0: kl(0, q) = -ln(1 - q), so the upper bound is 1 - exp(-level)
    assert conc.kl_upper(0.0, 0.5) == pytest.approx(1 - math.exp(-0.5), abs=1e-15)
    # p = 1: kl(1, q) = -ln q, so the lower bound is exp(-level)
    assert conc.kl_lower(1.0, 0.5) == pytest.approx(math.exp(-0.5), abs=1e-15)
    for f in (conc.kl_upper, conc.kl_lower):
        with pytest.raises(BoundError, match="level"):
            f(0.5, math.nan)
        with pytest.raises(BoundError, match="p"):
            f(1.0 + 1e-12, 0.1)
        with pytest.raises(BoundError, match="p"):
            f(-1e-12, 0.1)


# -- Python entry points: the domain edges of the module docstring ------------------------------
def test_python_entry_points_accept_their_domains_edges():
    """Counts at their minimum (``n = 1``, ``n = 2`` for empirical Bernstein, ``S = 2``), integral
    floats and numpy integers, ``sigma2 = 0`` (not for the self-normalised width), ``logdet = 0``,
    ``V_n`` at its largest value ``n / (4 (n - 1))``, ``p`` and ``q`` at 0 and 1 are accepted."""
    assert conc.hoeffding_width(1, 0.5) == pytest.approx(math.sqrt(math.log(4) / 2))
    assert conc.hoeffding_width(np.int64(4), np.float64(0.5), 1e-300) > 0
    assert conc.hoeffding_width(1e6, 0.5) == conc.hoeffding_width(1000000, 0.5)
    assert conc.bernstein_width(1, 0.5, 0.0) == pytest.approx(2 * math.log(2) / 3)
    assert conc.freedman_width(0.0, 0.5) == pytest.approx(2 * math.log(2) / 3)
    assert conc.weissman_l1_width(1, 0.5, 2) == pytest.approx(math.sqrt(2 * 2 * math.log(2)))
    assert conc.log_two_pow_minus_two(2.0) == pytest.approx(math.log(2))
    assert conc.self_normalized_width(0.0, 0.5, 1e-300) > 0
    for n in (2, 3, 10, 1001):
        vmax = n / (4 * (n - 1))
        L = math.log(2 / 0.1)
        assert _close(conc.empirical_bernstein_width(n, 0.1, vmax),
                      math.sqrt(2 * vmax * L / n) + 7 * L / (3 * (n - 1)))
    for p in (0.0, 1.0):
        conc.kl_bernoulli(p, 0.5)
        conc.kl_bernoulli(0.5, p)
    assert conc.log_det_ratio(np.eye(1), 1e-300) > 0


def _refused(call, fragment):
    with pytest.raises(BoundError, match=fragment):
        call()


def test_python_entry_points_refuse_just_outside_their_domains():
    """Just outside each edge the Python entry points refuse, naming the argument: ``n`` below
    its minimum or fractional or infinite, ``delta`` at 0 and at 1, ``b = 0``, a negative
    ``sigma2``, ``sigma2 = 0`` for the self-normalised width, ``V_n`` one float above
    ``n / (4 (n - 1))``, ``S = 1``, ``p`` outside [0, 1], a negative ``logdet``, ``lam = 0``,
    booleans, arrays and NaN."""
    up = lambda x: float(np.nextafter(x, math.inf))  # noqa: E731
    _refused(lambda: conc.hoeffding_width(0, 0.5), "n must be an integer >= 1")
    _refused(lambda: conc.hoeffding_width(1.5, 0.5), "n must be an integer")
    _refused(lambda: conc.hoeffding_width(math.inf, 0.5), "n must be an integer")
    _refused(lambda: conc.hoeffding_width(True, 0.5), "n must be a real number")
    _refused(lambda: conc.hoeffding_width(np.array([3.0]), 0.5), "n must be a real number")
    _refused(lambda: conc.hoeffding_width(math.nan, 0.5), "n must be a number")
    _refused(lambda: conc.hoeffding_width(3, 0.0), "delta must be in")
    _refused(lambda: conc.hoeffding_width(3, 1.0), "delta must be in")
    _refused(lambda: conc.hoeffding_width(3, 0.5, 0.0), "b must be a finite number in")
    _refused(lambda: conc.hoeffding_width(3, 0.5, math.inf), "b must be a finite")
    _refused(lambda: conc.bernstein_width(3, 0.5, -1e-300), "sigma2")
    _refused(lambda: conc.bernstein_width(3, 0.5, 0.1, 0.0), "b must be")
    _refused(lambda: conc.freedman_width(-1e-300, 0.5), "sigma2")
    _refused(lambda: conc.freedman_width(0.1, 0.5, 0.0), "b must be")
    _refused(lambda: conc.time_uniform_hoeffding_width(3, 0.5, 0.0), "b must be")
    _refused(lambda: conc.empirical_bernstein_width(1, 0.5, 0.0), "n must be an integer >= 2")
    for n in (2, 3, 10):
        _refused(lambda: conc.empirical_bernstein_width(n, 0.5, up(n / (4 * (n - 1)))), "V_n")
    _refused(lambda: conc.empirical_bernstein_width(3, 0.5, -1e-300), "V_n")
    _refused(lambda: conc.weissman_l1_width(3, 0.5, 1), "S must be an integer >= 2")
    _refused(lambda: conc.log_two_pow_minus_two(1), "S must be an integer >= 2")
    _refused(lambda: conc.kl_radius(0, 0.5), "n must be")
    _refused(lambda: conc.self_normalized_width(1.0, 0.5, 0.0), "sigma2")
    _refused(lambda: conc.self_normalized_width(-1e-300, 0.5), "logdet")
    _refused(lambda: conc.kl_bernoulli(up(1.0), 0.5), "p must be a probability")
    _refused(lambda: conc.kl_bernoulli(0.5, -1e-300), "q must be a probability")
    _refused(lambda: conc.log_det_ratio(np.eye(2), 0.0), "lam")
    _refused(lambda: conc.log_det_ratio(np.eye(2)[:1], 1.0), "square")
    _refused(lambda: conc.log_det_ratio(np.zeros((0, 0)), 1.0), "square")
    _refused(lambda: conc.log_det_ratio(np.array([[1.0, np.nan], [np.nan, 1.0]]), 1.0),
             "non-finite")
    _refused(lambda: conc.log_det_ratio(np.array([[2.0, 1.0], [0.0, 2.0]]), 1.0), "symmetric")
    _refused(lambda: conc.log_det_ratio(np.array([[1.0, 2.0], [2.0, 1.0]]), 1.0),
             "positive definite")
    _refused(lambda: conc.log_det_ratio("abc", 1.0), "real")


# -- compiled cores: the ranges where each formula is defined -----------------------------------
def test_compiled_cores_accept_the_ends_of_their_ranges():
    """In compiled code the cores accept ``n = 1`` (2 for empirical Bernstein), ``delta`` up to
    and including 2 where the formula has ``ln(2/delta)`` (UCB1's ``2 s^-4`` at ``s = 1``) and 1
    where it has ``ln(1/delta)`` (width 0 there), ``b = sigma2 = V_n = logdet = 0`` and ``S = 2``."""
    assert conc._hoeffding(1.0, 2.0, 1.0) == 0.0
    assert conc._hoeffding(1.0, 0.5, 0.0) == 0.0
    assert conc._time_uniform_hoeffding(1.0, 2.0, 1.0) == pytest.approx(
        math.sqrt(math.log(2.0) / 2))
    assert conc._empirical_bernstein(2.0, 2.0, 0.0) == 0.0
    assert conc._empirical_bernstein(2.0, 0.5, 0.0) == pytest.approx(7 * math.log(4) / 3)
    assert conc._bernstein(1.0, 1.0, 0.0, 0.0) == 0.0
    assert conc._kl_radius(1.0, 1.0) == 0.0
    assert conc._freedman(0.0, 1.0, 0.0) == 0.0
    assert conc._self_normalized(0.0, 1.0, 0.0) == 0.0
    assert conc._weissman_l1(1.0, 1.0, 2.0) == pytest.approx(math.sqrt(2 * math.log(2)))
    assert conc._log_two_pow_minus_two(2.0) == pytest.approx(math.log(2))
    assert conc._kl_bernoulli(0.0, 1.0) == math.inf and conc._kl_bernoulli(1.0, 0.0) == math.inf
    # scales below 1 (and 0) are scales like any other
    for b in (0.0, 0.5):
        assert conc._time_uniform_hoeffding(3.0, 0.5, b) == pytest.approx(
            b * math.sqrt(math.log(2 * 3 * 4 / 0.5) / 6))
        assert conc._hoeffding(3.0, 0.5, b) == pytest.approx(b * math.sqrt(math.log(4) / 6))
        assert conc._bernstein(3.0, 0.5, 0.0, b) == pytest.approx(2 * b * math.log(2) / 9)
        assert conc._freedman(0.0, 0.5, b) == pytest.approx(2 * b * math.log(2) / 3)
    assert conc._self_normalized(0.5, 0.5, 0.5) == pytest.approx(
        math.sqrt(0.5 * (2 * math.log(2) + 0.5)))


COMPILED_REFUSALS = [
    (lambda: conc._hoeffding(1.0 - 1e-9, 0.5, 1.0), "hoeffding_width: n"),
    (lambda: conc._hoeffding(2.0, 0.0, 1.0), "hoeffding_width: delta"),
    (lambda: conc._hoeffding(2.0, 2.0 + 1e-9, 1.0), "hoeffding_width: delta"),
    (lambda: conc._hoeffding(2.0, 0.5, -1e-300), "hoeffding_width: b"),
    (lambda: conc._bernstein(1.0 - 1e-9, 0.5, 0.1, 1.0), "bernstein_width: n"),
    (lambda: conc._bernstein(2.0, 0.0, 0.1, 1.0), "bernstein_width: delta"),
    (lambda: conc._bernstein(2.0, 1.0 + 1e-9, 0.1, 1.0), "bernstein_width: delta"),
    (lambda: conc._bernstein(2.0, 0.5, -1e-300, 1.0), "bernstein_width: sigma2"),
    (lambda: conc._bernstein(2.0, 0.5, 0.1, -1e-300), "bernstein_width: b"),
    (lambda: conc._empirical_bernstein(2.0 - 1e-9, 0.5, 0.1), "empirical_bernstein_width: n"),
    (lambda: conc._empirical_bernstein(3.0, 0.0, 0.1), "empirical_bernstein_width: delta"),
    (lambda: conc._empirical_bernstein(3.0, 2.0 + 1e-9, 0.1), "empirical_bernstein_width: delta"),
    (lambda: conc._empirical_bernstein(3.0, 0.5, -1e-300), "empirical_bernstein_width: V_n"),
    (lambda: conc._log_two_pow_minus_two(2.0 - 1e-9), "log_two_pow_minus_two: S"),
    (lambda: conc._weissman_l1(1.0 - 1e-9, 0.5, 3.0), "weissman_l1_width: n"),
    (lambda: conc._weissman_l1(2.0, 0.0, 3.0), "weissman_l1_width: delta"),
    (lambda: conc._weissman_l1(2.0, 1.0 + 1e-9, 3.0), "weissman_l1_width: delta"),
    (lambda: conc._weissman_l1(2.0, 0.5, 2.0 - 1e-9), "weissman_l1_width: S"),
    (lambda: conc._kl_radius(1.0 - 1e-9, 0.5), "kl_radius: n"),
    (lambda: conc._kl_radius(2.0, 0.0), "kl_radius: delta"),
    (lambda: conc._kl_radius(2.0, 1.0 + 1e-9), "kl_radius: delta"),
    (lambda: conc._freedman(-1e-300, 0.5, 1.0), "freedman_width: sigma2"),
    (lambda: conc._freedman(0.1, 0.0, 1.0), "freedman_width: delta"),
    (lambda: conc._freedman(0.1, 1.0 + 1e-9, 1.0), "freedman_width: delta"),
    (lambda: conc._freedman(0.1, 0.5, -1e-300), "freedman_width: b"),
    (lambda: conc._time_uniform_hoeffding(1.0 - 1e-9, 0.5, 1.0), "time_uniform_hoeffding_width: n"),
    (lambda: conc._time_uniform_hoeffding(2.0, 0.0, 1.0), "time_uniform_hoeffding_width: delta"),
    (lambda: conc._time_uniform_hoeffding(2.0, 2.0 + 1e-9, 1.0),
     "time_uniform_hoeffding_width: delta"),
    (lambda: conc._time_uniform_hoeffding(2.0, 0.5, -1e-300), "time_uniform_hoeffding_width: b"),
    (lambda: conc._self_normalized(-1e-300, 0.5, 1.0), "self_normalized_width: logdet"),
    (lambda: conc._self_normalized(1.0, 0.0, 1.0), "self_normalized_width: delta"),
    (lambda: conc._self_normalized(1.0, 1.0 + 1e-9, 1.0), "self_normalized_width: delta"),
    (lambda: conc._self_normalized(1.0, 0.5, -1e-300), "self_normalized_width: sigma2"),
    (lambda: conc._kl_bernoulli(-1e-300, 0.5), "kl_bernoulli: p"),
    (lambda: conc._kl_bernoulli(1.0 + 1e-9, 0.5), "kl_bernoulli: p"),
    (lambda: conc._kl_bernoulli(0.5, -1e-300), "kl_bernoulli: q"),
    (lambda: conc._kl_bernoulli(0.5, 1.0 + 1e-9), "kl_bernoulli: q"),
    (lambda: conc._kl_upper(-1e-300, 0.1), "kl_upper: p"),
    (lambda: conc._kl_upper(1.0 + 1e-9, 0.1), "kl_upper: p"),
    (lambda: conc._kl_upper(0.5, math.nan), "kl_upper: level"),
    (lambda: conc._kl_lower(-1e-300, 0.1), "kl_lower: p"),
    (lambda: conc._kl_lower(1.0 + 1e-9, 0.1), "kl_lower: p"),
    (lambda: conc._kl_lower(0.5, math.nan), "kl_lower: level"),
]


def test_compiled_cores_refuse_just_outside_their_ranges():
    """Just outside each range (and at NaN) the compiled cores raise ``BoundError`` naming the
    function and the argument."""
    for call, fragment in COMPILED_REFUSALS:
        with pytest.raises(BoundError, match=fragment):
            call()
    for core, args in [(conc._hoeffding, (math.nan, 0.5, 1.0)), (conc._hoeffding, (2.0, math.nan, 1.0)),
                       (conc._bernstein, (2.0, 0.5, math.nan, 1.0)),
                       (conc._empirical_bernstein, (3.0, 0.5, math.nan)),
                       (conc._kl_bernoulli, (math.nan, 0.5))]:
        with pytest.raises(BoundError):
            core(*args)


def test_compiled_kl_bounds_agree_with_the_python_ones():
    """The compiled KL bounds (what KL-UCB's loop calls) equal the Python ones, including at the
    ends (level <= 0 returns p; whole side within the level returns the end)."""
    for p in (0.0, 0.2, 0.5, 1.0):
        for level in (-1.0, 0.0, 0.05, 0.7, math.inf):
            assert conc._kl_upper(p, level) == conc.kl_upper(p, level)
            assert conc._kl_lower(p, level) == conc.kl_lower(p, level)
    assert conc._kl_upper(0.5, 0.0) == 0.5 and conc._kl_lower(0.5, 0.0) == 0.5


@njit
def _compiled_defaults(n, delta, s2, logdet):
    return (conc.hoeffding_width(n, delta), conc.bernstein_width(n, delta, s2),
            conc.freedman_width(s2, delta), conc.time_uniform_hoeffding_width(n, delta),
            conc.self_normalized_width(logdet, delta))


@njit
def _compiled_all(n, delta, s2, v, S, logdet, p, q, level):
    return (conc.hoeffding_width(n, delta, 2.0), conc.bernstein_width(n, delta, s2, 2.0),
            conc.empirical_bernstein_width(n, delta, v), conc.log_two_pow_minus_two(S),
            conc.weissman_l1_width(n, delta, S), conc.kl_radius(n, delta),
            conc.freedman_width(s2, delta, 2.0), conc.time_uniform_hoeffding_width(n, delta, 2.0),
            conc.self_normalized_width(logdet, delta, s2), conc.kl_bernoulli(p, q),
            conc.kl_upper(p, level), conc.kl_lower(p, level))


def test_public_names_inside_compiled_code_are_the_same_formulas():
    """Inside numba code (the learners' loops) the public names compile to the same numbers as
    in Python, with the same defaults (``b = 1``, ``sigma2 = 1`` for the self-normalised
    width)."""
    n, delta, s2, logdet = 12.0, 0.07, 0.3, 1.7
    got = _compiled_defaults(n, delta, s2, logdet)
    want = (conc.hoeffding_width(12, delta, 1.0), conc.bernstein_width(12, delta, s2, 1.0),
            conc.freedman_width(s2, delta, 1.0), conc.time_uniform_hoeffding_width(12, delta, 1.0),
            conc.self_normalized_width(logdet, delta, 1.0))
    for g, w in zip(got, want):
        assert g == pytest.approx(w, rel=1e-14)
    v, S, p, q, level = 0.1, 5.0, 0.3, 0.6, 0.2
    got = _compiled_all(n, delta, s2, v, S, logdet, p, q, level)
    want = (conc.hoeffding_width(12, delta, 2.0), conc.bernstein_width(12, delta, s2, 2.0),
            conc.empirical_bernstein_width(12, delta, v), conc.log_two_pow_minus_two(5),
            conc.weissman_l1_width(12, delta, 5), conc.kl_radius(12, delta),
            conc.freedman_width(s2, delta, 2.0), conc.time_uniform_hoeffding_width(12, delta, 2.0),
            conc.self_normalized_width(logdet, delta, s2), conc.kl_bernoulli(p, q),
            conc.kl_upper(p, level), conc.kl_lower(p, level))
    for g, w in zip(got, want):
        assert g == pytest.approx(w, rel=1e-14)


# -- evaluate / invert -----------------------------------------------------------------------------
def test_evaluate_refuses_the_open_ends_of_a_domain():
    """``planning.residual_certificate = residual / (1 - gamma)`` with ``gamma in (0, 1)`` and
    ``residual in [0, inf)``: both open ends of ``gamma`` are refused naming the value, the closed
    end ``residual = 0`` is accepted (value 0), and inside the domain the value is the formula."""
    from rlcert.bounds import evaluate

    for g in (0.0, 1.0):
        with pytest.raises(BoundError, match="gamma"):
            evaluate("planning.residual_certificate", gamma=g, residual=1.0)
    with pytest.raises(BoundError, match="residual"):
        evaluate("planning.residual_certificate", gamma=0.5, residual=-1e-300)
    assert evaluate("planning.residual_certificate", gamma=0.5, residual=0.0) == 0.0
    assert evaluate("planning.residual_certificate", gamma=0.75, residual=2.0) == pytest.approx(8.0)
    assert evaluate("planning.residual_certificate", gamma=1e-300, residual=2.0) == pytest.approx(2.0)


def test_vector_parameters_as_scalars_arrays_and_batches():
    """UCB1's bound ``8 sum ln(n) / Delta_i + (1 + pi^2/3) sum Delta_i``: a scalar gap is one
    arm (a float, the same as ``[Delta]``), a list of gaps sums over arms, a batch ``(B, k)``
    of gap vectors gives ``B`` values, and an empty last axis is refused."""
    from rlcert.bounds import evaluate

    def ucb1(n, gaps):
        return sum(8 * math.log(n) / d for d in gaps) + (1 + math.pi ** 2 / 3) * sum(gaps)

    one = evaluate("bandit.ucb1.upper", n=100, Delta=0.5)
    assert isinstance(one, float) and one == pytest.approx(ucb1(100, [0.5]), rel=1e-13)
    arr = evaluate("bandit.ucb1.upper", n=100, Delta=[0.5])
    assert isinstance(arr, float) and arr == one
    gaps = [0.1, 0.3, 0.5]
    assert evaluate("bandit.ucb1.upper", n=1000, Delta=gaps) == pytest.approx(ucb1(1000, gaps),
                                                                              rel=1e-13)
    batch = evaluate("bandit.ucb1.upper", n=1000, Delta=np.array([gaps, [0.2, 0.2, 0.9]]))
    assert batch.shape == (2,)
    np.testing.assert_allclose(batch, [ucb1(1000, gaps), ucb1(1000, [0.2, 0.2, 0.9])],
                               rtol=1e-13)
    empty_batch = evaluate("bandit.ucb1.upper", n=1000, Delta=np.zeros((0, 3)) + 0.5)
    assert empty_batch.shape == (0,)
    for bad in ([], np.zeros((2, 0))):
        with pytest.raises(BoundError, match="empty"):
            evaluate("bandit.ucb1.upper", n=1000, Delta=bad)


def test_invert_for_gamma_over_its_whole_domain():
    """Inverting ``residual / (1 - gamma) = v`` for ``gamma`` gives ``1 - residual / v`` (closed
    form) for roots near 0, in the middle and near 1; Agarwal et al.'s bound, whose domain is
    ``gamma in [0.5, 1)``, inverts back to a ``gamma`` just above its closed end 0.5."""
    from rlcert.bounds import evaluate, invert

    for root in (0.01, 0.2, 0.5, 0.9, 0.999):
        v = 3.0 / (1 - root)
        assert invert("planning.residual_certificate", "gamma", v, residual=3.0) == pytest.approx(
            root, rel=1e-9)
    params = dict(A=2, S=3, delta=0.1, eps=0.5)
    for root in (0.5001, 0.6, 0.99):
        v = evaluate("generative.agarwal2020.upper", gamma=root, **params)
        assert invert("generative.agarwal2020.upper", "gamma", v, **params) == pytest.approx(
            root, rel=1e-9)


def test_invert_for_gamma_with_a_domain_closed_below_one():
    """A user card ``residual / (1 - gamma)`` with ``gamma in (0, 0.9]``: inverting at ``v = 5``,
    ``residual = 1`` gives ``gamma = 0.8`` (``1 - 1/5``), and ``v = 10`` the closed end 0.9."""
    from rlcert.bounds import invert
    from rlcert.theory.card import Card, Condition, Reference
    from rlcert.theory.symbols import gamma, symbol

    card = Card(card_id="user.gamma_capped", title="t", setting="planning", kind="upper",
                quantity="error", expr=symbol("residual") / (1 - gamma),
                guarantee="deterministic", constants="order", rate={},
                domain=(Condition.interval("gamma", 0, 0.9, upper_open=False),
                        Condition.interval("residual", 0, None, lower_open=False)),
                reference=Reference("A", 2000, "T", "V", "Thm 1"),
                example={"gamma": 0.5, "residual": 1.0})
    assert invert(card, "gamma", 5.0, residual=1.0) == pytest.approx(0.8, rel=1e-9)
    assert invert(card, "gamma", 10.0, residual=1.0) == pytest.approx(0.9, rel=1e-9)


def test_invert_with_a_vector_parameter():
    """Inverting UCB1's bound for ``n`` with the gaps given as one vector: ``8 ln(n) sum 1/Delta_i
    + (1 + pi^2/3) sum Delta_i = v`` has the closed-form root ``n = exp((v - (1 + pi^2/3) sum
    Delta_i) / (8 sum 1/Delta_i))``; a scalar parameter given as an array, or a batch of gap
    vectors, is refused."""
    from rlcert.bounds import invert

    gaps = [0.1, 0.3, 0.5]
    c = (1 + math.pi ** 2 / 3) * sum(gaps)
    inv = sum(1 / d for d in gaps)
    v = 8 * math.log(5000.0) * inv + c
    root = math.exp((v - c) / (8 * inv))
    assert invert("bandit.ucb1.upper", "n", v, Delta=gaps) == pytest.approx(root, rel=1e-9)
    assert invert("bandit.ucb1.upper", "n", v, Delta=np.array(gaps)) == pytest.approx(root,
                                                                                     rel=1e-9)
    with pytest.raises(BoundError, match="scalar parameters"):
        invert("bandit.ucb1.upper", "n", v, Delta=[gaps, gaps])
    with pytest.raises(BoundError, match="scalar parameters"):
        invert("planning.residual_certificate", "gamma", 5.0, residual=[1.0, 2.0])


def test_invert_near_an_open_lower_end():
    """Lai and Robbins' ``ln(n) sum Delta_i / KL_i`` with ``n in (1, inf)``: the root of ``= v``
    is ``n = exp(v / sum Delta_i / KL_i)`` (closed form), found also when it lies just above the
    open end (``n = 1.2`` and ``1.001``); with ``integer=True`` the smallest integer at which the
    increasing bound reaches ``v`` is 2."""
    from rlcert.bounds import invert

    ratio = 0.2 / 0.1
    for root in (1.001, 1.2, 2.5, 1e4):
        v = math.log(root) * ratio
        assert invert("bandit.lai_robbins.lower", "n", v, Delta=[0.2], KL=[0.1]) == pytest.approx(
            root, rel=1e-9)
    assert invert("bandit.lai_robbins.lower", "n", math.log(1.2) * ratio, integer=True,
                  Delta=[0.2], KL=[0.1]) == 2


def test_invert_refuses_a_bound_that_is_not_monotone():
    """A user card whose bound in ``n`` is ``delta`` times 1 on [1, 10), 2 on [10, 100), 1 on
    [100, 1000) and 3 beyond takes the value ``2 delta`` on a whole interval and again where it
    jumps from 1 to 3: it is not monotone, and inverting it there is refused (so is inverting at
    ``1.5 delta``, crossed three times)."""
    import sympy

    from rlcert.bounds import invert
    from rlcert.theory.card import Card, Condition, Reference
    from rlcert.theory.symbols import delta, n

    expr = delta * sympy.Piecewise((1, n < 10), (2, n < 100), (1, n < 1000), (3, True))
    card = Card(card_id="user.steps", title="t", setting="concentration", kind="upper",
                quantity="width", expr=expr, guarantee="deterministic",
                constants="order", rate={},
                domain=(Condition.interval("n", 1, None, lower_open=False),),
                reference=Reference("A", 2000, "T", "V", "Thm 1"),
                example={"n": 10, "delta": 0.5})
    for v in (2.0, 1.5):
        with pytest.raises(BoundError, match="not monotone"):
            invert(card, "n", v * 0.5, delta=0.5)


def test_invert_for_gamma_at_the_largest_effective_horizon():
    """Roots in the last stretch of the searched range (effective horizons ``1 / (1 - gamma)``
    up to 1e15): ``residual / (1 - gamma) = v`` gives ``gamma = 1 - residual / v`` for ``v`` =
    9.9e14 and 5e14 (closed form)."""
    from rlcert.bounds import invert

    for h in (9.9e14, 5e14, 1e12):
        got = invert("planning.residual_certificate", "gamma", h, residual=1.0)
        assert 1.0 / (1.0 - got) == pytest.approx(h, rel=0.2)
        assert got == pytest.approx(1.0 - 1.0 / h, abs=4e-16)


def test_convert_T_names_the_offending_value():
    """``convert_T`` refuses a negative count naming that value, not a valid 0 next to it, and
    converts episodes to steps as ``H T`` and back as ``T / H``."""
    from rlcert.bounds import convert_T

    with pytest.raises(BoundError, match=r"T=-2\.0"):
        convert_T(np.array([0.0, -2.0]), "steps", "episodes", 3)
    with pytest.raises(BoundError, match=r"H=2\.5"):
        convert_T(np.array([3.0]), "steps", "episodes", np.array([1.0, 2.5]))
    np.testing.assert_array_equal(convert_T(np.array([0.0, 4.0]), "episodes", "steps", 3),
                                  [0.0, 12.0])
    np.testing.assert_array_equal(convert_T(np.array([0.0, 12.0]), "steps", "episodes", 3),
                                  [0.0, 4.0])


# -- KL-UCB index by Newton's method -------------------------------------------------------------
P_GRID = [0.0, 1e-12, 1e-6, 0.001, 0.05, 0.3, 0.5, 0.77, 0.99, 1 - 1e-9, 1.0]
LEVELS = [0.0, 1e-14, 1e-12, 1e-9, 1e-4, 0.01, 0.3, 1.0, 5.0, 40.0, 800.0, math.inf]


def test_kl_upper_newton_satisfies_the_definition_exactly():
    """``kl_upper_newton(p, l) = max {q in [p, 1] : kl(p, q) <= l}`` as computed: the result is
    feasible (``kl(p, q) <= l``, exactly, with the library's ``kl``), it equals the bisection of
    ``kl_upper`` to 1e-12 for levels from 1e-9 on (so no feasible point lies further above), and
    the ends are those of
    the definition (``l <= 0`` or ``p = 1``: ``p``; ``l = inf``: 1; a large ``l`` with ``p < 1``:
    the largest float below 1, since ``kl(p, 1) = inf``)."""
    from rlcert.bounds.indices import kl_upper_newton

    for p in P_GRID:
        for level in LEVELS:
            q = kl_upper_newton(p, level)
            if level <= 0.0 or p == 1.0:
                assert q == p
                continue
            if level == math.inf:
                assert q == 1.0
                continue
            assert p <= q <= 1.0
            assert conc.kl_bernoulli(p, q) <= level, (p, level, q)
            if level >= 1e-9:  # below, the computed kl is noise-limited near p (see MUTATION.md)
                assert q == pytest.approx(conc.kl_upper(p, level), abs=1e-12)
    top = 1.0 - 2.0 ** -53
    for p in (0.0, 0.5, 0.9):
        assert kl_upper_newton(p, 800.0) == top == conc.kl_upper(p, 800.0)
    assert kl_upper_newton(0.5, 40.0) == top


# -- compare --------------------------------------------------------------------------------------
def test_compare_notes_an_upper_bound_at_its_trivial_bound_as_vacuous():
    """UCBVI-CH's ``sqrt(A) H sqrt(S T)`` against the trivial regret ``T``: at ``S = A = H = T =
    1`` the bound equals the trivial bound (1 = 1) and is noted as vacuous ("at or above"); at
    ``T = 4`` (bound 2 < 4) it is not. A lower bound above the trivial value is never noted as
    vacuous (Lai-Robbins-style lower bounds are not upper bounds)."""
    from rlcert.bounds.compare import compare

    at = compare(["regret.ucbvi_ch.upper"], T=1, S=1, A=1, H=1).rows[0]
    assert at.value == 1.0 and "vacuous" in at.note
    below = compare(["regret.ucbvi_ch.upper"], T=4, S=1, A=1, H=1).rows[0]
    assert below.value == 2.0 and "vacuous" not in below.note
    low = compare(["regret.episodic_stationary.lower"], T=1, S=4, A=1, H=1).rows[0]
    assert low.value == 2.0 and "vacuous" not in low.note


def test_compare_renders_its_table():
    """The text table has the header, then a line of dashes, then one line per card; a card
    missing a parameter shows ``-`` (text) and ``--`` (LaTeX) and a note that starts with what it
    needs; a valued card shows its value to 6 (text) and 4 (LaTeX) significant digits."""
    from rlcert.bounds.compare import compare

    c = compare(["concentration.hoeffding", "concentration.bernstein"], n=100, delta=0.05, b=1.0)
    lines = str(c).splitlines()
    assert lines[0].startswith("card") and set(lines[1].replace(" ", "")) == {"-"}
    assert len(lines) == 4
    hoeff, bern = c.rows
    assert hoeff.value == pytest.approx(math.sqrt(math.log(40) / 200), rel=1e-12)
    assert f"{hoeff.value:.6g}" in lines[2]
    assert bern.value is None and bern.note.startswith("needs sigma2")
    assert " - " in lines[3] or lines[3].split()[5] == "-"
    tex = c.to_latex()
    assert f"{hoeff.value:.4g}" in tex and "& -- &" in tex


def test_compare_an_upper_bound_equal_to_its_lower_bound():
    """UCBVI-CH's upper bound ``sqrt(A) H sqrt(S T)`` (T in steps) and the matching lower bound
    ``sqrt(A) H sqrt(S T)`` (T in episodes) coincide at ``H = 1`` once ``T`` is converted: the
    ratio is exactly 1 and the upper bound is not noted as below its lower bound; the shown
    parameters include the ``T_unit`` that was given (and only then)."""
    from rlcert.bounds.compare import compare

    c = compare(["regret.ucbvi_ch.upper", "regret.episodic_stationary.lower"], T=400, S=2, A=3,
                H=1, T_unit="steps")
    up, low = c.rows
    assert up.value == low.value == pytest.approx(math.sqrt(3 * 2 * 400), rel=1e-14)
    assert up.ratio_to_match == 1.0 and "below" not in up.note
    assert c.params["T_unit"] == "steps"
    assert "T_unit" not in compare(["regret.ucbvi_ch.upper"], T=400, S=2, A=3, H=1).params
    # H = 4: the upper bound in steps is sqrt(H) = 2 times the lower bound in episodes
    c = compare(["regret.ucbvi_ch.upper", "regret.episodic_stationary.lower"], T=400, S=2, A=3,
                H=4, T_unit="steps")
    assert c.rows[0].ratio_to_match == pytest.approx(2.0, rel=1e-14)


# -- selfcheck ------------------------------------------------------------------------------------
def test_upper_minus_lower_adds_delta_times_the_trivial_bound_only_where_documented():
    """A high-probability upper bound ``U`` against an expectation lower bound ``L`` is compared
    as ``U + delta * trivial - L`` (``E[X] <= U + delta * trivial``), with ``T`` converted from
    steps to episodes: UCBVI-CH ``sqrt(A) H sqrt(S T)`` at ``T = 400`` steps, ``H = 4``, against
    ``sqrt(A) H sqrt(S T')`` at ``T' = 100`` episodes, plus ``0.1 * 400``. Two high-probability
    bounds (Azar et al. 2013, upper and lower sample complexity) are compared as ``U - L``."""
    from rlcert.bounds.selfcheck import upper_minus_lower

    S, A, H, T, d = 2, 3, 4, 400, 0.1
    want = math.sqrt(A) * H * math.sqrt(S * T) + d * T - math.sqrt(A) * H * math.sqrt(S * T / H)
    got = upper_minus_lower("regret.ucbvi_ch.upper", dict(S=S, A=A, H=H, T=T, delta=d))
    assert got == pytest.approx(want, rel=1e-12)
    p = dict(A=2, S=3, delta=0.01, eps=0.1, gamma=0.9)
    base = p["A"] * p["S"] / (p["eps"] ** 2 * (1 - p["gamma"]) ** 3)
    want = base * math.log(6 / 0.01) - base * math.log(6 / (72 * 0.01)) / 8100
    assert upper_minus_lower("generative.azar2013.upper", p) == pytest.approx(want, rel=1e-12)

