r"""Risk-sensitive checks: the optimal static CVaR against a brute force over history-dependent
policies, Chow et al.'s interpolated CVaR value iteration against the same optimum, and the
error bounds of projected distributional backward induction against exact return laws.

Convention (:mod:`rlcert.mdp.risk`): rewards are maximised and ``CVaR_tau`` is the mean of the
lowest ``tau`` of the mass of the return ``G = sum_h gamma^h r_h(s_h, a_h, s_{h+1})``.

**Optimal CVaR** (``risk.cvar_brute_force``). Over all history-dependent policies,
``max_pi CVaR_tau(G)`` is attained by a deterministic one (a randomised history-dependent policy
is a mixture of deterministic ones, Kuhn's theorem, and ``CVaR_tau`` in reward form is a supremum
of functions linear in the law, hence convex in the mixture weights), so enumerating the
deterministic history-dependent policies of a tiny model gives the optimum exactly. Claims: the
reported optimum (from the initial distribution and from each state) equals it, and the returned
policy, rolled out by the verifier (budget ``y`` updated as ``y - gamma^h r``), attains it.

**Chow et al.** (``risk.chow_policy_gap``). The interpolated recursion of Chow, Tamar, Mannor and
Pavone (2015) is an approximation (Hau, Delage, Ghavamzadeh and Petrik 2023 show its
decomposition can fail), so its *value* carries no promise except at ``tau = 1``, where ``xi = 1``
is the only feasible density and the recursion is the risk-neutral one. What is a theorem: the
return law it reports is that of an implementable policy, so no ``CVaR_t`` of it exceeds the
optimum ``max_pi CVaR_t`` (in particular the policy gap ``exact - policy_cvar >= 0``), its
reported ``policy_cvar`` is that law's ``CVaR_tau``, and its reported ``exact`` is the optimum.

**Distributional projections** (``risk.distributional_bounds``). For a Markov policy, projected
backward induction with the categorical projection on ``m`` atoms spanning ``[Lo_h, Hi_h]`` (the
range of ``G_h``) satisfies ``sup_s l2(eta^_0, eta_0) <= (sum_h gamma^h Delta_h)^{1/2}`` and
``sup_s W1 <= sum_h gamma^h Delta_h / 2`` with ``Delta_h = (Hi_h - Lo_h) / (m - 1)``, and keeps
the mean (Rowland et al. 2018: an orthogonal projection in the Cramer geometry, the distributional
operator a ``sqrt(gamma)``-contraction in sup-Cramer and a ``gamma``-contraction in sup-W1;
Bellemare, Dabney and Munos 2017); the quantile projection satisfies ``sup_s W1 <=
sum_h gamma^h (Hi_h - Lo_h) / (2m)`` (Dabney et al. 2018). The verifier computes the exact laws by
path enumeration, the distances on the merged support, and these a-priori bounds from its own
ranges; the solvers' a-posteriori bounds must hold too.
"""

from __future__ import annotations

import math

import numpy as np

from rlcert.mdp import FiniteHorizonMDP
from rlcert.mdp.risk import categorical_evaluation, chow_cvar, quantile_evaluation, solve_cvar

from .. import brute_force as bf
from ..framework import Check, register
from ._cells import cell, finish, judge_cells, scale, trial_index

#: Rounding slack of the CVaR claims (float path sums of a few dyadic rewards).
CVAR_TOL = 1e-9

# the committed instance: history dependence beats every Markov policy (S = A = 2, H = 3)
P_CLOSE = np.array([[0.75, 0.75], [0.75, 0.5]])   # P(s' = 0 | s, a)
P_COMMITTED = np.stack([P_CLOSE, 1.0 - P_CLOSE], axis=-1)
R_COMMITTED = np.array([[[-1.0, 1.0], [1.0, -2.0]],
                        [[2.0, 2.0], [0.0, 1.0]]])  # r(s, a, s')


