"""s-rectangular L1 robust MDPs (Ho-Petrik-Wiesemann update).

References used here, none of them the code under test:

* cvxpy (Clarabel) for one state's update, in its min-max form
  ``min_{(p_a) in U_s} max_a r_a + gamma p_a . V`` (equal to the max-min over randomised ``d`` by
  von Neumann's theorem), and for nature's best response to the returned ``d``;
* the nominal oracle :func:`rlcert.mdp.solve` and the (s,a)-rectangular robust oracle
  :func:`rlcert.mdp.robust.solve_robust` with :class:`L1Ball`: at radius 0 all coincide, and an
  s-rectangular budget ``kappa_s`` contains every (s,a)-rectangular set whose radii split it
  (``sum_a rho_{s,a} = kappa_s``), so its robust value is never above theirs;
* a closed form for the 1-state example where randomising strictly helps (ROB-2).
"""

import cvxpy as cp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.mdp import TabularMDP, solve
from rlcert.mdp.errors import InvalidArgumentError, UnsupportedModelError
from rlcert.mdp.robust import L1Ball, solve_robust
from rlcert.mdp.robust.srect import (SRectL1Ball, evaluate_policy_srect, solve_srect,
                                     srect_bellman)
from rlcert.mdp.strategies import finite_horizon_mdps, tabular_mdps

pytestmark = pytest.mark.filterwarnings("ignore:Solution may be inaccurate")

CLARABEL = dict(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)


def minmax_cvxpy(P0, r, V, gamma, kappa):
    A, S = P0.shape
    p, t = cp.Variable((A, S)), cp.Variable()
    cons = [p >= 0, cp.sum(p, axis=1) == 1, cp.sum(cp.abs(p - P0)) <= kappa]
    cons += [t >= r[a] + gamma * p[a] @ V for a in range(A)]
    prob = cp.Problem(cp.Minimize(t), cons)
    prob.solve(**CLARABEL)
    return prob.value


def response_cvxpy(P0, r, V, gamma, kappa, d):
    A, S = P0.shape
    q = cp.Variable((A, S))
    obj = sum(d[a] * (r[a] + gamma * q[a] @ V) for a in range(A))
    prob = cp.Problem(cp.Minimize(obj), [q >= 0, cp.sum(q, axis=1) == 1,
                                         cp.sum(cp.abs(q - P0)) <= kappa])
    prob.solve(**CLARABEL)
    return prob.value


@st.composite
def states(draw):
    A = draw(st.integers(1, 4))
    S = draw(st.integers(1, 6))
    w = np.array(draw(st.lists(st.integers(0, 4), min_size=A * S, max_size=A * S)),
                 float).reshape(A, S)
    w[w.sum(1) == 0, 0] = 1.0
    P0 = w / w.sum(1, keepdims=True)
    V = np.array(draw(st.lists(st.integers(-4, 4), min_size=S, max_size=S)), float) / 2
    r = np.array(draw(st.lists(st.integers(-3, 3), min_size=A, max_size=A)), float) / 4
    kappa = draw(st.sampled_from([0.0, 0.05, 0.3, 1.0, 2.5, 10.0]))
    gamma = draw(st.sampled_from([0.5, 0.9, 1.0]))
    return P0, r, V, gamma, kappa


@settings(max_examples=40)
@given(case=states())
def test_hpw_update_agrees_with_cvxpy(case):
    P0, r, V, gamma, kappa = case
    value, d, P = SRectL1Ball(kappa).state_worst_case(P0, r, V, gamma)
    assert value == pytest.approx(minmax_cvxpy(P0, r, V, gamma, kappa), abs=1e-7)
    # d is optimal: nature's best response to it cannot push below the value
    assert d.min() >= 0 and d.sum() == pytest.approx(1.0, abs=1e-12)
    assert response_cvxpy(P0, r, V, gamma, kappa, d) == pytest.approx(value, abs=1e-7)
    # the returned kernel is in the set and attains the value against d
    assert np.abs(P - P0).sum() <= kappa + 1e-12
    assert np.allclose(P.sum(1), 1.0) and P.min() >= 0
    assert d @ (r + gamma * P @ V) == pytest.approx(value, abs=1e-12)


def test_randomising_strictly_beats_every_deterministic_choice():
    """Two actions, both nominally to the state of value 1; kappa = 1. Played alone, an action
    receives the whole budget: value gamma (1 - 1/2). Mixed 1/2-1/2, nature must split it:
    gamma (1 - 1/4)."""
    gamma = 0.9
    P0 = np.array([[0.0, 1.0], [0.0, 1.0]])
    V, r = np.array([0.0, 1.0]), np.zeros(2)
    value, d, _ = SRectL1Ball(1.0).state_worst_case(P0, r, V, gamma)
    assert value == pytest.approx(0.75 * gamma, abs=1e-12)
    assert d == pytest.approx([0.5, 0.5], abs=1e-12)
    for a in range(2):
        e = np.eye(2)[a]
        assert response_cvxpy(P0, r, V, gamma, 1.0, e) == pytest.approx(0.5 * gamma, abs=1e-7)
    # the same in a whole MDP: state 0 chooses, state 1 pays 0 forever, state 2 pays 1 forever
    P = np.zeros((3, 2, 3))
    P[0, :, 2] = 1.0
    P[1, :, 1] = P[2, :, 2] = 1.0
    R = np.zeros((3, 2))
    R[2] = 1.0
    m = TabularMDP(P, R, gamma, initial=0)
    U = SRectL1Ball(np.array([1.0, 0.0, 0.0]))
    res = solve_srect(m, U, tol=1e-10)
    v2 = 1.0 / (1.0 - gamma)
    assert res.V[0] == pytest.approx(0.75 * gamma * v2, abs=1e-8)
    assert res.policy[0] == pytest.approx([0.5, 0.5], abs=1e-9)
    best_deterministic = max(evaluate_policy_srect(m, np.array([a, 0, 0]), U)[0] for a in range(2))
    assert best_deterministic == pytest.approx(0.5 * gamma * v2, abs=1e-8)
    assert res.V[0] >= best_deterministic + 0.2 * gamma * v2


