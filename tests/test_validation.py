"""Input validation: every refusal of TabularMDP, FiniteHorizonMDP, solve and evaluate_policy.

Each test asserts the exception type (a ValueError subclass) and that the message names the
culprit entry and its value. Nothing may be repaired silently: a row off by 1e-8 is refused, a
row off by 1e-12 is accepted and stored unchanged.
"""

import re

import numpy as np
import pytest
import scipy.sparse as sp

from rlcert.mdp import (FiniteHorizonMDP, InvalidArgumentError, InvalidMDPError, TabularMDP,
                        UnsupportedModelError, evaluate_policy, solve)

S, A = 3, 2


def uniform_P(S=S, A=A):
    return np.full((S, A, S), 1.0 / S)


def half_P():
    """A 2-state, 2-action kernel of halves (exact in binary)."""
    return np.full((2, 2, 2), 0.5)


def zeros_R(S=S, A=A):
    return np.zeros((S, A))


def raises(exc, *fragments):
    """pytest.raises matching every literal fragment, in order, in the message."""
    pattern = ".*".join(re.escape(f) for f in fragments)
    return pytest.raises(exc, match=pattern)


# -- error classes -----------------------------------------------------------------------------

def test_error_classes_are_value_errors():
    assert issubclass(InvalidMDPError, ValueError)
    assert issubclass(InvalidArgumentError, ValueError)
    assert issubclass(UnsupportedModelError, InvalidArgumentError)


# -- transition probabilities (dense) ----------------------------------------------------------

def test_row_not_summing_to_one_is_named_with_its_sum():
    P = half_P()
    P[1, 0] = [0.5, 0.47]
    with raises(InvalidMDPError, "P[1, 0, :] sums to 0.97"):
        TabularMDP(P, np.zeros((2, 2)), 0.9)


def test_row_sum_message_counts_rows_off_and_names_the_first():
    P = uniform_P()
    P[2, 1] = [0.5, 0.5, 0.5]
    P[0, 1] = [0.2, 0.2, 0.2]
    with raises(InvalidMDPError, "P[0, 1, :] sums to 0.6", "2 rows off"):
        TabularMDP(P, zeros_R(), 0.9)


def test_negative_probability_is_named():
    P = uniform_P()
    P[0, 1] = [0.6, 0.5, -0.1]
    with raises(InvalidMDPError, "P[0, 1, 2] = -0.1 is negative"):
        TabularMDP(P, zeros_R(), 0.9)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_probability_is_named(bad):
    P = uniform_P()
    P[2, 1, 0] = bad
    with raises(InvalidMDPError, f"P[2, 1, 0] = {float(bad)} is not finite"):
        TabularMDP(P, zeros_R(), 0.9)


def test_non_numeric_P_is_refused():
    with raises(InvalidMDPError, "P is not a numeric array"):
        TabularMDP([[["a", "b"]]], [[0.0]], 0.9)


@pytest.mark.parametrize("shape", [(S, A), (S, A, S, 1), (S,)])
def test_P_with_wrong_number_of_axes(shape):
    with raises(InvalidMDPError, "P must have shape (S, A, S)", f"got shape {shape}"):
        TabularMDP(np.ones(shape), zeros_R(), 0.9)


def test_P_state_axes_differ():
    P = np.full((2, 2, 3), 1.0 / 3)
    with raises(InvalidMDPError, "P has shape (2, 2, 3)", "(2 != 3)"):
        TabularMDP(P, np.zeros((2, 2)), 0.9)


def test_zero_states_refused():
    with raises(InvalidMDPError, "P has shape (0, 2, 0)", "zero states or zero actions"):
        TabularMDP(np.zeros((0, 2, 0)), np.zeros((0, 2)), 0.9)


def test_zero_actions_refused():
    with raises(InvalidMDPError, "P has shape (2, 0, 2)", "zero states or zero actions"):
        TabularMDP(np.zeros((2, 0, 2)), np.zeros((2, 0)), 0.9)


# -- rewards -----------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_reward_is_named(bad):
    R = zeros_R()
    R[1, 0] = bad
    with raises(InvalidMDPError, f"R[1, 0] = {float(bad)} is not finite"):
        TabularMDP(uniform_P(), R, 0.9)


def test_non_finite_transition_reward_is_named():
    R = np.zeros((S, A, S))
    R[2, 1, 0] = np.nan
    with raises(InvalidMDPError, "R[2, 1, 0] = nan is not finite"):
        TabularMDP(uniform_P(), R, 0.9)


