"""The instance zoo against its sources.

Every expected number here is written by hand from the source's definition (a transition
probability, a reward, a textbook table, a closed form) or computed by an independent small
calculation inside the test (a stationary distribution, a functional equation solved by a linear
solve, a binary expansion); none is read back from the code under test.
"""

import numpy as np
import pytest

from rlcert.mdp import (FiniteHorizonMDP, InvalidArgumentError, InvalidMDPError, TabularMDP,
                        evaluate_policy, instances, solve)

NEW = ["chain", "gridworld", "sutton_barto_gridworld", "gamblers_problem", "joa_two_state",
       "domingues_hard"]


def assert_rows_stochastic(m):
    """Every row P[s, a, :] (every stage of a per-step model) is a probability vector."""
    P = m.P if not m.is_sparse else m.rows.toarray()
    P = np.asarray(P)
    assert np.all(P >= 0.0)
    np.testing.assert_allclose(P.sum(axis=-1), 1.0, rtol=0, atol=1e-12)


def stationary(P_pi: np.ndarray) -> np.ndarray:
    """Stationary distribution of an irreducible chain: solve mu (P - I) = 0, sum(mu) = 1."""
    S = P_pi.shape[0]
    M = np.vstack([(P_pi - np.eye(S)).T, np.ones(S)])
    b = np.zeros(S + 1)
    b[-1] = 1.0
    return np.linalg.lstsq(M, b, rcond=None)[0]


# --------------------------------------------------------------------------------------------
# NChain (Strens 2000, Section 6.1; Dearden, Friedman and Russell 1998)
# --------------------------------------------------------------------------------------------

def test_chain_transitions_and_rewards_follow_strens():
    m = instances.chain()
    assert (m.n_states, m.n_actions) == (5, 2)
    assert m.gamma is None
    np.testing.assert_array_equal(m.initial, [1, 0, 0, 0, 0])
    P, R = m.P, m.R
    # forward from state 0: to 1 w.p. 0.8, slip back to 0 w.p. 0.2
    assert P[0, 0, 1] == pytest.approx(0.8) and P[0, 0, 0] == pytest.approx(0.2)
    # back from state 2: to 0 w.p. 0.8, slip forward to 3 w.p. 0.2
    assert P[2, 1, 0] == pytest.approx(0.8) and P[2, 1, 3] == pytest.approx(0.2)
    # at the end forward stays (0.8) or slips back to 0 (0.2); back is the mirror
    assert P[4, 0, 4] == pytest.approx(0.8) and P[4, 0, 0] == pytest.approx(0.2)
    assert P[4, 1, 0] == pytest.approx(0.8) and P[4, 1, 4] == pytest.approx(0.2)
    assert np.count_nonzero(P[1, 0]) == 2
    # expected rewards: forward in the middle 0.2 * 2; forward at the end 0.8 * 10 + 0.2 * 2;
    # back in the middle 0.8 * 2; back at the end 0.8 * 2 + 0.2 * 10
    assert R[0, 0] == pytest.approx(0.4)
    assert R[4, 0] == pytest.approx(8.4)
    assert R[2, 1] == pytest.approx(1.6)
    assert R[4, 1] == pytest.approx(3.6)
    assert_rows_stochastic(m)


def test_chain_always_forward_earns_3677_per_1000_steps():
    # hand computation: under "always forward" the chain moves up w.p. 0.8 and resets w.p. 0.2,
    # so mu_k = 0.2 * 0.8^k (k < 4), mu_4 = 0.8^4; the gain is
    # mu_4 * 8.4 + (1 - mu_4) * 0.4 = 3.6768 (Strens' optimal 3677 over 1000 steps)
    m = instances.chain()
    P_pi = m.P[:, 0, :]
    mu = stationary(np.asarray(P_pi))
    np.testing.assert_allclose(mu, [0.2, 0.16, 0.128, 0.1024, 0.4096], atol=1e-12)
    assert mu @ m.R[:, 0] == pytest.approx(0.4096 * 8.4 + 0.5904 * 0.4, abs=1e-12)
    assert 1000 * (mu @ m.R[:, 0]) == pytest.approx(3677, abs=0.5)
    # and "always forward" is the optimal policy of the chain (discounted close to 1)
    res = solve(m.with_gamma(0.99))
    np.testing.assert_array_equal(res.policy, 0)


