r"""Linear MDPs and their exact oracle through the factorisation.

A linear MDP (Jin, Yang, Wang and Jordan 2020, "Provably efficient reinforcement learning with
linear function approximation", COLT, Assumption A) has features ``phi(s, a)`` in ``R^d`` and

.. math:: P_h(s' \mid s, a) = \langle \phi(s, a), \mu_h(s') \rangle, \qquad
          r_h(s, a) = \langle \phi(s, a), \theta_h \rangle,

with ``mu_h`` a ``(d, S)`` matrix of signed measures and ``theta_h`` in ``R^d``. The assumption's
norm conditions, ``||phi(s, a)|| <= 1``, ``||mu_h(S)|| <= sqrt(d)`` (Jin et al.'s ``||mu_h(S)|| =
\int ||mu_h(x)|| dx``, here ``sum_s' ||mu_h(., s')||_2``) and ``||theta_h|| <= sqrt(d)``, are
reported by :meth:`LinearMDP.norms`; the learners that need them say so. The
*d-rectangular* class (``phi(s, a)`` on the simplex and every ``mu_{h,i}`` a distribution) is the
structure of the robust and regularised results (:attr:`LinearMDP.d_rectangular`).

**The oracle never builds the ``(S, A, S)`` kernel.** A Bellman backup is

.. math:: Q_h = \Phi (\theta_h + \mu_h V_{h+1}), \qquad V_h = \max_a Q_h,

``O(S d)`` for ``w = mu_h V`` and ``O(S A d)`` for ``Q``: backward induction costs ``O(H S A d)``.
A discounted policy is evaluated exactly by the Woodbury identity: with ``Phi_pi`` the ``(S, d)``
features of the policy's actions, ``V = r_pi + gamma Phi_pi z`` where ``(I_d - gamma mu Phi_pi) z
= mu r_pi``, ``O(S d^2 + d^3)``; policy iteration alternates it with greedy improvement
(:func:`solve_linear`).

**Certificates.** Every result carries a bound on its distance to the exact optimum of the model
as given, rounding included: a computed backup entry differs from the exact one by at most
``rho_h = max_{s,a} [gamma_{d+1} sum_i |phi_i| (|theta_i| + |w_i|) + sum_i |phi_i| c_i]``, ``c_i
= gamma_S sum_s' |mu_i(s')| |V(s')|`` (Higham 2002, eq. 3.5, for the two dot products, any order of
summation; ``gamma_n = n u / (1 - n u)``), and an error ``e`` in ``V_{h+1}`` moves ``Q_h`` by at
most ``L_h e``, ``L_h = max_{s,a} sum_s' P_h(s'|s, a)`` (the rows are non-negative), so the
finite-horizon certificate is ``e_0`` with ``e_h = rho_h + L_h e_{h+1}``, ``e_H = 0``. A
discounted result is certified by its Bellman residual, ``||V - V*|| <= ||T V - V|| / (1 -
gamma)``, with the computed residual's rounding added.

Builders: :func:`one_hot` (a tabular model as a linear one, ``d = S A``), :func:`random_simplex`
(d-rectangular models with controlled ``d``) and :func:`linear_mixture` (``P = sum_i theta_i
P_i``, Ayoub, Jia, Szepesvári, Wang and Yang 2020: a tabular model, not a low-rank one).
:meth:`LinearMDP.to_tabular` builds the induced tabular model (for small models and tests).
:func:`zhou_gu_szepesvari_hard` (in :mod:`rlcert.mdp.linear_lower`, re-exported here) builds the
hard instance of the ``Omega(d H sqrt(T))`` lower bound for linear mixture MDPs.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from numba import njit, prange

from ._validate import (ROW_SUM_TOL, array_bytes, as_float_array, check_bool, check_discount,
                        check_finite, check_memory, check_positive_int, check_reward_scale,
                        check_tolerance, initial_distribution)
from .errors import InvalidArgumentError, InvalidMDPError
from .models import FiniteHorizonMDP, TabularMDP
from .results import UNIT_ROUNDOFF, FiniteHorizonResult, SolveResult

#: Largest ``S * S * A * d`` (per distinct stage) for which non-negativity of the induced rows is
#: checked entry by entry when ``phi`` and ``mu`` are not both non-negative.
EXACT_ROW_CHECK = 2e9


def _gamma_n(n: int) -> float:
    """Higham's ``gamma_n = n u / (1 - n u)``."""
    return n * UNIT_ROUNDOFF / (1.0 - n * UNIT_ROUNDOFF)


