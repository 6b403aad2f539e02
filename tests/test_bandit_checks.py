"""The bandit guarantees, measured against the cards with the verifier's rules.

* UCB1 (card ``bandit.ucb1.upper``, explicit, in expectation, every ``n``): the mean regret over
  1000 trials with a one-sided empirical Bernstein bound, at every ``n`` of a grid up to 10^5;
  ``vacuous`` cells (bound >= ``n max Delta``) are reported and not counted. An over-exploring
  UCB is caught by the same rule.
* EXP3 (card ``bandit.exp3.upper``, Lattimore-Szepesvári tuning): at ``n = g``, one run tuned for
  each ``g``, the expected regret from the sampling probabilities; uniform play is caught.
* EXP3 sublinear on the trap where UCB1's regret is linear (exactly ``n - floor(n / k)``).
* KL-UCB and Thompson sampling: ``E[N_a(n)] / (ln n / kl(mu_a, mu*))`` with an interval and its
  trend; Lai-Robbins is asymptotic, so no direction and no pass/fail is claimed (the test asserts
  only the bookkeeping identities behind the numbers).
* UCB1's index coverage ``P(index of the optimal arm <= mu*) <= t^-3`` per ``t`` with
  Clopper-Pearson; the mutant ``sqrt(0.1 ln t / n_j)`` violates it at every ``t`` while its mean
  regret on close arms is below UCB1's.

Each check uses family-wise level ``ALPHA`` (Bonferroni over its cells). ``pytest -s`` prints the
tables.
"""

import math

import numpy as np
import pytest
from scipy import stats

from rlcert.bounds import concentration as conc
from rlcert.bounds import evaluate
from rlcert.estimators.bandits import (EXP3, UCB1, BernoulliBandit, EpsilonGreedy, run_trials,
                                       ucb_trap)
from rlcert.proofs_checks.api import verify

from rlcert.proofs_checks.statistics import bootstrap_slope_per_n as loglog_slope
from rlcert.proofs_checks.statistics import mean_confidence_bounds
from rlcert.proofs_checks.verdicts import Verdict


def mean_bounds(x, lo, hi, alpha):
    """One-sided (lower, upper) bounds on the mean of values in [lo, hi]."""
    _, lower, upper = mean_confidence_bounds(x, alpha, hi - lo, lower=lo)
    return lower, upper

ALPHA = 0.05


# -- the registered checks, with their mutants ----------------------------------------------------------
def test_ucb1_mean_regret_within_theorem_1_at_every_n():
    """1000 trials to n = 1e5 on three instances: every non-vacuous cell holds (Bonferroni over
    the cells), and the card is loose (mean/bound < 1 everywhere)."""
    r = verify("bandits.ucb1.expected_regret", n_trials=1000, backend="serial")
    print(f"\n{r.details}")
    assert r.status is Verdict.HOLDS
    cells = r.numbers["cells"]
    decided = [c for c in cells if c[3] != "vacuous"]
    assert len(decided) >= 10 and all(0 < c[2] < 1 for c in decided)


def test_ucb1_regret_check_catches_an_over_exploring_ucb():
    """sqrt(50 ln t / n_j) (bonus_scale 5) pulls a gap-0.1 arm ~ 50 ln n / Delta^2 times, more
    than Theorem 1's 8 ln n / Delta^2 allows: the same check says ``violated``."""
    r = verify("bandits.ucb1.expected_regret", algorithm=UCB1(bonus_scale=5.0), n_trials=200,
               backend="serial")
    assert r.status is Verdict.VIOLATED


def test_exp3_bound_at_the_tuned_horizon():
    """Lattimore-Szepesvári Theorem 11.2 at n = g with eta tuned for g: no cell violated, most
    hold at 1000 trials."""
    r = verify("bandits.exp3.tuned_horizon", n_trials=1000, backend="serial")
    print(f"\n{r.details}")
    verdicts = [c[3] for c in r.numbers["cells"]]
    assert "violated" not in verdicts and verdicts.count("holds") >= 2 * len(verdicts) // 3


def test_exp3_check_catches_uniform_play():
    """Playing uniformly (epsilon-greedy with epsilon = 1) has regret ~ n / 2 on the trap, far
    above sqrt(2 n k log k): ``violated``."""
    r = verify("bandits.exp3.tuned_horizon", algorithm=EpsilonGreedy(1.0), n_trials=200,
               backend="serial")
    assert r.status is Verdict.VIOLATED


