r"""Concentrability coefficients, computed exactly from occupancy measures.

The data of a discounted offline problem are ``(s, a) ~ d^mu``, the normalised discounted occupancy
of the behaviour policy ``mu`` from the model's initial distribution ``rho``
(:func:`~rlcert.estimators.offline.collect_transitions`); episodic data visit ``(s, a)`` at stage
``h`` with probability ``d^mu_h(s, a)`` (:func:`~rlcert.estimators.offline.collect_episodes`).

* **Single-policy concentrability** (Rashidinejad, Zhu, Ma, Jiao and Russell 2021, "Bridging
  offline reinforcement learning and imitation learning: a tale of pessimism"; Li, Shi, Chen, Chi
  and Wei 2022, "Settling the sample complexity of model-based offline RL", Definitions 1 and 3):

  .. math:: C^\star = \max_{(s,a)} \frac{d^{\pi^\star}(s, a)}{d^\mu(s, a)}, \qquad
            C^\star = \max_{(h,s,a)} \frac{d^{\pi^\star}_h(s, a)}{d^\mu_h(s, a)}
            \quad\text{(episodic)},

  with the convention ``0/0 = 0`` and ``C* = inf`` when ``pi*`` visits a pair the data never
  cover (``d* > 0 = d^mu``). Li et al.'s *clipped* coefficient (Definitions 2 and 4) replaces the
  numerator by ``min{d*(s, a), 1/S}``; it is at most ``C*`` and may be below 1.
  ``d^{pi*}`` is the occupancy of one deterministic optimal policy, the oracle's
  (:func:`rlcert.mdp.solve`, first maximiser) unless ``policy`` is given; when several policies are
  optimal the coefficient depends on the choice, and the result says so (``ties``).
* **All-policy concentrability**: ``C_all = sup_pi max_{(s,a)} d^pi(s, a) / d^mu(s, a)``. For each
  pair the largest occupancy ``max_pi d^pi(s, a)`` is the optimal value of the MDP whose reward is
  the indicator of ``(s, a)`` (times ``1 - gamma``; at stage ``h`` for episodic models: the largest
  probability of being at ``s`` at stage ``h``, then playing ``a``), attained by a deterministic
  policy; it is computed exactly by policy iteration (discounted) or backward induction. ``C_all``
  is finite only when the data cover every pair that some policy reaches; otherwise it is ``inf``
  and no program is solved.

Occupancies come from :func:`rlcert.mdp.occupancy` (a linear solve, exact up to rounding).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from rlcert.mdp import FiniteHorizonMDP, TabularMDP, occupancy, solve
from rlcert.mdp.policies import policy_weights, stage_policy_weights

from .dataset import OfflineArgumentError

#: Occupancies at or below this are treated as zero (they arise from rounding in the linear solve
#: of a pair that is unreachable).
ZERO_OCCUPANCY = 1e-14


@dataclass(frozen=True)
class Concentrability:
    """Single-policy concentrability of a behaviour policy against an optimal policy.

    Attributes
    ----------
    C_star : float
        ``max d*(s, a) / d^mu(s, a)`` (``inf`` where ``pi*`` leaves the data's support).
    C_clipped : float
        ``max min{d*(s, a), 1/S} / d^mu(s, a)`` (Li et al.'s Definitions 2 and 4).
    argmax : tuple
        The pair ``(s, a)`` (or ``(h, s, a)``) attaining ``C_star``.
    d_star, d_behaviour : ndarray
        ``(S, A)`` or ``(H, S, A)`` occupancies of ``pi*`` and of ``mu``.
    policy : ndarray
        The deterministic optimal policy used, ``(S,)`` or ``(H, S)``.
    uncovered : ndarray of bool
        Pairs with ``d* > 0`` and ``d^mu = 0``.
    ties : bool
        Some state that ``pi*`` reaches has several optimal actions (then ``C*`` depends on the
        choice of ``pi*``).
    """

    C_star: float
    C_clipped: float
    argmax: tuple
    d_star: np.ndarray
    d_behaviour: np.ndarray
    policy: np.ndarray
    uncovered: np.ndarray
    ties: bool


@dataclass(frozen=True)
class AllPolicyConcentrability:
    """All-policy concentrability ``sup_pi max d^pi / d^mu``.

    Attributes
    ----------
    C_all : float
        The coefficient (``inf`` when some reachable pair is not covered by the data).
    argmax : tuple or None
        The pair attaining it (``None`` when infinite).
    max_occupancy : ndarray or None
        ``max_pi d^pi(s, a)`` per pair (``(S, A)`` or ``(H, S, A)``; ``None`` when infinite).
    reachable : ndarray of bool
        Pairs that some policy visits with positive probability.
    """

    C_all: float
    argmax: tuple | None
    max_occupancy: np.ndarray | None
    reachable: np.ndarray


def _check_model(m):
    if not isinstance(m, (TabularMDP, FiniteHorizonMDP)):
        raise OfflineArgumentError(f"m must be a TabularMDP or FiniteHorizonMDP, got "
                                   f"{type(m).__name__}")
    if isinstance(m, TabularMDP) and (m.gamma is None or not 0.0 < m.gamma < 1.0):
        raise OfflineArgumentError(f"concentrability of a TabularMDP needs a discount 0 < gamma < "
                                   f"1 (normalised occupancies); the model has gamma={m.gamma!r}")
    return m


def _weights(m, pi, name: str) -> np.ndarray:
    if isinstance(m, FiniteHorizonMDP):
        return stage_policy_weights(pi, m.horizon, m.n_states, m.n_actions, name)
    return policy_weights(pi, m.n_states, m.n_actions, name)


def _deterministic(m, policy) -> np.ndarray:
    """``policy`` as ``(S,)`` (or ``(H, S)``) action indices, or the error naming it."""
    shape = (m.horizon, m.n_states) if isinstance(m, FiniteHorizonMDP) else (m.n_states,)
    arr = np.asarray(policy)
    if arr.shape != shape or arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise OfflineArgumentError(f"policy must be {shape} integer actions (a deterministic "
                                   f"policy), got shape {arr.shape} and dtype {arr.dtype}")
    if np.any((arr < 0) | (arr >= m.n_actions)):
        bad = tuple(int(i) for i in np.argwhere((arr < 0) | (arr >= m.n_actions))[0])
        raise OfflineArgumentError(f"policy{list(bad)} = {int(arr[bad])} is not an action in "
                                   f"[0, {m.n_actions})")
    return arr.astype(np.int64)


def _ratio_max(num: np.ndarray, den: np.ndarray) -> tuple[float, tuple]:
    """``max num / den`` with ``0/0 = 0`` and ``x/0 = inf`` for ``x > 0``, and its argmax."""
    num = np.where(num > ZERO_OCCUPANCY, num, 0.0)
    den = np.where(den > ZERO_OCCUPANCY, den, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(num > 0.0, num / np.where(den > 0.0, den, 0.0), 0.0)
    ratio = np.where((num > 0.0) & (den == 0.0), np.inf, ratio)
    k = int(np.argmax(ratio))
    return float(ratio.flat[k]), tuple(int(i) for i in np.unravel_index(k, ratio.shape))


def single_policy_concentrability(m: TabularMDP | FiniteHorizonMDP, behaviour, policy=None
                                  ) -> Concentrability:
    r"""Single-policy concentrability ``C* = max d^{pi*}(s, a) / d^mu(s, a)`` (module docstring).

    Parameters
    ----------
    m : TabularMDP (``0 < gamma < 1``) or FiniteHorizonMDP
    behaviour : array_like
        The behaviour policy: ``(S,)`` actions or ``(S, A)`` probabilities (``(H, S)`` /
        ``(H, S, A)`` for finite-horizon models).
    policy : array_like, optional
        The deterministic optimal policy to measure against (default: the oracle's).

    Returns
    -------
    Concentrability
    """
    m = _check_model(m)
    W_mu = _weights(m, behaviour, "behaviour")
    if policy is None:
        res = solve(m, method="pi", tol=1e-12) if isinstance(m, TabularMDP) else solve(m)
        pi = np.asarray(res.policy, dtype=np.int64)
        opt = np.asarray(res.optimal_actions, dtype=bool)
    else:
        pi = _deterministic(m, policy)
        opt = None
    d_star = occupancy(m, pi)
    d_mu = occupancy(m, W_mu)
    C, arg = _ratio_max(d_star, d_mu)
    S = m.n_states
    C_clip, _ = _ratio_max(np.minimum(d_star, 1.0 / S), d_mu)
    uncovered = (d_star > ZERO_OCCUPANCY) & (d_mu <= ZERO_OCCUPANCY)
    ties = False
    if opt is not None:
        visited = d_star.sum(axis=-1) > ZERO_OCCUPANCY
        ties = bool(np.any(visited & (opt.sum(axis=-1) > 1)))
    return Concentrability(C, C_clip, arg, d_star, d_mu, pi, uncovered, ties)


def _reachable_states(m) -> np.ndarray:
    """States some policy reaches from the initial support: ``(S,)`` (discounted) or ``(H, S)``."""
    S, A = m.n_states, m.n_actions
    support = np.asarray(m.initial) > 0.0
    rows = m.rows
    if isinstance(m, FiniteHorizonMDP):
        out = np.zeros((m.horizon, S), dtype=bool)
        cur = support
        for h in range(m.horizon):
            out[h] = cur
            block = rows[h * m.stage_stride: h * m.stage_stride + S * A]
            mask = np.repeat(cur.astype(np.float64), A)
            cur = np.asarray(block.T @ mask).ravel() > 0.0
        return out
    reach = support.copy()
    while True:
        mask = np.repeat(reach.astype(np.float64), A)
        nxt = reach | (np.asarray(rows.T @ mask).ravel() > 0.0)
        if np.array_equal(nxt, reach):
            return reach
        reach = nxt


def all_policy_concentrability(m: TabularMDP | FiniteHorizonMDP, behaviour
                               ) -> AllPolicyConcentrability:
    r"""All-policy concentrability ``sup_pi max_{(s,a)} d^pi(s, a) / d^mu(s, a)`` (module
    docstring).

    For each pair ``(s, a)`` the largest discounted occupancy is ``(1 - gamma) V*_{e_{sa}}(rho)``,
    ``V*_{e_{sa}}`` the optimal value with reward ``1{(s', a') = (s, a)}`` (exact policy
    iteration, one program per pair; ``S A`` of them). For a finite-horizon model the largest
    ``P(s_h = s, a_h = a)`` is the largest probability of reaching ``s`` at stage ``h`` (backward
    induction, all ``S`` targets of a stage at once). ``inf`` without solving anything when a
    reachable pair has ``d^mu = 0``.
    """
    m = _check_model(m)
    W_mu = _weights(m, behaviour, "behaviour")
    d_mu = occupancy(m, W_mu)
    S, A = m.n_states, m.n_actions
    reach_s = _reachable_states(m)
    reachable = np.repeat(reach_s[..., None], A, axis=-1)
    if np.any(reachable & (d_mu <= ZERO_OCCUPANCY)):
        return AllPolicyConcentrability(np.inf, None, None, reachable)
    if isinstance(m, FiniteHorizonMDP):
        best = _max_stage_occupancy(m)
    else:
        assert m.gamma is not None  # _check_model refuses an undiscounted TabularMDP
        best = np.zeros((S, A))
        for s, a in zip(*np.nonzero(reachable)):
            R = np.zeros((S, A))
            R[s, a] = 1.0 - m.gamma
            best[s, a] = float(np.dot(m.initial, solve(m.with_rewards(R), method="pi",
                                                       tol=1e-13).V))
    C, arg = _ratio_max(best, d_mu)
    return AllPolicyConcentrability(C, arg, best, reachable)


def _max_stage_occupancy(m: FiniteHorizonMDP) -> np.ndarray:
    """``max_pi P(s_h = s)`` for every ``(h, s)``, broadcast over actions (``(H, S, A)``): for
    target stage ``h``, ``W_h = I`` (one column per target state) and ``W_t(x) = max_a sum_x'
    P_t(x' | x, a) W_{t+1}(x')`` backwards to ``t = 0``; the answer is ``rho^T W_0``."""
    H, S, A = m.horizon, m.n_states, m.n_actions
    out = np.zeros((H, S, A))
    rows = m.rows
    for h in range(H):
        W = np.eye(S)
        for t in range(h - 1, -1, -1):
            block = rows[t * m.stage_stride: t * m.stage_stride + S * A]
            nxt = np.asarray(block @ W).reshape(S, A, S)
            W = nxt.max(axis=1)
        out[h] = (np.asarray(m.initial) @ W)[:, None]
    return out


__all__ = ["Concentrability", "AllPolicyConcentrability", "single_policy_concentrability",
           "all_policy_concentrability", "ZERO_OCCUPANCY"]
