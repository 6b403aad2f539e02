r"""s-rectangular L1 robust MDPs: the Ho-Petrik-Wiesemann Bellman update, solvers, evaluation.

The set (Wiesemann, Kuhn and Rustem 2013, s-rectangularity; Ho, Petrik and Wiesemann 2018, the
L1 ball) couples the actions of a state through one budget ``kappa_s``:

.. math:: U_s = \Big\{ (p_a)_{a} : p_a \in \Delta_S,\
          \sum_a \|p_a - P(\cdot|s, a)\|_1 \le \kappa_s \Big\},

and nature may move mass to any state, including those with ``P = 0`` (as :class:`L1Ball`). The
robust Bellman operator optimises over randomised decisions ``d`` in the simplex:

.. math:: (T V)(s) = \max_{d \in \Delta_A} \min_{(p_a) \in U_s} \sum_a d_a
          \big[ r(s, a) + \gamma\, p_a \cdot V \big]
          = \min_{(p_a) \in U_s} \max_a \big[ r(s, a) + \gamma\, p_a \cdot V \big]

(the max-min is a bilinear saddle problem over convex compact sets; von Neumann). ``T`` is a
``gamma``-contraction in the sup norm and its fixed point is the robust optimal value, attained by a
stationary randomised policy; a deterministic one can be strictly worse (Wiesemann, Kuhn and Rustem
2013). Result policies are therefore ``(S, A)`` probabilities.

The update (Ho, Petrik and Wiesemann 2018, ICML, "Fast Bellman updates for robust MDPs", the
bisection algorithm for s-rectangular sets; also in their JMLR 2021 paper on partial policy
iteration): with ``g_a(xi) = r(s, a) + gamma q_a(xi)`` and
``q_a(xi) = min {p.V : ||p - P(.|s, a)||_1 <= xi}`` (convex, piecewise linear, its knots from one
sort of ``V``), the value is the smallest ``u`` such that ``sum_a xi_a(u) <= kappa_s``, with
``xi_a(u) = min {xi >= 0 : g_a(xi) <= u}``. HPW locate ``u`` by bisection until both ends lie
on one linear piece; here the bracketing piece is found by bisection over the sorted knots and
``u`` follows exactly by linear interpolation. An optimal ``d`` puts weight proportional to
``1 / |g_a'(xi_a(u))|`` on the actions with ``xi_a(u) > 0`` (the complementary slackness of the
budget; HPW take the derivative of ``xi_a(u)``, the same), or all weight on the action with the
highest floor when the budget is not binding. ``O(A S log(A S))`` per state.

Sets: :class:`SRectL1Ball` (``rectangularity = "s"``, so the ``(s,a)``-rectangular solvers of
:mod:`rlcert.mdp.robust.solve` refuse it). Solvers: :func:`solve_srect` (robust value iteration
with the a-posteriori certificates of :mod:`rlcert.mdp.discounted`, or robust backward induction),
:func:`evaluate_policy_srect`, the operator :func:`srect_bellman`. Transitions are used dense.
"""

from __future__ import annotations

import math
import numbers
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .._validate import (array_bytes, as_float_array, check_bool, check_memory,
                         check_positive_int, check_real, check_tolerance, check_values)
from ..discounted import default_max_sweeps
from ..errors import InvalidArgumentError, UnsupportedModelError
from ..models import FiniteHorizonMDP, TabularMDP
from ..policies import policy_weights, stage_policy_weights
from ..results import backup_rounding, floating_floor
from . import srect_kernels as _k
from .sets import L1Ball, UncertaintySet, WorstCase, _check_param, _check_row

_STAGNATION_SWEEPS = 50


def _check_radius(x):
    """A budget kappa >= 0: a number, or one per state (S,) or per stage and state (H, S)."""
    return _check_param(x, "radius", ("(S,)", "(H, S)"))


