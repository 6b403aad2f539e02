"""Average-reward (non-episodic) regret minimisers with compiled interaction loops.

:class:`UCRL2` (Jaksch, Ortner and Auer 2010), with extended value iteration
(:func:`._kernels.extended_value_iteration`) and the paper's confidence radii
(:func:`._kernels.reward_radius`, :func:`._kernels.transition_radius`).

KL-UCRL (Filippi, Cappé and Garivier 2010) is not implemented: the constants of its KL
confidence level could not be read in the sources available (README, "Average-reward and PAC
learners").
"""

from ._common import ContinuingArgumentError
from ._kernels import reward_radius, transition_radius
from .ucrl2 import UCRL2, NotCommunicatingError, episode_bound

__all__ = ["UCRL2", "NotCommunicatingError", "ContinuingArgumentError", "episode_bound",
           "reward_radius", "transition_radius"]
