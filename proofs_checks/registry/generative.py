r"""Generative-model checks: empirical sample sizes against the cards, error rates in ``n`` and in
the effective horizon on Azar et al.'s hard instances, the average-reward gain error as the mixing
time grows, and the properties the plug-in analysis rests on (the sampler's concentration and the
planner's exactness in the empirical model).

**The empirical sample size.** For a grid of ``n`` (samples per pair) and ``T`` trials per ``n``,
``k(n)`` trials fail the accuracy event; ``n_emp`` is the smallest ``n`` whose one-sided
Clopper-Pearson upper limit of the failure frequency is ``<= delta``. An explicit *upper* card
would be judged by ``n_emp <= budget``; the one explicit card here is a *lower* bound
(``generative.azar2013.lower``), judged the other way: a grid ``n`` below the bound at which
failures are confidently rarer than ``delta`` contradicts it (``violated``), and when every grid
``n`` lies above the bound no run could contradict it (``vacuous``). ``order`` cards carry no
constant: only ``budget / n_emp`` is reported (how far the rate with constant 1 is from what is
needed).

**Rates.** The mean of ``||Q_hat - Q*||_inf`` over trials, log-log slope against ``n`` (claimed
``-1/2``) and against ``1/(1-gamma)`` at fixed ``n`` (claimed ``3/2``: Azar et al.'s Theorem 3
is the matching lower bound, their instances attain it), with percentile bootstrap intervals
over trials; rate verdicts never set the exit code.

**What the verifier measures.** Every estimator runs through the verifier's generative harness
(:func:`rlcert.proofs_checks.harness.play_generative`): it sees the model only through the
verifier's :class:`~rlcert.estimators.generative.Sampler`, which counts every draw and refuses
draws past the budget ``n S A``; errors are those of the estimate it returns against the oracle's
``Q*``, ``V*`` or ``g*``; the empirical model of the exactness check is rebuilt from the
next states the sampler handed out.
"""

from __future__ import annotations

import math

import numpy as np

from rlcert.bounds import evaluate
from rlcert.bounds.concentration import weissman_l1_width
from rlcert.estimators.generative import (PerturbedPlugIn, PlugIn, VarianceReducedQLearning,
                                          WangBlanchetGlynn, azar_hard, azar_stay_probability,
                                          empirical_model, family_mixing_time, lazy_cycle,
                                          sample_counts)
from rlcert.mdp import TabularMDP, evaluate_policy, instances, solve, solve_average

from ..framework import Check, Outcome, Plot, register
from ..harness import play_generative
from ..statistics import bootstrap_slope, clopper_pearson, mean_confidence_bounds
from ..verdicts import Verdict, deterministic_rule, probability_rule, rate_rule


def _q_error(Q, Q_star: np.ndarray) -> float:
    return float(np.max(np.abs(np.asarray(Q) - Q_star)))


def _run(subject, m, seed, n: int | None, needs=("Q",), **kw):
    """The harness run with a budget of ``n`` draws per pair (``None``: unlimited)."""
    budget = None if n is None else int(n) * m.n_states * m.n_actions
    return play_generative(subject, m, seed, budget=budget, needs=needs, **kw)


# -- the empirical sample size ---------------------------------------------------------------------------
def n_emp_from_failures(grid, failures, trials: int, delta: float, alpha: float):
    """``(n_emp, upper limits)``: the smallest grid ``n`` whose one-sided Clopper-Pearson upper
    limit (level ``1 - alpha``) of the failure frequency is ``<= delta`` (``inf`` if none)."""
    uppers = [clopper_pearson(int(k), trials, alpha)[1] for k in failures]
    ok = [n for n, u in zip(grid, uppers) if u <= delta]
    return (float(min(ok)) if ok else math.inf), uppers


def trial_q_accuracy(params, subject, seed, index) -> dict:
    """One trial: the estimator at every grid ``n`` (independent draws), ``||Q_hat - Q*||``."""
    m = azar_hard(params["gamma"], params["n_x"], params["A"])
    Q_star = solve(m, method="pi", tol=1e-12).Q
    children = seed.spawn(len(params["grid"]))
    errors = []
    for n, c in zip(params["grid"], children):
        tr = _run(subject, m, c, n)
        if tr.violation:
            return {"protocol_violation": f"n = {n} per pair: {tr.violation}"}
        errors.append(_q_error(tr.fields["Q"], Q_star))
    return {"errors": errors}


