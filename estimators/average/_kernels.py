r"""Compiled pieces of UCRL2 (Jaksch, Ortner and Auer 2010, JMLR 11:1563-1600, Figure 1 and
Section 3.1.2): the confidence radii, the inner maximisation of extended value iteration, extended
value iteration itself, and the learner's two step functions (:func:`act`, :func:`observe`) that
both the compiled loop (:func:`run_loop`) and the Python protocol methods call.

Time is 1-based as in the paper: the step about to be played is ``t``; episode ``k`` starts at
``t_k`` and its counts ``N_k(s, a)`` hold the ``t_k - 1`` transitions observed before it.

Learner state (:func:`new_state`), a tuple of arrays::

    0 N      (S, A) int    visits before the current episode, N_k(s, a)
    1 nu     (S, A) int    visits in the current episode, nu_k(s, a)
    2 P_cnt  (S, A, S) int transitions observed, all episodes
    3 R_sum  (S, A)        sum of observed rewards
    4 pi     (S,) int      the current episode's policy pi~_k
    5 clock  (4,) int      [t, t_k, k (episodes started), EVI sweeps of the last episode]
    6 p_til  (S, S)        the optimistic transition rows p~(. | s, pi~_k(s)) of the last sweep
    7 r_til  (S,)          the optimistic rewards r~(s, pi~_k(s))
    8 u      (S,)          EVI's last u_i (warm start is *not* used: the paper starts at u_0 = 0)
    9 gaps   (2,)          [min_s (u_{i+1} - u_i), max_s (u_{i+1} - u_i)] of the last sweep

Parameters (:data:`PARAM_NAMES`): ``delta``, ``scale_r`` and ``scale_p`` (multipliers of the two
radii; 1 = the paper), ``max_sweeps`` (a safeguard on EVI).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from rlcert.mdp.rollout import sample_categorical

PARAM_NAMES = ("delta", "scale_r", "scale_p", "max_sweeps")
P_DELTA, P_SCALE_R, P_SCALE_P, P_MAX_SWEEPS = range(len(PARAM_NAMES))


@njit(cache=True)
def reward_radius(S, A, t_k, delta, N):
    r"""``sqrt(7 log(2 S A t_k / delta) / (2 max{1, N}))`` (JOA 2010, Figure 1, eq. (1))."""
    return math.sqrt(7.0 * math.log(2.0 * S * A * t_k / delta) / (2.0 * max(1.0, N)))


@njit(cache=True)
def transition_radius(S, A, t_k, delta, N):
    r"""``sqrt(14 S log(2 A t_k / delta) / max{1, N})``, an L1 radius (JOA 2010, Figure 1,
    eq. (2))."""
    return math.sqrt(14.0 * S * math.log(2.0 * A * t_k / delta) / max(1.0, N))


def new_state(S: int, A: int):
    """A fresh learner state (see the module docstring); ``t = 1``, no episode started."""
    clock = np.zeros(4, np.int64)
    clock[0] = 1
    return (np.zeros((S, A), np.int64), np.zeros((S, A), np.int64),
            np.zeros((S, A, S), np.int64), np.zeros((S, A)), np.zeros(S, np.int64), clock,
            np.zeros((S, S)), np.zeros(S), np.zeros(S), np.zeros(2))


@njit(cache=True)
def inner_max(p_hat, d, order, u, p):
    r"""``max_{p in P} p . u`` over ``P = {p in simplex: ||p - p_hat||_1 <= d}`` (JOA 2010,
    Section 3.1.2, Figure 2), written into ``p`` and returned as ``p . u``.

    With ``order`` the states sorted so that ``u[order[0]] >= u[order[1]] >= ...``:
    ``p(s'_1) = min{1, p_hat(s'_1) + d/2}``, ``p(s'_j) = p_hat(s'_j)`` for ``j > 1``; then, for
    ``l = S, S-1, ...`` while ``sum_j p(s'_j) > 1``: ``p(s'_l) = max{0, 1 - sum_{j != l} p(s'_j)}``.
    """
    S = p_hat.shape[0]
    total = 0.0
    for j in range(S):
        p[j] = p_hat[j]
        total += p_hat[j]
    top = order[0]
    new_top = min(1.0, p_hat[top] + d / 2.0)
    total += new_top - p[top]
    p[top] = new_top
    l = S - 1
    while total > 1.0 and l > 0:
        j = order[l]
        rest = total - p[j]
        v = max(0.0, 1.0 - rest)
        total = rest + v
        p[j] = v
        l -= 1
    acc = 0.0
    for j in range(S):
        acc += p[j] * u[j]
    return acc


@njit(cache=True)
def extended_value_iteration(r_up, p_hat, d, eps, max_sweeps, pi, p_til, r_til, u, gaps):
    r"""Extended value iteration (JOA 2010, Section 3.1.2, eq. (7)): ``u_0 = 0``,

    .. math:: u_{i+1}(s) = \max_a \{ \tilde r(s, a) + \max_{p \in \mathcal P(s, a)}
              \sum_{s'} p(s') u_i(s') \},

    with ``r~ = r_up`` (the upper end of the reward interval) and ``P(s, a)`` the L1 ball of
    radius ``d(s, a)`` around ``p_hat(. | s, a)`` (:func:`inner_max`), stopped when
    ``max_s (u_{i+1} - u_i)(s) - min_s (u_{i+1} - u_i)(s) < eps`` (eq. (9) with ``eps = 1 /
    sqrt(t_k)``). The greedy policy of the last sweep is written into ``pi``, its optimistic
    rows into ``p_til`` and ``r_til``, ``u_{i+1}`` (shifted so that its minimum is 0) into ``u``
    and ``[min, max]`` of ``u_{i+1} - u_i`` into ``gaps``. Returns the number of sweeps (or
    ``-sweeps`` when ``max_sweeps`` was reached first).

    Ties between actions go to the lowest index; the sort of ``u`` is stable (ties to the lowest
    state index).
    """
    S, A = r_up.shape
    cur = np.zeros(S)
    nxt = np.empty(S)
    p = np.empty(S)
    best_p = np.empty(S)
    for sweep in range(1, max_sweeps + 1):
        order = np.argsort(-cur, kind="mergesort")
        for s in range(S):
            best = -np.inf
            arg = 0
            for a in range(A):
                q = r_up[s, a] + inner_max(p_hat[s, a], d[s, a], order, cur, p)
                if q > best:
                    best = q
                    arg = a
                    for j in range(S):
                        best_p[j] = p[j]
            nxt[s] = best
            pi[s] = arg
            r_til[s] = r_up[s, arg]
            for j in range(S):
                p_til[s, j] = best_p[j]
        lo = np.inf
        hi = -np.inf
        for s in range(S):
            diff = nxt[s] - cur[s]
            lo = min(lo, diff)
            hi = max(hi, diff)
        # u is only defined up to a constant: shift to keep it bounded (no effect on the sweep)
        m = nxt.min()
        for s in range(S):
            cur[s] = nxt[s] - m
        if hi - lo < eps:
            u[:] = cur
            gaps[0] = lo
            gaps[1] = hi
            return sweep
    u[:] = cur
    gaps[0] = lo
    gaps[1] = hi
    return -max_sweeps


@njit(cache=True)
def start_episode(state, params):
    """Initialise episode ``k`` at ``t_k = t`` (JOA 2010, Figure 1, steps 2-4): ``N_k += nu``,
    ``nu = 0``, the estimates, the radii of eqs. (1)-(2), and extended value iteration to
    accuracy ``1 / sqrt(t_k)``."""
    N, nu, P_cnt, R_sum, pi, clock = state[0], state[1], state[2], state[3], state[4], state[5]
    S, A = N.shape
    for s in range(S):
        for a in range(A):
            N[s, a] += nu[s, a]
            nu[s, a] = 0
    t_k = clock[0]
    clock[1] = t_k
    clock[2] += 1
    delta = params[P_DELTA]
    r_up = np.empty((S, A))
    p_hat = np.empty((S, A, S))
    d = np.empty((S, A))
    for s in range(S):
        for a in range(A):
            n = N[s, a]
            m = max(1.0, float(n))
            r_up[s, a] = R_sum[s, a] / m + params[P_SCALE_R] * reward_radius(S, A, t_k, delta, n)
            for j in range(S):
                p_hat[s, a, j] = P_cnt[s, a, j] / m
            if n == 0:
                # the paper's radius at N = 0 is >= 2 (14 S log(2 A t / delta) > 4): the whole
                # simplex; a scaled variant keeps it so (no data, no information)
                d[s, a] = 2.0
            else:
                d[s, a] = params[P_SCALE_P] * transition_radius(S, A, t_k, delta, n)
    sweeps = extended_value_iteration(r_up, p_hat, d, 1.0 / math.sqrt(t_k),
                                      int(params[P_MAX_SWEEPS]), pi, state[6], state[7],
                                      state[8], state[9])
    clock[3] = sweeps


@njit(cache=True)
def needs_episode(state, s):
    """Whether a new episode starts before acting in ``s``: none has started yet, or
    ``nu_k(s, pi~_k(s)) >= max{1, N_k(s, pi~_k(s))}`` (Figure 1, step 5)."""
    if state[5][2] == 0:
        return True
    a = state[4][s]
    return state[1][s, a] >= max(1, state[0][s, a])


@njit(cache=True)
def act(state, s, params):
    """The action at state ``s`` at step ``t``, starting a new episode first when
    :func:`needs_episode` says so. Returns ``(action, new_episode)``."""
    new = needs_episode(state, s)
    if new:
        start_episode(state, params)
    return state[4][s], new


@njit(cache=True)
def observe(state, s, a, r, s2):
    """Record ``(s_t, a_t, r_t, s_{t+1})``: ``nu_k(s, a) += 1``, the counts, ``t += 1``."""
    state[1][s, a] += 1
    state[2][s, a, s2] += 1
    state[3][s, a] += r
    state[5][0] += 1


@njit(cache=True)
def env_step(P, R, bernoulli, s, a, u_r, u_s):
    """``(r, s')``: ``r = R[s, a]`` (or ``1{u_r < R[s, a]}`` with ``bernoulli``), ``s'`` by
    inverse transform of ``u_s`` on ``P[s, a]``."""
    r = R[s, a]
    if bernoulli:
        r = 1.0 if u_r < r else 0.0
    return r, sample_categorical(P[s, a], u_s)


@njit(cache=True)
def run_loop(state, params, P, R, bernoulli, initial, T, env_rng, states, actions, rewards,
             ep_t, ep_pi, ep_p, ep_r):
    """``T`` steps of environment and UCRL2, drawing the environment's numbers as the
    verifier's continuing harness does: ``u_0`` (the start state), then per step ``u_r`` and
    ``u_s``. Records the path (``states``, ``actions``, ``rewards``) and, for the first
    ``ep_t.shape[0]`` episodes, their start ``t_k`` (1-based), policy and optimistic rows.
    Returns the number of episodes."""
    s = sample_categorical(initial, env_rng.random())
    cap = ep_t.shape[0]
    # uniforms in blocks: the same stream, in the same order, as one draw at a time (numba's
    # scalar Generator calls cost far more than the step itself)
    block = np.empty(0)
    pos = 0
    for i in range(T):
        if pos == block.shape[0]:
            block = env_rng.random(2 * min(T - i, 4096))
            pos = 0
        # the test and the planning called here, not through act(): a call that may plan costs
        # ~0.4 us per step in numba even when it does not plan
        new = needs_episode(state, s)
        if new:
            start_episode(state, params)
        a = state[4][s]
        if new:
            k = state[5][2] - 1
            if k < cap:
                ep_t[k] = state[5][1]
                ep_pi[k] = state[4]
                ep_p[k] = state[6]
                ep_r[k] = state[7]
        u_r = block[pos]
        u_s = block[pos + 1]
        pos += 2
        r, s2 = env_step(P, R, bernoulli, s, a, u_r, u_s)
        states[i] = s
        actions[i] = a
        rewards[i] = r
        observe(state, s, a, r, s2)
        s = s2
    return state[5][2]
