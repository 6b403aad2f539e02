"""Total reward (gamma = 1): stochastic shortest paths with their certificate, positive models,
refusals naming the failing condition, and the textbook examples."""

from collections import deque
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlcert.mdp import TabularMDP, UnsupportedModelError, evaluate_policy, solve
from rlcert.mdp.total_reward import almost_sure_attractor, maximal_end_components

from .exact import ssp_optimal_value, ssp_policy_value


@st.composite
def ssp_models(draw, max_states=5, max_actions=3):
    """Non-terminal states 0..S-2, terminal S-1; action 0 reaches S-1 w.p. > 0 from every state
    (so "always 0" is proper); rewards in [-2, -0.25]."""
    S = draw(st.integers(2, max_states))
    A = draw(st.integers(1, max_actions))
    w = draw(hnp.arrays(np.int64, (S, A, S), elements=st.integers(0, 3))).astype(float)
    w[:, 0, S - 1] += 1.0
    w[w.sum(-1) == 0] = 1.0
    w[S - 1] = 0.0
    w[S - 1, :, S - 1] = 1.0
    P = w / w.sum(-1, keepdims=True)
    R = -draw(hnp.arrays(np.float64, (S, A), elements=st.sampled_from([0.25, 0.5, 1.0, 1.5, 2.0])))
    R[S - 1] = 0.0
    return TabularMDP(P, R, 1.0), S


@pytest.mark.parametrize("method", ["pi", "lp"])
@given(case=ssp_models())
def test_ssp_certificate_bounds_true_error(method, case):
    m, S = case
    terminal = np.zeros(S, bool)
    terminal[-1] = True
    res = solve(m, method=method)
    V_star = ssp_optimal_value(m.dense_P(), m.R, terminal, [0] * S)
    err = max(abs(Fraction(float(v)) - w) for v, w in zip(res.V, V_star))
    assert err <= Fraction(res.certificate) + Fraction(res.rounding)
    assert res.status == "converged"
    # the policy is proper and optimal: its exact value equals V*
    V_pi = ssp_policy_value(m.dense_P(), m.R, terminal, list(res.policy))
    loss = max(a - b for a, b in zip(V_star, V_pi))
    assert loss <= Fraction(res.policy_loss_bound) + 2 * Fraction(res.rounding)
    assert res.info["criterion"] == "stochastic_shortest_path"


def grid_4x4():
    S, A = 16, 4
    P = np.zeros((S, A, S))
    R = np.full((S, A), -1.0)
    moves = [(-1, 0), (0, 1), (1, 0), (0, -1)]
    for s in range(S):
        r, c = divmod(s, 4)
        for a, (dr, dc) in enumerate(moves):
            if s in (0, 15):
                P[s, a, s], R[s, a] = 1.0, 0.0
                continue
            nr, nc = r + dr, c + dc
            if not (0 <= nr < 4 and 0 <= nc < 4):
                nr, nc = r, c
            P[s, a, nr * 4 + nc] = 1.0
    return TabularMDP(P, R, 1.0)


def test_sutton_barto_gridworld_equiprobable_values_and_optimum():
    """Sutton and Barto (2018), Figure 4.1: v_pi of the equiprobable policy; V* = -(shortest
    distance to a terminal corner), computed here by breadth-first search."""
    m = grid_4x4()
    table = np.array([[0, -14, -20, -22], [-14, -18, -20, -20], [-20, -20, -18, -14],
                      [-22, -20, -14, 0]], dtype=float)
    np.testing.assert_allclose(evaluate_policy(m, np.full((16, 4), 0.25)).reshape(4, 4), table,
                               atol=1e-9)
    dist = {0: 0, 15: 0}
    queue = deque([0, 15])
    while queue:
        s = queue.popleft()
        r, c = divmod(s, 4)
        for nr, nc in ((r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)):
            if 0 <= nr < 4 and 0 <= nc < 4 and nr * 4 + nc not in dist:
                dist[nr * 4 + nc] = dist[s] + 1
                queue.append(nr * 4 + nc)
    for method in ("pi", "lp"):
        res = solve(m, method=method)
        np.testing.assert_allclose(res.V, [-dist[s] for s in range(16)], atol=1e-12)


def test_positive_model_returns_a_policy_that_reaches_the_goal():
    """State 0 can loop forever for free (action 0) or move to the absorbing state 1 earning 1
    (action 1): both actions conserve V*(0) = 1, only action 1 is optimal."""
    P = np.zeros((2, 2, 2))
    P[0, 0, 0] = 1.0
    P[0, 1, 1] = 1.0
    P[1, :, 1] = 1.0
    R = np.array([[0.0, 1.0], [0.0, 0.0]])
    m = TabularMDP(P, R, 1.0)
    res = solve(m)
    assert res.status == "exact" and res.info["criterion"] == "positive_bounded"
    assert res.policy[0] == 1
    np.testing.assert_allclose(res.V, [1.0, 0.0])
    np.testing.assert_allclose(evaluate_policy(m, res.policy), [1.0, 0.0])
    assert np.isinf(res.certificate)


