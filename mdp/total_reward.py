r"""Total-reward MDPs (``gamma = 1``) with absorbing zero-reward terminal states.

Which criterion applies is decided here, at solve time, not in the model:

**(a) Stochastic shortest path** (Bertsekas and Tsitsiklis 1991). Every non-terminal reward is
``<= -c < 0`` and the terminal set is reached with probability 1 from every state under some
policy (the almost-sure attractor of the terminal set is the whole state space; a *proper*
policy exists). Then improper policies have value ``-inf`` somewhere, ``V*`` is the unique
solution of ``V = T V`` with ``V = 0`` on terminal states, and policy iteration started from a
proper policy stays proper. Certificate: for ``V = V^pi`` (pi proper) and
``eps = max_s (T V - V)(s)``, for every proper ``mu``,
``V^mu - V = E^mu[sum_t (T_mu V - V)(s_t)] <= eps E^mu[tau]`` and ``E^{pi*}[tau] <= ||V*||_inf / c
<= ||V||_inf / c`` (each step costs at least ``c``, and ``V <= V* <= 0``), so
``0 <= V* - V <= eps ||V||_inf / c``.

**(b) Positive bounded models** (Puterman 1994, Sec. 7.2). All rewards are ``>= 0`` and no end
component can collect positive reward forever (an end component with a pair ``(s, a)`` of
positive reward that stays in it makes ``V* = +inf``; this is decided exactly by the maximal
end-component decomposition of de Alfaro 1997). ``V*`` is then the least non-negative solution of
``V = T V``, hence the solution of the LP ``min sum_s V(s)`` s.t. ``V >= r + P V``, ``V >= 0``. The
returned policy is chosen among the ``V*``-conserving actions by a second-stage problem, the
minimum expected time to reach ``Z = {s : V*(s) = 0}``: a conserving policy that reaches ``Z``
almost surely is equalizing, hence optimal (Puterman 1994, Thm 7.1.7 with Sec. 7.2). Its value is computed
exactly and tested against ``V = T V``. No residual certificate exists for this criterion (``T``
is not a contraction), so ``certificate`` is ``inf`` and ``info["bellman_residual"]`` reports the
test; ``status`` is ``"exact"`` when the residual is at the rounding level.

Anything else is refused with :class:`~rlcert.mdp.errors.UnsupportedModelError` naming the
failing condition.
"""

from __future__ import annotations

import math
import time

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.csgraph import breadth_first_order, connected_components

from . import _transitions as tr
from . import kernels
from ._validate import check_choice
from .discounted import SolverFailedError
from .errors import InvalidArgumentError, UnsupportedModelError
from .models import TabularMDP
from .results import SolveResult, backup_rounding

METHODS = ("auto", "pi", "lp")


def _csr_rows(m: TabularMDP) -> sp.csr_matrix:
    if m.is_sparse:
        return m.rows
    return tr.dense_to_csr(m.rows)


def terminal_states(m: TabularMDP) -> np.ndarray:
    """States that are absorbing under every action with zero reward under every action."""
    S, A = m.n_states, m.n_actions
    rows = _csr_rows(m)
    rr = np.arange(S * A)
    self_prob = np.asarray(rows[rr, np.repeat(np.arange(S), A)]).reshape(S, A)
    absorbing = np.all(np.abs(self_prob - 1.0) <= 1e-12, axis=1)
    return absorbing & np.all(m.R == 0.0, axis=1)


def _rows_inside(rows: sp.csr_matrix, inside: np.ndarray) -> np.ndarray:
    """For each row, whether its whole support lies in the boolean set ``inside``."""
    outside_entries = (~inside[rows.indices]).astype(np.int64)
    counts = np.add.reduceat(outside_entries, rows.indptr[:-1]) if rows.nnz else np.zeros(rows.shape[0], np.int64)
    counts = np.where(np.diff(rows.indptr) == 0, 0, counts)
    return counts == 0


