"""Input checks shared by the models and solvers.

Each check refuses bad input with an error naming the first culprit entry and its value, and
never repairs input silently (no normalisation, no clipping).
"""

from __future__ import annotations

import numbers

import numpy as np
import scipy.sparse as sp

from .errors import InvalidArgumentError, InvalidMDPError

#: Tolerance on the sum of a probability row.
ROW_SUM_TOL = 1e-9


def _index_str(name: str, idx: tuple[int, ...], trailing_colon: bool = False) -> str:
    inner = ", ".join(str(int(i)) for i in idx)
    if trailing_colon:
        inner = f"{inner}, :" if inner else ":"
    return f"{name}[{inner}]"


def as_float_array(x, name: str, error=InvalidMDPError) -> np.ndarray:
    """Convert to a float64 array, refusing objects that are not numeric."""
    if sp.issparse(x):
        raise error(f"{name} must be a dense array here, got a scipy.sparse {type(x).__name__}")
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise error(f"{name} is not a numeric array: {exc}") from None
    return arr


def check_finite(arr: np.ndarray, name: str, error=InvalidMDPError) -> None:
    """Refuse NaN and infinite entries, naming the first one."""
    bad = ~np.isfinite(arr)
    if bad.any():
        idx = np.argwhere(bad)[0]
        raise error(f"{_index_str(name, tuple(idx))} = {float(arr[tuple(idx)])} is not finite "
                    f"({int(bad.sum())} non-finite entries in {name})")


def check_probability_rows(arr: np.ndarray, name: str, error=InvalidMDPError) -> None:
    """Check a dense array whose last axis holds probability vectors."""
    check_finite(arr, name, error)
    neg = arr < 0
    if neg.any():
        idx = np.argwhere(neg)[0]
        raise error(f"{_index_str(name, tuple(idx))} = {float(arr[tuple(idx)])!r} is negative")
    sums = arr.sum(axis=-1)
    off = np.abs(sums - 1.0) > ROW_SUM_TOL
    if off.any():
        idx = np.argwhere(off)[0]
        raise error(f"{_index_str(name, tuple(idx), trailing_colon=True)} sums to "
                    f"{float(sums[tuple(idx)])!r}, not 1 (tolerance {ROW_SUM_TOL:g}; "
                    f"{int(off.sum())} rows off)")


def check_dense_rows(P2: np.ndarray, name: str, n_actions: int, leading_rows: int = 0,
                     error=InvalidMDPError) -> np.ndarray:
    """Check a C-contiguous dense ``(n_rows, S)`` matrix whose rows are ``P[..., s, a, :]`` in one
    compiled pass; returns the number of nonzeros per row. ``leading_rows`` is the number of rows
    per leading index (``S*A`` for per-step kernels, 0 for none), used to name the culprit."""
    from .kernels import dense_row_summary  # compiled; imported here to keep this module light

    n_rows = P2.shape[0]
    sums = np.empty(n_rows)
    nnz = np.empty(n_rows, dtype=np.int64)
    flags = np.empty(n_rows, dtype=np.int8)
    dense_row_summary(P2, sums, nnz, flags)

    def where(row: int) -> tuple[int, ...]:
        if leading_rows:
            h, rest = divmod(row, leading_rows)
            return (h,) + divmod(rest, n_actions)
        return divmod(row, n_actions)

    if flags.any():
        row = int(np.flatnonzero(flags)[0])
        vals = P2[row]
        if flags[row] == 1:
            j = int(np.flatnonzero(~np.isfinite(vals))[0])
            raise error(f"{_index_str(name, where(row) + (j,))} = {float(vals[j])} is not finite")
        j = int(np.flatnonzero(vals < 0)[0])
        raise error(f"{_index_str(name, where(row) + (j,))} = {float(vals[j])!r} is negative")
    off = np.abs(sums - 1.0) > ROW_SUM_TOL
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise error(f"{_index_str(name, where(row), trailing_colon=True)} sums to "
                    f"{float(sums[row])!r}, not 1 (tolerance {ROW_SUM_TOL:g}; "
                    f"{int(off.sum())} rows off)")
    return nnz


