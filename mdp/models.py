"""Validated tabular models: :class:`TabularMDP` and :class:`FiniteHorizonMDP`.

Conventions (see the package docstring): states and actions are 0-based; ``P[s, a, s']`` is the
probability of moving to ``s'`` after action ``a`` in state ``s``; ``R[s, a]`` is the expected
reward of ``(s, a)``; every model carries an initial distribution ``initial`` over states.
Constructors refuse bad input with :class:`~rlcert.mdp.errors.InvalidMDPError`, naming the entry
and its value, and never normalise or clip.
"""

from __future__ import annotations

import os
from typing import Sequence

import numpy as np
import scipy.sparse as sp

from . import _transitions as tr
from . import kernels
from ._validate import (as_float_array, check_csr_rows, check_dense_rows, check_discount,
                        check_finite, check_positive_int, initial_distribution)
from .errors import InvalidMDPError
from .policies import policy_weights

_FORMAT_VERSION = 1


def _parse_dense_P(P, name: str, copy: bool) -> np.ndarray:
    arr = as_float_array(P, name)
    arr = np.array(arr, dtype=np.float64, order="C", copy=True) if copy else np.ascontiguousarray(arr)
    return arr


def _check_dense_kernel(arr: np.ndarray, name: str, leading: int) -> tuple[int, int, np.ndarray]:
    """Checks of a dense kernel with ``leading`` extra axes; returns ``(S, A, nnz per row)``."""
    if arr.ndim != 3 + leading:
        want = "(H, S, A, S)" if leading else "(S, A, S)"
        raise InvalidMDPError(f"{name} must have shape {want}, got shape {arr.shape}")
    S, A, S2 = arr.shape[leading:]
    if S == 0 or A == 0:
        raise InvalidMDPError(f"{name} has shape {arr.shape}: zero states or zero actions")
    if S != S2:
        raise InvalidMDPError(f"{name} has shape {arr.shape}: the first and last state axes "
                              f"differ ({S} != {S2})")
    nnz = check_dense_rows(arr.reshape(-1, S), name, A, S * A if leading else 0)
    return S, A, nnz


def _parse_csr_P(P, name: str, leading: tuple[int, ...] = ()) -> tuple[sp.csr_matrix, int, int]:
    C = tr.canonical_csr(P)
    n_rows, S = C.shape
    if S == 0 or n_rows == 0:
        raise InvalidMDPError(f"{name} has shape {C.shape}: zero states or zero actions")
    if n_rows % S:
        raise InvalidMDPError(f"{name} must have shape (S*A, S) with row s*A + a holding "
                              f"P[s, a, :]; got shape {C.shape}, and {n_rows} is not a multiple "
                              f"of S={S}")
    A = n_rows // S
    check_csr_rows(C, A, name, leading=leading)
    return C, S, A


def _expected_reward(R, S: int, A: int, rows, name: str = "R") -> np.ndarray:
    """``R`` as ``(S, A)``: given directly, or reduced from ``R[s, a, s']`` under ``P``."""
    if sp.issparse(R):
        Rc = sp.csr_matrix(R, dtype=np.float64)
        if Rc.shape != (S * A, S):
            raise InvalidMDPError(f"sparse {name} must have shape ({S * A}, {S}) like P, got {Rc.shape}")
        check_finite(Rc.data, f"{name}.data")
        Pc = rows if sp.issparse(rows) else sp.csr_matrix(rows)
        return np.asarray(Pc.multiply(Rc).sum(axis=1)).reshape(S, A)
    arr = as_float_array(R, name)
    if arr.shape == (S, A):
        check_finite(arr, name)
        return np.array(arr, dtype=np.float64, order="C", copy=True)
    if arr.shape == (S, A, S):
        check_finite(arr, name)
        if sp.issparse(rows):
            return np.asarray(rows.multiply(arr.reshape(S * A, S)).sum(axis=1)).reshape(S, A)
        return np.einsum("ij,ij->i", rows, arr.reshape(S * A, S)).reshape(S, A)
    raise InvalidMDPError(f"{name} must have shape ({S}, {A}) or ({S}, {A}, {S}), got {arr.shape}")


def _readonly(arr: np.ndarray) -> np.ndarray:
    v = arr.view()
    v.flags.writeable = False
    return v


