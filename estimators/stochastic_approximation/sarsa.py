r"""SARSA with linear features and a Lipschitz policy-improvement operator, along one trajectory
(Zou, Xu, Liang 2019), and its tabular special case.

The action value is ``Q_theta(s, a) = phi(s, a)^T theta`` with features ``phi`` of shape ``(S,
A, d)``; the behaviour policy is ``pi_theta = Gamma(Q_theta)`` for a policy-improvement operator
``Gamma``:

* softmax with temperature ``tau``: ``pi_theta(a | s) = exp(Q_theta(s, a)/tau) / sum_b
  exp(Q_theta(s, b)/tau)``, Lipschitz in ``theta`` with a constant of order ``1/tau``;
* epsilon-greedy: ``pi_theta(a | s) = epsilon / A + (1 - epsilon) 1[a = argmax_b Q_theta(s, b)]``
  (ties to the lowest action). It is not Lipschitz; it is offered because SARSA is used with it,
  and the theorem does not cover it.

At step ``t`` the learner is in ``(s_t, a_t)``, receives ``r(s_t, a_t)``, observes ``s_{t+1} ~
P(s_t, a_t, .)``, draws ``a_{t+1} ~ pi_{theta_t}(. | s_{t+1})`` and updates

.. math:: \theta_{t+1} = \Pi_R\Big(\theta_t + \alpha_t \big(r(s_t, a_t)
          + \gamma \phi(s_{t+1}, a_{t+1})^\top \theta_t - \phi(s_t, a_t)^\top \theta_t\big)
          \phi(s_t, a_t)\Big),

``Pi_R`` the Euclidean projection on the ball ``{||theta|| <= R}`` (``R = inf``: none). Step
schedules: ``"linear"``, ``alpha_t = 1 / (w (t + 1))`` (the diminishing step of Zou et al., ``w``
below the curvature of the mean-path field; ``t0`` replaces the offset 1, a documented
deviation), and ``"constant"``, ``alpha_t = alpha``.

The limit ``theta*`` solves the mean-path (projected Bellman) equation

.. math:: \Phi^\top D_{\theta} \big(r + \gamma P_{\theta} \Phi \theta - \Phi \theta\big) = 0,

``Phi`` the ``(S A, d)`` feature matrix, ``D_theta`` the stationary law of the state-action chain
``(s, a) -> (s', a')`` with ``P(s' | s, a) pi_theta(a' | s')`` and ``P_theta`` its matrix
(:func:`sarsa_fixed_point`). Zou et al. show ``E ||theta_T - theta*||^2 = O~(1/T)`` under the
diminishing step when the Lipschitz constant of ``Gamma`` is small enough.

References
----------
S. Zou, T. Xu, Y. Liang. Finite-sample analysis for SARSA with linear function approximation.
NeurIPS 2019 (arXiv 1902.02234).
G. A. Rummery, M. Niranjan. On-line Q-learning using connectionist systems. 1994.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from rlcert.mdp import TabularMDP

from . import _sarsa_kernels as K
from .methods import (StochasticApproximationArgumentError, _int, _memory, _model, _pos,
                      _real_array, _rng)

E = StochasticApproximationArgumentError


@dataclass(frozen=True)
class SARSAResult:
    """``theta`` (last iterate), ``trace`` (``theta`` every ``record_every`` steps), ``steps``
    (the ``alpha_t``), and the trajectory's last state-action pair ``(state, action)``."""

    theta: np.ndarray
    trace: np.ndarray
    record_every: int
    steps: np.ndarray
    state: int
    action: int


def _sa_features(phi, S: int, A: int) -> np.ndarray:
    F = _real_array(phi, "phi")
    if F.ndim != 3 or F.shape[:2] != (S, A) or F.shape[2] == 0:
        raise E(f"phi must have shape ({S}, {A}, d) with d >= 1, got {F.shape}")
    if not np.all(np.isfinite(F)):
        raise E("phi has a non-finite entry")
    if np.linalg.matrix_rank(F.reshape(S * A, -1)) < F.shape[2]:
        raise E(f"phi (shape {F.shape}) must have linearly independent columns (as an "
                f"({S * A}, {F.shape[2]}) matrix)")
    return np.ascontiguousarray(F)


def _operator(temperature, epsilon) -> tuple[int, float]:
    if (temperature is None) == (epsilon is None):
        raise E(f"temperature = {temperature!r}, epsilon = {epsilon!r}: give exactly one "
                f"(softmax temperature or epsilon-greedy)")
    if temperature is not None:
        return K.SOFTMAX, _pos(temperature, "temperature")
    if isinstance(epsilon, (bool, np.bool_)) or not isinstance(epsilon, numbers.Real) \
            or not (0.0 <= float(epsilon) <= 1.0):
        raise E(f"epsilon = {epsilon!r} must be a number in [0, 1]")
    return K.EPS_GREEDY, float(epsilon)


def _radius(radius) -> float:
    return np.inf if radius is None else _pos(radius, "radius")


