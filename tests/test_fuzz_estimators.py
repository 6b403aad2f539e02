"""Bad input to the learners, estimators and the verifier: a result, or a ``ValueError`` subclass
whose message names the argument, never another exception type or a crash.

Hypothesis draws arguments from a pool of malformed values (wrong types, NaN and infinities,
negative and zero counts, booleans, complex numbers, strings, huge sizes) and of valid ones."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.estimators.bandits import (EXP3, KLUCB, UCB1, BernoulliBandit,
                                       BernoulliThompsonSampling, EpsilonGreedy, GaussianBandit)
from rlcert.estimators.episodic import UCBVICH, Greedy, OptimisticQLearning
from rlcert.estimators.generative import PlugIn, Sampler
from rlcert.mdp import FiniteHorizonMDP, instances
from rlcert.proofs_checks import verify

BAD = [None, True, False, -1, 0, 2.5, -0.0, float("nan"), float("inf"), -float("inf"), 1e308,
       10 ** 13, 1j, "3", [1, 2], np.array([1.0, 2.0]), object()]
GOOD_INTS = [1, 2, 3, 17]


def refused_by_name(call, *names):
    """``call()`` returns, or raises a ValueError naming one of ``names``."""
    try:
        call()
    except ValueError as exc:
        msg = str(exc)
        assert any(n in msg for n in names), msg
    # any other exception type propagates and fails the test


values = st.sampled_from(BAD + GOOD_INTS)


@settings(max_examples=40)
@given(values, values)
def test_bandit_runs(n_steps, seed):
    b = BernoulliBandit([0.6, 0.5])
    for learner in (UCB1(), KLUCB(), BernoulliThompsonSampling(), EXP3(), EpsilonGreedy(0.1)):
        refused_by_name(lambda: learner.run(b, n_steps=n_steps, seed=seed), "n_steps", "seed")


@settings(max_examples=40)
@given(values, values, values)
def test_bandit_protocol(n_arms, arm, reward):
    learner = UCB1()
    refused_by_name(lambda: learner.reset(n_arms, 0), "n_arms")
    learner.reset(2, 0)
    refused_by_name(lambda: learner.update(arm, reward), "arm", "reward")


@settings(max_examples=40)
@given(values, values, values)
def test_bandit_instances(a, b, sigma):
    refused_by_name(lambda: BernoulliBandit([a, b]), "means")
    refused_by_name(lambda: GaussianBandit([0.0, 1.0], sigma=sigma), "sigma")
    refused_by_name(lambda: GaussianBandit([a, 0.5]), "means")


@settings(max_examples=30)
@given(values, values)
def test_episodic_runs_and_protocol(n_episodes, seed):
    m = FiniteHorizonMDP.from_tabular(instances.riverswim(3), 3)
    for learner in (UCBVICH(), OptimisticQLearning(), Greedy(epsilon=0.2)):
        refused_by_name(lambda: learner.run(m, n_episodes=n_episodes, seed=seed), "n_episodes",
                        "seed")
        refused_by_name(lambda: learner.reset(3, 2, 3, seed, n_episodes=n_episodes), "n_episodes",
                        "seed")


@settings(max_examples=30)
@given(values, values, values)
def test_episodic_observe(h, s, r):
    learner = UCBVICH()
    learner.reset(3, 2, 3, 0, n_episodes=10)
    learner.start_episode()
    refused_by_name(lambda: learner.observe(h, s, 0, r, 1), "observe")


@settings(max_examples=30)
@given(values, values, values)
def test_generative_sampler_and_estimators(s, n, budget):
    m = instances.garnet(3, 2, 2, seed=0, gamma=0.9)
    sampler = Sampler(m, 0, budget=1000)
    refused_by_name(lambda: sampler(s, 0, n), "s", "n", "budget")
    refused_by_name(lambda: PlugIn().run(m, n=n, seed=0), "n")
    refused_by_name(lambda: Sampler(m, 0, budget=budget), "budget")


@settings(max_examples=20)
@given(values, values, values)
def test_verify_arguments(n_trials, seed, n_jobs):
    refused_by_name(lambda: verify("planning.greedy_loss", n_trials=n_trials, seed=seed,
                                   n_jobs=n_jobs, backend="serial",
                                   params={"eps": 0.05}) if isinstance(n_trials, int)
                    and not isinstance(n_trials, bool) and 0 < n_trials < 4
                    else verify("planning.greedy_loss", n_trials=n_trials, seed=seed,
                                n_jobs=n_jobs, backend="bogus"),
                    "n_trials", "seed", "n_jobs", "backend")
