"""Stochastic approximation: TD(0) with linear features (Bhandari, Russo, Singal 2018) and
synchronous Q-learning with a generative model; see :mod:`.methods`."""

from .methods import (StochasticApproximationArgumentError, TDResult, q_learning_sync,
                      stationary_distribution, td0_linear, td_fixed_point)

__all__ = ["StochasticApproximationArgumentError", "TDResult", "td0_linear", "td_fixed_point",
           "q_learning_sync", "stationary_distribution"]
