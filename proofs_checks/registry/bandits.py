"""Bandit checks: UCB1's expected regret at every n (Theorem 1), KL-UCB's expected regret at every n
(card ``bandit.klucb_c3.upper``, every constant), the logarithmic rate of Thompson sampling's
regret (its cards give the order only), EXP3 at the horizon its rate was tuned for, EXP3 against
UCB1 on a table that traps index policies, UCB1's index coverage (the property its proof rests
on), and the Lai-Robbins ratio of KL-UCB and Thompson sampling (reported, never judged: the
bound is asymptotic). Each trial is one independent run of the
subject through the verifier's bandit harness (:func:`rlcert.proofs_checks.harness.play_bandit`):
every number judged is computed here from the arms the verifier saw played, the rewards its own
environment paid and, for EXP3, the sampling distributions the subject declared before the
verifier drew each arm."""

from __future__ import annotations

import numpy as np

from rlcert.bounds import evaluate
from rlcert.estimators.bandits import (EXP3, KLUCB, UCB1, AdversarialBandit, BernoulliBandit,
                                       BernoulliThompsonSampling, switching, ucb_trap)

from ..framework import Check, Outcome, Plot, register
from ..harness import play_bandit
from ..statistics import bootstrap_slope, clopper_pearson, clt_interval, loglog_slope
from ..verdicts import (RATE_TOL, Verdict, aggregate, expectation_verdict, frequency_rule,
                        rate_rule)

UCB1_GRID = (100, 200, 500, 1000, 2000, 5000, 10 ** 4, 2 * 10 ** 4, 5 * 10 ** 4, 10 ** 5)
UCB1_INSTANCES = ((0.9, 0.8), (0.6, 0.59, 0.5, 0.1), (0.5, 0.4, 0.3, 0.2, 0.1))


def _at(curve: np.ndarray, grid) -> list[float]:
    return [float(curve[n - 1]) for n in grid]


def pseudo_regret_curve(bandit, arms: np.ndarray) -> np.ndarray:
    """``sum_{t < n} (mu* - mu_{A_t})`` for every ``n`` (stochastic instance), from the arms."""
    return np.cumsum(bandit.gaps[arms])


def table_regret_curve(table, arms: np.ndarray, probabilities=None) -> np.ndarray:
    """Regret against the best fixed arm of an oblivious table at every ``n``: ``max_a S_{n,a} -
    sum_{t<n} x_{t,A_t}``, or with the declared sampling distributions ``p_t`` (the verifier drew
    ``A_t ~ p_t``) the expected regret ``max_a S_{n,a} - sum_{t<n} p_t . x_t``."""
    n = arms.shape[0]
    rows = table.rewards[:n]
    got = np.einsum("tk,tk->t", probabilities, rows) if probabilities is not None \
        else rows[np.arange(n), arms]
    return table.best_cumulative[:n] - np.cumsum(got)


def _broken(tr) -> dict:
    """The trial of a run that stopped at a protocol violation (``tr.violation`` set)."""
    return {"protocol_violation": tr.violation}


# -- UCB1: expected regret at every n of the grid ----------------------------------------------------
def trial_ucb1_regret(params, learner, seed, index) -> dict:
    out = []
    children = seed.spawn(len(params["instances"]))
    for child, means in zip(children, params["instances"]):
        bandit = BernoulliBandit(list(means))
        tr = play_bandit(learner, bandit, params["grid"][-1], child)
        if tr.violation:
            return _broken(tr)
        out.append(_at(pseudo_regret_curve(bandit, tr.arms), params["grid"]))
    return {"regret": out}


