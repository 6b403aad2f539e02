r"""Compiled pieces of an interaction with a finite-horizon model, shared by the learners' compiled
loops and the verifier's harness (:mod:`rlcert.proofs_checks.harness`), so that both play and
measure with the same arithmetic.

* :func:`sample_categorical`: inverse transform of a uniform on a probability vector;
* :func:`episode_step`: one step of the environment (reward, next state) from two uniforms;
* :func:`deterministic_policy_value` and :func:`randomised_policy_value`: the exact value of a
  Markov policy in a finite-horizon model by backward induction,
  ``V[h](s) = sum_a pi_h(a|s) (r_h(s, a) + sum_s' P_h(s'|s, a) V[h+1](s'))``, ``V[H] = 0``,
  returned as ``initial . V[0]``.

Every function is ``njit``-compiled and callable from Python and from other compiled code.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .kernels import FASTMATH, row_dot, row_sample


@njit(cache=True)
def sample_categorical(p, u):
    """The first index ``j`` with ``p[0] + ... + p[j] > u`` (``u`` uniform in [0, 1)); when
    rounding leaves the total below ``u``, the last index with positive mass."""
    acc = 0.0
    last = 0
    for j in range(p.shape[0]):
        if p[j] > 0.0:
            acc += p[j]
            last = j
            if u < acc:
                return j
    return last


@njit(cache=True)
def episode_step(T, stage_stride, R, h, s, a, u_reward, u_next, bernoulli):
    """``(r, s')`` of taking ``a`` in ``s`` at stage ``h``: ``r = R[h, s, a]`` (or, with
    ``bernoulli``, ``1`` if ``u_reward < R[h, s, a]`` else ``0``) and ``s'`` drawn from row
    ``h * stage_stride + s * A + a`` of ``T`` by inverse transform of ``u_next``."""
    A = R.shape[2]
    r = R[h, s, a]
    if bernoulli:
        r = 1.0 if u_reward < r else 0.0
    return r, row_sample(T, h * stage_stride + s * A + a, u_next)


@njit(cache=True, fastmath=FASTMATH)
def deterministic_policy_value(T, stage_stride, R, pi, initial, V):
    """``initial . V[0]`` for the Markov policy ``pi[h, s]`` (int actions); fills ``V (H+1, S)``."""
    H, S, A = R.shape
    V[H, :] = 0.0
    for h in range(H - 1, -1, -1):
        off = h * stage_stride
        for s in range(S):
            a = pi[h, s]
            V[h, s] = R[h, s, a] + row_dot(T, off + s * A + a, V[h + 1])
    v = 0.0
    for s in range(S):
        v += initial[s] * V[0, s]
    return v


@njit(cache=True, fastmath=FASTMATH)
def randomised_policy_value(T, stage_stride, R, W, initial, V):
    """``initial . V[0]`` for the Markov policy ``W[h, s, a] = pi_h(a|s)``; fills ``V``. Actions of
    zero probability are skipped (their rows are never read)."""
    H, S, A = R.shape
    V[H, :] = 0.0
    for h in range(H - 1, -1, -1):
        off = h * stage_stride
        for s in range(S):
            acc = 0.0
            for a in range(A):
                w = W[h, s, a]
                if w > 0.0:
                    acc += w * (R[h, s, a] + row_dot(T, off + s * A + a, V[h + 1]))
            V[h, s] = acc
    v = 0.0
    for s in range(S):
        v += initial[s] * V[0, s]
    return v


@njit(cache=True)
def min_difference(Q, Q_star):
    """``min_{h, s, a} (Q - Q_star)`` (the optimism margin of a declared Q table)."""
    H, S, A = Q.shape
    m = np.inf
    for h in range(H):
        for s in range(S):
            for a in range(A):
                d = Q[h, s, a] - Q_star[h, s, a]
                if d < m:
                    m = d
    return m


__all__ = ["sample_categorical", "episode_step", "deterministic_policy_value",
           "randomised_policy_value", "min_difference"]
