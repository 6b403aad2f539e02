"""Fuzzing the public entry points with malformed input: the outcome is a result, or a ValueError
subclass whose message names one of the call's arguments, never another exception type (and
never a crash, which would end the test run).

The strategies start from valid inputs and corrupt them the ways real input goes wrong: dtypes
(complex, boolean, object, string, huge integers), values (NaN, infinities, negative
probabilities, rows off 1, rewards near float64's limit), shapes (axes dropped, added or
permuted, empty arrays) and, for sparse matrices, structure (indices anywhere in a wide range of
integers, ``indptr`` entries moved, arrays truncated, float indices). Scalars range over numbers
of every kind and non-numbers. Hypothesis runs the CI profile of ``tests/conftest.py``
(derandomized, bounded examples).
"""

import re

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.bounds import convert_T, evaluate, invert
from rlcert.bounds import concentration as conc
from rlcert.bounds.indices import kl_upper_newton
from rlcert.mdp import (FiniteHorizonMDP, TabularMDP, evaluate_policy, greedy, instances,
                        q_from_v, solve, structure)
from rlcert.mdp.risk import DiscreteDistribution, cvar
from rlcert.mdp.robust import KLBall, L1Ball, solve_robust


def names_an_argument(message: str, names) -> bool:
    return any(re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", message)
               for n in names)


def outcome(call, names):
    """Run ``call``; a ValueError must name one of ``names``; any other exception propagates
    (and fails the test)."""
    try:
        return call()
    except ValueError as exc:
        assert names_an_argument(str(exc), names), (names, f"{type(exc).__name__}: {exc}")
        return exc


# -- strategies ---------------------------------------------------------------------------------------
SCALARS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-2.0, 2.0),
    st.integers(-10 ** 20, 10 ** 20),
    st.integers(-3, 12),
    st.booleans(),
    st.complex_numbers(max_magnitude=10.0),
    st.text(max_size=3),
    st.none(),
    st.just(np.float32(0.5)),
    st.just(np.int64(3)),
    st.just(np.array([0.5, 0.25])),
    st.just([1, 2]),
)

BAD_VALUES = (np.nan, np.inf, -np.inf, -0.5, 1e308, -1e308, 1e20, 0.0, 1.0, 2.0)


@st.composite
def corrupted(draw, base: np.ndarray) -> object:
    """``base`` as is, or corrupted in dtype, values or shape."""
    arr = np.array(base, dtype=np.float64, copy=True)
    kind = draw(st.sampled_from(["valid", "dtype", "value", "value", "shape", "scale", "list"]))
    if kind == "valid":
        return arr
    if kind == "list":
        return arr.tolist()
    if kind == "dtype":
        to = draw(st.sampled_from(["complex", "complex0", "bool", "object", "int", "hugeint", "str",
                                   "float32"]))
        return {"complex": lambda: arr * (1 + 0.5j), "complex0": lambda: arr + 0j,
                "bool": lambda: arr > 0, "object": lambda: arr.astype(object),
                "int": lambda: np.rint(arr).astype(np.int64),
                "hugeint": lambda: np.full(arr.shape, 2 ** 62, dtype=np.int64),
                "str": lambda: arr.astype(str),
                "float32": lambda: arr.astype(np.float32)}[to]()
    if kind == "value" and arr.size:
        flat = arr.reshape(-1)
        for _ in range(draw(st.integers(1, 3))):
            flat[draw(st.integers(0, flat.size - 1))] = draw(st.sampled_from(BAD_VALUES))
        return arr
    if kind == "scale":
        with np.errstate(over="ignore", invalid="ignore"):
            return arr * draw(st.sampled_from([1e300, 1e308, -1e305, 1.5, 0.97]))
    if kind == "shape":
        op = draw(st.sampled_from(["drop", "add", "swap", "empty", "scalar"]))
        if op == "drop" and arr.ndim:
            return arr[..., 0]
        if op == "add":
            return arr[..., None]
        if op == "swap" and arr.ndim >= 2:
            return np.swapaxes(arr, 0, -1).copy()
        if op == "empty":
            return np.zeros((0,) + arr.shape[1:])
        return np.float64(0.5)
    return arr


@st.composite
def sizes(draw):
    return draw(st.integers(1, 3)), draw(st.integers(1, 3))


def uniform(S, A):
    return np.full((S, A, S), 1.0 / S)


