r"""Robust and robust-regularised MDPs: operators, solvers with certificates, policy evaluation.

For an ``(s,a)``-rectangular set ``U`` (see :mod:`rlcert.mdp.robust.sets`) let
``sigma_{s,a}(V) = min_{p in U(s, a)} p . V``, or ``min_p p . V + beta D(p || P(.|s, a))`` for a
penalty set. The robust Bellman operators are

.. math::

    (T V)(s) = \max_a r(s, a) + \gamma \sigma_{s,a}(V), \qquad
    (T_\pi V)(s) = \sum_a \pi(a|s) [r(s, a) + \gamma \sigma_{s,a}(V)].

``sigma`` is monotone and ``sigma(V + c 1) = sigma(V) + c`` (every ``p`` is a distribution), so
both operators are ``gamma``-contractions in the sup norm (Iyengar 2005; Nilim and El Ghaoui
2005); ``T``'s fixed point is the robust optimal value ``V*`` (attained by a deterministic
stationary policy against a stationary adversary) and ``T_pi``'s the robust value of ``pi``. The
same a-posteriori bounds as in :mod:`rlcert.mdp.discounted` therefore hold: for any ``V``,
``||V - V*|| <= ||T V - V|| / (1 - gamma)``, and for value iteration
``||V_k - V*|| <= gamma / (1 - gamma) ||V_k - V_{k-1}||``.

Inner problems solved with a gap ``delta`` (only the KL ball; ``info["inner_gap"]``) give
``|T~ V - T V| <= gamma delta``, which adds ``gamma delta / (1 - gamma)`` to both bounds. Rounding
is bounded as in :func:`~rlcert.mdp.robust.results.robust_backup_rounding`.

In the penalty form the discount multiplies the penalty too: ``Q = r + gamma (p.V + beta D)``.
A model whose penalty is not discounted, ``r + min_p (gamma p.V + beta' D)``, is this one with
``beta = beta' / gamma``.

Methods: ``"vi"`` robust value iteration from ``V_0 = 0``; ``"mpi"`` robust modified policy
iteration (Kaufman and Schaefer 2013, INFORMS J. Comput. 25(3)): ``V_{k+1} = T_{pi_k}^m V_k``
with ``pi_k`` greedy for ``V_k`` and the robust ``T_pi`` in the partial evaluation, from
``V_0 = min r / (1 - gamma)`` (so ``T V_0 >= V_0`` and the iterates increase to ``V*``).
Finite-horizon models: robust backward induction ``V[h] = T_h V[h+1]``, ``V[H] = 0``, exact up to
rounding and inner gaps.
"""

from __future__ import annotations

import math
import numbers
import time
import warnings
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from .. import _transitions as tr
from .._validate import (array_bytes, check_bool, check_choice, check_memory, check_positive_int,
                         check_tolerance, check_values)
from ..discounted import default_max_sweeps
from ..errors import InvalidArgumentError, UnsupportedModelError
from ..evaluation import solve_policy_system
from ..models import FiniteHorizonMDP, TabularMDP
from ..policies import policy_operand, policy_weights, stage_policy_weights
from ..results import floating_floor
from . import kernels
from .results import RobustFiniteHorizonResult, RobustSolveResult, robust_backup_rounding
from .sets import UncertaintySet, _CompiledSet

METHODS = ("vi", "mpi")
_STAGNATION_SWEEPS = 50
#: Nature's policy iteration converges in few steps (Newton's method on T_pi V = V): this many
#: steps without a better certificate near the floor mean rounding has stopped it.
_PI_STAGNATION_STEPS = 5
_COMPILED_CONVERSION_SIZE = 1 << 20


def _norm(x: np.ndarray) -> float:
    return float(np.max(np.abs(x))) if x.size else 0.0


