"""Average reward: LP, multichain PI and RVI against each other, against exact rational gains and
biases, against brute-force enumeration of deterministic policies, and the Blackwell relation
with the discounted optimum.

Exact values: the chain's closed classes from networkx, stationary distributions and absorption
probabilities by rational Gaussian elimination (tests/exact.py), ``P*`` from them, ``g = P* r`` and
``h = (I - P + P*)^{-1} (I - P*) r``; never from rlcert.mdp.average itself.
"""

from fractions import Fraction
from itertools import product

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlcert.mdp import InvalidArgumentError, TabularMDP, UnsupportedModelError, instances, solve
from rlcert.mdp.average import evaluate_policy_average, solve_average
from rlcert.mdp.strategies import tabular_mdps, transition_arrays
from rlcert.mdp.structure import span

from .exact import solve_linear, to_fractions

EPS64 = np.finfo(float).eps


# -- exact gain and bias ---------------------------------------------------------------------------
def exact_gain_bias(P: np.ndarray, r: np.ndarray, bias: bool = True):
    """Exact ``(g, h, P*)`` of the chain ``P`` (dense float (S, S)) with rewards ``r``, as
    Fractions.

    Float rows sum to 1 only up to an ulp (1/3 is not a float); each row is normalised exactly, so
    that the reference is the stochastic matrix the floats stand for."""
    S = r.shape[0]
    Pf, rf = to_fractions(P), to_fractions(r)
    for i in range(S):
        Pf[i] = Pf[i] / sum(Pf[i])
    G = nx.DiGraph()
    G.add_nodes_from(range(S))
    G.add_edges_from((i, j) for i in range(S) for j in range(S) if P[i, j] > 0)
    classes = [sorted(c) for c in nx.attracting_components(G)]
    rec = {s for C in classes for s in C}
    T = [s for s in range(S) if s not in rec]
    Pstar = [[Fraction(0)] * S for _ in range(S)]
    pis = []
    for C in classes:
        n = len(C)
        A = [[(1 if i == j else 0) - Pf[C[j], C[i]] for j in range(n)] for i in range(n)]
        A[-1] = [Fraction(1)] * n
        pi = solve_linear(A, [Fraction(0)] * (n - 1) + [Fraction(1)])
        pis.append(pi)
        for s in C:
            for j, c in enumerate(C):
                Pstar[s][c] = pi[j]
    if T:
        M = [[(1 if i == j else 0) - Pf[T[i], T[j]] for j in range(len(T))] for i in range(len(T))]
        for C, pi in zip(classes, pis):
            a = solve_linear(M, [sum(Pf[t, c] for c in C) for t in T])
            for i, t in enumerate(T):
                for j, c in enumerate(C):
                    Pstar[t][c] += a[i] * pi[j]
    g = [sum(Pstar[s][j] * rf[j] for j in range(S)) for s in range(S)]
    if not bias:
        return g, None, Pstar
    Z = [[(1 if i == j else 0) - Pf[i, j] + Pstar[i][j] for j in range(S)] for i in range(S)]
    b = [rf[i] - sum(Pstar[i][j] * rf[j] for j in range(S)) for i in range(S)]
    return g, solve_linear(Z, b), Pstar


def chain_of(m: TabularMDP, pol) -> tuple[np.ndarray, np.ndarray]:
    P = m.dense_P()
    S = m.n_states
    return P[np.arange(S), pol], m.R[np.arange(S), pol]


def exact_policy_gain(m: TabularMDP, pol):
    return exact_gain_bias(*chain_of(m, pol), bias=False)[0]


def float_optimal_gain(m: TabularMDP) -> np.ndarray:
    """``g*(s) = max over deterministic policies of g^pi(s)`` (one policy attains every max), with
    ``P*`` from the lazy chain's powers (independent of the code under test)."""
    P, R, idx = m.dense_P(), m.R, np.arange(m.n_states)
    best = np.full(m.n_states, -np.inf)
    for pol in product(range(m.n_actions), repeat=m.n_states):
        pol = np.array(pol)
        best = np.maximum(best, lazy_limit(P[idx, pol]) @ R[idx, pol])
    return best


