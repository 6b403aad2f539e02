"""Rewards of a finite-horizon model as the risk oracles need them: deterministic per transition.

:class:`~rlcert.mdp.FiniteHorizonMDP` keeps the *expected* reward ``r_h(s, a)``, which is all that
expectations need. A return distribution needs the reward itself, so the risk oracles take it as
an extra argument ``rewards``, deterministic in ``(s, a)`` or in ``(s, a, s')``, and check that its
expectation is the model's ``R``: the two cannot describe different problems.
"""

from __future__ import annotations

from fractions import Fraction
from math import gcd

import numpy as np

from .._validate import array_bytes, as_float_array, check_finite, check_memory
from ..errors import InvalidArgumentError
from ..models import FiniteHorizonMDP

#: Tolerance of the check ``sum_s' P[h, s, a, s'] rewards[h, s, a, s'] == fh.R[h, s, a]``.
EXPECTATION_TOL = 1e-9
#: Largest denominator tried when looking for the lattice of the rewards.
MAX_DENOMINATOR = 10_000


def dense_transitions(fh: FiniteHorizonMDP) -> np.ndarray:
    """``P[h, s, a, s']`` as a dense ``(H, S, A, S)`` array (a stationary model is repeated)."""
    if not isinstance(fh, FiniteHorizonMDP):
        raise InvalidArgumentError(f"fh must be a FiniteHorizonMDP, got {type(fh).__name__}")
    H, S, A = fh.horizon, fh.n_states, fh.n_actions
    check_memory(array_bytes(2, H, S, A, S),
                 f"fh: the risk oracles hold P and the rewards densely per stage, two arrays of "
                 f"shape (H, S, A, S) = ({H}, {S}, {A}, {S})")
    if fh.stationary:
        P = fh.stage_P(0)
        return np.ascontiguousarray(np.broadcast_to(P, (fh.horizon,) + P.shape))
    return np.ascontiguousarray(np.stack([fh.stage_P(h) for h in range(fh.horizon)]))


def transition_rewards(fh: FiniteHorizonMDP, rewards, P: np.ndarray) -> np.ndarray:
    """The rewards as a ``(H, S, A, S)`` array ``r[h, s, a, s']``.

    ``rewards=None`` takes the model's ``R`` (deterministic in ``(s, a)``). Otherwise ``rewards``
    has shape ``(S, A)``, ``(H, S, A)``, ``(S, A, S)`` or ``(H, S, A, S)``; a three-dimensional
    array that fits both ``(H, S, A)`` and ``(S, A, S)`` is refused as ambiguous. Its expectation
    under ``P`` must equal ``fh.R`` within :data:`EXPECTATION_TOL` (relative to ``max(1, |R|)``).
    """
    H, S, A = fh.horizon, fh.n_states, fh.n_actions
    if rewards is None:
        return np.ascontiguousarray(np.broadcast_to(np.asarray(fh.R)[..., None], (H, S, A, S)))
    arr = as_float_array(rewards, "rewards", InvalidArgumentError)
    check_finite(arr, "rewards", InvalidArgumentError)
    if arr.shape == (S, A):
        full = np.broadcast_to(arr[None, :, :, None], (H, S, A, S))
    elif arr.ndim == 3 and arr.shape in ((H, S, A), (S, A, S)):
        if (H, S, A) == (S, A, S):
            raise InvalidArgumentError(f"rewards has shape {arr.shape}, which fits both (H, S, A) "
                                       f"and (S, A, S); pass it as (H, S, A, S) instead")
        full = (np.broadcast_to(arr[..., None], (H, S, A, S)) if arr.shape == (H, S, A)
                else np.broadcast_to(arr, (H, S, A, S)))
    elif arr.shape == (H, S, A, S):
        full = arr
    else:
        raise InvalidArgumentError(f"rewards must have shape ({S}, {A}), ({H}, {S}, {A}), "
                                   f"({S}, {A}, {S}) or ({H}, {S}, {A}, {S}), got {arr.shape}")
    full = np.ascontiguousarray(full, dtype=np.float64)
    expected = np.einsum("hsaj,hsaj->hsa", P, full)
    R = np.asarray(fh.R)
    off = np.abs(expected - R) > EXPECTATION_TOL * np.maximum(1.0, np.abs(R))
    if off.any():
        h, s, a = (int(i) for i in np.argwhere(off)[0])
        raise InvalidArgumentError(
            f"rewards do not match the model: "
            f"sum_s' P[{h}, {s}, {a}, s'] rewards[{h}, {s}, {a}, s'] "
            f"= {float(expected[h, s, a])!r} but fh.R[{h}, {s}, {a}] = {float(R[h, s, a])!r} "
            f"({int(off.sum())} entries off)")
    return full