def judge_n_emp_lower(check: Check, trials: list[dict]) -> Outcome:
    p = check.params
    grid = np.array(p["grid"], dtype=float)
    errors = np.array([t["errors"] for t in trials])
    T = errors.shape[0]
    failures = (errors > p["eps"]).sum(axis=0)
    S, A = p["n_x"] * (1 + p["A"]) + 1, p["A"]
    card = dict(S=S, A=A, gamma=p["gamma"], eps=p["eps"], delta=check.delta)
    lower = evaluate("generative.azar2013.lower", **card) / (S * A)
    upper_order = evaluate("generative.azar2013.upper", **card) / (S * A)
    below = grid < lower
    level = check.alpha / max(int(below.sum()), 1)
    n_emp, uppers = n_emp_from_failures(grid, failures, T, check.delta, check.alpha)
    contradicted = [int(n) for n, k in zip(grid[below], failures[below])
                    if clopper_pearson(int(k), T, level)[1] <= check.delta]
    if not below.any():
        status = Verdict.VACUOUS
    elif contradicted:
        status = Verdict.VIOLATED
    elif math.isfinite(n_emp):
        status = Verdict.HOLDS
    else:
        status = Verdict.INCONCLUSIVE
    ratio = lower / n_emp if math.isfinite(n_emp) else 0.0
    ratio_order = upper_order / n_emp if math.isfinite(n_emp) else math.inf
    details = (f"n_emp = {n_emp:g} samples per pair (smallest grid n with failure frequency "
               f"<= delta = {check.delta} by Clopper-Pearson, {T} trials per n); Azar et al.'s "
               f"lower bound (explicit: 8100, 72) asks {lower:.4g} per pair: lower / n_emp = "
               f"{ratio:.3g}; {int(below.sum())} grid n below the bound, "
               f"{len(contradicted)} with confident success there; the order card "
               f"generative.azar2013.upper (constant 1) gives {upper_order:.4g} per pair: "
               f"budget / n_emp = {ratio_order:.3g} (ratio only)")
    freq = failures / T
    return Outcome(status, details, numbers={
        "n_emp": n_emp, "lower_per_pair": lower, "lower_over_n_emp": ratio,
        "azar2013_upper_order_per_pair": upper_order, "order_over_n_emp": ratio_order,
        "failure_frequency": freq.tolist(), "cp_upper": uppers, "grid": grid.tolist(),
        "contradicted": contradicted},
        plots=(Plot("curves", f"frequency of ||Q_hat - Q*|| > eps = {p['eps']} over {T} trials "
                    f"per n", x=grid, curves=freq[None, :], bound=np.full(grid.size, check.delta),
                    bound_label=f"delta = {check.delta}",
                    vlines=((f"Azar et al.'s lower bound ({lower:.3g} per pair)", lower),),
                    xlabel="n per pair", ylabel="failure frequency"),))


N_EMP_GRID = tuple(int(round(x)) for x in np.geomspace(100, 10 ** 8, 19))

register(Check(
    check_id="generative.plugin.n_emp", card_id="generative.azar2013.lower",
    title="Empirical sample size of the plug-in Q-estimate against Azar et al.'s lower bound",
    guarantee="high_probability",
    measured="failure frequency of ||Q_hat - Q*||_inf <= eps at each n; n_emp",
    instances="Azar et al.'s hard MDP, one x state, A = 2 (S = 4), gamma = 0.99, eps = 0.5, "
              "delta = 0.01; n = 1e2 .. 1e8 per pair (19 points)",
    trial=trial_q_accuracy, judge=judge_n_emp_lower, default_subject=PlugIn,
    subject_kind="generative estimator (generative protocol) returning Q", protocol="generative",
    n_trials=600, n_trials_quick=440, quick=True, delta=0.01,
    params={"gamma": 0.99, "n_x": 1, "A": 2, "eps": 0.5, "grid": N_EMP_GRID}))


