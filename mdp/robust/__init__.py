r"""Robust and robust-regularised MDPs: exact inner problems, certified solvers.

* Uncertainty sets (:mod:`~rlcert.mdp.robust.sets`), ``(s,a)``-rectangular, around the nominal
  rows ``p0 = P(.|s, a)``, each with one method ``worst_case(p0, V) -> (value, p)`` solving
  ``min_{p in U} p . V`` exactly: :class:`L1Ball`, :class:`TVBall` (``TV = L1 / 2``),
  :class:`LInfBall`, :class:`KLBall`, :class:`ChiSquareBall` (Pearson), :class:`WassersteinBall`
  (W1 under a ground metric). Penalty (robust-regularised) forms ``min_p p.V + beta D(p || p0)``:
  :class:`TVPenalty`, :class:`KLPenalty` (``-beta log E_p0 exp(-V / beta)``),
  :class:`ChiSquarePenalty`. KL and chi-square keep ``p << p0``; the others may move mass to
  states where ``p0 = 0``.
* Solvers (:mod:`~rlcert.mdp.robust.solve`): :func:`solve_robust` (robust VI or MPI with the
  a-posteriori certificates of :mod:`rlcert.mdp.discounted`, or robust backward induction),
  :func:`evaluate_policy_robust`, the operator :func:`robust_bellman` and
  :func:`worst_case_kernel`.
* s-rectangular L1 sets (:mod:`~rlcert.mdp.robust.srect`): :class:`SRectL1Ball`, solved by the
  Ho-Petrik-Wiesemann update in :func:`solve_srect`; optimal policies are randomised ``(S, A)``.

References: Iyengar (2005), Math. Oper. Res. 30(2); Nilim and El Ghaoui (2005), Oper. Res. 53(5);
Wiesemann, Kuhn and Rustem (2013), Math. Oper. Res. 38(1); for the penalty form, Yang et al.
(2023) and Tang, Liu and Xu (2025). Each class and function states its own equations and sources.
"""

from .results import RobustFiniteHorizonResult, RobustSolveResult
from .sets import (ChiSquareBall, ChiSquarePenalty, KLBall, KLPenalty, L1Ball, LInfBall, TVBall,
                   TVPenalty, UncertaintySet, WassersteinBall, WorstCase)
from .solve import (RobustBackup, evaluate_policy_robust, robust_bellman, solve_robust,
                    worst_case_kernel)
from .srect import (SRectFiniteHorizonResult, SRectL1Ball, SRectSolveResult,
                    evaluate_policy_srect, solve_srect, srect_bellman)

__all__ = [
    "UncertaintySet", "WorstCase", "L1Ball", "TVBall", "LInfBall", "KLBall", "ChiSquareBall",
    "WassersteinBall", "TVPenalty", "KLPenalty", "ChiSquarePenalty", "solve_robust",
    "evaluate_policy_robust", "robust_bellman", "worst_case_kernel", "RobustBackup",
    "RobustSolveResult", "RobustFiniteHorizonResult", "SRectL1Ball", "solve_srect",
    "evaluate_policy_srect", "srect_bellman", "SRectSolveResult", "SRectFiniteHorizonResult",
]
