r"""Exact solvers for discounted MDPs (``0 <= gamma < 1``), each with a certificate.

The Bellman optimality operator ``(T V)(s) = max_a r(s, a) + gamma sum_s' P(s'|s, a) V(s')`` is a
``gamma``-contraction in the sup norm with unique fixed point ``V*`` (Puterman 1994, Thm 6.2.3).
Two a-posteriori bounds follow, and every result carries the smaller one as ``certificate``:

* for any ``V``: ``||V - V*||_inf <= ||T V - V||_inf / (1 - gamma)``;
* for ``V_k = F(V_{k-1})`` with ``F`` a ``gamma``-contraction fixed at ``V*`` (the Jacobi
  operator ``T`` of VI, or one Gauss-Seidel sweep): ``||V_k - V*||_inf <= gamma / (1 - gamma)
  ||V_k - V_{k-1}||_inf``.

Computed in floating point, each backup entry is off by at most ``rho`` (Higham's bound, see
:func:`~rlcert.mdp.results.backup_rounding`), so the certificate holds up to
``rounding = rho / (1 - gamma)``. The returned ``Q = r + gamma P V`` obeys
``||Q - Q*||_inf <= gamma ||V - V*||_inf``. For a policy ``pi`` with ``T_pi V = Q[s, pi(s)]``,
``||V* - V^pi||_inf <= certificate + ||T_pi V - V||_inf / (1 - gamma)`` (triangle inequality and
the same residual bound for ``T_pi``); for the greedy policy this is at most
``2 gamma ||V - V*|| / (1 - gamma)`` up to the certificate's slack (Singh and Yee 1994).

Methods
-------
``"vi"``   value iteration (Jacobi), stopped when ``gamma/(1-gamma) ||V_k - V_{k-1}|| <= tol``.
``"gs"``   Gauss-Seidel value iteration (in place, states in index order), same stopping rule.
``"pi"``   Howard's policy iteration with exact evaluation; switches the action of ``s`` only
           when the improvement exceeds ``theta = 2 gamma e + 2 rho``, with ``e`` the evaluation's
           own residual bound, so that rounding cannot make it cycle.
``"mpi"``  modified policy iteration (Puterman and Shin 1978): ``V_{k+1} = T_{pi_k}^m V_k`` with
           ``pi_k`` greedy for ``V_k``, started below ``V*`` so that the iterates increase.
``"lp"``   the primal LP ``min sum_s V(s)`` s.t. ``V(s) >= r(s, a) + gamma P(.|s, a) V`` (HiGHS);
           the policy is read from the dual (the occupancy measure, positive on optimal actions
           only), then evaluated exactly; the certificate is that evaluation's.
``"auto"`` policy iteration (exact, few iterations on every family measured in ``benchmarks/``).

When ``tol`` is below the floating-point floor (:func:`~rlcert.mdp.results.floating_floor`),
iterative methods stop at the floor with ``status="floor"`` rather than loop.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from . import _transitions as tr
from . import kernels
from .errors import InvalidArgumentError
from .evaluation import solve_policy_system
from .models import TabularMDP
from .results import SolveResult, backup_rounding, floating_floor

#: Dense models whose fraction of nonzero transition entries is at most this are converted to
#: CSR before iterating (when ``sparsify`` is None).
SPARSIFY_DENSITY = 0.25
_STAGNATION_SWEEPS = 50


class SolverFailedError(RuntimeError):
    """An external solver (the LP) reported failure; the message carries its status."""


def _norm(x: np.ndarray) -> float:
    return float(np.max(np.abs(x))) if x.size else 0.0


def _one_hot(actions: np.ndarray, A: int) -> np.ndarray:
    W = np.zeros((actions.shape[0], A))
    W[np.arange(actions.shape[0]), actions] = 1.0
    return W


def default_max_sweeps(m: TabularMDP, tol: float) -> int:
    """Sweeps after which value iteration from ``V_0 = 0`` is certified to ``tol`` in exact
    arithmetic: ``gamma/(1-gamma) ||V_k - V_{k-1}|| <= gamma^k ||r||_inf / (1-gamma) <= tol``."""
    g = m.gamma
    r = _norm(m._R)
    if g == 0.0 or r == 0.0:
        return 2
    k = math.log(tol * (1.0 - g) / r) / math.log(g)
    return max(2, int(math.ceil(k)) + 10)


def maybe_sparsify(m: TabularMDP, sparsify: bool | None) -> tuple[TabularMDP, bool]:
    """Convert dense storage with sparse content to CSR (``sparsify=None``: when the nonzero
    fraction is at most :data:`SPARSIFY_DENSITY`). Returns the model used and whether it changed."""
    if m.is_sparse or sparsify is False:
        return m, False
    if sparsify is None:
        if m.n_states < 64:
            return m, False
        density = m.nnz / m.rows.size
        if density > SPARSIFY_DENSITY:
            return m, False
    return m.to_sparse(), True


def certify(m: TabularMDP, V: np.ndarray, *, method: str, status: str, iterations: int, tol: float,
            method_bound: float = math.inf, policy: np.ndarray | None = None,
            backup: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
            info: dict | None = None) -> SolveResult:
    """Assemble a :class:`SolveResult` for ``V``: one backup gives ``Q`` and the residual bound.

    ``method_bound`` is a method-specific bound on ``||V - V*||`` (e.g. VI's
    ``gamma/(1-gamma) ||V_k - V_{k-1}||``); the certificate is the smaller of it and the residual
    bound. ``backup = (Q, TV, greedy)`` reuses a backup of ``V`` already computed.
    """
    g = m.gamma
    S, A = m.n_states, m.n_actions
    if backup is None:
        Q = np.empty((S, A))
        TV = np.empty(S)
        greedy = np.empty(S, dtype=np.int64)
        kernels.bellman_backup(m.operand, 0, m._R, g, V, Q, TV, greedy)
    else:
        Q, TV, greedy = backup
    residual = _norm(TV - V)
    certificate = min(method_bound, residual / (1.0 - g))
    rho = backup_rounding(m.max_row_nnz, _norm(m._R), _norm(V), g)
    rounding = rho / (1.0 - g)
    pol = greedy if policy is None else policy
    policy_residual = _norm(Q[np.arange(S), pol] - V)
    loss = certificate + policy_residual / (1.0 - g)
    slack = 2.0 * g * (certificate + rounding) + 2.0 * rho
    optimal = Q >= (TV - slack)[:, None]
    return SolveResult(V=V, Q=Q, policy=np.asarray(pol, dtype=np.int64), optimal_actions=optimal,
                       certificate=float(certificate), rounding=float(rounding),
                       policy_loss_bound=float(loss), iterations=int(iterations), method=method,
                       status=status, tol=tol, gamma=g, info=dict(info or {}))


class _StopRule:
    """The stopping rule shared by the iterative methods: the certificate reaches ``tol``
    (``"converged"``), or the floating-point floor (``"floor"``), or it has not improved for
    ``_STAGNATION_SWEEPS`` iterations while within a thousand times the floor (``"floor"``:
    rounding dominates). Call it with each iteration's bound; it returns the status or None."""

    def __init__(self, tol: float, r_norm: float, gamma: float):
        self.tol, self.r_norm, self.gamma = tol, r_norm, gamma
        self.best, self.since_best = math.inf, 0

    def __call__(self, bound: float, v_norm: float) -> str | None:
        floor = floating_floor(self.r_norm, v_norm, self.gamma)
        if bound <= self.tol:
            return "converged"
        if bound <= floor:
            return "floor"
        if bound < self.best:
            self.best, self.since_best = bound, 0
            return None
        self.since_best += 1
        if self.since_best >= _STAGNATION_SWEEPS and bound < 1e3 * floor:
            return "floor"
        return None


