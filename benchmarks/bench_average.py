"""Largest instance each structure and average-reward function handles in under 10 s.

Run by hand (never in CI), on an otherwise idle machine:

    python benchmarks/bench_average.py [--budget 10] [--only diameter,solve_average:pi]

Two families from :mod:`rlcert.mdp.instances`: Garnet(S, A=4, branching=5, seed=0) (CSR) and
RiverSwim(n) (converted to CSR after construction; its builder makes a dense (n, 2, n) array, so
n is capped at 16,000 by memory). For each function the size grows by x2 while a call takes less
than a quarter of the budget, then by x1.25; a size whose predicted time (cubic extrapolation from
the last one) exceeds six budgets is not run. Each call is timed once, after a warm-up on a small
instance (numba compilation excluded). An overshoot after a x2 step is retried once at x1.25.
Fixed policies: "always swim right" for RiverSwim, the
greedy policy of the rewards for Garnet.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rlcert.mdp import UnsupportedModelError, instances
from rlcert.mdp.average import evaluate_policy_average, solve_average
from rlcert.mdp.structure import (classify, diameter, hitting_times, mixing_time,
                                  stationary_distributions, worst_mixing_time)

RIVERSWIM_MAX = 16_000


def garnet(S: int):
    return instances.garnet(S, 4, 5, seed=0)


def riverswim(n: int):
    return instances.riverswim(n).to_sparse()


def policy_for(family: str, m) -> np.ndarray:
    if family == "riverswim":
        return np.ones(m.n_states, dtype=np.int64)
    return np.argmax(m.R, axis=1)


FUNCTIONS = {
    "classify": lambda m, pol: classify(m),
    "diameter": lambda m, pol: diameter(m),
    "mixing_time": lambda m, pol: mixing_time(m, pol),
    "worst_mixing_time (upper bound)": lambda m, pol: worst_mixing_time(m, max_policies=0),
    "stationary_distributions": lambda m, pol: stationary_distributions(m, pol),
    "hitting_times": lambda m, pol: hitting_times(m, pol, target=0),
    "evaluate_policy_average": lambda m, pol: evaluate_policy_average(m, pol),
    "solve_average:pi": lambda m, pol: solve_average(m, "pi"),
    "solve_average:lp": lambda m, pol: solve_average(m, "lp"),
    "solve_average:rvi": lambda m, pol: solve_average(m, "rvi", tol=1e-8),
}
FAMILIES = {"garnet": (garnet, 16, None), "riverswim": (riverswim, 8, RIVERSWIM_MAX)}


def timed(fn, m, pol) -> tuple[float, str]:
    t0 = time.perf_counter()
    try:
        out = fn(m, pol)
        note = getattr(out, "status", "")
    except UnsupportedModelError as exc:  # e.g. RVI on a model that is not weakly communicating
        return time.perf_counter() - t0, f"refused: {exc}"[:90]
    except Exception as exc:  # reported, so that the table says where a function breaks
        return time.perf_counter() - t0, f"failed: {type(exc).__name__}: {exc}"[:90]
    return time.perf_counter() - t0, note


def largest(family: str, name: str, budget: float) -> dict:
    build, start, cap = FAMILIES[family]
    fn = FUNCTIONS[name]
    size, best, factor = start, None, 2.0
    while True:
        m = build(size)
        t, note = timed(fn, m, policy_for(family, m))
        del m
        over = note.startswith(("refused", "failed")) or t > budget
        if over and best is not None and factor == 2.0 and not note.startswith("failed"):
            # overshot by doubling: retry the smaller step once before giving up
            factor = 1.25
            size = max(best[0] + 1, int(best[0] * factor))
            continue
        if over:
            return dict(best=best, stop=f"{family}({size}): {t:.1f} s {note}".rstrip())
        best = (size, t, note)
        if t >= budget / 4:
            factor = 1.25
        nxt = max(size + 1, int(size * factor))
        predicted = t * (nxt / size) ** 3
        if predicted > 6 * budget:
            return dict(best=best, stop=f"next size {nxt} predicted {predicted:.0f} s, not run")
        if cap is not None and size >= cap:
            return dict(best=best, stop=f"family capped at {cap}")
        size = min(nxt, cap) if cap is not None else nxt


def warm_up() -> None:
    for family, (build, start, _) in FAMILIES.items():
        m = build(start)
        for fn in FUNCTIONS.values():
            timed(fn, m, policy_for(family, m))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--budget", type=float, default=10.0, help="seconds per call")
    ap.add_argument("--only", default="", help="comma-separated function names")
    ap.add_argument("--family", default="", help="garnet or riverswim (default: both)")
    args = ap.parse_args()
    names = [n for n in FUNCTIONS if not args.only or n in args.only.split(",")]
    families = [args.family] if args.family else list(FAMILIES)
    warm_up()
    print(f"{'function':34s} {'family':10s} {'largest size':>12s} {'time':>8s}  stopped at")
    for name in names:
        for family in families:
            res = largest(family, name, args.budget)
            best = res["best"]
            size = f"{best[0]}" if best else "-"
            secs = f"{best[1]:.2f} s" if best else "-"
            print(f"{name:34s} {family:10s} {size:>12s} {secs:>8s}  {res['stop']}", flush=True)


if __name__ == "__main__":
    main()
