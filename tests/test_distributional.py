"""Projected distributional backward induction (categorical and quantile) and the worst-case /
best-case substates.

References used here, none of them the code under test: the exact return distributions of
:func:`rlcert.mdp.risk.return_distribution` (checked against path enumeration in
``test_risk_cvar.py``) and :func:`rlcert.mdp.evaluate_policy`; cvxpy (Clarabel) for the dual
(robust) form of the substate values; theorems: the contraction of the projected operators, mean
preservation of the categorical projection, the Cramer / W1 bounds of the finite-horizon setting,
and the convex-order argument giving ``L >= CVaR_alpha`` (see the module docstring of
:mod:`rlcert.mdp.risk.distributional`).
"""

import cvxpy as cp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.mdp import FiniteHorizonMDP, evaluate_policy, solve
from rlcert.mdp.errors import InvalidArgumentError
from rlcert.mdp.risk import (DiscreteDistribution, categorical_backup, categorical_evaluation,
                             cramer, quantile_backup, quantile_evaluation, return_distribution,
                             split_control, split_evaluation, wasserstein1)

pytestmark = pytest.mark.filterwarnings("ignore:Solution may be inaccurate")


def random_model(seed, S=4, A=2, H=5, gamma=1.0):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S), size=(S, A))
    R = rng.normal(size=(S, A, S))
    fh = FiniteHorizonMDP(P, np.einsum("saj,saj->sa", P, R), H, gamma, initial=0)
    pol = rng.integers(0, A, size=(H, S))
    return fh, R, pol


@pytest.mark.parametrize("gamma", [1.0, 0.8])
def test_categorical_approaches_the_exact_law_within_its_bound(gamma):
    fh, R, pol = random_model(3, gamma=gamma)
    exact = return_distribution(fh, pol, R)
    V = evaluate_policy(fh, pol)[0]
    bounds, dists = [], []
    for m in (11, 51, 201, 801):
        res = categorical_evaluation(fh, pol, m, R)
        d_l2 = max(cramer(res.distribution(s), exact.by_state[s]) for s in range(4))
        d_w1 = max(wasserstein1(res.distribution(s), exact.by_state[s]) for s in range(4))
        assert d_l2 <= res.cramer_bound <= res.cramer_bound_apriori
        assert d_w1 <= res.w1_bound
        # the projection is the orthogonal one on a support covering every target: mean kept
        assert np.allclose(res.means(), V, atol=1e-12)
        bounds.append(res.cramer_bound)
        dists.append(d_l2)
    # the finite-horizon bound (sum_h gamma^h Delta_h)^{1/2} shrinks like m^{-1/2}
    assert bounds[-1] <= bounds[0] / 8 and dists[-1] <= dists[0] / 8


def test_quantile_projection_within_its_w1_bound():
    fh, R, pol = random_model(4, gamma=0.9)
    exact = return_distribution(fh, pol, R)
    prev = np.inf
    for m in (10, 40, 160):
        res = quantile_evaluation(fh, pol, m, R)
        d = max(wasserstein1(res.distribution(s), exact.by_state[s]) for s in range(4))
        assert d <= res.w1_bound <= res.w1_bound_apriori + 1e-12
        assert res.w1_bound < prev
        prev = res.w1_bound


@settings(max_examples=25)
@given(seed=st.integers(0, 10_000), gamma=st.sampled_from([0.3, 0.7, 0.95]))
def test_projected_operators_contract(seed, gamma):
    """sup-Cramer: Pi_C T is a sqrt(gamma)-contraction; sup-W_inf: Pi_Q T a gamma-contraction."""
    rng = np.random.default_rng(seed)
    fh, R, pol = random_model(seed, S=3, A=2, H=2, gamma=gamma)
    m = 9
    z_next = np.sort(rng.normal(size=m)) * 3
    z = np.linspace(-6, 6, 13)
    eta = rng.dirichlet(np.ones(m), size=3)
    eta2 = rng.dirichlet(np.ones(m), size=3)
    out, _ = categorical_backup(fh, 0, eta, z_next, z, pol, R)
    out2, _ = categorical_backup(fh, 0, eta2, z_next, z, pol, R)
    before = max(cramer(DiscreteDistribution(z_next, eta[s]), DiscreteDistribution(z_next, eta2[s]))
                 for s in range(3))
    after = max(cramer(DiscreteDistribution(z, out[s]), DiscreteDistribution(z, out2[s]))
                for s in range(3))
    assert after <= np.sqrt(gamma) * before + 1e-12
    assert np.allclose(out.sum(axis=1), 1.0)
    locs = np.sort(rng.normal(size=(3, m)), axis=1)
    locs2 = np.sort(rng.normal(size=(3, m)), axis=1)
    q, _ = quantile_backup(fh, 0, locs, pol, R)
    q2, _ = quantile_backup(fh, 0, locs2, pol, R)

    def w_inf(a, b):
        return float(np.max(np.abs(np.sort(a, axis=1) - np.sort(b, axis=1))))

    assert w_inf(q, q2) <= gamma * w_inf(locs, locs2) + 1e-12


@settings(max_examples=25)
@given(seed=st.integers(0, 10_000), alpha=st.sampled_from([0.1, 0.3, 0.5, 0.9]),
       stochastic=st.booleans())
