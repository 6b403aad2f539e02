"""Bisimulation metrics: closed forms, a second transport solver (HiGHS, and the assignment problem
for uniform masses), bisimilar duplicates, value continuity on hypothesis MDPs, the contraction and
the certificate, aggregation and its bound, input validation, and the registered checks with
their mutants.

Expected numbers come from closed forms (``d = c_R |r0 - r1| / (1 - c_T)`` on two absorbing
states), scipy's ``linear_sum_assignment`` and HiGHS, the exact oracle ``rlcert.mdp.solve``, and
the duplicated-state construction (bisimilar by design)."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from rlcert.mdp import InvalidArgumentError, TabularMDP, solve
from rlcert.mdp.bisimulation import (aggregate, aggregated_mdp, aggregation_bound,
                                     bisimulation_metric, bisimulation_operator,
                                     epsilon_clusters, transport, w1_highs)
from rlcert.mdp.strategies import tabular_mdps
from rlcert.proofs_checks import verify
from rlcert.proofs_checks.registry.metrics import duplicated, operator_lp


def absorbing_pair(r0, r1, gamma):
    return TabularMDP(np.eye(2)[:, None, :], [[r0], [r1]], gamma)


@pytest.mark.parametrize("gamma", [0.0, 0.5, 0.9, 0.99])
@pytest.mark.parametrize("c_R,c_T", [(1.0, None), (0.5, 0.7), (2.0, 0.0)])
def test_two_absorbing_states_closed_form(gamma, c_R, c_T):
    """``d = c_R |r0 - r1| + c_T d`` (the only coupling of two point masses), so ``d = c_R |r0 -
    r1| / (1 - c_T)``."""
    m = absorbing_pair(0.25, 1.0, gamma)
    cT = gamma if c_T is None else c_T
    res = bisimulation_metric(m, c_R, c_T, tol=1e-9)
    exact = c_R * 0.75 / (1 - cT)
    assert abs(res.distance[0, 1] - exact) <= res.certificate + 1e-12
    assert res.certificate <= 1e-9 and res.status == "converged"
    assert res.a_priori >= abs(res.distance[0, 1] - exact) - 1e-12


def test_swap_and_shared_successor_closed_forms():
    """States 0 <-> 1 swap (rewards 0, 1): ``d(0,1) = 1 + c_T d(1,0)``, ``d = 1/(1 - c_T)``. A
    three-state chain where 0 and 1 both move to absorbing 2 (reward 0): ``d(0,1) = |r0 - r1|``;
    ``d(0,2) = r0 + c_T d(2,2) = r0`` is wrong because 2 stays in 2 while 0 moves to 2:
    ``d(0,2) = |r0 - 0| + c_T W(delta_2, delta_2) = r0``."""
    P = np.array([[[0.0, 1.0]], [[1.0, 0.0]]])
    res = bisimulation_metric(TabularMDP(P, [[0.0], [1.0]], 0.8), tol=1e-12)
    assert abs(res.distance[0, 1] - 5.0) <= 1e-11
    P = np.zeros((3, 1, 3))
    P[:, 0, 2] = 1.0
    res = bisimulation_metric(TabularMDP(P, [[0.3], [0.7], [0.0]], 0.9), tol=1e-12)
    np.testing.assert_allclose(res.distance, [[0, 0.4, 0.3], [0.4, 0, 0.7], [0.3, 0.7, 0]],
                               atol=1e-12)


@settings(max_examples=40)
@given(st.integers(1, 6), st.integers(0, 2 ** 31))
def test_transport_matches_the_assignment_problem(n, seed):
    """Uniform masses ``1/n`` on both sides: some permutation is optimal (Birkhoff), so ``W =
    min_perm sum C[i, perm(i)] / n`` (scipy's Hungarian-type solver)."""
    rng = np.random.default_rng(seed)
    C = rng.integers(0, 10, size=(n, n)).astype(float) / 7
    a = np.full(n, 1.0 / n)
    value, gap, ok = transport(a, a.copy(), C)
    r, c = linear_sum_assignment(C)
    assert ok and gap <= 1e-12
    assert abs(value - C[r, c].sum() / n) <= 1e-12


@settings(max_examples=40)
@given(st.integers(1, 5), st.integers(1, 5), st.integers(0, 2 ** 31))
def test_transport_matches_highs(n, m, seed):
    """Arbitrary masses and costs: the compiled transportation simplex equals HiGHS."""
    rng = np.random.default_rng(seed)
    p = rng.integers(1, 6, size=n).astype(float)
    q = rng.integers(1, 6, size=m).astype(float)
    p /= p.sum()
    q /= q.sum()
    C = rng.integers(0, 8, size=(n, m)).astype(float) / 3
    value, gap, ok = transport(p, q, C)
    full = np.zeros((n + m, n + m))
    full[:n, n:] = C
    full[n:, :n] = C.T
    pp = np.concatenate([p, np.zeros(m)])
    qq = np.concatenate([np.zeros(n), q])
    assert ok
    assert abs(value - w1_highs(pp, qq, full)) <= 1e-9 + gap


@pytest.mark.parametrize("n,m,seed", [(25, 30, 0), (30, 30, 1), (40, 20, 2)])
def test_transport_on_larger_problems_matches_highs(n, m, seed):
    """Problems large enough for many pivots (Bland's rule takes over after 64) and with
    degenerate integer costs still agree with HiGHS."""
    rng = np.random.default_rng(seed)
    p = rng.integers(1, 4, size=n).astype(float)
    q = rng.integers(1, 4, size=m).astype(float)
    p /= p.sum()
    q /= q.sum()
    C = rng.integers(0, 4, size=(n, m)).astype(float)
    value, gap, ok = transport(p, q, C)
    full = np.zeros((n + m, n + m))
    full[:n, n:] = C
    full[n:, :n] = C.T
    assert ok and gap <= 1e-12
    assert abs(value - w1_highs(np.r_[p, np.zeros(m)], np.r_[np.zeros(n), q], full)) <= 1e-9


@settings(max_examples=25)
@given(tabular_mdps(max_states=5, max_actions=3, gamma=(0.5, 0.9)))
def test_value_continuity_on_hypothesis_mdps(m):
    """``|V*(s) - V*(t)| <= d*(s, t)`` for ``c_R = 1, c_T = gamma`` (V* from the oracle)."""
    res = bisimulation_metric(m, tol=1e-11)
    V = solve(m, method="pi", tol=1e-12).V
    dV = np.abs(V[:, None] - V[None, :])
    assert np.all(dV <= res.distance + res.certificate + 1e-9)
    assert np.allclose(res.distance, res.distance.T) and np.all(np.diag(res.distance) == 0)


@settings(max_examples=20)
@given(tabular_mdps(max_states=3, max_actions=2, gamma=(0.5, 0.8)), st.sampled_from([0.25, 0.5, 1]))
def test_duplicated_states_are_at_distance_zero(m, split):
    """Copies made by :func:`duplicated` are bisimilar: ``d*(s, s + S) = 0``."""
    P2, R2 = duplicated(m.dense_P(), np.asarray(m.R), split)
    res = bisimulation_metric(TabularMDP(P2, R2, m.gamma), tol=1e-11)
    S = m.n_states
    assert max(res.distance[s, s + S] for s in range(S)) <= res.certificate + 1e-12


@settings(max_examples=15)
@given(tabular_mdps(min_states=2, max_states=4, max_actions=2, gamma=(0.5, 0.9)),
       st.integers(0, 2 ** 31))
def test_operator_is_a_c_T_contraction_and_agrees_with_highs(m, seed):
    """``||F d - F d'|| <= c_T ||d - d'||`` for random pseudometrics (L1 embeddings), and ``F``
    by the simplex equals ``F`` by HiGHS (the verifier's own LP)."""
    rng = np.random.default_rng(seed)
    S = m.n_states
    d1, d2 = (np.abs(x[:, None] - x[None, :]) + np.abs(y[:, None] - y[None, :])
              for x, y in rng.random((2, 2, S)) * 3)
    F1 = bisimulation_operator(m, d1)
    F2 = bisimulation_operator(m, d2)
    assert np.max(np.abs(F1 - F2)) <= m.gamma * np.max(np.abs(d1 - d2)) + 1e-12
    np.testing.assert_allclose(F1, operator_lp(m.dense_P(), np.asarray(m.R), d1, 1.0, m.gamma),
                               atol=1e-9)


def test_certificate_bounds_the_error_of_a_truncated_iteration():
    """A run stopped after k iterations is within its certificate of ``d*``; ``d*`` is a
    high-accuracy run validated by the verifier's HiGHS residual (``||F d - d|| <= 1e-9``, so
    ``||d - d*|| <= 1e-9 / (1 - gamma)``). The certificate shrinks by ``c_T`` per iteration."""
    rng = np.random.default_rng(5)
    P = rng.random((4, 2, 4)) ** 2
    P /= P.sum(-1, keepdims=True)
    m = TabularMDP(P, rng.random((4, 2)), 0.9)
    ref = bisimulation_metric(m, tol=1e-12)
    resid = np.max(np.abs(operator_lp(m.dense_P(), np.asarray(m.R), ref.distance, 1.0, 0.9)
                          - ref.distance))
    assert resid <= 1e-9
    certs = []
    for k in (1, 3, 10, 20):
        r = bisimulation_metric(m, max_iter=k, tol=1e-15)
        assert r.iterations == k and r.status == "max_iter"
        err = np.max(np.abs(r.distance - ref.distance))
        assert err <= r.certificate + resid / 0.1 + 1e-12
        assert err <= r.a_priori + resid / 0.1 + 1e-12
        certs.append(r.certificate)
    assert certs == sorted(certs, reverse=True)


def test_highs_solver_gives_the_same_metric():
    rng = np.random.default_rng(2)
    P = rng.random((3, 2, 3))
    P /= P.sum(-1, keepdims=True)
    m = TabularMDP(P, rng.random((3, 2)), 0.5)
    a = bisimulation_metric(m, tol=1e-10)
    b = bisimulation_metric(m, tol=1e-10, solver="highs")
    np.testing.assert_allclose(a.distance, b.distance, atol=1e-8)


# -- aggregation -----------------------------------------------------------------------------------
@settings(max_examples=20)
@given(tabular_mdps(min_states=2, max_states=5, max_actions=2, gamma=(0.5, 0.8, 0.9)),
       st.sampled_from([0.0, 0.1, 0.3, 1.0, 10.0]))
def test_aggregation_bound_holds(m, eps):
    """``|V*(s) - V~*(C(s))| <= g(s) + gamma/(1-gamma) max g`` with both MDPs solved by the
    oracle; clusters have diameter <= eps (brute force over pairs)."""
    agg = aggregate(m, eps)
    V = solve(m, method="pi", tol=1e-12).V
    Vt = solve(agg.model, method="pi", tol=1e-12).V
    assert np.all(np.abs(V - agg.lift(Vt)) <= agg.bound + 1e-9)
    lab, d = agg.labels, agg.metric.distance
    assert all(d[s, t] <= eps + 1e-12 for s in range(m.n_states) for t in range(m.n_states)
               if lab[s] == lab[t])


def test_exact_duplicates_aggregate_without_loss():
    """eps = 0 merges exactly the bisimilar copies; the aggregated values equal V* (oracle)."""
    rng = np.random.default_rng(3)
    P = rng.random((3, 2, 3))
    P /= P.sum(-1, keepdims=True)
    P2, R2 = duplicated(P, rng.random((3, 2)), 0.5)
    m = TabularMDP(P2, R2, 0.9)
    agg = aggregate(m, 1e-9)
    assert agg.n_clusters == 3
    V = solve(m, method="pi", tol=1e-12).V
    Vt = solve(agg.model, method="pi", tol=1e-12).V
    np.testing.assert_allclose(V, agg.lift(Vt), atol=1e-9)
    np.testing.assert_allclose(V, solve(TabularMDP(P, R2[:3], 0.9), tol=1e-12).V[[0, 1, 2] * 2],
                               atol=1e-9)


def test_aggregation_bound_formula_by_hand():
    """Two clusters {0, 1}, {2} with uniform weights: g = (d01/2, d01/2, 0) and bound = g +
    gamma/(1-gamma) * d01/2."""
    d = np.array([[0, 0.4, 1.0], [0.4, 0, 2.0], [1.0, 2.0, 0]])
    g, bound = aggregation_bound(d, [0, 0, 1], None, 0.75)
    np.testing.assert_allclose(g, [0.2, 0.2, 0.0])
    np.testing.assert_allclose(bound, [0.2 + 3 * 0.2, 0.2 + 0.6, 0.6])


def test_aggregated_mdp_averages_by_weights():
    P = np.zeros((3, 1, 3))
    P[0, 0, 2] = P[1, 0, 0] = P[2, 0, 2] = 1.0
    m = TabularMDP(P, [[1.0], [0.0], [0.5]], 0.5)
    agg = aggregated_mdp(m, [0, 0, 1], [3.0, 1.0, 1.0])
    np.testing.assert_allclose(agg.R, [[0.75], [0.5]])
    np.testing.assert_allclose(agg.dense_P()[0, 0], [0.25, 0.75])


def test_epsilon_clusters_by_complete_linkage():
    d = np.array([[0, 1, 2, 9], [1, 0, 1, 9], [2, 1, 0, 9], [9, 9, 9, 0]], dtype=float)
    np.testing.assert_array_equal(epsilon_clusters(d, 2.0), [0, 0, 0, 1])
    lab = epsilon_clusters(d, 1.0)
    assert lab[3] != lab[0] and not (lab[0] == lab[1] == lab[2])


# -- validation ------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs,word", [
    (dict(c_T=1.0), "c_T"), (dict(c_T=-0.1), "c_T"), (dict(c_R=-1.0), "c_R"),
    (dict(tol=0.0), "tol"), (dict(max_iter=0), "max_iter"), (dict(solver="lp"), "solver"),
    (dict(c_R=float("nan")), "c_R")])
