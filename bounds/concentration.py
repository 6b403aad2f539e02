r"""Concentration widths as plain functions, callable from Python and from numba-compiled code.

Each function is the deviation width of the card of the same name in
:mod:`rlcert.theory.catalog.concentration` (a test asserts equality): the tail bound solved for
the deviation at confidence ``1 - delta``.

====================================  ==============================================================
function                              width
====================================  ==============================================================
:func:`hoeffding_width`               ``b sqrt(ln(2/delta) / (2n))`` (two-sided)
:func:`bernstein_width`               ``b L/(3n) + sqrt((b L/(3n))^2 + 2 sigma2 L / n)``, ``L = ln(1/delta)``
:func:`empirical_bernstein_width`     ``sqrt(2 V_n ln(2/delta)/n) + 7 ln(2/delta)/(3(n-1))`` (Maurer-Pontil)
:func:`weissman_l1_width`             ``sqrt(2 (ln(2^S - 2) + ln(1/delta)) / n)``, in log space
:func:`kl_radius`                     ``ln(1/delta) / n``
:func:`freedman_width`                ``b L/3 + sqrt((b L/3)^2 + 2 sigma2 L)``
:func:`time_uniform_hoeffding_width`  ``b sqrt(ln(2 n (n+1)/delta) / (2n))``
:func:`self_normalized_width`         ``sqrt(sigma2 (2 ln(1/delta) + logdet))`` (Abbasi-Yadkori et al.)
====================================  ==============================================================

:func:`log_det_ratio` computes ``logdet = log det(V_t) - log det(lambda I)`` of a Gram matrix.

KL helpers: :func:`kl_bernoulli` and the KL-UCB bounds :func:`kl_upper` / :func:`kl_lower`
(``max/min {q : kl(p, q) <= level}``) by bisection to machine precision.

Arguments
---------
Called from Python, every function checks its arguments against its card's domain and refuses
the others with :class:`~rlcert.bounds.BoundError` naming the argument and the value: counts
(``n``, ``S``) are integers (integral floats such as ``1e6`` are accepted, ``10.5`` is not) with
``n >= 1`` (``n >= 2`` for the empirical Bernstein width) and ``S >= 2``; ``delta`` lies in
``(0, 1)``; ``b > 0``; ``sigma2 >= 0`` (``> 0`` for the self-normalised width); ``logdet >= 0``;
``0 <= V_n <= n / (4 (n - 1))``; ``p`` and ``q`` are
probabilities in ``[0, 1]``; ``level`` is a number (``<= 0`` returns ``p``, ``inf`` allowed).
Booleans, complex numbers, strings, arrays and NaN are refused.

Called from numba-compiled code (a learner's loop), the same names compile to the same formulas,
preceded by checks of where the formula is defined: a count below 1 (2 for the empirical
Bernstein width), ``delta <= 0``, a ``delta`` whose logarithm term would be negative (above 2 for
``ln(2/delta)``, above 1 for ``ln(1/delta)``), a negative ``b``, ``sigma2`` or ``V_n``, ``S < 2``, a
``p`` or ``q`` outside ``[0, 1]`` or a NaN raise :class:`~rlcert.bounds.BoundError` with a
message naming the argument (compiled code cannot format the value). Those looser ranges keep
the learners' levels meaningful (UCB1's ``delta = 2 s^-4`` is 2 at ``s = 1``).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from numba import njit
from numba.extending import overload

from .evaluate import BoundError


# -- argument checks of the Python entry points ----------------------------------------------------
def _real(x, fn: str, name: str) -> float:
    if type(x) is not float and type(x) is not int:  # the common case skips the abc checks
        if (isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real)
                or np.ndim(x)):  # type: ignore[arg-type]  # numpy's ArrayLike omits numbers.Real
            raise BoundError(f"{fn}: {name} must be a real number, got {x!r}")
    v = float(x)
    if math.isnan(v):
        raise BoundError(f"{fn}: {name} must be a number, got nan")
    return v


def _count(x, fn: str, name: str, minimum: int) -> float:
    v = _real(x, fn, name)
    if not math.isfinite(v) or v != math.floor(v) or v < minimum:
        raise BoundError(f"{fn}: {name} must be an integer >= {minimum}, got {x!r}")
    return v


def _delta(x, fn: str) -> float:
    v = _real(x, fn, "delta")
    if not 0.0 < v < 1.0:
        raise BoundError(f"{fn}: delta must be in (0, 1), got {x!r}")
    return v


def _at_least(x, fn: str, name: str, lower: float, strict: bool) -> float:
    v = _real(x, fn, name)
    if not math.isfinite(v) or (v <= lower if strict else v < lower):
        rng = f"({lower:g}, inf)" if strict else f"[{lower:g}, inf)"
        raise BoundError(f"{fn}: {name} must be a finite number in {rng}, got {x!r}")
    return v


def _prob(x, fn: str, name: str) -> float:
    v = _real(x, fn, name)
    if not 0.0 <= v <= 1.0:
        raise BoundError(f"{fn}: {name} must be a probability in [0, 1], got {x!r}")
    return v


# -- compiled cores: the formulas, with the checks compiled code can make ---------------------------
@njit(cache=True)
def _hoeffding(n, delta, b):
    if not n >= 1.0:
        raise BoundError("hoeffding_width: n must be >= 1")
    if not (delta > 0.0 and delta <= 2.0):
        raise BoundError("hoeffding_width: delta must be in (0, 2]")
    if not b >= 0.0:
        raise BoundError("hoeffding_width: b must be >= 0")
    return b * math.sqrt(math.log(2.0 / delta) / (2.0 * n))


@njit(cache=True)
def _bernstein(n, delta, sigma2, b):
    if not n >= 1.0:
        raise BoundError("bernstein_width: n must be >= 1")
    if not (delta > 0.0 and delta <= 1.0):
        raise BoundError("bernstein_width: delta must be in (0, 1]")
    if not sigma2 >= 0.0:
        raise BoundError("bernstein_width: sigma2 must be >= 0")
    if not b >= 0.0:
        raise BoundError("bernstein_width: b must be >= 0")
    L = math.log(1.0 / delta)
    a = b * L / (3.0 * n)
    return a + math.sqrt(a * a + 2.0 * sigma2 * L / n)


@njit(cache=True)
def _empirical_bernstein(n, delta, V_n):
    if not n >= 2.0:
        raise BoundError("empirical_bernstein_width: n must be >= 2")
    if not (delta > 0.0 and delta <= 2.0):
        raise BoundError("empirical_bernstein_width: delta must be in (0, 2]")
    if not V_n >= 0.0:
        raise BoundError("empirical_bernstein_width: V_n must be >= 0")
    L = math.log(2.0 / delta)
    return math.sqrt(2.0 * V_n * L / n) + 7.0 * L / (3.0 * (n - 1.0))


@njit(cache=True)
def _log_two_pow_minus_two(S):
    if not S >= 2.0:
        raise BoundError("log_two_pow_minus_two: S must be >= 2")
    return S * math.log(2.0) + math.log1p(-math.pow(2.0, 1.0 - S))


@njit(cache=True)
def _weissman_l1(n, delta, S):
    if not n >= 1.0:
        raise BoundError("weissman_l1_width: n must be >= 1")
    if not (delta > 0.0 and delta <= 1.0):
        raise BoundError("weissman_l1_width: delta must be in (0, 1]")
    if not S >= 2.0:
        raise BoundError("weissman_l1_width: S must be >= 2")
    return math.sqrt(2.0 * (_log_two_pow_minus_two(S) + math.log(1.0 / delta)) / n)


@njit(cache=True)
def _kl_radius(n, delta):
    if not n >= 1.0:
        raise BoundError("kl_radius: n must be >= 1")
    if not (delta > 0.0 and delta <= 1.0):
        raise BoundError("kl_radius: delta must be in (0, 1]")
    return math.log(1.0 / delta) / n


@njit(cache=True)
def _freedman(sigma2, delta, b):
    if not sigma2 >= 0.0:
        raise BoundError("freedman_width: sigma2 must be >= 0")
    if not (delta > 0.0 and delta <= 1.0):
        raise BoundError("freedman_width: delta must be in (0, 1]")
    if not b >= 0.0:
        raise BoundError("freedman_width: b must be >= 0")
    L = math.log(1.0 / delta)
    a = b * L / 3.0
    return a + math.sqrt(a * a + 2.0 * sigma2 * L)


@njit(cache=True)
def _time_uniform_hoeffding(n, delta, b):
    if not n >= 1.0:
        raise BoundError("time_uniform_hoeffding_width: n must be >= 1")
    if not (delta > 0.0 and delta <= 2.0):
        raise BoundError("time_uniform_hoeffding_width: delta must be in (0, 2]")
    if not b >= 0.0:
        raise BoundError("time_uniform_hoeffding_width: b must be >= 0")
    return b * math.sqrt(math.log(2.0 * n * (n + 1.0) / delta) / (2.0 * n))


@njit(cache=True)
def _self_normalized(logdet, delta, sigma2):
    if not logdet >= 0.0:
        raise BoundError("self_normalized_width: logdet must be >= 0")
    if not (delta > 0.0 and delta <= 1.0):
        raise BoundError("self_normalized_width: delta must be in (0, 1]")
    if not sigma2 >= 0.0:
        raise BoundError("self_normalized_width: sigma2 must be >= 0")
    return math.sqrt(sigma2 * (2.0 * math.log(1.0 / delta) + logdet))


@njit(cache=True)
def _kl_bernoulli(p, q):
    if not (p >= 0.0 and p <= 1.0):
        raise BoundError("kl_bernoulli: p must be in [0, 1]")
    if not (q >= 0.0 and q <= 1.0):
        raise BoundError("kl_bernoulli: q must be in [0, 1]")
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
def _kl_upper(p, level):
    if not (p >= 0.0 and p <= 1.0):
        raise BoundError("kl_upper: p must be in [0, 1]")
    if level != level:
        raise BoundError("kl_upper: level must not be NaN")
    if level <= 0.0:
        return p
    lo, hi = p, 1.0
    if _kl_bernoulli(p, hi) <= level:
        return 1.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if _kl_bernoulli(p, mid) <= level:
            lo = mid
        else:
            hi = mid
    return lo


@njit(cache=True)
def _kl_lower(p, level):
    if not (p >= 0.0 and p <= 1.0):
        raise BoundError("kl_lower: p must be in [0, 1]")
    if level != level:
        raise BoundError("kl_lower: level must not be NaN")
    if level <= 0.0:
        return p
    lo, hi = 0.0, p
    if _kl_bernoulli(p, lo) <= level:
        return 0.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if mid <= lo or mid >= hi:
            break
        if _kl_bernoulli(p, mid) <= level:
            hi = mid
        else:
            lo = mid
    return hi


# -- the public functions: checked in Python, compiled cores in numba code --------------------------
def hoeffding_width(n, delta, b=1.0):
    """Two-sided Hoeffding width for the mean of ``n`` variables in an interval of length ``b``."""
    fn = "hoeffding_width"
    return _hoeffding(_count(n, fn, "n", 1), _delta(delta, fn), _at_least(b, fn, "b", 0.0, True))


def bernstein_width(n, delta, sigma2, b=1.0):
    """One-sided Bernstein width (exact root of the tail bound)."""
    fn = "bernstein_width"
    return _bernstein(_count(n, fn, "n", 1), _delta(delta, fn),
                      _at_least(sigma2, fn, "sigma2", 0.0, False), _at_least(b, fn, "b", 0.0, True))


def empirical_bernstein_width(n, delta, V_n):
    """Maurer and Pontil (2009, Thm 4) one-sided width for i.i.d. variables in [0, 1], ``n >= 2``,
    with ``V_n`` the unbiased sample variance (at most ``n / (4 (n - 1))``)."""
    fn = "empirical_bernstein_width"
    nn = _count(n, fn, "n", 2)
    v = _at_least(V_n, fn, "V_n", 0.0, False)
    if v > nn / (4.0 * (nn - 1.0)):
        raise BoundError(f"{fn}: V_n={V_n!r} exceeds n / (4 (n - 1)) = {nn / (4 * (nn - 1)):.6g}, "
                         f"the largest sample variance of {nn:g} values in [0, 1]")
    return _empirical_bernstein(nn, _delta(delta, fn), v)


def log_two_pow_minus_two(S):
    """``ln(2^S - 2)`` computed as ``S ln 2 + log1p(-2^(1-S))`` (no overflow for large S)."""
    return _log_two_pow_minus_two(_count(S, "log_two_pow_minus_two", "S", 2))


def weissman_l1_width(n, delta, S):
    """L1 width of the empirical distribution over ``S >= 2`` outcomes (Weissman et al. 2003)."""
    fn = "weissman_l1_width"
    return _weissman_l1(_count(n, fn, "n", 1), _delta(delta, fn), _count(S, fn, "S", 2))


def kl_radius(n, delta):
    """``ln(1/delta) / n``: the KL-Chernoff radius for the mean of ``n`` variables in [0, 1]."""
    return _kl_radius(_count(n, "kl_radius", "n", 1), _delta(delta, "kl_radius"))


def freedman_width(sigma2, delta, b=1.0):
    """Freedman's width for a martingale with increments ``<= b`` and variance budget ``sigma2``."""
    fn = "freedman_width"
    return _freedman(_at_least(sigma2, fn, "sigma2", 0.0, False), _delta(delta, fn),
                     _at_least(b, fn, "b", 0.0, True))