def allowance(m: TabularMDP, res) -> float:
    """Rounding allowance of an exactly evaluated gain or bias: ``kappa`` (the evaluation's largest
    expected hitting/absorption time) amplifies ulps of the rewards and of the bias."""
    scale = max(1.0, float(np.abs(m.R).max()), float(np.abs(res.bias).max()))
    return 64 * EPS64 * m.n_states * res.info.get("kappa", 1.0) * scale


def lazy_limit(P: np.ndarray) -> np.ndarray:
    M = 0.5 * (np.eye(P.shape[0]) + P)
    for _ in range(60):
        M = M @ M
        M /= M.sum(axis=1, keepdims=True)
    return M


# -- strategies ------------------------------------------------------------------------------------
def _rewards(draw, shape, lo=0.0, hi=1.0):
    return draw(hnp.arrays(np.float64, shape, elements=st.floats(
        lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)))


def _model(draw, P, R):
    S, A = R.shape
    if draw(st.booleans()):
        return TabularMDP(sp.csr_matrix(P.reshape(S * A, S)), R)
    return TabularMDP(P, R)


@st.composite
def with_transient_states(draw, max_core=4, max_extra=2, max_actions=3):
    """A communicating core 0..k-1 and states k..S-1 that move only to lower indices: they are
    transient under every policy, so the MDP is weakly communicating but not communicating."""
    k = draw(st.integers(1, max_core))
    e = draw(st.integers(1, max_extra))
    A = draw(st.integers(1, max_actions))
    S = k + e
    P = np.zeros((S, A, S))
    P[:k, :, :k] = draw(transition_arrays(k, A, communicating=True))
    for i in range(k, S):
        w = draw(hnp.arrays(np.int64, (A, i), elements=st.integers(0, 3))).astype(float)
        w[:, 0] += 1.0
        P[i, :, :i] = w / w.sum(axis=1, keepdims=True)
    return _model(draw, P, _rewards(draw, (S, A)))


weakly_communicating = st.one_of(
    tabular_mdps(max_states=4, communicating=True, gamma=None),
    tabular_mdps(max_states=4, unichain=True, gamma=None),
    with_transient_states())


@st.composite
def multichain_mdps(draw, max_block=2, max_extra=2, min_actions=2, max_actions=2):
    """Two closed communicating blocks, rewards in [0, 1] in the first and [2, 3] in the second
    (so their gains differ by at least 1), and transient states choosing between them."""
    sizes = [draw(st.integers(1, max_block)) for _ in range(2)]
    e = draw(st.integers(1, max_extra))
    A = draw(st.integers(min_actions, max_actions))
    S = sum(sizes) + e
    P = np.zeros((S, A, S))
    R = np.zeros((S, A))
    off = 0
    for b, k in enumerate(sizes):
        P[off:off + k, :, off:off + k] = draw(transition_arrays(k, A, communicating=True))
        R[off:off + k] = 2.0 * b + _rewards(draw, (k, A))
        off += k
    for i in range(off, S):
        w = draw(hnp.arrays(np.int64, (A, i), elements=st.integers(0, 3))).astype(float)
        w[np.arange(A), draw(hnp.arrays(np.int64, A, elements=st.integers(0, i - 1)))] += 1.0
        P[i, :, :i] = w / w.sum(axis=1, keepdims=True)
        R[i] = _rewards(draw, A, 0.0, 3.0)
    return _model(draw, P, R)