def test_chain_parameters_change_the_model_as_documented():
    m = instances.chain(n=7, slip=0.0, r_forward=1.0, r_back=0.1)
    assert m.n_states == 7
    P, R = m.P, m.R
    assert P[3, 0, 4] == 1.0 and P[3, 1, 0] == 1.0 and P[6, 0, 6] == 1.0
    assert R[6, 0] == 1.0 and R[6, 1] == pytest.approx(0.1) and R[3, 0] == 0.0
    m = instances.chain(slip=0.5)  # a coin flip: both actions have the same transitions
    np.testing.assert_allclose(m.P[:, 0], m.P[:, 1])


def test_chain_refuses_bad_parameters():
    with pytest.raises(InvalidMDPError, match="slip"):
        instances.chain(slip=1.5)
    with pytest.raises(InvalidMDPError, match="n"):
        instances.chain(n=1)
    with pytest.raises(InvalidMDPError, match="r_forward"):
        instances.chain(r_forward=float("nan"))


# --------------------------------------------------------------------------------------------
# Slippery gridworld
# --------------------------------------------------------------------------------------------

def test_gridworld_row_major_slip_to_other_directions():
    m = instances.gridworld()  # 4 x 4, slip 0.1, goal bottom-right
    assert (m.n_states, m.n_actions) == (16, 4)
    P, R = m.P, m.R
    o = 0.1 / 3
    # cell (1, 1) = state 5, action right: (1, 2) = 6 w.p. 0.9, up 1, down 9, left 4 each 0.1/3
    assert P[5, 1, 6] == pytest.approx(0.9)
    for s in (1, 9, 4):
        assert P[5, 1, s] == pytest.approx(o)
    assert np.count_nonzero(P[5, 1]) == 4
    # corner (0, 0), action up: off the grid stays (0.9) plus the slip to the left stays (0.1/3)
    assert P[0, 0, 0] == pytest.approx(0.9 + o)
    assert P[0, 0, 1] == pytest.approx(o) and P[0, 0, 4] == pytest.approx(o)
    # the goal (3, 3) = 15 is absorbing with reward 0
    np.testing.assert_array_equal(P[15, :, 15], 1.0)
    np.testing.assert_array_equal(R[15], 0.0)
    # reward 1 on entering the goal: from (3, 2) = 14 moving right, 0.9; moving down (off the
    # grid), only the slip to the right, 0.1/3; from (2, 3) = 11 moving down, 0.9
    assert R[14, 1] == pytest.approx(0.9)
    assert R[14, 2] == pytest.approx(o)
    assert R[11, 2] == pytest.approx(0.9)
    assert R[0].max() == 0.0
    assert_rows_stochastic(m)


def test_gridworld_walls_and_goal():
    m = instances.gridworld(3, 3, slip=0.3, walls=[(1, 1)], goal=(0, 2))
    P, R = m.P, m.R
    o = 0.1
    # (0, 1) = 1, action down into the wall: stays (0.7); the slip up (off grid) stays too (0.1)
    assert P[1, 2, 1] == pytest.approx(0.7 + o)
    assert P[1, 2, 2] == pytest.approx(o) and P[1, 2, 0] == pytest.approx(o)
    # the wall cell (1, 1) = 4 is an absorbing, unrewarded state
    np.testing.assert_array_equal(P[4, :, 4], 1.0)
    np.testing.assert_array_equal(R[4], 0.0)
    # the goal (0, 2) = 2: from (0, 1) moving right, reward 0.7; from (1, 2) = 5 moving up, 0.7
    assert R[1, 1] == pytest.approx(0.7) and R[5, 0] == pytest.approx(0.7)
    np.testing.assert_array_equal(P[2, :, 2], 1.0)
    assert_rows_stochastic(m)


def test_gridworld_deterministic_shortest_path_value():
    # slip 0: the path right, right, right, down, down, down reaches the goal at the 6th
    # transition, whose reward 1 is discounted by gamma^5
    m = instances.gridworld(4, 4, slip=0.0, gamma=0.9)
    pi = np.array([1, 1, 1, 2,
                   1, 1, 1, 2,
                   1, 1, 1, 2,
                   1, 1, 1, 0])
    V = evaluate_policy(m, pi)
    assert V[0] == pytest.approx(0.9 ** 5, abs=1e-12)
    assert V[11] == pytest.approx(1.0, abs=1e-12)
    # with slip and gamma = 1 the value is the probability of reaching the goal: 1 here
    m = instances.gridworld(4, 4, slip=0.2, gamma=1.0)
    np.testing.assert_allclose(evaluate_policy(m, pi)[:15], 1.0, atol=1e-10)


