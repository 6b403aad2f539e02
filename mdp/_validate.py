"""Input checks shared by the models and solvers: the one validation layer of :mod:`rlcert.mdp`.

Each check refuses bad input with an error naming the argument (or its first culprit entry) and the
bad value, and never repairs input silently (no normalisation, no clipping, no dropped imaginary
parts). The rules, stated once:

* **Numbers.** Probabilities, rewards, values, radii and tolerances are real: float arrays of any
  precision are converted to float64; integer arrays are accepted as the exact reals they denote
  (every entry within ``2**53`` in magnitude, so that the conversion is exact) and refused otherwise;
  complex, boolean, object and string arrays are refused (a boolean array is a mask, not numbers;
  a complex one would lose its imaginary part). Scalars follow the same rule (``True`` is not 1).
* **Counts and indices** (states, actions, horizons, iteration caps, sizes) are Python or numpy
  integers; floats are refused even when integral, booleans always.
* **Finiteness and ranges**: NaN and infinities are refused unless an argument documents ``inf`` (a
  radius); rewards so large that a backup could overflow are refused up front
  (:func:`check_reward_scale`, bound :data:`VALUE_LIMIT`).
* **Sparse matrices** are checked structurally before scipy or a compiled kernel reads them
  (:func:`check_sparse_matrix`): ``indptr`` starts at 0, never decreases and ends at ``nnz``, every
  index lies inside the shape, ``indices`` and ``data`` have ``nnz`` entries. Duplicate entries of
  a row are summed, on purpose: that is the matrix scipy defines for them (``toarray`` sums them),
  and the sum is then checked like any entry.
* **Budgets**: an array the call would allocate is refused up front when it needs more than this
  machine's physical memory (:func:`check_memory`), with the size in GiB.

Everything is vectorised numpy (one pass per array), never a Python loop over states.
"""

from __future__ import annotations

import math
import numbers
import os
from typing import Literal, overload

import numpy as np
import scipy.sparse as sp

from .errors import InvalidArgumentError, InvalidMDPError

#: Tolerance on the sum of a probability row.
ROW_SUM_TOL = 1e-9

#: Largest magnitude of a value a model may imply, ``2**1000`` (about 1.07e301). Rewards are
#: refused when ``max |r| * H_eff`` exceeds it, ``H_eff = 1 / (1 - gamma)`` for a discounted model
#: and ``sum_{h<H} gamma^h`` for a finite horizon: values, Q-values, their differences and the
#: backups' rounding terms then stay a factor ``2**23`` below float64's largest number (1.8e308).
VALUE_LIMIT = 2.0 ** 1000

#: Integers above this magnitude are not all exactly representable in float64.
_EXACT_INT = 2 ** 53


def _index_str(name: str, idx: tuple[int, ...], trailing_colon: bool = False) -> str:
    inner = ", ".join(str(int(i)) for i in idx)
    if trailing_colon:
        inner = f"{inner}, :" if inner else ":"
    return f"{name}[{inner}]"


def _dtype_refusal(dtype: np.dtype, name: str) -> str | None:
    """Why an array of this dtype cannot hold real numbers, or None if it can."""
    kind = dtype.kind
    if kind in "fiu":
        return None
    if kind == "b":
        return (f"{name} is a boolean array; pass real numbers (a boolean array is a mask, not "
                f"probabilities or values)")
    if kind == "c":
        return (f"{name} is a complex array (dtype {dtype}); pass real numbers (the imaginary "
                f"parts would be dropped)")
    return f"{name} is not a numeric array (dtype {dtype})"


def _check_exact_ints(arr: np.ndarray, name: str, error) -> None:
    if arr.dtype.kind in "iu" and arr.size:
        big = (arr > _EXACT_INT) | (arr < -_EXACT_INT)  # integer comparisons: exact
        if big.any():
            idx = tuple(int(i) for i in np.argwhere(big)[0]) if arr.ndim else ()
            raise error(f"{_index_str(name, idx)} = {int(arr[idx])} is an integer beyond 2**53, "
                        f"not exactly representable as a float64; pass floats")


