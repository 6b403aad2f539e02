r"""Concentration widths as plain compiled functions (usable inside numba code).

Each function is the deviation width of the card of the same name in
:mod:`rlcert.theory.catalog.concentration` (a test asserts equality): the tail bound solved for
the deviation at confidence ``1 - delta``.

=================================  ==============================================================
function                           width
=================================  ==============================================================
:func:`hoeffding_width`            ``b sqrt(ln(2/delta) / (2n))`` (two-sided)
:func:`bernstein_width`            ``b L/(3n) + sqrt((b L/(3n))^2 + 2 sigma2 L / n)``, ``L = ln(1/delta)``
:func:`empirical_bernstein_width`  ``sqrt(2 V_n ln(2/delta)/n) + 7 ln(2/delta)/(3(n-1))`` (Maurer-Pontil)
:func:`weissman_l1_width`          ``sqrt(2 (ln(2^S - 2) + ln(1/delta)) / n)``, in log space
:func:`kl_radius`                  ``ln(1/delta) / n``
:func:`freedman_width`             ``b L/3 + sqrt((b L/3)^2 + 2 sigma2 L)``
:func:`time_uniform_hoeffding_width`  ``b sqrt(ln(2 n (n+1)/delta) / (2n))``
=================================  ==============================================================

KL helpers: :func:`kl_bernoulli` and the KL-UCB bounds :func:`kl_upper` / :func:`kl_lower`
(``max/min {q : kl(p, q) <= level}``) by bisection to machine precision.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True)
def hoeffding_width(n, delta, b=1.0):
    """Two-sided Hoeffding width for the mean of ``n`` variables in an interval of length ``b``."""
    return b * math.sqrt(math.log(2.0 / delta) / (2.0 * n))


@njit(cache=True)
def bernstein_width(n, delta, sigma2, b=1.0):
    """One-sided Bernstein width (exact root of the tail bound)."""
    L = math.log(1.0 / delta)
    a = b * L / (3.0 * n)
    return a + math.sqrt(a * a + 2.0 * sigma2 * L / n)


@njit(cache=True)
def empirical_bernstein_width(n, delta, V_n):
    """Maurer and Pontil (2009, Thm 4) one-sided width for i.i.d. variables in [0, 1], ``n >= 2``,
    with ``V_n`` the unbiased sample variance."""
    L = math.log(2.0 / delta)
    return math.sqrt(2.0 * V_n * L / n) + 7.0 * L / (3.0 * (n - 1.0))


@njit(cache=True)
def log_two_pow_minus_two(S):
    """``ln(2^S - 2)`` computed as ``S ln 2 + log1p(-2^(1-S))`` (no overflow for large S)."""
    return S * math.log(2.0) + math.log1p(-math.pow(2.0, 1.0 - S))


@njit(cache=True)
def weissman_l1_width(n, delta, S):
    """L1 width of the empirical distribution over ``S >= 2`` outcomes (Weissman et al. 2003)."""
    return math.sqrt(2.0 * (log_two_pow_minus_two(S) + math.log(1.0 / delta)) / n)


@njit(cache=True)
def kl_radius(n, delta):
    """``ln(1/delta) / n``: the KL-Chernoff radius for the mean of ``n`` variables in [0, 1]."""
    return math.log(1.0 / delta) / n


@njit(cache=True)
def freedman_width(sigma2, delta, b=1.0):
    """Freedman's width for a martingale with increments ``<= b`` and variance budget ``sigma2``."""
    L = math.log(1.0 / delta)
    a = b * L / 3.0
    return a + math.sqrt(a * a + 2.0 * sigma2 * L)


@njit(cache=True)
def time_uniform_hoeffding_width(n, delta, b=1.0):
    """Hoeffding width at ``delta / (n (n + 1))``: valid simultaneously for every ``n``."""
    return b * math.sqrt(math.log(2.0 * n * (n + 1.0) / delta) / (2.0 * n))


@njit(cache=True)
def kl_bernoulli(p, q):
    """``kl(p, q) = p ln(p/q) + (1-p) ln((1-p)/(1-q))`` with ``0 ln 0 = 0`` (``inf`` when q is 0
    or 1 and p differs)."""
    out = 0.0
    if p > 0.0:
        if q <= 0.0:
            return math.inf
        out += p * math.log(p / q)
    if p < 1.0:
        if q >= 1.0:
            return math.inf
        out += (1.0 - p) * math.log((1.0 - p) / (1.0 - q))
    return out


@njit(cache=True)
def kl_upper(p, level):
    """``max {q in [p, 1] : kl(p, q) <= level}`` by bisection (KL-UCB's index with
    ``level = f(t) / N``)."""
    if level <= 0.0:
        return p
    lo, hi = p, 1.0
    if kl_bernoulli(p, hi) <= level:
        return 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if kl_bernoulli(p, mid) <= level:
            lo = mid
        else:
            hi = mid
    return lo


@njit(cache=True)
def kl_lower(p, level):
    """``min {q in [0, p] : kl(p, q) <= level}`` by bisection."""
    if level <= 0.0:
        return p
    lo, hi = 0.0, p
    if kl_bernoulli(p, lo) <= level:
        return 0.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if kl_bernoulli(p, mid) <= level:
            hi = mid
        else:
            lo = mid
    return hi