def time_uniform_hoeffding_width(n, delta, b=1.0):
    """Hoeffding width at ``delta / (n (n + 1))``: valid simultaneously for every ``n``."""
    fn = "time_uniform_hoeffding_width"
    return _time_uniform_hoeffding(_count(n, fn, "n", 1), _delta(delta, fn),
                                   _at_least(b, fn, "b", 0.0, True))


def self_normalized_width(logdet, delta, sigma2=1.0):
    r"""Abbasi-Yadkori, Pál and Szepesvári (2011, Theorem 1): with probability ``1 - delta``, for
    all ``t >= 0`` simultaneously,

    .. math:: \|S_t\|_{\bar V_t^{-1}}^2 \le 2 \sigma^2
              \log\frac{\det(\bar V_t)^{1/2} \det(\lambda I)^{-1/2}}{\delta}
              = \sigma^2 \big(2 \log(1/\delta) + \mathrm{logdet}\big),

    where ``S_t = sum_{s <= t} eta_s x_s`` for conditionally ``sigma``-sub-Gaussian noise
    ``eta_s`` (``sigma2 = sigma^2``), ``x_s`` predictable, ``V_bar_t = lambda I + sum_{s <= t}
    x_s x_s^T`` and ``logdet = log det(V_bar_t) - d log(lambda)`` (:func:`log_det_ratio`). Returns
    the width ``sqrt(sigma2 (2 log(1/delta) + logdet))`` of the norm ``||S_t||_{V_bar_t^-1}``."""
    fn = "self_normalized_width"
    return _self_normalized(_at_least(logdet, fn, "logdet", 0.0, False), _delta(delta, fn),
                            _at_least(sigma2, fn, "sigma2", 0.0, True))


