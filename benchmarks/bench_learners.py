"""Episodes per second of the episodic learners (pseudo-regret included), against rlberry's
UCBVIAgent run side by side. Run by hand:

    python benchmarks/bench_learners.py [--rlberry-python /path/to/venv/bin/python]

rlberry-scool pins an old gymnasium, so it lives in its own virtual environment:
``python -m venv /tmp/rlb && /tmp/rlb/bin/pip install rlberry-scool``. Its agent is timed on the
same P and R (rlberry computes no pseudo-regret; ours does, every episode).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time

import numpy as np

from rlcert.estimators.episodic import UCBVIBF, UCBVICH, OptimisticQLearning, PSRL
from rlcert.mdp import FiniteHorizonMDP, instances

RLBERRY_SCRIPT = r"""
import json, sys, time
import numpy as np
from rlberry.envs.finite_mdp import FiniteMDP
from rlberry_scool.agents.ucbvi import UCBVIAgent
data = np.load(sys.argv[1])
env = FiniteMDP(data["R"], data["P"], 0)
K, H = int(sys.argv[2]), int(sys.argv[3])
agent = UCBVIAgent(env, horizon=H, gamma=1.0, bonus_scale_factor=1.0)
agent.fit(budget=10)
t0 = time.perf_counter()
agent.fit(budget=K)
print(json.dumps({"seconds": time.perf_counter() - t0}))
"""


def ours(learner, m, K, seed=0):
    learner.run(m, n_episodes=10, seed=seed)  # compile
    t0 = time.perf_counter()
    learner.run(m, n_episodes=K, seed=seed)
    return time.perf_counter() - t0


def rlberry(python, m_tab, K, H):
    with tempfile.NamedTemporaryFile(suffix=".npz") as f:
        np.savez(f.name, P=m_tab.dense_P(), R=np.asarray(m_tab.R))
        out = subprocess.run([python, "-c", RLBERRY_SCRIPT, f.name, str(K), str(H)],
                             capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["seconds"]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rlberry-python", default=None)
    ap.add_argument("--episodes", type=int, default=10_000)
    args = ap.parse_args()
    K, H = args.episodes, 20
    cases = {"RiverSwim(6)": instances.riverswim(6), "RiverSwim(20)": instances.riverswim(20),
             "Garnet(50, 5)": instances.garnet(50, 5, 5, seed=0, sparse=False)}
    for name, tab in cases.items():
        m = FiniteHorizonMDP.from_tabular(tab, H)
        t = ours(UCBVICH(), m, K)
        line = f"UCBVI-CH on {name}, H={H}, K={K}: ours {K / t:,.0f} episodes/s"
        if args.rlberry_python:
            t_rl = rlberry(args.rlberry_python, tab, K, H)
            line += f", rlberry {K / t_rl:,.0f} episodes/s -> {t_rl / t:.1f}x"
        print(line, flush=True)
    m = FiniteHorizonMDP.from_tabular(instances.riverswim(6), H)
    for learner in (UCBVICH(), UCBVIBF(), OptimisticQLearning(), OptimisticQLearning("bernstein"),
                    PSRL()):
        t = ours(learner, m, 100_000)
        print(f"one 1e5-episode trial, {learner.algorithm} on RiverSwim(6), H={H}: {t:.2f} s",
              flush=True)


if __name__ == "__main__":
    sys.exit(main())
