"""Generative-model estimators and their checks.

Expected numbers come from outside the code under test: the multinomial and binomial laws
(scipy.stats), closed forms of Azar et al.'s hard MDPs and of two-state chains, the exact oracles
of rlcert.mdp, the cards. The mutation tests plant two bugs (planning with a smaller
discount, sampling the wrong row) and show which check catches each; the unmutated estimators pass
the same checks.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from rlcert.bounds import evaluate
from rlcert.estimators.generative import (GenerativeArgumentError, JinSidford, PerturbedPlugIn,
                                          PlugIn, VarianceReducedQLearning, WangBlanchetGlynn,
                                          azar_hard, azar_stay_probability, empirical_model,
                                          family_mixing_time, lazy_cycle, sample_counts,
                                          sample_next_states)
from rlcert.mdp import (TabularMDP, evaluate_policy, evaluate_policy_average, instances, solve,
                        solve_average)
from rlcert.mdp.strategies import tabular_mdps
from rlcert.proofs_checks.api import verify
from rlcert.proofs_checks.framework import checks, get_check
from rlcert.proofs_checks.verdicts import RATE_TOL, Verdict


# -- closed forms (independent of the code under test) ------------------------------------------------
def azar_q_star(gamma, alpha=0.0):
    """Q* of azar_hard(gamma, 1, 2, alpha=alpha) from its definition: states x, y_0, y_1, z."""
    p = (4 * gamma - 1) / (3 * gamma)
    v0, v1 = 1 / (1 - gamma * (p + alpha)), 1 / (1 - gamma * p)
    return np.array([[gamma * v0, gamma * v1], [v0, 1.0], [v1, 1.0], [0.0, 0.0]])


def azar_error_law(gamma, n):
    """Values and probabilities of d = |1/(1 - gamma K/n) - 1/(1 - gamma p)|, K ~ Bin(n, p): the
    plug-in's error at one y state of Azar's hard MDP (its x-state errors are gamma d < d)."""
    p = (4 * gamma - 1) / (3 * gamma)
    lo, hi = stats.binom.ppf(1e-14, n, p), stats.binom.isf(1e-14, n, p)
    k = np.arange(int(lo), int(hi) + 1)
    w = stats.binom.pmf(k, n, p)
    d = np.abs(1 / (1 - gamma * k / n) - 1 / (1 - gamma * p))
    order = np.argsort(d)
    return d[order], w[order] / w.sum()


def expected_max_error(gamma, n):
    """E[max(d_0, d_1)] for two independent y states: sum_i d_(i) (F_i^2 - F_(i-1)^2)."""
    d, w = azar_error_law(gamma, n)
    F = np.cumsum(w)
    return float(np.sum(d * np.diff(np.concatenate(([0.0], F ** 2)))))


def failure_probability(gamma, n, eps):
    """P(max(d_0, d_1) > eps) = 1 - P(d <= eps)^2."""
    d, w = azar_error_law(gamma, n)
    return float(1 - w[d <= eps].sum() ** 2)


def two_state_t_mix(a, b, eps=0.25):
    """t_mix of the chain [[1-a, a], [b, 1-b]]: d(t) = max(pi) |1 - a - b|^t."""
    lam = abs(1 - a - b)
    top = max(a, b) / (a + b)
    return math.ceil(math.log(eps / top) / math.log(lam))


# -- the sampler -----------------------------------------------------------------------------------------
def test_counts_add_up_and_storages_agree():
    m = instances.garnet(6, 3, 4, seed=2, sparse=False)
    c = sample_counts(m, 777, seed=5)
    assert c.shape == (6, 3, 6) and c.dtype == np.int64
    assert np.all(c.sum(axis=2) == 777)
    assert np.all(c[m.dense_P() == 0] == 0)  # no mass outside the support
    assert np.array_equal(c, sample_counts(m.to_sparse(), 777, seed=5))
    assert np.array_equal(c, sample_counts(m, 777, seed=np.random.SeedSequence(5)))
    assert not np.array_equal(c, sample_counts(m, 777, seed=6))
    huge = sample_counts(m, 2 ** 61, seed=1)  # O(S) per pair whatever n
    assert np.all(huge.sum(axis=2) == 2 ** 61)


@given(tabular_mdps(max_states=5, max_actions=3), st.integers(1, 10 ** 6),
       st.integers(0, 2 ** 32))
def test_counts_properties_on_any_model(m, n, seed):
    """Counts add up to n, never leave the support, and do not depend on the storage."""
    c = sample_counts(m, n, seed=seed)
    assert np.all(c.sum(axis=2) == n)
    assert np.all(c[m.dense_P() == 0] == 0)
    other = m.to_dense() if m.is_sparse else m.to_sparse()
    assert np.array_equal(c, sample_counts(other, n, seed=seed))


def test_counts_follow_the_multinomial_law():
    """Each coordinate of a row's counts is Binomial(n, p_j): a chi-square goodness-of-fit test
    of 3000 replicates against scipy's binomial pmf, and the covariance -n p_i p_j."""
    P3 = np.array([[[0.2, 0.5, 0.3]], [[0.0, 1.0, 0.0]], [[0.6, 0.0, 0.4]]])
    m = TabularMDP(P3, np.zeros((3, 1)), 0.9)
    n = 20
    reps = np.array([sample_counts(m, n, seed=i)[0, 0] for i in range(3000)])
    for j, pj in enumerate(P3[0, 0]):
        observed = np.bincount(reps[:, j], minlength=n + 1)
        expected = stats.binom.pmf(np.arange(n + 1), n, pj) * len(reps)
        keep = expected >= 5
        obs = np.append(observed[keep], observed[~keep].sum())
        exp = np.append(expected[keep], expected[~keep].sum())
        assert stats.chisquare(obs, exp * obs.sum() / exp.sum()).pvalue > 1e-3
    prod = (reps[:, 0] - reps[:, 0].mean()) * (reps[:, 1] - reps[:, 1].mean())
    se = prod.std(ddof=1) / math.sqrt(len(reps))
    assert abs(prod.mean() - (-n * 0.2 * 0.5)) < 4 * se