@njit(cache=True, parallel=True)
def _row_minima(phi2, mu_h, out):
    """``out[r] = min_s' phi2[r] . mu_h[:, s']``: the smallest induced transition probability of
    each row (the entries are never stored)."""
    n_rows, d = phi2.shape
    S = mu_h.shape[1]
    for r in prange(n_rows):
        best = np.inf
        for t in range(S):
            acc = 0.0
            for i in range(d):
                acc += phi2[r, i] * mu_h[i, t]
            if acc < best:
                best = acc
        out[r] = best


class LinearMDP:
    r"""A linear MDP ``(phi, mu, theta)``, episodic (``horizon``) or discounted (``gamma``).

    Parameters
    ----------
    phi : array_like (S, A, d)
        Features.
    mu : array_like (d, S) or (H, d, S)
        ``P_h(s'|s, a) = phi(s, a) . mu_h[:, s']``; one matrix for every stage, or one per stage.
    theta : array_like (d,) or (H, d)
        ``r_h(s, a) = phi(s, a) . theta_h``.
    horizon : int, optional
        ``H`` for an episodic model (undiscounted, ``V[H] = 0``).
    gamma : float in [0, 1), optional
        The discount of an infinite-horizon model (``horizon=None``; stationary ``mu`` and
        ``theta``).
    initial : int or array_like (S,)
        Initial state or distribution.

    Every induced row must be a probability distribution: its sum ``phi(s, a) . (mu_h 1)`` within
    ``1e-9`` of 1, checked for every ``(h, s, a)`` in ``O(H S A d)``, and its entries
    non-negative, which holds by structure when ``phi`` and ``mu`` are non-negative and is
    otherwise checked entry by entry (``O(H S^2 A d)``, refused above :data:`EXACT_ROW_CHECK`).
    A failing entry is named (``P_2(.|3, 1) sums to 0.97``). Nothing is normalised.
    """

    def __init__(self, phi, mu, theta, horizon: int | None = None, *,
                 gamma: float | None = None, initial=0):
        phi = as_float_array(phi, "phi")
        if phi.ndim != 3 or 0 in phi.shape:
            raise InvalidMDPError(f"phi must have shape (S, A, d) with S, A, d >= 1, got "
                                  f"{phi.shape}")
        check_finite(phi, "phi")
        S, A, d = phi.shape
        if horizon is not None:
            horizon = check_positive_int(horizon, "horizon")
            if gamma not in (None, 1, 1.0):
                raise InvalidMDPError(f"gamma={gamma!r}: an episodic linear MDP (horizon="
                                      f"{horizon}) is undiscounted; give gamma only without "
                                      f"horizon")
            g = 1.0
        else:
            g = check_discount(gamma, "gamma", allow_none=False)
            if g >= 1.0:
                raise InvalidMDPError(f"gamma={gamma!r}: a discounted linear MDP needs gamma < 1 "
                                      f"(give horizon=H for an episodic one)")
        mu = as_float_array(mu, "mu")
        theta = as_float_array(theta, "theta")
        mu = self._stages(mu, (d, S), "mu", horizon)
        theta = self._stages(theta, (d,), "theta", horizon)
        check_finite(mu, "mu")
        check_finite(theta, "theta")
        # Own copies: a validated model never changes when the caller writes into its inputs.
        self._phi2 = np.array(phi.reshape(S * A, d), dtype=np.float64, order="C", copy=True)
        self._phi2.setflags(write=False)
        self._mu = np.array(mu, dtype=np.float64, order="C", copy=True)
        self._mu.setflags(write=False)
        self._theta = np.array(theta, dtype=np.float64, order="C", copy=True)
        self._theta.setflags(write=False)
        self._S, self._A, self._d = S, A, d
        self._horizon = horizon
        self._gamma = g
        self._initial = initial_distribution(initial, S)
        self._check_rows()
        r = self.reward_range()
        check_reward_scale(max(abs(r[0]), abs(r[1])), None if horizon else self._gamma, horizon,
                           name="r")

    @staticmethod
    def _stages(arr: np.ndarray, shape: tuple, name: str, horizon: int | None) -> np.ndarray:
        if arr.shape == shape:
            return arr[None]
        if arr.ndim == len(shape) + 1 and arr.shape[1:] == shape:
            if horizon is None:
                raise InvalidMDPError(f"{name} has one entry per stage (shape {arr.shape}); a "
                                      f"discounted model needs a stationary {name} of shape "
                                      f"{shape}")
            if arr.shape[0] != horizon:
                raise InvalidMDPError(f"{name} has {arr.shape[0]} stages, the horizon is "
                                      f"{horizon}")
            return arr
        raise InvalidMDPError(f"{name} must have shape {shape}"
                              + (f" or ({horizon}, {', '.join(map(str, shape))})" if horizon
                                 else "") + f", got {arr.shape}")

    def _check_rows(self) -> None:
        S, A = self._S, self._A
        sums = self._phi2 @ self._mu.sum(axis=2).T  # (S A, stages)
        off = np.abs(sums - 1.0) > ROW_SUM_TOL
        if off.any():
            row, h = (int(v) for v in np.argwhere(off)[0])
            s, a = divmod(row, A)
            raise InvalidMDPError(f"P_{h}(.|{s}, {a}) = phi[{s}, {a}] . mu_{h} sums to "
                                  f"{float(sums[row, h])!r}, not 1 (tolerance {ROW_SUM_TOL:g}; "
                                  f"{int(off.sum())} rows off)")
        if np.all(self._phi2 >= 0.0) and np.all(self._mu >= 0.0):
            return
        work = float(S) * S * A * self._d * self._mu.shape[0]
        if work > EXACT_ROW_CHECK:
            raise InvalidMDPError(
                f"phi and mu have negative entries and S^2 A d = {work:.3g} is above "
                f"{EXACT_ROW_CHECK:.3g}: the induced rows cannot be checked for non-negativity "
                f"entry by entry at this size; give a non-negative factorisation")
        mins = np.empty(S * A)
        for h in range(self._mu.shape[0]):
            _row_minima(self._phi2, self._mu[h], mins)
            if mins.min() < -ROW_SUM_TOL:
                row = int(np.argmin(mins))
                s, a = divmod(row, A)
                raise InvalidMDPError(f"P_{h}(.|{s}, {a}) has a negative entry {mins[row]:.6g} "
                                      f"(phi[{s}, {a}] . mu_{h}[:, s'] < 0 for some s')")

    # -- the model ---------------------------------------------------------------------------
    @property
    def n_states(self) -> int:
        return self._S

    @property
    def n_actions(self) -> int:
        return self._A

    @property
    def dim(self) -> int:
        """The feature dimension ``d``."""
        return self._d

    @property
    def horizon(self) -> int | None:
        return self._horizon

    @property
    def gamma(self) -> float:
        """The discount (1 for an episodic model)."""
        return self._gamma

    @property
    def episodic(self) -> bool:
        return self._horizon is not None

    @property
    def stationary(self) -> bool:
        """Whether ``mu`` and ``theta`` are the same at every stage."""
        return self._mu.shape[0] == 1 and self._theta.shape[0] == 1

    @property
    def initial(self) -> np.ndarray:
        return self._initial.copy()

    @property
    def phi(self) -> np.ndarray:
        """The features, ``(S, A, d)`` (read-only)."""
        return self._phi2.reshape(self._S, self._A, self._d)

    def mu(self, h: int = 0) -> np.ndarray:
        """``mu_h``, ``(d, S)`` (read-only)."""
        return self._mu[self._stage(h, self._mu)]

    def theta(self, h: int = 0) -> np.ndarray:
        """``theta_h``, ``(d,)`` (read-only)."""
        return self._theta[self._stage(h, self._theta)]

    def _stage(self, h, arr) -> int:
        H = self._horizon or 1
        if isinstance(h, bool) or not isinstance(h, numbers.Integral) or not 0 <= int(h) < H:
            raise InvalidArgumentError(f"h={h!r} is not a stage in [0, {H})")
        return 0 if arr.shape[0] == 1 else int(h)

    def rewards(self, h: int = 0) -> np.ndarray:
        """``r_h(s, a) = phi(s, a) . theta_h``, ``(S, A)``."""
        return (self._phi2 @ self.theta(h)).reshape(self._S, self._A)

    def _row_sum_max(self, h: int) -> float:
        """``L_h = max_{s,a} sum_s' P_h(s'|s, a)`` (non-negative rows), with the rounding of its
        computation, cached per distinct stage."""
        k = self._stage(h, self._mu)
        cache = self.__dict__.setdefault("_L", {})
        if k not in cache:
            L = float((self._phi2 @ self._mu[k].sum(axis=1)).max())
            cache[k] = max(L, 0.0) * (1.0 + _gamma_n(self._n_states_plus_d()))
        return cache[k]

    def _n_states_plus_d(self) -> int:
        return self._S + self._d

    def reward_range(self) -> tuple[float, float]:
        """``(min, max)`` of the rewards over stages, states and actions."""
        r = self._phi2 @ self._theta.T
        return float(r.min()), float(r.max())

    @property
    def d_rectangular(self) -> bool:
        """``phi(s, a)`` on the simplex and every ``mu_{h,i}`` a distribution (to 1e-9)."""
        tol = ROW_SUM_TOL
        return bool(np.all(self._phi2 >= 0) and np.all(np.abs(self._phi2.sum(1) - 1) <= tol)
                    and np.all(self._mu >= 0)
                    and np.all(np.abs(self._mu.sum(axis=2) - 1) <= tol))

    def norms(self) -> dict[str, float]:
        """The quantities of Jin et al.'s Assumption A: ``max ||phi(s, a)||_2``, ``max_h
        sum_s' ||mu_h(., s')||_2`` and ``max_h ||theta_h||_2``, with ``sqrt(d)`` for comparison."""
        return {"phi": float(np.sqrt((self._phi2 ** 2).sum(1)).max()),
                "mu": float(np.sqrt((self._mu ** 2).sum(axis=1)).sum(axis=1).max()),
                "theta": float(np.sqrt((self._theta ** 2).sum(axis=1)).max()),
                "sqrt_d": math.sqrt(self._d)}

    def satisfies_assumption_a(self) -> bool:
        """``||phi|| <= 1``, ``||mu_h(S)|| <= sqrt(d)``, ``||theta_h|| <= sqrt(d)`` (to 1e-12)."""
        n = self.norms()
        t = 1e-12
        return n["phi"] <= 1 + t and n["mu"] <= n["sqrt_d"] + t and n["theta"] <= n["sqrt_d"] + t

    def to_tabular(self) -> FiniteHorizonMDP | TabularMDP:
        """The induced tabular model (builds the ``(S, A, S)`` kernel: for small models)."""
        S, A = self._S, self._A
        stages = self._mu.shape[0]
        check_memory(array_bytes(stages, S, A, S), f"to_tabular: the (S, A, S) kernel of S={S}, "
                     f"A={A} ({stages} stage(s))", InvalidArgumentError)
        P = np.stack([(self._phi2 @ self._mu[h]).reshape(S, A, S) for h in range(stages)])
        H = self._horizon
        if H is not None:  # episodic
            if self._theta.shape[0] > 1:  # per-stage rewards as (H, S, A, S): never ambiguous
                R = np.broadcast_to(np.stack([self.rewards(h) for h in range(H)])[..., None],
                                    (H, S, A, S))
            else:
                R = self.rewards(0)
            return FiniteHorizonMDP(P if stages > 1 else P[0], R, H, initial=self._initial)
        return TabularMDP(P[0], self.rewards(0), self._gamma, self._initial)

    def __repr__(self) -> str:
        kind = f"H={self._horizon}" if self.episodic else f"gamma={self._gamma:g}"
        return (f"LinearMDP(S={self._S}, A={self._A}, d={self._d}, {kind}"
                f"{', d-rectangular' if self.d_rectangular else ''})")


