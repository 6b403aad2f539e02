"""The instance zoo: named MDPs from the literature, each with its source and parameters.

Every builder returns a validated :class:`~rlcert.mdp.TabularMDP` (use
:meth:`FiniteHorizonMDP.from_tabular <rlcert.mdp.FiniteHorizonMDP.from_tabular>` for the episodic
version), except the stage-dependent episodic instances (:func:`domingues_hard`), which return a
:class:`~rlcert.mdp.FiniteHorizonMDP` with per-step transitions. ``gamma`` defaults to ``None``
(no discount attached) unless the source fixes one. Random families take a ``seed`` and are
reproducible bit for bit.

:func:`make` builds any of them by name; :func:`names` lists the names.
"""

from __future__ import annotations

import inspect
import numbers
from typing import Callable

import numpy as np
import scipy.sparse as sp

from ._validate import array_bytes, check_memory, check_positive_int, initial_distribution
from .errors import InvalidArgumentError, InvalidMDPError
from .models import FiniteHorizonMDP, TabularMDP


def _check_prob(x: float, name: str) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise InvalidMDPError(f"{name} must be a probability in [0, 1], got {x!r}")
    if not (0.0 <= float(x) <= 1.0):
        raise InvalidMDPError(f"{name}={x!r} is not a probability in [0, 1]")
    return float(x)


def _check_finite_number(x, name: str) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real) \
            or not np.isfinite(x):  # type: ignore[call-overload]  # numpy's stubs omit numbers.Real
        raise InvalidMDPError(f"{name}={x!r} is not a finite number")
    return float(x)


def _check_index(i, n: int, name: str) -> int:
    if isinstance(i, (bool, np.bool_)) or not isinstance(i, numbers.Integral) or not (0 <= int(i) < n):
        raise InvalidMDPError(f"{name}={i!r} is not an index in [0, {n})")
    return int(i)


def _check_seed(seed, name: str = "seed"):
    """What :func:`numpy.random.default_rng` takes: an integer >= 0, a SeedSequence, a Generator,
    or None."""
    if seed is None or isinstance(seed, (np.random.SeedSequence, np.random.Generator,
                                         np.random.BitGenerator)):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise InvalidMDPError(f"{name} must be an integer >= 0 (or a numpy SeedSequence or "
                              f"Generator), got {seed!r}")
    return int(seed)


def _check_dense_size(S: int, A: int, what: str, copies: int = 2) -> None:
    """Refuse a builder whose dense ``(S, A, S)`` arrays would not fit in memory."""
    check_memory(array_bytes(copies, S, A, S),
                 f"{what}: {copies} dense arrays of shape (S, A, S) = ({S}, {A}, {S})",
                 InvalidMDPError)


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
    _check_dense_size(n, 2, f"riverswim(n={n})")
    for name, val in dict(p_right=p_right, p_stay=p_stay, p_left=p_left,
                          p_start_right=p_start_right, p_end_left=p_end_left).items():
        _check_prob(val, name)
    total = float(p_right) + float(p_stay) + float(p_left)
    if abs(total - 1.0) > 1e-9:
        raise InvalidMDPError(f"p_right + p_stay + p_left = {p_right!r} + {p_stay!r} + {p_left!r} "
                              f"= {total!r}, not 1: they are the middle states' moves")
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
    # successor draws hold (S*A, S) keys when b > S/2, else a few (S*A, b) arrays
    check_memory(array_bytes(S, A, S) if b > S // 2 else array_bytes(4, S, A, b),
                 f"garnet(S={S}, A={A}, branching={b}): the successor draws", InvalidMDPError)
    if not sparse:
        _check_dense_size(S, A, f"garnet(S={S}, A={A}, sparse=False)", copies=1)
    rng = np.random.default_rng(_check_seed(seed))
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
    _check_dense_size(S, A, f"random_dense(S={S}, A={A})")
    rng = np.random.default_rng(_check_seed(seed))
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
    _check_dense_size(S, 2, f"forest(S={S})")
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