def test_gridworld_refuses_bad_cells():
    with pytest.raises(InvalidMDPError, match="goal"):
        instances.gridworld(3, 3, walls=[(2, 2)])
    with pytest.raises(InvalidMDPError, match="walls"):
        instances.gridworld(3, 3, walls=[(3, 0)])
    with pytest.raises(InvalidMDPError, match="initial"):
        instances.gridworld(3, 3, walls=[(0, 0)])
    with pytest.raises(InvalidMDPError, match="slip"):
        instances.gridworld(slip=-0.1)


# --------------------------------------------------------------------------------------------
# Sutton and Barto, Example 4.1
# --------------------------------------------------------------------------------------------

FIGURE_4_1 = np.array([[0, -14, -20, -22],
                       [-14, -18, -20, -20],
                       [-20, -20, -18, -14],
                       [-22, -20, -14, 0]], dtype=float)


def test_sutton_barto_gridworld_definition():
    m = instances.sutton_barto_gridworld()
    assert (m.n_states, m.n_actions, m.gamma) == (16, 4, 1.0)
    P, R = m.P, m.R
    assert P[1, 3, 0] == 1.0   # state 1, left: into the terminal corner
    assert P[4, 0, 0] == 1.0   # state 4, up: into the terminal corner
    assert P[1, 0, 1] == 1.0   # state 1, up: off the grid, unchanged
    assert P[6, 2, 10] == 1.0  # state 6, down
    assert P[14, 1, 15] == 1.0
    np.testing.assert_array_equal(P[0, :, 0], 1.0)
    np.testing.assert_array_equal(P[15, :, 15], 1.0)
    np.testing.assert_array_equal(R[1:15], -1.0)
    np.testing.assert_array_equal(R[[0, 15]], 0.0)
    assert_rows_stochastic(m)


def test_sutton_barto_random_policy_values_are_figure_4_1():
    m = instances.sutton_barto_gridworld()
    V = evaluate_policy(m, np.full((16, 4), 0.25))
    np.testing.assert_allclose(V.reshape(4, 4), FIGURE_4_1, rtol=0, atol=1e-9)


# --------------------------------------------------------------------------------------------
# Gambler's problem, Sutton and Barto, Example 4.3
# --------------------------------------------------------------------------------------------

def bold_play(goal: int) -> np.ndarray:
    """Bold play: the stake min(s, goal - s), as action index stake - 1 (0 at the terminals)."""
    return np.array([max(min(s, goal - s), 1) - 1 for s in range(goal + 1)])


def bold_win_probability(goal: int, p: float) -> np.ndarray:
    """f with f(0) = 0, f(goal) = 1, f(s) = p f(2s) for s <= goal/2 and
    f(s) = p + (1 - p) f(2s - goal) for s >= goal/2, by a linear solve of this system."""
    n = goal + 1
    M = np.eye(n)
    b = np.zeros(n)
    b[goal] = 1.0
    for s in range(1, goal):
        if 2 * s <= goal:
            M[s, 2 * s] -= p
        else:
            M[s, 2 * s - goal] -= 1.0 - p
            b[s] = p
    return np.linalg.solve(M, b)


def bold_win_binary(k: int, bits: int, p: float) -> float:
    """Bold play's win probability from capital x = k / 2^bits, x = 0.b1 b2 ... in binary:
    f(x) = sum_{i: b_i = 1} p * prod_{j < i} (p if b_j = 0 else 1 - p)."""
    total, weight = 0.0, 1.0
    for i in range(bits - 1, -1, -1):
        if (k >> i) & 1:
            total += weight * p
            weight *= 1.0 - p
        else:
            weight *= p
    return total


