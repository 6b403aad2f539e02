r"""Distributional dynamic programming in the finite-horizon setting: projected backward induction.

The distributional Bellman operator of a Markov policy at stage ``h``,

.. math:: (T_h \eta)(s) = \sum_a \pi_h(a|s) \sum_{s'} P_h(s'|s, a)\,
          (b_{r_h(s, a, s'), \gamma})_\# \eta(s'), \qquad b_{r, g}(x) = r + g x,

maps the laws of ``G_{h+1}`` to those of ``G_h`` (here ``G_h = r_h + gamma G_{h+1}``). It is a
``gamma``-contraction in the supremum Wasserstein metrics (Bellemare, Dabney and Munos
2017) and a ``sqrt(gamma)``-contraction in the supremum Cramer metric ``l2-bar`` (Rowland,
Bellemare, Dabney, Munos and Teh 2018): mixtures do not increase ``l2^2`` (Jensen),
shifts keep it, and scaling by ``gamma`` multiplies it by ``gamma``. Projected backward induction
``eta^_H = delta_0``, ``eta^_h = Pi T_h eta^_{h+1}`` keeps ``m`` atoms per state; this module
implements it for two projections, with the error of the finite-horizon setting (no fixed point
is involved).

**Categorical** (C51; Bellemare et al. 2017, Rowland et al. 2018). Stage ``h`` uses the
support ``z^(h) = linspace(Lo_h, Hi_h, m)`` spanning the range of ``G_h`` (``Lo_h = min r_h +
gamma Lo_{h+1}`` over possible transitions), so every target atom ``r + gamma z^(h+1)_j`` lies
inside it and ``Pi_C`` (each atom split between its two neighbours, linearly) is the orthogonal
projection in the Cramer geometry (Rowland et al. 2018): the mean is kept exactly and,
by Pythagoras,

.. math:: e_h^2 \le \gamma e_{h+1}^2 + \max_s \ell_2^2(\Pi_C \eta_h(s), \eta_h(s))
          \le \gamma e_{h+1}^2 + \Delta_h, \qquad e_h = \sup_s \ell_2(\hat\eta_h(s), \eta_h(s)),

with ``Delta_h = (Hi_h - Lo_h) / (m - 1)`` the spacing (``l2^2(Pi_C mu, mu) <= sum_i Delta m_i^2
<= Delta``, ``m_i`` the mass strictly inside the ``i``-th cell). So
``e_0 <= (sum_h gamma^h Delta_h)^{1/2}``, the finite-horizon counterpart of Rowland et al.'s
bound ``l2-bar(eta_C, eta^pi)^2 <= Delta / (1 - gamma)`` for the discounted fixed point, proved the
same way. The triangle inequality gives
the a-posteriori ``e_h <= d_h + sqrt(gamma) e_{h+1}`` with ``d_h`` the computed Cramer distance of
the projection step; the bound reported takes the smaller of the two at every stage. In ``W1``:
``w_h <= max_s W1(Pi_C T eta^, T eta^) + gamma w_{h+1}``, each step at most ``Delta_h / 2``.

**Quantile** (QR-DQN; Dabney, Rowland, Bellemare and Munos 2018). ``Pi_Q`` keeps the quantiles
``F^{-1}((2i + 1) / (2m))``, the ``W1``-closest law with ``m`` equal masses (Dabney et al.);
``Pi_Q T`` is a ``gamma``-contraction in the supremum ``W_inf`` metric (Dabney et al.). In ``W1``,
``w_h <= max_s W1(Pi_Q T eta^, T eta^) + gamma w_{h+1}`` (triangle inequality and the contraction
of ``T``), each step at most ``(Hi_h - Lo_h) / (2m)`` (on each of the ``m`` quantile pieces the
quantile function moves by at most its increase over the piece, half of it on each side of the
midpoint). The mean is not kept.

**Worst-case and best-case substates** (Achab and Neu, "Robustness and risk management via
distributional dynamic programming", arXiv:2112.15430). Each state ``s`` is split into a
worst-case substate, valued ``L(s)``, and a best-case substate, valued ``U(s)``; the law of the
return is represented by ``alpha delta_L + (1 - alpha) delta_U``. One step of the operator takes
the target ``Z = sum_{a, s'} pi P (alpha delta_{r + gamma L(s')} + (1 - alpha)
delta_{r + gamma U(s')})`` and projects it onto two atoms of masses ``alpha`` and ``1 - alpha`` at
the means of its lower ``alpha`` and upper ``1 - alpha`` fractions:

.. math:: L_h(s) = \mathrm{CVaR}_\alpha(Z) = \min_{q \le w/\alpha,\ \sum q = 1} \sum_j q_j z_j,
          \qquad U_h(s) = \max_{q \le w/(1 - \alpha),\ \sum q = 1} \sum_j q_j z_j,

over the atoms ``z_j`` (next substates) of ``Z`` with masses ``w_j``: the worst-case substate is
a robust MDP state whose adversary reweights the transitions to the next substates with a density
at most ``1/alpha``, the best-case substate a cooperative one with density at most
``1/(1 - alpha)`` (the dual form of CVaR). The projection keeps the mean, so
``alpha L_h + (1 - alpha) U_h = V^pi_h`` exactly; it is a conditional expectation, so the
two-atom law is smaller in convex order than the true return law, whence
``L_h(s) >= CVaR_alpha(G_h | s)`` and ``U_h(s) <= `` the upper-tail mean of ``G_h``
(Jensen, applied stage by stage). For control, :func:`split_control` restricts both substates to
the actions optimal for the expected return and maximises ``L`` (the *safe* optimal actions) and
``U`` (the *risky* ones): ties in the space of optimal policies are broken by risk. This is our
transcription of the construction from the paper's abstract and introduction (two substates, a
robust adversary at the worst one, safe/risky tie-breaking among optimal actions); the operators'
exact form is ours, with the properties above proved here rather than taken from the paper.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import (array_bytes, as_float_array, check_finite, check_memory,
                         check_positive_int)
from ..errors import InvalidArgumentError
from ..models import FiniteHorizonMDP
from ..policies import stage_policy_weights
from . import kernels
from ._rewards import dense_transitions, transition_rewards
from .measures import DiscreteDistribution
from .returns import mixture


def _ranges(P: np.ndarray, r: np.ndarray, gamma: float):
    """``Lo_h, Hi_h``: range of ``G_h`` over the transitions that can happen."""
    H = P.shape[0]
    lo = np.zeros(H + 1)
    hi = np.zeros(H + 1)
    for h in range(H - 1, -1, -1):
        vals = r[h][P[h] > 0]
        lo[h] = vals.min() + gamma * lo[h + 1]
        hi[h] = vals.max() + gamma * hi[h + 1]
    return lo, hi


def _setup(fh, policy, rewards):
    P = dense_transitions(fh)
    r = transition_rewards(fh, rewards, P)
    W = stage_policy_weights(policy, fh.horizon, fh.n_states, fh.n_actions, "policy")
    return P, r, W


def stage_support(lo: float, hi: float, m: int) -> np.ndarray:
    """``linspace(lo, hi, m)``, or the single atom ``lo`` when ``lo == hi``."""
    if hi <= lo:
        return np.array([lo])
    return np.linspace(lo, hi, m)


@dataclass(frozen=True, repr=False)
class CategoricalResult:
    r"""Projected categorical backward induction.

    Attributes
    ----------
    probs : ndarray (S, m)
        ``probs[s, i]`` is the mass of ``support[i]`` in the law of ``G_0`` from ``s``.
    support : ndarray (m,)
        ``z^(0)`` (one atom when the range of ``G_0`` is a point).
    cramer_bound : float
        ``sup_s l2(computed, exact) <= cramer_bound`` at stage 0.
    cramer_bound_apriori : float
        ``(sum_h gamma^h Delta_h)^{1/2}``, the bound before computing anything.
    w1_bound : float
        ``sup_s W1(computed, exact) <= w1_bound`` at stage 0.
    stage_cramer, stage_w1 : ndarray (H+1,)
        The bounds at every stage.
    """

    probs: np.ndarray
    support: np.ndarray
    cramer_bound: float
    cramer_bound_apriori: float
    w1_bound: float
    stage_cramer: np.ndarray
    stage_w1: np.ndarray
    initial_weights: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)

    def distribution(self, s: int) -> DiscreteDistribution:
        """The computed law of ``G_0`` from state ``s``."""
        return DiscreteDistribution(self.support, self.probs[s])

    @property
    def initial(self) -> DiscreteDistribution:
        """The computed law of ``G_0`` from ``fh.initial``."""
        return mixture([self.distribution(s) for s in range(self.probs.shape[0])],
                       self.initial_weights)

    def means(self) -> np.ndarray:
        """``E G_0`` from each state (exact: the projection keeps the mean)."""
        return self.probs @ self.support

    def __repr__(self) -> str:
        return (f"CategoricalResult(S={self.probs.shape[0]}, m={self.support.size}, "
                f"cramer_bound={self.cramer_bound:.3e}, w1_bound={self.w1_bound:.3e})")


@dataclass(frozen=True, repr=False)
class QuantileResult:
    r"""Projected quantile backward induction.

    Attributes
    ----------
    locs : ndarray (S, m)
        ``m`` equally weighted atoms of the law of ``G_0`` from each state (sorted).
    w1_bound : float
        ``sup_s W1(computed, exact) <= w1_bound`` (a posteriori).
    w1_bound_apriori : float
        ``sum_h gamma^h (Hi_h - Lo_h) / (2m)``.
    stage_w1 : ndarray (H+1,)
    """

    locs: np.ndarray
    w1_bound: float
    w1_bound_apriori: float
    stage_w1: np.ndarray
    initial_weights: np.ndarray
    info: dict[str, Any] = field(default_factory=dict)

    def distribution(self, s: int) -> DiscreteDistribution:
        """The computed law of ``G_0`` from state ``s``."""
        m = self.locs.shape[1]
        return DiscreteDistribution(self.locs[s], np.full(m, 1.0 / m))

    @property
    def initial(self) -> DiscreteDistribution:
        """The computed law of ``G_0`` from ``fh.initial``."""
        return mixture([self.distribution(s) for s in range(self.locs.shape[0])],
                       self.initial_weights)

    def __repr__(self) -> str:
        return (f"QuantileResult(S={self.locs.shape[0]}, m={self.locs.shape[1]}, "
                f"w1_bound={self.w1_bound:.3e})")


def _check_stage(fh: FiniteHorizonMDP, stage) -> int:
    if isinstance(stage, bool) or not isinstance(stage, numbers.Integral) or not (
            0 <= int(stage) < fh.horizon):
        raise InvalidArgumentError(f"stage={stage!r} is not in [0, {fh.horizon})")
    return int(stage)


def _check_support(z, name: str) -> np.ndarray:
    z = as_float_array(z, name, InvalidArgumentError)
    check_finite(z, name, InvalidArgumentError)
    if z.ndim != 1 or z.size == 0 or np.any(np.diff(z) <= 0):
        raise InvalidArgumentError(f"{name} must be a strictly increasing vector, got {z!r}")
    return np.ascontiguousarray(z)


def _check_rows(x, S: int, m: int, name: str) -> np.ndarray:
    x = as_float_array(x, name, InvalidArgumentError)
    if x.shape != (S, m):
        raise InvalidArgumentError(f"{name} must have shape ({S}, {m}), got {x.shape}")
    check_finite(x, name, InvalidArgumentError)
    return np.ascontiguousarray(x)


def categorical_backup(fh: FiniteHorizonMDP, stage: int, probs_next, z_next, z, policy,
                       rewards=None) -> tuple[np.ndarray, np.ndarray]:
    r"""``Pi_C T_h``: the categorical projection onto ``z`` of the stage-``h`` target of
    ``probs_next`` (masses on ``z_next``, one row per state).

    Returns ``(probs, residual)``: ``probs (S, len(z))`` and ``residual[s] = (W1, l2^2)`` between
    the target and its projection. Mass outside ``[z[0], z[-1]]`` goes to the nearest end; for
    any supports this is a ``sqrt(gamma)``-contraction in the supremum Cramer metric (clipping to
    the end points and the orthogonal projection are both non-expansions).
    """
    h = _check_stage(fh, stage)
    P, r, W = _setup(fh, policy, rewards)
    z_next = _check_support(z_next, "z_next")
    z = _check_support(z, "z")
    probs_next = _check_rows(probs_next, fh.n_states, z_next.size, "probs_next")
    out = np.empty((fh.n_states, z.size))
    resid = np.empty((fh.n_states, 2))
    kernels.categorical_stage(P[h], r[h], W[h], fh.gamma, z_next, probs_next, z, out, resid)
    return out, resid


def quantile_backup(fh: FiniteHorizonMDP, stage: int, locs_next, policy,
                    rewards=None) -> tuple[np.ndarray, np.ndarray]:
    r"""``Pi_Q T_h``: the quantile projection (``m`` equal masses) of the stage-``h`` target of
    ``locs_next`` (``m`` equally weighted atoms per state). Returns ``(locs, W1 residual)``. A
    ``gamma``-contraction in the supremum ``W_inf`` metric (Dabney et al. 2018)."""
    h = _check_stage(fh, stage)
    P, r, W = _setup(fh, policy, rewards)
    locs_next = as_float_array(locs_next, "locs_next", InvalidArgumentError)
    if locs_next.ndim != 2 or locs_next.shape[0] != fh.n_states:
        raise InvalidArgumentError(f"locs_next must have shape ({fh.n_states}, m), got "
                                   f"{locs_next.shape}")
    check_finite(locs_next, "locs_next", InvalidArgumentError)
    out = np.empty(locs_next.shape)
    resid = np.empty(fh.n_states)
    kernels.quantile_stage(P[h], r[h], W[h], fh.gamma, np.ascontiguousarray(locs_next), out, resid)
    return out, resid


def categorical_evaluation(fh: FiniteHorizonMDP, policy, n_atoms: int = 51,
                           rewards=None) -> CategoricalResult:
    r"""The law of ``G_0`` of a Markov policy by projected categorical backward induction on
    ``n_atoms`` atoms per stage, with Cramer and ``W1`` error bounds (module docstring)."""
    m = check_positive_int(n_atoms, "n_atoms", InvalidArgumentError, minimum=2)
    check_memory(array_bytes(3, fh.n_states, m), f"n_atoms={m}: three (S, n_atoms) = "
                                                 f"({fh.n_states}, {m}) probability tables")
    P, r, W = _setup(fh, policy, rewards)
    H, S = fh.horizon, fh.n_states
    g = fh.gamma
    lo, hi = _ranges(P, r, g)
    z_next = np.zeros(1)
    probs = np.ones((S, 1))
    e_l2 = np.zeros(H + 1)
    e_w1 = np.zeros(H + 1)
    apriori = 0.0
    for h in range(H - 1, -1, -1):
        z = stage_support(lo[h], hi[h], m)
        out = np.empty((S, z.size))
        resid = np.empty((S, 2))
        kernels.categorical_stage(P[h], r[h], W[h], g, z_next, probs, z, out, resid)
        spacing = (z[-1] - z[0]) / (z.size - 1) if z.size > 1 else 0.0
        d_l2 = np.sqrt(max(float(resid[:, 1].max()), 0.0))
        pyth = np.sqrt(g * e_l2[h + 1] ** 2 + spacing)
        tri = d_l2 + np.sqrt(g) * e_l2[h + 1]
        e_l2[h] = min(pyth, tri)
        e_w1[h] = float(resid[:, 0].max()) + g * e_w1[h + 1]
        apriori = spacing + g * apriori
        z_next, probs = z, out
    return CategoricalResult(probs=probs, support=z_next, cramer_bound=float(e_l2[0]),
                             cramer_bound_apriori=float(np.sqrt(apriori)),
                             w1_bound=float(e_w1[0]), stage_cramer=e_l2, stage_w1=e_w1,
                             initial_weights=fh.initial, info={"lo": lo, "hi": hi})


def quantile_evaluation(fh: FiniteHorizonMDP, policy, n_quantiles: int = 51,
                        rewards=None) -> QuantileResult:
    r"""The law of ``G_0`` of a Markov policy by projected quantile backward induction with
    ``n_quantiles`` equally weighted atoms, with its ``W1`` error bound (module docstring)."""
    m = check_positive_int(n_quantiles, "n_quantiles", InvalidArgumentError, minimum=1)
    check_memory(array_bytes(3, fh.n_states, m), f"n_quantiles={m}: three (S, n_quantiles) = "
                                                 f"({fh.n_states}, {m}) location tables")
    P, r, W = _setup(fh, policy, rewards)
    H, S = fh.horizon, fh.n_states
    g = fh.gamma
    lo, hi = _ranges(P, r, g)
    locs = np.zeros((S, m))
    e_w1 = np.zeros(H + 1)
    apriori = 0.0
    for h in range(H - 1, -1, -1):
        out = np.empty((S, m))
        resid = np.empty(S)
        kernels.quantile_stage(P[h], r[h], W[h], g, locs, out, resid)
        e_w1[h] = float(resid.max()) + g * e_w1[h + 1]
        apriori = (hi[h] - lo[h]) / (2.0 * m) + g * apriori
        locs = out
    return QuantileResult(locs=locs, w1_bound=float(e_w1[0]), w1_bound_apriori=float(apriori),
                          stage_w1=e_w1, initial_weights=fh.initial, info={"lo": lo, "hi": hi})


# -- worst-case and best-case substates ------------------------------------------------------------

def _check_alpha(alpha) -> float:
    if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real) \
            or not 0.0 < float(alpha) < 1.0:
        raise InvalidArgumentError(f"alpha={alpha!r} is not in (0, 1)")
    return float(alpha)


@dataclass(frozen=True, repr=False)
class SplitResult:
    r"""Values of the worst-case and best-case substates of a Markov policy.

    ``L[h, s]`` (worst-case substate) and ``U[h, s]`` (best-case substate), ``(H+1, S)``, with
    ``alpha L + (1 - alpha) U = V^pi`` and ``L >= CVaR_alpha(G_h | s)``.
    """

    L: np.ndarray
    U: np.ndarray
    alpha: float

    @property
    def mean(self) -> np.ndarray:
        """``alpha L + (1 - alpha) U``: the policy's value ``V^pi`` (H+1, S)."""
        return self.alpha * self.L + (1.0 - self.alpha) * self.U

    def __repr__(self) -> str:
        return f"SplitResult(alpha={self.alpha:g}, H={self.L.shape[0] - 1}, S={self.L.shape[1]})"


