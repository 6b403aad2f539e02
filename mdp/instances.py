"""The instance zoo: named MDPs from the literature, each with its source and parameters.

Every builder returns a validated :class:`~rlcert.mdp.TabularMDP` (use
:meth:`FiniteHorizonMDP.from_tabular <rlcert.mdp.FiniteHorizonMDP.from_tabular>` for the episodic
version). ``gamma`` defaults to ``None`` (no discount attached) unless the source fixes one.
Random families take a ``seed`` and are reproducible bit for bit.

:func:`make` builds any of them by name; :func:`names` lists the names.
"""

from __future__ import annotations

import inspect
from typing import Callable

import numpy as np
import scipy.sparse as sp

from ._validate import check_positive_int
from .errors import InvalidArgumentError, InvalidMDPError
from .models import TabularMDP


def _check_prob(x: float, name: str) -> float:
    if not (0.0 <= float(x) <= 1.0):
        raise InvalidMDPError(f"{name}={x!r} is not a probability in [0, 1]")
    return float(x)


def riverswim(n: int = 6, *, p_right: float = 0.35, p_stay: float = 0.6, p_left: float = 0.05,
              p_start_right: float = 0.6, p_end_left: float = 0.4, r_left: float = 0.005,
              r_right: float = 1.0, gamma: float | None = None, initial=0) -> TabularMDP:
    """RiverSwim with ``n`` states in a row (Strehl and Littman 2008), in the variant of
    Osband, Russo and Van Roy (2013, "(More) efficient reinforcement learning via posterior
    sampling", NeurIPS), whose parameters are the defaults here.

    Action 0 (swim left, with the current) moves deterministically to ``max(s - 1, 0)``; action 1
    (swim right, against it) moves right with ``p_right``, stays with ``p_stay`` and drifts left
    with ``p_left`` in the middle states; at the left end it moves right with ``p_start_right``
    and stays otherwise; at the right end it stays with ``1 - p_end_left`` and drifts left with
    ``p_end_left``. Rewards: ``r_left`` for action 0 in state 0, ``r_right`` for action 1 in state
    ``n - 1``, 0 elsewhere. Strehl and Littman's original uses rewards 5 and 10,000 and other
    probabilities; pass them as arguments to obtain it.
    """
    n = check_positive_int(n, "n", InvalidMDPError, minimum=2)
    for name, val in dict(p_right=p_right, p_stay=p_stay, p_left=p_left,
                          p_start_right=p_start_right, p_end_left=p_end_left).items():
        _check_prob(val, name)
    P = np.zeros((n, 2, n))
    P[np.arange(n), 0, np.maximum(np.arange(n) - 1, 0)] = 1.0
    for s in range(1, n - 1):
        P[s, 1, s + 1] += p_right
        P[s, 1, s] += p_stay
        P[s, 1, s - 1] += p_left
    P[0, 1, 1] += p_start_right
    P[0, 1, 0] += 1.0 - p_start_right
    P[n - 1, 1, n - 1] += 1.0 - p_end_left
    P[n - 1, 1, n - 2] += p_end_left
    R = np.zeros((n, 2))
    R[0, 0] = r_left
    R[n - 1, 1] = r_right
    return TabularMDP(P, R, gamma, initial)


def garnet(S: int, A: int, branching: int, seed: int = 0, *, sparse: bool = True,
           gamma: float | None = None, initial=0) -> TabularMDP:
    """Garnet random MDP (Archibald, McKinnon and Thomas 1995; as in Bhatnagar et al. 2009).

    For each ``(s, a)``: ``branching`` distinct successors drawn uniformly without replacement,
    probabilities Dirichlet(1, ..., 1) on them (the uniform partition of [0, 1] by
    ``branching - 1`` cut points); rewards ``r(s, a) ~ U[0, 1]``, independent. Stored as CSR
    unless ``sparse=False``. Reproducible from ``seed`` (``numpy.random.default_rng``).
    """
    S = check_positive_int(S, "S", InvalidMDPError)
    A = check_positive_int(A, "A", InvalidMDPError)
    b = check_positive_int(branching, "branching", InvalidMDPError)
    if b > S:
        raise InvalidMDPError(f"branching={b} exceeds the number of states S={S}")
    rng = np.random.default_rng(seed)
    n_rows = S * A
    succ = _distinct_successors(rng, n_rows, S, b)
    w = rng.exponential(size=(n_rows, b))
    probs = w / w.sum(axis=1, keepdims=True)
    R = rng.random((S, A))
    indptr = np.arange(0, n_rows * b + 1, b, dtype=np.int64)
    P = sp.csr_matrix((probs.ravel(), succ.ravel(), indptr), shape=(n_rows, S))
    if not sparse:
        P = P.toarray().reshape(S, A, S)
    return TabularMDP(P, R, gamma, initial, copy=False)