def test_gamblers_problem_definition_and_infeasible_stakes():
    m = instances.gamblers_problem()
    assert (m.n_states, m.n_actions, m.gamma) == (101, 50, 1.0)
    np.testing.assert_array_equal(m.initial[50], 1.0)
    P, R = m.P, m.R
    # capital 10, stake 5 (action 4): 15 w.p. 0.4, 5 w.p. 0.6
    assert P[10, 4, 15] == pytest.approx(0.4) and P[10, 4, 5] == pytest.approx(0.6)
    # capital 10, stake 21 (action 20) is infeasible and acts as stake 10: 20 or ruin
    assert P[10, 20, 20] == pytest.approx(0.4) and P[10, 20, 0] == pytest.approx(0.6)
    # capital 75, stake 25 (action 24) reaches the goal w.p. 0.4: expected reward 0.4;
    # stake 31 (action 30) acts as 25
    assert R[75, 24] == pytest.approx(0.4) and R[75, 30] == pytest.approx(0.4)
    assert P[75, 30, 100] == pytest.approx(0.4) and P[75, 30, 50] == pytest.approx(0.6)
    assert R[60, 9] == 0.0 and R[75, 0] == 0.0
    # terminals absorbing with reward 0
    np.testing.assert_array_equal(P[0, :, 0], 1.0)
    np.testing.assert_array_equal(P[100, :, 100], 1.0)
    np.testing.assert_array_equal(R[[0, 100]], 0.0)
    assert_rows_stochastic(m)


def test_gamblers_bold_play_value_against_its_functional_equation():
    p = 0.4
    m = instances.gamblers_problem(100, p)
    V = evaluate_policy(m, bold_play(100))
    f = bold_win_probability(100, p)
    # V(goal) = 0: the reward is earned on entering the goal, which is then absorbing
    np.testing.assert_allclose(V[:100], f[:100], rtol=0, atol=1e-12)
    assert V[100] == 0.0
    assert V[50] == pytest.approx(p, abs=1e-12)
    assert V[25] == pytest.approx(p ** 2, abs=1e-12)
    assert V[75] == pytest.approx(p + (1 - p) * p, abs=1e-12)
    # bold play is optimal for p < 1/2 (Dubins and Savage): its value f satisfies the Bellman
    # optimality equation of the model, so the infeasible-stake encoding offers nothing better
    Q = m.R + np.einsum("sat,t->sa", m.P, np.where(np.arange(101) == 100, 0.0, f))
    np.testing.assert_allclose(Q[1:100].max(axis=1), f[1:100], rtol=0, atol=1e-12)


def test_gamblers_bold_play_dyadic_closed_form():
    p = 0.3
    m = instances.gamblers_problem(64, p)
    V = evaluate_policy(m, bold_play(64))
    expected = [bold_win_binary(k, 6, p) for k in range(64)]
    np.testing.assert_allclose(V[:64], expected, rtol=0, atol=1e-12)
    assert V[32] == pytest.approx(0.3) and V[48] == pytest.approx(0.3 + 0.7 * 0.3)


def test_gamblers_parameters():
    m = instances.gamblers_problem(10, 0.25, initial=3)
    assert (m.n_states, m.n_actions) == (11, 5)
    np.testing.assert_array_equal(m.initial[3], 1.0)
    assert m.P[5, 4, 10] == pytest.approx(0.25) and m.R[5, 4] == pytest.approx(0.25)
    with pytest.raises(InvalidMDPError, match="p_heads"):
        instances.gamblers_problem(p_heads=1.2)
    with pytest.raises(InvalidMDPError, match="goal"):
        instances.gamblers_problem(goal=1)


# --------------------------------------------------------------------------------------------
# Jaksch, Ortner and Auer (2010), the two-state block of the lower bound
# --------------------------------------------------------------------------------------------

def test_joa_two_state_definition():
    m = instances.joa_two_state(delta=0.1, eps=0.05, n_actions=3, good_action=2)
    assert (m.n_states, m.n_actions, m.gamma) == (2, 3, None)
    P, R = m.P, m.R
    assert P[0, 2, 1] == pytest.approx(0.15) and P[0, 2, 0] == pytest.approx(0.85)
    assert P[0, 0, 1] == pytest.approx(0.1) and P[0, 1, 1] == pytest.approx(0.1)
    np.testing.assert_allclose(P[1, :, 0], 0.1)
    np.testing.assert_array_equal(R[0], 0.0)
    np.testing.assert_array_equal(R[1], 1.0)
    assert_rows_stochastic(m)


