r"""Exact policy evaluation.

Discounted (``gamma < 1``): ``V^pi = (I - gamma P_pi)^{-1} r_pi``, by a dense LU solve for small
``S`` and by GMRES (restarted, relative residual 1e-13) with a direct sparse fallback otherwise.
Whatever the solver, the answer is checked a posteriori: for any ``V``,
``||V - V^pi||_inf <= ||T_pi V - V||_inf / (1 - gamma)`` (``T_pi`` is a ``gamma``-contraction),
and this bound (plus the backup's rounding term, see :func:`~rlcert.mdp.results.backup_rounding`)
is what ``with_certificate=True`` returns.

Total reward (``gamma = 1``): the chain ``P_pi`` must give zero reward on its recurrent states
(otherwise the total reward is infinite or undefined and the call is refused); then
``V^pi = 0`` there and ``(I - P_TT) V_T = r_T`` on the transient states ``T``. The certificate is
``||t||_inf * ||(I - P_TT) V_T - r_T||_inf`` with ``t = (I - P_TT)^{-1} 1`` the expected time to
absorption.

Finite horizon: ``V[H] = 0``, ``V[h] = r_{pi_h} + gamma P_{pi_h} V[h+1]``, one backward pass.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from . import _transitions as tr
from . import kernels
from ._chains import recurrent_mask
from ._validate import check_bool, check_choice
from .errors import InvalidArgumentError, UnsupportedModelError
from .models import FiniteHorizonMDP, TabularMDP
from .policies import policy_operand, policy_weights, stage_policy_weights
from .results import backup_rounding

#: Largest S for which a dense LU factorisation is the default evaluation solver.
DENSE_DIRECT_MAX_STATES = 1200
_GMRES_RTOL = 1e-13


def _direct_solve(A, b: np.ndarray) -> np.ndarray:
    if sp.issparse(A):
        return spla.spsolve(A.tocsc(), b)
    return np.linalg.solve(A, b)


def solve_policy_system(P_pi, r_pi: np.ndarray, gamma: float, solver: str = "auto",
                        x0: np.ndarray | None = None) -> tuple[np.ndarray, str]:
    """Solve ``(I - gamma P_pi) V = r_pi``; returns ``(V, solver_used)``.

    ``solver``: ``"direct"`` (dense LU or sparse SuperLU), ``"krylov"`` (GMRES, falling back to
    direct if it stalls) or ``"auto"`` (direct up to :data:`DENSE_DIRECT_MAX_STATES` states).
    """
    S = r_pi.shape[0]
    if solver == "auto":
        solver = "direct" if S <= DENSE_DIRECT_MAX_STATES else "krylov"
    if sp.issparse(P_pi):
        A = (sp.identity(S, format="csr") - gamma * P_pi).tocsr()
        if solver == "direct" and S <= DENSE_DIRECT_MAX_STATES:
            A = A.toarray()
    else:
        A = np.eye(S) - gamma * P_pi
    if solver == "direct":
        return _direct_solve(A, r_pi), "direct"
    if solver != "krylov":
        raise InvalidArgumentError(f"solver={solver!r} is not one of ['auto', 'direct', 'krylov']")
    V, code = spla.gmres(A, r_pi, x0=x0, rtol=_GMRES_RTOL, atol=0.0,
                         restart=min(S, 50), maxiter=40)
    scale = max(1.0, float(np.max(np.abs(r_pi))) / (1.0 - gamma) if gamma < 1 else 1.0)
    resid = np.max(np.abs(A @ V - r_pi)) if S else 0.0
    if code != 0 or not np.isfinite(resid) or resid > 1e-11 * scale:
        return _direct_solve(A, r_pi), "krylov->direct"
    return V, "krylov"


def _discounted_certificate(m: TabularMDP, W: np.ndarray, V: np.ndarray) -> float:
    gamma = m.gamma
    assert gamma is not None  # evaluate_policy refused gamma=None
    TV = np.empty_like(V)
    kernels.policy_backup(m.operand, 0, m._R, gamma, V, policy_operand(W), TV)
    rho = backup_rounding(m.max_row_nnz, float(np.max(np.abs(m._R))), float(np.max(np.abs(V))),
                          gamma)
    return float((np.max(np.abs(TV - V)) + rho) / (1.0 - gamma))


def _evaluate_total_reward(m: TabularMDP, W: np.ndarray, solver: str):
    P_pi = tr.policy_matrix(m.rows, W)
    r_pi = np.einsum("sa,sa->s", W, m._R)
    rec = recurrent_mask(P_pi)
    if np.any(r_pi[rec] != 0.0):
        s = int(np.flatnonzero(rec & (r_pi != 0.0))[0])
        raise UnsupportedModelError(
            f"total reward of this policy is not finite: state {s} is recurrent under pi and "
            f"earns r_pi[{s}] = {r_pi[s]!r} != 0 on every visit")
    V = np.zeros(m.n_states)
    T = np.flatnonzero(~rec)
    if T.size == 0:
        return V, 0.0
    if sp.issparse(P_pi):
        Ptt = P_pi[T][:, T]
        A = (sp.identity(T.size, format="csr") - Ptt).tocsc()
    else:
        A = np.eye(T.size) - P_pi[np.ix_(T, T)]
    VT = _direct_solve(A, r_pi[T])
    t = _direct_solve(A, np.ones(T.size))
    V[T] = VT
    cert = float(np.max(np.abs(t)) * np.max(np.abs(A @ VT - r_pi[T])))
    return V, cert


def evaluate_policy(m: TabularMDP | FiniteHorizonMDP, pi, *, solver: str = "auto",
                    with_certificate: bool = False):
    r"""Exact value of a policy.

    Parameters
    ----------
    m : TabularMDP or FiniteHorizonMDP
        A discounted (``gamma < 1``) or total-reward (``gamma = 1``) tabular model, or a
        finite-horizon model.
    pi : array_like
        Tabular: deterministic ``(S,)`` actions or stochastic ``(S, A)`` probabilities.
        Finite horizon: ``(H, S)``, ``(H, S, A)``, or a stationary ``(S,)`` / ``(S, A)`` policy.
    solver : {"auto", "direct", "krylov"}
        Linear solver for discounted models (see :func:`solve_policy_system`).
    with_certificate : bool
        Also return a bound on ``||V - V^pi||_inf`` (see the module docstring).

    Returns
    -------
    V : ndarray
        ``(S,)`` for tabular models; ``(H+1, S)`` for finite-horizon models, ``V[H] = 0``.
    certificate : float, only if ``with_certificate``
    """
    check_choice(solver, "solver", ("auto", "direct", "krylov"))
    check_bool(with_certificate, "with_certificate")
    if isinstance(m, FiniteHorizonMDP):
        W = stage_policy_weights(pi, m.horizon, m.n_states, m.n_actions)
        V = np.zeros((m.horizon + 1, m.n_states))
        kernels.policy_backward(m.operand, m.stage_stride, m._R, m.gamma, policy_operand(W), V)
        if with_certificate:
            rho = backup_rounding(m.max_row_nnz, float(np.max(np.abs(m._R))),
                                  float(np.max(np.abs(V))), m.gamma)
            return V, rho * m.horizon
        return V
    if not isinstance(m, TabularMDP):
        raise InvalidArgumentError(f"m must be a TabularMDP or FiniteHorizonMDP, got {type(m).__name__}")
    if m.gamma is None:
        raise UnsupportedModelError("evaluate_policy needs a discount: the model has gamma=None "
                                    "(use m.with_gamma(...), or the average-reward evaluation)")
    W = policy_weights(pi, m.n_states, m.n_actions)
    if m.gamma == 1.0:
        V, cert = _evaluate_total_reward(m, W, solver)
        return (V, cert) if with_certificate else V
    P_pi = tr.policy_matrix(m.rows, W)
    r_pi = np.einsum("sa,sa->s", W, m._R)
    V, _ = solve_policy_system(P_pi, r_pi, m.gamma, solver)
    if with_certificate:
        return V, _discounted_certificate(m, W, V)
    return V
