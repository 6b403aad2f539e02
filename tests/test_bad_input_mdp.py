"""Bad input at the public entry points of rlcert.mdp: every refusal is a ValueError subclass whose
message names the argument (and the bad value or entry), and nothing is repaired silently.

Each case states the call, the exception class and literal fragments that must appear in the
message; the first fragment is always the argument's name. Cases that must be *accepted* (integer
arrays as exact reals, integral floats as actions, rewards at the overflow limit) are tested next
to the refusals, with their numbers checked against a closed form or a second computation.
"""

import math
import os

import numpy as np
import pytest
import scipy.sparse as sp

from rlcert.mdp import (FiniteHorizonMDP, InvalidArgumentError, InvalidMDPError, TabularMDP,
                        UnsupportedModelError, action_gaps, evaluate_policy,
                        evaluate_policy_average, greedy, instances, interop, load, occupancy,
                        q_from_v, solve, solve_average, structure)
from rlcert.mdp import _validate
from rlcert.mdp.risk import (DiscreteDistribution, categorical_evaluation, chow_cvar,
                             quantile_evaluation, return_distribution, solve_cvar, wasserstein1)
from rlcert.mdp.robust import (KLBall, L1Ball, SRectL1Ball, WassersteinBall, evaluate_policy_robust,
                               evaluate_policy_srect, robust_bellman, solve_robust, solve_srect)

P2 = np.full((2, 2, 2), 0.5)
R2 = np.zeros((2, 2))


def model(gamma=0.9):
    return TabularMDP(P2, R2, gamma)


def fh_model(H=3):
    return FiniteHorizonMDP(P2, R2, H)


def csr():
    return sp.csr_matrix(np.full((4, 2), 0.5))


def refused(exc, call, *fragments):
    """``call()`` raises ``exc`` (a ValueError subclass) with every fragment in its message."""
    assert issubclass(exc, ValueError)
    with pytest.raises(exc) as info:
        call()
    msg = str(info.value)
    for f in fragments:
        assert f in msg, f"{f!r} not in {msg!r}"
    return msg


def case(call, exc, *fragments, id=None):
    return pytest.param(call, exc, fragments, id=id)


def run_cases(cases):
    return pytest.mark.parametrize("call,exc,fragments", cases)


# -- dtypes: real numbers only ----------------------------------------------------------------------
DTYPE_CASES = [
    case(lambda: TabularMDP(P2 * (1 + 0.5j), R2, 0.9), InvalidMDPError, "P is a complex array",
         id="complex P"),
    case(lambda: TabularMDP(P2 + 0j, R2, 0.9), InvalidMDPError, "P is a complex array",
         id="complex P with zero imaginary part"),
    case(lambda: TabularMDP(np.array([[[True, False]], [[False, True]]]), [[0.0], [0.0]], 0.9),
         InvalidMDPError, "P is a boolean array", id="bool P"),
    case(lambda: TabularMDP(np.array(P2, dtype=object), R2, 0.9), InvalidMDPError,
         "P is not a numeric array (dtype object)", id="object P"),
    case(lambda: TabularMDP(np.array([[["a", "b"]]]), [[0.0]], 0.9), InvalidMDPError,
         "P is not a numeric array", id="string P"),
    case(lambda: TabularMDP(P2, R2 + 1j, 0.9), InvalidMDPError, "R is a complex array",
         id="complex R"),
    case(lambda: TabularMDP(P2, np.ones((2, 2), dtype=bool), 0.9), InvalidMDPError,
         "R is a boolean array", id="bool R"),
    case(lambda: TabularMDP(P2, np.zeros((2, 2, 2)) + 1j, 0.9), InvalidMDPError,
         "R is a complex array", id="complex R(s, a, s')"),
    case(lambda: TabularMDP(P2, np.full((2, 2), 2 ** 53 + 1, dtype=np.int64), 0.9),
         InvalidMDPError, "R[0, 0] = 9007199254740993", "beyond 2**53", id="inexact integer R"),
    case(lambda: TabularMDP(csr(), sp.csr_matrix(np.ones((4, 2)) * (1 + 1j)), 0.9),
         InvalidMDPError, "R (CSR) is a complex array", id="complex sparse R"),
    case(lambda: TabularMDP(csr(), sp.csr_matrix(np.ones((4, 2), dtype=bool)), 0.9),
         InvalidMDPError, "R (CSR) is a boolean array", id="bool sparse R"),
    case(lambda: model().with_rewards(R2 + 1j), InvalidMDPError, "R is a complex array",
         id="with_rewards complex"),
    case(lambda: FiniteHorizonMDP(P2 + 1j, R2, 3), InvalidMDPError, "P is a complex array",
         id="fh complex P"),
    case(lambda: FiniteHorizonMDP(P2, np.zeros((3, 2, 2)) + 1j, 3), InvalidMDPError,
         "R is a complex array", id="fh complex R"),
    case(lambda: TabularMDP(P2, R2, 0.9 + 0j), InvalidMDPError, "gamma must be a number",
         id="complex gamma"),
    case(lambda: TabularMDP(P2, R2, 0.9, initial=np.array([0.5, 0.5]) + 0j), InvalidMDPError,
         "initial is a complex array", id="complex initial"),
    case(lambda: TabularMDP(P2, R2, 0.9, initial=np.array([True, False])), InvalidMDPError,
         "initial is a boolean array", id="bool initial"),
    case(lambda: TabularMDP(P2, R2, 0.9, initial=1.0), InvalidMDPError,
         "initial must be a state index", "got 1.0", id="float initial"),
    case(lambda: TabularMDP(P2, R2, 0.9, copy="no"), InvalidMDPError, "copy must be True or False",
         id="copy not a flag"),
]


