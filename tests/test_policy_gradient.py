"""Exact-gradient policy optimisation (rlcert.estimators.policy_gradient) and its checks.

Expected numbers come from elsewhere: central finite differences of the oracle's
``evaluate_policy``, closed forms on one-state MDPs (bandits), soft policy iteration written out
with numpy, and the oracle's optimal values.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.estimators.policy_gradient import (PolicyGradientArgumentError, entropy_npg, npg,
                                               policy_gradient, soft_optimal, softmax_pg)
from rlcert.mdp import TabularMDP, evaluate_policy, solve
from rlcert.mdp.strategies import tabular_mdps
from rlcert.proofs_checks.api import verify


def softmax(theta):
    z = np.exp(theta - theta.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def objective(m, theta):
    return float(evaluate_policy(m, softmax(theta)) @ m.initial)


def fd_gradient(m, theta, h=1e-5):
    g = np.zeros_like(theta)
    for idx in np.ndindex(theta.shape):
        e = np.zeros_like(theta)
        e[idx] = h
        g[idx] = (objective(m, theta + e) - objective(m, theta - e)) / (2 * h)
    return g


def bandit(r, gamma):
    r = np.asarray(r, dtype=float)
    return TabularMDP(np.ones((1, r.size, 1)), r[None, :], gamma, 0)


thetas = st.lists(st.floats(-2, 2, allow_nan=False), min_size=12, max_size=12)


@settings(max_examples=40)
@given(tabular_mdps(max_states=4, gamma=(0.0, 0.5, 0.9)), thetas)
def test_exact_gradient_equals_finite_differences(m, flat):
    theta = np.array(flat[: m.n_states * m.n_actions]).reshape(m.n_states, m.n_actions) \
        if m.n_states * m.n_actions <= 12 else np.zeros((m.n_states, m.n_actions))
    g = policy_gradient(m, theta)
    scale = 1.0 / (1.0 - m.gamma)
    assert np.allclose(g, fd_gradient(m, theta), atol=1e-7 * scale, rtol=1e-6)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.9])
def test_softmax_pg_first_steps_follow_the_finite_difference_gradient(gamma):
    m = TabularMDP(np.random.default_rng(3).dirichlet(np.ones(3), size=(3, 2)),
                   np.random.default_rng(4).random((3, 2)), gamma, [0.2, 0.3, 0.5])
    eta = (1 - gamma) ** 3 / 8  # Mei et al.'s step, computed here, not read from the code
    res = softmax_pg(m, 2)
    theta = np.zeros((3, 2))
    for t in range(3):
        assert np.allclose(res.policies[t], softmax(theta), atol=1e-10)
        theta = theta + eta * fd_gradient(m, theta)
    assert res.n_iter == 2 and res.values.shape == (3, 3)


@pytest.mark.parametrize("eta,gamma,T", [(0.3, 0.5, 1), (0.3, 0.5, 7), (1.0, 0.9, 4),
                                         (2.0, 0.0, 10)])
def test_npg_on_a_bandit_matches_its_closed_form(eta, gamma, T):
    # S = 1: A(a) = r(a) - r_pi, and softmax is shift-invariant, so pi_T ∝ exp(eta T r / (1-g))
    r = np.array([0.2, 0.9, 0.5])
    res = npg(bandit(r, gamma), T, eta)
    want = np.exp(eta * T * r / (1 - gamma))
    want /= want.sum()
    assert np.allclose(res.policies[T, 0], want, atol=1e-12)
    assert len(res.policies) == T + 1
    assert res.values[T, 0] == pytest.approx(float(want @ r) / (1 - gamma), rel=1e-12)


@pytest.mark.parametrize("tau,frac,T", [(0.5, 1.0, 3), (0.2, 0.5, 5)])
def test_entropy_npg_on_a_bandit_matches_its_closed_form(tau, frac, T):
    # S = 1, gamma = 0.5: Q_tau(a) = r(a) + gamma V_tau (a constant), so in the logits
    # theta_{t+1} = (1 - alpha) theta_t + alpha r / tau with alpha = eta tau / (1 - gamma)
    gamma, r = 0.5, np.array([0.1, 0.7, 0.4])
    eta = frac * (1 - gamma) / tau
    alpha = eta * tau / (1 - gamma)
    theta = np.zeros(3)
    for _ in range(T):
        theta = (1 - alpha) * theta + alpha * r / tau
    res = entropy_npg(bandit(r, gamma), T, tau, eta)
    assert np.allclose(res.policies[T, 0], softmax(theta[None])[0], atol=1e-12)


def numpy_soft_q(m, tau, pi):
    P, R, g = m.dense_P(), np.asarray(m.R), m.gamma
    r = np.sum(pi * (R - tau * np.log(pi)), axis=1)
    V = np.linalg.solve(np.eye(m.n_states) - g * np.einsum("sa,sat->st", pi, P), r)
    return R + g * P @ V


@settings(max_examples=25)
@given(tabular_mdps(min_states=2, max_states=4, min_actions=2, gamma=(0.5, 0.9)),
       st.sampled_from([0.05, 0.3, 1.0]))
def test_entropy_npg_is_soft_policy_iteration_and_reaches_the_soft_optimum(m, tau):
    res = entropy_npg(m, 40, tau)  # eta = (1 - gamma) / tau
    pi = np.full((m.n_states, m.n_actions), 1.0 / m.n_actions)
    for t in range(4):
        assert np.allclose(res.policies[t], pi, atol=1e-10)
        pi = softmax(numpy_soft_q(m, tau, pi) / tau)
    so = soft_optimal(m, tau)
    # the soft optimum satisfies the soft Bellman equation (a second method: its residual)
    P, R = m.dense_P(), np.asarray(m.R)
    Q = R + m.gamma * P @ so.V
    V = tau * np.log(np.sum(np.exp(Q / tau), axis=1))
    assert np.max(np.abs(V - so.V)) <= 1e-11 / (1 - m.gamma)
    # soft PI converges at rate gamma: after 40 steps within gamma^40 * range of Q*_tau
    err = np.max(np.abs(res.q_values[-1] - so.Q))
    assert err <= m.gamma ** 40 * (2 + 2 * tau * math.log(m.n_actions)) / (1 - m.gamma) + 1e-10


@settings(max_examples=40)
@given(tabular_mdps(min_states=1, max_states=4, min_actions=2, gamma=(0.5, 0.9)),
       st.sampled_from([0.1, 1.0, 10.0]))
def test_npg_under_agarwal_bound_and_monotone_on_random_mdps(m, eta):
    T = 60
    res = npg(m, T, eta)
    V_star = solve(m, method="pi", tol=1e-12).V
    V = np.array([evaluate_policy(m, res.policies[t]) for t in range(T + 1)])
    t = np.arange(1, T + 1)
    bound = math.log(m.n_actions) / (eta * t) + 1 / ((1 - m.gamma) ** 2 * t)
    assert np.all(np.max(V_star - V[1:], axis=1) <= bound + 1e-9)
    assert np.all(V[1:] >= V[:-1] - 1e-9)


@settings(max_examples=30)
@given(tabular_mdps(min_states=1, max_states=4, gamma=(0.5, 0.9)))
def test_softmax_pg_values_are_the_oracle_values_and_improve(m):
    res = softmax_pg(m, 30)
    for t in (0, 1, 30):
        assert np.allclose(res.values[t], evaluate_policy(m, res.policies[t]), atol=1e-9)
    v = res.value_at()
    assert np.all(np.diff(v) >= -1e-12)


def test_bad_arguments_are_refused_by_name():
    m = bandit([0.0, 1.0], 0.9)
    for call, name in [(lambda: softmax_pg(m, -1), "n_iter"),
                       (lambda: softmax_pg(m, 2.5), "n_iter"),
                       (lambda: softmax_pg(m, 3, eta=0.0), "eta"),
                       (lambda: npg(m, 3, float("nan")), "eta"),
                       (lambda: npg(m, 3, 1.0, theta0=np.zeros((2, 2))), "theta0"),
                       (lambda: entropy_npg(m, 3, tau=-1.0), "tau"),
                       (lambda: entropy_npg(m, 3, tau=0.1, eta=10.0), "eta"),
                       (lambda: npg(m, 3, 1.0, initial=4), "initial"),
                       (lambda: policy_gradient(m, None), "theta"),
                       (lambda: soft_optimal(m, 0.1, tol=0), "tol"),
                       (lambda: npg("model", 3, 1.0), "m")]:
        with pytest.raises(PolicyGradientArgumentError, match=name):
            call()
    assert issubclass(PolicyGradientArgumentError, ValueError)
    with pytest.raises(PolicyGradientArgumentError, match="gamma"):
        npg(bandit([0.0, 1.0], 1.0), 3, 1.0)


# -- the checks: hold for the implementation, violated for planted bugs ----------------------------
def pg_step_without_the_discount_factor(m, n_iter):
    return softmax_pg(m, n_iter, eta=(1 - m.gamma) ** 4 / 8)  # gradient missing its 1/(1-gamma)


def npg_half_step(m, n_iter, eta):
    return npg(m, n_iter, eta / 2)


def npg_missing_discount(m, n_iter, eta):
    return npg(m, n_iter, eta * (1 - m.gamma))


def entropy_npg_wrong_step(m, n_iter, tau, eta):
    return entropy_npg(m, n_iter, tau, 0.9 * eta)


def npg_one_update_short(m, n_iter, eta):
    r = npg(m, n_iter - 1, eta)
    return type(r)(r.method, r.eta, r.tau, r.theta, np.vstack([r.values[:1], r.values]),
                   r.q_values, np.concatenate([r.policies[:1], r.policies]), r.occupancy,
                   r.grad_norm, r.mu)


@pytest.mark.parametrize("check_id,mutant", [
    ("pg.softmax_exact", pg_step_without_the_discount_factor),
    ("pg.npg_exact", npg_half_step), ("pg.npg_exact", npg_missing_discount),
    ("pg.npg_exact", npg_one_update_short),
    ("pg.entropy_npg_exact", entropy_npg_wrong_step)])
def test_check_holds_and_its_planted_bug_is_violated(check_id, mutant):
    good = verify(check_id, quick=True, backend="serial", n_trials=6)
    assert good.status == "holds", good.details
    bad = verify(check_id, algorithm=mutant, quick=True, backend="serial", n_trials=6)
    assert bad.status == "violated", bad.details


def test_mei_bound_cell_is_labelled_vacuous_where_it_cannot_be_reached():
    r = verify("pg.softmax_exact", quick=True, backend="serial", n_trials=4)
    assert r.numbers["mei_nonvacuous_trials"] == 0
    assert "vacuous on every trial" in r.details
    for t in r.trials:
        mei = [c for c in t["cells"] if c["name"].startswith("Mei")]
        assert mei and mei[0]["vacuous"]