def _sweeping_solver(m: TabularMDP, tol: float, max_iter: int, info: dict, method: str) -> SolveResult:
    """Value iteration (``"vi"``, Jacobi sweeps) or Gauss-Seidel (``"gs"``, in place) from
    ``V_0 = 0``, stopped by ``gamma/(1-gamma) ||V_k - V_{k-1}||`` (both sweeps are
    ``gamma``-contractions with fixed point ``V*``)."""
    g, S, A = m.gamma, m.n_states, m.n_actions
    T, R = m.operand, m._R
    stop = _StopRule(tol, _norm(R), g)
    V = np.zeros(S)
    V_new = np.empty(S)
    Q = np.empty((S, A))
    greedy = np.empty(S, dtype=np.int64)
    status, bound, k = "max_iter", math.inf, 0
    for k in range(1, max_iter + 1):
        if method == "vi":
            kernels.bellman_backup(T, 0, R, g, V, Q, V_new, greedy)
            diff = _norm(V_new - V)
            V, V_new = V_new, V
        else:
            diff = kernels.gauss_seidel_sweep(T, R, g, V, greedy)
        bound = g / (1.0 - g) * diff if g > 0 else 0.0
        done = stop(bound, _norm(V))
        if done:
            status = done
            break
    info["floor"] = floating_floor(_norm(R), _norm(V), g)
    return certify(m, V, method=method, status=status, iterations=k, tol=tol,
                   method_bound=bound, info=info)