@st.composite
def corrupted_csr(draw, S: int, A: int):
    """A CSR ``(S*A, S)`` matrix, valid or with its structure corrupted after construction."""
    C = sp.csr_matrix(uniform(S, A).reshape(S * A, S))
    kind = draw(st.sampled_from(["valid", "index", "index", "indptr", "indptr", "truncate",
                                 "float_indices", "complex", "coo", "csc", "duplicate"]))
    big = st.one_of(st.integers(-10 ** 7, 10 ** 7), st.integers(-3, S + 3),
                    st.sampled_from([2 ** 31 - 1, -2 ** 31]))
    if kind == "index":
        C.indices[draw(st.integers(0, C.nnz - 1))] = draw(big)
    elif kind == "indptr":
        C.indptr[draw(st.integers(0, C.indptr.size - 1))] = draw(big)
    elif kind == "truncate":
        which = draw(st.sampled_from(["indices", "data", "indptr"]))
        setattr(C, which, getattr(C, which)[:-1])
    elif kind == "float_indices":
        C.indices = C.indices.astype(np.float64)
    elif kind == "complex":
        C.data = C.data + 1j
    elif kind == "coo":
        C = C.tocoo()
        arr = C.row if draw(st.booleans()) else C.col
        arr[draw(st.integers(0, arr.size - 1))] = draw(big)
    elif kind == "csc":
        C = C.tocsc()
        C.indices[draw(st.integers(0, C.nnz - 1))] = draw(big)
    elif kind == "duplicate" and C.nnz > 1:
        C.indices[1] = C.indices[0]
    return C


@st.composite
def transitions(draw):
    S, A = draw(sizes())
    if draw(st.booleans()):
        return S, A, draw(corrupted_csr(S, A))
    return S, A, draw(corrupted(uniform(S, A)))


MODEL_NAMES = ("P", "R", "gamma", "initial", "copy")
SOLVE_NAMES = MODEL_NAMES + ("m", "method", "tol", "max_iter", "sparsify", "evaluation",
                             "inner", "initial_policy", "trace")


# -- mdp ------------------------------------------------------------------------------------------------
@given(tr=transitions(), data=st.data())
def test_fuzz_tabular_model_and_solve(tr, data):
    S, A, P = tr
    R = data.draw(corrupted(np.linspace(0.0, 1.0, S * A).reshape(S, A)))
    # (discounts within 0.01 of 1 are valid but make value iteration long: not drawn)
    gamma = data.draw(st.one_of(st.sampled_from([0.0, 0.5, 0.9, 1.0, None]), SCALARS.filter(
        lambda g: not (isinstance(g, float) and 0.99 < g < 1.0))))
    initial = data.draw(st.one_of(st.just(0), SCALARS, corrupted(np.full(S, 1.0 / S))))
    m = outcome(lambda: TabularMDP(P, R, gamma, initial), MODEL_NAMES)
    if isinstance(m, Exception):
        return
    method = data.draw(st.sampled_from(["auto", "vi", "gs", "pi", "mpi", "lp"]))
    kwargs = {}
    if data.draw(st.booleans()):
        kwargs["tol"] = data.draw(st.one_of(st.just(1e-8), SCALARS))
    if method == "pi" and data.draw(st.booleans()):
        kwargs["initial_policy"] = data.draw(st.one_of(corrupted(np.zeros(S)), SCALARS))
    if method == "mpi" and data.draw(st.booleans()):
        kwargs["inner"] = data.draw(st.one_of(st.integers(-2, 30), SCALARS))
    res = outcome(lambda: solve(m, method=method, **kwargs), SOLVE_NAMES)
    if not isinstance(res, Exception) and m.gamma is not None and m.gamma < 1:
        assert np.all(np.isfinite(res.V)) and res.certificate >= 0


@given(tr=transitions(), data=st.data())
def test_fuzz_finite_horizon(tr, data):
    S, A, P = tr
    R = data.draw(corrupted(np.ones((S, A))))
    horizon = data.draw(st.one_of(st.integers(-1, 5), st.just(10 ** 13), SCALARS))
    fh = outcome(lambda: FiniteHorizonMDP(P, R, horizon), MODEL_NAMES + ("horizon",))
    if isinstance(fh, Exception):
        return
    res = outcome(lambda: solve(fh), ("m", "horizon"))
    assert np.all(np.isfinite(res.V))
    pi = data.draw(corrupted(np.zeros((fh.horizon, S))))
    outcome(lambda: evaluate_policy(fh, pi), ("pi",))


@given(data=st.data())
def test_fuzz_policies_values_and_robust_sets(data):
    S, A = data.draw(sizes())
    m = instances.random_dense(S, A, seed=1, gamma=0.9)
    pi = data.draw(st.one_of(corrupted(np.zeros(S)), corrupted(np.full((S, A), 1.0 / A)), SCALARS))
    outcome(lambda: evaluate_policy(m, pi), ("pi",))
    V = data.draw(st.one_of(corrupted(np.arange(S, dtype=float)), SCALARS))
    Q = outcome(lambda: q_from_v(m, V), ("V",))
    if not isinstance(Q, Exception):
        assert np.all(np.isfinite(Q))
    outcome(lambda: greedy(data.draw(corrupted(np.ones((S, A)))),
                           data.draw(st.one_of(st.just(0.0), SCALARS))), ("Q", "tol"))
    radius = data.draw(st.one_of(SCALARS, corrupted(np.full((S, A), 0.1))))
    for cls in (L1Ball, KLBall):
        U = outcome(lambda: cls(radius), ("radius",))
        if isinstance(U, Exception):
            continue
        outcome(lambda: solve_robust(m, U, tol=1e-6), ("radius", "uncertainty"))
        p0 = data.draw(corrupted(np.full(S, 1.0 / S)))
        outcome(lambda: U.worst_case(p0, V), ("p0", "V", "radius"))