def test_gamblers_problem_bold_play_values():
    """Sutton and Barto Example 4.3 (goal 100, p = 0.4): V*(25) = p^2, V*(50) = p,
    V*(75) = p + (1 - p) p (bold play is optimal for p < 1/2, Dubins and Savage)."""
    goal, p = 100, 0.4
    S, A = goal + 1, goal // 2
    P = np.zeros((S, A, S))
    R = np.zeros((S, A))
    for s in range(S):
        for a in range(A):
            if s in (0, goal):
                P[s, a, s] = 1.0
                continue
            k = min(a + 1, s, goal - s)
            P[s, a, s + k] += p
            P[s, a, s - k] += 1 - p
            R[s, a] = p if s + k == goal else 0.0
    res = solve(TabularMDP(P, R, 1.0))
    assert res.status == "exact"
    np.testing.assert_allclose(res.V[[25, 50, 75]], [p * p, p, p + (1 - p) * p], atol=1e-12)


def test_positive_end_component_is_refused_with_its_states():
    P = np.zeros((3, 1, 3))
    P[0, 0, 1] = 1.0
    P[1, 0, 2] = 1.0
    P[2, 0, 1] = 1.0
    R = np.array([[0.0], [0.0], [0.5]])
    with pytest.raises(UnsupportedModelError, match=r"end component \[1, 2\].*r\[2, 0\] = 0.5"):
        solve(TabularMDP(P, R, 1.0))


def test_ssp_without_proper_policy_is_refused():
    P = np.zeros((3, 2, 3))
    P[0, :, 1] = 1.0  # 0 -> 1
    P[1, :, 1] = 1.0  # 1 is a trap
    P[2, :, 2] = 1.0  # terminal
    R = np.array([[-1.0, -1.0], [-1.0, -1.0], [0.0, 0.0]])
    with pytest.raises(UnsupportedModelError, match=r"no proper policy.*states \[0, 1\]"):
        solve(TabularMDP(P, R, 1.0))


def test_mixed_signs_are_refused_with_the_entries():
    P = np.zeros((3, 1, 3))
    P[0, 0, 1] = 1.0
    P[1, 0, 2] = 1.0
    P[2, 0, 2] = 1.0
    R = np.array([[-1.0], [1.0], [0.0]])
    with pytest.raises(UnsupportedModelError,
                       match=r"neither: r\[0, 0\] = -1.0 < 0 .* r\[1, 0\] = 1.0 >= 0"):
        solve(TabularMDP(P, R, 1.0))


def test_total_reward_evaluation_refuses_infinite_values():
    P = np.zeros((1, 1, 1))
    P[0, 0, 0] = 1.0
    with pytest.raises(UnsupportedModelError, match="recurrent"):
        evaluate_policy(TabularMDP(P, np.array([[1.0]]), 1.0), np.array([0]))


def test_almost_sure_attractor_on_a_hand_built_model():
    """0 -a0-> {1, 3} (3 is a trap), 0 -a1-> 1, 1 -> 2 (target), 3 -> 3: every state but 3
    wins; the strategy at 0 must avoid a0."""
    P = np.zeros((4, 2, 4))
    P[0, 0, 1] = P[0, 0, 3] = 0.5
    P[0, 1, 1] = 1.0
    P[1, :, 2] = 1.0
    P[2, :, 2] = 1.0
    P[3, :, 3] = 1.0
    m = TabularMDP(P, np.zeros((4, 2)), 1.0).to_sparse()
    win, strategy = almost_sure_attractor(m.rows, 2, np.array([False, False, True, False]))
    assert win.tolist() == [True, True, True, False]
    assert strategy[0] == 1


def test_maximal_end_components_of_a_hand_built_model():
    """{0, 1} cycle through action 0; state 2 has only an exit to 3; {3} absorbing."""
    P = np.zeros((4, 2, 4))
    P[0, 0, 1] = 1.0
    P[0, 1, 2] = 1.0
    P[1, :, 0] = 1.0
    P[2, :, 3] = 1.0
    P[3, :, 3] = 1.0
    labels, staying = maximal_end_components(TabularMDP(P, np.zeros((4, 2)), 1.0))
    assert labels[0] == labels[1] >= 0 and labels[2] == -1 and labels[3] >= 0
    assert labels[3] != labels[0]
    assert staying[0].tolist() == [True, False] and staying[1].tolist() == [True, True]
