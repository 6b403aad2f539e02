r"""Action grouping: the grouped MDP, its approximation error, and the approximation / estimation
decomposition of a plug-in learner's loss.

Setting (after Li, Ju and Shroff 2024, "Achieving sample and computational efficient
reinforcement learning by action space reduction via grouping", ICLR; arXiv:2306.12981). A
*grouping* partitions the actions ``{0, .., A-1}`` into ``k`` groups ``G_1, .., G_k`` (the same
partition in every state). The agent picks a group and plays an action drawn uniformly from it;
the resulting process is exactly the *grouped MDP* ``M_G`` with ``k`` actions

.. math::  r_G(s, g) = \frac{1}{|G_g|} \sum_{a \in G_g} r(s, a), \qquad
           P_G(\cdot | s, g) = \frac{1}{|G_g|} \sum_{a \in G_g} P(\cdot | s, a),

so every policy of ``M_G`` is a (randomised) policy of ``M`` with the same value:
``V^pi_{M_G} = V^{pi o G}_M``. The paper's construction models the intra-group differences by a
linear decomposition; only its abstract could be read here, so this module implements the natural
construction above and the bounds below, derived and proved here (not transcribed).

**Approximation error.** ``0 <= V*_M - V*_{M_G} <= (eps_R + gamma eps_P sp(V*_M) / 2) / (1 -
gamma)`` pointwise, with ``eps_R = max_{s, a} |r(s, a) - r_G(s, G(a))|`` and ``eps_P = max_{s, a}
||P(s, a) - P_G(s, G(a))||_1``. Proof: the lower bound because ``M_G``'s policies are policies of
``M``. For the upper bound let ``a*(s)`` be optimal in ``M`` and ``T_G`` the Bellman operator of
``M_G``: ``(T_G V*)(s) >= r_G(s, G(a*)) + gamma P_G(s, G(a*)) V* >= Q*(s, a*) - eps_R - gamma
|(P(s, a*) - P_G(s, G(a*))) V*| >= V*(s) - eps_R - gamma eps_P sp(V*) / 2`` (a difference of two
distributions has zero sum, so its product with ``V`` is at most ``||.||_1 sp(V) / 2``). Hence
``T_G V* >= V* - e`` and, ``T_G`` being monotone and a ``gamma``-contraction, ``V*_{M_G} >= V* -
e / (1 - gamma)``. Refining a grouping never increases the error (a coarse group is a mixture of
its fine sub-groups, a randomised policy of the finer grouped MDP).

**Decomposition.** A learner that estimates ``M_G`` from data and plays the optimal policy
``pi^`` of its estimate (uniformly within the chosen group) loses, exactly,

.. math::  V^*_M - V^{\hat\pi}_M = \underbrace{(V^*_M - V^*_{M_G})}_{\text{approximation}}
           + \underbrace{(V^*_{M_G} - V^{\hat\pi}_{M_G})}_{\text{estimation}},

both terms ``>= 0`` (:func:`grouping_tradeoff` measures them with the exact oracles). Fewer groups
mean a larger approximation term and, for a fixed sample budget, more samples per (state, group)
and a smaller estimation term: the trade-off the paper studies.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ._validate import check_labels, check_real
from .errors import InvalidArgumentError
from .evaluation import evaluate_policy
from .models import TabularMDP
from .solve import solve


def _check_model(m) -> TabularMDP:
    if not isinstance(m, TabularMDP):
        raise InvalidArgumentError(f"m must be a TabularMDP, got {type(m).__name__}")
    if m.gamma is None or m.gamma >= 1.0:
        raise InvalidArgumentError(f"action grouping needs a discounted model (gamma < 1), got "
                                   f"gamma={m.gamma!r}")
    return m


def grouped_mdp(m: TabularMDP, groups) -> TabularMDP:
    """The grouped MDP ``M_G`` (module docstring): one action per group, rewards and transitions
    averaged uniformly over the group's actions."""
    m = _check_model(m)
    g = check_labels(groups, m.n_actions, "groups", "action", "group")
    k = int(g.max()) + 1
    Z = np.zeros((m.n_actions, k))
    Z[np.arange(m.n_actions), g] = 1.0
    Z /= Z.sum(axis=0, keepdims=True)
    P = np.einsum("sat,ag->sgt", m.dense_P(), Z)
    P /= P.sum(axis=-1, keepdims=True)  # rounding only
    return TabularMDP(P, m.R @ Z, m.gamma, m.initial)


def lift_policy(policy, groups) -> np.ndarray:
    """``(S, A)`` weights of the policy of ``M`` that picks group ``policy[s]`` and then an action
    uniformly from it."""
    g = np.asarray(groups, dtype=np.int64)
    pol = np.asarray(policy, dtype=np.int64)
    size = np.bincount(g).astype(float)
    out = (g[None, :] == pol[:, None]).astype(float)
    return out / size[pol][:, None]


@dataclass(frozen=True)
class GroupingError:
    """Approximation error of a grouping, measured and bounded.

    Attributes
    ----------
    error : ndarray (S,)
        ``V*_M - V*_{M_G}`` (exact oracles, up to ``certificate``).
    bound : ndarray (S,)
        ``(eps_R + gamma eps_P sp(V*) / 2) / (1 - gamma)`` (the same at every state).
    eps_R, eps_P : float
        The reward and transition terms of the bound (module docstring).
    certificate : float
        Sum of the two solves' certificates: ``|error - true error| <= certificate``.
    n_groups : int
    """

    error: np.ndarray
    bound: np.ndarray
    eps_R: float
    eps_P: float
    certificate: float
    n_groups: int