@dataclass(frozen=True, repr=False)
class SplitControlResult:
    r"""Safe and risky optimal actions.

    Attributes
    ----------
    V, Q : ndarray (H+1, S), (H, S, A)
        Risk-neutral optimal values.
    optimal : ndarray (H, S, A) of bool
        Actions with ``Q >= V - tol * max(1, |V|)``.
    QL, QU : ndarray (H, S, A)
        Worst-case and best-case substate values of each action, followed by the safe and risky
        choices afterwards.
    L, U : ndarray (H+1, S)
        ``L = max_{optimal a} QL`` (safe), ``U = max_{optimal a} QU`` (risky).
    safe, risky : ndarray (H, S) of int
        Optimal actions maximising ``QL`` and ``QU`` (first in case of ties); both are optimal
        for the expected return.
    """

    V: np.ndarray
    Q: np.ndarray
    optimal: np.ndarray
    QL: np.ndarray
    QU: np.ndarray
    L: np.ndarray
    U: np.ndarray
    safe: np.ndarray
    risky: np.ndarray
    alpha: float

    def __repr__(self) -> str:
        return (f"SplitControlResult(alpha={self.alpha:g}, H={self.safe.shape[0]}, "
                f"S={self.safe.shape[1]}, safe != risky at "
                f"{int((self.safe != self.risky).sum())} (h, s))")