def test_next_state_draws_match_the_rows():
    m = instances.garnet(4, 2, 3, seed=3)
    x = sample_next_states(m, 20000, seed=0)
    assert x.shape == (4, 2, 20000)
    P = m.dense_P()
    for s in range(4):
        for a in range(2):
            freq = np.bincount(x[s, a], minlength=4) / 20000
            se = np.sqrt(P[s, a] * (1 - P[s, a]) / 20000)
            assert np.all(np.abs(freq - P[s, a]) <= 5 * se + 1e-12)
    assert np.array_equal(x, sample_next_states(m.to_dense(), 20000, seed=0))


@pytest.mark.parametrize("n", [0, -3, 1.5, True, "10", 2 ** 62])
def test_bad_sample_sizes_are_refused(n):
    with pytest.raises(GenerativeArgumentError, match="n = "):
        sample_counts(instances.riverswim(3), n)


def test_bad_arguments_are_refused():
    m = instances.riverswim(3, gamma=0.9)
    with pytest.raises(GenerativeArgumentError, match="seed"):
        sample_counts(m, 10, seed=-1)
    with pytest.raises(GenerativeArgumentError, match="TabularMDP"):
        sample_counts(np.eye(3), 10)
    with pytest.raises(GenerativeArgumentError, match=r"counts\[0, 1, :\] sums to 0"):
        c = sample_counts(m, 5, seed=0)
        c[0, 1] = 0
        empirical_model(m, c)
    with pytest.raises(GenerativeArgumentError, match="gamma"):
        PlugIn().run(instances.riverswim(3), n=10)  # no discount attached
    with pytest.raises(GenerativeArgumentError, match="eps = 20"):
        PerturbedPlugIn(20.0).run(m, n=10)  # above 1/(1 - gamma) = 10
    with pytest.raises(GenerativeArgumentError, match="rewards in"):
        VarianceReducedQLearning(0.5).run(instances.chain(3, gamma=0.9))
    with pytest.raises(GenerativeArgumentError, match="delta"):
        VarianceReducedQLearning(0.5, delta=1.0)
    with pytest.raises(GenerativeArgumentError, match="eps = 2"):
        WangBlanchetGlynn(2.0, 10.0)
    with pytest.raises(GenerativeArgumentError, match="t_mix = 0.5"):
        JinSidford(0.1, 0.5)
    with pytest.raises(GenerativeArgumentError, match="gamma = 0.3"):
        azar_hard(0.3)
    with pytest.raises(GenerativeArgumentError, match="alpha"):
        azar_hard(0.9, alpha=0.5)
    with pytest.raises(GenerativeArgumentError, match="spread"):
        lazy_cycle(0.8, spread=0.5)


