r"""Offline data: :class:`Dataset`, and the collectors that generate it from a behaviour policy.

* **Episodic** (a :class:`~rlcert.mdp.FiniteHorizonMDP`): ``K`` trajectories ``(s_h, a_h, r_h,
  s_{h+1})_{h < H}``, each started from the model's initial distribution and played with the
  behaviour policy ``mu_h(a|s)`` (:func:`collect_episodes`), the data of Jin, Yang and Wang (2021)
  and of linear PEVI.
* **Discounted** (a :class:`~rlcert.mdp.TabularMDP`): ``N`` independent transitions ``(s, a, r,
  s')`` with ``(s, a) ~ d^mu``, the normalised discounted occupancy of the behaviour policy, and
  ``s' ~ P(.|s, a)`` (:func:`collect_transitions`), the data of Rashidinejad, Zhu, Ma, Jiao and
  Russell (2021) and of Li, Shi, Chen, Chi and Wei (2022).

Rewards are the model's expected rewards ``r(s, a)``, or ``Bernoulli(r(s, a))`` draws with
``reward_noise="bernoulli"`` (rewards in [0, 1]). The collectors are compiled (one pass, no Python
loop over samples); the same seed (an int, a SeedSequence or a Generator) gives the same dataset.
The verifier generates the data of its offline checks itself and hands the dataset to the
estimator.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

import numpy as np
from numba import njit

from rlcert.mdp import FiniteHorizonMDP, TabularMDP, occupancy
from rlcert.mdp.policies import policy_weights, stage_policy_weights
from rlcert.mdp.rollout import episode_step, sample_categorical

from ..base import as_seed_sequence, check_memory


class OfflineArgumentError(ValueError):
    """An argument of a collector, a dataset or an offline estimator is out of range (the
    message names it)."""


@dataclass(frozen=True, repr=False)
class Dataset:
    r"""Offline transitions, with the behaviour policy that made them when known.

    Attributes
    ----------
    states, actions, rewards, next_states : ndarray
        ``(K, H)`` for episodic data (row ``k`` is trajectory ``k``, column ``h`` its stage), or
        ``(N,)`` for discounted transitions.
    n_states, n_actions : int
    horizon : int or None
        ``H`` for episodic data, None for discounted transitions.
    behaviour : ndarray or None
        ``(H, S, A)`` (episodic data only) or ``(S, A)`` probabilities of the behaviour policy:
        finite, non-negative, each row summing to 1 (within ``1e-9``).
    info : dict
        How the data was made (collector, seed, reward noise).
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    next_states: np.ndarray
    n_states: int
    n_actions: int
    horizon: int | None = None
    behaviour: np.ndarray | None = None
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        for name in ("n_states", "n_actions"):
            v = getattr(self, name)
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < 1:
                raise OfflineArgumentError(f"{name} = {v!r} must be a positive integer")
        if self.horizon is not None and (isinstance(self.horizon, (bool, np.bool_)) or
                                         not isinstance(self.horizon, numbers.Integral) or
                                         self.horizon < 1):
            raise OfflineArgumentError(f"horizon = {self.horizon!r} must be a positive integer "
                                       f"or None")
        for name in ("states", "actions", "next_states", "rewards"):
            arr = getattr(self, name)
            if not isinstance(arr, np.ndarray):
                raise OfflineArgumentError(f"{name} must be a numpy array, got "
                                           f"{type(arr).__name__}")
            integral = name != "rewards"
            ok = (np.issubdtype(arr.dtype, np.integer) and arr.dtype != np.bool_) if integral \
                else np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)
            if not ok:
                raise OfflineArgumentError(f"{name} has dtype {arr.dtype}; expected "
                                           f"{'integer indices' if integral else 'real rewards'}")
            if arr.ndim not in (1, 2):
                raise OfflineArgumentError(f"{name} has {arr.ndim} dimensions; expected (N,) "
                                           f"transitions or (K, H) trajectories")
        if self.rewards.size and not np.all(np.isfinite(self.rewards)):
            k = int(np.flatnonzero(~np.isfinite(self.rewards.ravel()))[0])
            raise OfflineArgumentError(f"rewards holds a non-finite value at flat index {k}: "
                                       f"{self.rewards.ravel()[k]!r}")
        shape = self.states.shape
        for name in ("actions", "rewards", "next_states"):
            if getattr(self, name).shape != shape:
                raise OfflineArgumentError(f"{name} has shape {getattr(self, name).shape}, states "
                                           f"{shape}")
        if self.horizon is not None and (len(shape) != 2 or shape[1] != self.horizon):
            raise OfflineArgumentError(f"horizon = {self.horizon!r}: episodic data must be (K, H "
                                       f"= {self.horizon}), got states of shape {shape}")
        for name, bound in (("states", self.n_states), ("next_states", self.n_states),
                            ("actions", self.n_actions)):
            arr = getattr(self, name)
            if arr.size and (arr.min() < 0 or arr.max() >= bound):
                raise OfflineArgumentError(f"{name} holds an index outside [0, {bound})")
        if self.behaviour is not None:
            _check_behaviour(self.behaviour, self.n_states, self.n_actions, self.horizon)
        for arr in (self.states, self.actions, self.rewards, self.next_states):
            arr.setflags(write=False)

    @property
    def episodic(self) -> bool:
        return self.horizon is not None

    @property
    def size(self) -> int:
        """Number of transitions (``K H`` or ``N``)."""
        return int(self.states.size)

    @property
    def n_episodes(self) -> int:
        return int(self.states.shape[0]) if self.episodic else 0

    def counts(self, h: int | None = None) -> np.ndarray:
        """Visits of each ``(s, a)``: ``(S, A)``, at stage ``h`` for episodic data (all stages
        when ``h`` is None)."""
        s, a = self._stage(h, self.states), self._stage(h, self.actions)
        out = np.zeros((self.n_states, self.n_actions), np.int64)
        np.add.at(out, (s, a), 1)
        return out

    def transition_counts(self, h: int | None = None) -> np.ndarray:
        """``N(s, a, s')``, ``(S, A, S)``, at stage ``h`` (or all)."""
        s, a, s2 = (self._stage(h, x) for x in (self.states, self.actions, self.next_states))
        out = np.zeros((self.n_states, self.n_actions, self.n_states), np.int64)
        np.add.at(out, (s, a, s2), 1)
        return out

    def reward_sums(self, h: int | None = None) -> np.ndarray:
        """Sum of the observed rewards of each ``(s, a)`` at stage ``h`` (or all)."""
        s, a, r = (self._stage(h, x) for x in (self.states, self.actions, self.rewards))
        out = np.zeros((self.n_states, self.n_actions))
        np.add.at(out, (s, a), r)
        return out

    def _stage(self, h: int | None, arr: np.ndarray) -> np.ndarray:
        if h is None or not self.episodic:
            return arr.ravel()
        if isinstance(h, bool) or not isinstance(h, numbers.Integral) or not 0 <= h < self.horizon:
            raise OfflineArgumentError(f"h={h!r} is not a stage in [0, {self.horizon})")
        return arr[:, h]

    def __repr__(self) -> str:
        what = (f"{self.n_episodes} episodes of H={self.horizon}" if self.episodic
                else f"{self.size} transitions")
        return f"Dataset({what}, S={self.n_states}, A={self.n_actions})"


