"""The verifier measures, the subject only acts.

* A learner that plays uniformly at random and reports zero regret about itself is ``violated``
  on the bandit regret checks (``inconsistent`` on the rate check): the verifier computes the
  regret from the arms it saw played.
* A learner that declares one policy and plays another fails, the episode and step named; a
  malformed declaration, an arm out of range or a draw past the budget likewise.
* A faithful UCB1 written against the protocol (no rlcert code) gets rlcert's verdict and the
  very same trials.
* The harness and rlcert's compiled loops play the same actions and measure the same regret for
  every learner and several seeds (to 1e-12; in fact bit for bit).
* A subject lacking a method its check needs is refused by name before any trial runs.
"""

import math

import numpy as np
import pytest

from rlcert.estimators.bandits import (EXP3, KLUCB, UCB1, BernoulliBandit,
                                       BernoulliThompsonSampling, DecayingEpsilonGreedy,
                                       EpsilonGreedy, GaussianBandit, GaussianThompsonSampling,
                                       switching, ucb_trap)
from rlcert.estimators.base import protocol_seeds
from rlcert.estimators.episodic import (PSRL, UCBVIBF, UCBVICH, Greedy, KnownModel,
                                        OptimisticQLearning)
from rlcert.estimators.generative import PerturbedPlugIn, PlugIn, Sampler
from rlcert.mdp import FiniteHorizonMDP, evaluate_policy, instances, solve
from rlcert.proofs_checks import ProtocolError, verify
from rlcert.proofs_checks.harness import play_bandit, play_episodic, play_generative

SEEDS = [np.random.SeedSequence(s).spawn(4)[3] for s in (0, 1, 17)]


def riverswim(H=20, n=6):
    return FiniteHorizonMDP.from_tabular(instances.riverswim(n), H)


# -- subjects written against the protocols (no rlcert code inside) ---------------------------------
class LyingUniform:
    """Plays arms uniformly at random, and reports zero regret about itself."""

    def reset(self, n_arms, seed):
        self.k, self.rng = n_arms, np.random.default_rng(seed)

    def select(self):
        return int(self.rng.integers(self.k))

    def update(self, arm, reward):
        pass

    def run(self, bandit, *, n_steps, seed=None):  # what the old verifier read
        from rlcert.estimators import RunResult
        zero = np.zeros(n_steps)
        return RunResult("liar", {}, seed, "steps", zero, zero, zero, np.zeros(2), {})


class PlainUCB1:
    """Auer et al. (2002), Figure 1, in plain Python: each arm once, then the largest
    x_bar_j + sqrt(2 ln n / n_j), ties to the lowest arm."""

    def reset(self, n_arms, seed):
        self.n = np.zeros(n_arms)
        self.s = np.zeros(n_arms)
        self.t = 0

    def select(self):
        k = self.n.size
        if self.t < k:
            return self.t
        return int(np.argmax(self.s / self.n + np.sqrt(2 * math.log(self.t) / self.n)))

    def update(self, arm, reward):
        self.n[arm] += 1
        self.s[arm] += reward
        self.t += 1


class DeclaresOnePlaysAnother:
    """Declares 'always action 0' but acts 1 in the third episode at stage 2."""

    def reset(self, S, A, H, seed):
        self.k = -1
        self.pi = np.zeros((H, S), np.int64)

    def start_episode(self):
        self.k += 1
        return self.pi

    def act(self, h, s):
        return 1 if (self.k == 2 and h == 2) else 0

    def observe(self, h, s, a, r, s_next):
        pass


class NoPolicy:
    """Declares no policy and acts uniformly: measured by its realised regret."""

    def reset(self, S, A, H, seed):
        self.A, self.rng = A, np.random.default_rng(seed)

    def start_episode(self):
        return None

    def act(self, h, s):
        return int(self.rng.integers(self.A))

    def observe(self, h, s, a, r, s_next):
        pass