class SRectL1Ball(UncertaintySet):
    r"""``U_s = {(p_a)_a : sum_a ||p_a - P(.|s, a)||_1 <= radius_s}``: an L1 budget per state shared
    by its actions (L1 units, so ``radius >= 2 A`` is the whole product of simplices).

    ``radius`` is a number, an ``(S,)`` array (one budget per state) or, for finite-horizon models,
    an ``(H, S)`` array. Solved by :func:`solve_srect` and :func:`evaluate_policy_srect` (the
    ``(s,a)``-rectangular solvers refuse it: ``rectangularity = "s"``).
    """

    rectangularity = "s"

    def __init__(self, radius):
        self._radius = _check_radius(radius)

    @property
    def radius(self):
        """The budget, a float or a read-only array."""
        return self._radius

    def worst_case(self, p0, V) -> WorstCase:
        """One row's section of the set, the L1 ball of the whole budget (the other actions kept
        nominal): ``min {p.V : ||p - p0||_1 <= radius}``. Needs a scalar radius."""
        if not isinstance(self._radius, float):
            raise InvalidArgumentError("worst_case needs a scalar radius; this set has an array of "
                                       f"shape {self._radius.shape}")
        return L1Ball(self._radius).worst_case(p0, V)

    def state_worst_case(self, P0, r, V, gamma: float = 1.0):
        r"""The s-rectangular update of one state for a scalar radius: ``(value, d, P)`` with
        ``value = max_d min_{(p_a) in U} sum_a d_a (r[a] + gamma p_a . V)``, an optimal ``d`` and
        nature's response ``P (A, S)`` to it."""
        if not isinstance(self._radius, float):
            raise InvalidArgumentError("state_worst_case needs a scalar radius")
        P0 = as_float_array(P0, "P0", InvalidArgumentError)
        if P0.ndim != 2:
            raise InvalidArgumentError(f"P0 must have shape (A, S), got {P0.shape}")
        rows = [_check_row(P0[a], V)[0] for a in range(P0.shape[0])]
        V = _check_row(P0[0], V)[1]
        r = check_values(r, (P0.shape[0],), "r")
        gamma = check_real(gamma, "gamma", lower=0.0, upper=1.0)
        d = np.empty(P0.shape[0])
        P = np.empty(P0.shape)
        value = _k.srect_state(np.ascontiguousarray(rows), np.ascontiguousarray(r), V,
                               float(gamma), self._radius, d, P)
        return float(value), d, P

    def _stage_radii(self, S: int, H: int | None) -> np.ndarray:
        """Radii as ``(H or 1, S)``."""
        p = self._radius
        if isinstance(p, float):
            return np.full((1 if H is None else H, S), p)
        if p.shape == (S,):
            return np.broadcast_to(p, (1 if H is None else H, S)).copy()
        if H is not None and p.shape == (H, S):
            return np.array(p)
        want = f"({S},)" + (f" or ({H}, {S})" if H is not None else "")
        raise InvalidArgumentError(f"radius has shape {p.shape}; it must be a number or have "
                                   f"shape {want}")

    def __repr__(self) -> str:
        p = self._radius
        shown = f"{p:g}" if isinstance(p, float) else f"array{p.shape}"
        return f"SRectL1Ball(radius={shown})"


@dataclass(frozen=True, repr=False)
class SRectSolveResult:
    r"""Solution of a discounted s-rectangular robust MDP.

    Attributes
    ----------
    V : ndarray (S,)
        Certified value: ``||V - V*_rob||_inf <= certificate`` (up to ``rounding``).
    policy : ndarray (S, A)
        A randomised policy, optimal in the update of ``V``: ``||V*_rob - V^policy_rob||_inf <=
        policy_loss_bound``.
    worst_case : ndarray (S, A, S)
        Nature's response to ``policy`` at ``V``.
    """

    V: np.ndarray
    policy: np.ndarray
    worst_case: np.ndarray
    certificate: float
    rounding: float
    policy_loss_bound: float
    iterations: int
    status: str
    tol: float
    gamma: float
    uncertainty: Any = None
    info: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"SRectSolveResult(status={self.status!r}, iterations={self.iterations}, "
                f"certificate={self.certificate:.3e}, uncertainty={self.uncertainty!r})")


