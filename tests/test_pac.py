"""R-MAX, MBIE-EB and Delayed Q-learning: the bonus and update formulas by hand, the planned Q
against an exact solve of the learner's model (a second method), the compiled loop against the
protocol run, and the frozen-policy proxy of the sample complexity of exploration against the
algorithm's true value (by simulating the learner forward) where the two coincide."""

import copy
import math

import numpy as np
import pytest
from hypothesis import given, strategies as st

from rlcert.estimators.pac import MBIEEB, RMAX, ContinuingArgumentError, DelayedQLearning, \
    mbie_eb_beta
from rlcert.mdp import TabularMDP, instances, solve
from rlcert.proofs_checks.harness import exploration_mistakes, play_continuing


def deterministic_chain(gamma=0.8):
    """3 states in a line; action 0 left, action 1 right; reward 1 only for action 1 at the right
    end, 0.2 for action 0 at the left end."""
    S = 3
    P = np.zeros((S, 2, S))
    for s in range(S):
        P[s, 0, max(s - 1, 0)] = 1.0
        P[s, 1, min(s + 1, S - 1)] = 1.0
    R = np.zeros((S, 2))
    R[0, 0], R[S - 1, 1] = 0.2, 1.0
    return TabularMDP(P, R, gamma)


def test_mbie_eb_beta_by_hand():
    # S = 6, A = 2, m = 100, delta = 0.05, gamma = 0.9: ln(2*6*2*100/0.05) = ln 48000
    assert mbie_eb_beta(6, 2, 100, 0.05, 0.9) == pytest.approx(
        math.sqrt(10.778956289890849 / 2) / 0.1, rel=1e-13)


@pytest.mark.parametrize("make", [lambda: RMAX(gamma=0.8, m=5), lambda: MBIEEB(gamma=0.8, m=50),
                                  lambda: DelayedQLearning(gamma=0.8, m=5, eps1=0.05)])
def test_compiled_loop_equals_the_protocol_run(make):
    m = instances.riverswim(4).with_gamma(0.8)
    Qs = solve(m).Q
    a = play_continuing(make(), m, 1500, 5, Q_star=Qs, fast=True)
    b = play_continuing(make(), m, 1500, 5, Q_star=Qs, fast=False)
    for x, y in ((a.states, b.states), (a.actions, b.actions), (a.rewards, b.rewards),
                 (a.switch_steps, b.switch_steps), (a.policies, b.policies),
                 (a.q_margins, b.q_margins)):
        np.testing.assert_array_equal(x, y)


@given(st.integers(0, 10_000))
def test_mbie_eb_q_is_the_fixed_point_of_its_bonus_model(seed):
    # second method: the empirical model with rewards r_hat + beta/sqrt(n) solved by rlcert.mdp
    # (unvisited pairs: a self-loop paying 1, whose value is 1/(1-gamma))
    m = instances.riverswim(4).with_gamma(0.8)
    learner = MBIEEB(gamma=0.8, m=30)
    learner.reset(4, 2, 0)
    rng = np.random.default_rng(seed)
    P, R = m.dense_P(), np.array(m.R)
    s = 0
    n = np.zeros((4, 2))
    cnt = np.zeros((4, 2, 4))
    rs = np.zeros((4, 2))
    for _ in range(int(rng.integers(1, 300))):
        a = int(rng.integers(2))  # any behaviour: the model only depends on the data
        r = float(rng.random() < R[s, a])
        s2 = int(rng.choice(4, p=P[s, a]))
        learner.observe(s, a, r, s2)
        if n[s, a] < 30:
            n[s, a] += 1
            cnt[s, a, s2] += 1
            rs[s, a] += r
        s = s2
    beta = mbie_eb_beta(4, 2, 30, 0.05, 0.8)
    # unvisited pairs are worth 1/(1-gamma) (Strehl and Littman 2008): pay 1 and move to an extra
    # absorbing state z paying 1 forever, 1 + 0.8 * 5 = 5
    Pm = np.zeros((5, 2, 5))
    Rm = np.ones((5, 2))
    Pm[4, :, 4] = 1.0
    for x in range(4):
        for a in range(2):
            if n[x, a] == 0:
                Pm[x, a, 4] = 1.0
            else:
                Pm[x, a, :4] = cnt[x, a] / n[x, a]
                Rm[x, a] = rs[x, a] / n[x, a] + beta / math.sqrt(n[x, a])
    # rewards above 1 are fine for the solver; the fixed point is unique (gamma-contraction)
    Q = solve(TabularMDP(Pm, Rm, 0.8), tol=1e-13).Q[:4]
    np.testing.assert_allclose(learner.q_values(), Q, atol=1e-9)


def test_rmax_plays_the_optimal_policy_once_every_pair_is_known():
    # deterministic model and rewards: a known pair's estimate is exact, so once every pair is
    # known R-MAX's policy is optimal for the true model
    m = deterministic_chain()
    tr = play_continuing(RMAX(gamma=0.8, m=2), m, 400, 0, reward_noise="none")
    pi_star = solve(m).policy
    np.testing.assert_array_equal(tr.policies[-1], pi_star)
    counts = np.bincount(tr.states * 2 + tr.actions, minlength=6)
    assert counts.min() >= 2


