r"""CVaR value iteration with linear interpolation (Chow, Tamar, Mannor and Pavone 2015), finite
horizon, as an *approximation* whose gap to the exact optimum is measured, not promised.

Chow et al. decompose ``CVaR`` recursively over the augmented state ``(x, y)``, ``y`` in [0, 1] the
current tail fraction (their confidence level; the same as our ``tau``), using the dual form
``CVaR_y(Z) = min {E[xi Z] : 0 <= xi <= 1/y, E xi = 1}`` and the decomposition theorem
``CVaR_y(Z) = min_xi E[xi(X') CVaR_{y xi(X')}(Z | X')]`` (Pflug and Pichler 2016). In reward form
and finite horizon, with ``V_H = 0``:

.. math:: V_h(x, y) = \max_a \min_{\xi \in U(y, P_h(\cdot|x, a))} \sum_{x'} P_h(x'|x, a)\, \xi(x')
          \big[ r_h(x, a, x') + \gamma V_{h+1}(x', y \xi(x')) \big],

``U(y, P) = {xi : 0 <= xi <= 1/y, sum_x' xi(x') P(x') = 1}`` (their CVaR Bellman operator, written
for costs, with ``min`` and ``max`` exchanged). ``y -> y V_h(x, y)`` is convex (a supremum of
functions linear in ``y``: ``y CVaR_y(Z) = sup_b {y b - E(b - Z)^+}``), so Chow et al. interpolate
``y V(x, y)`` linearly on a grid ``0 = y_0 < y_1 < ... < y_N = 1``; with ``z(x') = y xi(x')`` the
inner problem becomes the minimisation of a separable convex piecewise-linear function under
``sum_x' P(x') z(x') = y``, ``0 <= z <= 1``, solved exactly here by filling the pieces in order of
slope. At ``y = 0`` the value is the worst case ``max_a min_{x'} r + gamma V_{h+1}(x', 0)``.

The value ``V_0`` at the initial tail fraction ``tau`` is their estimate of the optimal static CVaR,
and the policy that re-solves the interpolated inner problem at the current ``(x, y)`` and moves
to ``y' = z(x')`` is their policy. It is **not** optimal for the static CVaR in general, even with
an exact (continuous) ``y``: Hau, Delage, Ghavamzadeh and Petrik (NeurIPS 2023, "On dynamic
programming decompositions of static risk measures in Markov decision processes") show that the
saddle-point property the decomposition relies on can fail. So :func:`chow_cvar` reports

* ``value_gap = value - exact``: the estimate's error (either sign), and
* ``policy_gap = exact - policy_cvar >= 0``: how much the policy, evaluated exactly on its
  history-dependent rollout, loses against the optimum of :func:`~rlcert.mdp.risk.solve_cvar`.

At ``tau = 1`` the recursion is the risk-neutral one (``xi = 1`` is the only feasible density) and
both gaps vanish.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import (array_bytes, as_float_array, check_bool, check_finite, check_memory,
                         check_positive_int)
from ..errors import InvalidArgumentError
from ..models import FiniteHorizonMDP
from ._rewards import dense_transitions, transition_rewards
from .cvar import CVaRResult, solve_cvar
from .kernels import chow_fill, chow_segments, chow_stage
from .measures import DiscreteDistribution, check_tau

#: Largest number of ``(state, tail fraction, reward so far)`` nodes of the exact rollout.
MAX_NODES = 2_000_000


@dataclass(frozen=True, repr=False)
class ChowResult:
    r"""Chow et al.'s interpolated CVaR value iteration, with its measured gaps.

    Attributes
    ----------
    value : float
        The interpolated estimate of ``max_pi CVaR_tau(G)`` from ``fh.initial``.
    V : ndarray (H+1, S, N+1)
        ``V[h, x, i]`` approximates ``V_h(x, grid[i])``.
    grid : ndarray (N+1,)
        The tail fractions ``0 = y_0 < ... < y_N = 1`` (``tau`` included).
    distribution : DiscreteDistribution
        Exact law of the return of the interpolated policy from ``fh.initial``.
    policy_cvar : float
        ``CVaR_tau`` of ``distribution``.
    exact : float or None
        ``max_pi CVaR_tau(G)`` from :func:`~rlcert.mdp.risk.solve_cvar` (None if not compared).
    value_gap, policy_gap : float or None
        ``value - exact`` and ``exact - policy_cvar``.
    """

    value: float
    V: np.ndarray
    grid: np.ndarray
    tau: float
    distribution: DiscreteDistribution
    policy_cvar: float
    exact: float | None
    value_gap: float | None
    policy_gap: float | None
    info: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        gaps = ("" if self.exact is None else
                f", value_gap={self.value_gap:.3e}, policy_gap={self.policy_gap:.3e}")
        return (f"ChowResult(tau={self.tau:g}, value={self.value:.10g}, "
                f"policy_cvar={self.policy_cvar:.10g}{gaps}, grid points={self.grid.size})")


def _grid(tau: float, n_grid: int, grid) -> np.ndarray:
    if grid is None:
        n = check_positive_int(n_grid, "n_grid", InvalidArgumentError, minimum=2)
        y = np.union1d(np.linspace(0.0, 1.0, n + 1), [tau])
        return y
    y = as_float_array(grid, "grid", InvalidArgumentError)
    check_finite(y, "grid", InvalidArgumentError)
    if y.ndim != 1 or y.size < 2 or y[0] != 0.0 or y[-1] != 1.0 or np.any(np.diff(y) <= 0):
        raise InvalidArgumentError(f"grid must increase strictly from 0 to 1, got {y!r}")
    if not np.any(y == tau):
        raise InvalidArgumentError(f"grid must contain tau={tau!r}")
    return np.ascontiguousarray(y)


class _Rollout:
    """The interpolated policy at any ``(h, x, y)``: argmax of the interpolated operator at ``y``
    and the next tail fractions ``z(x')``."""

    def __init__(self, P, r, gamma, V, grid) -> None:
        self.P, self.r, self.g, self.V, self.grid = P, r, gamma, V, grid
        self._segments: dict = {}

    def _pieces(self, h: int, x: int, a: int):
        key = (h, x, a)
        if key not in self._segments:
            self._segments[key] = chow_segments(self.P[h, x, a], self.r[h, x, a], self.g,
                                                self.V[h + 1], self.grid)
        return self._segments[key]

    def step(self, h: int, x: int, y: float) -> tuple[int, np.ndarray]:
        P, S, A = self.P, self.P.shape[1], self.P.shape[2]
        if y <= 0.0:  # CVaR_0: the worst case, and it stays 0
            worst = [min(self.r[h, x, a, j] + self.g * self.V[h + 1, j, 0]
                         for j in np.flatnonzero(P[h, x, a])) for a in range(A)]
            return int(np.argmax(worst)), np.zeros(S)
        best, best_a, best_z = -np.inf, 0, None
        z = np.empty(S)
        for a in range(A):
            length, slope, owner = self._pieces(h, x, a)
            v = chow_fill(length, slope, owner, P[h, x, a], y, z)
            if v > best:
                best, best_a, best_z = v, a, z.copy()
        assert best_z is not None  # chow_fill's value is finite, so some action improves on -inf
        return best_a, best_z


def _root(mu: np.ndarray, V0: np.ndarray, grid: np.ndarray, tau: float):
    """``CVaR_tau`` over ``s_0 ~ mu``: the same interpolated inner problem with ``P = mu``,
    zero reward and no discount; returns the estimate and the initial tail fractions."""
    S = mu.shape[0]
    zeros = np.zeros(S)
    length, slope, owner = chow_segments(mu, zeros, 1.0, V0, grid)
    z = np.empty(S)
    value = chow_fill(length, slope, owner, mu, tau, z)
    return float(value), z


def chow_cvar(fh: FiniteHorizonMDP, tau, rewards=None, *, n_grid: int = 20, grid=None,
              reference: CVaRResult | None = None, compare: bool = True,
              lattice: float | None = None, approximate: bool = False) -> ChowResult:
    r"""Chow et al.'s CVaR value iteration with interpolation, finite horizon, with its gaps.

    Parameters
    ----------
    fh : FiniteHorizonMDP
    tau : float in (0, 1]
    rewards : array_like, optional
        As for :func:`~rlcert.mdp.risk.solve_cvar`.
    n_grid : int
        Uniform grid ``linspace(0, 1, n_grid + 1)`` of tail fractions, plus ``tau``.
    grid : array_like, optional
        An explicit grid, strictly increasing from 0 to 1 and containing ``tau``.
    reference : CVaRResult, optional
        The exact optimum to compare with; computed by :func:`~rlcert.mdp.risk.solve_cvar` (with
        ``lattice`` and ``approximate``) when ``compare`` and not given.

    Returns
    -------
    ChowResult
    """
    t0 = time.perf_counter()
    if not isinstance(fh, FiniteHorizonMDP):
        raise InvalidArgumentError(f"fh must be a FiniteHorizonMDP, got {type(fh).__name__}")
    tau = check_tau(tau)
    compare = check_bool(compare, "compare")
    approximate = check_bool(approximate, "approximate")
    if grid is None:
        n = check_positive_int(n_grid, "n_grid", InvalidArgumentError, minimum=2)
        check_memory(array_bytes(fh.horizon + 1, fh.n_states, n + 2),
                     f"n_grid={n}: the values V of shape (H + 1, S, n_grid + 2) = "
                     f"({fh.horizon + 1}, {fh.n_states}, {n + 2})")
    y = _grid(tau, n_grid, grid)
    P = dense_transitions(fh)
    H, S, A, _ = P.shape
    r = transition_rewards(fh, rewards, P)
    g = fh.gamma
    N = y.size
    V = np.zeros((H + 1, S, N))
    for h in range(H - 1, -1, -1):
        actions = np.zeros((S, N), dtype=np.int64)
        chow_stage(P[h], r[h], g, V[h + 1], y, V[h], actions)
    mu = fh.initial
    value, z0 = _root(mu, V[0], y, tau)
    # exact rollout of the interpolated policy: nodes (state, tail fraction, discounted reward)
    roll = _Rollout(P, r, g, V, y)
    nodes = {(int(s), float(z0[s]), 0.0): float(mu[s]) for s in np.flatnonzero(mu)}
    for h in range(H):
        nxt: dict = {}
        disc = g ** h
        for (x, yy, acc), m in nodes.items():
            a, z = roll.step(h, x, yy)
            for j in np.flatnonzero(P[h, x, a]):
                key = (int(j), float(z[j]), acc + disc * float(r[h, x, a, j]))
                nxt[key] = nxt.get(key, 0.0) + m * float(P[h, x, a, j])
        if len(nxt) > MAX_NODES:
            raise InvalidArgumentError(f"the exact rollout needs more than {MAX_NODES} nodes at "
                                       f"stage {h + 1}")
        nodes = nxt
    dist = DiscreteDistribution(np.array([k[2] for k in nodes]), np.array(list(nodes.values())))
    achieved = dist.cvar(tau)
    exact = value_gap = policy_gap = None
    if compare:
        ref = reference if reference is not None else solve_cvar(
            fh, tau, rewards, lattice=lattice, approximate=approximate)
        if not isinstance(ref, CVaRResult) or ref.tau != tau:
            raise InvalidArgumentError("reference must be the CVaRResult of solve_cvar for the "
                                       "same model and tau")
        exact = ref.value
        value_gap, policy_gap = value - exact, exact - achieved
    info = {"rollout_nodes": len(nodes), "seconds": time.perf_counter() - t0}
    return ChowResult(value=value, V=V, grid=y, tau=tau, distribution=dist,
                      policy_cvar=float(achieved), exact=exact, value_gap=value_gap,
                      policy_gap=policy_gap, info=info)


__all__ = ["chow_cvar", "ChowResult"]
