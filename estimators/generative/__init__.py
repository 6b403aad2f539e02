"""Estimators with a generative model, and the instance families of their sample-complexity
checks.

* Sampling (:mod:`.sampler`): :class:`Sampler` (the generative model an estimator sees: it
  counts every draw and enforces a budget), :func:`sample_counts` (one multinomial per pair,
  ``O(nnz)`` whatever ``n``), :func:`sample_next_states`, :func:`empirical_model`.
* Discounted (:mod:`.discounted`): :class:`PlugIn` (Azar, Munos and Kappen 2013; Agarwal, Kakade
  and Yang 2020), :class:`PerturbedPlugIn` (Li, Wei, Chi, Gu and Chen 2020),
  :class:`VarianceReducedQLearning` (Wainwright 2019).
* Average reward (:mod:`.average`): :class:`WangBlanchetGlynn` (2023) and :class:`JinSidford`
  (2021), reductions to a discounted problem with ``1 - gamma`` of order ``eps / t_mix``.
* Instances (:mod:`.instances`): :func:`azar_hard`, :func:`lazy_cycle`,
  :func:`family_mixing_time`.

Every estimator implements ``estimate(sampler, *, rewards, gamma, budget, seed)`` (the verifier's
generative protocol) and ``run(m, *, ..., seed)``, and returns a :class:`GenerativeResult`:
``policy``, ``Q``, ``V`` (and ``gain`` for average reward), ``samples_per_pair`` and
``samples_total`` (as counted by the sampler).
"""

from .average import JinSidford, WangBlanchetGlynn
from .discounted import PerturbedPlugIn, PlugIn, VarianceReducedQLearning
from .errors import GenerativeArgumentError
from .instances import azar_hard, azar_stay_probability, family_mixing_time, lazy_cycle
from .results import GenerativeResult
from .sampler import BudgetExceeded, Sampler, empirical_model, sample_counts, sample_next_states

__all__ = ["Sampler", "BudgetExceeded", "PlugIn", "PerturbedPlugIn", "VarianceReducedQLearning", "WangBlanchetGlynn",
           "JinSidford", "GenerativeResult", "GenerativeArgumentError", "sample_counts",
           "sample_next_states", "empirical_model", "azar_hard", "azar_stay_probability",
           "lazy_cycle", "family_mixing_time"]
