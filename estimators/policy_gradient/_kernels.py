r"""Compiled inner loops of the exact-gradient policy-optimisation methods (dense ``P (S, A, S)``).

Every iterate is evaluated exactly: ``V^pi = (I - gamma P_pi)^{-1} r_pi``,
``Q^pi = r + gamma P V^pi`` and the normalised discounted state occupancy
``d_mu^pi = (1 - gamma) (I - gamma P_pi^T)^{-1} mu``. With entropy regularisation (``tau > 0``)
``r_pi(s)`` is replaced by ``sum_a pi(a|s) (r(s, a) - tau log pi(a|s))`` (Cen et al. 2022, Sec. 2).

Modes of :func:`run` (``theta`` are the softmax logits, ``pi_theta(a|s) ∝ exp theta(s, a)``):

* ``0`` softmax PG: ``theta <- theta + eta * g`` with the policy gradient theorem in the softmax
  parametrisation ``g(s, a) = d_mu^pi(s) pi(a|s) A^pi(s, a) / (1 - gamma)`` (Mei et al. 2020,
  Lemma 1; Agarwal et al. 2021, Lemma C.1);
* ``1`` NPG: ``theta <- theta + eta A^pi / (1 - gamma)`` (Agarwal et al. 2021, Lemma 15);
* ``2`` entropy-regularised NPG: ``theta <- (1 - eta tau / (1 - gamma)) theta + eta Q_tau^pi /
  (1 - gamma)``, i.e. ``pi' ∝ pi^{1 - eta tau/(1-gamma)} exp(eta Q_tau^pi / (1 - gamma))``
  (Cen et al. 2022, eq. (11)).
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True)
def softmax_rows(theta, pi):
    """``pi[s] = softmax(theta[s])``, max-shifted (no overflow)."""
    S, A = theta.shape
    for s in range(S):
        mx = theta[s, 0]
        for a in range(1, A):
            if theta[s, a] > mx:
                mx = theta[s, a]
        z = 0.0
        for a in range(A):
            pi[s, a] = np.exp(theta[s, a] - mx)
            z += pi[s, a]
        for a in range(A):
            pi[s, a] /= z


@njit(cache=True)
def evaluate(P, R, gamma, tau, pi, mu, V, Q, d):
    """Exact (regularised when ``tau > 0``) ``V``, ``Q`` and the state occupancy ``d`` of ``pi``."""
    S, A = R.shape
    M = np.eye(S)
    r = np.zeros(S)
    for s in range(S):
        for a in range(A):
            p = pi[s, a]
            if p > 0.0:
                r[s] += p * R[s, a]
                if tau > 0.0:
                    r[s] -= tau * p * np.log(p)
                for s2 in range(S):
                    M[s, s2] -= gamma * p * P[s, a, s2]
    V[:] = np.linalg.solve(M, r)
    dd = np.linalg.solve(np.ascontiguousarray(M.T), (1.0 - gamma) * mu)
    d[:] = dd
    for s in range(S):
        for a in range(A):
            q = R[s, a]
            for s2 in range(S):
                q += gamma * P[s, a, s2] * V[s2]
            Q[s, a] = q


@njit(cache=True)
def gradient(gamma, pi, V, Q, d, g):
    """``g(s, a) = d(s) pi(a|s) (Q(s, a) - V(s)) / (1 - gamma)`` (unregularised softmax PG)."""
    S, A = pi.shape
    for s in range(S):
        for a in range(A):
            g[s, a] = d[s] * pi[s, a] * (Q[s, a] - V[s]) / (1.0 - gamma)


@njit(cache=True)
def run(P, R, gamma, mu, theta0, eta, tau, n_iter, mode, values, qs, pis, occ, grad_norm):
    """``n_iter`` updates from ``theta0``; slot ``t`` of every output holds iterate ``t``
    (``t = 0..n_iter``, so ``n_iter + 1`` evaluations). Returns the final logits."""
    S, A = R.shape
    theta = theta0.copy()
    pi = np.empty((S, A))
    V = np.empty(S)
    Q = np.empty((S, A))
    d = np.empty(S)
    g = np.empty((S, A))
    for t in range(n_iter + 1):
        softmax_rows(theta, pi)
        evaluate(P, R, gamma, tau if mode == 2 else 0.0, pi, mu, V, Q, d)
        values[t] = V
        qs[t] = Q
        pis[t] = pi
        occ[t] = d
        gradient(gamma, pi, V, Q, d, g)
        grad_norm[t] = np.sqrt(np.sum(g * g))
        if t == n_iter:
            break
        if mode == 0:
            for s in range(S):
                for a in range(A):
                    theta[s, a] += eta * g[s, a]
        elif mode == 1:
            for s in range(S):
                for a in range(A):
                    theta[s, a] += eta * (Q[s, a] - V[s]) / (1.0 - gamma)
        else:
            keep = 1.0 - eta * tau / (1.0 - gamma)
            for s in range(S):
                for a in range(A):
                    theta[s, a] = keep * theta[s, a] + eta * Q[s, a] / (1.0 - gamma)
        # the logits are shift-invariant per state: re-centre so that they stay bounded
        for s in range(S):
            mx = theta[s, 0]
            for a in range(1, A):
                if theta[s, a] > mx:
                    mx = theta[s, a]
            for a in range(A):
                theta[s, a] -= mx
    return theta


@njit(cache=True)
def soft_value_iteration(P, R, gamma, tau, tol, max_iter, V):
    """Soft Bellman iteration ``V(s) <- tau log sum_a exp(Q(s, a) / tau)``, ``Q = r + gamma P V``
    from ``V``, until ``gamma ||V_{k+1} - V_k||_inf / (1 - gamma) <= tol`` (a bound on the
    distance to the fixed point ``V*_tau``). Returns ``(iterations, error bound)``."""
    S, A = R.shape
    Q = np.empty((S, A))
    Vn = np.empty(S)
    bound = np.inf
    for k in range(max_iter):
        for s in range(S):
            mx = -np.inf
            for a in range(A):
                q = R[s, a]
                for s2 in range(S):
                    q += gamma * P[s, a, s2] * V[s2]
                Q[s, a] = q
                if q > mx:
                    mx = q
            z = 0.0
            for a in range(A):
                z += np.exp((Q[s, a] - mx) / tau)
            Vn[s] = mx + tau * np.log(z)
        diff = np.max(np.abs(Vn - V))
        V[:] = Vn
        bound = gamma * diff / (1.0 - gamma)
        if bound <= tol:
            return k + 1, bound
    return max_iter, bound