# -- the lying learner ----------------------------------------------------------------------------
def test_a_learner_reporting_zero_regret_is_measured_by_what_it_played():
    """Uniform play on (0.9, 0.5) has regret n Delta / 2 = 400 at n = 2000, above Theorem 1's
    8 ln(n) / Delta + (1 + pi^2/3) Delta = 153.7 (and below the trivial n Delta = 800); on the
    EXP3 tables with a clear best arm it is above sqrt(2 n k log k)."""
    expected = verify("bandits.ucb1.expected_regret", algorithm=LyingUniform(), n_trials=100,
                      backend="loky", n_jobs=2,
                      params={"instances": ((0.9, 0.5),), "grid": (2000,)})
    assert expected.status.value == "violated"
    (name, n, ratio, verdict), = expected.numbers["cells"]
    assert verdict == "violated" and abs(ratio - 400 / 153.7) < 0.15
    tuned = verify("bandits.exp3.tuned_horizon", algorithm=LyingUniform(), n_trials=100,
                   backend="loky", n_jobs=2, params={"grid": (1000,)})
    assert tuned.status.value == "violated"


def test_a_faithful_reimplementation_gets_rlcerts_verdict_and_trials():
    mine = verify("bandits.ucb1.expected_regret", algorithm=PlainUCB1(), n_trials=20,
                  backend="loky", n_jobs=2, params={"grid": (100, 1000, 3000)})
    ours = verify("bandits.ucb1.expected_regret", n_trials=20, backend="serial",
                  params={"grid": (100, 1000, 3000)})
    assert mine.status is ours.status
    assert [t["regret"] for t in mine.trials] == [t["regret"] for t in ours.trials]


# -- deviations and malformed declarations are caught by name -------------------------------------
def test_declaring_one_policy_and_playing_another_fails_naming_the_episode():
    tr = play_episodic(DeclaresOnePlaysAnother(), riverswim(H=5), 10, 0)
    assert tr.violation is not None and "episode 2, step 2" in tr.violation
    assert tr.values.shape[0] == 2  # the run stops at the deviation
    r = verify("episodic.ucbvi_ch.regret_rate_riverswim", algorithm=DeclaresOnePlaysAnother(),
               n_trials=2, backend="serial")
    assert r.status.value == "violated" and "episode 2, step 2" in r.details


@pytest.mark.parametrize("policy, message", [
    (lambda H, S, A: np.zeros((H, S)), "expected"),                       # float actions
    (lambda H, S, A: np.full((H, S), A, np.int64), "outside"),            # action out of range
    (lambda H, S, A: np.full((H, S, A), 0.4), "sums to"),                 # not a distribution
    (lambda H, S, A: np.zeros((H + 1, S), np.int64), "shape"),            # wrong shape
])
def test_malformed_declared_policies_fail(policy, message):
    class Bad(NoPolicy):
        def reset(self, S, A, H, seed):
            self.pol = policy(H, S, A)

        def start_episode(self):
            return self.pol

    tr = play_episodic(Bad(), riverswim(H=4), 3, 0)
    assert tr.violation is not None and message in tr.violation and "episode 0" in tr.violation


def test_bandit_arms_out_of_range_and_inconsistent_indices_fail():
    class OutOfRange(PlainUCB1):
        def select(self):
            return 7 if self.t == 5 else super().select()

    tr = play_bandit(OutOfRange(), BernoulliBandit([0.5, 0.4]), 20, 0)
    assert "step 5" in tr.violation and "[0, 2)" in tr.violation and tr.arms.size == 5

    class WrongIndices(PlainUCB1):
        def indices(self):
            return np.array([1.0, 2.0])  # claims arm 1 is best while playing UCB1's choice

    tr = play_bandit(WrongIndices(), BernoulliBandit([0.5, 0.4]), 20, 0, record=True)
    assert tr.violation is not None and "declared index" in tr.violation