# -- exactness on small models ---------------------------------------------------------------------
@settings(max_examples=50)
@given(m=tabular_mdps(min_states=2, max_states=4, min_actions=2, max_actions=2, gamma=None))
def test_pi_and_lp_return_a_gain_optimal_policy(m):
    """On any small MDP (multichain included) the returned policy's exact gain is g* (brute force
    over deterministic policies), the float gain and bias are its exact ones, every policy
    choosing flagged actions is gain optimal, and the bracket holds g*."""
    g_star = float_optimal_gain(m)
    P, R, idx = m.dense_P(), m.R, np.arange(m.n_states)
    for method in ("pi", "lp"):
        res = solve_average(m, method)
        assert res.status == "exact"
        g_exact, h_exact, _ = exact_gain_bias(*chain_of(m, res.policy))
        tol = allowance(m, res)
        # the brute force's P* comes from 2^60-step powers: accurate to ~1e-13 on these chains
        assert np.max(np.abs(np.array(g_exact, dtype=float) - g_star)) <= tol + 1e-12
        assert max(abs(Fraction(float(a)) - b) for a, b in zip(res.gain, g_exact)) <= tol
        assert max(abs(Fraction(float(a)) - b) for a, b in zip(res.bias, h_exact)) <= tol
        assert all(res.optimal_actions[idx, res.policy])
        flagged = [np.flatnonzero(res.optimal_actions[s]) for s in range(m.n_states)]
        for pol in product(*flagged):
            pol = np.array(pol)
            g_pol = lazy_limit(P[idx, pol]) @ R[idx, pol]
            assert np.max(np.abs(g_pol - g_star)) <= tol + 1e-12
        lo, hi = res.certificate.bracket
        rho = res.certificate.rounding
        assert np.all(lo - rho - 1e-12 <= g_star) and np.all(g_star <= hi + rho + 1e-12)


@settings(max_examples=40)
@given(m=tabular_mdps(max_states=4, max_actions=3, gamma=None), data=st.data())
def test_evaluate_policy_average_is_exact(m, data):
    """Deterministic and randomised policies, any chain structure: gain, bias and the
    normalisation P* h = 0 against exact rationals."""
    S, A = m.n_states, m.n_actions
    pol = data.draw(hnp.arrays(np.int64, S, elements=st.integers(0, A - 1)))
    w = data.draw(hnp.arrays(np.int64, (S, A), elements=st.integers(0, 2))).astype(float)
    w[:, 0] += 1.0
    for pi in (pol, w / w.sum(axis=1, keepdims=True)):
        g, h, resid = evaluate_policy_average(m, pi, with_certificate=True)
        P_pi = m.policy_matrix(pi)
        P_pi = P_pi.toarray() if sp.issparse(P_pi) else P_pi
        g_x, h_x, Pstar = exact_gain_bias(P_pi, m.policy_reward(pi))
        # these chains have transition probabilities >= 1/13 on their support and at most 4
        # states, so expected hitting times (the solves' condition) stay below 13^3
        tol = Fraction(64 * EPS64 * 13 ** 3 * max(1.0, float(np.abs(m.R).max())))
        assert max(abs(Fraction(float(a)) - b) for a, b in zip(g, g_x)) <= tol
        assert max(abs(Fraction(float(a)) - b) for a, b in zip(h, h_x)) <= tol
        Ph = [sum(Pstar[s][j] * Fraction(float(h[j])) for j in range(S)) for s in range(S)]
        assert max(abs(v) for v in Ph) <= tol
        assert resid <= 64 * EPS64 * max(1.0, float(np.abs(h).max()) + float(np.abs(m.R).max()))