@pytest.mark.parametrize("shape", [(S + 1, A), (S, A + 1), (S,), (S, A, S + 1), (1, S, A, S)])
def test_reward_shape_mismatch(shape):
    with raises(InvalidMDPError, f"R must have shape ({S}, {A}) or ({S}, {A}, {S})",
                f"got {shape}"):
        TabularMDP(uniform_P(), np.zeros(shape), 0.9)


def test_sparse_reward_shape_mismatch():
    with raises(InvalidMDPError, f"sparse R must have shape ({S * A}, {S})", "got (5, 3)"):
        TabularMDP(uniform_P(), sp.csr_matrix(np.ones((5, 3))), 0.9)


def test_sparse_reward_non_finite():
    Rs = sp.csr_matrix(np.arange(1.0, 1.0 + S * A * S).reshape(S * A, S))
    Rs.data[4] = np.inf
    with raises(InvalidMDPError, "R.data[4] = inf is not finite"):
        TabularMDP(uniform_P(), Rs, 0.9)


# -- discount ----------------------------------------------------------------------------------

@pytest.mark.parametrize("gamma", [1.5, -0.1, 1.0000001, float("nan"), float("inf")])
def test_gamma_out_of_range(gamma):
    with raises(InvalidMDPError, f"gamma={gamma!r} is not in [0, 1]"):
        TabularMDP(uniform_P(), zeros_R(), gamma)


@pytest.mark.parametrize("gamma", ["0.9", True, False, [0.9], 0.5 + 0j])
def test_gamma_not_a_real_number(gamma):
    with raises(InvalidMDPError, f"gamma must be a number in [0, 1], got {gamma!r}"):
        TabularMDP(uniform_P(), zeros_R(), gamma)


@pytest.mark.parametrize("gamma", [0, 0.0, 1, 1.0, np.float32(0.5), np.float64(0.99)])
def test_gamma_boundaries_accepted(gamma):
    assert TabularMDP(uniform_P(), zeros_R(), gamma).gamma == float(gamma)


def test_with_gamma_validates():
    m = TabularMDP(uniform_P(), zeros_R(), 0.9)
    with raises(InvalidMDPError, "gamma=2.0 is not in [0, 1]"):
        m.with_gamma(2.0)


# -- initial distribution ----------------------------------------------------------------------

@pytest.mark.parametrize("initial", [S, -1, 10])
def test_initial_index_out_of_range(initial):
    with raises(InvalidMDPError, f"initial={initial!r} is not a state index in [0, {S})"):
        TabularMDP(uniform_P(), zeros_R(), 0.9, initial=initial)


def test_initial_wrong_length():
    with raises(InvalidMDPError, f"initial must be a state index or an array of shape ({S},)",
                "got shape (2,)"):
        TabularMDP(uniform_P(), zeros_R(), 0.9, initial=[0.5, 0.5])


def test_initial_not_summing_to_one():
    with raises(InvalidMDPError, "initial[:] sums to 0.9"):
        TabularMDP(uniform_P(), zeros_R(), 0.9, initial=[0.5, 0.25, 0.15])


def test_initial_negative():
    with raises(InvalidMDPError, "initial[1] = -0.5 is negative"):
        TabularMDP(uniform_P(), zeros_R(), 0.9, initial=[1.0, -0.5, 0.5])


def test_initial_non_finite():
    with raises(InvalidMDPError, "initial[2] = nan is not finite"):
        TabularMDP(uniform_P(), zeros_R(), 0.9, initial=[0.5, 0.5, np.nan])


def test_initial_bool_is_not_an_index():
    with raises(InvalidMDPError, "initial must be a state index or an array of shape"):
        TabularMDP(uniform_P(), zeros_R(), 0.9, initial=True)


def test_with_initial_validates():
    m = TabularMDP(uniform_P(), zeros_R(), 0.9)
    with raises(InvalidMDPError, "initial=7 is not a state index in [0, 3)"):
        m.with_initial(7)


# -- sparse transitions ------------------------------------------------------------------------

def test_sparse_rows_not_a_multiple_of_S():
    C = sp.csr_matrix(np.full((5, 2), 0.5))
    with raises(InvalidMDPError, "got shape (5, 2)", "5 is not a multiple of S=2"):
        TabularMDP(C, np.zeros((2, 2)), 0.9)


