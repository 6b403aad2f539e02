"""What every learner returns: :class:`RunResult`, and the estimator protocol.

A learner is any object with a ``run(instance, *, n_episodes=... | n_steps=..., seed=...)`` method
returning a :class:`RunResult`; the verifier (:mod:`rlcert.proofs_checks`) runs user
implementations through the same protocol. Episodic learners count ``n_episodes`` (``unit =
"episodes"``), bandit learners ``n_steps`` (``unit = "steps"``).
"""

from __future__ import annotations

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


def cumulative(regret: np.ndarray) -> np.ndarray:
    """Running sum in float64 (the cumulative regret)."""
    return np.cumsum(np.asarray(regret, dtype=np.float64))