def log_det_ratio(V, lam):
    """``log det(V) - d log(lam)`` for a symmetric positive definite ``(d, d)`` matrix ``V`` (twice
    the log-diagonal of its Cholesky factor): the ``logdet`` of :func:`self_normalized_width` for ``V = lam I +
    sum x x^T``. Refuses a non-square, non-finite, non-symmetric or non-positive-definite ``V`` and
    ``lam <= 0``."""
    fn = "log_det_ratio"
    lam = _at_least(lam, fn, "lam", 0.0, True)
    try:
        M = np.asarray(V, dtype=float)
    except (TypeError, ValueError):
        raise BoundError(f"{fn}: V must be a real (d, d) matrix, got {type(V).__name__}") from None
    if M.ndim != 2 or M.shape[0] != M.shape[1] or M.shape[0] == 0:
        raise BoundError(f"{fn}: V must be a square (d, d) matrix, got shape {M.shape}")
    if not np.all(np.isfinite(M)):
        raise BoundError(f"{fn}: V has non-finite entries")
    if not np.allclose(M, M.T, rtol=1e-12, atol=0.0):
        raise BoundError(f"{fn}: V is not symmetric")
    try:
        L = np.linalg.cholesky(M)
    except np.linalg.LinAlgError:
        raise BoundError(f"{fn}: V is not positive definite (its Cholesky factorisation "
                         f"fails)") from None
    return float(2.0 * np.sum(np.log(np.diag(L))) - M.shape[0] * math.log(lam))