def as_float_array(x, name: str, error=InvalidMDPError) -> np.ndarray:
    """Convert to a float64 array of real numbers (see the module docstring for the dtype rule)."""
    if sp.issparse(x):
        raise error(f"{name} must be a dense array here, got a scipy.sparse {type(x).__name__}")
    try:
        arr = np.asarray(x)
    except (TypeError, ValueError) as exc:
        raise error(f"{name} is not a numeric array: {exc}") from None
    why = _dtype_refusal(arr.dtype, name)
    if why is not None:
        raise error(why)
    _check_exact_ints(arr, name, error)
    return np.asarray(arr, dtype=np.float64)


def check_real(x, name: str, error=InvalidArgumentError, *, lower: float | None = None,
               upper: float | None = None, lower_open: bool = False, upper_open: bool = False,
               allow_inf: bool = False) -> float:
    """A real scalar (not bool, not complex, not NaN) in the stated range, as a float."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise error(f"{name} must be a real number, got {x!r}")
    v = float(x)
    if math.isnan(v) or (math.isinf(v) and not allow_inf):
        raise error(f"{name} must be a finite number, got {x!r}")
    if ((lower is not None and (v < lower or (lower_open and v == lower)))
            or (upper is not None and (v > upper or (upper_open and v == upper)))):
        raise error(f"{name} must be in {_interval(lower, upper, lower_open, upper_open)}, "
                    f"got {x!r}")
    return v


def _interval(lo, hi, lo_open, hi_open) -> str:
    left = "(-inf" if lo is None else ("(" if lo_open else "[") + f"{lo:g}"
    right = "inf)" if hi is None else f"{hi:g}" + (")" if hi_open else "]")
    return f"{left}, {right}"


def check_bool(x, name: str, error=InvalidArgumentError) -> bool:
    """A flag: ``True`` or ``False`` (numpy booleans too), nothing merely truthy."""
    if not isinstance(x, (bool, np.bool_)):
        raise error(f"{name} must be True or False, got {x!r}")
    return bool(x)


def check_values(V, shape: tuple[int, ...], name: str = "V",
                 error=InvalidArgumentError) -> np.ndarray:
    """A real, finite value array of the given shape, each entry within :data:`VALUE_LIMIT` in
    magnitude (so that a backup of it cannot overflow); returned C-contiguous float64."""
    arr = as_float_array(V, name, error)
    if arr.shape != tuple(shape):
        raise error(f"{name} must have shape {tuple(shape)}, got {arr.shape}")
    check_finite(arr, name, error)
    big = np.abs(arr) > VALUE_LIMIT
    if big.any():
        idx = tuple(int(i) for i in np.argwhere(big)[0])
        raise error(f"{_index_str(name, idx)} = {float(arr[idx]):.6g} exceeds the value limit "
                    f"{VALUE_LIMIT:.3g} (2**1000) beyond which a Bellman backup could overflow")
    return np.ascontiguousarray(arr)


def horizon_factor(gamma: float | None, horizon: int | None = None) -> float:
    """``H_eff``: ``sum_{h<H} gamma^h`` for a finite horizon, ``1 / (1 - gamma)`` for a discounted
    model, 1 when no discount or ``gamma = 1`` is attached (no static bound exists then)."""
    if horizon is not None:
        g = 1.0 if gamma is None else gamma
        return float(horizon) if g == 1.0 else (1.0 - g ** horizon) / (1.0 - g)
    if gamma is None or gamma >= 1.0:
        return 1.0
    return 1.0 / (1.0 - gamma)


def check_reward_scale(r_norm: float, gamma: float | None, horizon: int | None = None,
                       name: str = "R", error=InvalidMDPError) -> None:
    """Refuse rewards whose values could overflow: ``max |r| * H_eff <= VALUE_LIMIT``."""
    factor = horizon_factor(gamma, horizon)
    if r_norm * factor > VALUE_LIMIT or (r_norm > 0 and not math.isfinite(r_norm * factor)):
        what = (f"horizon={horizon} and gamma={gamma}" if horizon is not None
                else f"gamma={gamma}")
        raise error(f"{name}: max |{name}| = {r_norm:.6g} with {what} gives values up to "
                    f"max|{name}| * H_eff = {r_norm * factor:.6g}, above the limit "
                    f"{VALUE_LIMIT:.3g} (2**1000) that keeps Bellman backups finite in float64; "
                    f"rescale the rewards")


# -- memory ------------------------------------------------------------------------------------------
def memory_limit() -> int:
    """This machine's physical memory in bytes (2**40 if the system does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, OSError, ValueError):
        return 1 << 40


