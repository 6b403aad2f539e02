"""UCRL2: the radii, the inner maximisation and extended value iteration against independent
computations, the doubling rule, the compiled loop against the protocol run and against a plain
numpy implementation of Figure 1 written here, and input validation."""

import math

import numpy as np
import pytest
from hypothesis import given, strategies as st
from scipy.optimize import linprog

from rlcert.estimators.average import (UCRL2, ContinuingArgumentError, NotCommunicatingError,
                                       episode_bound, reward_radius, transition_radius)
from rlcert.estimators.average import _kernels as kr
from rlcert.mdp import TabularMDP, instances, solve_average
from rlcert.proofs_checks.harness import doubling_episodes, play_continuing


def switch():
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[1, 0, 1] = P[0, 1, 1] = P[1, 1, 0] = 1.0
    return TabularMDP(P, np.array([[0.45, 0.2], [0.95, 0.1]]))


def random_communicating(seed, S=None, A=2):
    rng = np.random.default_rng(seed)
    S = S or int(rng.integers(2, 6))
    P = rng.integers(0, 4, size=(S, A, S)).astype(float)
    for s in range(S):
        P[s, 0, (s + 1) % S] += 2.0
        P[s, 1:, s] += 1.0
    P /= P.sum(-1, keepdims=True)
    return TabularMDP(P, np.round(rng.random((S, A)) * 16) / 16)


# -- radii: Jaksch, Ortner and Auer 2010, Figure 1 ------------------------------------------------
@pytest.mark.parametrize("S, A, t, d, N", [(2, 2, 10, 0.05, 3), (6, 2, 12345, 0.1, 0),
                                           (20, 4, 1e6, 0.01, 999)])
def test_radii_are_the_papers(S, A, t, d, N):
    n = max(1, N)
    assert reward_radius(S, A, t, d, N) == pytest.approx(
        (7 * math.log(2 * S * A * t / d) / (2 * n)) ** 0.5, rel=1e-14)
    assert transition_radius(S, A, t, d, N) == pytest.approx(
        (14 * S * math.log(2 * A * t / d) / n) ** 0.5, rel=1e-14)


def test_radii_by_hand():
    # S = A = 2, t_k = 10, delta = 0.05, N = 3: ln(2*2*2*10/0.05) = ln 1600 = 7.37775890822787,
    # ln(2*2*10/0.05) = ln 800 = 6.684611727667927
    assert reward_radius(2, 2, 10, 0.05, 3) == pytest.approx(math.sqrt(7 * 7.37775890822787 / 6),
                                                             rel=1e-14)
    assert transition_radius(2, 2, 10, 0.05, 3) == pytest.approx(
        math.sqrt(28 * 6.684611727667927 / 3), rel=1e-14)


# -- inner maximisation: against a linear program ----------------------------------------------
@given(st.integers(2, 7), st.floats(0.0, 2.5), st.integers(0, 10_000))
def test_inner_max_equals_the_linear_program(S, d, seed):
    rng = np.random.default_rng(seed)
    p_hat = rng.dirichlet(np.ones(S) * 0.7)
    u = np.round(rng.normal(size=S), 2)  # ties included
    order = np.argsort(-u, kind="mergesort")
    p = np.empty(S)
    value = kr.inner_max(p_hat, d, order, u, p)
    # max u.p s.t. p >= 0, sum p = 1, sum |p - p_hat| <= d  (p = p_hat + x - y, x, y >= 0)
    x = _lp(p_hat, u, d)
    assert value == pytest.approx(x, abs=1e-7)  # the LP solver's feasibility tolerance
    assert p.min() >= 0 and p.sum() == pytest.approx(1.0, abs=1e-12)
    assert np.abs(p - p_hat).sum() <= d + 1e-12
    assert value == pytest.approx(p @ u, abs=1e-12)


def _lp(p_hat, u, d):
    S = p_hat.shape[0]
    # variables p (S) and z (S) with z >= |p - p_hat|
    c = np.concatenate([-u, np.zeros(S)])
    A_ub = np.block([[np.eye(S), -np.eye(S)], [-np.eye(S), -np.eye(S)],
                     [np.zeros((1, S)), np.ones((1, S))]])
    b_ub = np.concatenate([p_hat, -p_hat, [d]])
    res = linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=np.concatenate([np.ones(S), np.zeros(S)])[None],
                  b_eq=[1.0], bounds=[(0, None)] * (2 * S), method="highs")
    return -res.fun


