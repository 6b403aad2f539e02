"""Result objects of the exact oracles, and the floating-point terms their certificates carry."""

from __future__ import annotations

import math
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

    An *estimate*, not a bound: a residual ``||T V - V||`` of a few ulps of ``||V||`` is what
    rounding typically leaves, and a certificate below this target is accepted as ``"floor"``
    at once. What a stopped iteration can be proved to reach is :func:`floor_bound`.
    """
    return 8.0 * UNIT_ROUNDOFF * (r_norm + v_norm) / (1.0 - gamma)


def stagnation_window(gamma: float) -> int:
    """Iterations without improvement of the certificate after which an iteration is declared
    stalled by rounding: ``W = max(50, ceil(1 / (1 - gamma)))``.

    The certificate of a ``gamma``-contraction shrinks by the factor ``gamma`` per sweep, i.e. by
    ``e`` every ``1 / (1 - gamma)`` sweeps; a shorter window mistakes the slow progress of a
    certificate quantised to ulps (e.g. at ``gamma = 0.9999``) for stagnation. ``1 - gamma^W >=
    1 - e^{-1}`` for this ``W``, which :func:`floor_bound` uses.
    """
    return max(50, int(math.ceil(1.0 / (1.0 - gamma)))) if gamma < 1.0 else 50


def floor_bound(per_sweep: float, gamma: float, target: float = 0.0) -> float:
    r"""Proven bound on ``||V - V*||_inf`` of a result that stopped with ``status="floor"``.

    .. math:: F = \max\Big(\text{target},\;
              \frac{2 \gamma e}{(1 - \gamma)^2 (1 - \gamma^W)}\Big) + \frac{e}{1 - \gamma},
              \qquad W = \text{stagnation\_window}(\gamma),

    with ``e`` the floating-point error of one computed sweep (``||F~ V - F V||_inf <= e`` for
    the exact sweep ``F``: ``e = rho`` of :func:`backup_rounding` for a Jacobi backup) and
    ``target`` the :func:`floating_floor` at which a solver accepts a certificate at once.

    Proof. Let ``V_k = F~(V_{k-1})`` with ``F`` a ``gamma``-contraction and ``d_k = ||V_k -
    V_{k-1}||``. Then ``d_k <= gamma d_{k-1} + 2 e``, so ``d_k <= gamma^W d_j + 2 e / (1 - gamma)``
    for ``j <= k - W``. The stagnation rule stops at ``k`` only when no ``d_i`` with
    ``j < i <= k`` improved on the best ``d_j``, seen at least ``W`` sweeps earlier; then
    ``d_j <= d_k``, hence ``d_j <= 2 e / ((1 - gamma)(1 - gamma^W))`` and ``d_k`` obeys the same
    bound. The sweep certificate ``(gamma d_k + e) / (1 - gamma)`` (the a-posteriori bound of a
    perturbed contraction, rounding included) is therefore at most ``F``. A certificate accepted
    below ``target`` gives ``||V - V*|| <= target + e / (1 - gamma)``. Iterations whose certificate
    is not a sweep bound (modified policy iteration, policy iteration, the LP) report ``"floor"``
    only when their own certificate plus rounding is at most ``F``, so ``F`` bounds their error
    too. ``F`` is a worst-case bound (Higham's ``rho`` is), typically orders of magnitude above the
    error actually left.
    """
    g = gamma
    if g == 0.0:
        return max(target, 0.0) + per_sweep
    W = stagnation_window(g)
    stalled = 2.0 * g * per_sweep / ((1.0 - g) ** 2 * (1.0 - g ** W))
    return max(target, stalled) + per_sweep / (1.0 - g)


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
        Bound on ``||V* - V^policy||_inf`` (up to ``2 * rounding``): the smaller of
        ``certificate + ||T_pi V - V|| / (1 - gamma)`` and ``gamma * certificate +
        ||T V - T_pi V|| + gamma ||T_pi V - V|| / (1 - gamma)`` (see
        :mod:`rlcert.mdp.discounted`).
    iterations : int
        Sweeps (VI, GS), improvement steps (PI, MPI) or 1 (LP).
    method, status : str
        ``status`` is ``"converged"`` (certificate <= tol), ``"floor"`` (rounding stopped the
        certificate above tol; then ``certificate + rounding <= info["floor"]``, the proven
        bound of :func:`floor_bound`), ``"max_iter"``,
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