def robust_operand(rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The robust kernels' operand of transition rows (dense or CSR): CSR ``(indptr, indices,
    data)`` with int64 indices and no stored zeros, so that each row's support is explicit."""
    if sp.issparse(rows):
        C = sp.csr_matrix(rows, dtype=np.float64, copy=True)
        C.eliminate_zeros()
    elif rows.size >= _COMPILED_CONVERSION_SIZE:
        C = tr.dense_to_csr(np.ascontiguousarray(rows))
    else:  # small models: scipy's serial conversion costs less than starting threads
        C = sp.csr_matrix(rows)
    return (np.ascontiguousarray(C.indptr, dtype=np.int64),
            np.ascontiguousarray(C.indices, dtype=np.int64),
            np.ascontiguousarray(C.data, dtype=np.float64))


class _Problem:
    """A model's transitions seen through an uncertainty set: the robust sweeps of one stage."""

    def __init__(self, m: TabularMDP | FiniteHorizonMDP, U: UncertaintySet):
        if not isinstance(U, UncertaintySet):
            raise InvalidArgumentError(f"uncertainty must be an UncertaintySet (e.g. KLBall(0.1)), "
                                       f"got {type(U).__name__}")
        if U.rectangularity != "sa":
            raise UnsupportedModelError(f"uncertainty={U!r} is {U.rectangularity!r}-rectangular; "
                                        f"these solvers handle (s,a)-rectangular sets (use "
                                        f"solve_srect / evaluate_policy_srect)")
        self.U = U
        self.S, self.A = m.n_states, m.n_actions
        self.H = m.horizon if isinstance(m, FiniteHorizonMDP) else None
        self.op = robust_operand(m.rows)
        self.max_row_nnz = int(np.diff(self.op[0]).max())
        stages = self.H if isinstance(m, FiniteHorizonMDP) and not m.stationary else 1
        self.parallel = self.op[2].shape[0] // stages >= kernels.PARALLEL_MIN_ENTRIES
        self.compiled = U._kind is not None
        if self.compiled:
            self.cset._check_states(self.S)
            self.params, self.per_stage = self._param_rows()

    @property
    def cset(self) -> _CompiledSet:
        """The set as a compiled set (only read when ``compiled``: every set with a compiled
        inner solver is one)."""
        assert isinstance(self.U, _CompiledSet)
        return self.U

    def _param_rows(self) -> tuple[np.ndarray, bool]:
        U, S, A, H = self.cset, self.S, self.A, self.H
        p = U._param
        if isinstance(p, float):
            return np.full(S * A, float(U._row_param(p))), False
        if p.shape == (S, A):
            return np.ascontiguousarray(U._row_param(p), dtype=np.float64).ravel(), False
        if H is not None and p.shape == (H, S, A):
            return np.ascontiguousarray(U._row_param(p), dtype=np.float64).ravel(), True
        want = f"(S, A) = ({S}, {A})" + (f" or (H, S, A) = ({H}, {S}, {A})" if H else "")
        raise InvalidArgumentError(f"{U._param_name} has shape {p.shape}; it must be a number or "
                                   f"have shape {want}")

    def _poff(self, stage: int) -> int:
        return stage * self.S * self.A if self.per_stage else 0

    def _dense_row(self, row: int) -> np.ndarray:
        indptr, indices, data = self.op
        p0 = np.zeros(self.S)
        p0[indices[indptr[row]:indptr[row + 1]]] = data[indptr[row]:indptr[row + 1]]
        return p0

    def _solve_row(self, row: int, V: np.ndarray) -> tuple[float, np.ndarray]:
        """A user-defined set: its own ``worst_case`` on one row."""
        value, p = self.U.worst_case(self._dense_row(row), V)
        value = float(value)
        if not np.isfinite(value):
            raise InvalidArgumentError(f"{type(self.U).__name__}.worst_case returned the value "
                                       f"{value!r} for row {row}")
        return value, np.asarray(p, dtype=np.float64)

    def backup(self, offset: int, stage: int, R, gamma, V, Q, V_out, greedy, gap) -> float:
        """Robust optimality backup of one stage; returns the largest inner gap."""
        if self.compiled:
            args = (self.op, offset, self.cset._kind, self.params, self._poff(stage),
                    self.cset._globals(V), R, gamma, V, Q, V_out, greedy, gap)
            if self.parallel:
                kernels.robust_backup(*args)
            else:
                kernels.robust_rows(*args, 0, self.S)
            return float(gap.max())
        for s in range(self.S):  # user-defined sets: one Python call per row
            for a in range(self.A):
                Q[s, a] = R[s, a] + gamma * self._solve_row(offset + s * self.A + a, V)[0]
        greedy[:] = np.argmax(Q, axis=1)
        V_out[:] = Q[np.arange(self.S), greedy]
        gap[:] = 0.0
        return 0.0

    def policy_backup(self, offset: int, stage: int, R, gamma, V, pol, pol_offset, V_out,
                      gap) -> float:
        """Robust policy backup of one stage; returns the largest inner gap."""
        if self.compiled:
            args = (self.op, offset, self.cset._kind, self.params, self._poff(stage),
                    self.cset._globals(V), R, gamma, V, pol, pol_offset, V_out, gap)
            if self.parallel:
                kernels.robust_policy_backup(*args)
            else:
                kernels.robust_policy_rows(*args, 0, self.S)
            return float(gap.max())
        ptr, actions, weights = pol
        for s in range(self.S):
            acc = 0.0
            for k in range(ptr[pol_offset + s], ptr[pol_offset + s + 1]):
                a = actions[k]
                acc += weights[k] * (R[s, a] + gamma *
                                     self._solve_row(offset + s * self.A + a, V)[0])
            V_out[s] = acc
        gap[:] = 0.0
        return 0.0

    def worst_rows(self, offset: int, stage: int, V: np.ndarray) -> sp.csr_matrix:
        """The worst-case rows ``offset .. offset + S*A`` for ``V``, an ``(S*A, S)`` CSR matrix."""
        n_rows = self.S * self.A
        if not self.compiled:
            dense = np.vstack([self._solve_row(offset + r, V)[1] for r in range(n_rows)])
            return sp.csr_matrix(dense)
        head = (self.op, offset, self.cset._kind, self.params, self._poff(stage), self.cset._globals(V),
                V)

        def run(counts, indptr, indices, data):  # two passes: count, then fill
            if self.parallel:
                kernels.worst_case_parallel(*head, n_rows, counts, indptr, indices, data)
            else:
                kernels.worst_case_rows(*head, counts, indptr, indices, data, 0, n_rows)

        counts = np.empty(n_rows, dtype=np.int64)
        none_i, none_f = np.empty(0, dtype=np.int64), np.empty(0)
        run(counts, none_i, none_i, none_f)
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        indices = np.empty(int(indptr[-1]), dtype=np.int64)
        data = np.empty(int(indptr[-1]))
        run(none_i, indptr, indices, data)
        return sp.csr_matrix((data, indices, indptr), shape=(n_rows, self.S))

    def rounding(self, r_norm: float, v_norm: float, gamma: float) -> float:
        return robust_backup_rounding(self.max_row_nnz if self.compiled else self.S, r_norm,
                                      v_norm, gamma)


