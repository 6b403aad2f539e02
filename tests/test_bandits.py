"""Bandit instances and learners: each index and update against the paper's printed formula,
computed by hand here from the run's own actions and rewards; sampling learners against exact
probabilities (Clopper-Pearson, two-sided, alpha = 1e-3 per comparison); regret bookkeeping
against brute force; reproducibility; refused input.

The statistical checks of the guarantees (regret bounds, coverage, Lai-Robbins ratios) are in
``test_bandit_checks.py``."""

import math

import numpy as np
import pytest
from scipy import integrate, optimize, stats

from rlcert.bounds import evaluate
from rlcert.bounds import concentration as conc
from rlcert.bounds.indices import kl_upper_newton
from rlcert.estimators import RunResult
from rlcert.estimators.bandits import (EXP3, KLUCB, UCB1, AdversarialBandit, BanditArgumentError,
                                       BernoulliBandit, BernoulliThompsonSampling,
                                       DecayingEpsilonGreedy, EpsilonGreedy, GaussianBandit,
                                       GaussianThompsonSampling, InvalidBanditError, run_trials,
                                       switching, ucb_trap)
from rlcert.estimators.bandits.instances import StochasticBandit

from rlcert.proofs_checks.statistics import clopper_pearson


def cp_interval(k: int, n: int, alpha: float) -> tuple[float, float]:
    """Two-sided Clopper-Pearson interval at level 1 - alpha."""
    return clopper_pearson(k, n, alpha / 2)

ALPHA = 1e-3
ALL_LEARNERS = [UCB1(), UCB1(bonus_scale=math.sqrt(0.05)), KLUCB(), KLUCB(c=0.0),
                BernoulliThompsonSampling(), GaussianThompsonSampling(), EXP3(),
                EXP3("lattimore-szepesvari"), EpsilonGreedy(0.1),
                DecayingEpsilonGreedy(c=5.0, d=0.1)]


def kl_hand(p, q):
    """Bernoulli KL written out (scipy's rel_entr handles 0 log 0)."""
    from scipy.special import rel_entr
    return float(rel_entr(p, q) + rel_entr(1 - p, 1 - q))


def means_so_far(actions, rewards, s, k):
    """Plays and mean of each arm over steps 0 .. s-1 (by brute force)."""
    counts = np.array([np.sum(actions[:s] == j) for j in range(k)])
    sums = np.array([np.sum(rewards[:s][actions[:s] == j]) for j in range(k)])
    return counts, sums


# -- instances --------------------------------------------------------------------------------------
def test_bernoulli_instance_numbers():
    b = BernoulliBandit([0.6, 0.59, 0.5, 0.1, 0.6])
    assert b.k == 5 and b.best_arm == 0 and b.best_mean == 0.6
    np.testing.assert_allclose(b.gaps, [0.0, 0.01, 0.1, 0.5, 0.0], atol=1e-15)
    assert b.suboptimal.tolist() == [False, True, True, True, False]
    expected_kl = [kl_hand(m, 0.6) for m in (0.6, 0.59, 0.5, 0.1, 0.6)]
    np.testing.assert_allclose(b.kl, expected_kl, rtol=1e-12, atol=1e-300)
    lr = sum((0.6 - m) / kl_hand(m, 0.6) for m in (0.59, 0.5, 0.1))
    assert b.lai_robbins_constant == pytest.approx(lr, rel=1e-12)
    assert b.trivial_regret(1000) == pytest.approx(500.0)
    params = b.card_params("bandit.ucb1.upper")
    assert set(params) == {"Delta"}
    np.testing.assert_allclose(params["Delta"], [0.01, 0.1, 0.5])
    # the card, evaluated with the instance's numbers, against the printed formula
    n = 1e4
    hand = 8 * sum(math.log(n) / d for d in (0.01, 0.1, 0.5)) + (1 + math.pi ** 2 / 3) * 0.61
    assert evaluate("bandit.ucb1.upper", n=n, **params) == pytest.approx(hand, rel=1e-12)
    assert set(b.card_params("bandit.exp3.upper")) == {"k"}


def test_lai_robbins_constant_matches_its_card_and_sits_below_ucb1():
    for means in ([0.5, 0.4], [0.9, 0.8, 0.7], [0.99, 0.5, 0.01], [0.3, 0.2, 0.2, 0.1]):
        b = BernoulliBandit(means)
        for n in (10.0, 1e3, 1e6):
            lr = evaluate("bandit.lai_robbins.lower", n=n, **b.card_params("bandit.lai_robbins.lower"))
            assert lr == pytest.approx(b.lai_robbins_constant * math.log(n), rel=1e-12)
            # Pinsker: kl >= 2 Delta^2, so Delta / kl <= 1 / (2 Delta) < 8 / Delta
            assert lr < evaluate("bandit.ucb1.upper", n=n, **b.card_params("bandit.ucb1.upper"))


