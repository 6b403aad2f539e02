r"""Coverage checks of the concentration cards, on a grid of failure probabilities ``delta`` (down
to 1e-3) and sample sizes ``n`` (down to 2): each trial draws one sample per ``n``, computes the
width of every ``(n, delta)`` cell (the subject: by default the compiled function of
:mod:`rlcert.bounds.concentration`) and records whether the deviation stayed within it.

**Verdict.** Per cell, the frequency of trials within the width against ``1 - delta``, by
one-sided Clopper-Pearson limits at level ``alpha / cells`` (Bonferroni over the cells of the
check, which may share samples: the union bound needs no independence). A cell is ``vacuous``
when its width is at least the largest possible deviation (no sample could leave it). With ``N``
trials, all passing, the lower limit is ``(alpha / cells)^(1/N)``: a cell with ``delta`` below
``1 - (alpha / cells)^(1/N)`` can never show ``holds`` with ``N`` trials, only a violation (a
frequency of failures confidently above ``delta``), and is judged for that alone; the check
``holds`` when every testable cell holds, is ``violated`` when any cell is, and ``inconclusive``
otherwise. Constant-factor errors that matter only at small ``delta`` or small ``n`` are caught in
those cells. ``verify(..., params={"deltas": ..., "ns": ...})`` probes other regimes.
"""

from __future__ import annotations

import numpy as np

from rlcert.bounds import concentration as conc

from ..framework import Check, Outcome, Plot, register
from ..statistics import trials_needed_all_pass
from ..verdicts import Verdict, probability_rule

DELTAS = (0.05, 0.01, 0.001)


def _cells(params) -> list[tuple]:
    return [(n, d) for n in params["ns"] for d in params["deltas"]]


def _record(out: list, dev: float, width: float, top: float, ok: bool) -> None:
    out.append((float(dev), float(width), float(top), bool(ok)))