def test_a_subject_without_a_policy_is_measured_by_its_realised_regret():
    m = riverswim(H=5)
    tr = play_episodic(NoPolicy(), m, 400, 3)
    assert tr.declared == "none" and np.all(np.isnan(tr.values))
    V0 = solve(m).V[0]
    realised = tr.realised_regret()
    np.testing.assert_allclose(realised, V0[tr.starts] - tr.returns)
    # uniform play: the mean realised regret per episode estimates V*_0 - V^uniform_0
    gap = float(m.initial @ (V0 - evaluate_policy(m, np.full((m.n_states, 2), 0.5))[0]))
    assert abs(realised.mean() - gap) < 4 * 5 / math.sqrt(400)
    r = verify("episodic.ucbvi_ch.regret_rate_riverswim", algorithm=NoPolicy(), n_trials=3,
               backend="serial", params={"K": 2000})
    assert "realised regret" in r.details and r.status.value == "inconsistent"


def test_a_subject_lacking_a_method_is_refused_by_name():
    with pytest.raises(ProtocolError, match="q_values"):
        verify("episodic.ucbvi_ch.optimism", algorithm=NoPolicy(), n_trials=2)
    with pytest.raises(ProtocolError, match="indices"):
        verify("bandits.ucb1.index_coverage", algorithm=PlainUCB1(), n_trials=2)

    class OnlyRun:
        def run(self, bandit, *, n_steps, seed=None):
            raise AssertionError("never called")

    with pytest.raises(ProtocolError, match="select"):
        verify("bandits.ucb1.expected_regret", algorithm=OnlyRun(), n_trials=2)


def test_the_known_model_has_margin_zero_not_a_failure():
    r = verify("episodic.ucb_h.optimism", algorithm=KnownModel(riverswim(H=5, n=4)), n_trials=5,
               backend="serial")
    assert r.status.value != "violated" and r.numbers["smallest_margin"] == 0.0


# -- the harness and the compiled loops play the same --------------------------------------------
BANDIT_LEARNERS = [UCB1(), UCB1(bonus_scale=0.3), KLUCB(), KLUCB(c=0.0),
                   BernoulliThompsonSampling(), EXP3(), EXP3("lattimore-szepesvari"),
                   EpsilonGreedy(0.2), DecayingEpsilonGreedy(5.0, 0.1)]


@pytest.mark.parametrize("learner", BANDIT_LEARNERS, ids=repr)
@pytest.mark.parametrize("bandit", [BernoulliBandit([0.6, 0.5, 0.45]),
                                    switching(2000, k=3, period=300, seed=2)],
                         ids=["bernoulli", "table"])
def test_harness_equals_compiled_loop_for_bandit_learners(learner, bandit):
    for seed in SEEDS:
        slow = play_bandit(learner, bandit, 2000, seed, record=True, fast=False)
        fast = play_bandit(learner, bandit, 2000, seed, record=True, fast=True)
        assert slow.violation is None
        np.testing.assert_array_equal(slow.arms, fast.arms)
        np.testing.assert_array_equal(slow.rewards, fast.rewards)
        if slow.declared is not None:
            np.testing.assert_array_equal(slow.declared, fast.declared)
        # and the learner's own run() records the same arms
        np.testing.assert_array_equal(learner.run(bandit, n_steps=2000, seed=seed)
                                      .extras["actions"], slow.arms)


@pytest.mark.parametrize("learner", [GaussianThompsonSampling(), EpsilonGreedy(0.1)], ids=repr)
def test_harness_equals_compiled_loop_on_gaussian_arms(learner):
    for seed in SEEDS:
        g = GaussianBandit([0.0, 0.3, 0.1], sigma=0.7)
        slow = play_bandit(learner, g, 1500, seed, fast=False)
        fast = play_bandit(learner, g, 1500, seed, fast=True)
        np.testing.assert_array_equal(slow.arms, fast.arms)
        np.testing.assert_array_equal(slow.rewards, fast.rewards)


