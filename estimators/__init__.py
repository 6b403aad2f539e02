"""Algorithms that learn from data.

Regret minimisers, PAC learners, generative-model and offline estimators. They plan with the
kernels and oracles of :mod:`rlcert.mdp` and take their confidence widths from
:mod:`rlcert.bounds`. Every learner returns a :class:`RunResult` (see :mod:`.base`).
"""

from .base import Estimator, RunResult

__all__ = ["RunResult", "Estimator"]