def _schedule(T: int, schedule: str, w, alpha, t0: int = 1) -> np.ndarray:
    if schedule not in ("linear", "constant"):
        raise E(f"schedule = {schedule!r} is not one of ['constant', 'linear']")
    if schedule == "constant":
        if alpha is None:
            raise E("alpha = None: the constant schedule needs a step size")
        if w is not None:
            raise E(f"w = {w!r}: only the linear schedule uses w")
        return np.full(T, _pos(alpha, "alpha"))
    if w is None:
        raise E("w = None: the linear schedule alpha_t = 1/(w (t+1)) needs w")
    if alpha is not None:
        raise E(f"alpha = {alpha!r}: the linear schedule sets alpha_t = 1/(w (t+t0)) itself")
    return 1.0 / (_pos(w, "w") * (np.arange(T) + float(_int(t0, "t0"))))


def _theta0(theta0, d: int, name: str = "theta0") -> np.ndarray:
    th = np.zeros(d) if theta0 is None else _real_array(theta0, name)
    if th.shape != (d,) or not np.all(np.isfinite(th)):
        raise E(f"{name} must be a finite array of shape ({d},), got {theta0!r}")
    return th


def sarsa_policy(phi, theta, *, temperature: float | None = None,
                 epsilon: float | None = None) -> np.ndarray:
    r"""``pi_theta`` of shape ``(S, A)``: the softmax ``exp(phi(s, a)^T theta / tau) / Z(s)`` or
    the epsilon-greedy policy of ``Q_theta = phi theta`` (see the module docstring).

    Parameters
    ----------
    phi : array_like (S, A, d)
        Real, finite features.
    theta : array_like (d,)
    temperature, epsilon : float
        Exactly one: the softmax temperature ``tau > 0`` or ``epsilon`` in ``[0, 1]``.
    """
    F = _real_array(phi, "phi")
    if F.ndim != 3 or 0 in F.shape:
        raise E(f"phi must have shape (S, A, d) with S, A, d >= 1, got {F.shape}")
    if not np.all(np.isfinite(F)):
        raise E("phi has a non-finite entry")
    mode, p = _operator(temperature, epsilon)
    th = _theta0(theta, F.shape[2], "theta")
    Q = F @ th
    if mode == K.SOFTMAX:
        z = np.exp((Q - Q.max(axis=1, keepdims=True)) / p)
        return z / z.sum(axis=1, keepdims=True)
    out = np.full(Q.shape, p / Q.shape[1])
    out[np.arange(Q.shape[0]), np.argmax(Q, axis=1)] += 1.0 - p
    return out