def _in_model_storage(m, W: sp.csr_matrix):
    """A worst-case kernel in the storage of the model: CSR ``(S*A, S)`` or dense ``(S, A, S)``."""
    if m.is_sparse:
        return W
    return W.toarray().reshape(m.n_states, m.n_actions, m.n_states)


def _discount(m) -> float:
    """``m.gamma`` of a model whose discount its entry point checked (:func:`_check_discounted`,
    or a finite-horizon model's stage discount)."""
    assert m.gamma is not None
    return m.gamma


def _check_discounted(m, what: str) -> None:
    if not isinstance(m, TabularMDP):
        raise InvalidArgumentError(f"m must be a TabularMDP or FiniteHorizonMDP, got "
                                   f"{type(m).__name__}")
    if m.gamma is None:
        raise UnsupportedModelError(f"{what} needs a discount: the model has gamma=None (attach "
                                    f"one with m.with_gamma(gamma))")
    if m.gamma >= 1.0:
        raise UnsupportedModelError(f"{what} handles discounted models (gamma < 1) and "
                                    f"finite-horizon models; got gamma={m.gamma!r}")


def _check_values(V, shape: tuple[int, ...], name: str = "V") -> np.ndarray:
    return check_values(V, shape, name)


# -- operators ----------------------------------------------------------------------------------