def judge_ucb1_regret(check: Check, trials: list[dict]) -> Outcome:
    grid = np.array(check.params["grid"])
    regret = np.array([t["regret"] for t in trials])  # trials x instances x grid
    bandits = [BernoulliBandit(list(m)) for m in check.params["instances"]]
    bounds = [np.asarray(evaluate("bandit.ucb1.upper", n=grid,
                                  **b.card_params("bandit.ucb1.upper"))) for b in bandits]
    trivial = [np.asarray(b.trivial_regret(grid)) for b in bandits]
    cells = sum(int(np.sum(bd < tr)) for bd, tr in zip(bounds, trivial))
    verdicts, ratios, plots = [], [], []
    for i, b in enumerate(bandits):
        for j, n in enumerate(grid):
            v, lo, hi = expectation_verdict(regret[:, i, j], bounds[i][j], 0.0, trivial[i][j],
                                            trivial[i][j], check.alpha / max(cells, 1))
            verdicts.append(v)
            ratios.append((b.name, int(n), float(regret[:, i, j].mean() / bounds[i][j]), str(v)))
        plots.append(Plot("curves", f"the subject on {b.name}: regret against Theorem 1",
                          x=grid, curves=regret[:, i, :], bound=bounds[i],
                          bound_label="bandit.ucb1.upper (Theorem 1)", xlabel="n",
                          ylabel="pseudo-regret"))
    status = aggregate(verdicts)
    counts = {str(v): verdicts.count(v) for v in set(verdicts)}
    decided = [r for r in ratios if r[3] != "vacuous"]
    details = (f"{len(verdicts)} cells (instance, n), {cells} non-vacuous, judged at level "
               f"{check.alpha}/{cells} each (Bonferroni): {counts}; mean/bound in the non-vacuous "
               f"cells {min(r[2] for r in decided):.3f}-{max(r[2] for r in decided):.3f}"
               if decided else f"all {len(verdicts)} cells vacuous")
    return Outcome(status, details, numbers={"cells": ratios}, plots=tuple(plots))


register(Check(
    check_id="bandits.ucb1.expected_regret", card_id="bandit.ucb1.upper",
    title="UCB1's mean regret against Auer et al.'s Theorem 1 at every n",
    guarantee="expectation", measured="cumulative pseudo-regret at n on a grid to 1e5",
    instances="Bernoulli (0.9, 0.8), (0.6, 0.59, 0.5, 0.1), (0.5, 0.4, 0.3, 0.2, 0.1)",
    trial=trial_ucb1_regret, judge=judge_ucb1_regret, default_subject=UCB1,
    subject_kind="bandit learner (bandit protocol)", protocol="bandit", n_trials=1000,
    n_trials_quick=1000, quick=True,
    params={"grid": UCB1_GRID, "instances": UCB1_INSTANCES}))


# -- KL-UCB: expected regret at every n of the grid, against every constant of the card ------------
KLUCB_GRID = (100, 200, 500, 1000, 2000, 5000)
KLUCB_INSTANCES = ((0.1, 0.9), (0.5, 0.2, 0.95), (0.3, 0.8))
KLUCB_CARD = "bandit.klucb_c3.upper"


def klucb_best_eps(n) -> np.ndarray:
    r"""The ``eps`` minimising card ``bandit.klucb_c3.upper`` at ``n``, for every arm at once.

    Per arm the card is ``5 + [g / (2 (1 - 2 eps)^2) + 5 / (2 eps^2)] / Delta^2`` with
    ``g = ln n + 3 ln ln n``; setting the derivative in ``eps`` to zero gives
    ``2 g eps^3 = 5 (1 - 2 eps)^3``, i.e. ``eps = r / (1 + 2 r)`` with ``r = (5 / (2 g))^(1/3)``.
    The card holds for every ``eps`` in ``(0, 1/2)`` (the proof fixes arbitrary shifts of the
    means), so its value at this ``eps`` is a bound at each ``n``."""
    n = np.asarray(n, dtype=np.float64)
    g = np.log(n) + 3.0 * np.log(np.log(n))
    r = np.cbrt(5.0 / (2.0 * g))
    return r / (1.0 + 2.0 * r)