class _RowModel:
    """What both model classes share: transitions stored as rows ``s*A + a`` (plus a stage
    offset) of a dense or CSR matrix, and an initial distribution."""

    _rows: np.ndarray | sp.csr_matrix
    _S: int
    _A: int
    _initial: np.ndarray
    _operand_cache = None

    @property
    def n_states(self) -> int:
        """Number of states ``S``."""
        return self._S

    @property
    def n_actions(self) -> int:
        """Number of actions ``A`` (the same in every state)."""
        return self._A

    @property
    def initial(self) -> np.ndarray:
        """Initial distribution over states, shape ``(S,)`` (a copy)."""
        return self._initial.copy()

    @property
    def is_sparse(self) -> bool:
        """True when transitions are stored in CSR form."""
        return sp.issparse(self._rows)

    @property
    def rows(self):
        """Transitions as rows (dense array or CSR): row ``offset + s*A + a``."""
        return self._rows

    @property
    def max_row_nnz(self) -> int:
        """Largest number of stored entries in one row ``P[s, a, :]``."""
        if self.is_sparse:
            return int(np.diff(self._rows.indptr).max())
        return self._S

    @property
    def operand(self):
        """The transition operand of :mod:`rlcert.mdp.kernels` (dense rows or a CSR tuple)."""
        if self._operand_cache is None:
            self._operand_cache = tr.csr_operand(self._rows) if self.is_sparse else self._rows
        return self._operand_cache


