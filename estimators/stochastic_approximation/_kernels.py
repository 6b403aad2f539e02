"""Compiled loops of the stochastic-approximation methods (see :mod:`.methods`)."""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def _draw(cdf_row, u):
    """Index of the first entry of the cumulative row ``cdf_row`` exceeding ``u``."""
    n = cdf_row.shape[0]
    for j in range(n):
        if u < cdf_row[j]:
            return j
    return n - 1


@njit(cache=True)
def td0_run(P_cdf, r, gamma, phi, stat_cdf, theta0, steps, markov, s0, uniforms, record_every,
            avg_start, trace, trace_avg):
    """TD(0) with linear features; ``steps[t]`` is ``alpha_t``. i.i.d. model (``markov = False``):
    ``s_t ~ stationary``, ``s'_t ~ P(s_t, .)``; Markov model: ``s_{t+1} = s'_t``. Returns
    ``(theta_T, theta_bar_T)``, the average over iterates ``t >= avg_start``; ``trace`` rows hold
    ``theta_t`` every ``record_every`` steps."""
    T = steps.shape[0]
    d = theta0.shape[0]
    theta = theta0.copy()
    avg = np.zeros(d)
    n_avg = 0
    s = s0
    k = 0
    for t in range(T):
        if not markov:
            s = _draw(stat_cdf, uniforms[t, 0])
        s2 = _draw(P_cdf[s], uniforms[t, 1])
        v = 0.0
        v2 = 0.0
        for i in range(d):
            v += phi[s, i] * theta[i]
            v2 += phi[s2, i] * theta[i]
        delta = r[s] + gamma * v2 - v
        for i in range(d):
            theta[i] += steps[t] * delta * phi[s, i]
        if t + 1 >= avg_start:
            n_avg += 1
            for i in range(d):
                avg[i] += (theta[i] - avg[i]) / n_avg
        if (t + 1) % record_every == 0 and k < trace.shape[0]:
            trace[k] = theta
            trace_avg[k] = avg
            k += 1
        s = s2
    return theta, avg


@njit(cache=True)
def sync_q_run(P_cdf, R, gamma, Q0, steps, uniforms, record_every, trace):
    """Synchronous Q-learning with a generative model: every step draws ``s' ~ P(s, a, .)`` for
    every pair and sets ``Q(s, a) <- (1 - alpha_t) Q(s, a) + alpha_t (r(s, a) + gamma max
    Q(s'))``."""
    S, A = R.shape
    T = steps.shape[0]
    Q = Q0.copy()
    Qn = np.empty((S, A))
    V = np.empty(S)
    k = 0
    for t in range(T):
        for s in range(S):
            m = Q[s, 0]
            for a in range(1, A):
                if Q[s, a] > m:
                    m = Q[s, a]
            V[s] = m
        for s in range(S):
            for a in range(A):
                s2 = _draw(P_cdf[s, a], uniforms[t, s, a])
                Qn[s, a] = (1.0 - steps[t]) * Q[s, a] + steps[t] * (R[s, a] + gamma * V[s2])
        Q[:, :] = Qn
        if (t + 1) % record_every == 0 and k < trace.shape[0]:
            trace[k] = Q
            k += 1
    return Q
