r"""Structure of a finite MDP and of its policies' Markov chains.

Definitions (0-based states; ``P_pi[s, s'] = sum_a pi(a|s) P(s'|s, a)``):

* **Support graph** of an MDP: an edge ``s -> s'`` when ``P(s'|s, a) > 0`` for some action ``a``;
  of a chain: when ``P_pi[s, s'] > 0``. Returned as :class:`networkx.DiGraph`.
* **Communicating classes**: the strongly connected components of the support graph; in an MDP,
  ``s'`` is accessible from ``s`` under some deterministic stationary policy iff the graph has a
  path ``s -> s'`` (follow it), so these are Puterman's classes of mutually accessible states
  (Puterman 1994, Sec. 8.3.1).
* **Closed (recurrent) classes** of a chain: communicating classes that no edge leaves; every other
  state is **transient** (Kemeny and Snell 1960). The **period** of a class is the gcd of its cycle
  lengths.
* **Classification** (Puterman 1994, Sec. 8.3; Kallenberg 2002): *recurrent* if every deterministic
  stationary policy's chain is irreducible; *unichain* if each has a single closed class (plus
  transient states), *multichain* otherwise; *communicating* if every state is accessible from
  every other under some policy; *weakly communicating* if the states split into one closed set of
  mutually accessible states and a set of states transient under every policy. Recurrent implies
  unichain and communicating; unichain and communicating each imply weakly communicating; an MDP
  can be communicating and multichain at once. See :func:`classify`.
* **Diameter** (Jaksch, Ortner and Auer 2010, Def. 1): ``D = max_{s != s'} min_pi E^pi[T(s')|s_0 =
  s]``, ``T(s')`` the first time ``s'`` is reached; finite iff the MDP is communicating.
* **Mixing time** (Levin, Peres and Wilmer 2009, Ch. 4): ``t_mix(eps) = min{t : d(t) <= eps}`` with
  ``d(t) = max_s TV(P^t(s, .), P*(s, .))`` and ``P* = lim_t P^t``. The limit exists iff every
  closed class is aperiodic; ``d`` is non-increasing (``P^{t+1} - P* = P (P^t - P*)``).

Internally, classes are computed with :mod:`scipy.sparse.csgraph` (the same components networkx
finds, faster on large graphs); :func:`support_graph` gives the networkx view.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Any

import networkx as nx
import numpy as np
import scipy.sparse as sp
from numba import njit
from scipy.sparse.csgraph import connected_components

from . import _transitions as tr
from . import kernels
from ._chains import (absorption_probabilities, chain_csr, class_period, class_stationary,
                      closed_classes as _closed_classes, hitting_times_to)
from ._validate import (ROW_SUM_TOL, array_bytes, as_float_array, check_memory, check_positive_int,
                        check_sparse_matrix)
from .discounted import SolverFailedError
from .errors import InvalidArgumentError
from .models import TabularMDP
from .policies import policy_weights
from .results import UNIT_ROUNDOFF, backup_rounding
from .total_reward import (_rows_inside, _ssp_policy_iteration, almost_sure_attractor,
                           maximal_end_components)

#: Above this many deterministic policies, :func:`worst_mixing_time` gives only its upper bound.
WORST_MIXING_MAX_POLICIES = 4096


# -- inputs ----------------------------------------------------------------------------------------
def _check_model(m, name: str = "m") -> TabularMDP:
    if not isinstance(m, TabularMDP):
        raise InvalidArgumentError(f"{name} must be a TabularMDP, got {type(m).__name__}")
    return m


def _check_chain_matrix(P, name: str = "P"):
    """A square stochastic matrix, dense or CSR, refused with the culprit entry named."""
    if sp.issparse(P):
        C = check_sparse_matrix(P, name, InvalidArgumentError)
        if C.shape[0] != C.shape[1] or C.shape[0] == 0:
            raise InvalidArgumentError(f"{name} must be a square (S, S) matrix, got shape "
                                       f"{C.shape}")
        if not np.all(np.isfinite(C.data)) or np.any(C.data < 0):
            k = int(np.flatnonzero(~np.isfinite(C.data) | (C.data < 0))[0])
            row = int(np.searchsorted(C.indptr, k, side="right") - 1)
            raise InvalidArgumentError(f"{name}[{row}, {int(C.indices[k])}] = {float(C.data[k])!r} "
                                       f"is not a probability")
        sums = np.asarray(C.sum(axis=1)).ravel()
        off = np.abs(sums - 1.0) > ROW_SUM_TOL
        if off.any():
            row = int(np.flatnonzero(off)[0])
            raise InvalidArgumentError(f"{name}[{row}, :] sums to {float(sums[row])!r}, not 1 "
                                       f"(tolerance {ROW_SUM_TOL:g}; {int(off.sum())} rows off)")
        return C
    arr = as_float_array(P, name, InvalidArgumentError)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise InvalidArgumentError(f"{name} must be a square (S, S) matrix, got shape {arr.shape}")
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        i, j = (int(v) for v in np.argwhere(bad)[0])
        raise InvalidArgumentError(f"{name}[{i}, {j}] = {float(arr[i, j])!r} is not a probability")
    sums = arr.sum(axis=1)
    off = np.abs(sums - 1.0) > ROW_SUM_TOL
    if off.any():
        i = int(np.flatnonzero(off)[0])
        raise InvalidArgumentError(f"{name}[{i}, :] sums to {float(sums[i])!r}, not 1 "
                                   f"(tolerance {ROW_SUM_TOL:g}; {int(off.sum())} rows off)")
    return np.ascontiguousarray(arr)


def _chain(m, policy):
    """``P_pi`` of a model and a policy, or a validated chain matrix given directly."""
    if isinstance(m, TabularMDP):
        if policy is None:
            raise InvalidArgumentError("policy is required when m is a TabularMDP (pass a (S,) or "
                                       "(S, A) policy, or a chain matrix P instead of m)")
        return tr.policy_matrix(m.rows, policy_weights(policy, m.n_states, m.n_actions, "policy"))
    if policy is not None:
        raise InvalidArgumentError("policy applies to a TabularMDP only; m is a chain matrix")
    return _check_chain_matrix(m, "P")


def _mdp_csr(m: TabularMDP) -> sp.csr_matrix:
    rows = m.rows if m.is_sparse else tr.dense_to_csr(m.rows)
    rows = rows.copy()
    rows.eliminate_zeros()
    return rows


def _union_graph(m: TabularMDP) -> sp.csr_matrix:
    """``G[s, s'] = 1`` iff some action moves ``s`` to ``s'`` with positive probability."""
    coo = _mdp_csr(m).tocoo()
    G = sp.csr_matrix((np.ones(coo.nnz), (coo.row // m.n_actions, coo.col)),
                      shape=(m.n_states, m.n_states))
    G.data[:] = 1.0
    return G


def _components(G: sp.csr_matrix) -> list[np.ndarray]:
    n, labels = connected_components(G, directed=True, connection="strong")
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n + 1))
    comps = [order[bounds[c]:bounds[c + 1]] for c in range(n)]
    comps.sort(key=lambda c: int(c[0]))
    return comps


# -- graphs and classes ----------------------------------------------------------------------------
def support_graph(m, policy=None) -> nx.DiGraph:
    """The support graph as a :class:`networkx.DiGraph` on the states ``0 .. S-1``.

    For a :class:`TabularMDP` without a policy: an edge ``s -> s'`` iff ``P(s'|s, a) > 0`` for some
    ``a``, with the attribute ``actions`` (the tuple of such actions). For a model and a policy, or
    a chain matrix ``P``: an edge iff ``P_pi[s, s'] > 0``, with the attribute ``p``.
    """
    if isinstance(m, TabularMDP) and policy is None:
        coo = _mdp_csr(m).tocoo()
        edges: dict[tuple[int, int], list[int]] = {}
        for row, col in zip(coo.row.tolist(), coo.col.tolist()):
            edges.setdefault((row // m.n_actions, col), []).append(row % m.n_actions)
        G = nx.DiGraph()
        G.add_nodes_from(range(m.n_states))
        G.add_edges_from((s, t, {"actions": tuple(a)}) for (s, t), a in edges.items())
        return G
    C = chain_csr(_chain(m, policy)).tocoo()
    G = nx.DiGraph()
    G.add_nodes_from(range(C.shape[0]))
    G.add_edges_from((int(i), int(j), {"p": float(p)}) for i, j, p in zip(C.row, C.col, C.data))
    return G


def communicating_classes(m, policy=None) -> list[np.ndarray]:
    """Communicating classes: the strongly connected components of :func:`support_graph`.

    For an MDP (no policy), ``s`` and ``s'`` are in one class iff each is accessible from the
    other under some deterministic stationary policy (Puterman 1994, Sec. 8.3.1). Sorted index
    arrays, ordered by smallest state.
    """
    if isinstance(m, TabularMDP) and policy is None:
        return _components(_union_graph(m))
    return _components(chain_csr(_chain(m, policy)))


def closed_classes(m, policy=None) -> list[np.ndarray]:
    """The closed (recurrent) classes of a chain (``m`` a model and ``policy``, or a matrix ``P``):
    communicating classes that no transition leaves, ordered by smallest state."""
    return _closed_classes(_chain(m, policy))[0]


def transient_states(m, policy=None) -> np.ndarray:
    """The transient states of a chain: those in no closed class (sorted)."""
    return _closed_classes(_chain(m, policy))[1]


def periods(m, policy=None) -> list[int]:
    """The period of each closed class of a chain, in the order of :func:`closed_classes`
    (1 = aperiodic; computed from breadth-first levels, see
    :func:`rlcert.mdp._chains.class_period`)."""
    P = _chain(m, policy)
    return [class_period(P, C) for C in _closed_classes(P)[0]]


def stationary_distributions(m, policy=None, *, method: str = "auto") -> np.ndarray:
    r"""The extreme stationary distributions of a chain, one row per closed class, shape ``(k, S)``.

    Row ``k`` is the unique stationary distribution supported by closed class ``k``
    (``mu P = mu``, ``mu 1 = 1``); every stationary distribution is a convex combination of the rows
    (Puterman 1994, App. A.4).
    A unichain chain has exactly one row.

    ``method``: ``"gth"`` (Grassmann-Taksar-Heyman state reduction,
    :func:`rlcert.mdp._chains.gth_solve`: every entry to a small *relative* error, however small
    it is, e.g. ``1e-30``; cubic in the class size), ``"lu"`` (a sparse or dense LU solve: errors
    small relative to the largest entry only), or ``"auto"`` (GTH for classes of at most
    :data:`rlcert.mdp._chains.GTH_MAX_STATES` states, LU above).
    """
    if method not in ("auto", "gth", "lu"):
        raise InvalidArgumentError(f"method={method!r} is not one of ['auto', 'gth', 'lu']")
    P = _chain(m, policy)
    classes, _ = _closed_classes(P)
    out = np.zeros((len(classes), P.shape[0]))
    for k, C in enumerate(classes):
        out[k, C] = class_stationary(P, C, method)
    return out


def limiting_matrix(m, policy=None) -> np.ndarray:
    r"""The Cesàro limit ``P* = lim_n (1/n) sum_{t<n} P^t``, dense ``(S, S)``.

    ``P*[s, .] = sum_k a_k(s) mu_k`` with ``mu_k`` the stationary distribution of closed class
    ``k`` and ``a_k(s)`` the probability of absorption in it (Puterman 1994, App. A.4). It equals
    ``lim_t P^t`` when every closed class is aperiodic.
    """
    P = _chain(m, policy)
    return _limiting(P)[0]


def _limiting(P):
    classes, transient = _closed_classes(P)
    mus = np.zeros((len(classes), P.shape[0]))
    for k, C in enumerate(classes):
        mus[k, C] = class_stationary(P, C)
    a = absorption_probabilities(P, classes, transient)
    return a @ mus, classes, transient, mus


def span(v) -> float:
    """The span seminorm ``sp(v) = max_s v(s) - min_s v(s)`` (Puterman 1994, Sec. 6.6.1)."""
    arr = as_float_array(v, "v", InvalidArgumentError).ravel()
    if arr.size == 0:
        raise InvalidArgumentError("v is empty: the span of an empty vector is undefined")
    if not np.isfinite(arr).all():
        k = int(np.flatnonzero(~np.isfinite(arr))[0])
        raise InvalidArgumentError(f"v[{k}] = {float(arr[k])} is not finite")
    return float(arr.max() - arr.min())


def _target_mask(target, S: int) -> np.ndarray:
    arr = np.asarray(target)
    if arr.dtype == bool:
        if arr.shape != (S,):
            raise InvalidArgumentError(f"target as a mask must have shape ({S},), got {arr.shape}")
        mask = arr.copy()
    else:
        idx = np.atleast_1d(arr)
        if not np.issubdtype(idx.dtype, np.integer) or idx.ndim != 1:
            raise InvalidArgumentError(f"target must be a state, a list of states or a boolean "
                                       f"mask, got {target!r}")
        bad = (idx < 0) | (idx >= S)
        if bad.any():
            raise InvalidArgumentError(f"target state {int(idx[bad][0])} is not in [0, {S})")
        mask = np.zeros(S, dtype=bool)
        mask[idx] = True
    if not mask.any():
        raise InvalidArgumentError("target is empty")
    return mask


def hitting_times(m, policy=None, *, target) -> np.ndarray:
    r"""Expected hitting times ``t(s) = E[min{t >= 0 : s_t in target} | s_0 = s]`` of a chain.

    ``t = 0`` on the target, ``t = 1 + P t`` elsewhere, ``inf`` where the target is missed with
    positive probability (Norris 1997, Thm 1.3.5: the minimal non-negative solution).
    ``target``: a state, a list of states or a boolean ``(S,)`` mask.
    """
    P = _chain(m, policy)
    return hitting_times_to(P, _target_mask(target, P.shape[0]))


# -- classification --------------------------------------------------------------------------------
@njit(cache=True)
def _closable_core(indptr, indices, col_ptr, col_rows, n_actions, removed, alive, action):
    """Greatest set ``X`` of states outside ``removed`` in which every state has an action whose
    support lies in ``X`` (a greatest fixed point, computed by counting in O(nnz)); ``alive`` gets
    its mask and ``action`` one such action per state of ``X`` (-1 elsewhere)."""
    n_rows = indptr.size - 1
    S = n_rows // n_actions
    outside = np.zeros(n_rows, dtype=np.int64)
    good = np.zeros(S, dtype=np.int64)
    stack = np.empty(S, dtype=np.int64)
    top = 0
    for s in range(S):
        alive[s] = not removed[s]
    for r in range(n_rows):
        c = 0
        for k in range(indptr[r], indptr[r + 1]):
            if not alive[indices[k]]:
                c += 1
        outside[r] = c
    for s in range(S):
        if alive[s]:
            cnt = 0
            for a in range(n_actions):
                if outside[s * n_actions + a] == 0:
                    cnt += 1
            good[s] = cnt
            if cnt == 0:
                alive[s] = False
                stack[top] = s
                top += 1
    while top > 0:
        top -= 1
        j = stack[top]
        for k in range(col_ptr[j], col_ptr[j + 1]):
            r = col_rows[k]
            if outside[r] == 0:
                s = r // n_actions
                good[s] -= 1
                if alive[s] and good[s] == 0:
                    alive[s] = False
                    stack[top] = s
                    top += 1
            outside[r] += 1
    for s in range(S):
        action[s] = -1
        if alive[s]:
            for a in range(n_actions):
                if outside[s * n_actions + a] == 0:
                    action[s] = a
                    break


class _Cores:
    """Closable cores of one model: ``core(removed)`` is the largest set avoiding ``removed`` that
    some deterministic policy keeps closed (empty iff every policy leaves it from everywhere)."""

    def __init__(self, m: TabularMDP):
        rows = _mdp_csr(m)
        self.A = m.n_actions
        self.S = m.n_states
        self.indptr = rows.indptr.astype(np.int64)
        self.indices = rows.indices.astype(np.int64)
        csc = rows.tocsc()
        self.col_ptr = csc.indptr.astype(np.int64)
        self.col_rows = csc.indices.astype(np.int64)

    def core(self, removed: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        alive = np.empty(self.S, dtype=np.bool_)
        action = np.empty(self.S, dtype=np.int64)
        _closable_core(self.indptr, self.indices, self.col_ptr, self.col_rows, self.A,
                       removed, alive, action)
        return alive, action


@dataclass(frozen=True, repr=False)
class Classification:
    r"""What :func:`classify` found.

    Attributes
    ----------
    recurrent, communicating, weakly_communicating : bool
        Decided exactly, in polynomial time.
    unichain : True, False or None
        Every deterministic stationary policy has a single closed class (True), some has two or
        more (False), or no polynomial argument settled it and no enumeration was asked for (None).
    explanation : str
        Why, in words, with the witness.
    end_components : tuple of ndarray
        The maximal end components' states (de Alfaro 1997): the states recurrent under some
        policy, grouped.
    always_transient : ndarray
        States transient under every stationary policy (in no end component).
    witness_policy : ndarray (S,) or None
        When ``unichain is False``: a deterministic policy with two or more closed classes.
    witness_state : int or None
        When ``unichain`` was proved by the cheap argument: a state that lies in every closed class
        of every policy.
    policies_enumerated : int
        Deterministic policies examined by the exact enumeration (0 if none).
    """

    recurrent: bool
    communicating: bool
    weakly_communicating: bool
    unichain: bool | None
    explanation: str
    end_components: tuple[np.ndarray, ...]
    always_transient: np.ndarray
    witness_policy: np.ndarray | None = None
    witness_state: int | None = None
    policies_enumerated: int = 0

    @property
    def multichain(self) -> bool | None:
        """``not unichain`` (None when unknown)."""
        return None if self.unichain is None else not self.unichain

    def __repr__(self) -> str:
        return (f"Classification(recurrent={self.recurrent}, communicating={self.communicating}, "
                f"weakly_communicating={self.weakly_communicating}, unichain={self.unichain})")


def _policy_with(actions_by_state: dict[int, int], S: int) -> np.ndarray:
    pol = np.zeros(S, dtype=np.int64)
    for s, a in actions_by_state.items():
        pol[s] = a
    return pol


def _count_closed(sub_rows: sp.csr_matrix, local_rows: np.ndarray) -> int:
    n = local_rows.size
    G = sub_rows[local_rows]
    return len(_closed_classes(G)[0]) if n else 0


def classify(m: TabularMDP, *, max_policies: int = 0) -> Classification:
    r"""Classify an MDP: recurrent, communicating, weakly communicating, unichain or multichain.

    The flags follow Puterman (1994, Sec. 8.3.1) and are decided as in Kallenberg (2002,
    "Classification problems in MDPs", in *Markov Processes and Controlled Markov Chains*):

    * **communicating** iff the support graph is strongly connected;
    * **weakly communicating** iff the MDP has exactly one maximal end component ``M`` (the states
      recurrent under some stationary policy; every other state is transient under every policy,
      and ``M`` is then closed: a state reached from ``M`` reaches ``M`` back, so it would join it);
    * **recurrent** iff no proper non-empty set ``X`` is *closable* (every state of ``X`` has an
      action whose support stays in ``X``); equivalently, for every state ``x`` the largest closable
      set avoiding ``x`` is empty. Each such set is a greatest fixed point, computed in
      ``O(nnz)``.

    **Unichain** is NP-hard to decide (Tsitsiklis 2007, "NP-hardness of checking the unichain
    condition in average cost MDPs", Oper. Res. Lett. 35:319-323). A deterministic policy is
    multichain iff it keeps two disjoint sets closed, so:

    * two or more maximal end components give ``False`` (stay in two of them);
    * a state ``x`` with no closable set avoiding it lies in every closed class of every policy:
      ``True``;
    * a closed class ``C`` of a policy keeping a closable set closed, with a closable set disjoint
      from ``C``, gives ``False`` (tried for every ``x``);
    * otherwise, if the deterministic policies restricted to ``M``'s staying actions number at most
      ``max_policies``, they are enumerated (exact); else ``None``, and ``explanation`` says how
      many an enumeration would take.

    Parameters
    ----------
    m : TabularMDP
    max_policies : int >= 0, keyword-only
        Size limit of the exact enumeration (0: none; the call is then polynomial).
    """
    m = _check_model(m)
    max_policies = check_positive_int(max_policies, "max_policies", InvalidArgumentError,
                                      minimum=0)
    S, A = m.n_states, m.n_actions
    comps = _components(_union_graph(m))
    communicating = len(comps) == 1
    labels, staying = maximal_end_components(m)
    mecs = tuple(np.flatnonzero(labels == lab) for lab in np.unique(labels[labels >= 0]))
    mecs = tuple(sorted(mecs, key=lambda c: int(c[0])))
    always_transient = np.flatnonzero(labels < 0)
    common: dict[str, Any] = dict(communicating=communicating, end_components=mecs,
                                  always_transient=always_transient)
    comm_txt = ("communicating (the support graph is strongly connected)" if communicating else
                f"not communicating ({len(comps)} communicating classes)")
    if len(mecs) >= 2:
        first = {int(s): int(np.flatnonzero(staying[s])[0]) for C in mecs[:2] for s in C}
        witness = _policy_with(first, S)
        expl = (f"{comm_txt}; {len(mecs)} maximal end components, e.g. {_fmt(mecs[0])} and "
                f"{_fmt(mecs[1])}: a policy staying in both has two closed classes, so the MDP is "
                f"multichain, not weakly communicating and not recurrent")
        return Classification(recurrent=False, weakly_communicating=False, unichain=False,
                              explanation=expl, witness_policy=witness, **common)
    M = mecs[0]
    cores = _Cores(m)
    witness_state = None
    nonempty: list[tuple[int, np.ndarray, np.ndarray]] = []
    for x in M:
        removed = np.zeros(S, dtype=bool)
        removed[x] = True
        alive, action = cores.core(removed)
        if alive.any():
            nonempty.append((int(x), alive, action))
        elif witness_state is None:
            witness_state = int(x)
            if M.size < S:
                break  # not recurrent anyway (M misses some state); unichain is settled
    recurrent = M.size == S and not nonempty and witness_state is not None
    wc_txt = ("weakly communicating (one maximal end component"
              + (f", states {_fmt(always_transient)} transient under every policy)"
                 if always_transient.size else ", no always-transient state)"))
    if recurrent:
        return Classification(recurrent=True, weakly_communicating=True, unichain=True,
                              explanation=f"{comm_txt}; {wc_txt}; recurrent: no policy keeps a "
                                          f"proper set of states closed, so every deterministic "
                                          f"policy's chain is irreducible",
                              witness_state=witness_state, **common)
    rec_txt = ("not recurrent: " + (f"states {_fmt(always_transient)} are transient under every "
                                    f"policy" if M.size < S else
                                    f"a policy keeps {_fmt(np.flatnonzero(nonempty[0][1]))} "
                                    f"closed"))
    if witness_state is not None:
        return Classification(recurrent=False, weakly_communicating=True, unichain=True,
                              explanation=f"{comm_txt}; {wc_txt}; {rec_txt}; unichain: every "
                                          f"policy leaves any set avoiding state {witness_state}, "
                                          f"so {witness_state} lies in every closed class",
                              witness_state=witness_state, **common)
    # cheap search for two disjoint closable sets
    tried: set[tuple[int, ...]] = set()
    G_all = _mdp_csr(m)
    for _, alive, action in nonempty:
        states = np.flatnonzero(alive)
        sub = G_all[states * A + action[states]]
        sub = sub[:, states]
        C_local = _closed_classes(sub)[0][0]
        C = states[C_local]
        key = tuple(C.tolist())
        if key in tried:
            continue
        tried.add(key)
        removed = np.zeros(S, dtype=bool)
        removed[C] = True
        alive2, action2 = cores.core(removed)
        if alive2.any():
            acts = {int(s): int(action[s]) for s in C}
            acts.update({int(s): int(action2[s]) for s in np.flatnonzero(alive2)})
            witness = _policy_with(acts, S)
            return Classification(recurrent=False, weakly_communicating=True, unichain=False,
                                  explanation=f"{comm_txt}; {wc_txt}; {rec_txt}; multichain: a "
                                              f"policy keeps {_fmt(C)} and the disjoint "
                                              f"{_fmt(np.flatnonzero(alive2))} closed (see "
                                              f"witness_policy)",
                                  witness_policy=witness, **common)
    # exact enumeration over M's staying actions
    choices = [np.flatnonzero(staying[s]) for s in M]
    log10_n = float(sum(math.log10(c.size) for c in choices))
    n_pol = math.prod(int(c.size) for c in choices) if log10_n < 18 else None
    if n_pol is None or n_pol > max_policies:
        needed = f"{n_pol}" if n_pol is not None else f"about 10^{log10_n:.0f}"
        return Classification(recurrent=False, weakly_communicating=True, unichain=None,
                              explanation=f"{comm_txt}; {wc_txt}; {rec_txt}; unichain unknown: "
                                          f"no polynomial argument settled it (deciding it is "
                                          f"NP-hard, Tsitsiklis 2007); an exact enumeration "
                                          f"needs max_policies >= {needed}",
                              **common)
    local = {int(s): i for i, s in enumerate(M)}
    sub_rows = G_all[(M[:, None] * A + np.arange(A)[None, :]).ravel()][:, M]
    base = np.arange(M.size) * A
    for count, combo in enumerate(itertools.product(*choices), start=1):
        combo_acts = np.asarray(combo, dtype=np.int64)
        if _count_closed(sub_rows, base + combo_acts) >= 2:
            witness = _policy_with({int(s): int(combo_acts[local[int(s)]]) for s in M}, S)
            return Classification(recurrent=False, weakly_communicating=True, unichain=False,
                                  explanation=f"{comm_txt}; {wc_txt}; {rec_txt}; multichain: found "
                                              f"by enumerating {count} of the {n_pol} policies "
                                              f"on the end component (see witness_policy)",
                                  witness_policy=witness, policies_enumerated=count, **common)
    return Classification(recurrent=False, weakly_communicating=True, unichain=True,
                          explanation=f"{comm_txt}; {wc_txt}; {rec_txt}; unichain: all {n_pol} "
                                      f"deterministic policies on the end component (the only "
                                      f"place closed classes can lie) have one closed class",
                          policies_enumerated=n_pol, **common)


def _fmt(states: np.ndarray, limit: int = 8) -> str:
    lst = [int(s) for s in states[:limit]]
    return f"{lst}"[:-1] + (", ...]" if states.size > limit else "]")


# -- hitting times under the best policy, and the diameter -----------------------------------------
#: Largest S for which the hitting-time solves may use dense LU.
_DENSE_HITTING_MAX = 1200


def _maybe_sparse(m: TabularMDP) -> TabularMDP:
    if not m.is_sparse and m.n_states >= 64 and m.nnz <= 0.25 * m.rows.size:
        return m.to_sparse()
    return m


def _min_hitting(m: TabularMDP, target: np.ndarray, rows: sp.csr_matrix, max_iter: int):
    """Policy iteration for ``min_pi E[T(target)]``: returns ``(t, policy, bound)`` with ``t = inf``
    where no policy reaches the target almost surely, and ``bound`` the certificate of
    :func:`min_hitting_times`."""
    S, A = m.n_states, m.n_actions
    win, strategy = almost_sure_attractor(rows, A, target)
    t = np.full(S, np.inf)
    policy = np.zeros(S, dtype=np.int64)
    allowed = np.where(win[:, None], _rows_inside(rows, win).reshape(S, A), True)
    ends = target | ~win
    minus_one = np.where(ends[:, None], 0.0, -1.0) * np.ones((1, A))
    pi0 = np.where(strategy >= 0, strategy, np.argmax(allowed, axis=1))
    pi, V, tt, _, status = _ssp_policy_iteration(m, minus_one, ends, pi0, allowed, max_iter)
    if status != "converged":
        raise SolverFailedError(f"hitting-time policy iteration did not converge in {max_iter} "
                                f"improvement steps")
    Q = np.empty((S, A))
    TV = np.empty(S)
    greedy = np.empty(S, dtype=np.int64)
    costs = np.ascontiguousarray(np.where(allowed, minus_one, -np.inf))
    kernels.bellman_backup(m.operand, 0, costs, 1.0, V, Q, TV, greedy)
    TV[ends] = V[ends]
    t_norm = float(np.max(tt[win])) if win.any() else 0.0
    eps = max(0.0, float(np.max(TV[win] - V[win]))) if win.any() else 0.0
    rho = backup_rounding(m.max_row_nnz, 1.0, t_norm, 1.0)
    bound = (eps + rho) * max(1.0, t_norm)
    t[win] = tt[win]
    policy[:] = pi
    return t, policy, bound


def min_hitting_times(m: TabularMDP, target, *, max_iter: int = 10_000):
    r"""``t*(s) = min_pi E^pi[T(target) | s_0 = s]``, the fastest expected arrival in ``target``.

    A stochastic shortest path with unit costs (Bertsekas and Tsitsiklis 1991): ``t* = inf`` off
    the almost-sure attractor of the target (no policy arrives with probability 1); on it, policy
    iteration started from the attractor's proper strategy (de Alfaro 1997) and restricted to
    actions that stay in the attractor, with exact evaluation ``(I - P_NN) t_N = 1``. Certificate:
    for the returned policy's exact ``t`` and ``eps = max_s (t(s) - min_a [1 + P t](s))``,
    ``t - t* <= eps ||t||_inf`` (the SSP bound of :mod:`rlcert.mdp.total_reward` with cost 1).

    Returns
    -------
    times : ndarray (S,)
    policy : ndarray (S,) of int
        A policy attaining ``times`` (deterministic, stationary).
    certificate : float
        ``0 <= times - t* <= certificate`` (up to rounding, included).
    """
    m = _check_model(m)
    max_iter = check_positive_int(max_iter, "max_iter", InvalidArgumentError)
    mask = _target_mask(target, m.n_states)
    mu = _maybe_sparse(m)
    return _min_hitting(mu, mask, _mdp_csr(mu), max_iter)


@dataclass(frozen=True, repr=False)
class Diameter:
    r"""The diameter ``D`` of an MDP and where it is attained.

    Attributes
    ----------
    D : float
        ``max_{s != s'} min_pi E[T(s') | s_0 = s]`` (``inf`` if not communicating; 0 for one state).
    pair : (int, int) or None
        ``(s, s')`` attaining ``D`` (for ``inf``: ``s'`` is not reachable from ``s``).
    times : ndarray (S, S) or None
        ``times[s, s'] = min_pi E[T(s') | s_0 = s]`` (communicating MDPs only).
    certificate : float
        ``D - certificate <= D_true <= D`` (each entry of ``times`` is the exact hitting time of a
        policy, hence an upper bound; the SSP certificate gives the lower bound).
    """

    D: float
    pair: tuple[int, int] | None
    times: np.ndarray | None
    certificate: float
    info: dict[str, Any] = field(default_factory=dict)

    def __float__(self) -> float:
        return float(self.D)

    def __repr__(self) -> str:
        return f"Diameter(D={self.D:.6g}, pair={self.pair}, certificate={self.certificate:.1e})"


def diameter(m: TabularMDP, *, max_iter: int = 10_000) -> Diameter:
    r"""The diameter of Jaksch, Ortner and Auer (2010, "Near-optimal regret bounds for
    reinforcement learning", JMLR 11, Def. 1), exactly:

    .. math:: D = \max_{s \ne s'} \min_{\pi} \mathbb{E}^{\pi}[T(s') \mid s_0 = s],

    the minimum over deterministic stationary policies (which attain the minimum over all policies
    of a stochastic shortest path). One :func:`min_hitting_times` problem per target ``s'``.
    ``D = inf`` when the MDP is not communicating: some closed communicating class ``C`` is then a
    proper subset, and no state outside ``C`` is reachable from ``C``.
    """
    m = _check_model(m)
    max_iter = check_positive_int(max_iter, "max_iter", InvalidArgumentError)
    S = m.n_states
    check_memory(array_bytes(S, S), f"diameter: the hitting times of S={S} states, shape (S, S)")
    if S == 1:
        return Diameter(0.0, None, np.zeros((1, 1)), 0.0, {"note": "one state: no pair s != s'"})
    comps = _components(_union_graph(m))
    if len(comps) > 1:
        G = _union_graph(m)
        label = np.empty(S, dtype=np.int64)
        for k, c in enumerate(comps):
            label[c] = k
        coo = G.tocoo()
        leaves = np.zeros(len(comps), dtype=bool)
        leaves[label[coo.row[label[coo.row] != label[coo.col]]]] = True
        closed = [c for k, c in enumerate(comps) if not leaves[k]][0]
        outside = np.setdiff1d(np.arange(S), closed)
        return Diameter(math.inf, (int(closed[0]), int(outside[0])), None, 0.0,
                        {"note": f"not communicating: states {_fmt(closed)} form a closed class"})
    # S solves per target and policy: dense LU wins on random supports (sparse LU fills in),
    # sparse LU on banded ones; time both on the first target and keep the faster
    storages = {"csr": m.to_sparse()}
    if S <= _DENSE_HITTING_MAX:
        storages["dense"] = m.to_dense()
    rows = _mdp_csr(storages["csr"])
    times = np.zeros((S, S))
    cert = 0.0
    elapsed = {}
    for j in range(S):
        target = np.zeros(S, dtype=bool)
        target[j] = True
        if j == 0:
            for name, mm in storages.items():
                t0 = time.perf_counter()
                t, _, bound = _min_hitting(mm, target, rows, max_iter)
                elapsed[name] = time.perf_counter() - t0
            chosen = storages[min(elapsed, key=elapsed.__getitem__)]
        else:
            t, _, bound = _min_hitting(chosen, target, rows, max_iter)
        times[:, j] = t
        cert = max(cert, bound)
    off = times + np.diag(np.full(S, -np.inf))
    flat = int(np.argmax(off))
    s, sp_ = divmod(flat, S)
    return Diameter(float(off[s, sp_]), (int(s), int(sp_)), times, cert,
                    {"storage": min(elapsed, key=elapsed.__getitem__)})


# -- mixing times --------------------------------------------------------------------------------
@dataclass(frozen=True, repr=False)
class ClassMixing:
    """Mixing of one closed class (the chain restricted to it is irreducible)."""

    states: np.ndarray
    period: int
    t_mix: float
    stationary: np.ndarray

    def __repr__(self) -> str:
        return f"ClassMixing(states={_fmt(self.states)}, period={self.period}, t_mix={self.t_mix})"


@dataclass(frozen=True, repr=False)
class MixingTime:
    r"""Total-variation mixing time of a chain.

    Attributes
    ----------
    t_mix : float
        ``min{t : max_s TV(P^t(s, .), P*(s, .)) <= eps}`` over all starting states (transient ones
        included); ``inf`` if some closed class is periodic (``P^t`` has no limit).
    eps : float
    per_class : tuple of ClassMixing
        For each closed class, the mixing time of the chain restricted to it.
    reducible : bool
        More than one closed class, or transient states.
    tv_at, tv_before : float
        ``d(t_mix)`` and ``d(t_mix - 1)``: ``tv_before > eps >= tv_at`` (NaN where undefined); how
        far the computed distances are from ``eps`` tells how safe the integer answer is against
        rounding.
    explanation : str
    """

    t_mix: float
    eps: float
    per_class: tuple[ClassMixing, ...]
    reducible: bool
    tv_at: float
    tv_before: float
    explanation: str

    def __float__(self) -> float:
        return float(self.t_mix)

    def __repr__(self) -> str:
        return (f"MixingTime(t_mix={self.t_mix}, eps={self.eps}, classes={len(self.per_class)}, "
                f"reducible={self.reducible})")


def _check_eps(eps) -> float:
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating)) or \
            not (0.0 < float(eps) < 1.0):
        raise InvalidArgumentError(f"eps must be in (0, 1), got {eps!r}")
    return float(eps)


def _tv(M: np.ndarray, Pstar: np.ndarray) -> float:
    return 0.5 * float(np.abs(M - Pstar).sum(axis=1).max())


def _matmul(M: np.ndarray, P) -> np.ndarray:
    if sp.issparse(P):
        return np.asarray((P.T @ M.T).T)
    return M @ P


def _tv_mixing(P, Pstar: np.ndarray, eps: float, step_phase: int = 16,
               t_cap: int = 2 ** 62) -> tuple[float, float, float]:
    """``min{t : d(t) <= eps}`` with ``d(t) = TV(P^t, P*)`` (max over rows), non-increasing in
    ``t``: ``step_phase`` single steps, then doubling by squaring, then a binary search on the
    binary powers of ``P``. Returns ``(t, d(t), d(t - 1))``."""
    d_prev = _tv(np.eye(P.shape[0]), Pstar)
    if d_prev <= eps:
        return 0, d_prev, math.nan
    P1 = P.toarray() if sp.issparse(P) else np.asarray(P, dtype=np.float64)
    M, t = P1.copy(), 1  # M = P^t, d(t - 1) = d_prev > eps
    while True:
        d = _tv(M, Pstar)
        if d <= eps:
            return t, d, d_prev
        if t >= step_phase:
            break
        d_prev = d
        M = _matmul(M, P)
        t += 1
    lo_t, M_lo, d_lo = t, M, d  # d(lo_t) > eps
    while True:
        if 2 * lo_t > t_cap:
            return math.inf, math.nan, d_lo
        M_hi = M_lo @ M_lo
        d_hi = _tv(M_hi, Pstar)
        if d_hi <= eps:
            break
        lo_t, M_lo, d_lo = 2 * lo_t, M_hi, d_hi
    # the largest t in [lo_t, 2 lo_t) with d(t) > eps, from the binary powers P^(2^i)
    powers = [P1]
    while (1 << len(powers)) <= lo_t:
        powers.append(powers[-1] @ powers[-1])
    cur, cur_t, cur_d = M_lo, lo_t, d_lo
    for i in range(len(powers) - 1, -1, -1):
        if cur_t + (1 << i) >= 2 * lo_t:
            continue
        cand = cur @ powers[i]
        d = _tv(cand, Pstar)
        if d > eps:
            cur, cur_t, cur_d = cand, cur_t + (1 << i), d
    final = d_hi if cur_t + 1 == 2 * lo_t else _tv(cur @ P1, Pstar)
    return cur_t + 1, final, cur_d


def mixing_time(m, policy=None, eps: float = 0.25) -> MixingTime:
    r"""Exact total-variation mixing time of a policy's chain (or of a chain matrix ``P``).

    .. math:: t_{mix}(\varepsilon) = \min\{t \ge 0 : \max_s \|P^t(s, \cdot) - P^*(s, \cdot)\|_{TV}
              \le \varepsilon\},

    ``P*`` the limit of ``P^t`` (Levin, Peres and Wilmer 2009, Sec. 4.5, for irreducible chains;
    here every start, transient states included, against its own limit ``P*(s, .)``). ``d(t)`` is
    non-increasing since ``P^{t+1} - P* = P (P^t - P*)``, so ``t_mix`` is found by doubling
    ``t`` and a binary search on the powers ``P^{2^i}`` (``O(log^2 t_mix)`` products of ``S x S``
    matrices). Periodic closed classes: ``P^t`` has no limit and ``t_mix = inf``. Reducible chains:
    ``per_class`` gives each closed class's own mixing time, and ``explanation`` says which class
    (or which transient start) is slowest.

    Parameters
    ----------
    m : TabularMDP, or an (S, S) stochastic matrix (dense or sparse)
    policy : (S,) actions or (S, A) probabilities; required with a model, refused with a matrix
    eps : float in (0, 1)
    """
    eps = _check_eps(eps)
    P = _chain(m, policy)
    if sp.issparse(P):
        P = chain_csr(P)
    Pstar, classes, transient, mus = _limiting(P)
    reducible = len(classes) > 1 or transient.size > 0
    per = []
    for k, C in enumerate(classes):
        period = max(class_period(P, C), 1)
        if period > 1:
            per.append(ClassMixing(C, period, math.inf, mus[k, C]))
        elif not reducible:  # the class is the whole chain: computed once below
            per.append(ClassMixing(C, period, math.nan, mus[k, C]))
        else:
            sub = P[C][:, C] if sp.issparse(P) else P[np.ix_(C, C)]
            t, _, _ = _tv_mixing(sub, np.broadcast_to(mus[k, C], (C.size, C.size)), eps)
            per.append(ClassMixing(C, period, float(t), mus[k, C]))
    periodic = [c for c in per if c.period > 1]
    if periodic:
        c = periodic[0]
        return MixingTime(math.inf, eps, tuple(per), reducible, math.nan, math.nan,
                          f"closed class {_fmt(c.states)} has period {c.period}: P^t has no limit, "
                          f"so t_mix = inf")
    t, d_at, d_before = _tv_mixing(P, Pstar, eps)
    if not reducible:
        per = [ClassMixing(per[0].states, 1, float(t), per[0].stationary)]
        expl = "irreducible aperiodic chain"
    else:
        slow = max(per, key=lambda c: c.t_mix)
        expl = (f"reducible: {len(classes)} closed classes, {transient.size} transient states; "
                f"slowest class {_fmt(slow.states)} with t_mix {slow.t_mix:g}; t_mix over all "
                f"starts (transient ones included) is {t:g}")
    return MixingTime(float(t), eps, tuple(per), reducible, float(d_at), float(d_before), expl)


@dataclass(frozen=True, repr=False)
class WorstMixingTime:
    r"""Bounds on ``sup_pi t_mix(pi)`` over stationary policies.

    Attributes
    ----------
    lower : float or None
        ``max`` of :func:`mixing_time` over all deterministic stationary policies, computed when
        there are at most ``max_policies`` of them; a LOWER bound on the supremum over stationary
        policies (randomised policies can mix more slowly: mixing time has no vertex property).
    lower_policy : ndarray (S,) or None
        A deterministic policy attaining ``lower``.
    upper : float
        ``k * ceil(log(eps) / log(1 - alpha_k))``, valid for every stationary (even history-
        dependent) policy; ``inf`` if no ``k <= max_k`` gives ``alpha_k > 0``.
    upper_k : int or None
        The ``k`` achieving ``upper``.
    alpha : float
        ``alpha_k`` at ``upper_k``.
    n_policies : int
        ``A^S``, the number of deterministic stationary policies.
    explanation : str
    """

    lower: float | None
    lower_policy: np.ndarray | None
    upper: float
    upper_k: int | None
    alpha: float
    n_policies: int
    eps: float
    explanation: str

    def __repr__(self) -> str:
        return (f"WorstMixingTime(lower={self.lower} (over deterministic policies: a lower bound), "
                f"upper={self.upper})")


def _doeblin_upper(m: TabularMDP, eps: float, max_k: int) -> tuple[float, int | None, float]:
    r"""``nu_k(j) = min_s min_pi P^pi(s_k = j | s_0 = s)`` by ``k`` steps of a min-backup (the
    minimising policies are Markov deterministic, Puterman 1994, Sec. 4.4), ``alpha_k = sum_j
    nu_k(j)``; every policy's ``k``-step kernel then has Dobrushin coefficient
    ``<= 1 - alpha_k``."""
    S, A = m.n_states, m.n_actions
    rows = m.rows
    W = np.eye(S)
    best, best_k, best_alpha = math.inf, None, 0.0
    log_eps = math.log(eps)
    for k in range(1, max_k + 1):
        if k >= best:
            break
        Y = rows @ W
        W = np.asarray(Y).reshape(S, A, S).min(axis=1)
        alpha = float(W.min(axis=0).sum())
        if alpha <= 0.0:
            continue
        # each step is a convex combination, off by at most (S + 2) u per entry; alpha sums S
        # minima of entries computed over k steps: shrink it by that much to stay sound
        alpha_safe = alpha - 2.0 * S * k * (S + 2) * UNIT_ROUNDOFF
        if alpha_safe <= 0.0:
            continue
        n = 1 if alpha_safe >= 1.0 - eps else int(math.ceil(log_eps / math.log1p(-alpha_safe)))
        if k * n < best:
            best, best_k, best_alpha = float(k * n), k, alpha
    return best, best_k, best_alpha


def worst_mixing_time(m: TabularMDP, eps: float = 0.25, *,
                      max_policies: int = WORST_MIXING_MAX_POLICIES,
                      max_k: int | None = None) -> WorstMixingTime:
    r"""Bounds on the worst mixing time ``sup_pi t_mix(pi)`` over stationary policies.

    **Lower bound** (small instances, ``A^S <= max_policies``): the maximum of :func:`mixing_time`
    over the deterministic stationary policies. It is only a lower bound: ``t_mix`` is not convex
    in the policy, and a randomised policy can mix more slowly than every deterministic one.

    **Upper bound** (always): a Doeblin minorisation. With
    ``nu_k(j) = min_s min_pi P^pi(s_k = j | s_0 = s)`` (a ``k``-step minimisation, exact by
    backward induction) and ``alpha_k = sum_j nu_k(j)``, every policy's rows satisfy
    ``P_pi^k(s, .) >= nu_k``, so the Dobrushin coefficient ``delta(P_pi^k) = max_{s,s'}
    TV(P_pi^k(s, .), P_pi^k(s', .)) <= 1 - alpha_k`` (Dobrushin 1956; a Doeblin minorisation) and
    ``d(t) <= delta(P_pi^t) <= (1 - alpha_k)^{floor(t/k)}`` (Levin, Peres and Wilmer 2009, Lemmas
    4.11-4.12), whence ``t_mix(eps) <= k ceil(log eps / log(1 - alpha_k))``; the best ``k <= max_k``
    (default ``S``) is kept. ``inf`` when ``alpha_k = 0`` for every such ``k`` (e.g. when some
    policy is multichain or periodic).
    """
    m = _check_model(m)
    eps = _check_eps(eps)
    max_policies = check_positive_int(max_policies, "max_policies", InvalidArgumentError, minimum=0)
    S, A = m.n_states, m.n_actions
    max_k = S if max_k is None else check_positive_int(max_k, "max_k", InvalidArgumentError)
    upper, upper_k, alpha = _doeblin_upper(m, eps, max_k)
    n_pol = A ** S
    lower, lower_policy = None, None
    if n_pol <= max_policies:
        lower = -1.0
        for combo in itertools.product(range(A), repeat=S):
            pol = np.asarray(combo, dtype=np.int64)
            t = mixing_time(m, pol, eps).t_mix
            if t > lower:
                lower, lower_policy = t, pol
            if math.isinf(t):
                break
    up_txt = (f"upper bound {upper:g} for every stationary policy (Doeblin coefficient "
              f"alpha_{upper_k} = {alpha:.3g})" if upper_k else
              f"no finite upper bound: alpha_k = 0 for every k <= {max_k}")
    if lower is None:
        expl = (f"{up_txt}; the {n_pol} deterministic policies exceed max_policies={max_policies}, "
                f"so no lower bound was computed")
    else:
        expl = (f"lower bound {lower:g}: the worst of the {n_pol} deterministic policies "
                f"(randomised policies can mix more slowly); {up_txt}")
    return WorstMixingTime(lower, lower_policy, upper, upper_k, alpha, n_pol, eps, expl)


__all__ = ["support_graph", "communicating_classes", "closed_classes", "transient_states",
           "periods", "stationary_distributions", "limiting_matrix", "span", "hitting_times",
           "min_hitting_times", "classify", "Classification", "diameter", "Diameter",
           "mixing_time", "MixingTime", "ClassMixing", "worst_mixing_time", "WorstMixingTime"]