@run_cases(DTYPE_CASES)
def test_non_real_arrays_are_refused(call, exc, fragments):
    refused(exc, call, *fragments)


def test_integer_arrays_are_exact_reals():
    """Integer P and R are accepted as the reals they denote: the model equals the float one."""
    P = np.zeros((2, 1, 2), dtype=np.int64)
    P[0, 0, 1] = P[1, 0, 0] = 1
    R = np.array([[2 ** 53], [-3]], dtype=np.int64)
    m = TabularMDP(P, R, 0.5)
    ref = TabularMDP(P.astype(float), R.astype(float), 0.5)
    np.testing.assert_array_equal(m.R, ref.R)
    assert m.R[0, 0] == 2.0 ** 53
    np.testing.assert_array_equal(solve(m).V, solve(ref).V)


# -- reward scale: no backup may overflow --------------------------------------------------------------
SCALE_CASES = [
    case(lambda: TabularMDP(P2, np.full((2, 2), 1e308), 0.9), InvalidMDPError, "R: max |R| = 1e+308",
         "gamma=0.9", "2**1000", id="1e308 at gamma 0.9"),
    case(lambda: TabularMDP(P2, np.full((2, 2), 1e305), 0.9999), InvalidMDPError, "R: max |R|",
         id="1e305 at gamma 0.9999"),
    case(lambda: TabularMDP(P2, np.full((2, 2), -1e308), 0.5), InvalidMDPError, "R: max |R|",
         id="-1e308"),
    case(lambda: TabularMDP(P2, np.full((2, 2, 2), 1e308), 0.9), InvalidMDPError, "R: max |R|",
         id="transition rewards"),
    case(lambda: TabularMDP(P2, sp.csr_matrix(np.full((4, 2), 1e308)), 0.9), InvalidMDPError,
         "R: max |R|", id="sparse R"),
    case(lambda: TabularMDP(P2, np.full((2, 2), 1e308)), InvalidMDPError, "R: max |R| = 1e+308",
         "gamma=None", id="no discount: |R| itself bounded"),
    case(lambda: TabularMDP(P2, np.full((2, 2), 1e300)).with_gamma(0.99), InvalidMDPError,
         "R: max |R|", "gamma=0.99", id="with_gamma"),
    case(lambda: model().with_rewards(np.full((2, 2), 1e308)), InvalidMDPError, "R: max |R|",
         id="with_rewards"),
    case(lambda: FiniteHorizonMDP(P2, np.full((2, 2), 1e307), 100), InvalidMDPError, "R: max |R|",
         "horizon=100", id="finite horizon"),
]


@run_cases(SCALE_CASES)
def test_rewards_that_could_overflow_are_refused(call, exc, fragments):
    refused(exc, call, *fragments)


@pytest.mark.parametrize("gamma", [0.5, 0.9, 0.999])
def test_rewards_at_the_limit_solve_to_finite_values(gamma):
    """At max |r| = VALUE_LIMIT (1 - gamma) the model is accepted; every method's values, Q-values
    and certificates are finite, and the certificate covers the distance to the closed form
    r / (1 - gamma) (one state, one action)."""
    r = _validate.VALUE_LIMIT * (1.0 - gamma)
    m = TabularMDP(np.ones((1, 1, 1)), [[r]], gamma)
    exact = r / (1.0 - gamma)
    for method in ("vi", "gs", "pi", "mpi"):
        res = solve(m, method=method, tol=1e-6 * exact)
        assert np.all(np.isfinite(res.V)) and np.all(np.isfinite(res.Q))
        assert math.isfinite(res.certificate) and math.isfinite(res.rounding)
        assert abs(res.V[0] - exact) <= res.certificate + res.rounding


def test_no_discount_accepts_large_rewards_until_one_is_attached():
    m = TabularMDP(P2, np.full((2, 2), 1e300))
    assert m.gamma is None
    refused(InvalidMDPError, lambda: m.with_gamma(0.99), "R: max |R| = 1e+300", "gamma=0.99")
    assert m.with_gamma(0.5).gamma == 0.5


@pytest.mark.parametrize("method", ["vi", "gs", "mpi"])
def test_tiny_tolerances_stop_at_the_floor(method):
    """tol * (1 - gamma) / max|r| underflows to 0 here (it once raised 'math domain error' from the
    default iteration cap): the solvers stop at the floating-point floor instead, and the
    certificate still covers the distance to policy iteration's exact value."""
    R = np.array([[1e300, 0.0], [0.0, 5e299]])
    m = TabularMDP(np.full((2, 2, 2), 0.5), R, 0.9)
    res = solve(m, method=method, tol=1e-300)
    assert res.status == "floor"
    ref = solve(m, method="pi")  # both certified: the distance is at most the two bounds
    assert np.max(np.abs(res.V - ref.V)) <= (res.certificate + res.rounding + ref.certificate
                                            + ref.rounding)
    assert solve(TabularMDP(P2, np.eye(2), 0.9), method=method, tol=5e-324).status == "floor"


def test_lp_refuses_rewards_highs_reads_as_infinite():
    m = instances.riverswim(4, gamma=0.9)
    big = m.with_rewards(np.asarray(m.R) * 1e25)
    refused(InvalidArgumentError, lambda: solve(big, method="lp"), "method='lp'", "max |R|", "1e+20")
    assert solve(big, method="pi").status in ("converged", "floor")