def test_best_arm_with_mean_one_adds_nothing():
    b = BernoulliBandit([1.0, 0.5])
    assert math.isinf(b.kl[1]) and b.lai_robbins_constant == 0.0


def test_gaussian_instance_numbers():
    b = GaussianBandit([1.0, 0.5, -0.25], sigma=2.0)
    np.testing.assert_allclose(b.kl, [0.0, 0.25 / 8, 1.5625 / 8])
    assert b.lai_robbins_constant == pytest.approx(2 * 4 / 0.5 + 2 * 4 / 1.25, rel=1e-12)


@pytest.mark.parametrize("build, message", [
    (lambda: BernoulliBandit([0.5, 1.2]), r"means\[1\] = 1\.2 is not in \[0, 1\]"),
    (lambda: BernoulliBandit([0.5]), "at least 2 arms"),
    (lambda: BernoulliBandit([[0.5, 0.2]]), "1-D"),
    (lambda: GaussianBandit([0.0, float("nan")]), r"means\[1\] = nan is not finite"),
    (lambda: GaussianBandit([0.0, 1.0], sigma=0.0), "sigma = 0.0"),
    (lambda: AdversarialBandit([[0.0, 1.5], [0.2, 0.3]]), r"rewards\[0, 1\] = 1\.5 is not in"),
    (lambda: AdversarialBandit(np.zeros((3, 1))), "at least 2 arms"),
    (lambda: StochasticBandit([0.1, 0.2]), "abstract"),
])
def test_invalid_instances_are_refused_by_name(build, message):
    with pytest.raises(InvalidBanditError, match=message):
        build()
    assert issubclass(InvalidBanditError, ValueError)


def test_adversarial_table_bookkeeping_by_brute_force():
    rng = np.random.default_rng(0)
    x = rng.random((40, 3))
    b = AdversarialBandit(x)
    for n in range(1, 41):
        totals = [sum(x[t, a] for t in range(n)) for a in range(3)]
        assert b.best_cumulative[n - 1] == pytest.approx(max(totals), rel=1e-12)
        assert b.best_arm_at(n) == int(np.argmax(totals))
        assert b.trivial_regret(n) == pytest.approx(
            max(totals) - sum(min(x[t]) for t in range(n)), rel=1e-12)


def test_seeded_tables():
    base = BernoulliBandit([0.7, 0.2])
    t1 = AdversarialBandit.sampled(base, 20000, seed=1)
    assert np.array_equal(t1.rewards, AdversarialBandit.sampled(base, 20000, seed=1).rewards)
    assert not np.array_equal(t1.rewards, AdversarialBandit.sampled(base, 20000, seed=2).rewards)
    for a, mu in enumerate((0.7, 0.2)):  # the draws are Bernoulli(mu_a)
        k = int(t1.rewards[:, a].sum())
        lo, hi = cp_interval(k, 20000, ALPHA)
        assert lo <= mu <= hi
    sw = switching(3000, k=3, period=100, high=1.0, low=0.0, seed=5)
    assert np.array_equal(sw.rewards, switching(3000, k=3, period=100, high=1.0, low=0.0,
                                                seed=5).rewards)
    blocks = sw.rewards.reshape(30, 100, 3)
    good = blocks[:, 0, :].argmax(axis=1)
    assert np.all(blocks.sum(axis=2) == 1)                   # one good arm per step
    assert np.all(blocks == blocks[:, :1, :])                 # constant within a block
    assert np.all(good[1:] != good[:-1])                      # it changes at every block
    trap = ucb_trap(10, k=3)
    assert trap.rewards.tolist() == [[0, 1, 1], [1, 0, 1], [1, 1, 0]] * 3 + [[0, 1, 1]]
    noisy = ucb_trap(1000, k=2, p=0.5, seed=3)
    assert np.all(noisy.rewards[np.arange(1000), np.arange(1000) % 2] == 0)
    assert np.array_equal(noisy.rewards, ucb_trap(1000, k=2, p=0.5, seed=3).rewards)


