r"""Optimal static CVaR of the return of a finite-horizon MDP: the augmented-state dynamic program.

Objective (reward form, see :mod:`rlcert.mdp.risk`): over all history-dependent policies ``pi``,

.. math:: \max_\pi \mathrm{CVaR}_\tau(G), \qquad G = \sum_{h<H} \gamma^h r_h(s_h, a_h, s_{h+1}),
          \quad s_0 \sim \mu.

Since ``CVaR_tau(G) = sup_b {b - E[(b - G)^+] / tau}`` and both suprema commute,

.. math:: \max_\pi \mathrm{CVaR}_\tau(G) = \sup_b \Big\{ b - \frac1\tau
          \sum_s \mu(s)\, W_0(s, b) \Big\}, \qquad W_h(s, y) = \min_\pi E[(y - G_h)^+ \mid s_h = s],

where ``G_h`` is the (discounted-from-0) reward collected from stage ``h`` on. ``W`` solves a
dynamic program on the augmented state ``(s, y)``, ``y`` the budget left (Bauerle and Ott 2011,
in the loss form ``AVaR`` of a cost; here ``y_{h+1} = y_h - gamma^h r_h``):

.. math:: W_H(s, y) = y^+, \qquad
          W_h(s, y) = \min_a \sum_{s'} P_h(s'|s, a)\, W_{h+1}(s', y - \gamma^h r_h(s, a, s')).

An optimal policy is Markov in ``(s, y)``, hence history dependent in ``s`` alone: start with the
maximising ``b*``, take ``a = argmin`` above at the current budget, subtract each reward from it.

**Exactness.** When every ``gamma^h r_h`` is an integer multiple of a step ``delta`` (a lattice;
detected when ``lattice`` is not given), every return is a multiple of ``delta``, and so is a
maximising ``b`` (for each policy the supremum over ``b`` is attained at an atom of ``G``, its
``VaR_tau``): the program runs exactly on the budgets ``k delta``, ``Lo_h <= k <= Hi_h`` with
``[Lo_h delta, Hi_h delta]`` the range of ``G_h``. Outside that range ``W`` has closed forms:
``W_h = 0`` below, ``W_h(s, y) = y - V*_h(s)`` above (``V*`` the risk-neutral optimum). Cost
``O(H S^2 A K)`` for ``K`` budget points. The optimal policy's return distribution is then computed
exactly by a forward pass over ``(s, y)``, and its ``CVaR_tau`` is reported beside the value: the
two agree up to rounding.

**Approximation.** With ``approximate=True`` and a given ``lattice``, the rewards are rounded onto
the lattice. Every return moves by at most ``e = sum_h max |gamma^h r_h - round|`` and ``CVaR`` is
monotone and translation-equivariant, so the optimal value moves by at most ``e``; the returned
policy is evaluated exactly with the true rewards. The true optimum lies in
``[max(policy_cvar, value - e), value + e]``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import check_bool, check_real
from ..errors import InvalidArgumentError
from ..models import FiniteHorizonMDP
from ._rewards import (dense_transitions, detect_lattice, discounted_stage_rewards,
                       lattice_indices, transition_rewards)
from .kernels import budget_forward_stage, budget_stage
from .measures import DiscreteDistribution, check_tau

#: Largest number of augmented states ``S * sum_h (Hi_h - Lo_h + 1)`` the program allocates.
MAX_AUGMENTED_STATES = 50_000_000
#: Largest number of ``(state, budget, reward so far)`` nodes of the forward evaluation with
#: rewards off the lattice.
MAX_NODES = 2_000_000


@dataclass(frozen=True, repr=False)
class BudgetPolicy:
    r"""The history-dependent policy of the augmented program: Markov in ``(s, y)``.

    The history enters through the budget ``y_h = b - sum_{j<h} gamma^j r_j`` only. In lattice
    units ``k = y / delta``: ``actions[h][s, k - lo[h]]`` for ``lo[h] <= k <= hi[h]``, and the
    risk-neutral optimal action ``fallback[h, s]`` outside (optimal there: below ``lo`` the
    shortfall is already zero whatever happens, above ``hi`` it is linear in the return).

    Attributes
    ----------
    budget : float
        The initial budget ``b*`` (a ``VaR_tau`` of the optimal return).
    delta : float
        The lattice step.
    """

    budget: float
    delta: float
    lo: np.ndarray
    hi: np.ndarray
    actions: tuple
    fallback: np.ndarray

    @property
    def horizon(self) -> int:
        """Number of stages."""
        return len(self.actions)

    def action_index(self, h: int, s: int, k: int) -> int:
        """The action at stage ``h`` in state ``s`` with budget ``k delta``."""
        if self.lo[h] <= k <= self.hi[h]:
            return int(self.actions[h][s, k - self.lo[h]])
        return int(self.fallback[h, s])

    def action(self, h: int, s: int, y: float) -> int:
        """The action at stage ``h`` in state ``s`` with budget ``y`` (a multiple of ``delta``)."""
        return self.action_index(h, s, int(round(y / self.delta)))

    def __repr__(self) -> str:
        return (f"BudgetPolicy(H={self.horizon}, budget={self.budget:.6g}, delta={self.delta:g}, "
                f"budget points={int(sum(self.hi - self.lo + 1))})")


@dataclass(frozen=True, repr=False)
class CVaRResult:
    r"""Optimal static ``CVaR_tau`` of the return and an optimal history-dependent policy.

    Attributes
    ----------
    value : float
        ``max_pi CVaR_tau(G)`` from ``fh.initial`` (of the lattice rewards when approximate).
    values : ndarray (S,)
        The same from each start state (each with its own best budget).
    policy : BudgetPolicy
        Optimal from ``fh.initial`` (budget ``policy.budget``).
    distribution : DiscreteDistribution
        The exact law of the return of ``policy`` from ``fh.initial`` (true rewards).
    policy_cvar : float
        ``CVaR_tau`` of ``distribution``: equals ``value`` up to rounding when exact.
    lower, upper : float
        Bounds on the true optimum (``value`` up to rounding when exact).
    status : {"exact", "approximate"}
    """

    value: float
    values: np.ndarray
    tau: float
    policy: BudgetPolicy
    distribution: DiscreteDistribution
    policy_cvar: float
    lower: float
    upper: float
    status: str
    lattice: float
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def budget(self) -> float:
        """The optimal initial budget ``b*``."""
        return self.policy.budget

    def __repr__(self) -> str:
        return (f"CVaRResult(tau={self.tau:g}, value={self.value:.10g}, "
                f"policy_cvar={self.policy_cvar:.10g}, status={self.status!r}, "
                f"lattice={self.lattice:g})")


def _ranges(P: np.ndarray, K: np.ndarray):
    """``lo[h], hi[h]``: the range of the remaining return from stage ``h`` in lattice units."""
    H = P.shape[0]
    support = P > 0
    kmin = np.array([K[h][support[h]].min() for h in range(H)], dtype=np.int64)
    kmax = np.array([K[h][support[h]].max() for h in range(H)], dtype=np.int64)
    lo = np.concatenate([np.cumsum(kmin[::-1])[::-1], [0]]).astype(np.int64)
    hi = np.concatenate([np.cumsum(kmax[::-1])[::-1], [0]]).astype(np.int64)
    return kmin, kmax, lo, hi


def _risk_neutral(P: np.ndarray, rl: np.ndarray):
    """``V*_h`` and a greedy policy for the stage rewards ``rl`` (already discounted)."""
    H, S, A, _ = P.shape
    V = np.zeros((H + 1, S))
    greedy = np.zeros((H, S), dtype=np.int64)
    for h in range(H - 1, -1, -1):
        Q = np.einsum("saj,saj->sa", P[h], rl[h] + V[h + 1][None, None, :])
        greedy[h] = np.argmax(Q, axis=1)
        V[h] = Q[np.arange(S), greedy[h]]
    return V, greedy


def _lattice_of(rd: np.ndarray, P: np.ndarray, lattice, approximate: bool):
    values = rd[P > 0]
    if lattice is None:
        if approximate:
            raise InvalidArgumentError("approximate=True needs an explicit lattice=<step>")
        return detect_lattice(values, "gamma^h * rewards")
    return check_real(lattice, "lattice", lower=0.0, lower_open=True)


def _forward_lattice(P, K, policy: BudgetPolicy, mu, k0: int) -> DiscreteDistribution:
    """Exact law of the return of ``policy`` (rewards on the lattice): mass over ``(s, k)``."""
    H, S, A, _ = P.shape
    support = P > 0
    M, base = mu[:, None].astype(np.float64).copy(), k0
    for h in range(H):
        kmin = int(K[h][support[h]].min())
        kmax = int(K[h][support[h]].max())
        out = np.zeros((S, M.shape[1] + kmax - kmin))
        budget_forward_stage(P[h], K[h], M, base, policy.actions[h], int(policy.lo[h]),
                             int(policy.hi[h]), policy.fallback[h], out, base - kmax)
        M, base = out, base - kmax
    mass = M.sum(axis=0)
    keep = mass > 0
    k_end = base + np.flatnonzero(keep)
    # G = b - y_H = (k0 - k_H) delta
    return DiscreteDistribution((k0 - k_end) * policy.delta, mass[keep])


def _forward_nodes(P, K, rl_true, policy: BudgetPolicy, mu, k0: int) -> DiscreteDistribution:
    """Exact law of the return of ``policy`` with the true (off-lattice) rewards: nodes
    ``(s, k, reward so far)``."""
    H = P.shape[0]
    nodes = {(int(s), k0, 0.0): float(mu[s]) for s in np.flatnonzero(mu)}
    for h in range(H):
        nxt: dict = {}
        for (s, k, acc), m in nodes.items():
            a = policy.action_index(h, s, k)
            for s2 in np.flatnonzero(P[h, s, a]):
                key = (int(s2), k - int(K[h, s, a, s2]), acc + float(rl_true[h, s, a, s2]))
                nxt[key] = nxt.get(key, 0.0) + m * float(P[h, s, a, s2])
        if len(nxt) > MAX_NODES:
            raise InvalidArgumentError(f"the exact evaluation with off-lattice rewards needs more "
                                       f"than {MAX_NODES} nodes at stage {h + 1}")
        nodes = nxt
    vals = np.array([acc for (_, _, acc) in nodes])
    probs = np.array(list(nodes.values()))
    return DiscreteDistribution(vals, probs)


def solve_cvar(fh: FiniteHorizonMDP, tau, rewards=None, *, lattice: float | None = None,
               approximate: bool = False) -> CVaRResult:
    r"""Optimal static ``CVaR_tau`` of the return and an optimal history-dependent policy.

    Parameters
    ----------
    fh : FiniteHorizonMDP
    tau : float in (0, 1]
        Lower-tail fraction (reward form; ``tau = 1`` is the risk-neutral optimum).
    rewards : array_like, optional
        Rewards deterministic in ``(s, a)`` or ``(s, a, s')`` whose expectation is ``fh.R``
        (shapes as for :func:`~rlcert.mdp.risk.return_distribution`). Default ``fh.R``.
    lattice : float, optional
        The step ``delta`` of the reward lattice. Default: detected from the rewards (the
        coarsest ``delta = 1/q``-type step with ``q <= 10^4``), refused if there is none.
    approximate : bool
        Round ``gamma^h r_h`` onto ``lattice`` instead of refusing rewards off it; the result then
        carries the bounds of the module docstring.

    Returns
    -------
    CVaRResult

    Notes
    -----
    Bauerle and Ott (2011), Math. Methods Oper. Res. 74:361-379, for the reduction to the
    augmented state; Rockafellar and Uryasev (2000) for the variational formula.
    """
    t0 = time.perf_counter()
    if not isinstance(fh, FiniteHorizonMDP):
        raise InvalidArgumentError(f"fh must be a FiniteHorizonMDP, got {type(fh).__name__}")
    tau = check_tau(tau)
    approximate = check_bool(approximate, "approximate")
    P = dense_transitions(fh)
    H, S, A, _ = P.shape
    r = transition_rewards(fh, rewards, P)
    rd = discounted_stage_rewards(fh, r)
    delta = _lattice_of(rd, P, lattice, approximate)
    K, _ = lattice_indices(np.where(P > 0, rd, 0.0), delta, approximate)
    K = np.ascontiguousarray(K)
    # e = sum_h max |gamma^h r_h - K delta| over transitions that can happen
    dev = np.where(P > 0, np.abs(rd - K * delta), 0.0)
    shift = float(dev.reshape(H, -1).max(axis=1).sum())
    _, _, lo, hi = _ranges(P, K)
    widths = hi - lo + 1
    if S * int(widths.sum()) > MAX_AUGMENTED_STATES:
        raise InvalidArgumentError(
            f"the augmented program has {S * int(widths.sum())} states (S={S} times "
            f"{int(widths.sum())} budget points of lattice={delta!r}), more than "
            f"{MAX_AUGMENTED_STATES}; use a coarser lattice with approximate=True")
    rl = K * delta
    vstar, greedy = _risk_neutral(P, rl)
    table = np.zeros((S, 1))
    actions: list = [None] * H
    for h in range(H - 1, -1, -1):
        new = np.empty((S, int(widths[h])))
        act = np.empty((S, int(widths[h])), dtype=np.int64)
        budget_stage(P[h], K[h], table, int(lo[h + 1]), int(hi[h + 1]), vstar[h + 1], delta,
                     int(lo[h]), int(hi[h]), new, act)
        table, actions[h] = new, act
    b = np.arange(lo[0], hi[0] + 1)
    per_state = b[None, :] * delta - table / tau
    values = per_state.max(axis=1)
    mu = fh.initial
    objective = b * delta - (mu @ table) / tau
    j = int(np.argmax(objective))
    value = float(objective[j])
    k0 = int(b[j])
    policy = BudgetPolicy(budget=k0 * delta, delta=delta, lo=lo[:H].copy(), hi=hi[:H].copy(),
                          actions=tuple(actions), fallback=greedy)
    if shift == 0.0:
        dist = _forward_lattice(P, K, policy, mu, k0)
        status = "exact"
    else:
        dist = _forward_nodes(P, K, rd, policy, mu, k0)
        status = "approximate"
    achieved = dist.cvar(tau)
    lower = max(achieved, value - shift) if status == "approximate" else value
    upper = value + shift
    info = {"budget_points": int(widths.sum()), "augmented_states": S * int(widths.sum()),
            "reward_shift": shift, "seconds": time.perf_counter() - t0}
    return CVaRResult(value=value, values=values, tau=tau, policy=policy, distribution=dist,
                      policy_cvar=float(achieved), lower=float(lower), upper=float(upper),
                      status=status, lattice=delta, info=info)


def evaluate_budget_policy(fh: FiniteHorizonMDP, policy: BudgetPolicy, rewards=None,
                           initial=None) -> DiscreteDistribution:
    """Exact law of the return of a :class:`BudgetPolicy` (rewards on its lattice), from
    ``initial`` (a state, a distribution, or ``fh.initial``)."""
    from .._validate import initial_distribution

    P = dense_transitions(fh)
    r = transition_rewards(fh, rewards, P)
    rd = discounted_stage_rewards(fh, r)
    K, _ = lattice_indices(np.where(P > 0, rd, 0.0), policy.delta, approximate=False)
    mu = fh.initial if initial is None else initial_distribution(initial, fh.n_states)
    if policy.horizon != fh.horizon:
        raise InvalidArgumentError(f"policy has horizon {policy.horizon}, the model {fh.horizon}")
    return _forward_lattice(P, np.ascontiguousarray(K), policy, mu,
                            int(round(policy.budget / policy.delta)))


__all__ = ["solve_cvar", "CVaRResult", "BudgetPolicy", "evaluate_budget_policy"]
