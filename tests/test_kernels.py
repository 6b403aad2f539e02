"""Compiled kernels against plain numpy / plain Python formulas.

The CSR operand is built here from scipy's arrays (not with the library's helper), and every
expected value is a numpy expression (``R + gamma * P @ V``) or a plain-Python loop.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.mdp import FiniteHorizonMDP, TabularMDP, evaluate_policy, kernels, solve
from rlcert.mdp._transitions import dense_to_csr
from rlcert.mdp.policies import policy_operand
from rlcert.mdp.strategies import finite_horizon_mdps, tabular_mdps, transition_arrays

# Kernel results may differ from numpy's in the order of summation (fastmath reassoc): allow a
# few ulps of the values involved.
RTOL_ULPS = 64 * np.finfo(float).eps


def operand(rows2d: np.ndarray, storage: str):
    """The kernels' transition operand for dense rows ``(n_rows, S)``, built independently."""
    if storage == "dense":
        return np.ascontiguousarray(rows2d, dtype=np.float64)
    C = sp.csr_matrix(rows2d)
    return (C.indptr.astype(np.int64), C.indices.astype(np.int32), C.data.astype(np.float64))


def tol_for(R, V, gamma):
    return RTOL_ULPS * (np.abs(R).max(initial=0) + gamma * np.abs(V).max(initial=0) + 1.0)


def check_first_greedy(greedy, Q_ref, tol):
    """``greedy[s]`` is a maximiser of Q_ref up to tol, and no earlier action beats it by tol."""
    for s, g in enumerate(greedy):
        assert Q_ref[s, g] >= Q_ref[s].max() - 2 * tol
        assert np.all(Q_ref[s, :g] < Q_ref[s, g] + 2 * tol)


def random_values(data, S, lo=-10.0, hi=10.0):
    return np.array(data.draw(st.lists(st.floats(lo, hi), min_size=S, max_size=S)), dtype=float)


# -- Bellman and policy backups ----------------------------------------------------------------

@pytest.mark.parametrize("storage", ["dense", "csr"])
@given(m=tabular_mdps(max_states=6, max_actions=4, reward_range=(-2.0, 3.0)), data=st.data())
def test_bellman_backup_equals_numpy(storage, m, data):
    S, A, g = m.n_states, m.n_actions, m.gamma
    P = m.dense_P()
    R = np.array(m.R)
    V = random_values(data, S)
    Q, V_out, greedy = np.empty((S, A)), np.empty(S), np.empty(S, np.int64)
    kernels.bellman_backup(operand(P.reshape(S * A, S), storage), 0, R, g, V, Q, V_out, greedy)
    Q_ref = R + g * (P @ V)
    tol = tol_for(R, V, g)
    np.testing.assert_allclose(Q, Q_ref, rtol=0, atol=tol)
    np.testing.assert_allclose(V_out, Q_ref.max(axis=1), rtol=0, atol=tol)
    np.testing.assert_array_equal(V_out, Q.max(axis=1))
    np.testing.assert_array_equal(greedy, np.argmax(Q, axis=1))
    check_first_greedy(greedy, Q_ref, tol)


@pytest.mark.parametrize("storage", ["dense", "csr"])
@given(m=tabular_mdps(max_states=6, max_actions=4, reward_range=(-2.0, 3.0)), data=st.data())
def test_policy_backup_equals_numpy(storage, m, data):
    S, A, g = m.n_states, m.n_actions, m.gamma
    P, R = m.dense_P(), np.array(m.R)
    V = random_values(data, S)
    w = np.array(data.draw(st.lists(st.integers(0, 3), min_size=S * A, max_size=S * A)),
                 dtype=float).reshape(S, A)
    w[w.sum(1) == 0, -1] = 1.0
    W = w / w.sum(1, keepdims=True)
    out = np.empty(S)
    kernels.policy_backup(operand(P.reshape(S * A, S), storage), 0, R, g, V, policy_operand(W), out)
    expected = np.einsum("sa,sa->s", W, R + g * (P @ V))
    np.testing.assert_allclose(out, expected, rtol=0, atol=tol_for(R, V, g))


@pytest.mark.parametrize("storage", ["dense", "csr"])
@given(fh=finite_horizon_mdps(max_states=4, max_actions=3, min_horizon=2, max_horizon=4,
                              stationary=False, gamma=st.sampled_from([1.0, 0.9])),
       data=st.data())
