"""Markov-chain helpers used by the oracles: recurrent (closed) classes and transient states."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit
from scipy.sparse.csgraph import connected_components


def recurrent_mask(P_pi) -> np.ndarray:
    """Boolean ``(S,)`` mask of the recurrent states of the chain ``P_pi`` (dense or sparse).

    A state is recurrent iff its strongly connected component of the support graph is closed
    (no edge leaves it); every other state is transient (finite chains).
    """
    G = sp.csr_matrix(P_pi)
    G.eliminate_zeros()
    n_comp, labels = connected_components(G, directed=True, connection="strong")
    coo = G.tocoo()
    leaving = labels[coo.row] != labels[coo.col]
    open_comp = np.zeros(n_comp, dtype=bool)
    open_comp[labels[coo.row[leaving]]] = True
    return ~open_comp[labels]


# -- Class decomposition, stationary distributions, gain and bias of a chain ---------------------
import scipy.linalg as sla  # noqa: E402  (imports of the helpers below)
import scipy.sparse.linalg as spla  # noqa: E402
from scipy.sparse.csgraph import breadth_first_order, shortest_path  # noqa: E402

# Dense LU below this many states in a linear system, sparse SuperLU above (CSR chains only).
_DENSE_SOLVE_MAX = 1200


def chain_csr(P_pi) -> sp.csr_matrix:
    """The chain as a float64 CSR matrix without stored zeros (a copy; no validation)."""
    G = sp.csr_matrix(P_pi, dtype=np.float64, copy=True)
    G.eliminate_zeros()
    G.sort_indices()
    return G


def closed_classes(P_pi) -> tuple[list[np.ndarray], np.ndarray]:
    """The closed (recurrent) classes of a finite chain and its transient states.

    The classes are the strongly connected components of the support graph that no edge leaves
    (Kemeny and Snell 1960, Ch. II); each is returned as a sorted index array, the list ordered
    by smallest state. The transient states are the others, sorted.
    """
    G = chain_csr(P_pi)
    n_comp, labels = connected_components(G, directed=True, connection="strong")
    coo = G.tocoo()
    leaving = labels[coo.row] != labels[coo.col]
    open_comp = np.zeros(n_comp, dtype=bool)
    open_comp[labels[coo.row[leaving]]] = True
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n_comp + 1))
    classes = [order[bounds[c]:bounds[c + 1]] for c in range(n_comp) if not open_comp[c]]
    classes.sort(key=lambda C: int(C[0]))
    transient = np.flatnonzero(open_comp[labels])
    return classes, transient


def class_period(P_pi, states: np.ndarray) -> int:
    """Period of a strongly connected class: the gcd of its cycle lengths.

    With ``level`` the breadth-first distance from one state of the class inside it, the period
    is ``gcd{level(u) + 1 - level(v) : u -> v an edge inside the class}`` (Jarvis and Shier 1999,
    "Graph-theoretic analysis of finite Markov chains").
    """
    G = chain_csr(P_pi)[states][:, states]
    if G.nnz == 0:
        return 0
    level = shortest_path(G, unweighted=True, indices=0, directed=True)
    coo = G.tocoo()
    diff = np.abs(level[coo.row] + 1 - level[coo.col]).astype(np.int64)
    return int(np.gcd.reduce(diff))


def _submatrix(P_pi, rows: np.ndarray, cols: np.ndarray):
    if sp.issparse(P_pi):
        return P_pi[rows][:, cols]
    return P_pi[np.ix_(rows, cols)]


# Sparse matrices of at most this bandwidth use SuperLU at any size (no fill-in beyond the band).
_BANDED_MAX = 32


def _bandwidth(M: sp.spmatrix) -> int:
    coo = M.tocoo()
    return int(np.max(np.abs(coo.row - coo.col))) if coo.nnz else 0


class _Factor:
    """LU factorisation of a square matrix: SuperLU for sparse matrices that are large or banded,
    dense LAPACK otherwise (sparse LU of a random support fills in and loses to dense LU)."""

    def __init__(self, M):
        n = M.shape[0]
        self.sparse = sp.issparse(M) and (n > _DENSE_SOLVE_MAX or _bandwidth(M) <= _BANDED_MAX)
        if self.sparse:
            self._lu = spla.splu(sp.csc_matrix(M))
        else:
            dense = M.toarray() if sp.issparse(M) else np.asarray(M, dtype=np.float64)
            self._lu = sla.lu_factor(dense, check_finite=False)

    def solve(self, b: np.ndarray, transpose: bool = False) -> np.ndarray:
        if self.sparse:
            return self._lu.solve(np.asarray(b, dtype=np.float64), trans="T" if transpose else "N")
        return sla.lu_solve(self._lu, b, trans=1 if transpose else 0, check_finite=False)


def _identity_minus(P_block):
    n = P_block.shape[0]
    if sp.issparse(P_block):
        return (sp.identity(n, format="csr") - P_block).tocsr()
    return np.eye(n) - P_block


def _pin_state(P_CC, steps: int = 32) -> int:
    """A state of large stationary mass: the argmax after ``steps`` lazy power steps from uniform
    (pinning the bias there keeps the expected time to reach the pin, hence the conditioning of the
    reduced system, small; pinning at a rarely visited state can make it exponential)."""
    n = P_CC.shape[0]
    v = np.full(n, 1.0 / n)
    PT = P_CC.T
    for _ in range(steps):
        v = 0.5 * (v + np.asarray(PT @ v).ravel())
    return int(np.argmax(v))


#: Closed classes up to this many states get their stationary distribution by GTH (dense, cubic
#: in the class size); larger ones by the LU solve of :func:`class_stationary_bias`.
GTH_MAX_STATES = 1000


@njit(cache=True)
def gth_solve(A):
    r"""Stationary distribution of an irreducible stochastic matrix by Grassmann-Taksar-Heyman
    state reduction; ``A`` (dense, C-contiguous) is overwritten.

    States ``n-1, ..., 1`` are eliminated in turn: with ``s_k = sum_{j<k} A[k, j]`` (the
    probability of leaving ``k`` towards the remaining states), ``A[i, k] /= s_k`` and
    ``A[i, j] += A[i, k] A[k, j]`` for ``i, j < k`` (the censored chain on ``{0, ..., k-1}``;
    diagonal entries are never used). Back substitution ``x_0 = 1``,
    ``x_k = sum_{i<k} x_i A[i, k]``, then ``x / sum(x)`` (Grassmann, Taksar and Heyman 1985,
    "Regenerative analysis and steady state distributions for Markov chains", Oper. Res.
    33(5):1107-1116). Only additions, multiplications and divisions of non-negative numbers occur,
    so no cancellation occurs and every entry, however small, is computed to a small relative
    error (O'Cinneide 1993, "Entrywise perturbation theory and error analysis for Markov chains",
    Numer. Math. 65:109-120: a relative error of order ``n^3 u`` per entry); the error of a
    linear solve of ``pi (I - P) = 0`` is only small relative to the largest entry.
    """
    n = A.shape[0]
    for k in range(n - 1, 0, -1):
        s = 0.0
        for j in range(k):
            s += A[k, j]
        for i in range(k):
            A[i, k] /= s
        for i in range(k):
            a_ik = A[i, k]
            if a_ik != 0.0:
                for j in range(k):
                    A[i, j] += a_ik * A[k, j]
    x = np.zeros(n)
    x[0] = 1.0
    for k in range(1, n):
        acc = 0.0
        for i in range(k):
            acc += x[i] * A[i, k]
        x[k] = acc
    return x / x.sum()


def class_stationary(P_pi, C: np.ndarray, method: str = "auto") -> np.ndarray:
    """Stationary distribution of the closed class ``C``, aligned with ``C``: by :func:`gth_solve`
    (``method="gth"``, or ``"auto"`` up to :data:`GTH_MAX_STATES` states; every entry to a small
    relative error) or by the LU solve of :func:`class_stationary_bias` (``"lu"``; errors
    relative to the largest entry)."""
    if C.size == 1:
        return np.ones(1)
    if method == "lu" or (method == "auto" and C.size > GTH_MAX_STATES):
        return class_stationary_bias(P_pi, C)[0]
    block = _submatrix(P_pi, C, C)
    block = block.toarray() if sp.issparse(block) else np.array(block, dtype=np.float64)
    return gth_solve(np.ascontiguousarray(block, dtype=np.float64))


def class_stationary_bias(P_pi, C: np.ndarray, r: np.ndarray | None = None, kappa: bool = False):
    r"""Stationary distribution of the closed class ``C``, and if ``r`` is given its gain and bias.

    With a pinned state ``c0`` of ``C`` (see :func:`_pin_state`) and ``R = C \ {c0}``,
    ``M = I - P_RR`` is nonsingular (``c0`` is reached from every state of the class). Then
    ``pi_R^T = pi(c0) M^{-T} P[c0, R]^T``, normalised to sum 1, and the Poisson equation
    ``g + h = r + P h`` with ``h(c0) = 0`` reads ``M h_R = r_R - g`` (``g = pi . r``);
    ``h - (pi . h)`` is the bias, normalised by ``pi . h = 0`` (Puterman 1994, Sec. 8.2 and
    App. A.5). One factorisation of ``M`` serves both. Returns ``(pi, g, h)`` aligned with ``C``
    (``g``, ``h`` are None without ``r``); with ``kappa=True`` also ``||M^{-1}||_inf =
    ||M^{-1} 1||_inf`` (``M^{-1} >= 0``), the largest expected time to reach ``c0``, which bounds
    how much the solves amplify residuals. The distribution ``pi`` obtained this way is accurate
    relative to its largest entry only (entries far below it can lose every digit); the gain
    ``pi . r`` needs no more, and :func:`class_stationary` (GTH) is used where the entries are
    returned.
    """
    n = C.size
    if n == 1:
        pi = np.ones(1)
        out = (pi, None, None) if r is None else (pi, float(r[C[0]]), np.zeros(1))
        return out + (1.0,) if kappa else out
    P_CC = _submatrix(P_pi, C, C)
    p = _pin_state(P_CC)
    perm = np.concatenate([[p], np.delete(np.arange(n), p)])
    rest = C[perm[1:]]
    lu = _Factor(_identity_minus(_submatrix(P_pi, rest, rest)))
    row0 = _submatrix(P_pi, C[perm[:1]], rest)
    row0 = np.asarray(row0.toarray() if sp.issparse(row0) else row0).ravel()
    x = lu.solve(row0, transpose=True)
    pi = np.empty(n)
    pi[perm] = np.concatenate([[1.0], x])
    pi /= pi.sum()
    k = float(np.max(lu.solve(np.ones(n - 1)))) if kappa else None
    if r is None:
        return (pi, None, None, k) if kappa else (pi, None, None)
    rc = r[C]
    g = float(pi @ rc)
    h = np.empty(n)
    h[perm] = np.concatenate([[0.0], lu.solve(rc[perm[1:]] - g)])
    h -= pi @ h
    return (pi, g, h, k) if kappa else (pi, g, h)


def absorption_probabilities(P_pi, classes: list[np.ndarray], transient: np.ndarray) -> np.ndarray:
    r"""``a[s, k]``: probability that the chain started at ``s`` enters (and stays in) class ``k``.

    ``a = 1`` on the class itself, ``0`` on the other classes, and on the transient states ``T``
    ``(I - P_TT) a_T = P_{T, C_k} 1`` (Kemeny and Snell 1960, Ch. III).
    """
    S = P_pi.shape[0]
    a = np.zeros((S, len(classes)))
    for k, C in enumerate(classes):
        a[C, k] = 1.0
    if transient.size and classes:
        lu = _Factor(_identity_minus(_submatrix(P_pi, transient, transient)))
        rhs = np.stack([np.asarray(_submatrix(P_pi, transient, C).sum(axis=1)).ravel()
                        for C in classes], axis=1)
        a[transient] = lu.solve(rhs).reshape(transient.size, len(classes))
    return a


def gain_bias(P_pi, r: np.ndarray):
    r"""Gain and bias of the chain ``P_pi`` with rewards ``r`` (any chain, multichain included).

    ``g = P* r`` and ``h = (I - P + P*)^{-1} (I - P*) r``, the unique solution of
    ``g = P g``, ``g + h = r + P h``, ``P* h = 0`` (Puterman 1994, Sec. 8.2 and 9.2.1).
    Computed by classes: on each closed class ``C`` by :func:`class_stationary_bias`; on the
    transient states ``T``, ``(I - P_TT) g_T = P_{T,rec} g_rec`` and
    ``(I - P_TT) h_T = r_T - g_T + P_{T,rec} h_rec`` (one factorisation). Since ``P*(s, .)`` for
    transient ``s`` mixes the classes' stationary distributions and ``pi_C . h_C = 0`` on each,
    ``P* h = 0`` holds. Returns ``(g, h, classes, transient, stationary, kappa)`` with ``kappa``
    the largest of the inverse norms of the systems solved (expected times to reach a pinned state
    or to leave the transient states; at least 1): errors in ``(g, h)`` are at most about ``kappa``
    times the residuals of the equations.
    """
    S = r.shape[0]
    classes, transient = closed_classes(P_pi)
    g = np.zeros(S)
    h = np.zeros(S)
    stationary = []
    kappa = 1.0
    for C in classes:
        pi, gc, hc, kc = class_stationary_bias(P_pi, C, r, kappa=True)
        g[C] = gc
        h[C] = hc
        stationary.append(pi)
        kappa = max(kappa, kc)
    if transient.size:
        rec = np.setdiff1d(np.arange(S), transient, assume_unique=True)
        P_TR = _submatrix(P_pi, transient, rec)
        lu = _Factor(_identity_minus(_submatrix(P_pi, transient, transient)))
        sol = lu.solve(np.stack([np.asarray(P_TR @ g[rec]).ravel(), np.ones(transient.size)], 1))
        gains = np.unique(g[rec])
        # g_T is a convex combination of the class gains: when they are all equal it is that value
        # exactly, and the solve's rounding noise would only blur ties between states
        g[transient] = gains[0] if gains.size == 1 else sol[:, 0]
        kappa = max(kappa, float(np.max(sol[:, 1])))
        h[transient] = lu.solve(r[transient] - g[transient] + np.asarray(P_TR @ h[rec]).ravel())
    return g, h, classes, transient, stationary, kappa


def hitting_times_to(P_pi, target: np.ndarray) -> np.ndarray:
    r"""Expected hitting time of the set ``target`` (boolean mask) from each state.

    ``t = 0`` on the target; ``t = inf`` on the states that can reach a closed class of the chain
    stopped at the target (the target made absorbing) lying outside the target, since from them the
    target is missed with positive probability; on the others ``N``, ``(I - P_NN) t_N = 1``
    (Norris 1997, Thm 1.3.5).
    """
    S = P_pi.shape[0]
    coo = chain_csr(P_pi).tocoo()
    keep = ~target[coo.row]
    tgt = np.flatnonzero(target)
    stopped = sp.csr_matrix((np.concatenate([coo.data[keep], np.ones(tgt.size)]),
                             (np.concatenate([coo.row[keep], tgt]),
                              np.concatenate([coo.col[keep], tgt]))), shape=(S, S))
    bad = np.zeros(S, dtype=bool)
    for C in closed_classes(stopped)[0]:
        if not target[C].any():
            bad[C] = True
    if bad.any():  # everything that reaches a bad class: breadth-first search on reversed edges
        sc = stopped.tocoo()
        virtual = S
        rr = np.concatenate([sc.col, np.full(int(bad.sum()), virtual)])
        cc = np.concatenate([sc.row, np.flatnonzero(bad)])
        Grev = sp.csr_matrix((np.ones(rr.size), (rr, cc)), shape=(S + 1, S + 1))
        order = breadth_first_order(Grev, virtual, directed=True, return_predecessors=False)
        bad[order[order < S]] = True
    t = np.zeros(S)
    t[bad] = np.inf
    N = np.flatnonzero(~bad & ~target)
    if N.size:
        t[N] = _Factor(_identity_minus(_submatrix(P_pi, N, N))).solve(np.ones(N.size))
    return t
