r"""Instance families for the sample-complexity checks.

* :func:`azar_hard`: the hard MDPs of Azar, Munos and Kappen (2013, Sec. 4.2, Fig. 1), whose
  effective horizon is set by ``gamma`` alone: estimating ``Q*`` to ``eps`` there needs
  ``Omega(S A log(S A/delta) / ((1-gamma)^3 eps^2))`` samples (their Theorem 3).
* :func:`lazy_cycle`: lazy cycles whose mixing time is set by the move probability ``q``
  (``t_mix ~ 1/q``) and computed exactly by :func:`rlcert.mdp.structure.mixing_time`
  (:func:`family_mixing_time`).
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from rlcert.mdp import TabularMDP, worst_mixing_time

from .errors import GenerativeArgumentError


def _check_int(value, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or int(value) < minimum:
        raise GenerativeArgumentError(f"{name} = {value!r} must be an integer >= {minimum}")
    return int(value)


def _check_prob(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
            not (0.0 <= float(value) <= 1.0):
        raise GenerativeArgumentError(f"{name} = {value!r} is not a probability in [0, 1]")
    return float(value)


def azar_stay_probability(gamma: float) -> float:
    """``p = (4 gamma - 1) / (3 gamma)``: then ``1 - gamma p = 4 (1 - gamma) / 3``."""
    return (4.0 * gamma - 1.0) / (3.0 * gamma)


def azar_hard(gamma: float, n_x: int = 1, n_actions: int = 2, *, p: float | None = None,
              alpha: float = 0.0) -> TabularMDP:
    r"""A hard MDP of Azar, Munos and Kappen (2013, "Minimax PAC bounds on the sample complexity of
    reinforcement learning with a generative model", Machine Learning 91:325-349, Sec. 4.2, the
    class of Fig. 1 used in the proof of Theorem 3).

    States (0-based): ``x_k`` (``k < n_x``, index ``k``), ``y_{k,a}`` (index
    ``n_x + k * A + a``), and one absorbing state ``z`` (last index); ``S = n_x (1 + A) + 1``.

    * ``(x_k, a)`` moves to ``y_{k,a}`` with probability 1, reward 0;
    * ``(y, 0)`` returns to ``y`` with probability ``p`` and moves to ``z`` otherwise, reward 1;
      ``(y, a >= 1)`` moves to ``z``, reward 1 (dominated: the paper's ``y`` states have a single
      action, and every state here has ``A`` actions);
    * ``z`` is absorbing with reward 0.

    So ``Q*(y, 0) = 1 / (1 - gamma p)``, ``Q*(x_k, a) = gamma / (1 - gamma p_{k,a})``. The paper's
    choice ``p = (4 gamma - 1) / (3 gamma)`` (the default; :func:`azar_stay_probability`) gives
    ``1 - gamma p = 4 (1 - gamma) / 3``, i.e. values of order ``1/(1-gamma)`` and a variance of
    ``V(y)``'s one-step target of order ``1/(1-gamma)^3``: the plug-in estimate's error is then of
    order ``(1-gamma)^{-3/2} n^{-1/2}``. ``alpha`` raises the stay probability of ``y_{0,0}`` to
    ``p + alpha`` (the paper's alternative models): action 0 in ``x_0`` is then the only optimal
    one, by ``gamma / (1 - gamma (p + alpha)) - gamma / (1 - gamma p)``.

    The value of ``p`` is the construction's as recalled from the proof; the check
    ``generative.plugin.n_emp`` evaluates the card's explicit constants (8100, 72) on this
    family.

    Parameters
    ----------
    gamma : float in [0.4, 1)
        Discount (the theorem's range; ``p`` needs ``gamma >= 1/4``).
    n_x : int >= 1
    n_actions : int >= 2
    p : float in [0, 1], optional
        Stay probability of the ``y`` states (default the paper's).
    alpha : float >= 0
        Extra stay probability of ``y_{0,0}`` (``p + alpha <= 1``).
    """
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real) or \
            not (0.4 <= float(gamma) < 1.0):
        raise GenerativeArgumentError(f"gamma = {gamma!r} must be in [0.4, 1) (Azar et al.'s "
                                      f"Theorem 3)")
    gamma = float(gamma)
    K = _check_int(n_x, "n_x", 1)
    A = _check_int(n_actions, "n_actions", 2)
    p = azar_stay_probability(gamma) if p is None else _check_prob(p, "p")
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) or alpha < 0 or \
            p + float(alpha) > 1.0:
        raise GenerativeArgumentError(f"alpha = {alpha!r} must be >= 0 with p + alpha <= 1 "
                                      f"(p = {p:.6g})")
    S = K * (1 + A) + 1
    z = S - 1
    P = np.zeros((S, A, S))
    R = np.zeros((S, A))
    for k in range(K):
        for a in range(A):
            y = K + k * A + a
            P[k, a, y] = 1.0
            stay = p + (float(alpha) if (k, a) == (0, 0) else 0.0)
            P[y, 0, y] = stay
            P[y, 0, z] += 1.0 - stay
            P[y, 1:, z] = 1.0
            R[y, :] = 1.0
    P[z, :, z] = 1.0
    return TabularMDP(P, R, gamma, initial=0)


def lazy_cycle(q: float, *, n_states: int = 2, n_actions: int = 2, spread: float = 0.5,
               gamma: float | None = None) -> TabularMDP:
    r"""A lazy cycle with controlled mixing time.

    ``S`` states on a cycle; in every state, action ``a`` moves to ``s + 1 (mod S)`` with
    probability ``q_a = q (1 + spread * a / (A - 1))`` and stays otherwise (so every chain is
    aperiodic, and irreducible when ``q > 0``). Reward 1 in state 0, 0 elsewhere, for every
    action. The optimal policy lingers in state 0 (action 0) and hurries elsewhere (action
    ``A - 1``); the gains of the policies differ by amounts of order ``spread``, while every
    policy's mixing time is of order ``S^2 / q`` (for ``S = 2``: ``t_mix(1/4) = ceil(ln 2 /
    -ln(1 - 2 q))`` for the slowest deterministic policy). Uniformly ergodic, as the average-reward
    estimators assume.

    Parameters
    ----------
    q : float in (0, 1]
        Move probability of action 0; ``q (1 + spread) <= 1``.
    n_states : int >= 2
    n_actions : int >= 1
    spread : float >= 0
    gamma : float or None
        Discount to attach (``None``: average reward).
    """
    S = _check_int(n_states, "n_states", 2)
    A = _check_int(n_actions, "n_actions", 1)
    if isinstance(q, bool) or not isinstance(q, numbers.Real) or not (0.0 < float(q) <= 1.0):
        raise GenerativeArgumentError(f"q = {q!r} must be in (0, 1]")
    if isinstance(spread, bool) or not isinstance(spread, numbers.Real) or spread < 0 or \
            float(q) * (1.0 + float(spread)) > 1.0:
        raise GenerativeArgumentError(f"spread = {spread!r} must be >= 0 with q (1 + spread) "
                                      f"<= 1 (q = {q!r})")
    moves = np.array([float(q) * (1.0 + float(spread) * a / (A - 1)) if A > 1 else float(q)
                      for a in range(A)])
    P = np.zeros((S, A, S))
    for s in range(S):
        P[s, :, (s + 1) % S] = moves
        P[s, :, s] += 1.0 - moves
    R = np.zeros((S, A))
    R[0, :] = 1.0
    return TabularMDP(P, R, gamma, initial=0)


def family_mixing_time(m: TabularMDP, eps: float = 0.25) -> float:
    """The largest exact mixing time ``t_mix(eps)`` over the deterministic policies of ``m``
    (:func:`rlcert.mdp.worst_mixing_time`'s lower bound; randomised policies can mix a little
    more slowly, so this is a lower bound on the supremum over all stationary policies)."""
    w = worst_mixing_time(m, eps, max_policies=max(1, m.n_actions ** m.n_states))
    if w.lower is None or not math.isfinite(w.lower):
        raise GenerativeArgumentError(f"the model has a policy with t_mix = {w.lower}: not "
                                      f"uniformly ergodic")
    return float(w.lower)


__all__ = ["azar_hard", "azar_stay_probability", "lazy_cycle", "family_mixing_time"]
