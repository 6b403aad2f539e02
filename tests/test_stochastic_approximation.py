"""TD(0) with linear features and synchronous Q-learning
(rlcert.estimators.stochastic_approximation) and their rate checks.

Expected numbers come from closed forms on deterministic one-state chains, the oracle's exact
policy values, and the projected Bellman equation solved as a weighted least-squares problem.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.estimators.stochastic_approximation import (StochasticApproximationArgumentError,
                                                        q_learning_sync, td0_linear,
                                                        td_fixed_point)
from rlcert.mdp import TabularMDP, evaluate_policy, q_from_v, solve
from rlcert.proofs_checks.api import verify


def one_state(r, gamma):
    r = np.asarray(r, dtype=float)
    return TabularMDP(np.ones((1, r.size, 1)), r[None, :], gamma, 0)


@pytest.mark.parametrize("alpha,gamma,T", [(0.1, 0.9, 1), (0.1, 0.9, 37), (0.5, 0.5, 200)])
def test_td0_on_a_deterministic_chain_matches_its_closed_form(alpha, gamma, T):
    # one state, phi = 2: theta_{t+1} = theta_t + alpha (r + gamma 2 theta_t - 2 theta_t) 2
    m, r = one_state([0.7], gamma), 0.7
    res = td0_linear(m, np.array([0]), [[2.0]], T, schedule="constant", alpha=alpha,
                     record_every=1)
    th, traj = 0.0, []
    for _ in range(T):
        th = th + alpha * (r + gamma * 2 * th - 2 * th) * 2
        traj.append(th)
    assert res.theta[0] == pytest.approx(th, rel=1e-12, abs=1e-14)
    assert res.trace.shape == (T, 1)
    assert np.allclose(res.trace[:, 0], traj, rtol=1e-12)
    assert res.theta_avg[0] == pytest.approx(np.mean(traj), rel=1e-12)


def test_sqrt_schedule_is_one_over_root_T():
    res = td0_linear(one_state([1.0], 0.5), np.array([0]), [[1.0]], 400)
    assert np.all(res.steps == 1 / 20)


@pytest.mark.parametrize("gamma,T", [(0.9, 1), (0.9, 25), (0.5, 60)])
def test_sync_q_learning_on_a_deterministic_mdp_matches_its_closed_form(gamma, T):
    r = np.array([0.3, 0.8])
    Q, trace = q_learning_sync(one_state(r, gamma), T, record_every=1)
    q = np.zeros(2)
    for t in range(1, T + 1):
        a = 1 / (1 + (1 - gamma) * t)  # rescaled linear step of Li et al., t = 1, 2, ...
        q = (1 - a) * q + a * (r + gamma * q.max())
    assert np.allclose(Q[0], q, rtol=1e-12)
    assert trace.shape == (T, 1, 2)


@settings(max_examples=30)
@given(st.integers(2, 5), st.integers(1, 3), st.integers(0, 10 ** 6), st.sampled_from([0.5, 0.9]))
def test_td_fixed_point_solves_the_projected_bellman_equation(S, d, seed, gamma):
    rng = np.random.default_rng(seed)
    d = min(d, S)
    m = TabularMDP(rng.dirichlet(np.ones(S), size=(S, 2)), rng.random((S, 2)), gamma, 0)
    pi = np.full((S, 2), 0.5)
    phi = rng.random((S, d)) + np.eye(S)[:, :d]
    theta, D = td_fixed_point(m, pi, phi)
    P_pi = np.einsum("sa,sat->st", pi, m.dense_P())
    target = np.einsum("sa,sa->s", pi, m.R) + gamma * P_pi @ phi @ theta
    W = np.sqrt(D)[:, None]
    proj = np.linalg.lstsq(W * phi, W[:, 0] * target, rcond=None)[0]  # D-weighted projection
    assert np.allclose(proj, theta, atol=1e-9)
    assert np.allclose(D @ P_pi, D, atol=1e-12)
    if d == S:  # tabular-like full-rank features: V_theta* = V^pi
        assert np.allclose(phi @ theta, evaluate_policy(m, pi), atol=1e-8)


def test_td0_with_one_hot_features_approaches_the_policy_value():
    rng = np.random.default_rng(5)
    m = TabularMDP(rng.dirichlet(np.ones(4), size=(4, 2)), rng.random((4, 2)), 0.8, 0)
    pi = np.full((4, 2), 0.5)
    V = evaluate_policy(m, pi)
    for markov in (False, True):
        res = td0_linear(m, pi, np.eye(4), 200_000, markov=markov, seed=3)
        assert np.max(np.abs(res.theta_avg - V)) < 0.05 * np.max(np.abs(V))


def test_bad_arguments_are_refused_by_name():
    m = one_state([0.0, 1.0], 0.9)
    pi = np.array([0])
    for call, name in [(lambda: td0_linear(m, pi, [[1.0]], 0), "n_steps"),
                       (lambda: td0_linear(m, pi, [[1.0]], 5, schedule="log"), "schedule"),
                       (lambda: td0_linear(m, pi, [[1.0]], 5, schedule="constant"), "alpha"),
                       (lambda: td0_linear(m, pi, [[1.0, 1.0]], 5), "phi"),
                       (lambda: td0_linear(m, pi, [[1.0]], 5, seed=None), "seed"),
                       (lambda: td0_linear(m, [3], [[1.0]], 5), "pi"),
                       (lambda: q_learning_sync(m, 5, steps=1.5), "steps"),
                       (lambda: q_learning_sync(m, 5, Q0=np.zeros(3)), "Q0"),
                       (lambda: q_learning_sync("m", 5), "m")]:
        with pytest.raises(StochasticApproximationArgumentError, match=name):
            call()
    assert issubclass(StochasticApproximationArgumentError, ValueError)


# -- the rate checks and planted bugs --------------------------------------------------------------
def td0_bootstraps_on_the_current_state(m, pi, phi, n_steps, seed):
    # a biased target r + gamma phi(s)^T theta: the same as TD(0) on a chain that never moves
    P_stay = np.repeat(np.eye(m.n_states)[:, None, :], m.n_actions, axis=1)
    return td0_linear(TabularMDP(P_stay, m.R, m.gamma, 0), pi, phi, n_steps, seed=seed).theta_avg


def q_learning_classic_step(m, n_steps, seed):
    return q_learning_sync(m, n_steps, steps=1.0 / np.arange(1, n_steps + 1), seed=seed)[0]


@pytest.mark.parametrize("check_id,mutant", [
    ("sa.td0_linear_rate", td0_bootstraps_on_the_current_state),
    ("sa.q_learning_sync_rate", q_learning_classic_step)])
def test_rate_check_is_consistent_and_its_planted_bug_is_not(check_id, mutant):
    good = verify(check_id, quick=True, backend="serial", n_trials=6)
    assert good.status == "consistent", good.details
    bad = verify(check_id, algorithm=mutant, quick=True, backend="serial", n_trials=6)
    assert bad.status == "inconsistent", bad.details