# -- the oracle ------------------------------------------------------------------------------------
def _backup(m: LinearMDP, h: int, V: np.ndarray, with_rounding: bool = False, absphi=None):
    """``Q_h = Phi (theta_h + mu_h V)`` as ``(S, A)``, and (optionally) the rounding bound
    ``rho_h`` of the computed entries and the propagation factor ``L_h`` (see the module
    docstring); ``absphi`` is ``|Phi|`` if already computed."""
    mu = m.mu(h)
    w = mu @ V
    c = m.theta(h) + w
    Q = (m._phi2 @ c).reshape(m.n_states, m.n_actions)
    if not with_rounding:
        return Q
    if absphi is None:
        absphi = np.abs(m._phi2)
    ci = _gamma_n(m.n_states) * (np.abs(mu) @ np.abs(V))
    per_entry = absphi @ (_gamma_n(m.dim + 1) * (np.abs(m.theta(h)) + np.abs(w)) + ci)
    return Q, float(per_entry.max()), m._row_sum_max(h)


def _check_model(m) -> LinearMDP:
    if not isinstance(m, LinearMDP):
        raise InvalidArgumentError(f"m must be a LinearMDP, got {type(m).__name__}")
    return m


def _episodic_horizon(m: LinearMDP) -> int:
    """``H`` of an episodic model (every caller has checked ``m.episodic``)."""
    H = m.horizon
    assert H is not None
    return H