# -- policy eps-optimality: order cards (ratio only) --------------------------------------------------------
def _policy_instance(params):
    return azar_hard(params["gamma"], params["n_x"], params["A"], alpha=params["alpha"])


def trial_policy_accuracy(params, subject, seed, index) -> dict:
    m = _policy_instance(params)
    V_star = solve(m, method="pi", tol=1e-12).V
    out: dict[str, list[float]] = {}
    names = sorted(subject)
    kids = seed.spawn(len(names))
    for name, kid in zip(names, kids):
        est = subject[name]
        children = kid.spawn(len(params["grid"]))
        out[name] = []
        for n, c in zip(params["grid"], children):
            tr = _run(est, m, c, n, needs=("policy",))
            if tr.violation:
                return {"protocol_violation": f"{name}, n = {n} per pair: {tr.violation}"}
            out[name].append(float(np.max(V_star - evaluate_policy(m, tr.fields["policy"]))))
    return {"loss": out}


def judge_policy_n_emp(check: Check, trials: list[dict]) -> Outcome:
    p = check.params
    grid = np.array(p["grid"], dtype=float)
    S, A = p["n_x"] * (1 + p["A"]) + 1, p["A"]
    rows, numbers, plots = [], {}, []
    for name, card in p["cards"].items():
        loss = np.array([t["loss"][name] for t in trials])
        failures = (loss > p["eps"]).sum(axis=0)
        n_emp, _ = n_emp_from_failures(grid, failures, loss.shape[0], check.delta, check.alpha)
        budget = evaluate(card, S=S, A=A, gamma=p["gamma"], eps=p["eps"], delta=check.delta)
        ratio = budget / n_emp if math.isfinite(n_emp) else math.inf
        rows.append(f"{name}: n_emp = {n_emp:g}, {card} (order, per pair) {budget:.4g}, "
                    f"budget / n_emp = {ratio:.3g}")
        numbers[name] = {"n_emp": n_emp, "card": card, "budget_per_pair": budget,
                         "budget_over_n_emp": ratio,
                         "failure_frequency": (failures / loss.shape[0]).tolist()}
        plots.append(Plot("curves", f"{name}: frequency of max_s (V* - V^pi_hat) > eps", x=grid,
                          curves=(failures / loss.shape[0])[None, :],
                          bound=np.full(grid.size, check.delta),
                          bound_label=f"delta = {check.delta}", xlabel="n per pair",
                          ylabel="failure frequency"))
    return Outcome(Verdict.REPORTED, "; ".join(rows) + " (order cards: ratios only)",
                   numbers=numbers, plots=tuple(plots))


register(Check(
    check_id="generative.policy.n_emp", card_id="generative.agarwal2020.upper",
    title="Empirical sample size of eps-optimal policies (plug-in; Li et al.'s perturbed "
          "plug-in) against the order cards",
    guarantee="report",
    measured="failure frequency of max_s (V* - V^pi_hat)(s) <= eps at each n; n_emp; "
             "budget / n_emp",
    instances="Azar et al.'s hard MDP with alpha = 0.0191 on y_00 (action 0 of x_0 better by "
              "about 1), gamma = 0.9, eps = 0.5, delta = 0.05; n = 10 .. 1e5",
    trial=trial_policy_accuracy, judge=judge_policy_n_emp,
    default_subject=lambda: {"plug-in": PlugIn(), "perturbed plug-in": PerturbedPlugIn(0.5)},
    subject_kind="dict name -> generative estimator (generative protocol) returning a policy",
    n_trials=300, n_trials_quick=100, quick=False,
    params={"gamma": 0.9, "n_x": 1, "A": 2, "alpha": 0.0191, "eps": 0.5,
            "grid": tuple(int(round(x)) for x in np.geomspace(10, 10 ** 5, 13)),
            "cards": {"plug-in": "generative.agarwal2020.upper",
                      "perturbed plug-in": "generative.li2020.upper"}}))


