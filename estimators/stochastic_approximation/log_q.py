r"""Log-mapped Q-learning (van Seijen, Fatemi, Tavakoli 2019), synchronous, with a generative
model.

Values are learned in a mapped space, ``f(x) = c ln(x + d) + k``, ``f^{-1}(y) = exp((y - k)/c) -
d``. The reward is split into its positive and negative parts, ``r = r^+ - r^-`` with ``r^+ =
max(r, 0)``, ``r^- = max(-r, 0)``, and each part has its own head ``Q~^+``, ``Q~^-`` (mapped
values); the regular-space estimate is ``Q = f^{-1}(Q~^+) - f^{-1}(Q~^-)``. At every step, for every
pair ``(s, a)`` with a fresh ``s' ~ P(s, a, .)``:

.. math::

   a' &= \arg\max_b \big(f^{-1}(\tilde Q^+(s', b)) - f^{-1}(\tilde Q^-(s', b))\big), \\
   U^\pm &= r^\pm(s, a) + \gamma f^{-1}(\tilde Q^\pm(s', a')), \\
   \hat U^\pm &= X^\pm + \beta_{reg,t} (U^\pm - X^\pm), \qquad
      X^\pm = f^{-1}(\tilde Q^\pm(s, a)), \\
   \tilde Q^\pm(s, a) &\leftarrow \tilde Q^\pm(s, a)
      + \beta_{log,t} \big(f(\hat U^\pm) - \tilde Q^\pm(s, a)\big).

The first move is made in the regular space (step ``beta_reg``), the second in the mapped space
(step ``beta_log``). To first order in ``beta_reg`` the pair is plain Q-learning with the step
``beta_reg beta_log``; van Seijen et al. prove convergence to ``Q*`` under standard conditions on
the two steps.

Defaults follow the authors' public code (microsoft/logrl, ``linear_experiments``): ``c = 1``,
``d = gamma^h`` with ``h = 200``, and ``k = -c ln(Q_init + d)`` so that the zero mapped value is the
regular value ``Q_init`` (here 0: both heads start at 0). Step schedules: ``"anneal"`` (the authors'
geometric decay ``beta_t = max(beta_0 rho^t, beta_final)`` from ``beta_0`` to ``beta_final`` over
``decay_steps`` steps, their values ``beta_reg: 1 -> 0.1``, ``beta_log: 1 -> 0.01``), or arrays
given by the caller.

References
----------
H. van Seijen, M. Fatemi, A. Tavakoli. Using a logarithmic mapping to enable lower discount
factors in reinforcement learning. NeurIPS 2019 (arXiv 1906.00572).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from rlcert.mdp import TabularMDP

from . import _log_q_kernels as K
from .methods import (StochasticApproximationArgumentError, _int, _memory, _model, _pos,
                      _real_array, _rng)

E = StochasticApproximationArgumentError


@dataclass(frozen=True)
class LogQResult:
    """``Q`` (regular-space estimate ``f^{-1}(Q~^+) - f^{-1}(Q~^-)``), the heads ``Q_plus``,
    ``Q_minus`` (mapped values), ``trace`` (``Q`` every ``record_every`` steps), the steps
    ``beta_reg``, ``beta_log`` and the mapping's ``(c, d, k)``."""

    Q: np.ndarray
    Q_plus: np.ndarray
    Q_minus: np.ndarray
    trace: np.ndarray
    record_every: int
    beta_reg: np.ndarray
    beta_log: np.ndarray
    mapping: tuple[float, float, float]


def anneal(n_steps: int, initial: float, final: float, decay_steps: int) -> np.ndarray:
    r"""``beta_t = max(initial rho^t, final)``, ``rho = (final/initial)^{1/(decay_steps - 1)}``,
    ``t = 0, ..., n_steps - 1``: a geometric decay from ``initial`` to ``final`` in
    ``decay_steps`` steps, then constant (the annealing of van Seijen et al.'s code)."""
    T = _int(n_steps, "n_steps")
    b0 = _pos(initial, "initial")
    b1 = _pos(final, "final")
    if b0 > 1 or b1 > b0:
        raise E(f"initial = {initial!r}, final = {final!r}: need 0 < final <= initial <= 1")
    D = _int(decay_steps, "decay_steps", 2)
    rho = (b1 / b0) ** (1.0 / (D - 1))
    return np.maximum(b0 * rho ** np.arange(T), b1)


