"""Compiled kernels: Bellman backups, Gauss-Seidel sweeps, backward induction, sampling.

All kernels work on one *transition operand* ``T`` that holds ``P[s, a, :]`` in row
``offset + s * A + a`` of an ``(n_rows, S)`` matrix, stored either

* dense: a C-contiguous ``float64`` array of shape ``(n_rows, S)`` (a reshaped ``(S, A, S)`` or
  ``(H, S, A, S)`` array), or
* CSR: a tuple ``(indptr, indices, data)`` with ``indptr`` int64, ``indices`` uint32 or uint64
  (an unsigned view of scipy's non-negative indices: no negative-index wraparound test in the
  gather) and ``data`` float64, as in :class:`scipy.sparse.csr_matrix`.

The two storages share every kernel: only :func:`row_dot` and :func:`row_sample` know the
difference, and numba specialises them at compile time. ``offset`` selects the stage of a
finite-horizon model with per-step transitions (``offset = h * S * A``; ``0`` when stationary).

Each backup has a serial core over a range of states (``*_rows``), used as is by code that is
itself compiled (the learners' planning), and a parallel driver that splits the states into
chunks. Floating point: the kernels use ``fastmath={"contract"}`` (fused multiply-adds); the dense
row dot product alone is compiled with ``{"reassoc", "contract"}`` so that it vectorises and streams
at the machine's read bandwidth, while CSR rows are summed in storage order (a vectorised gather is
slower on these machines). Infinities and NaN keep their meaning. The rounding error of one backup obeys Higham's bound for a dot product,
``|fl(r + g p.V) - (r + g p.V)| <= (n + 3) u (|r| + g ||V||_inf)`` with ``n`` the row's number of
stored entries and ``u = 2**-53``, whatever the order of summation.
"""

from __future__ import annotations

import warnings

import numpy as np
from numba import njit, prange, types
from numba.core.errors import NumbaIRAssumptionWarning
from numba.extending import overload

# numba's internal IR check misreads the scope of the inlined CSR accumulator; the compiled code
# is unaffected (tests compare every kernel with a numpy formula)
warnings.filterwarnings("ignore", message=r".*_row_dot_overload.*",
                        category=NumbaIRAssumptionWarning)

FASTMATH = {"contract"}


def row_dot(T, row, V):  # pragma: no cover - replaced by the overload inside compiled code
    """``sum_j T[row, j] * V[j]`` for a dense or CSR transition operand."""
    raise NotImplementedError("row_dot is only callable from numba-compiled code")


@overload(row_dot, inline="always")
def _row_dot_overload(T, row, V):
    if isinstance(T, types.Array):
        def dense_impl(T, row, V):
            return _dense_dot(T, row, V)
        return dense_impl
    if isinstance(T, types.BaseTuple):
        def csr_impl(T, row, V):
            indptr, indices, data = T
            acc = 0.0
            for k in range(indptr[row], indptr[row + 1]):
                acc += data[k] * V[indices[k]]
            return acc
        return csr_impl
    return None


@njit(cache=True, fastmath={"reassoc", "contract"})
def _dense_dot(T, row, V):
    """Dense row times ``V``, compiled on its own with re-association allowed so that it
    vectorises; called (not inlined) from the kernels, whose CSR gathers must not vectorise."""
    acc = 0.0
    for j in range(T.shape[1]):
        acc += T[row, j] * V[j]
    return acc


def row_sample(T, row, u):  # pragma: no cover - replaced by the overload inside compiled code
    """The next state drawn from row ``row`` by inverse transform of ``u`` in [0, 1)."""
    raise NotImplementedError("row_sample is only callable from numba-compiled code")


@overload(row_sample, inline="always")
def _row_sample_overload(T, row, u):
    # Inverse transform: the first j with cumulative mass > u. Rounding can leave the total a
    # few ulps below 1; the last state with positive mass then absorbs the remainder.
    if isinstance(T, types.Array):
        def dense_impl(T, row, u):
            acc = 0.0
            last = 0
            for j in range(T.shape[1]):
                p = T[row, j]
                if p > 0.0:
                    acc += p
                    last = j
                    if u < acc:
                        return j
            return last
        return dense_impl
    if isinstance(T, types.BaseTuple):
        def csr_impl(T, row, u):
            indptr, indices, data = T
            acc = 0.0
            last = 0
            for k in range(indptr[row], indptr[row + 1]):
                p = data[k]
                if p > 0.0:
                    acc += p
                    last = indices[k]
                    if u < acc:
                        return indices[k]
            return last
        return csr_impl
    return None