def solve_linear(m: LinearMDP, *, tol: float = 1e-10, max_iter: int = 1000):
    """Optimal values, Q-values and a policy of a linear MDP, through its factorisation.

    Episodic: backward induction ``Q_h = Phi (theta_h + mu_h V_{h+1})``, ``V_h = max_a Q_h``,
    ``O(H S A d)``; returns a :class:`~rlcert.mdp.results.FiniteHorizonResult` whose certificate
    bounds ``max_h ||V[h] - V*_h||_inf`` (rounding alone, see the module docstring). Discounted:
    policy iteration with exact Woodbury evaluation (``O(S d^2 + S A d)`` per iteration), stopped
    when the policy is stable or its residual certificate ``||T V - V|| / (1 - gamma)`` is below
    ``tol``; returns a :class:`~rlcert.mdp.results.SolveResult`.
    """
    m = _check_model(m)
    tol = check_tolerance(tol)
    if m.episodic:
        return _backward(m)
    max_iter = check_positive_int(max_iter, "max_iter", InvalidArgumentError)
    return _policy_iteration(m, tol, max_iter)


def _backward(m: LinearMDP) -> FiniteHorizonResult:
    H, S, A = _episodic_horizon(m), m.n_states, m.n_actions
    V = np.zeros((H + 1, S))
    Q = np.empty((H, S, A))
    rho, L = np.empty(H), np.empty(H)
    absphi = np.abs(m._phi2)
    for h in range(H - 1, -1, -1):
        Q[h], rho[h], L[h] = _backup(m, h, V[h + 1], with_rounding=True, absphi=absphi)
        V[h] = Q[h].max(axis=1)
    policy = np.argmax(Q, axis=2).astype(np.int64)
    stage_error = np.zeros(H + 1)
    for h in range(H - 1, -1, -1):
        stage_error[h] = rho[h] + L[h] * stage_error[h + 1]
    optimal = Q >= (V[:H] - 2.0 * stage_error[:H, None])[:, :, None]
    return FiniteHorizonResult(V=V, Q=Q, policy=policy, optimal_actions=optimal,
                               certificate=float(stage_error.max()),
                               method="backward_induction_lowrank", status="exact", horizon=H,
                               gamma=1.0, info={"stage_error": stage_error, "rho": rho, "L": L})