def test_sparse_negative_entry_names_s_a_and_column():
    # row 5 = s*A + a with A = 2: s = 2, a = 1
    dense = np.full((S * A, S), 1.0 / S)
    dense[5] = [0.6, 0.5, -0.1]
    with raises(InvalidMDPError, "P[2, 1, 2] = -0.1 is negative"):
        TabularMDP(sp.csr_matrix(dense), zeros_R(), 0.9)


def test_sparse_row_sum_names_s_a():
    dense = np.full((S * A, S), 1.0 / S)
    dense[3] = [0.5, 0.25, 0.0]  # row 3 = (s=1, a=1)
    with raises(InvalidMDPError, "P[1, 1, :] sums to 0.75", "1 rows off"):
        TabularMDP(sp.csr_matrix(dense), zeros_R(), 0.9)


def test_sparse_empty_row_sums_to_zero():
    dense = np.full((S * A, S), 1.0 / S)
    dense[4] = 0.0  # row 4 = (s=2, a=0), no stored entry
    C = sp.csr_matrix(dense)
    assert np.diff(C.indptr)[4] == 0
    with raises(InvalidMDPError, "P[2, 0, :] sums to 0.0"):
        TabularMDP(C, zeros_R(), 0.9)


def test_sparse_non_finite_entry_is_named():
    dense = np.full((S * A, S), 1.0 / S)
    C = sp.csr_matrix(dense)
    C.data[C.indptr[1] + 2] = np.nan  # row 1 = (s=0, a=1), column 2
    with raises(InvalidMDPError, "P[0, 1, 2] = nan is not finite"):
        TabularMDP(C, zeros_R(), 0.9)


def test_sparse_zero_states():
    with raises(InvalidMDPError, "zero states or zero actions"):
        TabularMDP(sp.csr_matrix((0, 0)), np.zeros((0, 0)), 0.9)


# -- nothing is repaired silently --------------------------------------------------------------

@pytest.mark.parametrize("sparse", [False, True])
def test_row_off_by_1e8_is_refused(sparse):
    P = half_P()
    P[1, 0, 1] = 0.5 + 1e-8
    P_in = sp.csr_matrix(P.reshape(4, 2)) if sparse else P
    with raises(InvalidMDPError, "P[1, 0, :] sums to 1.00000001"):
        TabularMDP(P_in, np.zeros((2, 2)), 0.9)


@pytest.mark.parametrize("sparse", [False, True])
def test_row_off_by_1e12_is_accepted_unchanged(sparse):
    P = half_P()
    P[1, 0, 1] = 0.5 + 1e-12
    assert P[1, 0].sum() != 1.0
    P_in = sp.csr_matrix(P.reshape(4, 2)) if sparse else P
    m = TabularMDP(P_in, np.zeros((2, 2)), 0.9)
    np.testing.assert_array_equal(m.dense_P(), P)  # stored as given: not normalised
    assert m.dense_P()[1, 0, 1] == 0.5 + 1e-12


def test_tiny_negative_is_not_clipped():
    P = half_P()
    P[0, 0] = [1.0 + 1e-13, -1e-13]
    with raises(InvalidMDPError, "P[0, 0, 1] = -1e-13 is negative"):
        TabularMDP(P, np.zeros((2, 2)), 0.9)


def test_initial_off_by_1e8_is_refused_and_1e12_kept():
    with raises(InvalidMDPError, "initial[:] sums to 1.00000001"):
        TabularMDP(half_P(), np.zeros((2, 2)), 0.9, initial=[0.5, 0.5 + 1e-8])
    m = TabularMDP(half_P(), np.zeros((2, 2)), 0.9, initial=[0.5, 0.5 + 1e-12])
    assert m.initial[1] == 0.5 + 1e-12


# -- FiniteHorizonMDP --------------------------------------------------------------------------

def test_fh_ambiguous_reward_shape_refused():
    # H = S = A = 2: an (H, S, A) array is also (S, A, S)
    with raises(InvalidMDPError, "R has shape (2, 2, 2)", "fits both (H, S, A) and (S, A, S)"):
        FiniteHorizonMDP(half_P(), np.zeros((2, 2, 2)), 2)


def test_fh_ambiguous_reward_shape_refused_per_step():
    with raises(InvalidMDPError, "fits both (H, S, A) and (S, A, S)"):
        FiniteHorizonMDP(np.full((2, 2, 2, 2), 0.5), np.zeros((2, 2, 2)), 2)