def judge_klucb_regret(check: Check, trials: list[dict]) -> Outcome:
    """The mean pseudo-regret at each (instance, n) against ``bandit.klucb_c3.upper`` at its best
    ``eps`` (:func:`klucb_best_eps`), by the expectation rule with Bonferroni over the non-vacuous
    cells; a cell whose bound is at least ``n max Delta`` is ``vacuous``."""
    grid = np.array(check.params["grid"])
    regret = np.array([t["regret"] for t in trials])  # trials x instances x grid
    bandits = [BernoulliBandit(list(m)) for m in check.params["instances"]]
    eps = klucb_best_eps(grid)
    bounds = [np.asarray(evaluate(KLUCB_CARD, n=grid, eps=eps, **b.card_params(KLUCB_CARD)))
              for b in bandits]
    trivial = [np.asarray(b.trivial_regret(grid)) for b in bandits]
    cells = sum(int(np.sum(bd < tr)) for bd, tr in zip(bounds, trivial))
    verdicts, ratios, plots = [], [], []
    for i, b in enumerate(bandits):
        for j, n in enumerate(grid):
            v, _, _ = expectation_verdict(regret[:, i, j], bounds[i][j], 0.0, trivial[i][j],
                                          trivial[i][j], check.alpha / max(cells, 1))
            verdicts.append(v)
            ratios.append((b.name, int(n), float(regret[:, i, j].mean() / bounds[i][j]), str(v)))
        plots.append(Plot("curves", f"the subject on {b.name}: regret against the KL-UCB card",
                          x=grid, curves=regret[:, i, :], bound=bounds[i],
                          bound_label=f"{KLUCB_CARD} at its best eps", xlabel="n",
                          ylabel="pseudo-regret"))
    counts = {str(v): verdicts.count(v) for v in set(verdicts)}
    decided = [r for r in ratios if r[3] != "vacuous"]
    details = (f"{len(verdicts)} cells (instance, n), {cells} non-vacuous, judged at level "
               f"{check.alpha}/{cells} each (Bonferroni): {counts}; mean/bound in the non-vacuous "
               f"cells {min(r[2] for r in decided):.3f}-{max(r[2] for r in decided):.3f} (bound "
               f"at eps = {eps[0]:.3f}..{eps[-1]:.3f})"
               if decided else f"all {len(verdicts)} cells vacuous")
    return Outcome(aggregate(verdicts), details, numbers={"cells": ratios}, plots=tuple(plots))


register(Check(
    check_id="bandits.klucb.expected_regret", card_id=KLUCB_CARD,
    title="KL-UCB's mean regret against every constant of the finite-time card at every n",
    guarantee="expectation", measured="cumulative pseudo-regret at n on a grid to 5000",
    instances="Bernoulli (0.1, 0.9), (0.5, 0.2, 0.95), (0.3, 0.8) (the best arm is never arm 0, "
              "so a learner stuck on ties to the lowest arm shows)",
    trial=trial_ucb1_regret, judge=judge_klucb_regret, default_subject=KLUCB,
    subject_kind="bandit learner (bandit protocol)", protocol="bandit", n_trials=1000,
    n_trials_quick=1000, quick=True,
    params={"grid": KLUCB_GRID, "instances": KLUCB_INSTANCES}))


# -- Thompson sampling: regret grows like ln n (its cards give the order only) ---------------------
THOMPSON_GRID = (1000, 2000, 5000, 10 ** 4, 2 * 10 ** 4, 5 * 10 ** 4, 10 ** 5)
THOMPSON_INSTANCES = ((0.9, 0.5), (0.1, 0.9))


def log_rate_slope(x) -> float:
    """The log-log slope a pure ``C ln n`` curve has on the points ``x`` (least squares of
    ``ln ln n`` on ``ln n``): what a regret of order ``ln n`` shows there."""
    x = np.asarray(x, dtype=np.float64)
    return loglog_slope(x, np.log(x))


