r"""Finite distributions of returns and the risk measures read from them.

Convention (the package's, see :mod:`rlcert.mdp.risk`): rewards are to be maximised, ``tau`` in
(0, 1] is the fraction of the *lower* tail, and

.. math:: \mathrm{CVaR}_\tau(X) = \sup_b \{ b - E[(b - X)^+] / \tau \}
          \qquad \text{(Rockafellar and Uryasev 2000, 2002; reward form)},

whose supremum is attained at every lower ``tau``-quantile, in particular at
``b = VaR_tau(X) = inf{x : F(x) >= tau}``.
For a finite distribution this equals the mean of the lowest ``tau`` of the probability mass, the
atom at ``VaR_tau`` entering with the fraction that completes ``tau``. ``CVaR_1 = E X``;
``tau -> CVaR_tau`` is non-decreasing and ``CVaR_tau -> min X`` as ``tau -> 0``.

Distances between finite distributions (exact, on the merged support):

* Wasserstein-1, ``W1(mu, nu) = int |F_mu - F_nu|``;
* Cramer, ``l2(mu, nu) = (int (F_mu - F_nu)^2)^{1/2}`` (Rowland et al. 2018; ``scipy``'s energy
  distance is ``sqrt(2) l2``).

``|CVaR_tau(mu) - CVaR_tau(nu)| <= W1(mu, nu) / tau``: ``CVaR_tau`` is the integral of the quantile
function over ``[0, tau]`` divided by ``tau``, and ``W1`` the integral of the quantile difference
over ``[0, 1]``.
"""

from __future__ import annotations

import numbers

import numpy as np

from .._validate import ROW_SUM_TOL, as_float_array, check_finite
from ..errors import InvalidArgumentError

#: Cumulative probabilities within this much of ``tau`` count as reaching it (float sums of
#: probabilities that add up to ``tau`` exactly in real arithmetic).
_QUANTILE_SLACK = 1e-12


def check_tau(tau, name: str = "tau") -> float:
    """A tail fraction in (0, 1]."""
    if isinstance(tau, bool) or not isinstance(tau, numbers.Real):
        raise InvalidArgumentError(f"{name} must be a number in (0, 1], got {tau!r}")
    t = float(tau)
    if not (0.0 < t <= 1.0):
        raise InvalidArgumentError(f"{name}={tau!r} is not in (0, 1]")
    return t


class DiscreteDistribution:
    r"""A distribution with finitely many atoms: ``P(X = values[i]) = probs[i]``.

    Atoms are sorted, equal values merged and zero-probability atoms dropped. ``probs`` must be
    non-negative and sum to 1 within 1e-9 (not renormalised).

    Methods give the mean, variance, CDF, ``VaR_tau`` (lower ``tau``-quantile) and ``CVaR_tau``
    in the reward form of the module docstring.
    """

    __slots__ = ("_values", "_probs")

    def __init__(self, values, probs):
        v = as_float_array(values, "values", InvalidArgumentError)
        p = as_float_array(probs, "probs", InvalidArgumentError)
        if v.ndim != 1 or v.shape != p.shape or v.size == 0:
            raise InvalidArgumentError(f"values and probs must be non-empty vectors of one length, "
                                       f"got shapes {v.shape} and {p.shape}")
        check_finite(v, "values", InvalidArgumentError)
        check_finite(p, "probs", InvalidArgumentError)
        if (p < 0).any():
            i = int(np.flatnonzero(p < 0)[0])
            raise InvalidArgumentError(f"probs[{i}] = {float(p[i])!r} is negative")
        total = float(p.sum())
        if abs(total - 1.0) > ROW_SUM_TOL:
            raise InvalidArgumentError(f"probs sums to {total!r}, not 1 "
                                       f"(tolerance {ROW_SUM_TOL:g})")
        keep = p > 0
        v, p = v[keep], p[keep]
        uniq, inverse = np.unique(v, return_inverse=True)
        merged = np.bincount(inverse, weights=p, minlength=uniq.size)
        self._values, self._probs = uniq, merged
        self._values.flags.writeable = False
        self._probs.flags.writeable = False

    @classmethod
    def _trusted(cls, values: np.ndarray, probs: np.ndarray) -> "DiscreteDistribution":
        """Wrap sorted, distinct, positive-probability atoms computed by this package."""
        obj = cls.__new__(cls)
        obj._values = np.ascontiguousarray(values, dtype=np.float64)
        obj._probs = np.ascontiguousarray(probs, dtype=np.float64)
        obj._values.flags.writeable = False
        obj._probs.flags.writeable = False
        return obj

    @property
    def values(self) -> np.ndarray:
        """Atoms, increasing (read-only)."""
        return self._values

    @property
    def probs(self) -> np.ndarray:
        """Their probabilities (read-only)."""
        return self._probs

    @property
    def n_atoms(self) -> int:
        """Number of atoms."""
        return int(self._values.size)

    def mean(self) -> float:
        """``E X``."""
        return float(np.dot(self._values, self._probs))

    def variance(self) -> float:
        """``E (X - E X)^2`` (two-pass)."""
        m = self.mean()
        return float(np.dot((self._values - m) ** 2, self._probs))

    def cdf(self, x) -> np.ndarray | float:
        """``F(x) = P(X <= x)``."""
        cum = np.cumsum(self._probs)
        idx = np.searchsorted(self._values, np.asarray(x, dtype=np.float64), side="right")
        out = np.where(idx > 0, cum[np.maximum(idx - 1, 0)], 0.0)
        return float(out) if np.ndim(out) == 0 else out

    def var(self, tau) -> float:
        """Value at risk, the lower ``tau``-quantile ``inf{x : F(x) >= tau}``, ``tau`` in (0, 1].

        Cumulative sums within 1e-12 of ``tau`` count as reaching it, so that masses adding up to
        ``tau`` in real arithmetic are not passed over because of rounding.
        """
        t = check_tau(tau)
        cum = np.cumsum(self._probs)
        i = int(np.searchsorted(cum, t - _QUANTILE_SLACK, side="left"))
        return float(self._values[min(i, self._values.size - 1)])

    def cvar(self, tau) -> float:
        r"""``CVaR_tau(X) = sup_b {b - E[(b - X)^+] / tau}``, evaluated at ``b = VaR_tau(X)``
        (a maximiser: the objective's right derivative ``1 - F(b)/tau`` changes sign there)."""
        t = check_tau(tau)
        b = self.var(t)
        short = np.maximum(b - self._values, 0.0)
        return float(b - np.dot(short, self._probs) / t)

    def upper_tail_mean(self, tau) -> float:
        r"""Mean of the upper ``1 - tau`` of the mass, ``(E X - tau CVaR_tau(X)) / (1 - tau)``,
        ``tau`` in (0, 1)."""
        t = check_tau(tau)
        if t == 1.0:
            raise InvalidArgumentError("upper_tail_mean needs tau < 1 (the upper tail is empty)")
        return (self.mean() - t * self.cvar(t)) / (1.0 - t)

    def shifted(self, c: float, scale: float = 1.0) -> "DiscreteDistribution":
        """The distribution of ``c + scale X`` (``scale > 0``)."""
        if not scale > 0:
            raise InvalidArgumentError(f"scale must be > 0, got {scale!r}")
        return DiscreteDistribution._trusted(c + scale * self._values, self._probs.copy())

    def __repr__(self) -> str:
        return (f"DiscreteDistribution(n_atoms={self.n_atoms}, support=[{self._values[0]:.6g}, "
                f"{self._values[-1]:.6g}], mean={self.mean():.6g})")