@pytest.mark.parametrize("horizon", [0, -3])
def test_fh_horizon_below_one(horizon):
    with raises(InvalidMDPError, f"horizon={horizon} is less than 1"):
        FiniteHorizonMDP(uniform_P(), zeros_R(), horizon)


@pytest.mark.parametrize("horizon", [2.0, 2.5, "3", True, None])
def test_fh_horizon_not_an_integer(horizon):
    with raises(InvalidMDPError, f"horizon must be an integer >= 1, got {horizon!r}"):
        FiniteHorizonMDP(uniform_P(), zeros_R(), horizon)


def test_fh_numpy_integer_horizon_accepted():
    assert FiniteHorizonMDP(uniform_P(), zeros_R(), np.int64(4)).horizon == 4


@pytest.mark.parametrize("gamma", [1.5, -0.1])
def test_fh_gamma_out_of_range(gamma):
    with raises(InvalidMDPError, f"gamma={gamma!r} is not in [0, 1]"):
        FiniteHorizonMDP(uniform_P(), zeros_R(), 3, gamma=gamma)


@pytest.mark.parametrize("gamma", ["0.9", True, None])
def test_fh_gamma_not_a_number(gamma):
    with raises(InvalidMDPError, f"gamma must be a number in [0, 1], got {gamma!r}"):
        FiniteHorizonMDP(uniform_P(), zeros_R(), 3, gamma=gamma)


def test_fh_per_step_P_horizon_mismatch():
    with raises(InvalidMDPError, "P has shape (2, 3, 2, 3) but horizon=4"):
        FiniteHorizonMDP(np.full((2, S, A, S), 1.0 / S), zeros_R(), 4)


def test_fh_per_step_row_sum_names_stage():
    P = np.full((3, S, A, S), 1.0 / S)
    P[2, 1, 0] = [0.5, 0.25, 0.2]
    with raises(InvalidMDPError, "P[2, 1, 0, :] sums to 0.95"):
        FiniteHorizonMDP(P, zeros_R(), 3)


def test_fh_per_step_negative_names_stage():
    P = np.full((3, S, A, S), 1.0 / S)
    P[1, 2, 1] = [1.1, 0.0, -0.1]
    with raises(InvalidMDPError, "P[1, 2, 1, 2] = -0.1 is negative"):
        FiniteHorizonMDP(P, zeros_R(), 3)


def test_fh_per_step_nan_names_stage():
    P = np.full((3, S, A, S), 1.0 / S)
    P[0, 0, 1, 1] = np.nan
    with raises(InvalidMDPError, "P[0, 0, 1, 1] = nan is not finite"):
        FiniteHorizonMDP(P, zeros_R(), 3)


def test_fh_sparse_sequence_length_mismatch():
    C = sp.csr_matrix(np.full((S * A, S), 1.0 / S))
    with raises(InvalidMDPError, "P is a sequence of 2 sparse matrices but horizon=3"):
        FiniteHorizonMDP([C, C], zeros_R(), 3)


def test_fh_sparse_sequence_bad_row_names_stage_s_a():
    good = np.full((S * A, S), 1.0 / S)
    bad = good.copy()
    bad[3] = [0.5, 0.5, 0.5]  # (s=1, a=1) at stage 1
    with raises(InvalidMDPError, "P[1]", "[1, 1, :] sums to 1.5"):
        FiniteHorizonMDP([sp.csr_matrix(good), sp.csr_matrix(bad)], zeros_R(), 2)


def test_fh_sparse_sequence_negative_names_stage_s_a():
    good = np.full((S * A, S), 1.0 / S)
    bad = good.copy()
    bad[4] = [1.2, -0.2, 0.0]  # (s=2, a=0) at stage 2
    with raises(InvalidMDPError, "P[2]", "[2, 0, 1] = -0.2 is negative"):
        FiniteHorizonMDP([sp.csr_matrix(good)] * 2 + [sp.csr_matrix(bad)], zeros_R(), 3)


def test_fh_sparse_sequence_shape_mismatch():
    C1 = sp.csr_matrix(np.full((S * A, S), 1.0 / S))
    C2 = sp.csr_matrix(np.full((S * 3, S), 1.0 / S))
    with raises(InvalidMDPError, "P[1] has shape (9, 3), P[0] has (6, 3)"):
        FiniteHorizonMDP([C1, C2], zeros_R(), 2)


def test_fh_reward_shape_mismatch():
    with raises(InvalidMDPError, f"R must have shape ({S}, {A}), (4, {S}, {A}), ({S}, {A}, {S}) "
                f"or (4, {S}, {A}, {S})", "got (5, 3, 2)"):
        FiniteHorizonMDP(uniform_P(), np.zeros((5, S, A)), 4)


