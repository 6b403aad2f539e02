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
``||Q - Q*||_inf <= gamma ||V - V*||_inf``.

**Policy loss.** Let ``eps >= ||V - V*||_inf`` (the certificate), ``pi`` a policy with
``T_pi V = Q[s, pi(s)]``, ``res_pi = ||T_pi V - V||_inf`` and ``g_pi = ||T V - T_pi V||_inf``
(zero for a policy greedy for ``V``). Two bounds hold, and ``policy_loss_bound`` is the smaller:

* ``||V* - V^pi|| <= eps + res_pi / (1 - gamma)``: the triangle inequality and the residual
  bound ``||V - V^pi|| <= res_pi / (1 - gamma)`` of the contraction ``T_pi``;
* ``||V* - V^pi|| <= gamma eps + g_pi + gamma res_pi / (1 - gamma)``: write
  ``V* - V^pi = (T V* - T V) + (T V - T_pi V) + gamma P_pi (V - V^pi)`` and bound the three
  terms by ``gamma eps``, ``g_pi`` and ``gamma res_pi / (1 - gamma)``.

For a greedy ``pi`` with the residual certificate ``eps = ||T V - V|| / (1 - gamma)`` the second
is ``2 gamma ||T V - V|| / (1 - gamma)``, the Bellman-residual bound of Williams and Baird (1993,
"Tight performance bounds on greedy policies based on imperfect value functions", Northeastern
University NU-CCS-93-14), attained by their example. For a greedy ``pi`` and any
``eps >= ||V - V*||``, ``||T V - V|| <= (1 + gamma) eps`` makes the second bound at most
``2 gamma eps / (1 - gamma)``, the bound of Singh and Yee (1994, "An upper bound on the loss from
approximate optimal-value functions", Machine Learning 16:227-233, in its value-function form),
which is stated in ``||V - V*||``, not in the residual. Rounding: the computed ``res_pi`` and
``g_pi`` are within ``rho`` and ``2 rho`` of the exact ones and ``eps`` holds up to ``rounding``,
so each bound holds up to ``2 * rounding``.

**Policy iteration's threshold.** PI switches the action of ``s`` to the greedy one only when
``Q^(s, a) > Q^(s, pi(s)) + theta``, so that every switch is a true improvement of the exact
``Q^pi`` and PI cannot cycle (no policy returns). With ``V^`` the computed evaluation and ``e^``
its computed residual ``||Q^(., pi) - V^||``: the exact residual is at most ``e^ + rho``, so
``||V^ - V^pi|| <= (e^ + rho) / (1 - gamma)``; each computed ``Q^(s, a)`` is within
``rho + gamma ||V^ - V^pi||`` of ``Q^pi(s, a)``, and a computed gap above

.. math:: \theta = 2 \gamma \frac{\hat e}{1 - \gamma} + \frac{2 \rho}{1 - \gamma}
          = 2\gamma\frac{\hat e + \rho}{1 - \gamma} + 2\rho

implies ``Q^pi(s, a) > Q^pi(s, pi(s))`` (first order in the unit roundoff). Switching only
improving states strictly increases ``V^pi`` (Puterman 1994, Prop. 6.4.1).

**Floating-point floor.** A certificate at most ``floating_floor`` (a few ulps, an estimate) is
accepted at once with ``status="floor"``; otherwise iterations run until the certificate has not
improved for ``W = max(50, ceil(1/(1-gamma)))`` iterations and is then reported as ``"floor"``
only if ``certificate + rounding <= info["floor"]``, the proven bound of
:func:`~rlcert.mdp.results.floor_bound` (VI and GS always satisfy it when they stall).

Methods
-------
``"vi"``   value iteration (Jacobi), stopped when ``gamma/(1-gamma) ||V_k - V_{k-1}|| <= tol``.
``"gs"``   Gauss-Seidel value iteration (in place, states in index order), same stopping rule;
           each entry of a computed sweep uses entries computed before it in the same sweep, so a
           sweep is off by at most ``rho (1 - gamma^S) / (1 - gamma)`` (``e_s <= rho + gamma
           max_{t < s} e_t``), which its certificate includes.
``"pi"``   Howard's policy iteration with exact evaluation and the threshold ``theta`` above.
``"mpi"``  modified policy iteration (Puterman and Shin 1978): ``V_{k+1} = T_{pi_k}^m V_k`` with
           ``pi_k`` greedy for ``V_k``, started below ``V*`` so that the iterates increase.
``"lp"``   the primal LP ``min sum_s V(s)`` s.t. ``V(s) >= r(s, a) + gamma P(.|s, a) V`` (HiGHS);
           the policy is read from the dual (the occupancy measure, positive on optimal actions
           only), then evaluated exactly; the certificate is that evaluation's.
``"auto"`` policy iteration (exact, few iterations on every family measured in ``benchmarks/``).
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

from . import _transitions as tr
from . import kernels
from .errors import InvalidArgumentError, UnsupportedModelError
from .evaluation import solve_policy_system
from .models import TabularMDP
from .results import (SolveResult, backup_rounding, floating_floor, floor_bound,
                      stagnation_window)

#: Dense models whose fraction of nonzero transition entries is at most this are converted to
#: CSR before iterating (when ``sparsify`` is None).
SPARSIFY_DENSITY = 0.25


class SolverFailedError(RuntimeError):
    """An external solver (the LP) reported failure; the message carries its status."""


#: Operands with fewer entries to read per backup than this are swept by the serial kernel
#: (:func:`rlcert.mdp.kernels.bellman_rows`, the same row arithmetic, hence the same numbers):
#: waking the worker threads costs more than such a sweep, and far more on a busy machine.
PARALLEL_MIN_ENTRIES = 1 << 14


def _discount(m: TabularMDP) -> float:
    """``m.gamma`` (:func:`rlcert.mdp.solve` refuses a model without a discount up front)."""
    if m.gamma is None:
        raise UnsupportedModelError("the discounted solvers need a discount: the model has "
                                    "gamma=None")
    return m.gamma


def _backup_entries(m: TabularMDP) -> int:
    return m.nnz if m.is_sparse else int(m.rows.size)


def _bellman(T, R, g, V, Q, V_out, greedy, parallel: bool) -> None:
    """``Q = R + g P V``, ``V_out = max_a Q``, ``greedy = argmax_a Q`` on every state."""
    if parallel:
        kernels.bellman_backup(T, 0, R, g, V, Q, V_out, greedy)
    else:
        kernels.bellman_rows(T, 0, R, g, V, Q, V_out, greedy, 0, R.shape[0])


def _norm(x: np.ndarray) -> float:
    return float(np.max(np.abs(x))) if x.size else 0.0


def _one_hot(actions: np.ndarray, A: int) -> np.ndarray:
    W = np.zeros((actions.shape[0], A))
    W[np.arange(actions.shape[0]), actions] = 1.0
    return W


def default_max_sweeps(m: TabularMDP, tol: float) -> int:
    """Sweeps after which value iteration from ``V_0 = 0`` is certified to ``tol`` in exact
    arithmetic: ``gamma/(1-gamma) ||V_k - V_{k-1}|| <= gamma^k ||r||_inf / (1-gamma) <= tol``."""
    g = _discount(m)
    r = _norm(m._R)
    if g == 0.0 or r == 0.0:
        return 2
    # in log space: tol * (1 - gamma) / r underflows to 0 for tiny tol or huge r
    k = (math.log(tol) + math.log1p(-g) - math.log(r)) / math.log(g)
    return max(2, int(math.ceil(k)) + 10)


def default_max_improvements(m: TabularMDP, tol: float) -> int:
    r"""Improvement steps after which modified policy iteration from ``V_0 = min r / (1 - gamma)``
    is certified to ``tol`` in exact arithmetic, whatever the number of inner sweeps.

    From ``T V_0 >= V_0`` the iterates satisfy ``V_k <= T V_k <= V_{k+1} <= V*`` (Puterman 1994,
    Thm 6.5.5; ``V_{k+1} = T_{pi_k}^m V_k >= T_{pi_k} V_k = T V_k``), so
    ``0 <= V* - V_{k+1} <= V* - T V_k <= gamma (V* - V_k)`` and ``0 <= T V_k - V_k <= V* - V_k``.
    With ``||V* - V_0|| <= ||T V_0 - V_0|| / (1 - gamma) = sp(r) / (1 - gamma)`` (``T V_0 - V_0 =
    max_a r(., a) - min r``) the certificate obeys

    .. math:: \frac{\|T V_k - V_k\|_\infty}{1 - \gamma} \le \frac{\gamma^k\, \mathrm{sp}(r)}
              {(1 - \gamma)^2} \le \mathrm{tol} \quad\text{for}\quad
              k \ge \frac{\log(\mathrm{tol} (1 - \gamma)^2 / \mathrm{sp}(r))}{\log \gamma}.

    The rate ``gamma`` per step is all that holds in general (the partial evaluations help only
    once the policy settles), so the cap is that ``k`` plus 10 and the check itself.
    """
    g = _discount(m)
    spread = float(m._R.max() - m._R.min())
    if g == 0.0 or spread == 0.0:
        return 2
    # in log space: tol * (1 - gamma)^2 / sp(r) underflows to 0 for tiny tol or huge rewards
    k = (math.log(tol) + 2.0 * math.log1p(-g) - math.log(spread)) / math.log(g)
    return max(2, int(math.ceil(k)) + 11)


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
    g = _discount(m)
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
    q_pol = Q[np.arange(S), pol]
    policy_residual = _norm(q_pol - V)
    greedy_gap = _norm(TV - q_pol)
    # the two policy-loss bounds of the module docstring
    loss = min(certificate + policy_residual / (1.0 - g),
               g * certificate + greedy_gap + g * policy_residual / (1.0 - g))
    slack = 2.0 * g * (certificate + rounding) + 2.0 * rho
    optimal = Q >= (TV - slack)[:, None]
    return SolveResult(V=V, Q=Q, policy=np.asarray(pol, dtype=np.int64), optimal_actions=optimal,
                       certificate=float(certificate), rounding=float(rounding),
                       policy_loss_bound=float(loss), iterations=int(iterations), method=method,
                       status=status, tol=tol, gamma=g, info=dict(info or {}))


class _StopRule:
    """The stopping rule shared by the iterative methods. Call it with each iteration's bound on
    ``||V - V*||`` (rounding excluded), ``||V||_inf`` and ``level``, the largest bound that may be
    reported as ``"floor"`` (``info["floor"]`` minus the rounding term); it returns the status or
    None: ``"converged"`` when the bound is at most ``tol``; ``"floor"`` when it is at most the
    :func:`~rlcert.mdp.results.floating_floor` target, or when it has not improved for ``window``
    iterations and is at most ``level`` (see :func:`~rlcert.mdp.results.floor_bound`)."""

    def __init__(self, tol: float, r_norm: float, gamma: float, window: int):
        self.tol, self.r_norm, self.gamma, self.window = tol, r_norm, gamma, window
        self.best, self.since_best = math.inf, 0

    def __call__(self, bound: float, v_norm: float, level: float) -> str | None:
        if bound <= self.tol:
            return "converged"
        if bound <= floating_floor(self.r_norm, v_norm, self.gamma):
            return "floor"
        if bound < self.best:
            self.best, self.since_best = bound, 0
            return None
        self.since_best += 1
        if self.since_best >= self.window and bound <= level:
            return "floor"
        return None


def _gs_sweep_error(rho: float, gamma: float, S: int) -> float:
    """Error of one computed Gauss-Seidel sweep: ``e_s <= rho + gamma max_{t<s} e_t``, so
    ``||F~ V - F V||_inf <= rho (1 - gamma^S) / (1 - gamma)``."""
    return rho * (1.0 - gamma ** S) / (1.0 - gamma)


def _sweeping_solver(m: TabularMDP, tol: float, max_iter: int, info: dict, method: str) -> SolveResult:
    """Value iteration (``"vi"``, Jacobi sweeps) or Gauss-Seidel (``"gs"``, in place) from
    ``V_0 = 0``, stopped by the sweep bound ``(gamma ||V_k - V_{k-1}|| + e - rho) / (1 - gamma)``
    (both sweeps are ``gamma``-contractions with fixed point ``V*``; ``e`` the error of one
    computed sweep, ``rho`` for VI, :func:`_gs_sweep_error` for GS; the certificate's rounding
    term adds ``rho / (1 - gamma)``)."""
    g, S, A = _discount(m), m.n_states, m.n_actions
    T, R = m.operand, m._R
    r_norm = _norm(R)
    stop = _StopRule(tol, r_norm, g, stagnation_window(g))
    V = np.zeros(S)
    V_new = np.empty(S)
    Q = np.empty((S, A))
    greedy = np.empty(S, dtype=np.int64)
    status, bound, k = "max_iter", math.inf, 0
    v_max, floor = 0.0, 0.0
    parallel = _backup_entries(m) >= PARALLEL_MIN_ENTRIES
    for k in range(1, max_iter + 1):
        if method == "vi":
            _bellman(T, R, g, V, Q, V_new, greedy, parallel)
            diff = _norm(V_new - V)
            V, V_new = V_new, V
        else:
            diff = kernels.gauss_seidel_sweep(T, R, g, V, greedy)
        v_norm = _norm(V)
        v_max = max(v_max, v_norm)
        # rho bounds every sweep so far (its ||V|| term is the largest seen)
        rho = backup_rounding(m.max_row_nnz, r_norm, v_max, g)
        e = rho if method == "vi" else _gs_sweep_error(rho, g, S)
        bound = (g * diff + e - rho) / (1.0 - g)
        floor = floor_bound(e, g, floating_floor(r_norm, v_max, g))
        done = stop(bound, v_norm, floor - rho / (1.0 - g))
        if done:
            status = done
            break
    info["floor"] = floor
    return certify(m, V, method=method, status=status, iterations=k, tol=tol,
                   method_bound=bound, info=info)


def improvement_threshold(residual: float, rho: float, gamma: float) -> float:
    r"""Policy iteration's switching threshold ``theta = 2 gamma residual / (1 - gamma) +
    2 rho / (1 - gamma)``.

    ``residual = ||Q^(., pi) - V^||_inf`` is the computed residual of the evaluation ``V^`` of
    ``pi``, ``rho`` the backup rounding. A computed improvement ``Q^(s, a) - Q^(s, pi(s))``
    above ``theta`` is an improvement of the exact ``Q^pi`` (derivation in the module
    docstring): the exact residual is at most ``residual + rho``, so ``||V^ - V^pi|| <=
    (residual + rho) / (1 - gamma)``, and each of the two computed entries is within ``rho +
    gamma ||V^ - V^pi||`` of its exact value.
    """
    return 2.0 * (gamma * residual + rho) / (1.0 - gamma)


def _policy_iteration(m: TabularMDP, tol: float, max_iter: int, info: dict,
                      evaluation: str = "auto", initial_policy: np.ndarray | None = None,
                      trace: bool = False) -> SolveResult:
    g, S, A = _discount(m), m.n_states, m.n_actions
    T, R = m.operand, m._R
    r_norm = _norm(R)
    idx = np.arange(S)
    pi = np.argmax(R, axis=1) if initial_policy is None else np.asarray(initial_policy, np.int64)
    V: np.ndarray | None = None
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
        rho = backup_rounding(m.max_row_nnz, r_norm, _norm(V), g)
        theta = improvement_threshold(_norm(q_pi - V), rho, g)
        improve = TV > q_pi + theta
        floor = floor_bound(rho, g, floating_floor(r_norm, _norm(V), g))
        if not improve.any():
            residual_bound = _norm(TV - V) / (1.0 - g)
            status = "converged" if residual_bound <= tol else (
                "floor" if residual_bound + rho / (1.0 - g) <= floor else "above_tol")
            break
        if k == max_iter:  # keep V the value of the returned policy
            break
        pi = np.where(improve, greedy, pi)
    info.update(evaluation=sorted(solvers_used), floor=floor)
    if trace:
        info["policies"] = policies
    assert V is not None  # max_iter >= 1: at least one evaluation
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
    g, S, A = _discount(m), m.n_states, m.n_actions
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
    # the window counts improvement steps, each worth at least one sweep of progress
    stop = _StopRule(tol, r_norm, g, max(50, -(-stagnation_window(g) // inner)))
    status, k, floor = "max_iter", 0, 0.0
    parallel = _backup_entries(m) >= PARALLEL_MIN_ENTRIES
    chain_parallel = (m.nnz if m.is_sparse else S * S) >= A * PARALLEL_MIN_ENTRIES
    for k in range(1, max_iter + 1):
        _bellman(T, R, g, V, Q, TV, greedy, parallel)
        # the residual certificate of V and its rounding: rho at the current ||V||
        v_norm = _norm(V)
        rho = backup_rounding(m.max_row_nnz, r_norm, v_norm, g)
        floor = floor_bound(rho, g, floating_floor(r_norm, v_norm, g))
        done = stop(_norm(TV - V) / (1.0 - g), v_norm, floor - rho / (1.0 - g))
        if done:
            status = done
            break
        if k == max_iter:  # keep (Q, TV) the backup of the returned V
            break
        # partial evaluation on the compacted chain P_pi (one row per state), with the
        # optimality kernel at A = 1: T_pi V = r_pi + gamma P_pi V
        chain, r_pi = _policy_chain(m, greedy)
        V = TV.copy()
        for _ in range(inner - 1):
            _bellman(chain, r_pi, g, V, q_scratch, scratch, g_scratch, chain_parallel)
            V, scratch = scratch, V
    info.update(inner=inner, floor=floor)
    return certify(m, V, method="mpi", status=status, iterations=k, tol=tol,
                   backup=(Q, TV, greedy), info=info)


def _linear_program(m: TabularMDP, tol: float, info: dict, evaluation: str = "auto") -> SolveResult:
    g, S, A = _discount(m), m.n_states, m.n_actions
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
    rho = backup_rounding(m.max_row_nnz, _norm(m._R), _norm(V), g)
    floor = floor_bound(rho, g, floating_floor(_norm(m._R), _norm(V), g))
    status = "converged" if bound <= tol else (
        "floor" if bound + rho / (1.0 - g) <= floor else "above_tol")
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

    ``max_iter`` defaults to :func:`default_max_sweeps` for VI and GS and to
    :func:`default_max_improvements` for MPI (each enough to reach ``tol`` in exact arithmetic),
    and to 10,000 improvement steps for PI: Howard's policy iteration needs at most the number
    ``A^S`` of deterministic policies, and ``O(S A / (1 - gamma) log(1 / (1 - gamma)))``
    (Scherrer 2016, Math. Oper. Res. 41(3)), a figure 10,000 does not cover for every model;
    ``status="max_iter"`` says when the cap was hit. ``trace=True`` records PI's successive
    policies in ``info["policies"]``.
    """
    t0 = time.perf_counter()
    from ._validate import check_discounted_options  # entry-point checks of the options
    sparsify, evaluation, inner, initial_policy, trace = check_discounted_options(
        m, sparsify, evaluation, inner, initial_policy, trace)
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
        n = default_max_improvements(m_used, tol) if max_iter is None else max_iter
        res = _modified_policy_iteration(m_used, tol, n, info, inner)
    else:
        res = _linear_program(m_used, tol, info, evaluation)
    res.info["seconds"] = time.perf_counter() - t0
    return res
