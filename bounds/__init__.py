"""What a claim evaluates to: numeric bounds, their inversions and concentration inequalities.

* :func:`evaluate` a card at parameters (broadcast over numpy arrays), :func:`invert` it for one
  parameter, :func:`compare` several cards in one table, :func:`convert_T` between steps and
  episodes;
* :mod:`rlcert.bounds.concentration`: the concentration widths as compiled functions that numba
  code (the learners) can call;
* :mod:`rlcert.bounds.selfcheck`: the catalog's consistency checks (rates, monotonicity,
  upper >= lower, inversion round trips), used by the tests and by the verifier.

This subpackage imports :mod:`rlcert.theory` and nothing else of rlcert.
"""

from .evaluate import BoundError, convert_T, evaluate, invert

__all__ = ["evaluate", "invert", "convert_T", "BoundError"]
