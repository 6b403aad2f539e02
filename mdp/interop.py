"""Import of tabular Gymnasium environments: :func:`from_gymnasium`.

Gymnasium's toy-text environments (FrozenLake, CliffWalking, Taxi) expose their dynamics as
``env.unwrapped.P[s][a] = [(prob, next_state, reward, terminated), ...]``; this is not part of
Gymnasium's official API, so it is read defensively. Conversion rules:

* entries with the same ``(s, a, next_state)`` are summed (FrozenLake lists duplicates);
* the expected reward ``r(s, a) = sum prob * reward`` keeps the reward of terminating transitions;
* a state entered by a terminating transition becomes absorbing with reward 0 (its listed
  outgoing transitions are never used by the environment after termination);
* a state entered both by terminating and by non-terminating transitions (or that can start an
  episode) is **split**: terminating transitions lead to a new absorbing zero-reward copy of it,
  appended after the original states, while the original keeps its dynamics;
* probabilities are validated like any :class:`~rlcert.mdp.TabularMDP` input (rows must sum to 1
  within 1e-9; nothing is renormalised).

Environments without ``P`` (Blackjack, anything continuous) are refused by name.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from ._validate import check_bool
from .errors import InvalidArgumentError
from .models import TabularMDP


@dataclass(frozen=True)
class GymnasiumImport:
    """What :func:`from_gymnasium` did besides building the model.

    Attributes
    ----------
    terminal_states : list of int
        Absorbing zero-reward states of the model (originals made terminal, and copies).
    copies : dict
        ``copy index -> original state`` for states split into a terminal copy.
    env_id : str
        The environment's spec id (or class name).
    """

    terminal_states: list[int]
    copies: dict[int, int] = field(default_factory=dict)
    env_id: str = ""


def _discrete_n(space, what: str, env_name: str) -> int:
    n = getattr(space, "n", None)
    if n is None:
        raise InvalidArgumentError(f"env {env_name}: the {what} space {space!r} is not Discrete")
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 1:
        raise InvalidArgumentError(f"env {env_name}: the {what} space has n={n!r}, not an "
                                   f"integer >= 1")
    return int(n)


def _entry_number(x, what: str, where: str) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real) or not math.isfinite(x):
        raise InvalidArgumentError(f"env {where}: the {what} {x!r} is not a finite real number")
    return float(x)


def from_gymnasium(env, gamma: float | None = None, *, sparse: bool | None = None,
                   return_info: bool = False):
    """Build a :class:`TabularMDP` from a Gymnasium environment exposing ``env.unwrapped.P``.

    Parameters
    ----------
    env : gymnasium.Env
        A tabular environment (FrozenLake, CliffWalking, Taxi, or any environment with the same
        ``P`` table). Its ``initial_state_distrib`` (if present) becomes the model's ``initial``;
        otherwise state 0.
    gamma : float or None
        Discount to attach.
    sparse : bool or None
        CSR storage (True), dense (False), or dense up to 1000 states (None).
    return_info : bool
        Also return a :class:`GymnasiumImport` (terminal states, split copies).

    Returns
    -------
    TabularMDP, or (TabularMDP, GymnasiumImport)
    """
    if sparse is not None:
        check_bool(sparse, "sparse")
    check_bool(return_info, "return_info")
    base = getattr(env, "unwrapped", env)
    name = getattr(getattr(env, "spec", None), "id", None) or type(base).__name__
    table = getattr(base, "P", None)
    if table is None:
        raise InvalidArgumentError(f"{name} exposes no transition table env.unwrapped.P; only "
                                   f"tabular environments with P[s][a] = [(prob, next_state, "
                                   f"reward, terminated), ...] can be imported")
    S = _discrete_n(getattr(base, "observation_space", None), "observation", name)
    A = _discrete_n(getattr(base, "action_space", None), "action", name)
    rows, cols, probs, terms = [], [], [], []
    R = np.zeros((S, A))
    for s in range(S):
        if s not in table:
            raise InvalidArgumentError(f"{name}: P has no entry for state {s}")
        for a in range(A):
            entries = table[s].get(a) if hasattr(table[s], "get") else table[s][a]
            if entries is None:
                raise InvalidArgumentError(f"{name}: P[{s}] has no entry for action {a}")
            for entry in entries:
                p, s2, r, term = entry[:4]
                where = f"{name}: P[{s}][{a}]"
                if isinstance(s2, (bool, np.bool_)) or not isinstance(s2, numbers.Integral) \
                        or not 0 <= int(s2) < S:
                    raise InvalidArgumentError(f"env {where} leads to state {s2!r}, not a state "
                                               f"in [0, {S})")
                s2 = int(s2)
                p = _entry_number(p, "probability", where)
                r = _entry_number(r, "reward", where)
                rows.append(s * A + a)
                cols.append(s2)
                probs.append(p)
                terms.append(bool(term))
                R[s, a] += p * r
    rows_a, cols_a = np.asarray(rows), np.asarray(cols)
    probs_a, terms_a = np.asarray(probs), np.asarray(terms, dtype=bool)

    dist = getattr(base, "initial_state_distrib", None)
    initial = np.eye(S)[0] if dist is None else np.asarray(dist, dtype=np.float64)
    positive = probs_a > 0
    entered_terminating = np.zeros(S, bool)
    entered_terminating[cols_a[positive & terms_a]] = True
    entered_otherwise = np.zeros(S, bool)
    entered_otherwise[cols_a[positive & ~terms_a]] = True
    entered_otherwise |= initial > 0

    split = np.flatnonzero(entered_terminating & entered_otherwise)
    made_terminal = np.flatnonzero(entered_terminating & ~entered_otherwise)
    copy_of = {S + i: int(s) for i, s in enumerate(split)}
    copy_index = {int(s): S + i for i, s in enumerate(split)}
    S_new = S + split.size

    # terminating transitions into a split state go to its copy
    redirect = terms_a & np.isin(cols_a, split)
    cols_a = cols_a.copy()
    cols_a[redirect] = [copy_index[int(c)] for c in cols_a[redirect]]
    # rows of states made terminal are replaced by absorbing zero-reward rows
    row_state = rows_a // A
    keep = ~np.isin(row_state, made_terminal)
    rows_a, cols_a, probs_a = rows_a[keep], cols_a[keep], probs_a[keep]
    terminal = np.concatenate([made_terminal, np.arange(S, S_new)]).astype(np.int64)
    extra_rows = (terminal[:, None] * A + np.arange(A)[None, :]).ravel()
    extra_cols = np.repeat(terminal, A)
    rows_a = np.concatenate([rows_a, extra_rows])
    cols_a = np.concatenate([cols_a, extra_cols])
    probs_a = np.concatenate([probs_a, np.ones(extra_rows.size)])
    R_new = np.zeros((S_new, A))
    R_new[:S] = R
    R_new[made_terminal] = 0.0

    P = sp.coo_matrix((probs_a, (rows_a, cols_a)), shape=(S_new * A, S_new)).tocsr()
    P.sum_duplicates()
    use_sparse = S_new > 1000 if sparse is None else sparse
    P_in = P if use_sparse else P.toarray().reshape(S_new, A, S_new)
    init_new = np.zeros(S_new)
    init_new[:S] = initial
    model = TabularMDP(P_in, R_new, gamma, init_new)
    if return_info:
        return model, GymnasiumImport(terminal_states=sorted(terminal.tolist()), copies=copy_of,
                                      env_id=name)
    return model
