"""The compiled interaction loop of the episodic learners.

One driver (:func:`run_loop`) runs environment and agent for K episodes: at the start of each
episode the learner fixes its Markov policy (:func:`begin_episode`), the policy's exact value in
the true MDP gives the episode's pseudo-regret, the episode is rolled out in the environment,
and each transition updates the learner (:func:`observe_step`). The protocol methods of the
Python classes (``start_episode``, ``observe``) call the same two functions, and the environment
draws its numbers in the order the verifier's harness does, so a compiled run and a harness run
from the same seed play the same actions.

Learner codes (``algo``): see :data:`ALGOS`. Learner state is a tuple of arrays
(:func:`new_state`); parameters are a float array (:data:`PARAM_NAMES`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from rlcert.mdp.rollout import (deterministic_policy_value, episode_step, min_difference,
                                randomised_policy_value, sample_categorical)

from . import bonuses as bn

UCBVI_CH, UCBVI_BF, QL_HOEFFDING, QL_BERNSTEIN, PSRL, GREEDY, KNOWN_MODEL = range(7)
ALGOS = {"UCBVI-CH": UCBVI_CH, "UCBVI-BF": UCBVI_BF, "UCB-H": QL_HOEFFDING,
         "UCB-B": QL_BERNSTEIN, "PSRL": PSRL, "greedy": GREEDY, "eps-greedy": GREEDY,
         "known-model": KNOWN_MODEL}
PARAM_NAMES = ("delta", "bonus_scale", "c", "c1", "c2", "epsilon", "epsilon_decay", "T",
               "reward_prior")
P_DELTA, P_SCALE, P_C, P_C1, P_C2, P_EPS, P_DECAY, P_T, P_PRIOR = range(len(PARAM_NAMES))


def state_bytes(H: int, S: int, A: int) -> float:
    """An upper bound on the bytes of :func:`new_state`'s arrays, for the memory checks (the
    ``(S, A, S)`` transition counts dominate; the smaller terms are counted generously)."""
    return 8.0 * (S * A * S + 3 * S * A + 8 * H * S * A + 2 * (H + 1) * S + H * S)


def new_state(H: int, S: int, A: int):
    """Fresh learner state: counts, model statistics, Q/V tables, policy."""
    Q = np.full((H, S, A), float(H))
    V = np.zeros((H + 1, S))
    V[:H] = float(H)
    return (np.zeros((S, A), np.int64),        # 0 visits of (s, a), all stages
            np.zeros((S, A, S), np.int64),     # 1 transitions (s, a, s')
            np.zeros((S, A)),                  # 2 sum of observed rewards
            np.zeros((H + 1, S), np.int64),    # 3 visits of state s at stage h (N')
            Q,                                 # 4 current Q (optimistic, learned or planned)
            V,                                 # 5 current V, V[H] = 0
            np.full((H, S, A), float(H)),      # 6 previous episode's UCBVI Q (monotone clip)
            np.zeros((H, S, A), np.int64),     # 7 visits of (h, s, a) (Q-learning's t)
            np.zeros((H, S, A)),               # 8 Q-learning Bernstein: sum of V_{h+1}(s')
            np.zeros((H, S, A)),               # 9 ... and of its square
            np.zeros((H, S, A)),               # 10 ... beta_{t-1}
            np.zeros((S, A)),                  # 11 PSRL: successes (Bernoulli-ised rewards)
            np.zeros((S, A)),                  # 12 PSRL: failures
            np.zeros((H, S), np.int64))        # 13 policy of the current episode


@njit(cache=True)
def _greedy_from_q(Q, V, pi, H_clip):
    H, S, A = Q.shape
    for h in range(H):
        for s in range(S):
            best = -np.inf
            arg = 0
            for a in range(A):
                if Q[h, s, a] > best:
                    best = Q[h, s, a]
                    arg = a
            pi[h, s] = arg
            V[h, s] = min(H_clip, best)


@njit(cache=True)
def _plan_empirical(state, H, S, A, params, algo, rng):
    """Backward induction on the empirical model, with the UCBVI bonus (algo CH/BF), without
    (greedy), or on a posterior sample (PSRL)."""
    counts_sa, counts_sas, r_sum, visits_hs, Q, V, Qprev = (state[0], state[1], state[2],
                                                          state[3], state[4], state[5], state[6])
    pi = state[13]
    scale = params[P_SCALE]
    L = bn.ucbvi_log(S, A, params[P_T], params[P_DELTA])
    P_s = np.empty(S)
    r_s = np.empty((S, A))
    P_sample = np.empty((S, A, S))
    if algo == PSRL:
        for s in range(S):
            for a in range(A):
                tot = 0.0
                for y in range(S):
                    g = rng.gamma(1.0 + counts_sas[s, a, y], 1.0)
                    P_sample[s, a, y] = g
                    tot += g
                for y in range(S):
                    P_sample[s, a, y] /= tot
                if params[P_PRIOR] == 0.0:
                    r_s[s, a] = rng.beta(1.0 + state[11][s, a], 1.0 + state[12][s, a])
                else:  # N(0, 1) prior, unit noise: posterior N(sum r / (n + 1), 1 / (n + 1))
                    n = counts_sa[s, a]
                    r_s[s, a] = r_sum[s, a] / (n + 1.0) + rng.standard_normal() / np.sqrt(n + 1.0)
    V[H, :] = 0.0
    for h in range(H - 1, -1, -1):
        for s in range(S):
            best = -np.inf
            arg = 0
            for a in range(A):
                n = counts_sa[s, a]
                if algo == PSRL:
                    acc = 0.0
                    for y in range(S):
                        acc += P_sample[s, a, y] * V[h + 1, y]
                    q = r_s[s, a] + acc
                elif n == 0:
                    q = float(H) if algo != GREEDY else 0.0
                else:
                    pv = 0.0
                    for y in range(S):
                        p = counts_sas[s, a, y] / n
                        P_s[y] = p
                        pv += p * V[h + 1, y]
                    q = r_sum[s, a] / n + pv
                    if algo == UCBVI_CH:
                        q += scale * bn.ucbvi_ch_bonus(n, H, L)
                    elif algo == UCBVI_BF:
                        # centred second pass: exactly 0 for a deterministic transition (E[V^2] -
                        # E[V]^2 leaves ~eps H^2, which the square root turns into ~1e-8 of bonus)
                        var = 0.0
                        for y in range(S):
                            if P_s[y] > 0.0:
                                d = V[h + 1, y] - pv
                                var += P_s[y] * d * d
                        spm = 0.0
                        for y in range(S):
                            if P_s[y] > 0.0:
                                spm += P_s[y] * bn.ucbvi_bf_cap(H, S, A, L, visits_hs[h + 1, y])
                        q += scale * bn.ucbvi_bf_bonus(n, H, S, A, L, var, spm)
                    if algo == UCBVI_CH or algo == UCBVI_BF:
                        q = min(q, Qprev[h, s, a], float(H))
                    else:
                        q = min(q, float(H))
                Q[h, s, a] = q
                if q > best:
                    best = q
                    arg = a
            V[h, s] = best
            pi[h, s] = arg
    if algo == UCBVI_CH or algo == UCBVI_BF:
        Qprev[:] = Q


@njit(cache=True)
def begin_episode(algo, state, T, stride, R_env, pi_star, H, S, A, params, rng):
    """Fix the Markov policy of the next episode in ``state[13]`` (and Q, V)."""
    if algo == QL_HOEFFDING or algo == QL_BERNSTEIN:
        _greedy_from_q(state[4], state[5], state[13], float(H))
    elif algo == KNOWN_MODEL:
        state[13][:] = pi_star
    else:
        _plan_empirical(state, H, S, A, params, algo, rng)


@njit(cache=True)
def observe_step(algo, state, h, s, a, r, s2, H, S, A, params, rng):
    """Update the learner with the transition ``(s, a, r, s2)`` observed at stage ``h``."""
    state[0][s, a] += 1
    state[1][s, a, s2] += 1
    state[2][s, a] += r
    state[3][h + 1 if h + 1 <= H else H, s2] += 1
    if h == 0:
        state[3][0, s] += 1
    if algo == PSRL:
        if params[P_PRIOR] == 0.0:  # Bernoulli-ise the reward for the Beta posterior
            if rng.random() < r:
                state[11][s, a] += 1.0
            else:
                state[12][s, a] += 1.0
    if algo == QL_HOEFFDING or algo == QL_BERNSTEIN:
        Q, V, N = state[4], state[5], state[7]
        N[h, s, a] += 1
        t = N[h, s, a]
        alpha = bn.ql_learning_rate(t, H)
        iota = bn.ql_iota(S, A, params[P_T], params[P_DELTA])
        v_next = V[h + 1, s2] if h + 1 < H else 0.0
        if algo == QL_HOEFFDING:
            b = params[P_SCALE] * bn.ql_hoeffding_bonus(t, H, iota, params[P_C])
        else:
            state[8][h, s, a] += v_next
            state[9][h, s, a] += v_next * v_next
            mean = state[8][h, s, a] / t
            W = max(state[9][h, s, a] / t - mean * mean, 0.0)
            beta = bn.ql_bernstein_beta(t, H, S, A, iota, W, params[P_C1], params[P_C2])
            b = params[P_SCALE] * bn.ql_bernstein_bonus(beta, state[10][h, s, a], alpha)
            state[10][h, s, a] = beta
        Q[h, s, a] = (1.0 - alpha) * Q[h, s, a] + alpha * (r + v_next + b)
        best = -np.inf
        for b2 in range(A):
            if Q[h, s, b2] > best:
                best = Q[h, s, b2]
        V[h, s] = min(float(H), best)


@njit(cache=True)
def epsilon_policy(pi, eps, W):
    """``W[h, s, a] = eps / A + (1 - eps) 1{a = pi[h, s]}``: the randomised policy an
    epsilon-greedy learner declares."""
    H, S, A = W.shape
    for h in range(H):
        for s in range(S):
            for a in range(A):
                W[h, s, a] = eps / A
            W[h, s, pi[h, s]] += 1.0 - eps
    return W


@njit(cache=True)
def episode_epsilon(params, k):
    """The exploration rate of episode ``k`` (0-based): ``epsilon`` or ``min(1, epsilon /
    (k + 1)^q)`` with ``q = epsilon_decay > 0``."""
    eps = params[P_EPS]
    if params[P_DECAY] > 0.0:
        eps = min(1.0, params[P_EPS] / (k + 1.0) ** params[P_DECAY])
    return eps


@njit(cache=True)
def run_loop(algo, state, T, stride, R_env, bernoulli_rewards, initial, Q_star, pi_star, K,
             params, env_rng, agent_rng, values, starts, returns, margins, states, actions):
    """K episodes of environment and learner, as the verifier's harness plays them.

    Episode ``k``: the learner fixes its Markov policy (:func:`begin_episode`, its randomness from
    ``agent_rng``); ``values[k] = initial . V^{pi_k}_0`` is that policy's exact value
    (:mod:`rlcert.mdp.rollout`); with ``Q_star`` non-empty, ``margins[k] = min_{h,s,a} (Q_k -
    Q*)``. The environment then draws ``u_0`` (the start state, ``starts[k]``) and, at every step,
    ``u_a`` (the action, when the declared policy is randomised), ``u_r`` (a Bernoulli reward) and
    ``u_s`` (the next state), in this order, from ``env_rng``; ``returns[k]`` is the realised
    return. ``states`` and ``actions`` (``(K, H)``, or empty) record the path.
    """
    H, S, A = R_env.shape
    V_pi = np.empty((H + 1, S))
    W = np.empty((H, S, A))
    record = Q_star.shape[0] == H
    path = states.shape[0] == K
    for k in range(K):
        begin_episode(algo, state, T, stride, R_env, pi_star, H, S, A, params, agent_rng)
        pi = state[13]
        eps = episode_epsilon(params, k)
        if eps > 0.0:
            epsilon_policy(pi, eps, W)
            values[k] = randomised_policy_value(T, stride, R_env, W, initial, V_pi)
        else:
            values[k] = deterministic_policy_value(T, stride, R_env, pi, initial, V_pi)
        if record:
            margins[k] = min_difference(state[4], Q_star)
        s = sample_categorical(initial, env_rng.random())
        starts[k] = s
        ret = 0.0
        for h in range(H):
            u_a = env_rng.random()
            u_r = env_rng.random()
            u_s = env_rng.random()
            a = sample_categorical(W[h, s], u_a) if eps > 0.0 else pi[h, s]
            r, s2 = episode_step(T, stride, R_env, h, s, a, u_r, u_s, bernoulli_rewards)
            if path:
                states[k, h] = s
                actions[k, h] = a
            ret += r
            observe_step(algo, state, h, s, a, r, s2, H, S, A, params, agent_rng)
            s = s2
        returns[k] = ret
