"""TabularMDP and FiniteHorizonMDP: properties, reward reduction, storage, persistence.

Expected values are hand computations written out below or plain numpy formulas (einsum) on
the arrays the test itself built.
"""

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st

import rlcert.mdp as mdp
from rlcert.mdp import FiniteHorizonMDP, InvalidMDPError, TabularMDP
from rlcert.mdp.strategies import finite_horizon_mdps, tabular_mdps

# The README's example: P[s, a, s'].
P_EX = np.array([[[0.9, 0.1], [0.2, 0.8]],
                 [[0.0, 1.0], [0.5, 0.5]]])
R_EX = np.array([[0.0, 0.1], [1.0, 0.5]])
# A reward on transitions R[s, a, s'] and its expectation, by hand:
#   r(0,0) = 0.9*1 + 0.1*2 = 1.1     r(0,1) = 0.2*3 + 0.8*4 = 3.8
#   r(1,0) = 0.0*5 + 1.0*6 = 6.0     r(1,1) = 0.5*7 + 0.5*8 = 7.5
R3_EX = np.array([[[1.0, 2.0], [3.0, 4.0]],
                  [[5.0, 6.0], [7.0, 8.0]]])
R3_EXPECTED = np.array([[1.1, 3.8], [6.0, 7.5]])


def csr(P3):
    S, A, _ = P3.shape
    return sp.csr_matrix(P3.reshape(S * A, S))


# -- properties --------------------------------------------------------------------------------

def test_basic_properties():
    m = TabularMDP(P_EX, R_EX, gamma=0.9, initial=1)
    assert (m.n_states, m.n_actions, m.gamma) == (2, 2, 0.9)
    np.testing.assert_array_equal(m.initial, [0.0, 1.0])
    np.testing.assert_array_equal(m.R, R_EX)
    np.testing.assert_array_equal(m.P, P_EX)
    # nnz counts nonzero entries: all but P[1, 0, 0] = 0
    assert not m.is_sparse and m.nnz == 7 and m.max_row_nnz == 2
    assert m.R.dtype == np.float64 and m.P.dtype == np.float64


def test_gamma_none_and_default():
    assert TabularMDP(P_EX, R_EX).gamma is None
    assert TabularMDP(P_EX, R_EX, None).gamma is None


def test_initial_distribution_vector_kept():
    m = TabularMDP(P_EX, R_EX, 0.5, initial=[0.25, 0.75])
    np.testing.assert_array_equal(m.initial, [0.25, 0.75])


def test_initial_numpy_integer_index():
    m = TabularMDP(P_EX, R_EX, 0.5, initial=np.int32(1))
    np.testing.assert_array_equal(m.initial, [0.0, 1.0])


def test_accessors_do_not_expose_internal_state():
    m = TabularMDP(P_EX, R_EX, 0.9, initial=0)
    mu = m.initial
    mu[:] = [0.0, 1.0]
    np.testing.assert_array_equal(m.initial, [1.0, 0.0])
    with pytest.raises(ValueError):
        m.R[0, 0] = 5.0
    with pytest.raises(ValueError):
        m.P[0, 0, 0] = 0.5
    D = m.dense_P()
    D[0, 0] = [0.5, 0.5]
    np.testing.assert_array_equal(m.P, P_EX)


def test_constructor_copies_its_input():
    P, R = P_EX.copy(), R_EX.copy()
    m = TabularMDP(P, R, 0.9)
    P[0, 0] = [0.0, 1.0]
    R[0, 0] = 100.0
    np.testing.assert_array_equal(m.dense_P(), P_EX)
    np.testing.assert_array_equal(m.R, R_EX)


def test_integer_input_becomes_float64():
    P = np.zeros((2, 1, 2), dtype=np.int64)
    P[0, 0, 1] = P[1, 0, 0] = 1
    m = TabularMDP(P, [[1], [2]], 0.5)
    assert m.P.dtype == np.float64 and m.R.dtype == np.float64
    np.testing.assert_array_equal(m.R, [[1.0], [2.0]])


