"""Exact rational arithmetic for small MDPs: an oracle independent of the code under test.

Every float64 entry is converted to the rational it represents exactly (``Fraction(float)``), so
the values computed here are the exact values of the MDP the floats describe.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import numpy as np


def to_fractions(arr) -> list:
    return np.vectorize(Fraction, otypes=[object])(np.asarray(arr, dtype=np.float64))


def solve_linear(A: list[list[Fraction]], b: list[Fraction]) -> list[Fraction]:
    """Gaussian elimination with exact rationals (A square, nonsingular)."""
    n = len(b)
    M = [list(A[i]) + [b[i]] for i in range(n)]
    for col in range(n):
        piv = next(r for r in range(col, n) if M[r][col] != 0)
        M[col], M[piv] = M[piv], M[col]
        inv = 1 / M[col][col]
        M[col] = [x * inv for x in M[col]]
        for r in range(n):
            if r != col and M[r][col] != 0:
                f = M[r][col]
                M[r] = [x - f * y for x, y in zip(M[r], M[col])]
    return [M[i][n] for i in range(n)]


def policy_value(P, R, gamma, policy) -> list[Fraction]:
    """Exact ``(I - gamma P_pi)^{-1} r_pi`` for a deterministic policy (P, R dense float arrays)."""
    S = P.shape[0]
    Pf, Rf, g = to_fractions(P), to_fractions(R), Fraction(gamma)
    A = [[(1 if i == j else 0) - g * Pf[i, policy[i], j] for j in range(S)] for i in range(S)]
    b = [Rf[i, policy[i]] for i in range(S)]
    return solve_linear(A, b)


def optimal_value(P, R, gamma) -> list[Fraction]:
    """Exact V* by policy iteration in rational arithmetic (terminates: finitely many policies,
    strict improvement, no rounding)."""
    S, A = R.shape
    Pf, Rf, g = to_fractions(P), to_fractions(R), Fraction(gamma)
    pi = [0] * S
    while True:
        V = policy_value(P, R, gamma, pi)
        Q = [[Rf[s, a] + g * sum(Pf[s, a, t] * V[t] for t in range(S)) for a in range(A)]
             for s in range(S)]
        new = list(pi)
        for s in range(S):
            best = max(range(A), key=lambda a: Q[s][a])
            if Q[s][best] > Q[s][pi[s]]:
                new[s] = best
        if new == pi:
            return V
        pi = new


def all_deterministic_policies(S: int, A: int):
    return product(range(A), repeat=S)


def ssp_policy_value(P, R, terminal, policy) -> list[Fraction]:
    """Exact total reward of a proper policy: ``V = 0`` on ``terminal``,
    ``(I - P_NN) V_N = r_N`` elsewhere."""
    S = P.shape[0]
    Pf, Rf = to_fractions(P), to_fractions(R)
    N = [s for s in range(S) if not terminal[s]]
    A = [[(1 if i == j else 0) - Pf[i, policy[i], j] for j in N] for i in N]
    b = [Rf[i, policy[i]] for i in N]
    sol = solve_linear(A, b) if N else []
    V = [Fraction(0)] * S
    for i, v in zip(N, sol):
        V[i] = v
    return V


def ssp_optimal_value(P, R, terminal, proper_policy) -> list[Fraction]:
    """Exact optimal total reward of a stochastic shortest path by rational policy iteration
    from a proper policy (improvement keeps policies proper when improper ones cost -inf)."""
    S, A = R.shape
    Pf, Rf = to_fractions(P), to_fractions(R)
    pi = list(proper_policy)
    while True:
        V = ssp_policy_value(P, R, terminal, pi)
        new = list(pi)
        for s in range(S):
            if terminal[s]:
                continue
            Q = [Rf[s, a] + sum(Pf[s, a, t] * V[t] for t in range(S)) for a in range(A)]
            best = max(range(A), key=lambda a: Q[a])
            if Q[best] > Q[pi[s]]:
                new[s] = best
        if new == pi:
            return V
        pi = new