def chain(n: int = 5, slip: float = 0.2, r_forward: float = 10.0, r_back: float = 2.0, *,
          gamma: float | None = None, initial=0) -> TabularMDP:
    r"""The NChain of Dearden, Friedman and Russell (1998, "Bayesian Q-learning", AAAI) as used by
    Strens (2000, "A Bayesian framework for reinforcement learning", ICML, Section 6.1), whose
    parameters are the defaults here (5 states, slip 0.2, rewards 10 and 2).

    States ``0 .. n-1`` in a row; the agent starts in state 0. Two actions: 0 "forward"
    (Strens' action *a*) and 1 "back" (action *b*). Their *outcomes* are

    * forward: ``s -> s + 1`` with reward 0 for ``s < n - 1``; at the end, ``n - 1 -> n - 1``
      with reward ``r_forward``;
    * back: ``s -> 0`` with reward ``r_back`` (from every state, state 0 included).

    With probability ``slip`` the agent "slips" and the *other* action's outcome happens instead
    (Strens' convention, also that of Gym's ``NChain-v0``, with action 0 forward). Hence, with
    ``f(s) = min(s + 1, n - 1)`` and ``r_f(s) = r_forward * 1{s = n - 1}``,

    .. math::

        P(f(s) | s, 0) = 1 - slip,\quad P(0 | s, 0) = slip,\qquad
        P(0 | s, 1) = 1 - slip,\quad P(f(s) | s, 1) = slip

    (added up when ``f(s) = 0``, which never happens for ``n >= 2``), and the expected rewards are
    ``r(s, 0) = (1 - slip) r_f(s) + slip * r_back`` and
    ``r(s, 1) = (1 - slip) r_back + slip * r_f(s)``. Rewards are not in [0, 1]; divide by
    ``r_forward`` (:meth:`TabularMDP.with_rewards`) for learners that need it.

    With the defaults, always going forward earns on average
    ``0.8^4 * 8.4 + (1 - 0.8^4) * 0.4 = 3.6768`` per step, the 3677 per 1000 steps quoted for
    the optimal policy in the Bayesian RL literature; always going back earns about 1.6.

    Parameters
    ----------
    n : int >= 2
        Number of states (Strens: 5).
    slip : float in [0, 1]
        Probability that the other action's outcome happens (Strens: 0.2).
    r_forward : float
        Reward of the forward outcome at the end of the chain (Strens: 10).
    r_back : float
        Reward of the back outcome, from any state (Strens: 2).
    gamma : float in [0, 1] or None
        Discount attached to the model (the source's criterion is the total reward over 1000
        steps, so none is attached by default).
    initial : int or array_like (n,)
        Initial state or distribution (Strens: state 0, the first state of the chain).
    """
    n = check_positive_int(n, "n", InvalidMDPError, minimum=2)
    _check_dense_size(n, 2, f"chain(n={n})")
    slip = _check_prob(slip, "slip")
    r_forward = _check_finite_number(r_forward, "r_forward")
    r_back = _check_finite_number(r_back, "r_back")
    states = np.arange(n)
    fwd = np.minimum(states + 1, n - 1)
    r_fwd = np.where(states == n - 1, r_forward, 0.0)
    P = np.zeros((n, 2, n))
    P[states, 0, fwd] += 1.0 - slip
    P[states, 0, 0] += slip
    P[states, 1, 0] += 1.0 - slip
    P[states, 1, fwd] += slip
    R = np.empty((n, 2))
    R[:, 0] = (1.0 - slip) * r_fwd + slip * r_back
    R[:, 1] = (1.0 - slip) * r_back + slip * r_fwd
    return TabularMDP(P, R, gamma, initial)


#: Moves of the four grid actions, in the order up, right, down, left: ``(d_row, d_col)``.
GRID_MOVES = ((-1, 0), (0, 1), (1, 0), (0, -1))