# -- the three methods on weakly communicating models ----------------------------------------------
@settings(max_examples=60)
@given(m=weakly_communicating)
def test_lp_pi_rvi_agree_on_weakly_communicating_models(m):
    pi = solve_average(m, "pi")
    lp = solve_average(m, "lp")
    rvi = solve_average(m, "rvi", tol=1e-10)
    assert pi.status == lp.status == "exact"
    assert rvi.status in ("converged", "floor")
    tol = max(allowance(m, pi), allowance(m, lp))
    g = float(pi.gain[0])
    assert np.ptp(pi.gain) <= tol  # constant optimal gain
    assert np.max(np.abs(lp.gain - g)) <= tol
    # the two policies' exact gains coincide (both are gain optimal)
    g_pi, g_lp = exact_policy_gain(m, pi.policy), exact_policy_gain(m, lp.policy)
    assert max(abs(a - b) for a, b in zip(g_pi, g_lp)) <= Fraction(tol)
    # the LP's own optimum, to HiGHS's feasibility tolerance (1e-10) scaled by the bias
    assert np.max(np.abs(lp.info["lp_gain"] - g)) <= 1e-8 * max(1.0, float(np.abs(lp.bias).max()))
    # RVI's gain is its greedy policy's, inside the bracket that holds g*
    assert np.max(np.abs(rvi.gain - g)) <= rvi.certificate.width + rvi.certificate.rounding + tol
    assert rvi.certificate.width <= 1e-10 or rvi.status == "floor"


@settings(max_examples=40)
@given(m=weakly_communicating)
def test_rvi_bracket_contains_the_exact_gain_of_pi(m):
    rvi = solve_average(m, "rvi", tol=1e-9)
    pi = solve_average(m, "pi")
    g_exact = exact_policy_gain(m, pi.policy)
    lo, hi = (Fraction(v) for v in rvi.certificate.bracket)
    rho = Fraction(rvi.certificate.rounding)
    assert all(lo - rho <= g <= hi + rho for g in g_exact)


# -- multichain models with state-dependent optimal gain -------------------------------------------
@settings(max_examples=40)
@given(m=multichain_mdps())
def test_lp_and_pi_agree_on_multichain_models(m):
    pi = solve_average(m, "pi")
    lp = solve_average(m, "lp")
    assert pi.status == lp.status == "exact"
    assert np.ptp(pi.gain) >= 1.0  # the blocks' gains differ by construction
    tol = max(allowance(m, pi), allowance(m, lp))
    assert np.max(np.abs(lp.gain - pi.gain)) <= tol
    g_pi, g_lp = exact_policy_gain(m, pi.policy), exact_policy_gain(m, lp.policy)
    assert max(abs(a - b) for a, b in zip(g_pi, g_lp)) <= Fraction(tol)
    assert np.max(np.abs(lp.info["lp_gain"] - pi.gain)) <= 1e-8 * max(1.0, float(
        np.abs(lp.bias).max()))
    # brute force over the deterministic policies, with P* from the lazy chain's powers
    P, R = m.dense_P(), m.R
    best = np.full(m.n_states, -np.inf)
    for pol in product(range(m.n_actions), repeat=m.n_states):
        pol = np.array(pol)
        P_pi = P[np.arange(m.n_states), pol]
        best = np.maximum(best, lazy_limit(P_pi) @ R[np.arange(m.n_states), pol])
    np.testing.assert_allclose(pi.gain, best, atol=1e-9)


def test_rvi_refuses_a_model_that_is_not_weakly_communicating():
    P = np.zeros((3, 2, 3))
    P[0, :, 0] = P[1, :, 1] = 1.0
    P[2, 0, 0] = P[2, 1, 1] = 1.0
    m = TabularMDP(P, np.array([[0.0, 0.0], [1.0, 1.0], [0.5, 0.5]]))
    with pytest.raises(UnsupportedModelError, match=r"maximal end components.*\[0\].*\[1\]"):
        solve_average(m, "rvi")
    res = solve_average(m, "pi")
    np.testing.assert_array_equal(res.gain, [0.0, 1.0, 1.0])
    assert res.policy[2] == 1


