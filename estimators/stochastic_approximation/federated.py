r"""FedSARSA: federated linear SARSA over heterogeneous environments (Zhang, Wang, Mitra, Anderson
2024).

``N`` agents share the state and action sets, the rewards ``R``, the discount ``gamma`` and the
features ``phi (S, A, d)``; agent ``i`` has its own transition kernel ``P_i``. Each agent follows
its own trajectory (continued across rounds) with the behaviour policy ``pi_theta`` of a
Lipschitz policy-improvement operator (:mod:`.sarsa`). In round ``r`` every agent starts from the
server's parameter ``theta^r`` and runs ``K`` local SARSA steps (local step count ``t = r K + k``)

.. math:: \theta_i^{t+1} = \Pi_R\big(\theta_i^t + \alpha_t (r(s_i^t, a_i^t)
          + \gamma \phi(s_i^{t+1}, a_i^{t+1})^\top \theta_i^t
          - \phi(s_i^t, a_i^t)^\top \theta_i^t) \phi(s_i^t, a_i^t)\big),
          \qquad a_i^{t+1} \sim \pi_{\theta_i^t}(\cdot \mid s_i^{t+1}),

then the server averages, ``theta^{r+1} = (1/N) sum_i theta_i^{(r+1) K}``. The limit solves the
federated mean-path equation ``(1/N) sum_i g_i(theta) = 0`` (:func:`fedsarsa_fixed_point`, ``g_i``
agent ``i``'s field of :func:`~.sarsa.mean_path`). Zhang et al. bound ``E ||theta - theta*||^2``
by a term that falls like ``1/(N T)`` in the number of agents ``N`` and local steps ``T`` (a
linear speed-up) plus a heterogeneity term that grows with the distance between the kernels.

:func:`heterogeneous_kernels` builds the family ``P_i = (1 - eps) P + eps Q_i`` used to vary the
heterogeneity; :func:`max_tv_distance` measures it.

References
----------
C. Zhang, H. Wang, A. Mitra, J. Anderson. Finite-time analysis of on-policy heterogeneous
federated reinforcement learning. ICLR 2024 (arXiv 2401.15273).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from rlcert.mdp import TabularMDP

from . import _sarsa_kernels as K
from .methods import (StochasticApproximationArgumentError, _int, _memory, _model, _pos,
                      _real_array, _rng)
from .sarsa import _operator, _radius, _sa_features, _schedule, _start, _theta0, mean_path

E = StochasticApproximationArgumentError


@dataclass(frozen=True)
class FedSARSAResult:
    """``theta`` (the server's parameter after the last round), ``local`` (each agent's
    parameter before the last average, ``(N, d)``), ``trace`` (the server's parameter after each
    round, ``(n_rounds, d)``), ``steps`` (the ``alpha_t`` of the ``n_rounds K`` local steps)."""

    theta: np.ndarray
    local: np.ndarray
    trace: np.ndarray
    steps: np.ndarray


def _agents(mdps) -> tuple[np.ndarray, np.ndarray, float]:
    if isinstance(mdps, TabularMDP) or not isinstance(mdps, Sequence) or len(mdps) == 0:
        raise E(f"mdps must be a non-empty sequence of TabularMDP, got {type(mdps).__name__}")
    Ps = []
    for i, m in enumerate(mdps):
        if not isinstance(m, TabularMDP):
            raise E(f"mdps[{i}] must be a TabularMDP, got {type(m).__name__}")
        P, R, g = _model(m)
        if i == 0:
            R0, g0 = R, g
        elif R.shape != R0.shape:
            raise E(f"mdps[{i}] has {R.shape[0]} states and {R.shape[1]} actions, mdps[0] "
                    f"{R0.shape[0]} and {R0.shape[1]}: the agents must share S and A")
        elif not np.array_equal(R, R0):
            raise E(f"mdps[{i}].R differs from mdps[0].R: the agents share the rewards")
        elif g != g0:
            raise E(f"mdps[{i}].gamma = {g} differs from mdps[0].gamma = {g0}")
        Ps.append(P)
    return np.ascontiguousarray(np.stack(Ps)), R0, g0


def fedsarsa(mdps: Sequence[TabularMDP], phi, n_rounds: int, local_steps: int, *,
             temperature: float | None = None, epsilon: float | None = None,
             schedule: str = "linear", w: float | None = None, alpha: float | None = None,
             t0: int = 1, radius: float | None = None, theta0=None, seed=0) -> FedSARSAResult:
    r"""FedSARSA (the update in the module docstring).

    Parameters
    ----------
    mdps : sequence of TabularMDP
        One model per agent: the same ``S``, ``A``, ``R`` and ``gamma``; kernels may differ.
        Agent ``i`` starts at ``s_i^0 ~ mdps[i].initial``, ``a_i^0 ~ pi_{theta_0}(. | s_i^0)``.
    phi : array_like (S, A, d)
        Shared features with linearly independent columns.
    n_rounds : int
        Communication rounds; each agent takes ``T = n_rounds * local_steps`` steps in all.
    local_steps : int
        ``K``, local steps between two averages (``K = 1``: average after every step).
    temperature, epsilon : float
        The policy-improvement operator (exactly one; see :func:`~.sarsa.linear_sarsa`).
    schedule, w, alpha, t0 :
        ``alpha_t = 1/(w (t + t0))`` or ``alpha_t = alpha`` in the local step count ``t``.
    radius : float, optional
        Projection radius ``R`` (``None``: no projection).
    theta0 : array_like (d,), optional
        The server's first parameter (default 0).
    seed : int, SeedSequence or Generator
        One Generator; agent ``i``'s draws are independent streams spawned from it (start state,
        start action, then ``(T, 2)`` uniforms per agent).
    """
    P, R, g = _agents(mdps)
    N, S, A = P.shape[0], R.shape[0], R.shape[1]
    F = _sa_features(phi, S, A)
    mode, p = _operator(temperature, epsilon)
    n_rounds = _int(n_rounds, "n_rounds")
    Kl = _int(local_steps, "local_steps")
    T = n_rounds * Kl
    _memory(8.0 * T * (1 + 2 * N), "the steps and each agent's (T, 2) uniforms, T = n_rounds * "
            "local_steps", "n_rounds", n_rounds)
    steps = _schedule(T, schedule, w, alpha, t0)
    rad = _radius(radius)
    th0 = _theta0(theta0, F.shape[2])
    rng = _rng(seed)
    streams = rng.spawn(N)
    s0 = np.empty(N, dtype=np.int64)
    a0 = np.empty(N, dtype=np.int64)
    u = np.empty((N, T, 2))
    for i, ri in enumerate(streams):
        s0[i], a0[i] = _start(mdps[i], F, th0, mode, p, ri)
        u[i] = ri.random((T, 2))
    trace = np.zeros((n_rounds, F.shape[2]))
    theta, local = K.fedsarsa_run(np.ascontiguousarray(np.cumsum(P, axis=3)), R, g, F, th0, s0,
                                  a0, steps, u, mode, p, rad, Kl, n_rounds, trace)
    return FedSARSAResult(theta, local, trace, steps)


def fedsarsa_fixed_point(mdps: Sequence[TabularMDP], phi, *, temperature: float | None = None,
                         epsilon: float | None = None, tol: float = 1e-12,
                         max_iter: int = 10_000) -> np.ndarray:
    r"""The FedSARSA limit: ``sum_i (A_i(theta) theta + b_i(theta)) = 0`` (one
    :func:`~.sarsa.mean_path` per agent), by the iteration
    ``theta_{k+1} = -(sum_i A_i(theta_k))^{-1} sum_i b_i(theta_k)``. With one model, or identical
    kernels, it is the SARSA fixed point."""
    _agents(mdps)
    tol = _pos(tol, "tol")
    max_iter = _int(max_iter, "max_iter")
    F = _sa_features(phi, mdps[0].n_states, mdps[0].n_actions)
    th = np.zeros(F.shape[2])
    for _ in range(max_iter):
        parts = [mean_path(m, F, th, temperature=temperature, epsilon=epsilon) for m in mdps]
        new = np.linalg.solve(sum(a for a, _, _ in parts), -sum(b for _, b, _ in parts))
        if np.max(np.abs(new - th)) <= tol:
            return new
        th = new
    raise E(f"max_iter = {max_iter}: the fixed-point iteration did not converge to tol = {tol}")


def heterogeneous_kernels(P, n_agents: int, eps: float, seed=0,
                          concentration: float = 1.0) -> np.ndarray:
    r"""``P_i = (1 - eps) P + eps Q_i`` for ``i < n_agents``, with ``Q_i(s, a, .) ~
    Dirichlet(concentration)`` drawn independently: kernels within total-variation distance
    ``eps`` of ``P`` and ``2 eps`` of each other (``eps = 0``: identical agents). Returns an
    array ``(n_agents, S, A, S)``."""
    P = _real_array(P, "P")
    if P.ndim != 3 or P.shape[0] != P.shape[2] or np.any(P < 0) or \
            not np.allclose(P.sum(axis=2), 1.0, atol=1e-12):
        raise E(f"P must be a stochastic array of shape (S, A, S), got shape {P.shape}")
    n = _int(n_agents, "n_agents")
    if isinstance(eps, (bool, np.bool_)) or not isinstance(eps, numbers.Real) or \
            not (0.0 <= eps <= 1.0):
        raise E(f"eps = {eps!r} must be a number in [0, 1]")
    conc = _pos(concentration, "concentration")
    S, A = P.shape[:2]
    _memory(16.0 * n * S * A * S, "the (n_agents, S, A, S) kernels", "n_agents", n_agents)
    rng = _rng(seed)
    Q = rng.dirichlet(np.full(S, conc), size=(n, S, A))
    out = (1.0 - eps) * P[None] + eps * Q
    return out / out.sum(axis=3, keepdims=True)


def max_tv_distance(kernels) -> float:
    r"""``max_{i, j, s, a} TV(P_i(s, a, .), P_j(s, a, .))``, ``TV = (1/2) ||.||_1``, over an array
    of kernels ``(N, S, A, S)`` (real, non-negative, rows summing to 1 within ``1e-9``): the
    heterogeneity level."""
    K_ = _real_array(kernels, "kernels")
    if K_.ndim != 4 or 0 in K_.shape:
        raise E(f"kernels must have shape (N, S, A, S), got {K_.shape}")
    if not np.all(np.isfinite(K_)) or np.any(K_ < 0) or \
            np.any(np.abs(K_.sum(axis=-1) - 1.0) > 1e-9):
        raise E("kernels must be stochastic: finite, non-negative entries and rows summing to 1")
    diff = np.abs(K_[:, None] - K_[None, :]).sum(axis=-1) / 2.0
    return float(diff.max())