# -- sparse structure -------------------------------------------------------------------------------------
def mutated(kind):
    C = csr()
    if kind == "col_big":
        C.indices[3] = 10 ** 6
    elif kind == "col_neg":
        C.indices[3] = -1
    elif kind == "col_5":
        C.indices[3] = 5
    elif kind == "indptr_decreasing":
        C.indptr[1], C.indptr[2] = C.indptr[2], C.indptr[1]
    elif kind == "indptr_start":
        C.indptr[0] = 1
    elif kind == "indptr_end":
        C.indptr[-1] += 3
    elif kind == "indptr_length":
        C.indptr = C.indptr[:-1]
    elif kind == "short_indices":
        C.indices = C.indices[:-1]
    elif kind == "float_indices":
        C.indices = C.indices.astype(float)
    return C


CSR_CASES = [
    ("col_big", "indices of P (CSR) hold column 1000000 outside [0, 2) in row 1"),
    ("col_neg", "indices of P (CSR) hold column -1 outside [0, 2) in row 1"),
    ("col_5", "indices of P (CSR) hold column 5 outside [0, 2) in row 1"),
    ("indptr_decreasing", "indptr of P (CSR) decreases at row 1: indptr[1] = 4 > indptr[2] = 2"),
    ("indptr_start", "indptr of P (CSR) starts at 1, not 0"),
    ("indptr_end", "indptr of P (CSR) ends at 11, not at nnz = 8"),
    ("indptr_length", "indptr of P (CSR) has 4 entries, not 4 + 1"),
    ("short_indices", "P (CSR) has 7 indices but 8 data entries"),
    ("float_indices", "indices of P (CSR) must hold integers, got dtype float64"),
]


@pytest.mark.parametrize("kind,message", CSR_CASES)
def test_malformed_csr_is_refused_naming_the_culprit(kind, message):
    refused(InvalidMDPError, lambda: TabularMDP(mutated(kind), R2, 0.9), message)
    refused(InvalidMDPError, lambda: FiniteHorizonMDP(mutated(kind), R2, 3), message)
    refused(InvalidMDPError, lambda: FiniteHorizonMDP([csr(), mutated(kind)], R2, 2),
            message.replace("P (CSR)", "P[1] (CSR)"))


@pytest.mark.parametrize("kind", ["col_big", "col_neg", "indptr_decreasing"])
def test_malformed_sparse_reward_is_refused(kind):
    msg = refused(InvalidMDPError, lambda: TabularMDP(P2, mutated(kind), 0.9), "of R (CSR)")
    assert "P" not in msg.split(":")[0]


def test_other_sparse_formats_are_checked_before_conversion():
    coo = sp.coo_matrix(np.full((4, 2), 0.5))
    coo.col[1] = 7
    refused(InvalidMDPError, lambda: TabularMDP(coo, R2, 0.9),
            "P (COO) holds column index 7 outside [0, 2) at entry 1")
    coo = sp.coo_matrix(np.full((4, 2), 0.5))
    coo.row[2] = -3
    refused(InvalidMDPError, lambda: TabularMDP(coo, R2, 0.9), "P (COO) holds row index -3")
    csc = sp.csc_matrix(np.full((4, 2), 0.5))
    csc.indices[1] = 99
    refused(InvalidMDPError, lambda: TabularMDP(csc, R2, 0.9),
            "indices of P (CSC) hold row 99 outside [0, 4) in column 0")
    csc = sp.csc_matrix(np.full((4, 2), 0.5))
    csc.indptr[1] = 9
    refused(InvalidMDPError, lambda: TabularMDP(csc, R2, 0.9), "indptr of P (CSC) decreases")
    bsr = sp.bsr_matrix(np.full((4, 2), 0.5), blocksize=(2, 2))
    bsr.indices[0] = 3
    refused(InvalidMDPError, lambda: TabularMDP(bsr, R2, 0.9),
            "indices of P (BSR) hold block column 3 outside [0, 1)")
    C = csr()
    C.data = C.data + 1j
    refused(InvalidMDPError, lambda: TabularMDP(C, R2, 0.9), "P (CSR) is a complex array")
    C = csr()
    C.data = C.data > 0
    refused(InvalidMDPError, lambda: TabularMDP(C, R2, 0.9), "P (CSR) is a boolean array")


@pytest.mark.parametrize("fmt", ["csr", "csc", "coo", "lil", "dok", "bsr", "dia"])
def test_every_valid_sparse_format_gives_the_dense_model(fmt):
    P = np.array([[0.2, 0.8], [1.0, 0.0], [0.0, 1.0], [0.5, 0.5]])
    M = sp.csr_matrix(P).asformat(fmt)
    m = TabularMDP(M, R2, 0.9)
    np.testing.assert_array_equal(m.dense_P(), P.reshape(2, 2, 2))


def test_empty_last_row_is_named_like_any_row_off_one():
    """An empty trailing row sums to 0 (this once raised IndexError from numpy's reduceat)."""
    C = sp.csr_matrix(np.array([[0.5, 0.5], [1.0, 0.0], [0.0, 1.0], [0.0, 0.0]]))
    refused(InvalidMDPError, lambda: TabularMDP(C, R2, 0.9), "P[1, 1, :] sums to 0.0, not 1")
    C = sp.csr_matrix(np.zeros((4, 2)))
    refused(InvalidMDPError, lambda: TabularMDP(C, R2, 0.9), "P[0, 0, :] sums to 0.0", "4 rows off")