def trial_hoeffding(params, width, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    p, out = params["p"], []
    for n in params["ns"]:
        dev = abs(rng.binomial(n, p) / n - p)
        for d in params["deltas"]:
            w = width(n, d, 1.0)
            _record(out, dev, w, max(p, 1 - p), dev <= w)
    return {"cells": out}


def trial_bernstein(params, width, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    p, out = params["p"], []
    for n in params["ns"]:
        dev = rng.binomial(n, p) / n - p
        for d in params["deltas"]:
            w = width(n, d, p * (1 - p), 1.0 - p)
            _record(out, dev, w, 1 - p, dev <= w)
    return {"cells": out}


def trial_empirical_bernstein(params, width, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    p, out = params["p"], []
    for n in params["ns"]:
        x = (rng.random(n) < p).astype(float)
        dev = p - x.mean()
        for d in params["deltas"]:
            w = width(n, d, float(x.var(ddof=1)))
            _record(out, dev, w, p, dev <= w)
    return {"cells": out}


def trial_weissman(params, width, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    S, out = params["S"], []
    p = np.ones(S) / S
    for n in params["ns"]:
        dev = float(np.abs(rng.multinomial(n, p) / n - p).sum())
        for d in params["deltas"]:
            w = width(n, d, S)
            _record(out, dev, w, 2.0 * (1 - 1 / S), dev <= w)
    return {"cells": out}


def trial_kl(params, radius, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    p, out = params["p"], []
    for n in params["ns"]:
        mean = rng.binomial(n, p) / n
        for d in params["deltas"]:
            ucb = conc.kl_upper(mean, radius(n, d))
            _record(out, p - mean, ucb - mean, p, p <= ucb)
    return {"cells": out}


def trial_freedman(params, width, seed, index) -> dict:
    """A martingale with adaptive Bernoulli increments; ``n`` is the variance budget ``sigma2``
    here (the crossing is watched while the predictable variance stays within it)."""
    rng = np.random.default_rng(seed)
    steps = params["steps"]
    xs = rng.random(steps)
    out = []
    for sigma2 in params["ns"]:
        S = W = 0.0
        peak = -np.inf
        for u in xs:
            q = 0.2 if S > 0 else 0.6  # the increments' law depends on the past
            S += float(u < q) - q
            W += q * (1 - q)
            if W > sigma2:
                break
            peak = max(peak, S)
        for d in params["deltas"]:
            t = width(sigma2, d, 1.0)
            _record(out, peak, t, float(steps), peak < t)
    return {"cells": out}


#: Widths of the time-uniform check, per (width function, n, delta), computed once per process:
#: the check needs every n up to its horizon in every trial, and a width is a function of its
#: arguments.
_WIDTHS: dict = {}


def _width_curve(width, steps: int, d: float) -> np.ndarray:
    try:
        key = (width, steps, d)
        hash(key)
    except TypeError:
        return np.array([width(k, d, 1.0) for k in range(1, steps + 1)])
    if key not in _WIDTHS:
        _WIDTHS[key] = np.array([width(k, d, 1.0) for k in range(1, steps + 1)])
    return _WIDTHS[key]


def trial_time_uniform(params, width, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    out = []
    for steps in params["ns"]:
        x = (rng.random(steps) < 0.5).astype(float)
        n = np.arange(1, steps + 1)
        dev = np.abs(np.cumsum(x) / n - 0.5)
        for d in params["deltas"]:
            w = _width_curve(width, steps, d)
            # deviation / width at the worst n, scaled by the width at the last n
            _record(out, float(np.max(dev / w)) * float(w[-1]), float(w[-1]), 0.5,
                    bool(np.all(dev <= w)))
    return {"cells": out}


def judge_coverage(check: Check, trials: list[dict]) -> Outcome:
    cells = _cells(check.params)
    data = np.array([t["cells"] for t in trials], dtype=float)  # trials x cells x 4
    dev, width, top, ok = data[..., 0], data[..., 1], data[..., 2], data[..., 3].astype(bool)
    N = len(trials)
    vacuous = [bool(np.all(width[:, c] >= top[:, c])) for c in range(len(cells))]
    live = [c for c in range(len(cells)) if not vacuous[c]]
    if not live:
        return Outcome(Verdict.VACUOUS, f"every width is at least the largest possible deviation "
                       f"in all {len(cells)} cells: no sample could leave it")
    level = check.alpha / len(live)
    rows, verdicts, testable = [], [], []
    for c in live:
        n, d = cells[c]
        v, lo, hi, _ = probability_rule(int(ok[:, c].sum()), N, d, level)
        can_hold = N >= trials_needed_all_pass(d, check.alpha, len(live))
        verdicts.append(v)
        testable.append(can_hold)
        rows.append({"n": n, "delta": d, "coverage": float(ok[:, c].mean()), "lower": lo,
                     "upper": hi, "verdict": str(v), "can_show_holds": can_hold,
                     "median_width": float(np.median(width[:, c]))})
    if Verdict.VIOLATED in verdicts:
        status = Verdict.VIOLATED
    elif any(testable) and all(v is Verdict.HOLDS for v, t in zip(verdicts, testable) if t):
        status = Verdict.HOLDS
    else:
        status = Verdict.INCONCLUSIVE
    bad = [r for r in rows if r["verdict"] == "violated"]
    counts = {str(v): verdicts.count(v) for v in set(verdicts)}
    details = (f"{len(cells)} cells (n in {list(check.params['ns'])}, delta in "
               f"{list(check.params['deltas'])}), {len(live)} non-vacuous, Clopper-Pearson at "
               f"level {check.alpha}/{len(live)} each: {counts}; {sum(testable)} cells can show "
               f"'holds' with {N} trials, the others only a violation; lowest coverage "
               f"{min(r['coverage'] for r in rows):.4f}")
    if bad:
        details += (f"; violated at n = {bad[0]['n']}, delta = {bad[0]['delta']}: coverage "
                    f"{bad[0]['coverage']:.4f} (Clopper-Pearson upper limit "
                    f"{bad[0]['upper']:.4f} < {1 - bad[0]['delta']})")
    failing = [t["index"] for t in trials if not all(c[3] for c in t["cells"])]
    first = live[0]
    ratio = dev[:, first] / np.where(width[:, first] > 0, width[:, first], np.nan)
    return Outcome(status, details, pass_rate=min(r["coverage"] for r in rows),
                   counterexample=failing[0] if failing and status is Verdict.VIOLATED else None,
                   numbers={"cells": rows},
                   plots=(Plot("hist", f"{check.check_id}: deviation / width at n = "
                               f"{cells[first][0]}, delta = {cells[first][1]}", curves=ratio,
                               xlabel="deviation / width", ylabel="trials", reference=1.0),))


def _register(card: str, trial, subject, params: dict, instances: str) -> None:
    name = card.split(".", 1)[1]
    register(Check(
        check_id=f"concentration.{name}", card_id=card,
        title=f"Coverage of the {name.replace('_', ' ')} width on a grid of n and delta",
        guarantee="high_probability",
        measured="whether the deviation stays within the width, per (n, delta)",
        instances=instances, trial=trial, judge=judge_coverage, default_subject=lambda: subject,
        subject_kind="width function (the signature of rlcert.bounds.concentration's)",
        n_trials=20000, n_trials_quick=2000, quick=True, params={**params, "deltas": DELTAS},
        delta=min(DELTAS)))


_register("concentration.hoeffding", trial_hoeffding, conc.hoeffding_width,
          {"ns": (2, 10, 50), "p": 0.5}, "means of n Bernoulli(0.5) draws, n in 2, 10, 50")
_register("concentration.bernstein", trial_bernstein, conc.bernstein_width,
          {"ns": (5, 50, 200), "p": 0.1}, "means of n Bernoulli(0.1) draws, variance known")
_register("concentration.empirical_bernstein", trial_empirical_bernstein,
          conc.empirical_bernstein_width, {"ns": (2, 20, 200), "p": 0.3},
          "means of n Bernoulli(0.3) draws, n in 2, 20, 200")
_register("concentration.weissman_l1", trial_weissman, conc.weissman_l1_width,
          {"ns": (10, 50, 200), "S": 10}, "empirical distributions of n draws over 10 outcomes")
_register("concentration.kl_bernoulli", trial_kl, conc.kl_radius, {"ns": (2, 5, 20), "p": 0.3},
          "KL upper confidence bounds from n Bernoulli(0.3) draws")
_register("concentration.freedman", trial_freedman, conc.freedman_width,
          {"steps": 400, "ns": (5.0, 20.0, 60.0)},
          "a martingale with adaptive Bernoulli increments, variance budgets 5, 20, 60")
_register("concentration.time_uniform_hoeffding", trial_time_uniform,
          conc.time_uniform_hoeffding_width, {"ns": (20, 300)},
          "running means of Bernoulli(0.5) draws, 20 and 300 steps")
