"""Result objects of the exact oracles, and the floating-point terms their certificates carry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: Unit roundoff of float64.
UNIT_ROUNDOFF = 2.0 ** -53


def backup_rounding(max_row_nnz: int, r_norm: float, v_norm: float, gamma: float) -> float:
    """Bound ``rho`` on the floating-point error of one computed backup entry.

    Higham (2002, eq. 3.5) bounds a computed dot product of length ``n`` by
    ``gamma_n sum_i |p_i V_i| <= n u ||V||_inf / (1 - n u)`` when ``sum_i p_i = 1``, in any order of
    summation; the reward addition, the discount product and a subtraction add three roundings:
    ``rho = (n + 3) u (|r|_max + gamma ||V||_inf)`` (to first order in ``u``).
    """
    n = max_row_nnz + 3
    return n * UNIT_ROUNDOFF / (1.0 - n * UNIT_ROUNDOFF) * (r_norm + gamma * v_norm)


def floating_floor(r_norm: float, v_norm: float, gamma: float) -> float:
    """The smallest certificate worth asking for: ``8 u (|r|_max + ||V||_inf) / (1 - gamma)``.

    Below it the residual ``||T V - V||`` is dominated by rounding (a few ulps of ``||V||``) and
    iterating further cannot shrink it, so solvers stop there and report ``status="floor"``.
    """
    return 8.0 * UNIT_ROUNDOFF * (r_norm + v_norm) / (1.0 - gamma)


@dataclass(frozen=True, repr=False)
class SolveResult:
    r"""Solution of a discounted or total-reward MDP, with its certificate.

    Attributes
    ----------
    V : ndarray (S,)
        The certified value estimate.
    Q : ndarray (S, A)
        ``Q = r + gamma P V``, the backup of ``V``; ``||Q - Q*||_inf <= gamma * certificate``.
    policy : ndarray (S,) of int
        The method's own policy (greedy for VI/GS/MPI; for PI and LP the policy whose exact value
        is ``V``).
    optimal_actions : ndarray (S, A) of bool
        Every action with ``Q[s, a] >= max_a Q[s, .] - 2 gamma (certificate + rounding) - 2 rho``;
        it contains every truly optimal action.
    certificate : float
        Proven bound on ``||V - V*||_inf``, valid up to ``rounding``.
    rounding : float
        Floating-point term: ``||V - V*||_inf <= certificate + rounding``.
    policy_loss_bound : float
        Bound on ``||V* - V^policy||_inf`` (up to ``2 * rounding``).
    iterations : int
        Sweeps (VI, GS), improvement steps (PI, MPI) or 1 (LP).
    method, status : str
        ``status`` is ``"converged"`` (certificate <= tol), ``"floor"`` (tol is below the
        floating-point floor; the result is certified at the floor), ``"max_iter"``,
        ``"above_tol"`` (PI or LP terminated with a certificate above tol, which only an
        inaccurate linear solve can cause), or ``"exact"`` (total-reward models solved by an
        exact method, whose certificate is stated in ``info``).
    tol : float
        The certificate asked for.
    info : dict
        Method details (evaluation solver, storage conversions, floor, time).
    """

    V: np.ndarray
    Q: np.ndarray
    policy: np.ndarray
    optimal_actions: np.ndarray
    certificate: float
    rounding: float
    policy_loss_bound: float
    iterations: int
    method: str
    status: str
    tol: float
    gamma: float
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def value(self) -> np.ndarray:
        """Alias of :attr:`V`."""
        return self.V

    def initial_value(self, initial: np.ndarray) -> float:
        """``initial . V``."""
        return float(np.dot(initial, self.V))

    def summary(self) -> str:
        """Several lines for humans: method, status, certificate, value range."""
        return (f"method={self.method} status={self.status} iterations={self.iterations}\n"
                f"certificate ||V - V*||_inf <= {self.certificate:.3e} (+ rounding "
                f"{self.rounding:.1e}); tol={self.tol:.1e}\n"
                f"policy loss ||V* - V^pi||_inf <= {self.policy_loss_bound:.3e}\n"
                f"V in [{self.V.min():.6g}, {self.V.max():.6g}]")

    def __repr__(self) -> str:
        return (f"SolveResult(method={self.method!r}, status={self.status!r}, "
                f"iterations={self.iterations}, certificate={self.certificate:.3e}, "
                f"S={self.V.shape[0]}, A={self.Q.shape[1]})")


@dataclass(frozen=True, repr=False)
class FiniteHorizonResult:
    r"""Solution of a finite-horizon MDP by backward induction.

    Attributes
    ----------
    V : ndarray (H+1, S)
        ``V[h]`` is the papers' ``V_{h+1}``; ``V[H] = 0``.
    Q : ndarray (H, S, A)
    policy : ndarray (H, S) of int
        A deterministic Markov optimal policy (first maximiser).
    optimal_actions : ndarray (H, S, A) of bool
        Actions within the rounding allowance of the maximum at each stage.
    certificate : float
        Bound on ``max_h ||V[h] - V*_h||_inf`` from floating-point rounding alone (backward
        induction is exact in exact arithmetic).
    method, status : str
        ``"backward_induction"``, ``"exact"``.
    """

    V: np.ndarray
    Q: np.ndarray
    policy: np.ndarray
    optimal_actions: np.ndarray
    certificate: float
    method: str
    status: str
    horizon: int
    gamma: float
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def rounding(self) -> float:
        """Same as :attr:`certificate` (rounding is the only error)."""
        return self.certificate

    def initial_value(self, initial: np.ndarray) -> float:
        """``initial . V[0]``."""
        return float(np.dot(initial, self.V[0]))

    def summary(self) -> str:
        """Several lines for humans."""
        return (f"method={self.method} status={self.status} H={self.horizon}\n"
                f"certificate max_h ||V_h - V*_h||_inf <= {self.certificate:.3e} (rounding)\n"
                f"V[0] in [{self.V[0].min():.6g}, {self.V[0].max():.6g}]")

    def __repr__(self) -> str:
        return (f"FiniteHorizonResult(H={self.horizon}, S={self.V.shape[1]}, "
                f"certificate={self.certificate:.3e})")