def test_bad_arguments_are_refused_by_name(kwargs, word):
    m = absorbing_pair(0.0, 1.0, 0.9)
    with pytest.raises(InvalidArgumentError, match=word):
        bisimulation_metric(m, **kwargs)


def test_bad_models_and_costs_are_refused():
    with pytest.raises(InvalidArgumentError, match="TabularMDP"):
        bisimulation_metric(np.eye(2))
    with pytest.raises(InvalidArgumentError, match="gamma"):
        bisimulation_metric(TabularMDP(np.eye(2)[:, None, :], [[0.0], [1.0]], 1.0))
    m = absorbing_pair(0.0, 1.0, 0.9)
    with pytest.raises(InvalidArgumentError, match="shape"):
        bisimulation_operator(m, np.zeros((3, 3)))
    with pytest.raises(InvalidArgumentError, match="negative"):
        bisimulation_operator(m, -np.ones((2, 2)))
    with pytest.raises(InvalidArgumentError, match="diagonal"):
        bisimulation_operator(m, np.ones((2, 2)))
    with pytest.raises(InvalidArgumentError, match="eps"):
        aggregate(m, -1.0)
    with pytest.raises(InvalidArgumentError, match="labels"):
        aggregated_mdp(m, [0, 2])
    with pytest.raises(InvalidArgumentError, match="weights"):
        aggregated_mdp(m, [0, 0], [0.0, 0.0])


