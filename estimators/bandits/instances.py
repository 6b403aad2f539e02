r"""Bandit instances: stochastic arms and oblivious adversarial reward tables.

Stochastic instances (:class:`BernoulliBandit`, :class:`GaussianBandit`) know their means, the gaps
``Delta_a = mu* - mu_a``, each arm's KL divergence to the best arm within the model's parametric
family, and the Lai-Robbins constant

.. math::  C_{LR} = \sum_{a:\ \Delta_a > 0} \frac{\Delta_a}{\mathrm{KL}(P_a, P^*)},

so that any consistent policy has ``liminf R_n / ln n >= C_LR`` (Lai and Robbins 1985, Theorem 2;
the card ``bandit.lai_robbins.lower``). Learners report the pseudo-regret ``mu* - mu_{a_t}`` of
each step on them.

An :class:`AdversarialBandit` is an oblivious reward table ``x[t, a]`` in ``[0, 1]``, fixed before
the learner starts (seeded builders below). Learners report the regret against the best fixed arm
in hindsight at every ``n``,

.. math::  \hat R_n = \max_a \sum_{t < n} x_{t a} - \sum_{t < n} x_{t, A_t}.

Builders: :meth:`AdversarialBandit.sampled` (a stochastic instance's draws, fixed in advance),
:func:`switching` (the best arm changes every ``period`` steps) and :func:`ucb_trap` (a sequence
on which every UCB-type index policy has linear regret).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rlcert.bounds.concentration import kl_bernoulli

from .errors import BanditArgumentError, InvalidBanditError

KIND_BERNOULLI = 0
KIND_GAUSSIAN = 1
KIND_TABLE = 2

_CARD_VECTORS = ("Delta", "KL")


#: Largest magnitude of a Gaussian arm's mean or noise level: rewards, their sums over any run
#: that fits in memory and their squares then stay finite in float64.
MAX_GAUSSIAN_SCALE = 1e100


def real_array(values: Any, name: str) -> np.ndarray:
    """``values`` as a float64 array, refusing booleans, complex numbers, strings and other
    non-real data by name (nothing is converted silently: an imaginary part is never dropped)."""
    try:
        raw = np.asarray(values)
    except (TypeError, ValueError) as exc:
        raise InvalidBanditError(f"{name} is not an array of real numbers: {exc}") from None
    if raw.dtype.kind not in "fiu":
        what = {"b": "booleans", "c": "complex numbers", "U": "strings", "S": "bytes"}.get(
            raw.dtype.kind, f"dtype {raw.dtype}")
        raise InvalidBanditError(f"{name} must hold real numbers, got {what}: {values!r}")
    return np.array(raw, dtype=np.float64, copy=True)


def _as_means(means: Any, unit_interval: bool) -> np.ndarray:
    arr = real_array(means, "means")
    if arr.ndim != 1:
        raise InvalidBanditError(f"means must be a 1-D array of arm means, got shape {arr.shape}")
    if arr.shape[0] < 2:
        raise InvalidBanditError(f"a bandit needs at least 2 arms, got {arr.shape[0]} "
                                 f"(means={arr.tolist()})")
    for a, m in enumerate(arr):
        if not math.isfinite(m):
            raise InvalidBanditError(f"means[{a}] = {m} is not finite")
        if unit_interval and not 0.0 <= m <= 1.0:
            raise InvalidBanditError(f"means[{a}] = {m:.6g} is not in [0, 1]")
        if abs(m) > MAX_GAUSSIAN_SCALE:
            raise InvalidBanditError(f"means[{a}] = {m:.6g} exceeds {MAX_GAUSSIAN_SCALE:g} in "
                                     f"magnitude: rewards and their sums would overflow")
    arr.setflags(write=False)
    return arr


class StochasticBandit:
    """Common part of the stochastic instances (not instantiated directly)."""

    kind: int = -1
    family: str = ""

    def __init__(self, means, name: str | None = None) -> None:
        if type(self) is StochasticBandit:
            raise InvalidBanditError("StochasticBandit is abstract: use BernoulliBandit or "
                                     "GaussianBandit")
        self.means = _as_means(means, unit_interval=self.kind == KIND_BERNOULLI)
        self.name = name or f"{type(self).__name__}({np.array2string(self.means, separator=', ')})"

    # -- the instance's numbers ---------------------------------------------------------------
    @property
    def k(self) -> int:
        """Number of arms."""
        return int(self.means.shape[0])

    @property
    def best_mean(self) -> float:
        """``mu* = max_a mu_a``."""
        return float(self.means.max())

    @property
    def best_arm(self) -> int:
        """The lowest-numbered arm with the largest mean."""
        return int(np.argmax(self.means))

    @property
    def gaps(self) -> np.ndarray:
        """``Delta_a = mu* - mu_a`` for every arm (zero for the optimal arms)."""
        return self.best_mean - self.means

    @property
    def suboptimal(self) -> np.ndarray:
        """Boolean mask of the arms with a positive gap."""
        return self.gaps > 0.0

    @property
    def kl(self) -> np.ndarray:
        """``KL(P_a, P*)`` for every arm, within the instance's parametric family."""
        raise NotImplementedError

    @property
    def lai_robbins_constant(self) -> float:
        r"""``sum_{a: Delta_a > 0} Delta_a / KL(P_a, P*)`` (a term with infinite KL is 0)."""
        sub = self.suboptimal
        return float(np.sum(self.gaps[sub] / self.kl[sub]))

    def trivial_regret(self, n) -> np.ndarray | float:
        """The bound no learner can exceed: ``n * max_a Delta_a``."""
        out = np.asarray(n, dtype=np.float64) * float(self.gaps.max())
        return float(out) if out.ndim == 0 else out

    def card_params(self, card_id: str) -> dict[str, Any]:
        """The instance's values of the card's arm symbols, ready for
        :func:`rlcert.bounds.evaluate`: ``Delta`` (gaps of the suboptimal arms), ``KL`` (their KL
        divergences to the best arm) and ``k`` (the number of arms), those the card uses::

            b = BernoulliBandit([0.9, 0.8, 0.5])
            evaluate("bandit.ucb1.upper", n=1e4, **b.card_params("bandit.ucb1.upper"))
        """
        from rlcert.theory import get

        names = set(get(card_id).symbol_names)
        sub = self.suboptimal
        values = {"Delta": self.gaps[sub], "KL": self.kl[sub], "k": self.k}
        return {name: value for name, value in values.items() if name in names}

    def _env(self):
        """The arrays the compiled kernels read: ``(kind, means, sigma, table)``."""
        return self.kind, np.ascontiguousarray(self.means), float(getattr(self, "sigma", 0.0)), \
            np.zeros((0, self.k))

    def __repr__(self) -> str:
        return self.name


