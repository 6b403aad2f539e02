"""FedSARSA (Zhang, Wang, Mitra, Anderson 2024) and its registered checks: linear speed-up at zero
heterogeneity (``sa.fedsarsa_speedup``), the rate in the local steps (``sa.fedsarsa_rate``), and
the heterogeneity bias (``sa.fedsarsa_heterogeneity_bias``).

Expected numbers come from a plain-Python transcription of the algorithm (local SARSA steps on
each agent's own trajectory, then the server's average) fed the same uniforms; from single-agent
SARSA (one agent is SARSA, whatever K); from scipy's root of the verifier's averaged mean-path
field; from the definition of the total-variation distance; and from planted bugs, which the
checks must call ``inconsistent``.
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.estimators.stochastic_approximation import (StochasticApproximationArgumentError,
                                                        fedsarsa, fedsarsa_fixed_point,
                                                        heterogeneous_kernels, linear_sarsa,
                                                        max_tv_distance, sarsa_fixed_point)
from rlcert.mdp import TabularMDP
from rlcert.proofs_checks.api import verify
from rlcert.proofs_checks.registry.stochastic_approximation import verifier_sarsa_root


def agents(seed, N, eps, S=3, A=2, d=2, gamma=0.6):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(S), size=(S, A))
    R = rng.random((S, A))
    Ps = heterogeneous_kernels(P, N, eps, seed=seed + 1)
    phi = rng.random((S, A, d)) + 0.5 * np.eye(S * A)[:, :d].reshape(S, A, d)
    phi /= np.linalg.norm(phi, axis=2, keepdims=True)
    init = rng.dirichlet(np.ones(S))
    return [TabularMDP(Pi, R, gamma, init) for Pi in Ps], phi


def _pick(prob, u):
    c = np.cumsum(prob)
    return int(np.argmax(u < c)) if u < c[-1] else len(prob) - 1


def plain_fedsarsa(mdps, phi, rounds, K, alphas, seed, tau, R=np.inf):
    """The algorithm in plain Python: per round, each agent copies the server's theta, takes K
    SARSA steps on its own trajectory, and the server averages."""
    streams = np.random.default_rng(seed).spawn(len(mdps))
    d = phi.shape[2]

    def policy(s, th):
        q = phi[s] @ th
        z = np.exp((q - q.max()) / tau)
        return z / z.sum()

    state, draws = [], []
    for m, g in zip(mdps, streams):
        s = _pick(m.initial, g.random())
        a = _pick(policy(s, np.zeros(d)), g.random())
        state.append((s, a))
        draws.append(g.random((rounds * K, 2)))
    theta = np.zeros(d)
    trace = []
    for r in range(rounds):
        locals_ = []
        for i, m in enumerate(mdps):
            th = theta.copy()
            s, a = state[i]
            for k in range(K):
                t = r * K + k
                s2 = _pick(m.dense_P()[s, a], draws[i][t, 0])
                a2 = _pick(policy(s2, th), draws[i][t, 1])
                delta = m.R[s, a] + m.gamma * phi[s2, a2] @ th - phi[s, a] @ th
                th = th + alphas[t] * delta * phi[s, a]
                n = np.linalg.norm(th)
                if n > R:
                    th = th * R / n
                s, a = s2, a2
            state[i] = (s, a)
            locals_.append(th)
        theta = np.mean(locals_, axis=0)
        trace.append(theta)
    return np.array(trace)


@settings(max_examples=10)
@given(st.integers(0, 10 ** 6), st.integers(1, 4), st.integers(1, 5), st.sampled_from([None, 1.0]))
def test_fedsarsa_matches_the_plain_algorithm_step_by_step(seed, N, K, R):
    mdps, phi = agents(seed, N, 0.3)
    rounds = 40
    res = fedsarsa(mdps, phi, rounds, K, temperature=0.8, w=0.5, t0=2, radius=R, seed=seed)
    want = plain_fedsarsa(mdps, phi, rounds, K, 1 / (0.5 * (np.arange(rounds * K) + 2)), seed,
                          0.8, np.inf if R is None else R)
    assert np.allclose(res.trace, want, rtol=1e-10, atol=1e-12)
    assert np.allclose(res.theta, want[-1])
    assert np.allclose(res.local.mean(axis=0), res.theta)


@pytest.mark.parametrize("K", [1, 7])
def test_one_agent_is_sarsa(K):
    mdps, phi = agents(4, 1, 0.0)
    res = fedsarsa(mdps, phi, 30, K, temperature=0.5, schedule="constant", alpha=0.1, seed=9)
    child = np.random.default_rng(9).spawn(1)[0]
    single = linear_sarsa(mdps[0], phi, 30 * K, temperature=0.5, schedule="constant",
                          alpha=0.1, seed=child, record_every=K)
    assert np.allclose(res.trace, single.trace, rtol=1e-12, atol=1e-14)


@settings(max_examples=8)
@given(st.integers(0, 10 ** 6), st.floats(0.0, 0.5))
def test_federated_fixed_point_is_the_root_of_the_averaged_field(seed, eps):
    mdps, phi = agents(seed, 3, eps)
    th = fedsarsa_fixed_point(mdps, phi, temperature=2.0)
    ref, _ = verifier_sarsa_root([m.dense_P() for m in mdps], np.asarray(mdps[0].R),
                                 mdps[0].gamma, phi, 2.0)
    assert np.allclose(th, ref, atol=1e-8)
    if eps == 0.0:
        assert np.allclose(th, sarsa_fixed_point(mdps[0], phi, temperature=2.0), atol=1e-10)


@settings(max_examples=20)
@given(st.integers(0, 10 ** 6), st.floats(0.0, 1.0), st.integers(1, 5))
def test_heterogeneous_kernels_stay_within_their_tv_radius(seed, eps, N):
    rng = np.random.default_rng(seed)
    P = rng.dirichlet(np.ones(4), size=(4, 2))
    Ps = heterogeneous_kernels(P, N, eps, seed=seed)
    assert Ps.shape == (N, 4, 2, 4) and np.allclose(Ps.sum(-1), 1)
    tv_to_P = np.abs(Ps - P[None]).sum(-1).max() / 2
    assert tv_to_P <= eps + 1e-12
    assert max_tv_distance(Ps) <= 2 * eps + 1e-12
    # by hand, the first pair's largest TV
    if N >= 2:
        by_hand = max(0.5 * sum(abs(Ps[0, s, a, t] - Ps[1, s, a, t]) for t in range(4))
                      for s in range(4) for a in range(2))
        assert max_tv_distance(Ps[:2]) == pytest.approx(by_hand, abs=1e-14)
    else:
        assert max_tv_distance(Ps) == 0.0


def test_bad_arguments_are_refused_by_name():
    mdps, phi = agents(0, 2, 0.1)
    other = TabularMDP(mdps[0].dense_P(), mdps[0].R + 0.1, 0.6, 0)
    ok = {"temperature": 1.0, "w": 1.0}
    for call, name in [
            (lambda: fedsarsa([], phi, 5, 2, **ok), "mdps"),
            (lambda: fedsarsa(mdps[0], phi, 5, 2, **ok), "mdps"),
            (lambda: fedsarsa([mdps[0], "m"], phi, 5, 2, **ok), r"mdps\[1\]"),
            (lambda: fedsarsa([mdps[0], other], phi, 5, 2, **ok), r"mdps\[1\]\.R"),
            (lambda: fedsarsa(mdps, phi, 0, 2, **ok), "n_rounds"),
            (lambda: fedsarsa(mdps, phi, 5, 0, **ok), "local_steps"),
            (lambda: fedsarsa(mdps, phi, 5, 2, w=1.0), "temperature"),
            (lambda: fedsarsa(mdps, phi, 5, 2, temperature=1.0), "w"),
            (lambda: fedsarsa(mdps, phi[:, :, :1], 5, 2, radius=-1.0, **ok), "radius"),
            (lambda: fedsarsa(mdps, phi[0], 5, 2, **ok), "phi"),
            (lambda: fedsarsa(mdps, phi, 5, 2, seed="x", **ok), "seed"),
            (lambda: heterogeneous_kernels(np.ones((2, 2, 2)), 2, 0.1), "P"),
            (lambda: heterogeneous_kernels(mdps[0].dense_P(), 0, 0.1), "n_agents"),
            (lambda: heterogeneous_kernels(mdps[0].dense_P(), 2, 1.5), "eps"),
            (lambda: heterogeneous_kernels(mdps[0].dense_P(), 2, 0.1, concentration=0),
             "concentration"),
            (lambda: max_tv_distance(np.ones((2, 2))), "kernels"),
            (lambda: fedsarsa_fixed_point(mdps, phi, temperature=1.0, tol=0), "tol")]:
        with pytest.raises(StochasticApproximationArgumentError, match=name):
            call()


# -- the checks and planted bugs -------------------------------------------------------------------
def agents_never_communicate(mdps, phi, n_rounds, K, temperature, w, radius, seed):
    # no averaging: each agent keeps its own SARSA iterate
    kids = seed.spawn(len(mdps))
    return np.array([linear_sarsa(m, phi, n_rounds * K, temperature=temperature, w=w,
                                  radius=radius, seed=k).theta for m, k in zip(mdps, kids)])


def agents_share_one_stream(mdps, phi, n_rounds, K, temperature, w, radius, seed):
    # every agent draws the same uniforms: identical trajectories, nothing to average out
    th = linear_sarsa(mdps[0], phi, n_rounds * K, temperature=temperature, w=w, radius=radius,
                      seed=seed).theta
    return np.tile(th, (len(mdps), 1))


def fedsarsa_constant_step(mdps, phi, n_rounds, K, temperature, w, radius, seed):
    # a wrong step size: constant where the decaying 1/(w (t+1)) is due
    res = fedsarsa(mdps, phi, n_rounds, K, temperature=temperature, schedule="constant",
                   alpha=0.05, radius=radius, seed=seed)
    return np.tile(res.theta, (len(mdps), 1))


def fedsarsa_wrong_temperature(mdps, phi, n_rounds, K, temperature, w, radius, seed):
    # the policy-improvement operator at half the temperature: another limit, biased at eps = 0
    res = fedsarsa(mdps, phi, n_rounds, K, temperature=temperature / 2, w=w, radius=radius,
                   seed=seed)
    return np.tile(res.theta, (len(mdps), 1))


@pytest.mark.parametrize("check_id,mutants,params", [
    ("sa.fedsarsa_speedup", (agents_never_communicate, agents_share_one_stream), None),
    ("sa.fedsarsa_rate", (fedsarsa_constant_step,), None),
    ("sa.fedsarsa_heterogeneity_bias", (fedsarsa_wrong_temperature,), {"rounds": 1000})])
def test_checks_are_consistent_for_fedsarsa_and_catch_planted_bugs(check_id, mutants, params):
    good = verify(check_id, quick=True, backend="serial", n_trials=12, params=params)
    assert good.status == "consistent", good.details
    if check_id == "sa.fedsarsa_speedup":
        assert good.numbers["ratio"] < 2 / 8
    if check_id == "sa.fedsarsa_heterogeneity_bias":
        b = good.numbers["bias"]
        assert b[1] < b[2] < b[3] and good.numbers["zero_bias_p"] > 0.025
    for mutant in mutants:
        bad = verify(check_id, algorithm=mutant, quick=True, backend="serial", n_trials=8,
                     params=params)
        assert bad.status == "inconsistent", (mutant.__name__, bad.details)