def check_memory(n_bytes: float, what: str, error=InvalidArgumentError) -> None:
    """Refuse up front an allocation that cannot fit: ``what`` names the argument and the array,
    e.g. ``"horizon=10**12: R of shape (H, S, A)"``."""
    limit = memory_limit()
    if n_bytes > limit:
        raise error(f"{what} would need {n_bytes / 2 ** 30:,.1f} GiB, more than this machine's "
                    f"{limit / 2 ** 30:,.1f} GiB of memory")


def array_bytes(*shape: int, itemsize: int = 8) -> float:
    """Bytes of an array of this shape (a float, so that huge shapes do not overflow)."""
    n = float(itemsize)
    for d in shape:
        n *= float(d)
    return n


# -- sparse matrices ----------------------------------------------------------------------------------
def _int_array(arr, label: str, name: str, error) -> np.ndarray:
    if not isinstance(arr, np.ndarray) or arr.ndim != 1:
        raise error(f"{label} of {name} must be a one-dimensional numpy array, got "
                    f"{type(arr).__name__} of shape {np.shape(arr)}")
    if arr.dtype.kind not in "iu":
        raise error(f"{label} of {name} must hold integers, got dtype {arr.dtype}")
    return arr


def _check_sparse_data(data, name: str, fmt: str, error) -> None:
    if not isinstance(data, np.ndarray):
        raise error(f"data of {name} ({fmt}) must be a numpy array, got {type(data).__name__}")
    why = _dtype_refusal(data.dtype, f"{name} ({fmt})")
    if why is not None:
        raise error(why)
    _check_exact_ints(data.ravel(), f"{name}.data", error)


def _check_compressed(P, fmt: str, name: str, error) -> None:
    """``indptr``/``indices``/``data`` of a CSR, CSC or BSR matrix, before anything reads them."""
    n_rows, n_cols = P.shape
    label = fmt.upper()
    indptr = _int_array(P.indptr, "indptr", f"{name} ({label})", error)
    indices = _int_array(P.indices, "indices", f"{name} ({label})", error)
    data = P.data
    _check_sparse_data(data, name, label, error)
    if fmt == "bsr":
        R, Cb = P.blocksize
        if R <= 0 or Cb <= 0 or n_rows % R or n_cols % Cb:
            raise error(f"{name} (BSR) has blocksize {P.blocksize}, which does not divide its "
                        f"shape {P.shape}")
        n_major, n_minor = n_rows // R, n_cols // Cb
        major, minor = "block row", "block column"
        if data.ndim != 3 or data.shape[1:] != (R, Cb):
            raise error(f"data of {name} (BSR) has shape {data.shape}, not (nnz, {R}, {Cb})")
    elif fmt == "csr":
        n_major, n_minor, major, minor = n_rows, n_cols, "row", "column"
    else:
        n_major, n_minor, major, minor = n_cols, n_rows, "column", "row"
    if fmt != "bsr" and data.ndim != 1:
        raise error(f"data of {name} ({label}) must be one-dimensional, got shape {data.shape}")
    if indptr.size != n_major + 1:
        raise error(f"indptr of {name} ({label}) has {indptr.size} entries, not "
                    f"{n_major} + 1 for its {n_major} {major}s (shape {P.shape})")
    nnz = indices.size
    if data.shape[0] != nnz:
        raise error(f"{name} ({label}) has {nnz} indices but {data.shape[0]} data entries")
    if int(indptr[0]) != 0:
        raise error(f"indptr of {name} ({label}) starts at {int(indptr[0])}, not 0")
    if int(indptr[-1]) != nnz:
        raise error(f"indptr of {name} ({label}) ends at {int(indptr[-1])}, not at nnz = {nnz} "
                    f"(the number of stored entries)")
    steps = np.diff(indptr.astype(np.int64, copy=False))
    if steps.size and int(steps.min()) < 0:
        r = int(np.flatnonzero(steps < 0)[0])
        raise error(f"indptr of {name} ({label}) decreases at {major} {r}: indptr[{r}] = "
                    f"{int(indptr[r])} > indptr[{r + 1}] = {int(indptr[r + 1])} (it must be "
                    f"non-decreasing)")
    if nnz and (int(indices.min()) < 0 or int(indices.max()) >= n_minor):
        k = int(np.flatnonzero((indices < 0) | (indices >= n_minor))[0])
        r = int(np.searchsorted(indptr, k, side="right") - 1)
        raise error(f"indices of {name} ({label}) hold {minor} {int(indices[k])} outside "
                    f"[0, {n_minor}) in {major} {r}")