def kl_bernoulli(p, q):
    """``kl(p, q) = p ln(p/q) + (1-p) ln((1-p)/(1-q))`` with ``0 ln 0 = 0`` (``inf`` when q is 0
    or 1 and p differs); ``p`` and ``q`` in [0, 1]."""
    return _kl_bernoulli(_prob(p, "kl_bernoulli", "p"), _prob(q, "kl_bernoulli", "q"))


def kl_upper(p, level):
    """``max {q in [p, 1] : kl(p, q) <= level}`` by bisection (KL-UCB's index with
    ``level = f(t) / N``); ``level <= 0`` returns ``p``."""
    return _kl_upper(_prob(p, "kl_upper", "p"), _real(level, "kl_upper", "level"))


def kl_lower(p, level):
    """``min {q in [0, p] : kl(p, q) <= level}`` by bisection; ``level <= 0`` returns ``p``."""
    return _kl_lower(_prob(p, "kl_lower", "p"), _real(level, "kl_lower", "level"))


# numba: inside compiled code the public names are the compiled cores
@overload(hoeffding_width)
def _ol_hoeffding_width(n, delta, b=1.0):
    def impl(n, delta, b=1.0):
        return _hoeffding(n, delta, b)
    return impl


@overload(bernstein_width)
def _ol_bernstein_width(n, delta, sigma2, b=1.0):
    def impl(n, delta, sigma2, b=1.0):
        return _bernstein(n, delta, sigma2, b)
    return impl


