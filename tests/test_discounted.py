"""Discounted oracles: certificates against exact rational values, agreement between methods,
the VI contraction, PI monotonicity, the floating-point floor.

Expected values come from exact rational policy iteration (tests/exact.py), an independent
cvxpy LP (Clarabel), and closed forms; never from the code under test.
"""

from fractions import Fraction

import cvxpy as cp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.mdp import TabularMDP, evaluate_policy, instances, kernels, solve
from rlcert.mdp.results import UNIT_ROUNDOFF
from rlcert.mdp.strategies import tabular_mdps

from .exact import optimal_value, policy_value, to_fractions

METHODS = ["vi", "gs", "pi", "mpi", "lp"]
tiny = tabular_mdps(max_states=4, max_actions=3, gamma=(0.0, 0.5, 0.9, 0.99))


def exact_error(V: np.ndarray, V_star: list[Fraction]) -> Fraction:
    return max(abs(Fraction(float(v)) - w) for v, w in zip(V, V_star))


def exact_q(m: TabularMDP, V_star):
    Pf, Rf, g = to_fractions(m.dense_P()), to_fractions(m.R), Fraction(m.gamma)
    S, A = m.n_states, m.n_actions
    return [[Rf[s, a] + g * sum(Pf[s, a, t] * V_star[t] for t in range(S)) for a in range(A)]
            for s in range(S)]


@pytest.mark.parametrize("method", METHODS)
@given(m=tiny)
def test_certificate_bounds_the_true_error(method, m):
    res = solve(m, method=method, tol=1e-8)
    V_star = optimal_value(m.dense_P(), m.R, m.gamma)
    err = exact_error(res.V, V_star)
    assert err <= Fraction(res.certificate) + Fraction(res.rounding), (err, res.certificate)
    assert res.status in ("converged", "floor")
    assert res.certificate <= 1e-8 or res.status == "floor"


@pytest.mark.parametrize("method", METHODS)
@given(m=tiny)
def test_optimal_actions_contain_every_optimal_action_and_loss_bound_holds(method, m):
    res = solve(m, method=method)
    V_star = optimal_value(m.dense_P(), m.R, m.gamma)
    Q_star = exact_q(m, V_star)
    for s in range(m.n_states):
        for a in range(m.n_actions):
            if Q_star[s][a] == V_star[s]:
                assert res.optimal_actions[s, a], (s, a)
    # the returned policy's exact loss
    V_pi = policy_value(m.dense_P(), m.R, m.gamma, list(res.policy))
    loss = max(vs - vp for vs, vp in zip(V_star, V_pi))
    assert loss <= Fraction(res.policy_loss_bound) + 2 * Fraction(res.rounding)
    # Q is the backup of V, hence within gamma * (certificate + rounding) of Q*, plus rounding
    slack = Fraction(m.gamma) * Fraction(res.certificate + res.rounding) + Fraction(res.rounding)
    for s in range(m.n_states):
        for a in range(m.n_actions):
            assert abs(Fraction(float(res.Q[s, a])) - Q_star[s][a]) <= slack


@given(m=tiny)
def test_value_iteration_contracts(m):
    """||V_k - V*|| <= gamma^k ||V_0 - V*|| + sum_{j<k} gamma^j rho, from V_0 = 0."""
    V_star = optimal_value(m.dense_P(), m.R, m.gamma)
    S, A, g = m.n_states, m.n_actions, m.gamma
    V = np.zeros(S)
    e0 = exact_error(V, V_star)
    rho = (S + 3) * UNIT_ROUNDOFF * 1.01 * (np.abs(m.R).max() + g * float(max(abs(x) for x in V_star)) + 1)
    Q, Vn, pi = np.empty((S, A)), np.empty(S), np.empty(S, np.int64)
    for k in range(1, 60):
        kernels.bellman_backup(m.operand, 0, m._R, g, V, Q, Vn, pi)
        V, Vn = Vn.copy(), V
        bound = Fraction(g) ** k * e0 + Fraction(rho) * k
        assert exact_error(V, V_star) <= bound


@given(m=tabular_mdps(max_states=6, max_actions=3, gamma=(0.5, 0.9, 0.99),
                      reward_range=(-2.0, 3.0)))
def test_methods_agree(m):
    results = {meth: solve(m, method=meth, tol=1e-10) for meth in METHODS}
    ref = results["pi"].V
    scale = max(1.0, np.abs(ref).max())
    for meth, res in results.items():
        np.testing.assert_allclose(res.V, ref, rtol=0, atol=1e-8 * scale, err_msg=meth)


def cvxpy_lp_value(m: TabularMDP) -> np.ndarray:
    S, A = m.n_states, m.n_actions
    P = m.dense_P().reshape(S * A, S)
    V = cp.Variable(S)
    E = np.repeat(np.eye(S), A, axis=0)
    cons = [E @ V >= m.R.ravel() + m.gamma * (P @ V)]
    prob = cp.Problem(cp.Minimize(cp.sum(V)), cons)
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
    return np.asarray(V.value)


@settings(max_examples=25)
@given(m=tabular_mdps(max_states=8, max_actions=4, gamma=(0.5, 0.9, 0.95)))
def test_agrees_with_independent_cvxpy_lp(m):
    ref = cvxpy_lp_value(m)
    res = solve(m)
    np.testing.assert_allclose(res.V, ref, rtol=0, atol=1e-6 * max(1.0, np.abs(ref).max()))