# -- extended value iteration ------------------------------------------------------------------
@given(st.integers(0, 10_000))
def test_evi_without_uncertainty_brackets_the_models_gain(seed):
    # d = 0: EVI is value iteration on the model itself; its stopping gaps bracket g* (solved here
    # exactly by multichain policy iteration) and the greedy policy is eps-optimal
    m = random_communicating(seed)
    S, A = m.n_states, m.n_actions
    pi, p_til, r_til, u, gaps = (np.zeros(S, np.int64), np.zeros((S, S)), np.zeros(S),
                                 np.zeros(S), np.zeros(2))
    eps = 1e-6
    sweeps = kr.extended_value_iteration(np.array(m.R), m.dense_P(), np.zeros((S, A)), eps,
                                         100000, pi, p_til, r_til, u, gaps)
    assert sweeps > 0
    g = float(np.max(solve_average(m).gain))
    assert gaps[0] - 1e-12 <= g <= gaps[1] + 1e-12
    assert gaps[1] - gaps[0] < eps
    np.testing.assert_allclose(p_til, m.dense_P()[np.arange(S), pi], atol=1e-15)
    from rlcert.mdp import evaluate_policy_average
    assert np.min(evaluate_policy_average(m, pi)[0]) >= g - eps


@given(st.integers(0, 10_000), st.floats(0.05, 1.0))
def test_evi_gain_matches_brute_force_over_extreme_models(seed, d):
    # S = 2: every extended action's extreme points are p_hat shifted by d/2 towards one state
    # (or the vertex); the optimistic gain is the best gain over the finite set of (policy,
    # extreme row) choices, enumerated here
    m = random_communicating(seed, S=2)
    R, P = np.array(m.R), m.dense_P()
    pi, p_til, r_til, u, gaps = (np.zeros(2, np.int64), np.zeros((2, 2)), np.zeros(2),
                                 np.zeros(2), np.zeros(2))
    D = np.full((2, 2), d)
    kr.extended_value_iteration(R, P, D, 1e-8, 100000, pi, p_til, r_til, u, gaps)
    rows = {}
    for s in range(2):
        for a in range(2):
            rows[s, a] = [np.array([min(1, P[s, a, 0] + d / 2), 0]),
                          np.array([0, min(1, P[s, a, 1] + d / 2)])]
            rows[s, a] = [np.array([r[0], 1 - r[0]]) if r[0] > 0 else np.array([1 - r[1], r[1]])
                          for r in rows[s, a]]
    best = -np.inf
    for a0 in range(2):
        for a1 in range(2):
            for r0 in rows[0, a0]:
                for r1 in rows[1, a1]:
                    Pc = np.array([r0, r1])
                    # gain of a 2-state chain: stationary law (or absorbing states)
                    x, y = Pc[0, 1], Pc[1, 0]
                    rr = np.array([R[0, a0], R[1, a1]])
                    if x + y == 0:
                        g = rr.min()
                    else:
                        g = (y * rr[0] + x * rr[1]) / (x + y)
                    best = max(best, g)
    assert gaps[0] - 1e-7 <= best <= gaps[1] + 1e-7


# -- a plain numpy UCRL2 (Figure 1), written independently of the compiled one -----------------
def reference_ucrl2(m, T, seed, delta=0.05):
    """Figure 1 line by line, numpy only; EVI's inner max by a linear program."""
    S, A = m.n_states, m.n_actions
    P, R = m.dense_P(), np.array(m.R)
    from rlcert.estimators.base import protocol_seeds
    env, _ = protocol_seeds(seed)
    s = int(np.searchsorted(np.cumsum(m.initial), env.random(), side="right"))
    N = np.zeros((S, A))
    Pc = np.zeros((S, A, S))
    Rs = np.zeros((S, A))
    t = 1
    actions, starts = [], []
    while t <= T:
        t_k = t
        starts.append(t_k - 1)
        n = np.maximum(1, N)
        r_up = Rs / n + np.sqrt(7 * np.log(2 * S * A * t_k / delta) / (2 * n))
        p_hat = Pc / n[..., None]
        d = np.where(N > 0, np.sqrt(14 * S * np.log(2 * A * t_k / delta) / n), 2.0)
        u = np.zeros(S)
        while True:
            q = np.array([[r_up[x, a] + _lp_capped(p_hat[x, a], u, d[x, a]) for a in range(A)]
                          for x in range(S)])
            new = q.max(1)
            diff = new - u
            pol = q.argmax(1)
            u = new - new.min()
            if diff.max() - diff.min() < 1 / math.sqrt(t_k):
                break
        nu = np.zeros((S, A))
        while t <= T and nu[s, pol[s]] < max(1, N[s, pol[s]]):
            a = pol[s]
            u_r, u_s = env.random(), env.random()
            r = 1.0 if u_r < R[s, a] else 0.0
            s2 = int(np.searchsorted(np.cumsum(P[s, a]), u_s, side="right"))
            s2 = min(s2, S - 1)
            actions.append(a)
            nu[s, a] += 1
            Pc[s, a, s2] += 1
            Rs[s, a] += r
            s = s2
            t += 1
        N += nu
    return np.array(actions), np.array(starts)