@overload(empirical_bernstein_width)
def _ol_empirical_bernstein_width(n, delta, V_n):
    def impl(n, delta, V_n):
        return _empirical_bernstein(n, delta, V_n)
    return impl


@overload(log_two_pow_minus_two)
def _ol_log_two_pow_minus_two(S):
    def impl(S):
        return _log_two_pow_minus_two(S)
    return impl


@overload(weissman_l1_width)
def _ol_weissman_l1_width(n, delta, S):
    def impl(n, delta, S):
        return _weissman_l1(n, delta, S)
    return impl


@overload(kl_radius)
def _ol_kl_radius(n, delta):
    def impl(n, delta):
        return _kl_radius(n, delta)
    return impl


@overload(freedman_width)
def _ol_freedman_width(sigma2, delta, b=1.0):
    def impl(sigma2, delta, b=1.0):
        return _freedman(sigma2, delta, b)
    return impl


@overload(time_uniform_hoeffding_width)
def _ol_time_uniform_hoeffding_width(n, delta, b=1.0):
    def impl(n, delta, b=1.0):
        return _time_uniform_hoeffding(n, delta, b)
    return impl


@overload(self_normalized_width)
def _ol_self_normalized_width(logdet, delta, sigma2=1.0):
    def impl(logdet, delta, sigma2=1.0):
        return _self_normalized(logdet, delta, sigma2)
    return impl


@overload(kl_bernoulli)
def _ol_kl_bernoulli(p, q):
    def impl(p, q):
        return _kl_bernoulli(p, q)
    return impl


@overload(kl_upper)
def _ol_kl_upper(p, level):
    def impl(p, level):
        return _kl_upper(p, level)
    return impl


@overload(kl_lower)
def _ol_kl_lower(p, level):
    def impl(p, level):
        return _kl_lower(p, level)
    return impl
