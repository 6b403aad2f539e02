"""Errors raised by :mod:`rlcert.estimators.generative`.

A :class:`ValueError` subclass whose message names the argument and the bad value, e.g.
``n = 0 must be a positive integer (samples per state-action pair)``.
"""

from __future__ import annotations


class GenerativeArgumentError(ValueError):
    """An argument of a sampler, an estimator or an instance builder is out of its range, or the
    model handed to an estimator is outside what the estimator assumes (rewards outside [0, 1], a
    missing discount)."""