# -- rates ---------------------------------------------------------------------------------------------------
def judge_rate(check: Check, trials: list[dict]) -> Outcome:
    p = check.params
    x = np.array(p["x"], dtype=float)
    curves = np.array([t["errors"] for t in trials])
    slope, lo, hi = bootstrap_slope(x, curves, check.alpha)
    claimed = p["claimed"]
    means = curves.mean(axis=0)
    return Outcome(rate_rule(lo, claimed),
                   f"mean ||Q_hat - Q*||_inf against {p['xname']}: log-log slope {slope:.3f}, "
                   f"bootstrap [{lo:.3f}, {hi:.3f}] ({1 - 2 * check.alpha:.0%}), claimed "
                   f"{claimed:g}; means {', '.join(f'{v:.4g}' for v in means)} at "
                   f"{', '.join(f'{v:g}' for v in x)}", slope=slope, slope_ci=(lo, hi),
                   numbers={"means": means.tolist(), "x": x.tolist()},
                   plots=(Plot("curves", f"{check.check_id}: ||Q_hat - Q*||_inf", x=x,
                               curves=curves, xlabel=p["xname"], ylabel="error"),))


def trial_rate_n(params, subject, seed, index) -> dict:
    return trial_q_accuracy({**params, "grid": params["x"]}, subject, seed, index)


def trial_rate_horizon(params, subject, seed, index) -> dict:
    children = seed.spawn(len(params["gammas"]))
    errors = []
    for g, c in zip(params["gammas"], children):
        m = azar_hard(g, params["n_x"], params["A"])
        Q_star = solve(m, method="pi", tol=1e-12).Q
        tr = _run(subject, m, c, params["n"])
        if tr.violation:
            return {"protocol_violation": f"gamma = {g}: {tr.violation}"}
        errors.append(_q_error(tr.fields["Q"], Q_star))
    return {"errors": errors}


# -- the plug-in's exact error law ------------------------------------------------------------------------
def plugin_error_support(gamma: float) -> float:
    """The largest value of the plug-in's error ``d(K)`` on ``azar_hard(gamma, 1, 2)``, over
    ``K = 0..n``: ``max(1/(1 - gamma) - 1/(1 - gamma p), 1/(1 - gamma p) - 1)`` (every ``n``)."""
    v = 1.0 / (1.0 - gamma * azar_stay_probability(gamma))
    return max(1.0 / (1.0 - gamma) - v, v - 1.0)


def plugin_error_mean(gamma: float, n: int) -> float:
    """``E ||Q_hat - Q*||_inf`` of the plug-in on ``azar_hard(gamma, 1, 2)`` with ``n`` draws per
    pair, exactly: only the stay probability of the two ``y`` states is estimated, ``K_a / n``
    with ``K_a ~ Binomial(n, p)`` independent, so the error is ``max(d(K_0), d(K_1))``, ``d(K) =
    |1 / (1 - gamma K / n) - 1 / (1 - gamma p)|`` (the ``x`` states' errors are ``gamma d``, the
    rest exact), and ``E max = sum_i d_(i) (F_i^2 - F_(i-1)^2)`` over the sorted values of ``d``
    with their cumulative probabilities ``F``."""
    from scipy import stats

    p = azar_stay_probability(gamma)
    k = np.arange(n + 1)
    d = np.abs(1.0 / (1.0 - gamma * k / n) - 1.0 / (1.0 - gamma * p))
    order = np.argsort(d, kind="stable")
    F = np.cumsum(stats.binom.pmf(k, n, p)[order])
    return float(np.sum(d[order] * np.diff(np.concatenate(([0.0], F ** 2)))))