# -- instances -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("gamma,alpha", [(0.4, 0.0), (0.9, 0.0), (0.99, 0.0), (0.9, 0.0191)])
def test_azar_hard_has_its_closed_form(gamma, alpha):
    m = azar_hard(gamma, alpha=alpha)
    assert (m.n_states, m.n_actions) == (4, 2)
    assert 1 - gamma * azar_stay_probability(gamma) == pytest.approx(4 * (1 - gamma) / 3)
    res = solve(m, method="pi", tol=1e-12)
    assert np.allclose(res.Q, azar_q_star(gamma, alpha), rtol=1e-10, atol=1e-10)
    big = azar_hard(gamma, n_x=2, n_actions=3)
    assert big.n_states == 2 * 4 + 1


def test_lazy_cycle_mixing_time_and_gain_closed_forms():
    for q in (0.05, 0.0125):
        m = lazy_cycle(q, spread=0.5)
        rates = (q, 1.5 * q)
        expected = max(two_state_t_mix(a, b) for a in rates for b in rates)
        assert family_mixing_time(m) == expected
        assert solve_average(m).gain == pytest.approx([1.5 / 2.5] * 2, abs=1e-12)


# -- discounted estimators ------------------------------------------------------------------------------
def test_plug_in_is_exact_on_deterministic_models():
    """Every row a point mass: P_hat = P for any n, so Q_hat = Q* (here from azar_hard with
    p = 1, whose values are 1/(1 - gamma) at y: a closed form)."""
    m = azar_hard(0.9, p=1.0)
    r = PlugIn().run(m, n=3, seed=0)
    assert np.allclose(r.Q[1:3, 0], 10.0, atol=1e-8) and np.allclose(r.Q[0], 9.0, atol=1e-8)
    assert r.samples_total == 3 * 8 and np.all(r.samples_per_pair == 3) and r.n_per_pair == 3
    assert r.unit == "samples" and r.gamma == 0.9


def test_plug_in_error_law_on_azar_hard():
    """The mean of ||Q_hat - Q*||_inf over 400 runs equals the exact binomial expectation."""
    for gamma, n in ((0.9, 10 ** 4), (0.99, 10 ** 5)):
        m = azar_hard(gamma)
        Q_star = azar_q_star(gamma)
        errs = np.array([np.abs(PlugIn().run(m, n=n, seed=i).Q - Q_star).max()
                         for i in range(400)])
        exact = expected_max_error(gamma, n)
        se = errs.std(ddof=1) / math.sqrt(errs.size)
        assert abs(errs.mean() - exact) < 4 * se, (gamma, errs.mean(), exact)


def test_same_seed_same_numbers():
    m = instances.garnet(5, 2, 3, seed=4, gamma=0.9)
    for est in (PlugIn(), PerturbedPlugIn(0.5), VarianceReducedQLearning(1.0, 0.1)):
        kw = {} if isinstance(est, VarianceReducedQLearning) else {"n": 50}
        a, b = est.run(m, seed=11, **kw), est.run(m, seed=11, **kw)
        assert np.array_equal(a.Q, b.Q) and np.array_equal(a.policy, b.policy)
        c = est.run(m, seed=12, **kw)
        assert not np.array_equal(a.Q, c.Q)


