"""Coverage checks of the concentration cards: each trial draws one sample, computes the width
(the subject: by default the compiled function of :mod:`rlcert.bounds.concentration`) and records
whether the deviation stayed within it; the pass rate is judged against ``1 - delta``."""

from __future__ import annotations

import numpy as np

from rlcert.bounds import concentration as conc

from ..framework import Check, Outcome, Plot, register
from ..verdicts import Verdict, is_vacuous, probability_rule

DELTA = 0.05


def trial_hoeffding(params, width, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    n, p = params["n"], params["p"]
    mean = rng.binomial(n, p) / n
    w = width(n, DELTA, 1.0)
    return {"deviation": abs(mean - p), "width": w, "range": 1.0,
            "passed": bool(abs(mean - p) <= w)}


def trial_bernstein(params, width, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    n, p = params["n"], params["p"]
    mean = rng.binomial(n, p) / n
    w = width(n, DELTA, p * (1 - p), 1.0 - p)
    return {"deviation": mean - p, "width": w, "range": 1.0, "passed": bool(mean - p <= w)}


def trial_empirical_bernstein(params, width, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    n, p = params["n"], params["p"]
    x = (rng.random(n) < p).astype(float)
    w = width(n, DELTA, float(x.var(ddof=1)))
    return {"deviation": p - x.mean(), "width": w, "range": 1.0,
            "passed": bool(p - x.mean() <= w)}


def trial_weissman(params, width, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    n, S = params["n"], params["S"]
    p = np.ones(S) / S
    dev = float(np.abs(rng.multinomial(n, p) / n - p).sum())
    w = width(n, DELTA, S)
    return {"deviation": dev, "width": w, "range": 2.0, "passed": bool(dev <= w)}


def trial_kl(params, radius, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    n, p = params["n"], params["p"]
    mean = rng.binomial(n, p) / n
    r = radius(n, DELTA)
    ucb = conc.kl_upper(mean, r)
    return {"deviation": p - mean, "width": ucb - mean, "range": 1.0, "passed": bool(p <= ucb)}


def trial_freedman(params, width, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    steps, sigma2 = params["steps"], params["sigma2"]
    t = width(sigma2, DELTA, 1.0)
    S = W = 0.0
    crossed = False
    peak = -np.inf
    for _ in range(steps):
        p = 0.2 if S > 0 else 0.6  # the increments' law depends on the past
        x = float(rng.random() < p)
        S += x - p
        W += p * (1 - p)
        if W <= sigma2:
            peak = max(peak, S)
            crossed |= S >= t
    return {"deviation": peak, "width": t, "range": float(steps), "passed": not crossed}


def trial_time_uniform(params, width, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    steps = params["steps"]
    x = (rng.random(steps) < 0.5).astype(float)
    n = np.arange(1, steps + 1)
    dev = np.abs(np.cumsum(x) / n - 0.5)
    w = np.array([width(k, DELTA, 1.0) for k in n])
    # deviation / width at the worst n; the width at the last n decides vacuity
    return {"deviation": float(np.max(dev / w)) * float(w[-1]), "width": float(w[-1]),
            "range": 1.0, "passed": bool(np.all(dev <= w))}


def judge_coverage(check: Check, trials: list[dict]) -> Outcome:
    passed = np.array([t["passed"] for t in trials])
    widths = np.array([t["width"] for t in trials])
    ranges = np.array([t["range"] for t in trials])
    if np.all([is_vacuous(w, r) for w, r in zip(widths, ranges)]):
        return Outcome(Verdict.VACUOUS, f"every width ({np.min(widths):.3g} or more) is at least "
                       f"the range {ranges[0]:g}: no sample could leave it",
                       pass_rate=float(passed.mean()))
    verdict, lo, hi, more = probability_rule(int(passed.sum()), passed.size, check.delta,
                                             check.alpha)
    details = (f"coverage {passed.mean():.4f} over {passed.size} trials, one-sided "
               f"Clopper-Pearson [{lo:.4f}, {hi:.4f}] at level {1 - check.alpha:.2f} against "
               f"1 - delta = {1 - check.delta:.2f}")
    if verdict is Verdict.INCONCLUSIVE and more:
        details += f"; about {more} trials would decide if the frequency persisted"
    failing = [t["index"] for t in trials if not t["passed"]]
    dev = np.array([t["deviation"] for t in trials], dtype=float)
    return Outcome(verdict, details, pass_rate=float(passed.mean()), pass_rate_ci=(lo, hi),
                   counterexample=failing[0] if failing and verdict is Verdict.VIOLATED else None,
                   numbers={"median_width": float(np.median(widths)),
                            "deviation_quantile": float(np.quantile(dev, 1 - check.delta))},
                   plots=(Plot("hist", f"{check.check_id}: deviation / width",
                               curves=dev / np.where(widths > 0, widths, np.nan),
                               xlabel="deviation / width", ylabel="trials", reference=1.0),))


def _register(card: str, trial, subject, params: dict, instances: str) -> None:
    name = card.split(".", 1)[1]
    register(Check(
        check_id=f"concentration.{name}", card_id=card,
        title=f"Coverage of the {name.replace('_', ' ')} width", guarantee="high_probability",
        measured="whether the deviation stays within the width", instances=instances,
        trial=trial, judge=judge_coverage, default_subject=lambda: subject,
        subject_kind="width function (the signature of rlcert.bounds.concentration's)",
        n_trials=20000, n_trials_quick=2000, quick=True, params=params, delta=DELTA))


_register("concentration.hoeffding", trial_hoeffding, conc.hoeffding_width,
          {"n": 50, "p": 0.5}, "means of 50 Bernoulli(0.5) draws")
_register("concentration.bernstein", trial_bernstein, conc.bernstein_width,
          {"n": 50, "p": 0.1}, "means of 50 Bernoulli(0.1) draws, variance known")
_register("concentration.empirical_bernstein", trial_empirical_bernstein,
          conc.empirical_bernstein_width, {"n": 200, "p": 0.3},
          "means of 200 Bernoulli(0.3) draws")
_register("concentration.weissman_l1", trial_weissman, conc.weissman_l1_width,
          {"n": 200, "S": 10}, "empirical distributions of 200 draws over 10 outcomes")
_register("concentration.kl_bernoulli", trial_kl, conc.kl_radius, {"n": 20, "p": 0.3},
          "KL upper confidence bounds from 20 Bernoulli(0.3) draws")
_register("concentration.freedman", trial_freedman, conc.freedman_width,
          {"steps": 200, "sigma2": 20.0}, "a martingale with adaptive Bernoulli increments")
_register("concentration.time_uniform_hoeffding", trial_time_uniform,
          conc.time_uniform_hoeffding_width, {"steps": 1000},
          "running means of Bernoulli(0.5) draws, 1000 steps")