def _check_behaviour(behaviour, S: int, A: int, H: int | None) -> None:
    """Refuse a ``behaviour`` that is not ``(S, A)`` (or, for episodic data, ``(H, S, A)``)
    probabilities: a real finite array, non-negative, rows summing to 1."""
    shapes = [(S, A)] + ([(H, S, A)] if H is not None else [])
    if not isinstance(behaviour, np.ndarray) or behaviour.dtype.kind not in "fiu" \
            or behaviour.shape not in shapes:
        got = (f"shape {behaviour.shape} and dtype {behaviour.dtype}"
               if isinstance(behaviour, np.ndarray) else type(behaviour).__name__)
        raise OfflineArgumentError(f"behaviour must be a real array of shape "
                                   f"{' or '.join(map(str, shapes))} (probabilities), got {got}")
    if not np.all(np.isfinite(behaviour)) or np.any(behaviour < 0):
        raise OfflineArgumentError("behaviour has a negative or non-finite probability")
    sums = behaviour.sum(axis=-1)
    off = np.abs(sums - 1.0) > 1e-9
    if off.any():
        idx = tuple(int(i) for i in np.argwhere(off)[0])
        raise OfflineArgumentError(f"behaviour{list(idx)} sums to {float(sums[idx])!r}, not 1")


def _check_bernoulli_rewards(R: np.ndarray, bernoulli: bool) -> None:
    """``Bernoulli(r)`` draws need every ``r`` in ``[0, 1]``."""
    if bernoulli and R.size and (R.min() < 0.0 or R.max() > 1.0):
        raise OfflineArgumentError(f"reward_noise='bernoulli' draws Bernoulli(r(s, a)) and needs "
                                   f"the rewards of m in [0, 1]; they range over "
                                   f"[{float(R.min()):.6g}, {float(R.max()):.6g}]")