# -- reward reduction --------------------------------------------------------------------------

@pytest.mark.parametrize("sparse_P", [False, True])
def test_transition_reward_reduced_to_expectation(sparse_P):
    P = csr(P_EX) if sparse_P else P_EX
    m = TabularMDP(P, R3_EX, 0.9)
    np.testing.assert_allclose(m.R, R3_EXPECTED, rtol=0, atol=1e-15)


@pytest.mark.parametrize("sparse_P", [False, True])
def test_sparse_transition_reward_reduced(sparse_P):
    # Sparse R: missing entries are reward 0.  Rows s*A + a:
    #   (0,0): [1, 0] -> 0.9*1 = 0.9         (0,1): [0, 4] -> 0.8*4 = 3.2
    #   (1,0): [5, 0] -> 0.0*5 = 0.0         (1,1): [7, 8] -> 0.5*7 + 0.5*8 = 7.5
    R_sp = sp.csr_matrix(np.array([[1.0, 0.0], [0.0, 4.0], [5.0, 0.0], [7.0, 8.0]]))
    P = csr(P_EX) if sparse_P else P_EX
    m = TabularMDP(P, R_sp, 0.9)
    np.testing.assert_allclose(m.R, [[0.9, 3.2], [0.0, 7.5]], rtol=0, atol=1e-15)