@given(m=tiny)
def test_policy_iteration_improves_monotonically_and_stops(m):
    res = solve(m, method="pi", trace=True)
    policies = res.info["policies"]
    values = [policy_value(m.dense_P(), m.R, m.gamma, list(p)) for p in policies]
    for before, after in zip(values, values[1:]):
        assert all(b <= a for b, a in zip(before, after))
        assert any(b < a for b, a in zip(before, after))  # strict improvement somewhere
    assert res.status == "converged"
    assert np.array_equal(policies[-1], res.policy)


@pytest.mark.parametrize("method", ["vi", "gs", "mpi"])
def test_tol_below_floor_stops_at_floor(method):
    m = instances.riverswim(6, gamma=0.99)
    res = solve(m, method=method, tol=1e-30)
    assert res.status == "floor"
    assert res.certificate <= 1e3 * res.info["floor"]
    V_star = optimal_value(m.dense_P(), m.R, m.gamma)
    assert exact_error(res.V, V_star) <= Fraction(res.certificate) + Fraction(res.rounding)


def test_max_iter_status():
    m = instances.riverswim(6, gamma=0.99)
    res = solve(m, method="vi", max_iter=5)
    assert res.status == "max_iter" and res.iterations == 5
    V_star = optimal_value(m.dense_P(), m.R, m.gamma)
    assert exact_error(res.V, V_star) <= Fraction(res.certificate) + Fraction(res.rounding)


@given(m=tabular_mdps(max_states=6, max_actions=3, sparse=False, gamma=(0.5, 0.9)))
def test_sparse_and_dense_inputs_give_the_same_results(m):
    ms = m.to_sparse()
    for meth in METHODS:
        a, b = solve(m, method=meth, tol=1e-10), solve(ms, method=meth, tol=1e-10)
        np.testing.assert_allclose(a.V, b.V, rtol=0, atol=1e-9 * max(1, np.abs(a.V).max()))
        assert a.iterations == b.iterations or meth == "lp"


def test_forest_matches_the_toolbox_documentation_and_closed_form():
    """MDP Toolbox documentation: PolicyIteration(forest(), 0.9).V = (26.244, 29.484, 33.484)."""
    m = instances.forest(gamma=0.9)
    res = solve(m)
    np.testing.assert_allclose(res.V, [26.244, 29.484, 33.484], atol=1e-9)
    assert list(res.policy) == [0, 0, 0]
    # closed form for "wait" everywhere: V2 = 4 + .9(.1 V0 + .9 V2), V1 = .9(.1 V0 + .9 V2),
    # V0 = .9(.1 V0 + .9 V1): V0 = 0.81 V1 / 0.91 etc., solved exactly
    A = np.array([[1 - 0.09, -0.81, 0.0], [-0.09, 1.0, -0.81], [-0.09, 0.0, 1 - 0.81]])
    np.testing.assert_allclose(res.V, np.linalg.solve(A, [0.0, 0.0, 4.0]), atol=1e-10)


def test_riverswim_value_by_hand():
    """gamma = 0: V* = max_a r(s, a)."""
    m = instances.riverswim(6, gamma=0.0)
    res = solve(m)
    np.testing.assert_array_equal(res.V, m.R.max(axis=1))


def test_stochastic_policy_evaluation_matches_neumann_series():
    m = instances.garnet(20, 3, 4, seed=3, gamma=0.9)
    rng = np.random.default_rng(0)
    W = rng.dirichlet(np.ones(3), size=20)
    P_pi = np.einsum("sa,sat->st", W, m.dense_P())
    r_pi = (W * m.R).sum(1)
    V_series = np.zeros(20)
    term = r_pi.copy()
    for _ in range(600):  # 0.9^600 ~ 1e-28
        V_series += term
        term = 0.9 * P_pi @ term
    V, cert = evaluate_policy(m, W, with_certificate=True)
    np.testing.assert_allclose(V, V_series, atol=1e-11)
    assert np.abs(V - V_series).max() <= cert + 1e-12


@given(m=tiny, data=st.data())
def test_evaluate_policy_equals_exact_rationals(m, data):
    pi = data.draw(st.lists(st.integers(0, m.n_actions - 1), min_size=m.n_states,
                            max_size=m.n_states))
    exact = policy_value(m.dense_P(), m.R, m.gamma, pi)
    V, cert = evaluate_policy(m, np.array(pi), with_certificate=True)
    assert exact_error(V, exact) <= Fraction(cert)


def test_large_sparse_instance_krylov_evaluation():
    m = instances.garnet(3000, 4, 5, seed=1, gamma=0.99)
    res = solve(m, tol=1e-8)
    assert res.status == "converged" and "krylov" in res.info["evaluation"]
    vi = solve(m, method="mpi", tol=1e-8)
    np.testing.assert_allclose(res.V, vi.V, atol=2e-8)


def test_dense_input_with_sparse_content_is_converted():
    m = instances.garnet(400, 3, 4, seed=2, sparse=False, gamma=0.95)
    res = solve(m)
    assert res.info["converted_to_csr"] is True
    ref = solve(m, sparsify=False)
    assert ref.info["converted_to_csr"] is False
    np.testing.assert_allclose(res.V, ref.V, atol=1e-9)