def _woodbury_value(m: LinearMDP, policy: np.ndarray) -> np.ndarray:
    """``V^pi = r_pi + gamma Phi_pi z``, ``(I_d - gamma mu Phi_pi) z = mu r_pi`` (deterministic
    ``policy``, discounted model)."""
    S, A, d = m.n_states, m.n_actions, m.dim
    Phi = m._phi2[np.arange(S) * A + policy]
    r = Phi @ m.theta(0)
    mu = m.mu(0)
    z = np.linalg.solve(np.eye(d) - m.gamma * (mu @ Phi), mu @ r)
    return r + m.gamma * (Phi @ z)


def _policy_iteration(m: LinearMDP, tol: float, max_iter: int) -> SolveResult:
    S, g = m.n_states, m.gamma
    policy = np.argmax(m.rewards(0), axis=1).astype(np.int64)
    for it in range(1, max_iter + 1):
        V = _woodbury_value(m, policy)
        Q, rho, _ = _backup(m, 0, g * V, with_rounding=True)  # Phi (theta + mu (gamma V))
        best = Q.max(axis=1)
        resid = float(np.max(np.abs(best - V)))
        slack = rho + 2.0 * UNIT_ROUNDOFF * float(np.max(np.abs(V)))
        cur = Q[np.arange(S), policy]
        improve = best > cur + 2.0 * slack  # a gain the rounding cannot explain
        if not improve.any() or resid / (1.0 - g) <= tol or it == max_iter:
            break  # at max_iter, keep the policy that V is the exact value of
        policy = np.where(improve, np.argmax(Q, axis=1), policy).astype(np.int64)
    status = "converged" if not improve.any() or resid / (1.0 - g) <= tol else "max_iter"
    res_pi = float(np.max(np.abs(cur - V)))
    certificate = resid / (1.0 - g)
    rounding = slack / (1.0 - g)
    optimal = Q >= (best - 2.0 * g * (certificate + rounding) - 2.0 * slack)[:, None]
    return SolveResult(V=V, Q=Q, policy=policy, optimal_actions=optimal, certificate=certificate,
                       rounding=rounding, policy_loss_bound=certificate + (res_pi + slack) / (1 - g),
                       iterations=it, method="pi_woodbury", status=status, tol=tol, gamma=g,
                       info={"residual": resid})