# -- index ingredients ------------------------------------------------------------------------------
def test_ucb1_width_is_one_sided_hoeffding_at_t_minus_4():
    """hoeffding_width(n, 2 t^-4) = sqrt(2 ln t / n), and exp(-2 n w^2) = t^-4 (Hoeffding's
    one-sided tail at that width), the step of the proof of Theorem 1."""
    for t in (2, 10, 1000, 10 ** 6):
        for n in (1, 7, 500):
            w = conc.hoeffding_width(n, 2.0 * t ** -4.0, 1.0)
            assert w == pytest.approx(math.sqrt(2 * math.log(t) / n), rel=1e-12)
            assert math.exp(-2 * n * w * w) == pytest.approx(t ** -4.0, rel=1e-9)


def test_kl_upper_newton_equals_bisection_and_the_definition():
    for p in np.concatenate([[0.0, 1e-9, 1e-3, 0.999, 1 - 1e-9, 1.0], np.linspace(0, 1, 51)]):
        for level in np.geomspace(1e-8, 500, 30):
            u = kl_upper_newton(p, level)
            assert abs(u - conc.kl_upper(p, level)) <= 1e-12
            assert p <= u <= 1.0
            assert conc.kl_bernoulli(p, u) <= level  # feasible, as computed
            if u < 1 - 1e-9:  # maximal: a little further exceeds the level
                assert conc.kl_bernoulli(p, u + 1e-9) > level
    assert kl_upper_newton(0.0, 2.0) == pytest.approx(1 - math.exp(-2.0), rel=1e-15)
    assert kl_upper_newton(0.3, 0.0) == 0.3 and kl_upper_newton(0.3, -1.0) == 0.3
    assert kl_upper_newton(1.0, 0.5) == 1.0
    # against a root finder written here (brentq on the test's own kl)
    for p, level in ((0.2, 0.05), (0.5, 1e-3), (0.9, 0.3), (0.01, 2.0)):
        root = optimize.brentq(lambda q: kl_hand(p, q) - level, p, 1 - 1e-15, xtol=1e-15)
        assert kl_upper_newton(p, level) == pytest.approx(root, abs=1e-12)


# -- UCB1 and KL-UCB against their printed indices ----------------------------------------------------
def _replay_index_policy(result, k, index, track):
    """Check each decision of an index policy against ``index(mean, n_j, s)`` computed here."""
    actions, rewards = result.extras["actions"], result.returns
    aux = result.extras["best_arm_index"]
    assert actions[:k].tolist() == list(range(k))  # each arm once, in order
    assert np.all(np.isnan(aux[:k]))
    decided = 0
    for s in range(k, result.n):
        counts, sums = means_so_far(actions, rewards, s, k)
        u = np.array([index(sums[j] / counts[j], counts[j], s) for j in range(k)])
        if track >= 0:
            assert aux[s] == pytest.approx(u[track], rel=1e-12, abs=1e-12)
        top = np.sort(u)[-2:]
        if top[1] - top[0] > 1e-9:  # away from floating-point ties
            assert actions[s] == int(np.argmax(u))
            decided += 1
    return decided


def test_ucb1_decisions_follow_figure_1():
    b = BernoulliBandit([0.6, 0.5, 0.45])
    res = UCB1().run(b, n_steps=300, seed=4)
    decided = _replay_index_policy(
        res, 3, lambda m, nj, s: m + math.sqrt(2 * math.log(s) / nj), track=0)
    assert decided > 250
    # on a table with fractional rewards, no optimal arm is tracked
    table = AdversarialBandit(np.random.default_rng(1).random((200, 4)))
    res = UCB1().run(table, n_steps=200, seed=0)
    assert np.all(np.isnan(res.extras["best_arm_index"]))
    counts, sums = means_so_far(res.extras["actions"], res.returns, 150, 4)
    u = sums / counts + np.sqrt(2 * math.log(150) / counts)
    assert res.extras["actions"][150] == int(np.argmax(u))


def test_ucb1_mutant_index():
    b = BernoulliBandit([0.5, 0.45])
    res = UCB1(bonus_scale=math.sqrt(0.05)).run(b, n_steps=200, seed=1)
    _replay_index_policy(res, 2, lambda m, nj, s: m + math.sqrt(0.1 * math.log(s) / nj), track=0)
    assert res.params == {"bonus_scale": math.sqrt(0.05)}


@pytest.mark.parametrize("c", [3.0, 0.0])
def test_klucb_decisions_follow_algorithm_1(c):
    def index(m, nj, s):
        level = (math.log(s) + c * math.log(math.log(s))) / nj
        if level <= 0:
            return m
        if m >= 1.0 or kl_hand(m, 1 - 1e-15) <= level:
            return 1.0
        return optimize.brentq(lambda q: kl_hand(m, q) - level, m, 1 - 1e-15, xtol=1e-14)

    b = BernoulliBandit([0.55, 0.5, 0.3])
    res = KLUCB(c=c).run(b, n_steps=250, seed=2)
    decided = _replay_index_policy(res, 3, index, track=0)
    assert decided > 200
    assert res.params == {"c": c}


