"""Stochastic N-PG-IGT and (N)-HARPG (rlcert.estimators.policy_gradient.stochastic) and their
rate checks.

Expected numbers come from elsewhere: the oracle's exact gradient
(:func:`rlcert.estimators.policy_gradient.policy_gradient`, itself tested against finite
differences), central finite differences of that gradient for Hessian-vector products, the
schedules' closed forms ``gamma_t = step0 (2/(t+2))^b`` read off the step lengths of normalised
updates, and the oracle's optimal value.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.estimators.policy_gradient import PolicyGradientArgumentError, policy_gradient
from rlcert.estimators.policy_gradient.stochastic import (gpomdp_gradient,
                                                          hessian_vector_estimate, n_harpg,
                                                          n_pg_igt)
from rlcert.mdp import TabularMDP, evaluate_policy, solve
from rlcert.mdp.strategies import tabular_mdps
from rlcert.proofs_checks.api import verify


def small_mdp(seed=7, S=3, A=2, gamma=0.5):
    rng = np.random.default_rng(seed)
    return TabularMDP(rng.dirichlet(np.ones(S), size=(S, A)), rng.random((S, A)), gamma,
                      rng.dirichlet(np.ones(S)))


@settings(max_examples=8)
@given(tabular_mdps(max_states=3, max_actions=3, gamma=(0.0, 0.3, 0.5)),
       st.integers(0, 2 ** 16))
def test_gpomdp_is_unbiased_for_the_exact_gradient(m, seed):
    # H = 40: the truncation bias is at most gamma^40 / (1 - gamma)^2 < 1e-10 here
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=(m.n_states, m.n_actions))
    g = gpomdp_gradient(m, theta, 40, 20_000, seed=seed)
    se = g.std(axis=0) / np.sqrt(len(g))
    assert np.all(np.abs(g.mean(axis=0) - policy_gradient(m, theta)) <= 6 * se + 1e-9)


def test_hessian_vector_estimate_is_unbiased_for_the_finite_difference_hvp():
    m = small_mdp(seed=3, S=3, A=3, gamma=0.5)
    rng = np.random.default_rng(0)
    theta, u = rng.normal(size=(3, 3)), rng.normal(size=(3, 3))
    h = 1e-5
    fd = (policy_gradient(m, theta + h * u) - policy_gradient(m, theta - h * u)) / (2 * h)
    v = hessian_vector_estimate(m, theta, u, 40, 100_000, seed=1)
    se = v.std(axis=0) / np.sqrt(len(v))
    assert np.all(np.abs(v.mean(axis=0) - fd) <= 6 * se + 1e-7)


@pytest.mark.parametrize("method,b", [(n_pg_igt, 1.0), (n_pg_igt, 0.5), (n_harpg, 1.0)])
def test_normalised_steps_have_the_schedule_lengths(method, b):
    # every normalised update moves theta by exactly gamma_t = step0 (2/(t+2))^b
    m = small_mdp()
    T, step0 = 30, 0.7
    r = method(m, T, 10, step0=step0, step_exponent=b, checkpoints=range(T + 1), seed=4)
    steps = np.linalg.norm((r.thetas[1:] - r.thetas[:-1]).reshape(T, -1), axis=1)
    t = np.arange(T)
    assert np.allclose(steps, step0 * (2.0 / (t + 2.0)) ** b, rtol=1e-12)
    assert np.array_equal(r.samples, np.where(r.checkpoints > 0, r.checkpoints * 10, 0)
                          if method is n_pg_igt else
                          np.where(r.checkpoints > 0, (2 * r.checkpoints - 1) * 10, 0))


def test_runs_are_reproducible_and_seeds_differ():
    m = small_mdp()
    a = n_harpg(m, 50, 10, seed=5).theta
    assert np.array_equal(a, n_harpg(m, 50, 10, seed=5).theta)
    assert not np.array_equal(a, n_harpg(m, 50, 10, seed=6).theta)


@pytest.mark.parametrize("method", [n_pg_igt, n_harpg])
def test_both_methods_approach_the_optimum_on_a_random_mdp(method):
    # the oracle's J*: after 20000 iterations the mean gap is below 30% of the initial gap
    m = small_mdp(seed=2, S=3, A=2, gamma=0.5)
    J_star = float(solve(m, method="pi", tol=1e-12).V @ m.initial)
    gaps = []
    for seed in range(4):
        r = method(m, 20_000, 20, checkpoints=[0, 20_000], seed=seed)
        gaps.append([J_star - float(evaluate_policy(m, p) @ m.initial) for p in r.policies])
    gaps = np.mean(gaps, axis=0)
    assert gaps[1] < 0.3 * gaps[0]


def test_bad_arguments_are_refused_by_name():
    m = small_mdp()
    th = np.zeros((3, 2))
    for call, name in [(lambda: n_pg_igt(m, -1, 5), "n_iter"),
                       (lambda: n_pg_igt(m, 5, 0), "horizon"),
                       (lambda: n_pg_igt(m, 5, 5, step0=0.0), "step0"),
                       (lambda: n_pg_igt(m, 5, 5, step_exponent=-1.0), "step_exponent"),
                       (lambda: n_harpg(m, 5, 5, momentum_exponent=1.5), "momentum_exponent"),
                       (lambda: n_harpg(m, 5, 5, checkpoints=[7]), "checkpoints"),
                       (lambda: n_harpg(m, 5, 5, checkpoints=[0.5]), "checkpoints"),
                       (lambda: n_harpg(m, 5, 5, normalize="yes"), "normalize"),
                       (lambda: n_harpg(m, 5, 5, seed=-1), "seed"),
                       (lambda: n_harpg(m, 5, 5, theta0=np.zeros((2, 2))), "theta0"),
                       (lambda: n_harpg(m, 5, 5, initial=9), "initial"),
                       (lambda: n_harpg("model", 5, 5), "m"),
                       (lambda: gpomdp_gradient(m, None, 5), "theta"),
                       (lambda: gpomdp_gradient(m, th, 5, n_traj=0), "n_traj"),
                       (lambda: hessian_vector_estimate(m, th, np.ones(3), 5), "u")]:
        with pytest.raises(PolicyGradientArgumentError, match=name):
            call()
    with pytest.raises(PolicyGradientArgumentError, match="gamma"):
        n_pg_igt(TabularMDP(np.ones((1, 2, 1)), np.zeros((1, 2)), 1.0, 0), 3, 3)


# -- the rate checks: consistent for the implementation, inconsistent for planted bugs -----------
def igt_without_momentum(m, n_iter, horizon, checkpoints, seed):
    return n_pg_igt(m, n_iter, horizon, checkpoints=checkpoints, seed=seed,
                    momentum_exponent=0.0).thetas


def harpg_summable_steps(m, n_iter, horizon, checkpoints, seed):
    return n_harpg(m, n_iter, horizon, checkpoints=checkpoints, seed=seed,
                   step_exponent=2.0).thetas


def test_npg_igt_rate_check_is_consistent_and_without_momentum_inconsistent():
    good = verify("pg.npg_igt_rate", quick=True, backend="serial")
    assert good.status == "consistent", good.details
    bad = verify("pg.npg_igt_rate", algorithm=igt_without_momentum, quick=True,
                 backend="serial", n_trials=6)
    assert bad.status == "inconsistent", bad.details
    assert bad.slope > -0.15  # normalised SGD without momentum stalls at its noise floor


def test_harpg_rate_check_separates_the_method_from_summable_steps():
    # the full run (40 trials) of the default is inconsistent with N^(-1/2) (a tail of runs
    # slowed near suboptimal deterministic policies, see the README, "Stochastic policy
    # gradient"); the quick run and the mutant's stall are asserted here
    good = verify("pg.harpg_rate", quick=True, backend="serial")
    assert good.slope < -0.25, good.details
    bad = verify("pg.harpg_rate", algorithm=harpg_summable_steps, quick=True,
                 backend="serial", n_trials=6)
    assert bad.status == "inconsistent", bad.details
    assert bad.slope > -0.05  # sum of gamma_t finite: theta stops moving


# -- the recursions, written out from the paper's equations on the same sample stream ------------
def reference_run(m, T, H, mode, step0=1.0, b=1.0, a=None, seed=3):
    """N-PG-IGT (mode 0) / N-HARPG (mode 1) in numpy, drawing the one-trajectory estimates from
    the compiled estimators on the same generator stream as the kernel."""
    from rlcert.estimators.policy_gradient import _stochastic_kernels as K
    from rlcert.estimators.policy_gradient import stochastic as sto
    a = (0.8 if mode == 0 else 1.0) if a is None else a
    Pcum, R, gamma, mu_cum = sto._cdfs(m, m.initial)
    K.seed_numba(sto._seed(seed))
    S, A = R.shape
    theta, prev, d, buf = np.zeros((S, A)), np.zeros((S, A)), np.zeros((S, A)), np.empty((S, A))
    for t in range(T):
        eta, step = (2 / (t + 2)) ** a, step0 * (2 / (t + 2)) ** b
        if mode == 0:
            K.gpomdp(Pcum, R, gamma, mu_cum, theta + (1 - eta) / eta * (theta - prev), H, buf)
            d = (1 - eta) * d + eta * buf
        else:
            K.gpomdp(Pcum, R, gamma, mu_cum, theta, H, buf)
            g = buf.copy()
            if t > 0:
                q = K.uniform()
                K.hvp(Pcum, R, gamma, mu_cum, q * theta + (1 - q) * prev,
                      np.ascontiguousarray(theta - prev), H, buf)
                d = (1 - eta) * (d + buf) + eta * g
            else:
                d = g
        prev = theta.copy()
        theta = theta + step * d / np.linalg.norm(d)
    return theta


@pytest.mark.parametrize("method,mode", [(n_pg_igt, 0), (n_harpg, 1)])
def test_kernel_runs_the_written_out_recursion(method, mode):
    m = small_mdp(seed=5, S=3, A=3, gamma=0.6)
    got = method(m, 200, 15, seed=3).theta
    assert np.allclose(got, reference_run(m, 200, 15, mode), atol=1e-10)
