r"""Linear-MDP checks: the low-rank oracle against the induced tabular oracle, LSVI-UCB's optimism
(the property Jin et al.'s regret proof rests on), the elliptical potential lemma on the features
LSVI-UCB saw, one-hot LSVI against tabular certainty equivalence, LSVI-UCB's regret rate on a tiny
instance where its burn-in ends, linear PEVI's pessimism and suboptimality bound, and R2PVI's
convergence to the exact robust-regularised optimum.

Learner trials run the subject through the verifier's episodic harness on the induced tabular
model of the linear MDP (the same MDP); the features are the subject's knowledge of the problem:
the subject is built from them (``subject(features) -> learner``, the default
:class:`~rlcert.estimators.linear.LSVIUCB`).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from rlcert.bounds import evaluate
from rlcert.estimators.linear import LSVI, LSVIUCB
from rlcert.mdp import FiniteHorizonMDP, evaluate_policy, instances, solve
from rlcert.mdp.linear import LinearMDP, one_hot, random_simplex, solve_linear

from ..framework import Check, register
from ..harness import play_episodic
from ._cells import cell, finish, judge_cells, trial_index
from .episodic import judge_optimism, judge_regret_rate, tiny_instance


# -- instances --------------------------------------------------------------------------------------
def linear_instance(params: dict, seed) -> LinearMDP:
    """Every third trial one-hot features of the tiny instance (S = A = H = 2, d = 4), otherwise a
    random d-rectangular model with S in [3, 12], A in [2, 3], d in [2, 5], H in [2, 6], one
    stage or one factorisation per stage."""
    i = trial_index(seed)
    if i % 3 == 0:
        return one_hot(tiny_instance())
    rng = np.random.default_rng(seed)
    S, A, d, H = (int(rng.integers(lo, hi + 1)) for lo, hi in ((3, 12), (2, 3), (2, 5), (2, 6)))
    return random_simplex(S, A, d, horizon=H, stationary=bool(rng.random() < 0.5),
                          branching=int(rng.integers(1, S + 1)), seed=int(rng.integers(2 ** 31)))


def episodic_tabular(lm: LinearMDP) -> FiniteHorizonMDP:
    """The induced tabular model of an episodic linear MDP (every model of these checks is)."""
    m = lm.to_tabular()
    assert isinstance(m, FiniteHorizonMDP), "an episodic linear MDP induces a FiniteHorizonMDP"
    return m


# -- the oracle ----------------------------------------------------------------------------------------
def trial_oracle(params, subject, seed, index) -> dict:
    """The subject's solution of a random linear MDP against the tabular oracle of its induced
    model: ``|V - V*| <= certificate + the tabular oracle's own certificate`` at every stage,
    the returned policy optimal to the same accuracy, every truly optimal action flagged."""
    m = linear_instance(params, seed)
    assert m.horizon is not None  # linear_instance's models are episodic
    res = subject(m)
    tab = solve(m.to_tabular())
    slack = float(res.certificate) + float(tab.certificate) + 1e-12
    V, Q = np.asarray(res.V), np.asarray(res.Q)
    err = float(np.max(np.abs(V - tab.V))) if V.shape == tab.V.shape else math.inf
    pol = np.asarray(res.policy)
    loss = float(np.max(tab.V[0] - evaluate_policy(m.to_tabular(), pol)[0])) \
        if pol.shape == tab.policy.shape else math.inf
    truly = tab.Q >= tab.V[:-1, :, None] - 1e-12
    flagged = np.asarray(res.optimal_actions, dtype=bool)
    missed = int(np.sum(truly & ~flagged)) if flagged.shape == truly.shape else truly.size
    return finish([cell("|V - V*| (tabular oracle)", err, slack),
                   cell("|Q - Q*|", float(np.max(np.abs(Q - tab.Q))) if Q.shape == tab.Q.shape
                        else math.inf, slack),
                   cell("policy loss", loss, 2 * slack * m.horizon),
                   cell("optimal actions missed", missed, 0)], d=m.dim)


register(Check(
    check_id="linear.oracle", card_id=None,
    title="The low-rank backward induction equals the induced tabular oracle",
    guarantee="deterministic",
    measured="|V - V*|, |Q - Q*|, policy loss and missed optimal actions against backward "
             "induction on the (S, A, S) kernel",
    instances="one-hot tiny instance and random d-rectangular models (S <= 12, d <= 5)",
    trial=trial_oracle, judge=judge_cells, default_subject=lambda: solve_linear,
    subject_kind="solver: (LinearMDP) -> result with V, Q, policy, optimal_actions, certificate",
    n_trials=60, n_trials_quick=20, quick=False))


# -- LSVI-UCB's optimism ---------------------------------------------------------------------------------
def optimism_model(params) -> tuple[LinearMDP, FiniteHorizonMDP]:
    if params["instance"] == "tiny":
        lm = one_hot(tiny_instance())
    else:
        lm = random_simplex(params["S"], params["A"], params["d"], horizon=params["H"],
                            seed=params["model_seed"])
    return lm, episodic_tabular(lm)


def trial_linear_optimism(params, factory, seed, index) -> dict:
    lm, m = optimism_model(params)
    tr = play_episodic(factory(lm.phi), m, params["K"], seed, record_q=True,
                       reward_noise=params["reward_noise"])
    if tr.violation:
        return {"protocol_violation": tr.violation}
    margin = float(np.min(tr.margins))
    return {"margin": margin, "passed": bool(margin >= -1e-9)}


LINEAR_OPTIMISM = {"instance": "simplex", "S": 6, "A": 2, "d": 3, "H": 3, "model_seed": 5,
                   "K": 1000, "reward_noise": "bernoulli"}

register(Check(
    check_id="linear.lsvi_ucb.optimism", card_id="regret.lsvi_ucb.upper",
    title="LSVI-UCB (beta = c d H sqrt(iota), c = 1) is optimistic: Q_k >= Q* at every "
          "(k, h, s, a)",
    guarantee="high_probability",
    measured="min over (k, h, s, a) of Q_k - Q* (declared Q tables, exact Q*)",
    instances="a random d-rectangular model, S = 6, A = 2, d = 3, H = 3, Bernoulli rewards, "
              "1000 episodes",
    trial=trial_linear_optimism, judge=judge_optimism, default_subject=lambda: LSVIUCB,
    subject_kind="factory (features (S, A, d)) -> episodic learner declaring q_values()",
    n_trials=200, n_trials_quick=60, quick=False, params=dict(LINEAR_OPTIMISM)))


# -- the elliptical potential lemma on the features LSVI-UCB saw -----------------------------------------
@njit(cache=True)
def elliptical_potential(X, lam):
    """``(sum_k min(1, q_k), sum_k log(1 + q_k))`` with ``q_k = ||x_k||^2_{V_{k-1}^{-1}}``, ``V_0 =
    lam I``, ``V_k = V_{k-1} + x_k x_k^T`` (Sherman-Morrison on ``V^{-1}``); the second sum is
    ``log det V_n - d log lam`` (the determinant identity of Lattimore and Szepesvari's Lemma
    19.4)."""
    n, d = X.shape
    Vinv = np.eye(d) / lam
    u = np.empty(d)
    pot, logdet = 0.0, 0.0
    for k in range(n):
        q = 0.0
        for i in range(d):
            acc = 0.0
            for j in range(d):
                acc += Vinv[i, j] * X[k, j]
            u[i] = acc
            q += X[k, i] * acc
        pot += min(1.0, q)
        logdet += math.log1p(q)
        for i in range(d):
            for j in range(d):
                Vinv[i, j] -= u[i] * u[j] / (1.0 + q)
    return pot, logdet


def potential_cells(X: np.ndarray, lam: float, label: str) -> list[dict]:
    """The lemma's chain for one sequence: ``sum min(1, q) <= 2 log det(V_n)/det(V_0) <=`` card,
    and the determinant identity (the verifier's recursion against ``numpy.linalg.slogdet``)."""
    n, d = X.shape
    pot, logdet = elliptical_potential(np.ascontiguousarray(X, dtype=float), lam)
    _, direct = np.linalg.slogdet(lam * np.eye(d) + X.T @ X)
    direct -= d * math.log(lam)
    card = evaluate("linear.elliptical_potential", n=n, d=d, lam=lam)
    return [cell(f"{label}: potential <= card", pot, card, trivial=n),
            cell(f"{label}: potential <= 2 log det ratio", pot, 2.0 * logdet + 1e-9),
            cell(f"{label}: determinant identity", abs(logdet - direct),
                 1e-9 * max(1.0, abs(direct)))]


def trial_potential(params, factory, seed, index) -> dict:
    """The subject plays ``K`` episodes of the verifier's model (path recorded); per stage ``h``
    the features of the pairs it played, ``x_k = phi(s^k_h, a^k_h)``, are checked against the
    lemma for each ``lambda``. The subject cannot make the lemma fail (it holds for every
    sequence): the check tests the card's constant, on the sequences a learner produces and on
    the near-extremal round-robin one-hot sequence (``d`` blocks of repeats: potential about ``d
    H_{K/d}`` against ``2 d log(1 + K/(d lambda))``)."""
    lm, m = optimism_model({**params, "instance": "tiny" if index % 2 == 0 else "simplex"})
    tr = play_episodic(factory(lm.phi), m, params["K"], seed, record_path=True)
    if tr.violation:
        return {"protocol_violation": tr.violation}
    phi = lm.phi
    assert tr.states is not None and tr.actions is not None  # recorded: record_path=True
    cells = []
    for lam in params["lams"]:
        for h in range(m.horizon):
            cells += potential_cells(phi[tr.states[:, h], tr.actions[:, h]], lam,
                                     f"stage {h}, lambda = {lam:g}")
        E = np.eye(lm.dim)[np.arange(params["K"]) % lm.dim]
        cells += potential_cells(E, lam, f"round-robin one-hot, lambda = {lam:g}")
    return finish(cells, d=lm.dim)


register(Check(
    check_id="linear.lsvi_ucb.elliptical_potential", card_id="linear.elliptical_potential",
    title="Elliptical potential lemma on the features LSVI-UCB saw, and where it is nearly "
          "attained",
    guarantee="deterministic",
    measured="per stage, sum_k min(1, ||phi_k||^2_{Lambda_{k-1}^-1}) of the played features "
             "against 2 log det(Lambda_K)/det(lambda I) and the card 2 d log(1 + K/(d lambda))",
    instances="one-hot tiny instance (d = 4) and a random d-rectangular model (d = 3), 2000 "
              "episodes, lambda in {1, 0.1}; round-robin one-hot vectors",
    trial=trial_potential, judge=judge_cells, default_subject=lambda: LSVIUCB,
    subject_kind="factory (features) -> episodic learner",
    n_trials=4, n_trials_quick=2, quick=False,
    params={**LINEAR_OPTIMISM, "K": 2000, "lams": (1.0, 0.1)}))


# -- one-hot LSVI is certainty equivalence -----------------------------------------------------------------
def ridgeless_lsvi(features) -> LSVI:
    """The default subject: :class:`~rlcert.estimators.linear.LSVI` with ``lam = 0``."""
    return LSVI(features, lam=0.0)


def certainty_equivalent_q(counts, trans, r_sum, H, S, A) -> np.ndarray:
    """Tabular certainty equivalence per stage from the verifier's own tallies of stage-``h``
    transitions (LSVI regresses each stage on its own data): ``Q_h(s, a) = min(r_bar_h +
    P_hat_h V_{h+1}, H)`` on pairs visited at stage ``h``, 0 on the others, ``V_h = max_a Q_h``."""
    Q = np.zeros((H, S, A))
    V = np.zeros(S)
    for h in range(H - 1, -1, -1):
        n = counts[h]
        P = np.divide(trans[h], n[..., None], out=np.zeros((S, A, S)), where=n[..., None] > 0)
        rbar = np.divide(r_sum[h], n, out=np.zeros((S, A)), where=n > 0)
        Q[h] = np.where(n > 0, np.minimum(rbar + P @ V, float(H)), 0.0)
        V = Q[h].max(axis=1)
    return Q


def trial_one_hot_ce(params, factory, seed, index) -> dict:
    """Feed the subject (built on one-hot features) the transitions of a uniformly random
    behaviour drawn by the verifier; after every episode its declared Q table must equal
    certainty equivalence computed from the same transitions (to 1e-9)."""
    rng = np.random.default_rng(seed)
    base = tiny_instance() if index % 2 == 0 else FiniteHorizonMDP.from_tabular(
        instances.riverswim(3), 3)
    lm = one_hot(base)
    H, S, A = base.horizon, base.n_states, base.n_actions
    learner = factory(lm.phi)
    learner.reset(S, A, H, int(rng.integers(2 ** 31)), n_episodes=params["K"])
    P = np.stack([base.stage_P(h) for h in range(H)])
    counts, trans, r_sum = np.zeros((H, S, A)), np.zeros((H, S, A, S)), np.zeros((H, S, A))
    worst = 0.0
    for k in range(params["K"]):
        learner.start_episode()
        Q_ref = certainty_equivalent_q(counts, trans, r_sum, H, S, A)
        worst = max(worst, float(np.max(np.abs(learner.q_values() - Q_ref))))
        s = int(rng.choice(S, p=base.initial))
        for h in range(H):
            a = int(rng.integers(A))
            r = float(base.R[h, s, a])
            s2 = int(rng.choice(S, p=P[h, s, a]))
            learner.observe(h, s, a, r, s2)
            counts[h, s, a] += 1
            trans[h, s, a, s2] += 1
            r_sum[h, s, a] += r
            s = s2
    return finish([cell("max |Q_LSVI - Q_CE| over the episodes", worst, 1e-9)])


register(Check(
    check_id="linear.lsvi.one_hot_certainty_equivalence", card_id=None,
    title="LSVI with one-hot features and lambda = 0 is tabular certainty equivalence",
    guarantee="deterministic",
    measured="max over episodes of |Q_LSVI - Q_CE| on the same transitions",
    instances="the tiny instance and RiverSwim(3), H = 3, uniformly random behaviour",
    trial=trial_one_hot_ce, judge=judge_cells, default_subject=lambda: ridgeless_lsvi,
    subject_kind="factory (features) -> learner with reset/start_episode/observe/q_values",
    n_trials=10, n_trials_quick=4, quick=False, params={"K": 60}))


# -- LSVI-UCB's regret rate on the tiny instance -------------------------------------------------------------
def trial_linear_rate(params, factory, seed, index) -> dict:
    lm = one_hot(tiny_instance())
    m = episodic_tabular(lm)
    K = params["K"]
    tr = play_episodic(factory(lm.phi), m, K, seed)
    if tr.violation:
        return {"protocol_violation": tr.violation}
    curve = np.cumsum(tr.pseudo_regret())
    grid = np.unique(np.geomspace(K // 100, K, 25).astype(int))
    return {"K": grid.tolist(), "cumulative_regret": curve[grid - 1].tolist(),
            "total_regret": float(curve[-1]), "measured": "pseudo", "H": m.horizon}


register(Check(
    check_id="linear.lsvi_ucb.regret_rate_tiny", card_id="regret.lsvi_ucb.upper",
    title="LSVI-UCB (c = 1) regret is sublinear once the burn-in ends (one-hot tiny instance)",
    guarantee="rate", measured="cumulative pseudo-regret against K",
    instances="one-hot features (d = 4) of S = A = H = 2, deterministic, 10^5 episodes",
    trial=trial_linear_rate, judge=judge_regret_rate, default_subject=lambda: LSVIUCB,
    subject_kind="factory (features) -> episodic learner",
    n_trials=2, n_trials_quick=2, quick=False,
    params={"K": 10 ** 5, "log_power": 1.0,
            "note": "the default subject uses c = 1 (the paper's c is unspecified)"}))


# -- offline: linear PEVI ------------------------------------------------------------------------------------
def pevi_model(params) -> LinearMDP:
    """A random d-rectangular model started uniformly over the states, so that every stage's
    data spans the features (with one start state, stage 0 sees only ``A`` feature vectors, and
    the per-factor uncertainty of the unseen directions never shrinks)."""
    S = params["S"]
    return random_simplex(S, params["A"], params["d"], horizon=params["H"],
                          seed=params["model_seed"], initial=np.full(S, 1.0 / S))


def _true_backups(lm: LinearMDP, V: np.ndarray) -> np.ndarray:
    """``(B_h V_{h+1})(s, a) = r_h(s, a) + P_h V_{h+1}`` for every stage, exactly through the
    factorisation (the verifier's, with the true model)."""
    from rlcert.mdp.linear import _backup
    assert lm.horizon is not None  # pevi_model's models are episodic
    return np.stack([_backup(lm, h, V[h + 1]) for h in range(lm.horizon)])


def trial_pevi(params, factory, seed, index) -> dict:
    """One dataset of ``K`` trajectories under the uniform behaviour policy, one fit; the
    verifier measures pessimism ``V_hat_0 <= V^{pi_hat}_0`` (at the initial distribution), the
    uncertainty-quantifier property ``|B_hat V_hat - B V_hat| <= Gamma`` at every ``(h, s, a)``
    (Jin et al. 2021, Definition 4.1, with the true Bellman operator ``B``) and the suboptimality
    against Theorem 4.2's ``2 sum_h E_{pi*}[Gamma_h(s_h, a_h)]`` (the expectation exact, by the
    occupancy of ``pi*``)."""
    from rlcert.mdp import occupancy
    from ..harness import play_offline
    lm = pevi_model(params)
    m = episodic_tabular(lm)
    S, A = m.n_states, m.n_actions
    tr = play_offline(factory(lm.phi), m, np.full((S, A), 1.0 / A), params["K"], seed,
                      needs_value=True, reward_noise=params["reward_noise"])
    if tr.violation:
        return {"protocol_violation": tr.violation}
    res = tr.result
    V_hat = np.asarray(tr.V)
    B_hat, Gamma = np.asarray(res.bellman_estimate), np.asarray(res.penalty)
    opt = solve(m)
    init = m.initial
    v_hat = float(init @ V_hat[0])
    v_pi = float(init @ evaluate_policy(m, tr.policy)[0])
    v_star = float(init @ opt.V[0])
    excess = float(np.max(np.abs(B_hat - _true_backups(lm, V_hat)) - Gamma))
    bound = 2.0 * float(np.sum(occupancy(m, opt.policy) * Gamma))
    return {"v_hat": v_hat, "v_pi": v_pi, "v_star": v_star, "quantifier_excess": excess,
            "suboptimality": v_star - v_pi, "bound": bound,
            "penalty_trivial": bool(np.all(Gamma >= m.horizon - np.arange(m.horizon)[:, None, None]))}


def judge_pevi(check: Check, trials: list[dict]):
    """Three high-probability claims, each by Clopper-Pearson against ``1 - xi`` over the trials
    where it is not vacuous (pessimism is vacuous when ``V_hat_0 = 0``, the trivial lower bound of
    rewards in [0, 1]; the suboptimality bound when it is at least ``V*_0``, the trivial bound)."""
    from ..framework import Outcome
    from ..verdicts import Verdict, aggregate, probability_rule
    tol = 1e-9
    claims = {
        "pessimism V_hat <= V^pi_hat": [(t["v_hat"] <= t["v_pi"] + tol, t["v_hat"] <= tol)
                                        for t in trials],
        "uncertainty quantifier |B_hat V - B V| <= Gamma": [(t["quantifier_excess"] <= tol,
                                                             t["penalty_trivial"])
                                                            for t in trials],
        "SubOpt <= 2 sum_h E_pi*[Gamma_h]": [(t["suboptimality"] <= t["bound"] + tol,
                                              t["bound"] >= t["v_star"]) for t in trials],
    }
    verdicts, parts, rates = {}, [], {}
    for name, rows in claims.items():
        live = [ok for ok, vac in rows if not vac]
        if not live:
            verdicts[name] = Verdict.VACUOUS
            parts.append(f"{name}: vacuous in all {len(rows)} trials")
            continue
        v, lo, hi, _ = probability_rule(int(sum(live)), len(live), check.delta, check.alpha / 3)
        verdicts[name] = v
        rates[name] = sum(live) / len(live)
        parts.append(f"{name}: {int(sum(live))}/{len(live)} non-vacuous trials, Clopper-Pearson "
                     f"[{lo:.4f}, {hi:.4f}] against 1 - xi = {1 - check.delta:.3g}: {v}")
    sub = np.array([t["suboptimality"] for t in trials])
    bnd = np.array([t["bound"] for t in trials])
    parts.append(f"mean suboptimality {sub.mean():.4g}, mean bound {bnd.mean():.4g}")
    return Outcome(aggregate(verdicts.values()), "; ".join(parts),
                   secondary={k: v for k, v in verdicts.items()}, numbers={"pass_rates": rates})


def pevi_practical(features):
    """The default subject of the PEVI checks: linear PEVI with ``penalty_scale = 0.1`` (a
    documented practical variant: with the stated ``c = 1`` the penalty exceeds ``H`` at these
    sizes and every claim is vacuous, which ``tests/test_linear.py`` shows)."""
    from rlcert.estimators.linear import LinearPEVI
    return LinearPEVI(features, penalty_scale=0.1)


register(Check(
    check_id="linear.pevi.pessimism", card_id=None,
    title="Linear PEVI: pessimism, the uncertainty quantifier, and Theorem 4.2's suboptimality "
          "bound (Jin, Yang, Wang 2021)",
    guarantee="high_probability",
    measured="V_hat_0 against V^pi_hat_0, |B_hat V_hat - B V_hat| - Gamma, SubOpt against "
             "2 sum_h E_pi*[Gamma_h] (exact)",
    instances="a random d-rectangular model, S = 10, A = 3, d = 4, H = 4, uniform start; 2000 "
              "trajectories of the uniform behaviour policy, Bernoulli rewards",
    trial=trial_pevi, judge=judge_pevi, default_subject=lambda: pevi_practical,
    subject_kind="factory (features) -> offline estimator with fit(dataset) -> policy, V, "
                 "bellman_estimate, penalty",
    n_trials=100, n_trials_quick=30, quick=False, delta=0.05,
    params={"S": 10, "A": 3, "d": 4, "H": 4, "model_seed": 3, "K": 2000,
            "reward_noise": "bernoulli"}))


# -- offline: R2PVI converges to the robust-regularised optimum ---------------------------------------------
def trial_r2pvi(params, factory, seed, index) -> dict:
    """At each data size ``K``, ``V*_RR(rho) - V_hat_0(rho)`` (the pessimistic estimate's gap to the
    exact robust-regularised optimum, :func:`rlcert.mdp.linear.solve_robust_regularized`) and the
    suboptimality of the returned policy in robust-regularised value."""
    from rlcert.mdp.linear import (evaluate_policy_robust_regularized,
                                   solve_robust_regularized)
    from rlcert.mdp.robust import ChiSquarePenalty, KLPenalty, TVPenalty
    from ..harness import play_offline
    lm = pevi_model(params)
    m = lm.to_tabular()
    U = {"tv": TVPenalty, "kl": KLPenalty, "chi2": ChiSquarePenalty}[params["divergence"]](
        params["rho"])
    star = float(m.initial @ solve_robust_regularized(lm, U).V[0])
    S, A = m.n_states, m.n_actions
    gaps, subs = [], []
    for j, K in enumerate(params["grid"]):
        from rlcert.estimators.base import child_sequence
        tr = play_offline(factory(lm.phi), m, np.full((S, A), 1.0 / A), int(K),
                          child_sequence(seed, j), needs_value=True)
        if tr.violation:
            return {"protocol_violation": tr.violation}
        gaps.append(star - float(m.initial @ np.asarray(tr.V)[0]))
        subs.append(star - float(m.initial @ evaluate_policy_robust_regularized(
            lm, tr.policy, U)[0]))
    return {"gap": gaps, "suboptimality": subs}


def judge_r2pvi(check: Check, trials: list[dict]):
    from ..framework import Outcome, Plot
    from ..statistics import bootstrap_slope
    from ..verdicts import rate_rule
    x = np.array(check.params["grid"], dtype=float)
    gaps = np.array([t["gap"] for t in trials])
    subs = np.array([t["suboptimality"] for t in trials])
    slope, lo, hi = bootstrap_slope(x, gaps, check.alpha)
    return Outcome(rate_rule(lo, -0.5),
                   f"V*_RR - V_hat_0 falls with slope {slope:.3f} (bootstrap [{lo:.3f}, "
                   f"{hi:.3f}]) against n^(-1/2); means {', '.join(f'{v:.4g}' for v in gaps.mean(0))}"
                   f" at K = {', '.join(f'{int(v)}' for v in x)}; policy suboptimality (robust-"
                   f"regularised) {', '.join(f'{v:.3g}' for v in subs.mean(0))}; the gap is "
                   f"non-negative in {int(np.sum(gaps >= -1e-9))}/{gaps.size} cells (pessimism)",
                   slope=slope, slope_ci=(lo, hi),
                   plots=(Plot("curves", f"{check.check_id}: V*_RR - V_hat_0", x=x, curves=gaps,
                               xlabel="trajectories K", ylabel="gap"),))


def r2pvi_practical(features):
    """The default subject: R2PVI (KL, rho = 0.5) with ``penalty_scale = 0.05`` (documented: the
    stated ``c = 1`` leaves the estimate at 0 for every data size this check affords)."""
    from rlcert.estimators.linear import R2PVI
    return R2PVI(features, divergence="kl", rho=0.5, penalty_scale=0.05)


register(Check(
    check_id="linear.r2pvi.convergence", card_id="robust.r2pvi.upper",
    title="R2PVI's pessimistic value approaches the exact d-rectangular robust-regularised "
          "optimum like n^(-1/2)",
    guarantee="rate", measured="V*_RR(rho) - V_hat_0(rho) against the number of trajectories",
    instances="a random d-rectangular model, S = 10, A = 3, d = 4, H = 4, uniform start, KL "
              "penalty rho = 0.5; K = 300 .. 30000 trajectories of the uniform behaviour policy",
    trial=trial_r2pvi, judge=judge_r2pvi, default_subject=lambda: r2pvi_practical,
    subject_kind="factory (features) -> offline estimator with fit(dataset) -> policy, V",
    n_trials=40, n_trials_quick=10, quick=False,
    params={"S": 10, "A": 3, "d": 4, "H": 4, "model_seed": 3, "divergence": "kl", "rho": 0.5,
            "grid": (300, 1000, 3000, 10000, 30000)}))