def judge_thompson_rate(check: Check, trials: list[dict]) -> Outcome:
    """Per instance, the log-log slope of the mean regret over the last decade of the grid with a
    bootstrap interval (Bonferroni over the instances), against the slope a ``C ln n`` curve has
    there (:func:`log_rate_slope`): ``inconsistent`` if the interval's lower end exceeds it by
    more than the rate tolerance. Also reports ``regret / ln n`` at every ``n`` (flat for a
    logarithmic regret)."""
    x = np.array(check.params["grid"], dtype=float)
    regret = np.array([t["regret"] for t in trials], dtype=float)  # trials x instances x grid
    last = x >= x[-1] / 10.0
    claimed = log_rate_slope(x[last])
    level = check.alpha / len(check.params["instances"])
    verdicts, rows, plots, parts = [], [], [], []
    for i, means in enumerate(check.params["instances"]):
        b = BernoulliBandit(list(means))
        slope, lo, hi = bootstrap_slope(x[last], regret[:, i, last], level)
        v = rate_rule(lo, claimed)
        verdicts.append(v)
        per_log = regret[:, i, :].mean(axis=0) / np.log(x)
        rows.append((b.name, slope, lo, hi, str(v), per_log.tolist()))
        parts.append(f"{b.name}: slope {slope:.3f} [{lo:.3f}, {hi:.3f}] {v}, regret/ln n "
                     f"{per_log[0]:.2f} at n={int(x[0])} .. {per_log[-1]:.2f} at n={int(x[-1])}")
        plots.append(Plot("curves", f"the subject on {b.name}: regret (logarithmic if order ln n)",
                          x=x, curves=regret[:, i, :], xlabel="n", ylabel="pseudo-regret"))
    if any(v is Verdict.INCONSISTENT for v in verdicts):
        status = Verdict.INCONSISTENT
    elif all(v is Verdict.CONSISTENT for v in verdicts):
        status = Verdict.CONSISTENT
    else:
        status = Verdict.REPORTED
    details = (f"log-log slope of the mean regret over n = {int(x[last][0])}..{int(x[-1])} "
               f"(bootstrap, level {check.alpha}/{len(verdicts)} each) against {claimed:.3f}, "
               f"the slope of C ln n there (tolerance {RATE_TOL}): " + "; ".join(parts)
               + " (the cards give the order only: no constant is judged)")
    decisive = max(rows, key=lambda r: r[2])  # largest lower limit: the one that decides
    return Outcome(status, details, slope=decisive[1], slope_ci=(decisive[2], decisive[3]),
                   numbers={"instances": rows, "claimed_slope": claimed},
                   plots=tuple(plots))


register(Check(
    check_id="bandits.thompson.regret_rate", card_id="bandit.thompson.upper",
    title="Thompson sampling's regret grows like ln n (its finite-time cards give the order only)",
    guarantee="rate", measured="log-log slope of the mean pseudo-regret over n = 1e4 .. 1e5",
    instances="Bernoulli (0.9, 0.5), (0.1, 0.9) (gaps large enough for regret / ln n to be "
              "nearly flat by n = 1e4)",
    trial=trial_ucb1_regret, judge=judge_thompson_rate, default_subject=BernoulliThompsonSampling,
    subject_kind="bandit learner (bandit protocol)", protocol="bandit", n_trials=200,
    n_trials_quick=50, quick=True,
    params={"grid": THOMPSON_GRID, "instances": THOMPSON_INSTANCES}))


# -- EXP3 at the tuned horizon -------------------------------------------------------------------------
EXP3_GRID = (1000, 3000, 10000)


def exp3_tables(horizon: int) -> list[AdversarialBandit]:
    return [ucb_trap(horizon, k=2), switching(horizon, k=4, period=500, seed=3),
            AdversarialBandit.sampled(BernoulliBandit([0.55] + [0.5] * 9), horizon, seed=4),
            AdversarialBandit.sampled(BernoulliBandit([0.9] + [0.1] * 9), horizon, seed=5)]


