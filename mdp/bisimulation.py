r"""Bisimulation metrics of finite MDPs, value continuity, and state aggregation by the metric.

**The metric** (Ferns, Panangaden and Precup 2004, Theorem 4.5; 2011, Theorem 3.12). For weights
``c_R >= 0`` and ``0 <= c_T < 1``, the operator on pseudometrics of the state space

.. math::  F(d)(s, t) = \max_a \Big\{ c_R\, |r(s, a) - r(t, a)|
           + c_T\, W_1\big(P(\cdot|s, a), P(\cdot|t, a); d\big) \Big\}

(``W_1(p, q; d) = min_{pi in Pi(p, q)} sum_ij pi_ij d(i, j)``, the Kantorovich optimal-transport
distance with ground cost ``d``) is a ``c_T``-contraction in the sup norm: ``W_1(p, q; .)`` is a
minimum of linear functions with total mass 1, so ``|W_1(p, q; d) - W_1(p, q; d')| <=
||d - d'||_max``, and a maximum over actions of ``c_T``-Lipschitz functions is
``c_T``-Lipschitz. Its unique fixed point ``d*`` is the bisimulation metric; ``d*(s, t) = 0``
exactly when ``s`` and ``t`` are bisimilar (Givan, Dean and Greig 2003).

:func:`bisimulation_metric` iterates ``d_{k+1} = F(d_k)`` from ``d_0 = 0``; every ``W_1`` is a
small transportation problem on the two rows' supports, solved by a compiled transportation
simplex (northwest-corner start, Dantzig pricing, Bland's rule after a stall, which cannot
cycle; Dantzig 1951; Bland 1977) that reports its duality gap, or by scipy's HiGHS
(``solver="highs"``, the independent second method). The certificate is the a-posteriori bound of a
contraction computed with per-entry error ``eta`` (the largest transport gap plus rounding):

.. math::  \|d_k - d^*\|_{\max} \le \frac{c_T \|d_k - d_{k-1}\|_{\max} + c_T\,\eta}{1 - c_T},

(``||d_k - d*|| <= ||F~ d_{k-1} - F d_{k-1}|| + c_T ||d_{k-1} - d*||`` and the triangle
inequality through ``d_k``), next to the a-priori bound ``c_T^k ||d_1 - d_0|| / (1 - c_T)``.

**Value continuity** (Ferns, Panangaden and Precup 2004, Theorem 5.1). If ``c_T >= gamma`` then
``c_R |V*(s) - V*(t)| <= d*(s, t)``; with ``c_R = 1, c_T = gamma``: ``|V*(s) - V*(t)| <=
d*(s, t)``. Proof: value iteration from ``V_0 = 0`` keeps ``c_R V_k`` ``d*``-Lipschitz, since
``c_R |Q_k(s, a) - Q_k(t, a)| <= c_R |r(s, a) - r(t, a)| + gamma |(P_s^a - P_t^a) c_R V_k| <= c_R
|Delta r| + gamma W_1(P_s^a, P_t^a; d*)`` (Kantorovich-Rubinstein duality: a ``d``-Lipschitz
function integrates to at most ``W_1`` against ``p - q``), and ``|max f - max g| <= max |f - g|``.
The same argument gives ``c_R |Q*(s, a) - Q*(t, a)| <= d*(s, t)`` for every action.

**Aggregation** (:func:`aggregate`). Partition the states into clusters ``C`` with weights
``w`` on each cluster (``sum_{u in C} w_u = 1``); the aggregated MDP has one state per cluster,
``r~(C, a) = sum_{u in C} w_u r(u, a)`` and ``P~(C' | C, a) = sum_{u in C} w_u P(C' | u, a)``.
With ``c_R = 1``, ``c_T = gamma`` and ``g(s) = sum_{u in C(s)} w_u d*(s, u)``:

.. math::  |V^*(s) - \tilde V^*(C(s))| \le g(s) + \frac{\gamma}{1 - \gamma} \max_u g(u).

Proof (derived here; Ferns, Panangaden and Precup 2004, Theorem 5.2, state this form with
``c_T / (1 - c_T)`` in place of ``gamma / (1 - gamma)``, which is no smaller since ``c_T >=
gamma``, for uniform weights). Let ``U(s) = V~*(C(s))`` and ``Q_U(u, a) = r(u, a) + gamma P(u, a)
U``, so that ``V~*(C) = max_a sum_{u in C} w_u Q_U(u, a)`` (``U`` is constant on clusters). For
``s in C``: ``|V~*(C) - V*(s)| <= |max_a sum_u w_u Q_U(u, a) - max_a sum_u w_u Q*(u, a)| +
|max_a sum_u w_u Q*(u, a) - max_a Q*(s, a)| <= gamma ||U - V*|| + sum_u w_u d*(u, s)``, using
``|Q*(u, a) - Q*(s, a)| <= d*(u, s)``. Taking the maximum over ``s``: ``||U - V*|| <= max g /
(1 - gamma)``; substituting back gives the pointwise form. With clusters of ``d*``-diameter at
most ``eps``, ``g <= eps`` and the error is at most ``eps / (1 - gamma)``.

References
----------
* N. Ferns, P. Panangaden and D. Precup (2004), Metrics for finite Markov decision processes,
  UAI, 162-169.
* N. Ferns, P. Panangaden and D. Precup (2011), Bisimulation metrics for continuous Markov
  decision processes, SIAM J. Comput. 40(6):1662-1714.
* R. Givan, T. Dean and M. Greig (2003), Equivalence notions and model minimization in Markov
  decision processes, Artificial Intelligence 147:163-223.
* G. B. Dantzig (1951), Application of the simplex method to a transportation problem, in
  Activity Analysis of Production and Allocation, Wiley; R. G. Bland (1977), New finite pivoting
  rules for the simplex method, Math. Oper. Res. 2(2):103-107.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numba import njit
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.optimize import linprog
from scipy.spatial.distance import squareform

from ._validate import as_float_array, check_choice, check_labels, check_real
from .errors import InvalidArgumentError
from .models import TabularMDP

_U = 2.0 ** -53

#: Pivots per transportation problem before Bland's rule replaces Dantzig's (a stall guard).
_DANTZIG_PIVOTS = 64


# -- the transportation simplex --------------------------------------------------------------------
@njit(cache=True)
def _potentials(C, basic, u, v, known_u, known_v):
    """``u_i + v_j = C_ij`` on the basic cells, ``u_0 = 0``, by a breadth-first walk of the basis
    tree (``O(n m)``); False if the basis does not span every row and column."""
    n, m = C.shape
    known_u[:] = False
    known_v[:] = False
    queue = np.empty(n + m, dtype=np.int64)
    u[0] = 0.0
    known_u[0] = True
    queue[0] = 0
    head = 0
    tail = 1
    while head < tail:
        node = queue[head]
        head += 1
        if node < n:
            for j in range(m):
                if basic[node, j] and not known_v[j]:
                    v[j] = C[node, j] - u[node]
                    known_v[j] = True
                    queue[tail] = n + j
                    tail += 1
        else:
            j = node - n
            for i in range(n):
                if basic[i, j] and not known_u[i]:
                    u[i] = C[i, j] - v[j]
                    known_u[i] = True
                    queue[tail] = i
                    tail += 1
    return tail == n + m


@njit(cache=True)
def transport(a, b, C):
    r"""``(value, gap, ok)`` of ``min_{x >= 0} sum_ij C_ij x_ij`` subject to ``sum_j x_ij = a_i``
    and ``sum_i x_ij = b_j`` (``a``, ``b`` positive with equal sums), by the transportation simplex.

    ``value`` is the cost of the final (feasible) basic solution; ``gap`` bounds ``value`` minus
    the optimum: with the potentials ``u_i + v_j = C_ij`` on the basis and every reduced cost
    ``C_ij - u_i - v_j >= -tau``, ``(u, v - tau)`` is dual feasible with objective
    ``u.a + v.b - tau sum b``, and ``value = u.a + v.b`` up to rounding. ``ok`` is False only if
    the pivot cap was reached (not expected: Bland's rule terminates).
    """
    n, m = C.shape
    x = np.zeros((n, m))
    basic = np.zeros((n, m), dtype=np.bool_)
    ra = a.copy()
    rb = b.copy()
    cmax = 0.0
    for i in range(n):
        for j in range(m):
            if abs(C[i, j]) > cmax:
                cmax = abs(C[i, j])
    # northwest corner: n + m - 1 basic cells forming a spanning tree (a staircase)
    i = 0
    j = 0
    while True:
        if i == n - 1 and j == m - 1:
            x[i, j] = max(ra[i], 0.0)
            basic[i, j] = True
            break
        if (ra[i] <= rb[j] and i < n - 1) or j == m - 1:
            q = ra[i]
            x[i, j] = q
            basic[i, j] = True
            rb[j] -= q
            ra[i] = 0.0
            i += 1
        else:
            q = rb[j]
            x[i, j] = q
            basic[i, j] = True
            ra[i] -= q
            rb[j] = 0.0
            j += 1
    u = np.zeros(n)
    v = np.zeros(m)
    ku = np.zeros(n, dtype=np.bool_)
    kv = np.zeros(m, dtype=np.bool_)
    tol = 1e-14 * max(1.0, cmax)
    parent = np.empty(n + m, dtype=np.int64)
    queue = np.empty(n + m, dtype=np.int64)
    path = np.empty(n + m + 1, dtype=np.int64)
    max_pivots = 50 * (n + m) * (n + m) + 1000
    ok = False
    tau = 0.0
    for pivot in range(max_pivots):
        if not _potentials(C, basic, u, v, ku, kv):
            break
        best = -tol
        bi = -1
        bj = -1
        tau = 0.0
        bland = pivot >= _DANTZIG_PIVOTS
        for ii in range(n):
            for jj in range(m):
                if not basic[ii, jj]:
                    rc = C[ii, jj] - u[ii] - v[jj]
                    if -rc > tau:
                        tau = -rc
                    if rc < best:
                        best = rc
                        bi = ii
                        bj = jj
                        if bland:
                            break
            if bland and bi >= 0:
                break
        if bi < 0:
            ok = True
            break
        # the path from row node bi to column node n + bj in the basis tree
        for k in range(n + m):
            parent[k] = -2
        parent[bi] = -1
        head = 0
        tail = 1
        queue[0] = bi
        target = n + bj
        while head < tail:
            node = queue[head]
            head += 1
            if node == target:
                break
            if node < n:
                for jj in range(m):
                    if basic[node, jj] and parent[n + jj] == -2:
                        parent[n + jj] = node
                        queue[tail] = n + jj
                        tail += 1
            else:
                jj = node - n
                for ii in range(n):
                    if basic[ii, jj] and parent[ii] == -2:
                        parent[ii] = node
                        queue[tail] = ii
                        tail += 1
        length = 0
        node = target
        while node != -1:
            path[length] = node
            length += 1
            node = parent[node]
        # path[0] = column bj, ..., path[length-1] = row bi; edge k joins path[k], path[k+1];
        # edge 0 (in column bj) is a "minus" cell, then the signs alternate
        theta = np.inf
        li = -1
        lj = -1
        for k in range(0, length - 1, 2):
            p0 = path[k]
            p1 = path[k + 1]
            ri = p1 if p1 < n else p0
            cj = (p0 if p0 >= n else p1) - n
            if x[ri, cj] < theta or (bland and x[ri, cj] == theta
                                     and ri * m + cj < li * m + lj):
                theta = x[ri, cj]  # Bland: among tied leaving cells, the lowest index
                li = ri
                lj = cj
        for k in range(length - 1):
            p0 = path[k]
            p1 = path[k + 1]
            ri = p1 if p1 < n else p0
            cj = (p0 if p0 >= n else p1) - n
            if k % 2 == 0:
                x[ri, cj] -= theta
            else:
                x[ri, cj] += theta
        x[bi, bj] = theta
        basic[bi, bj] = True
        x[li, lj] = 0.0
        basic[li, lj] = False
    value = 0.0
    dual = 0.0
    for ii in range(n):
        for jj in range(m):
            if basic[ii, jj]:
                value += C[ii, jj] * max(x[ii, jj], 0.0)
    for ii in range(n):
        dual += u[ii] * a[ii]
    sb = 0.0
    for jj in range(m):
        dual += v[jj] * b[jj]
        sb += b[jj]
    dual -= tau * sb
    rounding = 4.0 * (n + m + 2) * _U * cmax * (1.0 + sb)
    gap = max(value - dual, 0.0) + rounding
    return value, gap, ok


@njit(cache=True)
def _w1_rows(d, ptr, idx, w, row_s, row_t):
    """``W_1`` between two stored rows (supports ``idx[ptr[r]:ptr[r+1]]``, masses ``w``)."""
    s0, s1 = ptr[row_s], ptr[row_s + 1]
    t0, t1 = ptr[row_t], ptr[row_t + 1]
    n = s1 - s0
    m = t1 - t0
    same = n == m
    if same:
        for k in range(n):
            if idx[s0 + k] != idx[t0 + k] or w[s0 + k] != w[t0 + k]:
                same = False
                break
    if same:
        return 0.0, 0.0, True
    a = w[s0:s1].copy()
    b = w[t0:t1].copy()
    sa = a.sum()
    sb = b.sum()
    b *= sa / sb
    C = np.empty((n, m))
    cmax = 0.0
    for i in range(n):
        for j in range(m):
            C[i, j] = d[idx[s0 + i], idx[t0 + j]]
            if C[i, j] > cmax:
                cmax = C[i, j]
    value, gap, ok = transport(a, b, C)
    # the rescaling of b moves at most |sa - sb| mass, at cost <= cmax per unit
    return value, gap + cmax * abs(sa - sb), ok


@njit(cache=True)
def bisimulation_step(d, R, ptr, idx, w, c_R, c_T, out, failed):
    r"""One application ``out = F(d)`` (module docstring) over all pairs ``s < t``; returns the
    largest transport gap ``eta`` and the number of transport problems that hit the pivot cap
    (their ``(s, t, a)`` in ``failed``; their entries are then to be recomputed)."""
    S, A = R.shape
    eta = 0.0
    n_failed = 0
    for s in range(S):
        out[s, s] = 0.0
        for t in range(s + 1, S):
            best = 0.0
            for a in range(A):
                val, gap, ok = _w1_rows(d, ptr, idx, w, s * A + a, t * A + a)
                if not ok:
                    if n_failed < failed.shape[0]:
                        failed[n_failed, 0] = s
                        failed[n_failed, 1] = t
                        failed[n_failed, 2] = a
                    n_failed += 1
                if gap > eta:
                    eta = gap
                cand = c_R * abs(R[s, a] - R[t, a]) + c_T * val
                if cand > best:
                    best = cand
            out[s, t] = best
            out[t, s] = best
    return eta, n_failed


# -- the HiGHS second method ----------------------------------------------------------------------
def w1_highs(p, q, cost) -> float:
    """``W_1(p, q; cost)`` as the transport LP solved by scipy's HiGHS (supports only)."""
    p = np.asarray(p, dtype=float)
    q = np.asarray(q, dtype=float)
    I = np.flatnonzero(p > 0)
    J = np.flatnonzero(q > 0)
    if I.size == J.size and np.array_equal(I, J) and np.array_equal(p[I], q[J]):
        return 0.0
    n, m = I.size, J.size
    C = np.asarray(cost, dtype=float)[np.ix_(I, J)]
    A_eq = sp.vstack([sp.kron(sp.eye(n), np.ones((1, m))), sp.kron(np.ones((1, n)), sp.eye(m))])
    b_eq = np.concatenate([p[I], q[J] * p[I].sum() / q[J].sum()])
    res = linprog(C.ravel(), A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs",
                  options={"primal_feasibility_tolerance": 1e-10,
                           "dual_feasibility_tolerance": 1e-10})
    if res.status != 0:
        raise InvalidArgumentError(f"HiGHS failed on a transport problem: {res.message}")
    return float(res.fun)


def bisimulation_operator(m: TabularMDP, d, c_R: float = 1.0, c_T: float | None = None,
                          *, solver: str = "simplex") -> np.ndarray:
    r"""``F(d)`` of the module docstring for a given ground cost ``d`` (an ``(S, S)`` array,
    ``>= 0`` with zero diagonal, so that identical rows are at distance 0).

    ``solver="simplex"`` (compiled) or ``"highs"`` (scipy, one LP per pair and action).
    """
    m, c_R, c_T = _check_model_weights(m, c_R, c_T)
    d = _check_cost(d, m.n_states)
    solver = check_choice(solver, "solver", ("simplex", "highs"))
    S, A = m.n_states, m.n_actions
    if solver == "highs":
        P = m.dense_P()
        out = np.zeros((S, S))
        for s in range(S):
            for t in range(s + 1, S):
                out[s, t] = out[t, s] = max(
                    c_R * abs(m.R[s, a] - m.R[t, a]) + c_T * w1_highs(P[s, a], P[t, a], d)
                    for a in range(A))
        return out
    ptr, idx, w = _row_supports(m)
    out = np.zeros((S, S))
    failed = _failure_buffer(S, A)
    _, n_failed = bisimulation_step(d, np.ascontiguousarray(m.R), ptr, idx, w, c_R, c_T, out,
                                    failed)
    if n_failed:
        _repair(m, d, c_R, c_T, out, failed, n_failed)
    return out


# -- validation ------------------------------------------------------------------------------------
def _check_model_weights(m, c_R, c_T):
    if not isinstance(m, TabularMDP):
        raise InvalidArgumentError(f"m must be a TabularMDP, got {type(m).__name__}")
    c_R = check_real(c_R, "c_R", lower=0.0)
    if c_T is None:
        if m.gamma is None or m.gamma >= 1.0:
            raise InvalidArgumentError(f"c_T=None takes c_T = gamma, but the model has gamma="
                                       f"{m.gamma!r}; pass c_T in [0, 1)")
        c_T = float(m.gamma)
    c_T = check_real(c_T, "c_T", lower=0.0, upper=1.0, upper_open=True)
    return m, c_R, c_T


def _check_cost(d, S: int) -> np.ndarray:
    d = as_float_array(d, "d", InvalidArgumentError)
    if d.shape != (S, S):
        raise InvalidArgumentError(f"d must have shape ({S}, {S}), got {d.shape}")
    if not np.isfinite(d).all():
        i, j = np.argwhere(~np.isfinite(d))[0]
        raise InvalidArgumentError(f"d[{i}, {j}] = {d[i, j]!r} is not finite")
    if (d < 0).any():
        i, j = np.argwhere(d < 0)[0]
        raise InvalidArgumentError(f"d[{i}, {j}] = {d[i, j]!r} is negative")
    diag = np.diagonal(d)
    if (diag != 0).any():
        i = int(np.flatnonzero(diag != 0)[0])
        raise InvalidArgumentError(f"d[{i}, {i}] = {diag[i]!r}, not 0 (a ground cost here is a "
                                   f"pseudometric-like cost: zero on the diagonal)")
    return np.ascontiguousarray(d)


def _row_supports(m: TabularMDP):
    rows = m.rows
    C = rows.tocsr() if sp.issparse(rows) else sp.csr_matrix(np.asarray(rows))
    C = C.copy()
    C.eliminate_zeros()
    C.sort_indices()
    return (np.ascontiguousarray(C.indptr, dtype=np.int64),
            np.ascontiguousarray(C.indices, dtype=np.int64),
            np.ascontiguousarray(C.data, dtype=np.float64))


def _failure_buffer(S: int, A: int) -> np.ndarray:
    """Room to record the transport problems that hit the pivot cap (none are expected)."""
    return np.zeros((min(S * (S - 1) // 2 * A, 4096) or 1, 3), dtype=np.int64)


def _repair(m, d, c_R, c_T, out, failed, n_failed):
    """Recompute with HiGHS the pairs whose transport simplex hit its pivot cap (all pairs if
    more failed than the buffer recorded)."""
    P = m.dense_P()
    if n_failed > failed.shape[0]:
        pairs = {(s, t) for s in range(m.n_states) for t in range(s + 1, m.n_states)}
    else:
        pairs = {(int(s), int(t)) for s, t, _ in failed[:n_failed]}
    for s, t in pairs:
        out[s, t] = out[t, s] = max(
            c_R * abs(m.R[s, a] - m.R[t, a]) + c_T * w1_highs(P[s, a], P[t, a], d)
            for a in range(m.n_actions))


# -- the metric ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class BisimulationResult:
    """The computed metric and how exact it is.

    Attributes
    ----------
    distance : ndarray (S, S)
        ``d_k``, symmetric with zero diagonal (read-only).
    certificate : float
        Proven bound on ``max_{s,t} |d_k(s, t) - d*(s, t)|`` (module docstring), the transport
        gaps and rounding included.
    a_priori : float
        ``c_T^k ||d_1 - d_0||_max / (1 - c_T)``, the a-priori contraction bound (exact
        arithmetic).
    iterations : int
        ``k``, the number of applications of ``F``.
    residual : float
        ``||d_k - d_{k-1}||_max``.
    lp_gap : float
        ``eta``: the largest transport duality gap of the last iteration (plus rounding).
    c_R, c_T : float
    status : str
        ``"converged"`` (certificate <= tol), ``"floor"`` (``d_k = d_{k-1}`` in floating point
        with the certificate, then rounding and transport gaps only, above ``tol``) or
        ``"max_iter"``.
    """

    distance: np.ndarray
    certificate: float
    a_priori: float
    iterations: int
    residual: float
    lp_gap: float
    c_R: float
    c_T: float
    status: str


def default_iterations(c_T: float, tol: float, first: float) -> int:
    """Smallest ``k`` with ``c_T^k first / (1 - c_T) <= tol`` (the a-priori bound), plus 2."""
    if c_T == 0.0 or first <= tol * (1.0 - c_T):
        return 2
    return int(math.ceil(math.log(tol * (1.0 - c_T) / first) / math.log(c_T))) + 2


def bisimulation_metric(m: TabularMDP, c_R: float = 1.0, c_T: float | None = None, *,
                        tol: float = 1e-10, max_iter: int | None = None,
                        solver: str = "simplex") -> BisimulationResult:
    r"""The bisimulation metric ``d*`` of a finite MDP (the fixed point of ``F``, module docstring).

    Parameters
    ----------
    m : TabularMDP
    c_R : float, >= 0
        Reward weight (1 for the value-continuity bound ``|V*(s) - V*(t)| <= d*(s, t)``).
    c_T : float in [0, 1), optional
        Transport weight; default the model's ``gamma`` (must be ``< 1``). ``c_T >= gamma`` is
        what value continuity needs.
    tol : float > 0
        Target for the certificate ``||d_k - d*||_max``.
    max_iter : int, optional
        Default: the a-priori count :func:`default_iterations` for ``tol / 2`` (enough in exact
        arithmetic, with half of ``tol`` left for the transport gaps and rounding).
    solver : {"simplex", "highs"}
        Compiled transportation simplex (default) or scipy's HiGHS per problem (slow; a second
        method for tests).

    Returns
    -------
    BisimulationResult

    Examples
    --------
    Two states with rewards 0 and 1 that stay put: ``d = 1 + gamma d``, so ``d = 1 / (1 - gamma)``.

    >>> import numpy as np
    >>> from rlcert.mdp import TabularMDP
    >>> m = TabularMDP(np.eye(2)[:, None, :], [[0.0], [1.0]], gamma=0.5)
    >>> round(float(bisimulation_metric(m).distance[0, 1]), 9)
    2.0
    """
    m, c_R, c_T = _check_model_weights(m, c_R, c_T)
    tol = check_real(tol, "tol", lower=0.0, lower_open=True)
    solver = check_choice(solver, "solver", ("simplex", "highs"))
    if max_iter is not None:
        if isinstance(max_iter, (bool, np.bool_)) or not isinstance(max_iter, (int, np.integer)) \
                or max_iter < 1:
            raise InvalidArgumentError(f"max_iter = {max_iter!r} must be a positive integer")
        max_iter = int(max_iter)
    S, A = m.n_states, m.n_actions
    R = np.ascontiguousarray(m.R, dtype=np.float64)
    d = np.zeros((S, S))
    new = np.zeros((S, S))
    if solver == "simplex":
        ptr, idx, w = _row_supports(m)
        failed = _failure_buffer(S, A)
    first = None
    cap = max_iter
    k = 0
    residual = 0.0
    eta = 0.0
    certificate = math.inf
    while True:
        if solver == "simplex":
            eta, n_failed = bisimulation_step(d, R, ptr, idx, w, c_R, c_T, new, failed)
            if n_failed:
                _repair(m, d, c_R, c_T, new, failed, n_failed)
        else:
            new = bisimulation_operator(m, d, c_R, c_T, solver="highs")
            eta = 1e-9 * max(1.0, float(d.max()))
        k += 1
        residual = float(np.max(np.abs(new - d))) if S > 1 else 0.0
        d, new = new, d
        if first is None:
            first = residual
            if cap is None:  # half the target for the contraction, half left for eta
                cap = default_iterations(c_T, tol / 2.0, first)
        assert cap is not None  # max_iter, or set on the first iteration
        scale = max(1.0, float(d.max()) if S else 1.0)
        eta_all = c_T * eta + 4.0 * (A + 2) * _U * scale
        certificate = (c_T * residual + eta_all) / (1.0 - c_T)
        if certificate <= tol or k >= cap or c_T == 0.0 or residual == 0.0:
            break  # residual 0: a floating-point fixed point, the certificate is rounding only
    a_priori = (c_T ** k) * first / (1.0 - c_T) if first else 0.0
    d = np.array(d)
    d.flags.writeable = False
    return BisimulationResult(distance=d, certificate=float(certificate),
                              a_priori=float(a_priori), iterations=k, residual=residual,
                              lp_gap=float(eta), c_R=c_R, c_T=c_T,
                              status="converged" if certificate <= tol else
                              "floor" if residual == 0.0 else "max_iter")


# -- aggregation -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Aggregation:
    """A partition of the states, its aggregated MDP and the value-error bound (module docstring).

    Attributes
    ----------
    labels : ndarray (S,) of int
        Cluster of each state, ``0 .. n_clusters - 1`` in order of first appearance.
    weights : ndarray (S,)
        Within-cluster weights ``w`` (sum 1 over each cluster).
    model : TabularMDP
        The aggregated MDP (one state per cluster).
    spread : ndarray (S,)
        ``g(s) = sum_{u in C(s)} w_u d(s, u)`` from the metric used, plus its certificate.
    bound : ndarray (S,)
        ``g(s) + gamma / (1 - gamma) max_u g(u)``: bound on ``|V*(s) - V~*(C(s))|``.
    diameter : float
        Largest ``d(s, u)`` within a cluster.
    metric : BisimulationResult
    """

    labels: np.ndarray
    weights: np.ndarray
    model: TabularMDP
    spread: np.ndarray
    bound: np.ndarray
    diameter: float
    metric: BisimulationResult

    @property
    def n_clusters(self) -> int:
        return int(self.labels.max()) + 1 if self.labels.size else 0

    def lift(self, V_agg) -> np.ndarray:
        """``U(s) = V_agg[C(s)]``: a function on clusters read on the original states."""
        return np.asarray(V_agg, dtype=float)[self.labels]


def epsilon_clusters(distance, eps: float) -> np.ndarray:
    """Labels of a partition whose clusters have diameter ``<= eps`` under ``distance``: complete
    linkage cut at ``eps`` (scipy), relabelled by first appearance."""
    d = as_float_array(distance, "distance", InvalidArgumentError)
    if d.ndim != 2 or d.shape[0] != d.shape[1]:
        raise InvalidArgumentError(f"distance must be a square array, got shape {d.shape}")
    eps = check_real(eps, "eps", lower=0.0)
    S = d.shape[0]
    if S == 1:
        return np.zeros(1, dtype=np.int64)
    sym = 0.5 * (d + d.T)
    np.fill_diagonal(sym, 0.0)
    raw = fcluster(linkage(squareform(sym, checks=False), method="complete"), t=eps,
                   criterion="distance")
    _, first = np.unique(raw, return_index=True)
    order = {int(raw[i]): k for k, i in enumerate(sorted(first))}
    return np.array([order[int(c)] for c in raw], dtype=np.int64)


def aggregated_mdp(m: TabularMDP, labels, weights=None) -> TabularMDP:
    r"""``r~(C, a) = sum_{u in C} w_u r(u, a)``, ``P~(C'|C, a) = sum_{u in C} w_u P(C'|u, a)``.

    ``weights`` default uniform within each cluster; otherwise ``>= 0`` with a positive sum on
    each cluster (normalised per cluster, which is the definition, not a repair).
    """
    if not isinstance(m, TabularMDP):
        raise InvalidArgumentError(f"m must be a TabularMDP, got {type(m).__name__}")
    labels, w = _check_partition(labels, weights, m.n_states)
    k = int(labels.max()) + 1
    Z = np.zeros((m.n_states, k))
    Z[np.arange(m.n_states), labels] = 1.0
    W = Z * w[:, None]  # (S, k): column C holds w on C
    P = m.dense_P()
    R = np.einsum("sc,sa->ca", W, m.R)
    Pk = np.einsum("sc,sat,td->cad", W, P, Z)
    Pk /= Pk.sum(axis=-1, keepdims=True)  # rounding only: every row sums to 1 in exact arithmetic
    init = m.initial @ Z
    return TabularMDP(Pk, R, m.gamma, init)


def _check_partition(labels, weights, S):
    lab = check_labels(labels, S, "labels", "state", "cluster")
    k = int(lab.max()) + 1
    if weights is None:
        w = np.ones(S)
    else:
        w = as_float_array(weights, "weights", InvalidArgumentError)
        if w.shape != (S,):
            raise InvalidArgumentError(f"weights must have shape ({S},), got {w.shape}")
        if not np.isfinite(w).all() or (w < 0).any():
            i = int(np.flatnonzero(~np.isfinite(w) | (w < 0))[0])
            raise InvalidArgumentError(f"weights[{i}] = {w[i]!r} must be finite and >= 0")
    tot = np.bincount(lab, weights=w, minlength=k)
    if (tot <= 0).any():
        c = int(np.flatnonzero(tot <= 0)[0])
        raise InvalidArgumentError(f"the weights of cluster {c} sum to 0")
    return lab, w / tot[lab]


def aggregation_bound(distance, labels, weights, gamma: float, error: float = 0.0):
    r"""``(g, bound)``: ``g(s) = sum_{u in C(s)} w_u d(s, u) + error`` and ``g(s) + gamma /
    (1 - gamma) max g`` (module docstring), ``error`` a bound on ``||d - d*||_max``."""
    d = as_float_array(distance, "distance", InvalidArgumentError)
    gamma = check_real(gamma, "gamma", lower=0.0, upper=1.0, upper_open=True)
    error = check_real(error, "error", lower=0.0)
    S = d.shape[0]
    lab, w = _check_partition(labels, weights, S)
    same = lab[:, None] == lab[None, :]
    g = np.where(same, d * w[None, :], 0.0).sum(axis=1) + error
    return g, g + gamma / (1.0 - gamma) * float(g.max())


def aggregate(m: TabularMDP, eps: float, *, weights=None, metric: BisimulationResult | None = None,
              tol: float = 1e-10) -> Aggregation:
    r"""Aggregate the states of ``m`` into clusters of bisimulation-diameter at most ``eps``.

    The metric is ``d*`` with ``c_R = 1``, ``c_T = gamma`` (computed unless ``metric`` is given
    with those weights); clusters by complete linkage at ``eps`` (:func:`epsilon_clusters`);
    the aggregated MDP by :func:`aggregated_mdp`; ``bound[s]`` is the module docstring's
    ``g(s) + gamma / (1 - gamma) max g`` with ``g`` raised by the metric's certificate, a proven
    bound on ``|V*(s) - V~*(C(s))|``.
    """
    if not isinstance(m, TabularMDP):
        raise InvalidArgumentError(f"m must be a TabularMDP, got {type(m).__name__}")
    if m.gamma is None or m.gamma >= 1.0:
        raise InvalidArgumentError(f"aggregate needs a discounted model (gamma < 1), got gamma="
                                   f"{m.gamma!r}")
    eps = check_real(eps, "eps", lower=0.0)
    if metric is None:
        metric = bisimulation_metric(m, 1.0, m.gamma, tol=tol)
    elif not isinstance(metric, BisimulationResult):
        raise InvalidArgumentError(f"metric must be a BisimulationResult, got "
                                   f"{type(metric).__name__}")
    elif metric.c_R != 1.0 or metric.c_T < m.gamma or metric.distance.shape[0] != m.n_states:
        raise InvalidArgumentError(f"metric has c_R={metric.c_R}, c_T={metric.c_T} for "
                                   f"{metric.distance.shape[0]} states; the bound needs c_R = 1, "
                                   f"c_T >= gamma = {m.gamma} and {m.n_states} states")
    labels = epsilon_clusters(metric.distance, eps)
    lab, w = _check_partition(labels, weights, m.n_states)
    model = aggregated_mdp(m, lab, w)
    g, bound = aggregation_bound(metric.distance, lab, w, m.gamma, metric.certificate)
    same = lab[:, None] == lab[None, :]
    diam = float(np.max(np.where(same, metric.distance, 0.0)))
    return Aggregation(labels=lab, weights=w, model=model, spread=g, bound=bound, diameter=diam,
                       metric=metric)


__all__ = ["BisimulationResult", "bisimulation_metric", "bisimulation_operator", "transport",
           "w1_highs", "Aggregation", "aggregate", "aggregated_mdp", "aggregation_bound",
           "epsilon_clusters", "default_iterations"]