def test_delayed_q_update_by_hand():
    # one state, one action, reward 0.5, gamma = 0.5, m = 2, eps1 = 0.01: Q starts at 2; after two
    # samples U = 2 (0.5 + 0.5 * 2) so U/m = 1.5, Q - U/m = 0.5 >= 0.02: Q = 1.51
    learner = DelayedQLearning(gamma=0.5, m=2, eps1=0.01)
    learner.reset(1, 1, 0)
    learner.observe(0, 0, 0.5, 0)
    assert learner.q_values()[0, 0] == 2.0
    learner.observe(0, 0, 0.5, 0)
    assert learner.q_values()[0, 0] == pytest.approx(1.51)
    # next attempt: targets 0.5 + 0.5 * 1.51 = 1.255, Q - 1.255 = 0.255 >= 0.02: Q = 1.265
    learner.observe(0, 0, 0.5, 0)
    learner.observe(0, 0, 0.5, 0)
    assert learner.q_values()[0, 0] == pytest.approx(1.265)


def _true_value(learner, m, s, horizon=200):
    """The algorithm's own value from ``s``: simulate a copy forward on the deterministic model."""
    L = copy.deepcopy(learner)
    P, R = m.dense_P(), np.array(m.R)
    v, disc = 0.0, 1.0
    for _ in range(horizon):
        a = L.act(s)
        s2 = int(P[s, a].argmax())
        v += disc * R[s, a]
        L.observe(s, a, float(R[s, a]), s2)
        disc *= m.gamma
        s = s2
    return v


def test_frozen_policy_proxy_equals_the_true_value_where_the_policy_stays():
    m = deterministic_chain()
    T = 120
    learner = RMAX(gamma=0.8, m=2)
    tr = play_continuing(learner, m, T, 0, reward_noise="none", fast=False)
    bad, proxy = exploration_mistakes(tr, m, 0.1)
    # replay the protocol run, and at every step compare the proxy with the true value
    L = RMAX(gamma=0.8, m=2)
    L.reset(3, 2, 0)
    P = m.dense_P()
    truth = np.empty(T)
    s = 0
    for t in range(T):
        truth[t] = _true_value(L, m, s)
        a = L.act(s)
        s2 = int(P[s, a].argmax())
        L.observe(s, a, float(m.R[s, a]), s2)
        s = s2
    after = np.arange(T) >= tr.switch_steps[-1]
    assert after.sum() > 50
    np.testing.assert_allclose(proxy[after], truth[after], atol=1e-15 + 0.8 ** 200 * 10)
    V_star = solve(m).V
    assert np.array_equal(bad[after], (truth < V_star[tr.states] - 0.1)[after])
    # before the last switch the proxy differs from the truth somewhere (it is only a proxy)
    assert np.abs(proxy[~after] - truth[~after]).max() > 1e-3


def test_frozen_policy_proxy_is_exact_for_a_learner_whose_policy_never_changes():
    # action 0 at the left end pays 0.2; with 1 everywhere R-MAX's greedy policy (ties to action
    # 0) never changes, and the proxy is the algorithm's value at every step
    m = deterministic_chain().with_rewards(np.array([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]]))
    tr = play_continuing(RMAX(gamma=0.8, m=3), m, 50, 0, reward_noise="none")
    assert tr.switch_steps.tolist() == [0]
    bad, proxy = exploration_mistakes(tr, m, 0.01)
    np.testing.assert_allclose(proxy, 5.0)  # 1 / (1 - 0.8)
    assert not bad.any()


@pytest.mark.parametrize("make, name", [(lambda: RMAX(gamma=1.0, m=2), "gamma"),
                                        (lambda: RMAX(gamma=0.9, m=0), "m"),
                                        (lambda: MBIEEB(gamma=0.9, m=5, delta=2.0), "delta"),
                                        (lambda: MBIEEB(gamma=0.9, m=5, bonus_scale=-1),
                                         "bonus_scale"),
                                        (lambda: DelayedQLearning(gamma=0.9, m=5, eps1=0),
                                         "eps1")])
def test_bad_parameters_are_refused_by_name(make, name):
    with pytest.raises(ContinuingArgumentError, match=name):
        make()


def test_bad_calls_are_refused_by_name():
    learner = MBIEEB(gamma=0.8, m=5)
    with pytest.raises(ContinuingArgumentError, match="reset"):
        learner.policy()
    learner.reset(3, 2, 0)
    with pytest.raises(ContinuingArgumentError, match="s_next=9"):
        learner.observe(0, 0, 0.0, 9)
    with pytest.raises(ContinuingArgumentError, match="gamma"):
        learner.run(deterministic_chain(0.5), n_steps=10)
    with pytest.raises(ContinuingArgumentError, match="eps"):
        learner.run(deterministic_chain(), n_steps=10, eps=-1.0)