def grouping_error(m: TabularMDP, groups, *, tol: float = 1e-11) -> GroupingError:
    """Measure ``V*_M - V*_{M_G}`` exactly and its bound (module docstring)."""
    m = _check_model(m)
    g = check_labels(groups, m.n_actions, "groups", "action", "group")
    tol = check_real(tol, "tol", lower=0.0, lower_open=True)
    mg = grouped_mdp(m, g)
    full = solve(m, method="pi", tol=tol)
    red = solve(mg, method="pi", tol=tol)
    P = m.dense_P()
    eps_R = float(np.max(np.abs(m.R - mg.R[:, g])))
    eps_P = float(np.max(np.abs(P - mg.dense_P()[:, g, :]).sum(axis=-1)))
    span = float(full.V.max() - full.V.min())
    gamma = m.gamma
    assert gamma is not None  # _check_model refused gamma=None
    b = (eps_R + gamma * eps_P * span / 2.0) / (1.0 - gamma)
    return GroupingError(error=full.V - red.V, bound=np.full(m.n_states, b), eps_R=eps_R,
                         eps_P=eps_P, certificate=float(full.certificate + red.certificate),
                         n_groups=int(g.max()) + 1)


def estimate_grouped_mdp(m: TabularMDP, groups, n_samples: int, seed=None) -> TabularMDP:
    """The empirical grouped MDP from ``n_samples`` draws per (state, group): each draw picks an
    action uniformly in the group, a next state from ``P`` and records ``r(s, a)`` (expected
    rewards are known, as in a generative model with mean rewards)."""
    m = _check_model(m)
    g = check_labels(groups, m.n_actions, "groups", "action", "group")
    if isinstance(n_samples, (bool, np.bool_)) or not isinstance(n_samples, (int, np.integer)) \
            or n_samples < 1:
        raise InvalidArgumentError(f"n_samples = {n_samples!r} must be a positive integer")
    rng = np.random.default_rng(seed)
    k = int(g.max()) + 1
    S = m.n_states
    P = m.dense_P()
    Pk = np.zeros((S, k, S))
    Rk = np.zeros((S, k))
    for c in range(k):
        acts = np.flatnonzero(g == c)
        for s in range(S):
            a = rng.choice(acts, size=n_samples)
            cnt = np.bincount(a, minlength=m.n_actions)[acts]
            for ai, na in zip(acts, cnt):
                if na:
                    Pk[s, c] += rng.multinomial(na, P[s, ai] / P[s, ai].sum())
                    Rk[s, c] += na * m.R[s, ai]
    Rk /= n_samples
    Pk /= n_samples
    return TabularMDP(Pk, Rk, m.gamma, m.initial)


@dataclass(frozen=True)
class Tradeoff:
    """One grouping's loss decomposition (module docstring), at the initial distribution.

    Attributes
    ----------
    n_groups : int
    approximation, estimation, total : float
        ``rho . (V*_M - V*_{M_G})``, ``rho . (V*_{M_G} - V^pi^_{M_G})`` and their sum
        ``rho . (V*_M - V^pi^_M)``.
    """

    n_groups: int
    approximation: float
    estimation: float
    total: float


def grouping_tradeoff(m: TabularMDP, groups, n_samples: int, seed=None) -> Tradeoff:
    """Estimate ``M_G`` from ``n_samples`` per (state, group), plan in the estimate, and measure
    the two terms of the decomposition exactly (module docstring)."""
    m = _check_model(m)
    g = check_labels(groups, m.n_actions, "groups", "action", "group")
    mg = grouped_mdp(m, g)
    est = estimate_grouped_mdp(m, g, n_samples, seed)
    pi_hat = solve(est, method="pi", tol=1e-11).policy
    v_star = solve(m, method="pi", tol=1e-11).V
    v_group = solve(mg, method="pi", tol=1e-11).V
    v_hat = np.asarray(evaluate_policy(mg, pi_hat), dtype=float)
    rho = m.initial
    approx = float(rho @ (v_star - v_group))
    estim = float(rho @ (v_group - v_hat))
    return Tradeoff(n_groups=int(g.max()) + 1, approximation=approx, estimation=estim,
                    total=approx + estim)


def nested_groupings(m: TabularMDP, n_groups_list) -> list[np.ndarray]:
    """A nested family of groupings (each a refinement of the previous): complete-linkage
    clustering of the actions by ``max_s (|r(s, a) - r(s, b)| + ||P(s, a) - P(s, b)||_1)``, cut
    at each requested number of groups (ascending)."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform
    m = _check_model(m)
    A = m.n_actions
    P = m.dense_P()
    D = np.zeros((A, A))
    for a in range(A):
        for b in range(A):
            D[a, b] = np.max(np.abs(m.R[:, a] - m.R[:, b]) + np.abs(P[:, a] - P[:, b]).sum(-1))
    Z = linkage(squareform(0.5 * (D + D.T), checks=False), method="complete") if A > 1 else None
    out = []
    for k in sorted(int(x) for x in n_groups_list):
        if not 1 <= k <= A:
            raise InvalidArgumentError(f"a number of groups {k} is not in [1, {A}]")
        raw = np.zeros(A, dtype=np.int64) if Z is None else fcluster(Z, t=k, criterion="maxclust")
        _, first = np.unique(raw, return_index=True)
        order = {int(raw[i]): j for j, i in enumerate(sorted(first))}
        out.append(np.array([order[int(c)] for c in raw], dtype=np.int64))
    return out


__all__ = ["grouped_mdp", "lift_policy", "GroupingError", "grouping_error",
           "estimate_grouped_mdp", "Tradeoff", "grouping_tradeoff", "nested_groupings"]
