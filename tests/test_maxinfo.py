"""MaxInfo Boltzmann exploration: the declared distribution against a numpy transcription of the
rule, the softmax loss bound ``max u - E_pi u <= ln k / eta``, the compiled run against the
verifier's protocol run, input validation, and the rate check with its mutant (a fixed
temperature, whose regret is linear)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.estimators.bandits import BanditArgumentError, BernoulliBandit
from rlcert.estimators.bandits.maxinfo import MaxInfoBoltzmann
from rlcert.proofs_checks import verify
from rlcert.proofs_checks.harness import play_bandit


def rule(counts, sums, t, lam=1.0):
    """``pi_t(a) ~ exp(sqrt(t) (mu_hat + lam sqrt(8 ln t I)))``, ``I = log(1 + 1/n)/2``."""
    u = sums / counts + lam * np.sqrt(8 * np.log(t) * 0.5 * np.log(1 + 1 / counts))
    w = np.exp(np.sqrt(t) * (u - u.max()))
    return w / w.sum(), u


@settings(max_examples=30)
@given(st.lists(st.integers(0, 1), min_size=20, max_size=200), st.integers(2, 4))
def test_declared_probabilities_follow_the_rule(rewards, k):
    L = MaxInfoBoltzmann()
    L.reset(k, seed=0)
    counts, sums = np.zeros(k), np.zeros(k)
    for s, r in enumerate(rewards):
        p = L.probabilities()
        if s < k:
            np.testing.assert_array_equal(p, np.eye(k)[s])  # each arm once, in order
            a = s
        else:
            want, u = rule(counts, sums, s)
            np.testing.assert_allclose(p, want, rtol=1e-12, atol=1e-300)
            eta = math.sqrt(s)
            assert u.max() - p @ u <= math.log(k) / eta + 1e-12  # the Gibbs loss bound
            a = int(np.argmax(p))
        L.update(a, float(r))
        counts[a] += 1
        sums[a] += r
    np.testing.assert_allclose(L.information_gain(), 0.5 * np.log1p(1 / counts))


@pytest.mark.parametrize("learner", [MaxInfoBoltzmann(), MaxInfoBoltzmann(info_scale=0.0),
                                     MaxInfoBoltzmann(inverse_temperature=3.0)])
def test_compiled_run_plays_as_the_protocol_run(learner):
    b = BernoulliBandit([0.6, 0.5, 0.2])
    for seed in range(3):
        fast = play_bandit(learner, b, 3000, np.random.SeedSequence(seed), fast=True)
        slow = play_bandit(learner, b, 3000, np.random.SeedSequence(seed), fast=False)
        np.testing.assert_array_equal(fast.arms, slow.arms)
        np.testing.assert_array_equal(fast.rewards, slow.rewards)
    run = learner.run(b, n_steps=500, seed=1)
    np.testing.assert_allclose(run.extras["expected_cumulative_regret"][-1],
                               np.sum(b.best_mean - run.extras["expected_reward"]))


@pytest.mark.parametrize("kwargs,word", [(dict(info_scale=-1.0), "info_scale"),
                                         (dict(info_scale=float("nan")), "info_scale"),
                                         (dict(inverse_temperature=0.0), "inverse_temperature")])
def test_bad_parameters_are_refused(kwargs, word):
    with pytest.raises(BanditArgumentError, match=word):
        MaxInfoBoltzmann(**kwargs)


def test_protocol_misuse_is_refused():
    L = MaxInfoBoltzmann()
    with pytest.raises(BanditArgumentError, match="reset"):
        L.probabilities()
    L.reset(2, seed=0)
    with pytest.raises(BanditArgumentError, match="arm"):
        L.update(5, 1.0)
    with pytest.raises(BanditArgumentError, match="reward"):
        L.update(0, 2.0)


def test_rate_check_is_consistent_and_a_fixed_temperature_is_not():
    good = verify("bandits.maxinfo.regret_rate", n_trials=12, backend="serial")
    assert good.status == "consistent"
    assert good.slope < 0.5
    bad = verify("bandits.maxinfo.regret_rate", algorithm=MaxInfoBoltzmann(inverse_temperature=5.0),
                 n_trials=12, backend="serial")
    assert bad.status == "inconsistent" and bad.slope > 0.85