@pytest.mark.parametrize("bandit", [
    BernoulliBandit(np.linspace(0.1, 0.9, 10)), BernoulliBandit([0.5, 0.5, 0.45]),
    ucb_trap(600, k=3), AdversarialBandit((np.arange(1200).reshape(400, 3) % 4) / 3.0),
], ids=["10 arms", "tied best", "trap", "periodic table"])
def test_klucb_lazy_indices_choose_as_the_full_argmax(bandit):
    """The kernel evaluates KL-UCB's indices lazily; every choice equals the argmax (lowest
    number on exact ties) of all indices computed with the same function, step by step."""
    for c in (3.0, 0.0):
        res = KLUCB(c=c).run(bandit, n_steps=400, seed=8)
        a, r = res.extras["actions"], res.returns
        counts = np.zeros(bandit.k)
        sums = np.zeros(bandit.k)
        for s in range(400):
            if s >= bandit.k:
                f = math.log(s) + c * math.log(math.log(s))
                u = [kl_upper_newton(sums[j] / counts[j], f / counts[j]) for j in range(bandit.k)]
                assert a[s] == int(np.argmax(u)), (c, s, u)
            counts[a[s]] += 1
            sums[a[s]] += r[s]


def test_klucb_first_decision_with_non_positive_exploration_is_the_mean():
    """t = 2, c = 3: ln 2 + 3 ln ln 2 < 0, so both indices are the empirical means."""
    assert math.log(2) + 3 * math.log(math.log(2)) < 0
    table = AdversarialBandit([[0.2, 0.9], [0.7, 0.4], [0.0, 0.0]])
    res = KLUCB().run(table, n_steps=3, seed=0)
    assert res.extras["actions"].tolist() == [0, 1, 1]  # 0.9 > 0.2


# -- EXP3 against its printed update ----------------------------------------------------------------
def _exp3_probabilities(tuning, actions, rewards, k, n):
    """The sampling distributions of every step of a run tuned for horizon ``n``, from the
    printed formulas."""
    out = np.empty((len(actions), k))
    if tuning == "auer2002":
        gamma = min(1.0, math.sqrt(k * math.log(k) / ((math.e - 1) * n)))
        w = np.ones(k)
        for t in range(len(actions)):
            p = (1 - gamma) * w / w.sum() + gamma / k
            out[t] = p
            a = actions[t]
            xhat = np.zeros(k)
            xhat[a] = rewards[t] / p[a]
            w = w * np.exp(gamma * xhat / k)
    else:
        eta = math.sqrt(2 * math.log(k) / (n * k))
        S = np.zeros(k)
        for t in range(len(actions)):
            e = np.exp(eta * (S - S.max()))
            P = e / e.sum()
            out[t] = P
            a = actions[t]
            S = S + 1.0
            S[a] -= (1.0 - rewards[t]) / P[a]
    return out


@pytest.mark.parametrize("tuning", ["auer2002", "lattimore-szepesvari"])
def test_exp3_probabilities_follow_the_printed_update(tuning):
    rng = np.random.default_rng(3)
    x = rng.random((400, 3))
    table = AdversarialBandit(x)
    res = EXP3(tuning).run(table, n_steps=400, seed=9)
    P = _exp3_probabilities(tuning, res.extras["actions"], res.returns, 3, 400)
    np.testing.assert_allclose(res.extras["expected_reward"], (P * x).sum(axis=1), rtol=1e-10)
    best = x.cumsum(axis=0).max(axis=1)
    np.testing.assert_allclose(res.extras["expected_cumulative_regret"],
                               best - np.cumsum((P * x).sum(axis=1)), rtol=1e-9, atol=1e-9)
    name, value = (("gamma", math.sqrt(3 * math.log(3) / ((math.e - 1) * 400)))
                   if tuning == "auer2002" else ("eta", math.sqrt(2 * math.log(3) / 1200)))
    assert res.params[name] == pytest.approx(value, rel=1e-15)
    # on a stochastic instance: sum_t (mu* - p_t . mu)
    b = BernoulliBandit([0.7, 0.4, 0.2])
    res = EXP3(tuning, horizon=1000).run(b, n_steps=300, seed=2)
    P = _exp3_probabilities(tuning, res.extras["actions"], res.returns, 3, 1000)
    assert res.params["horizon"] == 1000
    np.testing.assert_allclose(res.extras["expected_cumulative_regret"],
                               np.cumsum(0.7 - P @ b.means), rtol=1e-9)