def _as_distribution(d, name: str) -> DiscreteDistribution:
    if isinstance(d, DiscreteDistribution):
        return d
    raise InvalidArgumentError(f"{name} must be a DiscreteDistribution, got {type(d).__name__}")


def cvar(values, probs, tau) -> float:
    """``CVaR_tau`` of the finite distribution ``P(X = values[i]) = probs[i]`` (reward form)."""
    return DiscreteDistribution(values, probs).cvar(tau)


def value_at_risk(values, probs, tau) -> float:
    """``VaR_tau``, the lower ``tau``-quantile of the finite distribution (reward form)."""
    return DiscreteDistribution(values, probs).var(tau)


def loss_cvar(losses, probs, alpha: float) -> float:
    r"""The loss form ``AVaR_alpha(L) = min_b {b + E[(L - b)^+] / (1 - alpha)}``, ``alpha`` in
    [0, 1) (Rockafellar and Uryasev; Bauerle and Ott 2011 write ``AVaR_tau`` of a cost), computed
    through the conversion ``AVaR_alpha(L) = -CVaR_{1 - alpha}(-L)``."""
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or not 0.0 <= alpha < 1.0:
        raise InvalidArgumentError(f"alpha={alpha!r} is not in [0, 1)")
    L = as_float_array(losses, "losses", InvalidArgumentError)
    return -DiscreteDistribution(-L, probs).cvar(1.0 - float(alpha))


def _cdf_pieces(mu: DiscreteDistribution, nu: DiscreteDistribution):
    """Breakpoints ``x_0 < ... < x_n`` of both CDFs and the two CDFs on each ``[x_i, x_{i+1})``."""
    grid = np.union1d(mu.values, nu.values)
    F = mu.cdf(grid)
    G = nu.cdf(grid)
    widths = np.diff(grid)
    return widths, np.atleast_1d(F)[:-1], np.atleast_1d(G)[:-1]


def wasserstein1(mu, nu) -> float:
    """``W1(mu, nu) = int |F_mu - F_nu| dx``, exact for finite distributions."""
    widths, F, G = _cdf_pieces(_as_distribution(mu, "mu"), _as_distribution(nu, "nu"))
    return float(np.dot(widths, np.abs(F - G)))


def cramer(mu, nu) -> float:
    """Cramer distance ``l2(mu, nu) = (int (F_mu - F_nu)^2 dx)^{1/2}``, exact for finite
    distributions (Rowland, Bellemare, Dabney, Munos and Teh 2018)."""
    widths, F, G = _cdf_pieces(_as_distribution(mu, "mu"), _as_distribution(nu, "nu"))
    return float(np.sqrt(np.dot(widths, (F - G) ** 2)))


__all__ = ["DiscreteDistribution", "cvar", "value_at_risk", "loss_cvar", "wasserstein1", "cramer",
           "check_tau"]
