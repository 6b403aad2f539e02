r"""Exact return distributions of Markov policies in finite-horizon models.

The return from stage ``h`` is ``G_h = sum_{j >= h} gamma^{j-h} r_j(s_j, a_j, s_{j+1})``, with the
rewards deterministic in ``(s, a, s')`` (see :mod:`rlcert.mdp.risk`). Its law from each state
follows the distributional Bellman recursion (Bellemare, Dabney and Munos 2017; Rowland et al.
2018)

.. math:: \eta_H(s) = \delta_0, \qquad
          \eta_h(s) = \sum_a \pi_h(a|s) \sum_{s'} P_h(s'|s, a)\,
          (b_{r_h(s,a,s'), \gamma})_\# \eta_{h+1}(s'),

with ``b_{r, g}(x) = r + g x``. Every ``eta_h(s)`` has finitely many atoms; two ways keep them few:

* **lattice** (``lattice=delta``): the discounted stage rewards ``gamma^h r_h`` are integer
  multiples of ``delta``, so every return is ``k delta`` for an integer ``k`` in a range of at most
  ``sum_h (max_h - min_h) / delta + 1`` values; atoms with the same ``k`` merge exactly. Exact.
* **finite support** (``lattice=None``): atoms with equal values merge; when a state's law has
  more than ``max_atoms`` atoms, they are pooled into ``max_atoms`` equal-width bins at their
  conditional means. The pooling moves mass ``c_h = max_s sum_i p_i |x_i - mean(bin(i))|`` in
  ``W1`` and the recursion is a ``gamma``-contraction in the supremum ``W1`` metric (Bellemare et
  al. 2017), so ``sup_s W1(eta^_h(s), eta_h(s)) <= sum_{j >= h} gamma^{j-h} c_j``: that
  sum at ``h = 0`` is ``w1_bound``. Pooling at conditional means keeps the mean exact and makes
  the computed law a mean-preserving contraction of the true one (smaller in convex order), so
  the true ``CVaR_tau`` lies in ``[CVaR^ - w1_bound / tau, CVaR^]`` and the true variance is at
  least the computed one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import check_positive_int, check_real
from ..errors import InvalidArgumentError
from ..models import FiniteHorizonMDP
from ..policies import stage_policy_weights
from . import kernels
from ._rewards import (dense_transitions, discounted_stage_rewards, lattice_indices,
                       transition_rewards)
from .measures import DiscreteDistribution, check_tau

#: Largest ``S * (number of lattice points)`` the lattice mode allocates per stage.
MAX_LATTICE_CELLS = 50_000_000


@dataclass(frozen=True, repr=False)
class ReturnDistributions:
    r"""Return distributions of one policy from stage 0.

    Attributes
    ----------
    by_state : tuple of DiscreteDistribution
        The law of ``G_0`` from each start state.
    initial : DiscreteDistribution
        The law of ``G_0`` with ``s_0 ~ fh.initial`` (the mixture of ``by_state``).
    w1_bound : float
        ``W1(computed, exact) <= w1_bound`` for every start state and for ``initial``; 0 when
        ``exact``.
    exact : bool
        True unless atoms were pooled (finite-support mode with ``max_atoms`` reached).
    lattice : float or None
        The lattice step used, or None (finite-support mode).
    """

    by_state: tuple
    initial: DiscreteDistribution
    w1_bound: float
    exact: bool
    lattice: float | None
    info: dict[str, Any] = field(default_factory=dict)

    def mean(self) -> float:
        """``E G_0`` from the initial distribution (exact even when atoms were pooled)."""
        return self.initial.mean()

    def variance(self) -> float:
        """``Var G_0`` from the initial distribution (a lower bound when atoms were pooled)."""
        return self.initial.variance()

    def var(self, tau) -> float:
        """``VaR_tau(G_0)`` from the initial distribution (no error bound when atoms were
        pooled)."""
        return self.initial.var(tau)

    def cvar(self, tau) -> float:
        """``CVaR_tau(G_0)`` from the initial distribution (an upper bound when atoms were pooled,
        see :meth:`cvar_bounds`)."""
        return self.initial.cvar(tau)

    def cvar_bounds(self, tau) -> tuple[float, float]:
        """An interval holding the exact ``CVaR_tau(G_0)``: ``[c - w1_bound / tau, c]``."""
        t = check_tau(tau)
        c = self.initial.cvar(t)
        return c - self.w1_bound / t, c

    def __repr__(self) -> str:
        kind = f"lattice={self.lattice:g}" if self.lattice is not None else "finite support"
        return (f"ReturnDistributions(S={len(self.by_state)}, {kind}, exact={self.exact}, "
                f"initial={self.initial!r})")


def mixture(dists, weights) -> DiscreteDistribution:
    """``sum_i weights[i] dists[i]`` (weights a probability vector; zero weights skipped)."""
    vals, probs = [], []
    for d, w in zip(dists, weights):
        if w > 0:
            vals.append(d.values)
            probs.append(w * d.probs)
    return DiscreteDistribution(np.concatenate(vals), np.concatenate(probs))


def _merge_atoms(vals: np.ndarray, probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    uniq, inverse = np.unique(vals, return_inverse=True)
    return uniq, np.bincount(inverse, weights=probs, minlength=uniq.size)


def pool_atoms(vals: np.ndarray, probs: np.ndarray, n_bins: int):
    """Pool sorted atoms into at most ``n_bins`` equal-width bins at their conditional means;
    returns ``(values, probs, W1 cost of the move)``."""
    lo, hi = float(vals[0]), float(vals[-1])
    edges = np.linspace(lo, hi, n_bins + 1)
    b = np.clip(np.searchsorted(edges, vals, side="right") - 1, 0, n_bins - 1)
    mass = np.bincount(b, weights=probs, minlength=n_bins)
    first = np.bincount(b, weights=probs * vals, minlength=n_bins)
    keep = mass > 0
    means = first[keep] / mass[keep]
    means = np.minimum(np.maximum(means, edges[:-1][keep]), edges[1:][keep])
    full_means = np.zeros(n_bins)
    full_means[keep] = means
    cost = float(np.dot(probs, np.abs(vals - full_means[b])))
    return means, mass[keep], cost


def _finite_support(fh, P, r, W, max_atoms: int):
    H, S, A = fh.horizon, fh.n_states, fh.n_actions
    g = fh.gamma
    vals = [np.zeros(1) for _ in range(S)]
    probs = [np.ones(1) for _ in range(S)]
    error = 0.0
    pooled = 0
    for h in range(H - 1, -1, -1):
        new_vals, new_probs, stage_cost = [], [], 0.0
        for s in range(S):
            parts_v, parts_p = [], []
            for a in range(A):
                if W[h, s, a] == 0.0:
                    continue
                for s2 in np.flatnonzero(P[h, s, a]):
                    parts_v.append(r[h, s, a, s2] + g * vals[s2])
                    parts_p.append(W[h, s, a] * P[h, s, a, s2] * probs[s2])
            v, p = _merge_atoms(np.concatenate(parts_v), np.concatenate(parts_p))
            if v.size > max_atoms:
                v, p, cost = pool_atoms(v, p, max_atoms)
                stage_cost = max(stage_cost, cost)
                pooled += 1
            new_vals.append(v)
            new_probs.append(p)
        vals, probs = new_vals, new_probs
        error = stage_cost + g * error
    return vals, probs, error, pooled


def _lattice(fh, P, r, W, delta: float):
    H, S = fh.horizon, fh.n_states
    rd = discounted_stage_rewards(fh, r)
    K, dev = lattice_indices(rd, delta, approximate=False)
    K = np.ascontiguousarray(K)
    support = P > 0
    kmin = np.array([K[h][support[h]].min() for h in range(H)])
    kmax = np.array([K[h][support[h]].max() for h in range(H)])
    lo = np.concatenate([np.cumsum(kmin[::-1])[::-1], [0]])
    hi = np.concatenate([np.cumsum(kmax[::-1])[::-1], [0]])
    width = int((hi - lo).max()) + 1
    if S * width > MAX_LATTICE_CELLS:
        raise InvalidArgumentError(
            f"the returns span {width} points of lattice={delta!r} ({S * width} cells per stage, "
            f"more than {MAX_LATTICE_CELLS}); use a coarser lattice or lattice=None with max_atoms")
    dist = np.ones((S, 1))
    for h in range(H - 1, -1, -1):
        out = np.zeros((S, int(hi[h] - lo[h]) + 1))
        kernels.lattice_stage(P[h], K[h], W[h], dist, int(lo[h + 1]), out, int(lo[h]))
        dist = out
    grid = (np.arange(lo[0], hi[0] + 1) * delta).astype(np.float64)
    vals, probs = [], []
    for s in range(S):
        keep = dist[s] > 0
        vals.append(grid[keep])
        probs.append(dist[s][keep])
    return vals, probs, dev


def return_distribution(fh: FiniteHorizonMDP, policy, rewards=None, *, lattice: float | None = None,
                        max_atoms: int = 10_000) -> ReturnDistributions:
    r"""The law of the return ``G_0`` of a Markov policy, on its finite support.

    Parameters
    ----------
    fh : FiniteHorizonMDP
    policy : array_like
        ``(H, S)`` integer actions, ``(H, S, A)`` probabilities, or a stationary ``(S,)`` /
        ``(S, A)`` policy (as for :func:`rlcert.mdp.evaluate_policy`).
    rewards : array_like, optional
        Rewards deterministic in ``(s, a)`` or ``(s, a, s')``: ``(S, A)``, ``(H, S, A)``,
        ``(S, A, S)`` or ``(H, S, A, S)``; their expectation must be ``fh.R``. Default ``fh.R``.
    lattice : float, optional
        A step ``delta`` with every ``gamma^h r_h(s, a, s')`` an integer multiple of it (checked to
        1e-9 steps): exact computation on the lattice (see the module docstring).
    max_atoms : int
        Finite-support mode only: the most atoms kept per state and stage before pooling.

    Returns
    -------
    ReturnDistributions
        The laws from each start state and from ``fh.initial``, with ``w1_bound``.
    """
    P = dense_transitions(fh)
    r = transition_rewards(fh, rewards, P)
    W = stage_policy_weights(policy, fh.horizon, fh.n_states, fh.n_actions, "policy")
    info: dict[str, Any] = {}
    if lattice is None:
        max_atoms = check_positive_int(max_atoms, "max_atoms", InvalidArgumentError, minimum=2)
        vals, probs, error, pooled = _finite_support(fh, P, r, W, max_atoms)
        info.update(pooled=pooled, max_atoms=max_atoms)
        exact = pooled == 0
    else:
        delta = check_real(lattice, "lattice", lower=0.0, lower_open=True)
        vals, probs, dev = _lattice(fh, P, r, W, delta)
        info["lattice_deviation"] = dev
        error, exact = 0.0, True
    by_state = tuple(DiscreteDistribution(v, p) for v, p in zip(vals, probs))
    initial = mixture(by_state, fh.initial)
    return ReturnDistributions(by_state=by_state, initial=initial, w1_bound=float(error),
                               exact=exact, lattice=None if lattice is None else float(lattice),
                               info=info)


__all__ = ["return_distribution", "ReturnDistributions", "mixture", "pool_atoms"]
