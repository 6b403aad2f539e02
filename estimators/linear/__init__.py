"""Learners and offline estimators for linear MDPs (:mod:`rlcert.mdp.linear`).

* :class:`LSVI`, :class:`LSVIUCB` (:mod:`.lsvi`): least-squares value iteration, without and with
  the bonus of Jin, Yang, Wang and Jordan (2020), compiled, with the verifier's episodic protocol;
* :class:`LinearPEVI`, :class:`R2PVI` (:mod:`.pevi`): pessimistic value iteration from offline
  data (Jin, Yang and Wang 2021) and its robust-regularised d-rectangular version (Tang, Liu and
  Xu 2025).
"""

from .lsvi import LSVI, LSVIUCB, LinearLearnerError
from .pevi import R2PVI, LinearPEVI, PessimisticEstimate

__all__ = ["LSVI", "LSVIUCB", "LinearPEVI", "R2PVI", "PessimisticEstimate", "LinearLearnerError"]