def _model(P: np.ndarray, r: np.ndarray, gamma: float, mu) -> tuple[FiniteHorizonMDP, np.ndarray]:
    """A stationary model with transition rewards ``r (H, S, A, S)`` (its ``R`` their mean)."""
    H = r.shape[0]
    return FiniteHorizonMDP(P, r, H, gamma, mu), r


def committed_cvar_model() -> tuple[FiniteHorizonMDP, np.ndarray]:
    """S = A = 2, H = 3, full support, rewards in {-2, ..., 2}: the optimal static CVaR at
    ``tau = 1/4`` is 7/16 and strictly above every Markov policy's."""
    r = np.broadcast_to(R_COMMITTED, (3, 2, 2, 2)).copy()
    return _model(P_COMMITTED, r, 1.0, 0)


def tiny_cvar_model(rng, max_horizon: int = 3) -> tuple[FiniteHorizonMDP, np.ndarray]:
    """S = A = 2, H in [1, max_horizon], transitions from integer weights 0..3 (exact zeros),
    rewards ``r_h(s, a, s')`` on {0, 1/4, ..., 1}, gamma in {1, 1/2} (so that every ``gamma^h r``
    lies on a dyadic lattice), a random initial distribution."""
    S, A = 2, 2
    H = int(rng.integers(1, max_horizon + 1))
    w = rng.integers(0, 4, size=(S, A, S)).astype(float)
    w[w.sum(-1) == 0, 0] = 1.0
    P = w / w.sum(-1, keepdims=True)
    r = rng.integers(0, 5, size=(H, S, A, S)) / 4.0
    mu = rng.integers(0, 3, size=S).astype(float)
    mu[0] += 1.0
    return _model(P, r, float(rng.choice((1.0, 0.5))), mu / mu.sum())


def _dense(fh: FiniteHorizonMDP) -> np.ndarray:
    return np.stack([fh.stage_P(h) for h in range(fh.horizon)])


class _Optimum:
    """The brute force of one model: laws of every deterministic history-dependent policy from
    each start state and from the initial distribution; ``optimum(t)`` is ``max CVaR_t``."""

    def __init__(self, fh: FiniteHorizonMDP, r: np.ndarray):
        P = _dense(fh)
        self.per_state = [bf.history_return_laws(P, r, fh.gamma, s) for s in range(fh.n_states)]
        self.initial = bf.mixture_laws(self.per_state, fh.initial)

    def optimum(self, t: float) -> float:
        return max(bf.tail_cvar(law, t) for law in self.initial)

    def state_optimum(self, s: int, t: float) -> float:
        return max(bf.tail_cvar(law, t) for law in self.per_state[s])


# -- optimal static CVaR ---------------------------------------------------------------------------

