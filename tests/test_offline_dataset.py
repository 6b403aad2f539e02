"""The offline collectors: trajectories of a behaviour policy and independent transitions from its
discounted occupancy, with the empirical frequencies of a fixed seed against the exact laws
(Clopper-Pearson at family-wise level 1e-3), and the dataset's tallies against a direct count."""

import numpy as np
import pytest

from rlcert.estimators.offline import (Dataset, OfflineArgumentError, collect_episodes,
                                       collect_transitions)
from rlcert.mdp import FiniteHorizonMDP, instances, occupancy
from rlcert.proofs_checks.statistics import clopper_pearson


def _within(counts, n, p, level):
    for c, q in zip(np.ravel(counts), np.ravel(p)):
        lo, hi = clopper_pearson(int(c), n, level / 2)
        assert lo <= q <= hi, (c, n, q)


def test_episodes_follow_the_behaviour_occupancy():
    m = FiniteHorizonMDP.from_tabular(instances.riverswim(4), 4)
    mu = np.array([[0.3, 0.7]] * 4)
    K = 20000
    data = collect_episodes(m, mu, K, seed=1, reward_noise="bernoulli")
    d = occupancy(m, mu)  # (H, S, A), exact
    cells = d.size
    for h in range(m.horizon):
        _within(data.counts(h), K, d[h], 1e-3 / cells)
    assert data.counts().sum() == K * m.horizon and set(np.unique(data.rewards)) <= {0.0, 1.0}
    # tallies against a direct count
    h = 2
    direct = np.zeros((4, 2, 4), int)
    for s, a, s2 in zip(data.states[:, h], data.actions[:, h], data.next_states[:, h]):
        direct[s, a, s2] += 1
    assert np.array_equal(direct, data.transition_counts(h))


def test_transitions_are_drawn_from_the_discounted_occupancy():
    m = instances.riverswim(4, gamma=0.9)
    mu = np.full((4, 2), 0.5)
    n = 20000
    data = collect_transitions(m, mu, n, seed=2)
    _within(data.counts(), n, occupancy(m, mu), 1e-3 / 8)
    P = m.dense_P()
    counts = data.counts()
    for s in range(4):  # next states from the rows of P, per visited pair
        for a in range(2):
            if counts[s, a] > 500:
                _within(data.transition_counts()[s, a], int(counts[s, a]), P[s, a], 1e-3 / 32)


def test_the_same_seed_gives_the_same_data_and_bad_input_is_refused():
    m = FiniteHorizonMDP.from_tabular(instances.riverswim(3), 3)
    a = collect_episodes(m, np.full((3, 2), 0.5), 50, seed=4)
    b = collect_episodes(m, np.full((3, 2), 0.5), 50, seed=4)
    assert np.array_equal(a.states, b.states) and np.array_equal(a.rewards, b.rewards)
    for bad, msg in [(lambda: collect_episodes(m, np.full((3, 2), 0.5), 0), "n_episodes"),
                     (lambda: collect_episodes(m, np.full((3, 2), 0.5), 5, seed=-1), "seed"),
                     (lambda: collect_episodes(m, np.full((3, 2), 0.6), 5), "behaviour"),
                     (lambda: collect_episodes(m, np.full((3, 2), 0.5), 5, reward_noise="x"),
                      "reward_noise"),
                     (lambda: collect_transitions(m, np.full((3, 2), 0.5), 5), "TabularMDP")]:
        with pytest.raises(ValueError, match=msg):
            bad()
    with pytest.raises(OfflineArgumentError, match="outside"):
        Dataset(np.array([5]), np.array([0]), np.array([0.0]), np.array([0]), 3, 2)
