r"""Offline-RL checks (tabular): exact concentrability, pessimism of the pessimistic estimators, the
coverage failure that separates pessimism from the plug-in, and suboptimality against Li et al.'s
bound (transcribed constants) and against ``C*``.

**What the verifier measures.** Every estimator runs through the verifier's offline harness
(:func:`rlcert.proofs_checks.harness.play_offline`): the verifier collects the data with its own
behaviour policy and randomness and calls ``fit(dataset)``; the returned policy is evaluated
exactly by the oracle (:func:`rlcert.mdp.evaluate_policy`), and ``V*`` comes from
:func:`rlcert.mdp.solve`. The checks that follow an estimator as the data grow give it prefixes
of one dataset the verifier collected (prefixes of i.i.d. transitions are i.i.d. datasets).

* **Pessimism** (``offline.*.pessimism``, high probability): ``V_hat(s) <= V^{pi_hat}(s)`` at every
  state (every stage for episodic data), Clopper-Pearson against ``1 - delta``. A trial whose
  ``V_hat`` is identically 0 (the trivial lower bound of rewards in [0, 1]) is ``vacuous``: no
  evidence either way. On :func:`~rlcert.estimators.offline.coverage_failure` at ``n = 10^6``
  Li et al.'s estimator holds, and half its penalty is caught (``tests/test_offline_checks.py``).
  The target ``1 - delta = 0.95`` (``delta`` the penalty's own parameter) is stricter than Theorem
  1's ``1 - 2 delta`` for the suboptimality: at ``0.9`` the half-penalty mutant, which fails in
  about 13% of the datasets (a risky pair whose few samples all reached the goal), would need
  some 350 trials to be told apart; the default estimator's smallest slack ``V^pi_hat - V_hat``
  (about 1.2 where ``V_hat > 0``) leaves a wide margin.
* **Coverage failure** (``offline.coverage.*``, rate): the mean suboptimality ``V*(rho) -
  V^{pi_hat}(rho)`` against ``n`` on the committed instance, claimed ``O(n^{-1/2})``: the
  log-log slope over ``n >= 10^4`` (2.5 decades) with a bootstrap interval, judged by the rate
  rule; a mean that is exactly 0 at the largest ``n`` (every trial optimal) decays faster than
  any power and is ``consistent``. The plug-in is expected ``inconsistent`` (its suboptimality
  does not decay). Rashidinejad et al.'s VI-LCB, with the constant ``c_L = 2000`` of its ``L``, has
  a penalty above ``V_max`` at every pair at these sizes: its ``V`` stays 0 and it returns its
  initial policy, the most frequent action of the first split; that policy is optimal here
  because the behaviour nearly is (``C*`` about 1.01): the imitation end of the paper's
  interpolation, not the penalty, makes its suboptimality vanish (the check's title says so).
* **Suboptimality against the bound** (``offline.li2022.suboptimality``, high probability): on
  :func:`~rlcert.estimators.offline.concentrability_family` with ``C*`` from 1 to 100, every
  ``(C*, n)`` cell ``V*(rho) - V^{pi_hat}(rho) <= eps_n`` of card ``offline.li2022.suboptimality``
  (order-only card carrying the transcribed ``c_1``, probability ``1 - 2 delta``); ``vacuous`` where ``eps_n >= 1/(1-gamma)``.
* **The exponent in C*** (``offline.li2022.c_exponent``, report): the empirical sample size
  ``n_emp(C*)`` (smallest prefix size whose policy is ``eps``-optimal, by bisection) and its
  log-log slope in ``C*`` against the card's (linear up to the log factor).
* **Concentrability** (``offline.concentrability.exact``, deterministic, quick): ``C*`` and the
  all-policy coefficient against brute force over every deterministic policy.
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from rlcert.bounds import evaluate
from rlcert.estimators.base import child_sequence, protocol_seeds
from rlcert.estimators.offline import (VILCB, Dataset, LiBernsteinLCB, PlugInOffline, TabularPEVI,
                                       all_policy_concentrability, collect_transitions,
                                       concentrability_family, coverage_failure,
                                       coverage_failure_episodic, single_policy_concentrability)
from rlcert.mdp import FiniteHorizonMDP, TabularMDP, evaluate_policy, solve

from ..framework import Check, Outcome, Plot, register
from ..harness import _Broken, estimate_field, play_offline
from ..statistics import bootstrap_slope, clopper_pearson
from ..verdicts import Verdict, probability_rule, rate_rule
from ._cells import cell, finish, judge_cells, trial_index


def _tol(*arrays) -> float:
    """``1e-9 max(1, ||x||_inf)``: rounding allowance of a value comparison."""
    scale = max([1.0] + [float(np.max(np.abs(a))) for a in arrays if np.size(a)])
    return 1e-9 * scale


def _gamma_mismatch(subject, m) -> str | None:
    g = getattr(subject, "gamma", None)
    if isinstance(m, TabularMDP) and isinstance(g, float) and m.gamma is not None \
            and abs(g - m.gamma) > 1e-12:
        return (f"the subject was built for gamma = {g}, the check's instance has gamma = "
                f"{m.gamma}")
    return None


def _fit_policy(subject, data: Dataset, n_states: int, n_actions: int):
    """``(policy, None)`` from ``subject.fit(data)``, or ``(None, reason)`` when the estimate
    breaks the offline protocol (the checks of
    :func:`~rlcert.proofs_checks.harness.play_offline`)."""
    try:
        pol = estimate_field(subject.fit(data), "policy", (n_states,))
        if not np.all((pol >= 0) & (pol < n_actions)):
            raise _Broken(f"the estimate's policy has an action outside [0, {n_actions})")
    except _Broken as exc:
        return None, str(exc)
    return pol, None


def _prefix(data: Dataset, n: int) -> Dataset:
    """The first ``n`` transitions of ``data`` (a dataset of ``n`` i.i.d. transitions)."""
    return Dataset(data.states[:n], data.actions[:n], data.rewards[:n], data.next_states[:n],
                   n_states=data.n_states, n_actions=data.n_actions, behaviour=data.behaviour,
                   info={**data.info, "prefix": n})


# -- exact concentrability -------------------------------------------------------------------------
def concentrability_coefficients(m, behaviour) -> tuple[float, float]:
    """The default subject of ``offline.concentrability.exact``: ``(C*, C_all)`` from
    :func:`single_policy_concentrability` and :func:`all_policy_concentrability`."""
    return (single_policy_concentrability(m, behaviour).C_star,
            all_policy_concentrability(m, behaviour).C_all)


def _ratio(num: np.ndarray, den: np.ndarray) -> float:
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(num > 1e-14, np.where(den > 1e-14, num / den, np.inf), 0.0)
    return float(r.max())


def brute_force_concentrability(P: np.ndarray, R: np.ndarray, gamma: float, rho: np.ndarray,
                                W_mu: np.ndarray) -> tuple[float, float, float]:
    """``(min, max)`` of ``C*`` over the deterministic optimal policies and ``C_all``, by
    enumerating every deterministic policy: ``d^pi = (1 - gamma) (I - gamma P_pi^T)^{-1} rho``,
    ``V^pi = (I - gamma P_pi)^{-1} r_pi`` by dense solves (no rlcert oracle)."""
    S, A, _ = P.shape
    I = np.eye(S)
    P_mu = np.einsum("sa,sat->st", W_mu, P)
    d_mu = ((1 - gamma) * np.linalg.solve(I - gamma * P_mu.T, rho))[:, None] * W_mu
    values, ratios = [], []
    for pi in itertools.product(range(A), repeat=S):
        idx = np.arange(S), np.array(pi)
        P_pi, r_pi = P[idx], R[idx]
        V = np.linalg.solve(I - gamma * P_pi, r_pi)
        d = np.zeros((S, A))
        d[idx] = (1 - gamma) * np.linalg.solve(I - gamma * P_pi.T, rho)
        values.append(V)
        ratios.append(_ratio(d, d_mu))
    V_all = np.array(values)
    best = V_all.max(axis=0)
    opt = np.all(V_all >= best - 1e-10 * max(1.0, float(np.abs(best).max())), axis=1)
    opt_ratios = np.array(ratios)[opt]
    return float(opt_ratios.min()), float(opt_ratios.max()), float(max(ratios))


def concentrability_instance(params, index: int, rng) -> tuple[TabularMDP, np.ndarray]:
    """Trial 0: the committed family at ``C = 7`` (``C* = C_all = 7``); trial 1: the
    coverage-failure instance; later trials: random small models (sparse Dirichlet rows, random
    start distribution, behaviour with some zero probabilities, so that both coefficients are
    sometimes infinite)."""
    if index == 0:
        return concentrability_family(7.0, n_states=3, gamma=0.9)
    if index == 1:
        return coverage_failure(1000)
    S, A = int(rng.integers(2, params["max_S"] + 1)), int(rng.integers(2, params["max_A"] + 1))
    P = rng.dirichlet(np.full(S, 0.5), size=(S, A))
    P[rng.random((S, A, S)) < 0.3] = 0.0
    P[np.arange(S)[:, None], np.arange(A)[None, :], rng.integers(0, S, (S, A))] += 1e-3
    P /= P.sum(axis=2, keepdims=True)
    R = rng.random((S, A))
    rho = rng.dirichlet(np.ones(S)) if rng.random() < 0.5 else np.eye(S)[rng.integers(S)]
    gamma = float(rng.choice((0.5, 0.9)))
    W = rng.random((S, A)) * (rng.random((S, A)) > 0.25)
    W[np.arange(S), rng.integers(0, A, S)] += 0.1
    W /= W.sum(axis=1, keepdims=True)
    return TabularMDP(P, R, gamma, initial=rho), W


def _same(a: float, b: float) -> float:
    """Relative distance of two coefficients (0 when both are infinite)."""
    if math.isinf(a) or math.isinf(b):
        return 0.0 if a == b else math.inf
    return abs(a - b) / max(1.0, abs(b))


def trial_concentrability(params, subject, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    m, W = concentrability_instance(params, trial_index(seed), rng)
    assert m.gamma is not None  # concentrability_instance's models are discounted
    P = m.dense_P()
    lo, hi, c_all = brute_force_concentrability(P, np.array(m.R), m.gamma, m.initial, W)
    c_star, c_all_subject = (float(x) for x in subject(m, W))
    if math.isinf(c_star):
        outside = 0.0 if math.isinf(hi) else math.inf
    else:
        scale = max(1.0, abs(hi)) if math.isfinite(hi) else 1.0
        outside = max(0.0, lo - c_star, c_star - hi) / scale
    tol = params["tol"]
    return finish([cell("C* within the optimal policies' range", outside, tol),
                   cell("C_all equals brute force", _same(c_all_subject, c_all), tol)],
                  C_star=c_star, C_star_range=(lo, hi), C_all=c_all_subject, C_all_brute=c_all)


register(Check(
    check_id="offline.concentrability.exact", card_id=None,
    title="Single-policy and all-policy concentrability equal brute force over deterministic "
          "policies",
    guarantee="deterministic",
    measured="C* against [min, max] over the optimal deterministic policies, C_all against the "
             "maximum over all deterministic policies (dense solves, no rlcert oracle)",
    instances="the committed family at C = 7 (S = 3), the coverage-failure instance, random "
              "models with S <= 4, A <= 3, gamma in {0.5, 0.9}, behaviours with zeros",
    trial=trial_concentrability, judge=judge_cells,
    default_subject=lambda: concentrability_coefficients,
    subject_kind="function (TabularMDP, behaviour (S, A)) -> (C_star, C_all)",
    n_trials=60, n_trials_quick=30, quick=True,
    params={"max_S": 4, "max_A": 3, "tol": 1e-9}))


# -- pessimism -------------------------------------------------------------------------------------
def pessimism_instance(params):
    if params["instance"] == "coverage":
        return coverage_failure(params["n"], gamma=params["gamma"])
    if params["instance"] == "coverage_episodic":
        return coverage_failure_episodic(params["n"], horizon=params["H"])
    raise ValueError(f"unknown instance {params['instance']!r}")


def trial_pessimism(params, subject, seed, index) -> dict:
    """One dataset, one fit; ``max (V_hat - V^{pi_hat})`` over states (and stages)."""
    m, mu = pessimism_instance(params)
    bad = _gamma_mismatch(subject, m)
    if bad:
        return {"protocol_violation": bad}
    tr = play_offline(subject, m, mu, params["n"], seed, needs_value=True,
                      reward_noise=params.get("reward_noise", "none"))
    if tr.violation:
        return {"protocol_violation": tr.violation}
    V_pi = np.asarray(evaluate_policy(m, tr.policy))
    V_hat = np.asarray(tr.V, dtype=float)
    if isinstance(m, FiniteHorizonMDP):
        if V_hat.shape == (m.horizon + 1, m.n_states):
            diff = V_hat - V_pi
        elif V_hat.shape == (m.n_states,):
            diff = V_hat - V_pi[0]
        else:
            return {"protocol_violation": f"the estimate's V has shape {V_hat.shape}; expected "
                                          f"({m.horizon + 1}, {m.n_states}) or ({m.n_states},)"}
    elif V_hat.shape == (m.n_states,):
        diff = V_hat - V_pi
    else:
        return {"protocol_violation": f"the estimate's V has shape {V_hat.shape}; expected "
                                      f"({m.n_states},)"}
    tol = _tol(V_pi, V_hat)
    margin = float(diff.max())
    live = V_hat > tol  # where the estimate says something (diff has V_hat's shape)
    slack = float((-diff)[live].min()) if np.any(live) else math.nan
    return {"margin": margin, "passed": bool(margin <= tol), "slack": slack,
            "vacuous": bool(np.all(np.abs(V_hat) <= tol)),
            "v_hat": float(np.max(V_hat)), "v_pi": float(np.max(V_pi))}


def judge_pessimism(check: Check, trials: list[dict]) -> Outcome:
    live = [t for t in trials if not t["vacuous"]]
    margins = np.array([t["margin"] for t in trials])
    n_vac = len(trials) - len(live)
    failing = [t["index"] for t in trials if not t["passed"]]
    plots = (Plot("hist", f"{check.check_id}: largest V_hat - V^pi_hat per trial", curves=margins,
                  xlabel="max_s (V_hat - V^pi_hat)(s)", ylabel="trials", reference=0.0),)
    if not live:
        return Outcome(Verdict.VACUOUS,
                       f"V_hat = 0 (the trivial lower bound) in all {len(trials)} trials: the "
                       f"penalty exceeds every value at this data size, no evidence either way",
                       numbers={"vacuous_trials": n_vac, "largest_margin": float(margins.max())},
                       plots=plots)
    passed = np.array([t["passed"] for t in live])
    slacks = np.array([t.get("slack", math.nan) for t in live], dtype=float)
    slack_min = float(np.nanmin(slacks)) if np.isfinite(slacks).any() else math.nan
    slack_med = float(np.nanmedian(slacks)) if np.isfinite(slacks).any() else math.nan
    verdict, lo, hi, more = probability_rule(int(passed.sum()), passed.size, check.delta,
                                             check.alpha)
    details = (f"V_hat <= V^pi_hat at every state in {int(passed.sum())}/{passed.size} "
               f"non-vacuous trials ({n_vac} vacuous: V_hat = 0), Clopper-Pearson [{lo:.4f}, "
               f"{hi:.4f}] against 1 - delta = {1 - check.delta:.2f}; largest V_hat - V^pi_hat "
               f"{margins.max():.4g}; smallest V^pi_hat - V_hat where V_hat > 0: "
               f"{slack_min:.4g} (median over trials {slack_med:.4g})")
    if verdict is Verdict.INCONCLUSIVE and more:
        details += f"; about {more} trials would decide"
    return Outcome(verdict, details, pass_rate=float(passed.mean()), pass_rate_ci=(lo, hi),
                   counterexample=failing[0] if failing and verdict is Verdict.VIOLATED else None,
                   numbers={"largest_margin": float(margins.max()), "vacuous_trials": n_vac,
                            "violations": len(failing), "smallest_slack": slack_min,
                            "median_slack": slack_med},
                   plots=plots)


_COVERAGE = "the coverage-failure instance (S = 5, A = 2, gamma = 0.9, q = 0.3, r_meadow = 0.36)"

register(Check(
    check_id="offline.li2022.pessimism", card_id="offline.li2022.suboptimality",
    title="Li et al.'s VI-LCB (Bernstein penalty, c_b = 144) is pessimistic: V_hat <= V^pi_hat",
    guarantee="high_probability",
    measured="max_s (V_hat - V^pi_hat)(s), V^pi_hat exact by the oracle",
    instances=f"{_COVERAGE}, n = 10^6 transitions (the risky pair seen about 1.2 times)",
    trial=trial_pessimism, judge=judge_pessimism,
    default_subject=lambda: LiBernsteinLCB(0.9),
    subject_kind="offline estimator for gamma = 0.9 (offline protocol) returning policy and V",
    protocol="offline", n_trials=300, n_trials_quick=80, quick=False, delta=0.05,
    params={"instance": "coverage", "n": 10 ** 6, "gamma": 0.9}))

register(Check(
    check_id="offline.vi_lcb.pessimism", card_id="offline.vi_lcb.upper",
    title="Rashidinejad et al.'s VI-LCB is pessimistic: V_hat <= V^pi_hat",
    guarantee="high_probability",
    measured="max_s (V_hat - V^pi_hat)(s), V^pi_hat exact by the oracle",
    instances=f"{_COVERAGE}, n = 10^6 transitions",
    trial=trial_pessimism, judge=judge_pessimism,
    default_subject=lambda: VILCB(0.9),
    subject_kind="offline estimator for gamma = 0.9 (offline protocol) returning policy and V",
    protocol="offline", n_trials=200, n_trials_quick=40, quick=False, delta=0.05,
    params={"instance": "coverage", "n": 10 ** 6, "gamma": 0.9}))

register(Check(
    check_id="offline.pevi.pessimism", card_id="offline.pevi.upper",
    title="Tabular PEVI is pessimistic: V_hat_h <= V^pi_hat_h at every stage",
    guarantee="high_probability",
    measured="max_{h,s} (V_hat_h - V^pi_hat_h)(s), V^pi_hat exact by backward induction",
    instances="the episodic coverage-failure instance (S = 5, A = 2, H = 3), K = 2 10^5 "
              "trajectories",
    trial=trial_pessimism, judge=judge_pessimism,
    default_subject=lambda: TabularPEVI(),
    subject_kind="offline estimator (offline protocol) returning policy (H, S) and V",
    protocol="offline", n_trials=200, n_trials_quick=60, quick=False, delta=0.05,
    params={"instance": "coverage_episodic", "n": 2 * 10 ** 5, "H": 3}))


# -- coverage failure: plug-in against pessimism ---------------------------------------------------
def trial_coverage(params, subject, seed, index) -> dict:
    """At every grid ``n``: the instance for ``n`` (the risky pair seen about ``m_bar`` times), a
    fresh dataset, and ``V*(rho) - V^{pi_hat}(rho)``."""
    subs, V_star = [], None
    for j, n in enumerate(params["grid"]):
        m, mu = coverage_failure(int(n), gamma=params["gamma"])  # the model does not depend on n
        bad = _gamma_mismatch(subject, m)
        if bad:
            return {"protocol_violation": bad}
        tr = play_offline(subject, m, mu, int(n), child_sequence(seed, j))
        if tr.violation:
            return {"protocol_violation": f"n = {n}: {tr.violation}"}
        if V_star is None:
            V_star = solve(m, method="pi", tol=1e-12).V
        subs.append(float(m.initial @ (V_star - evaluate_policy(m, tr.policy))))
    return {"suboptimality": subs}


def judge_decay(check: Check, trials: list[dict]) -> Outcome:
    """Rate rule on the mean suboptimality over ``n >= fit_from`` (the first grid point, at which
    even the well-covered pairs are estimated from few samples, is left out); a mean that is 0 at
    the largest ``n`` (within rounding) in every trial is ``consistent`` (it decays faster than any
    power)."""
    p = check.params
    x = np.array(p["grid"], dtype=float)
    curves = np.array([t["suboptimality"] for t in trials])
    means = curves.mean(axis=0)
    zero = curves[:, -1] <= 1e-9
    claimed = p["claimed"]
    # per trial the suboptimality is 0 or a gap: the mean, not the median, shows the rate
    plots = (Plot("curves", f"{check.check_id}: mean V*(rho) - V^pi_hat(rho) over "
                  f"{len(trials)} trials", x=x, curves=means[None, :],
                  references=(("fraction of trials suboptimal", (curves > 1e-9).mean(axis=0)),),
                  xlabel="n (transitions)", ylabel="suboptimality"),)
    row = ", ".join(f"{v:.4g}" for v in means)
    if np.all(zero):
        lo_p, hi_p = clopper_pearson(0, len(trials), check.alpha)
        return Outcome(Verdict.CONSISTENT,
                       f"mean suboptimality {row} at n = {', '.join(f'{v:g}' for v in x)}: 0 in "
                       f"all {len(trials)} trials at n = {x[-1]:g} (P(suboptimal) <= {hi_p:.3g}, "
                       f"Clopper-Pearson): it vanishes, consistent with the claimed n^{claimed:g}",
                       numbers={"means": means.tolist(), "x": x.tolist(),
                                "p_suboptimal_upper": hi_p}, plots=plots)
    last = x >= p.get("fit_from", x[0])
    slope, lo, hi = bootstrap_slope(x[last], curves[:, last], check.alpha)
    return Outcome(rate_rule(lo, claimed),
                   f"mean suboptimality {row} at n = {', '.join(f'{v:g}' for v in x)}; "
                   f"log-log slope over n >= {x[last][0]:g} {slope:.3f}, bootstrap "
                   f"[{lo:.3f}, {hi:.3f}] "
                   f"({1 - 2 * check.alpha:.0%}), claimed {claimed:g}; suboptimal in "
                   f"{int((~zero).sum())}/{len(trials)} trials at n = {x[-1]:g}",
                   slope=slope, slope_ci=(lo, hi),
                   numbers={"means": means.tolist(), "x": x.tolist()}, plots=plots)


COVERAGE_GRID = (10 ** 3, 10 ** 4, 10 ** 5, 3 * 10 ** 5, 10 ** 6, 3 * 10 ** 6)


def _coverage(check_id, card, factory, title, n_trials, n_quick):
    register(Check(
        check_id=check_id, card_id=card, title=title, guarantee="rate",
        measured="mean V*(rho) - V^pi_hat(rho) against n, exact by the oracle",
        instances=f"{_COVERAGE}, the risky pair seen about 1.2 times whatever n; n = 10^3 .. "
                  f"3 10^6",
        trial=trial_coverage, judge=judge_decay, default_subject=factory,
        subject_kind="offline estimator for gamma = 0.9 (offline protocol) returning a policy",
        protocol="offline", n_trials=n_trials, n_trials_quick=n_quick, quick=False,
        params={"gamma": 0.9, "grid": COVERAGE_GRID, "claimed": -0.5, "fit_from": 10 ** 4}))


_coverage("offline.coverage.plugin", "offline.li2022.suboptimality", lambda: PlugInOffline(0.9),
          "The plug-in's suboptimality does not decay on the coverage-failure instance "
          "(expected inconsistent with n^(-1/2))", 200, 40)
_coverage("offline.coverage.li2022", "offline.li2022.suboptimality", lambda: LiBernsteinLCB(0.9),
          "Li et al.'s VI-LCB: suboptimality vanishes on the coverage-failure instance", 100, 20)
_coverage("offline.coverage.vi_lcb", "offline.vi_lcb.upper", lambda: VILCB(0.9),
          "Rashidinejad et al.'s VI-LCB: suboptimality vanishes on the coverage-failure instance "
          "(with c_L = 2000 its penalty exceeds V_max at these n: it returns its initial policy, "
          "the most frequent action of its first split)", 100, 20)


# -- suboptimality against Li et al.'s bound (transcribed constants), C* from 1 to 100 ----------------------------
def _family_data(params, C: float, seed, n: int):
    m, mu = concentrability_family(C, n_states=params["S"], gamma=params["gamma"],
                                   r_decoy=params["r_decoy"])
    env, _ = protocol_seeds(seed)
    return m, collect_transitions(m, mu, n, env)


def _suboptimality(m, V_star, policy) -> float:
    return float(m.initial @ (V_star - evaluate_policy(m, policy)))


def trial_bound(params, subject, seed, index) -> dict:
    """For every ``C``: one dataset of ``max(grid)`` transitions; at each grid ``n`` the subject
    fits the first ``n``; cells ``suboptimality <= eps_n`` (card ``offline.li2022.suboptimality``
    at ``C_cov = C*``), vacuous when ``eps_n >= 1/(1-gamma)``."""
    grid = [int(n) for n in params["grid"]]
    cells, subs = [], []
    for i, C in enumerate(params["C"]):
        m, data = _family_data(params, C, child_sequence(seed, i), max(grid))
        bad = _gamma_mismatch(subject, m)
        if bad:
            return {"protocol_violation": bad}
        c_star = single_policy_concentrability(m, np.array(data.behaviour)).C_star
        V_star = solve(m, method="pi", tol=1e-12).V
        row = []
        for n in grid:
            pol, why = _fit_policy(subject, _prefix(data, n), m.n_states, m.n_actions)
            if why:
                return {"protocol_violation": f"C = {C}, n = {n}: {why}"}
            sub = _suboptimality(m, V_star, pol)
            bound = evaluate("offline.li2022.suboptimality", n=n, S=m.n_states, C_cov=c_star,
                             gamma=m.gamma, delta=params["delta"])
            cells.append(cell(f"C* = {c_star:g}, n = {n}", sub, bound, 1.0 / (1.0 - m.gamma)))
            row.append(sub)
        subs.append(row)
    return finish(cells, suboptimality=subs)


def judge_bound(check: Check, trials: list[dict]) -> Outcome:
    """High-probability rule (probability ``1 - 2 delta``, Theorem 1) over the trials with a
    non-vacuous cell; ``vacuous`` when every cell's bound is at least ``1/(1-gamma)``. The mean
    suboptimality is also set against the rate with constant 1, ``sqrt(S C* log(n S / ((1-gamma)
    delta)) / ((1-gamma)^3 n))``."""
    p = check.params
    grid = np.array(p["grid"], dtype=float)
    subs = np.array([t["suboptimality"] for t in trials])  # trials x C x n
    means = subs.mean(axis=0)
    g, S = p["gamma"], p["S"]
    rate1 = np.array([[math.sqrt(S * C * math.log(n * S / ((1 - g) * p["delta"])) /
                                 ((1 - g) ** 3 * n)) for n in grid] for C in p["C"]])
    bound = np.array([evaluate("offline.li2022.suboptimality", n=grid, S=S, C_cov=C, gamma=g,
                               delta=p["delta"]) for C in p["C"]])
    ratio1 = float(np.max(means / rate1))
    plots = tuple(Plot("curves", f"C* = {C:g}: V*(rho) - V^pi_hat(rho)", x=grid, curves=subs[:, i],
                       bound=bound[i], bound_label="Li et al. Theorem 1 (c_1 = 21000 * 144)",
                       references=(("rate with constant 1", rate1[i]),),
                       xlabel="n (transitions)", ylabel="suboptimality")
                  for i, C in enumerate(p["C"]))
    live = [t for t in trials if not t["vacuous"]]
    summary = "; ".join(f"C* = {C:g}: mean {', '.join(f'{v:.3g}' for v in means[i])}"
                        for i, C in enumerate(p["C"]))
    # the constant c_1 the measured means would need in the rate sqrt(c_1 S C* log / ...)
    numbers = {"means": means.tolist(), "grid": grid.tolist(), "C": list(p["C"]),
               "bound_min": float(bound.min()), "max_mean_over_rate1": ratio1,
               "c1_needed_by_means": ratio1 ** 2}
    if not live:
        return Outcome(Verdict.VACUOUS,
                       f"Li et al.'s bound (transcribed constants) is at least 1/(1-gamma) = {1 / (1 - g):g} at "
                       f"every (C*, n) (smallest {bound.min():.4g}): no run could contradict it; "
                       f"{summary} at n = {', '.join(f'{v:g}' for v in grid)}; largest mean / "
                       f"(rate with constant 1) = {ratio1:.3g}, i.e. the means need c_1 >= "
                       f"{ratio1 ** 2:.3g} (the theorem's c_1 = 3 024 000)",
                       numbers=numbers, plots=plots)
    passed = np.array([t["passed"] for t in live])
    verdict, lo, hi, _ = probability_rule(int(passed.sum()), passed.size, check.delta,
                                          check.alpha)
    return Outcome(verdict, f"every non-vacuous cell held in {int(passed.sum())}/{passed.size} "
                            f"trials, Clopper-Pearson [{lo:.4f}, {hi:.4f}] against 1 - 2 delta = "
                            f"{1 - check.delta:.2f}; {summary}; largest mean / rate1 = "
                            f"{ratio1:.3g}",
                   pass_rate=float(passed.mean()), pass_rate_ci=(lo, hi), numbers=numbers,
                   plots=plots)


C_GRID = (1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0)

register(Check(
    check_id="offline.li2022.suboptimality", card_id="offline.li2022.suboptimality",
    title="Li et al.'s VI-LCB: suboptimality against Theorem 1's bound (transcribed constants) as n grows, C* "
          "from 1 to 100",
    guarantee="high_probability",
    measured="V*(rho) - V^pi_hat(rho) (exact) against eps_n = sqrt(c_1 S C* log(n S / "
             "((1-gamma) delta)) / ((1-gamma)^3 n)), c_1 = 3 024 000, at every (C*, n)",
    instances="the concentrability family (S = 2, gamma = 0.5, rewards 1 and 0.25, C* = C "
              "exactly) for C in 1 .. 100; prefixes n = 10^3 .. 3 10^6 of one dataset per C",
    trial=trial_bound, judge=judge_bound, default_subject=lambda: LiBernsteinLCB(0.5),
    subject_kind="offline estimator for gamma = 0.5 (offline protocol) returning a policy",
    protocol="offline", n_trials=40, n_trials_quick=4, quick=False, delta=0.1,
    params={"S": 2, "gamma": 0.5, "r_decoy": 0.25, "delta": 0.05, "C": C_GRID,
            "grid": (10 ** 3, 10 ** 4, 10 ** 5, 10 ** 6, 3 * 10 ** 6)}))


# -- the exponent in C* of the sample size ---------------------------------------------------------
def trial_c_exponent(params, subject, seed, index) -> dict:
    """For every ``C``: one dataset of ``n_max(C) = n_per_c * S * C`` transitions (at least
    ``n_min``); ``n_emp(C)`` is the smallest prefix size (bisection on a log scale, to a factor
    ``1 + resolution``) whose policy is ``eps``-optimal (``inf`` if even ``n_max`` is not)."""
    out = []
    for i, C in enumerate(params["C"]):
        n_max = max(params["n_min"], int(params["n_per_c"] * params["S"] * C))
        m, data = _family_data(params, C, child_sequence(seed, i), n_max)
        bad = _gamma_mismatch(subject, m)
        if bad:
            return {"protocol_violation": bad}
        V_star = solve(m, method="pi", tol=1e-12).V

        def ok(n: int):
            pol, why = _fit_policy(subject, _prefix(data, n), m.n_states, m.n_actions)
            if why:
                raise _Broken(f"C = {C}, n = {n}: {why}")
            return _suboptimality(m, V_star, pol) <= params["eps"]

        try:
            if not ok(n_max):
                out.append(math.inf)
                continue
            lo, hi = params["n_lo"], n_max
            if ok(lo):
                out.append(float(lo))
                continue
            while hi > lo * (1.0 + params["resolution"]):
                mid = int(round(math.sqrt(lo * hi)))
                lo, hi = (lo, mid) if ok(mid) else (mid, hi)
            out.append(float(hi))
        except _Broken as exc:
            return {"protocol_violation": str(exc)}
    return {"n_emp": out}


def judge_c_exponent(check: Check, trials: list[dict]) -> Outcome:
    p = check.params
    C = np.array(p["C"], dtype=float)
    n_emp = np.array([t["n_emp"] for t in trials], dtype=float)
    finite = np.all(np.isfinite(n_emp), axis=0)
    use = finite & (C >= p["fit_from"])
    card = np.array([evaluate("offline.li2022.upper", S=p["S"], C_cov=c, gamma=p["gamma"],
                              eps=p["eps"], delta=p["delta"]) for c in C])
    card_slope = float(np.polyfit(np.log(C[use]), np.log(card[use]), 1)[0]) if use.sum() > 1 \
        else math.nan
    slope, lo, hi = (bootstrap_slope(C[use], n_emp[:, use], check.alpha) if use.sum() > 1
                     else (math.nan, math.nan, math.nan))
    med = np.median(n_emp, axis=0)
    rows = ", ".join(f"C* = {c:g}: {v:.4g}" for c, v in zip(C, med))
    return Outcome(Verdict.REPORTED,
                   f"median n_emp (eps = {p['eps']}) {rows}; log-log slope in C* over C* >= "
                   f"{p['fit_from']:g}: {slope:.3f}, bootstrap [{lo:.3f}, {hi:.3f}] "
                   f"({1 - 2 * check.alpha:.0%}); card offline.li2022.upper's slope over the "
                   f"same range {card_slope:.3f} (linear in C*, with its log factor); the card "
                   f"asks {card.min():.3g} .. {card.max():.3g} transitions "
                   f"(n_emp / card {np.max(med / card):.2g} at most)",
                   slope=slope, slope_ci=(lo, hi),
                   numbers={"C": C.tolist(), "median_n_emp": med.tolist(),
                            "card_slope": card_slope, "card": card.tolist(),
                            "n_emp_at_C1": float(med[0])},
                   plots=(Plot("curves", f"{check.check_id}: empirical sample size against C*",
                               x=C, curves=n_emp, bound=card, bound_label="offline.li2022.upper",
                               xlabel="C*", ylabel="n_emp (transitions)"),))


register(Check(
    check_id="offline.li2022.c_exponent", card_id="offline.li2022.upper",
    title="Li et al.'s VI-LCB: the empirical sample size grows linearly in C* (report)",
    guarantee="report",
    measured="n_emp(C*), the smallest prefix size with V*(rho) - V^pi_hat(rho) <= eps (bisection), "
             "and its log-log slope in C*",
    instances="the concentrability family (S = 2, gamma = 0.5, rewards 1 and 0.25), C* = 1 .. "
              "100, eps = 0.1",
    trial=trial_c_exponent, judge=judge_c_exponent, default_subject=lambda: LiBernsteinLCB(0.5),
    subject_kind="offline estimator for gamma = 0.5 (offline protocol) returning a policy",
    protocol="offline", n_trials=20, n_trials_quick=5, quick=False,
    params={"S": 2, "gamma": 0.5, "r_decoy": 0.25, "delta": 0.05, "eps": 0.1, "C": C_GRID,
            "n_per_c": 2 * 10 ** 4, "n_min": 10 ** 5, "n_lo": 100, "resolution": 0.02,
            "fit_from": 2.0}))
