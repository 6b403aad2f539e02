r"""Checks of state metrics and action reduction: bisimulation metrics and value continuity, state
aggregation by the metric, action grouping, and the regret rate of MaxInfo Boltzmann exploration
beside UCB1 and Thompson sampling.

**Value continuity** (card ``metrics.bisimulation.value_continuity``; Ferns, Panangaden and
Precup 2004, Theorem 5.1). The subject returns a metric for ``c_R = 1``, ``c_T = gamma`` with a
certificate. The verifier solves ``V*`` with the oracle and checks, every pair: ``|V*(s) - V*(t)|
<= d(s, t)`` (plus the certificate); that ``d`` is a fixed point of ``F`` to within ``(1 + c_T)``
certificates, ``F`` evaluated by the verifier with scipy's HiGHS (independent of the subject's
transport solver: ``||d - d*|| <= c`` implies ``||F d - d|| <= (1 + c_T) c``); symmetry, zero
diagonal and nonnegativity; ``d = 0`` on the bisimilar pairs of duplicated-state instances;
the closed form ``|r_0 - r_1| / (1 - gamma)`` on two absorbing states (where continuity is an
equality, so a transport weight below ``gamma`` or total variation in place of ``W_1`` fails).

**Aggregation** (card ``metrics.bisimulation.aggregation``). The subject clusters the states at
``eps`` and claims a bound per state. The verifier rebuilds the aggregated MDP from the labels and
weights itself, solves both MDPs and checks ``|V*(s) - V~*(C(s))|`` against the subject's claimed
bound and against the theorem's bound ``g(s) + gamma / (1 - gamma) max g`` computed from the
subject's ``d`` with the verifier's own error bound ``||F d - d|| / (1 - gamma)`` (HiGHS), and
the cluster diameters against ``eps``.

**Action grouping** (card ``metrics.grouping.approximation``). For nested groupings with ``k =
1 .. A`` groups the subject builds the grouped MDP. The verifier checks that the lifted optimal
policy (uniform within the group) has in the original MDP exactly the grouped MDP's optimal
value, the approximation error ``V*_M - V*_{M_G}`` against its bound (computed from the
verifier's own averages), and monotonicity under refinement; it reports the approximation error
and the estimation error of a plug-in learner at a fixed sample budget for each ``k``.

**MaxInfo regret rate** (card ``bandit.maxinfo.regret``, order only). Log-log slope of the mean
pseudo-regret over the last decade of the grid against the slope of ``sqrt(n ln n)`` there;
UCB1's and Thompson sampling's slopes on the same instances are reported beside it.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import linprog

from rlcert.estimators.bandits import UCB1, BernoulliBandit, BernoulliThompsonSampling
from rlcert.estimators.bandits.maxinfo import MaxInfoBoltzmann
from rlcert.mdp import TabularMDP, evaluate_policy, solve
from rlcert.mdp.bisimulation import aggregate, bisimulation_metric
from rlcert.mdp.grouping import estimate_grouped_mdp, grouped_mdp, nested_groupings

from ..framework import Check, Outcome, Plot, register
from ..harness import play_bandit
from ..statistics import bootstrap_slope, loglog_slope
from ..verdicts import RATE_TOL, Verdict
from ._cells import cell, finish, judge_cells, trial_index

GAMMAS = (0.5, 0.8, 0.9, 0.95)


# -- the verifier's own pieces ---------------------------------------------------------------------
def w1_lp(p, q, cost) -> float:
    """``W_1(p, q; cost)``: the transport LP on the supports, HiGHS, tight tolerances."""
    I = np.flatnonzero(p > 0)
    J = np.flatnonzero(q > 0)
    n, m = I.size, J.size
    A_eq = np.zeros((n + m, n * m))
    for i in range(n):
        A_eq[i, i * m:(i + 1) * m] = 1.0
    for j in range(m):
        A_eq[n + j, j::m] = 1.0
    b_eq = np.concatenate([p[I], q[J] * p[I].sum() / q[J].sum()])
    res = linprog(np.asarray(cost)[np.ix_(I, J)].ravel(), A_eq=A_eq, b_eq=b_eq, bounds=(0, None),
                  method="highs", options={"primal_feasibility_tolerance": 1e-10,
                                           "dual_feasibility_tolerance": 1e-10})
    if res.status != 0:
        raise RuntimeError(f"HiGHS: {res.message}")
    return float(res.fun)


def operator_lp(P, R, d, c_R, c_T) -> np.ndarray:
    """``F(d)`` with every ``W_1`` by :func:`w1_lp`."""
    S, A = R.shape
    out = np.zeros((S, S))
    for s in range(S):
        for t in range(s + 1, S):
            out[s, t] = out[t, s] = max(c_R * abs(R[s, a] - R[t, a])
                                        + c_T * w1_lp(P[s, a], P[t, a], d) for a in range(A))
    return out


def _random_mdp(rng, S, A, grid=16):
    w = rng.integers(0, 4, size=(S, A, S)).astype(float)
    if rng.random() < 0.5:
        w[np.arange(S), 0, (np.arange(S) + 1) % S] += 1.0
    w[w.sum(-1) == 0, 0] = 1.0
    return w / w.sum(-1, keepdims=True), rng.integers(0, grid + 1, size=(S, A)) / grid


def duplicated(P, R, split):
    """Each state ``s`` gets a copy ``s + S``: same rewards, and the mass of every successor
    ``s'`` split as ``split : 1 - split`` between ``s'`` and its copy. Every ``(s, s + S)`` is a
    bisimilar pair (the lumped chain is the original)."""
    S, A, _ = P.shape
    P2 = np.zeros((2 * S, A, 2 * S))
    for s in (range(2 * S)):
        base = P[s % S]
        P2[s, :, :S] = split * base
        P2[s, :, S:] = (1.0 - split) * base
    return P2, np.concatenate([R, R])


def continuity_instance(params: dict, seed):
    """``(m, kind, extra)``. Trial ``i % 4 == 0``: two absorbing states with rewards on the 1/8
    grid (closed form); ``i % 4 == 1``: a duplicated-state MDP (``extra`` = bisimilar pairs);
    otherwise a random MDP, S in [2, 6], A in [1, 3], integer weights 0..3, rewards on the 1/16
    grid. gamma in {0.5, 0.8, 0.9, 0.95}."""
    rng = np.random.default_rng(seed)
    i = trial_index(seed)
    gamma = float(rng.choice(GAMMAS))
    if i % 4 == 0:
        r0, r1 = rng.integers(0, 9, size=2) / 8
        if r0 == r1:
            r1 = 1.0 - r0 if r0 != 0.5 else 0.0
        P = np.eye(2)[:, None, :]
        return TabularMDP(P, [[r0], [r1]], gamma), "closed", abs(r0 - r1) / (1 - gamma)
    if i % 4 == 1:
        S0, A = int(rng.integers(1, 4)), int(rng.integers(1, 3))
        P, R = _random_mdp(rng, S0, A)
        P2, R2 = duplicated(P, R, float(rng.choice([0.25, 0.5, 1.0])))
        return TabularMDP(P2, R2, gamma), "duplicated", [(s, s + S0) for s in range(S0)]
    S, A = int(rng.integers(2, 7)), int(rng.integers(1, 4))
    P, R = _random_mdp(rng, S, A)
    return TabularMDP(P, R, gamma), "random", None


def rlcert_metric(m: TabularMDP, c_R: float, c_T: float):
    """The default subject: :func:`rlcert.mdp.bisimulation.bisimulation_metric`."""
    return bisimulation_metric(m, c_R, c_T, tol=1e-10)


def trial_continuity(params, subject, seed, index) -> dict:
    """One MDP: V* by the oracle (policy iteration, tol 1e-12); cells: symmetry and zero
    diagonal, ``|V*(s) - V*(t)| <= d(s, t) + certificate`` at the worst pair, ``||F(d) - d||``
    (HiGHS) ``<= (1 + gamma) certificate``, and the closed form or the bisimilar pairs; slack
    ``1e-9 max(1, ||V*||, max d)``."""
    m, kind, extra = continuity_instance(params, seed)
    gamma = m.gamma
    res = subject(m, 1.0, gamma)
    d = np.asarray(res.distance, dtype=float)
    cert = float(res.certificate)
    sol = solve(m, method="pi", tol=1e-12)
    V = sol.V
    vscale = max(1.0, float(np.max(np.abs(V))))
    slack = 1e-9 * max(vscale, float(np.max(d)) if d.size else 1.0)
    cells = [cell("symmetric, zero diagonal, >= 0",
                  max(float(np.max(np.abs(d - d.T))), float(np.max(np.abs(np.diag(d)))),
                      float(np.max(-d, initial=0.0))), slack)]
    dV = np.abs(V[:, None] - V[None, :])
    s, t = np.unravel_index(int(np.argmax(dV - d)), d.shape)
    cells.append(cell("|V*(s) - V*(t)| against d(s, t) (worst pair)", float(dV[s, t]),
                      float(d[s, t]) + cert + 2 * float(sol.certificate) + slack))
    F = operator_lp(m.dense_P(), np.asarray(m.R), d, 1.0, gamma)
    cells.append(cell("||F(d) - d|| (HiGHS) against (1 + c_T) certificate",
                      float(np.max(np.abs(F - d))), (1 + gamma) * cert + slack))
    if kind == "closed":
        cells.append(cell("|d(0, 1) - |r0 - r1| / (1 - gamma)|", abs(float(d[0, 1]) - extra),
                          cert + slack))
    elif kind == "duplicated":
        cells.append(cell("d on bisimilar pairs", max(float(d[s, t]) for s, t in extra),
                          cert + slack))
    tight = float(np.max(np.abs(V[:, None] - V[None, :]) / np.where(d > 0, d, np.inf)))
    return finish(cells, S=m.n_states, A=m.n_actions, gamma=gamma, kind=kind,
                  iterations=int(getattr(res, "iterations", -1)), certificate=cert,
                  tightness=tight)


register(Check(
    check_id="metrics.bisimulation_value_continuity",
    card_id="metrics.bisimulation.value_continuity",
    title="Bisimulation metric (c_R = 1, c_T = gamma): |V*(s) - V*(t)| <= d(s, t), d a fixed "
          "point of F (HiGHS), closed forms and bisimilar pairs",
    guarantee="deterministic",
    measured="|V*(s) - V*(t)| - d(s, t) over pairs, ||F(d) - d|| with the verifier's HiGHS "
             "transport LPs, d(0,1) against |r0 - r1|/(1 - gamma), d on bisimilar pairs",
    instances="random MDPs (S in [2, 6], A in [1, 3]); duplicated-state MDPs; two absorbing "
              "states; gamma in {0.5, 0.8, 0.9, 0.95}",
    trial=trial_continuity, judge=judge_cells, default_subject=lambda: rlcert_metric,
    subject_kind="metric: (m, c_R, c_T) -> result with distance (S, S), certificate",
    n_trials=80, n_trials_quick=16, quick=True,
    replay_instance=lambda params, seed: continuity_instance(params, seed)[0]))


# -- aggregation -----------------------------------------------------------------------------------
EPS_LEVELS = (0.05, 0.2, 0.5)


def aggregation_instance(params: dict, seed):
    """``(m, eps)``: a random MDP on S0 in [2, 3] states (A in [1, 2]) with every state copied
    (split 1/2) and the copies' rewards moved by up to 0.1 (so copies are near-bisimilar); eps in
    {0.05, 0.2, 0.5}, gamma in {0.5, 0.8, 0.9}."""
    rng = np.random.default_rng(seed)
    gamma = float(rng.choice(GAMMAS[:3]))
    S0, A = int(rng.integers(2, 4)), int(rng.integers(1, 3))
    P, R = _random_mdp(rng, S0, A)
    P2, R2 = duplicated(P, R, 0.5)
    R2[S0:] = np.clip(R2[S0:] + rng.integers(-4, 5, size=(S0, A)) / 40, 0.0, 1.0)
    return TabularMDP(P2, R2, gamma), float(rng.choice(EPS_LEVELS))


def rlcert_aggregate(m: TabularMDP, eps: float):
    """The default subject: :func:`rlcert.mdp.bisimulation.aggregate`."""
    return aggregate(m, eps)


def aggregated_by_verifier(P, R, labels, weights, gamma, initial):
    """The aggregated MDP from labels and weights (loops, independent of the subject)."""
    S, A, _ = P.shape
    k = int(labels.max()) + 1
    w = np.array(weights, dtype=float)
    for c in range(k):
        w[labels == c] /= w[labels == c].sum()
    Pk = np.zeros((k, A, k))
    Rk = np.zeros((k, A))
    for s in range(S):
        Rk[labels[s]] += w[s] * R[s]
        for t in range(S):
            Pk[labels[s], :, labels[t]] += w[s] * P[s, :, t]
    Pk /= Pk.sum(-1, keepdims=True)
    init = np.zeros(k)
    np.add.at(init, labels, initial)
    return TabularMDP(Pk, Rk, gamma, init), w


def trial_aggregation(params, subject, seed, index) -> dict:
    """One MDP and eps: the aggregated MDP rebuilt from the subject's labels and weights, both
    solved by the oracle; cells: cluster diameter ``<= eps + err``, the error against the
    subject's bound and against the theorem's bound with ``err = ||F d - d|| / (1 - gamma)``
    (HiGHS) added to every ``g``; slack ``1e-9 max(1, ||V*||)`` plus both certificates."""
    m, eps = aggregation_instance(params, seed)
    gamma = m.gamma
    res = subject(m, eps)
    labels = np.asarray(res.labels, dtype=np.int64)
    d = np.asarray(res.metric.distance, dtype=float)
    P = m.dense_P()
    R = np.asarray(m.R)
    agg, w = aggregated_by_verifier(P, R, labels, res.weights, gamma, m.initial)
    full = solve(m, method="pi", tol=1e-12)
    red = solve(agg, method="pi", tol=1e-12)
    err = np.abs(full.V - red.V[labels])
    F = operator_lp(P, R, d, 1.0, gamma)
    d_err = float(np.max(np.abs(F - d))) / (1.0 - gamma) + 1e-9
    same = labels[:, None] == labels[None, :]
    g = np.where(same, d * w[None, :], 0.0).sum(axis=1) + d_err
    theorem = g + gamma / (1.0 - gamma) * float(g.max())
    slack = 1e-9 * max(1.0, float(np.max(np.abs(full.V)))) + full.certificate + red.certificate
    claimed = np.asarray(res.bound, dtype=float)
    diam = float(np.max(np.where(same, d, 0.0)))
    trivial = float(np.max(R) - np.min(R)) / (1.0 - gamma)
    worst_c = int(np.argmax(err - claimed))
    worst_t = int(np.argmax(err - theorem))
    cells = [cell("largest cluster diameter against eps", diam, eps + d_err + 1e-12),
             cell("|V*(s) - V~*(C(s))| against the subject's claimed bound (worst state)",
                  float(err[worst_c]), float(claimed[worst_c]) + slack),
             cell("|V*(s) - V~*(C(s))| against g(s) + gamma/(1-gamma) max g (worst state)",
                  float(err[worst_t]), float(theorem[worst_t]) + slack, trivial)]
    return finish(cells, S=m.n_states, gamma=gamma, eps=eps,
                  n_clusters=int(labels.max()) + 1, max_error=float(err.max()),
                  max_bound=float(theorem.max()), vacuous_bound=bool(theorem.max() >= trivial))


register(Check(
    check_id="metrics.bisimulation_aggregation", card_id="metrics.bisimulation.aggregation",
    title="Aggregating states by the bisimulation metric: |V*(s) - V~*(C(s))| <= g(s) + "
          "gamma/(1-gamma) max g",
    guarantee="deterministic",
    measured="|V*(s) - V~*(C(s))| (both MDPs solved by the oracle, the aggregated one built by "
             "the verifier) against the subject's bound and the theorem's, cluster diameters",
    instances="duplicated-state MDPs (S0 in [2, 3]) with the copies' rewards perturbed by up to "
              "0.1; eps in {0.05, 0.2, 0.5}; gamma in {0.5, 0.8, 0.9}",
    trial=trial_aggregation, judge=judge_cells, default_subject=lambda: rlcert_aggregate,
    subject_kind="aggregation: (m, eps) -> result with labels, weights, bound (S,), "
                 "metric.distance",
    n_trials=60, n_trials_quick=12, quick=True,
    replay_instance=lambda params, seed: aggregation_instance(params, seed)[0]))


# -- action grouping -------------------------------------------------------------------------------
def grouping_instance(params: dict, seed) -> TabularMDP:
    """S in [2, 4], A in [3, 6], integer weights 0..3, rewards on the 1/16 grid, gamma in
    {0.5, 0.8, 0.9}."""
    rng = np.random.default_rng(seed)
    S, A = int(rng.integers(2, 5)), int(rng.integers(3, 7))
    P, R = _random_mdp(rng, S, A)
    return TabularMDP(P, R, float(rng.choice(GAMMAS[:3])))


def rlcert_grouped(m: TabularMDP, groups):
    """The default subject: :func:`rlcert.mdp.grouping.grouped_mdp`."""
    return grouped_mdp(m, groups)


def trial_grouping(params, subject, seed, index) -> dict:
    """One MDP, nested groupings k = 1 .. A: per k, the subject's grouped MDP solved by the
    oracle; cells: the lifted policy's exact value in M equals V*_G, ``0 <= V*_M - V*_G <=
    bound`` (bound from the verifier's own averages) and monotonicity; records the
    approximation and the estimation error at a budget of 40 S A samples."""
    m = grouping_instance(params, seed)
    S, A, gamma = m.n_states, m.n_actions, m.gamma
    assert gamma is not None  # grouping_instance's models are discounted
    P, R = m.dense_P(), np.asarray(m.R)
    full = solve(m, method="pi", tol=1e-12)
    span = float(full.V.max() - full.V.min())
    cells, approx, estim = [], [], []
    prev = math.inf
    rng_seed = np.random.SeedSequence(int(np.random.default_rng(seed).integers(2 ** 31)))
    budget = 40 * S * A
    for groups in nested_groupings(m, range(1, A + 1)):
        k = int(groups.max()) + 1
        mg = subject(m, groups)
        red = solve(mg, method="pi", tol=1e-12)
        size = np.bincount(groups).astype(float)
        lift = (groups[None, :] == red.policy[:, None]) / size[red.policy][:, None]
        v_lift = np.asarray(evaluate_policy(m, lift), dtype=float)
        slack = 1e-9 * max(1.0, float(np.max(np.abs(full.V)))) + full.certificate + \
            red.certificate
        cells.append(cell(f"k={k}: |V^lift_M - V*_G| (grouped MDP = uniform play in the group)",
                          float(np.max(np.abs(v_lift - red.V))), slack))
        Rg = np.stack([R[:, groups == c].mean(axis=1) for c in range(k)], axis=1)
        Pg = np.stack([P[:, groups == c].mean(axis=1) for c in range(k)], axis=1)
        eps_R = float(np.max(np.abs(R - Rg[:, groups])))
        eps_P = float(np.max(np.abs(P - Pg[:, groups]).sum(-1)))
        bound = (eps_R + gamma * eps_P * span / 2.0) / (1.0 - gamma)
        e = full.V - red.V
        cells.append(cell(f"k={k}: max_s V*_M - V*_G against the bound", float(np.max(e)),
                          bound + slack))
        cells.append(cell(f"k={k}: V*_G <= V*_M", float(np.max(-e)), slack))
        cells.append(cell(f"k={k}: error no larger than the coarser grouping's",
                          float(np.max(e)) - prev, slack))
        prev = float(np.max(e))
        est = estimate_grouped_mdp(m, groups, max(1, budget // (S * k)), rng_seed.spawn(1)[0])
        pi_hat = solve(est, method="pi", tol=1e-11).policy
        v_hat = np.asarray(evaluate_policy(grouped_mdp(m, groups), pi_hat), dtype=float)
        approx.append(float(m.initial @ e))
        estim.append(float(m.initial @ (red.V - v_hat)))
    return finish(cells, S=S, A=A, gamma=gamma, approximation=approx, estimation=estim)


def judge_grouping(check: Check, trials: list[dict]) -> Outcome:
    """The deterministic cell rule, plus the mean approximation and estimation errors by the
    fraction of actions kept (reported)."""
    out = judge_cells(check, trials)
    by_frac: dict[float, list[tuple[float, float]]] = {}
    for t in trials:
        if "approximation" in t:
            A = len(t["approximation"])
            for k, (a, e) in enumerate(zip(t["approximation"], t["estimation"]), start=1):
                by_frac.setdefault(round(k / A, 2), []).append((a, e))
    table = {f: (float(np.mean([a for a, _ in v])), float(np.mean([e for _, e in v])))
             for f, v in sorted(by_frac.items())}
    text = "; ".join(f"k/A={f}: approximation {a:.3g}, estimation {e:.3g}"
                     for f, (a, e) in table.items() if f in (min(table), 0.5, max(table)))
    return Outcome(out.status, out.details + f"; mean losses at a budget of 40 S A samples: "
                   + text, pass_rate=out.pass_rate, counterexample=out.counterexample,
                   numbers={**out.numbers, "tradeoff": table}, plots=out.plots)


register(Check(
    check_id="metrics.action_grouping", card_id="metrics.grouping.approximation",
    title="Action grouping: the grouped MDP is uniform play within groups, and its approximation "
          "error is within (eps_R + gamma eps_P sp(V*)/2)/(1 - gamma), shrinking as groups refine",
    guarantee="deterministic",
    measured="|V^lift_M - V*_G|, V*_M - V*_G against its bound, monotonicity under refinement; "
             "reports the approximation and estimation errors by number of groups",
    instances="random MDPs, S in [2, 4], A in [3, 6], nested groupings k = 1 .. A (complete "
              "linkage of the actions), gamma in {0.5, 0.8, 0.9}",
    trial=trial_grouping, judge=judge_grouping, default_subject=lambda: rlcert_grouped,
    subject_kind="grouped MDP: (m, groups (A,)) -> TabularMDP with one action per group",
    n_trials=60, n_trials_quick=10, quick=True, replay_instance=grouping_instance))


# -- MaxInfo Boltzmann: sublinear regret beside UCB1 and Thompson sampling -------------------------
MAXINFO_GRID = (1000, 2000, 5000, 10 ** 4, 2 * 10 ** 4, 5 * 10 ** 4)
MAXINFO_INSTANCES = ((0.9, 0.8, 0.5), (0.7, 0.5, 0.5, 0.4))
REFERENCES = (("UCB1", UCB1), ("TS-Beta", BernoulliThompsonSampling))


def sqrt_rate_slope(x) -> float:
    """The log-log slope of ``sqrt(n ln n)`` on the points ``x``."""
    x = np.asarray(x, dtype=np.float64)
    return loglog_slope(x, np.sqrt(x * np.log(x)))


def trial_maxinfo(params, learner, seed, index) -> dict:
    """One run of the subject, UCB1 and Thompson sampling per instance through the verifier's
    harness; the pseudo-regret at every n of the grid, from the arms played."""
    grid = params["grid"]
    out: dict[str, list[list[float]]] = {"regret": [], **{name: [] for name, _ in REFERENCES}}
    children = seed.spawn(len(params["instances"]) * (1 + len(REFERENCES)))
    for i, means in enumerate(params["instances"]):
        b = BernoulliBandit(list(means))
        for j, (name, subject) in enumerate((("regret", learner),) + tuple(
                (n, c()) for n, c in REFERENCES)):
            tr = play_bandit(subject, b, grid[-1], children[i * (1 + len(REFERENCES)) + j])
            if tr.violation:
                if name == "regret":
                    return {"protocol_violation": tr.violation}
                continue
            curve = np.cumsum(b.gaps[tr.arms])
            out[name].append([float(curve[n - 1]) for n in grid])
    return out


def judge_maxinfo(check: Check, trials: list[dict]) -> Outcome:
    """Per instance, the bootstrap slope of the mean regret over the last decade of the grid
    (Bonferroni over instances) against the slope of ``sqrt(n ln n)``: ``inconsistent`` if the
    interval's lower end exceeds it by more than the rate tolerance. UCB1's and Thompson
    sampling's slopes are reported beside it."""
    x = np.array(check.params["grid"], dtype=float)
    last = x >= x[-1] / 10.0
    claimed = sqrt_rate_slope(x[last])
    level = check.alpha / len(check.params["instances"])
    verdicts, parts, rows, plots = [], [], [], []
    for i, means in enumerate(check.params["instances"]):
        b = BernoulliBandit(list(means))
        reg = np.array([t["regret"][i] for t in trials])
        slope, lo, hi = bootstrap_slope(x[last], reg[:, last], level)
        v = Verdict.INCONSISTENT if lo > claimed + RATE_TOL else Verdict.CONSISTENT
        verdicts.append(v)
        refs = {}
        for name, _ in REFERENCES:
            curves = np.array([t[name][i] for t in trials if len(t[name]) > i])
            if curves.size:
                refs[name] = (loglog_slope(x[last], curves[:, last].mean(axis=0)),
                              float(curves[:, -1].mean()))
        rows.append((b.name, slope, lo, hi, str(v), float(reg[:, -1].mean()), refs))
        ref_txt = ", ".join(f"{n} slope {s:.3f} (regret {r:.1f})" for n, (s, r) in refs.items())
        parts.append(f"{b.name}: slope {slope:.3f} [{lo:.3f}, {hi:.3f}] {v}, regret "
                     f"{reg[:, -1].mean():.1f} at n={int(x[-1])}; beside it {ref_txt}")
        plots.append(Plot("curves", f"the subject on {b.name}: pseudo-regret", x=x, curves=reg,
                          xlabel="n", ylabel="pseudo-regret",
                          references=tuple((n, np.array([t[n][i] for t in trials
                                                         if len(t[n]) > i]).mean(axis=0))
                                           for n, _ in REFERENCES)))
    status = Verdict.INCONSISTENT if Verdict.INCONSISTENT in verdicts else Verdict.CONSISTENT
    details = (f"log-log slope of the mean regret over n = {int(x[last][0])}..{int(x[-1])} "
               f"(bootstrap, level {check.alpha}/{len(verdicts)} each) against {claimed:.3f}, "
               f"the slope of sqrt(n ln n) there (tolerance {RATE_TOL}): " + "; ".join(parts)
               + " (order-only card: no constant is judged)")
    decisive = max(rows, key=lambda r: r[2])
    return Outcome(status, details, slope=decisive[1], slope_ci=(decisive[2], decisive[3]),
                   numbers={"instances": rows, "claimed_slope": claimed}, plots=tuple(plots))


register(Check(
    check_id="bandits.maxinfo.regret_rate", card_id="bandit.maxinfo.regret",
    title="MaxInfo Boltzmann exploration has sublinear regret (order sqrt(n ln n)), beside UCB1 "
          "and Thompson sampling",
    guarantee="rate", measured="log-log slope of the mean pseudo-regret over n = 5e3 .. 5e4",
    instances="Bernoulli (0.9, 0.8, 0.5), (0.7, 0.5, 0.5, 0.4) (gaps large enough for the "
              "regret to leave its linear start well before n = 5e3)",
    trial=trial_maxinfo, judge=judge_maxinfo, default_subject=MaxInfoBoltzmann,
    subject_kind="bandit learner (bandit protocol)", protocol="bandit", n_trials=200,
    n_trials_quick=30, quick=True,
    params={"grid": MAXINFO_GRID, "instances": MAXINFO_INSTANCES}))