@given(data=st.data())
def test_fuzz_chains_and_distributions(data):
    S = data.draw(st.integers(1, 3))
    P = data.draw(st.one_of(corrupted(np.full((S, S), 1.0 / S)), corrupted_csr(S, 1)))
    outcome(lambda: structure.stationary_distributions(P), ("P",))
    outcome(lambda: structure.span(data.draw(st.one_of(corrupted(np.ones(S)), SCALARS))), ("v",))
    values = data.draw(corrupted(np.arange(S, dtype=float)))
    probs = data.draw(corrupted(np.full(S, 1.0 / S)))
    outcome(lambda: DiscreteDistribution(values, probs), ("values", "probs"))
    tau = data.draw(st.one_of(st.just(0.5), SCALARS))
    outcome(lambda: cvar(values, probs, tau), ("values", "probs", "tau"))


@given(data=st.data())
def test_fuzz_instances(data):
    n = data.draw(st.one_of(st.integers(-1, 8), st.just(10 ** 9), SCALARS))
    p = data.draw(st.one_of(st.just(0.35), SCALARS))
    outcome(lambda: instances.riverswim(n, p_right=p), ("n", "p_right", "p_stay", "p_left"))
    S = data.draw(st.one_of(st.integers(-1, 6), st.just(10 ** 10), SCALARS))
    b = data.draw(st.one_of(st.integers(-1, 4), SCALARS))
    seed = data.draw(st.one_of(st.integers(0, 5), SCALARS))
    outcome(lambda: instances.garnet(S, 2, b, seed=seed), ("S", "A", "branching", "seed"))


# -- bounds -------------------------------------------------------------------------------------------
CARDS = {
    "concentration.hoeffding": dict(n=100, delta=0.05, b=1.0),
    "generative.azar2013.upper": dict(S=10, A=2, gamma=0.9, eps=0.1, delta=0.05),
    "bandit.ucb1.upper": dict(n=1000, Delta=[0.1, 0.2]),
    "regret.ucrl2.upper": dict(D=10, S=6, A=2, T=10 ** 6, delta=0.05),
}


@given(card=st.sampled_from(sorted(CARDS)), data=st.data())
def test_fuzz_evaluate_and_invert(card, data):
    params = dict(CARDS[card])
    for name in data.draw(st.lists(st.sampled_from(sorted(params)), max_size=2, unique=True)):
        params[name] = data.draw(st.one_of(SCALARS, st.lists(SCALARS, max_size=3)))
    names = tuple(CARDS[card]) + ("card_id",)
    out = outcome(lambda: evaluate(card, **params), names)
    if not isinstance(out, Exception):  # accepted parameters give numbers, never NaN
        assert not np.any(np.isnan(np.asarray(out, dtype=float))), (params, out)
    target = sorted(p for p in CARDS[card] if p != "Delta")[0]
    value = data.draw(st.one_of(st.just(0.5), SCALARS))
    given_params = {k: v for k, v in params.items() if k != target}
    outcome(lambda: invert(card, target, value, **given_params), names + ("value", "solve_for"))


@given(T=SCALARS, H=SCALARS, data=st.data())
def test_fuzz_convert_T(T, H, data):
    units = data.draw(st.sampled_from([("steps", "episodes"), ("episodes", "steps"),
                                       ("steps", "steps"), ("days", "steps")]))
    outcome(lambda: convert_T(T, *units, H=H), ("T", "H", "from_unit", "to_unit"))


WIDTHS = [
    (conc.hoeffding_width, ("n", "delta", "b")),
    (conc.bernstein_width, ("n", "delta", "sigma2", "b")),
    (conc.empirical_bernstein_width, ("n", "delta", "V_n")),
    (conc.weissman_l1_width, ("n", "delta", "S")),
    (conc.kl_radius, ("n", "delta")),
    (conc.freedman_width, ("sigma2", "delta", "b")),
    (conc.time_uniform_hoeffding_width, ("n", "delta", "b")),
    (conc.kl_bernoulli, ("p", "q")),
    (conc.kl_upper, ("p", "level")),
    (conc.kl_lower, ("p", "level")),
    (kl_upper_newton, ("p", "level")),
    (conc.log_two_pow_minus_two, ("S",)),
]


@pytest.mark.parametrize("fn,args", WIDTHS, ids=[f.__name__ for f, _ in WIDTHS])
@settings(max_examples=40)
@given(data=st.data())
def test_fuzz_widths(fn, args, data):
    values = [data.draw(st.one_of(SCALARS, st.integers(1, 1000), st.floats(0.01, 0.99)))
              for _ in args]
    out = outcome(lambda: fn(*values), args)
    if not isinstance(out, Exception):
        assert out == out and out >= 0  # a number, not NaN