# -- the registered checks and their mutants -------------------------------------------------------
class _Metric:
    def __init__(self, d):
        self.distance, self.certificate = d, 0.0


def half_transport_weight(m, c_R, c_T):
    """Mutant: c_T = gamma / 2 (value continuity needs c_T >= gamma)."""
    return bisimulation_metric(m, c_R, 0.5 * c_T)


def total_variation_metric(m, c_R, c_T):
    """Mutant: total variation instead of W_1 (the discrete ground metric)."""
    P, S = m.dense_P(), m.n_states
    d = np.zeros((S, S))
    for s in range(S):
        for t in range(S):
            if s != t:
                d[s, t] = max(c_R * abs(m.R[s, a] - m.R[t, a])
                              + c_T * 0.5 * np.abs(P[s, a] - P[t, a]).sum()
                              for a in range(m.n_actions))
    return _Metric(d)


def test_value_continuity_check_holds_and_kills_its_mutants():
    assert verify("metrics.bisimulation_value_continuity", n_trials=8,
                  backend="serial").status == "holds"
    for mutant in (half_transport_weight, total_variation_metric):
        assert verify("metrics.bisimulation_value_continuity", algorithm=mutant, n_trials=8,
                      backend="serial").status == "violated"


def test_aggregation_check_holds_and_kills_a_dropped_term():
    from dataclasses import replace

    def dropped(m, eps):
        a = aggregate(m, eps)
        return replace(a, bound=a.spread)  # mutant: no gamma/(1-gamma) max g term

    assert verify("metrics.bisimulation_aggregation", n_trials=12,
                  backend="serial").status == "holds"
    assert verify("metrics.bisimulation_aggregation", algorithm=dropped, n_trials=12,
                  backend="serial").status == "violated"