def test_duplicate_entries_are_summed_and_the_sum_is_checked():
    C = sp.csr_matrix((np.array([0.25, 0.25, 0.5, 1.0, 0.5, 0.5, 1.0, 0.25]),
                       np.array([0, 0, 1, 1, 0, 1, 0, 0]), np.array([0, 3, 4, 6, 8])),
                      shape=(4, 2))
    refused(InvalidMDPError, lambda: TabularMDP(C, R2, 0.9), "P[1, 1, :] sums to 1.25")


def test_the_model_exposes_its_arrays_read_only():
    m = TabularMDP(csr(), R2, 0.9)
    V_before = solve(m).V
    for arr in (m.P.indices, m.P.indptr, m.P.data, m.rows.indices, m.rows.data):
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 10 ** 6
    md = model()
    with pytest.raises(ValueError, match="read-only"):
        md.P[0, 0, 0] = 2.0
    with pytest.raises(ValueError, match="read-only"):
        md.rows[0, 0] = 2.0
    np.testing.assert_array_equal(solve(m).V, V_before)


# -- memory budgets -------------------------------------------------------------------------------------
BUDGET_CASES = [
    case(lambda: FiniteHorizonMDP(P2, R2, 10 ** 12), InvalidMDPError, "horizon=1000000000000",
         "GiB", id="horizon 1e12"),
    case(lambda: FiniteHorizonMDP(csr(), R2, 10 ** 12), InvalidMDPError, "horizon=1000000000000",
         "GiB", id="horizon 1e12 sparse"),
    case(lambda: instances.garnet(10 ** 9, 10 ** 3, 2), InvalidMDPError, "garnet(S=1000000000",
         "GiB", id="garnet"),
    case(lambda: instances.random_dense(10 ** 6, 10), InvalidMDPError, "random_dense(S=1000000",
         "GiB", id="random_dense"),
    case(lambda: instances.gridworld(10 ** 6, 10 ** 6), InvalidMDPError, "gridworld(rows=1000000",
         "GiB", id="gridworld"),
    case(lambda: instances.chain(10 ** 7), InvalidMDPError, "chain(n=10000000", "GiB", id="chain"),
    case(lambda: chow_cvar(fh_model(), 0.5, n_grid=10 ** 12, compare=False), InvalidArgumentError,
         "n_grid=1000000000000", "GiB", id="chow grid"),
    case(lambda: categorical_evaluation(fh_model(), np.zeros(2, int), n_atoms=10 ** 12),
         InvalidArgumentError, "n_atoms=1000000000000", "GiB", id="categorical atoms"),
    case(lambda: quantile_evaluation(fh_model(), np.zeros(2, int), n_quantiles=10 ** 12),
         InvalidArgumentError, "n_quantiles=1000000000000", "GiB", id="quantiles"),
    case(lambda: solve_cvar(FiniteHorizonMDP.from_tabular(instances.garnet(20000, 2, 2), 100),
                            0.5), InvalidArgumentError, "fh: the risk oracles", "GiB",
         id="risk dense transitions"),
    case(lambda: solve_srect(instances.garnet(60000, 2, 2, gamma=0.9), SRectL1Ball(0.1)),
         InvalidArgumentError, "m: the s-rectangular solvers use P densely", "GiB",
         id="srect dense"),
    case(lambda: instances.garnet(60000, 2, 2, gamma=0.9).to_dense(), InvalidMDPError,
         "to_dense", "GiB", id="to_dense"),
]


@run_cases(BUDGET_CASES)
def test_allocations_that_cannot_fit_are_refused_up_front(call, exc, fragments):
    refused(exc, call, *fragments)


def test_budget_message_states_the_size_in_gib():
    msg = refused(InvalidMDPError, lambda: FiniteHorizonMDP(P2, R2, 10 ** 12), "horizon")
    # 10**12 stages * 2 * 2 rewards * 8 bytes = 32e12 bytes = 29802.3 GiB
    assert "29,802.3 GiB" in msg


def test_backward_induction_budget_is_checked_before_allocating(monkeypatch):
    """With a 1 MB budget a 20000-stage model (640 KB of rewards) is built, but backward
    induction (V, Q, policy, optimal actions: about 1.4 MB) is refused naming the horizon."""
    fh = FiniteHorizonMDP(P2, R2, 20000)
    monkeypatch.setattr(_validate, "memory_limit", lambda: 10 ** 6)
    refused(InvalidArgumentError, lambda: solve(fh), "horizon=20000", "GiB")
    monkeypatch.undo()
    assert solve(fh).V.shape == (20001, 2)


# -- files ------------------------------------------------------------------------------------------------
def test_load_refuses_what_is_not_a_saved_model(tmp_path):
    text = tmp_path / "notes.npz"
    text.write_bytes(b"this is not an npz file")
    refused(InvalidMDPError, lambda: load(text), f"path={str(text)!r}", "is not an .npz file")
    refused(InvalidMDPError, lambda: TabularMDP.load(text), f"path={str(text)!r}")
    refused(InvalidMDPError, lambda: FiniteHorizonMDP.load(text), f"path={str(text)!r}")
    single = tmp_path / "one.npy"
    np.save(single, np.zeros(3))
    refused(InvalidMDPError, lambda: load(single), "holds a single array")
    partial = tmp_path / "partial.npz"
    np.savez(partial, kind="tabular")
    refused(InvalidMDPError, lambda: load(partial), "lacks the field 'n_states'")
    cplx = tmp_path / "complex.npz"
    np.savez(cplx, kind="tabular", n_states=2, n_actions=2, P=P2 + 1j, R=R2, gamma=0.9,
             initial=[1.0, 0.0])
    refused(InvalidMDPError, lambda: load(cplx), "holds an invalid model", "P is a complex array")
    bad_csr = tmp_path / "csr.npz"
    C = mutated("col_big")
    np.savez(bad_csr, kind="tabular", n_states=2, n_actions=2, P_data=C.data, P_indices=C.indices,
             P_indptr=C.indptr, R=R2, gamma=0.9, initial=[1.0, 0.0])
    refused(InvalidMDPError, lambda: load(bad_csr), "indices of P (CSR) hold column 1000000")
    refused(InvalidMDPError, lambda: load(12345), "path must be a file name")
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.npz")