def test_perturbed_plug_in_follows_li_et_al():
    m = instances.garnet(5, 2, 3, seed=1, gamma=0.9)
    est = PerturbedPlugIn(0.5)
    r = est.run(m, n=200, seed=3)
    xi = (1 / 3) * 0.1 * 0.5 / (5 ** 5 * 2 ** 5)
    assert r.extras["xi"] == pytest.approx(xi, rel=1e-14)
    zeta = r.extras["perturbation"]
    assert zeta.shape == (5, 2) and np.all((zeta >= 0) & (zeta < xi))
    # the policy is optimal in the perturbed empirical MDP, checked by exact evaluation
    m_p = empirical_model(m, r.extras["counts"], rewards=np.asarray(m.R) + zeta)
    V_opt = solve(m_p, method="pi", tol=1e-12).V
    assert np.allclose(evaluate_policy(m_p, r.policy), V_opt, atol=1e-9)
    # the same counts as the plug-in with the same seed (counts are drawn first)
    assert np.array_equal(r.extras["counts"], PlugIn().run(m, n=200, seed=3).extras["counts"])
    # Li et al.'s range reaches eps = 1/(1 - gamma)
    assert PerturbedPlugIn(10.0).run(m, n=5, seed=0).n_per_pair == 5


def test_variance_reduced_q_learning_schedule_and_accuracy():
    m = azar_hard(0.9)
    est = VarianceReducedQLearning(0.5, 0.1)
    M = math.ceil(math.log2(1 / (0.1 * 0.5)))  # 5 epochs halve 1/(1-gamma) = 10 below 0.5
    K = math.ceil(math.log(8 * M * 8 / (0.1 * 0.1)) / 0.1 ** 3)
    N = [math.ceil(4 ** k * math.log(8 * M * 8 / 0.1) / 0.1 ** 2) for k in range(1, M + 1)]
    assert est.schedule(m) == (M, K, N)
    Q_star = azar_q_star(0.9)
    for seed in range(3):
        r = est.run(m, seed=seed)
        assert r.n_per_pair == M * K + sum(N) and r.samples_total == 8 * r.n_per_pair
        assert np.abs(r.Q - Q_star).max() <= 0.5
    # on a deterministic model every sample is exact: the error is the optimisation error alone
    r = VarianceReducedQLearning(0.5, 0.1).run(azar_hard(0.9, p=1.0), seed=0)
    assert np.abs(r.Q[1, 0] - 10.0) <= 0.5


# -- average reward -------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls,c_gamma", [(WangBlanchetGlynn, 19.0), (JinSidford, 1.0)])
def test_average_reward_reductions(cls, c_gamma):
    m = lazy_cycle(0.05, spread=0.5)
    t = family_mixing_time(m)
    g_star = 1.5 / 2.5
    est = cls(0.1, t)
    assert est.discount() == pytest.approx(1 - 0.1 / (c_gamma * t), rel=1e-15)
    r = est.run(m, n=10 ** 7, seed=0)
    assert r.gamma == est.discount() and r.n_per_pair == 10 ** 7
    assert np.allclose(r.gain, (1 - r.gamma) * r.V)
    assert np.max(np.abs(r.gain - g_star)) < 0.1  # eps, at a budget far above t_mix / eps^2
    g_pi, _ = evaluate_policy_average(m, r.policy)
    assert np.allclose(g_pi, g_star, atol=1e-12)  # the returned policy is gain-optimal


# -- the checks ---------------------------------------------------------------------------------------------
def test_checks_are_registered():
    ids = {c.check_id for c in checks("generative.*")}
    assert ids == {"generative.plugin.n_emp", "generative.policy.n_emp",
                   "generative.plugin.rate_n", "generative.plugin.rate_horizon",
                   "generative.average.gain_flat", "generative.sampler.weissman",
                   "generative.plugin.empirical_optimality", "generative.vrql.accuracy",
                   "generative.plugin.error_law"}
    assert [c.check_id for c in checks("generative.*", quick=True)] == ["generative.plugin.n_emp"]