def test_joa_gain_and_diameter():
    delta, eps = 0.1, 0.05
    m = instances.joa_two_state(delta, eps)
    P = np.asarray(m.P)
    # gain of the good action: (delta + eps) / (2 delta + eps) = 0.6; of another action: 1/2
    mu = stationary(P[:, 0, :])
    assert mu @ m.R[:, 0] == pytest.approx((delta + eps) / (2 * delta + eps), abs=1e-12)
    assert mu @ m.R[:, 0] == pytest.approx(0.6, abs=1e-12)
    mu = stationary(P[:, 1, :])
    assert mu @ m.R[:, 1] == pytest.approx(0.5, abs=1e-12)
    # diameter 1/delta: the expected return time from s1 to s0 is 1/P(s0 | s1, a) = 10
    assert 1.0 / P[1, :, 0].max() == pytest.approx(1 / delta)
    # eps = 0: the reference MDP, all actions alike
    m0 = instances.joa_two_state(delta, 0.0)
    np.testing.assert_allclose(m0.P[:, 0], m0.P[:, 1])


def test_joa_refuses_parameters_outside_the_construction():
    with pytest.raises(InvalidMDPError, match="eps"):
        instances.joa_two_state(delta=0.1, eps=0.2)
    with pytest.raises(InvalidMDPError, match="delta"):
        instances.joa_two_state(delta=0.0, eps=0.0)
    with pytest.raises(InvalidMDPError, match="good_action"):
        instances.joa_two_state(n_actions=2, good_action=2)


# --------------------------------------------------------------------------------------------
# Domingues, Ménard, Kaufmann and Valko (2021), the hard episodic MDP
# --------------------------------------------------------------------------------------------

def test_domingues_hard_default_structure():
    # A = 2, d = 2: S = 3 + 3 = 6; states 0 s_w, 1 root, 2-3 leaves, 4 s_g, 5 s_b; H = 6,
    # H_bar = 2; the special triple is (stage 2, leaf 0, action 0)
    m = instances.domingues_hard()
    assert isinstance(m, FiniteHorizonMDP)
    assert (m.n_states, m.n_actions, m.horizon, m.gamma) == (6, 2, 6, 1.0)
    assert not m.stationary
    np.testing.assert_array_equal(m.initial, [1, 0, 0, 0, 0, 0])
    P, R = m.P, m.R
    assert P.shape == (6, 6, 2, 6)
    # waiting: a_w = 0 stays at stage 0; the other action leaves; at stage 1 = H_bar - 1 every
    # action leads to the root
    assert P[0, 0, 0, 0] == 1.0 and P[0, 0, 1, 1] == 1.0
    assert P[1, 0, 0, 1] == 1.0 and P[1, 0, 1, 1] == 1.0
    # the root's children are the leaves 2 and 3
    for h in range(6):
        assert P[h, 1, 0, 2] == 1.0 and P[h, 1, 1, 3] == 1.0
    # the special triple succeeds w.p. 1/2 + eps = 0.6, every other leaf triple w.p. 1/2
    assert P[2, 2, 0, 4] == pytest.approx(0.6) and P[2, 2, 0, 5] == pytest.approx(0.4)
    assert P[2, 2, 1, 4] == 0.5 and P[3, 2, 0, 4] == 0.5 and P[2, 3, 0, 4] == 0.5
    # good and bad absorbing; reward 1 in s_g from stage H_bar + d = 4 on
    np.testing.assert_array_equal(P[:, 4, :, 4], 1.0)
    np.testing.assert_array_equal(P[:, 5, :, 5], 1.0)
    np.testing.assert_array_equal(R[4:, 4, :], 1.0)
    np.testing.assert_array_equal(R[:4, 4, :], 0.0)
    assert R[:, :4].max() == 0.0 and R[:, 5].max() == 0.0
    assert_rows_stochastic(m)


def test_domingues_hard_optimal_value_is_the_papers():
    H, Hb, d, eps = 6, 2, 2, 0.1
    m = instances.domingues_hard(eps=eps)
    assert solve(m).V[0, 0] == pytest.approx((H - Hb - d) * (0.5 + eps), abs=1e-12)
    # the policy realizing the triple: leave at stage 0, left child, action 0 at the leaf
    pi = np.zeros((H, 6), dtype=int)
    pi[0, 0] = 1
    assert evaluate_policy(m, pi)[0, 0] == pytest.approx(1.2, abs=1e-12)
    # waiting one stage reaches the leaf at stage 3: the triple is missed, value (H-H_bar-d)/2
    pi[0, 0] = 0
    assert evaluate_policy(m, pi)[0, 0] == pytest.approx(1.0, abs=1e-12)
    # eps = 0: the reference MDP M_0, every policy reaching a leaf earns (H - H_bar - d)/2
    assert solve(instances.domingues_hard(eps=0.0)).V[0, 0] == pytest.approx(1.0, abs=1e-12)


