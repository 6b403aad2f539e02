"""Compiled loop of log-mapped synchronous Q-learning (see :mod:`.log_q`)."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._kernels import _draw


@njit(cache=True)
def log_map(x, c, d, k):
    """``f(x) = c ln(x + d) + k``."""
    return c * math.log(x + d) + k


@njit(cache=True)
def log_unmap(y, c, d, k):
    """``f^{-1}(y) = exp((y - k) / c) - d``."""
    return math.exp((y - k) / c) - d


@njit(cache=True)
def sync_log_q_run(P_cdf, Rp, Rm, gamma, c, d, k, Lp0, Lm0, beta_reg, beta_log, uniforms,
                   record_every, trace):
    """Synchronous log Q-learning: heads ``Lp``, ``Lm`` hold ``f(Q^+)``, ``f(Q^-)``; every step
    draws ``s' ~ P(s, a, .)`` for every pair, takes ``a' = argmax_b f^{-1}(Lp(s', b)) -
    f^{-1}(Lm(s', b))`` (ties to the lowest action), forms ``U^pm = r^pm + gamma f^{-1}(L^pm(s',
    a'))``, moves in the regular space ``U_hat = f^{-1}(L) + beta_reg (U - f^{-1}(L))`` and then
    in the mapped space ``L <- L + beta_log (f(U_hat) - L)``. ``trace[j]`` holds the regular
    ``Q = f^{-1}(Lp) - f^{-1}(Lm)`` every ``record_every`` steps. Returns ``(Lp, Lm)``."""
    S, A = Rp.shape
    T = beta_log.shape[0]
    Lp = Lp0.copy()
    Lm = Lm0.copy()
    Xp = np.empty((S, A))
    Xm = np.empty((S, A))
    best = np.empty(S, dtype=np.int64)
    j = 0
    for t in range(T):
        for s in range(S):
            b = 0
            for a in range(A):
                Xp[s, a] = log_unmap(Lp[s, a], c, d, k)
                Xm[s, a] = log_unmap(Lm[s, a], c, d, k)
                if Xp[s, a] - Xm[s, a] > Xp[s, b] - Xm[s, b]:
                    b = a
            best[s] = b
        for s in range(S):
            for a in range(A):
                s2 = _draw(P_cdf[s, a], uniforms[t, s, a])
                up = Rp[s, a] + gamma * Xp[s2, best[s2]]
                um = Rm[s, a] + gamma * Xm[s2, best[s2]]
                hp = Xp[s, a] + beta_reg[t] * (up - Xp[s, a])
                hm = Xm[s, a] + beta_reg[t] * (um - Xm[s, a])
                Lp[s, a] += beta_log[t] * (log_map(hp, c, d, k) - Lp[s, a])
                Lm[s, a] += beta_log[t] * (log_map(hm, c, d, k) - Lm[s, a])
        if (t + 1) % record_every == 0 and j < trace.shape[0]:
            for s in range(S):
                for a in range(A):
                    trace[j, s, a] = log_unmap(Lp[s, a], c, d, k) - log_unmap(Lm[s, a], c, d, k)
            j += 1
    return Lp, Lm