def test_n_emp_against_the_lower_bound_and_the_exact_law():
    r = verify("generative.plugin.n_emp", quick=True)
    num = r.numbers
    assert r.status is Verdict.HOLDS
    lower = evaluate("generative.azar2013.lower", S=4, A=2, gamma=0.99, eps=0.5, delta=0.01) / 8
    assert num["lower_per_pair"] == pytest.approx(lower)
    assert math.isfinite(num["n_emp"]) and num["n_emp"] >= lower
    assert num["lower_over_n_emp"] == pytest.approx(lower / num["n_emp"])
    # at n_emp the exact failure probability is below delta (the Clopper-Pearson rule decided)
    assert failure_probability(0.99, int(num["n_emp"]), 0.5) <= 0.01
    # and the measured frequencies agree with the exact law where it is not extreme
    for n, f in zip(num["grid"], num["failure_frequency"]):
        p = failure_probability(0.99, int(n), 0.5)
        assert abs(f - p) <= 4 * math.sqrt(max(p * (1 - p), 1e-4) / 300) + 1e-12


def test_check_results_do_not_depend_on_the_backend():
    a = verify("generative.plugin.rate_n", n_trials=8, backend="serial", seed=3)
    b = verify("generative.plugin.rate_n", n_trials=8, backend="loky", seed=3)
    assert [t["errors"] for t in a.trials] == [t["errors"] for t in b.trials]


def test_rates_in_n_and_in_the_horizon():
    rn = verify("generative.plugin.rate_n", n_trials=200)
    rh = verify("generative.plugin.rate_horizon", n_trials=200)
    x_n = np.array(get_check("generative.plugin.rate_n").params["x"], dtype=float)
    law_n = [expected_max_error(0.9, int(n)) for n in x_n]
    slope_law_n = np.polyfit(np.log(x_n), np.log(law_n), 1)[0]
    gammas = get_check("generative.plugin.rate_horizon").params["gammas"]
    x_h = 1 / (1 - np.array(gammas))
    law_h = [expected_max_error(g, 10 ** 5) for g in gammas]
    slope_law_h = np.polyfit(np.log(x_h), np.log(law_h), 1)[0]
    assert abs(slope_law_n + 0.5) < 0.02 and abs(slope_law_h - 1.5) < 0.1  # theory vs exact law
    assert rn.status is Verdict.CONSISTENT and rh.status is Verdict.CONSISTENT
    assert rn.slope_ci[0] <= slope_law_n <= rn.slope_ci[1]
    assert rh.slope_ci[0] <= slope_law_h <= rh.slope_ci[1]
    assert -0.56 < rn.slope_ci[0] and rn.slope_ci[1] < -0.44
    assert 1.35 < rh.slope_ci[0] and rh.slope_ci[1] < 1.65


def test_gain_error_is_flat_in_t_mix_only_with_the_t_mix_budget():
    r = verify("generative.average.gain_flat", n_trials=100)
    assert r.status is Verdict.CONSISTENT
    lo, hi = r.slope_ci
    # flat within the rate rule's tolerance, measured precisely enough to tell it from the
    # t_mix-blind budget's slope 1/2 (a 90% interval excludes 0 in about one seed in ten, so
    # "0 inside the interval" is not asserted)
    assert lo <= RATE_TOL and hi - lo < 0.3
    s_b, lo_b, hi_b = r.numbers["blind_slope"]
    assert lo_b > 0.3 and hi_b < 0.7  # sqrt(t_mix / n) at fixed n: slope 1/2
    assert hi < lo_b
    assert r.secondary["t_mix-blind budget is not flat"] is Verdict.CONSISTENT
    assert r.numbers["t_mix"] == [float(family_mixing_time(lazy_cycle(q, spread=0.5)))
                                  for q in get_check("generative.average.gain_flat").params["qs"]]


def test_property_checks_pass_unmutated():
    assert verify("generative.sampler.weissman", n_trials=100).status is Verdict.HOLDS
    assert verify("generative.plugin.empirical_optimality", n_trials=30).status is Verdict.HOLDS


