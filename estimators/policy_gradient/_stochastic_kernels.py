r"""Compiled inner loops of the stochastic policy-gradient methods (tabular softmax, sampled
truncated trajectories). See :mod:`.stochastic` for the equations.

Trajectories: ``s_0 ~ mu``, ``a_h ~ pi_theta(.|s_h)``, ``s_{h+1} ~ P(.|s_h, a_h)``, ``h < H``;
sampling by inverse CDF on numba's generator, seeded once per run.

* :func:`gpomdp` — ``g = sum_h gamma^h r_h sum_{k<=h} grad log pi(a_k|s_k)``, computed as
  ``sum_k grad log pi(a_k|s_k) G_k`` with ``G_k = sum_{h>=k} gamma^h r_h``; for softmax
  ``grad_{theta(s, .)} log pi(a|s) = e_a - pi(.|s)``.
* :func:`hvp` — ``v = sum_h gamma^h r_h [Phi_h <Phi_h, u> + sum_{k<=h} grad^2 log pi_k u]``,
  ``Phi_h = sum_{k<=h} grad log pi_k``; ``grad^2_{theta(s,.)} log pi(a|s) = -(diag pi_s - pi_s
  pi_s^T)``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from ._kernels import softmax_rows


@njit(cache=True)
def seed_numba(seed):
    np.random.seed(seed)


@njit(cache=True)
def uniform():
    """One U(0, 1) draw from numba's generator (the stream :func:`run` uses)."""
    return np.random.random()


@njit(cache=True)
def _draw(cdf_row):
    u = np.random.random()
    n = cdf_row.shape[0]
    for i in range(n - 1):
        if u < cdf_row[i]:
            return i
    return n - 1


@njit(cache=True)
def _trajectory(Pcum, R, mu_cum, theta, H):
    """``(pi, states, actions, rewards)``: the softmax policy of ``theta`` and one ``H``-step
    trajectory of it from ``s_0 ~ mu``."""
    S, A = R.shape
    pi = np.empty((S, A))
    softmax_rows(theta, pi)
    states = np.empty(H, np.int64)
    actions = np.empty(H, np.int64)
    rewards = np.empty(H)
    s = _draw(mu_cum)
    pic = np.empty(A)
    for h in range(H):
        c = 0.0
        for a in range(A):
            c += pi[s, a]
            pic[a] = c
        a = _draw(pic)
        states[h] = s
        actions[h] = a
        rewards[h] = R[s, a]
        s = _draw(Pcum[s, a])
    return pi, states, actions, rewards


@njit(cache=True)
def _discounts(gamma, H):
    w = np.empty(H)
    x = 1.0
    for h in range(H):
        w[h] = x
        x *= gamma
    return w


@njit(cache=True)
def gpomdp(Pcum, R, gamma, mu_cum, theta, H, g):
    """One-trajectory GPOMDP estimate of ``grad J_H(theta)`` into ``g`` (overwritten)."""
    S, A = R.shape
    pi, st, ac, rw = _trajectory(Pcum, R, mu_cum, theta, H)
    w = _discounts(gamma, H)
    g[:] = 0.0
    G = 0.0
    for k in range(H - 1, -1, -1):
        G += w[k] * rw[k]
        s = st[k]
        for a in range(A):
            g[s, a] -= G * pi[s, a]
        g[s, ac[k]] += G


@njit(cache=True)
def hvp(Pcum, R, gamma, mu_cum, theta, u, H, v):
    """One-trajectory estimate of ``grad^2 J_H(theta) u`` into ``v`` (overwritten)."""
    S, A = R.shape
    pi, st, ac, rw = _trajectory(Pcum, R, mu_cum, theta, H)
    w = _discounts(gamma, H)
    # c_h = <Phi_h, u>, Phi_h = sum_{k<=h} (e_{a_k} - pi_{s_k}) in block s_k
    c = np.empty(H)
    acc = 0.0
    for k in range(H):
        s = st[k]
        pu = 0.0
        for a in range(A):
            pu += pi[s, a] * u[s, a]
        acc += u[s, ac[k]] - pu
        c[k] = acc
    v[:] = 0.0
    G = 0.0
    W = 0.0
    for k in range(H - 1, -1, -1):
        G += w[k] * rw[k]
        W += w[k] * rw[k] * c[k]
        s = st[k]
        pu = 0.0
        for a in range(A):
            pu += pi[s, a] * u[s, a]
        for a in range(A):
            v[s, a] += -W * pi[s, a] - G * (pi[s, a] * u[s, a] - pi[s, a] * pu)
        v[s, ac[k]] += W


@njit(cache=True)
def run(Pcum, R, gamma, mu_cum, theta0, n_iter, H, mode, step0, step_exp, mom_exp, normalize,
        checkpoints, out):
    """``n_iter`` iterations of N-PG-IGT (``mode = 0``) or (N)-HARPG (``mode = 1``) from
    ``theta0``; ``out[j]`` receives ``theta_t`` at ``t = checkpoints[j]`` (sorted). Returns the
    final logits. Schedules: ``eta_t = (2/(t+2))^mom_exp``, ``gamma_t = step0 (2/(t+2))^step_exp``.
    """
    S, A = R.shape
    theta = theta0.copy()
    prev = theta0.copy()
    d = np.zeros((S, A))
    g = np.empty((S, A))
    v = np.empty((S, A))
    x = np.empty((S, A))
    u = np.empty((S, A))
    j = 0
    nc = checkpoints.shape[0]
    while j < nc and checkpoints[j] == 0:
        out[j] = theta
        j += 1
    for t in range(n_iter):
        eta = (2.0 / (t + 2.0)) ** mom_exp
        step = step0 * (2.0 / (t + 2.0)) ** step_exp
        if mode == 0:
            # implicit gradient transport: the gradient is sampled at the extrapolated point
            k = (1.0 - eta) / eta
            for s in range(S):
                for a in range(A):
                    x[s, a] = theta[s, a] + k * (theta[s, a] - prev[s, a])
            gpomdp(Pcum, R, gamma, mu_cum, x, H, g)
            for s in range(S):
                for a in range(A):
                    d[s, a] = (1.0 - eta) * d[s, a] + eta * g[s, a]
        else:
            gpomdp(Pcum, R, gamma, mu_cum, theta, H, g)
            if t > 0 and eta < 1.0:
                q = np.random.random()
                for s in range(S):
                    for a in range(A):
                        u[s, a] = theta[s, a] - prev[s, a]
                        x[s, a] = q * theta[s, a] + (1.0 - q) * prev[s, a]
                hvp(Pcum, R, gamma, mu_cum, x, u, H, v)
                for s in range(S):
                    for a in range(A):
                        d[s, a] = (1.0 - eta) * (d[s, a] + v[s, a]) + eta * g[s, a]
            else:
                for s in range(S):
                    for a in range(A):
                        d[s, a] = (1.0 - eta) * d[s, a] + eta * g[s, a]
        nrm = 1.0
        if normalize:
            nrm = np.sqrt(np.sum(d * d))
        prev[:] = theta
        if nrm > 0.0:
            for s in range(S):
                for a in range(A):
                    theta[s, a] += step * d[s, a] / nrm
        while j < nc and checkpoints[j] == t + 1:
            out[j] = theta
            j += 1
    return theta
