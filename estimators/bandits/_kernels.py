"""Compiled bandit learners: one select / update pair per learner family, and the loops that play
them against an environment.

A learner's state is a few arrays (``counts``, ``sums``, ...). Its step functions are shared by
two callers, so that both play identically:

* the compiled loops (``play_*``), which run the learner against the environment
  ``(kind, means, sigma, table)`` (:data:`~.instances.KIND_BERNOULLI`,
  :data:`~.instances.KIND_GAUSSIAN`, :data:`~.instances.KIND_TABLE`) for ``n_steps`` steps;
* the learners' protocol methods (``select`` / ``update`` / ``indices`` / ``probabilities``),
  called by the verifier's harness, which steps the environment itself.

**Randomness.** The environment draws from ``env_rng`` and the learner from ``agent_rng``
(:func:`rlcert.estimators.base.protocol_seeds`). Every step the environment draws exactly two
numbers, whatever the learner: ``u = env_rng.random()`` (the arm of a learner that declares its
sampling probabilities, drawn by inverse transform, :func:`rlcert.mdp.rollout.sample_categorical`)
and the reward noise ``z`` (``env_rng.standard_normal()`` on Gaussian arms, ``env_rng.random()``
otherwise): :func:`env_reward` turns ``z`` into the reward. The verifier's harness draws the same
two numbers in the same order.

Every loop fills ``arms`` and ``rewards`` (length ``n_steps``), ``aux`` (length ``n_steps``: the
index of arm ``track`` for UCB-type learners, ``p_t . x_bar_t`` for EXP3, NaN otherwise) and, when
``declared`` has ``n_steps`` rows, the learner's declared vector of each step (all indices, or the
sampling probabilities). Steps are 0-based: at step ``s`` the learner has made ``s`` plays. The
kernels release the GIL, so trials run in threads.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from rlcert.bounds.concentration import hoeffding_width, kl_bernoulli
from rlcert.bounds.indices import kl_upper_newton
from rlcert.mdp.rollout import sample_categorical

from .instances import KIND_BERNOULLI, KIND_GAUSSIAN, KIND_TABLE

RULE_UCB1 = 0
RULE_KLUCB = 1
RULE_TS_BETA = 0
RULE_TS_GAUSSIAN = 1
RULE_EXP3_AUER = 0
RULE_EXP3_LS = 1
RULE_EPS_FIXED = 0
RULE_EPS_DECAYING = 1


# -- the environment ---------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def env_noise(kind, env_rng):
    """The reward noise of one step: a standard normal on Gaussian arms, a uniform otherwise."""
    if kind == KIND_GAUSSIAN:
        return env_rng.standard_normal()
    return env_rng.random()


@njit(cache=True, nogil=True)
def env_reward(kind, means, sigma, table, s, a, z):
    """Reward of arm ``a`` at step ``s`` from the noise ``z``: ``table[s, a]``, ``1{z < mu_a}``
    (Bernoulli) or ``mu_a + sigma z`` (Gaussian)."""
    if kind == KIND_TABLE:
        return table[s, a]
    if kind == KIND_BERNOULLI:
        return 1.0 if z < means[a] else 0.0
    return means[a] + sigma * z


@njit(cache=True, nogil=True)
def mean_reward(kind, means, table, s, p):
    """``sum_a p[a] x_bar[a]`` with ``x_bar`` the table's row ``s`` or the arm means."""
    acc = 0.0
    if kind == KIND_TABLE:
        for j in range(p.shape[0]):
            acc += p[j] * table[s, j]
    else:
        for j in range(p.shape[0]):
            acc += p[j] * means[j]
    return acc


@njit(cache=True, nogil=True)
def _empirical_update(counts, sums, a, r):
    counts[a] += 1
    sums[a] += r


# -- UCB1 and KL-UCB ---------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def _exploration(rule, s, c):
    """``delta = 2 s^-4`` (UCB1's Hoeffding level) or ``f = ln s + c ln ln s`` (KL-UCB)."""
    if rule == RULE_UCB1:
        s2 = float(s) * float(s)
        return 2.0 / (s2 * s2)
    ls = math.log(float(s))
    return ls + c * math.log(ls)