def test_policy_and_vrql_reports():
    r = verify("generative.policy.n_emp", n_trials=60)
    assert r.status is Verdict.REPORTED
    for name, card in (("plug-in", "generative.agarwal2020.upper"),
                       ("perturbed plug-in", "generative.li2020.upper")):
        row = r.numbers[name]
        budget = evaluate(card, S=4, A=2, gamma=0.9, eps=0.5, delta=0.05)
        assert row["budget_per_pair"] == pytest.approx(budget)
        assert math.isfinite(row["n_emp"]) and row["budget_over_n_emp"] == pytest.approx(
            budget / row["n_emp"])
    v = verify("generative.vrql.accuracy", n_trials=4, backend="serial")
    assert v.status is Verdict.REPORTED and v.numbers["failures"] == 0


# -- mutation tests: each planted bug and the check that catches it ---------------------------------------
class PlugInSmallerDiscount(PlugIn):
    """Bug: plans with gamma' = 1 - 2 (1 - gamma) < gamma (half the effective horizon)."""

    def estimate(self, sampler, *, rewards, gamma, budget, seed=None):
        return PlugIn.estimate(self, sampler, rewards=rewards, gamma=1 - 2 * (1 - gamma),
                               budget=budget, seed=seed)


def sample_counts_wrong_row(m, n, seed=None):
    """Bug: the sampler reads row (s, a + 1 mod A) for the pair (s, a)."""
    P = m.dense_P()
    return sample_counts(TabularMDP(np.roll(P, -1, axis=1), m.R, m.gamma), n, seed)


class PlugInWrongRow(PlugIn):
    """Bug: the plug-in files the counts of pair (s, a + 1 mod A) under (s, a)."""

    def estimate(self, sampler, *, rewards, gamma, budget, seed=None):
        from rlcert.estimators.generative.discounted import plan_empirical
        n = budget // (sampler.n_states * sampler.n_actions)
        counts = np.roll(sampler.counts(n), -1, axis=1)
        policy, Q, V, _ = plan_empirical(counts, np.asarray(rewards), gamma, self.tol)
        return type("Estimate", (), {"Q": Q, "policy": policy, "V": V})()


def wbg_ignoring_t_mix(eps, t_mix):
    """Bug: the reduction's discount ignores t_mix (gamma' = 1 - eps/19 < 1 - eps/(19 t_mix))."""
    return WangBlanchetGlynn(eps, 1.0)


def test_mutation_smaller_discount():
    bad_rate = verify("generative.plugin.rate_n", algorithm=PlugInSmallerDiscount(), n_trials=50)
    assert bad_rate.status is Verdict.INCONSISTENT  # the error stops falling: a bias remains
    assert bad_rate.slope_ci[0] > -0.2
    bad_opt = verify("generative.plugin.empirical_optimality", algorithm=PlugInSmallerDiscount(),
                     n_trials=10, backend="serial")
    assert bad_opt.status is Verdict.VIOLATED
    # the lower-bound check cannot catch an estimator that needs *more* samples: n_emp = inf
    bad_n = verify("generative.plugin.n_emp", algorithm=PlugInSmallerDiscount(), n_trials=60)
    assert bad_n.status is Verdict.INCONCLUSIVE and bad_n.numbers["n_emp"] == math.inf


def test_mutation_wrong_row():
    bad_sampler = verify("generative.sampler.weissman", algorithm=sample_counts_wrong_row,
                         n_trials=30, backend="serial")
    assert bad_sampler.status is Verdict.VIOLATED
    bad_rate = verify("generative.plugin.rate_n", algorithm=PlugInWrongRow(), n_trials=50)
    assert bad_rate.status is Verdict.INCONSISTENT
    # the exactness check rebuilds the empirical model from the draws the verifier's sampler
    # handed out (not from counts the estimator reports), so misfiled counts are seen too
    assert verify("generative.plugin.empirical_optimality", algorithm=PlugInWrongRow(),
                  n_trials=10, backend="serial").status is Verdict.VIOLATED


def test_mutation_average_discount_ignoring_t_mix():
    bad = verify("generative.average.gain_flat", algorithm=wbg_ignoring_t_mix, n_trials=50)
    assert bad.status is Verdict.INCONSISTENT  # the reduction's bias grows with t_mix
