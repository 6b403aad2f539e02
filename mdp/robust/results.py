"""Result objects of the robust solvers: the fields of :mod:`rlcert.mdp.results` plus the
worst-case kernel and the set it was computed for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..results import FiniteHorizonResult, SolveResult, backup_rounding


def robust_backup_rounding(max_row_nnz: int, r_norm: float, v_norm: float, gamma: float) -> float:
    """First-order bound ``rho`` on the floating-point error of one computed robust backup entry.

    The computed value is ``fl(p^ . V)`` for a computed worst case ``p^`` with at most ``2n + 1``
    entries (``n`` the row's support; the L-infinity and Wasserstein walks add at most ``n + 1``
    states), each obtained from the nominal row by a bounded number of operations and one
    normalising sum, so ``||p^ - p||_1 <= (n + 5) u`` for an exact optimum ``p``; with Higham's
    dot-product bound this is :func:`~rlcert.mdp.results.backup_rounding` with its factor
    ``(n + 3) u`` raised to ``(2n + 8) u`` (first order in ``u = 2**-53``).
    """
    return backup_rounding(2 * max_row_nnz + 5, r_norm, v_norm, gamma)


@dataclass(frozen=True, repr=False)
class RobustSolveResult(SolveResult):
    r"""Solution of a discounted robust MDP: every field of
    :class:`~rlcert.mdp.results.SolveResult`, for the robust operator, plus

    Attributes
    ----------
    worst_case : ndarray (S, A, S) or scipy.sparse.csr_matrix (S*A, S)
        A worst-case kernel for ``V``: row ``(s, a)`` attains ``min_{p in U(s, a)} p . V`` (the
        penalised minimum for penalty sets), so ``Q = r + gamma * worst_case . V`` (plus the
        penalty term for penalty sets). Same storage as the model.
    uncertainty : UncertaintySet
        The set solved for.

    ``certificate`` bounds ``||V - V*_rob||_inf`` (up to ``rounding``), where ``V*_rob`` is the
    fixed point of the robust Bellman operator; ``info["inner_gap"]`` is the largest inner gap
    (non-zero for KL balls only), already included in ``certificate``.
    """

    worst_case: Any = None
    uncertainty: Any = None

    def __repr__(self) -> str:
        return (f"RobustSolveResult(method={self.method!r}, status={self.status!r}, "
                f"iterations={self.iterations}, certificate={self.certificate:.3e}, "
                f"uncertainty={self.uncertainty!r})")


@dataclass(frozen=True, repr=False)
class RobustFiniteHorizonResult(FiniteHorizonResult):
    r"""Solution of a finite-horizon robust MDP by robust backward induction: every field of
    :class:`~rlcert.mdp.results.FiniteHorizonResult`, plus

    Attributes
    ----------
    worst_case : ndarray (H, S, A, S), or a list of H CSR matrices (S*A, S)
        The worst-case kernel of each stage for ``V[h+1]``.
    uncertainty : UncertaintySet
    """

    worst_case: Any = None
    uncertainty: Any = None

    def __repr__(self) -> str:
        return (f"RobustFiniteHorizonResult(H={self.horizon}, S={self.V.shape[1]}, "
                f"certificate={self.certificate:.3e}, uncertainty={self.uncertainty!r})")