def _steps(x, T: int, name: str) -> np.ndarray:
    if isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_)):
        v = float(x)
        if not (0 < v <= 1):
            raise E(f"{name} = {x!r} must be in (0, 1]")
        return np.full(T, v)
    try:
        a = _real_array(x, name)
    except E:
        raise E(f"{name} must be a float or {T} values in (0, 1], got {x!r}") from None
    if a.shape != (T,) or not np.all((a > 0) & (a <= 1)):
        raise E(f"{name} must be a float or {T} values in (0, 1], got shape {a.shape}")
    return a


def log_mapping(gamma: float, *, c: float = 1.0, h: float = 200.0,
                q_init: float = 0.0) -> tuple[float, float, float]:
    r"""``(c, d, k)`` of ``f(x) = c ln(x + d) + k`` with ``d = gamma^h`` and ``k = -c ln(q_init +
    d)`` (so ``f(q_init) = 0``), the choice of van Seijen et al.'s code."""
    if isinstance(gamma, (bool, np.bool_)) or not isinstance(gamma, numbers.Real) or \
            not (0 < gamma < 1):
        raise E(f"gamma = {gamma!r} must be in (0, 1)")
    c, h = _pos(c, "c"), _pos(h, "h")
    d = float(gamma) ** h
    if d <= 0.0:
        raise E(f"h = {h!r}: gamma^h = {gamma}^{h} underflows to 0; take a smaller h")
    if isinstance(q_init, (bool, np.bool_)) or not isinstance(q_init, numbers.Real) or \
            not (q_init >= 0 and math.isfinite(q_init)):
        raise E(f"q_init = {q_init!r} must be a finite number >= 0")
    return c, d, -c * math.log(q_init + d)


def log_q_learning(m: TabularMDP, n_steps: int, *, beta_reg=None, beta_log=None,
                   decay_steps: int | None = None, c: float = 1.0, h: float = 200.0, seed=0,
                   record_every: int | None = None) -> LogQResult:
    r"""Synchronous log Q-learning (the update in the module docstring); both heads start at the
    mapped zero, i.e. ``Q_0 = 0``.

    Parameters
    ----------
    m : TabularMDP
        Discounted, ``0 < gamma < 1``; expected rewards ``R(s, a)`` of either sign.
    n_steps : int
        ``T``, the number of synchronous steps (each samples one next state per pair).
    beta_reg, beta_log : float or array of ``T`` values in ``(0, 1]``, optional
        The regular- and mapped-space steps. Default: the authors' annealing (:func:`anneal`)
        ``1 -> 0.1`` and ``1 -> 0.01`` over ``decay_steps`` steps.
    decay_steps : int, optional
        For the default schedules (default ``T // 2``, at least 2).
    c, h : float
        The mapping's scale and ``d = gamma^h`` (:func:`log_mapping`).
    seed : int, SeedSequence or Generator
        The ``(T, S, A)`` uniforms are drawn exactly as by
        :func:`~.methods.q_learning_sync`: the same seed gives the same next states.
    record_every : int, optional
        Trace spacing (default ``T // 100``, at least 1).
    """
    P, R, g = _model(m)
    if g <= 0:
        raise E(f"m.gamma = {g!r}: the log mapping needs gamma > 0")
    T = _int(n_steps, "n_steps")
    _memory(8.0 * T * (2 + R.size), "the two step schedules and the (T, S, A) uniforms",
            "n_steps", n_steps)
    D = max(2, T // 2) if decay_steps is None else _int(decay_steps, "decay_steps", 2)
    if decay_steps is not None and beta_reg is not None and beta_log is not None:
        raise E("decay_steps is only used by the default schedules; both steps were given")
    br = anneal(T, 1.0, 0.1, D) if beta_reg is None else _steps(beta_reg, T, "beta_reg")
    bl = anneal(T, 1.0, 0.01, D) if beta_log is None else _steps(beta_log, T, "beta_log")
    cc, d, k = log_mapping(g, c=c, h=h)
    every = max(1, T // 100) if record_every is None else _int(record_every, "record_every")
    rng = _rng(seed)
    u = rng.random((T,) + R.shape)
    Rp, Rm = np.maximum(R, 0.0), np.maximum(-R, 0.0)
    zero = np.zeros(R.shape)  # f(0) = 0 by the choice of k
    trace = np.zeros((T // every,) + R.shape)
    Lp, Lm = K.sync_log_q_run(np.ascontiguousarray(np.cumsum(P, axis=2)), Rp, Rm, g, cc, d, k,
                              zero, zero, br, bl, u, every, trace)
    Q = np.exp((Lp - k) / cc) - np.exp((Lm - k) / cc)
    return LogQResult(Q, Lp, Lm, trace, every, br, bl, (cc, d, k))
