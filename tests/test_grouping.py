"""Action grouping: the grouped MDP against independent evaluations of the original MDP (singleton
groups give the original values; one group gives the uniform random policy's value; the lifted
policy's value in the original MDP, by ``evaluate_policy``, equals the grouped MDP's), the
approximation bound and monotonicity on hypothesis MDPs, the exact loss decomposition, input
validation, and the registered check with a mutant."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.mdp import InvalidArgumentError, TabularMDP, evaluate_policy, solve
from rlcert.mdp.grouping import (estimate_grouped_mdp, grouped_mdp, grouping_error,
                                 grouping_tradeoff, lift_policy, nested_groupings)
from rlcert.mdp.strategies import tabular_mdps
from rlcert.proofs_checks import verify

MDPS = tabular_mdps(min_states=1, max_states=4, min_actions=2, max_actions=5,
                    gamma=(0.5, 0.8, 0.9))


@settings(max_examples=20)
@given(MDPS)
def test_singleton_groups_are_the_original_mdp(m):
    g = np.arange(m.n_actions)
    np.testing.assert_allclose(solve(grouped_mdp(m, g), tol=1e-12).V, solve(m, tol=1e-12).V,
                               atol=1e-9)


@settings(max_examples=20)
@given(MDPS)
def test_one_group_is_the_uniform_random_policy(m):
    uniform = np.full((m.n_states, m.n_actions), 1.0 / m.n_actions)
    V_uniform = np.asarray(evaluate_policy(m, uniform), dtype=float)
    V_group = solve(grouped_mdp(m, np.zeros(m.n_actions, dtype=int)), tol=1e-12).V
    np.testing.assert_allclose(V_group, V_uniform, atol=1e-9)


@settings(max_examples=20)
@given(MDPS)
def test_bound_monotonicity_and_lifted_values(m):
    """For nested groupings: the lifted optimal grouped policy has the grouped value in the
    original MDP; ``0 <= V* - V*_G <= bound``; the error shrinks as the groups refine."""
    prev = np.inf
    V = solve(m, tol=1e-12).V
    for g in nested_groupings(m, range(1, m.n_actions + 1)):
        e = grouping_error(m, g)
        assert np.all(e.error >= -1e-9) and np.all(e.error <= e.bound + 1e-9)
        np.testing.assert_allclose(e.error, V - solve(grouped_mdp(m, g), tol=1e-12).V, atol=1e-9)
        red = solve(grouped_mdp(m, g), tol=1e-12)
        v_lift = np.asarray(evaluate_policy(m, lift_policy(red.policy, g)), dtype=float)
        np.testing.assert_allclose(v_lift, red.V, atol=1e-9)
        assert e.error.max() <= prev + 1e-9
        prev = e.error.max()


def test_bound_by_hand_on_two_actions():
    """One state, two actions with rewards 0 and 1 (self-loop): grouping them loses exactly
    ``(1 - 1/2)/(1 - gamma)``; ``eps_R = 1/2``, ``eps_P = 0`` so the bound is tight."""
    m = TabularMDP(np.ones((1, 2, 1)), [[0.0, 1.0]], 0.8)
    e = grouping_error(m, [0, 0])
    assert abs(e.error[0] - 0.5 / 0.2) <= 1e-9
    assert e.eps_R == 0.5 and e.eps_P == 0.0
    assert abs(e.bound[0] - 0.5 / 0.2) <= 1e-12


@pytest.mark.parametrize("gamma", [0.3, 0.8, 0.95])
def test_transition_term_by_hand(gamma):
    """State 0: both actions pay 0, action 0 stays, action 1 moves to the absorbing state 1
    (reward 1). ``V*(0) = gamma/(1-gamma)``; grouped (move with probability 1/2)
    ``V_G(0) = gamma / (2 (1-gamma)(1-gamma/2))``, so the error is ``gamma / (2 - gamma)``, with
    ``eps_R = 0``, ``eps_P = 1``, ``sp(V*) = 1``: the bound ``gamma / (2 (1 - gamma))`` comes
    from the transition term alone."""
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = P[1, :, 1] = 1.0
    m = TabularMDP(P, [[0.0, 0.0], [1.0, 1.0]], gamma)
    e = grouping_error(m, [0, 0])
    assert abs(e.error[0] - gamma / (2 - gamma)) <= 1e-9
    assert e.eps_R == 0.0 and e.eps_P == 1.0
    assert abs(e.bound[0] - gamma / (2 * (1 - gamma))) <= 1e-9
    assert e.error[0] <= e.bound[0]


def test_decomposition_is_exact():
    """total = V*_M - V^{lift(pi^)}_M (evaluated in the original MDP) = approximation +
    estimation."""
    rng = np.random.default_rng(4)
    P = rng.random((3, 4, 3))
    P /= P.sum(-1, keepdims=True)
    m = TabularMDP(P, rng.random((3, 4)), 0.9)
    g = np.array([0, 0, 1, 1])
    for n in (2, 20):
        t = grouping_tradeoff(m, g, n, seed=7)
        est = estimate_grouped_mdp(m, g, n, seed=7)
        pi_hat = solve(est, tol=1e-11).policy
        v = np.asarray(evaluate_policy(m, lift_policy(pi_hat, g)), dtype=float)
        total = float(m.initial @ (solve(m, tol=1e-12).V - v))
        assert abs(t.total - total) <= 1e-9
        assert t.approximation >= -1e-9 and t.estimation >= -1e-9


@pytest.mark.parametrize("groups,word", [([0, 2], "skip"), ([0], "shape"), ([-1, 0], "negative"),
                                         ([0.0, 1.0], "integer")])
def test_bad_groupings_are_refused(groups, word):
    m = TabularMDP(np.ones((1, 2, 1)), [[0.0, 1.0]], 0.8)
    with pytest.raises(InvalidArgumentError, match=word):
        grouped_mdp(m, groups)


def test_bad_models_and_budgets_are_refused():
    with pytest.raises(InvalidArgumentError, match="gamma"):
        grouped_mdp(TabularMDP(np.ones((1, 2, 1)), [[0.0, 1.0]], 1.0), [0, 0])
    m = TabularMDP(np.ones((1, 2, 1)), [[0.0, 1.0]], 0.8)
    with pytest.raises(InvalidArgumentError, match="n_samples"):
        estimate_grouped_mdp(m, [0, 0], 0)
    with pytest.raises(InvalidArgumentError, match="groups"):
        nested_groupings(m, [3])


def first_action_of_each_group(m, groups):
    """Mutant: the group's first action instead of the average (not uniform play)."""
    first = [int(np.flatnonzero(np.asarray(groups) == c)[0]) for c in range(max(groups) + 1)]
    return TabularMDP(m.dense_P()[:, first], np.asarray(m.R)[:, first], m.gamma, m.initial)


def test_grouping_check_holds_and_kills_a_representative_mutant():
    assert verify("metrics.action_grouping", n_trials=6, backend="serial").status == "holds"
    assert verify("metrics.action_grouping", algorithm=first_action_of_each_group, n_trials=6,
                  backend="serial").status == "violated"
