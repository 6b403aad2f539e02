r"""Robust-MDP checks: the certificates of the ``(s,a)``-rectangular solvers against a brute force
over policies with cvxpy inner problems, and the s-rectangular L1 solver against exact nominal
values, a closed form where randomising strictly helps, and cvxpy fixed-point and policy tests.

**(s,a)-rectangular sets** (``robust.certificates``). For an ``(s,a)``-rectangular set the robust
Bellman operator ``T V(s) = max_a r(s, a) + gamma min_{p in U(s,a)} p . V`` is a monotone
``gamma``-contraction whose fixed point ``V*`` is attained by a deterministic stationary policy
against a stationary adversary (Iyengar 2005; Nilim and El Ghaoui 2005), so ``V* =
max_pi V^pi_rob`` over the ``A^S`` deterministic policies, each ``V^pi_rob`` the value of one
convex program written from the set's definition (:func:`~rlcert.proofs_checks.brute_force.
robust_policy_value`). Claims checked: ``||V - V*||_inf <= certificate + rounding`` (the
a-posteriori bounds of the residual, Puterman 1994, Prop. 6.6.1, for the robust operator) and
``max_s (V* - V^pi_rob)(s) <= policy_loss_bound + 2 rounding`` for the returned policy, each with
the convex programs' accuracy (``1e-7 max(1, ||V*||)``) added.

**s-rectangular L1 budgets** (``robust.srect_certificates``). The optimal robust policy is
randomised in general, so enumeration gives only a lower bound on ``V*``. Claims checked:

* radius 0: ``V*`` is the nominal optimum, computed in exact rationals; ``|V - V*| <=
  certificate + rounding``;
* a committed instance with a closed form (one state choosing between two actions that both lead
  to a state of value ``1/(1-gamma)``, budget 1: mixing 1/2-1/2 gives ``0.75 gamma/(1-gamma)``,
  every deterministic choice ``0.5 gamma/(1-gamma)``);
* positive budgets: the verifier's residual ``r = ||T V - V||`` (each state's min-max update by
  cvxpy) bounds the true error from below, ``||V - V*|| >= r / (1 + gamma)`` (since ``||T V - V||
  <= ||T V - T V*|| + ||V* - V|| <= (1 + gamma) ||V - V*||``), which must not exceed the
  certificate; the robust value of the returned randomised policy and of every deterministic one
  (LP duals of the budget constraint) lie below ``V* <= V + certificate``; and the policy's loss
  against the lower bound ``max(max_det V^det, V - r / (1 - gamma))`` of ``V*`` is within
  ``policy_loss_bound``.
"""

from __future__ import annotations

import math

import numpy as np

from rlcert.mdp import TabularMDP, instances
from rlcert.mdp.robust import (ChiSquareBall, ChiSquarePenalty, KLBall, KLPenalty, L1Ball,
                               LInfBall, TVBall, TVPenalty, WassersteinBall, solve_robust)
from rlcert.mdp.robust.srect import SRectL1Ball, solve_srect

from .. import brute_force as bf
from ..exact import optimal_value, sup_distance
from ..framework import Check, register
from ._cells import cell, finish, judge_cells, scale, trial_index, undecided

#: Accuracy of the cvxpy ground truth (Clarabel, tightened tolerances), relative to max(1, |V|).
CVX_TOL = 1e-7

SETS = ("l1", "tv", "linf", "kl", "chi2", "w1", "tv_pen", "kl_pen", "chi2_pen")


def line_metric(S: int) -> np.ndarray:
    """``d(i, j) = |i - j| / (S - 1)``: the ground metric of the Wasserstein balls."""
    x = np.arange(S, dtype=float)
    return np.abs(x[:, None] - x[None, :]) / max(S - 1, 1)


def make_set(spec: dict, S: int):
    """The rlcert uncertainty set of a spec ``{"name", "param"}`` (what the subject receives)."""
    name, p = spec["name"], float(spec["param"])
    if name == "w1":
        return WassersteinBall(p, line_metric(S))
    return {"l1": L1Ball, "tv": TVBall, "linf": LInfBall, "kl": KLBall, "chi2": ChiSquareBall,
            "tv_pen": TVPenalty, "kl_pen": KLPenalty, "chi2_pen": ChiSquarePenalty}[name](p)