class RobustBackup(NamedTuple):
    """One application of the robust Bellman operator: ``value = T V``, ``Q``, the first greedy
    action per state, and the largest inner gap (0 except for KL balls)."""

    value: np.ndarray
    Q: np.ndarray
    policy: np.ndarray
    gap: float


def _stage_args(m, stage):
    """``(offset, stage index, R, gamma)`` of a tabular model or of stage ``stage``."""
    if isinstance(m, FiniteHorizonMDP):
        if stage is None:
            raise InvalidArgumentError("stage is required for a FiniteHorizonMDP (0 <= stage < H)")
        h = check_positive_int(stage, "stage", InvalidArgumentError, minimum=0)
        if h >= m.horizon:
            raise InvalidArgumentError(f"stage={stage!r} is not in [0, {m.horizon})")
        return h * m.stage_stride, h, m._R[h], m.gamma
    _check_discounted(m, "the robust operator")
    if stage is not None:
        raise InvalidArgumentError("stage applies to finite-horizon models only")
    return 0, 0, m._R, m.gamma


def robust_bellman(m: TabularMDP | FiniteHorizonMDP, V, uncertainty: UncertaintySet, *,
                   stage: int | None = None) -> RobustBackup:
    r"""The robust Bellman operator ``(T V)(s) = max_a r(s, a) + gamma sigma_{s,a}(V)``.

    ``sigma_{s,a}(V) = min_{p in U(s, a)} p . V`` for a ball, ``min_p p.V + beta D(p || p0)`` for a
    penalty (see the module docstring). For a :class:`FiniteHorizonMDP` give ``stage = h``: then
    ``V`` holds ``V[h+1]`` and the operator uses ``P_h``, ``r_h`` and the radii of stage ``h``.
    A ``gamma``-contraction in the sup norm (Iyengar 2005).
    """
    offset, h, R, g = _stage_args(m, stage)
    pb = _Problem(m, uncertainty)
    V = _check_values(V, (m.n_states,))
    S, A = m.n_states, m.n_actions
    Q, TV = np.empty((S, A)), np.empty(S)
    greedy, gap = np.empty(S, dtype=np.int64), np.empty(S)
    delta = pb.backup(offset, h, R, g, V, Q, TV, greedy, gap)
    return RobustBackup(TV, Q, greedy, delta)


def worst_case_kernel(m: TabularMDP | FiniteHorizonMDP, V, uncertainty: UncertaintySet, *,
                      stage: int | None = None):
    """A worst-case kernel for ``V``: row ``(s, a)`` is an optimal ``p`` of ``sigma_{s,a}(V)``.

    Returned in the model's storage: dense ``(S, A, S)`` or CSR ``(S*A, S)``. For a
    :class:`FiniteHorizonMDP` give ``stage = h`` (``V`` is then ``V[h+1]``).
    """
    offset, h, _, _ = _stage_args(m, stage)
    pb = _Problem(m, uncertainty)
    V = _check_values(V, (m.n_states,))
    return _in_model_storage(m, pb.worst_rows(offset, h, V))


# -- discounted solvers --------------------------------------------------------------------------

def _certify(m: TabularMDP, pb: _Problem, V: np.ndarray, *, method: str, status: str,
             iterations: int, tol: float, method_bound: float, info: dict) -> RobustSolveResult:
    """The robust counterpart of :func:`rlcert.mdp.discounted.certify`: one robust backup of ``V``
    gives ``Q``, the greedy policy and the residual; the inner gap ``delta`` of that backup adds
    ``gamma delta / (1 - gamma)`` to the residual bound."""
    g, S, A = _discount(m), m.n_states, m.n_actions
    Q, TV = np.empty((S, A)), np.empty(S)
    greedy, gap = np.empty(S, dtype=np.int64), np.empty(S)
    delta = pb.backup(0, 0, m._R, g, V, Q, TV, greedy, gap)
    residual = _norm(TV - V)
    certificate = min(method_bound, (residual + g * delta) / (1.0 - g))
    rho = pb.rounding(_norm(m._R), _norm(V), g)
    rounding = rho / (1.0 - g)
    policy_residual = _norm(Q[np.arange(S), greedy] - V)
    loss = certificate + (policy_residual + g * delta) / (1.0 - g)
    slack = 2.0 * g * (certificate + rounding + delta) + 2.0 * rho
    optimal = Q >= (TV - slack)[:, None]
    info["inner_gap"] = max(delta, info.get("inner_gap", 0.0))
    W = pb.worst_rows(0, 0, V)
    return RobustSolveResult(V=V, Q=Q, policy=greedy, optimal_actions=optimal,
                             certificate=float(certificate), rounding=float(rounding),
                             policy_loss_bound=float(loss), iterations=int(iterations),
                             method=method, status=status, tol=tol, gamma=g, info=info,
                             worst_case=_in_model_storage(m, W), uncertainty=pb.U)


