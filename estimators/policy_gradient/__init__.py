"""Exact-gradient policy optimisation on tabular discounted MDPs: softmax policy gradient (Mei,
Xiao, Szepesvari, Schuurmans 2020), natural policy gradient (Agarwal, Kakade, Lee, Mahajan 2021)
and entropy-regularised NPG (Cen, Cheng, Chen, Wei, Chi 2022); see :mod:`.methods`."""

from .methods import (PGResult, PolicyGradientArgumentError, SoftOptimum, entropy_npg, npg,
                      policy_gradient, soft_optimal, softmax_pg)

__all__ = ["PGResult", "PolicyGradientArgumentError", "SoftOptimum", "softmax_pg", "npg",
           "entropy_npg", "policy_gradient", "soft_optimal"]
