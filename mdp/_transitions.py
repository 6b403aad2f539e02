"""Storage of transition kernels as rows of a dense or CSR matrix (see :mod:`.kernels`)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from . import kernels


def csr_operand(P: sp.csr_matrix) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The kernel operand ``(indptr int64, indices uint32|uint64, data float64)`` of a CSR matrix.

    The indices are an unsigned *view* of scipy's (non-negative) signed indices: no copy.
    """
    indices = np.ascontiguousarray(P.indices)
    unsigned = indices.view(np.uint32 if indices.dtype.itemsize == 4 else np.uint64)
    return (np.ascontiguousarray(P.indptr, dtype=np.int64), unsigned,
            np.ascontiguousarray(P.data, dtype=np.float64))


def canonical_csr(P, name: str = "P") -> sp.csr_matrix:
    """A float64 CSR copy with summed duplicates and sorted indices (same matrix, canonical form),
    its structure checked first (:func:`rlcert.mdp._validate.check_sparse_matrix`)."""
    from ._validate import check_sparse_matrix  # _validate imports kernels lazily; keep it so
    return check_sparse_matrix(P, name)


def dense_to_csr(P2: np.ndarray) -> sp.csr_matrix:
    """Convert a dense ``(n_rows, S)`` matrix to CSR with compiled, parallel passes."""
    counts = kernels.dense_row_nnz(P2)
    indptr = np.zeros(P2.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    nnz = int(indptr[-1])
    indices = np.empty(nnz, dtype=np.int32 if P2.shape[1] < 2**31 - 1 else np.int64)
    data = np.empty(nnz, dtype=np.float64)
    kernels.dense_to_csr_fill(P2, indptr, indices, data)
    return sp.csr_matrix((data, indices, indptr), shape=P2.shape)


def weights_matrix(W: np.ndarray) -> sp.csr_matrix:
    """The ``(S, S*A)`` sparse matrix with ``W[s, a]`` at ``(s, s*A + a)`` (zero weights dropped)."""
    S, A = W.shape
    s_idx, a_idx = np.nonzero(W)
    return sp.csr_matrix((W[s_idx, a_idx], (s_idx, s_idx * A + a_idx)), shape=(S, S * A))


def deterministic_actions(W: np.ndarray) -> np.ndarray | None:
    """The action array of a one-hot weight matrix, or None if some row is randomised."""
    actions = np.argmax(W, axis=1)
    if np.all(W[np.arange(W.shape[0]), actions] == 1.0):
        return actions
    return None


def policy_matrix(rows, W: np.ndarray, offset: int = 0):
    """``P_pi[s, s'] = sum_a W[s, a] P[s, a, s']`` from the rows ``offset .. offset + S*A``.

    Returns a dense ``(S, S)`` array for dense storage and a CSR matrix for sparse storage.
    """
    S, A = W.shape
    actions = deterministic_actions(W)
    if sp.issparse(rows):
        if actions is not None:
            return rows[offset + np.arange(S) * A + actions].tocsr()
        return (weights_matrix(W) @ rows[offset:offset + S * A]).tocsr()
    if actions is not None:
        return rows[offset + np.arange(S) * A + actions]
    block = rows[offset:offset + S * A].reshape(S, A, -1)
    out = np.zeros((S, block.shape[2]))
    for a in range(A):  # A dense passes; einsum would not use BLAS here
        out += W[:, a, None] * block[:, a, :]
    return out