def test_backups_with_stage_offset(storage, fh, data):
    """Per-step storage: stage h's rows start at offset h*S*A of one (H*S*A, S) matrix."""
    S, A, H, g = fh.n_states, fh.n_actions, fh.horizon, fh.gamma
    P4 = np.stack([fh.stage_P(h) for h in range(H)])
    T = operand(P4.reshape(H * S * A, S), storage)
    R = np.array(fh.R)
    V = random_values(data, S)
    W = np.full((S, A), 1.0 / A)
    for h in range(H):
        Q, V_out, greedy = np.empty((S, A)), np.empty(S), np.empty(S, np.int64)
        Rh = np.ascontiguousarray(R[h])
        kernels.bellman_backup(T, h * S * A, Rh, g, V, Q, V_out, greedy)
        Q_ref = Rh + g * (P4[h] @ V)
        tol = tol_for(Rh, V, g)
        np.testing.assert_allclose(Q, Q_ref, rtol=0, atol=tol)
        np.testing.assert_allclose(V_out, Q_ref.max(1), rtol=0, atol=tol)
        out = np.empty(S)
        kernels.policy_backup(T, h * S * A, Rh, g, V, policy_operand(W), out)
        np.testing.assert_allclose(out, Q_ref.mean(axis=1), rtol=0, atol=tol)


@pytest.mark.parametrize("storage", ["dense", "csr"])
def test_bellman_backup_many_states_all_chunks(storage):
    """More states than the parallel driver's chunk count: every state is computed."""
    rng = np.random.default_rng(7)
    S, A, g = 700, 3, 0.95
    P = np.zeros((S * A, S))
    for i in range(S * A):
        succ = rng.choice(S, size=4, replace=False)
        P[i, succ] = rng.dirichlet(np.ones(4))
    R = rng.standard_normal((S, A))
    V = rng.standard_normal(S) * 5
    Q, V_out, greedy = np.full((S, A), np.nan), np.full(S, np.nan), np.full(S, -1, np.int64)
    kernels.bellman_backup(operand(P, storage), 0, R, g, V, Q, V_out, greedy)
    Q_ref = R + g * (P @ V).reshape(S, A)
    tol = tol_for(R, V, g)
    np.testing.assert_allclose(Q, Q_ref, rtol=0, atol=tol)
    np.testing.assert_allclose(V_out, Q_ref.max(1), rtol=0, atol=tol)
    check_first_greedy(greedy, Q_ref, tol)
    W = rng.dirichlet(np.ones(A), size=S)
    out = np.full(S, np.nan)
    kernels.policy_backup(operand(P, storage), 0, R, g, V, policy_operand(W), out)
    np.testing.assert_allclose(out, (W * Q_ref).sum(1), rtol=0, atol=tol)


def test_bellman_backup_ties_pick_the_first_action():
    P = np.full((2, 3, 2), 0.5)
    R = np.array([[1.0, 1.0, 0.0], [0.0, 2.0, 2.0]])
    Q, V_out, greedy = np.empty((2, 3)), np.empty(2), np.empty(2, np.int64)
    kernels.bellman_backup(P.reshape(6, 2), 0, R, 0.5, np.array([4.0, 2.0]), Q, V_out, greedy)
    # P @ V = 3 for every row: Q = R + 1.5
    np.testing.assert_array_equal(Q, R + 1.5)
    np.testing.assert_array_equal(greedy, [0, 1])


# -- Gauss-Seidel ------------------------------------------------------------------------------

def python_gauss_seidel(P, R, gamma, V):
    """One in-place sweep, states in index order, plain Python floats."""
    S, A = R.shape
    V = [float(v) for v in V]
    delta = 0.0
    greedy = []
    for s in range(S):
        qs = [float(R[s, a]) + gamma * sum(float(P[s, a, t]) * V[t] for t in range(S))
              for a in range(A)]
        best = max(qs)
        delta = max(delta, abs(best - V[s]))
        V[s] = best
        greedy.append(qs)
    return np.array(V), delta, np.array(greedy)


@pytest.mark.parametrize("storage", ["dense", "csr"])
@given(m=tabular_mdps(max_states=6, max_actions=3, reward_range=(-2.0, 3.0)), data=st.data())
def test_gauss_seidel_sweep_equals_python_sweep(storage, m, data):
    S, A, g = m.n_states, m.n_actions, m.gamma
    P, R = m.dense_P(), np.array(m.R)
    V0 = random_values(data, S)
    V = V0.copy()
    greedy = np.empty(S, np.int64)
    delta = kernels.gauss_seidel_sweep(operand(P.reshape(S * A, S), storage), R, g, V, greedy)
    V_ref, delta_ref, Q_rows = python_gauss_seidel(P, R, g, V0)
    tol = tol_for(R, V0, g) * (S + 1)  # errors propagate through the in-place updates
    np.testing.assert_allclose(V, V_ref, rtol=0, atol=tol)
    assert abs(delta - delta_ref) <= 2 * tol
    check_first_greedy(greedy, Q_rows, tol)


