"""Pulls per second of the compiled bandit learners, against a plain numpy loop.

Run by hand (never in CI), on an otherwise idle machine:

    python benchmarks/bench_bandits.py [--steps 1000000] [--numpy-steps 1000000]

Instance: 10 Bernoulli arms with means 0.1, 0.2, ..., 0.9, 0.85 (so the best two are close).
For UCB1 and Beta-Bernoulli Thompson sampling it reports, best of 3:

* ``run``: ``learner.run(bandit, n_steps, seed)``, the whole :class:`RunResult` included (the
  compiled loop plus the per-step regret, cumulative sums and counts);
* ``loop``: the compiled interaction loop alone;
* ``numpy``: the same algorithm written as a Python loop over steps with numpy operations on the
  arm arrays (the obvious implementation without a compiler), with the same index and the same
  posterior draws.

Other learners (KL-UCB, EXP3, epsilon-greedy) are timed with ``--all``.
"""

from __future__ import annotations

import argparse
import math
import time

import numpy as np

from rlcert.estimators.bandits import (EXP3, KLUCB, UCB1, BernoulliBandit,
                                       BernoulliThompsonSampling, EpsilonGreedy)

MEANS = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.85])


def numpy_ucb1(means: np.ndarray, n_steps: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    k = means.size
    counts = np.zeros(k)
    sums = np.zeros(k)
    actions = np.empty(n_steps, dtype=np.int64)
    for t in range(n_steps):
        if t < k:
            a = t
        else:
            a = int(np.argmax(sums / counts + np.sqrt(2.0 * math.log(t) / counts)))
        r = float(rng.random() < means[a])
        counts[a] += 1
        sums[a] += r
        actions[t] = a
    return actions


def numpy_thompson(means: np.ndarray, n_steps: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    k = means.size
    succ = np.zeros(k)
    fail = np.zeros(k)
    actions = np.empty(n_steps, dtype=np.int64)
    for t in range(n_steps):
        a = int(np.argmax(rng.beta(succ + 1.0, fail + 1.0)))
        r = float(rng.random() < means[a])
        succ[a] += r
        fail[a] += 1.0 - r
        actions[t] = a
    return actions


def best_of(fn, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def compiled_loop(learner, bandit, n_steps: int):
    actions = np.empty(n_steps, dtype=np.int64)
    rewards = np.empty(n_steps)
    aux = np.empty(n_steps)
    env = bandit._env()
    track = learner._track(bandit)

    no_vectors = np.empty((0, bandit.k))

    def go():
        learner._play(env, n_steps, np.random.default_rng(0), np.random.default_rng(1), track,
                      actions, rewards, aux, no_vectors)
    return go


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10 ** 6)
    parser.add_argument("--numpy-steps", type=int, default=10 ** 6)
    parser.add_argument("--all", action="store_true", help="also KL-UCB, EXP3, epsilon-greedy")
    args = parser.parse_args()
    bandit = BernoulliBandit(MEANS)
    n, m = args.steps, args.numpy_steps

    learners = [(UCB1(), numpy_ucb1), (BernoulliThompsonSampling(), numpy_thompson)]
    if args.all:
        learners += [(KLUCB(), None), (EXP3("lattimore-szepesvari"), None), (EpsilonGreedy(0.1), None)]
    print(f"{bandit.k} Bernoulli arms, {n:.0e} steps (numpy loop: {m:.0e} steps), best of 3\n")
    print(f"{'learner':16s} {'run (pulls/s)':>15s} {'loop (pulls/s)':>15s} "
          f"{'numpy (pulls/s)':>16s} {'speed-up':>9s}")
    for learner, numpy_version in learners:
        learner.run(bandit, n_steps=100, seed=0)  # compile
        t_run = best_of(lambda: learner.run(bandit, n_steps=n, seed=1))
        t_loop = best_of(compiled_loop(learner, bandit, n))
        if numpy_version is not None:
            t_np = best_of(lambda: numpy_version(MEANS, m, 1), repeat=1 if m >= 10 ** 6 else 3)
            np_rate = m / t_np
            np_col, speed = f"{np_rate:16.3g}", f"{(n / t_loop) / np_rate:8.0f}x"
        else:
            np_col, speed = f"{'-':>16s}", f"{'-':>9s}"
        print(f"{learner.name:16s} {n / t_run:15.3g} {n / t_loop:15.3g} {np_col} {speed}")


if __name__ == "__main__":
    main()