def test_substates_keep_the_mean_and_bracket_the_tails(seed, alpha, stochastic):
    fh, R, pol = random_model(seed, S=3, A=2, H=4)
    if stochastic:
        rng = np.random.default_rng(seed + 1)
        pol = rng.dirichlet(np.ones(2), size=(4, 3))
    res = split_evaluation(fh, pol, alpha, R)
    assert np.allclose(res.mean, evaluate_policy(fh, pol), atol=1e-12)
    exact = return_distribution(fh, pol, R)
    for s in range(3):
        d = exact.by_state[s]
        assert res.L[0, s] >= d.cvar(alpha) - 1e-12
        assert res.U[0, s] <= d.upper_tail_mean(alpha) + 1e-12
        assert res.L[0, s] <= res.U[0, s] + 1e-12


def test_worst_case_substate_is_a_robust_state():
    """L_h(s) = min {sum_j q_j z_j : 0 <= q <= w / alpha, sum q = 1} over the next substates, and
    U_h(s) the max with 1 / (1 - alpha): the dual forms, solved by cvxpy."""
    fh, R, pol = random_model(11, S=3, A=2, H=3)
    alpha = 0.3
    res = split_evaluation(fh, pol, alpha, R)
    P = fh.stage_P(0)
    for h in range(3):
        for s in range(3):
            a = pol[h, s]
            z = np.concatenate([R[s, a] + res.L[h + 1], R[s, a] + res.U[h + 1]])
            w = np.concatenate([alpha * P[s, a], (1 - alpha) * P[s, a]])
            q = cp.Variable(6)
            lo = cp.Problem(cp.Minimize(z @ q), [q >= 0, q <= w / alpha, cp.sum(q) == 1])
            lo.solve(solver=cp.CLARABEL)
            hi = cp.Problem(cp.Maximize(z @ q), [q >= 0, q <= w / (1 - alpha), cp.sum(q) == 1])
            hi.solve(solver=cp.CLARABEL)
            assert res.L[h, s] == pytest.approx(lo.value, abs=1e-7)
            assert res.U[h, s] == pytest.approx(hi.value, abs=1e-7)


def gamble_model():
    """State 0, two actions with the same mean 1: action 0 pays 1 surely, action 1 pays 0 or 2
    with probability 1/2 (states 1, 2 record the outcome); then one neutral stage."""
    P = np.zeros((3, 2, 3))
    P[0, 0, 1] = 1.0
    P[0, 1, 1] = P[0, 1, 2] = 0.5
    P[1, :, 1] = P[2, :, 2] = 1.0
    R = np.zeros((3, 2, 3))
    R[0, 0, 1] = 1.0
    R[0, 1, 2] = 2.0
    return FiniteHorizonMDP(P, np.einsum("saj,saj->sa", P, R), 2, initial=0), R


def test_safe_and_risky_optimal_actions_are_told_apart():
    fh, R = gamble_model()
    res = split_control(fh, 0.25, R)
    assert res.optimal[0, 0].all()            # both actions are optimal in expectation
    assert res.safe[0, 0] == 0 and res.risky[0, 0] == 1
    assert res.L[0, 0] == pytest.approx(1.0) and res.QL[0, 0, 1] == pytest.approx(0.0)
    # the upper 3/4 of {0, 2}: (1/4 * 0 + 1/2 * 2) / (3/4)
    assert res.U[0, 0] == pytest.approx(4.0 / 3.0)
    V = solve(fh).V
    for pol in (res.safe, res.risky):
        assert np.allclose(evaluate_policy(fh, pol), V, atol=1e-12)


@settings(max_examples=20)
@given(seed=st.integers(0, 10_000), alpha=st.sampled_from([0.2, 0.5, 0.8]))
def test_safe_and_risky_policies_are_optimal_in_expectation(seed, alpha):
    rng = np.random.default_rng(seed)
    S, A, H = 3, 3, 4
    P = rng.integers(0, 3, size=(S, A, S)).astype(float)
    P[P.sum(-1) == 0, 0] = 1
    P /= P.sum(-1, keepdims=True)
    R = rng.integers(0, 3, size=(H, S, A, S)).astype(float)  # ties between actions are common
    fh = FiniteHorizonMDP(P, R, H, initial=0)
    res = split_control(fh, alpha, R)
    V = solve(fh).V
    assert np.allclose(res.V, V, atol=1e-12)
    for pol in (res.safe, res.risky):
        assert np.allclose(evaluate_policy(fh, pol), V, atol=1e-10)
    assert np.all(res.L <= res.U + 1e-12)


def test_bad_arguments_are_refused_by_name():
    fh, R, pol = random_model(0)
    with pytest.raises(InvalidArgumentError, match="alpha"):
        split_evaluation(fh, pol, 1.0, R)
    with pytest.raises(InvalidArgumentError, match="n_atoms"):
        categorical_evaluation(fh, pol, 1, R)
    with pytest.raises(InvalidArgumentError, match="stage"):
        quantile_backup(fh, 5, np.zeros((4, 3)), pol, R)
    with pytest.raises(InvalidArgumentError, match="z must be a strictly increasing"):
        categorical_backup(fh, 0, np.ones((4, 1)), [0.0], [1.0, 0.0], pol, R)
    with pytest.raises(InvalidArgumentError, match="probs_next"):
        categorical_backup(fh, 0, np.ones((3, 1)), [0.0], [0.0, 1.0], pol, R)