def test_fh_per_stage_reward_non_finite():
    R = np.zeros((4, S, A))
    R[3, 2, 1] = np.inf
    with raises(InvalidMDPError, "R[3, 2, 1] = inf is not finite"):
        FiniteHorizonMDP(uniform_P(), R, 4)


def test_fh_transition_reward_non_finite_names_stage():
    R = np.zeros((4, S, A, S))
    R[1, 0, 1, 2] = np.nan
    with raises(InvalidMDPError, "R[1]", "[0, 1, 2] = nan is not finite"):
        FiniteHorizonMDP(uniform_P(), R, 4)


def test_fh_zero_states_refused():
    with raises(InvalidMDPError, "zero states or zero actions"):
        FiniteHorizonMDP(np.zeros((0, 1, 0)), np.zeros((0, 1)), 2)


def test_fh_initial_validated():
    with raises(InvalidMDPError, f"initial={S} is not a state index in [0, {S})"):
        FiniteHorizonMDP(uniform_P(), zeros_R(), 2, initial=S)
    with raises(InvalidMDPError, "initial[:] sums to 0.5"):
        FiniteHorizonMDP(uniform_P(), zeros_R(), 2, initial=[0.25, 0.25, 0.0])


def test_fh_row_off_by_1e8_refused_1e12_accepted():
    P = half_P()
    P[0, 1, 0] = 0.5 - 1e-8
    with raises(InvalidMDPError, "P[0, 1, :] sums to 0.99999999"):
        FiniteHorizonMDP(P, np.zeros((2, 2)), 3)
    P[0, 1, 0] = 0.5 - 1e-12
    fh = FiniteHorizonMDP(P, np.zeros((2, 2)), 3)
    assert fh.stage_P(0)[0, 1, 0] == 0.5 - 1e-12


# -- solve() arguments -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def model():
    return TabularMDP(uniform_P(), np.arange(S * A, dtype=float).reshape(S, A), 0.9)


@pytest.mark.parametrize("tol", [0, 0.0, -1e-8, float("nan"), float("inf"), "1e-8", True])
def test_solve_bad_tol(model, tol):
    with raises(InvalidArgumentError, f"tol must be a positive finite number, got {tol!r}"):
        solve(model, tol=tol)


def test_solve_fh_bad_tol():
    with raises(InvalidArgumentError, "tol must be a positive finite number, got 0"):
        solve(FiniteHorizonMDP(uniform_P(), zeros_R(), 2), tol=0)


def test_solve_unknown_method(model):
    with raises(InvalidArgumentError, "method='newton' is not one of", "'vi'"):
        solve(model, method="newton")


def test_solve_unknown_option(model):
    with raises(InvalidArgumentError, "unknown options ['bogus']"):
        solve(model, bogus=1)


@pytest.mark.parametrize("method,option", [("vi", "inner"), ("gs", "initial_policy"),
                                           ("mpi", "trace"), ("vi", "evaluation"),
                                           ("lp", "inner")])
def test_solve_option_not_applying_to_method(model, method, option):
    with raises(InvalidArgumentError, f"option {option!r} does not apply to method={method!r}"):
        solve(model, method=method, **{option: 1})


def test_solve_options_refused_for_finite_horizon():
    fh = FiniteHorizonMDP(uniform_P(), zeros_R(), 2)
    with raises(InvalidArgumentError, "options ['inner'] do not apply to finite-horizon"):
        solve(fh, inner=3)


def test_solve_without_discount(model):
    with raises(UnsupportedModelError, "gamma=None"):
        solve(model.with_gamma(None))


@pytest.mark.parametrize("max_iter", [0, -1])
def test_solve_max_iter_below_one(model, max_iter):
    with raises(InvalidArgumentError, f"max_iter={max_iter} is less than 1"):
        solve(model, max_iter=max_iter)


@pytest.mark.parametrize("max_iter", [2.5, "10", True])
def test_solve_max_iter_not_integer(model, max_iter):
    with raises(InvalidArgumentError, f"max_iter must be an integer >= 1, got {max_iter!r}"):
        solve(model, max_iter=max_iter)


def test_solve_mpi_bad_inner(model):
    with raises(InvalidArgumentError, "inner must be an integer >= 1, got 0"):
        solve(model, method="mpi", inner=0)