@dataclass(frozen=True, repr=False)
class SRectFiniteHorizonResult:
    r"""Robust backward induction for an s-rectangular set: ``V (H+1, S)``, a randomised Markov
    policy ``(H, S, A)``, nature's responses ``(H, S, A, S)``; ``certificate`` bounds the
    rounding."""

    V: np.ndarray
    policy: np.ndarray
    worst_case: np.ndarray
    certificate: float
    horizon: int
    gamma: float
    uncertainty: Any = None
    info: dict[str, Any] = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"SRectFiniteHorizonResult(H={self.horizon}, S={self.V.shape[1]}, "
                f"uncertainty={self.uncertainty!r})")


def _check_set(U) -> SRectL1Ball:
    if not isinstance(U, SRectL1Ball):
        raise InvalidArgumentError(f"uncertainty must be an SRectL1Ball, got {type(U).__name__}")
    return U


def _dense_stages(m) -> tuple[np.ndarray, int | None]:
    """``P`` as ``(H or 1, S, A, S)`` dense, and ``H`` (None for tabular models); refused up front
    when the dense arrays (``P`` and nature's responses) would not fit in memory."""
    if isinstance(m, (FiniteHorizonMDP, TabularMDP)):
        S, A = m.n_states, m.n_actions
        stages = m.horizon if isinstance(m, FiniteHorizonMDP) and not m.stationary else 1
        responses = m.horizon if isinstance(m, FiniteHorizonMDP) else 1
        check_memory(array_bytes(stages + responses, S, A, S),
                     f"m: the s-rectangular solvers use P densely; with S={S}, A={A} "
                     f"({stages} transition stage(s) and {responses} response kernel(s) of shape "
                     f"(S, A, S))")
    if isinstance(m, FiniteHorizonMDP):
        if m.stationary:
            return m.stage_P(0)[None], m.horizon
        return np.stack([m.stage_P(h) for h in range(m.horizon)]), m.horizon
    if isinstance(m, TabularMDP):
        return m.dense_P()[None], None
    raise InvalidArgumentError(f"m must be a TabularMDP or FiniteHorizonMDP, got "
                               f"{type(m).__name__}")


def _check_discounted(m: TabularMDP, what: str) -> float:
    """``m.gamma``, refused unless it is a discount ``< 1``."""
    if m.gamma is None:
        raise UnsupportedModelError(f"{what} needs a discount: the model has gamma=None")
    if m.gamma >= 1.0:
        raise UnsupportedModelError(f"{what} handles discounted models (gamma < 1) and "
                                    f"finite-horizon models; got gamma={m.gamma!r}")
    return m.gamma


def _norm(x: np.ndarray) -> float:
    return float(np.max(np.abs(x))) if x.size else 0.0


def _rounding(S: int, r_norm: float, v_norm: float, gamma: float) -> float:
    # nature's rows move mass onto one state from at most S others: the (s,a) robust term with
    # n = S (see rlcert.mdp.robust.results.robust_backup_rounding), plus the knot arithmetic
    return backup_rounding(2 * S + 5, r_norm, v_norm, gamma)


def srect_bellman(m: TabularMDP | FiniteHorizonMDP, V, uncertainty: SRectL1Ball, *,
                  stage: int | None = None):
    r"""``(T V, d, P)``: the s-rectangular robust Bellman operator at ``V``, an optimal randomised
    decision ``d (S, A)`` and nature's response ``P (S, A, S)``. For a finite-horizon model give
    ``stage = h`` (``V`` is then ``V[h+1]``)."""
    U = _check_set(uncertainty)
    Ps, H = _dense_stages(m)
    S, A = m.n_states, m.n_actions
    V = check_values(V, (S,))
    if isinstance(m, TabularMDP):  # H is None
        g = _check_discounted(m, "srect_bellman")
        if stage is not None:
            raise InvalidArgumentError("stage applies to finite-horizon models only")
        h, P, R = 0, Ps[0], m.R
    else:
        H = m.horizon  # what _dense_stages returned
        if stage is None or isinstance(stage, bool) or not isinstance(stage, numbers.Integral) \
                or not 0 <= stage < H:
            raise InvalidArgumentError(f"stage={stage!r} is not in [0, {H})")
        h = int(stage)
        P, R, g = Ps[0] if m.stationary else Ps[h], m.R[h], m.gamma
    kappa = U._stage_radii(S, H)[h if H is not None else 0]
    TV, D, W = np.empty(S), np.empty((S, A)), np.empty((S, A, S))
    _k.srect_backup(np.ascontiguousarray(P), np.ascontiguousarray(R),
                    np.ascontiguousarray(V), g, kappa, TV, D, W)
    return TV, D, W


