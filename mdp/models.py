"""Validated tabular models: :class:`TabularMDP` and :class:`FiniteHorizonMDP`.

Conventions (see the package docstring): states and actions are 0-based; ``P[s, a, s']`` is the
probability of moving to ``s'`` after action ``a`` in state ``s``; ``R[s, a]`` is the expected
reward of ``(s, a)``; every model carries an initial distribution ``initial`` over states.
Constructors refuse bad input with :class:`~rlcert.mdp.errors.InvalidMDPError`, naming the entry
and its value, and never normalise or clip.
"""

from __future__ import annotations

import os
import zipfile
from typing import Any, Sequence

import numpy as np
import scipy.sparse as sp

from . import _transitions as tr
from . import kernels
from ._validate import (array_bytes, as_float_array, check_csr_rows, check_dense_rows,
                        check_discount, check_finite, check_memory, check_positive_int,
                        check_reward_scale, check_sparse_matrix, initial_distribution)
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
    C = check_sparse_matrix(P, name)
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
    """``R`` as ``(S, A)``: given directly, or reduced from ``R[s, a, s']`` under ``P`` (an
    expectation that overflows is inf, refused by the reward-scale check)."""
    with np.errstate(over="ignore", invalid="ignore"):
        return _expected_reward_unchecked(R, S, A, rows, name)


def _expected_reward_unchecked(R, S: int, A: int, rows, name: str) -> np.ndarray:
    if sp.issparse(R):
        Rc = check_sparse_matrix(R, name)
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


def _readonly_csr(C: sp.csr_matrix) -> sp.csr_matrix:
    """A CSR matrix over read-only views of ``C``'s arrays (no copy): what the models expose, so
    that the structure they validated cannot be changed under the compiled kernels."""
    V = sp.csr_matrix((_readonly(C.data), _readonly(C.indices), _readonly(C.indptr)),
                      shape=C.shape, copy=False)
    V.has_sorted_indices = C.has_sorted_indices
    return V


def _r_norm(R: np.ndarray) -> float:
    return max(float(R.max()), -float(R.min())) if R.size else 0.0  # no |R| temporary


