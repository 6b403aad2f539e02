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

import math

import numpy as np
from numba import njit

from rlcert.bounds import concentration as conc

from ..framework import Check, Outcome, Plot, register
from ..statistics import trials_needed_all_pass
from ..verdicts import Verdict, probability_rule

DELTAS = (0.05, 0.01, 0.001)


def _cells(params) -> list[tuple]:
    return [(n, d) for n in params["ns"] for d in params["deltas"]]


#: One cell of a trial: (deviation, width, largest possible deviation, covered).
_Cell = tuple[float, float, float, bool]


def _record(out: list[_Cell], dev: float, width: float, top: float, ok: bool) -> None:
    out.append((float(dev), float(width), float(top), bool(ok)))


def trial_hoeffding(params, width, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    p = params["p"]
    out: list[_Cell] = []
    for n in params["ns"]:
        dev = abs(rng.binomial(n, p) / n - p)
        for d in params["deltas"]:
            w = width(n, d, 1.0)
            _record(out, dev, w, max(p, 1 - p), dev <= w)
    return {"cells": out}


def trial_bernstein(params, width, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    p = params["p"]
    out: list[_Cell] = []
    for n in params["ns"]:
        dev = rng.binomial(n, p) / n - p
        for d in params["deltas"]:
            w = width(n, d, p * (1 - p), 1.0 - p)
            _record(out, dev, w, 1 - p, dev <= w)
    return {"cells": out}


def trial_empirical_bernstein(params, width, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    p = params["p"]
    out: list[_Cell] = []
    for n in params["ns"]:
        x = (rng.random(n) < p).astype(float)
        dev = p - x.mean()
        for d in params["deltas"]:
            w = width(n, d, float(x.var(ddof=1)))
            _record(out, dev, w, p, dev <= w)
    return {"cells": out}


def trial_weissman(params, width, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    S = params["S"]
    out: list[_Cell] = []
    p = np.ones(S) / S
    for n in params["ns"]:
        dev = float(np.abs(rng.multinomial(n, p) / n - p).sum())
        for d in params["deltas"]:
            w = width(n, d, S)
            _record(out, dev, w, 2.0 * (1 - 1 / S), dev <= w)
    return {"cells": out}


def trial_kl(params, radius, seed, index) -> dict:
    rng = np.random.default_rng(seed)
    p = params["p"]
    out: list[_Cell] = []
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
    out: list[_Cell] = []
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
    out: list[_Cell] = []
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


def _directions(d: int) -> np.ndarray:
    """The ``2 d`` unit vectors the adaptive design chooses from: the basis vectors ``e_i`` and
    ``(1 - 2 e_i) / sqrt(d)``."""
    X = np.zeros((2 * d, d))
    X[:d] = np.eye(d)
    X[d:] = (1.0 - 2.0 * np.eye(d)) / math.sqrt(d)
    return X


@njit(cache=True)
def _self_normalized_path(noise, X, lam, norms2, logdets):
    """One adaptively designed regression path: at step ``t`` the design ``x_t`` is the direction
    of ``X`` with the largest ``|x^T V_{t-1}^{-1} S_{t-1}|`` (ties to the first; predictable),
    ``S_t = S_{t-1} + eta_t x_t``; writes ``||S_t||^2_{V_t^{-1}}`` and ``log det V_t - d log lam``
    (Sherman-Morrison, and ``det V_t = det V_{t-1} (1 + x_t^T V_{t-1}^{-1} x_t)``)."""
    m, d = X.shape
    Vinv = np.eye(d) / lam
    S = np.zeros(d)
    g = np.zeros(d)
    u = np.zeros(d)
    logdet = 0.0
    for t in range(noise.shape[0]):
        for i in range(d):
            acc = 0.0
            for j in range(d):
                acc += Vinv[i, j] * S[j]
            g[i] = acc
        best, arg = -1.0, 0
        for c in range(m):
            v = 0.0
            for i in range(d):
                v += X[c, i] * g[i]
            if abs(v) > best:
                best, arg = abs(v), c
        for i in range(d):
            S[i] += noise[t] * X[arg, i]
        q = 0.0
        for i in range(d):
            acc = 0.0
            for j in range(d):
                acc += Vinv[i, j] * X[arg, j]
            u[i] = acc
            q += X[arg, i] * acc
        logdet += math.log1p(q)
        for i in range(d):
            for j in range(d):
                Vinv[i, j] -= u[i] * u[j] / (1.0 + q)
        n2 = 0.0
        for i in range(d):
            acc = 0.0
            for j in range(d):
                acc += Vinv[i, j] * S[j]
            n2 += S[i] * acc
        norms2[t] = n2
        logdets[t] = logdet


def checkpoints(horizon: int) -> np.ndarray:
    """The steps ``t`` (1-based) at which the self-normalised width is evaluated: every ``t <=
    10``, then ``10^(k/8)`` rounded, up to ``horizon`` (8 per decade, the same steps for every
    horizon), and ``horizon`` itself."""
    geo = np.round(10.0 ** (np.arange(8, 8 * math.log10(max(horizon, 10)) + 1) / 8.0))
    steps = np.concatenate([np.arange(1, min(10, horizon) + 1), geo, [horizon]])
    return np.unique(steps[steps <= horizon]).astype(int)


def trial_self_normalized(params, width, seed, index) -> dict:
    """Gaussian noise ``N(0, sigma2)`` (sub-Gaussian with proxy exactly ``sigma2``), an adaptive
    design in ``R^d`` (:func:`_self_normalized_path`), ``lambda`` from the params; for each horizon
    ``n`` the path is within the width at every checkpoint ``t <= n``."""
    rng = np.random.default_rng(seed)
    d, lam, sigma2 = int(params["d"]), float(params["lam"]), float(params["sigma2"])
    T = max(params["ns"])
    noise = rng.standard_normal(T) * math.sqrt(sigma2)
    norms2, logdets = np.empty(T), np.empty(T)
    _self_normalized_path(noise, _directions(d), lam, norms2, logdets)
    norms = np.sqrt(np.maximum(norms2, 0.0))
    ts = checkpoints(T) - 1  # the checkpoints of every shorter horizon are among them
    widths = {dl: np.array([width(float(logdets[t]), dl, sigma2) for t in ts])
              for dl in params["deltas"]}
    out: list[_Cell] = []
    for horizon in params["ns"]:
        k = int(np.searchsorted(ts, horizon - 1, side="right"))
        for dl in params["deltas"]:
            w = widths[dl][:k]
            _record(out, float(np.max(norms[ts[:k]] / w)) * float(w[-1]), float(w[-1]), math.inf,
                    bool(np.all(norms[ts[:k]] <= w)))
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


def _register(card: str, trial, subject, params: dict, instances: str,
              n_trials_quick: int = 2000) -> None:
    name = card.split(".", 1)[1]
    register(Check(
        check_id=f"concentration.{name}", card_id=card,
        title=f"Coverage of the {name.replace('_', ' ')} width on a grid of n and delta",
        guarantee="high_probability",
        measured="whether the deviation stays within the width, per (n, delta)",
        instances=instances, trial=trial, judge=judge_coverage, default_subject=lambda: subject,
        subject_kind="width function (the signature of rlcert.bounds.concentration's)",
        n_trials=20000, n_trials_quick=n_trials_quick, quick=True,
        params={**params, "deltas": DELTAS},
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
_register("concentration.self_normalized", trial_self_normalized, conc.self_normalized_width,
          {"ns": (10, 100, 1000), "d": 3, "lam": 1.0, "sigma2": 1.0},
          "adaptive least-squares paths in R^3 (lambda = 1, Gaussian noise, sigma2 = 1) to 10, "
          "100, 1000 steps, the width evaluated at every t <= 10 and 8 checkpoints per decade",
          n_trials_quick=4000)