#: Parallel drivers split the states into at most this many chunks; prange hands them to the
#: threads (a constant, so that compiled kernels can be cached).
MAX_CHUNKS = 256


@njit(cache=True)
def _n_chunks(n):
    return max(1, min(n, MAX_CHUNKS))


@njit(cache=True, fastmath=FASTMATH)
def bellman_rows(T, offset, R, gamma, V, Q, V_out, greedy_out, lo, hi):
    """Bellman optimality backup on states ``lo <= s < hi``.

    ``Q[s, a] = R[s, a] + gamma * sum_s' P[s, a, s'] V[s']``, ``V_out[s] = max_a Q[s, a]`` and
    ``greedy_out[s]`` the first maximising action. ``V_out`` may not alias ``V``.
    """
    A = R.shape[1]
    for s in range(lo, hi):
        base = offset + s * A
        best = -np.inf
        arg = 0
        for a in range(A):
            q = R[s, a] + gamma * row_dot(T, base + a, V)
            Q[s, a] = q
            if q > best:
                best = q
                arg = a
        V_out[s] = best
        greedy_out[s] = arg


#: Backups reading fewer than this many ``(s, a, s')`` entries (counted as ``S A S'``) run
#: serially inside the parallel drivers: waking the worker threads costs more than such a
#: backup, and far more on a busy machine. The row arithmetic is the same either way.
SERIAL_BELOW = 1 << 14