def _stopper(tol: float):
    state = {"best": math.inf, "since": 0}

    def stop(bound: float, floor: float) -> str | None:
        if bound <= tol:
            return "converged"
        if bound <= floor:
            return "floor"
        if bound < state["best"]:
            state["best"], state["since"] = bound, 0
        else:
            state["since"] += 1
            if state["since"] >= _STAGNATION_SWEEPS and bound < 1e3 * floor:
                return "floor"
        return None

    return stop


def solve_srect(m: TabularMDP | FiniteHorizonMDP, uncertainty: SRectL1Ball, tol: float = 1e-8,
                max_iter: int | None = None):
    r"""Robust optimal value and a randomised optimal policy for an s-rectangular L1 set.

    Discounted models: robust value iteration ``V_{k+1} = T V_k`` from ``V_0 = 0``, stopped when
    ``gamma / (1 - gamma) ||V_k - V_{k-1}||_inf <= tol`` (``T`` is a ``gamma``-contraction); the
    certificate is the smaller of that and ``||T V - V|| / (1 - gamma)``, the policy is the
    optimal ``d`` of the update of ``V`` and ``||V* - V^policy|| <= certificate +
    ||T V - V|| / (1 - gamma)``. Finite-horizon models: robust backward induction
    ``V[h] = T_h V[h+1]``, ``V[H] = 0`` (``tol`` and ``max_iter`` do not apply).

    Returns
    -------
    SRectSolveResult or SRectFiniteHorizonResult
    """
    t0 = time.perf_counter()
    U = _check_set(uncertainty)
    Ps, H = _dense_stages(m)
    S, A = m.n_states, m.n_actions
    if isinstance(m, FiniteHorizonMDP):
        H = m.horizon  # what _dense_stages returned
        kappa = U._stage_radii(S, H)
        g = m.gamma
        V: np.ndarray = np.zeros((H + 1, S))
        D: np.ndarray = np.empty((H, S, A))
        W: np.ndarray = np.empty((H, S, A, S))
        err = 0.0
        r_norm = _norm(m.R)
        for h in range(H - 1, -1, -1):
            P = Ps[0] if m.stationary else Ps[h]
            _k.srect_backup(P, np.ascontiguousarray(m.R[h]), V[h + 1], g, kappa[h], V[h], D[h],
                            W[h])
            err = _rounding(S, r_norm, _norm(V[h + 1]), g) + g * err
        return SRectFiniteHorizonResult(V=V, policy=D, worst_case=W, certificate=float(err),
                                        horizon=H, gamma=g, uncertainty=U,
                                        info={"seconds": time.perf_counter() - t0})
    g = _check_discounted(m, "solve_srect")
    tol = check_tolerance(tol)
    n = default_max_sweeps(m, tol) if max_iter is None else check_positive_int(
        max_iter, "max_iter", InvalidArgumentError)
    P, R = np.ascontiguousarray(Ps[0]), np.ascontiguousarray(m.R)
    kappa = U._stage_radii(S, None)[0]
    r_norm = _norm(R)
    V, V_new = np.zeros(S), np.empty(S)
    D, W = np.empty((S, A)), np.empty((S, A, S))
    stop = _stopper(tol)
    status, bound, k = "max_iter", math.inf, 0
    for k in range(1, n + 1):
        _k.srect_backup(P, R, V, g, kappa, V_new, D, W)
        diff = _norm(V_new - V)
        V, V_new = V_new, V
        bound = g * diff / (1.0 - g)
        status = stop(bound, floating_floor(r_norm, _norm(V), g)) or "max_iter"
        if status != "max_iter":
            break
    TV = np.empty(S)
    _k.srect_backup(P, R, V, g, kappa, TV, D, W)
    residual = _norm(TV - V) / (1.0 - g)
    certificate = min(bound, residual)
    rounding = _rounding(S, r_norm, _norm(V), g) / (1.0 - g)
    return SRectSolveResult(V=V, policy=D.copy(), worst_case=W.copy(),
                            certificate=float(certificate), rounding=float(rounding),
                            policy_loss_bound=float(certificate + residual), iterations=k,
                            status=status, tol=tol, gamma=g, uncertainty=U,
                            info={"residual_bound": residual,
                                  "floor": floating_floor(r_norm, _norm(V), g),
                                  "seconds": time.perf_counter() - t0})


