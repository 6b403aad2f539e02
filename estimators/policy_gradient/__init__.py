"""Exact-gradient policy optimisation on tabular discounted MDPs: softmax policy gradient (Mei,
Xiao, Szepesvari, Schuurmans 2020), natural policy gradient (Agarwal, Kakade, Lee, Mahajan 2021)
and entropy-regularised NPG (Cen, Cheng, Chen, Wei, Chi 2022), see :mod:`.methods`; stochastic
N-PG-IGT and (N)-HARPG on sampled truncated trajectories (Fatkhullin, Barakat, Kireeva, He 2023),
see :mod:`.stochastic`."""

from .methods import (PGResult, PolicyGradientArgumentError, SoftOptimum, entropy_npg, npg,
                      policy_gradient, soft_optimal, softmax_pg)
from .stochastic import (StochasticPGResult, gpomdp_gradient, hessian_vector_estimate, n_harpg,
                         n_pg_igt)

__all__ = ["PGResult", "PolicyGradientArgumentError", "SoftOptimum", "softmax_pg", "npg",
           "entropy_npg", "policy_gradient", "soft_optimal", "StochasticPGResult", "n_pg_igt",
           "n_harpg", "gpomdp_gradient", "hessian_vector_estimate"]