@njit(cache=True, parallel=True, fastmath=FASTMATH)
def bellman_backup(T, offset, R, gamma, V, Q, V_out, greedy_out):
    """Parallel :func:`bellman_rows` over all states (the Jacobi operator ``T V``); serial below
    :data:`SERIAL_BELOW` entries."""
    S = R.shape[0]
    if S * R.shape[1] * V.shape[0] < SERIAL_BELOW:
        bellman_rows(T, offset, R, gamma, V, Q, V_out, greedy_out, 0, S)
        return
    n = _n_chunks(S)
    for c in prange(n):
        bellman_rows(T, offset, R, gamma, V, Q, V_out, greedy_out, c * S // n, (c + 1) * S // n)


@njit(cache=True, fastmath=FASTMATH)
def policy_rows(T, offset, R, gamma, V, pol, pol_offset, V_out, lo, hi):
    """Policy backup on states ``lo <= s < hi``.

    ``V_out[s] = sum_a pi(a|s) (R[s, a] + gamma * sum_s' P[s, a, s'] V[s'])``. The policy operand
    ``pol = (ptr, actions, weights)`` lists, for row ``pol_offset + s``, the actions with positive
    probability and their probabilities (see :func:`rlcert.mdp.policies.policy_operand`), so a
    deterministic policy costs one transition row per state and no branch.
    """
    ptr, actions, weights = pol
    A = R.shape[1]
    for s in range(lo, hi):
        base = offset + s * A
        acc = 0.0
        for k in range(ptr[pol_offset + s], ptr[pol_offset + s + 1]):
            a = actions[k]
            acc += weights[k] * (R[s, a] + gamma * row_dot(T, base + a, V))
        V_out[s] = acc


@njit(cache=True, parallel=True, fastmath=FASTMATH)
def policy_backup(T, offset, R, gamma, V, pol, V_out):
    """Parallel :func:`policy_rows` over all states (the operator ``T_pi V``); serial below
    :data:`SERIAL_BELOW` entries."""
    S = R.shape[0]
    if S * R.shape[1] * V.shape[0] < SERIAL_BELOW:
        policy_rows(T, offset, R, gamma, V, pol, 0, V_out, 0, S)
        return
    n = _n_chunks(S)
    for c in prange(n):
        policy_rows(T, offset, R, gamma, V, pol, 0, V_out, c * S // n, (c + 1) * S // n)


@njit(cache=True, fastmath=FASTMATH)
def gauss_seidel_sweep(T, R, gamma, V, greedy_out):
    """One in-place Gauss-Seidel sweep of the Bellman optimality operator, states in order.

    ``V[s] <- max_a R[s, a] + gamma * sum_s' P[s, a, s'] V[s']`` using the values already
    updated in this sweep. Returns ``max_s |V_new[s] - V_old[s]|``. The sweep is a
    ``gamma``-contraction in the sup norm with fixed point ``V*`` (Puterman 1994, Thm 6.3.4).
    """
    S, A = R.shape
    delta = 0.0
    for s in range(S):
        base = s * A
        best = -np.inf
        arg = 0
        for a in range(A):
            q = R[s, a] + gamma * row_dot(T, base + a, V)
            if q > best:
                best = q
                arg = a
        d = abs(best - V[s])
        if d > delta:
            delta = d
        V[s] = best
        greedy_out[s] = arg
    return delta


@njit(cache=True, fastmath=FASTMATH)
def backward_induction(T, stage_stride, R, gamma, V, Q, greedy):
    """Serial backward induction over ``H = R.shape[0]`` stages.

    For ``h = H-1, ..., 0``: ``Q[h] = R[h] + gamma P_h V[h+1]``, ``V[h] = max_a Q[h]``,
    ``greedy[h] = argmax_a Q[h]``, with ``P_h`` the rows at offset ``h * stage_stride``
    (``stage_stride = 0`` for stationary transitions). ``V[H]`` must hold the terminal values
    (zero for the usual finite-horizon objective) on entry.
    """
    H, S, _ = R.shape
    for h in range(H - 1, -1, -1):
        bellman_rows(T, h * stage_stride, R[h], gamma, V[h + 1], Q[h], V[h], greedy[h], 0, S)


@njit(cache=True, fastmath=FASTMATH)
def policy_backward(T, stage_stride, R, gamma, pol, V):
    """Serial backward evaluation of a Markov policy: ``V[h] = T_{pi_h} V[h+1]``, with ``pol`` the
    operand of its ``(H, S, A)`` weights (row ``h * S + s`` for stage ``h``)."""
    H, S, _ = R.shape
    for h in range(H - 1, -1, -1):
        policy_rows(T, h * stage_stride, R[h], gamma, V[h + 1], pol, h * S, V[h], 0, S)


@njit(cache=True)
def sample_next_state(T, row, u):
    """Draw ``s' ~ P[row, :]`` from a uniform ``u`` in [0, 1) (inverse transform)."""
    return row_sample(T, row, u)


@njit(cache=True, parallel=True)
def dense_row_nnz(P2):
    """Number of nonzero entries in each row of a dense ``(n_rows, S)`` matrix."""
    n_rows, S = P2.shape
    out = np.zeros(n_rows, dtype=np.int64)
    for i in prange(n_rows):
        c = 0
        for j in range(S):
            if P2[i, j] != 0.0:
                c += 1
        out[i] = c
    return out


@njit(cache=True, parallel=True)
def dense_to_csr_fill(P2, indptr, indices, data):
    """Fill CSR arrays (``indptr`` already the cumulative row counts) from a dense matrix."""
    n_rows, S = P2.shape
    for i in prange(n_rows):
        k = indptr[i]
        for j in range(S):
            p = P2[i, j]
            if p != 0.0:
                indices[k] = j
                data[k] = p
                k += 1


@njit(cache=True, parallel=True)
def dense_row_summary(P2, sums, nnz, flags):
    """One parallel pass over a dense ``(n_rows, S)`` matrix: row sums, nonzero counts, and
    ``flags[i]`` = 1 if row ``i`` holds a NaN or an infinity, 2 if a negative entry, else 0."""
    n_rows, S = P2.shape
    for i in prange(n_rows):
        acc = 0.0
        c = 0
        f = 0
        for j in range(S):
            p = P2[i, j]
            if not np.isfinite(p):
                f = 1
            elif p < 0.0 and f == 0:
                f = 2
            if p != 0.0:
                c += 1
            acc += p
        sums[i] = acc
        nnz[i] = c
        flags[i] = f
