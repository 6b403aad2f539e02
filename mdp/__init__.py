"""Models and exact oracles.

* Models: :class:`TabularMDP` (``P (S, A, S)`` dense or CSR ``(S*A, S)``, ``R``, ``gamma``,
  ``initial``) and :class:`FiniteHorizonMDP` (stationary or per-step), validated on
  construction (:class:`InvalidMDPError` names the bad entry).
* Oracles: :func:`solve` (discounted VI / Gauss-Seidel / PI / MPI / LP with certificates,
  total reward, backward induction), :func:`evaluate_policy`, and the derived quantities
  :func:`q_from_v`, :func:`greedy`, :func:`action_gaps`, :func:`occupancy`.
* Interop: :func:`from_gymnasium` (FrozenLake, CliffWalking, Taxi).
* Compiled kernels in :mod:`rlcert.mdp.kernels`; the instance zoo in
  :mod:`rlcert.mdp.instances`; hypothesis strategies in :mod:`rlcert.mdp.strategies`.

This subpackage imports no other part of rlcert.
"""

from .analysis import action_gaps, greedy, occupancy, q_from_v
from .errors import InvalidArgumentError, InvalidMDPError, UnsupportedModelError
from .evaluation import evaluate_policy
from .interop import from_gymnasium
from .models import FiniteHorizonMDP, TabularMDP, load
from .results import FiniteHorizonResult, SolveResult
from .solve import solve

__all__ = [
    "TabularMDP", "FiniteHorizonMDP", "load", "solve", "evaluate_policy", "q_from_v", "greedy",
    "action_gaps", "occupancy", "from_gymnasium", "SolveResult", "FiniteHorizonResult", "InvalidMDPError",
    "InvalidArgumentError", "UnsupportedModelError",
]