def _param(rng, name: str) -> float:
    if name in ("tv_pen", "kl_pen", "chi2_pen"):
        return float(np.round(rng.uniform(0.05, 2.0), 3))
    if name == "chi2":
        return float(np.round(rng.uniform(0.02, 2.0), 3))
    return float(np.round(rng.uniform(0.02, 0.8), 3))


def small_mdp(rng, S: int, A: int, gamma: float) -> TabularMDP:
    """Transitions from integer weights 0..3 (exact zeros: supports differ by row), rewards on
    a 1/16 grid in [0, 1]."""
    w = rng.integers(0, 4, size=(S, A, S)).astype(float)
    w[w.sum(-1) == 0, 0] = 1.0
    R = np.round(rng.random((S, A)) * 16) / 16
    return TabularMDP(w / w.sum(-1, keepdims=True), R, gamma)


#: Committed instances of ``robust.certificates``: RiverSwim(3) under three sets.
COMMITTED_SA = (("riverswim3", {"name": "kl", "param": 0.1}),
                ("riverswim3", {"name": "tv", "param": 0.1}),
                ("riverswim3", {"name": "w1", "param": 0.2}))


def robust_instance(params: dict, seed) -> tuple[TabularMDP, dict]:
    """Every 4th trial a committed instance (RiverSwim(3), gamma 0.9, KL / TV / W1 sets);
    otherwise S in {2, 3}, A = 2 (or S = 2, A = 3), gamma in {0.5, 0.9}, one of the nine sets with
    a random radius or penalty weight."""
    rng = np.random.default_rng(seed)
    i = trial_index(seed)
    if i % 4 == 0:
        _, spec = COMMITTED_SA[(i // 4) % len(COMMITTED_SA)]
        return instances.riverswim(3, gamma=0.9), dict(spec)
    S, A = (2, 3) if rng.random() < 0.25 else (int(rng.integers(2, 4)), 2)
    m = small_mdp(rng, S, A, float(rng.choice((0.5, 0.9))))
    name = str(rng.choice(SETS))
    return m, {"name": name, "param": _param(rng, name)}


def replay_robust(params: dict, seed) -> TabularMDP:
    """The trial's model, for ``rlcert replay``."""
    return robust_instance(params, seed)[0]


def rlcert_solve_robust(m: TabularMDP, uncertainty, method: str, tol: float):
    """The default subject: :func:`rlcert.mdp.robust.solve_robust`."""
    return solve_robust(m, uncertainty, method=method, tol=tol)


def trial_robust_certificates(params, subject, seed, index) -> dict:
    """One instance: the robust optimum by enumeration of the deterministic policies (one convex
    program each), then the subject with each method and tolerance; cells ``|V - V*| <=
    certificate + rounding`` and ``V* - V^pi <= policy_loss_bound + 2 rounding`` (cvxpy accuracy
    added), vacuous when the bound reaches the value range ``(max r - min r) / (1 - gamma)``."""
    m, spec = robust_instance(params, seed)
    spec = {**spec, "metric": line_metric(m.n_states)}
    P, R, g = m.dense_P(), m.R, m.gamma
    assert g is not None  # the instances are discounted
    try:
        values = {pol: bf.robust_policy_value(P, R, g, pol, spec)
                  for pol in bf.deterministic_policies(m.n_states, m.n_actions)}
    except bf.TruthUnavailable as exc:
        return undecided(str(exc), set=spec["name"])
    V_star = np.max(np.array(list(values.values())), axis=0)
    slack = CVX_TOL * scale(V_star)
    trivial = float(R.max() - R.min()) / (1.0 - g)
    U = make_set(spec, m.n_states)
    cells = []
    for method in params["methods"]:
        for tol in params["tols"]:
            res = subject(m, U, method, tol)
            err = float(np.max(np.abs(np.asarray(res.V, dtype=float) - V_star)))
            cells.append(cell(f"{method} tol={tol:g}: |V - V*|", err,
                              res.certificate + res.rounding + slack, trivial))
            pol = tuple(int(a) for a in np.asarray(res.policy).reshape(-1))
            V_pi = values.get(pol)
            loss = math.inf if V_pi is None else float(np.max(V_star - V_pi))
            cells.append(cell(f"{method} tol={tol:g}: V* - V^pi", loss,
                              res.policy_loss_bound + 2 * res.rounding + 2 * slack, trivial))
    return finish(cells, set=spec["name"], param=spec["param"], S=m.n_states, A=m.n_actions,
                  gamma=g)


register(Check(
    check_id="robust.certificates", card_id=None,
    title="Robust VI/MPI certificates and policy-loss bounds against a brute force over policies",
    guarantee="deterministic",
    measured="||V - V*_rob||_inf and the returned policy's robust loss (V*_rob = max over "
             "deterministic policies of cvxpy robust values) against certificate / "
             "policy_loss_bound + rounding",
    instances="random MDPs (S <= 3, A <= 3, A^S <= 9), gamma in {0.5, 0.9}, L1 / TV / L-inf / "
              "KL / chi2 / W1 balls and TV / KL / chi2 penalties; RiverSwim(3) committed",
    trial=trial_robust_certificates, judge=judge_cells,
    default_subject=lambda: rlcert_solve_robust,
    subject_kind="robust solver: (m, uncertainty, method in {'vi', 'mpi'}, tol) -> result with "
                 "V, policy (S,), certificate, rounding, policy_loss_bound",
    n_trials=32, n_trials_quick=16, quick=True,
    params={"methods": ("vi", "mpi"), "tols": (1e-3, 1e-7)}, replay_instance=replay_robust))


# -- s-rectangular L1 budgets ----------------------------------------------------------------------

def randomising_instance(gamma: float = 0.9) -> tuple[TabularMDP, np.ndarray, np.ndarray]:
    """State 0 chooses between two actions that both lead to state 2 (reward 1 forever), state 1
    pays 0 forever; budget 1 at state 0 only. Nature's best reply to a mix ``(1/2, 1/2)`` moves
    1/4 of each action's mass to state 1, so ``V*(0) = 0.75 gamma / (1 - gamma)``; against a
    deterministic choice it moves 1/2: ``0.5 gamma / (1 - gamma)``. Returns ``(m, kappa, V*)``."""
    P = np.zeros((3, 2, 3))
    P[0, :, 2] = 1.0
    P[1, :, 1] = P[2, :, 2] = 1.0
    R = np.zeros((3, 2))
    R[2] = 1.0
    v2 = 1.0 / (1.0 - gamma)
    return (TabularMDP(P, R, gamma, initial=0), np.array([1.0, 0.0, 0.0]),
            np.array([0.75 * gamma * v2, 0.0, v2]))


def srect_instance(params: dict, seed) -> tuple[TabularMDP, np.ndarray, str]:
    """Trial 0 (and every 6th) the committed randomising instance; otherwise S in {2, 3}, A = 2,
    gamma in {0.5, 0.9}, budgets 0 (every 3rd trial: nominal) or per state in {0, 0.1, 0.5, 1.5}
    or uniform on [0.05, 1.5]."""
    rng = np.random.default_rng(seed)
    i = trial_index(seed)
    if i % 6 == 0:
        m, kappa, _ = randomising_instance()
        return m, kappa, "committed"
    m = small_mdp(rng, int(rng.integers(2, 4)), 2, float(rng.choice((0.5, 0.9))))
    S = m.n_states
    if i % 3 == 0:
        return m, np.zeros(S), "nominal"
    if rng.random() < 0.5:
        return m, rng.choice((0.0, 0.1, 0.5, 1.5), size=S).astype(float), "robust"
    return m, np.round(rng.uniform(0.05, 1.5, size=S), 3), "robust"


def replay_srect(params: dict, seed) -> TabularMDP:
    """The trial's model, for ``rlcert replay``."""
    return srect_instance(params, seed)[0]


def rlcert_solve_srect(m: TabularMDP, uncertainty: SRectL1Ball):
    """The default subject: :func:`rlcert.mdp.robust.srect.solve_srect` at ``tol = 1e-8``."""
    return solve_srect(m, uncertainty, tol=1e-8)


def trial_srect(params, subject, seed, index) -> dict:
    """One instance and one solve; cells as in the module docstring (exact rationals at radius 0,
    the closed form on the committed instance, cvxpy residual and policy values otherwise),
    vacuous when a bound reaches the value range ``(max r - min r) / (1 - gamma)``."""
    m, kappa, kind = srect_instance(params, seed)
    P, R, g = m.dense_P(), m.R, m.gamma
    assert g is not None  # the instances are discounted
    S, A = m.n_states, m.n_actions
    res = subject(m, SRectL1Ball(kappa))
    V = np.asarray(res.V, dtype=float)
    D = np.asarray(res.policy, dtype=float).reshape(S, A)
    cert, rho = float(res.certificate), float(res.rounding)
    trivial = float(R.max() - R.min()) / (1.0 - g)
    cells = []
    if kind == "nominal":
        err = float(sup_distance(V, optimal_value(P, R, g)))
        cells.append(cell("radius 0: |V - V*_nominal| (exact)", err, cert + rho, trivial))
        return finish(cells, kind=kind, S=S, gamma=g)
    slack = CVX_TOL * scale(V)
    try:
        if kind == "committed":
            _, _, V_star = randomising_instance(g)
            cells.append(cell("closed form: |V - V*|", float(np.max(np.abs(V - V_star))),
                              cert + rho + 1e-12 * scale(V_star), trivial))
        TV = np.array([bf.srect_update(P[s], R[s], V, g, float(kappa[s])) for s in range(S)])
        resid = float(np.max(np.abs(TV - V)))
        cells.append(cell("residual / (1 + gamma) (a lower bound on |V - V*|)",
                          max(resid - slack, 0.0) / (1.0 + g), cert + rho + slack, trivial))
        V_d = bf.srect_policy_value(P, R, g, D, kappa)
        V_det = np.max([bf.srect_policy_value(P, R, g, np.eye(A)[list(pol)], kappa)
                        for pol in bf.deterministic_policies(S, A)], axis=0)
    except bf.TruthUnavailable as exc:
        return undecided(str(exc), kind=kind)
    cells.append(cell("V^policy - V (V^policy <= V* <= V + certificate)",
                      float(np.max(V_d - V)), cert + rho + slack, trivial))
    cells.append(cell("max_det V^det - V (V^det <= V* <= V + certificate)",
                      float(np.max(V_det - V)), cert + rho + slack, trivial))
    lower = np.maximum(V_det, V - (resid + slack) / (1.0 - g))
    cells.append(cell("lower bound of V* - V^policy", float(np.max(lower - V_d)),
                      res.policy_loss_bound + 2 * rho + 2 * slack, trivial))
    return finish(cells, kind=kind, S=S, gamma=g, residual=resid)


register(Check(
    check_id="robust.srect_certificates", card_id=None,
    title="s-rectangular L1 solver: exact nominal values, a closed form, cvxpy residual and "
          "policy values",
    guarantee="deterministic",
    measured="|V - V*| at radius 0 (exact rationals) and on a closed-form instance; residual "
             "||T V - V|| / (1 + gamma) (cvxpy min-max updates) against the certificate; robust "
             "values of the returned and of every deterministic policy against V + certificate "
             "and the policy-loss bound",
    instances="random MDPs (S <= 3, A = 2), gamma in {0.5, 0.9}, per-state budgets in [0, 1.5] "
              "(every 3rd trial 0); the randomising 3-state instance committed",
    trial=trial_srect, judge=judge_cells, default_subject=lambda: rlcert_solve_srect,
    subject_kind="s-rectangular solver: (m, SRectL1Ball) -> result with V, policy (S, A), "
                 "certificate, rounding, policy_loss_bound",
    n_trials=36, n_trials_quick=12, quick=False, replay_instance=replay_srect))
