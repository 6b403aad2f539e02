"""What every learner returns (:class:`RunResult`) and the seeding convention shared by the
learners' compiled runs and the verifier.

Every learner of rlcert has a ``run(instance, *, n_episodes=... | n_steps=..., seed=...)`` method
returning a :class:`RunResult` (episodic learners count ``n_episodes``, ``unit = "episodes"``;
bandit learners ``n_steps``, ``unit = "steps"``), and also implements the verifier's subject
protocol of its kind (:mod:`rlcert.proofs_checks.protocols`): the verifier steps the environment
itself and hands the learner only what a learner may see.

**Seeds.** A run from ``seed`` draws the environment's randomness (rewards, next states, the
actions of a declared randomised policy) from one stream and the learner's own randomness
(posterior samples, exploration coins) from another, both children of ``SeedSequence(seed)``:
:func:`protocol_seeds`. The verifier's harness uses the same split, so a compiled run and a
harness run of the same learner from the same seed play the same actions.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np


@dataclass(frozen=True, repr=False)
class RunResult:
    """The record of one run of a learner.

    Attributes
    ----------
    algorithm : str
        The learner's name (``"UCBVI-CH"``, ``"UCB1"``, ...).
    params : dict
        Every parameter of the learner as run, including ``bonus_scale`` (1 = the paper's
        constants; any other value is a documented practical variant).
    seed : int or None
        The seed the run was started from.
    unit : str
        ``"episodes"`` (one entry per episode) or ``"steps"`` (one entry per step/pull).
    regret : ndarray (K,)
        Pseudo-regret of each episode or step, computed exactly (for MDPs:
        ``initial . (V*_1 - V^{pi_k}_1)`` of the policy played in episode ``k``; for stochastic
        bandits ``mu* - mu_{a_t}``).
    cumulative_regret : ndarray (K,)
        Running sum of ``regret``.
    returns : ndarray (K,)
        Realised return of each episode, or realised reward of each step.
    counts : ndarray
        Visit counts (``(S, A)`` or ``(H, S, A)``) or pulls per arm ``(k,)`` at the end.
    extras : dict
        Learner-specific records (optimism margins, indices, ...), documented by each learner.
    """

    algorithm: str
    params: dict[str, Any]
    seed: int | None
    unit: str
    regret: np.ndarray
    cumulative_regret: np.ndarray
    returns: np.ndarray
    counts: np.ndarray
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def n(self) -> int:
        """Number of episodes or steps run."""
        return int(self.regret.shape[0])

    @property
    def total_regret(self) -> float:
        """Cumulative pseudo-regret at the end of the run."""
        return float(self.cumulative_regret[-1]) if self.n else 0.0

    def __repr__(self) -> str:
        return (f"RunResult({self.algorithm}, {self.n} {self.unit}, total regret "
                f"{self.total_regret:.6g}, seed={self.seed})")


@runtime_checkable
class Estimator(Protocol):
    """The estimator protocol: anything with a ``run`` method returning a :class:`RunResult`."""

    def run(self, instance, *, seed: int | None = None, **budget) -> RunResult:  # pragma: no cover
        ...


class SeedError(ValueError):
    """A seed is not a non-negative integer, a :class:`numpy.random.SeedSequence` or ``None``."""


def as_seed_sequence(seed, name: str = "seed", error: type[ValueError] = SeedError
                     ) -> np.random.SeedSequence:
    """``seed`` as a :class:`numpy.random.SeedSequence` (an int ``>= 0``, a SeedSequence used as
    is, or ``None`` for fresh entropy); anything else raises ``error`` naming ``name``."""
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, (int, np.integer)) and not isinstance(seed, (bool, np.bool_)):
        if seed < 0:
            raise error(f"{name} = {seed} must be a non-negative integer")
        return np.random.SeedSequence(int(seed))
    raise error(f"{name} = {seed!r} must be a non-negative int, a numpy.random.SeedSequence or "
                f"None")


def child_sequence(ss: np.random.SeedSequence, i: int) -> np.random.SeedSequence:
    """The ``i``-th child of ``ss`` (``ss.spawn(i + 1)[i]`` of a fresh copy), without advancing
    ``ss``'s own spawn counter: the same call always gives the same child."""
    return np.random.SeedSequence(ss.entropy, spawn_key=tuple(ss.spawn_key) + (int(i),),
                                  pool_size=ss.pool_size)


def protocol_seeds(seed, name: str = "seed", error: type[ValueError] = SeedError
                   ) -> tuple[np.random.Generator, int]:
    """``(environment generator, subject seed)`` of a run from ``seed``.

    The environment draws from ``Generator(PCG64(child 0 of SeedSequence(seed)))``; the subject is
    reset with the integer seed ``child 1 .generate_state(1, uint64)[0]`` and builds its own
    ``numpy.random.default_rng(subject_seed)``. rlcert's compiled runs and the verifier's harness
    both use this split (see the module docstring)."""
    ss = as_seed_sequence(seed, name, error)
    env = np.random.Generator(np.random.PCG64(child_sequence(ss, 0)))
    subject = int(child_sequence(ss, 1).generate_state(1, np.uint64)[0])
    return env, subject


def seed_record(seed, name: str = "seed", error: type[ValueError] = SeedError
                ) -> tuple[np.random.SeedSequence, Any, tuple]:
    """``(SeedSequence, entropy, spawn_key)`` of ``seed`` (fresh entropy for ``None``): results
    record the entropy as their ``seed`` and the spawn key in ``extras["spawn_key"]``, and
    ``SeedSequence(entropy, spawn_key=spawn_key)`` reproduces the run."""
    ss = as_seed_sequence(seed, name, error)
    return ss, ss.entropy, tuple(ss.spawn_key)


def physical_memory() -> int | None:
    """This machine's physical memory in bytes (None where the platform does not say)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def check_memory(n_bytes: float, what: str, name: str, value, error: type[ValueError]) -> None:
    """Refuse up front a request whose arrays would not fit in this machine's memory, naming the
    argument and the size, rather than failing deep inside numpy."""
    total = physical_memory()
    if total is not None and n_bytes > total:
        raise error(f"{name} = {value!r}: {what} needs {n_bytes / 2 ** 30:.3g} GiB, more than "
                    f"this machine's {total / 2 ** 30:.3g} GiB of memory")


def cumulative(regret: np.ndarray) -> np.ndarray:
    """Running sum in float64 (the cumulative regret)."""
    return np.cumsum(np.asarray(regret, dtype=np.float64))