def evaluate_policy_linear(m: LinearMDP, policy) -> np.ndarray:
    """The exact value of a policy in a linear MDP: episodic ``(H+1, S)`` by backward evaluation
    ``V_h = sum_a pi_h(a|.) Phi_a (theta_h + mu_h V_{h+1})`` (``policy`` ``(H, S)`` actions or
    ``(H, S, A)`` probabilities); discounted ``(S,)`` (deterministic ``(S,)`` actions: Woodbury;
    ``(S, A)`` probabilities: the Woodbury identity with ``Phi_pi = sum_a pi(a|.) phi(., a)``)."""
    m = _check_model(m)
    S, A = m.n_states, m.n_actions
    if m.episodic:
        from .policies import stage_policy_weights
        H = _episodic_horizon(m)
        W = stage_policy_weights(policy, H, S, A, "policy")
        V = np.zeros((H + 1, S))
        for h in range(H - 1, -1, -1):
            V[h] = (W[h] * _backup(m, h, V[h + 1])).sum(axis=1)
        return V
    from .policies import policy_weights
    W = policy_weights(policy, S, A, "policy")
    Phi = np.einsum("sa,sad->sd", W, m.phi)
    r = Phi @ m.theta(0)
    mu = m.mu(0)
    z = np.linalg.solve(np.eye(m.dim) - m.gamma * (mu @ Phi), mu @ r)
    return r + m.gamma * (Phi @ z)


# -- the d-rectangular robust-regularised oracle ---------------------------------------------------
def _penalty(penalty):
    from .robust.sets import ChiSquarePenalty, KLPenalty, TVPenalty
    if not isinstance(penalty, (TVPenalty, KLPenalty, ChiSquarePenalty)):
        raise InvalidArgumentError(f"penalty must be a TVPenalty, KLPenalty or ChiSquarePenalty "
                                   f"(rlcert.mdp.robust), got {type(penalty).__name__}")
    if not isinstance(penalty.beta, float):
        raise InvalidArgumentError("the d-rectangular oracle takes a scalar beta (one "
                                   "regularisation weight for every factor)")
    return penalty


def _factor_values(m: LinearMDP, h: int, V: np.ndarray, penalty) -> np.ndarray:
    """``sigma_i = min_{nu} E_nu[V] + beta D(nu || mu_{h,i})`` for every factor ``i``, each by the
    penalty's exact inner solver."""
    mu = m.mu(h)
    return np.array([penalty.worst_case(mu[i], V).value for i in range(m.dim)])


def _check_rectangular(m: LinearMDP) -> None:
    if not m.d_rectangular:
        raise InvalidArgumentError("the robust-regularised oracle needs a d-rectangular model "
                                   "(phi on the simplex, every mu_{h,i} a distribution)")
    if not m.episodic:
        raise InvalidArgumentError("the robust-regularised oracle is episodic (give horizon=H)")


