"""Shared verdict machinery of the oracle checks: a trial measures several *cells* (one claim
each: a measured quantity against the bound it must not exceed, rounding slack included) and
passes when every cell does; the check is judged by the deterministic rule.

A cell is ``vacuous`` when its bound is at least the trivial bound of the quantity (no answer
could exceed it); a trial whose cells are all vacuous is no evidence. A trial whose ground truth
could not be computed (a convex program that did not solve) is ``undecided``. Ratios
``measured / bound`` are reported over the non-vacuous cells; a passing cell has ratio <= 1 by
construction (``passed`` is ``measured <= bound``).
"""

from __future__ import annotations

import math

import numpy as np

from ..framework import Check, Outcome, Plot
from ..verdicts import Verdict, aggregate


def cell(name: str, measured, bound, trivial=None) -> dict:
    """One claim ``measured <= bound``, compared as given (exact when both are Fractions) and
    stored as floats; vacuous when ``bound >= trivial`` (if given)."""
    ok = bool(measured <= bound)
    vac = trivial is not None and bound >= trivial
    return {"name": name, "measured": float(measured), "bound": float(bound),
            "vacuous": bool(vac), "ok": ok}


def ratio(c: dict) -> float:
    """``measured / bound`` (0 when both are 0, inf when only the bound is)."""
    m, b = c["measured"], c["bound"]
    if b > 0 and math.isfinite(b):
        return m / b
    if b == math.inf:
        return 0.0
    return 0.0 if m <= 0 else math.inf


def finish(cells: list[dict], **extra) -> dict:
    """A trial's dict: its cells, ``passed``, ``vacuous`` (every cell vacuous), the largest ratio
    over the non-vacuous cells (``ratio``) and the cell attaining it (``worst``)."""
    live = [c for c in cells if not c["vacuous"]] or cells
    worst = max(live, key=ratio) if live else None
    return {**extra, "cells": cells, "passed": all(c["ok"] for c in cells),
            "vacuous": bool(cells) and all(c["vacuous"] for c in cells),
            "ratio": ratio(worst) if worst else 0.0, "worst": worst["name"] if worst else "",
            "undecided": False}


def undecided(reason: str, **extra) -> dict:
    """A trial whose ground truth is unavailable: counted neither way."""
    return {**extra, "cells": [], "passed": True, "vacuous": False, "ratio": 0.0, "worst": "",
            "undecided": True, "reason": reason}


def trial_verdict(t: dict) -> Verdict:
    """``violated`` if a cell failed, else ``inconclusive`` (no truth), ``vacuous`` or ``holds``."""
    if not t["passed"]:
        return Verdict.VIOLATED
    if t.get("undecided"):
        return Verdict.INCONCLUSIVE
    return Verdict.VACUOUS if t["vacuous"] else Verdict.HOLDS


def judge_cells(check: Check, trials: list[dict]) -> Outcome:
    """Deterministic rule over trials: ``violated`` if any cell of any trial fails (the first
    failing trial is the counterexample), ``vacuous`` if every trial is, ``inconclusive`` if a
    trial's truth was unavailable, ``holds`` otherwise."""
    verdicts = [trial_verdict(t) for t in trials]
    status = aggregate(verdicts)
    bad = [t["index"] for t, v in zip(trials, verdicts) if v is Verdict.VIOLATED]
    live = [t for t, v in zip(trials, verdicts) if v in (Verdict.HOLDS, Verdict.VIOLATED)]
    ratios = np.array([t["ratio"] for t in live], dtype=float)
    n_vac = verdicts.count(Verdict.VACUOUS)
    n_und = verdicts.count(Verdict.INCONCLUSIVE)
    details = f"{len(trials) - len(bad)}/{len(trials)} trials within every bound"
    if n_vac or n_und:
        details += f" ({n_vac} vacuous, {n_und} with no ground truth)"
    numbers: dict = {"vacuous_trials": n_vac, "undecided_trials": n_und}
    if ratios.size:
        k = int(np.argmax(ratios))
        details += (f"; measured/bound over the non-vacuous cells {np.min(ratios):.3g}-"
                    f"{np.max(ratios):.3g} (largest: '{live[k]['worst']}', trial "
                    f"{live[k]['index']})")
        numbers.update(max_ratio=float(np.max(ratios)), min_ratio=float(np.min(ratios)))
    if bad:
        first = next(t for t in trials if t["index"] == bad[0])
        failing = [c["name"] for c in first["cells"] if not c["ok"]]
        details += f"; first failing trial {bad[0]}: {', '.join(failing)}"
    finite = ratios[np.isfinite(ratios)]
    plots = (Plot("hist", f"{check.check_id}: measured / bound (largest cell per trial)",
                  curves=finite, xlabel="measured / bound", ylabel="trials", reference=1.0),) \
        if finite.size else ()
    passed = np.array([t["passed"] for t in trials])
    return Outcome(status, details, pass_rate=float(passed.mean()),
                   counterexample=bad[0] if bad else None, numbers=numbers, plots=plots)


def trial_index(seed) -> int:
    """The trial index carried by the trial's seed (``SeedSequence(s).spawn(n)[i]`` has spawn key
    ``(i,)``): lets an instance family interleave committed instances with random ones, and
    ``rlcert replay`` rebuild the same instance from the seed alone."""
    key = getattr(seed, "spawn_key", ())
    return int(key[-1]) if key else 0


def scale(*arrays) -> float:
    """``max(1, max |x|)`` over the arrays (the scale of a tolerance)."""
    out = 1.0
    for a in arrays:
        a = np.asarray(a, dtype=float)
        if a.size:
            out = max(out, float(np.max(np.abs(a[np.isfinite(a)]))) if np.isfinite(a).any()
                      else out)
    return out