def test_domingues_hard_parameters():
    # A = 3, d = 3: 13 tree nodes (states 1..13), leaves are tree nodes 4..12 = states 5..13;
    # S = 16, s_g = 14, s_b = 15; H = 12, H_bar = 4; special (stage 5, leaf 4, action 2)
    m = instances.domingues_hard(3, 3, 12, eps=0.2, special=(5, 4, 2), waiting_action=1)
    assert (m.n_states, m.n_actions, m.horizon) == (16, 3, 12)
    P, R = m.P, m.R
    assert P[5, 9, 2, 14] == pytest.approx(0.7) and P[5, 9, 2, 15] == pytest.approx(0.3)
    assert P[5, 9, 1, 14] == 0.5 and P[6, 9, 2, 14] == 0.5
    # root (state 1) -> tree nodes 1..3 (states 2..4); node 1 (state 2) -> states 5, 6, 7
    assert P[0, 1, 2, 4] == 1.0 and P[0, 2, 0, 5] == 1.0 and P[0, 2, 2, 7] == 1.0
    # a_w = 1 keeps the agent waiting at stages 0 .. H_bar - 2 = 2, not at stage 3
    assert P[2, 0, 1, 0] == 1.0 and P[2, 0, 0, 1] == 1.0 and P[3, 0, 1, 1] == 1.0
    np.testing.assert_array_equal(R[7:, 14], 1.0)
    np.testing.assert_array_equal(R[:7, 14], 0.0)
    assert_rows_stochastic(m)
    assert solve(m).V[0, 0] == pytest.approx((12 - 4 - 3) * 0.7, abs=1e-12)
    # an explicit H_bar moves the reward window
    m = instances.domingues_hard(horizon=9, H_bar=5)
    np.testing.assert_array_equal(m.R[7:, 4], 1.0)
    np.testing.assert_array_equal(m.R[:7, 4], 0.0)
    assert solve(m).V[0, 0] == pytest.approx((9 - 5 - 2) * 0.6, abs=1e-12)


def test_domingues_hard_refuses_bad_parameters():
    with pytest.raises(InvalidMDPError, match="special"):
        instances.domingues_hard(special=(1, 0, 0))  # before any leaf can be reached
    with pytest.raises(InvalidMDPError, match="special"):
        instances.domingues_hard(special=(4, 0, 0))  # after the last leaf stage
    with pytest.raises(InvalidMDPError, match="special leaf"):
        instances.domingues_hard(special=(2, 2, 0))
    with pytest.raises(InvalidMDPError, match="horizon"):
        instances.domingues_hard(horizon=3)  # H_bar = 1, d = 2: no rewarding stage left
    with pytest.raises(InvalidMDPError, match="horizon"):
        instances.domingues_hard(horizon=6, H_bar=4)
    with pytest.raises(InvalidMDPError, match="eps"):
        instances.domingues_hard(eps=0.6)
    with pytest.raises(InvalidMDPError, match="n_actions"):
        instances.domingues_hard(n_actions=1)


# --------------------------------------------------------------------------------------------
# make() by name
# --------------------------------------------------------------------------------------------

MAKE_CASES = {
    "chain": (dict(n=6, slip=0.1), 6, 2),
    "gridworld": (dict(rows=2, cols=3, slip=0.0), 6, 4),
    "sutton_barto_gridworld": (dict(), 16, 4),
    "gamblers_problem": (dict(goal=20, p_heads=0.45), 21, 10),
    "joa_two_state": (dict(delta=0.2, eps=0.1, n_actions=3), 2, 3),
    "domingues_hard": (dict(n_actions=3, depth=2, horizon=6), 7, 3),
}


@pytest.mark.parametrize("name", NEW)
def test_make_builds_every_new_instance_by_name(name):
    assert name in instances.names()
    params, S, A = MAKE_CASES[name]
    m = instances.make(name, **params)
    assert isinstance(m, (TabularMDP, FiniteHorizonMDP))
    assert (m.n_states, m.n_actions) == (S, A)
    default = instances.make(name)
    direct = getattr(instances, name)()
    np.testing.assert_array_equal(np.asarray(default.P), np.asarray(direct.P))
    np.testing.assert_array_equal(default.R, direct.R)
    assert str(instances.signature(name)).startswith("(")
    with pytest.raises(InvalidArgumentError):
        instances.make(name, no_such_parameter=1)