def _check_coo(P, name: str, error) -> None:
    n_rows, n_cols = P.shape
    coords = getattr(P, "coords", None) or (P.row, P.col)
    if len(coords) != 2:
        raise error(f"{name} (COO) must be two-dimensional, got {len(coords)} coordinate arrays")
    row = _int_array(coords[0], "row", f"{name} (COO)", error)
    col = _int_array(coords[1], "col", f"{name} (COO)", error)
    _check_sparse_data(P.data, name, "COO", error)
    if P.data.ndim != 1 or not (row.size == col.size == P.data.size):
        raise error(f"{name} (COO) has {row.size} row indices, {col.size} column indices and "
                    f"{P.data.size} data entries; they must be equal")
    for arr, n, what in ((row, n_rows, "row"), (col, n_cols, "column")):
        if arr.size and (int(arr.min()) < 0 or int(arr.max()) >= n):
            k = int(np.flatnonzero((arr < 0) | (arr >= n))[0])
            raise error(f"{name} (COO) holds {what} index {int(arr[k])} outside [0, {n}) at "
                        f"entry {k}")


def check_sparse_matrix(P, name: str, error=InvalidMDPError) -> sp.csr_matrix:
    """A scipy.sparse matrix of any format, checked structurally before scipy's compiled routines
    or ours read it (see the module docstring), returned as a new canonical float64 CSR matrix:
    duplicates summed, indices sorted, explicit zeros kept."""
    shape = getattr(P, "shape", None)
    if (not isinstance(shape, tuple) or len(shape) != 2
            or not all(isinstance(d, numbers.Integral) and int(d) >= 0 for d in shape)):
        raise error(f"{name} must be a two-dimensional sparse matrix, got shape {shape!r}")
    fmt = getattr(P, "format", None)
    if fmt in ("csr", "csc", "bsr"):
        _check_compressed(P, fmt, name, error)
    elif fmt == "coo":
        _check_coo(P, name, error)
    else:  # lil, dok, dia: their conversions to COO are plain numpy / Python
        try:
            P = P.tocoo()
        except (TypeError, ValueError, IndexError) as exc:
            raise error(f"{name}: cannot read the {fmt} matrix: {exc}") from None
        _check_coo(P, name, error)
    C = sp.csr_matrix(P, dtype=np.float64, copy=True)
    C.sum_duplicates()
    C.sort_indices()
    return C


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
    with np.errstate(over="ignore"):  # an overflowing row sums to inf, refused below
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
    # reduceat needs starts < nnz: trailing empty rows start at nnz, so clip them (every empty
    # row is then set to 0: reduceat repeats a value there)
    starts = np.minimum(P.indptr[:-1], max(data.size - 1, 0))
    with np.errstate(over="ignore"):  # an overflowing row sums to inf, refused below
        sums = np.add.reduceat(data, starts) if data.size else np.zeros(P.shape[0])
    sums = np.where(np.diff(P.indptr) == 0, 0.0, sums)
    off = np.abs(sums - 1.0) > ROW_SUM_TOL
    if off.any():
        row = int(np.flatnonzero(off)[0])
        raise error(f"{_index_str(name, leading + divmod(row, n_actions), trailing_colon=True)} "
                    f"sums to {float(sums[row])!r}, not 1 (tolerance {ROW_SUM_TOL:g}; "
                    f"{int(off.sum())} rows off)")


