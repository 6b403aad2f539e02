"""Exact rational oracles for small MDPs: an independent ground truth for the floating-point
solvers.

Every float64 entry is converted to the rational it represents exactly (``Fraction(float)``), so
these values are the exact values of the MDP the floats describe. Cost grows like ``S^3`` per
policy evaluation with big rationals: meant for ``S <= 10``.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np


def to_fractions(arr) -> np.ndarray:
    """Exact rationals of a float array (object dtype)."""
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
    """Exact ``(I - gamma P_pi)^{-1} r_pi`` for a deterministic policy (P, R dense floats)."""
    S = P.shape[0]
    Pf, Rf, g = to_fractions(P), to_fractions(R), Fraction(gamma)
    A = [[(1 if i == j else 0) - g * Pf[i, policy[i], j] for j in range(S)] for i in range(S)]
    b = [Rf[i, policy[i]] for i in range(S)]
    return solve_linear(A, b)


def optimal_value(P, R, gamma) -> list[Fraction]:
    """Exact V* by policy iteration in rational arithmetic (finite, no rounding)."""
    S, A = R.shape
    Pf, Rf, g = to_fractions(P), to_fractions(R), Fraction(gamma)
    pi = [0] * S
    while True:
        V = policy_value(P, R, gamma, pi)
        new = list(pi)
        for s in range(S):
            Q = [Rf[s, a] + g * sum(Pf[s, a, t] * V[t] for t in range(S)) for a in range(A)]
            best = max(range(A), key=lambda a: Q[a])
            if Q[best] > Q[pi[s]]:
                new[s] = best
        if new == pi:
            return V
        pi = new


def sup_distance(V, V_exact) -> Fraction | float:
    """``max_s |V[s] - V_exact[s]|`` computed exactly (``inf`` if ``V`` has a non-finite entry or
    the wrong length)."""
    V = [float(v) for v in V]
    if len(V) != len(V_exact) or not all(math.isfinite(v) for v in V):
        return math.inf
    return max(abs(Fraction(v) - w) for v, w in zip(V, V_exact))