class _Stopper:
    """``tol`` reached, or the floating-point floor: the bound is below the
    :func:`~rlcert.mdp.results.floating_floor` estimate, or it stopped improving for 50 sweeps
    while within 1e3 estimates. Unlike :mod:`rlcert.mdp.discounted` (whose window grows like
    ``1 / (1 - gamma)`` and whose ``info["floor"]`` is the proven
    :func:`~rlcert.mdp.results.floor_bound`), ``info["floor"]`` here is the estimate, not a bound
    on the error, and at ``gamma`` close to 1 the 50-sweep window can stop a certificate that is
    still shrinking; ``certificate + rounding`` remains the proven bound."""

    def __init__(self, tol: float):
        self.tol, self.best, self.since_best = tol, math.inf, 0

    def __call__(self, bound: float, floor: float) -> str | None:
        if bound <= self.tol:
            return "converged"
        if bound <= floor:
            return "floor"
        if bound < self.best:
            self.best, self.since_best = bound, 0
        else:
            self.since_best += 1
            if self.since_best >= _STAGNATION_SWEEPS and bound < 1e3 * floor:
                return "floor"
        return None


def _robust_vi(m: TabularMDP, pb: _Problem, tol: float, max_iter: int, info: dict):
    g, S, A = _discount(m), m.n_states, m.n_actions
    R, r_norm = m._R, _norm(m._R)
    V, V_new = np.zeros(S), np.empty(S)
    Q, greedy, gap = np.empty((S, A)), np.empty(S, dtype=np.int64), np.empty(S)
    stop = _Stopper(tol)
    status, bound, k, delta_max = "max_iter", math.inf, 0, 0.0
    for k in range(1, max_iter + 1):
        delta = pb.backup(0, 0, R, g, V, Q, V_new, greedy, gap)
        delta_max = max(delta_max, delta)
        diff = _norm(V_new - V)
        V, V_new = V_new, V
        # V_k = T~ V_{k-1} with |T~ - T| <= gamma delta, so
        # ||V_k - V*|| <= gamma (||V_k - V_{k-1}|| + delta) / (1 - gamma)
        bound = g * (diff + delta) / (1.0 - g)
        status = stop(bound, floating_floor(r_norm, _norm(V), g)) or "max_iter"
        if status != "max_iter":
            break
    info.update(floor=floating_floor(r_norm, _norm(V), g), inner_gap=delta_max)
    return _certify(m, pb, V, method="vi", status=status, iterations=k, tol=tol,
                    method_bound=bound, info=info)