def trial_exp3(params, learner, seed, index) -> dict:
    tables = exp3_tables(max(params["grid"]))
    out = []
    children = seed.spawn(len(tables) * len(params["grid"]))
    for i, table in enumerate(tables):
        row = []
        for j, g in enumerate(params["grid"]):
            tr = play_bandit(learner, table, g, children[i * len(params["grid"]) + j],
                             record=True)
            if tr.violation:
                return _broken(tr)
            p = tr.declared if tr.declared_kind == "probabilities" else None
            row.append(float(table_regret_curve(table, tr.arms, p)[g - 1]))
        out.append(row)
    return {"regret": out}


def judge_exp3(check: Check, trials: list[dict]) -> Outcome:
    grid = check.params["grid"]
    regret = np.array([t["regret"] for t in trials])
    tables = exp3_tables(max(grid))
    cells = len(tables) * len(grid)
    verdicts, rows = [], []
    for i, table in enumerate(tables):
        for j, g in enumerate(grid):
            best = table.best_cumulative[g - 1]
            lo = best - table.rewards[:g].max(axis=1).sum()
            hi = float(table.trivial_regret(g))
            bound = float(evaluate("bandit.exp3.upper", n=g, k=table.k))
            v, _, _ = expectation_verdict(regret[:, i, j], bound, lo, hi, hi,
                                          check.alpha / cells)
            verdicts.append(v)
            rows.append((table.name[:30], g, float(regret[:, i, j].mean() / bound), str(v)))
    counts = {str(v): verdicts.count(v) for v in set(verdicts)}
    return Outcome(aggregate(verdicts),
                   f"{cells} cells (table, g), one run tuned for each g, level {check.alpha}/"
                   f"{cells} each: {counts}; mean/bound {min(r[2] for r in rows):.3f}-"
                   f"{max(r[2] for r in rows):.3f}", numbers={"cells": rows})


register(Check(
    check_id="bandits.exp3.tuned_horizon", card_id="bandit.exp3.upper",
    title="EXP3 (Lattimore-Szepesvari tuning) at the horizon its rate was tuned for",
    guarantee="expectation",
    measured="expected regret max_a S_{g,a} - sum_t p_t . x_t at n = g",
    instances="ucb_trap, a switching table, two sampled Bernoulli tables (small and large gaps); "
              "g in 1e3, 3e3, 1e4",
    trial=trial_exp3, judge=judge_exp3,
    default_subject=lambda: EXP3("lattimore-szepesvari"),
    subject_kind="bandit learner (bandit protocol; reset receives n_steps)", protocol="bandit",
    n_trials=1000, n_trials_quick=300,
    quick=False, params={"grid": EXP3_GRID}))


# -- EXP3 against UCB1 on the trap ----------------------------------------------------------------------
TRAP_GRID = (1000, 3000, 10000, 30000)


def trial_trap(params, learner, seed, index) -> dict:
    trap = ucb_trap(max(params["grid"]), k=2)
    children = seed.spawn(len(params["grid"]))
    out = []
    for j, g in enumerate(params["grid"]):
        tr = play_bandit(learner, trap, g, children[j], record=True)
        if tr.violation:
            return _broken(tr)
        p = tr.declared if tr.declared_kind == "probabilities" else None
        out.append(float(table_regret_curve(trap, tr.arms, p)[g - 1]))
    return {"regret": out}