def test_gauss_seidel_uses_updated_values_by_hand():
    """Two states, one action, P = [[0, 1], [1, 0]], R = [1, 2], gamma = 0.5, V0 = 0:
    V[0] = 1 + 0.5*V0[1] = 1; then V[1] = 2 + 0.5*V[0] (already updated) = 2.5."""
    P = np.array([[0.0, 1.0], [1.0, 0.0]])
    V = np.zeros(2)
    greedy = np.empty(2, np.int64)
    delta = kernels.gauss_seidel_sweep(P, np.array([[1.0], [2.0]]), 0.5, V, greedy)
    np.testing.assert_array_equal(V, [1.0, 2.5])
    assert delta == 2.5


# -- backward induction ------------------------------------------------------------------------

def numpy_backward(P4, R, gamma, H, W=None):
    """Plain numpy backward pass; ``P4`` is ``(H, S, A, S)``; optimal if ``W`` is None."""
    S, A = R.shape[1:]
    V = np.zeros((H + 1, S))
    Q = np.zeros((H, S, A))
    for h in range(H - 1, -1, -1):
        Q[h] = R[h] + gamma * (P4[h] @ V[h + 1])
        V[h] = Q[h].max(1) if W is None else (W[h] * Q[h]).sum(1)
    return V, Q


def fh_operand(fh: FiniteHorizonMDP, storage: str):
    rows = fh.rows.toarray() if fh.is_sparse else np.asarray(fh.rows)
    return operand(rows, storage)


fh_models = finite_horizon_mdps(max_states=5, max_actions=3, max_horizon=5,
                                gamma=st.sampled_from([1.0, 0.9, 0.5]),
                                reward_range=(-1.0, 2.0))


@pytest.mark.parametrize("storage", ["dense", "csr"])
@given(fh=fh_models)
def test_backward_induction_kernel_equals_solve_and_numpy(storage, fh):
    S, A, H, g = fh.n_states, fh.n_actions, fh.horizon, fh.gamma
    R = np.array(fh.R)
    V = np.zeros((H + 1, S))
    Q = np.empty((H, S, A))
    greedy = np.empty((H, S), np.int64)
    kernels.backward_induction(fh_operand(fh, storage), fh.stage_stride, R, g, V, Q, greedy)
    P4 = np.stack([fh.stage_P(h) for h in range(H)])
    V_ref, Q_ref = numpy_backward(P4, R, g, H)
    tol = RTOL_ULPS * H * (np.abs(R).max() * H + 1.0)
    np.testing.assert_allclose(V, V_ref, rtol=0, atol=tol)
    np.testing.assert_allclose(Q, Q_ref, rtol=0, atol=tol)
    np.testing.assert_array_equal(V[H], 0.0)
    res = solve(fh)
    np.testing.assert_allclose(V, res.V, rtol=0, atol=tol)
    np.testing.assert_allclose(Q, res.Q, rtol=0, atol=tol)
    for h in range(H):
        check_first_greedy(greedy[h], Q_ref[h], tol)


def test_backward_induction_respects_terminal_values():
    """V[H] holds terminal values on entry: one stage, P = identity, R = 0, gamma = 0.5:
    V[0] = 0.5 * V[1]."""
    P = np.eye(3).reshape(3, 1, 3)
    V = np.zeros((2, 3))
    V[1] = [2.0, 4.0, 8.0]
    Q = np.empty((1, 3, 1))
    greedy = np.empty((1, 3), np.int64)
    kernels.backward_induction(P.reshape(3, 3), 0, np.zeros((1, 3, 1)), 0.5, V, Q, greedy)
    np.testing.assert_array_equal(V[0], [1.0, 2.0, 4.0])


@pytest.mark.parametrize("storage", ["dense", "csr"])
@given(fh=fh_models, data=st.data())
def test_policy_backward_equals_evaluate_policy_and_numpy(storage, fh, data):
    S, A, H, g = fh.n_states, fh.n_actions, fh.horizon, fh.gamma
    w = np.array(data.draw(st.lists(st.integers(0, 2), min_size=H * S * A,
                                    max_size=H * S * A)), dtype=float).reshape(H, S, A)
    w[w.sum(-1) == 0, 0] = 1.0
    W = w / w.sum(-1, keepdims=True)
    R = np.array(fh.R)
    V = np.zeros((H + 1, S))
    kernels.policy_backward(fh_operand(fh, storage), fh.stage_stride, R, g, policy_operand(W), V)
    P4 = np.stack([fh.stage_P(h) for h in range(H)])
    V_ref, _ = numpy_backward(P4, R, g, H, W)
    tol = RTOL_ULPS * H * (np.abs(R).max() * H + 1.0)
    np.testing.assert_allclose(V, V_ref, rtol=0, atol=tol)
    np.testing.assert_allclose(V, evaluate_policy(fh, W), rtol=0, atol=tol)


