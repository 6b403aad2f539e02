r"""Total-reward check: the stochastic-shortest-path certificate against exact rational optimal
values, for converged and for deliberately early-stopped solves.

**Setting** (Bertsekas and Tsitsiklis 1991). ``gamma = 1``, absorbing zero-reward terminal
states, every other reward ``<= -c < 0``, and a proper policy (reaching the terminal set with
probability 1 from every state) exists; improper policies then earn ``-inf`` somewhere and ``V*``
is attained by a proper deterministic stationary policy.

**Claims.** For ``V = V^pi`` (``pi`` proper) and ``eps = max_s (T V - V)(s)``,
``0 <= V* - V <= eps ||V||_inf / c`` (``V^mu - V = E^mu[sum_t (T_mu V - V)(s_t)] <= eps
E^mu[tau]`` and ``E^{pi*}[tau] <= ||V*||_inf / c <= ||V||_inf / c``): the reported certificate
must bound ``||V - V*||_inf`` exactly (rationals), plus the reported rounding, and the returned
policy must be proper with exact loss ``max_s (V* - V^pi)(s)`` within ``policy_loss_bound +
2 rounding``. The bound is tested where it matters by stopping policy iteration after one and two
improvement steps, as well as at convergence. A certificate at least ``||V||_inf`` is vacuous
(``V^pi <= V* <= 0`` already gives ``V* - V <= -V``).

**Truth.** ``V*(s) = max`` over the proper deterministic stationary policies (properness: every
closed class of the policy's chain is terminal, networkx) of their exact values ``(I - P_NN)^{-1}
r_N``; on the committed 4x4 gridworld of Sutton and Barto (2018, Example 4.1), ``V*(s) = -``(the
breadth-first distance to a terminal corner).
"""

from __future__ import annotations

from collections import deque
from fractions import Fraction

import numpy as np

from rlcert.mdp import TabularMDP, instances, solve

from .. import brute_force as bf
from ..framework import Check, register
from ._cells import cell, finish, judge_cells, trial_index


def ssp_instance(params: dict, seed) -> TabularMDP:
    """Every 5th trial the committed Sutton-Barto gridworld; otherwise non-terminal states
    ``0 .. S-2`` and the terminal ``S-1`` (S in [2, 4]), A in [1, 3] with ``A^S <= 81``, integer
    transition weights 0..3 with action 0 reaching the terminal state with positive probability
    from every state (so "always 0" is proper), rewards in ``-{1/4, 1/2, 1, 3/2, 2}``."""
    rng = np.random.default_rng(seed)
    if trial_index(seed) % 5 == 0:
        return instances.sutton_barto_gridworld()
    S, A = int(rng.integers(2, 5)), int(rng.integers(1, 4))
    w = rng.integers(0, 4, size=(S, A, S)).astype(float)
    w[:, 0, S - 1] += 1.0
    w[w.sum(-1) == 0] = 1.0
    w[S - 1] = 0.0
    w[S - 1, :, S - 1] = 1.0
    R = -rng.choice((0.25, 0.5, 1.0, 1.5, 2.0), size=(S, A))
    R[S - 1] = 0.0
    return TabularMDP(w / w.sum(-1, keepdims=True), R, 1.0)


def terminal_mask(m: TabularMDP) -> np.ndarray:
    """Absorbing states with zero reward under every action."""
    P = m.dense_P()
    S = m.n_states
    return np.array([np.all(P[s, :, s] == 1.0) and np.all(m.R[s] == 0.0) for s in range(S)])


def grid_distances(m: TabularMDP, terminal: np.ndarray) -> list[Fraction]:
    """Breadth-first distance to the terminal set along the (deterministic) moves."""
    P = m.dense_P()
    S = m.n_states
    preds: dict[int, set[int]] = {s: set() for s in range(S)}
    for s in range(S):
        for a in range(m.n_actions):
            for nxt in np.flatnonzero(P[s, a]):
                preds[int(nxt)].add(s)
    dist = {int(s): 0 for s in np.flatnonzero(terminal)}
    queue = deque(dist)
    while queue:
        j = queue.popleft()
        for s in preds[j]:
            if s not in dist:
                dist[s] = dist[j] + 1
                queue.append(s)
    return [Fraction(-dist[s]) for s in range(S)]


def ssp_truth(m: TabularMDP, terminal: np.ndarray) -> list[Fraction]:
    """Exact ``V*``: breadth-first distances when every move is deterministic and costs 1 (then
    the fastest path is optimal), otherwise the enumeration of proper policies."""
    P = m.dense_P()
    deterministic = bool(np.all((P == 0) | (P == 1)))
    if deterministic and np.all(m.R[~terminal] == -1.0):
        return grid_distances(m, terminal)
    return bf.ssp_optimal_value(P, m.R, terminal)


def rlcert_solve_total(m: TabularMDP, method: str, max_iter: int | None):
    """The default subject: :func:`rlcert.mdp.solve` at ``gamma = 1`` (total reward)."""
    return solve(m, method=method, max_iter=max_iter)


def trial_ssp(params, subject, seed, index) -> dict:
    """One SSP: exact ``V*``; the subject for each ``(method, max_iter)`` run; cells
    ``||V - V*||_inf <= certificate + rounding`` and ``max_s (V* - V^pi)(s) <= policy_loss_bound +
    2 rounding`` compared in exact rationals (``inf`` loss for an improper policy)."""
    m = ssp_instance(params, seed)
    terminal = terminal_mask(m)
    V_star = ssp_truth(m, terminal)
    P = m.dense_P()
    cells = []
    for method, max_iter in params["runs"]:
        res = subject(m, method, max_iter)
        V = np.asarray(res.V, dtype=float)
        trivial = float(np.max(np.abs(V)))
        rho = Fraction(float(res.rounding))
        err = max(abs(Fraction(float(v)) - w) for v, w in zip(V, V_star))
        label = f"{method}, max_iter={max_iter}"
        cells.append(cell(f"{label}: |V - V*| (exact)", err,
                          Fraction(float(res.certificate)) + rho, trivial))
        pol = np.asarray(res.policy)
        loss: Fraction | float
        if bf.is_proper(P, pol, terminal):
            V_pi = bf.ssp_policy_value(P, m.R, terminal, pol)
            loss = max(a - b for a, b in zip(V_star, V_pi))
        else:
            loss = float("inf")
        cells.append(cell(f"{label}: V* - V^pi (exact)", loss,
                          Fraction(float(res.policy_loss_bound)) + 2 * rho, trivial))
    return finish(cells, S=m.n_states, A=m.n_actions)


register(Check(
    check_id="total_reward.ssp_certificate", card_id=None,
    title="Stochastic-shortest-path certificate and policy loss against exact optimal values",
    guarantee="deterministic",
    measured="||V - V*||_inf and the returned policy's exact loss (V* by enumeration of proper "
             "policies in rationals, or BFS distances) against certificate / policy_loss_bound "
             "+ rounding, for converged and early-stopped policy iteration",
    instances="random SSPs (S in [2, 4] with one terminal state, A in [1, 3], costs in [1/4, 2]); "
              "Sutton-Barto 4x4 gridworld committed",
    trial=trial_ssp, judge=judge_cells, default_subject=lambda: rlcert_solve_total,
    subject_kind="total-reward solver: (m, method in {'pi', 'lp'}, max_iter or None) -> result "
                 "with V, policy, certificate, rounding, policy_loss_bound",
    n_trials=60, n_trials_quick=16, quick=False,
    params={"runs": (("pi", None), ("lp", None), ("pi", 1), ("pi", 2))},
    replay_instance=ssp_instance))
