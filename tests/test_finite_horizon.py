"""Finite-horizon oracles against brute force in exact rational arithmetic.

Backward induction is checked against the enumeration of *every* deterministic Markov policy
(at most (A^S)^H = 64 on the sizes used), each evaluated exactly with fractions.Fraction of the
float entries (the exact values of the MDP the floats describe). Policy evaluation, occupancy
measures, Q from V and action gaps are checked against exact rational passes and identities.
"""

from fractions import Fraction
from itertools import product

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.mdp import (FiniteHorizonMDP, TabularMDP, action_gaps, evaluate_policy, occupancy,
                        q_from_v, solve)
from rlcert.mdp.strategies import finite_horizon_mdps, tabular_mdps

from .exact import policy_value, solve_linear, to_fractions

U = 2.0 ** -53


def exact_stages(fh: FiniteHorizonMDP):
    """(P_h, R_h) as Fractions: lists of H object arrays."""
    H = fh.horizon
    return ([to_fractions(fh.stage_P(h)) for h in range(H)], to_fractions(np.asarray(fh.R)))


def exact_policy_values(fh, W_frac, Pf, Rf, g):
    """Exact V^pi[h] for h = 0..H (V[H] = 0) of a Markov policy with weights W_frac[h][s][a]."""
    S, A, H = fh.n_states, fh.n_actions, fh.horizon
    V = [[Fraction(0)] * S for _ in range(H + 1)]
    for h in range(H - 1, -1, -1):
        for s in range(S):
            total = Fraction(0)
            for a in range(A):
                w = W_frac[h][s][a]
                if w:
                    total += w * (Rf[h][s, a] + g * sum(Pf[h][s, a, t] * V[h + 1][t]
                                                        for t in range(S)))
            V[h][s] = total
    return V


def one_hot(policy, A):
    return [[[Fraction(int(a == b)) for b in range(A)] for a in stage] for stage in policy]


def brute_force(fh):
    """V*_h(s) = max over all deterministic Markov policies of V^pi_h(s), exactly."""
    S, A, H = fh.n_states, fh.n_actions, fh.horizon
    Pf, Rf = exact_stages(fh)
    g = Fraction(fh.gamma)
    best = [[None] * S for _ in range(H + 1)]
    for flat in product(range(A), repeat=S * H):
        policy = [flat[h * S:(h + 1) * S] for h in range(H)]
        V = exact_policy_values(fh, one_hot(policy, A), Pf, Rf, g)
        for h in range(H + 1):
            for s in range(S):
                if best[h][s] is None or V[h][s] > best[h][s]:
                    best[h][s] = V[h][s]
    Q = [[[Rf[h][s, a] + g * sum(Pf[h][s, a, t] * best[h + 1][t] for t in range(S))
           for a in range(A)] for s in range(S)] for h in range(H)]
    return best, Q, Pf, Rf, g


def frac(x) -> Fraction:
    return Fraction(float(x))


@pytest.mark.parametrize("stationary", [True, False])
@pytest.mark.parametrize("sparse", [False, True])
@pytest.mark.parametrize("gamma", [1.0, 0.9])
@settings(max_examples=20)
@given(data=st.data())
def test_backward_induction_equals_brute_force(stationary, sparse, gamma, data):
    fh = data.draw(finite_horizon_mdps(max_states=2, max_actions=2, max_horizon=3,
                                       stationary=stationary, sparse=sparse, gamma=gamma))
    assert (fh.stationary, fh.is_sparse, fh.gamma) == (stationary, sparse, gamma)
    res = solve(fh)
    best, Q_star, Pf, Rf, g = brute_force(fh)
    cert = Fraction(res.certificate)
    S, A, H = fh.n_states, fh.n_actions, fh.horizon
    assert res.V.shape == (H + 1, S) and res.policy.shape == (H, S)
    for h in range(H + 1):
        for s in range(S):
            assert abs(frac(res.V[h, s]) - best[h][s]) <= cert, (h, s)
    # the returned policy attains the optimum (up to the rounding of the greedy choices:
    # each stage may lose 2 * stage_error <= 2 * certificate)
    V_pi = exact_policy_values(fh, one_hot(res.policy.tolist(), A), Pf, Rf, g)
    for s in range(S):
        assert V_pi[0][s] <= best[0][s]
        assert best[0][s] - V_pi[0][s] <= 2 * H * cert
    # every truly optimal action is flagged, and Q is within the certificate of Q*
    for h in range(H):
        for s in range(S):
            for a in range(A):
                if Q_star[h][s][a] == best[h][s]:
                    assert res.optimal_actions[h, s, a], (h, s, a)
                assert abs(frac(res.Q[h, s, a]) - Q_star[h][s][a]) <= cert