class BernoulliBandit(StochasticBandit):
    r"""Arms with Bernoulli rewards: arm ``a`` pays 1 with probability ``means[a]``, else 0.

    ``KL(P_a, P*) = kl(mu_a, mu*) = mu_a ln(mu_a/mu*) + (1 - mu_a) ln((1 - mu_a)/(1 - mu*))``
    (infinite when ``mu* = 1 > mu_a``; such an arm adds 0 to the Lai-Robbins constant).

    Parameters
    ----------
    means : array_like (k,)
        Success probabilities in ``[0, 1]``, ``k >= 2``.
    name : str, optional
    """

    kind = KIND_BERNOULLI
    family = "bernoulli"

    @property
    def kl(self) -> np.ndarray:
        best = self.best_mean
        return np.array([kl_bernoulli(float(m), best) for m in self.means])


class GaussianBandit(StochasticBandit):
    r"""Arms with Gaussian rewards ``N(mu_a, sigma^2)``, ``sigma`` known and common to all arms.

    ``KL(N(mu_a, sigma^2), N(mu*, sigma^2)) = Delta_a^2 / (2 sigma^2)``, so the Lai-Robbins
    constant is ``sum_a 2 sigma^2 / Delta_a``. Rewards are unbounded: learners whose guarantees
    need rewards in ``[0, 1]`` refuse this instance.

    Parameters
    ----------
    means : array_like (k,)
        Arm means (finite), ``k >= 2``.
    sigma : float
        Noise standard deviation, ``> 0``.
    """

    kind = KIND_GAUSSIAN
    family = "gaussian"

    def __init__(self, means, sigma: float = 1.0, name: str | None = None) -> None:
        if isinstance(sigma, (bool, np.bool_)) or not isinstance(sigma, (int, float, np.integer,
                                                                          np.floating)):
            raise InvalidBanditError(f"sigma = {sigma!r} must be a positive finite number")
        sigma = float(sigma)
        if not (math.isfinite(sigma) and 0.0 < sigma <= MAX_GAUSSIAN_SCALE):
            raise InvalidBanditError(f"sigma = {sigma} must be a positive finite number at most "
                                     f"{MAX_GAUSSIAN_SCALE:g}")
        self.sigma = sigma
        super().__init__(means, name=name)
        if name is None:
            self.name = (f"GaussianBandit({np.array2string(self.means, separator=', ')}, "
                         f"sigma={sigma:g})")

    @property
    def kl(self) -> np.ndarray:
        return self.gaps ** 2 / (2.0 * self.sigma ** 2)