def _grid_successors(rows: int, cols: int, blocked: np.ndarray) -> np.ndarray:
    """``(rows*cols, 4)`` row-major successor of each cell under each deterministic move; a move
    off the grid or into a blocked cell leaves the cell unchanged."""
    nxt = np.empty((rows * cols, 4), dtype=np.int64)
    for r in range(rows):
        for c in range(cols):
            s = r * cols + c
            for a, (dr, dc) in enumerate(GRID_MOVES):
                r2, c2 = r + dr, c + dc
                inside = 0 <= r2 < rows and 0 <= c2 < cols
                nxt[s, a] = r2 * cols + c2 if inside and not blocked[r2 * cols + c2] else s
    return nxt


def _cell(cell, rows: int, cols: int, name: str) -> int:
    """Row-major index of a ``(row, col)`` pair, refusing cells outside the grid."""
    try:
        r, c = (int(v) for v in cell)
    except (TypeError, ValueError):
        raise InvalidMDPError(f"{name}={cell!r} is not a (row, col) pair") from None
    if not (0 <= r < rows and 0 <= c < cols):
        raise InvalidMDPError(f"{name}={cell!r} is outside the {rows} x {cols} grid")
    return r * cols + c


def gridworld(rows: int = 4, cols: int = 4, slip: float = 0.1, *, goal=None, walls=(),
              gamma: float | None = None, initial=0) -> TabularMDP:
    r"""A slippery gridworld with a rewarding absorbing goal (a generic test instance; no single
    source, so the defaults are this library's choice).

    States are the cells, indexed row-major: cell ``(r, c)`` is state ``r * cols + c``; row 0 is
    the top row, so state 0 is the top-left corner. Four actions, in the order
    0 up, 1 right, 2 down, 3 left. The intended move happens with probability ``1 - slip``;
    otherwise one of the *three other* directions happens, each with probability ``slip / 3``
    (so ``slip = 0.75`` is a uniformly random direction). A move off the grid or into a wall
    leaves the agent where it is.

    Reward: 1 on every transition *into* the goal from another cell, so
    ``r(s, a) = P(goal | s, a)`` for ``s != goal``; the goal is absorbing with reward 0 (every
    action stays, nothing more is earned). Under ``gamma = 1`` the value of a policy is its
    probability of ever reaching the goal, and under ``gamma < 1`` the discounted probability.

    Wall cells keep their row-major index so that states and cells correspond one to one: they
    are unreachable, absorbing states with reward 0 (every action stays).

    Parameters
    ----------
    rows, cols : int >= 1
        Grid size; ``rows * cols >= 2``.
    slip : float in [0, 1]
        Probability that the intended move is replaced by a uniformly random other direction.
    goal : (row, col), optional
        The goal cell; default the bottom-right corner ``(rows - 1, cols - 1)``.
    walls : iterable of (row, col)
        Blocked cells (neither the goal nor the initial state).
    gamma : float in [0, 1] or None
        Discount attached to the model.
    initial : int or array_like (rows*cols,)
        Initial state (row-major index) or distribution; default the top-left cell.
    """
    rows = check_positive_int(rows, "rows", InvalidMDPError)
    cols = check_positive_int(cols, "cols", InvalidMDPError)
    _check_dense_size(rows * cols, 4, f"gridworld(rows={rows}, cols={cols})")
    S = rows * cols
    if S < 2:
        raise InvalidMDPError(f"rows={rows}, cols={cols}: the grid needs at least 2 cells")
    slip = _check_prob(slip, "slip")
    g = _cell((rows - 1, cols - 1) if goal is None else goal, rows, cols, "goal")
    blocked = np.zeros(S, dtype=bool)
    for w in walls:
        blocked[_cell(w, rows, cols, "walls entry")] = True
    if blocked[g]:
        raise InvalidMDPError(f"goal={goal!r} is also a wall")
    mu = initial_distribution(initial, S)
    if np.any(mu[blocked] > 0):
        s = int(np.flatnonzero(blocked & (mu > 0))[0])
        raise InvalidMDPError(f"initial puts mass on wall cell {divmod(s, cols)} (state {s})")
    nxt = _grid_successors(rows, cols, blocked)
    # outcome weights: the intended direction 1 - slip, each other direction slip / 3
    weights = np.full((4, 4), slip / 3.0)
    np.fill_diagonal(weights, 1.0 - slip)
    P = np.zeros((S, 4, S))
    for a in range(4):
        for b in range(4):
            np.add.at(P[:, a, :], (np.arange(S), nxt[:, b]), weights[a, b])
    frozen = blocked.copy()
    frozen[g] = True
    P[frozen] = 0.0
    for f in np.flatnonzero(frozen):
        P[f, :, f] = 1.0
    R = P[:, :, g].copy()
    R[frozen] = 0.0
    return TabularMDP(P, R, gamma, mu)