def _distinct_successors(rng: np.random.Generator, n_rows: int, S: int, b: int) -> np.ndarray:
    """``(n_rows, b)`` sorted arrays of distinct states, each row uniform among b-subsets."""
    if b > S // 2:  # dense draws: a random permutation prefix per row
        keys = rng.random((n_rows, S))
        return np.sort(np.argpartition(keys, b - 1, axis=1)[:, :b], axis=1)
    succ = np.sort(rng.integers(0, S, size=(n_rows, b)), axis=1)
    while True:  # redraw rows with a repeated state (rare when b << S); rejection keeps uniformity
        dup = np.any(succ[:, 1:] == succ[:, :-1], axis=1) if b > 1 else np.zeros(n_rows, bool)
        if not dup.any():
            return succ
        succ[dup] = np.sort(rng.integers(0, S, size=(int(dup.sum()), b)), axis=1)


def random_dense(S: int, A: int, seed: int = 0, *, gamma: float | None = None,
                 initial=0) -> TabularMDP:
    """Random MDP with full support: rows ``P(.|s, a) ~ Dirichlet(1, ..., 1)`` over all ``S``
    states, rewards ``U[0, 1]``; dense storage. Reproducible from ``seed``."""
    S = check_positive_int(S, "S", InvalidMDPError)
    A = check_positive_int(A, "A", InvalidMDPError)
    rng = np.random.default_rng(seed)
    w = rng.exponential(size=(S, A, S))
    P = w / w.sum(axis=2, keepdims=True)
    R = rng.random((S, A))
    return TabularMDP(P, R, gamma, initial, copy=False)


def forest(S: int = 3, r1: float = 4.0, r2: float = 2.0, p: float = 0.1, *,
           gamma: float | None = None, initial=0) -> TabularMDP:
    """Forest management, the example of the MDP Toolbox (Chadès, Chapron, Cros, Garcia and
    Sabbadin 2014, Ecography 37:916-920; ``mdp_example_forest``).

    States are forest ages ``0 .. S-1``; each year a fire resets the age to 0 with probability
    ``p``. Action 0 (wait): age ``s -> min(s + 1, S - 1)`` with probability ``1 - p``, ``-> 0``
    with ``p``; reward ``r1`` in the oldest state, 0 elsewhere. Action 1 (cut): age ``-> 0``;
    reward 0 in state 0, 1 in states ``1 .. S-2``, ``r2`` in the oldest state.
    """
    S = check_positive_int(S, "S", InvalidMDPError, minimum=2)
    _check_prob(p, "p")
    P = np.zeros((S, 2, S))
    ages = np.arange(S)
    P[ages, 0, np.minimum(ages + 1, S - 1)] += 1.0 - p
    P[ages, 0, 0] += p
    P[:, 1, 0] = 1.0
    R = np.zeros((S, 2))
    R[S - 1, 0] = r1
    R[1:, 1] = 1.0
    R[S - 1, 1] = r2
    return TabularMDP(P, R, gamma, initial)


_ZOO: dict[str, Callable[..., TabularMDP]] = {
    "riverswim": riverswim,
    "garnet": garnet,
    "random_dense": random_dense,
    "forest": forest,
}


def names() -> list[str]:
    """Names accepted by :func:`make`."""
    return sorted(_ZOO)


def make(name: str, **params) -> TabularMDP:
    """Build the zoo instance ``name`` with keyword parameters (e.g. ``make("garnet", S=50, A=5,
    branching=3, seed=1, gamma=0.9)``)."""
    if name not in _ZOO:
        raise InvalidArgumentError(f"instance {name!r} is not in the zoo; known: {names()}")
    builder = _ZOO[name]
    sig = inspect.signature(builder)
    try:
        sig.bind(**params)
    except TypeError as exc:
        raise InvalidArgumentError(f"{name}{sig}: {exc}") from None
    return builder(**params)


def signature(name: str) -> inspect.Signature:
    """The parameters of a zoo builder."""
    if name not in _ZOO:
        raise InvalidArgumentError(f"instance {name!r} is not in the zoo; known: {names()}")
    return inspect.signature(_ZOO[name])
