"""Models and exact oracles.

* Models: :class:`TabularMDP` (``P (S, A, S)`` dense or CSR ``(S*A, S)``, ``R``, ``gamma``,
  ``initial``) and :class:`FiniteHorizonMDP` (stationary or per-step), validated on
  construction (:class:`InvalidMDPError` names the bad entry).
* Oracles: :func:`solve` (discounted VI / Gauss-Seidel / PI / MPI / LP with certificates,
  total reward, backward induction), :func:`evaluate_policy`, and the derived quantities
  :func:`q_from_v`, :func:`greedy`, :func:`action_gaps`, :func:`occupancy`.
* Interop: :func:`from_gymnasium` (FrozenLake, CliffWalking, Taxi).
* Average reward: :func:`solve_average` (multichain LP, multichain PI, RVI),
  :func:`evaluate_policy_average`; structure (:mod:`rlcert.mdp.structure`): :func:`classify`,
  :func:`diameter`, :func:`mixing_time`, :func:`worst_mixing_time`, stationary distributions.
* Linear MDPs (:mod:`rlcert.mdp.linear`): :class:`LinearMDP` and its exact low-rank oracle
  :func:`solve_linear` (also reached through :func:`solve`), :func:`evaluate_policy_linear`, the
  d-rectangular robust-regularised oracle, builders.
* Robust and risk-sensitive formulations: :mod:`rlcert.mdp.robust`.
* Compiled kernels in :mod:`rlcert.mdp.kernels`; the instance zoo in
  :mod:`rlcert.mdp.instances`; hypothesis strategies in :mod:`rlcert.mdp.strategies`.

Every public entry point validates its arguments before any compiled kernel runs (the rules are
stated once in :mod:`rlcert.mdp._validate`): bad input is refused with a ``ValueError`` subclass
(:class:`InvalidMDPError`, :class:`InvalidArgumentError`) naming the argument and the bad value,
never repaired silently.

This subpackage imports no other part of rlcert.
"""

from .analysis import action_gaps, greedy, occupancy, q_from_v
from .average import AverageCertificate, AverageResult, evaluate_policy_average, solve_average
from .bisimulation import (Aggregation, BisimulationResult, aggregate, aggregated_mdp,
                           bisimulation_metric, epsilon_clusters)
from .errors import InvalidArgumentError, InvalidMDPError, UnsupportedModelError
from .evaluation import evaluate_policy
from .grouping import grouped_mdp, grouping_error, grouping_tradeoff, nested_groupings
from .interop import from_gymnasium
from .linear import LinearMDP, evaluate_policy_linear, solve_linear
from .models import FiniteHorizonMDP, TabularMDP, load
from .results import FiniteHorizonResult, SolveResult
from .solve import solve
from .structure import (Classification, Diameter, MixingTime, WorstMixingTime, classify,
                        closed_classes, communicating_classes, diameter, hitting_times,
                        limiting_matrix, min_hitting_times, mixing_time, periods, span,
                        stationary_distributions, support_graph, transient_states,
                        worst_mixing_time)

__all__ = [
    "TabularMDP", "FiniteHorizonMDP", "load", "solve", "evaluate_policy", "q_from_v", "greedy",
    "action_gaps", "occupancy", "from_gymnasium", "SolveResult", "FiniteHorizonResult", "InvalidMDPError",
    "InvalidArgumentError", "UnsupportedModelError", "solve_average", "evaluate_policy_average",
    "AverageResult", "AverageCertificate", "classify", "Classification", "diameter", "Diameter",
    "min_hitting_times", "mixing_time", "MixingTime", "worst_mixing_time", "WorstMixingTime",
    "stationary_distributions", "limiting_matrix", "hitting_times", "span", "support_graph",
    "communicating_classes", "closed_classes", "transient_states", "periods", "LinearMDP",
    "solve_linear", "evaluate_policy_linear", "bisimulation_metric", "BisimulationResult",
    "aggregate", "Aggregation", "aggregated_mdp", "epsilon_clusters", "grouped_mdp",
    "grouping_error", "grouping_tradeoff", "nested_groupings",
]