def _lp_capped(p_hat, u, d):
    if p_hat.sum() == 0:  # N = 0: the whole simplex
        return u.max()
    return _lp(p_hat, u, min(d, 2.0))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_ucrl2_plays_as_figure_1(seed):
    m = random_communicating(seed, S=3)
    T = 400
    actions, starts = reference_ucrl2(m, T, seed)
    tr = UCRL2().transcript(m, n_steps=T, seed=seed)
    np.testing.assert_array_equal(tr["actions"], actions)
    np.testing.assert_array_equal(tr["switch_steps"], starts)


# -- the doubling rule and the episode count ---------------------------------------------------
@given(st.integers(0, 10_000), st.integers(50, 3000))
def test_episodes_follow_the_doubling_rule_and_the_bound(seed, T):
    m = random_communicating(seed)
    tr = play_continuing(UCRL2(), m, T, seed, record_model=True)
    rebuilt = doubling_episodes(tr, m.n_states, m.n_actions)
    np.testing.assert_array_equal(rebuilt, tr.switch_steps)
    if T >= m.n_states * m.n_actions:
        assert rebuilt.shape[0] <= episode_bound(m.n_states, m.n_actions, T)


def test_episode_bound_by_hand():
    assert episode_bound(2, 2, 1000) == pytest.approx(4 * math.log2(2000))


# -- compiled loop = protocol run ----------------------------------------------------------------
@pytest.mark.parametrize("noise", ["bernoulli", "none"])
def test_compiled_loop_equals_the_protocol_run(noise):
    m = instances.riverswim(4)
    a = play_continuing(UCRL2(), m, 3000, 11, reward_noise=noise, record_model=True, fast=True)
    b = play_continuing(UCRL2(), m, 3000, 11, reward_noise=noise, record_model=True, fast=False)
    for x, y in ((a.states, b.states), (a.actions, b.actions), (a.rewards, b.rewards),
                 (a.switch_steps, b.switch_steps), (a.policies, b.policies),
                 (a.models[0], b.models[0]), (a.models[1], b.models[1])):
        np.testing.assert_array_equal(x, y)


def test_run_measures_pseudo_regret_from_the_oracle():
    m = switch()
    res = UCRL2().run(m, n_steps=5000, seed=3)
    g = 0.95  # stay in state 1
    tr = UCRL2().transcript(m, n_steps=5000, seed=3)
    expected = g - np.array(m.R)[tr["states"], tr["actions"]]
    np.testing.assert_allclose(res.regret, expected)
    assert res.extras["regret"] == pytest.approx(5000 * g - tr["rewards"].sum())


def test_optimistic_gain_is_optimistic_on_the_switch_instance():
    u = UCRL2()
    u.reset(2, 2, 0)
    u.act(0)
    p, r = u.optimistic_model()
    # no data: every reward is r_hat + radius = sqrt(7 log(8/0.05)/2), every row a point mass
    assert r == pytest.approx(np.full(2, math.sqrt(7 * math.log(8 / 0.05) / 2)))
    assert set(p.sum(1)) == {1.0}


# -- refusals --------------------------------------------------------------------------------------
def test_refuses_a_model_that_is_not_communicating():
    P = np.zeros((2, 1, 2))
    P[0, 0, 0] = P[1, 0, 1] = 1.0
    with pytest.raises(NotCommunicatingError, match="not communicating"):
        UCRL2().run(TabularMDP(P, np.zeros((2, 1))), n_steps=10, seed=0)


@pytest.mark.parametrize("kwargs, name", [({"delta": 0.0}, "delta"), ({"delta": 1.5}, "delta"),
                                          ({"radius_scale": -1}, "radius_scale"),
                                          ({"max_sweeps": 0}, "max_sweeps"),
                                          ({"reward_scale": float("nan")}, "reward_scale")])
def test_bad_parameters_are_refused_by_name(kwargs, name):
    with pytest.raises(ContinuingArgumentError, match=name):
        UCRL2(**kwargs)


def test_bad_calls_are_refused_by_name():
    u = UCRL2()
    with pytest.raises(ContinuingArgumentError, match="reset"):
        u.act(0)
    u.reset(2, 2, 0)
    with pytest.raises(ContinuingArgumentError, match="s=5"):
        u.act(5)
    with pytest.raises(ContinuingArgumentError, match="reward"):
        u.observe(0, 0, 1.5, 1)
    with pytest.raises(ContinuingArgumentError, match="a=7"):
        u.observe(0, 7, 0.5, 1)
    with pytest.raises(ContinuingArgumentError, match="n_steps"):
        u.run(switch(), n_steps=0)
    with pytest.raises(ContinuingArgumentError, match="rewards in"):
        u.run(TabularMDP(np.ones((1, 1, 1)), np.full((1, 1), 2.0)), n_steps=5)
    with pytest.raises(ContinuingArgumentError, match="reward_noise"):
        u.run(switch(), n_steps=5, reward_noise="gauss")