def sutton_barto_gridworld(*, gamma: float = 1.0, initial=None) -> TabularMDP:
    r"""The 4 x 4 gridworld of Sutton and Barto (2018, "Reinforcement Learning: An Introduction",
    2nd ed., Example 4.1 and Figure 4.1).

    States ``0 .. 15`` are the cells, row-major from the top-left corner. The nonterminal states
    are ``1 .. 14``; the two shaded corners 0 and 15 are terminal (the book treats them as one
    terminal state; here each is absorbing with reward 0 under every action, which gives the same
    values). Four deterministic actions, 0 up, 1 right, 2 down, 3 left; a move off the grid
    leaves the state unchanged. The reward is -1 on every transition from a nonterminal state.
    The criterion is the undiscounted total reward, ``gamma = 1``.

    The equiprobable random policy has the values of Figure 4.1 (``k = infinity``)::

          0 -14 -20 -22
        -14 -18 -20 -20
        -20 -20 -18 -14
        -22 -20 -14   0

    Parameters
    ----------
    gamma : float in [0, 1]
        Discount (the book: 1).
    initial : int or array_like (16,), optional
        Initial state or distribution; the book fixes none, and the default is the uniform
        distribution over the nonterminal states ``1 .. 14``.
    """
    rows = cols = 4
    S = rows * cols
    terminal = np.zeros(S, dtype=bool)
    terminal[[0, S - 1]] = True
    nxt = _grid_successors(rows, cols, np.zeros(S, dtype=bool))
    P = np.zeros((S, 4, S))
    for a in range(4):
        P[np.arange(S), a, nxt[:, a]] = 1.0
    P[terminal] = 0.0
    for s in np.flatnonzero(terminal):
        P[s, :, s] = 1.0
    R = np.where(terminal[:, None], 0.0, -1.0) * np.ones((S, 4))
    if initial is None:
        initial = np.where(terminal, 0.0, 1.0 / (S - 2))
    return TabularMDP(P, R, gamma, initial)