class TabularMDP(_RowModel):
    r"""A finite MDP ``(S, A, P, R, gamma, initial)``.

    Parameters
    ----------
    P : array_like of shape (S, A, S), or scipy.sparse matrix of shape (S*A, S)
        Transition probabilities; in the sparse form row ``s*A + a`` holds ``P[s, a, :]``. Every
        row must be a probability vector (entries >= 0, sum within 1e-9 of 1).
    R : array_like of shape (S, A) or (S, A, S), or scipy.sparse of shape (S*A, S)
        Rewards. A reward on transitions ``R[s, a, s']`` is reduced to its expectation
        ``r(s, a) = sum_s' P[s, a, s'] R[s, a, s']``.
    gamma : float in [0, 1] or None
        Discount factor. ``None`` attaches no discount (average-reward use); discounted solvers
        then refuse the model. ``gamma = 1`` is the total-reward criterion.
    initial : int or array_like of shape (S,)
        Initial state, or initial distribution over states.
    copy : bool, keyword-only
        Copy the arrays (default). With ``copy=False`` a float64 C-contiguous ``P`` is used in
        place: do not modify it afterwards.

    Attributes
    ----------
    n_states, n_actions, gamma, initial, R, P, is_sparse

    Notes
    -----
    Dense storage reads ``S*A*S`` numbers per Bellman sweep, CSR storage ``nnz``; pick CSR when
    rows have few successors. :func:`rlcert.mdp.solve` may convert a dense model with sparse
    content internally (it says so in the result's ``info``).
    """

    def __init__(self, P, R, gamma: float | None = None, initial=0, *, copy: bool = True):
        self._nnz_cache = None
        if sp.issparse(P):
            self._rows, S, A = _parse_csr_P(P, "P")
        else:
            P3 = _parse_dense_P(P, "P", copy)
            S, A, nnz = _check_dense_kernel(P3, "P", leading=0)
            self._rows = P3.reshape(S * A, S)
            self._nnz_cache = int(nnz.sum())
        self._S, self._A = S, A
        self._R = _expected_reward(R, S, A, self._rows)
        self._gamma = check_discount(gamma)
        self._initial = initial_distribution(initial, S)
        self._operand_cache = None

    # -- construction helpers ------------------------------------------------------------------
    @classmethod
    def _from_validated(cls, rows, R, gamma, initial, nnz: int | None = None) -> "TabularMDP":
        obj = cls.__new__(cls)
        obj._nnz_cache = nnz
        obj._rows = rows
        obj._S = rows.shape[1]
        obj._A = rows.shape[0] // obj._S
        obj._R = R
        obj._gamma = gamma
        obj._initial = initial
        obj._operand_cache = None
        return obj

    def with_gamma(self, gamma: float | None) -> "TabularMDP":
        """The same model with another discount factor (arrays shared, not copied)."""
        return self._from_validated(self._rows, self._R, check_discount(gamma), self._initial,
                                    self._nnz_cache)

    def with_initial(self, initial) -> "TabularMDP":
        """The same model with another initial state or distribution (arrays shared)."""
        return self._from_validated(self._rows, self._R, self._gamma,
                                    initial_distribution(initial, self._S), self._nnz_cache)

    def with_rewards(self, R) -> "TabularMDP":
        """The same transitions with other rewards (validated like the constructor's ``R``)."""
        return self._from_validated(self._rows, _expected_reward(R, self._S, self._A, self._rows),
                                    self._gamma, self._initial, self._nnz_cache)

    def to_sparse(self) -> "TabularMDP":
        """CSR storage of the same model (no-op if already sparse)."""
        if self.is_sparse:
            return self
        return self._from_validated(tr.dense_to_csr(self._rows), self._R, self._gamma, self._initial)

    def to_dense(self) -> "TabularMDP":
        """Dense storage of the same model (no-op if already dense)."""
        if not self.is_sparse:
            return self
        return self._from_validated(np.ascontiguousarray(self._rows.toarray()), self._R,
                                    self._gamma, self._initial)

    # -- properties ----------------------------------------------------------------------------
    @property
    def gamma(self) -> float | None:
        """Discount factor, or ``None`` for a model without discount."""
        return self._gamma

    @property
    def R(self) -> np.ndarray:
        """Expected rewards ``r(s, a)``, shape ``(S, A)`` (read-only view)."""
        return _readonly(self._R)

    @property
    def P(self):
        """Transitions: a read-only ``(S, A, S)`` view (dense) or the ``(S*A, S)`` CSR matrix."""
        if self.is_sparse:
            return self._rows
        return _readonly(self._rows.reshape(self._S, self._A, self._S))

    @property
    def nnz(self) -> int:
        """Number of nonzero transition entries (stored entries when sparse)."""
        if self.is_sparse:
            return int(self._rows.nnz)
        if self._nnz_cache is None:
            self._nnz_cache = int(kernels.dense_row_nnz(self._rows).sum())
        return self._nnz_cache

    def dense_P(self) -> np.ndarray:
        """``P`` as a new dense ``(S, A, S)`` array."""
        if self.is_sparse:
            return self._rows.toarray().reshape(self._S, self._A, self._S)
        return self._rows.reshape(self._S, self._A, self._S).copy()

    # -- policies ------------------------------------------------------------------------------
    def policy_matrix(self, pi) -> np.ndarray | sp.csr_matrix:
        """``P_pi[s, s'] = sum_a pi(a|s) P[s, a, s']`` (dense array, or CSR when sparse)."""
        return tr.policy_matrix(self._rows, policy_weights(pi, self._S, self._A))

    def policy_reward(self, pi) -> np.ndarray:
        """``r_pi[s] = sum_a pi(a|s) r(s, a)``."""
        return np.einsum("sa,sa->s", policy_weights(pi, self._S, self._A), self._R)

    # -- persistence ---------------------------------------------------------------------------
    def save(self, path: str | os.PathLike) -> None:
        """Write the model to an ``.npz`` file (dense or CSR storage preserved)."""
        payload = dict(format_version=_FORMAT_VERSION, kind="tabular", R=self._R,
                       gamma=np.nan if self._gamma is None else self._gamma,
                       initial=self._initial, n_states=self._S, n_actions=self._A)
        if self.is_sparse:
            payload.update(P_indptr=self._rows.indptr, P_indices=self._rows.indices,
                           P_data=self._rows.data)
        else:
            payload.update(P=self._rows.reshape(self._S, self._A, self._S))
        np.savez_compressed(path, **payload)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "TabularMDP":
        """Read a model written by :meth:`save` (validated again)."""
        with np.load(path, allow_pickle=False) as f:
            if str(f.get("kind", "")) != "tabular":
                raise InvalidMDPError(f"{os.fspath(path)!r} does not hold a TabularMDP "
                                      f"(kind={str(f.get('kind', None))!r})")
            S, A = int(f["n_states"]), int(f["n_actions"])
            if "P" in f:
                P = f["P"]
            else:
                P = sp.csr_matrix((f["P_data"], f["P_indices"], f["P_indptr"]), shape=(S * A, S))
            gamma = float(f["gamma"])
            return cls(P, f["R"], None if np.isnan(gamma) else gamma, f["initial"])

    def __repr__(self) -> str:
        storage = f"CSR nnz={self.nnz}" if self.is_sparse else "dense"
        return (f"TabularMDP(S={self._S}, A={self._A}, gamma={self._gamma}, {storage}, "
                f"r in [{self._R.min():.4g}, {self._R.max():.4g}])")


