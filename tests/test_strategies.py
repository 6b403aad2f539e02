"""Hypothesis strategies: bounds respected, structures present (checked with scipy's graph
algorithms, not with the library's chain helpers), storage as requested."""

from itertools import product

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components

from rlcert.mdp import FiniteHorizonMDP, TabularMDP
from rlcert.mdp.strategies import finite_horizon_mdps, tabular_mdps, transition_arrays


def support_graph(M: np.ndarray) -> sp.csr_matrix:
    return sp.csr_matrix((M > 0).astype(np.int8))


def closed_classes(M: np.ndarray) -> int:
    """Number of closed strongly connected components of the chain M (no edge leaves them)."""
    n, labels = connected_components(support_graph(M), directed=True, connection="strong")
    rows, cols = np.nonzero(M > 0)
    leaves = np.zeros(n, dtype=bool)
    leaves[labels[rows[labels[rows] != labels[cols]]]] = True
    return int(n - leaves.sum())


def test_closed_classes_helper_by_hand():
    # 0 -> 1 -> 1 (closed {1}), 2 <-> 3 (closed {2, 3}), 4 -> 0 (transient)
    M = np.zeros((5, 5))
    M[0, 1] = M[1, 1] = M[2, 3] = M[3, 2] = M[4, 0] = 1.0
    assert closed_classes(M) == 2
    assert closed_classes(np.eye(3)) == 3
    assert closed_classes(np.roll(np.eye(3), 1, axis=1)) == 1


def check_stochastic(P: np.ndarray):
    assert np.all(P >= 0)
    np.testing.assert_allclose(P.sum(-1), 1.0, rtol=0, atol=1e-12)


# -- sizes, rewards, storage -------------------------------------------------------------------

@given(m=tabular_mdps(min_states=2, max_states=4, min_actions=2, max_actions=3,
                      reward_range=(-1.5, 2.5), gamma=0.7))
def test_tabular_bounds_and_reward_range(m):
    assert isinstance(m, TabularMDP)
    assert 2 <= m.n_states <= 4 and 2 <= m.n_actions <= 3
    assert np.all(m.R >= -1.5) and np.all(m.R <= 2.5)
    assert m.gamma == 0.7
    check_stochastic(m.dense_P())
    mu = m.initial
    assert mu.sum() == 1.0 and np.count_nonzero(mu) == 1  # an initial state index


@given(m=tabular_mdps(max_states=3))
def test_tabular_default_bounds(m):
    assert 1 <= m.n_states <= 3 and 1 <= m.n_actions <= 3
    assert np.all((m.R >= 0) & (m.R <= 1))
    assert m.gamma in (0.0, 0.5, 0.9, 0.99)


@pytest.mark.parametrize("gamma", [None, (0.25, 0.75), st.sampled_from([0.125])])
@given(data=st.data())
def test_tabular_gamma_forms(gamma, data):
    m = data.draw(tabular_mdps(max_states=3, gamma=gamma))
    if gamma is None:
        assert m.gamma is None
    elif isinstance(gamma, tuple):
        assert m.gamma in gamma
    else:
        assert m.gamma == 0.125


@pytest.mark.parametrize("sparse", [True, False])
@given(data=st.data())
def test_tabular_storage_as_requested(sparse, data):
    m = data.draw(tabular_mdps(max_states=5, sparse=sparse))
    assert m.is_sparse is sparse
    assert sp.issparse(m.P) is sparse


@given(m=tabular_mdps(max_states=5))
def test_tabular_either_storage_is_valid(m):
    check_stochastic(m.dense_P())


@given(fh=finite_horizon_mdps(min_states=2, max_states=3, min_actions=1, max_actions=2,
                              min_horizon=2, max_horizon=5, reward_range=(-3.0, -1.0)))