def check_labels(labels, n: int, name: str, member: str, unit: str) -> np.ndarray:
    """``labels`` as int64: an integer array of shape ``(n,)`` whose values are exactly
    ``0 .. k - 1`` for some ``k`` (every label used, none negative). ``member`` names what one
    entry labels (``"state"``), ``unit`` what a label stands for (``"cluster"``); the messages name
    ``name`` and the first bad entry."""
    lab = np.asarray(labels)
    if lab.shape != (n,) or lab.dtype.kind not in "iu":
        raise InvalidArgumentError(f"{name} must be an integer array of shape ({n},) (the {unit} "
                                   f"of each {member}), got {lab.dtype} of shape {lab.shape}")
    lab = lab.astype(np.int64)
    if lab.min() < 0:
        raise InvalidArgumentError(f"{name}[{int(np.argmin(lab))}] = {int(lab.min())} is negative")
    k = int(lab.max()) + 1
    present = np.bincount(lab, minlength=k) > 0
    if not present.all():
        raise InvalidArgumentError(f"{name} skip {unit} {int(np.flatnonzero(~present)[0])}: use "
                                   f"0 .. n_{unit}s - 1")
    return lab


@overload
def check_discount(gamma, name: str = ..., *, allow_none: Literal[False]) -> float: ...
@overload
def check_discount(gamma, name: str = ..., allow_none: bool = ...) -> float | None: ...


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
    if isinstance(initial, (bool, np.bool_)) or np.ndim(initial) == 0:
        raise InvalidMDPError(f"initial must be a state index or an array of shape ({n_states},), "
                              f"got {initial!r}")
    mu = as_float_array(initial, "initial")
    if mu.shape != (n_states,):
        raise InvalidMDPError(f"initial must be a state index or an array of shape ({n_states},), "
                              f"got shape {mu.shape}")
    check_probability_rows(mu, "initial")
    return mu.copy()


def check_tolerance(tol, name: str = "tol") -> float:
    """A strictly positive finite tolerance."""
    if (isinstance(tol, bool) or not isinstance(tol, numbers.Real)
            or not np.isfinite(tol)  # type: ignore[call-overload]  # stubs omit numbers.Real
            or tol <= 0):
        raise InvalidArgumentError(f"{name} must be a positive finite number, got {tol!r}")
    return float(tol)


def check_choice(value, name: str, choices) -> str:
    """One of a fixed set of strings."""
    if not isinstance(value, str) or value not in choices:
        raise InvalidArgumentError(f"{name}={value!r} is not one of {sorted(choices)}")
    return value


def check_discounted_options(m, sparsify, evaluation, inner, initial_policy, trace):
    """The options of the discounted solvers (:func:`rlcert.mdp.solve`), checked at the entry
    point: ``sparsify`` None or a flag, ``evaluation`` one of the linear solvers, ``inner`` an
    integer >= 1, ``initial_policy`` None or ``(S,)`` actions in ``[0, A)``, ``trace`` a flag.
    Returns them normalised (``initial_policy`` as int64)."""
    from .policies import action_array  # policies imports this module

    if sparsify is not None:
        sparsify = check_bool(sparsify, "sparsify")
    check_choice(evaluation, "evaluation", ("auto", "direct", "krylov"))
    if isinstance(inner, (bool, np.bool_)) or not isinstance(inner, numbers.Integral) or inner < 1:
        raise InvalidArgumentError(f"inner must be an integer >= 1, got {inner!r}")
    inner = int(inner)
    if initial_policy is not None:
        initial_policy = action_array(initial_policy, m.n_states, m.n_actions, "initial_policy")
    trace = check_bool(trace, "trace")
    return sparsify, evaluation, inner, initial_policy, trace


#: HiGHS (the LP solver) reads constraint bounds of this magnitude or more as infinite.
HIGHS_INFINITE_BOUND = 1e20


def check_lp_rewards(m, what: str) -> None:
    """Refuse up front an LP whose right-hand sides (the rewards) HiGHS would read as infinite:
    ``max |R| < 1e20`` (:data:`HIGHS_INFINITE_BOUND`)."""
    R = m._R
    r_norm = max(float(R.max()), -float(R.min())) if R.size else 0.0
    if r_norm >= HIGHS_INFINITE_BOUND:
        raise InvalidArgumentError(f"{what}: max |R| = {r_norm:.6g} reaches {HIGHS_INFINITE_BOUND:g}, "
                                   f"which the LP solver (HiGHS) reads as an infinite bound; rescale "
                                   f"R or use another method")