def test_optimal_actions_flag_exact_ties_by_hand():
    """State 0: actions 0 and 1 stay with reward 1, action 2 stays with reward 0.75, so
    V_k(0) = k and only actions 0, 1 are optimal. State 1: actions 0 and 1 stay with reward 0.5,
    action 2 moves to state 0 with reward 0.5. With k steps left,
    V_k(1) = max(0.5 + V_{k-1}(1), 0.5 + V_{k-1}(0)):
    k=1: 0.5 (all three tie); k=2: max(1.0, 1.5) = 1.5; k=3: max(2.0, 2.5) = 2.5;
    k=4: max(3.0, 3.5) = 3.5 (action 2 alone). All numbers are exact in binary."""
    P = np.array([[[1.0, 0.0], [1.0, 0.0], [1.0, 0.0]],
                  [[0.0, 1.0], [0.0, 1.0], [1.0, 0.0]]])
    R = np.array([[1.0, 1.0, 0.75], [0.5, 0.5, 0.5]])
    res = solve(FiniteHorizonMDP(P, R, 4, gamma=1.0))
    np.testing.assert_array_equal(res.V, [[4.0, 3.5], [3.0, 2.5], [2.0, 1.5], [1.0, 0.5],
                                          [0.0, 0.0]])
    assert res.optimal_actions[:, 0].tolist() == [[True, True, False]] * 4
    assert res.optimal_actions[:, 1].tolist() == [[False, False, True]] * 3 + [[True] * 3]
    np.testing.assert_array_equal(res.policy, [[0, 2], [0, 2], [0, 2], [0, 0]])


# -- policy evaluation -------------------------------------------------------------------------

fh_small = finite_horizon_mdps(max_states=3, max_actions=3, max_horizon=4,
                               gamma=st.sampled_from([1.0, 0.9]), reward_range=(-1.0, 1.0))


def draw_weights(data, H, S, A):
    w = np.array(data.draw(st.lists(st.integers(0, 3), min_size=H * S * A,
                                    max_size=H * S * A)), dtype=float).reshape(H, S, A)
    w[w.sum(-1) == 0, 0] = 1.0
    return w / w.sum(-1, keepdims=True)


def assert_close_exact(V, V_exact, bound):
    b = Fraction(bound)
    for h in range(len(V_exact)):
        for s in range(len(V_exact[h])):
            assert abs(frac(V[h][s]) - V_exact[h][s]) <= b, (h, s, V[h][s], float(V_exact[h][s]))


@given(fh=fh_small, data=st.data())
def test_evaluate_policy_forms_equal_exact_backward_pass(fh, data):
    S, A, H = fh.n_states, fh.n_actions, fh.horizon
    Pf, Rf = exact_stages(fh)
    g = Fraction(fh.gamma)
    # (H, S) integer actions
    pi = np.array(data.draw(st.lists(st.integers(0, A - 1), min_size=H * S, max_size=H * S)),
                  dtype=np.int64).reshape(H, S)
    V, cert = evaluate_policy(fh, pi, with_certificate=True)
    assert V.shape == (H + 1, S)
    assert_close_exact(V, exact_policy_values(fh, one_hot(pi.tolist(), A), Pf, Rf, g), cert)
    # (H, S, A) probabilities
    W = draw_weights(data, H, S, A)
    V, cert = evaluate_policy(fh, W, with_certificate=True)
    Wf = [[[Fraction(float(x)) for x in row] for row in stage] for stage in W]
    assert_close_exact(V, exact_policy_values(fh, Wf, Pf, Rf, g), cert)
    # stationary (S,) actions and (S, A) probabilities, used at every stage
    V, cert = evaluate_policy(fh, pi[0], with_certificate=True)
    assert_close_exact(V, exact_policy_values(fh, one_hot([pi[0].tolist()] * H, A), Pf, Rf, g),
                       cert)
    V, cert = evaluate_policy(fh, W[0], with_certificate=True)
    assert_close_exact(V, exact_policy_values(fh, [Wf[0]] * H, Pf, Rf, g), cert)


# -- occupancy ---------------------------------------------------------------------------------

