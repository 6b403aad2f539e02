"""What a generative-model estimator returns: :class:`GenerativeResult`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True, repr=False)
class GenerativeResult:
    r"""The record of one run of a generative-model estimator.

    Attributes
    ----------
    algorithm : str
        The estimator's name (``"plug-in"``, ``"perturbed plug-in"``, ``"VR-Q-learning"``, ...).
    params : dict
        Every parameter as run, including the documented choices of constants.
    seed : int, SeedSequence or None
        The seed the run was started from.
    policy : ndarray (S,) of int
        The returned policy.
    Q : ndarray (S, A)
        The estimate of ``Q*`` (of the discounted problem the estimator planned in: for the
        average-reward reductions, the discounted ``Q*_gamma`` at :attr:`gamma`).
    V : ndarray (S,)
        ``max_a Q[s, a]``.
    samples_per_pair : ndarray (S, A) of int
        Generative-model queries of each pair.
    samples_total : int
        ``samples_per_pair.sum()``.
    gamma : float
        The discount the estimator planned with.
    gain : ndarray (S,) or None
        Average-reward estimators: the gain estimate ``g_hat(s)``; ``None`` otherwise.
    unit : str
        ``"samples"``.
    extras : dict
        Estimator-specific records (the counts, the perturbed rewards, epoch sizes), documented
        by each estimator.
    """

    algorithm: str
    params: dict[str, Any]
    seed: Any
    policy: np.ndarray
    Q: np.ndarray
    V: np.ndarray
    samples_per_pair: np.ndarray
    samples_total: int
    gamma: float
    gain: np.ndarray | None = None
    unit: str = "samples"
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def n_per_pair(self) -> int:
        """Samples per pair when every pair got the same number (the usual case), else the
        largest."""
        return int(self.samples_per_pair.max())

    def __repr__(self) -> str:
        return (f"GenerativeResult({self.algorithm}, {self.samples_total} samples "
                f"({self.n_per_pair} per pair), gamma={self.gamma:.6g}, seed={self.seed})")
