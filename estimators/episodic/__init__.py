"""Episodic regret minimisers with compiled interaction loops and exact pseudo-regret.

:class:`UCBVICH`, :class:`UCBVIBF` (Azar, Osband and Munos 2017), :class:`OptimisticQLearning`
(Jin, Allen-Zhu, Bubeck and Jordan 2018), :class:`PSRL` (Osband, Russo and Van Roy 2013),
:class:`Greedy` (certainty equivalence, optionally epsilon-greedy) and :class:`KnownModel`.
Bonuses and learning rates, with the papers' formulas, are in :mod:`.bonuses`.
"""

from .learners import (PSRL, UCBVIBF, UCBVICH, EpisodicLearner, Greedy, KnownModel,
                       LearnerArgumentError, OptimisticQLearning)

__all__ = ["UCBVICH", "UCBVIBF", "OptimisticQLearning", "PSRL", "Greedy", "KnownModel",
           "EpisodicLearner", "LearnerArgumentError"]