def test_exp3_sublinear_where_ucb1_is_linear():
    """On ucb_trap the regret of UCB1 is exactly n - floor(n/2) (slope 1, 'inconsistent' with
    sqrt(n)); EXP3's slope is 'consistent' with 1/2."""
    trap = ucb_trap(30000, k=2)
    ucb = UCB1().run(trap, n_steps=30000, seed=0)
    n = np.array([1000, 3000, 10000, 30000])
    np.testing.assert_array_equal(ucb.cumulative_regret[n - 1], (n - n // 2).astype(float))
    r = verify("bandits.exp3.trap", n_trials=300, backend="serial")
    print(f"\n{r.details}")
    assert r.status is Verdict.CONSISTENT and r.slope_ci[1] < 1.0
    assert r.secondary["UCB1 on the trap"] is Verdict.INCONSISTENT
    for tuning in ("lattimore-szepesvari", "auer2002"):
        per_n = [run_trials(EXP3(tuning), trap, n_steps=g, n_trials=200, seed=600 + j,
                            checkpoints=[g]).expected_cumulative_regret[:, 0]
                 for j, g in enumerate(n)]
        slope, lo, hi = loglog_slope(n, per_n, seed=600)
        assert hi < 1.0 and np.mean(per_n[-1]) < 0.01 * ucb.cumulative_regret[-1]


@pytest.mark.parametrize("check_id", ["bandits.klucb.lai_robbins_ratio",
                                      "bandits.thompson.lai_robbins_ratio"])
def test_lai_robbins_ratio_is_reported(check_id):
    """E[N_a(n)] / (ln n / kl) with 95% intervals at n = 1e2 .. 1e5: reported, never judged (the
    bound is asymptotic); the card in the same units is sum_a Delta_a kl^-1 ln n."""
    r = verify(check_id, n_trials=100, backend="serial")
    print(f"\n{r.details}")
    assert r.status is Verdict.REPORTED
    for arm, n, ratio, lo, hi in r.numbers["ratios"]:
        assert lo <= ratio <= hi
    b = BernoulliBandit([0.5, 0.4])
    grid = np.array([100, 1000, 10 ** 4, 10 ** 5])
    lr = evaluate("bandit.lai_robbins.lower", n=grid, **b.card_params("bandit.lai_robbins.lower"))
    np.testing.assert_allclose(lr, b.lai_robbins_constant * np.log(grid), rtol=1e-12)


CLOSE = [0.5, 0.45]
MUTANT = math.sqrt(0.05)  # bonus_scale giving sqrt(0.1 ln t / n_j)


def test_ucb1_index_coverage_and_the_mutant():
    """P(index of the optimal arm at step t <= mu*) <= t^-3 (t^-4 per pull count, union over
    the random count), per t, 30000 runs of 1000 steps: UCB1 holds (no failure; 'holds' wherever 30000 runs can show it); the mutant
    sqrt(0.1 ln t / n_j) is violated, with failure rates 0.2-0.5 at every t."""
    good = verify("bandits.ucb1.index_coverage", n_trials=30000, backend="loky", n_jobs=2)
    bad = verify("bandits.ucb1.index_coverage", algorithm=UCB1(bonus_scale=MUTANT),
                 n_trials=30000, backend="loky", n_jobs=2)
    print(f"\n{good.details}\n{bad.details}")
    assert good.status is Verdict.HOLDS and max(good.numbers["failures"]) == 0
    assert bad.status is Verdict.VIOLATED
    rate = np.array(bad.numbers["failures"][10:]) / 30000
    assert rate.min() > 0.05


def test_per_pull_count_failure_probabilities_exactly():
    """The term the proof's union bound sums, P(X_bar_s + width(s, t) <= mu*) for s pulls of
    Bernoulli(1/2), computed exactly from the binomial distribution: UCB1's width keeps it below
    t^-4 (Hoeffding), the mutant's decays only like t^-0.2 (its Gaussian tail
    Phi(-sqrt(0.4 ln t)))."""
    t = np.geomspace(10, 1e12, 12)
    for s in (1, 5, 20, 100, 1000, 10 ** 4):
        for scale, name in ((1.0, "UCB1"), (MUTANT, "mutant")):
            width = np.array([scale * conc.hoeffding_width(s, 2.0 * tt ** -4.0, 1.0) for tt in t])
            # X_bar_s <= 1/2 - width  <=>  successes <= floor(s (1/2 - width))
            k = np.floor(s * (0.5 - width) + 1e-9)
            p = np.where(k >= 0, stats.binom.cdf(k, s, 0.5), 0.0)
            if name == "UCB1":
                assert np.all(p <= t ** -4.0)
            elif s == 10 ** 4:
                assert np.all(p > 1e3 * t ** -4.0)
                slope = np.polyfit(np.log(t), np.log(p), 1)[0]
                print(f"mutant, s = 10^4 pulls: P ~ t^{slope:.3f} over t in [10, 1e12]")
                assert -0.3 < slope < -0.15


def test_mutant_mean_regret_sits_below_ucb1_on_close_arms():
    """Mean regret cannot see the broken index: on close arms (gap 0.05) the mutant's upper
    confidence bound at n = 10^4 is below UCB1's lower one (empirical Bernstein, 2000 trials)."""
    b = BernoulliBandit(CLOSE)
    n = 10 ** 4
    res = {}
    for name, learner, seed in (("UCB1", UCB1(), 950), ("mutant", UCB1(bonus_scale=MUTANT), 951)):
        x = run_trials(learner, b, n_steps=n, n_trials=2000, seed=seed,
                       checkpoints=[n]).cumulative_regret[:, 0]
        lower, upper = mean_bounds(x, 0.0, b.trivial_regret(n), ALPHA / 2)
        res[name] = (float(x.mean()), lower, upper)
    print(f"\nmean regret at n = {n} on {b.name}: UCB1 {res['UCB1'][0]:.1f} "
          f"[{res['UCB1'][1]:.1f}, {res['UCB1'][2]:.1f}], mutant {res['mutant'][0]:.1f} "
          f"[{res['mutant'][1]:.1f}, {res['mutant'][2]:.1f}]")
    assert res["mutant"][2] < res["UCB1"][1]