def _reverse_reach(rows: sp.csr_matrix, allowed_rows: np.ndarray, n_actions: int,
                   targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """States with an allowed action having a successor that reaches ``targets`` (BFS on the
    reversed support graph). Returns the reach mask and the BFS predecessor of each state
    (a successor one step closer to the targets; -1 for targets and unreached states)."""
    S = rows.shape[1]
    coo = rows.tocoo()
    keep = allowed_rows[coo.row] & (coo.data > 0)
    src = coo.row[keep] // n_actions  # the state of row s*A + a
    dst = coo.col[keep]
    virtual = S
    t_idx = np.flatnonzero(targets)
    # reversed edges dst -> src, plus virtual -> every target
    r = np.concatenate([dst, np.full(t_idx.size, virtual)])
    c = np.concatenate([src, t_idx])
    G = sp.csr_matrix((np.ones(r.size), (r, c)), shape=(S + 1, S + 1))
    order, pred = breadth_first_order(G, virtual, directed=True, return_predecessors=True)
    reach = np.zeros(S + 1, dtype=bool)
    reach[order] = True
    pred = pred[:S].astype(np.int64)
    pred[targets] = -1
    pred[pred == virtual] = -1
    pred[pred < 0] = -1
    return reach[:S], pred


def almost_sure_attractor(m_rows: sp.csr_matrix, n_actions: int, targets: np.ndarray,
                          allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """States from which some policy reaches ``targets`` with probability 1, and such a policy.

    The classical nested fixed point (de Alfaro 1997; Baier and Katoen 2008, Alg. 45): repeatedly
    keep the states that can reach the targets with positive probability using only actions whose
    support stays inside the current set. ``allowed (S, A)`` restricts the actions. Returns the
    winning mask and, for winning non-target states, an action that moves one BFS layer closer
    with positive probability while staying winning (a proper positional strategy); -1 elsewhere.
    """
    S = m_rows.shape[1]
    A = n_actions
    allowed_flat = np.ones(S * A, dtype=bool) if allowed is None else allowed.ravel().copy()
    X = np.ones(S, dtype=bool)
    while True:
        rows_ok = allowed_flat & _rows_inside(m_rows, X) & np.repeat(X, A)
        Y, pred = _reverse_reach(m_rows, rows_ok, A, targets & X)
        Y |= targets & X
        if np.array_equal(Y, X):
            break
        X = Y
    # a positional strategy: at s, an inside action with positive probability to pred[s]
    strategy = np.full(S, -1, dtype=np.int64)
    coo = m_rows.tocoo()
    s_of = coo.row // A
    hit = rows_ok[coo.row] & (coo.data > 0) & (pred[s_of] == coo.col) & (pred[s_of] >= 0)
    # first hit per state
    states = s_of[hit]
    actions = coo.row[hit] % A
    order = np.lexsort((actions, states))
    states, actions = states[order], actions[order]
    first = np.ones(states.size, dtype=bool)
    first[1:] = states[1:] != states[:-1]
    strategy[states[first]] = actions[first]
    return X, strategy


def maximal_end_components(m: TabularMDP) -> tuple[np.ndarray, np.ndarray]:
    """Maximal end components (de Alfaro 1997; Baier and Katoen 2008, Alg. 47).

    Repeatedly compute the strongly connected components of the graph of the remaining actions
    and remove every action whose support leaves its state's component (and states left with no
    action), until nothing changes. Returns ``labels (S,)`` (the component of each state, -1 for
    states in no end component) and ``staying (S, A)``, the actions that stay in the component.
    """
    S, A = m.n_states, m.n_actions
    coo = _csr_rows(m).tocoo()
    pos = coo.data > 0
    row, col = coo.row[pos], coo.col[pos]
    src = row // A
    allowed = np.ones(S * A, dtype=bool)
    while True:
        keep = allowed[row]
        G = sp.csr_matrix((np.ones(int(keep.sum())), (src[keep], col[keep])), shape=(S, S))
        _, labels = connected_components(G, directed=True, connection="strong")
        has_action = allowed.reshape(S, A).any(axis=1)
        labels = np.where(has_action, labels, -1)
        leaving = np.zeros(S * A, dtype=bool)
        out = keep & ((labels[src] != labels[col]) | (labels[col] < 0))
        leaving[row[out]] = True
        if not leaving.any():
            return labels, allowed.reshape(S, A) & (labels >= 0)[:, None]
        allowed &= ~leaving


def positive_end_components(m: TabularMDP) -> list[tuple[np.ndarray, int, int, float]]:
    """End components in which some staying action has positive reward (``V* = +inf`` there).

    Returns ``(states, s, a, r(s, a))`` for each such maximal end component.
    """
    labels, staying = maximal_end_components(m)
    out = []
    for lab in np.unique(labels[labels >= 0]):
        states = np.flatnonzero(labels == lab)
        sub = staying[states] & (m.R[states] > 0)
        if sub.any():
            i, a = np.argwhere(sub)[0]
            out.append((states, int(states[i]), int(a), float(m.R[states[i], a])))
    return out


def _evaluate_to_targets(rows, R: np.ndarray, pi: np.ndarray, targets: np.ndarray):
    """Exact value of ``pi`` with ``V = 0`` on ``targets`` and ``(I - P_NN) V_N = r_N`` elsewhere,
    and the expected time to reach the targets ``t``. ``pi`` must reach them almost surely."""
    S, A = R.shape
    W = np.zeros((S, A))
    W[np.arange(S), pi] = 1.0
    P_pi = tr.policy_matrix(rows, W)
    N = np.flatnonzero(~targets)
    V = np.zeros(S)
    t = np.zeros(S)
    if N.size == 0:
        return V, t
    b = np.stack([R[N, pi[N]], np.ones(N.size)], axis=1)
    if sp.issparse(P_pi):
        Amat = (sp.identity(N.size, format="csc") - sp.csr_matrix(P_pi)[N][:, N]).tocsc()
        import scipy.sparse.linalg as spla
        sol = spla.splu(Amat).solve(b)
    else:
        sol = np.linalg.solve(np.eye(N.size) - P_pi[np.ix_(N, N)], b)
    V[N], t[N] = sol[:, 0], sol[:, 1]
    return V, t


def _backup(m: TabularMDP, V: np.ndarray):
    S, A = m.n_states, m.n_actions
    Q = np.empty((S, A))
    TV = np.empty(S)
    g = np.empty(S, dtype=np.int64)
    kernels.bellman_backup(m.operand, 0, m._R, 1.0, V, Q, TV, g)
    return Q, TV, g


def _ssp_policy_iteration(m: TabularMDP, R: np.ndarray, targets: np.ndarray, pi0: np.ndarray,
                          allowed: np.ndarray | None, max_iter: int):
    """Policy iteration for ``max E[sum r]`` until ``targets`` (``V = 0`` there), from a proper
    ``pi0``, over the ``allowed (S, A)`` actions. Returns ``(pi, V, t, iterations, status)``."""
    S, A = R.shape
    idx = np.arange(S)
    Rk = np.where(allowed, R, -np.inf) if allowed is not None else R
    operand = m.operand
    pi = pi0.copy()
    status = "max_iter"
    k = 0
    for k in range(1, max_iter + 1):
        V, t = _evaluate_to_targets(m.rows, R, pi, targets)
        Q = np.empty((S, A))
        TV = np.empty(S)
        greedy = np.empty(S, dtype=np.int64)
        kernels.bellman_backup(operand, 0, np.ascontiguousarray(Rk), 1.0, V, Q, TV, greedy)
        Q[targets] = 0.0
        TV[targets] = 0.0
        q_pi = Q[idx, pi]
        resid = float(np.max(np.abs(q_pi - V)))
        rho = backup_rounding(m.max_row_nnz, float(np.max(np.abs(R))), float(np.max(np.abs(V))), 1.0)
        theta = 2.0 * (resid + rho) * max(1.0, float(t.max())) + 2.0 * rho
        improve = (TV > q_pi + theta) & ~targets
        if not improve.any():
            status = "converged"
            break
        if k == max_iter:  # keep (pi, V) consistent: V is the value of the returned pi
            break
        pi = np.where(improve, greedy, pi)
    return pi, V, t, k, status


def _lp_policy(m: TabularMDP, fixed_zero: np.ndarray | None, nonneg: bool):
    """Primal LP ``min sum V`` s.t. ``V(s) >= r(s, a) + P(.|s, a) V`` (rows of non-fixed states),
    ``V = 0`` on ``fixed_zero`` and ``V >= 0`` if ``nonneg``. Returns ``(V, occupancy)``."""
    S, A = m.n_states, m.n_actions
    rows = _csr_rows(m)
    E = sp.csr_matrix((np.ones(S * A), (np.arange(S * A), np.repeat(np.arange(S), A))),
                      shape=(S * A, S))
    fixed = np.zeros(S, bool) if fixed_zero is None else fixed_zero
    keep_rows = ~np.repeat(fixed, A)
    A_ub = (rows - E)[keep_rows]
    b_ub = -m.R.ravel()[keep_rows]
    bounds = [(0.0, 0.0) if fixed[s] else ((0.0, None) if nonneg else (None, None)) for s in range(S)]
    res = linprog(np.ones(S), A_ub=A_ub, b_ub=b_ub, bounds=bounds, method="highs",
                  options={"primal_feasibility_tolerance": 1e-10,
                           "dual_feasibility_tolerance": 1e-10})
    if res.status != 0:
        raise SolverFailedError(f"HiGHS failed on the total-reward linear program: status "
                                f"{res.status} ({res.message})")
    occ = np.zeros(S * A)
    occ[keep_rows] = -np.asarray(res.ineqlin.marginals)
    return np.asarray(res.x), occ.reshape(S, A), res


def _finish(m, V, pi, Q, TV, greedy, *, method, status, iterations, tol, certificate, rounding,
            policy_loss, slack, info):
    optimal = Q >= (TV - slack)[:, None]
    return SolveResult(V=V, Q=Q, policy=np.asarray(pi, np.int64), optimal_actions=optimal,
                       certificate=float(certificate), rounding=float(rounding),
                       policy_loss_bound=float(policy_loss), iterations=int(iterations),
                       method=method, status=status, tol=tol, gamma=1.0, info=info)


def _solve_ssp(m: TabularMDP, terminal: np.ndarray, c: float, method: str, tol: float,
               max_iter: int, info: dict) -> SolveResult:
    S, A = m.n_states, m.n_actions
    rows = _csr_rows(m)
    win, strategy = almost_sure_attractor(rows, A, terminal)
    if not win.all():
        bad = np.flatnonzero(~win)
        raise UnsupportedModelError(
            f"total reward (stochastic shortest path): no proper policy; from states "
            f"{bad[:10].tolist()}{'...' if bad.size > 10 else ''} no policy reaches the terminal "
            f"set {np.flatnonzero(terminal)[:10].tolist()} with probability 1")
    pi0 = np.where(strategy >= 0, strategy, 0)
    if method == "lp":
        _, occ, _ = _lp_policy(m, terminal, nonneg=False)
        pi_lp = np.argmax(occ, axis=1)
        W = np.zeros((S, A))
        W[np.arange(S), pi_lp] = 1.0
        ok, _ = almost_sure_attractor(rows, A, terminal, allowed=W.astype(bool))
        if ok.all():
            pi0 = pi_lp
        else:  # a non-basic dual: start from the proper strategy instead
            info["lp_policy_improper"] = True
        # evaluate exactly; policy iteration polishes only if the LP's policy is not optimal
        pi, V, t, k, status = _ssp_policy_iteration(m, m._R, terminal, pi0, None, max_iter)
        info["polish_steps"] = k - 1
    else:
        pi, V, t, k, status = _ssp_policy_iteration(m, m._R, terminal, pi0, None, max_iter)
    Q, TV, greedy = _backup(m, V)
    eps = max(0.0, float(np.max(TV - V)))
    v_norm = float(np.max(np.abs(V)))
    certificate = eps * v_norm / c
    rho = backup_rounding(m.max_row_nnz, float(np.max(np.abs(m._R))), v_norm, 1.0)
    rounding = rho * v_norm / c
    resid_pi = float(np.max(np.abs(Q[np.arange(S), pi] - V)))
    loss = certificate + resid_pi * float(t.max())
    if status == "converged" and certificate > tol:
        status = "above_tol"
    info.update(criterion="stochastic_shortest_path", min_cost=c,
                terminal_states=np.flatnonzero(terminal).tolist())
    return _finish(m, V, pi, Q, TV, greedy, method=method, status=status, iterations=k, tol=tol,
                   certificate=certificate, rounding=rounding, policy_loss=loss,
                   slack=2.0 * (certificate + rounding) + 2.0 * rho, info=info)


def _solve_positive(m: TabularMDP, method: str, tol: float, max_iter: int, info: dict) -> SolveResult:
    S, A = m.n_states, m.n_actions
    rows = _csr_rows(m)
    V_lp, _, lp = _lp_policy(m, None, nonneg=True)
    r_norm = float(np.max(np.abs(m._R)))
    scale = max(1.0, float(np.max(np.abs(V_lp))))
    conserve_tol = 1e-9 * scale
    Q_lp, _, _ = _backup(m, V_lp)
    conserving = Q_lp >= V_lp[:, None] - conserve_tol
    Z = V_lp <= conserve_tol
    # second stage: minimum expected time to Z among conserving actions (reward -1 per step)
    win, strategy = almost_sure_attractor(rows, A, Z, allowed=conserving)
    if not win.all():
        bad = np.flatnonzero(~win)
        raise SolverFailedError(f"positive model: the conserving actions of the LP solution do not "
                                f"reach {{V* = 0}} from states {bad[:10].tolist()}; the LP "
                                f"solution is too inexact ({lp.message})")
    minus_one = np.where(Z[:, None], 0.0, -1.0) * np.ones((1, A))
    pi, _, _, k, status = _ssp_policy_iteration(m, minus_one, Z, np.where(strategy >= 0, strategy, 0),
                                                conserving, max_iter)
    # on Z: a conserving action (zero reward, support inside Z)
    inside_Z = _rows_inside(rows, Z).reshape(S, A) & (m.R == 0.0)
    for s in np.flatnonzero(Z):
        cand = np.flatnonzero(inside_Z[s] & conserving[s])
        if cand.size == 0:
            cand = np.flatnonzero(inside_Z[s])
        if cand.size == 0:
            raise SolverFailedError(f"positive model: state {s} has V* = 0 but no zero-reward "
                                    f"action staying in {{V* = 0}}")
        pi[s] = cand[0]
    V, t = _evaluate_to_targets(m.rows, m._R, pi, Z)
    Q, TV, greedy = _backup(m, V)
    residual = float(np.max(np.abs(TV - V)))
    rho = backup_rounding(m.max_row_nnz, r_norm, float(np.max(np.abs(V))), 1.0)
    exact = residual <= max(1e3 * rho, 1e-12 * scale)
    info.update(criterion="positive_bounded", bellman_residual=residual,
                certificate_note="positive models admit no residual certificate (T is not a "
                                 "contraction): V is the exact value of the returned policy and "
                                 "satisfies V = T V up to bellman_residual",
                lp_objective=float(lp.fun), second_stage_iterations=k, zero_value_states=int(Z.sum()))
    return _finish(m, V, pi, Q, TV, greedy, method="lp", status="exact" if exact else "above_tol",
                   iterations=1, tol=tol, certificate=math.inf, rounding=rho,
                   policy_loss=math.inf, slack=max(1e3 * rho, 1e-12 * scale), info=info)


def solve_total_reward(m: TabularMDP, method: str = "auto", tol: float = 1e-8,
                       max_iter: int | None = None, **options) -> SolveResult:
    """Solve a total-reward :class:`TabularMDP` (``gamma = 1``); see the module docstring."""
    check_choice(method, "method", METHODS)
    if options:
        raise InvalidArgumentError(f"options {sorted(options)} do not apply to total-reward models")
    t0 = time.perf_counter()
    max_iter = 10_000 if max_iter is None else max_iter
    terminal = terminal_states(m)
    nonterminal_R = m._R[~terminal]
    info: dict = {}
    if terminal.any() and nonterminal_R.size and float(nonterminal_R.max()) < 0.0:
        c = -float(nonterminal_R.max())
        res = _solve_ssp(m, terminal, c, "pi" if method == "auto" else method, tol, max_iter, info)
    elif float(m._R.min()) >= 0.0:
        bad = positive_end_components(m)
        if bad:
            states, s, a, r = bad[0]
            raise UnsupportedModelError(
                f"total reward is infinite: the end component {states[:10].tolist()}"
                f"{'...' if states.size > 10 else ''} can be stayed in forever while collecting "
                f"r[{s}, {a}] = {r!r} > 0")
        if method == "pi":
            raise InvalidArgumentError("method='pi' does not apply to positive total-reward models "
                                       "(policy evaluation is singular on zero-reward end "
                                       "components); use 'lp' or 'auto'")
        res = _solve_positive(m, method, tol, max_iter, info)
    else:
        neg = tuple(int(i) for i in np.argwhere(m._R < 0)[0])
        if not terminal.any():
            detail = "it has negative rewards and no absorbing zero-reward terminal state"
        else:
            nt = np.argwhere((m._R >= 0) & ~terminal[:, None])[0]
            detail = (f"r[{neg[0]}, {neg[1]}] = {float(m._R[neg])!r} < 0 while the non-terminal "
                      f"r[{nt[0]}, {nt[1]}] = {float(m._R[tuple(nt)])!r} >= 0")
        raise UnsupportedModelError(
            "total reward (gamma=1) is solved for (a) stochastic shortest paths: absorbing "
            "zero-reward terminal states and every non-terminal reward <= -c < 0, or (b) positive "
            f"models: every reward >= 0; this model is neither: {detail}")
    res.info["seconds"] = time.perf_counter() - t0
    return res
