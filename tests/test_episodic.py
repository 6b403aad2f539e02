"""Episodic learners: bonuses and rates against the papers' printed formulas, Jin et al.'s
Lemma 4.1, the first Q-learning update, optimism judged by Clopper-Pearson (with a mutant that
must fail), sublinearity on a tiny instance where the burn-in ends, the practical variant on
RiverSwim, exact pseudo-regret, reproducibility and the step API."""

import math

import gymnasium as gym
import numpy as np
import pytest
from scipy import stats

from rlcert.estimators.episodic import (PSRL, UCBVIBF, UCBVICH, Greedy, KnownModel,
                                        LearnerArgumentError, OptimisticQLearning)
from rlcert.estimators.episodic import bonuses as bn
from rlcert.mdp import FiniteHorizonMDP, evaluate_policy, from_gymnasium, instances, solve

DELTA = 0.05


def cp_bounds(successes, trials, alpha=0.05):
    lo = 0.0 if successes == 0 else stats.beta.ppf(alpha, successes, trials - successes + 1)
    hi = 1.0 if successes == trials else stats.beta.ppf(1 - alpha, successes + 1, trials - successes)
    return lo, hi


def last_decade_slope(cum):
    K = cum.shape[0]
    return math.log(cum[K - 1] / cum[K // 10 - 1]) / math.log(10)


def tiny_instance():
    """S = A = H = 2, deterministic: action 0 goes to state 0, action 1 to state 1; rewards
    r(0, .) = (0, 0.5), r(1, .) = (0, 1): gaps 0.5 and 1."""
    P = np.zeros((2, 2, 2))
    P[:, 0, 0] = 1.0
    P[:, 1, 1] = 1.0
    return FiniteHorizonMDP(P, np.array([[0.0, 0.5], [0.0, 1.0]]), 2)


def riverswim(H=20, n=6):
    return FiniteHorizonMDP.from_tabular(instances.riverswim(n), H)


# -- the papers' formulas ---------------------------------------------------------------------------
def test_ucbvi_bonuses_by_hand():
    S, A, T, d, H = 6, 2, 2e5, 0.05, 20
    L = math.log(5 * S * A * T / d)
    assert bn.ucbvi_log(S, A, T, d) == pytest.approx(L)
    assert bn.ucbvi_ch_bonus(16, H, L) == pytest.approx(7 * H * L / 4)
    var, spm, N = 3.0, 50.0, 9
    assert bn.ucbvi_bf_bonus(N, H, S, A, L, var, spm) == pytest.approx(
        math.sqrt(8 * L * var / N) + 14 * H * L / (3 * N) + math.sqrt(8 * spm / N))
    assert bn.ucbvi_bf_cap(H, S, A, L, 0) == H * H
    big = 10 ** 14
    assert bn.ucbvi_bf_cap(H, S, A, L, big) == pytest.approx(100 ** 2 * H ** 3 * S ** 2 * A * L ** 2 / big)


def test_jin_rates_and_bonuses_by_hand():
    H, S, A, T, p = 5, 3, 2, 1e4, 0.1
    iota = math.log(S * A * T / p)
    assert bn.ql_iota(S, A, T, p) == pytest.approx(iota)
    assert bn.ql_learning_rate(1, H) == 1.0
    assert bn.ql_learning_rate(7, H) == pytest.approx(6 / 12)
    assert bn.ql_hoeffding_bonus(4, H, iota, 2.0) == pytest.approx(2.0 * math.sqrt(H ** 3 * iota / 4))
    t, W = 3, 1.5
    beta = min(math.sqrt(H / t * (W + H) * iota) + math.sqrt(H ** 7 * S * A) * iota / t,
               math.sqrt(H ** 3 * iota / t))
    assert bn.ql_bernstein_beta(t, H, S, A, iota, W, 1.0, 1.0) == pytest.approx(beta)
    assert bn.ql_bernstein_beta(0, H, S, A, iota, W, 1.0, 1.0) == 0.0
    alpha = (H + 1) / (H + t)
    assert bn.ql_bernstein_bonus(beta, 0.7, alpha) == pytest.approx((beta - (1 - alpha) * 0.7) / (2 * alpha))


@pytest.mark.parametrize("H", [1, 5, 20])
def test_jin_lemma_4_1(H):
    """alpha_t^i = alpha_i prod_{j=i+1}^t (1 - alpha_j): (a) sum_i alpha_t^i = 1; (b) 1/sqrt(t) <=
    sum_i alpha_t^i / sqrt(i) <= 2/sqrt(t); (c) max_i alpha_t^i <= 2H/t and sum_i (alpha_t^i)^2 <=
    2H/t; (d) sum_{t >= i} alpha_t^i = 1 + 1/H."""
    t_max = 3000
    alpha = np.array([bn.ql_learning_rate(t, H) for t in range(1, t_max + 1)])
    for t in (1, 2, 10, 100, t_max):
        a = alpha[:t]
        tail = np.concatenate([np.cumprod((1 - a[1:])[::-1])[::-1], [1.0]])
        w = a * tail  # alpha_t^i for i = 1..t
        i = np.arange(1, t + 1)
        assert w.sum() == pytest.approx(1.0, abs=1e-12)
        s = (w / np.sqrt(i)).sum()
        assert 1 / math.sqrt(t) - 1e-12 <= s <= 2 / math.sqrt(t) + 1e-12
        assert w.max() <= 2 * H / t + 1e-12 and (w ** 2).sum() <= 2 * H / t + 1e-12
    for i in (1, 5, 50):
        # sum over t >= i of alpha_t^i, to t_max, plus a geometric-free tail check
        total, prod = 0.0, 1.0
        for t in range(i, 200000):
            if t > i:
                prod *= 1 - bn.ql_learning_rate(t, H)
            total += bn.ql_learning_rate(i, H) * prod
            if prod < 1e-15:
                break
        assert total == pytest.approx(1 + 1 / H, rel=1e-3)


def test_first_q_learning_update_is_r_plus_v_plus_b1():
    """At t = 1, alpha_1 = 1: Q_h(s, a) = r + V_{h+1}(s') + b_1 (a swap of the weights in the
    update, as in a published implementation, would leave Q at its initial value H)."""
    H, S, A, K = 4, 3, 2, 100
    learner = OptimisticQLearning(c=1.0)
    learner.reset(S, A, H, seed=0, n_episodes=K)
    learner.start_episode()
    s, h = 1, 0
    a = learner.act(h, s)
    learner.observe(h, s, a, 0.25, 2)
    iota = math.log(S * A * K * H / 0.05)
    b1 = math.sqrt(H ** 3 * iota / 1)
    assert learner.q_values()[h, s, a] == pytest.approx(0.25 + H + b1)  # V_1 is H before any update


# -- optimism, the property the proofs rest on ---------------------------------------------------------
def optimism_trials(learner, m, n_trials, K, seed0=0):
    ok, smallest = 0, math.inf
    for trial in range(n_trials):
        r = learner.run(m, n_episodes=K, seed=seed0 + trial, record_optimism=True)
        margin = float(np.min(r.extras["optimism_margin"]))
        smallest = min(smallest, margin)
        ok += margin >= -1e-9
    return ok, smallest


@pytest.mark.parametrize("learner", [OptimisticQLearning(c=1.0), UCBVICH(), UCBVIBF(),
                                     OptimisticQLearning("bernstein")])
def test_optimism_holds(learner):
    """All 80 trials optimistic at every (k, h, s, a): the one-sided Clopper-Pearson lower limit
    (alpha = 0.05) clears 1 - delta, the verdict 'holds'."""
    m = riverswim(H=5, n=4)
    ok, smallest = optimism_trials(learner, m, 80, 400)
    lo, _ = cp_bounds(ok, 80)
    assert lo >= 1 - DELTA, (ok, smallest)
    assert smallest >= -1e-9


def test_optimism_check_catches_a_missing_bonus():
    """UCB-H with its bonus removed (bonus_scale = 0) is not optimistic: 'violated'."""
    m = riverswim(H=5, n=4)
    ok, smallest = optimism_trials(OptimisticQLearning(bonus_scale=0.0), m, 40, 400)
    _, hi = cp_bounds(ok, 40)
    assert hi < 1 - DELTA and smallest < 0


# -- regret ---------------------------------------------------------------------------------------------
def test_sublinear_with_the_papers_constants_on_a_tiny_instance():
    """UCBVI-CH (7 H L / sqrt(N)) leaves its burn-in inside 10^6 episodes on S = A = H = 2:
    last-decade slope <= 0.65, while fixed epsilon-greedy (epsilon = 0.1) stays linear."""
    m, K = tiny_instance(), 10 ** 6
    ucbvi = UCBVICH().run(m, n_episodes=K, seed=0)
    eps = Greedy(epsilon=0.1).run(m, n_episodes=K, seed=0)
    assert last_decade_slope(ucbvi.cumulative_regret) <= 0.65
    assert last_decade_slope(eps.cumulative_regret) > 0.9
    assert ucbvi.params["bonus_scale"] == 1.0


def test_practical_variant_on_riverswim():
    """bonus_scale = 0.01 (a documented practical variant) leaves the burn-in on RiverSwim(6),
    H = 20: median last-decade slope <= 0.65 over 20 seeds; the no-bonus control (greedy) has
    slope > 0.9 in at least 80% of the seeds."""
    m, K = riverswim(), 30000
    slopes = [last_decade_slope(UCBVICH(bonus_scale=0.01).run(m, n_episodes=K, seed=s)
                                .cumulative_regret) for s in range(20)]
    control = [last_decade_slope(Greedy().run(m, n_episodes=K, seed=s).cumulative_regret)
               for s in range(20)]
    assert np.median(slopes) <= 0.65
    assert np.mean(np.array(control) > 0.9) >= 0.8


def test_known_model_has_zero_pseudo_regret():
    for m in (riverswim(), tiny_instance()):
        r = KnownModel().run(m, n_episodes=200, seed=1)
        assert np.all(np.abs(r.regret) <= 1e-12)


def test_regret_of_the_uniform_policy_equals_an_independent_evaluation():
    """Greedy with epsilon = 1 plays the uniform policy in every episode, so each episode's
    pseudo-regret is initial . (V* - V^uniform) computed by rlcert.mdp.evaluate_policy."""
    m = riverswim(H=10)
    r = Greedy(epsilon=1.0).run(m, n_episodes=50, seed=3)
    V_unif = evaluate_policy(m, np.full((m.n_states, m.n_actions), 0.5))
    expected = m.initial @ (solve(m).V[0] - V_unif[0])
    np.testing.assert_allclose(r.regret, expected, rtol=0, atol=1e-12)


def test_psrl_learns_riverswim():
    m, K = riverswim(), 20000
    slopes = [last_decade_slope(PSRL().run(m, n_episodes=K, seed=s).cumulative_regret)
              for s in range(5)]
    assert np.median(slopes) <= 0.65
    r = PSRL(reward_prior="gaussian").run(m, n_episodes=2000, seed=0)
    assert r.cumulative_regret[-1] < 0.5 * 2000 * r.regret[0]


def test_same_seed_same_numbers():
    m = riverswim(H=10)
    for learner in (UCBVICH(bonus_scale=0.05), OptimisticQLearning("bernstein"), PSRL(),
                    Greedy(epsilon=0.2)):
        a = learner.run(m, n_episodes=300, seed=42)
        b = learner.run(m, n_episodes=300, seed=42)
        np.testing.assert_array_equal(a.regret, b.regret)
        np.testing.assert_array_equal(a.returns, b.returns)
        c = learner.run(m, n_episodes=300, seed=43)
        assert not np.array_equal(a.returns, c.returns)


def test_q_learning_handles_stage_dependent_transitions():
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(3), size=(4, 3, 2))
    R = rng.random((4, 3, 2))
    m = FiniteHorizonMDP(P, R, 4)
    r = OptimisticQLearning().run(m, n_episodes=500, seed=0, record_optimism=True)
    assert r.counts.shape == (4, 3, 2) and r.counts.sum() == 500 * 4
    assert np.min(r.extras["optimism_margin"]) >= -1e-9
    with pytest.raises(LearnerArgumentError, match="stationary"):
        UCBVICH().run(m, n_episodes=10)


# -- the protocol, for environments the learner does not own ------------------------------------------
def test_protocol_reproduces_the_compiled_loop_on_a_deterministic_instance():
    """Same learner, same (deterministic) transitions: the protocol methods and run() visit the
    same pairs."""
    m = tiny_instance()
    K, H = 300, m.horizon
    learner = UCBVICH(bonus_scale=0.2)
    res = learner.run(m, n_episodes=K, seed=0)
    P, R = m.P, m.R
    learner.reset(2, 2, H, seed=0, n_episodes=K)
    counts = np.zeros((2, 2), int)
    for _ in range(K):
        policy = learner.start_episode()
        s = 0
        for h in range(H):
            a = learner.act(h, s)
            assert a == policy[h, s]
            s2 = int(np.argmax(P[s, a]))
            learner.observe(h, s, a, R[h, s, a], s2)
            counts[s, a] += 1
            s = s2
    np.testing.assert_array_equal(counts, res.counts)


def test_protocol_with_a_gymnasium_environment():
    env = gym.make("FrozenLake-v1")
    model = from_gymnasium(env)
    H, K = 30, 40
    learner = OptimisticQLearning()
    learner.reset(model.n_states, model.n_actions, H, seed=0, n_episodes=K)
    observed = 0
    for episode in range(K):
        s, _ = env.reset(seed=episode)
        learner.start_episode()
        for h in range(H):
            a = learner.act(h, int(s))
            s2, r, terminated, truncated, _ = env.step(a)
            learner.observe(h, int(s), a, float(r), int(s2))
            observed += 1
            s = s2
            if terminated or truncated:
                break
    assert learner._state[7].sum() == observed


def test_protocol_methods_refuse_misuse_by_name():
    learner = UCBVICH()
    with pytest.raises(LearnerArgumentError, match="before reset"):
        learner.start_episode()
    with pytest.raises(LearnerArgumentError, match="n_episodes"):
        learner.reset(3, 2, 4, seed=0)
    learner.reset(3, 2, 4, seed=0, n_episodes=10)
    learner.start_episode()
    with pytest.raises(LearnerArgumentError, match="outside"):
        learner.observe(0, 3, 0, 0.5, 1)
    with pytest.raises(LearnerArgumentError, match="reward"):
        learner.observe(0, 1, 0, 1.5, 1)
    with pytest.raises(LearnerArgumentError, match="KnownModel needs its model"):
        KnownModel().reset(3, 2, 4, seed=0)


@pytest.mark.parametrize("bad, message", [
    (lambda: UCBVICH(delta=1.5), "delta"),
    (lambda: UCBVICH(bonus_scale=-1), "bonus_scale"),
    (lambda: OptimisticQLearning("laplace"), "bonus"),
    (lambda: Greedy(epsilon=2.0), "epsilon"),
    (lambda: PSRL(reward_prior="cauchy"), "reward_prior"),
    (lambda: UCBVICH().run(instances.riverswim(6, gamma=0.9), n_episodes=10), "FiniteHorizonMDP"),
    (lambda: UCBVICH().run(riverswim(), n_episodes=0), "n_episodes"),
    (lambda: UCBVICH().run(FiniteHorizonMDP.from_tabular(instances.forest(gamma=None), 5),
                           n_episodes=3), "rewards in \\[0, 1\\]"),
])
def test_bad_arguments_are_refused(bad, message):
    with pytest.raises(LearnerArgumentError, match=message):
        bad()