@given(fh=fh_small, data=st.data())
def test_finite_horizon_occupancy(fh, data):
    S, A, H, g = fh.n_states, fh.n_actions, fh.horizon, fh.gamma
    W = draw_weights(data, H, S, A)
    d = occupancy(fh, W)
    assert d.shape == (H, S, A)
    assert np.all(d >= 0)
    np.testing.assert_allclose(d.sum(axis=(1, 2)), np.ones(H), rtol=0, atol=1e-12)
    V = evaluate_policy(fh, W)
    ret = sum(g ** h * np.sum(d[h] * fh.R[h]) for h in range(H))
    np.testing.assert_allclose(ret, fh.initial @ V[0], rtol=0, atol=1e-12 * H)
    # exact forward pass: d_0 = mu * W_0, mu_{h+1}(t) = sum_{s,a} d_h(s, a) P_h(t | s, a)
    Pf, _ = exact_stages(fh)
    mu = [Fraction(float(x)) for x in fh.initial]
    for h in range(H):
        dh = [[mu[s] * Fraction(float(W[h, s, a])) for a in range(A)] for s in range(S)]
        for s in range(S):
            for a in range(A):
                assert abs(frac(d[h, s, a]) - dh[s][a]) <= Fraction(1e-14)
        mu = [sum(dh[s][a] * Pf[h][s, a, t] for s in range(S) for a in range(A))
              for t in range(S)]


@given(m=tabular_mdps(max_states=4, max_actions=3, gamma=(0.0, 0.5, 0.9, 0.99),
                      reward_range=(-1.0, 1.0)), data=st.data())
def test_discounted_occupancy(m, data):
    S, A, g = m.n_states, m.n_actions, m.gamma
    pi = np.array(data.draw(st.lists(st.integers(0, A - 1), min_size=S, max_size=S)))
    d = occupancy(m, pi)
    assert d.shape == (S, A)
    assert np.all(d >= -1e-15)
    np.testing.assert_allclose(d.sum(), 1.0, rtol=0, atol=1e-12)
    off_policy = np.ones((S, A), bool)
    off_policy[np.arange(S), pi] = False
    assert np.all(d[off_policy] == 0.0)
    # sum d r / (1 - gamma) = initial . V^pi, with V^pi exact
    V_exact = policy_value(m.dense_P(), m.R, g, list(pi))
    lhs = Fraction(float(np.sum(d * m.R))) / (1 - Fraction(g))
    rhs = sum(Fraction(float(mu)) * v for mu, v in zip(m.initial, V_exact))
    scale = 1 + max(abs(float(v)) for v in V_exact)
    assert abs(lhs - rhs) <= Fraction(1e-12) * Fraction(scale) / (1 - Fraction(g))
    # exact state occupancy: d^T = (1 - gamma) mu^T (I - gamma P_pi)^{-1}
    Pf, G = to_fractions(m.dense_P()), Fraction(g)
    M = [[(1 if i == j else 0) - G * Pf[j, pi[j], i] for j in range(S)] for i in range(S)]
    ds = solve_linear(M, [(1 - G) * Fraction(float(x)) for x in m.initial])
    for s in range(S):
        assert abs(frac(d[s, pi[s]]) - ds[s]) <= Fraction(1e-12) / (1 - G)


def test_discounted_occupancy_stochastic_policy_by_hand():
    """P_pi = [[0.5, 0.5], [0, 1]] (pi mixes a self-loop and a move to the absorbing state 1),
    mu = (1, 0), gamma = 0.5: d(0) = (1 - g) / (1 - g/2) = 2/3, d(1) = 1/3."""
    P = np.array([[[1.0, 0.0], [0.0, 1.0]], [[0.0, 1.0], [0.0, 1.0]]])
    m = TabularMDP(P, np.array([[1.0, 0.0], [0.0, 0.0]]), 0.5, initial=0)
    W = np.array([[0.5, 0.5], [1.0, 0.0]])
    d = occupancy(m, W)
    np.testing.assert_allclose(d, [[1 / 3, 1 / 3], [1 / 3, 0.0]], rtol=0, atol=1e-15)
    # V^pi(0) = 0.5 / (1 - 0.25) = 2/3 and sum d r / (1 - g) = (1/3) / 0.5 = 2/3
    np.testing.assert_allclose(evaluate_policy(m, W)[0], 2 / 3, rtol=0, atol=1e-15)


