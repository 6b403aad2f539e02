"""The verifier's own power: broken subjects that the checks used to let through are caught.

* Optimism checks run where the bonus, not the clip at H, decides the margin: each paper's bonus
  holds, the same bonus shrunk 20x fails (UCBVI-CH's, far larger than it needs, fails shrunk
  300x).
* Planning checks read every claim of a solver's result: a right V with a wrong policy, missed
  optimal actions or an unmet tol is ``violated``; V = 0 with the trivial certificate is
  ``vacuous``.
* Concentration checks run on a grid of n and delta: widths that are wrong only at small n or
  small delta (a Bernstein width without its range term, an empirical Bernstein width without
  its 7/3 term) are caught there and pass the old single cell (n = 50 or 200, delta = 0.05).
* The plug-in's error follows its exact binomial law: a plug-in spending a twentieth of its
  budget fits the old slope check and fails the law.
* ``generative.plugin.n_emp``'s quick count is enough to say ``violated``.
"""

import math

import numpy as np
import pytest

from rlcert.bounds import evaluate
from rlcert.estimators.episodic import UCBVIBF, UCBVICH, OptimisticQLearning
from rlcert.estimators.generative import PlugIn
from rlcert.mdp import solve
from rlcert.proofs_checks import get_check, verify
from rlcert.proofs_checks.registry.generative import plugin_error_mean
from rlcert.proofs_checks.statistics import clopper_pearson


# -- optimism ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("check_id, shrunk", [
    ("episodic.ucb_h.optimism", OptimisticQLearning(c=1.0, bonus_scale=0.05)),
    ("episodic.ucb_b.optimism", OptimisticQLearning("bernstein", bonus_scale=0.05)),
    ("episodic.ucbvi_bf.optimism", UCBVIBF(bonus_scale=0.05)),
    ("episodic.ucbvi_ch.optimism", UCBVICH(bonus_scale=0.003)),
])
def test_a_shrunk_bonus_fails_the_optimism_check(check_id, shrunk):
    assert verify(check_id, n_trials=60, backend="serial").status.value == "holds"
    assert verify(check_id, algorithm=shrunk, n_trials=30, backend="serial").status.value \
        == "violated"


# -- planning -------------------------------------------------------------------------------------------
class Result:
    def __init__(self, **kw):
        self.__dict__.update(kw)


def _pi(m, method="pi"):
    return solve(m, method="pi", tol=1e-12)


def wrong_policy(m, method):
    """The right V (and certificate), the worst action everywhere."""
    r = _pi(m)
    worst = np.argmin(np.asarray(r.Q), axis=1)
    return Result(V=r.V, Q=r.Q, policy=worst, policy_loss_bound=r.policy_loss_bound,
                  certificate=r.certificate, rounding=r.rounding, status=r.status,
                  optimal_actions=r.optimal_actions)


def no_optimal_actions(m, method):
    r = _pi(m)
    return Result(V=r.V, certificate=r.certificate, rounding=r.rounding,
                  optimal_actions=np.zeros_like(r.optimal_actions))


def tol_not_met(m, method):
    r = solve(m, method="vi", tol=1e-3, max_iter=3)
    return Result(V=r.V, certificate=r.certificate, rounding=r.rounding, status="max_iter")


def trivial(m, method):
    """V = 0 with the trivial certificate (r_max - r_min) / (1 - gamma): true, and vacuous."""
    R = np.asarray(m.R)
    return Result(V=np.full(m.n_states, R.min() / (1 - m.gamma)),
                  certificate=(R.max() - R.min()) / (1 - m.gamma), rounding=0.0)


@pytest.mark.parametrize("subject, verdict, failing", [
    (wrong_policy, "violated", "policy loss"),
    (no_optimal_actions, "violated", "optimal actions"),
    (tol_not_met, "violated", "tol"),
    (trivial, "vacuous", None),
])
def test_planning_checks_read_every_claim_of_a_result(subject, verdict, failing):
    r = verify("planning.pi_exact", algorithm=subject, n_trials=8, backend="serial")
    assert r.status.value == verdict
    if failing:
        assert failing in r.details