def cvar_instance(params: dict, seed) -> tuple[FiniteHorizonMDP, np.ndarray, float]:
    """Every 4th trial the committed instance (tau in {1/4, 1/10}); otherwise a tiny random
    model with tau from the check's grid."""
    rng = np.random.default_rng(seed)
    i = trial_index(seed)
    if i % 4 == 0:
        fh, r = committed_cvar_model()
        return fh, r, (0.25, 0.1)[(i // 4) % 2]
    fh, r = tiny_cvar_model(rng)
    return fh, r, float(rng.choice(params["taus"]))


def rlcert_solve_cvar(fh: FiniteHorizonMDP, tau: float, rewards):
    """The default subject: :func:`rlcert.mdp.risk.solve_cvar`."""
    return solve_cvar(fh, tau, rewards)


def rollout_budget_policy(fh: FiniteHorizonMDP, r: np.ndarray, policy) -> dict:
    """The law of the return of a budget policy (``policy.budget``, ``policy.action(h, s, y)``)
    from the initial distribution, by path enumeration: the budget starts at ``policy.budget``
    and loses ``gamma^h r_h`` at each stage."""
    P = _dense(fh)
    nodes: dict = {}
    for s in np.flatnonzero(fh.initial):
        nodes[(int(s), float(policy.budget), 0.0)] = float(fh.initial[s])
    for h in range(fh.horizon):
        nxt: dict = {}
        disc = fh.gamma ** h
        for (s, y, acc), q in nodes.items():
            a = int(policy.action(h, s, y))
            for j in np.flatnonzero(P[h, s, a]):
                step = disc * float(r[h, s, a, j])
                key = (int(j), y - step, acc + step)
                nxt[key] = nxt.get(key, 0.0) + q * float(P[h, s, a, j])
        nodes = nxt
    law: dict = {}
    for (_, _, acc), q in nodes.items():
        law[acc] = law.get(acc, 0.0) + q
    return law


def trial_cvar(params, subject, seed, index) -> dict:
    """One tiny model: ``max_pi CVaR_tau`` by enumeration of the deterministic history-dependent
    policies; cells ``|value - optimum|`` (initial distribution), ``max_s |values[s] -
    optimum_s|``, and the optimum minus the CVaR of the returned policy's law (rolled out by the
    verifier), each against a rounding slack of ``1e-9 max(1, |optimum|)``."""
    fh, r, tau = cvar_instance(params, seed)
    opt = _Optimum(fh, r)
    best = opt.optimum(tau)
    per_state = np.array([opt.state_optimum(s, tau) for s in range(fh.n_states)])
    slack = CVAR_TOL * scale(best, per_state)
    res = subject(fh, tau, r)
    cells = [cell("|value - max CVaR| (initial distribution)", abs(float(res.value) - best), slack),
             cell("max_s |values[s] - max CVaR from s|",
                  float(np.max(np.abs(np.asarray(res.values, dtype=float) - per_state))), slack)]
    law = rollout_budget_policy(fh, r, res.policy)
    cells.append(cell("max CVaR - CVaR of the policy's return (verifier's rollout)",
                      best - bf.tail_cvar(law, tau), slack))
    return finish(cells, tau=tau, H=fh.horizon, gamma=fh.gamma, optimum=best)


register(Check(
    check_id="risk.cvar_brute_force", card_id=None,
    title="Optimal static CVaR (augmented-state DP) against a brute force over history-dependent "
          "policies",
    guarantee="deterministic",
    measured="|value - max_pi CVaR_tau| from the initial distribution and from each state, and "
             "the shortfall of the returned budget policy's CVaR (rolled out by the verifier)",
    instances="S = A = 2, H <= 3, rewards on {0, 1/4, ..., 1}, gamma in {1, 1/2}, tau in {0.1, "
              "0.2, 0.3, 0.6, 0.8, 0.9}; the history-beats-Markov instance committed",
    trial=trial_cvar, judge=judge_cells, default_subject=lambda: rlcert_solve_cvar,
    subject_kind="CVaR solver: (fh, tau, rewards (H, S, A, S)) -> result with value, values "
                 "(S,), policy with budget and action(h, s, y)",
    n_trials=60, n_trials_quick=16, quick=True, params={"taus": (0.1, 0.2, 0.3, 0.6, 0.8, 0.9)}))


# -- Chow et al.'s interpolated recursion ----------------------------------------------------------

CHOW_LEVELS = (0.1, 0.25, 0.5, 0.75, 1.0)

# a committed instance where Chow et al.'s value is exact but its policy is not optimal:
# S = A = 2, H = 2, tau = 0.1, a grid of 4 tail fractions (policy gap 9/32)
W_CHOW = np.array([[[1.0, 3.0], [3.0, 1.0]], [[1.0, 0.0], [1.0, 2.0]]])
R_CHOW = np.array([[[[0.25, 0.5], [0.5, 0.5]], [[0.75, 0.25], [1.0, 0.25]]],
                   [[[0.5, 0.0], [1.0, 0.0]], [[0.5, 0.0], [0.0, 0.25]]]])


def chow_loses_model() -> tuple[FiniteHorizonMDP, np.ndarray]:
    """The committed instance on which the interpolated policy loses to the optimum."""
    return _model(W_CHOW / W_CHOW.sum(-1, keepdims=True), R_CHOW, 1.0, 0)


def chow_instance(params: dict, seed) -> tuple[FiniteHorizonMDP, np.ndarray, float, int]:
    """Every 4th trial a committed instance: the history-beats-Markov one (tau 1/4, grid 4) or
    the one where Chow's policy loses (tau 1/10, grid 4). Otherwise S = A = 2, H in {2, 3},
    integer weights 1..7 with 30% exact zeros, rewards on {0, 1/4, ..., 1}, gamma 1, a random
    initial distribution; tau from the check's grid (off the interpolation grid, 1 included),
    2 or 4 interpolation steps (coarse: the approximation is visible)."""
    rng = np.random.default_rng(seed)
    i = trial_index(seed)
    if i % 4 == 0:
        if (i // 4) % 2 == 0:
            fh, r = committed_cvar_model()
            return fh, r, 0.25, 4
        fh, r = chow_loses_model()
        return fh, r, 0.1, 4
    S, A, H = 2, 2, int(rng.integers(2, 4))
    w = rng.integers(1, 8, size=(S, A, S)).astype(float)
    w[rng.random((S, A, S)) < 0.3] = 0.0
    w[w.sum(-1) == 0, 0] = 1.0
    r = rng.integers(0, 5, size=(H, S, A, S)) / 4.0
    mu = rng.integers(0, 3, size=S).astype(float)
    mu[0] += 1.0
    fh, r = _model(w / w.sum(-1, keepdims=True), r, 1.0, mu / mu.sum())
    return fh, r, float(rng.choice(params["taus"])), int(rng.choice((2, 4)))


def rlcert_chow(fh: FiniteHorizonMDP, tau: float, rewards, n_grid: int):
    """The default subject: :func:`rlcert.mdp.risk.chow_cvar` (compared with
    :func:`~rlcert.mdp.risk.solve_cvar`)."""
    return chow_cvar(fh, tau, rewards, n_grid=n_grid)


def trial_chow(params, subject, seed, index) -> dict:
    """One tiny model: the brute-force optimum ``max_pi CVaR_t`` at ``t = tau`` and on a grid of
    levels; cells: the reported policy CVaR minus the optimum (the policy gap, which must be
    ``>= 0``), the reported policy CVaR against the CVaR of the reported law (recomputed by the
    verifier), every level's CVaR of the reported law against its optimum, the reported
    ``exact`` against the optimum, and at ``tau = 1`` the value against the risk-neutral optimum;
    rounding slack ``1e-9 max(1, |optimum|)``."""
    fh, r, tau, n_grid = chow_instance(params, seed)
    opt = _Optimum(fh, r)
    levels = sorted(set(CHOW_LEVELS) | {tau})
    best = {t: opt.optimum(t) for t in levels}
    slack = CVAR_TOL * scale(list(best.values()))
    res = subject(fh, tau, r, n_grid)
    law = bf.as_law(res.distribution.values, res.distribution.probs)
    total = sum(law.values())
    cells = [cell("policy_cvar - max CVaR (the policy gap must be >= 0)",
                  float(res.policy_cvar) - best[tau], slack),
             cell("|policy_cvar - CVaR of the reported law|",
                  abs(float(res.policy_cvar) - bf.tail_cvar(law, tau)), slack),
             cell("|total mass of the reported law - 1|", abs(total - 1.0), 1e-9),
             cell("max_t CVaR_t(reported law) - max_pi CVaR_t",
                  max(bf.tail_cvar(law, t) - best[t] for t in levels), slack)]
    if res.exact is not None:
        cells.append(cell("|exact - max CVaR|", abs(float(res.exact) - best[tau]), slack))
    if tau == 1.0:
        cells.append(cell("tau = 1: |value - risk-neutral optimum|",
                          abs(float(res.value) - best[1.0]), slack))
    return finish(cells, tau=tau, n_grid=n_grid, H=fh.horizon, optimum=best[tau],
                  policy_gap=best[tau] - float(res.policy_cvar),
                  value_gap=float(res.value) - best[tau])


register(Check(
    check_id="risk.chow_policy_gap", card_id=None,
    title="Chow et al.'s CVaR value iteration: its policy never beats the brute-force optimum, "
          "its reports are consistent",
    guarantee="deterministic",
    measured="policy_cvar - max_pi CVaR_tau (the policy gap, >= 0), CVaR_t of the reported return "
             "law against max_pi CVaR_t on a grid of t, the reported policy_cvar and exact "
             "against the verifier's values, the value at tau = 1",
    instances="S = A = 2, H in {2, 3}, rewards on {0, 1/4, ..., 1}, tau in {0.1, 0.3, 0.45, "
              "0.7, 1}, interpolation grids of 2 or 4 steps; the history-beats-Markov instance "
              "and one where Chow's policy loses 9/32 committed",
    trial=trial_chow, judge=judge_cells, default_subject=lambda: rlcert_chow,
    subject_kind="CVaR approximation: (fh, tau, rewards (H, S, A, S), n_grid) -> result with "
                 "value, policy_cvar, distribution (values, probs), exact",
    n_trials=48, n_trials_quick=12, quick=False, params={"taus": (0.1, 0.3, 0.45, 0.7, 1.0)}))


# -- distributional projections --------------------------------------------------------------------

def distributional_instance(params: dict, seed):
    """S in {2, 3}, A = 2, H in [2, 4], Dirichlet(1) transitions (full support), rewards
    ``r_h(s, a, s')`` uniform on [0, 1] (continuous: every path its own atom), gamma in
    {0.8, 0.9, 1}, initial state 0; a deterministic ``(H, S)`` or randomised ``(H, S, A)`` Markov
    policy; ``m`` in {5, 11, 31} atoms."""
    rng = np.random.default_rng(seed)
    S, A, H = int(rng.integers(2, 4)), 2, int(rng.integers(2, 5))
    P = rng.dirichlet(np.ones(S), size=(S, A))
    r = rng.random((H, S, A, S))
    fh, _ = _model(P, r, float(rng.choice((0.8, 0.9, 1.0))), 0)
    policy: np.ndarray
    if rng.random() < 0.5:
        policy = rng.integers(0, A, size=(H, S))
    else:
        policy = rng.dirichlet(np.ones(A), size=(H, S))
    return fh, r, policy, int(rng.choice((5, 11, 31)))


def rlcert_distributional(fh: FiniteHorizonMDP, policy, method: str, n_atoms: int, rewards):
    """The default subject: :func:`rlcert.mdp.risk.categorical_evaluation` or
    :func:`~rlcert.mdp.risk.quantile_evaluation`."""
    if method == "categorical":
        return categorical_evaluation(fh, policy, n_atoms, rewards)
    return quantile_evaluation(fh, policy, n_atoms, rewards)


def return_ranges(P: np.ndarray, r: np.ndarray, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """``Lo_h, Hi_h``: ``min / max r_h + gamma Lo_{h+1} / Hi_{h+1}`` over the transitions that
    can happen, ``Lo_H = Hi_H = 0``."""
    H = r.shape[0]
    lo, hi = np.zeros(H + 1), np.zeros(H + 1)
    for h in range(H - 1, -1, -1):
        vals = r[h][P[h] > 0]
        lo[h] = vals.min() + gamma * lo[h + 1]
        hi[h] = vals.max() + gamma * hi[h + 1]
    return lo, hi


def trial_distributional(params, subject, seed, index) -> dict:
    """One model and policy, both projections: the exact law of ``G_0`` from each state by path
    enumeration; cells ``sup_s`` Cramer and W1 distances against the subject's reported bounds and
    against the a-priori bounds of the module docstring (computed by the verifier), and the
    categorical mean against the exact mean; slack ``1e-9 max(1, Hi_0 - Lo_0)``; a distance bound
    is vacuous when it reaches its trivial value (W1: ``Hi_0 - Lo_0``, Cramer: its square root)."""
    fh, r, policy, m = distributional_instance(params, seed)
    H, S, A = fh.horizon, fh.n_states, fh.n_actions
    P = _dense(fh)
    W = np.asarray(policy, dtype=float)
    if W.ndim == 2:
        W = np.eye(A)[np.asarray(policy)]
    exact = bf.markov_return_laws(P, r, fh.gamma, W)
    lo, hi = return_ranges(P, r, fh.gamma)
    width = float(hi[0] - lo[0])
    slack = 1e-9 * max(1.0, width)
    disc = fh.gamma ** np.arange(H)
    spacing = (hi[:H] - lo[:H]) / (m - 1)
    cells = []
    for method in params["methods"]:
        res = subject(fh, policy, method, m, r)
        laws = [bf.as_law(d.values, d.probs) for d in (res.distribution(s) for s in range(S))]
        w1 = max(bf.wasserstein1(laws[s], exact[s]) for s in range(S))
        cells.append(cell(f"{method}: sup_s W1 <= reported w1_bound", w1,
                          float(res.w1_bound) + slack, width))
        if method == "categorical":
            l2 = max(bf.cramer(laws[s], exact[s]) for s in range(S))
            cells.append(cell("categorical: sup_s Cramer <= reported cramer_bound", l2,
                              float(res.cramer_bound) + slack, math.sqrt(width)))
            cells.append(cell("categorical: sup_s Cramer <= (sum_h gamma^h Delta_h)^(1/2)", l2,
                              math.sqrt(float(disc @ spacing)) + slack, math.sqrt(width)))
            cells.append(cell("categorical: sup_s W1 <= sum_h gamma^h Delta_h / 2", w1,
                              float(disc @ spacing) / 2 + slack, width))
            cells.append(cell("categorical: sup_s |mean - exact mean|",
                              max(abs(bf.law_mean(laws[s]) - bf.law_mean(exact[s]))
                                  for s in range(S)), slack))
        else:
            cells.append(cell("quantile: sup_s W1 <= sum_h gamma^h (Hi_h - Lo_h) / (2m)", w1,
                              float(disc @ (hi[:H] - lo[:H])) / (2 * m) + slack, width))
    return finish(cells, S=S, H=H, gamma=fh.gamma, n_atoms=m)


register(Check(
    check_id="risk.distributional_bounds", card_id=None,
    title="Categorical and quantile projected backward induction within their Cramer / W1 bounds",
    guarantee="deterministic",
    measured="sup_s Cramer and W1 distances to the exact return law (path enumeration) against "
             "the reported a-posteriori bounds and the a-priori bounds of Rowland et al. (2018) "
             "and Dabney et al. (2018); the categorical mean",
    instances="S in {2, 3}, A = 2, H in [2, 4], Dirichlet transitions, continuous rewards in "
              "[0, 1], gamma in {0.8, 0.9, 1}, deterministic or randomised Markov policies, "
              "m in {5, 11, 31} atoms",
    trial=trial_distributional, judge=judge_cells, default_subject=lambda: rlcert_distributional,
    subject_kind="distributional evaluator: (fh, policy, method in {'categorical', 'quantile'}, "
                 "n_atoms, rewards (H, S, A, S)) -> result with distribution(s) (values, probs), "
                 "w1_bound and (categorical) cramer_bound",
    n_trials=60, n_trials_quick=16, quick=False,
    params={"methods": ("categorical", "quantile")}))