class AdversarialBandit:
    r"""An oblivious adversary: the reward table ``rewards[t, a]`` in ``[0, 1]``, fixed in advance.

    A learner run for ``n_steps <= horizon`` steps plays rows ``0 .. n_steps - 1``. Its regret at
    ``n`` is against the best fixed arm in hindsight up to ``n``; the running best is
    :attr:`best_cumulative` (``max_a sum_{t < n} x[t, a]`` at index ``n - 1``).

    Parameters
    ----------
    rewards : array_like (horizon, k)
        Finite entries in ``[0, 1]``, ``k >= 2``, ``horizon >= 1``.
    name : str, optional
    """

    kind = KIND_TABLE
    family = "adversarial"

    def __init__(self, rewards, name: str | None = None) -> None:
        table = np.ascontiguousarray(real_array(rewards, "rewards"))
        if table.ndim != 2:
            raise InvalidBanditError(f"rewards must be a 2-D table (horizon, k), got shape "
                                     f"{table.shape}")
        if table.shape[1] < 2:
            raise InvalidBanditError(f"a bandit needs at least 2 arms, got rewards of shape "
                                     f"{table.shape}")
        if table.shape[0] < 1:
            raise InvalidBanditError(f"rewards has no rows (shape {table.shape})")
        bad = ~np.isfinite(table) | (table < 0.0) | (table > 1.0)
        if bad.any():
            t, a = (int(v) for v in np.argwhere(bad)[0])
            raise InvalidBanditError(f"rewards[{t}, {a}] = {table[t, a]:.6g} is not in [0, 1] "
                                     f"({int(bad.sum())} entries off)")
        table.setflags(write=False)
        self.rewards = table
        self.name = name or f"AdversarialBandit(horizon={table.shape[0]}, k={table.shape[1]})"
        best = np.cumsum(table, axis=0).max(axis=1)
        best.setflags(write=False)
        self._best = best

    @property
    def k(self) -> int:
        return int(self.rewards.shape[1])

    @property
    def horizon(self) -> int:
        """Number of rows: the longest run the table supports."""
        return int(self.rewards.shape[0])

    @property
    def best_cumulative(self) -> np.ndarray:
        """``max_a sum_{t <= s} x[t, a]`` for ``s = 0 .. horizon - 1``."""
        return self._best

    def best_arm_at(self, n: int) -> int:
        """The lowest-numbered arm with the largest total over the first ``n`` rows."""
        return int(np.argmax(self.rewards[:n].sum(axis=0)))

    def trivial_regret(self, n) -> np.ndarray | float:
        """The largest regret any learner can have at ``n``:
        ``max_a sum_{t<n} x[t, a] - sum_{t<n} min_a x[t, a]``."""
        worst = np.cumsum(self.rewards.min(axis=1))
        idx = np.asarray(n, dtype=np.int64) - 1
        out = self._best[idx] - worst[idx]
        return float(out) if np.ndim(out) == 0 else out

    def _env(self):
        return self.kind, np.zeros(self.k), 0.0, self.rewards

    @classmethod
    def sampled(cls, bandit: BernoulliBandit, horizon: int, seed) -> "AdversarialBandit":
        """The draws of a Bernoulli instance fixed in advance: ``x[t, a] ~ Bernoulli(mu_a)``
        independently, from ``numpy.random.default_rng(seed)`` (an oblivious adversary)."""
        if not isinstance(bandit, BernoulliBandit):
            raise BanditArgumentError(f"bandit must be a BernoulliBandit, got {bandit!r}")
        horizon = _positive_int("horizon", horizon)
        rng = np.random.default_rng(seed)
        table = (rng.random((horizon, bandit.k)) < bandit.means).astype(np.float64)
        return cls(table, name=f"sampled({bandit.name}, horizon={horizon}, seed={seed})")