def split_evaluation(fh: FiniteHorizonMDP, policy, alpha, rewards=None) -> SplitResult:
    r"""Worst-case and best-case substate values ``L, U`` of a Markov policy (module docstring)."""
    a_ = _check_alpha(alpha)
    P, r, W = _setup(fh, policy, rewards)
    H, S = fh.horizon, fh.n_states
    L = np.zeros((H + 1, S))
    U = np.zeros((H + 1, S))
    for h in range(H - 1, -1, -1):
        kernels.split_v(P[h], r[h], W[h], fh.gamma, L[h + 1], U[h + 1], a_, L[h], U[h])
    return SplitResult(L=L, U=U, alpha=a_)


def split_control(fh: FiniteHorizonMDP, alpha, rewards=None, *, tol: float = 1e-9
                  ) -> SplitControlResult:
    r"""Safe and risky actions among the optimal ones: ``L`` and ``U`` maximised over the actions
    optimal for the expected return, stage by stage (module docstring)."""
    a_ = _check_alpha(alpha)
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not tol >= 0:
        raise InvalidArgumentError(f"tol must be a number >= 0, got {tol!r}")
    P = dense_transitions(fh)
    r = transition_rewards(fh, rewards, P)
    H, S, A = fh.horizon, fh.n_states, fh.n_actions
    g = fh.gamma
    V = np.zeros((H + 1, S))
    Q = np.empty((H, S, A))
    for h in range(H - 1, -1, -1):
        Q[h] = np.einsum("saj,saj->sa", P[h], r[h] + g * V[h + 1][None, None, :])
        V[h] = Q[h].max(axis=1)
    optimal = Q >= (V[:H] - tol * np.maximum(1.0, np.abs(V[:H])))[:, :, None]
    L = np.zeros((H + 1, S))
    U = np.zeros((H + 1, S))
    QL = np.empty((H, S, A))
    QU = np.empty((H, S, A))
    safe = np.empty((H, S), dtype=np.int64)
    risky = np.empty((H, S), dtype=np.int64)
    for h in range(H - 1, -1, -1):
        kernels.split_q(P[h], r[h], g, L[h + 1], U[h + 1], a_, QL[h], QU[h])
        masked_L = np.where(optimal[h], QL[h], -np.inf)
        masked_U = np.where(optimal[h], QU[h], -np.inf)
        safe[h] = np.argmax(masked_L, axis=1)
        risky[h] = np.argmax(masked_U, axis=1)
        L[h] = masked_L[np.arange(S), safe[h]]
        U[h] = masked_U[np.arange(S), risky[h]]
    return SplitControlResult(V=V, Q=Q, optimal=optimal, QL=QL, QU=QU, L=L, U=U, safe=safe,
                              risky=risky, alpha=a_)


__all__ = ["categorical_evaluation", "quantile_evaluation", "categorical_backup",
           "quantile_backup", "CategoricalResult", "QuantileResult", "split_evaluation",
           "split_control", "SplitResult", "SplitControlResult", "stage_support"]
