"""Import of Gymnasium toy-text environments, checked against value iteration written directly
on the environment's own P table with the episode semantics (no bootstrap after termination)."""

import gymnasium as gym
import numpy as np
import pytest

from rlcert.mdp import InvalidArgumentError, from_gymnasium, solve


def table_value_iteration(env, gamma, sweeps=5000):
    base = env.unwrapped
    S, A = base.observation_space.n, base.action_space.n
    V = np.zeros(S)
    for _ in range(sweeps):
        Q = np.array([[sum(p * (r + (0.0 if term else gamma * V[s2]))
                           for p, s2, r, term in base.P[s][a]) for a in range(A)] for s in range(S)])
        V_new = Q.max(axis=1)
        if np.max(np.abs(V_new - V)) < 1e-13:
            return V_new
        V = V_new
    return V


def test_frozenlake_two_independent_methods():
    env = gym.make("FrozenLake-v1")
    m = from_gymnasium(env, gamma=0.99)
    ref = table_value_iteration(env, 0.99)
    for method in ("pi", "lp", "vi"):
        res = solve(m, method=method, tol=1e-10)
        np.testing.assert_allclose(res.V[:16], ref, atol=1e-8)
    # duplicates summed: from the corner state 0, action 0 (left) slips to 0 twice and to 4 once
    assert m.P[0, 0, 0] == pytest.approx(2 / 3) and m.P[0, 0, 4] == pytest.approx(1 / 3)


def test_frozenlake_holes_and_goal_are_absorbing_with_zero_reward():
    env = gym.make("FrozenLake-v1")
    m, info = from_gymnasium(env, return_info=True)
    desc = env.unwrapped.desc.ravel().astype(str)
    expected = sorted(int(s) for s in np.flatnonzero((desc == "H") | (desc == "G")))
    assert info.terminal_states == expected and info.copies == {}
    for s in expected:
        assert np.all(m.P[s, :, s] == 1.0) and np.all(m.R[s] == 0.0)
    # the reward of the terminating transition into the goal is kept: from 14, action 1 (down)
    # reaches 15 with probability 1/3 and reward 1
    assert m.R[14, 1] == pytest.approx(1 / 3)


def test_cliffwalking_total_reward_is_the_shortest_path():
    env = gym.make("CliffWalking-v1")
    m = from_gymnasium(env, gamma=1.0)
    res = solve(m)
    # start (3, 0) -> up, 11 steps right, down: 13 steps of reward -1
    assert res.initial_value(m.initial) == pytest.approx(-13.0, abs=1e-12)
    assert res.info["criterion"] == "stochastic_shortest_path"


def test_taxi_states_entered_both_ways_are_split():
    env = gym.make("Taxi-v4") if "Taxi-v4" in gym.registry else gym.make("Taxi-v3")
    m, info = from_gymnasium(env, gamma=0.9, return_info=True)
    S = env.unwrapped.observation_space.n
    assert len(info.copies) > 0 and m.n_states == S + len(info.copies)
    for c, original in info.copies.items():
        assert 0 <= original < S and np.all(m.P[c, :, c] == 1.0) and np.all(m.R[c] == 0.0)
    ref = table_value_iteration(env, 0.9)
    res = solve(m, tol=1e-10)
    np.testing.assert_allclose(res.V[:S], ref, atol=1e-8)


def test_environment_without_P_is_refused_by_name():
    env = gym.make("Blackjack-v1")
    with pytest.raises(InvalidArgumentError, match="Blackjack"):
        from_gymnasium(env)