@pytest.mark.parametrize("tuning", ["auer2002", "lattimore-szepesvari"])
def test_exp3_samples_from_its_distribution(tuning):
    """Step 0 is uniform; step 1 follows the updated distribution computed by hand."""
    x = np.array([[0.8, 0.1], [0.5, 0.5]])
    table = AdversarialBandit(x)
    n_trials = 20000
    ts = run_trials(EXP3(tuning, horizon=10), table, n_steps=2, n_trials=n_trials, seed=4,
                    checkpoints=[1, 2])
    first = ts.counts[:, 0, 0] == 1        # arm 0 played at step 0
    second = (ts.counts[:, 1, 0] - ts.counts[:, 0, 0]) == 1
    lo, hi = cp_interval(int(first.sum()), n_trials, ALPHA)
    assert lo <= 0.5 <= hi
    for a0 in (0, 1):
        P = _exp3_probabilities(tuning, np.array([a0, 0]), np.array([x[0, a0], 0.0]), 2, 10)
        rows = first if a0 == 0 else ~first
        lo, hi = cp_interval(int(second[rows].sum()), int(rows.sum()), ALPHA)
        assert lo <= P[1, 0] <= hi, (a0, P[1, 0], lo, hi)


# -- Thompson sampling against exact posterior probabilities -----------------------------------------
def prob_argmax_beta(params):
    """P(theta_i is the largest) for independent Beta(a_i, b_i), by quadrature."""
    out = []
    for i, (a, b) in enumerate(params):
        def f(x, a=a, b=b, i=i):
            val = stats.beta.pdf(x, a, b)
            for j, (aj, bj) in enumerate(params):
                if j != i:
                    val *= stats.beta.cdf(x, aj, bj)
            return val
        out.append(integrate.quad(f, 0, 1, epsabs=1e-12)[0])
    return np.array(out)


def test_beta_thompson_sampling_picks_each_arm_with_its_posterior_probability():
    """Bayesian consistency: the sampled arm is the best one with exactly the posterior
    probability of being best (here the prior itself, at step 0)."""
    prior = [(2.0, 5.0), (3.0, 3.0), (1.0, 1.0)]
    probs = prob_argmax_beta(prior)
    assert probs.sum() == pytest.approx(1.0, abs=1e-9)
    learner = BernoulliThompsonSampling(alpha0=[p[0] for p in prior], beta0=[p[1] for p in prior])
    n_trials = 30000
    ts = run_trials(learner, BernoulliBandit([0.5, 0.5, 0.5]), n_steps=1, n_trials=n_trials,
                    seed=6, checkpoints=[1])
    for a in range(3):
        lo, hi = cp_interval(int(ts.counts[:, 0, a].sum()), n_trials, ALPHA / 3)
        assert lo <= probs[a] <= hi, (a, probs[a], lo, hi)


@pytest.mark.parametrize("reward, p_again", [
    (1.0, 2 / 3),                     # P(Beta(2,1) > U) = E Beta(2,1) = 2/3
    (0.3, 0.3 * 2 / 3 + 0.7 * 1 / 3),  # a Bernoulli(0.3) trial: Beta(2,1) or Beta(1,2)
])
def test_beta_thompson_sampling_update(reward, p_again):
    """Both arms pay ``reward`` at step 0; the arm played is played again at step 1 with the
    probability that its posterior sample beats the other arm's uniform prior sample."""
    table = AdversarialBandit([[reward, reward], [0.0, 0.0]])
    n_trials = 30000
    ts = run_trials(BernoulliThompsonSampling(), table, n_steps=2, n_trials=n_trials, seed=7,
                    checkpoints=[1, 2])
    first = ts.counts[:, 0, 0] == 1
    again = np.where(first, ts.counts[:, 1, 0] == 2, ts.counts[:, 1, 1] == 2)
    for rows in (first, ~first):
        lo, hi = cp_interval(int(again[rows].sum()), int(rows.sum()), ALPHA)
        assert lo <= p_again <= hi, (p_again, lo, hi)