@njit(cache=True, nogil=True)
def _index(rule, bonus_scale, level, n_j, sum_j):
    """One arm's index from its ``n_j >= 1`` plays and reward sum."""
    mean = sum_j / n_j
    if rule == RULE_UCB1:
        return mean + bonus_scale * hoeffding_width(n_j, level, 1.0)
    return kl_upper_newton(mean, level / n_j)


@njit(cache=True, nogil=True)
def index_all(counts, sums, s, rule, bonus_scale, c, out):
    """Every arm's index at step ``s`` (``s`` plays made). During the first ``k`` steps, where
    each arm is played once in turn, an arm never played has index ``+inf`` and an arm already
    played ``-inf``; from step ``k`` on

    * UCB1: ``x_bar_j + bonus_scale * hoeffding_width(n_j, 2 s^-4)``
      ``= x_bar_j + bonus_scale * sqrt(2 ln s / n_j)``;
    * KL-UCB: ``max {q : n_j kl(x_bar_j, q) <= ln s + c ln ln s}`` (the mean when the level is
      ``<= 0``).

    The arm :func:`index_select` plays is the first maximiser of these indices.
    """
    k = counts.shape[0]
    if s < k:
        for j in range(k):
            out[j] = np.inf if counts[j] == 0 else -np.inf
        return
    level = _exploration(rule, s, c)
    for j in range(k):
        out[j] = _index(rule, bonus_scale, level, counts[j], sums[j])


@njit(cache=True, nogil=True)
def index_select(counts, sums, s, prev, rule, bonus_scale, c, track):
    """``(arm, index of arm track)`` at step ``s``: each arm once (``s < k``), then the largest
    index, ties to the lowest-numbered arm.

    KL-UCB's indices are evaluated lazily: the previous choice's first, then any other arm's only
    if it can reach the current best, which one kl evaluation decides (``n_j kl(x_bar_j, best) <=
    f``): the same choice as computing every index. The relative margin 1e-9 leaves near-ties
    (and exact ones, e.g. equal counts and means) to the exact indices and the lowest-number rule.
    The tracked arm's index is always computed (NaN during the first ``k`` steps or when
    ``track < 0``)."""
    k = counts.shape[0]
    if s < k:
        return s, np.nan
    level = _exploration(rule, s, c)
    tracked = np.nan
    a = 0
    if rule == RULE_UCB1:
        best = -np.inf
        for j in range(k):
            u = _index(rule, bonus_scale, level, counts[j], sums[j])
            if j == track:
                tracked = u
            if u > best:
                best = u
                a = j
        return a, tracked
    a = prev
    best = _index(rule, bonus_scale, level, counts[a], sums[a])
    if a == track:
        tracked = best
    for j in range(k):
        if j == prev:
            continue
        mean = sums[j] / counts[j]
        if j != track and mean < best and \
                counts[j] * kl_bernoulli(mean, best) > level + 1e-9 * abs(level):
            continue
        u = _index(rule, bonus_scale, level, counts[j], sums[j])
        if j == track:
            tracked = u
        if u > best or (u == best and j < a):
            best = u
            a = j
    return a, tracked


@njit(cache=True, nogil=True)
def play_index(kind, means, sigma, table, n_steps, rule, bonus_scale, c, track, env_rng,
               arms, rewards, aux, declared):
    """UCB1 (``rule = 0``) and KL-UCB (``rule = 1``) against the environment (module docstring);
    ``declared[s]`` (when recorded) holds every index at step ``s`` (:func:`index_all`)."""
    k = means.shape[0]
    counts = np.zeros(k, dtype=np.int64)
    sums = np.zeros(k)
    record = declared.shape[0] == n_steps
    prev = 0
    for s in range(n_steps):
        if record:
            index_all(counts, sums, s, rule, bonus_scale, c, declared[s])
        a, aux[s] = index_select(counts, sums, s, prev, rule, bonus_scale, c, track)
        prev = a
        env_rng.random()
        r = env_reward(kind, means, sigma, table, s, a, env_noise(kind, env_rng))
        arms[s] = a
        rewards[s] = r
        _empirical_update(counts, sums, a, r)