class _RowModel:
    """What both model classes share: transitions stored as rows ``s*A + a`` (plus a stage
    offset) of a dense or CSR matrix, and an initial distribution."""

    #: dense rows or CSR; where CSR attributes are used, ``not isinstance(self._rows,
    #: np.ndarray)`` stands for :attr:`is_sparse` (the type checker narrows it)
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
        """Transitions as rows (dense array or CSR): row ``offset + s*A + a``. Read-only: the
        arrays are views that refuse assignment (the model validated them once)."""
        if getattr(self, "_public_rows", None) is None or self._public_rows[0] is not self._rows:
            view = _readonly_csr(self._rows) if self.is_sparse else _readonly(self._rows)
            self._public_rows = (self._rows, view)
        return self._public_rows[1]

    @property
    def max_row_nnz(self) -> int:
        """Largest number of stored entries in one row ``P[s, a, :]``."""
        if not isinstance(self._rows, np.ndarray):  # CSR
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
        ``r(s, a) = sum_s' P[s, a, s'] R[s, a, s']``. With ``gamma < 1``, ``max |r| / (1 - gamma)``
        must not exceed :data:`~rlcert.mdp._validate.VALUE_LIMIT` (``2**1000``, about 1e301), so
        that no backup overflows (``max |r|`` itself without a discount or with ``gamma = 1``);
        rescale larger rewards.
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
    Input rules (all refusals are :class:`~rlcert.mdp.errors.InvalidMDPError`, naming the
    argument and the first bad entry): ``P`` and ``R`` hold real numbers; float arrays of any
    precision become float64, integer arrays are accepted as the exact reals they denote, and
    boolean, complex, object and string arrays are refused. A sparse ``P`` (any scipy format) is
    checked structurally before anything reads it: ``indptr`` starting at 0, non-decreasing and
    ending at ``nnz``, every column index in ``[0, S)``, as many indices as data entries.
    Duplicate entries of a row are summed (scipy's meaning of such a matrix) and the sum checked
    like any entry. The model stores its own copy and exposes it read-only (``P``, ``rows``).

    Dense storage reads ``S*A*S`` numbers per Bellman sweep, CSR storage ``nnz``; pick CSR when
    rows have few successors. :func:`rlcert.mdp.solve` may convert a dense model with sparse
    content internally (it says so in the result's ``info``).
    """

    def __init__(self, P, R, gamma: float | None = None, initial=0, *, copy: bool = True):
        if not isinstance(copy, (bool, np.bool_)):
            raise InvalidMDPError(f"copy must be True or False, got {copy!r}")
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
        check_reward_scale(_r_norm(self._R), self._gamma)
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
        g = check_discount(gamma)
        check_reward_scale(_r_norm(self._R), g)
        return self._from_validated(self._rows, self._R, g, self._initial, self._nnz_cache)

    def with_initial(self, initial) -> "TabularMDP":
        """The same model with another initial state or distribution (arrays shared)."""
        return self._from_validated(self._rows, self._R, self._gamma,
                                    initial_distribution(initial, self._S), self._nnz_cache)

    def with_rewards(self, R) -> "TabularMDP":
        """The same transitions with other rewards (validated like the constructor's ``R``)."""
        R = _expected_reward(R, self._S, self._A, self._rows)
        check_reward_scale(_r_norm(R), self._gamma)
        return self._from_validated(self._rows, R, self._gamma, self._initial, self._nnz_cache)

    def to_sparse(self) -> "TabularMDP":
        """CSR storage of the same model (no-op if already sparse)."""
        if self.is_sparse:
            return self
        return self._from_validated(tr.dense_to_csr(self._rows), self._R, self._gamma, self._initial)

    def to_dense(self) -> "TabularMDP":
        """Dense storage of the same model (no-op if already dense)."""
        if isinstance(self._rows, np.ndarray):
            return self
        check_memory(array_bytes(self._S, self._A, self._S),
                     f"to_dense: P of shape (S, A, S) = ({self._S}, {self._A}, {self._S})",
                     InvalidMDPError)
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
        """Transitions: a read-only ``(S, A, S)`` view (dense) or the ``(S*A, S)`` CSR matrix (over
        read-only arrays)."""
        if self.is_sparse:
            return self.rows
        return _readonly(self._rows.reshape(self._S, self._A, self._S))

    @property
    def nnz(self) -> int:
        """Number of nonzero transition entries (stored entries when sparse)."""
        if not isinstance(self._rows, np.ndarray):  # CSR
            return int(self._rows.nnz)
        if self._nnz_cache is None:
            self._nnz_cache = int(kernels.dense_row_nnz(self._rows).sum())
        return self._nnz_cache

    def dense_P(self) -> np.ndarray:
        """``P`` as a new dense ``(S, A, S)`` array."""
        if not isinstance(self._rows, np.ndarray):  # CSR
            check_memory(array_bytes(self._S, self._A, self._S),
                         f"dense_P: P of shape (S, A, S) = ({self._S}, {self._A}, {self._S})",
                         InvalidMDPError)
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
        payload: dict[str, Any] = dict(
            format_version=_FORMAT_VERSION, kind="tabular", R=self._R,
            gamma=np.nan if self._gamma is None else self._gamma, initial=self._initial,
            n_states=self._S, n_actions=self._A)
        if not isinstance(self._rows, np.ndarray):  # CSR
            payload.update(P_indptr=self._rows.indptr, P_indices=self._rows.indices,
                           P_data=self._rows.data)
        else:
            payload.update(P=self._rows.reshape(self._S, self._A, self._S))
        np.savez_compressed(path, **payload)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "TabularMDP":
        """Read a model written by :meth:`save` (validated again; a file that is not such a model
        is refused with :class:`InvalidMDPError` naming ``path``)."""
        return cls._from_npz(_read_npz(path), path)

    @classmethod
    def _from_npz(cls, f: dict, path) -> "TabularMDP":
        if _kind(f) != "tabular":
            raise InvalidMDPError(f"path={os.fspath(path)!r} does not hold a TabularMDP "
                                  f"(kind={_kind(f)!r})")
        with _reading(path):
            S, A = _int_field(f, "n_states", path), _int_field(f, "n_actions", path)
            if "P" in f:
                P = f["P"]
            else:
                P = _stored_csr(f, (S * A, S), path)
            gamma = _real_field(f, "gamma", path)
            return cls(P, _field(f, "R", path), None if np.isnan(gamma) else gamma,
                       _field(f, "initial", path))

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
        if not isinstance(copy, (bool, np.bool_)):
            raise InvalidMDPError(f"copy must be True or False, got {copy!r}")
        H = check_positive_int(horizon, "horizon")
        self._H = H
        if isinstance(P, (list, tuple)) and len(P) and sp.issparse(P[0]):
            if len(P) != H:
                raise InvalidMDPError(f"P is a sequence of {len(P)} sparse matrices but "
                                      f"horizon={H}")
            blocks: list[sp.csr_matrix] = []
            for h, Ph in enumerate(P):
                if not sp.issparse(Ph):
                    raise InvalidMDPError(f"P[{h}] is not sparse ({type(Ph).__name__}) but P[0] "
                                          f"is: a sequence of per-step transitions must be all "
                                          f"sparse")
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
        self._gamma = check_discount(gamma, allow_none=False)
        # the stage rewards are stored per stage: refuse up front what cannot be allocated
        check_memory(array_bytes(H, S, A), f"horizon={H}: the stage rewards R of shape (H, S, A) "
                                           f"= ({H}, {S}, {A})", InvalidMDPError)
        self._R = self._parse_rewards(R)
        check_reward_scale(_r_norm(self._R), self._gamma, H)
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
        """Transitions: ``(S, A, S)`` or ``(H, S, A, S)`` read-only view, or the CSR rows (over
        read-only arrays)."""
        if self.is_sparse:
            return self.rows
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
        payload: dict[str, Any] = dict(
            format_version=_FORMAT_VERSION, kind="finite_horizon", R=self._R, gamma=self._gamma,
            horizon=self._H, initial=self._initial, stationary=self._stationary,
            n_states=self._S, n_actions=self._A)
        if not isinstance(self._rows, np.ndarray):  # CSR
            payload.update(P_indptr=self._rows.indptr, P_indices=self._rows.indices,
                           P_data=self._rows.data, P_shape=np.array(self._rows.shape))
        else:
            payload.update(P=self.P)
        np.savez_compressed(path, **payload)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "FiniteHorizonMDP":
        """Read a model written by :meth:`save` (validated again; a file that is not such a model
        is refused with :class:`InvalidMDPError` naming ``path``)."""
        return cls._from_npz(_read_npz(path), path)

    @classmethod
    def _from_npz(cls, f: dict, path) -> "FiniteHorizonMDP":
        if _kind(f) != "finite_horizon":
            raise InvalidMDPError(f"path={os.fspath(path)!r} does not hold a FiniteHorizonMDP "
                                  f"(kind={_kind(f)!r})")
        with _reading(path):
            S, A = _int_field(f, "n_states", path), _int_field(f, "n_actions", path)
            H = _int_field(f, "horizon", path)
            if "P" in f:
                P = f["P"]
            else:
                shape = tuple(int(d) for d in np.asarray(_field(f, "P_shape", path)).ravel())
                rows = _stored_csr(f, shape, path)
                stationary = bool(_field(f, "stationary", path))
                P = rows if stationary else [rows[h * S * A:(h + 1) * S * A] for h in range(H)]
            R = _field(f, "R", path)
            if R.shape == (S, A, S):  # H == S == A: give the stage rewards their unambiguous form
                R = np.repeat(R[..., None], S, axis=-1)
            return cls(P, R, H, _real_field(f, "gamma", path), _field(f, "initial", path))

    def __repr__(self) -> str:
        kind = "stationary" if self._stationary else "per-step"
        storage = "CSR" if self.is_sparse else "dense"
        return (f"FiniteHorizonMDP(S={self._S}, A={self._A}, H={self._H}, gamma={self._gamma}, "
                f"{kind}, {storage})")


def load(path: str | os.PathLike) -> TabularMDP | FiniteHorizonMDP:
    """Read any model written by ``save`` (the kind is stored in the file). A file that is not an
    ``.npz`` archive, lacks a field, or holds an invalid model is refused with
    :class:`InvalidMDPError` naming ``path`` (and the field or entry); a missing file raises
    :class:`FileNotFoundError`."""
    f = _read_npz(path)
    kind = _kind(f)
    if kind == "tabular":
        return TabularMDP._from_npz(f, path)
    if kind == "finite_horizon":
        return FiniteHorizonMDP._from_npz(f, path)
    raise InvalidMDPError(f"path={os.fspath(path)!r} holds no rlcert model (kind={kind!r})")


# -- reading .npz files ------------------------------------------------------------------------------
def _read_npz(path) -> dict[str, np.ndarray]:
    """Every array of an ``.npz`` archive (no pickles), or :class:`InvalidMDPError` naming
    ``path`` when the file is not one."""
    if not isinstance(path, (str, bytes, os.PathLike)):
        raise InvalidMDPError(f"path must be a file name (str or os.PathLike), got {path!r}")
    shown = os.fsdecode(os.fspath(path))
    try:
        f = np.load(path, allow_pickle=False)
    except FileNotFoundError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise InvalidMDPError(f"path={shown!r} is not an .npz file written by save "
                              f"({type(exc).__name__}: {exc})") from None
    if not isinstance(f, np.lib.npyio.NpzFile):
        raise InvalidMDPError(f"path={shown!r} holds a single array, not an .npz archive written "
                              f"by save")
    try:
        with f:
            return {k: f[k] for k in f.files}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
        raise InvalidMDPError(f"path={shown!r}: cannot read its arrays "
                              f"({type(exc).__name__}: {exc})") from None


def _kind(f: dict) -> str:
    k = f.get("kind")
    return "" if k is None or k.dtype.kind not in "US" or k.ndim else str(k)


def _field(f: dict, key: str, path) -> np.ndarray:
    if key not in f:
        raise InvalidMDPError(f"path={os.fsdecode(os.fspath(path))!r} lacks the field {key!r} "
                              f"that save writes")
    return f[key]


def _int_field(f: dict, key: str, path) -> int:
    v = _field(f, key, path)
    if v.ndim or v.dtype.kind not in "iu":
        raise InvalidMDPError(f"path={os.fsdecode(os.fspath(path))!r}: field {key!r} must be an "
                              f"integer scalar, got dtype {v.dtype} and shape {v.shape}")
    return int(v)


def _real_field(f: dict, key: str, path) -> float:
    v = _field(f, key, path)
    if v.ndim or v.dtype.kind not in "fiu":
        raise InvalidMDPError(f"path={os.fsdecode(os.fspath(path))!r}: field {key!r} must be a "
                              f"real scalar, got dtype {v.dtype} and shape {v.shape}")
    return float(v)


def _stored_csr(f: dict, shape: tuple, path) -> sp.csr_matrix:
    """The CSR matrix of the fields ``P_data``, ``P_indices``, ``P_indptr``, built without scipy's
    constructor checks (the model's own structural checks follow and name the culprit)."""
    C = sp.csr_matrix(shape) if len(shape) == 2 and min(shape) >= 0 else None
    if C is None:
        raise InvalidMDPError(f"path={os.fsdecode(os.fspath(path))!r}: stored P shape {shape} is "
                              f"not two-dimensional")
    C.data, C.indices, C.indptr = (_field(f, "P_data", path), _field(f, "P_indices", path),
                                   _field(f, "P_indptr", path))
    return C


class _reading:
    """Re-raise a model's refusal while loading with the file named: ``path=...: <reason>``."""

    def __init__(self, path):
        self.shown = os.fsdecode(os.fspath(path))

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None and issubclass(exc_type, InvalidMDPError) and \
                not str(exc).startswith("path="):
            raise InvalidMDPError(f"path={self.shown!r} holds an invalid model: {exc}") from None
        return False


ModelLike = TabularMDP | FiniteHorizonMDP
__all__: Sequence[str] = ["TabularMDP", "FiniteHorizonMDP", "load"]
