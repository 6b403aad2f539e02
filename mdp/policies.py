"""Policies as arrays: deterministic ``(S,)`` action indices or stochastic ``(S, A)`` rows.

Finite-horizon policies carry a leading stage axis: ``(H, S)`` or ``(H, S, A)``. Internally every
policy becomes a weight array ``W`` with ``W[s, a] = pi(a | s)`` (one-hot for deterministic
policies), validated here: actions are integers in ``[0, A)`` (integer arrays, or float arrays
whose entries are all integral), probabilities are real, finite, non-negative rows summing to 1
within 1e-9. Boolean, complex, object and string arrays are refused, whatever their shape (a
boolean array is a mask, not actions or probabilities).
"""

from __future__ import annotations

import numpy as np

from ._validate import ROW_SUM_TOL, _dtype_refusal
from .errors import InvalidArgumentError


def _as_policy_array(pi, name: str) -> np.ndarray:
    try:
        arr = np.asarray(pi)
    except (TypeError, ValueError) as exc:
        raise InvalidArgumentError(f"{name} is not an array of actions or probabilities: "
                                   f"{exc}") from None
    why = _dtype_refusal(arr.dtype, name)
    if why is not None:
        raise InvalidArgumentError(why.replace("probabilities or values", "actions or "
                                               "probabilities"))
    return arr


def _check_stochastic(W: np.ndarray, name: str) -> None:
    if not np.all(np.isfinite(W)):
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(W))[0])
        raise InvalidArgumentError(f"{name}{list(idx)} = {float(W[idx])} is not finite")
    if np.any(W < 0):
        idx = tuple(int(i) for i in np.argwhere(W < 0)[0])
        raise InvalidArgumentError(f"{name}{list(idx)} = {float(W[idx])!r} is negative")
    sums = W.sum(axis=-1)
    off = np.abs(sums - 1.0) > ROW_SUM_TOL
    if off.any():
        idx = tuple(int(i) for i in np.argwhere(off)[0])
        raise InvalidArgumentError(f"{name}{list(idx)} sums to {float(sums[idx])!r}, not 1")


def _one_hot(actions: np.ndarray, n_actions: int, name: str) -> np.ndarray:
    if not np.issubdtype(actions.dtype, np.integer):
        bad = ~np.isfinite(actions) | (actions != np.round(actions))
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise InvalidArgumentError(f"{name} holds non-integer actions (dtype {actions.dtype}): "
                                       f"{name}{list(idx)} = {float(actions[idx])!r}")
    bad = (actions < 0) | (actions >= n_actions)  # before any cast: 1e20 stays 1e20
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        shown = actions[idx].item()
        raise InvalidArgumentError(f"{name}{list(idx)} = {shown!r} is not an action index in "
                                   f"[0, {n_actions})")
    actions = actions.astype(np.int64)
    W = np.zeros(actions.shape + (n_actions,))
    np.put_along_axis(W, actions[..., None].astype(np.int64), 1.0, axis=-1)
    return W


def policy_weights(pi, n_states: int, n_actions: int, name: str = "pi") -> np.ndarray:
    """Weights ``(S, A)`` of a stationary policy given as ``(S,)`` actions or ``(S, A)`` rows."""
    arr = _as_policy_array(pi, name)
    if arr.shape == (n_states,):
        return _one_hot(arr, n_actions, name)
    if arr.shape == (n_states, n_actions):
        W = np.asarray(arr, dtype=np.float64)
        _check_stochastic(W, name)
        return np.ascontiguousarray(W)
    raise InvalidArgumentError(f"{name} must have shape ({n_states},) or ({n_states}, {n_actions}), "
                               f"got {arr.shape}")


def stage_policy_weights(pi, horizon: int, n_states: int, n_actions: int,
                         name: str = "pi") -> np.ndarray:
    """Weights ``(H, S, A)`` of a Markov policy.

    Accepted forms: ``(H, S)`` integer actions, ``(H, S, A)`` probabilities, or a stationary
    ``(S,)`` / ``(S, A)`` policy used at every stage. A two-dimensional integer array is read
    as per-stage actions, a two-dimensional float array as stationary probabilities.
    """
    arr = _as_policy_array(pi, name)
    if arr.ndim == 3 and arr.shape == (horizon, n_states, n_actions):
        W = np.asarray(arr, dtype=np.float64)
        _check_stochastic(W, name)
        return np.ascontiguousarray(W)
    if arr.ndim == 2 and arr.shape == (horizon, n_states) and np.issubdtype(arr.dtype, np.integer):
        return _one_hot(arr, n_actions, name)
    if arr.shape in ((n_states,), (n_states, n_actions)):
        W = policy_weights(arr, n_states, n_actions, name)
        return np.ascontiguousarray(np.broadcast_to(W, (horizon, n_states, n_actions)))
    raise InvalidArgumentError(
        f"{name} must have shape ({horizon}, {n_states}) (integer actions) or "
        f"({horizon}, {n_states}, {n_actions}), or be a stationary ({n_states},) / "
        f"({n_states}, {n_actions}) policy; got shape {arr.shape} and dtype {arr.dtype}")


def policy_operand(W: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The kernels' compressed form of weights ``W (..., S, A)``: ``(ptr, actions, weights)``.

    Row ``i`` of ``W.reshape(-1, A)`` (stage-major for ``(H, S, A)``) has its positive-probability
    actions in ``actions[ptr[i]:ptr[i+1]]`` with probabilities ``weights[ptr[i]:ptr[i+1]]``.
    """
    A = W.shape[-1]
    flat = np.ascontiguousarray(W, dtype=np.float64).reshape(-1, A)
    rows, acts = np.nonzero(flat)
    ptr = np.zeros(flat.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=flat.shape[0]), out=ptr[1:])
    return ptr, acts.astype(np.int64), flat[rows, acts]


def action_array(pi, n_states: int, n_actions: int, name: str = "pi") -> np.ndarray:
    """A deterministic policy ``(S,)`` as int64 actions in ``[0, A)`` (integer entries, or floats
    that are all integral), refused otherwise with the entry named."""
    arr = _as_policy_array(pi, name)
    if arr.shape != (n_states,):
        raise InvalidArgumentError(f"{name} must be deterministic: an array of {n_states} actions, "
                                   f"got shape {arr.shape}")
    return np.argmax(_one_hot(arr, n_actions, name), axis=1).astype(np.int64)
