"""Linear and tabular SARSA (Zou, Xu, Liang 2019) and the rate check ``sa.sarsa_linear_rate``.

Expected numbers come from a plain-Python transcription of the SARSA pseudo-code (Zou et al.,
Algorithm 1: act, observe, draw the next action from the current policy, update, project) fed the
same uniforms and compared step by step; the fixed point from a second method (scipy's root of the
verifier's mean-path field) and, for one-hot features, from the oracle's exact policy evaluation
(``Q_theta* = Q^{pi_theta*}``); planted bugs must be ``inconsistent``.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.estimators.stochastic_approximation import (StochasticApproximationArgumentError,
                                                        linear_sarsa, mean_path,
                                                        one_hot_features, sarsa_fixed_point,
                                                        sarsa_policy, tabular_sarsa)
from rlcert.mdp import TabularMDP, evaluate_policy, q_from_v
from rlcert.proofs_checks.api import verify
from rlcert.proofs_checks.registry.stochastic_approximation import verifier_sarsa_root


def random_case(seed, S=None, A=None, d=None, gamma=0.7):
    rng = np.random.default_rng(seed)
    S = S or int(rng.integers(2, 6))
    A = A or int(rng.integers(2, 4))
    d = d or int(rng.integers(1, 4))
    m = TabularMDP(rng.dirichlet(np.ones(S), size=(S, A)), rng.random((S, A)), gamma,
                   rng.dirichlet(np.ones(S)))
    phi = rng.random((S, A, d)) + 0.5 * np.eye(S * A)[:, :d].reshape(S, A, d)
    return m, phi / np.linalg.norm(phi, axis=2, keepdims=True)


def _pick(prob, u):
    c = np.cumsum(prob)
    return int(np.argmax(u < c)) if u < c[-1] else len(prob) - 1


def plain_sarsa(m, phi, T, alphas, seed, tau=None, eps=None, R=np.inf):
    """Zou et al.'s Algorithm 1, step by step, with the draw order linear_sarsa documents."""
    rng = np.random.default_rng(seed)
    P, r, g = m.dense_P(), np.asarray(m.R), m.gamma
    A = phi.shape[1]
    th = np.zeros(phi.shape[2])

    def policy(s, th):
        q = phi[s] @ th
        if tau is not None:
            z = np.exp((q - q.max()) / tau)
            return z / z.sum()
        p = np.full(A, eps / A)
        p[int(np.argmax(q))] += 1 - eps
        return p

    s = _pick(m.initial, rng.random())
    a = _pick(policy(s, th), rng.random())
    u = rng.random((T, 2))
    out = []
    for t in range(T):
        s2 = _pick(P[s, a], u[t, 0])
        a2 = _pick(policy(s2, th), u[t, 1])
        delta = r[s, a] + g * phi[s2, a2] @ th - phi[s, a] @ th
        th = th + alphas[t] * delta * phi[s, a]
        n = np.linalg.norm(th)
        if n > R:
            th = th * R / n
        out.append(th.copy())
        s, a = s2, a2
    return np.array(out)


@settings(max_examples=12)
@given(st.integers(0, 10 ** 6), st.sampled_from(["softmax", "greedy"]),
       st.sampled_from([None, 0.5]), st.integers(1, 300))
def test_linear_sarsa_matches_the_pseudo_code_step_by_step(seed, op, R, T):
    m, phi = random_case(seed)
    kw = {"temperature": 0.7} if op == "softmax" else {"epsilon": 0.2}
    res = linear_sarsa(m, phi, T, w=0.5, radius=R, seed=seed, record_every=1, **kw)
    want = plain_sarsa(m, phi, T, 1 / (0.5 * np.arange(1, T + 1)), seed,
                       tau=kw.get("temperature"), eps=kw.get("epsilon"),
                       R=np.inf if R is None else R)
    assert np.allclose(res.trace, want, rtol=1e-10, atol=1e-12)
    if R is not None:
        assert np.all(np.linalg.norm(res.trace, axis=1) <= R * (1 + 1e-12))


def test_constant_schedule_and_tabular_sarsa_match_the_pseudo_code():
    m, _ = random_case(3, S=3, A=2)
    res = tabular_sarsa(m, 400, temperature=0.5, schedule="constant", alpha=0.1, seed=1,
                        record_every=1)
    want = plain_sarsa(m, one_hot_features(3, 2), 400, np.full(400, 0.1), 1, tau=0.5)
    assert np.allclose(res.trace, want, rtol=1e-10, atol=1e-12)
    assert np.allclose(res.steps, 0.1)


@settings(max_examples=10)
@given(st.integers(0, 10 ** 6))
def test_fixed_point_agrees_with_scipys_root_of_the_verifier_field(seed):
    m, phi = random_case(seed, gamma=0.6)
    tau = 2.0  # a smooth operator: a unique fixed point
    th = sarsa_fixed_point(m, phi, temperature=tau)
    ref, w = verifier_sarsa_root([m.dense_P()], np.asarray(m.R), m.gamma, phi, tau)
    assert np.allclose(th, ref, atol=1e-8)
    Am, b, D = mean_path(m, phi, th, temperature=tau)
    assert np.max(np.abs(Am @ th + b)) < 1e-10 and abs(D.sum() - 1) < 1e-12
    assert w > 0