# -- concentration on a grid ---------------------------------------------------------------------------
def bernstein_without_range_term(n, delta, sigma2, b=1.0):
    return math.sqrt(2 * sigma2 * math.log(1 / delta) / n)


def empirical_bernstein_without_range_term(n, delta, V_n):
    return math.sqrt(2 * V_n * math.log(2 / delta) / n)


@pytest.mark.parametrize("check_id, width, old_cell", [
    ("concentration.bernstein", bernstein_without_range_term, {"ns": (50,)}),
    ("concentration.empirical_bernstein", empirical_bernstein_without_range_term,
     {"ns": (200,)}),
])
def test_widths_wrong_only_at_small_n_or_delta_are_caught(check_id, width, old_cell):
    grid = verify(check_id, algorithm=width, quick=True, backend="loky", n_jobs=2)
    assert grid.status.value == "violated"
    bad = [c for c in grid.numbers["cells"] if c["verdict"] == "violated"]
    assert all(c["n"] <= 20 or c["delta"] <= 0.001 for c in bad)
    old = verify(check_id, algorithm=width, quick=True, backend="loky", n_jobs=2,
                 params={**old_cell, "deltas": (0.05,)})
    assert old.status.value != "violated"


def test_cells_that_cannot_show_holds_are_judged_for_violations_only():
    r = verify("concentration.hoeffding", quick=True, backend="loky", n_jobs=2)
    assert r.status.value == "holds"
    for c in r.numbers["cells"]:
        # all-pass trials give the lower limit (alpha / cells)^(1/N): at delta = 0.001 and
        # N = 2000 it stays below 0.999
        assert c["can_show_holds"] == (c["delta"] >= 0.01)


# -- the plug-in's exact law ---------------------------------------------------------------------------
class PlugInTwentieth(PlugIn):
    """Bug: spends a twentieth of its budget."""

    def estimate(self, sampler, *, rewards, gamma, budget, seed=None):
        return PlugIn.estimate(self, sampler, rewards=rewards, gamma=gamma,
                               budget=max(budget // 20, sampler.n_states * sampler.n_actions),
                               seed=seed)


def test_a_plugin_using_a_twentieth_of_its_samples_is_caught():
    assert verify("generative.plugin.rate_n", algorithm=PlugInTwentieth(),
                  n_trials=60).status.value == "consistent"  # the slope cannot see it
    assert verify("generative.plugin.error_law", n_trials=200).status.value == "holds"
    assert verify("generative.plugin.error_law", algorithm=PlugInTwentieth(),
                  n_trials=200).status.value == "violated"


def test_the_exact_error_law_against_simulation():
    """E max(d(K_0), d(K_1)) at gamma = 0.9, n = 50, against 200000 simulated pairs of
    binomials (independent of the check's code: the closed form of azar_hard's Q*)."""
    gamma, n = 0.9, 50
    p = (4 * gamma - 1) / (3 * gamma)
    rng = np.random.default_rng(0)
    K = rng.binomial(n, p, size=(200000, 2))
    d = np.abs(1 / (1 - gamma * K / n) - 1 / (1 - gamma * p)).max(axis=1)
    assert abs(d.mean() - plugin_error_mean(gamma, n)) < 4 * d.std() / math.sqrt(d.size)


def test_the_quick_n_emp_count_can_reach_violated():
    check = get_check("generative.plugin.n_emp")
    p = check.params
    S, A = p["n_x"] * (1 + p["A"]) + 1, p["A"]
    lower_per_pair = evaluate("generative.azar2013.lower", S=S, A=A, gamma=p["gamma"],
                              eps=p["eps"], delta=check.delta) / (S * A)
    below = sum(1 for n in check.params["grid"] if n < lower_per_pair)
    level = check.alpha / below
    assert clopper_pearson(0, check.n_trials_quick, level)[1] <= check.delta
