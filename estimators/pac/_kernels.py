r"""Compiled pieces of the discounted PAC exploration learners: R-MAX, MBIE-EB and Delayed
Q-learning share one state layout, one planning kernel (value iteration on the learner's model)
and one interaction loop (:func:`run_loop`) that draws the environment's numbers as the
verifier's continuing harness does.

Learner state (:func:`new_state`)::

    0 n      (S, A) int    samples of (s, a) kept in the model (capped at m for R-MAX, MBIE-EB)
    1 P_cnt  (S, A, S) int next-state counts of the kept samples
    2 R_sum  (S, A)        sum of the kept rewards
    3 Q      (S, A)        the learner's Q
    4 pi     (S,) int      greedy policy of Q (ties to the lowest action)
    5 clock  (3,) int      [t (steps observed), plans, updates]
    6 U      (S, A)        Delayed Q: accumulated update targets
    7 l      (S, A) int    Delayed Q: samples in the current attempt
    8 b      (S, A) int    Delayed Q: step of the attempt's start
    9 learn  (S, A) int    Delayed Q: LEARN flags
    10 last  (1,) int      Delayed Q: step of the last successful update (t*)

Parameters (:data:`PARAM_NAMES`): ``gamma``, ``m``, ``beta`` (MBIE-EB's bonus coefficient),
``eps1`` (Delayed Q's update margin), ``plan_tol`` (value iteration's stopping threshold on
``||Q_{i+1} - Q_i||_inf``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from rlcert.mdp.rollout import sample_categorical

RMAX, MBIE_EB, DELAYED_Q = range(3)
ALGOS = {"R-MAX": RMAX, "MBIE-EB": MBIE_EB, "DelayedQ": DELAYED_Q}
PARAM_NAMES = ("gamma", "m", "beta", "eps1", "plan_tol")
P_GAMMA, P_M, P_BETA, P_EPS1, P_TOL = range(len(PARAM_NAMES))


@njit(cache=True)
def mbie_eb_beta(S, A, m, delta, gamma):
    r"""``beta = (1 / (1 - gamma)) sqrt(ln(2 S A m / delta) / 2)`` (Strehl and Littman 2008,
    Theorem 2; the exploration bonus is ``beta / sqrt(n(s, a))``)."""
    return math.sqrt(math.log(2.0 * S * A * m / delta) / 2.0) / (1.0 - gamma)


def new_state(S: int, A: int, gamma: float):
    vmax = 1.0 / (1.0 - gamma)
    return (np.zeros((S, A), np.int64), np.zeros((S, A, S), np.int64), np.zeros((S, A)),
            np.full((S, A), vmax), np.zeros(S, np.int64), np.zeros(3, np.int64),
            np.zeros((S, A)), np.zeros((S, A), np.int64), np.zeros((S, A), np.int64),
            np.ones((S, A), np.int64), np.zeros(1, np.int64))


@njit(cache=True)
def greedy(Q, pi):
    S, A = Q.shape
    for s in range(S):
        best = -np.inf
        arg = 0
        for a in range(A):
            if Q[s, a] > best:
                best = Q[s, a]
                arg = a
        pi[s] = arg


@njit(cache=True)
def plan(algo, state, params):
    r"""Value iteration on the learner's model, warm-started at the current ``Q``:

    * R-MAX: ``Q(s, a) = r_hat + gamma sum_s' p_hat(s') max_a' Q(s', a')`` on known pairs
      (``n >= m``), ``1 / (1 - gamma)`` elsewhere;
    * MBIE-EB: ``Q(s, a) = r_hat + gamma sum_s' p_hat(s') max_a' Q(s', a') + beta /
      sqrt(n(s, a))`` on visited pairs, ``1 / (1 - gamma)`` on unvisited ones;

    until ``||Q_{i+1} - Q_i||_inf <= plan_tol`` (then ``||Q - Q~||_inf <= gamma plan_tol / (1 -
    gamma)`` from the model's fixed point ``Q~``)."""
    n, P_cnt, R_sum, Q, pi = state[0], state[1], state[2], state[3], state[4]
    S, A = n.shape
    gamma = params[P_GAMMA]
    vmax = 1.0 / (1.0 - gamma)
    m = params[P_M]
    V = np.empty(S)
    for sweep in range(100000):
        for s in range(S):
            best = -np.inf
            for a in range(A):
                if Q[s, a] > best:
                    best = Q[s, a]
            V[s] = best
        change = 0.0
        for s in range(S):
            for a in range(A):
                k = n[s, a]
                if k == 0 or (algo == RMAX and k < m):
                    q = vmax
                else:
                    acc = 0.0
                    for j in range(S):
                        c = P_cnt[s, a, j]
                        if c > 0:
                            acc += c * V[j]
                    q = R_sum[s, a] / k + gamma * acc / k
                    if algo == MBIE_EB:
                        q += params[P_BETA] / math.sqrt(k)
                change = max(change, abs(q - Q[s, a]))
                Q[s, a] = q
        if change <= params[P_TOL]:
            break
    greedy(Q, pi)
    state[5][1] += 1


@njit(cache=True)
def observe(algo, state, params, s, a, r, s2):
    """Record ``(s, a, r, s2)`` and update the learner (re-planning the model-based ones when
    their model changed)."""
    n, P_cnt, R_sum, Q = state[0], state[1], state[2], state[3]
    clock = state[5]
    clock[0] += 1
    m = params[P_M]
    gamma = params[P_GAMMA]
    if algo == DELAYED_Q:
        delayed_q_update(state, params, s, a, r, s2)
        return
    if n[s, a] < m:
        # both learners use only the first m samples of each pair
        n[s, a] += 1
        P_cnt[s, a, s2] += 1
        R_sum[s, a] += r
        if algo == MBIE_EB or n[s, a] == m:
            plan(algo, state, params)


@njit(cache=True)
def delayed_q_update(state, params, s, a, r, s2):
    r"""Delayed Q-learning (Strehl, Li, Wiewiora, Langford and Littman 2006, Algorithm 1), after
    the step ``t`` (1-based, ``clock[0]``) on ``(s, a, r, s2)``:

    if ``b(s, a) <= t*`` then ``LEARN(s, a) = true``; if ``LEARN(s, a)``: if ``l(s, a) = 0`` then
    ``b(s, a) = t``; ``l += 1``; ``U += r + gamma max_a' Q(s2, a')``; when ``l = m``: if ``Q(s, a)
    - U / m >= 2 eps1`` then ``Q(s, a) = U / m + eps1`` and ``t* = t``; else if ``b(s, a) > t*``
    then ``LEARN(s, a) = false``; in both cases ``U = 0``, ``l = 0``."""
    Q, pi, clock = state[3], state[4], state[5]
    U, l, b, learn, last = state[6], state[7], state[8], state[9], state[10]
    t = clock[0]
    m = int(params[P_M])
    eps1 = params[P_EPS1]
    gamma = params[P_GAMMA]
    if b[s, a] <= last[0]:
        learn[s, a] = 1
    if learn[s, a] == 1:
        if l[s, a] == 0:
            b[s, a] = t
        l[s, a] += 1
        best = -np.inf
        for j in range(Q.shape[1]):
            if Q[s2, j] > best:
                best = Q[s2, j]
        U[s, a] += r + gamma * best
        if l[s, a] == m:
            if Q[s, a] - U[s, a] / m >= 2.0 * eps1:
                Q[s, a] = U[s, a] / m + eps1
                last[0] = t
                clock[2] += 1
                greedy(Q, pi)
            elif b[s, a] > last[0]:
                learn[s, a] = 0
            U[s, a] = 0.0
            l[s, a] = 0


@njit(cache=True)
def run_loop(algo, state, params, P, R, bernoulli, initial, T, env_rng, Q_star, states, actions,
             rewards, sw_t, sw_pi, margins):
    """``T`` steps of environment and learner, as the verifier's continuing harness plays them:
    ``u_0`` (start state), then per step the greedy action, the policy record when it changed
    (``sw_t``, ``sw_pi``), the optimism margin ``min (Q - Q*)`` when ``Q_star`` is non-empty,
    ``u_r`` and ``u_s``. Returns the number of policy records."""
    S, A = R.shape
    s = sample_categorical(initial, env_rng.random())
    pi = state[4]
    Q = state[3]
    K = 0
    record_q = Q_star.shape[0] == S
    block = np.empty(0)
    pos = 0
    for i in range(T):
        if pos == block.shape[0]:
            block = env_rng.random(2 * min(T - i, 4096))
            pos = 0
        a = pi[s]
        changed = K == 0
        if not changed:
            for j in range(S):
                if sw_pi[K - 1, j] != pi[j]:
                    changed = True
                    break
        if changed:
            sw_t[K] = i
            sw_pi[K] = pi
            K += 1
        if record_q:
            mn = np.inf
            for x in range(S):
                for y in range(A):
                    mn = min(mn, Q[x, y] - Q_star[x, y])
            margins[i] = mn
        u_r = block[pos]
        u_s = block[pos + 1]
        pos += 2
        r = R[s, a]
        if bernoulli:
            r = 1.0 if u_r < r else 0.0
        s2 = sample_categorical(P[s, a], u_s)
        states[i] = s
        actions[i] = a
        rewards[i] = r
        observe(algo, state, params, s, a, r, s2)
        s = s2
    return K