def solve_robust_regularized(m: LinearMDP, penalty) -> FiniteHorizonResult:
    r"""The optimal robust-regularised values of a d-rectangular linear MDP (Tang, Liu and Xu
    2025, "Robust offline RL with linearly structured f-divergence regularization", ICML): the
    adversary perturbs each factor ``mu_{h,i}`` to any ``nu_i`` at cost ``beta D(nu_i ||
    mu_{h,i})``, so the robust-regularised Bellman operator separates per factor,

    .. math:: Q_h(s, a) = r_h(s, a) + \sum_i \phi_i(s, a) \inf_{\nu_i} \big\{ E_{\nu_i}[V_{h+1}]
              + \beta D(\nu_i \| \mu_{h,i}) \big\}, \qquad V_h = \max_a Q_h,

    each infimum solved exactly by the penalty's inner solver (TV: ``E_mu[min(V, min V +
    beta)]``; KL: ``-beta log E_mu exp(-V / beta)``; chi-square: its KKT solution), ``O(d S log S
    + S A d)`` per stage. ``certificate`` is a first-order estimate of the rounding (the inner
    solvers' own rounding is not bounded rigorously)."""
    m = _check_model(m)
    _check_rectangular(m)
    penalty = _penalty(penalty)
    H, S, A = _episodic_horizon(m), m.n_states, m.n_actions
    V = np.zeros((H + 1, S))
    Q = np.empty((H, S, A))
    err = 0.0
    for h in range(H - 1, -1, -1):
        sigma = _factor_values(m, h, V[h + 1], penalty)
        Q[h] = (m._phi2 @ (m.theta(h) + sigma)).reshape(S, A)
        V[h] = Q[h].max(axis=1)
        err += _gamma_n(m.dim + 2 * S) * (float(np.max(np.abs(V[h + 1]))) + float(
            np.max(np.abs(m.theta(h)))))
    policy = np.argmax(Q, axis=2).astype(np.int64)
    optimal = Q >= (V[:H] - 2.0 * err)[:, :, None]
    return FiniteHorizonResult(V=V, Q=Q, policy=policy, optimal_actions=optimal, certificate=err,
                               method="robust_regularized_lowrank", status="exact", horizon=H,
                               gamma=1.0, info={"penalty": repr(penalty)})


def evaluate_policy_robust_regularized(m: LinearMDP, policy, penalty) -> np.ndarray:
    """The robust-regularised value ``(H + 1, S)`` of a Markov policy (``(H, S)`` actions or
    ``(H, S, A)`` probabilities): the operator of :func:`solve_robust_regularized` with the
    policy's action weights in place of the maximum."""
    m = _check_model(m)
    _check_rectangular(m)
    penalty = _penalty(penalty)
    from .policies import stage_policy_weights
    H, S, A = _episodic_horizon(m), m.n_states, m.n_actions
    W = stage_policy_weights(policy, H, S, A, "policy")
    V = np.zeros((H + 1, S))
    for h in range(H - 1, -1, -1):
        sigma = _factor_values(m, h, V[h + 1], penalty)
        V[h] = (W[h] * (m._phi2 @ (m.theta(h) + sigma)).reshape(S, A)).sum(axis=1)
    return V


# -- builders -----------------------------------------------------------------------------------------
def one_hot(m: TabularMDP | FiniteHorizonMDP) -> LinearMDP:
    """A tabular model as a linear MDP with one-hot features, ``d = S A``: ``phi(s, a) =
    e_{s A + a}``, ``mu_h[s A + a, s'] = P_h(s'|s, a)``, ``theta_h[s A + a] = r_h(s, a)``."""
    if isinstance(m, FiniteHorizonMDP):
        if m.gamma != 1.0:
            raise InvalidArgumentError(f"one_hot of a FiniteHorizonMDP needs gamma = 1, got "
                                       f"gamma={m.gamma!r}: an episodic LinearMDP is undiscounted")
        H, S, A = m.horizon, m.n_states, m.n_actions
        stages = 1 if m.stationary else H
        mu = np.stack([m.stage_P(h).reshape(S * A, S) for h in range(stages)])
        R = np.asarray(m.R)  # (H, S, A)
        theta = R[0].reshape(S * A) if np.all(R == R[0]) else R.reshape(H, S * A)
        mu = mu[0] if stages == 1 else mu
        phi = np.eye(S * A).reshape(S, A, S * A)
        return LinearMDP(phi, mu, theta, horizon=H, initial=m.initial)
    if isinstance(m, TabularMDP):
        if m.gamma is None or m.gamma >= 1.0:
            raise InvalidArgumentError(f"one_hot of a TabularMDP needs a discount < 1, got "
                                       f"gamma={m.gamma!r} (use FiniteHorizonMDP for an episodic "
                                       f"model)")
        S, A = m.n_states, m.n_actions
        return LinearMDP(np.eye(S * A).reshape(S, A, S * A), m.dense_P().reshape(S * A, S),
                         np.asarray(m.R).reshape(S * A), gamma=m.gamma, initial=m.initial)
    raise InvalidArgumentError(f"m must be a TabularMDP or FiniteHorizonMDP, got "
                               f"{type(m).__name__}")