def check_csr_rows(P: sp.csr_matrix, n_actions: int, name: str,
                   error=InvalidMDPError, leading: tuple[int, ...] = ()) -> None:
    """Check a CSR matrix of shape ``(rows, S)`` whose row ``s*A + a`` is ``P[s, a, :]``."""
    data = P.data
    if not np.all(np.isfinite(data)):
        k = int(np.flatnonzero(~np.isfinite(data))[0])
        row = int(np.searchsorted(P.indptr, k, side="right") - 1)
        raise error(f"{_index_str(name, leading + divmod(row, n_actions) + (P.indices[k],))} = "
                    f"{data[k]} is not finite")
    if np.any(data < 0):
        k = int(np.flatnonzero(data < 0)[0])
        row = int(np.searchsorted(P.indptr, k, side="right") - 1)
        raise error(f"{_index_str(name, leading + divmod(row, n_actions) + (P.indices[k],))} = "
                    f"{float(data[k])!r} is negative")
    sums = np.add.reduceat(data, P.indptr[:-1]) if data.size else np.zeros(P.shape[0])
    sums = np.where(np.diff(P.indptr) == 0, 0.0, sums)  # reduceat repeats values on empty rows
    off = np.abs(sums - 1.0) > ROW_SUM_TOL
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise error(f"{_index_str(name, leading + divmod(row, n_actions), trailing_colon=True)} "
                    f"sums to {float(sums[row])!r}, not 1 (tolerance {ROW_SUM_TOL:g}; "
                    f"{int(off.sum())} rows off)")


def check_discount(gamma, name: str = "gamma", allow_none: bool = True) -> float | None:
    """A discount factor in [0, 1], or None when allowed."""
    if gamma is None:
        if allow_none:
            return None
        raise InvalidMDPError(f"{name} must be a number in [0, 1], got None")
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real):
        raise InvalidMDPError(f"{name} must be a number in [0, 1], got {gamma!r}")
    g = float(gamma)
    if not (0.0 <= g <= 1.0):
        raise InvalidMDPError(f"{name}={gamma!r} is not in [0, 1]")
    return g


def check_positive_int(value, name: str, error=InvalidMDPError, minimum: int = 1) -> int:
    """An integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise error(f"{name} must be an integer >= {minimum}, got {value!r}")
    if int(value) < minimum:
        raise error(f"{name}={value!r} is less than {minimum}")
    return int(value)


def initial_distribution(initial, n_states: int) -> np.ndarray:
    """Turn a state index or an ``(S,)`` distribution into an ``(S,)`` probability vector."""
    if isinstance(initial, numbers.Integral) and not isinstance(initial, bool):
        if not (0 <= int(initial) < n_states):
            raise InvalidMDPError(f"initial={initial!r} is not a state index in [0, {n_states})")
        mu = np.zeros(n_states)
        mu[int(initial)] = 1.0
        return mu
    mu = as_float_array(initial, "initial")
    if mu.shape != (n_states,):
        raise InvalidMDPError(f"initial must be a state index or an array of shape ({n_states},), "
                              f"got shape {mu.shape}")
    check_probability_rows(mu, "initial")
    return mu.copy()


def check_tolerance(tol, name: str = "tol") -> float:
    """A strictly positive finite tolerance."""
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not np.isfinite(tol) or tol <= 0:
        raise InvalidArgumentError(f"{name} must be a positive finite number, got {tol!r}")
    return float(tol)


def check_choice(value, name: str, choices) -> str:
    """One of a fixed set of strings."""
    if value not in choices:
        raise InvalidArgumentError(f"{name}={value!r} is not one of {sorted(choices)}")
    return value