# -- sampling ----------------------------------------------------------------------------------

def grid_frequencies(T, row, S, N):
    counts = np.zeros(S, dtype=np.int64)
    for i in range(N):
        counts[kernels.sample_next_state(T, row, (i + 0.5) / N)] += 1
    return counts / N


@pytest.mark.parametrize("storage", ["dense", "csr"])
@settings(max_examples=15)
@given(S=st.integers(1, 6), A=st.integers(1, 3), data=st.data())
def test_sample_next_state_inverse_transform_on_a_grid(storage, S, A, data):
    P = data.draw(transition_arrays(S, A)).reshape(S * A, S)
    row = data.draw(st.integers(0, S * A - 1))
    T = operand(P, storage)
    N = 2000
    freq = grid_frequencies(T, row, S, N)
    assert np.all(np.abs(freq - P[row]) <= 1.0 / N + 1e-12), (freq, P[row])
    assert np.all(freq[P[row] == 0] == 0)


@pytest.mark.parametrize("storage", ["dense", "csr"])
def test_sample_next_state_known_row(storage):
    # row 1 = (0, 0.25, 0, 0.5, 0.25, 0): cumulative 0.25, 0.75, 1.0 on states 1, 3, 4
    P = np.array([[1.0, 0, 0, 0, 0, 0], [0, 0.25, 0, 0.5, 0.25, 0]])
    T = operand(P, storage)
    assert kernels.sample_next_state(T, 1, 0.0) == 1
    assert kernels.sample_next_state(T, 1, np.nextafter(0.25, 0)) == 1
    assert kernels.sample_next_state(T, 1, 0.25) == 3
    assert kernels.sample_next_state(T, 1, 0.7499) == 3
    assert kernels.sample_next_state(T, 1, 0.75) == 4
    assert kernels.sample_next_state(T, 1, np.nextafter(1.0, 0)) == 4
    assert kernels.sample_next_state(T, 0, 0.999) == 0
    freq = grid_frequencies(T, 1, 6, 1000)
    np.testing.assert_array_equal(freq, [0, 0.25, 0, 0.5, 0.25, 0])


@pytest.mark.parametrize("storage", ["dense", "csr"])
def test_sample_next_state_row_summing_below_one_never_returns_a_zero_state(storage):
    """Ten masses of 0.1 (float sum 0.9999999999999999) followed by zeros: u just below 1 must
    land on the last state with positive mass, not on a zero-probability state."""
    row = np.array([0.0] + [0.1] * 10 + [0.0, 0.0])
    u = np.nextafter(1.0, 0)
    acc = 0.0
    for p in row:
        acc += p
    assert acc <= u  # the sequential cumulative mass never exceeds u: the fall-through path
    T = operand(row[None, :], storage)
    assert kernels.sample_next_state(T, 0, u) == 10
    for i in range(1000):
        s = kernels.sample_next_state(T, 0, (i + 0.5) / 1000)
        assert row[s] > 0


# -- dense to CSR ------------------------------------------------------------------------------

@given(data=st.data(), n_rows=st.integers(1, 12), S=st.integers(1, 9))
def test_dense_row_nnz_and_dense_to_csr_equal_scipy(data, n_rows, S):
    vals = st.sampled_from([0.0, -0.0, 0.0, 0.0, 1.0, 0.5, -2.5, 1e-300, np.inf, np.nan])
    M = np.array(data.draw(st.lists(vals, min_size=n_rows * S, max_size=n_rows * S)),
                 dtype=float).reshape(n_rows, S)
    ref = sp.csr_matrix(M)
    ref.sort_indices()
    np.testing.assert_array_equal(kernels.dense_row_nnz(M), np.diff(ref.indptr))
    C = dense_to_csr(M)
    assert C.shape == ref.shape
    np.testing.assert_array_equal(C.indptr, ref.indptr)
    np.testing.assert_array_equal(C.indices, ref.indices)
    np.testing.assert_array_equal(C.data, ref.data)


def test_dense_to_csr_of_a_model():
    m = TabularMDP(np.array([[[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]]] * 3), np.zeros((3, 2)), 0.9)
    C = dense_to_csr(np.asarray(m.rows))
    ref = sp.csr_matrix(m.dense_P().reshape(6, 3))
    assert (C != ref).nnz == 0 and C.nnz == ref.nnz == 9
    np.testing.assert_array_equal(C.indptr, [0, 1, 3, 4, 6, 7, 9])