# -- Thompson sampling -------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def thompson_select(succ, fail, counts, sums, rule, alpha0, beta0, tau, agent_rng):
    """The arm with the largest posterior sample: ``theta_j ~ Beta(alpha0_j + S_j, beta0_j + F_j)``
    (``rule = 0``) or ``theta_j ~ N(sum_j / (n_j + 1), tau^2 / (n_j + 1))`` (``rule = 1``)."""
    a = 0
    best = -np.inf
    for j in range(counts.shape[0]):
        if rule == RULE_TS_BETA:
            theta = agent_rng.beta(alpha0[j] + succ[j], beta0[j] + fail[j])
        else:
            theta = agent_rng.normal(sums[j] / (counts[j] + 1.0), tau / math.sqrt(counts[j] + 1.0))
        if theta > best:
            best = theta
            a = j
    return a


@njit(cache=True, nogil=True)
def thompson_update(succ, fail, counts, sums, rule, a, r, agent_rng):
    """Record reward ``r`` of arm ``a``; a Beta learner turns ``r`` strictly between 0 and 1 into a
    Bernoulli(``r``) success with its own coin (Agrawal and Goyal 2012, Algorithm 2)."""
    _empirical_update(counts, sums, a, r)
    if rule == RULE_TS_BETA:
        x = r
        if 0.0 < r < 1.0:
            x = 1.0 if agent_rng.random() < r else 0.0
        succ[a] += x
        fail[a] += 1.0 - x


@njit(cache=True, nogil=True)
def play_thompson(kind, means, sigma, table, n_steps, rule, alpha0, beta0, tau, env_rng,
                  agent_rng, arms, rewards, aux):
    """Thompson sampling against the environment; ``aux`` is NaN."""
    k = means.shape[0]
    succ, fail = np.zeros(k), np.zeros(k)
    counts = np.zeros(k, dtype=np.int64)
    sums = np.zeros(k)
    for s in range(n_steps):
        a = thompson_select(succ, fail, counts, sums, rule, alpha0, beta0, tau, agent_rng)
        env_rng.random()
        r = env_reward(kind, means, sigma, table, s, a, env_noise(kind, env_rng))
        arms[s] = a
        rewards[s] = r
        aux[s] = np.nan
        thompson_update(succ, fail, counts, sums, rule, a, r, agent_rng)


# -- EXP3 --------------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def exp3_probabilities(state, rule, rate, p):
    """The sampling distribution: ``p_j = (1 - gamma) w_j / sum_i w_i + gamma / k`` (Auer et al.,
    ``rule = 0``, ``rate = gamma``, ``state = ln w``) or ``P_j = exp(eta S_j) / sum_i
    exp(eta S_i)`` (Lattimore-Szepesvári, ``rule = 1``, ``rate = eta``, ``state = S``)."""
    k = state.shape[0]
    mx = state[0]
    for j in range(1, k):
        if state[j] > mx:
            mx = state[j]
    scale = 1.0 if rule == RULE_EXP3_AUER else rate
    tot = 0.0
    for j in range(k):
        p[j] = math.exp(scale * (state[j] - mx))
        tot += p[j]
    for j in range(k):
        if rule == RULE_EXP3_AUER:
            p[j] = (1.0 - rate) * p[j] / tot + rate / k
        else:
            p[j] = p[j] / tot


@njit(cache=True, nogil=True)
def exp3_update(state, rule, rate, p, a, r):
    """After playing ``a`` (drawn from ``p``) with reward ``r``: ``ln w_a += gamma (r / p_a) / k``
    (Auer et al.) or ``S_j += 1 - 1{j = a} (1 - r) / P_a`` (Lattimore-Szepesvári)."""
    k = state.shape[0]
    if rule == RULE_EXP3_AUER:
        state[a] += rate * (r / p[a]) / k
    else:
        for j in range(k):
            state[j] += 1.0
        state[a] -= (1.0 - r) / p[a]