def test_gaussian_thompson_sampling_posterior():
    """After reward 1 on arm 0: theta_0 ~ N(1/2, sigma^2/2), theta_1 ~ N(0, sigma^2), so arm 0
    is played again with probability Phi(0.5 / sqrt(1.5 sigma^2))."""
    for sigma in (1.0, 0.5):
        table = AdversarialBandit([[1.0, 1.0], [0.0, 0.0]])
        n_trials = 30000
        ts = run_trials(GaussianThompsonSampling(sigma=sigma), table, n_steps=2,
                        n_trials=n_trials, seed=8, checkpoints=[1, 2])
        first = ts.counts[:, 0, 0] == 1
        lo, hi = cp_interval(int(first.sum()), n_trials, ALPHA)
        assert lo <= 0.5 <= hi
        again = np.where(first, ts.counts[:, 1, 0] == 2, ts.counts[:, 1, 1] == 2)
        p = stats.norm.cdf(0.5 / math.sqrt(1.5 * sigma ** 2))
        lo, hi = cp_interval(int(again.sum()), n_trials, ALPHA)
        assert lo <= p <= hi, (sigma, p, lo, hi)


# -- epsilon-greedy -----------------------------------------------------------------------------------
def _greedy_arms(actions, rewards, k):
    """The greedy arm before each step, by hand (unplayed arms first, lowest number on ties)."""
    out = np.empty(actions.size, dtype=np.int64)
    counts = np.zeros(k)
    sums = np.zeros(k)
    for s, (a, r) in enumerate(zip(actions, rewards)):
        means = np.where(counts == 0, np.inf, sums / np.maximum(counts, 1))
        out[s] = int(np.argmax(means))
        counts[a] += 1
        sums[a] += r
    return out


def test_fixed_epsilon_greedy_explores_with_probability_epsilon():
    """Given the past, P(A_t != greedy arm) = eps (k-1)/k at every step, so over all steps and
    runs the count of such steps is Binomial(N, eps (k-1)/k)."""
    x = np.zeros((60, 3))
    x[:, 1] = 1.0
    table = AdversarialBandit(x)
    eps, off, total = 0.2, 0, 0
    for i in range(300):
        res = EpsilonGreedy(eps).run(table, n_steps=60, seed=i)
        greedy = _greedy_arms(res.extras["actions"], res.returns, 3)
        off += int(np.sum(res.extras["actions"] != greedy))
        total += 60
    lo, hi = cp_interval(off, total, ALPHA)
    assert lo <= eps * 2 / 3 <= hi
    res = EpsilonGreedy(0.0).run(table, n_steps=60, seed=0)  # pure greedy: each arm, then arm 1
    assert res.extras["actions"].tolist() == [0, 1, 2] + [1] * 57


def test_decaying_epsilon_greedy_schedule():
    """epsilon_n = min(1, c K / (d^2 n)) (Figure 3), checked at plays where it is below 1."""
    learner = DecayingEpsilonGreedy(c=0.5, d=0.5)
    k = 2
    for n in (1, 4, 5, 100):
        assert learner.epsilon(k, n) == pytest.approx(min(1.0, 0.5 * 2 / (0.25 * n)), rel=1e-15)
    table = AdversarialBandit(np.tile([1.0, 0.0], (40, 1)))
    steps = np.array([9, 19, 39])                   # plays n = 10, 20, 40
    off = np.zeros(3, dtype=int)
    n_runs = 3000
    for i in range(n_runs):
        res = learner.run(table, n_steps=40, seed=i)
        greedy = _greedy_arms(res.extras["actions"], res.returns, k)
        off += res.extras["actions"][steps] != greedy[steps]
    for j, s in enumerate(steps):
        p = min(1.0, 0.5 * 2 / (0.25 * (s + 1))) * (k - 1) / k
        lo, hi = cp_interval(int(off[j]), n_runs, ALPHA / 3)
        assert lo <= p <= hi, (s, p, lo, hi)


# -- regret bookkeeping --------------------------------------------------------------------------------
@pytest.mark.parametrize("learner", ALL_LEARNERS, ids=repr)
def test_pseudo_regret_is_sum_of_gaps_times_pulls(learner):
    b = BernoulliBandit([0.8, 0.6, 0.75, 0.1])
    res = learner.run(b, n_steps=3000, seed=5)
    assert isinstance(res, RunResult) and res.unit == "steps" and res.n == 3000
    assert res.counts.sum() == 3000
    assert np.array_equal(res.counts, np.bincount(res.extras["actions"], minlength=4))
    assert res.total_regret == pytest.approx(float(b.gaps @ res.counts), rel=1e-12)
    np.testing.assert_array_equal(res.regret, b.gaps[res.extras["actions"]])
    assert set(np.unique(res.returns)) <= {0.0, 1.0}


