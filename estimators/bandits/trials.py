"""Many independent runs of one learner on one instance, summarised at checkpoints.

Trial ``i`` is seeded with ``numpy.random.SeedSequence(seed).spawn(n_trials)[i]``: its row equals
``learner.run(bandit, n_steps=n_steps, seed=that child)`` at the checkpoints, bit for bit, whatever
``n_jobs`` is. The compiled loops release the GIL, so trials run in threads; only one run's
per-step arrays per thread are alive at a time (1000 trials of 10^5 steps need no 800 MB).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _kernels as K
from .errors import BanditArgumentError
from .instances import KIND_TABLE
from rlcert.estimators.base import protocol_seeds

from .learners import BanditLearner, check_steps, seed_sequence


@dataclass(frozen=True, repr=False)
class TrialSet:
    """Per-trial summaries of ``n_trials`` runs at the checkpoints.

    Attributes
    ----------
    algorithm, params : as in :class:`~rlcert.estimators.RunResult`
    instance : str
        The instance's name.
    seed : int
        ``SeedSequence(seed).spawn(n_trials)`` seeded the trials.
    n_steps : int
    checkpoints : ndarray (m,)
        Step counts ``n`` (increasing, ``1 <= n <= n_steps``).
    cumulative_regret : ndarray (n_trials, m)
        Cumulative regret after ``n`` steps (pseudo-regret on stochastic instances, regret
        against the best fixed arm in hindsight up to ``n`` on tables).
    counts : ndarray (n_trials, m, k)
        Pulls of each arm in the first ``n`` steps.
    expected_cumulative_regret : ndarray (n_trials, m) or None
        EXP3's regret from its sampling probabilities (see :class:`~.learners.EXP3`).
    index_failures : ndarray (n_steps,) or None
        For UCB1 and KL-UCB on stochastic instances: in how many trials the optimal arm's index
        at step ``s`` was ``<= mu*`` (the event whose probability UCB1's proof bounds by
        ``s^-4``); the first ``k`` steps have no index and count 0.
    """

    algorithm: str
    params: dict[str, Any]
    instance: str
    seed: Any
    n_steps: int
    checkpoints: np.ndarray
    cumulative_regret: np.ndarray
    counts: np.ndarray
    expected_cumulative_regret: np.ndarray | None = None
    index_failures: np.ndarray | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def n_trials(self) -> int:
        return int(self.cumulative_regret.shape[0])

    def mean_regret(self) -> np.ndarray:
        """Mean cumulative regret over the trials at each checkpoint."""
        return self.cumulative_regret.mean(axis=0)

    def __repr__(self) -> str:
        return (f"TrialSet({self.algorithm} on {self.instance}, {self.n_trials} trials x "
                f"{self.n_steps} steps, {self.checkpoints.size} checkpoints, seed={self.seed})")


def _checkpoints(checkpoints, n_steps: int) -> np.ndarray:
    if checkpoints is None:
        grid = np.unique(np.round(np.geomspace(1, n_steps, 25)).astype(np.int64))
        return np.unique(np.append(grid, n_steps))
    cp = np.asarray(checkpoints)
    if cp.ndim != 1 or cp.size == 0:
        raise BanditArgumentError(f"checkpoints must be a non-empty 1-D sequence, got "
                                  f"{checkpoints!r}")
    if not np.all(np.isfinite(cp)) or not np.all(cp == np.round(cp)):
        raise BanditArgumentError(f"checkpoints must be integers, got {cp.tolist()}")
    cp = cp.astype(np.int64)
    if np.any(np.diff(cp) <= 0):
        raise BanditArgumentError(f"checkpoints must be strictly increasing, got {cp.tolist()}")
    if cp[0] < 1 or cp[-1] > n_steps:
        raise BanditArgumentError(f"checkpoints must lie in [1, n_steps = {n_steps}], got "
                                  f"{cp.tolist()}")
    return cp


def run_trials(learner: BanditLearner, bandit, *, n_steps: int, n_trials: int, seed,
               checkpoints=None, n_jobs: int | None = None) -> TrialSet:
    """Run ``n_trials`` independent trials and summarise each at the checkpoints.

    Parameters
    ----------
    learner : a learner of :mod:`rlcert.estimators.bandits`
    bandit : BernoulliBandit, GaussianBandit or AdversarialBandit
    n_steps : int
        Steps per trial (anytime learners give the regret at every checkpoint from one run;
        a horizon-tuned EXP3 is tuned for ``n_steps`` unless its ``horizon`` is set).
    n_trials : int
    seed : int or numpy.random.SeedSequence
        Root of ``SeedSequence(seed).spawn(n_trials)``.
    checkpoints : sequence of int, optional
        Step counts at which to record; default: 25 log-spaced counts up to ``n_steps``.
    n_jobs : int, optional
        Threads (default: the number of CPUs). Results do not depend on it.
    """
    if not isinstance(learner, BanditLearner):
        raise BanditArgumentError(f"learner must be a learner of rlcert.estimators.bandits, got "
                                  f"{type(learner).__name__}; run other learners through their "
                                  f"run() method")
    bandit = learner.check(bandit)
    n_steps = check_steps(n_steps, bandit)
    if isinstance(n_trials, (bool, np.bool_)) or not isinstance(n_trials, (int, np.integer)) \
            or n_trials < 1:
        raise BanditArgumentError(f"n_trials = {n_trials!r} must be a positive integer")
    if seed is None:
        raise BanditArgumentError("seed = None: run_trials needs an int or a SeedSequence, so "
                                  "that the trials can be reproduced")
    root, recorded, _ = seed_sequence(seed)
    children = root.spawn(int(n_trials))
    cp = _checkpoints(checkpoints, n_steps)
    if n_jobs is None:
        n_jobs = os.cpu_count() or 1
    if isinstance(n_jobs, (bool, np.bool_)) or not isinstance(n_jobs, (int, np.integer)) \
            or n_jobs < 1:
        raise BanditArgumentError(f"n_jobs = {n_jobs!r} must be a positive integer")
    n_jobs = min(int(n_jobs), int(n_trials))

    k = bandit.k
    kind, means, sigma, table = env = bandit._env()
    track = learner._track(bandit)
    is_table = kind == KIND_TABLE
    gaps = np.zeros(k) if is_table else np.ascontiguousarray(bandit.gaps)
    best_cum = np.ascontiguousarray(bandit.best_cumulative[:n_steps]) if is_table else np.zeros(1)
    mu_star = 0.0 if is_table else bandit.best_mean
    expected = learner.expected_from_probabilities
    tracked = track >= 0

    cum = np.empty((n_trials, cp.size))
    counts = np.empty((n_trials, cp.size, k), dtype=np.int64)
    exp_out = np.empty((n_trials, cp.size)) if expected else np.empty((n_trials, 0))

    def work(rows: range) -> np.ndarray:
        failures = np.zeros(n_steps, dtype=np.int64)
        actions = np.empty(n_steps, dtype=np.int64)
        rewards = np.empty(n_steps)
        aux = np.empty(n_steps)
        no_vectors = np.empty((0, k))
        for i in rows:
            env_rng, subject_seed = protocol_seeds(children[i], "seed", BanditArgumentError)
            learner._play(env, n_steps, env_rng, np.random.default_rng(subject_seed), track,
                          actions, rewards, aux, no_vectors)
            K.reduce_trial(kind, actions, rewards, aux, gaps, best_cum, mu_star, cp, expected,
                           tracked, cum[i], counts[i], exp_out[i], failures)
        return failures

    bounds = np.linspace(0, n_trials, n_jobs + 1).round().astype(int)
    blocks = [range(bounds[j], bounds[j + 1]) for j in range(n_jobs)]
    if n_jobs == 1:
        parts = [work(blocks[0])]
    else:
        with ThreadPoolExecutor(max_workers=n_jobs) as pool:
            parts = list(pool.map(work, blocks))
    failures = np.sum(parts, axis=0) if tracked else None
    return TrialSet(algorithm=learner.name, params=learner.params(n_steps, k),
                    instance=bandit.name, seed=recorded, n_steps=n_steps, checkpoints=cp,
                    cumulative_regret=cum, counts=counts,
                    expected_cumulative_regret=exp_out if expected else None,
                    index_failures=failures)