def test_load_still_reads_what_save_wrote(tmp_path):
    for m in (model(), TabularMDP(csr(), R2, None), fh_model(), FiniteHorizonMDP(csr(), R2, 2)):
        path = os.fspath(tmp_path / "m.npz")
        m.save(path)
        back = load(path)
        assert type(back) is type(m)
        np.testing.assert_array_equal(back.R, m.R)


# -- policies and solver options ------------------------------------------------------------------------
POLICY_CASES = [
    case(lambda: evaluate_policy(model(), np.array([0, 1]) + 0j), InvalidArgumentError,
         "pi is a complex array", id="complex actions"),
    case(lambda: evaluate_policy(model(), np.array([True, False])), InvalidArgumentError,
         "pi is a boolean array", id="bool actions"),
    case(lambda: evaluate_policy(model(), np.eye(2, dtype=bool)), InvalidArgumentError,
         "pi is a boolean array", id="bool probabilities"),
    case(lambda: evaluate_policy(model(), np.array([[0.5, 0.5], [1, 0]]) + 0j),
         InvalidArgumentError, "pi is a complex array", id="complex probabilities"),
    case(lambda: evaluate_policy(model(), [0.5, 1.0]), InvalidArgumentError,
         "pi holds non-integer actions", "pi[0] = 0.5", id="fractional action"),
    case(lambda: evaluate_policy(fh_model(), np.array([[True, False]] * 3)), InvalidArgumentError,
         "pi is a boolean array", id="fh bool"),
    case(lambda: evaluate_policy(model(), [0, 0], solver="fast"), InvalidArgumentError,
         "solver='fast'", id="solver name"),
    case(lambda: evaluate_policy(model(), [0, 0], with_certificate="yes"), InvalidArgumentError,
         "with_certificate must be True or False", id="with_certificate"),
    case(lambda: occupancy(model(), np.array([0, 1]) + 0j), InvalidArgumentError,
         "pi is a complex array", id="occupancy pi"),
    case(lambda: occupancy(model(), [0, 0], initial=np.array([1.0, 0.0]) + 0j), InvalidMDPError,
         "initial is a complex array", id="occupancy initial"),
    case(lambda: solve(model(), method="pi", initial_policy=[0, 5]), InvalidArgumentError,
         "initial_policy[1] = 5 is not an action index in [0, 2)", id="initial_policy range"),
    case(lambda: solve(model(), method="pi", initial_policy=[0, -1]), InvalidArgumentError,
         "initial_policy[1] = -1", id="initial_policy negative"),
    case(lambda: solve(model(), method="pi", initial_policy=[0.5, 1.0]), InvalidArgumentError,
         "initial_policy holds non-integer actions", id="initial_policy fractional"),
    case(lambda: solve(model(), method="pi", initial_policy=[0, 1, 0]), InvalidArgumentError,
         "initial_policy must be deterministic: an array of 2 actions, got shape (3,)",
         id="initial_policy shape"),
    case(lambda: solve(model(), method="pi", initial_policy=np.array([0, 1]) + 0j),
         InvalidArgumentError, "initial_policy is a complex array", id="initial_policy complex"),
    case(lambda: solve(model(), method="pi", initial_policy=np.array([True, False])),
         InvalidArgumentError, "initial_policy is a boolean array", id="initial_policy bool"),
    case(lambda: solve(model(), method="vi", sparsify="yes"), InvalidArgumentError,
         "sparsify must be True or False", id="sparsify"),
    case(lambda: solve(model(), method="pi", evaluation="fast"), InvalidArgumentError,
         "evaluation='fast' is not one of", id="evaluation"),
    case(lambda: solve(model(), method="mpi", inner=2.5), InvalidArgumentError,
         "inner must be an integer >= 1, got 2.5", id="inner float"),
    case(lambda: solve(model(), method="pi", trace="yes"), InvalidArgumentError,
         "trace must be True or False", id="trace"),
    case(lambda: solve(model(), method=None), InvalidArgumentError, "method=None", id="method None"),
]


@run_cases(POLICY_CASES)
def test_policies_and_solver_options_are_checked(call, exc, fragments):
    refused(exc, call, *fragments)


def test_integral_float_actions_are_actions():
    """Documented: a float array whose entries are all integral is read as actions."""
    m = instances.riverswim(5, gamma=0.9)
    pi = np.array([1, 1, 0, 1, 0])
    np.testing.assert_array_equal(evaluate_policy(m, pi.astype(float)), evaluate_policy(m, pi))
    a = solve(m, method="pi", initial_policy=pi.astype(float))
    b = solve(m, method="pi", initial_policy=np.asarray(pi, dtype=np.int32))
    np.testing.assert_array_equal(a.V, b.V)


