"""Hypothesis strategies for tabular and finite-horizon MDPs.

Sizes, supports and reward ranges are bounded by arguments. Transition rows are drawn as small
integer weights normalised to sum 1, so that probabilities have small denominators and a row may
hold exact zeros (sparse rows, absorbing states). Structural variants are *constructive*, never
filtered:

* ``communicating=True``: action 0 moves ``s -> (s + 1) mod S`` with positive probability, so the
  policy "always action 0" visits every state and every state reaches every other;
* ``unichain=True``: every row puts positive probability on state 0, so under every policy state
  0 is reachable from everywhere and the chain has a single recurrent class (the one of 0).

Examples
--------
>>> from hypothesis import given
>>> from rlcert.mdp.strategies import tabular_mdps
>>> @given(tabular_mdps(max_states=4, gamma=0.9))
... def test_something(m):
...     assert m.n_states <= 4
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from .models import FiniteHorizonMDP, TabularMDP

DEFAULT_GAMMAS = (0.0, 0.5, 0.9, 0.99)


def _as_strategy(x):
    return x if isinstance(x, st.SearchStrategy) else st.just(x)


@st.composite
def transition_arrays(draw, n_states: int, n_actions: int, *, leading: tuple[int, ...] = (),
                      max_weight: int = 4, communicating: bool = False,
                      unichain: bool = False) -> np.ndarray:
    """Dense ``leading + (S, A, S)`` stochastic arrays (see the module docstring)."""
    S, A = n_states, n_actions
    shape = leading + (S, A, S)
    w = draw(hnp.arrays(np.int64, shape, elements=st.integers(0, max_weight))).astype(np.float64)
    idx = np.arange(S)
    if communicating:
        w[..., idx, 0, (idx + 1) % S] += 1.0
    if unichain:
        w[..., 0] += 1.0
    empty = w.sum(axis=-1) == 0
    if empty.any():  # a row of zero weights becomes a self-loop (constructive, no filtering)
        sel = np.argwhere(empty)
        w[tuple(sel.T) + (sel[:, -2],)] = 1.0
    return w / w.sum(axis=-1, keepdims=True)


def _rewards(draw, shape, reward_range):
    lo, hi = reward_range
    return draw(hnp.arrays(np.float64, shape, elements=st.floats(
        lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)))


@st.composite
def tabular_mdps(draw, min_states: int = 1, max_states: int = 5, min_actions: int = 1,
                 max_actions: int = 3, *, gamma=DEFAULT_GAMMAS, sparse: bool | None = None,
                 reward_range: tuple[float, float] = (0.0, 1.0), communicating: bool = False,
                 unichain: bool = False, max_weight: int = 4) -> TabularMDP:
    """:class:`TabularMDP` instances.

    Parameters
    ----------
    gamma : float, None, sequence of floats, or a strategy
        A fixed discount, a set to sample from, or a strategy.
    sparse : bool or None
        CSR storage (True), dense (False), or either (None).
    """
    S = draw(st.integers(min_states, max_states))
    A = draw(st.integers(min_actions, max_actions))
    P = draw(transition_arrays(S, A, max_weight=max_weight, communicating=communicating,
                               unichain=unichain))
    R = _rewards(draw, (S, A), reward_range)
    if isinstance(gamma, (tuple, list)):
        g = draw(st.sampled_from(list(gamma)))
    else:
        g = draw(_as_strategy(gamma))
    use_sparse = draw(st.booleans()) if sparse is None else sparse
    initial = draw(st.integers(0, S - 1))
    P_in = sp.csr_matrix(P.reshape(S * A, S)) if use_sparse else P
    return TabularMDP(P_in, R, g, initial)


@st.composite
def finite_horizon_mdps(draw, min_states: int = 1, max_states: int = 4, min_actions: int = 1,
                        max_actions: int = 3, min_horizon: int = 1, max_horizon: int = 4, *,
                        stationary: bool | None = None, gamma=1.0, sparse: bool | None = None,
                        reward_range: tuple[float, float] = (0.0, 1.0),
                        max_weight: int = 4) -> FiniteHorizonMDP:
    """:class:`FiniteHorizonMDP` instances, stationary or with per-step transitions and rewards."""
    S = draw(st.integers(min_states, max_states))
    A = draw(st.integers(min_actions, max_actions))
    H = draw(st.integers(min_horizon, max_horizon))
    stat = draw(st.booleans()) if stationary is None else stationary
    leading = () if stat else (H,)
    P = draw(transition_arrays(S, A, leading=leading, max_weight=max_weight))
    R = _rewards(draw, leading + (S, A), reward_range)
    if not stat and H == S == A:  # (H, S, A) == (S, A, S): give it the unambiguous 4-D form
        R = np.repeat(R[..., None], S, axis=-1)
    g = draw(_as_strategy(gamma))
    use_sparse = draw(st.booleans()) if sparse is None else sparse
    if use_sparse:
        P_in = (sp.csr_matrix(P.reshape(S * A, S)) if stat
                else [sp.csr_matrix(P[h].reshape(S * A, S)) for h in range(H)])
    else:
        P_in = P
    initial = draw(st.integers(0, S - 1))
    return FiniteHorizonMDP(P_in, R, H, g, initial)
