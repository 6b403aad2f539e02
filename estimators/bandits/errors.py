"""Errors raised by :mod:`rlcert.estimators.bandits`.

Both are :class:`ValueError` subclasses whose message names the argument (or the entry of it) and
the bad value, e.g. ``means[1] = 1.2 is not in [0, 1]``.
"""

from __future__ import annotations


class InvalidBanditError(ValueError):
    """An instance's data is not a valid bandit (means, noise level, reward table, arm count)."""


class BanditArgumentError(ValueError):
    """An argument of a learner or of a run is out of its range (a parameter, ``n_steps``, a seed,
    checkpoints), or the learner's assumptions exclude the instance it was given."""