# -- compiled collectors ------------------------------------------------------------------------
@njit(cache=True)
def _episodes(T, stride, R, W, initial, K, bernoulli, rng, s_out, a_out, r_out, n_out):
    H = R.shape[0]
    for k in range(K):
        s = sample_categorical(initial, rng.random())
        for h in range(H):
            a = sample_categorical(W[h, s], rng.random())
            r, s2 = episode_step(T, stride, R, h, s, a, rng.random(), rng.random(), bernoulli)
            s_out[k, h] = s
            a_out[k, h] = a
            r_out[k, h] = r
            n_out[k, h] = s2
            s = s2


@njit(cache=True)
def _transitions(T, R, d_flat, A, N, bernoulli, rng, s_out, a_out, r_out, n_out):
    R3 = R.reshape(1, R.shape[0], R.shape[1])
    for n in range(N):
        row = sample_categorical(d_flat, rng.random())
        s, a = row // A, row % A
        r, s2 = episode_step(T, 0, R3, 0, s, a, rng.random(), rng.random(), bernoulli)
        s_out[n] = s
        a_out[n] = a
        r_out[n] = r
        n_out[n] = s2


def _count(n, name: str) -> int:
    if isinstance(n, (bool, np.bool_)) or not isinstance(n, numbers.Integral) or n < 1:
        raise OfflineArgumentError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def _generator(seed) -> np.random.Generator:
    """A Generator used as is, or one seeded from an int, a SeedSequence or None."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(as_seed_sequence(seed, "seed", OfflineArgumentError))


def _noise(reward_noise: str) -> bool:
    if reward_noise not in ("none", "bernoulli"):
        raise OfflineArgumentError(f"reward_noise={reward_noise!r} is not 'none' or 'bernoulli'")
    return reward_noise == "bernoulli"


def collect_episodes(m: FiniteHorizonMDP, behaviour, n_episodes: int, seed=None, *,
                     reward_noise: str = "none") -> Dataset:
    """``n_episodes`` trajectories of ``m`` under the behaviour policy (``(H, S)`` actions,
    ``(H, S, A)`` probabilities, or a stationary ``(S,)`` / ``(S, A)`` policy).
    ``reward_noise="bernoulli"`` needs the rewards of ``m`` in ``[0, 1]``."""
    if not isinstance(m, FiniteHorizonMDP):
        raise OfflineArgumentError(f"m must be a FiniteHorizonMDP, got {type(m).__name__}")
    K = _count(n_episodes, "n_episodes")
    H, S, A = m.horizon, m.n_states, m.n_actions
    check_memory(32.0 * K * H, "the dataset's arrays", "n_episodes", n_episodes,
                 OfflineArgumentError)
    W = np.ascontiguousarray(stage_policy_weights(behaviour, H, S, A, "behaviour"))
    _check_bernoulli_rewards(np.asarray(m.R), _noise(reward_noise))
    rng = _generator(seed)
    out = (np.empty((K, H), np.int64), np.empty((K, H), np.int64), np.empty((K, H)),
           np.empty((K, H), np.int64))
    _episodes(m.operand, m.stage_stride, m._R, W, np.ascontiguousarray(m.initial), K,
              _noise(reward_noise), rng, *out)
    return Dataset(*out, n_states=S, n_actions=A, horizon=H, behaviour=W,
                   info={"collector": "episodes", "reward_noise": reward_noise})


def collect_transitions(m: TabularMDP, behaviour, n: int, seed=None, *,
                        reward_noise: str = "none") -> Dataset:
    """``n`` independent transitions of the discounted model ``m``: ``(s, a) ~ d^mu`` (the
    normalised discounted occupancy of the behaviour policy from ``m.initial``), ``s' ~ P(.|s,
    a)``. ``reward_noise="bernoulli"`` needs the rewards of ``m`` in ``[0, 1]``."""
    if not isinstance(m, TabularMDP):
        raise OfflineArgumentError(f"m must be a TabularMDP, got {type(m).__name__}")
    N = _count(n, "n")
    S, A = m.n_states, m.n_actions
    check_memory(32.0 * N, "the dataset's arrays", "n", n, OfflineArgumentError)
    W = policy_weights(behaviour, S, A, "behaviour")
    _check_bernoulli_rewards(np.asarray(m.R), _noise(reward_noise))
    d = np.ascontiguousarray(occupancy(m, W).ravel())
    rng = _generator(seed)
    out = (np.empty(N, np.int64), np.empty(N, np.int64), np.empty(N), np.empty(N, np.int64))
    _transitions(m.operand, np.ascontiguousarray(m.R), d, A, N, _noise(reward_noise), rng, *out)
    return Dataset(*out, n_states=S, n_actions=A, behaviour=W,
                   info={"collector": "transitions", "reward_noise": reward_noise,
                         "occupancy": d.reshape(S, A)})


__all__ = ["Dataset", "collect_episodes", "collect_transitions", "OfflineArgumentError"]