def _robust_mpi(m: TabularMDP, pb: _Problem, tol: float, max_iter: int, inner: int, info: dict):
    if isinstance(inner, bool) or not isinstance(inner, int) or inner < 1:
        raise InvalidArgumentError(f"inner must be an integer >= 1, got {inner!r}")
    g, S, A = _discount(m), m.n_states, m.n_actions
    R, r_norm = m._R, _norm(m._R)
    # V_0 = min r / (1 - gamma) is constant, so sigma(V_0) = V_0 and T V_0 >= V_0: the iterates
    # increase to V* (Kaufman and Schaefer 2013, as Puterman 1994, Thm 6.5.5 for MPI).
    V = np.full(S, float(R.min()) / (1.0 - g))
    TV, scratch = np.empty(S), np.empty(S)
    Q, greedy, gap = np.empty((S, A)), np.empty(S, dtype=np.int64), np.empty(S)
    stop = _Stopper(tol)
    status, k, delta_max = "max_iter", 0, 0.0
    ident = np.eye(A)
    for k in range(1, max_iter + 1):
        delta = pb.backup(0, 0, R, g, V, Q, TV, greedy, gap)
        delta_max = max(delta_max, delta)
        bound = (_norm(TV - V) + g * delta) / (1.0 - g)
        status = stop(bound, floating_floor(r_norm, _norm(V), g)) or "max_iter"
        if status != "max_iter":
            break
        pol = policy_operand(ident[greedy])
        V = TV.copy()
        for _ in range(inner - 1):
            delta_max = max(delta_max, pb.policy_backup(0, 0, R, g, V, pol, 0, scratch, gap))
            V, scratch = scratch, V
    info.update(inner=inner, floor=floating_floor(r_norm, _norm(V), g), inner_gap=delta_max)
    return _certify(m, pb, V, method="mpi", status=status, iterations=k, tol=tol,
                    method_bound=math.inf, info=info)


# -- finite horizon ------------------------------------------------------------------------------

def _robust_backward_induction(m: FiniteHorizonMDP, pb: _Problem) -> RobustFiniteHorizonResult:
    H, S, A, g = m.horizon, m.n_states, m.n_actions, _discount(m)
    stride = m.stage_stride
    V = np.zeros((H + 1, S))
    Q = np.empty((H, S, A))
    policy = np.empty((H, S), dtype=np.int64)
    gap = np.empty(S)
    deltas = np.zeros(H)
    for h in range(H - 1, -1, -1):
        deltas[h] = pb.backup(h * stride, h, m._R[h], g, V[h + 1], Q[h], V[h], policy[h], gap)
    r_norm = _norm(m._R)
    # |V[h] - V*_h| <= rho_h + gamma (delta_h + |V[h+1] - V*_{h+1}|): sigma is 1-Lipschitz
    stage_error = np.zeros(H + 1)
    for h in range(H - 1, -1, -1):
        rho = pb.rounding(r_norm, _norm(V[h + 1]), g)
        stage_error[h] = rho + g * (deltas[h] + stage_error[h + 1])
    optimal = Q >= (V[:H] - 2.0 * stage_error[:H, None])[:, :, None]
    if not m.is_sparse:
        check_memory(array_bytes(H, S, A, S), f"robust backward induction with horizon={H}: the "
                     f"dense worst-case kernels (H, S, A, S) = ({H}, {S}, {A}, {S})")
    blocks = [pb.worst_rows(h * stride, h, V[h + 1]) for h in range(H)]
    worst = blocks if m.is_sparse else np.stack([b.toarray().reshape(S, A, S) for b in blocks])
    return RobustFiniteHorizonResult(
        V=V, Q=Q, policy=policy, optimal_actions=optimal, certificate=float(stage_error.max()),
        method="robust_backward_induction", status="exact", horizon=H, gamma=g,
        info={"stage_error": stage_error, "inner_gap": float(deltas.max())},
        worst_case=worst, uncertainty=pb.U)


# -- entry points ----------------------------------------------------------------------------------