def judge_error_law(check: Check, trials: list[dict]) -> Outcome:
    p = check.params
    grid, gamma = p["grid"], p["gamma"]
    errors = np.array([t["errors"] for t in trials])
    top = plugin_error_support(gamma)  # the law's support is [0, top]: outside it, a violation
    level = check.alpha / (2 * len(grid))
    verdicts, rows = [], []
    for j, n in enumerate(grid):
        exact = plugin_error_mean(gamma, int(n))
        mean, lo, hi = mean_confidence_bounds(np.minimum(errors[:, j], top), level, top)
        outside = bool(np.any(errors[:, j] > top * (1 + 1e-9)))
        v = Verdict.HOLDS if lo <= exact <= hi and not outside else Verdict.VIOLATED
        verdicts.append(v)
        rows.append((int(n), mean, exact, lo, hi, str(v)))
    table = "; ".join(f"n = {r[0]}: mean {r[1]:.4g} vs exact {r[2]:.4g} [{r[3]:.4g}, {r[4]:.4g}]"
                      for r in rows)
    return Outcome(Verdict.VIOLATED if Verdict.VIOLATED in verdicts else Verdict.HOLDS,
                   f"mean ||Q_hat - Q*||_inf against its exact law (two-sided empirical-Bernstein "
                   f"bounds on [0, {top:.4g}], the law's support, level {check.alpha}/"
                   f"{2 * len(grid)} each side): {table}",
                   numbers={"cells": rows},
                   plots=(Plot("curves", "||Q_hat - Q*||_inf against the plug-in's exact mean",
                               x=np.array(grid, float), curves=errors,
                               bound=np.array([r[2] for r in rows]),
                               bound_label="exact E||Q_hat - Q*|| (binomial law)",
                               xlabel="n per pair", ylabel="error"),))


register(Check(
    check_id="generative.plugin.error_law", card_id="generative.azar2013.upper",
    title="The plug-in's error on Azar et al.'s hard MDP follows its exact binomial law",
    guarantee="expectation",
    measured="mean ||Q_hat - Q*||_inf at n per pair against E||Q_hat - Q*|| computed exactly",
    instances="Azar et al.'s hard MDP (S = 4, A = 2), gamma = 0.9, n = 100, 1000, 10000",
    trial=trial_q_accuracy, judge=judge_error_law, default_subject=PlugIn,
    subject_kind="plug-in estimator (generative protocol) returning Q", protocol="generative",
    n_trials=400, n_trials_quick=200, quick=False,
    params={"gamma": 0.9, "n_x": 1, "A": 2, "grid": (100, 1000, 10 ** 4)}))


RATE_N_GRID = (1000, 3000, 10 ** 4, 3 * 10 ** 4, 10 ** 5, 3 * 10 ** 5, 10 ** 6)

register(Check(
    check_id="generative.plugin.rate_n", card_id="generative.azar2013.upper",
    title="Plug-in value error falls like n^(-1/2) on Azar et al.'s hard MDP",
    guarantee="rate", measured="mean ||Q_hat - Q*||_inf against n per pair",
    instances="Azar et al.'s hard MDP (S = 4, A = 2), gamma = 0.9, n = 1e3 .. 1e6",
    trial=trial_rate_n, judge=judge_rate, default_subject=PlugIn,
    subject_kind="generative estimator (generative protocol) returning Q", protocol="generative",
    n_trials=400, n_trials_quick=100, quick=False,
    params={"gamma": 0.9, "n_x": 1, "A": 2, "x": RATE_N_GRID, "claimed": -0.5,
            "xname": "n per pair"}))

HORIZON_GAMMAS = (0.9, 0.97, 0.99)

register(Check(
    check_id="generative.plugin.rate_horizon", card_id="generative.azar2013.lower",
    title="Plug-in value error grows like (1/(1-gamma))^(3/2) at fixed n on Azar et al.'s hard "
          "MDPs",
    guarantee="rate", measured="mean ||Q_hat - Q*||_inf against 1/(1-gamma) at n = 1e5",
    instances="Azar et al.'s hard MDPs (S = 4, A = 2), gamma in {0.9, 0.97, 0.99}, n = 1e5 per "
              "pair (n (1 - gamma) >= 1000)",
    trial=trial_rate_horizon, judge=judge_rate, default_subject=PlugIn,
    subject_kind="generative estimator (generative protocol) returning Q", protocol="generative",
    n_trials=400, n_trials_quick=100, quick=False,
    params={"gammas": HORIZON_GAMMAS, "n_x": 1, "A": 2, "n": 10 ** 5,
            "x": tuple(1.0 / (1.0 - g) for g in HORIZON_GAMMAS), "claimed": 1.5,
            "xname": "1/(1-gamma)"}))