def judge_trap(check: Check, trials: list[dict]) -> Outcome:
    x = np.array(check.params["grid"], dtype=float)
    curves = np.array([t["regret"] for t in trials])
    slope, lo, hi = bootstrap_slope(x, curves, check.alpha)
    trap = ucb_trap(int(x[-1]), k=2)
    ucb = UCB1().run(trap, n_steps=int(x[-1]), seed=0).cumulative_regret
    ucb_slope = float(np.polyfit(np.log(x), np.log([ucb[int(n) - 1] for n in x]), 1)[0])
    exp3_bound = np.array([evaluate("bandit.exp3.upper", n=float(n), k=trap.k) for n in x])
    return Outcome(rate_rule(lo, 0.5),
                   f"regret slope {slope:.3f} (bootstrap [{lo:.3f}, {hi:.3f}]) on the trap, one "
                   f"run tuned for each n; UCB1's slope there is {ucb_slope:.3f} (its regret is "
                   f"n - floor(n/2))", slope=slope, slope_ci=(lo, hi),
                   secondary={"UCB1 on the trap": rate_rule(ucb_slope, 0.5)},
                   plots=(Plot("curves", "the subject on ucb_trap (one run tuned for each n)",
                               x=x, curves=curves, bound=exp3_bound,
                               bound_label="bandit.exp3.upper: sqrt(2 n k log k)",
                               references=(("UCB1 (exact, linear)",
                                            np.array([ucb[int(n) - 1] for n in x])),),
                               xlabel="n", ylabel="regret against the best arm"),))


register(Check(
    check_id="bandits.exp3.trap", card_id="bandit.exp3.upper",
    title="EXP3 stays sublinear on the table where UCB1's regret is linear",
    guarantee="rate", measured="regret at n with EXP3 tuned for n",
    instances="ucb_trap(k=2), n in 1e3, 3e3, 1e4, 3e4", trial=trial_trap, judge=judge_trap,
    default_subject=lambda: EXP3("lattimore-szepesvari"),
    subject_kind="bandit learner (bandit protocol; reset receives n_steps)", protocol="bandit",
    n_trials=300, n_trials_quick=100,
    quick=True, params={"grid": TRAP_GRID}))


# -- UCB1's index coverage ------------------------------------------------------------------------------
def trial_coverage(params, learner, seed, index) -> dict:
    b = BernoulliBandit(list(params["means"]))
    tr = play_bandit(learner, b, params["steps"], seed, record=True)
    if tr.violation:
        return _broken(tr)
    assert tr.declared is not None  # the check requires indices(), recorded with record=True
    idx = tr.declared[:, b.best_arm].copy()
    idx[:b.k] = np.inf  # the first k steps play each arm once: no index to test
    return {"failed_at": np.flatnonzero(idx <= b.best_mean).tolist()}


def coverage_null(t):
    """The failure probability UCB1's proof allows at step ``t`` (``t`` plays made): for each
    fixed pull count ``s`` of the optimal arm, ``P(X_bar*_s + c_{t,s} <= mu*) <= t^-4``
    (Hoeffding); the count at step ``t`` is random, between 1 and ``t``, so the union over it
    gives ``t * t^-4 = t^-3``."""
    return np.asarray(t, dtype=float) ** -3.0


def judge_coverage(check: Check, trials: list[dict]) -> Outcome:
    steps, k = check.params["steps"], len(check.params["means"])
    fails = np.zeros(steps, dtype=np.int64)
    for t in trials:
        np.add.at(fails, np.asarray(t["failed_at"], dtype=np.int64), 1)
    ts = np.arange(k, steps)
    level = check.alpha / ts.size
    n = len(trials)
    null = coverage_null(ts)
    verdicts = [frequency_rule(int(fails[t]), n, float(b), level) for t, b in zip(ts, null)]
    # where t^-3 is below the upper limit that even zero failures leave, holding cannot be
    # shown with n runs: those t can only reveal a violation and are left out of 'holds'
    testable = null >= clopper_pearson(0, n, level)[1]
    status = aggregate(verdicts)
    if status is Verdict.INCONCLUSIVE and all(
            v is Verdict.HOLDS for v, ok in zip(verdicts, testable) if ok) and testable.any():
        status = Verdict.HOLDS
    counts = {str(v): verdicts.count(v) for v in set(verdicts)}
    rates = fails / n
    return Outcome(status,
                   f"P(index of the optimal arm at step t <= mu*) against t^-3 (t^-4 for each "
                   f"pull count, union over the random count) for t = {k}.."
                   f"{steps - 1} ({n} runs, Clopper-Pearson at level {check.alpha}/{ts.size}): "
                   f"{counts}; t <= {int(ts[testable].max()) if testable.any() else '-'} can "
                   f"show 'holds' with {n} runs, larger t only a violation; largest failure "
                   f"rate {rates[k:].max():.4f}",
                   numbers={"failures": fails.tolist()},
                   plots=(Plot("curves", "frequency of 'index of the optimal arm <= mu*' per "
                               "step", x=ts.astype(float), curves=rates[k:][None, :],
                               bound=null, bound_label="t^-3 (UCB1's proof)",
                               references=((f"upper limit that 0 failures in {n} runs leave",
                                            np.full(ts.size, clopper_pearson(0, n, level)[1])),),
                               xlabel="step t", ylabel="failure frequency over runs"),))


