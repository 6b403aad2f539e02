"""Episodes per second through the verifier's harness (the verifier steps the environment and
evaluates every declared policy exactly; the subject is called through its protocol), against the
compiled loop of the same learner, on RiverSwim(6) with H = 20. Run by hand:

    python benchmarks/bench_harness.py [--episodes 5000]

Three rows: rlcert's UCBVI-CH through the harness (its Python protocol calls are the cost), a
subject that declares a fixed policy and ignores what it observes (the verifier's own cost), and
UCBVI-CH's compiled loop (what ``verify`` runs for rlcert's own learners).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from rlcert.estimators.episodic import UCBVICH
from rlcert.mdp import FiniteHorizonMDP, instances
from rlcert.proofs_checks.harness import play_episodic


class FixedPolicy:
    """Declares 'always action 1' and does nothing with what it observes."""

    def reset(self, S, A, H, seed):
        self.pi = np.ones((H, S), np.int64)

    def start_episode(self):
        return self.pi

    def observe(self, h, s, a, r, s_next):
        pass


def rate(fn, K: int) -> float:
    fn(50)  # compile and warm up
    best = 0.0
    for _ in range(3):
        t0 = time.perf_counter()
        fn(K)
        best = max(best, K / (time.perf_counter() - t0))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=5000)
    args = parser.parse_args()
    m = FiniteHorizonMDP.from_tabular(instances.riverswim(6), 20)
    K = args.episodes
    rows = [
        ("UCBVI-CH, harness", lambda k: play_episodic(UCBVICH(), m, k, 0, fast=False)),
        ("fixed policy, harness", lambda k: play_episodic(FixedPolicy(), m, k, 0)),
        ("UCBVI-CH, compiled loop", lambda k: play_episodic(UCBVICH(), m, k, 0, fast=True)),
    ]
    print(f"RiverSwim(6), H = 20, {K} episodes, best of 3")
    for name, fn in rows:
        print(f"{name:26s} {rate(fn, K):12.0f} episodes/s")


if __name__ == "__main__":
    main()