def evaluate_policy_srect(m: TabularMDP | FiniteHorizonMDP, pi, uncertainty: SRectL1Ball, *,
                          tol: float = 1e-10, max_iter: int | None = None,
                          with_certificate: bool = False):
    r"""Robust value of a (randomised) policy against the s-rectangular set: the fixed point of
    ``(T_d V)(s) = min_{(p_a) in U_s} sum_a d(a|s) [r(s, a) + gamma p_a . V]``, a
    ``gamma``-contraction (nature's best response to ``d`` is a greedy allocation of the budget).
    Discounted models: value iteration to ``gamma/(1-gamma) ||V_k - V_{k-1}|| <= tol``; finite
    horizon: one backward pass."""
    check_bool(with_certificate, "with_certificate")
    U = _check_set(uncertainty)
    Ps, H = _dense_stages(m)
    S, A = m.n_states, m.n_actions
    Wp = np.empty((S, A, S))
    if isinstance(m, FiniteHorizonMDP):
        H = m.horizon  # what _dense_stages returned
        D = stage_policy_weights(pi, H, S, A)
        kappa = U._stage_radii(S, H)
        V: np.ndarray = np.zeros((H + 1, S))
        err = 0.0
        for h in range(H - 1, -1, -1):
            P = Ps[0] if m.stationary else Ps[h]
            _k.srect_policy_backup(P, np.ascontiguousarray(m.R[h]), V[h + 1], m.gamma, kappa[h],
                                   np.ascontiguousarray(D[h]), V[h], Wp)
            err = _rounding(S, _norm(m.R), _norm(V[h + 1]), m.gamma) + m.gamma * err
        return (V, float(err)) if with_certificate else V
    g = _check_discounted(m, "evaluate_policy_srect")
    tol = check_tolerance(tol)
    n = default_max_sweeps(m, tol) if max_iter is None else check_positive_int(
        max_iter, "max_iter", InvalidArgumentError)
    D = np.ascontiguousarray(policy_weights(pi, S, A))
    P, R = np.ascontiguousarray(Ps[0]), np.ascontiguousarray(m.R)
    kappa = U._stage_radii(S, None)[0]
    V, V_new = np.zeros(S), np.empty(S)
    bound = math.inf
    stop = _stopper(tol)
    for _ in range(n):
        _k.srect_policy_backup(P, R, V, g, kappa, D, V_new, Wp)
        diff = _norm(V_new - V)
        V, V_new = V_new, V
        bound = g * diff / (1.0 - g)
        if stop(bound, floating_floor(_norm(R), _norm(V), g)):
            break
    if not with_certificate:
        return V
    return V, float(bound + _rounding(S, _norm(R), _norm(V), g) / (1.0 - g))


__all__ = ["SRectL1Ball", "solve_srect", "evaluate_policy_srect", "srect_bellman",
           "SRectSolveResult", "SRectFiniteHorizonResult"]