def test_one_hot_fixed_point_is_the_q_function_of_its_own_policy():
    m, _ = random_case(11, S=4, A=3, gamma=0.8)
    phi = one_hot_features(4, 3)
    th = sarsa_fixed_point(m, phi, temperature=1.0)
    pi = sarsa_policy(phi, th, temperature=1.0)
    Q = q_from_v(m, evaluate_policy(m, pi))  # the oracle, by an exact linear solve
    assert np.allclose(th.reshape(4, 3), Q, atol=1e-9)


def test_tabular_sarsa_approaches_the_fixed_point():
    m, _ = random_case(2, S=3, A=2, gamma=0.5)
    th = sarsa_fixed_point(m, one_hot_features(3, 2), temperature=1.0)
    res = tabular_sarsa(m, 200_000, temperature=1.0, w=0.05, t0=20, radius=50.0, seed=0)
    assert np.max(np.abs(res.theta - th)) < 0.02
    assert res.steps[0] == pytest.approx(1 / (0.05 * 20))


def test_policies():
    phi = one_hot_features(2, 3)
    th = np.array([0.0, 1.0, 0.0, 2.0, 2.0, 0.0])
    sm = sarsa_policy(phi, th, temperature=1.0)
    assert np.allclose(sm[0], np.exp([0, 1, 0]) / np.exp([0, 1, 0]).sum())
    eg = sarsa_policy(phi, th, epsilon=0.3)
    assert np.allclose(eg, [[0.1, 0.8, 0.1], [0.8, 0.1, 0.1]])  # ties to the lowest action


def test_bad_arguments_are_refused_by_name():
    m, phi = random_case(0, S=2, A=2, d=2)
    ok = {"temperature": 1.0, "w": 1.0}
    for call, name in [
            (lambda: linear_sarsa(m, phi, 0, **ok), "n_steps"),
            (lambda: linear_sarsa(m, phi, 5, w=1.0), "temperature"),
            (lambda: linear_sarsa(m, phi, 5, temperature=1.0, epsilon=0.1, w=1.0), "epsilon"),
            (lambda: linear_sarsa(m, phi, 5, epsilon=1.5, w=1.0), "epsilon"),
            (lambda: linear_sarsa(m, phi, 5, temperature=-1.0, w=1.0), "temperature"),
            (lambda: linear_sarsa(m, phi, 5, temperature=1.0), "w"),
            (lambda: linear_sarsa(m, phi, 5, temperature=1.0, schedule="constant"), "alpha"),
            (lambda: linear_sarsa(m, phi, 5, schedule="cosine", **ok), "schedule"),
            (lambda: linear_sarsa(m, phi, 5, radius=0.0, **ok), "radius"),
            (lambda: linear_sarsa(m, phi, 5, t0=0, **ok), "t0"),
            (lambda: linear_sarsa(m, phi[:, :, :1].repeat(2, 2), 5, **ok), "phi"),
            (lambda: linear_sarsa(m, phi[0], 5, **ok), "phi"),
            (lambda: linear_sarsa(m, phi, 5, theta0=[1.0], **ok), "theta0"),
            (lambda: linear_sarsa(m, phi, 5, seed=None, **ok), "seed"),
            (lambda: linear_sarsa("m", phi, 5, **ok), "m"),
            (lambda: tabular_sarsa("m", 5, **ok), "m"),
            (lambda: sarsa_fixed_point(m, phi, temperature=1.0, max_iter=0), "max_iter"),
            (lambda: one_hot_features(0, 2), "S")]:
        with pytest.raises(StochasticApproximationArgumentError, match=name):
            call()


# -- the rate check and planted bugs --------------------------------------------------------------
def sarsa_constant_step(m, phi, n_steps, temperature, w, radius, seed):
    # the step does not decay: a noise floor
    return linear_sarsa(m, phi, n_steps, temperature=temperature, schedule="constant",
                        alpha=0.05, radius=radius, seed=seed).theta


def sarsa_wrong_temperature(m, phi, n_steps, temperature, w, radius, seed):
    # the policy-improvement operator at half the temperature: another fixed point
    return linear_sarsa(m, phi, n_steps, temperature=temperature / 2, w=w, radius=radius,
                        seed=seed).theta


def test_rate_check_is_consistent_for_sarsa_and_inconsistent_for_planted_bugs():
    good = verify("sa.sarsa_linear_rate", quick=True, backend="serial", n_trials=8)
    assert good.status == "consistent", good.details
    assert good.slope < -0.8
    for mutant in (sarsa_constant_step, sarsa_wrong_temperature):
        bad = verify("sa.sarsa_linear_rate", algorithm=mutant, quick=True, backend="serial",
                     n_trials=8)
        assert bad.status == "inconsistent", (mutant.__name__, bad.details)