def gamblers_problem(goal: int = 100, p_heads: float = 0.4, *, gamma: float = 1.0,
                     initial=None) -> TabularMDP:
    r"""The gambler's problem of Sutton and Barto (2018, "Reinforcement Learning: An
    Introduction", 2nd ed., Example 4.3; ``p_heads = 0.4`` is their Figure 4.3).

    State ``s`` is the capital, ``0 .. goal``; ``0`` (ruin) and ``goal`` are terminal: absorbing,
    reward 0 under every action. In state ``s`` the stakes ``k = 1 .. m(s)`` are allowed, with
    ``m(s) = min(s, goal - s)``: the capital becomes ``s + k`` with probability ``p_heads`` and
    ``s - k`` otherwise. The reward is +1 on a transition into ``goal`` and 0 otherwise, and the
    criterion is the undiscounted total reward (``gamma = 1``), so ``V^pi(s)`` is the probability
    of reaching ``goal`` from ``s``.

    **Action encoding.** rlcert models have the same actions in every state, so action ``k - 1``
    is the stake ``k`` for ``k = 1 .. goal // 2`` (the largest stake anywhere). In state ``s`` a
    stake ``k > m(s)`` is infeasible and behaves exactly like the largest feasible stake
    ``m(s)``. This preserves the optimal value and the optimal policies: every infeasible action
    is a copy of a feasible action of the same state, so the set of available
    (transition, reward) pairs in each state, hence the Bellman optimality operator, is the
    book's. The book's action set also contains the stake 0 (no bet), which is left out: it
    leaves the capital unchanged with reward 0, so it only postpones, and its removal leaves V*
    unchanged. For ``p_heads < 1/2`` bold play, the stake ``m(s)`` (action ``m(s) - 1``), is
    optimal (Dubins and Savage 1965).

    Parameters
    ----------
    goal : int >= 2
        The target capital (the book: 100).
    p_heads : float in [0, 1]
        Probability that the coin comes up heads (the book: 0.4 in Figure 4.3).
    gamma : float in [0, 1]
        Discount (the book: 1, undiscounted).
    initial : int or array_like (goal + 1,), optional
        Initial capital or distribution; default ``goal // 2``.
    """
    goal = check_positive_int(goal, "goal", InvalidMDPError, minimum=2)
    _check_dense_size(goal + 1, goal // 2 + 1, f"gamblers_problem(goal={goal})")
    p = _check_prob(p_heads, "p_heads")
    S, A = goal + 1, goal // 2
    P = np.zeros((S, A, S))
    R = np.zeros((S, A))
    P[0, :, 0] = 1.0
    P[goal, :, goal] = 1.0
    stakes = np.arange(1, A + 1)
    for s in range(1, goal):
        k = np.minimum(stakes, min(s, goal - s))
        P[s, np.arange(A), s + k] += p
        P[s, np.arange(A), s - k] += 1.0 - p
        R[s] = np.where(s + k == goal, p, 0.0)
    return TabularMDP(P, R, gamma, goal // 2 if initial is None else initial)


def joa_two_state(delta: float = 0.1, eps: float = 0.05, n_actions: int = 2, *,
                  good_action: int = 0, gamma: float | None = None, initial=0) -> TabularMDP:
    r"""The two-state building block of the regret lower bound of Jaksch, Ortner and Auer (2010,
    "Near-optimal regret bounds for reinforcement learning", JMLR 11:1563-1600, Theorem 5;
    construction in Section 6, Figure 3).

    State 0 is the paper's :math:`s_\circ` (reward 0 under every action) and state 1 is
    :math:`s_1` (reward 1 under every action). From :math:`s_\circ` every action moves to
    :math:`s_1` with probability ``delta`` and stays otherwise, except the single good action
    :math:`a^*` (``good_action``), which moves with probability ``delta + eps``. From :math:`s_1`
    every action returns to :math:`s_\circ` with probability ``delta`` and stays otherwise.

    The diameter is ``1 / delta`` (from :math:`s_1` every policy needs ``1 / delta`` steps on
    average to return; from :math:`s_\circ` the good action needs ``1 / (delta + eps)``). The
    optimal average reward, attained by playing :math:`a^*`, is
    ``(delta + eps) / (2 delta + eps)``; every other stationary policy that avoids :math:`a^*`
    earns ``1/2``. In the paper ``delta = 4 / D`` for the target diameter ``D`` (so the block has
    diameter ``D / 4``), the proof assumes ``delta <= 1/3`` (``D >= 12``) and ``eps <= delta``,
    and ``eps = (1/5) sqrt(k A' D' / T)`` with ``k`` copies of the block, ``A'`` actions and
    ``D' = 1/delta``; ``eps = 0`` is the reference MDP with no good action. The full lower-bound
    MDP joins ``k`` copies by an ``A'``-ary tree of extra actions; this builder gives one block.
    Average-reward use: no discount is attached by default.

    Parameters
    ----------
    delta : float in (0, 1]
        Transition probability between the two states under ordinary actions (paper: 4 / D).
    eps : float in [0, delta]
        Extra probability of leaving :math:`s_\circ` under the good action (the paper requires
        ``eps <= delta``; ``delta + eps <= 1``).
    n_actions : int >= 1
        Number of actions :math:`A'` in each state.
    good_action : int in [0, n_actions)
        Index of :math:`a^*`.
    gamma : float in [0, 1] or None
        Discount attached to the model.
    initial : int or array_like (2,)
        Initial state or distribution; default :math:`s_\circ`.
    """
    delta = _check_prob(delta, "delta")
    if delta <= 0.0:
        raise InvalidMDPError(f"delta={delta!r} must be positive (the diameter is 1/delta)")
    eps = _check_prob(eps, "eps")
    if eps > delta:
        raise InvalidMDPError(f"eps={eps!r} exceeds delta={delta!r}: Jaksch, Ortner and Auer's "
                              f"construction requires eps <= delta")
    if delta + eps > 1.0:
        raise InvalidMDPError(f"delta + eps = {delta + eps!r} exceeds 1")
    A = check_positive_int(n_actions, "n_actions", InvalidMDPError)
    a_star = _check_index(good_action, A, "good_action")
    up = np.full(A, delta)
    up[a_star] += eps
    P = np.zeros((2, A, 2))
    P[0, :, 1] = up
    P[0, :, 0] = 1.0 - up
    P[1, :, 0] = delta
    P[1, :, 1] = 1.0 - delta
    R = np.zeros((2, A))
    R[1] = 1.0
    return TabularMDP(P, R, gamma, initial)


def domingues_hard(n_actions: int = 2, depth: int = 2, horizon: int = 6, *, eps: float = 0.1,
                   special=None, H_bar: int | None = None, waiting_action: int = 0,
                   gamma: float = 1.0, initial=0) -> FiniteHorizonMDP:
    r"""The hard episodic MDP of Domingues, Ménard, Kaufmann and Valko (2021, "Episodic
    reinforcement learning in finite MDPs: minimax lower bounds revisited", ALT, PMLR 132;
    Section 3, the class of hard MDPs and its figure), behind their
    :math:`\Omega(\sqrt{H^3 S A T})` regret and :math:`\Omega(H^3 S A \log(1/\delta)/\varepsilon^2)`
    best-policy-identification bounds. Stage-dependent, so it is returned as a
    :class:`FiniteHorizonMDP` with per-step transitions ``(H, S, A, S)``.

    Stages are 0-based here: stage ``h`` is the paper's stage ``h + 1``.

    **States** (``S = 3 + (A^d - 1)/(A - 1)``, the paper's assumption on ``S``):

    * ``0``: the waiting state :math:`s_w`, the initial state;
    * ``1 .. (A^d - 1)/(A - 1)``: a full ``A``-ary tree with ``d`` levels in breadth-first order,
      state 1 the root :math:`s_{root}`; the children of tree node ``i`` (0-based within the
      tree, state ``1 + i``) are tree nodes ``A i + 1 + a``, ``a = 0 .. A-1``; the
      ``L = A^(d-1)`` nodes of the last level are the leaves, numbered ``0 .. L-1`` from left to
      right;
    * ``S - 2``: the good state :math:`s_g`; ``S - 1``: the bad state :math:`s_b`.

    **Transitions at stage** ``h``:

    * from :math:`s_w`, the action :math:`a_w` (``waiting_action``) stays in :math:`s_w` while
      ``h <= H_bar - 2`` (the paper's stages ``1 .. H_bar - 1``); every other action, and every
      action at stage ``H_bar - 1`` or later, leads to the root;
    * from a tree node that is not a leaf, action ``a`` leads to its ``a``-th child
      (deterministic);
    * from a leaf ``l``, every action ``a`` leads to :math:`s_g` with probability
      ``1/2 + Delta_(h, l, a)`` and to :math:`s_b` otherwise, with
      ``Delta_(h, l, a) = eps * 1{(h, l, a) = (h*, l*, a*)}`` for the special triple
      ``special = (h*, l*, a*)``;
    * :math:`s_g` and :math:`s_b` are absorbing.

    So the agent leaves :math:`s_w` at a stage of its choice among ``0 .. H_bar - 1`` and reaches
    a leaf ``d - 1`` stages after the root, at a stage in ``d .. H_bar + d - 1`` (the paper's
    ``1 + d .. H_bar + d``, the range of its :math:`h^*`): it chooses one of ``H_bar * L * A``
    (stage, leaf, action) triples, and only the special one has success probability
    ``1/2 + eps``.

    **Rewards**: ``r_h(s, a) = 1{s = s_g, h >= H_bar + d}`` (the paper's
    :math:`1\{s = s_g, h \ge \bar H + d + 1\}`), in [0, 1]. Every policy is in
    :math:`\{s_g, s_b\}` from stage ``H_bar + d`` on, so
    ``V*_0(s_w) = (H - H_bar - d)(1/2 + eps)`` and a policy that misses the special triple gets
    ``(H - H_bar - d)/2``.

    The paper takes ``H_bar = H/3`` and assumes ``S >= 6``, ``A >= 2``, ``H >= 3d``; the
    defaults (``A = 2``, ``d = 2``, ``S = 6``, ``H = 6``) are the smallest instance satisfying
    them. ``eps = 0`` gives the reference MDP :math:`\mathcal M_0` in which every triple
    succeeds with probability 1/2.

    A choice made here: the last stage at which :math:`a_w` keeps the agent waiting is taken so
    that the reachable leaf stages are exactly the range ``1 + d .. H_bar + d`` of the paper's
    :math:`h^*`. A reading of the waiting rule that lets the agent wait one stage longer only
    adds options that are never special and reach :math:`s_g` one stage late; it leaves ``V*``
    and the set of (stage, leaf, action) triples that can be special unchanged.

    Parameters
    ----------
    n_actions : int >= 2
        Number of actions ``A``.
    depth : int >= 1
        Number of levels ``d`` of the tree (``d = 1``: the root is the only leaf).
    horizon : int
        Episode length ``H``; requires ``H >= H_bar + d + 1`` (the paper assumes ``H >= 3d``).
    eps : float in [0, 1/2]
        Advantage of the special triple.
    special : (int, int, int), optional
        The special triple ``(h*, l*, a*)``: 0-based stage ``h*`` in ``d .. H_bar + d - 1``, leaf
        ``l*`` in ``0 .. L - 1``, action ``a*`` in ``0 .. A - 1``. Default ``(d, 0, 0)``, the
        first triple.
    H_bar : int, optional
        The waiting window :math:`\bar H` (number of stages at which the agent may leave
        :math:`s_w`); default ``horizon // 3`` (the paper's ``H / 3``, rounded down).
    waiting_action : int in [0, A)
        The action :math:`a_w`.
    gamma : float in [0, 1]
        Discount inside the episode (the paper: 1).
    initial : int or array_like (S,)
        Initial state or distribution (the paper: :math:`s_w`, state 0).
    """
    A = check_positive_int(n_actions, "n_actions", InvalidMDPError, minimum=2)
    d = check_positive_int(depth, "depth", InvalidMDPError)
    H = check_positive_int(horizon, "horizon", InvalidMDPError)
    eps = _check_prob(eps, "eps")
    if eps > 0.5:
        raise InvalidMDPError(f"eps={eps!r} exceeds 1/2: the special triple succeeds with "
                              f"probability 1/2 + eps")
    Hb = H // 3 if H_bar is None else check_positive_int(H_bar, "H_bar", InvalidMDPError)
    if Hb < 1:
        raise InvalidMDPError(f"H_bar = horizon // 3 = {Hb} for horizon={H}: pass a horizon "
                              f">= 3 or H_bar >= 1 explicitly")
    if Hb + d + 1 > H:
        raise InvalidMDPError(f"horizon={H} is too short for H_bar={Hb} and depth={d}: the "
                              f"rewarding stages H_bar + d .. H - 1 are empty unless "
                              f"horizon >= H_bar + depth + 1 = {Hb + d + 1}")
    a_w = _check_index(waiting_action, A, "waiting_action")
    check_memory(array_bytes(H, (A ** d - 1) // (A - 1) + 3, A, (A ** d - 1) // (A - 1) + 3),
                 f"domingues_hard(n_actions={A}, depth={d}, horizon={H}): P of shape (H, S, A, S)",
                 InvalidMDPError)
    n_tree = (A ** d - 1) // (A - 1)
    n_leaves = A ** (d - 1)
    first_leaf = n_tree - n_leaves  # tree index of leaf 0
    S = n_tree + 3
    wait, root, good, bad = 0, 1, S - 2, S - 1
    if special is None:
        special = (d, 0, 0)
    try:
        h_star, l_star, a_star = (int(v) for v in special)
    except (TypeError, ValueError):
        raise InvalidMDPError(f"special={special!r} is not a (stage, leaf, action) "
                              f"triple") from None
    if not (d <= h_star <= Hb + d - 1):
        raise InvalidMDPError(f"special stage {h_star} is outside the leaf stages "
                              f"{d} .. {Hb + d - 1} (0-based; depth={d}, H_bar={Hb})")
    _check_index(l_star, n_leaves, "special leaf")
    _check_index(a_star, A, "special action")

    P1 = np.zeros((S, A, S))
    for i in range(first_leaf):  # internal tree nodes: a-th child
        P1[1 + i, np.arange(A), 1 + A * i + 1 + np.arange(A)] = 1.0
    leaves = 1 + first_leaf + np.arange(n_leaves)
    P1[leaves, :, good] = 0.5
    P1[leaves, :, bad] = 0.5
    P1[good, :, good] = 1.0
    P1[bad, :, bad] = 1.0
    P1[wait, :, root] = 1.0
    P = np.repeat(P1[None], H, axis=0)
    for h in range(min(Hb - 1, H)):  # a_w keeps the agent waiting at stages 0 .. H_bar - 2
        P[h, wait, a_w, root] = 0.0
        P[h, wait, a_w, wait] = 1.0
    leaf = leaves[l_star]
    P[h_star, leaf, a_star, good] = 0.5 + eps
    P[h_star, leaf, a_star, bad] = 0.5 - eps
    # reward on transitions (h, s, a, s') = 1{s = s_g, h >= H_bar + d}: four-dimensional, so that
    # no shape is ambiguous; the rows of s_g are one-hot, so the reduction is exact
    R = np.zeros((H, S, A, S))
    R[Hb + d:, good, :, :] = 1.0
    return FiniteHorizonMDP(P, R, H, gamma, initial)


_ZOO: dict[str, Callable[..., TabularMDP | FiniteHorizonMDP]] = {
    "riverswim": riverswim,
    "garnet": garnet,
    "random_dense": random_dense,
    "forest": forest,
    "chain": chain,
    "gridworld": gridworld,
    "sutton_barto_gridworld": sutton_barto_gridworld,
    "gamblers_problem": gamblers_problem,
    "joa_two_state": joa_two_state,
    "domingues_hard": domingues_hard,
}


def names() -> list[str]:
    """Names accepted by :func:`make`."""
    return sorted(_ZOO)


def make(name: str, **params) -> TabularMDP | FiniteHorizonMDP:
    """Build the zoo instance ``name`` with keyword parameters (e.g. ``make("garnet", S=50, A=5,
    branching=3, seed=1, gamma=0.9)``)."""
    if not isinstance(name, str) or name not in _ZOO:
        raise InvalidArgumentError(f"name={name!r} is not in the zoo; known: {names()}")
    builder = _ZOO[name]
    sig = inspect.signature(builder)
    try:
        sig.bind(**params)
    except TypeError as exc:
        raise InvalidArgumentError(f"{name}{sig}: {exc}") from None
    return builder(**params)


def signature(name: str) -> inspect.Signature:
    """The parameters of a zoo builder."""
    if not isinstance(name, str) or name not in _ZOO:
        raise InvalidArgumentError(f"name={name!r} is not in the zoo; known: {names()}")
    return inspect.signature(_ZOO[name])