def mean_path(m: TabularMDP, phi, theta, *, temperature: float | None = None,
              epsilon: float | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    r"""``(A_theta, b_theta, D_theta)`` of the mean-path SARSA field ``g(theta) = A_theta theta +
    b_theta`` with ``A_theta = Phi^T D_theta (gamma P_theta Phi - Phi)``, ``b_theta = Phi^T D_theta
    r``; ``D_theta`` (length ``S A``) is the stationary law of the state-action chain under
    ``pi_theta`` (least squares on ``D^T P = D^T``, ``sum D = 1``)."""
    P, R, g = _model(m)
    S, A = R.shape
    F = _sa_features(phi, S, A)
    pi = sarsa_policy(F, theta, temperature=temperature, epsilon=epsilon)
    Pz = np.einsum("sat,tb->satb", P, pi).reshape(S * A, S * A)
    M = np.vstack([Pz.T - np.eye(S * A), np.ones((1, S * A))])
    rhs = np.zeros(S * A + 1)
    rhs[-1] = 1.0
    D = np.maximum(np.linalg.lstsq(M, rhs, rcond=None)[0], 0.0)
    D /= D.sum()
    Phi = F.reshape(S * A, -1)
    Am = Phi.T @ (D[:, None] * (g * Pz @ Phi - Phi))
    return Am, Phi.T @ (D * R.reshape(-1)), D


def sarsa_fixed_point(m: TabularMDP, phi, *, temperature: float | None = None,
                      epsilon: float | None = None, tol: float = 1e-12,
                      max_iter: int = 10_000) -> np.ndarray:
    r"""The SARSA limit ``theta*``: ``A_theta* theta* + b_theta* = 0`` (:func:`mean_path`),
    found by the iteration ``theta_{k+1} = -A_{theta_k}^{-1} b_{theta_k}`` (approximate policy
    iteration on the projected Bellman equation, Perkins and Precup 2003), which contracts when
    the operator's Lipschitz constant is small enough. Raises if it has not converged to
    ``||theta_{k+1} - theta_k||_inf <= tol`` in ``max_iter`` iterations."""
    P, R, _ = _model(m)
    F = _sa_features(phi, *R.shape)
    tol = _pos(tol, "tol")
    max_iter = _int(max_iter, "max_iter")
    th = np.zeros(F.shape[2])
    for _ in range(max_iter):
        Am, b, _ = mean_path(m, F, th, temperature=temperature, epsilon=epsilon)
        new = np.linalg.solve(Am, -b)
        if np.max(np.abs(new - th)) <= tol:
            return new
        th = new
    raise E(f"max_iter = {max_iter}: the fixed-point iteration did not converge to tol = {tol} "
            f"(the policy-improvement operator may be too sharp: raise the temperature)")


def _start(m: TabularMDP, F, th0, mode, p, rng) -> tuple[int, int]:
    s0 = min(int(np.searchsorted(np.cumsum(m.initial), rng.random(), side="right")),
             m.n_states - 1)
    prob = np.empty(m.n_actions)
    K.policy_row(F, th0, s0, mode, p, prob)
    return s0, int(K.draw_from(prob, rng.random()))


def linear_sarsa(m: TabularMDP, phi, n_steps: int, *, temperature: float | None = None,
                 epsilon: float | None = None, schedule: str = "linear", w: float | None = None,
                 alpha: float | None = None, t0: int = 1, radius: float | None = None,
                 theta0=None, seed=0, record_every: int | None = None) -> SARSAResult:
    r"""Linear SARSA along one trajectory (the update in the module docstring).

    Parameters
    ----------
    m : TabularMDP
        Discounted, ``0 <= gamma < 1``; rewards are the expected rewards ``R(s, a)``. The
        trajectory starts at ``s_0 ~ m.initial``, ``a_0 ~ pi_{theta_0}(. | s_0)``.
    phi : array_like (S, A, d)
        Features with linearly independent columns (as an ``(S A, d)`` matrix).
    n_steps : int
        ``T``, the number of updates.
    temperature, epsilon : float
        The policy-improvement operator: exactly one of the softmax temperature ``tau > 0`` or
        the epsilon-greedy ``epsilon`` in ``[0, 1]``.
    schedule : {"linear", "constant"}
        ``alpha_t = 1/(w (t+t0))``, ``t = 0, 1, ...`` (needs ``w``), or ``alpha_t = alpha``
        (needs ``alpha``).
    t0 : int
        Offset of the linear schedule; the default 1 is Zou et al.'s ``1/(w (t+1))``. A larger
        ``t0`` caps the first steps at ``1/(w t0)`` (a documented deviation, for small ``w``).
    radius : float, optional
        ``R`` of the projection ball; ``None``: no projection.
    theta0 : array_like (d,), optional
        Default 0.
    seed : int, SeedSequence or Generator
        Draws, in order: the start state's uniform, the start action's, then ``(T, 2)``
        uniforms (next state, next action) per step.
    record_every : int, optional
        Trace spacing (default ``T // 100``, at least 1).

    Returns
    -------
    SARSAResult
    """
    P, R, g = _model(m)
    S, A = R.shape
    F = _sa_features(phi, S, A)
    mode, p = _operator(temperature, epsilon)
    T = _int(n_steps, "n_steps")
    _memory(24.0 * T, "the steps and the (T, 2) uniforms", "n_steps", n_steps)
    steps = _schedule(T, schedule, w, alpha, t0)
    rad = _radius(radius)
    th0 = _theta0(theta0, F.shape[2])
    every = max(1, T // 100) if record_every is None else _int(record_every, "record_every")
    rng = _rng(seed)
    s0, a0 = _start(m, F, th0, mode, p, rng)
    u = rng.random((T, 2))
    trace = np.zeros((T // every, F.shape[2]))
    theta, s, a = K.sarsa_run(np.ascontiguousarray(np.cumsum(P, axis=2)), R, g, F, th0, s0, a0,
                              steps, u, mode, p, rad, every, trace)
    return SARSAResult(theta, trace, every, steps, int(s), int(a))


def one_hot_features(S: int, A: int) -> np.ndarray:
    """The tabular features ``phi(s, a) = e_{s A + a}`` of shape ``(S, A, S A)``: linear SARSA
    with them is tabular SARSA, ``theta`` the Q-table flattened row-major."""
    S, A = _int(S, "S"), _int(A, "A")
    return np.eye(S * A).reshape(S, A, S * A)


def tabular_sarsa(m: TabularMDP, n_steps: int, **kwargs) -> SARSAResult:
    r"""Tabular SARSA: :func:`linear_sarsa` with :func:`one_hot_features`, i.e.

    .. math:: Q_{t+1}(s_t, a_t) = \Pi_R\big(Q_t(s_t, a_t) + \alpha_t (r(s_t, a_t)
              + \gamma Q_t(s_{t+1}, a_{t+1}) - Q_t(s_t, a_t))\big)

    (the projection acts on the whole table). Keyword arguments as :func:`linear_sarsa`;
    ``result.theta.reshape(S, A)`` is the Q-table."""
    if not isinstance(m, TabularMDP):
        raise E(f"m must be a TabularMDP, got {type(m).__name__}")
    return linear_sarsa(m, one_hot_features(m.n_states, m.n_actions), n_steps, **kwargs)