@settings(max_examples=20)
@given(m=tabular_mdps(max_states=4, max_actions=3, gamma=(0.5, 0.9)))
def test_radius_zero_is_the_nominal_and_sa_rectangular_solution(m):
    res = solve_srect(m, SRectL1Ball(0.0), tol=1e-9)
    nominal = solve(m, method="pi", tol=1e-11)
    sa = solve_robust(m, L1Ball(0.0), tol=1e-9)
    slack = res.certificate + nominal.certificate + res.rounding + 1e-12
    assert np.allclose(res.V, nominal.V, atol=slack + 1e-12)
    assert np.allclose(res.V, sa.V, atol=res.certificate + sa.certificate + 1e-12)


@settings(max_examples=25)
@given(m=tabular_mdps(max_states=4, max_actions=3, gamma=(0.5, 0.9)), data=st.data())
def test_s_rectangular_value_is_below_every_split_of_its_budget(m, data):
    S, A = m.n_states, m.n_actions
    kappa = np.array(data.draw(st.lists(st.sampled_from([0.0, 0.1, 0.5, 1.5]), min_size=S,
                                        max_size=S)))
    shares = np.array(data.draw(st.lists(st.integers(0, 5), min_size=S * A, max_size=S * A)),
                      float).reshape(S, A)
    shares[shares.sum(1) == 0, 0] = 1.0
    rho = kappa[:, None] * shares / shares.sum(1, keepdims=True)   # sum_a rho[s, a] = kappa_s
    s_res = solve_srect(m, SRectL1Ball(kappa), tol=1e-9)
    sa_res = solve_robust(m, L1Ball(rho), tol=1e-9)
    slack = s_res.certificate + sa_res.certificate + s_res.rounding + sa_res.rounding
    assert np.all(s_res.V <= sa_res.V + slack)
    # the fixed point: each state's update at V, by cvxpy
    P = m.dense_P()
    for s in range(S):
        u = minmax_cvxpy(P[s], m.R[s], s_res.V, m.gamma, kappa[s])
        assert u == pytest.approx(s_res.V[s], abs=2 * s_res.certificate + 1e-7)
    # the randomised policy is as good as the value says
    v_pi = evaluate_policy_srect(m, s_res.policy, SRectL1Ball(kappa), tol=1e-10)
    assert np.all(np.abs(v_pi - s_res.V) <= s_res.policy_loss_bound + 1e-9)


@settings(max_examples=15)
@given(fh=finite_horizon_mdps(max_states=3, max_actions=3, max_horizon=4), data=st.data())
def test_finite_horizon_backward_induction(fh, data):
    S, A, H = fh.n_states, fh.n_actions, fh.horizon
    kappa = data.draw(st.sampled_from([0.0, 0.4, 1.2]))
    res = solve_srect(fh, SRectL1Ball(kappa))
    if kappa == 0.0:
        assert np.allclose(res.V, solve(fh).V, atol=1e-12)
    sa = solve_robust(fh, L1Ball(np.full((H, S, A), kappa / A)))
    assert np.all(res.V <= sa.V + 1e-12)
    for h in range(H):
        P = fh.stage_P(h)
        for s in range(S):
            u = minmax_cvxpy(P[s], fh.R[h, s], res.V[h + 1], fh.gamma, kappa)
            assert u == pytest.approx(res.V[h, s], abs=1e-7)
    assert np.allclose(evaluate_policy_srect(fh, res.policy, SRectL1Ball(kappa)), res.V,
                       atol=1e-12)
    TV, D, W = srect_bellman(fh, res.V[1], SRectL1Ball(kappa), stage=0)
    assert np.allclose(TV, res.V[0], atol=1e-12)


def test_sa_rectangular_solvers_refuse_the_set_and_bad_input_is_named():
    m = TabularMDP(np.full((2, 2, 2), 0.5), np.zeros((2, 2)), 0.9)
    with pytest.raises(UnsupportedModelError, match="'s'-rectangular"):
        solve_robust(m, SRectL1Ball(0.1))
    with pytest.raises(InvalidArgumentError, match="radius=-0.1"):
        SRectL1Ball(-0.1)
    with pytest.raises(InvalidArgumentError, match=r"radius\[1\]"):
        SRectL1Ball(np.array([0.1, np.nan]))
    with pytest.raises(InvalidArgumentError, match="radius has shape"):
        solve_srect(m, SRectL1Ball(np.ones(3)))
    with pytest.raises(InvalidArgumentError, match="SRectL1Ball"):
        solve_srect(m, L1Ball(0.1))
    with pytest.raises(UnsupportedModelError, match="gamma"):
        solve_srect(m.with_gamma(1.0), SRectL1Ball(0.1))
    # the per-row section is the L1 ball of the whole budget
    wc = SRectL1Ball(0.5).worst_case([0.5, 0.5], [0.0, 1.0])
    assert wc.value == pytest.approx(0.25)