# -- values, Q-values -----------------------------------------------------------------------------------
VALUE_CASES = [
    case(lambda: q_from_v(model(), [np.nan, 0.0]), InvalidArgumentError, "V[0] = nan is not finite",
         id="nan"),
    case(lambda: q_from_v(model(), [np.inf, 0.0]), InvalidArgumentError, "V[0] = inf", id="inf"),
    case(lambda: q_from_v(model(), np.array([1.0, 0.0]) + 1j), InvalidArgumentError,
         "V is a complex array", id="complex"),
    case(lambda: q_from_v(model(), np.array([True, False])), InvalidArgumentError,
         "V is a boolean array", id="bool"),
    case(lambda: q_from_v(model(), np.full(2, 1e308)), InvalidArgumentError,
         "V[0] = 1e+308 exceeds the value limit", id="huge"),
    case(lambda: q_from_v(model(), np.zeros(3)), InvalidArgumentError,
         "V must have shape (2,), got (3,)", id="shape"),
    case(lambda: q_from_v(fh_model(), np.full((4, 2), np.nan)), InvalidArgumentError,
         "V[0, 0] = nan", id="fh nan"),
    case(lambda: action_gaps(model(), [np.nan, 0.0]), InvalidArgumentError, "V[0] = nan",
         id="gaps"),
    case(lambda: q_from_v("model", np.zeros(2)), InvalidArgumentError, "m must be", id="not a model"),
    case(lambda: greedy(np.array([[np.nan, 1.0]])), InvalidArgumentError, "Q[0, 0] is NaN",
         id="greedy nan"),
    case(lambda: greedy(np.array([[1.0, 2.0]]) + 1j), InvalidArgumentError, "Q is a complex array",
         id="greedy complex"),
    case(lambda: greedy(np.zeros((2, 2)), tol=float("nan")), InvalidArgumentError,
         "tol must be a finite number", id="greedy tol nan"),
    case(lambda: greedy(np.zeros((2, 2)), tol=1j), InvalidArgumentError, "tol must be a real",
         id="greedy tol complex"),
    case(lambda: greedy(np.zeros((2, 0))), InvalidArgumentError, "Q must have a non-empty",
         id="greedy empty"),
]


@run_cases(VALUE_CASES)
def test_value_arrays_are_checked(call, exc, fragments):
    refused(exc, call, *fragments)


def test_greedy_keeps_minus_inf_as_an_excluded_action():
    actions, ties = greedy(np.array([[-np.inf, 1.0], [2.0, 2.0]]))
    np.testing.assert_array_equal(actions, [1, 0])
    np.testing.assert_array_equal(ties, [[False, True], [True, True]])


# -- average reward and structure -----------------------------------------------------------------------
def avg_model():
    return TabularMDP(P2, R2)


def bad_chain(kind):
    C = sp.csr_matrix(np.full((2, 2), 0.5))
    if kind == "col_big":
        C.indices[1] = 10 ** 6
    elif kind == "col_neg":
        C.indices[1] = -1
    else:
        C.indptr[1] = 5  # [0, 5, 4]: the right ends, decreasing in between
    return C


STRUCTURE_CASES = [
    case(lambda: solve_average(avg_model(), method="rvi", tau=float("nan")), InvalidArgumentError,
         "tau must be a finite number", id="tau nan"),
    case(lambda: solve_average(avg_model(), method="rvi", tau=0.5 + 0j), InvalidArgumentError,
         "tau must be a real number", id="tau complex"),
    case(lambda: solve_average(avg_model(), method="rvi", tau=np.float32(1.5)),
         InvalidArgumentError, "tau must be in (0, 1), got", id="tau float32"),
    case(lambda: solve_average(avg_model(), initial_policy=[0, 5]), InvalidArgumentError,
         "initial_policy[1] = 5", id="initial_policy range"),
    case(lambda: solve_average(avg_model(), initial_policy=np.array([True, False])),
         InvalidArgumentError, "initial_policy is a boolean array", id="initial_policy bool"),
    case(lambda: evaluate_policy_average(avg_model(), np.array([0, 1]) + 0j), InvalidArgumentError,
         "pi is a complex array", id="average pi"),
    case(lambda: evaluate_policy_average(avg_model(), [0, 0], with_certificate=1),
         InvalidArgumentError, "with_certificate", id="average with_certificate"),
    case(lambda: solve_average(TabularMDP(P2, np.full((2, 2), 1e21)), method="lp"),
         InvalidArgumentError, "method='lp'", "max |R|", id="average lp scale"),
    case(lambda: structure.diameter(avg_model(), max_iter=0), InvalidArgumentError,
         "max_iter=0 is less than 1", id="diameter max_iter 0"),
    case(lambda: structure.diameter(avg_model(), max_iter=2.5), InvalidArgumentError,
         "max_iter must be an integer", id="diameter max_iter float"),
    case(lambda: structure.min_hitting_times(avg_model(), 0, max_iter=0), InvalidArgumentError,
         "max_iter=0", id="min_hitting_times max_iter"),
    case(lambda: structure.span(np.array([1.0, 2.0]) + 1j), InvalidArgumentError,
         "v is a complex array", id="span complex"),
    case(lambda: structure.span(np.array([True, False])), InvalidArgumentError,
         "v is a boolean array", id="span bool"),
    case(lambda: structure.span([np.inf, 0.0]), InvalidArgumentError, "v[0] = inf is not finite",
         id="span inf"),
    case(lambda: structure.stationary_distributions(np.full((2, 2), 0.5) + 1j),
         InvalidArgumentError, "P is a complex array", id="chain complex"),
    case(lambda: structure.mixing_time(np.eye(2, dtype=bool)), InvalidArgumentError,
         "P is a boolean array", id="chain bool"),
    case(lambda: structure.stationary_distributions(bad_chain("col_big")), InvalidArgumentError,
         "indices of P (CSR) hold column 1000000 outside [0, 2) in row 0", id="chain col big"),
    case(lambda: structure.hitting_times(bad_chain("col_neg"), target=0), InvalidArgumentError,
         "indices of P (CSR) hold column -1", id="chain col negative"),
    case(lambda: structure.limiting_matrix(bad_chain("indptr")), InvalidArgumentError,
         "indptr of P (CSR) decreases", id="chain indptr"),
]


