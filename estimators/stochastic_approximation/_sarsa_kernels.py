"""Compiled loops of linear SARSA and FedSARSA (see :mod:`.sarsa` and :mod:`.federated`).

Every random number is drawn in Python by the caller's seeded Generator and passed in as
uniforms; a step consumes two: ``u0`` for the next state, ``u1`` for the next action.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._kernels import _draw

SOFTMAX = 0
EPS_GREEDY = 1


@njit(cache=True)
def policy_row(phi, theta, s, mode, param, out):
    """``out[a] = pi_theta(a | s)``: softmax of ``phi(s, a)^T theta / param`` (``mode`` 0) or
    ``param``-greedy in ``phi(s, .)^T theta`` with ties to the lowest action (``mode`` 1)."""
    A = phi.shape[1]
    d = phi.shape[2]
    for a in range(A):
        q = 0.0
        for i in range(d):
            q += phi[s, a, i] * theta[i]
        out[a] = q
    if mode == SOFTMAX:
        mx = out[0]
        for a in range(1, A):
            if out[a] > mx:
                mx = out[a]
        z = 0.0
        for a in range(A):
            out[a] = math.exp((out[a] - mx) / param)
            z += out[a]
        for a in range(A):
            out[a] /= z
    else:
        best = 0
        for a in range(1, A):
            if out[a] > out[best]:
                best = a
        for a in range(A):
            out[a] = param / A
        out[best] += 1.0 - param


@njit(cache=True)
def draw_from(prob, u):
    """Index of the first cumulative sum of ``prob`` exceeding ``u``."""
    c = 0.0
    n = prob.shape[0]
    for j in range(n):
        c += prob[j]
        if u < c:
            return j
    return n - 1


@njit(cache=True)
def sarsa_step(P_cdf, R, gamma, phi, theta, s, a, alpha, u0, u1, mode, param, radius, prob):
    """One SARSA step in place on ``theta``: ``s' ~ P(s, a, .)``, ``a' ~ pi_theta(. | s')``,
    ``theta <- Proj_radius(theta + alpha (r(s, a) + gamma q(s', a') - q(s, a)) phi(s, a))``;
    returns ``(s', a')``."""
    d = theta.shape[0]
    s2 = _draw(P_cdf[s, a], u0)
    policy_row(phi, theta, s2, mode, param, prob)
    a2 = draw_from(prob, u1)
    q = 0.0
    q2 = 0.0
    for i in range(d):
        q += phi[s, a, i] * theta[i]
        q2 += phi[s2, a2, i] * theta[i]
    delta = R[s, a] + gamma * q2 - q
    nrm = 0.0
    for i in range(d):
        theta[i] += alpha * delta * phi[s, a, i]
        nrm += theta[i] * theta[i]
    nrm = math.sqrt(nrm)
    if nrm > radius:
        for i in range(d):
            theta[i] *= radius / nrm
    return s2, a2


@njit(cache=True)
def sarsa_run(P_cdf, R, gamma, phi, theta0, s0, a0, steps, uniforms, mode, param, radius,
              record_every, trace):
    """Linear SARSA along one trajectory for ``steps.shape[0]`` steps; ``trace`` rows hold
    ``theta_t`` every ``record_every`` steps. Returns ``(theta_T, s_T, a_T)``."""
    theta = theta0.copy()
    prob = np.empty(phi.shape[1])
    s = s0
    a = a0
    k = 0
    for t in range(steps.shape[0]):
        s, a = sarsa_step(P_cdf, R, gamma, phi, theta, s, a, steps[t], uniforms[t, 0],
                          uniforms[t, 1], mode, param, radius, prob)
        if (t + 1) % record_every == 0 and k < trace.shape[0]:
            trace[k] = theta
            k += 1
    return theta, s, a


@njit(cache=True)
def fedsarsa_run(P_cdf, R, gamma, phi, theta0, s0, a0, steps, uniforms, mode, param, radius,
                 local_steps, n_rounds, trace):
    """FedSARSA: in each round every agent ``i`` starts from the server's ``theta``, runs
    ``local_steps`` SARSA steps on its own kernel ``P_cdf[i]`` and its own trajectory (which
    continues across rounds), and the server sets ``theta`` to the agents' average. ``steps``
    is indexed by the global local-step count ``t = round * K + k``; ``uniforms[i, t]`` are
    agent ``i``'s draws. ``trace[r]`` is the server's ``theta`` after round ``r``. Returns
    ``(theta, local)`` with ``local[i]`` agent ``i``'s parameter before the last average."""
    N = P_cdf.shape[0]
    d = theta0.shape[0]
    theta = theta0.copy()
    local = np.empty((N, d))
    s = s0.copy()
    a = a0.copy()
    prob = np.empty(phi.shape[1])
    for r in range(n_rounds):
        for i in range(N):
            for j in range(d):
                local[i, j] = theta[j]
            th = local[i]
            for kk in range(local_steps):
                t = r * local_steps + kk
                s[i], a[i] = sarsa_step(P_cdf[i], R, gamma, phi, th, s[i], a[i], steps[t],
                                        uniforms[i, t, 0], uniforms[i, t, 1], mode, param,
                                        radius, prob)
        for j in range(d):
            acc = 0.0
            for i in range(N):
                acc += local[i, j]
            theta[j] = acc / N
        trace[r] = theta
    return theta, local