register(Check(
    check_id="bandits.ucb1.index_coverage", card_id="bandit.ucb1.upper",
    title="UCB1's index covers mu* with probability >= 1 - t^-3 at every step (the property its "
          "proof uses)",
    guarantee="high_probability", measured="whether the optimal arm's index is <= mu* at step t",
    instances="Bernoulli (0.5, 0.45), 1000 steps", trial=trial_coverage, judge=judge_coverage,
    default_subject=UCB1, subject_kind="UCB-type bandit learner declaring indices()",
    protocol="bandit", requires=("indices",),
    n_trials=30000, n_trials_quick=3000, quick=True,
    params={"means": (0.5, 0.45), "steps": 1000}))


# -- Lai-Robbins ratio (reported) -----------------------------------------------------------------------
LR_GRID = (100, 1000, 10 ** 4, 10 ** 5)


def trial_lai_robbins(params, learner, seed, index) -> dict:
    b = BernoulliBandit(list(params["means"]))
    tr = play_bandit(learner, b, params["grid"][-1], seed)
    if tr.violation:
        return _broken(tr)
    actions = tr.arms
    out = []
    for n in params["grid"]:
        out.append(np.bincount(actions[:n], minlength=b.k).tolist())
    return {"counts": out}


def judge_lai_robbins(check: Check, trials: list[dict]) -> Outcome:
    b = BernoulliBandit(list(check.params["means"]))
    grid = np.array(check.params["grid"], dtype=float)
    counts = np.array([t["counts"] for t in trials], dtype=float)  # trials x grid x arms
    rows = []
    for a in np.flatnonzero(b.suboptimal):
        scale = np.log(grid) / b.kl[a]
        for j, n in enumerate(grid):
            mean, lo, hi = clt_interval(counts[:, j, a])
            rows.append((int(a), int(n), mean / scale[j], lo / scale[j], hi / scale[j]))
    trend = ", ".join(f"n={r[1]}: {r[2]:.2f} [{r[3]:.2f}, {r[4]:.2f}]" for r in rows)
    return Outcome(Verdict.REPORTED, f"E[N_a(n)] / (ln n / kl(mu_a, mu*)): {trend} (Lai-Robbins "
                   f"is asymptotic: no direction and no pass/fail claimed)",
                   numbers={"ratios": rows})


for name, subject in (("klucb", KLUCB), ("thompson", BernoulliThompsonSampling)):
    register(Check(
        check_id=f"bandits.{name}.lai_robbins_ratio", card_id="bandit.lai_robbins.lower",
        title=f"{name}: pulls of the suboptimal arm against the Lai-Robbins constant",
        guarantee="report", measured="E[N_a(n)] / (ln n / kl(mu_a, mu*)) with a 95% interval",
        instances="Bernoulli (0.5, 0.4), n = 1e2 .. 1e5", trial=trial_lai_robbins,
        judge=judge_lai_robbins, default_subject=subject,
        subject_kind="bandit learner (bandit protocol)", protocol="bandit", n_trials=200,
        n_trials_quick=50,
        quick=False, params={"means": (0.5, 0.4), "grid": LR_GRID}))