@run_cases(STRUCTURE_CASES)
def test_average_reward_and_structure_arguments_are_checked(call, exc, fragments):
    refused(exc, call, *fragments)


# -- robust sets and solvers ------------------------------------------------------------------------------
ROBUST_CASES = [
    case(lambda: L1Ball(0.1 + 0j), InvalidArgumentError, "radius is a complex array",
         id="complex radius"),
    case(lambda: KLBall(np.full((2, 2), 0.1) + 1j), InvalidArgumentError,
         "radius is a complex array", id="complex radius array"),
    case(lambda: KLBall(np.ones((2, 2), dtype=bool)), InvalidArgumentError,
         "radius is a boolean array", id="bool radius array"),
    case(lambda: WassersteinBall(0.1, np.array([[0, 1], [1, 0]]) + 1j), InvalidArgumentError,
         "metric is a complex array", id="complex metric"),
    case(lambda: WassersteinBall(0.1, np.eye(2, dtype=bool)), InvalidArgumentError,
         "metric is a boolean array", id="bool metric"),
    case(lambda: SRectL1Ball(np.array([0.1, 0.2]) + 1j), InvalidArgumentError,
         "radius is a complex array", id="srect complex radius"),
    case(lambda: L1Ball(0.1).worst_case(np.array([0.5, 0.5]) + 0j, [0.0, 1.0]),
         InvalidArgumentError, "p0 is a complex array", id="complex p0"),
    case(lambda: L1Ball(0.1).worst_case(np.array([True, False]), [0.0, 1.0]),
         InvalidArgumentError, "p0 is a boolean array", id="bool p0"),
    case(lambda: KLBall(0.1).worst_case([0.5, 0.5], np.array([0.0, 1.0]) + 1j),
         InvalidArgumentError, "V is a complex array", id="complex V"),
    case(lambda: KLBall(0.1).worst_case([0.5, 0.5], [1e308, -1e308]), InvalidArgumentError,
         "V[0] = 1e+308 exceeds the value limit", id="huge V"),
    case(lambda: robust_bellman(model(), np.full(2, 1e308), L1Ball(0.1)), InvalidArgumentError,
         "V[0] = 1e+308", id="robust_bellman huge V"),
    case(lambda: solve_robust(model(), SRectL1Ball(0.1)), UnsupportedModelError,
         "uncertainty=SRectL1Ball(radius=0.1) is 's'-rectangular", id="s-rect to sa solver"),
    case(lambda: solve_robust(model(), KLBall(0.1), method="mpi", inner=2.5), InvalidArgumentError,
         "inner must be an integer >= 1, got 2.5", id="robust inner"),
    case(lambda: evaluate_policy_robust(model(), np.array([0, 1]) + 0j, KLBall(0.1)),
         InvalidArgumentError, "pi is a complex array", id="robust pi"),
    case(lambda: evaluate_policy_robust(model(), [0, 0], KLBall(0.1), with_certificate="y"),
         InvalidArgumentError, "with_certificate", id="robust with_certificate"),
    case(lambda: evaluate_policy_srect(model(), np.array([0, 1]) + 0j, SRectL1Ball(0.1)),
         InvalidArgumentError, "pi is a complex array", id="srect pi"),
    case(lambda: evaluate_policy_srect(model(), [0, 0], SRectL1Ball(0.1), with_certificate=0),
         InvalidArgumentError, "with_certificate", id="srect with_certificate"),
    case(lambda: SRectL1Ball(0.1).state_worst_case(np.full((2, 2), 0.5), [0.0, np.nan],
                                                   [0.0, 1.0]), InvalidArgumentError,
         "r[1] = nan", id="srect r nan"),
    case(lambda: SRectL1Ball(0.1).state_worst_case(np.full((2, 2), 0.5), [0.0, 0.0], [0.0, 1.0],
                                                   gamma=1.5), InvalidArgumentError,
         "gamma must be in [0, 1]", id="srect gamma"),
]


@run_cases(ROBUST_CASES)
def test_robust_arguments_are_checked(call, exc, fragments):
    refused(exc, call, *fragments)


def test_numpy_integer_inner_is_accepted():
    m = instances.riverswim(4, gamma=0.9)
    a = solve_robust(m, KLBall(0.05), method="mpi", inner=np.int64(5))
    b = solve_robust(m, KLBall(0.05), method="vi", tol=1e-10)
    np.testing.assert_allclose(a.V, b.V, atol=1e-7)


