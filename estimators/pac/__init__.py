"""Discounted PAC exploration learners with compiled loops: :class:`RMAX`, :class:`MBIEEB`,
:class:`DelayedQLearning` (see :mod:`.learners` for the algorithms and the frozen-policy proxy
of the sample complexity of exploration)."""

from ..average._common import ContinuingArgumentError
from ._kernels import mbie_eb_beta
from .learners import MBIEEB, RMAX, DelayedQLearning, PACLearner

__all__ = ["RMAX", "MBIEEB", "DelayedQLearning", "PACLearner", "mbie_eb_beta",
           "ContinuingArgumentError"]
