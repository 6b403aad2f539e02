"""Offline RL, tabular: concentrability against hand-computed cases (and ``inf``); each estimator
against an independent transcription of its paper's formulas on small data (plain Python loops
over the samples, dense arrays, no shared code), PEVI against linear PEVI on one-hot features;
the committed coverage-failure instance's stated values; the collectors' frequencies against
``d^mu`` by a chi-square test; the Minari import round trip (skipped without minari); refusals of
bad input; and, over hypothesis-generated models, the orderings ``1 <= C* <= C_all``, the
unpenalised operator against the plug-in's policy iteration, and the pessimism of Li et al.'s
estimator and of PEVI against exact policy evaluation."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from rlcert.estimators.offline import (VILCB, Dataset, LiBernsteinLCB, OfflineArgumentError,
                                       PlugInOffline, TabularPEVI, all_policy_concentrability,
                                       collect_episodes, collect_transitions,
                                       concentrability_family, coverage_failure,
                                       coverage_failure_episodic, from_minari,
                                       single_policy_concentrability)
from rlcert.estimators.offline.instances import FORK, RISKY, SAFE
from rlcert.mdp import FiniteHorizonMDP, TabularMDP, evaluate_policy, instances, occupancy, solve
from rlcert.mdp.strategies import tabular_mdps


def stay_or_leave(gamma=0.5):
    """State 0: action 0 stays (reward 1), action 1 moves to the absorbing state 1 (reward 0)."""
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = P[0, 1, 1] = P[1, :, 1] = 1.0
    R = np.array([[1.0, 0.0], [0.0, 0.0]])
    return P, R


# -- concentrability -------------------------------------------------------------------------------
def test_concentrability_by_hand():
    """Stay-or-leave, gamma = 1/2, mu(stay | 0) = 1/2, mu(. | 1) = (0.9, 0.1): d^mu(0) = (1 - g) /
    (1 - g/2) = 2/3, so d^mu(0, stay) = 1/3 against d*(0, stay) = 1: C* = 3; clipped: min(1, 1/2)
    / (1/3) = 3/2. The largest occupancy of (1, 1) is g = 1/2 (leave at once, then play 1), and
    d^mu(1, 1) = (1/3)(0.1): C_all = 15."""
    P, R = stay_or_leave()
    m = TabularMDP(P, R, 0.5)
    mu = np.array([[0.5, 0.5], [0.9, 0.1]])
    c = single_policy_concentrability(m, mu)
    assert c.C_star == pytest.approx(3.0, rel=1e-12) and c.argmax == (0, 0)
    assert c.C_clipped == pytest.approx(1.5, rel=1e-12) and not c.ties
    a = all_policy_concentrability(m, mu)
    assert a.C_all == pytest.approx(15.0, rel=1e-12) and a.argmax == (1, 1)
    np.testing.assert_allclose(a.max_occupancy, [[1.0, 0.5], [0.5, 0.5]], rtol=1e-12)


def test_concentrability_is_infinite_off_the_support():
    P, R = stay_or_leave()
    m = TabularMDP(P, R, 0.5)
    c = single_policy_concentrability(m, np.array([[0.0, 1.0], [0.5, 0.5]]))
    assert c.C_star == math.inf and c.uncovered[0, 0] and c.uncovered.sum() == 1
    assert all_policy_concentrability(m, np.array([[0.0, 1.0], [0.5, 0.5]])).C_all == math.inf
    # an unreachable uncovered pair does not matter (0/0 = 0): state 1 never reached from 0 if
    # every policy stays... here both coefficients stay finite when the data cover state 0 fully
    P2 = P.copy()
    P2[0, 1] = [1.0, 0.0]
    m2 = TabularMDP(P2, R, 0.5)
    mu2 = np.array([[0.5, 0.5], [1.0, 0.0]])
    assert single_policy_concentrability(m2, mu2).C_star == pytest.approx(2.0)
    assert all_policy_concentrability(m2, mu2).C_all == pytest.approx(2.0)


def test_finite_horizon_concentrability_by_hand():
    """H = 2, mu(stay | 0) = 1/2 at both stages: d^mu_0(0, stay) = 1/2, d^mu_1(0, stay) = 1/4,
    pi* stays: C* = 4 at (h, s, a) = (1, 0, 0); the largest P(s_1 = 1, a_1 = 1) is 1 (leave
    at stage 0) against d^mu_1(1, 1) = (1/2)(1/2): C_all = 4."""
    P, R = stay_or_leave()
    m = FiniteHorizonMDP(P, R, 2)
    mu = np.full((2, 2), 0.5)
    c = single_policy_concentrability(m, mu)
    assert c.C_star == pytest.approx(4.0) and c.argmax == (1, 0, 0)
    a = all_policy_concentrability(m, mu)
    assert a.C_all == pytest.approx(4.0)


@pytest.mark.parametrize("C, S", [(1.0, 2), (4.0, 3), (100.0, 2)])
def test_the_family_has_the_stated_concentrability(C, S):
    """Uniform transitions: d*(s, expert) = 1/S against 1/(S C); the decoy's largest occupancy is
    1/S against (1 - 1/C)/S: C_all = max(C, C/(C - 1)) (infinite at C = 1: the decoy is never
    seen)."""
    m, mu = concentrability_family(C, n_states=S)
    c = single_policy_concentrability(m, mu)
    assert c.C_star == pytest.approx(C, rel=1e-9) and c.C_clipped == pytest.approx(C, rel=1e-9)
    expected = math.inf if C == 1.0 else max(C, C / (C - 1.0))
    assert all_policy_concentrability(m, mu).C_all == pytest.approx(expected, rel=1e-9)


def test_concentrability_refuses_undiscounted_models():
    P, R = stay_or_leave()
    with pytest.raises(OfflineArgumentError, match="gamma"):
        single_policy_concentrability(TabularMDP(P, R, None), np.full((2, 2), 0.5))


# -- the coverage-failure instance -----------------------------------------------------------------
def test_coverage_failure_values_and_coverage_as_stated():
    m, mu = coverage_failure(10 ** 6)
    res = solve(m, method="pi", tol=1e-12)
    assert res.Q[FORK, SAFE] == pytest.approx(3.24) and res.Q[FORK, RISKY] == pytest.approx(2.7)
    assert res.policy[FORK] == SAFE
    d = occupancy(m, mu)
    assert d[FORK, RISKY] * 10 ** 6 == pytest.approx(1.2)  # about 1.2 risky samples whatever n
    assert single_policy_concentrability(m, mu).C_star < 1.02
    assert all_policy_concentrability(m, mu).C_all > 10 ** 4
    # the plug-in's limit failure probability and suboptimality of the docstring
    p = sum(stats.poisson.pmf(k, 1.2) * stats.binom.sf(math.floor(0.36 * k), k, 0.3)
            for k in range(1, 60))
    assert p == pytest.approx(0.250, abs=5e-4) and 0.4 * 0.54 * p == pytest.approx(0.054, abs=1e-3)
    # an unseen risky pair (uniform row, reward 0) is not preferred by the plug-in: 3.03 < 3.24
    V = res.V
    assert 0.9 * V.mean() == pytest.approx(3.0312) and 0.9 * V.mean() < res.Q[FORK, SAFE]


def test_episodic_coverage_failure():
    m, mu = coverage_failure_episodic(10 ** 4, horizon=3)
    res = solve(m)
    assert res.Q[0, FORK, SAFE] == pytest.approx(0.72)
    assert res.Q[0, FORK, RISKY] == pytest.approx(0.6)
    assert occupancy(m, mu)[0, FORK, RISKY] * 10 ** 4 == pytest.approx(1.2)


# -- the collectors against d^mu (chi-square) ------------------------------------------------------
def test_transition_frequencies_pass_a_chi_square_test_against_the_occupancy():
    m = instances.garnet(6, 3, 3, seed=11, gamma=0.8, sparse=False)
    mu = np.random.default_rng(0).dirichlet(np.ones(3), size=6)
    n = 50000
    data = collect_transitions(m, mu, n, seed=5)
    d = occupancy(m, mu).ravel()
    _, p = stats.chisquare(data.counts().ravel(), n * d)
    assert p > 1e-3
    m_e = FiniteHorizonMDP.from_tabular(m, 3)
    ep = collect_episodes(m_e, mu, 20000, seed=6)
    d_e = occupancy(m_e, mu)
    for h in range(3):
        keep = d_e[h].ravel() > 0
        _, p = stats.chisquare(ep.counts(h).ravel()[keep], 20000 * d_e[h].ravel()[keep])
        assert p > 1e-3


# -- independent transcriptions of the estimators --------------------------------------------------
def _small_data(seed=0, n=400, S=3, A=2, gamma=0.8):
    m = instances.garnet(S, A, 2, seed=seed, gamma=gamma, sparse=False)
    mu = np.full((S, A), 1.0 / A)
    return m, collect_transitions(m, mu, n, seed=seed + 100)


def li_by_hand(data, gamma, c_b, delta, tau):
    """Li et al. (2022) Algorithm 1, written from eqs. (24)-(28) with loops and a dense P_hat."""
    S, A, N = data.n_states, data.n_actions, data.size
    cnt = np.zeros((S, A))
    trans = np.zeros((S, A, S))
    rsum = np.zeros((S, A))
    for s, a, r, s2 in zip(data.states, data.actions, data.rewards, data.next_states):
        cnt[s, a] += 1
        trans[s, a, s2] += 1
        rsum[s, a] += r
    P = np.where(cnt[..., None] > 0, trans / np.maximum(cnt, 1)[..., None], 1.0 / S)
    r = np.where(cnt > 0, rsum / np.maximum(cnt, 1), 0.0)
    log = math.log(N / ((1 - gamma) * delta))
    Q = np.zeros((S, A))
    V = np.zeros(S)
    for _ in range(tau):
        newQ = np.zeros((S, A))
        for s in range(S):
            for a in range(A):
                mean = P[s, a] @ V
                var = P[s, a] @ (V - mean) ** 2
                if cnt[s, a] > 0:
                    b = min(max(math.sqrt(c_b * log / cnt[s, a] * var),
                                2 * c_b * log / ((1 - gamma) * cnt[s, a])), 1 / (1 - gamma))
                else:
                    b = 1 / (1 - gamma)
                b += 5 / N
                newQ[s, a] = max(r[s, a] + gamma * mean - b, 0.0)
        Q = newQ
        V = Q.max(axis=1)
    return Q, V


@pytest.mark.parametrize("c_b, seed", [(144.0, 0), (0.05, 1), (0.5, 2)])
def test_li_matches_a_transcription_of_algorithm_1(c_b, seed):
    m, data = _small_data(seed)
    est = LiBernsteinLCB(m.gamma, c_b=c_b)
    res = est.fit(data)
    tau = math.ceil(math.log(data.size / (1 - m.gamma)) / (1 - m.gamma))
    assert res.params["tau_max"] == tau
    Q, V = li_by_hand(data, m.gamma, c_b, 0.05, tau)
    np.testing.assert_allclose(res.Q, Q, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(res.V, V, rtol=1e-10, atol=1e-12)
    assert np.array_equal(res.policy, np.argmax(Q, axis=1))
    if c_b < 1:  # a small constant leaves positive values: the formula, not only the cap, ran
        assert V.max() > 0


def test_li_on_a_deterministic_loop_by_hand():
    """One state, one action, a self-loop with reward 1: Var = 0, so b = min(2 c_b log / ((1-g)
    N), 1/(1-g)) + 5/N and V_tau = (1 - b)(1 - g^tau)/(1 - g) while 1 > b."""
    N, g, c_b, dl = 10 ** 5, 0.5, 144.0, 0.05
    data = Dataset(np.zeros(N, np.int64), np.zeros(N, np.int64), np.ones(N), np.zeros(N, np.int64),
                   n_states=1, n_actions=1)
    res = LiBernsteinLCB(g, c_b=c_b, delta=dl).fit(data)
    b = min(2 * c_b * math.log(N / ((1 - g) * dl)) / ((1 - g) * N), 1 / (1 - g)) + 5 / N
    tau = math.ceil(math.log(N / (1 - g)) / (1 - g))
    assert res.V[0] == pytest.approx((1 - b) * (1 - g ** tau) / (1 - g), rel=1e-12)
    assert res.penalty[0, 0] == pytest.approx(b, rel=1e-12)


def vilcb_by_hand(data, gamma, delta, c_L):
    """Rashidinejad et al.'s VI-LCB as described in the estimator's docstring, with loops."""
    S, A, N = data.n_states, data.n_actions, data.size
    T = math.ceil(math.log(N) / (1 - gamma))
    m = N // (T + 1)
    L = c_L * math.log(2 * (T + 1) * S * A / delta)
    vmax = 1 / (1 - gamma)
    m0 = np.zeros((S, A))
    for i in range(m):
        m0[data.states[i], data.actions[i]] += 1
    pi = m0.argmax(axis=1)
    V = np.zeros(S)
    for t in range(1, T + 1):
        cnt, rs, pv = np.zeros((S, A)), np.zeros((S, A)), np.zeros((S, A))
        for i in range(t * m, (t + 1) * m):
            s, a = data.states[i], data.actions[i]
            cnt[s, a] += 1
            rs[s, a] += data.rewards[i]
            pv[s, a] += V[data.next_states[i]]
        Q = np.zeros((S, A))
        for s in range(S):
            for a in range(A):
                k = cnt[s, a]
                r = rs[s, a] / k if k else 0.0
                PV = pv[s, a] / k if k else V.mean()
                Q[s, a] = r - vmax * math.sqrt(L / max(k, 1)) + gamma * PV
        newV = V.copy()
        for s in range(S):
            if Q[s].max() > V[s]:
                newV[s], pi[s] = Q[s].max(), Q[s].argmax()
        V = newV
    return V, pi, T, m


@pytest.mark.parametrize("c_L, seed", [(2000.0, 3), (1e-4, 4)])
def test_vilcb_matches_a_transcription(c_L, seed):
    m, data = _small_data(seed, n=3000)
    res = VILCB(m.gamma, c_L=c_L).fit(data)
    V, pi, T, mm = vilcb_by_hand(data, m.gamma, 0.05, c_L)
    assert (res.params["T"], res.params["m"]) == (T, mm)
    np.testing.assert_allclose(res.V, V, rtol=1e-10, atol=1e-12)
    assert np.array_equal(res.policy, pi)
    if c_L < 1:
        assert V.max() > 0


def test_pevi_equals_linear_pevi_on_one_hot_features_and_a_transcription():
    from rlcert.estimators.linear import LinearPEVI
    m = FiniteHorizonMDP.from_tabular(instances.garnet(3, 2, 2, seed=5, sparse=False), 3)
    data = collect_episodes(m, np.full((3, 2), 0.5), 300, seed=7, reward_noise="bernoulli")
    S, A, H, K = 3, 2, 3, 300
    for scale in (1.0, 0.01):
        res = TabularPEVI(penalty_scale=scale).fit(data)
        lin = LinearPEVI(np.eye(S * A).reshape(S, A, S * A), penalty_scale=scale).fit(data)
        np.testing.assert_allclose(res.V, lin.V, rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(res.Q, lin.Q, rtol=1e-9, atol=1e-12)
        beta = scale * S * A * H * math.sqrt(math.log(2 * S * A * H * K / 0.05))
        assert res.params["beta"] == pytest.approx(beta)
        V = np.zeros((H + 1, S))
        for h in range(H - 1, -1, -1):  # the formulas, sample by sample
            num, cnt = np.zeros((S, A)), np.zeros((S, A))
            for k in range(K):
                s, a = data.states[k, h], data.actions[k, h]
                num[s, a] += data.rewards[k, h] + V[h + 1, data.next_states[k, h]]
                cnt[s, a] += 1
            Q = np.clip(num / (cnt + 1) - beta / np.sqrt(cnt + 1), 0, H - h)
            V[h] = Q.max(axis=1)
        np.testing.assert_allclose(res.V, V, rtol=1e-9, atol=1e-12)
    assert TabularPEVI(penalty_scale=0.01).fit(data).V.max() > 0


def test_plugin_plans_in_the_empirical_model():
    m, data = _small_data(6, n=500)
    res = PlugInOffline(m.gamma).fit(data)
    S, A = m.n_states, m.n_actions
    cnt = np.zeros((S, A, S))
    rs = np.zeros((S, A))
    for s, a, r, s2 in zip(data.states, data.actions, data.rewards, data.next_states):
        cnt[s, a, s2] += 1
        rs[s, a] += r
    n = cnt.sum(axis=2)
    P = np.where(n[..., None] > 0, cnt / np.maximum(n, 1)[..., None], 1.0 / S)
    Q = np.where(n > 0, rs / np.maximum(n, 1), 0.0)
    V = np.zeros(S)
    for _ in range(2000):  # value iteration to machine precision
        Q_new = np.where(n > 0, rs / np.maximum(n, 1), 0.0) + m.gamma * P @ V
        V = Q_new.max(axis=1)
    np.testing.assert_allclose(res.V, V, atol=1e-9)
    assert np.array_equal(res.policy, np.argmax(Q_new, axis=1))
    ep_m = FiniteHorizonMDP.from_tabular(instances.garnet(3, 2, 2, seed=1, sparse=False), 2)
    ep = collect_episodes(ep_m, np.full((3, 2), 0.5), 2000, seed=2)
    assert PlugInOffline().fit(ep).V.shape == (3, 3)


def test_pessimism_and_overestimation_on_one_dataset_of_the_coverage_instance():
    """At n = 10^6: Li et al.'s estimate is below the returned policy's true value, the plug-in's
    overestimates it whenever it picks the risky action."""
    m, mu = coverage_failure(10 ** 6)
    data = collect_transitions(m, mu, 10 ** 6, seed=3)
    li = LiBernsteinLCB(0.9).fit(data)
    assert np.all(li.V <= evaluate_policy(m, li.policy) + 1e-9) and li.policy[FORK] == SAFE
    assert li.V.max() > 0


def test_bad_input_is_refused():
    m, data = _small_data(0, n=50)
    ep = collect_episodes(FiniteHorizonMDP.from_tabular(m, 2), np.full((3, 2), 0.5), 10, seed=0)
    with pytest.raises(OfflineArgumentError, match="discounted transitions"):
        LiBernsteinLCB(0.9).fit(ep)
    with pytest.raises(OfflineArgumentError, match="episodic"):
        TabularPEVI().fit(data)
    with pytest.raises(OfflineArgumentError, match="gamma"):
        LiBernsteinLCB(1.0)
    with pytest.raises(OfflineArgumentError, match="c_b"):
        LiBernsteinLCB(0.9, c_b=-1)
    with pytest.raises(OfflineArgumentError, match="rewards in"):
        bad = Dataset(data.states, data.actions, data.rewards + 2.0, data.next_states,
                      n_states=3, n_actions=2)
        VILCB(0.9).fit(bad)
    with pytest.raises(OfflineArgumentError, match="cannot be split"):
        VILCB(0.999).fit(data)
    with pytest.raises(OfflineArgumentError, match="rlcert Dataset"):
        PlugInOffline(0.9).fit("data")
    with pytest.raises(OfflineArgumentError, match="C"):
        concentrability_family(0.5)
    with pytest.raises(OfflineArgumentError, match="rewards in"):
        LiBernsteinLCB(0.9, rewards=np.full((3, 2), 2.0))
    with pytest.raises(OfflineArgumentError, match="rewards must be a finite"):
        PlugInOffline(0.9, rewards=[[np.nan, 0.0]])
    with pytest.raises(OfflineArgumentError, match=r"shape \(3, 2\), got shape \(2, 2\)"):
        PlugInOffline(0.9, rewards=np.zeros((2, 2))).fit(data)
    with pytest.raises(OfflineArgumentError, match="delta = 1.5"):
        VILCB(0.9, delta=1.5)
    with pytest.raises(OfflineArgumentError, match="penalty_scale = -1"):
        TabularPEVI(penalty_scale=-1)
    with pytest.raises(OfflineArgumentError, match="n_iter = 0"):
        LiBernsteinLCB(0.9, n_iter=0)
    with pytest.raises(OfflineArgumentError, match="expected_visits"):
        coverage_failure(100, expected_visits=-1.0)
    with pytest.raises(OfflineArgumentError, match="horizon = 1"):
        coverage_failure_episodic(100, horizon=1)


def test_bad_datasets_and_policies_are_refused():
    """The dataset's own refusals (dtype, ranks, non-finite rewards, sizes) and a policy handed to
    the concentrability that is not a deterministic policy of the model."""
    s = np.zeros(4, np.int64)
    for kwargs, msg in [(dict(states=s.astype(float)), "states has dtype float64"),
                        (dict(rewards=np.array([0.0, np.inf, 0.0, 0.0])), "non-finite"),
                        (dict(actions=np.zeros(4, bool)), "actions has dtype bool"),
                        (dict(n_states=0), "n_states = 0"),
                        (dict(n_actions=2.0), "n_actions = 2.0"),
                        (dict(horizon=0), "horizon = 0"),
                        (dict(next_states=np.zeros((1, 1, 4), np.int64)), "dimensions")]:
        base = dict(states=s, actions=s, rewards=np.zeros(4), next_states=s, n_states=2,
                    n_actions=2)
        base.update(kwargs)
        with pytest.raises(OfflineArgumentError, match=msg):
            Dataset(**base)
    P, R = stay_or_leave()
    m = TabularMDP(P, R, 0.5)
    mu = np.full((2, 2), 0.5)
    with pytest.raises(OfflineArgumentError, match="deterministic"):
        single_policy_concentrability(m, mu, policy=np.full((2, 2), 0.5))
    with pytest.raises(OfflineArgumentError, match=r"policy\[1\] = 5"):
        single_policy_concentrability(m, mu, policy=np.array([0, 5]))
    with pytest.raises(ValueError, match="behaviour"):
        single_policy_concentrability(m, np.full((2, 2), 0.7))
    assert single_policy_concentrability(m, mu, policy=np.array([0, 0])).C_star == \
        pytest.approx(3.0)  # the docstring's case of test_concentrability_by_hand at mu = 1/2


# -- Minari ----------------------------------------------------------------------------------------
def test_minari_round_trip(tmp_path, monkeypatch):
    minari = pytest.importorskip("minari", reason="minari is not installed (pip install "
                                                  "'rlcert[offline]')")
    gym = pytest.importorskip("gymnasium")
    from minari.data_collector import EpisodeBuffer

    from rlcert.mdp import from_gymnasium
    monkeypatch.setenv("MINARI_DATASETS_PATH", str(tmp_path))
    env = gym.make("FrozenLake-v1", is_slippery=True)
    rng = np.random.default_rng(0)
    episodes, raw = [], []
    for k in range(30):
        obs, _ = env.reset(seed=k)
        o, a_, r_, t_, tr_ = [obs], [], [], [], []
        done = False
        while not done:
            a = int(rng.integers(4))
            obs, r, term, trunc, _ = env.step(a)
            o.append(obs), a_.append(a), r_.append(r), t_.append(term), tr_.append(trunc)
            done = term or trunc
        raw.append((np.array(o), np.array(a_), np.array(r_), np.array(t_)))
        episodes.append(EpisodeBuffer(id=k, observations=np.array(o), actions=np.array(a_),
                                      rewards=np.array(r_), terminations=np.array(t_),
                                      truncations=np.array(tr_), infos={}))
    minari.create_dataset_from_buffers(dataset_id="rlcert/frozenlake-test-v0", buffer=episodes,
                                       env=env, eval_env=env, algorithm_name="uniform",
                                       author="rlcert tests", author_email="none",
                                       code_permalink="tests/test_offline.py",
                                       description="uniform behaviour on FrozenLake-v1")
    loaded = minari.load_dataset("rlcert/frozenlake-test-v0")
    data = from_minari(loaded)
    assert data.size == sum(len(a) for _, a, _, _ in raw) and not data.episodic
    assert np.array_equal(data.states, np.concatenate([o[:-1] for o, _, _, _ in raw]))
    assert np.array_equal(data.actions, np.concatenate([a for _, a, _, _ in raw]))
    assert np.array_equal(data.rewards, np.concatenate([r for _, _, r, _ in raw]))
    # every observed step is a transition of rlcert's model of the environment, terminating
    # steps landing on the model's absorbing copies
    m, info = from_gymnasium(env, 0.9, return_info=True)
    copies = {orig: cp for cp, orig in info.copies.items()}
    data = from_minari(loaded, terminal_copies=copies, n_states=m.n_states)
    P = m.dense_P()
    assert np.all(P[data.states, data.actions, data.next_states] > 0)
    assert data.info["terminated_episodes"] == sum(bool(t.any()) for *_, t in raw)
    assert LiBernsteinLCB(0.9).fit(data).policy.shape == (m.n_states,)
    with pytest.raises(OfflineArgumentError, match="one length"):
        from_minari(loaded, episodic=True)


# -- properties over generated models (hypothesis, the ci profile of conftest.py) ---------------
def _with_start_distribution(m, rho):
    return TabularMDP(m.dense_P(), np.array(m.R), m.gamma, initial=rho)


@st.composite
def models_and_behaviours(draw, full_support=False):
    """A small discounted model with a start distribution of full support and a behaviour
    policy (with some zero probabilities unless ``full_support``)."""
    m = draw(tabular_mdps(2, 4, 2, 3, gamma=(0.5, 0.8, 0.9), sparse=False))
    S, A = m.n_states, m.n_actions
    seed = draw(st.integers(0, 2 ** 31 - 1))
    rng = np.random.default_rng(seed)
    rho = rng.dirichlet(np.ones(S))
    W = rng.random((S, A)) + 0.05
    if not full_support:
        W *= rng.random((S, A)) > 0.3
        W[np.arange(S), rng.integers(0, A, S)] += 0.1
    W /= W.sum(axis=1, keepdims=True)
    return _with_start_distribution(m, rho), W, seed


@settings(max_examples=40)
@given(models_and_behaviours())
def test_concentrability_orderings(case):
    """Both occupancies are distributions over the pairs, so a finite ``C*`` is at least 1; the
    clipped numerator ``min(d*, 1/S)`` gives ``C_clipped <= C*``; and pi* is one of the policies
    of the supremum, so ``C_all >= C*``. The occupancy of pi* sums to 1."""
    m, W, _ = case
    c = single_policy_concentrability(m, W)
    a = all_policy_concentrability(m, W)
    assert c.d_star.sum() == pytest.approx(1.0, abs=1e-10)
    assert c.C_clipped <= c.C_star * (1 + 1e-12)
    if math.isfinite(c.C_star):
        assert c.C_star >= 1.0 - 1e-9
        assert not c.uncovered.any()
    else:
        assert c.uncovered.any() and a.C_all == math.inf
    assert a.C_all >= c.C_star * (1 - 1e-9)


@settings(max_examples=25)
@given(models_and_behaviours(full_support=True), st.integers(20, 400))
def test_li_without_penalty_plans_like_the_plug_in(case, n):
    """With ``penalty_scale = 0`` the pessimistic operator is the empirical Bellman operator
    (rewards in [0, 1] keep ``max{., 0}`` inactive): after ``tau`` sweeps from 0 its value is within
    ``gamma^tau / (1 - gamma)`` of the empirical optimum that the plug-in computes by policy
    iteration (a second method)."""
    m, W, seed = case
    data = collect_transitions(m, W, n, seed=seed)
    tau = 400
    li = LiBernsteinLCB(m.gamma, penalty_scale=0.0, n_iter=tau).fit(data)
    plug = PlugInOffline(m.gamma, tol=1e-12).fit(data)
    np.testing.assert_allclose(li.V, plug.V, atol=m.gamma ** tau / (1 - m.gamma) + 1e-9)


@settings(max_examples=25)
@given(models_and_behaviours(full_support=True), st.integers(50, 3000))
def test_li_estimate_lower_bounds_the_returned_policy(case, n):
    """Li et al.'s guarantee behind the pessimism check, sampled: ``0 <= V_hat <= V^{pi_hat}``
    (exact evaluation) and ``V_hat <= 1/(1-gamma)``; each draw fails with probability at most
    ``2 delta`` in theory, the derandomised examples are fixed."""
    m, W, seed = case
    data = collect_transitions(m, W, n, seed=seed)
    est = LiBernsteinLCB(m.gamma).fit(data)
    V_pi = evaluate_policy(m, est.policy)
    assert np.all(est.V >= 0.0) and np.all(est.V <= 1 / (1 - m.gamma) + 1e-12)
    assert np.all(est.V <= V_pi + 1e-9 * max(1.0, float(np.abs(V_pi).max())))
    assert np.all(est.penalty >= 5.0 / n * (1 - 1e-12))


@settings(max_examples=25)
@given(models_and_behaviours(full_support=True), st.integers(50, 3000))
def test_vilcb_value_is_a_kept_lower_bound(case, n):
    """VI-LCB's monotone update never lowers ``V`` below its start 0; with the paper's ``L`` the
    penalty ``V_max sqrt(L)`` exceeds every value at these sizes, so ``V`` stays 0 and the policy
    is the most frequent action of the first split (counted here directly)."""
    m, W, seed = case
    data = collect_transitions(m, W, n, seed=seed)
    est = VILCB(m.gamma).fit(data)
    assert np.all(est.V == 0.0)
    first = est.params["m"]
    counts = np.zeros((m.n_states, m.n_actions))
    for s, a in zip(data.states[:first], data.actions[:first]):
        counts[s, a] += 1
    assert np.array_equal(est.policy, counts.argmax(axis=1))


@settings(max_examples=25)
@given(st.integers(0, 10 ** 6), st.integers(2, 4), st.integers(2, 3), st.integers(1, 4),
       st.integers(5, 400))
def test_pevi_estimate_lower_bounds_the_returned_policy(seed, S, A, H, K):
    """Jin, Yang and Wang's pessimism, sampled: ``V_hat_h <= V^{pi_hat}_h`` at every stage and
    state (exact backward induction), ``0 <= V_hat_h <= H - h``; and the tallies of the data add
    up (``sum_s' N_h(s, a, s') = N_h(s, a)``, ``sum N_h = K``)."""
    m = FiniteHorizonMDP.from_tabular(instances.garnet(S, A, min(2, S), seed=seed, sparse=False),
                                      H)
    W = np.random.default_rng(seed).dirichlet(np.ones(A), size=S)
    data = collect_episodes(m, W, K, seed=seed, reward_noise="bernoulli")
    for h in range(H):
        assert data.counts(h).sum() == K
        assert np.array_equal(data.transition_counts(h).sum(axis=2), data.counts(h))
    est = TabularPEVI().fit(data)
    V_pi = evaluate_policy(m, est.policy)
    assert np.all(est.V <= V_pi + 1e-9 * H)
    assert np.all(est.V >= 0) and np.all(est.V <= (H - np.arange(H + 1))[:, None] + 1e-12)