def _positive_int(name: str, value) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer, float)):
        raise BanditArgumentError(f"{name} = {value!r} must be a positive integer")
    if isinstance(value, float) and not value.is_integer():
        raise BanditArgumentError(f"{name} = {value!r} must be a positive integer")
    if value < 1:
        raise BanditArgumentError(f"{name} = {value!r} must be a positive integer")
    return int(value)


def switching(horizon: int, k: int = 2, period: int = 1000, high: float = 0.75,
              low: float = 0.25, seed=None) -> AdversarialBandit:
    """A switching best arm: in each block of ``period`` steps one arm pays Bernoulli(``high``)
    and the others Bernoulli(``low``); the block's good arm is drawn uniformly among the arms
    other than the previous block's. All draws come from ``numpy.random.default_rng(seed)``
    before the learner starts (oblivious)."""
    horizon = _positive_int("horizon", horizon)
    k = _positive_int("k", k)
    period = _positive_int("period", period)
    if k < 2:
        raise BanditArgumentError(f"k = {k} must be at least 2")
    for name, v in (("high", high), ("low", low)):
        if not 0.0 <= v <= 1.0:
            raise BanditArgumentError(f"{name} = {v!r} is not in [0, 1]")
    rng = np.random.default_rng(seed)
    n_blocks = -(-horizon // period)
    good = np.empty(n_blocks, dtype=np.int64)
    good[0] = rng.integers(k)
    for b in range(1, n_blocks):  # one draw per block, not per step
        g = rng.integers(k - 1)
        good[b] = g + (g >= good[b - 1])
    p = np.full((horizon, k), float(low))
    block_of = np.arange(horizon) // period
    p[np.arange(horizon), good[block_of]] = float(high)
    table = (rng.random((horizon, k)) < p).astype(np.float64)
    return AdversarialBandit(table, name=f"switching(horizon={horizon}, k={k}, period={period}, "
                                         f"high={high:g}, low={low:g}, seed={seed})")


def ucb_trap(horizon: int, k: int = 2, p: float = 1.0, seed=None) -> AdversarialBandit:
    r"""A sequence on which UCB-type index policies have linear regret.

    ``x[t, a] = 0`` if ``a == t mod k``, else 1 (or, for ``p < 1``, a Bernoulli(``p``) draw from
    ``numpy.random.default_rng(seed)``).

    Why it defeats them: an index policy whose index is a function of (empirical mean, pulls,
    ``t``), decreasing in the pulls at a fixed mean, with ties going to the lowest-numbered arm
    (UCB1's ``x_bar_j + sqrt(2 ln t / n_j)``, KL-UCB's ``max {q : n_j kl(x_bar_j, q) <= f(t)}``)
    first plays arms ``0 .. k-1`` and then sees only rewards 0: every mean stays 0, so the
    least-played arm leads and it plays arm ``t mod k`` at step ``t``, which is always the zero
    entry. It collects nothing, while the best fixed arm collects about ``p n (k - 1) / k``: regret
    linear in ``n``. This is the argument that deterministic policies have linear worst-case
    regret (Lattimore and Szepesvári 2020, Section 11.1) written out as an oblivious table for
    index policies. A randomised learner (EXP3, Thompson sampling) is not caught.
    """
    horizon = _positive_int("horizon", horizon)
    k = _positive_int("k", k)
    if k < 2:
        raise BanditArgumentError(f"k = {k} must be at least 2")
    if not 0.0 < p <= 1.0:
        raise BanditArgumentError(f"p = {p!r} is not in (0, 1]")
    if p == 1.0:
        table = np.ones((horizon, k))
    else:
        table = (np.random.default_rng(seed).random((horizon, k)) < p).astype(np.float64)
    table[np.arange(horizon), np.arange(horizon) % k] = 0.0
    return AdversarialBandit(table, name=f"ucb_trap(horizon={horizon}, k={k}, p={p:g}, "
                                         f"seed={seed})")
