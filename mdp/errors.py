"""Errors raised by :mod:`rlcert.mdp`.

Every error is a :class:`ValueError` subclass whose message names the argument (or the entry of
it) and the bad value, e.g. ``P[3, 1, :] sums to 0.97, not 1 (tolerance 1e-09)``.
"""

from __future__ import annotations


class InvalidMDPError(ValueError):
    """A model's data is not a valid MDP (shapes, probabilities, rewards, discount, initial state)."""


class InvalidArgumentError(ValueError):
    """An argument of a solver or helper is out of its range (a tolerance, a method name, a policy)."""


class UnsupportedModelError(InvalidArgumentError):
    """The model is valid but outside what the requested solver handles, with the failing condition
    named (e.g. a discounted solver given ``gamma=None``, or a total-reward model with no proper
    policy)."""