@njit(cache=True, nogil=True)
def play_exp3(kind, means, sigma, table, n_steps, rule, rate, env_rng, arms, rewards, aux,
              declared):
    """EXP3 against the environment: the environment draws the arm from the declared ``p`` with
    its uniform ``u``; ``aux[s] = p_s . x_bar_s`` (the expected reward given the past)."""
    k = means.shape[0]
    state = np.zeros(k)
    p = np.empty(k)
    record = declared.shape[0] == n_steps
    for s in range(n_steps):
        exp3_probabilities(state, rule, rate, p)
        if record:
            declared[s, :] = p
        aux[s] = mean_reward(kind, means, table, s, p)
        a = sample_categorical(p, env_rng.random())
        r = env_reward(kind, means, sigma, table, s, a, env_noise(kind, env_rng))
        arms[s] = a
        rewards[s] = r
        exp3_update(state, rule, rate, p, a, r)


# -- epsilon-greedy ----------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def epsilon_at(rule, epsilon, c, d, k, s):
    """``epsilon`` (fixed) or ``min(1, c k / (d^2 n))`` at play ``n = s + 1`` (decaying)."""
    if rule == RULE_EPS_FIXED:
        return epsilon
    return min(1.0, c * k / (d * d * (s + 1.0)))


@njit(cache=True, nogil=True)
def epsilon_greedy_select(counts, sums, eps, agent_rng):
    """With probability ``eps`` a uniformly random arm (``agent_rng.integers``), otherwise the
    largest empirical mean (an arm never played counts as ``+inf``; ties to the lowest-numbered
    arm). One uniform decides."""
    k = counts.shape[0]
    if agent_rng.random() < eps:
        return agent_rng.integers(0, k)
    a = 0
    best = -np.inf
    for j in range(k):
        m = np.inf if counts[j] == 0 else sums[j] / counts[j]
        if m > best:
            best = m
            a = j
    return a


@njit(cache=True, nogil=True)
def play_epsilon_greedy(kind, means, sigma, table, n_steps, rule, epsilon, c, d, env_rng,
                        agent_rng, arms, rewards, aux):
    """epsilon-greedy (fixed or decaying) against the environment; ``aux`` is NaN."""
    k = means.shape[0]
    counts = np.zeros(k, dtype=np.int64)
    sums = np.zeros(k)
    for s in range(n_steps):
        a = epsilon_greedy_select(counts, sums, epsilon_at(rule, epsilon, c, d, k, s), agent_rng)
        env_rng.random()
        r = env_reward(kind, means, sigma, table, s, a, env_noise(kind, env_rng))
        arms[s] = a
        rewards[s] = r
        aux[s] = np.nan
        _empirical_update(counts, sums, a, r)


# -- summaries ---------------------------------------------------------------------------------------
@njit(cache=True, nogil=True)
def reduce_trial(kind, actions, rewards, aux, gaps, best_cum, mu_star, checkpoints, expected,
                 track, cum_out, counts_out, exp_out, index_failures):
    """Summarise one run at the checkpoints (step counts ``n``, increasing).

    The sums are formed in the same order as the per-step arrays of a :class:`RunResult`
    (``numpy.cumsum``), so the values equal ``run(...).cumulative_regret[n - 1]`` bit for bit.
    ``index_failures[s] += 1`` when ``track`` and the tracked index ``aux[s] <= mu_star``.
    """
    k = counts_out.shape[1]
    counts = np.zeros(k, dtype=np.int64)
    cum = 0.0
    prev_best = 0.0
    run_aux = 0.0
    cexp = 0.0
    j = 0
    m = checkpoints.shape[0]
    for s in range(actions.shape[0]):
        a = actions[s]
        counts[a] += 1
        if kind == KIND_TABLE:
            cum += (best_cum[s] - prev_best) - rewards[s]
            prev_best = best_cum[s]
        else:
            cum += gaps[a]
        if expected:
            if kind == KIND_TABLE:
                run_aux += aux[s]
                cexp = best_cum[s] - run_aux
            else:
                cexp += mu_star - aux[s]
        if track and aux[s] <= mu_star:
            index_failures[s] += 1
        if j < m and checkpoints[j] == s + 1:
            cum_out[j] = cum
            for i in range(k):
                counts_out[j, i] = counts[i]
            if expected:
                exp_out[j] = cexp
            j += 1