# -- average reward: gain error as t_mix grows --------------------------------------------------------------
GAIN_QS = (0.05, 0.025, 0.0125, 0.00625, 0.003125)


def gain_family(params) -> list[tuple[TabularMDP, float, float]]:
    """``(model, t_mix, g*)`` for each ``q``: lazy two-state cycles, ``t_mix`` the exact worst
    mixing time over deterministic policies, ``g*`` from multichain policy iteration."""
    out = []
    for q in params["qs"]:
        m = lazy_cycle(q, spread=params["spread"])
        out.append((m, family_mixing_time(m), float(solve_average(m).gain.max())))
    return out


def trial_gain(params, subject, seed, index) -> dict:
    eps = params["eps"]
    fam = gain_family(params)
    t_min = min(t for _, t, _ in fam)
    aware: list[float] = []
    blind: list[float] = []
    kids = seed.spawn(2 * len(fam))
    for j, (m, t, g) in enumerate(fam):
        est = subject(eps, t)
        for budget, out, kid in ((t, aware, kids[2 * j]), (t_min, blind, kids[2 * j + 1])):
            n = int(math.ceil(params["c_n"] * budget / eps ** 2))
            tr = _run(est, m, kid, n, needs=("gain",))
            if tr.violation:
                return {"protocol_violation": f"t_mix = {t:g}: {tr.violation}"}
            out.append(float(np.max(np.abs(tr.fields["gain"] - g))))
    return {"aware": aware, "blind": blind}


def judge_gain(check: Check, trials: list[dict]) -> Outcome:
    p = check.params
    fam = gain_family(p)
    x = np.array([t for _, t, _ in fam])
    aware = np.array([t["aware"] for t in trials])
    blind = np.array([t["blind"] for t in trials])
    s_a, lo_a, hi_a = bootstrap_slope(x, aware, check.alpha)
    s_b, lo_b, hi_b = bootstrap_slope(x, blind, check.alpha)
    power = Verdict.CONSISTENT if lo_b > 0.0 else Verdict.INCONSISTENT
    ratio = p["c_n"]  # the card's S A t_mix / eps^2 (constant 1) against n S A used
    return Outcome(rate_rule(lo_a, 0.0),
                   f"|g_hat - g*| at n = {p['c_n']:g} t_mix / eps^2 per pair (eps = {p['eps']}): "
                   f"log-log slope in t_mix {s_a:.3f}, bootstrap [{lo_a:.3f}, {hi_a:.3f}] "
                   f"(flat: claimed 0); with n = {p['c_n']:g} t_min / eps^2 (ignoring t_mix): "
                   f"slope {s_b:.3f} [{lo_b:.3f}, {hi_b:.3f}] (not flat: the check has power); "
                   f"t_mix {', '.join(f'{v:g}' for v in x)}; card average.wang2023.upper (order) "
                   f"budget / samples used = {1 / ratio:.3g}",
                   slope=s_a, slope_ci=(lo_a, hi_a),
                   secondary={"t_mix-blind budget is not flat": power},
                   numbers={"t_mix": x.tolist(), "aware_means": aware.mean(axis=0).tolist(),
                            "blind_means": blind.mean(axis=0).tolist(),
                            "blind_slope": (s_b, lo_b, hi_b)},
                   plots=(Plot("curves", "|g_hat - g*| at n proportional to t_mix / eps^2", x=x,
                               curves=aware, xlabel="t_mix", ylabel="gain error"),
                          Plot("curves", "|g_hat - g*| at n ignoring t_mix", x=x, curves=blind,
                               xlabel="t_mix", ylabel="gain error")))


register(Check(
    check_id="generative.average.gain_flat", card_id="average.wang2023.upper",
    title="Wang-Blanchet-Glynn: the gain error at n ~ t_mix / eps^2 stays flat as t_mix grows",
    guarantee="rate", measured="max_s |g_hat(s) - g*| against t_mix, two budgets",
    instances="lazy two-state cycles, q = 0.05 .. 0.003125 (t_mix 7 .. 111), spread 0.5, "
              "eps = 0.1",
    trial=trial_gain, judge=judge_gain, default_subject=lambda: WangBlanchetGlynn,
    subject_kind="factory (eps, t_mix) -> generative estimator (generative protocol) returning "
                 "gain",
    n_trials=400, n_trials_quick=100, quick=False,
    params={"qs": GAIN_QS, "spread": 0.5, "eps": 0.1, "c_n": 1.0}))