class FiniteHorizonMDP(_RowModel):
    r"""A finite-horizon MDP with ``H`` stages, stationary or stage-dependent.

    The objective is ``E[sum_{h=0}^{H-1} gamma^h r_h(s_h, a_h)]`` from ``s_0 ~ initial``; the usual
    episodic objective has ``gamma = 1``. Indices are 0-based: stage ``h`` here is the papers'
    stage ``h + 1``.

    Parameters
    ----------
    P : array_like (S, A, S) or (H, S, A, S); scipy.sparse (S*A, S) or a sequence of H of them
        Stationary or per-step transitions (sparse rows ``s*A + a`` as in :class:`TabularMDP`).
    R : array_like (S, A), (H, S, A), (S, A, S) or (H, S, A, S)
        Stationary or per-step expected rewards, or rewards on transitions (reduced to their
        expectation). A three-dimensional ``R`` whose shape fits both ``(H, S, A)`` and
        ``(S, A, S)`` is refused as ambiguous.
    horizon : int >= 1
    gamma : float in [0, 1], default 1
    initial : int or array_like (S,)
    copy : bool, keyword-only
    """

    def __init__(self, P, R, horizon: int, gamma: float = 1.0, initial=0, *, copy: bool = True):
        H = check_positive_int(horizon, "horizon")
        self._H = H
        if isinstance(P, (list, tuple)) and len(P) and sp.issparse(P[0]):
            if len(P) != H:
                raise InvalidMDPError(f"P is a sequence of {len(P)} sparse matrices but "
                                      f"horizon={H}")
            blocks = []
            for h, Ph in enumerate(P):
                C, S, A = _parse_csr_P(Ph, f"P[{h}]")
                if blocks and C.shape != blocks[0].shape:
                    raise InvalidMDPError(f"P[{h}] has shape {C.shape}, P[0] has {blocks[0].shape}")
                blocks.append(C)
            self._rows = sp.vstack(blocks, format="csr")
            self._stationary = False
        elif sp.issparse(P):
            self._rows, S, A = _parse_csr_P(P, "P")
            self._stationary = True
        else:
            arr = _parse_dense_P(P, "P", copy)
            if arr.ndim == 4:
                if arr.shape[0] != H:
                    raise InvalidMDPError(f"P has shape {arr.shape} but horizon={H}")
                S, A, _ = _check_dense_kernel(arr, "P", leading=1)
                self._stationary = False
            else:
                S, A, _ = _check_dense_kernel(arr, "P", leading=0)
                self._stationary = True
            self._rows = arr.reshape(-1, S)
        self._S, self._A = S, A
        self._R = self._parse_rewards(R)
        self._gamma = check_discount(gamma, allow_none=False)
        self._initial = initial_distribution(initial, S)
        self._operand_cache = None

    def _stage_rows(self, h: int):
        if self._stationary:
            return self._rows
        n = self._S * self._A
        return self._rows[h * n:(h + 1) * n]

    def _parse_rewards(self, R) -> np.ndarray:
        H, S, A = self._H, self._S, self._A
        expected = (f"R must have shape ({S}, {A}), ({H}, {S}, {A}), ({S}, {A}, {S}) or "
                    f"({H}, {S}, {A}, {S})")
        if sp.issparse(R):  # a stationary reward on transitions, rows like P's
            return np.stack([_expected_reward(R, S, A, self._stage_rows(h)) for h in range(H)])
        arr = as_float_array(R, "R")
        if arr.shape == (S, A):
            check_finite(arr, "R")
            return np.ascontiguousarray(np.broadcast_to(arr, (H, S, A)))
        if arr.ndim == 3:
            per_stage, on_transitions = arr.shape == (H, S, A), arr.shape == (S, A, S)
            if per_stage and on_transitions:
                raise InvalidMDPError(f"R has shape {arr.shape}, which fits both (H, S, A) and "
                                      f"(S, A, S); pass it as (H, S, A, S) or (S, A) instead")
            if per_stage:
                check_finite(arr, "R")
                return np.array(arr, dtype=np.float64, order="C", copy=True)
            if on_transitions:
                return np.stack([_expected_reward(arr, S, A, self._stage_rows(h))
                                 for h in range(H)])
        if arr.ndim == 4 and arr.shape == (H, S, A, S):
            return np.stack([_expected_reward(arr[h], S, A, self._stage_rows(h), f"R[{h}]")
                             for h in range(H)])
        raise InvalidMDPError(f"{expected}, got {arr.shape}")

    @classmethod
    def from_tabular(cls, m: TabularMDP, horizon: int, gamma: float = 1.0,
                     initial=None) -> "FiniteHorizonMDP":
        """The episodic version of a :class:`TabularMDP`: the same ``P`` and ``R`` at every stage."""
        init = m.initial if initial is None else initial
        return cls(m.rows if m.is_sparse else m.P, m.R, horizon, gamma, init)

    # -- properties ----------------------------------------------------------------------------
    @property
    def horizon(self) -> int:
        """Number of stages ``H``."""
        return self._H

    @property
    def gamma(self) -> float:
        """Discount inside the horizon (1 for the usual episodic objective)."""
        return self._gamma

    @property
    def stationary(self) -> bool:
        """True when the same transitions apply at every stage."""
        return self._stationary

    @property
    def R(self) -> np.ndarray:
        """Expected rewards per stage, shape ``(H, S, A)`` (read-only view)."""
        return _readonly(self._R)

    @property
    def P(self):
        """Transitions: ``(S, A, S)`` or ``(H, S, A, S)`` read-only view, or the CSR rows."""
        if self.is_sparse:
            return self._rows
        shape = (self._S, self._A, self._S) if self._stationary else (self._H, self._S, self._A, self._S)
        return _readonly(self._rows.reshape(shape))

    @property
    def stage_stride(self) -> int:
        """Row offset between stages in :attr:`rows` (0 when stationary)."""
        return 0 if self._stationary else self._S * self._A

    def stage_P(self, h: int) -> np.ndarray:
        """Dense ``P_h`` of shape ``(S, A, S)`` (a new array)."""
        rows = self._stage_rows(h)
        dense = rows.toarray() if sp.issparse(rows) else rows
        return np.array(dense).reshape(self._S, self._A, self._S)

    def save(self, path: str | os.PathLike) -> None:
        """Write the model to an ``.npz`` file."""
        payload = dict(format_version=_FORMAT_VERSION, kind="finite_horizon", R=self._R,
                       gamma=self._gamma, horizon=self._H, initial=self._initial,
                       stationary=self._stationary, n_states=self._S, n_actions=self._A)
        if self.is_sparse:
            payload.update(P_indptr=self._rows.indptr, P_indices=self._rows.indices,
                           P_data=self._rows.data, P_shape=np.array(self._rows.shape))
        else:
            payload.update(P=self.P)
        np.savez_compressed(path, **payload)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "FiniteHorizonMDP":
        """Read a model written by :meth:`save` (validated again)."""
        with np.load(path, allow_pickle=False) as f:
            if str(f.get("kind", "")) != "finite_horizon":
                raise InvalidMDPError(f"{os.fspath(path)!r} does not hold a FiniteHorizonMDP")
            S, A, H = int(f["n_states"]), int(f["n_actions"]), int(f["horizon"])
            if "P" in f:
                P = f["P"]
            else:
                rows = sp.csr_matrix((f["P_data"], f["P_indices"], f["P_indptr"]),
                                     shape=tuple(f["P_shape"]))
                P = rows if bool(f["stationary"]) else [rows[h * S * A:(h + 1) * S * A]
                                                        for h in range(H)]
            R = f["R"]
            if R.shape == (S, A, S):  # H == S == A: give the stage rewards their unambiguous form
                R = np.repeat(R[..., None], S, axis=-1)
            return cls(P, R, H, float(f["gamma"]), f["initial"])

    def __repr__(self) -> str:
        kind = "stationary" if self._stationary else "per-step"
        storage = "CSR" if self.is_sparse else "dense"
        return (f"FiniteHorizonMDP(S={self._S}, A={self._A}, H={self._H}, gamma={self._gamma}, "
                f"{kind}, {storage})")


def load(path: str | os.PathLike) -> TabularMDP | FiniteHorizonMDP:
    """Read any model written by ``save`` (the kind is stored in the file)."""
    with np.load(path, allow_pickle=False) as f:
        kind = str(f.get("kind", ""))
    if kind == "tabular":
        return TabularMDP.load(path)
    if kind == "finite_horizon":
        return FiniteHorizonMDP.load(path)
    raise InvalidMDPError(f"{os.fspath(path)!r} holds no rlcert model (kind={kind!r})")


ModelLike = TabularMDP | FiniteHorizonMDP
__all__: Sequence[str] = ["TabularMDP", "FiniteHorizonMDP", "load"]