def test_solve_wrong_model_type():
    with raises(InvalidArgumentError, "m must be a TabularMDP, FiniteHorizonMDP or LinearMDP, got dict"):
        solve({"P": 1})


# -- evaluate_policy arguments -----------------------------------------------------------------

@pytest.mark.parametrize("pi", [np.zeros(S + 1, int), np.zeros((S, A + 1)), np.zeros((A, S)),
                                np.zeros((2, S, A))])
def test_evaluate_policy_wrong_shape(model, pi):
    with raises(InvalidArgumentError, f"pi must have shape ({S},) or ({S}, {A})",
                f"got {pi.shape}"):
        evaluate_policy(model, pi)


@pytest.mark.parametrize("action", [A, -1, 17])
def test_evaluate_policy_action_out_of_range(model, action):
    pi = np.zeros(S, dtype=int)
    pi[1] = action
    with raises(InvalidArgumentError, f"pi[1] = {action} is not an action index in [0, {A})"):
        evaluate_policy(model, pi)


def test_evaluate_policy_non_integer_actions(model):
    with raises(InvalidArgumentError, "pi holds non-integer actions"):
        evaluate_policy(model, np.array([0.0, 0.5, 1.0]))


def test_evaluate_policy_stochastic_row_not_summing_to_one(model):
    W = np.full((S, A), 0.5)
    W[2] = [0.5, 0.4]
    with raises(InvalidArgumentError, "pi[2] sums to 0.9"):
        evaluate_policy(model, W)


def test_evaluate_policy_stochastic_row_off_by_1e8(model):
    W = np.full((S, A), 0.5)
    W[0] = [0.5, 0.5 + 1e-8]
    with raises(InvalidArgumentError, "pi[0] sums to 1.00000001"):
        evaluate_policy(model, W)


def test_evaluate_policy_stochastic_negative(model):
    W = np.full((S, A), 0.5)
    W[1] = [1.25, -0.25]
    with raises(InvalidArgumentError, "pi[1, 1] = -0.25 is negative"):
        evaluate_policy(model, W)


def test_evaluate_policy_stochastic_nan(model):
    W = np.full((S, A), 0.5)
    W[0, 1] = np.nan
    with raises(InvalidArgumentError, "pi[0, 1] = nan is not finite"):
        evaluate_policy(model, W)


def test_evaluate_policy_without_discount(model):
    with raises(UnsupportedModelError, "gamma=None"):
        evaluate_policy(model.with_gamma(None), np.zeros(S, int))


def test_evaluate_policy_fh_wrong_shape():
    fh = FiniteHorizonMDP(uniform_P(), zeros_R(), 4)
    with raises(InvalidArgumentError, f"pi must have shape (4, {S})", "got shape (3, 3)"):
        evaluate_policy(fh, np.zeros((3, S), dtype=int))


def test_evaluate_policy_fh_action_out_of_range():
    fh = FiniteHorizonMDP(uniform_P(), zeros_R(), 4)
    pi = np.zeros((4, S), dtype=int)
    pi[3, 2] = A
    with raises(InvalidArgumentError, f"pi[3, 2] = {A} is not an action index in [0, {A})"):
        evaluate_policy(fh, pi)


def test_evaluate_policy_fh_stochastic_row_not_summing_to_one():
    fh = FiniteHorizonMDP(uniform_P(), zeros_R(), 4)
    W = np.full((4, S, A), 0.5)
    W[2, 1] = [0.5, 0.75]
    with raises(InvalidArgumentError, "pi[2, 1] sums to 1.25"):
        evaluate_policy(fh, W)


@pytest.mark.parametrize("labels,message", [
    ([0, 1], r"labels must be an integer array of shape \(3,\) \(the cluster of each state\)"),
    ([0.0, 1.0, 1.0], "got float64"),
    ([0, -1, 1], r"labels\[1\] = -1 is negative"),
    ([0, 2, 2], "labels skip cluster 1: use 0 .. n_clusters - 1"),
])
def test_label_arrays_are_refused_by_name(labels, message):
    from rlcert.mdp._validate import check_labels
    with pytest.raises(InvalidArgumentError, match=message):
        check_labels(labels, 3, "labels", "state", "cluster")


def test_label_arrays_come_back_as_int64():
    from rlcert.mdp._validate import check_labels
    out = check_labels(np.array([1, 0, 1], dtype=np.uint8), 3, "groups", "action", "group")
    assert out.dtype == np.int64 and out.tolist() == [1, 0, 1]