# -- the sampler's concentration (what the plug-in proofs use) ----------------------------------------------
def trial_weissman(params, subject, seed, index) -> dict:
    m = instances.garnet(params["S"], params["A"], params["branching"], seed=params["model_seed"],
                         sparse=False)
    P = m.dense_P()
    S, A = m.n_states, m.n_actions
    children = seed.spawn(len(params["grid"]))
    worst = []
    for n, c in zip(params["grid"], children):
        counts = np.asarray(subject(m, int(n), c))
        dev = np.abs(counts / n - P).sum(axis=2).max()
        width = weissman_l1_width(float(n), params["delta"] / (S * A), float(S))
        worst.append(float(dev / width))
    return {"ratio": worst, "passed": bool(max(worst) <= 1.0)}


def judge_weissman(check: Check, trials: list[dict]) -> Outcome:
    passed = np.array([t["passed"] for t in trials])
    verdict, lo, hi, more = probability_rule(int(passed.sum()), passed.size, check.delta,
                                             check.alpha)
    ratios = np.array([t["ratio"] for t in trials])
    details = (f"every pair within Weissman's L1 width (delta / SA each) at every n in "
               f"{int(passed.sum())}/{passed.size} trials, Clopper-Pearson [{lo:.4f}, {hi:.4f}] "
               f"against 1 - delta = {1 - check.delta:.2f}; largest deviation / width "
               f"{ratios.max():.3f}")
    if verdict is Verdict.INCONCLUSIVE and more:
        details += f"; about {more} trials would decide"
    failing = [t["index"] for t in trials if not t["passed"]]
    return Outcome(verdict, details, pass_rate=float(passed.mean()), pass_rate_ci=(lo, hi),
                   counterexample=failing[0] if failing and verdict is Verdict.VIOLATED else None,
                   numbers={"max_ratio": float(ratios.max())},
                   plots=(Plot("hist", "largest ||P_hat - P||_1 / width per trial",
                               curves=ratios.max(axis=1), xlabel="deviation / width",
                               ylabel="trials", reference=1.0),))


register(Check(
    check_id="generative.sampler.weissman", card_id="concentration.weissman_l1",
    title="The generative sampler's empirical rows obey Weissman's L1 bound (union over pairs)",
    guarantee="high_probability",
    measured="max over (s, a) of ||P_hat(s, a) - P(s, a)||_1 / width(n, delta / SA, S)",
    instances="Garnet(5, 2, 3) stored dense, n in 10, 100, 1000, 10000",
    trial=trial_weissman, judge=judge_weissman, default_subject=lambda: sample_counts,
    subject_kind="sampler: (m, n, seed) -> (S, A, S) next-state counts",
    n_trials=300, n_trials_quick=100, quick=False,
    params={"S": 5, "A": 2, "branching": 3, "model_seed": 7, "delta": 0.05,
            "grid": (10, 100, 1000, 10000)}))


