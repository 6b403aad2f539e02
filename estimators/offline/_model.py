r"""What the offline estimators share: the result object, the empirical model of a
:class:`~rlcert.estimators.offline.Dataset`, and the compiled pessimistic backup of Li et al.

Empirical model (Li, Shi, Chen, Chi and Wei 2022, eqs. (24)-(25) and (50)-(51)): ``N(s, a)`` counts
the transitions from ``(s, a)``; ``P_hat(s' | s, a) = N(s, a, s') / N(s, a)`` when ``N(s, a) > 0``
and ``1/S`` otherwise (the paper's convention for unseen pairs: any default distribution would do,
the penalised estimators never rely on it). Rewards: the learner of Li et al. knows the reward
function; here ``r_hat(s, a)`` is the mean of the observed rewards of ``(s, a)`` (equal to
``r(s, a)`` when the data's rewards are the model's expected rewards, ``reward_noise="none"``),
``0`` for unseen pairs, unless the estimator is given the rewards.

Rows of ``P_hat`` are stored sparsely, as the data produced them (CSR over the ``S A`` rows, at
most one entry per distinct observed ``(s, a, s')``): the backup costs ``O(nnz + S A)``.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from .dataset import Dataset, OfflineArgumentError

#: Largest ``S * A * S`` for which the transition counts are tallied in one dense bincount.
DENSE_TALLY = 1 << 24


@dataclass(frozen=True, repr=False)
class OfflineEstimate:
    """What an offline estimator returns (the verifier reads ``policy`` and ``V``).

    Attributes
    ----------
    algorithm : str
    policy : ndarray
        ``(S,)`` actions (discounted data) or ``(H, S)`` (episodic data).
    V : ndarray
        The estimator's value estimate: ``(S,)``, or ``(H + 1, S)`` with ``V[H] = 0``.
    Q : ndarray
        ``(S, A)`` or ``(H, S, A)``.
    penalty : ndarray
        The pessimism penalty of the last backup, same shape as ``Q`` (zeros for the plug-in).
    counts : ndarray
        ``N(s, a)`` (``(S, A)``) or ``N_h(s, a)`` (``(H, S, A)``) of the data used.
    params : dict
        Every parameter, and the derived constants (log factors, iterations, ``beta``).
    extras : dict
    """

    algorithm: str
    policy: np.ndarray
    V: np.ndarray
    Q: np.ndarray
    penalty: np.ndarray
    counts: np.ndarray
    params: dict
    extras: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return f"OfflineEstimate({self.algorithm}, V shape {self.V.shape})"


@dataclass(frozen=True)
class EmpiricalModel:
    """The empirical model of discounted data (or of one stage of episodic data).

    ``indptr, indices, prob`` hold ``P_hat`` rows with ``N > 0`` in CSR form over the ``S A`` rows
    (rows with ``N = 0`` are empty: their ``P_hat`` is uniform, handled by the users); ``N`` the
    ``(S A,)`` counts; ``r`` the ``(S A,)`` rewards used."""

    indptr: np.ndarray
    indices: np.ndarray
    prob: np.ndarray
    N: np.ndarray
    r: np.ndarray
    n_states: int
    n_actions: int

    def dense_P(self) -> np.ndarray:
        """``P_hat`` as ``(S, A, S)`` with uniform rows for unseen pairs."""
        S, A = self.n_states, self.n_actions
        P = np.full((S * A, S), 1.0 / S)
        rows = np.repeat(np.arange(S * A), np.diff(self.indptr))
        seen = self.N > 0
        P[seen] = 0.0
        P[rows, self.indices] = self.prob
        return P.reshape(S, A, S)


def check_dataset(data, who: str, *, episodic: bool | None) -> Dataset:
    """``data`` as a :class:`Dataset` of the required kind, or the error naming it."""
    if not isinstance(data, Dataset):
        raise OfflineArgumentError(f"{who}: fit needs data, a rlcert Dataset, got "
                                   f"{type(data).__name__}")
    if episodic is True and not data.episodic:
        raise OfflineArgumentError(f"{who} learns from episodic data (trajectories, "
                                   f"collect_episodes); got data = {data!r}")
    if episodic is False and data.episodic:
        raise OfflineArgumentError(f"{who} learns from discounted transitions (collect_"
                                   f"transitions); got data = {data!r}")
    if data.size == 0:
        raise OfflineArgumentError(f"{who}: the dataset (data) is empty")
    return data


def check_unit_rewards(data: Dataset, who: str) -> None:
    """Refuse observed rewards outside ``[0, 1]`` (the penalties' ``1/(1-gamma)`` or ``H`` scale
    assumes them)."""
    r = data.rewards
    if r.size and (not np.all(np.isfinite(r)) or r.min() < 0.0 or r.max() > 1.0):
        raise OfflineArgumentError(f"{who} assumes rewards in [0, 1]; the data's range is "
                                   f"[{float(np.nanmin(r)):.6g}, {float(np.nanmax(r)):.6g}]")


def check_gamma(gamma, who: str) -> float:
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real) or \
            not 0.0 < float(gamma) < 1.0:
        raise OfflineArgumentError(f"{who} needs a discount 0 < gamma < 1, got gamma={gamma!r}")
    return float(gamma)


def check_positive(value: float, name: str, *, allow_zero: bool = False) -> float:
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool) and \
        math.isfinite(value) and (value >= 0 if allow_zero else value > 0)
    if not ok:
        kind = "non-negative" if allow_zero else "positive"
        raise OfflineArgumentError(f"{name} = {value!r} must be a {kind} number")
    return float(value)


def check_probability(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or \
            not 0.0 < float(value) < 1.0:
        raise OfflineArgumentError(f"{name} = {value!r} is not in (0, 1)")
    return float(value)


def known_rewards(rewards, shape: tuple, who: str) -> np.ndarray | None:
    """Known rewards given to an estimator (``None``: estimate them from the data)."""
    if rewards is None:
        return None
    R = np.asarray(rewards, dtype=np.float64)
    if R.shape != shape or not np.all(np.isfinite(R)):
        raise OfflineArgumentError(f"{who}: rewards must be finite of shape {shape}, got shape "
                                   f"{R.shape}")
    return R


def rewards_argument(rewards, who: str, ndims: tuple[int, ...] = (2,)) -> np.ndarray | None:
    """The ``rewards=`` argument of an estimator's constructor: ``None``, or a finite real array
    with ``ndims`` dimensions (its shape is checked against the data at ``fit``)."""
    if rewards is None:
        return None
    try:
        raw = np.asarray(rewards)
        if raw.dtype.kind not in "fiu":  # bool, complex, strings, objects: never silently cast
            raise TypeError
        R = np.array(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise OfflineArgumentError(f"{who}: rewards = {rewards!r} is not a real array") from None
    if R.ndim not in ndims or not np.all(np.isfinite(R)):
        finite = "" if np.all(np.isfinite(R)) else " with non-finite entries"
        raise OfflineArgumentError(f"{who}: rewards must be a finite array with "
                                   f"{' or '.join(map(str, ndims))} dimensions, got shape "
                                   f"{R.shape}{finite}")
    return R


def pair_keys(states: np.ndarray, actions: np.ndarray, A: int) -> np.ndarray:
    """``s A + a`` per transition."""
    return np.asarray(states, dtype=np.int64) * A + np.asarray(actions, dtype=np.int64)


def empirical_model(states, actions, rewards, next_states, S: int, A: int,
                    R_known: np.ndarray | None = None) -> EmpiricalModel:
    """The empirical model of the transitions given (flat arrays): counts, CSR ``P_hat`` rows
    and rewards (see the module docstring)."""
    key = pair_keys(states, actions, A)
    N = np.bincount(key, minlength=S * A).astype(np.int64)
    if R_known is None:
        rsum = np.bincount(key, weights=rewards, minlength=S * A)
        r = np.where(N > 0, rsum / np.maximum(N, 1), 0.0)
    else:
        r = np.ascontiguousarray(R_known, dtype=np.float64).ravel()
    tkey = key * S + np.asarray(next_states, dtype=np.int64)
    if S * A * S <= DENSE_TALLY:
        full = np.bincount(tkey, minlength=S * A * S)
        nz = np.flatnonzero(full)
        cnt = full[nz]
    else:
        nz, cnt = np.unique(tkey, return_counts=True)
    rows, cols = nz // S, nz % S
    indptr = np.zeros(S * A + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=S * A), out=indptr[1:])
    prob = cnt / N[rows]
    return EmpiricalModel(indptr, cols.astype(np.int64), prob.astype(np.float64), N,
                          np.ascontiguousarray(r), S, A)


# -- the compiled pessimistic backup (Li et al. 2022, eqs. (27)-(28)) ------------------------------
@njit(cache=True, fastmath={"reassoc", "contract"})
def bernstein_lcb_sweeps(indptr, indices, prob, N, r, gamma, cb_log, five_over_n, scale, n_iter,
                         Q, V, b):
    r"""``n_iter`` sweeps of ``Q <- max{r + gamma P_hat V - scale * b(s, a; V), 0}``, ``V = max_a
    Q``, in place (``Q`` ``(S A,)``, ``V`` ``(S,)``, ``b`` receives the last sweep's penalty), with
    Li et al.'s Bernstein-style penalty (eq. 28)

    ``b(s, a; V) = min{max{sqrt(cb_log Var_{P_hat}(V) / N), 2 cb_log / ((1-gamma) N)}, 1/(1-gamma)}
    + 5/N_total``, ``cb_log = c_b log(N_total / ((1-gamma) delta))``;

    a pair with ``N(s, a) = 0`` has an infinite first term: ``b = 1/(1-gamma) + 5/N_total``, and
    ``P_hat`` uniform. The variance is computed in two passes (mean first)."""
    SA = N.shape[0]
    S = V.shape[0]
    A = SA // S
    cap = 1.0 / (1.0 - gamma)
    for _ in range(n_iter):
        m1 = 0.0
        for s in range(S):
            m1 += V[s]
        m1 /= S
        for row in range(SA):
            n = N[row]
            if n > 0:
                mean = 0.0
                for k in range(indptr[row], indptr[row + 1]):
                    mean += prob[k] * V[indices[k]]
                var = 0.0
                for k in range(indptr[row], indptr[row + 1]):
                    dv = V[indices[k]] - mean
                    var += prob[k] * dv * dv
                sq = math.sqrt(cb_log * var / n)
                lin = 2.0 * cb_log / ((1.0 - gamma) * n)
                pen = min(max(sq, lin), cap) + five_over_n
            else:
                mean = m1
                pen = cap + five_over_n
            b[row] = pen
            q = r[row] + gamma * mean - scale * pen
            Q[row] = q if q > 0.0 else 0.0
        for s in range(S):
            best = Q[s * A]
            for a in range(1, A):
                if Q[s * A + a] > best:
                    best = Q[s * A + a]
            V[s] = best


__all__ = ["OfflineEstimate", "EmpiricalModel", "empirical_model", "bernstein_lcb_sweeps",
           "check_dataset", "check_unit_rewards", "check_gamma", "check_positive",
           "check_probability", "known_rewards", "pair_keys", "rewards_argument"]