def test_finite_horizon_bounds_and_reward_range(fh):
    assert isinstance(fh, FiniteHorizonMDP)
    assert 2 <= fh.n_states <= 3 and 1 <= fh.n_actions <= 2 and 2 <= fh.horizon <= 5
    assert fh.R.shape == (fh.horizon, fh.n_states, fh.n_actions)
    # rewards (or their expectations under P, for the 4-D form) stay in the range
    assert np.all(fh.R >= -3.0 - 1e-12) and np.all(fh.R <= -1.0 + 1e-12)
    assert fh.gamma == 1.0
    for h in range(fh.horizon):
        check_stochastic(fh.stage_P(h))


@pytest.mark.parametrize("stationary", [True, False])
@pytest.mark.parametrize("sparse", [True, False])
@given(data=st.data())
def test_finite_horizon_stationary_and_storage(stationary, sparse, data):
    fh = data.draw(finite_horizon_mdps(max_states=3, max_actions=3, max_horizon=3,
                                       stationary=stationary, sparse=sparse, gamma=0.5))
    assert fh.stationary is stationary
    assert fh.is_sparse is sparse
    assert fh.gamma == 0.5
    S, A, H = fh.n_states, fh.n_actions, fh.horizon
    assert fh.rows.shape == ((S * A) if stationary else (H * S * A), S)


@given(fh=finite_horizon_mdps(min_states=2, max_states=2, min_actions=2, max_actions=2,
                              min_horizon=2, max_horizon=2, stationary=False))
def test_finite_horizon_H_equals_S_equals_A_is_generated(fh):
    """The (H, S, A) == (S, A, S) case is built, not refused as ambiguous."""
    assert (fh.horizon, fh.n_states, fh.n_actions) == (2, 2, 2)


# -- transition arrays -------------------------------------------------------------------------

@given(data=st.data(), S=st.integers(1, 5), A=st.integers(1, 3),
       leading=st.sampled_from([(), (2,), (3,)]))
def test_transition_arrays_are_stochastic(data, S, A, leading):
    P = data.draw(transition_arrays(S, A, leading=leading))
    assert P.shape == leading + (S, A, S) and P.dtype == np.float64
    check_stochastic(P)


# -- structures --------------------------------------------------------------------------------

@pytest.mark.parametrize("sparse", [True, False])
@given(data=st.data())
def test_communicating_action_zero_is_strongly_connected(sparse, data):
    m = data.draw(tabular_mdps(max_states=6, max_actions=3, communicating=True, sparse=sparse))
    n, _ = connected_components(support_graph(m.dense_P()[:, 0, :]), directed=True,
                                connection="strong")
    assert n == 1


@given(data=st.data(), S=st.integers(1, 6), A=st.integers(1, 3), H=st.integers(1, 3))
def test_communicating_transition_arrays_with_leading_axis(data, S, A, H):
    P = data.draw(transition_arrays(S, A, leading=(H,), communicating=True))
    for h in range(H):
        n, _ = connected_components(support_graph(P[h, :, 0, :]), directed=True,
                                    connection="strong")
        assert n == 1


@pytest.mark.parametrize("sparse", [True, False])
@given(data=st.data())
def test_unichain_every_deterministic_policy_has_one_closed_class(sparse, data):
    m = data.draw(tabular_mdps(max_states=4, max_actions=3, unichain=True, sparse=sparse))
    P = m.dense_P()
    S, A = m.n_states, m.n_actions
    for pi in product(range(A), repeat=S):
        P_pi = P[np.arange(S), list(pi)]
        assert closed_classes(P_pi) == 1, pi


@given(data=st.data())
def test_communicating_and_unichain_together(data):
    m = data.draw(tabular_mdps(max_states=4, max_actions=2, communicating=True, unichain=True))
    P = m.dense_P()
    S = m.n_states
    n, _ = connected_components(support_graph(P[:, 0, :]), directed=True, connection="strong")
    assert n == 1
    for pi in product(range(m.n_actions), repeat=S):
        assert closed_classes(P[np.arange(S), list(pi)]) == 1