# -- the plug-in planner's exactness in the empirical model -------------------------------------------------
def trial_empirical_optimality(params, subject, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    m = instances.garnet(int(rng.integers(2, 6)), int(rng.integers(2, 4)), 2,
                         seed=int(rng.integers(2 ** 31)), gamma=float(rng.choice((0.9, 0.99))),
                         sparse=False)
    tr = _run(subject, m, seed.spawn(1)[0], params["n"], tally=True)
    if tr.violation:
        return {"protocol_violation": tr.violation}
    exact = solve(empirical_model(m, tr.tally), method="pi", tol=1e-12)
    err = float(np.max(np.abs(tr.fields["Q"] - exact.Q)))
    allowed = params["tol"] + 2 * (exact.certificate + exact.rounding) + \
        1e-9 * max(1.0, float(np.max(np.abs(exact.V))))
    return {"gamma": m.gamma, "error": err, "bound": allowed, "passed": bool(err <= allowed)}


def judge_empirical_optimality(check: Check, trials: list[dict]) -> Outcome:
    passed = np.array([t["passed"] for t in trials])
    errs = np.array([t["error"] for t in trials])
    bad = [t["index"] for t in trials if not t["passed"]]
    return Outcome(deterministic_rule(passed),
                   f"Q_hat equals Q* of the empirical model built from the sampler's draws in "
                   f"{int(passed.sum())}/{passed.size} trials; largest distance {errs.max():.3g}"
                   + (f"; first failing trial {bad[0]}" if bad else ""),
                   pass_rate=float(passed.mean()), counterexample=bad[0] if bad else None,
                   numbers={"max_error": float(errs.max())})


register(Check(
    check_id="generative.plugin.empirical_optimality", card_id="generative.agarwal2020.upper",
    title="The plug-in estimate is the exact optimum of its empirical MDP (what Azar et al.'s "
          "and Agarwal et al.'s theorems assume)",
    guarantee="deterministic",
    measured="||Q_hat - Q*_{M_hat}||_inf, M_hat rebuilt from the next states the verifier's "
             "sampler handed out, with the model's gamma",
    instances="Garnet(S in [2, 5], A in [2, 3], branching 2), gamma in {0.9, 0.99}, n = 200",
    trial=trial_empirical_optimality, judge=judge_empirical_optimality, default_subject=PlugIn,
    subject_kind="plug-in estimator (generative protocol) returning Q", protocol="generative",
    n_trials=100, n_trials_quick=30, quick=False, params={"n": 200, "tol": 1e-8}))


# -- variance-reduced Q-learning at its own schedule (report) -----------------------------------------------
def trial_vrql(params, subject, seed, index) -> dict:
    m = azar_hard(params["gamma"], params["n_x"], params["A"])
    tr = _run(subject, m, seed, None)
    if tr.violation:
        return {"protocol_violation": tr.violation}
    return {"error": _q_error(tr.fields["Q"], solve(m, method="pi", tol=1e-12).Q),
            "per_pair": int(tr.drawn_per_pair.max())}


def judge_vrql(check: Check, trials: list[dict]) -> Outcome:
    p = check.params
    errs = np.array([t["error"] for t in trials])
    fails = int((errs > p["eps"]).sum())
    lo, hi = clopper_pearson(fails, errs.size, check.alpha)
    per_pair = trials[0]["per_pair"]
    S, A = p["n_x"] * (1 + p["A"]) + 1, p["A"]
    order = evaluate("generative.azar2013.upper", S=S, A=A, gamma=p["gamma"], eps=p["eps"],
                     delta=check.delta) / (S * A)
    return Outcome(Verdict.REPORTED,
                   f"VR-Q-learning at its schedule (c1 = c2 = 1, documented) uses {per_pair} "
                   f"samples per pair; ||Q_hat - Q*|| > eps = {p['eps']} in {fails}/{errs.size} "
                   f"trials (Clopper-Pearson [{lo:.4f}, {hi:.4f}]); largest error {errs.max():.4g};"
                   f" generative.azar2013.upper (order) / samples = {order / per_pair:.3g}",
                   numbers={"samples_per_pair": per_pair, "failures": fails,
                            "max_error": float(errs.max()), "order_over_samples": order / per_pair})


register(Check(
    check_id="generative.vrql.accuracy", card_id="generative.azar2013.upper",
    title="Variance-reduced Q-learning at its own schedule: accuracy and samples (report)",
    guarantee="report", measured="||Q_hat - Q*||_inf at the schedule for eps = 0.5, delta = 0.05",
    instances="Azar et al.'s hard MDP (S = 4, A = 2), gamma = 0.9",
    trial=trial_vrql, judge=judge_vrql,
    default_subject=lambda: VarianceReducedQLearning(0.5, 0.05),
    subject_kind="generative estimator choosing its own schedule (generative protocol) returning "
                 "Q", protocol="generative",
    n_trials=100, n_trials_quick=20, quick=False,
    params={"gamma": 0.9, "n_x": 1, "A": 2, "eps": 0.5}))
