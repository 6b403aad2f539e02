r"""Quantities derived from a model and a value: Q from V, greedy policies, action gaps,
occupancy measures.

Discounted occupancy (normalised): ``d_pi(s, a) = (1 - gamma) sum_t gamma^t Pr(s_t = s, a_t = a)``
from ``s_0 ~ initial``; its state marginal solves ``d = (1 - gamma) mu + gamma P_pi^T d``, and
``sum_{s,a} d_pi(s, a) = 1`` (Puterman 1994, Sec. 6.9). Finite horizon: ``d_h(s, a) =
Pr(s_h = s, a_h = a)``, one distribution per stage. The expected return is
``V^pi(mu) = sum d_pi(s, a) r(s, a) / (1 - gamma)``, resp. ``sum_h gamma^h sum d_h(s, a) r_h(s, a)``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from . import _transitions as tr
from . import kernels
from ._validate import as_float_array, check_real, check_values, initial_distribution
from .errors import InvalidArgumentError, UnsupportedModelError
from .models import FiniteHorizonMDP, TabularMDP
from .policies import policy_weights, stage_policy_weights


def q_from_v(m: TabularMDP | FiniteHorizonMDP, V: np.ndarray) -> np.ndarray:
    """``Q[s, a] = r(s, a) + gamma sum_s' P(s'|s, a) V[s']``.

    For a :class:`FiniteHorizonMDP`, ``V`` has shape ``(H+1, S)`` and ``Q[h] = r_h + gamma P_h
    V[h+1]`` has shape ``(H, S, A)``. ``V`` must be real and finite, each entry within
    :data:`~rlcert.mdp._validate.VALUE_LIMIT` in magnitude.
    """
    if not isinstance(m, (TabularMDP, FiniteHorizonMDP)):
        raise InvalidArgumentError(f"m must be a TabularMDP or FiniteHorizonMDP, got "
                                   f"{type(m).__name__}")
    S, A = m.n_states, m.n_actions
    if isinstance(m, FiniteHorizonMDP):
        V = check_values(V, (m.horizon + 1, S))
        Q = np.empty((m.horizon, S, A))
        out_v, out_g = np.empty(S), np.empty(S, dtype=np.int64)
        for h in range(m.horizon):
            kernels.bellman_backup(m.operand, h * m.stage_stride, m._R[h], m.gamma, V[h + 1],
                                   Q[h], out_v, out_g)
        return Q
    V = check_values(V, (S,))
    gamma = 1.0 if m.gamma is None else m.gamma
    Q = np.empty((S, A))
    kernels.bellman_backup(m.operand, 0, m._R, gamma, V, Q, np.empty(S), np.empty(S, np.int64))
    return Q


def greedy(Q: np.ndarray, tol: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """First maximiser of ``Q`` over the last axis, and the tie set ``Q >= max - tol``.

    ``Q`` is a real array with at least one axis and no NaN (``-inf`` marks an excluded action);
    ``tol >= 0``."""
    Q = as_float_array(Q, "Q", InvalidArgumentError)
    if Q.ndim == 0 or Q.shape[-1] == 0:
        raise InvalidArgumentError(f"Q must have a non-empty last (action) axis, got shape "
                                   f"{Q.shape}")
    if np.isnan(Q).any():
        idx = tuple(int(i) for i in np.argwhere(np.isnan(Q))[0])
        raise InvalidArgumentError(f"Q[{', '.join(map(str, idx))}] is NaN")
    tol = check_real(tol, "tol", lower=0.0, allow_inf=True)
    best = Q.max(axis=-1, keepdims=True)
    return np.argmax(Q, axis=-1), Q >= best - tol


def action_gaps(m: TabularMDP | FiniteHorizonMDP, V: np.ndarray) -> np.ndarray:
    """``gap(s, a) = V(s) - Q(s, a)`` with ``Q = q_from_v(m, V)`` (per stage for finite horizon).

    With ``V = V*`` these are the suboptimality gaps ``V*(s) - Q*(s, a) >= 0``.
    """
    Q = q_from_v(m, V)
    V = np.asarray(V, dtype=np.float64)
    if isinstance(m, FiniteHorizonMDP):
        return np.asarray(V)[:-1, :, None] - Q
    return np.asarray(V)[:, None] - Q


def occupancy(m: TabularMDP | FiniteHorizonMDP, pi, initial=None) -> np.ndarray:
    """State-action occupancy of a policy (see the module docstring).

    Returns ``(S, A)`` summing to 1 for a discounted :class:`TabularMDP`, ``(H, S, A)`` with each
    stage summing to 1 for a :class:`FiniteHorizonMDP`. ``initial`` overrides the model's.
    """
    if not isinstance(m, (TabularMDP, FiniteHorizonMDP)):
        raise InvalidArgumentError(f"m must be a TabularMDP or FiniteHorizonMDP, got "
                                   f"{type(m).__name__}")
    mu = m.initial if initial is None else initial_distribution(initial, m.n_states)
    if isinstance(m, FiniteHorizonMDP):
        W = stage_policy_weights(pi, m.horizon, m.n_states, m.n_actions)
        out = np.empty_like(W)
        d = mu
        for h in range(m.horizon):
            out[h] = d[:, None] * W[h]
            P_h = tr.policy_matrix(m.rows, W[h], h * m.stage_stride)
            d = np.asarray(P_h.T @ d).ravel()
        return out
    if m.gamma is None or m.gamma >= 1.0:
        raise UnsupportedModelError(f"the normalised discounted occupancy needs gamma < 1, the "
                                    f"model has gamma={m.gamma}")
    W = policy_weights(pi, m.n_states, m.n_actions)
    P_pi = tr.policy_matrix(m.rows, W)
    S = m.n_states
    if sp.issparse(P_pi):
        A = (sp.identity(S, format="csc") - m.gamma * P_pi.T).tocsc()
        d = spla.spsolve(A, (1.0 - m.gamma) * mu)
    else:
        d = np.linalg.solve(np.eye(S) - m.gamma * P_pi.T, (1.0 - m.gamma) * mu)
    return d[:, None] * W