def solve_robust(m: TabularMDP | FiniteHorizonMDP, uncertainty: UncertaintySet,
                 method: str = "vi", tol: float = 1e-8, max_iter: int | None = None, *,
                 inner: int = 20) -> RobustSolveResult | RobustFiniteHorizonResult:
    r"""Robust optimal value, policy and worst-case kernel, with a certificate.

    Parameters
    ----------
    m : TabularMDP (0 <= gamma < 1) or FiniteHorizonMDP
    uncertainty : UncertaintySet
        An ``(s,a)``-rectangular set or penalty (:mod:`rlcert.mdp.robust.sets`); its radius may be
        a number, an ``(S, A)`` array, or (finite horizon) an ``(H, S, A)`` array.
    method : {"vi", "mpi"}
        Robust value iteration, or robust modified policy iteration (``inner`` partial-evaluation
        sweeps with the robust ``T_pi``). Finite-horizon models always use robust backward
        induction (``method``, ``tol``, ``max_iter`` and ``inner`` do not apply).
    tol : float
        The certificate asked for, a bound on ``||V - V*_rob||_inf``; below the floating-point
        floor the solver stops there with ``status="floor"``.
    max_iter : int, optional
        Sweeps (VI; default: enough in exact arithmetic, as for :func:`rlcert.mdp.solve`) or
        improvement steps (MPI; default 10,000).

    Returns
    -------
    RobustSolveResult or RobustFiniteHorizonResult
        The fields of :func:`rlcert.mdp.solve`'s results for the robust problem (``V``, ``Q``,
        ``policy``, ``optimal_actions``, ``certificate``, ``rounding``, ``policy_loss_bound``,
        ``status``, ...) plus ``worst_case``, a worst-case kernel for ``V``.

    Examples
    --------
    >>> from rlcert.mdp import instances
    >>> from rlcert.mdp.robust import KLBall, solve_robust
    >>> m = instances.riverswim(6, gamma=0.9)
    >>> res = solve_robust(m, KLBall(0.1), tol=1e-8)
    >>> res.status, res.certificate <= 1e-8
    ('converged', True)
    """
    t0 = time.perf_counter()
    if isinstance(inner, bool) or not isinstance(inner, numbers.Integral) or inner < 1:
        raise InvalidArgumentError(f"inner must be an integer >= 1, got {inner!r}")
    inner = int(inner)
    if isinstance(m, FiniteHorizonMDP):
        res = _robust_backward_induction(m, _Problem(m, uncertainty))
        res.info["seconds"] = time.perf_counter() - t0
        return res
    _check_discounted(m, "solve_robust")
    tol = check_tolerance(tol)
    check_choice(method, "method", METHODS)
    if max_iter is not None:
        max_iter = check_positive_int(max_iter, "max_iter", InvalidArgumentError)
    pb = _Problem(m, uncertainty)
    info: dict = {}
    if method == "vi":
        n = default_max_sweeps(m, tol) if max_iter is None else max_iter
        res = _robust_vi(m, pb, tol, n, info)
    else:
        res = _robust_mpi(m, pb, tol, 10_000 if max_iter is None else max_iter, inner, info)
    res.info["seconds"] = time.perf_counter() - t0
    return res


