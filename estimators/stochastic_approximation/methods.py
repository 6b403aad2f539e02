r"""Stochastic approximation for policy evaluation and control on tabular discounted MDPs.

* :func:`td0_linear` — TD(0) with linear features ``V_theta(s) = phi(s)^T theta`` for a fixed
  policy (Bhandari, Russo, Singal 2018):

  .. math:: \theta_{t+1} = \theta_t + \alpha_t \big(r(s_t) + \gamma \phi(s'_t)^\top \theta_t
            - \phi(s_t)^\top \theta_t\big) \phi(s_t),

  under the i.i.d. observation model (``s_t ~ D``, the stationary distribution of ``P_pi``,
  ``s'_t ~ P_pi(s_t, .)``) or along one Markov trajectory. The limit is the TD fixed point
  ``theta*`` solving ``Phi^T D (Phi - gamma P_pi Phi) theta* = Phi^T D r_pi``
  (:func:`td_fixed_point`). Step schedules: ``"constant"`` (``alpha_t = alpha``) and ``"sqrt"``
  (``alpha_t = 1 / sqrt(T)`` with iterate averaging, the schedule of their Theorem 2(a), for which
  ``E ||V_{theta*} - V_{theta_bar_T}||_D^2 = O(1 / sqrt(T))``).
* :func:`q_learning_sync` — synchronous Q-learning with a generative model (one fresh next state
  per pair and step), ``Q_{t+1}(s, a) = (1 - alpha_t) Q_t(s, a) + alpha_t (r(s, a) + gamma
  max_b Q_t(s', b))``, rescaled linear step ``alpha_t = 1 / (1 + (1 - gamma)(t + 1))`` by default
  (Wainwright 2019; Li, Cai, Chen, Wei, Chi 2021, "Is Q-learning minimax optimal?"): ``||Q_T -
  Q*||_inf = O~(1 / sqrt((1-gamma)^4 T))`` up to constants and logarithms.

References
----------
J. Bhandari, D. Russo, R. Singal. A finite time analysis of temporal difference learning with
linear function approximation. COLT 2018.
G. Li, C. Cai, Y. Chen, Y. Wei, Y. Chi. Is Q-learning minimax optimal? A tight sample complexity
analysis. Operations Research 72(1), 2024 (arXiv 2102.06548).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from rlcert.mdp import TabularMDP
from rlcert.mdp.policies import policy_weights

from ..base import check_memory
from . import _kernels as K


class StochasticApproximationArgumentError(ValueError):
    """An argument of a stochastic-approximation method is out of its range; the message names
    it and the bad value."""


E = StochasticApproximationArgumentError


def _model(m) -> tuple[np.ndarray, np.ndarray, float]:
    if not isinstance(m, TabularMDP):
        raise E(f"m must be a TabularMDP, got {type(m).__name__}")
    if m.gamma is None or not (0.0 <= m.gamma < 1.0):
        raise E(f"m.gamma = {m.gamma!r}: these methods need a discount 0 <= gamma < 1")
    return m.dense_P(), np.asarray(m.R, dtype=float), float(m.gamma)


def _int(x, name: str, minimum: int = 1) -> int:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral) or x < minimum:
        raise E(f"{name} = {x!r} must be an integer >= {minimum}")
    return int(x)


def _pos(x, name: str) -> float:
    if (isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real)
            or not np.isfinite(x)  # type: ignore[call-overload]  # numpy stubs omit numbers.Real
            or x <= 0):
        raise E(f"{name} = {x!r} must be a positive finite number")
    return float(x)


def _rng(seed):
    if isinstance(seed, (np.random.Generator,)):
        return seed
    if seed is None or isinstance(seed, (bool, np.bool_)) or not isinstance(
            seed, (numbers.Integral, np.random.SeedSequence)) or \
            (isinstance(seed, numbers.Integral) and seed < 0):
        raise E(f"seed = {seed!r} must be an integer >= 0, a SeedSequence or a Generator")
    return np.random.default_rng(seed)


def _real_array(x, name: str) -> np.ndarray:
    """``x`` as a float64 array; booleans, complex numbers, strings and objects are refused
    (never cast), naming ``name``."""
    try:
        raw = np.asarray(x)
        if raw.dtype.kind not in "fiu":
            raise TypeError
        return np.array(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise E(f"{name} must be a real array, got {x!r}") from None


def _memory(n_bytes: float, what: str, name: str, value) -> None:
    """Refuse up front a run whose arrays cannot fit in memory, naming the argument."""
    check_memory(n_bytes, what, name, value, E)


def _chain(m: TabularMDP, pi) -> tuple[np.ndarray, np.ndarray]:
    P, R, _ = _model(m)
    try:
        W = policy_weights(pi, m.n_states, m.n_actions)
    except ValueError as e:
        raise E(f"pi: {e}") from None
    return np.einsum("sa,sat->st", W, P), np.einsum("sa,sa->s", W, R)


def stationary_distribution(P_pi: np.ndarray) -> np.ndarray:
    """The stationary distribution of an irreducible chain: the solution of ``D^T P = D^T``,
    ``sum D = 1`` (least squares on the stacked system). ``P_pi`` is a square real ``(S, S)``
    stochastic matrix (finite, non-negative, rows summing to 1 within ``1e-9``)."""
    P_pi = _real_array(P_pi, "P_pi")
    if P_pi.ndim != 2 or P_pi.shape[0] != P_pi.shape[1] or P_pi.shape[0] == 0:
        raise E(f"P_pi must be a square (S, S) matrix, got shape {P_pi.shape}")
    if not np.all(np.isfinite(P_pi)) or np.any(P_pi < 0) or \
            np.any(np.abs(P_pi.sum(axis=1) - 1.0) > 1e-9):
        raise E("P_pi must be stochastic: finite, non-negative entries and rows summing to 1")
    return _stationary(P_pi)


def _stationary(P_pi: np.ndarray) -> np.ndarray:
    """:func:`stationary_distribution` of a chain already validated (built from a model)."""
    S = P_pi.shape[0]
    M = np.vstack([P_pi.T - np.eye(S), np.ones((1, S))])
    b = np.zeros(S + 1)
    b[-1] = 1.0
    D = np.linalg.lstsq(M, b, rcond=None)[0]
    return np.maximum(D, 0.0) / np.maximum(D, 0.0).sum()


def _features(phi, S: int) -> np.ndarray:
    F = _real_array(phi, "phi")
    if F.ndim != 2 or F.shape[0] != S or F.shape[1] == 0:
        raise E(f"phi must have shape ({S}, d) with d >= 1, got {F.shape}")
    if not np.all(np.isfinite(F)):
        raise E("phi has a non-finite entry")
    if np.linalg.matrix_rank(F) < F.shape[1]:
        raise E(f"phi (shape {F.shape}) must have linearly independent columns")
    return np.ascontiguousarray(F)


def td_fixed_point(m: TabularMDP, pi, phi) -> tuple[np.ndarray, np.ndarray]:
    """``(theta*, D)``: the TD(0) fixed point ``Phi^T D (Phi - gamma P_pi Phi) theta* = Phi^T D
    r_pi`` and the stationary distribution ``D`` of ``P_pi`` (Tsitsiklis and Van Roy 1997)."""
    P_pi, r = _chain(m, pi)
    F = _features(phi, m.n_states)
    D = _stationary(P_pi)
    A = F.T @ (D[:, None] * (F - m.gamma * P_pi @ F))
    return np.linalg.solve(A, F.T @ (D * r)), D


@dataclass(frozen=True)
class TDResult:
    """``theta`` (last iterate), ``theta_avg`` (average of the iterates after ``avg_start``),
    ``trace`` / ``trace_avg`` (rows every ``record_every`` steps), ``steps`` (the ``alpha_t``)."""

    theta: np.ndarray
    theta_avg: np.ndarray
    trace: np.ndarray
    trace_avg: np.ndarray
    record_every: int
    steps: np.ndarray


def td0_linear(m: TabularMDP, pi, phi, n_steps: int, *, schedule: str = "sqrt",
               alpha: float | None = None, markov: bool = False, theta0=None, seed=0,
               record_every: int | None = None) -> TDResult:
    r"""TD(0) with linear features (see the module docstring).

    Parameters
    ----------
    m : TabularMDP
    pi : array_like, (S,) actions or (S, A) probabilities
        The evaluated policy; its chain should be irreducible (a unique stationary ``D``).
    phi : array_like (S, d)
        Features with linearly independent columns.
    n_steps : int
        ``T``, the number of updates.
    schedule : {"sqrt", "constant"}
        ``alpha_t = 1/sqrt(T)`` (averaging every iterate), or ``alpha_t = alpha``.
    alpha : float, optional
        The constant step (required for ``"constant"``).
    markov : bool
        One trajectory from a state drawn from ``D`` instead of i.i.d. draws.
    theta0 : array_like (d,), optional
        Default 0.
    seed : int, SeedSequence or Generator
    record_every : int, optional
        Trace spacing (default ``T // 100``, at least 1).
    """
    P_pi, r = _chain(m, pi)
    F = _features(phi, m.n_states)
    T = _int(n_steps, "n_steps")
    _memory(24.0 * T, "the steps and the (T, 2) uniforms", "n_steps", n_steps)
    if schedule not in ("sqrt", "constant"):
        raise E(f"schedule = {schedule!r} is not one of ['constant', 'sqrt']")
    if schedule == "constant":
        if alpha is None:
            raise E("alpha = None: the constant schedule needs a step size")
        steps = np.full(T, _pos(alpha, "alpha"))
    else:
        if alpha is not None:
            raise E(f"alpha = {alpha!r}: the sqrt schedule sets alpha_t = 1/sqrt(T) itself")
        steps = np.full(T, 1.0 / np.sqrt(T))
    if not isinstance(markov, (bool, np.bool_)):
        raise E(f"markov must be True or False, got {markov!r}")
    d = F.shape[1]
    th0 = np.zeros(d) if theta0 is None else _real_array(theta0, "theta0")
    if th0.shape != (d,) or not np.all(np.isfinite(th0)):
        raise E(f"theta0 must be a finite array of shape ({d},), got {theta0!r}")
    every = max(1, T // 100) if record_every is None else _int(record_every, "record_every")
    rng = _rng(seed)
    D = _stationary(P_pi)
    u = rng.random((T, 2))
    s0 = int(np.searchsorted(np.cumsum(D), rng.random(), side="right").clip(0, m.n_states - 1))
    n_rec = T // every
    trace, trace_avg = np.zeros((n_rec, d)), np.zeros((n_rec, d))
    theta, avg = K.td0_run(np.ascontiguousarray(np.cumsum(P_pi, axis=1)), r, m.gamma, F,
                           np.cumsum(D), th0, steps, bool(markov), s0, u, every, 1, trace,
                           trace_avg)
    return TDResult(theta, avg, trace, trace_avg, every, steps)


def q_learning_sync(m: TabularMDP, n_steps: int, *, steps=None, Q0=None, seed=0,
                    record_every: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    r"""Synchronous Q-learning with a generative model (see the module docstring).

    ``steps``: ``None`` (``alpha_t = 1/(1 + (1-gamma)(t+1))``), a float in ``(0, 1]`` (constant),
    or an array of ``n_steps`` values in ``(0, 1]``. Returns ``(Q_T, trace)`` with ``trace[k] =
    Q_{(k+1) record_every}``.
    """
    P, R, g = _model(m)
    T = _int(n_steps, "n_steps")
    _memory(8.0 * T * (1 + R.size), "the steps and the (T, S, A) uniforms", "n_steps", n_steps)
    if steps is None:
        a = 1.0 / (1.0 + (1.0 - g) * np.arange(1, T + 1))
    elif isinstance(steps, numbers.Real) and not isinstance(steps, bool):
        if not (0 < steps <= 1):  # type: ignore[operator]  # typeshed's numbers.Real lacks __gt__
            raise E(f"steps = {steps!r} must be in (0, 1]")
        a = np.full(T, float(steps))
    else:
        a = _real_array(steps, "steps")
        if a.shape != (T,) or not np.all((a > 0) & (a <= 1)):
            raise E(f"steps must be a float or {T} values in (0, 1], got shape {a.shape}")
    Qi = np.zeros(R.shape) if Q0 is None else _real_array(Q0, "Q0")
    if Qi.shape != R.shape or not np.all(np.isfinite(Qi)):
        raise E(f"Q0 must be a finite array of shape {R.shape}, got {Q0!r}")
    every = max(1, T // 100) if record_every is None else _int(record_every, "record_every")
    rng = _rng(seed)
    u = rng.random((T,) + R.shape)
    trace = np.zeros((T // every,) + R.shape)
    Q = K.sync_q_run(np.ascontiguousarray(np.cumsum(P, axis=2)), R, g, Qi, a, u, every, trace)
    return Q, trace