@pytest.mark.parametrize("learner", ALL_LEARNERS, ids=repr)
def test_adversarial_regret_against_best_arm_in_hindsight_by_brute_force(learner):
    x = np.random.default_rng(2).random((250, 3))
    res = learner.run(AdversarialBandit(x), n_steps=250, seed=3)
    a = res.extras["actions"]
    np.testing.assert_array_equal(res.returns, x[np.arange(250), a])
    for n in (1, 2, 17, 100, 250):
        brute = max(sum(x[t, j] for t in range(n)) for j in range(3)) - sum(
            x[t, a[t]] for t in range(n))
        assert res.cumulative_regret[n - 1] == pytest.approx(brute, abs=1e-9)


def test_gaussian_rewards():
    b = GaussianBandit([0.0, 1.0], sigma=0.5)
    res = GaussianThompsonSampling().run(b, n_steps=2000, seed=1)
    a = res.extras["actions"]
    noise = res.returns - b.means[a]
    assert abs(noise.mean()) < 4 * 0.5 / math.sqrt(2000)
    assert noise.std() == pytest.approx(0.5, rel=0.1)
    assert res.total_regret == pytest.approx(float(b.gaps @ res.counts))


@pytest.mark.parametrize("learner", [UCB1(), KLUCB()], ids=repr)
def test_index_policies_fall_into_the_trap(learner):
    """On ucb_trap every reward they see is 0: the regret at n is exactly the best arm's total,
    n - floor(n / k) for p = 1 (linear)."""
    for k in (2, 3):
        res = learner.run(ucb_trap(999, k=k), n_steps=999, seed=0)
        n = np.arange(1, 1000)
        assert np.all(res.returns == 0.0)
        np.testing.assert_array_equal(res.cumulative_regret, (n - n // k).astype(float))
    noisy = ucb_trap(500, k=2, p=0.6, seed=1)
    res = learner.run(noisy, n_steps=500, seed=0)
    np.testing.assert_allclose(res.cumulative_regret, noisy.best_cumulative, atol=1e-12)


# -- reproducibility -------------------------------------------------------------------------------
@pytest.mark.parametrize("learner", ALL_LEARNERS, ids=repr)
def test_same_seed_same_run(learner):
    b = BernoulliBandit([0.5, 0.45, 0.4])
    r1 = learner.run(b, n_steps=2000, seed=123)
    r2 = learner.run(b, n_steps=2000, seed=123)
    for f in ("regret", "cumulative_regret", "returns", "counts"):
        assert np.array_equal(getattr(r1, f), getattr(r2, f))
    assert np.array_equal(r1.extras["actions"], r2.extras["actions"])
    assert r1.seed == 123 and r1.extras["spawn_key"] == ()
    r3 = learner.run(b, n_steps=2000, seed=124)
    assert not np.array_equal(r1.extras["actions"], r3.extras["actions"])
    # seed=None records fresh entropy that reproduces the run
    r4 = learner.run(b, n_steps=500, seed=None)
    r5 = learner.run(b, n_steps=500, seed=np.random.SeedSequence(r4.seed))
    assert np.array_equal(r4.extras["actions"], r5.extras["actions"])


@pytest.mark.parametrize("learner, bandit", [
    (UCB1(), BernoulliBandit([0.6, 0.5, 0.3])),
    (KLUCB(), BernoulliBandit([0.6, 0.5])),
    (BernoulliThompsonSampling(), BernoulliBandit([0.6, 0.5, 0.3])),
    (EXP3("lattimore-szepesvari"), switching(3000, k=3, period=300, seed=1)),
    (EXP3(), BernoulliBandit([0.6, 0.5])),
], ids=lambda v: repr(v)[:40])
def test_trials_equal_single_runs_with_spawned_seeds(learner, bandit):
    cp = [1, 10, 333, 2000, 3000]
    ts1 = run_trials(learner, bandit, n_steps=3000, n_trials=7, seed=99, checkpoints=cp, n_jobs=1)
    ts2 = run_trials(learner, bandit, n_steps=3000, n_trials=7, seed=99, checkpoints=cp, n_jobs=2)
    assert np.array_equal(ts1.cumulative_regret, ts2.cumulative_regret)
    assert np.array_equal(ts1.counts, ts2.counts)
    children = np.random.SeedSequence(99).spawn(7)
    idx = np.array(cp) - 1
    failures = np.zeros(3000, dtype=np.int64)
    for i, child in enumerate(children):
        res = learner.run(bandit, n_steps=3000, seed=child)
        assert res.seed == 99 and res.extras["spawn_key"] == (i,)
        assert np.array_equal(ts1.cumulative_regret[i], res.cumulative_regret[idx])
        for j, n in enumerate(cp):
            assert np.array_equal(ts1.counts[i, j], np.bincount(res.extras["actions"][:n],
                                                                minlength=bandit.k))
        if ts1.expected_cumulative_regret is not None:
            assert np.array_equal(ts1.expected_cumulative_regret[i],
                                  res.extras["expected_cumulative_regret"][idx])
        if ts1.index_failures is not None:
            failures += res.extras["best_arm_index"] <= bandit.best_mean
        # the recorded seed reproduces the run
        again = learner.run(bandit, n_steps=3000, seed=np.random.SeedSequence(
            res.seed, spawn_key=res.extras["spawn_key"]))
        assert np.array_equal(again.extras["actions"], res.extras["actions"])
    if ts1.index_failures is not None:
        assert np.array_equal(ts1.index_failures, failures)
        assert np.array_equal(ts1.index_failures, ts2.index_failures)


# -- refused input --------------------------------------------------------------------------------------
@pytest.mark.parametrize("call, error, message", [
    (lambda: UCB1().run(GaussianBandit([0.0, 1.0]), n_steps=10, seed=0), BanditArgumentError,
     "UCB1 needs rewards in \\[0, 1\\]"),
    (lambda: EXP3().run(GaussianBandit([0.0, 1.0]), n_steps=10, seed=0), BanditArgumentError,
     "EXP3 needs rewards"),
    (lambda: UCB1().run(BernoulliBandit([0.5, 0.4]), n_steps=0, seed=0), BanditArgumentError,
     "n_steps = 0"),
    (lambda: UCB1().run(BernoulliBandit([0.5, 0.4]), n_steps=2.5, seed=0), BanditArgumentError,
     "n_steps = 2.5"),
    (lambda: UCB1().run(ucb_trap(5), n_steps=6, seed=0), BanditArgumentError,
     "n_steps = 6 exceeds the reward table's horizon 5"),
    (lambda: UCB1().run(BernoulliBandit([0.5, 0.4]), n_steps=5, seed=-1), BanditArgumentError,
     "seed = -1"),
    (lambda: UCB1().run(BernoulliBandit([0.5, 0.4]), n_steps=5, seed="x"), BanditArgumentError,
     "seed = 'x'"),
    (lambda: UCB1().run([0.5, 0.4], n_steps=5, seed=0), BanditArgumentError, "got list"),
    (lambda: UCB1(bonus_scale=-1.0), BanditArgumentError, r"bonus_scale = -1.0 is not in \[0, inf\)"),
    (lambda: KLUCB(c=float("nan")), BanditArgumentError, "c = nan"),
    (lambda: EXP3(tuning="exp4"), BanditArgumentError, "tuning = 'exp4'"),
    (lambda: EXP3(horizon=0), BanditArgumentError, "horizon = 0"),
    (lambda: EpsilonGreedy(1.5), BanditArgumentError, r"epsilon = 1.5 is not in \[0, 1\]"),
    (lambda: DecayingEpsilonGreedy(c=1.0, d=0.0), BanditArgumentError, r"d = 0.0 is not in \(0, 1\]"),
    (lambda: BernoulliThompsonSampling(alpha0=[1.0, -2.0]), BanditArgumentError, r"alpha0\[1\] = -2.0"),
    (lambda: BernoulliThompsonSampling(alpha0=[1.0, 2.0]).run(BernoulliBandit([0.1, 0.2, 0.3]),
                                                             n_steps=5, seed=0),
     BanditArgumentError, "alpha0 has 2 entries for a bandit with 3 arms"),
    (lambda: GaussianThompsonSampling(sigma=0.0), BanditArgumentError, "sigma = 0.0"),
    (lambda: run_trials(UCB1(), BernoulliBandit([0.5, 0.4]), n_steps=10, n_trials=0, seed=0),
     BanditArgumentError, "n_trials = 0"),
    (lambda: run_trials(UCB1(), BernoulliBandit([0.5, 0.4]), n_steps=10, n_trials=2, seed=None),
     BanditArgumentError, "seed = None"),
    (lambda: run_trials(UCB1(), BernoulliBandit([0.5, 0.4]), n_steps=10, n_trials=2, seed=0,
                        checkpoints=[5, 3]), BanditArgumentError, "strictly increasing"),
    (lambda: run_trials(UCB1(), BernoulliBandit([0.5, 0.4]), n_steps=10, n_trials=2, seed=0,
                        checkpoints=[0, 11]), BanditArgumentError, r"\[1, n_steps = 10\]"),
    (lambda: ucb_trap(10, p=0.0), BanditArgumentError, r"p = 0.0 is not in \(0, 1\]"),
])
def test_bad_input_is_refused_by_name(call, error, message):
    with pytest.raises(error, match=message):
        call()
    assert issubclass(error, ValueError)