def _policy_iteration(m: TabularMDP, tol: float, max_iter: int, info: dict,
                      evaluation: str = "auto", initial_policy: np.ndarray | None = None,
                      trace: bool = False) -> SolveResult:
    g, S, A = m.gamma, m.n_states, m.n_actions
    T, R = m.operand, m._R
    r_norm = _norm(R)
    idx = np.arange(S)
    pi = np.argmax(R, axis=1) if initial_policy is None else np.asarray(initial_policy, np.int64)
    V = None
    Q = np.empty((S, A))
    TV = np.empty(S)
    greedy = np.empty(S, dtype=np.int64)
    solvers_used = set()
    policies = []
    status, k = "max_iter", 0
    for k in range(1, max_iter + 1):
        if trace:
            policies.append(pi.copy())
        P_pi = tr.policy_matrix(m.rows, _one_hot(pi, A))
        V, used = solve_policy_system(P_pi, R[idx, pi], g, evaluation, x0=V)
        solvers_used.add(used)
        kernels.bellman_backup(T, 0, R, g, V, Q, TV, greedy)
        q_pi = Q[idx, pi]
        eval_error = _norm(q_pi - V) / (1.0 - g)
        rho = backup_rounding(m.max_row_nnz, r_norm, _norm(V), g)
        theta = 2.0 * g * eval_error + 2.0 * rho
        improve = TV > q_pi + theta
        if not improve.any():
            residual_bound = _norm(TV - V) / (1.0 - g)
            floor = floating_floor(r_norm, _norm(V), g)
            status = "converged" if residual_bound <= tol else ("floor" if tol < floor else
                                                                "above_tol")
            break
        pi = np.where(improve, greedy, pi)
    info.update(evaluation=sorted(solvers_used), floor=floating_floor(r_norm, _norm(V), g))
    if trace:
        info["policies"] = policies
    return certify(m, V, method="pi", status=status, iterations=k, tol=tol, policy=pi,
                   backup=(Q, TV, greedy), info=info)


def _policy_chain(m: TabularMDP, actions: np.ndarray):
    """The kernel operand of ``P_pi`` (one row per state) and ``r_pi`` as an ``(S, 1)`` array."""
    S = m.n_states
    P_pi = tr.policy_matrix(m.rows, _one_hot(actions, m.n_actions))
    operand = tr.csr_operand(P_pi) if sp.issparse(P_pi) else np.ascontiguousarray(P_pi)
    return operand, np.ascontiguousarray(m._R[np.arange(S), actions][:, None])


def _modified_policy_iteration(m: TabularMDP, tol: float, max_iter: int, info: dict,
                               inner: int = 20) -> SolveResult:
    if isinstance(inner, bool) or not isinstance(inner, int) or inner < 1:
        raise InvalidArgumentError(f"inner must be an integer >= 1, got {inner!r}")
    g, S, A = m.gamma, m.n_states, m.n_actions
    T, R = m.operand, m._R
    r_norm = _norm(R)
    # V_0 = min r / (1 - gamma) satisfies T V_0 >= V_0, so the iterates increase to V*
    # (Puterman 1994, Thm 6.5.5).
    V = np.full(S, float(R.min()) / (1.0 - g))
    Q = np.empty((S, A))
    TV = np.empty(S)
    greedy = np.empty(S, dtype=np.int64)
    scratch = np.empty(S)
    q_scratch = np.empty((S, 1))
    g_scratch = np.empty(S, dtype=np.int64)
    stop = _StopRule(tol, r_norm, g)
    status, k = "max_iter", 0
    for k in range(1, max_iter + 1):
        kernels.bellman_backup(T, 0, R, g, V, Q, TV, greedy)
        done = stop(_norm(TV - V) / (1.0 - g), _norm(V))
        if done:
            status = done
            break
        # partial evaluation on the compacted chain P_pi (one row per state), with the
        # optimality kernel at A = 1: T_pi V = r_pi + gamma P_pi V
        chain, r_pi = _policy_chain(m, greedy)
        V = TV.copy()
        for _ in range(inner - 1):
            kernels.bellman_backup(chain, 0, r_pi, g, V, q_scratch, scratch, g_scratch)
            V, scratch = scratch, V
    info.update(inner=inner, floor=floating_floor(r_norm, _norm(V), g))
    return certify(m, V, method="mpi", status=status, iterations=k, tol=tol,
                   backup=(Q, TV, greedy), info=info)