def discounted_stage_rewards(fh: FiniteHorizonMDP, r: np.ndarray) -> np.ndarray:
    """``gamma^h r[h, s, a, s']``: the return is then the plain sum of the stage rewards."""
    g = fh.gamma
    if g == 1.0:
        return r
    return r * (g ** np.arange(fh.horizon))[:, None, None, None]


def detect_lattice(values: np.ndarray, name: str = "rewards") -> float:
    """The coarsest step ``delta`` with every entry of ``values`` an integer multiple of it.

    Each value is read as a fraction with denominator at most :data:`MAX_DENOMINATOR` and accepted
    only if the fraction reproduces it to 1e-12 (relative); ``delta`` is the greatest common
    divisor of the fractions. Refuses values that are not of that form.
    """
    vals = np.unique(np.asarray(values, dtype=np.float64))
    vals = vals[vals != 0.0]
    if vals.size == 0:
        return 1.0
    fracs = []
    for v in vals:
        f = Fraction(float(v)).limit_denominator(MAX_DENOMINATOR)
        if abs(float(f) - v) > 1e-12 * max(1.0, abs(v)):
            raise InvalidArgumentError(
                f"{name} are not on a lattice of step 1/q with q <= {MAX_DENOMINATOR}: "
                f"{v!r} is not a fraction with such a denominator; pass lattice=<step> (and "
                f"approximate=True to round the rewards onto it, with the stated error bound)")
        fracs.append(f)
    den = 1
    for f in fracs:
        den = den * f.denominator // gcd(den, f.denominator)
    # the gcd of n_i / d_i is gcd_i(n_i * den / d_i) / den for the common denominator den
    num = 0
    for f in fracs:
        num = gcd(num, abs(f.numerator) * (den // f.denominator))
    return num / den


def lattice_indices(values: np.ndarray, delta: float, approximate: bool,
                    name: str = "rewards") -> tuple[np.ndarray, float]:
    """Integer indices ``k = round(values / delta)`` and the largest ``|values - k delta|``.

    Without ``approximate``, a value more than 1e-9 lattice steps (relative) from the lattice is
    refused; with it, the values are rounded and the deviation is returned for the error bound.
    """
    if not (np.isfinite(delta) and delta > 0):
        raise InvalidArgumentError(f"lattice must be a positive finite step, got {delta!r}")
    scaled = values / delta
    k = np.rint(scaled)
    dev = np.abs(scaled - k)
    if not approximate:
        tol = 1e-9 * np.maximum(1.0, np.abs(scaled))
        bad = dev > tol
        if bad.any():
            idx = tuple(int(i) for i in np.argwhere(bad)[0])
            raise InvalidArgumentError(
                f"{name}[{', '.join(map(str, idx))}] = {float(values[idx])!r} is not a multiple of "
                f"lattice={delta!r}; pass approximate=True to round the rewards onto the lattice "
                f"(the result then carries the rounding bound)")
    return k.astype(np.int64), float(np.max(np.abs(values - k * delta))) if values.size else 0.0