def evaluate_policy_robust(m: TabularMDP | FiniteHorizonMDP, pi, uncertainty: UncertaintySet, *,
                           tol: float = 1e-10, max_iter: int = 100,
                           with_certificate: bool = False):
    r"""Robust value of a policy: the fixed point of ``T_pi`` (worst case over the set).

    Discounted models: nature's policy iteration (the adversary's MDP has the convex action sets
    ``U(s, a)`` and, for a penalty set, the cost ``gamma beta D(p || p0)``). From the nominal value
    ``V_0``, take a worst-case kernel ``P_k`` for ``V_k`` (row ``(s, a)`` attains
    ``sigma_{s,a}(V_k)``) and evaluate that fixed adversary exactly:

    .. math::

        V_{k+1} = (I - \gamma P_k^\pi)^{-1} (r_\pi + \gamma c_k^\pi)
                = V_k + (I - \gamma P_k^\pi)^{-1} (T_\pi V_k - V_k),

    with ``c_k(s, a) = sigma_{s,a}(V_k) - P_k(s, a) . V_k``, i.e. ``beta D(P_k(s, a) || p0)`` for a
    penalty set and 0 for a ball (the two forms are equal because
    ``T_pi V_k = r_pi + gamma (P_k^pi V_k + c_k^pi)``; the second is the one computed). The values
    decrease to the robust value. It stops with ``(||T_pi V - V|| + gamma delta) / (1 - gamma) <=
    tol`` (then that is the certificate, plus rounding), at the floating-point floor (the bound is
    below :func:`~rlcert.mdp.results.floating_floor`, or has not improved for a few steps while
    within 1e3 of it), or after ``max_iter`` steps, which issues a :class:`RuntimeWarning` saying
    so (the returned value is then the best iterate, with its honest certificate above ``tol``).
    Finite-horizon models: one robust backward pass ``V[h] = T_{pi_h} V[h+1]``, exact up to
    rounding.

    Parameters
    ----------
    pi : array_like
        As for :func:`rlcert.mdp.evaluate_policy`: ``(S,)`` actions or ``(S, A)`` probabilities;
        per stage ``(H, S)`` / ``(H, S, A)`` for finite-horizon models.
    tol : float
        The certificate asked for (discounted models).
    max_iter : int
        Policy-iteration steps (discounted models), each one robust backup and, unless it stops
        there, one linear solve.
    with_certificate : bool
        Also return a bound on ``||V - V^pi_rob||_inf``.

    Returns
    -------
    V : ndarray (S,), or (H+1, S) for finite-horizon models
    certificate : float
        Only with ``with_certificate=True``: the bound on ``||V - V^pi_rob||_inf``, rounding
        included.

    Warns
    -----
    RuntimeWarning
        When ``max_iter`` steps end with the certificate above ``tol`` and above the floor.
    """
    check_bool(with_certificate, "with_certificate")
    if isinstance(m, FiniteHorizonMDP):
        return _evaluate_fh(m, pi, uncertainty, with_certificate)
    _check_discounted(m, "evaluate_policy_robust")
    tol = check_tolerance(tol)
    max_iter = check_positive_int(max_iter, "max_iter", InvalidArgumentError)
    pb = _Problem(m, uncertainty)
    S, g = m.n_states, _discount(m)
    W = policy_weights(pi, S, m.n_actions)
    pol = policy_operand(W)
    r_pi = np.einsum("sa,sa->s", W, m._R)
    V, _ = solve_policy_system(tr.policy_matrix(m.rows, W), r_pi, g)
    TV, gap = np.empty(S), np.empty(S)
    best_V, best_bound, since_best, status = V, math.inf, 0, "max_iter"
    for k in range(1, max_iter + 1):
        delta = pb.policy_backup(0, 0, m._R, g, V, pol, 0, TV, gap)
        bound = (_norm(TV - V) + g * delta) / (1.0 - g)
        floor = floating_floor(_norm(m._R), _norm(V), g)
        if bound < best_bound:
            best_V, best_bound, since_best = V, bound, 0
        else:
            since_best += 1
        if bound <= tol:
            status = "converged"
            break
        if bound <= floor or (since_best >= _PI_STAGNATION_STEPS and best_bound < 1e3 * floor):
            status = "floor"
            break
        if k == max_iter:
            break
        # T_pi V = r_pi + gamma (P_k^pi V + c_k^pi) carries the penalty c_k of the worst case, so
        # the residual form evaluates the penalised adversary without forming c_k.
        P_pi = tr.policy_matrix(pb.worst_rows(0, 0, V), W)
        step, _ = solve_policy_system(P_pi, TV - V, g)
        V = V + step
    if status == "max_iter":
        warnings.warn(f"evaluate_policy_robust: status 'max_iter': max_iter={max_iter} steps "
                      f"ended with the certificate {best_bound:.3e} above tol={tol:.3e}",
                      RuntimeWarning, stacklevel=2)
    if not with_certificate:
        return best_V
    rho = pb.rounding(_norm(m._R), _norm(best_V), g)
    return best_V, float(best_bound + rho / (1.0 - g))


def _evaluate_fh(m: FiniteHorizonMDP, pi, U: UncertaintySet, with_certificate: bool):
    pb = _Problem(m, U)
    H, S, g = m.horizon, m.n_states, _discount(m)
    W = stage_policy_weights(pi, H, S, m.n_actions)
    pol = policy_operand(W)
    V = np.zeros((H + 1, S))
    gap = np.empty(S)
    error = 0.0
    r_norm = _norm(m._R)
    for h in range(H - 1, -1, -1):
        delta = pb.policy_backup(h * m.stage_stride, h, m._R[h], g, V[h + 1], pol, h * S, V[h],
                                 gap)
        error = pb.rounding(r_norm, _norm(V[h + 1]), g) + g * (delta + error)
    return (V, float(error)) if with_certificate else V


__all__ = ["solve_robust", "evaluate_policy_robust", "robust_bellman", "worst_case_kernel",
           "RobustBackup", "robust_operand", "METHODS"]