EPISODIC_LEARNERS = [UCBVICH(), UCBVICH(bonus_scale=0.01), UCBVIBF(bonus_scale=0.1),
                     OptimisticQLearning(), OptimisticQLearning("bernstein"), PSRL(),
                     PSRL(reward_prior="gaussian"), Greedy(), Greedy(epsilon=0.1),
                     Greedy(epsilon=0.3, epsilon_decay=0.5)]


@pytest.mark.parametrize("learner", EPISODIC_LEARNERS, ids=repr)
def test_harness_equals_compiled_loop_for_episodic_learners(learner):
    m = riverswim(H=10)
    for seed in SEEDS:
        for noise in ("none", "bernoulli"):
            slow = play_episodic(learner, m, 150, seed, reward_noise=noise, record_q=True,
                                 record_path=True, fast=False)
            fast = play_episodic(learner, m, 150, seed, reward_noise=noise, record_q=True,
                                 record_path=True, fast=True)
            assert slow.violation is None and slow.declared == fast.declared
            for f in ("states", "actions", "starts", "returns"):
                np.testing.assert_array_equal(getattr(slow, f), getattr(fast, f))
            np.testing.assert_allclose(slow.values, fast.values, rtol=0, atol=1e-12)
            np.testing.assert_allclose(slow.margins, fast.margins, rtol=0, atol=1e-12)
    # run() reports the regret the verifier measures
    r = learner.run(m, n_episodes=150, seed=SEEDS[0])
    tr = play_episodic(learner, m, 150, SEEDS[0], fast=False)
    np.testing.assert_allclose(r.regret, tr.pseudo_regret(), rtol=0, atol=1e-12)


def test_harness_equals_compiled_loop_for_the_known_model():
    m = riverswim(H=8)
    slow = play_episodic(KnownModel(m), m, 50, 5, record_q=True, fast=False)
    fast = play_episodic(KnownModel(), m, 50, 5, record_q=True, fast=True)
    np.testing.assert_array_equal(slow.returns, fast.returns)
    assert np.all(slow.margins == 0.0) and np.all(fast.margins == 0.0)
    assert np.all(np.abs(slow.pseudo_regret()) <= 1e-12)


def test_the_environment_draws_the_same_numbers_in_python_and_compiled_code():
    """The premise of the equivalence: a block of uniforms from numpy equals the same number of
    scalar draws in compiled code from the same generator state."""
    from rlcert.estimators.bandits import _kernels as K
    env, _ = protocol_seeds(3)
    env2, _ = protocol_seeds(3)
    block = env.random(7)
    scalars = [K.env_noise(0, env2) for _ in range(7)]
    np.testing.assert_array_equal(block, scalars)


# -- the generative harness --------------------------------------------------------------------------
def test_the_sampler_counts_and_enforces_the_budget():
    m = instances.garnet(4, 2, 2, seed=1, gamma=0.9)
    tr = play_generative(PlugIn(), m, 0, budget=100 * 8, tally=True)
    assert tr.violation is None and tr.drawn == 800 and np.all(tr.drawn_per_pair == 100)
    assert tr.tally.sum() == 800

    class Greedy:
        def estimate(self, sampler, *, rewards, gamma, budget, seed):
            sampler.counts(budget // 8 + 1)  # more than its budget

    tr = play_generative(Greedy(), m, 0, budget=800)
    assert tr.violation is not None and "budget 800" in tr.violation
    r = verify("generative.plugin.rate_n", algorithm=Greedy(), n_trials=2, backend="serial")
    assert r.status.value == "violated" and "budget" in r.details


def test_generative_run_is_the_protocol_run():
    m = instances.garnet(5, 2, 3, seed=2, gamma=0.9)
    for est in (PlugIn(), PerturbedPlugIn(0.5)):
        r = est.run(m, n=50, seed=7)
        env, sub = protocol_seeds(7)
        s = Sampler(m, env, budget=50 * 10)
        e = est.estimate(s, rewards=m.R, gamma=m.gamma, budget=500, seed=sub)
        np.testing.assert_array_equal(r.Q, e.Q)
        assert r.samples_total == s.drawn == 500