# -- risk -------------------------------------------------------------------------------------------------
RISK_CASES = [
    case(lambda: solve_cvar(fh_model(), 0.5, rewards=R2 + 1j), InvalidArgumentError,
         "rewards is a complex array", id="complex rewards"),
    case(lambda: solve_cvar(fh_model(), 0.5, rewards=np.zeros((2, 2), dtype=bool)),
         InvalidArgumentError, "rewards is a boolean array", id="bool rewards"),
    case(lambda: solve_cvar(fh_model(), 0.5, lattice="1"), InvalidArgumentError,
         "lattice must be a real number, got '1'", id="lattice string"),
    case(lambda: solve_cvar(fh_model(), 0.5, lattice=0.0), InvalidArgumentError,
         "lattice must be in (0, inf)", id="lattice zero"),
    case(lambda: solve_cvar(fh_model(), 0.5, approximate="yes"), InvalidArgumentError,
         "approximate must be True or False", id="approximate"),
    case(lambda: chow_cvar(fh_model(), 0.5, grid=np.array([0.0, 0.5, 1.0]) + 0j),
         InvalidArgumentError, "grid is a complex array", id="complex grid"),
    case(lambda: chow_cvar(fh_model(), 0.5, compare="no"), InvalidArgumentError,
         "compare must be True or False", id="compare"),
    case(lambda: return_distribution(fh_model(), np.array([True, False])), InvalidArgumentError,
         "policy is a boolean array", id="bool policy"),
    case(lambda: return_distribution(fh_model(), np.zeros(2, int), lattice=-0.5),
         InvalidArgumentError, "lattice must be in (0, inf)", id="negative lattice"),
    case(lambda: DiscreteDistribution(np.array([0.0, 1.0]) + 1j, [0.5, 0.5]),
         InvalidArgumentError, "values is a complex array", id="complex values"),
    case(lambda: DiscreteDistribution([0.0, 1.0], np.array([True, False])), InvalidArgumentError,
         "probs is a boolean array", id="bool probs"),
    case(lambda: wasserstein1(DiscreteDistribution([0.0], [1.0]), [0.0, 1.0]),
         InvalidArgumentError, "nu must be a DiscreteDistribution, got list", id="wasserstein nu"),
]


@run_cases(RISK_CASES)
def test_risk_arguments_are_checked(call, exc, fragments):
    refused(exc, call, *fragments)


# -- instances and interop -----------------------------------------------------------------------------
class FakeSpace:
    def __init__(self, n):
        self.n = n


class FakeEnv:
    def __init__(self, n_obs=2, n_act=1, table=None):
        self.observation_space = FakeSpace(n_obs)
        self.action_space = FakeSpace(n_act)
        self.P = table if table is not None else {0: {0: [(1.0, 1, 0.0, False)]},
                                                  1: {0: [(1.0, 1, 0.0, True)]}}


def table(p=1.0, s2=1, r=0.0):
    return {0: {0: [(p, s2, r, False)]}, 1: {0: [(1.0, 1, 0.0, True)]}}


ZOO_CASES = [
    case(lambda: instances.riverswim(6, p_right=0.5j), InvalidMDPError,
         "p_right must be a probability", id="complex probability"),
    case(lambda: instances.riverswim(6, p_right="0.3"), InvalidMDPError,
         "p_right must be a probability", id="string probability"),
    case(lambda: instances.riverswim(6, p_right=True), InvalidMDPError,
         "p_right must be a probability in [0, 1], got True", id="bool probability"),
    case(lambda: instances.gamblers_problem(10, p_heads=1j), InvalidMDPError, "p_heads", id="p_heads"),
    case(lambda: instances.garnet(3, 2, 1, seed=-1), InvalidMDPError, "seed must be an integer >= 0",
         id="negative seed"),
    case(lambda: instances.garnet(3, 2, 1, seed=2.5), InvalidMDPError, "seed must be an integer",
         id="float seed"),
    case(lambda: instances.make("no_such_instance"), InvalidArgumentError,
         "name='no_such_instance' is not in the zoo", id="make name"),
    case(lambda: interop.from_gymnasium(FakeEnv(n_obs=2.5)), InvalidArgumentError,
         "env FakeEnv: the observation space has n=2.5", id="float space size"),
    case(lambda: interop.from_gymnasium(FakeEnv(n_obs=-1)), InvalidArgumentError,
         "env FakeEnv: the observation space has n=-1", id="negative space size"),
    case(lambda: interop.from_gymnasium(FakeEnv(table=table(r=np.nan))), InvalidArgumentError,
         "env FakeEnv: P[0][0]: the reward nan", id="nan reward"),
    case(lambda: interop.from_gymnasium(FakeEnv(table=table(p=1j))), InvalidArgumentError,
         "env FakeEnv: P[0][0]: the probability 1j", id="complex probability"),
    case(lambda: interop.from_gymnasium(FakeEnv(table=table(s2=1.0))), InvalidArgumentError,
         "env FakeEnv: P[0][0] leads to state 1.0", id="float next state"),
    case(lambda: interop.from_gymnasium(FakeEnv(), sparse="yes"), InvalidArgumentError,
         "sparse must be True or False", id="sparse flag"),
]


@run_cases(ZOO_CASES)
def test_instance_and_interop_arguments_are_checked(call, exc, fragments):
    refused(exc, call, *fragments)


def test_seeds_of_every_kind_numpy_accepts_still_work():
    a = instances.garnet(5, 2, 2, seed=np.int64(3))
    b = instances.garnet(5, 2, 2, seed=np.random.SeedSequence(3))
    c = instances.garnet(5, 2, 2, seed=3)
    np.testing.assert_array_equal(a.dense_P(), c.dense_P())
    np.testing.assert_array_equal(b.dense_P(), c.dense_P())


def test_fake_environment_imports_when_valid():
    # state 1 is entered both by a terminating and a non-terminating transition: it is split
    # into itself and a terminal copy 2 (see from_gymnasium)
    m = interop.from_gymnasium(FakeEnv(), gamma=0.5)
    np.testing.assert_array_equal(m.dense_P()[0, 0], [0.0, 1.0, 0.0])
    np.testing.assert_array_equal(m.dense_P()[1, 0], [0.0, 0.0, 1.0])
    assert math.isclose(solve(m).V[0], 0.0)