@given(m=tabular_mdps(max_states=5, max_actions=3), data=st.data())
def test_transition_reward_reduction_matches_einsum(m, data):
    S, A = m.n_states, m.n_actions
    R3 = data.draw(st.lists(st.floats(-5, 5), min_size=S * A * S, max_size=S * A * S))
    R3 = np.array(R3).reshape(S, A, S)
    expected = np.einsum("sat,sat->sa", m.dense_P(), R3)
    got = TabularMDP(m.P, R3, m.gamma).R
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)
    got_sp_R = TabularMDP(m.P, sp.csr_matrix(R3.reshape(S * A, S)), m.gamma).R
    np.testing.assert_allclose(got_sp_R, expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(m.with_rewards(R3).R, expected, rtol=0, atol=1e-12)


# -- storage -----------------------------------------------------------------------------------

@given(m=tabular_mdps(max_states=6, max_actions=3, sparse=False))
def test_dense_and_csr_storage_hold_the_same_P(m):
    P = m.dense_P()
    S, A = m.n_states, m.n_actions
    from_csr = TabularMDP(sp.csr_matrix(P.reshape(S * A, S)), m.R, m.gamma, m.initial)
    assert from_csr.is_sparse
    np.testing.assert_array_equal(from_csr.dense_P(), P)
    np.testing.assert_array_equal(from_csr.R, m.R)
    assert from_csr.nnz == m.nnz == np.count_nonzero(P)
    assert m.with_gamma(None).nnz == m.to_sparse().nnz == np.count_nonzero(P)
    assert from_csr.max_row_nnz == np.count_nonzero(P.reshape(S * A, S), axis=1).max()


@given(m=tabular_mdps(max_states=6, max_actions=3))
def test_to_sparse_to_dense_round_trip(m):
    P = m.dense_P()
    ms = m.to_sparse()
    md = m.to_dense()
    assert ms.is_sparse and not md.is_sparse
    assert isinstance(ms.P, sp.csr_matrix) and isinstance(md.P, np.ndarray)
    for other in (ms, md, ms.to_dense(), md.to_sparse(), ms.to_dense().to_sparse()):
        np.testing.assert_array_equal(other.dense_P(), P)
        np.testing.assert_array_equal(other.R, m.R)
        np.testing.assert_array_equal(other.initial, m.initial)
        assert other.gamma == m.gamma
    ref = sp.csr_matrix(P.reshape(m.n_states * m.n_actions, m.n_states))
    assert (ms.P != ref).nnz == 0 and ms.P.nnz == ref.nnz  # explicit zeros dropped too
    assert (m.to_sparse() is m) == m.is_sparse
    assert (m.to_dense() is m) == (not m.is_sparse)


def test_rows_layout_is_s_times_A_plus_a():
    m = TabularMDP(P_EX, R_EX, 0.9)
    for s in range(2):
        for a in range(2):
            np.testing.assert_array_equal(m.rows[s * 2 + a], P_EX[s, a])
            np.testing.assert_array_equal(m.to_sparse().rows[[s * 2 + a]].toarray()[0], P_EX[s, a])


def test_coo_duplicates_are_summed_into_canonical_csr():
    # (row, col, value) with duplicates and out-of-order columns; S = 2, A = 2.
    rows = [0, 0, 0, 1, 1, 2, 3, 3, 3, 3]
    cols = [1, 0, 0, 0, 1, 1, 1, 0, 1, 0]
    vals = [0.1, 0.45, 0.45, 0.2, 0.8, 1.0, 0.25, 0.25, 0.25, 0.25]
    coo = sp.coo_matrix((vals, (rows, cols)), shape=(4, 2))
    m = TabularMDP(coo, R_EX, 0.9)
    expected = np.array([[[0.9, 0.1], [0.2, 0.8]],
                         [[0.0, 1.0], [0.5, 0.5]]])
    np.testing.assert_allclose(m.dense_P(), expected, rtol=0, atol=1e-15)
    assert isinstance(m.P, sp.csr_matrix)
    assert m.P.has_canonical_format and m.P.has_sorted_indices
    assert m.nnz == 7  # (0,0),(0,1),(1,0),(1,1),(2,1),(3,0),(3,1)
    assert coo.nnz == 10  # the caller's matrix is untouched


def test_csr_with_duplicate_and_unsorted_indices_is_canonicalised():
    data = np.array([0.5, 0.25, 0.25, 1.0, 0.5, 0.5, 0.3, 0.7])
    indices = np.array([1, 0, 0, 1, 1, 0, 1, 0])
    indptr = np.array([0, 3, 4, 6, 8])
    C = sp.csr_matrix((data, indices, indptr), shape=(4, 2))
    m = TabularMDP(C, np.zeros((2, 2)), 0.5)
    np.testing.assert_allclose(m.dense_P(), [[[0.5, 0.5], [0.0, 1.0]],
                                             [[0.5, 0.5], [0.7, 0.3]]], rtol=0, atol=0)
    assert m.P.has_canonical_format and m.P.has_sorted_indices
    assert C.nnz == 8


def test_csr_array_input_accepted():
    m = TabularMDP(sp.csr_array(P_EX.reshape(4, 2)), R_EX, 0.9)
    assert m.is_sparse
    np.testing.assert_array_equal(m.dense_P(), P_EX)


def test_sparse_nnz_and_max_row_nnz():
    m = TabularMDP(csr(P_EX), R_EX, 0.9)
    assert m.nnz == 7 and m.max_row_nnz == 2  # the row (1, 0) = [0, 1] has one entry


# -- with_* ------------------------------------------------------------------------------------

def test_with_gamma_with_initial_with_rewards():
    m = TabularMDP(P_EX, R_EX, 0.9, initial=0)
    g = m.with_gamma(0.5)
    assert g.gamma == 0.5 and m.gamma == 0.9
    assert m.with_gamma(None).gamma is None
    np.testing.assert_array_equal(g.dense_P(), P_EX)
    np.testing.assert_array_equal(g.R, R_EX)
    i = m.with_initial([0.5, 0.5])
    np.testing.assert_array_equal(i.initial, [0.5, 0.5])
    np.testing.assert_array_equal(m.initial, [1.0, 0.0])
    assert i.gamma == 0.9
    np.testing.assert_array_equal(m.with_initial(1).initial, [0.0, 1.0])
    r = m.with_rewards(R3_EX)
    np.testing.assert_allclose(r.R, R3_EXPECTED, rtol=0, atol=1e-15)
    np.testing.assert_array_equal(m.R, R_EX)
    assert r.gamma == 0.9
    np.testing.assert_array_equal(r.initial, m.initial)
    with pytest.raises(InvalidMDPError, match=r"R\[0, 1\] = nan is not finite"):
        m.with_rewards([[0.0, np.nan], [0.0, 0.0]])


def test_with_rewards_on_sparse_model():
    m = TabularMDP(csr(P_EX), R_EX, 0.9)
    np.testing.assert_allclose(m.with_rewards(R3_EX).R, R3_EXPECTED, rtol=0, atol=1e-15)
    assert m.with_rewards(R3_EX).is_sparse


# -- policies ----------------------------------------------------------------------------------

@pytest.mark.parametrize("sparse_P", [False, True])
def test_policy_matrix_and_reward_by_hand(sparse_P):
    m = TabularMDP(csr(P_EX) if sparse_P else P_EX, R_EX, 0.9)

    def dense(M):
        return M.toarray() if sp.issparse(M) else np.asarray(M)

    # deterministic pi = (1, 0): rows P[0, 1] and P[1, 0]
    np.testing.assert_array_equal(dense(m.policy_matrix([1, 0])), [[0.2, 0.8], [0.0, 1.0]])
    np.testing.assert_array_equal(m.policy_reward([1, 0]), [0.1, 1.0])
    assert sp.issparse(m.policy_matrix([1, 0])) == sparse_P
    # stochastic: P_pi[0] = 0.25 (0.9, 0.1) + 0.75 (0.2, 0.8) = (0.375, 0.625)
    #             P_pi[1] = 0.5 (0, 1) + 0.5 (0.5, 0.5) = (0.25, 0.75)
    W = np.array([[0.25, 0.75], [0.5, 0.5]])
    np.testing.assert_allclose(dense(m.policy_matrix(W)), [[0.375, 0.625], [0.25, 0.75]],
                               rtol=0, atol=1e-15)
    # r_pi = (0.25*0 + 0.75*0.1, 0.5*1 + 0.5*0.5) = (0.075, 0.75)
    np.testing.assert_allclose(m.policy_reward(W), [0.075, 0.75], rtol=0, atol=1e-15)


@given(m=tabular_mdps(max_states=6, max_actions=4), data=st.data())
def test_policy_matrix_and_reward_match_einsum(m, data):
    S, A = m.n_states, m.n_actions
    P = m.dense_P()
    pi = np.array(data.draw(st.lists(st.integers(0, A - 1), min_size=S, max_size=S)))
    W = np.zeros((S, A))
    W[np.arange(S), pi] = 1.0
    weights = np.array(data.draw(st.lists(st.integers(0, 3), min_size=S * A, max_size=S * A)),
                       dtype=float).reshape(S, A)
    weights[weights.sum(1) == 0, 0] = 1.0
    Ws = weights / weights.sum(1, keepdims=True)
    for policy, Wp in ((pi, W), (Ws, Ws), (W, W)):
        Pm = m.policy_matrix(policy)
        Pm = Pm.toarray() if sp.issparse(Pm) else Pm
        np.testing.assert_allclose(Pm, np.einsum("sa,sat->st", Wp, P), rtol=0, atol=1e-15)
        np.testing.assert_allclose(m.policy_reward(policy), np.einsum("sa,sa->s", Wp, m.R),
                                   rtol=0, atol=1e-15)


# -- persistence -------------------------------------------------------------------------------

def assert_same_tabular(a: TabularMDP, b: TabularMDP):
    assert type(b) is TabularMDP
    assert (a.n_states, a.n_actions, a.gamma, a.is_sparse) == (b.n_states, b.n_actions, b.gamma,
                                                              b.is_sparse)
    np.testing.assert_array_equal(a.dense_P(), b.dense_P())
    np.testing.assert_array_equal(a.R, b.R)
    np.testing.assert_array_equal(a.initial, b.initial)


@pytest.mark.parametrize("sparse_P", [False, True])
@pytest.mark.parametrize("gamma", [0.9, None, 1.0, 0.0])
def test_tabular_save_load_round_trip(tmp_path, sparse_P, gamma):
    m = TabularMDP(csr(P_EX) if sparse_P else P_EX, R3_EX, gamma, initial=[0.25, 0.75])
    path = tmp_path / "m.npz"
    m.save(path)
    assert_same_tabular(m, TabularMDP.load(path))
    assert_same_tabular(m, mdp.load(path))
    assert_same_tabular(m, mdp.load(str(path)))


@given(m=tabular_mdps(max_states=5, max_actions=3, gamma=(None, 0.0, 0.5, 0.99)))
def test_tabular_save_load_round_trip_generated(tmp_path_factory, m):
    path = tmp_path_factory.mktemp("rt") / "m.npz"
    m.save(path)
    assert_same_tabular(m, mdp.load(path))


def assert_same_fh(a: FiniteHorizonMDP, b: FiniteHorizonMDP):
    assert type(b) is FiniteHorizonMDP
    assert ((a.n_states, a.n_actions, a.horizon, a.gamma, a.stationary, a.is_sparse)
            == (b.n_states, b.n_actions, b.horizon, b.gamma, b.stationary, b.is_sparse))
    for h in range(a.horizon):
        np.testing.assert_array_equal(a.stage_P(h), b.stage_P(h))
    np.testing.assert_array_equal(a.R, b.R)
    np.testing.assert_array_equal(a.initial, b.initial)


def _fh_case(kind: str, S: int, A: int, H: int) -> FiniteHorizonMDP:
    rng = np.random.default_rng(S * 100 + A * 10 + H)
    w = rng.integers(0, 4, size=(H, S, A, S)).astype(float) + np.eye(S)[:, None, :]
    P4 = w / w.sum(-1, keepdims=True)
    R = rng.random((H, S, A))
    if kind == "stationary-dense":
        return FiniteHorizonMDP(P4[0], R[0], H, 0.9, initial=S - 1)
    if kind == "per-step-dense":
        return FiniteHorizonMDP(P4, R[..., None].repeat(S, -1), H, 1.0, initial=0)
    if kind == "stationary-sparse":
        return FiniteHorizonMDP(csr(P4[0]), R[0], H, 1.0, initial=np.full(S, 1.0 / S))
    if kind == "per-step-sparse":
        return FiniteHorizonMDP([csr(P4[h]) for h in range(H)], R[..., None].repeat(S, -1), H,
                                0.5, initial=1)
    raise AssertionError(kind)


FH_KINDS = ["stationary-dense", "per-step-dense", "stationary-sparse", "per-step-sparse"]


@pytest.mark.parametrize("kind", FH_KINDS)
def test_finite_horizon_save_load_round_trip(tmp_path, kind):
    fh = _fh_case(kind, S=3, A=2, H=4)
    path = tmp_path / "fh.npz"
    fh.save(path)
    assert_same_fh(fh, FiniteHorizonMDP.load(path))
    assert_same_fh(fh, mdp.load(path))


@pytest.mark.parametrize("kind", FH_KINDS)
def test_finite_horizon_save_load_round_trip_when_H_equals_S_equals_A(tmp_path, kind):
    """A valid model must survive save/load whatever its sizes. With H = S = A the stored
    per-stage rewards (H, S, A) have the shape (S, A, S) as well."""
    fh = _fh_case(kind, S=2, A=2, H=2)
    path = tmp_path / "fh.npz"
    fh.save(path)
    assert_same_fh(fh, mdp.load(path))


def test_load_dispatches_on_kind_and_refuses_the_wrong_class(tmp_path):
    tab, fh = tmp_path / "t.npz", tmp_path / "f.npz"
    TabularMDP(P_EX, R_EX, 0.9).save(tab)
    FiniteHorizonMDP(P_EX, R_EX, 3).save(fh)
    assert isinstance(mdp.load(tab), TabularMDP)
    assert isinstance(mdp.load(fh), FiniteHorizonMDP)
    with pytest.raises(InvalidMDPError, match="does not hold a TabularMDP"):
        TabularMDP.load(fh)
    with pytest.raises(InvalidMDPError, match="does not hold a FiniteHorizonMDP"):
        FiniteHorizonMDP.load(tab)
    other = tmp_path / "other.npz"
    np.savez(other, x=np.zeros(3))
    with pytest.raises(InvalidMDPError, match="holds no rlcert model"):
        mdp.load(other)


def test_load_validates_again(tmp_path):
    """A file edited to hold an invalid kernel is refused on load, not repaired."""
    path = tmp_path / "m.npz"
    TabularMDP(P_EX, R_EX, 0.9).save(path)
    with np.load(path) as f:
        payload = dict(f)
    payload["P"] = payload["P"].copy()
    payload["P"][1, 1] = [0.5, 0.4]
    np.savez(path, **payload)
    with pytest.raises(InvalidMDPError, match=r"P\[1, 1, :\] sums to 0.9"):
        mdp.load(path)


# -- FiniteHorizonMDP --------------------------------------------------------------------------

@pytest.mark.parametrize("sparse_P", [False, True])
def test_from_tabular(sparse_P):
    m = TabularMDP(csr(P_EX) if sparse_P else P_EX, R_EX, 0.9, initial=1)
    fh = FiniteHorizonMDP.from_tabular(m, 5)
    assert (fh.horizon, fh.gamma, fh.stationary, fh.is_sparse) == (5, 1.0, True, sparse_P)
    assert fh.stage_stride == 0
    for h in range(5):
        np.testing.assert_array_equal(fh.stage_P(h), P_EX)
        np.testing.assert_array_equal(fh.R[h], R_EX)
    np.testing.assert_array_equal(fh.initial, [0.0, 1.0])
    fh2 = FiniteHorizonMDP.from_tabular(m, 2, gamma=0.5, initial=[0.5, 0.5])
    assert fh2.gamma == 0.5 and fh2.horizon == 2
    np.testing.assert_array_equal(fh2.initial, [0.5, 0.5])


def _per_step_kernels():
    # two stages of the 2-state, 2-action example: stage 0 is P_EX, stage 1 swaps the targets
    P1 = P_EX[:, :, ::-1].copy()
    return np.stack([P_EX, P1])


def test_fh_reward_shapes_by_hand():
    P4 = _per_step_kernels()
    H = 2
    # (S, A): the same at every stage
    fh = FiniteHorizonMDP(P4, R_EX, H)
    np.testing.assert_array_equal(fh.R, [R_EX, R_EX])
    # (H, S, A): given per stage (H = 2 = S = A would be ambiguous, so take H = 3, stationary)
    R_hsa = np.arange(12.0).reshape(3, 2, 2)
    fh = FiniteHorizonMDP(P_EX, R_hsa, 3)
    np.testing.assert_array_equal(fh.R, R_hsa)
    # (S, A, S) with per-step P: the expectation differs between stages.
    #   stage 0 is R3_EXPECTED; stage 1 uses the swapped rows:
    #   r(0,0) = 0.1*1 + 0.9*2 = 1.9    r(0,1) = 0.8*3 + 0.2*4 = 3.2
    #   r(1,0) = 1.0*5 + 0.0*6 = 5.0    r(1,1) = 0.5*7 + 0.5*8 = 7.5
    stage1 = np.array([[1.9, 3.2], [5.0, 7.5]])
    fh = FiniteHorizonMDP(np.concatenate([P4, P4[:1]]), R3_EX, 3)
    np.testing.assert_allclose(fh.R, [R3_EXPECTED, stage1, R3_EXPECTED], rtol=0, atol=1e-15)
    # (H, S, A, S): stage h's reward under stage h's kernel; stage 1 reward is 2 * R3_EX
    R4 = np.stack([R3_EX, 2 * R3_EX])
    fh = FiniteHorizonMDP(P4, R4, H)
    np.testing.assert_allclose(fh.R, [R3_EXPECTED, 2 * stage1], rtol=0, atol=1e-15)
    # (H, S, A, S) with a stationary sparse kernel
    fh = FiniteHorizonMDP(csr(P_EX), R4, H)
    np.testing.assert_allclose(fh.R, [R3_EXPECTED, 2 * R3_EXPECTED], rtol=0, atol=1e-15)


def test_fh_sparse_transition_reward_per_step():
    P4 = _per_step_kernels()
    R_sp = sp.csr_matrix(R3_EX.reshape(4, 2))
    fh = FiniteHorizonMDP([csr(P4[0]), csr(P4[1])], R_sp, 2)
    np.testing.assert_allclose(fh.R, [R3_EXPECTED, [[1.9, 3.2], [5.0, 7.5]]], rtol=0,
                               atol=1e-15)


@given(fh=finite_horizon_mdps(max_states=4, max_actions=3, max_horizon=4), data=st.data())
def test_fh_reward_shapes_match_einsum(fh, data):
    S, A, H = fh.n_states, fh.n_actions, fh.horizon
    P4 = np.stack([fh.stage_P(h) for h in range(H)])
    P_in = fh.P if fh.stationary else (
        [csr(P4[h]) for h in range(H)] if fh.is_sparse else P4)
    R4 = np.array(data.draw(st.lists(st.floats(-3, 3), min_size=H * S * A * S,
                                     max_size=H * S * A * S))).reshape(H, S, A, S)
    got = FiniteHorizonMDP(P_in, R4, H, fh.gamma).R
    np.testing.assert_allclose(got, np.einsum("hsat,hsat->hsa", P4, R4), rtol=0, atol=1e-12)
    if not (H == S == A):
        got3 = FiniteHorizonMDP(P_in, R4[0], H, fh.gamma).R
        np.testing.assert_allclose(got3, np.einsum("hsat,sat->hsa", P4, R4[0]), rtol=0,
                                   atol=1e-12)
        R_hsa = R4[..., 0]
        np.testing.assert_array_equal(FiniteHorizonMDP(P_in, R_hsa, H, fh.gamma).R, R_hsa)
    np.testing.assert_array_equal(FiniteHorizonMDP(P_in, R4[0, ..., 0], H, fh.gamma).R,
                                  np.broadcast_to(R4[0, ..., 0], (H, S, A)))


def test_fh_properties_and_storage():
    P4 = _per_step_kernels()
    fh = FiniteHorizonMDP(P4, R_EX, 2, gamma=0.75, initial=[0.5, 0.5])
    assert (fh.n_states, fh.n_actions, fh.horizon, fh.gamma) == (2, 2, 2, 0.75)
    assert not fh.stationary and not fh.is_sparse and fh.stage_stride == 4
    np.testing.assert_array_equal(fh.P, P4)
    np.testing.assert_array_equal(fh.rows, P4.reshape(8, 2))
    np.testing.assert_array_equal(fh.stage_P(1), P4[1])
    np.testing.assert_array_equal(fh.initial, [0.5, 0.5])
    fs = FiniteHorizonMDP([csr(P4[0]), csr(P4[1])], R_EX, 2)
    assert fs.is_sparse and not fs.stationary and fs.stage_stride == 4
    assert fs.rows.shape == (8, 2)
    np.testing.assert_array_equal(fs.rows.toarray(), P4.reshape(8, 2))
    np.testing.assert_array_equal(fs.stage_P(0), P4[0])
    assert fs.max_row_nnz == 2
    st_ = FiniteHorizonMDP(P_EX, R_EX, 4)
    assert st_.stationary and st_.stage_stride == 0 and st_.gamma == 1.0
    np.testing.assert_array_equal(st_.initial, [1.0, 0.0])


def test_fh_sparse_coo_duplicates_summed():
    coo = sp.coo_matrix(([0.45, 0.45, 0.1, 0.2, 0.8, 1.0, 0.5, 0.5],
                         ([0, 0, 0, 1, 1, 2, 3, 3], [0, 0, 1, 0, 1, 1, 0, 1])), shape=(4, 2))
    fh = FiniteHorizonMDP(coo, R_EX, 3)
    np.testing.assert_allclose(fh.stage_P(2), P_EX, rtol=0, atol=1e-15)
    assert fh.P.has_canonical_format