def random_simplex(S: int, A: int, d: int, *, horizon: int | None = None,
                   gamma: float | None = None, branching: int | None = None, stationary=True,
                   seed=None, initial=0) -> LinearMDP:
    """A random d-rectangular linear MDP: ``phi(s, a) ~ Dirichlet(1_d)``, each factor ``mu_{h,i}``
    a distribution over ``branching`` random states (all ``S`` by default) with
    ``Dirichlet(1)`` weights, ``theta_h ~ U[0, 1]^d`` (so rewards lie in [0, 1]).

    ``seed`` is an integer >= 0, a SeedSequence, a Generator or None; ``stationary`` (a bool)
    draws one ``mu`` and ``theta`` for every stage. The features and factors must fit in memory
    (refused up front otherwise, naming ``S``, ``A`` and ``d``)."""
    from .instances import _check_seed
    S, A, d = (check_positive_int(v, n, InvalidArgumentError) for v, n in
               ((S, "S"), (A, "A"), (d, "d")))
    b = S if branching is None else check_positive_int(branching, "branching",
                                                       InvalidArgumentError)
    if b > S:
        raise InvalidArgumentError(f"branching={branching!r} exceeds S={S}")
    stationary = check_bool(stationary, "stationary")
    if horizon is not None:
        horizon = check_positive_int(horizon, "horizon", InvalidArgumentError)
    stages = horizon if (horizon is not None and not stationary) else 1
    check_memory(array_bytes(S, A, d) + array_bytes(stages, d, S),
                 f"random_simplex(S={S}, A={A}, d={d}): phi (S, A, d) and mu (d, S)",
                 InvalidArgumentError)
    rng = np.random.default_rng(_check_seed(seed))
    phi = rng.dirichlet(np.ones(d), size=(S, A))
    mu = np.zeros((stages, d, S))
    for h in range(stages):
        for i in range(d):
            support = rng.choice(S, size=b, replace=False)
            mu[h, i, support] = rng.dirichlet(np.ones(b))
    theta = rng.random((stages, d))
    if stages == 1:
        mu, theta = mu[0], theta[0]
    return LinearMDP(phi, mu, theta, horizon=horizon, gamma=gamma, initial=initial)


def linear_mixture(bases, weights, R, *, horizon: int | None = None, gamma: float | None = None,
                   initial=0) -> TabularMDP | FiniteHorizonMDP:
    """The linear mixture model ``P(s'|s, a) = sum_i theta_i P_i(s'|s, a)`` (Ayoub et al. 2020)
    of known basis kernels ``bases`` (``(d, S, A, S)``) and mixture weights ``weights`` (``(d,)``,
    non-negative, summing to 1), with rewards ``R`` ``(S, A)``; a tabular model (the mixture is
    linear in the weights, not low rank in the states)."""
    P = as_float_array(bases, "bases")
    w = as_float_array(weights, "weights")
    if P.ndim != 4 or w.shape != (P.shape[0],):
        raise InvalidArgumentError(f"bases must be (d, S, A, S) and weights (d,), got "
                                   f"{P.shape} and {w.shape}")
    check_finite(w, "weights")
    if np.any(w < 0) or abs(float(w.sum()) - 1.0) > ROW_SUM_TOL:
        raise InvalidArgumentError(f"weights must be non-negative and sum to 1, got {w.tolist()}")
    mixed = np.tensordot(w, P, axes=1)
    if horizon is not None:
        return FiniteHorizonMDP(mixed, R, horizon, initial=initial)
    return TabularMDP(mixed, R, gamma, initial)


# the hard instance of the linear lower bound lives in its own module (it imports LinearMDP)
from .linear_lower import (hypercube_actions, zhou_gu_szepesvari_hard,  # noqa: E402
                           zhou_gu_szepesvari_mixture, zhou_gu_szepesvari_quantities)

__all__ = ["LinearMDP", "solve_linear", "evaluate_policy_linear", "solve_robust_regularized",
           "evaluate_policy_robust_regularized", "one_hot", "random_simplex", "linear_mixture",
           "zhou_gu_szepesvari_hard", "zhou_gu_szepesvari_mixture",
           "zhou_gu_szepesvari_quantities", "hypercube_actions"]