P_OV = np.array([[[0.5, 0.5], [1.0, 0.0]], [[0.0, 1.0], [0.25, 0.75]]])


def _override_models(kind, initial):
    R = np.zeros((2, 2))
    if kind == "tabular":
        return TabularMDP(P_OV, R, 0.9, initial=0), TabularMDP(P_OV, R, 0.9, initial=initial)
    return FiniteHorizonMDP(P_OV, R, 3, initial=0), FiniteHorizonMDP(P_OV, R, 3, initial=initial)


@pytest.mark.parametrize("kind", ["tabular", "finite_horizon"])
def test_occupancy_initial_override_distribution(kind):
    m, m_mu = _override_models(kind, [0.25, 0.75])
    pi = np.array([1, 0])
    np.testing.assert_allclose(occupancy(m, pi, initial=[0.25, 0.75]), occupancy(m_mu, pi),
                               rtol=0, atol=1e-15)
    assert not np.allclose(occupancy(m, pi), occupancy(m_mu, pi))


@pytest.mark.parametrize("kind", ["tabular", "finite_horizon"])
def test_occupancy_initial_override_state_index(kind):
    """``initial`` overrides the model's, and models take a state index as well as a vector."""
    m, m_1 = _override_models(kind, 1)
    pi = np.array([1, 0])
    np.testing.assert_allclose(occupancy(m, pi, initial=1), occupancy(m_1, pi),
                               rtol=0, atol=1e-15)


# -- Q from V, action gaps ---------------------------------------------------------------------

@given(fh=fh_small)
def test_q_from_v_and_action_gaps_finite_horizon(fh):
    S, A, H = fh.n_states, fh.n_actions, fh.horizon
    res = solve(fh)
    Q = q_from_v(fh, res.V)
    gaps = action_gaps(fh, res.V)
    assert Q.shape == gaps.shape == (H, S, A)
    # Q is the backup of the given V: compare with the exact backup of the same floats
    Pf, Rf = exact_stages(fh)
    g = Fraction(fh.gamma)
    n = S + 3
    for h in range(H):
        rho = n * U / (1 - n * U) * (np.abs(fh.R).max() + fh.gamma * np.abs(res.V[h + 1]).max())
        for s in range(S):
            for a in range(A):
                q = Rf[h][s, a] + g * sum(Pf[h][s, a, t] * frac(res.V[h + 1, t])
                                          for t in range(S))
                assert abs(frac(Q[h, s, a]) - q) <= Fraction(rho)
    np.testing.assert_array_equal(gaps, res.V[:H, :, None] - Q)
    assert np.all(gaps >= -res.certificate)
    # zero on the policy's actions (V[h] is the maximum of this very backup)
    np.testing.assert_array_equal(gaps[np.arange(H)[:, None], np.arange(S), res.policy], 0.0)
    # and within 2 * certificate of the exact gaps V*_h(s) - Q*_h(s, a) (brute force when cheap)
    if A ** (S * H) <= 64:
        best, Q_star, *_ = brute_force(fh)
        for h in range(H):
            for s in range(S):
                for a in range(A):
                    exact_gap = best[h][s] - Q_star[h][s][a]
                    assert abs(frac(gaps[h, s, a]) - exact_gap) <= 2 * Fraction(res.certificate)


@given(m=tabular_mdps(max_states=5, max_actions=3, gamma=(0.0, 0.5, 0.9),
                      reward_range=(-1.0, 1.0)))
def test_q_from_v_and_action_gaps_tabular(m):
    S, A, g = m.n_states, m.n_actions, m.gamma
    res = solve(m, method="pi", tol=1e-10)
    Q = q_from_v(m, res.V)
    rho = (S + 3) * U / (1 - (S + 3) * U) * (np.abs(m.R).max() + g * np.abs(res.V).max())
    np.testing.assert_allclose(Q, m.R + g * (m.dense_P() @ res.V), rtol=0, atol=2 * rho)
    gaps = action_gaps(m, res.V)
    np.testing.assert_array_equal(gaps, res.V[:, None] - Q)
    # ||V - V*|| <= c + rnd and ||Q - Q*|| <= g (c + rnd) + rho, while V* - Q* >= 0
    slack = (1 + g) * (res.certificate + res.rounding) + rho
    assert np.all(gaps >= -slack)
    # on the policy's actions: V - T_pi V, the evaluation residual
    assert np.all(np.abs(gaps[np.arange(S), res.policy]) <= slack)