# -- Blackwell: (1 - gamma) V*_gamma -> g* at rate (1 - gamma) sp(h*) ------------------------------
@pytest.mark.parametrize("gamma", [0.9, 0.99, 0.999])
@settings(max_examples=30)
@given(m=weakly_communicating)
def test_blackwell_inequality(gamma, m):
    r"""For g* constant and h with e = ||max_a [r + P h] - h - g*||_inf:
    ``|(1 - gamma) V*_gamma - g*| <= (1 - gamma) sp(h) + e``. Proof: U = g*/(1 - gamma) + h - min h
    + e/(1 - gamma) satisfies T_gamma U <= U, since r + gamma P h = (r + P h) - (1 - gamma) P h <=
    g* + h + e - (1 - gamma) min h; so V*_gamma <= U, and symmetrically from below. With PI's
    terminal bias, e is at the rounding level (asserted), which makes it the theorem for h*."""
    res = solve_average(m, "pi")
    g, h = float(res.gain[0]), res.bias
    Q = m.R + np.einsum("sat,t->sa", m.dense_P(), h)
    e = float(np.max(np.abs(Q.max(axis=1) - h - g)))
    assert e <= allowance(m, res) + 4 * res.certificate.rounding
    V = solve(m.with_gamma(gamma), method="pi", tol=1e-10)
    lhs = float(np.max(np.abs((1 - gamma) * V.V - g)))
    float_terms = 8 * EPS64 * (abs(g) + float(np.abs(V.V).max()))
    rhs = (1 - gamma) * span(h) + e + (1 - gamma) * (V.certificate + V.rounding) + float_terms
    assert lhs <= rhs


# -- closed forms and input checks -----------------------------------------------------------------
@pytest.mark.parametrize("method", ["pi", "lp", "rvi"])
def test_joa_two_state_gain(method):
    """Jaksch, Ortner and Auer (2010): the good action earns (delta + eps) / (2 delta + eps)."""
    delta, eps = 0.1, 0.05
    res = solve_average(instances.joa_two_state(delta=delta, eps=eps, n_actions=3, good_action=2),
                        method)
    assert abs(res.optimal_gain - (delta + eps) / (2 * delta + eps)) <= 1e-12
    assert res.policy[0] == 2


def test_riverswim_pi_needs_no_recurrence_guard_and_matches_rvi():
    """Long rivers make the bias of poor policies huge (transient states drift back against the
    current for ~7^n steps); PI must still reach the optimum that RVI brackets."""
    m = instances.riverswim(30)
    pi, rvi = solve_average(m, "pi"), solve_average(m, "rvi")
    lo, hi = rvi.certificate.bracket
    assert pi.status == "exact" and lo - rvi.certificate.rounding <= pi.gain.min()
    assert pi.gain.max() <= hi + rvi.certificate.rounding
    assert np.all(pi.policy[1:] == 1)


def test_pi_stopped_early_returns_the_gain_and_bias_of_its_policy():
    m = instances.riverswim(10)
    res = solve_average(m, "pi", max_iter=3)
    assert res.status == "max_iter" and res.iterations == 3
    g, h = evaluate_policy_average(m, res.policy)
    np.testing.assert_array_equal(res.gain, g)
    np.testing.assert_array_equal(res.bias, h)
    # the bracket still holds the optimum, which the stopped policy has not reached
    lo, hi = res.certificate.bracket
    g_star = solve_average(m, "pi").optimal_gain
    assert lo <= g_star <= hi and res.optimal_gain < g_star


def test_bad_arguments_are_refused_by_name():
    m = instances.riverswim(4)
    with pytest.raises(InvalidArgumentError, match="method='vi'"):
        solve_average(m, "vi")
    with pytest.raises(InvalidArgumentError, match="tau must be in"):
        solve_average(m, "rvi", tau=1.0)
    with pytest.raises(InvalidArgumentError, match="initial_policy applies to method='pi'"):
        solve_average(m, "lp", initial_policy=np.zeros(4, int))
    with pytest.raises(InvalidArgumentError, match=r"pi\[2\] = 5"):
        evaluate_policy_average(m, np.array([0, 1, 5, 0]))