def _linear_program(m: TabularMDP, tol: float, info: dict, evaluation: str = "auto") -> SolveResult:
    g, S, A = m.gamma, m.n_states, m.n_actions
    rows = m.rows if m.is_sparse else tr.dense_to_csr(m.rows)
    E = sp.csr_matrix((np.ones(S * A), (np.arange(S * A), np.repeat(np.arange(S), A))),
                      shape=(S * A, S))
    A_ub = (g * rows - E).tocsr()
    res = linprog(np.ones(S), A_ub=A_ub, b_ub=-m._R.ravel(), bounds=(None, None), method="highs",
                  options={"primal_feasibility_tolerance": 1e-10,
                           "dual_feasibility_tolerance": 1e-10})
    if res.status != 0:
        raise SolverFailedError(f"HiGHS failed on the MDP linear program: status {res.status} "
                                f"({res.message})")
    occupancy = -np.asarray(res.ineqlin.marginals).reshape(S, A)
    pi = np.argmax(occupancy, axis=1)
    P_pi = tr.policy_matrix(m.rows, _one_hot(pi, A))
    V, used = solve_policy_system(P_pi, m._R[np.arange(S), pi], g, evaluation)
    backup_Q = np.empty((S, A))
    TV = np.empty(S)
    greedy = np.empty(S, dtype=np.int64)
    kernels.bellman_backup(m.operand, 0, m._R, g, V, backup_Q, TV, greedy)
    bound = _norm(TV - V) / (1.0 - g)
    floor = floating_floor(_norm(m._R), _norm(V), g)
    status = "converged" if bound <= tol else ("floor" if tol < floor and bound <= floor
                                               else "above_tol")
    info.update(evaluation=[used], lp_objective=float(res.fun), lp_message=res.message,
                floor=floor)
    return certify(m, V, method="lp", status=status, iterations=1, tol=tol, policy=pi,
                   backup=(backup_Q, TV, greedy), info=info)


METHODS = ("auto", "vi", "gs", "pi", "mpi", "lp")


def solve_discounted(m: TabularMDP, method: str = "auto", tol: float = 1e-8,
                     max_iter: int | None = None, *, sparsify: bool | None = None,
                     evaluation: str = "auto", inner: int = 20,
                     initial_policy=None, trace: bool = False) -> SolveResult:
    """Solve a discounted :class:`TabularMDP` (see the module docstring for the methods).

    ``max_iter`` defaults to :func:`default_max_sweeps` for VI and GS (enough in exact
    arithmetic), and to 10,000 improvement steps for PI and MPI. ``trace=True`` records PI's
    successive policies in ``info["policies"]``.
    """
    t0 = time.perf_counter()
    m_used, converted = maybe_sparsify(m, sparsify)
    info: dict = {"converted_to_csr": converted}
    if method == "auto":
        method = "pi"
        info["auto"] = "pi"
    if method in ("vi", "gs"):
        n = default_max_sweeps(m_used, tol) if max_iter is None else max_iter
        res = _sweeping_solver(m_used, tol, n, info, method)
    elif method == "pi":
        res = _policy_iteration(m_used, tol, 10_000 if max_iter is None else max_iter, info,
                                evaluation, initial_policy, trace)
    elif method == "mpi":
        res = _modified_policy_iteration(m_used, tol, 10_000 if max_iter is None else max_iter,
                                         info, inner)
    else:
        res = _linear_program(m_used, tol, info, evaluation)
    res.info["seconds"] = time.perf_counter() - t0
    return res
