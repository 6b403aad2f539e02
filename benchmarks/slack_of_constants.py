"""How conservative are the papers' constants? For UCBVI-CH, UCBVI-BF and UCB-H, on a grid of
``bonus_scale`` values, the smallest scale at which optimism (Q_k >= Q* at every (k, h, s, a))
still holds with the one-sided Clopper-Pearson upper limit of the failure rate <= delta, and no
larger grid value fails (trajectories change with the scale, so optimism need not be monotone
in it), on RiverSwim(6) and a Garnet, as a function of K. Run by hand:

    python benchmarks/slack_of_constants.py [--trials 60]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from scipy import stats

from rlcert.estimators.episodic import UCBVIBF, UCBVICH, OptimisticQLearning
from rlcert.mdp import FiniteHorizonMDP, instances

GRID = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
DELTA = 0.05


def cp_upper(failures: int, trials: int, alpha: float = 0.05) -> float:
    return 1.0 if failures == trials else float(stats.beta.ppf(1 - alpha, failures + 1,
                                                               trials - failures))


def failure_rate_upper(make, m, K, trials):
    failures = 0
    for seed in range(trials):
        r = make().run(m, n_episodes=K, seed=seed, record_optimism=True)
        failures += bool(np.min(r.extras["optimism_margin"]) < -1e-9)
    return cp_upper(failures, trials), failures


def smallest_safe_scale(cls_kwargs, m, K, trials):
    cls, kwargs = cls_kwargs
    ok = []
    for scale in GRID:
        up, fails = failure_rate_upper(lambda: cls(**kwargs, bonus_scale=scale), m, K, trials)
        ok.append(up <= DELTA)
    for i in range(len(GRID)):
        if all(ok[i:]):
            return GRID[i]
    return None


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--trials", type=int, default=60)
    args = ap.parse_args()
    models = {"RiverSwim(6), H=20": FiniteHorizonMDP.from_tabular(instances.riverswim(6), 20),
              "Garnet(10, 3, 3), H=10": FiniteHorizonMDP.from_tabular(
                  instances.garnet(10, 3, 3, seed=0), 10)}
    learners = {"UCBVI-CH": (UCBVICH, {}), "UCBVI-BF": (UCBVIBF, {}),
                "UCB-H (c=1)": (OptimisticQLearning, {"bonus": "hoeffding"})}
    print(f"smallest safe bonus_scale on {GRID} (CP upper limit of the optimism-failure rate "
          f"<= {DELTA}, {args.trials} trials)")
    for mname, m in models.items():
        for lname, spec in learners.items():
            row = []
            for K in (100, 1000, 10000):
                t0 = time.perf_counter()
                row.append(f"K={K}: {smallest_safe_scale(spec, m, K, args.trials)} "
                           f"({time.perf_counter() - t0:.0f}s)")
            print(f"{mname:24s} {lname:12s} " + "; ".join(row), flush=True)


if __name__ == "__main__":
    main()
