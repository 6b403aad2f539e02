"""Exact rational arithmetic for small MDPs: an oracle independent of the code under test.

Every float64 entry is converted to the rational it represents exactly (``Fraction(float)``), so
the values computed here are the exact values of the MDP the floats describe.
"""

from __future__ import annotations

from fractions import Fraction
from itertools import product

from rlcert.proofs_checks.exact import (optimal_value, policy_value, solve_linear,  # noqa: F401
                                        to_fractions)


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
