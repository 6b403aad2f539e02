"""Stochastic approximation: TD(0) with linear features (Bhandari, Russo, Singal 2018) and
synchronous Q-learning with a generative model (see :mod:`.methods`); linear and tabular SARSA
(Zou, Xu, Liang 2019; see :mod:`.sarsa`); FedSARSA over heterogeneous agents (Zhang, Wang, Mitra,
Anderson 2024; see :mod:`.federated`); log-mapped Q-learning (van Seijen, Fatemi, Tavakoli 2019;
see :mod:`.log_q`)."""

from .methods import (StochasticApproximationArgumentError, TDResult, q_learning_sync,
                      stationary_distribution, td0_linear, td_fixed_point)
from .sarsa import (SARSAResult, linear_sarsa, mean_path, one_hot_features, sarsa_fixed_point,
                    sarsa_policy, tabular_sarsa)
from .federated import (FedSARSAResult, fedsarsa, fedsarsa_fixed_point, heterogeneous_kernels,
                        max_tv_distance)
from .log_q import LogQResult, anneal, log_mapping, log_q_learning

__all__ = ["StochasticApproximationArgumentError", "TDResult", "td0_linear", "td_fixed_point",
           "q_learning_sync", "stationary_distribution",
           "SARSAResult", "linear_sarsa", "tabular_sarsa", "sarsa_fixed_point", "sarsa_policy",
           "mean_path", "one_hot_features",
           "FedSARSAResult", "fedsarsa", "fedsarsa_fixed_point", "heterogeneous_kernels",
           "max_tv_distance",
           "LogQResult", "log_q_learning", "log_mapping", "anneal"]
