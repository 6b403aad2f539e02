"""Compiled interaction loops: environment and learner in one numba function per learner family.

Every kernel plays ``n_steps`` steps against the environment ``(kind, means, sigma, table)``
(:data:`~.instances.KIND_BERNOULLI`, :data:`~.instances.KIND_GAUSSIAN` or
:data:`~.instances.KIND_TABLE`) with the random generator ``rng`` (a
:class:`numpy.random.Generator`, the only source of randomness) and fills three arrays of length
``n_steps``: ``actions`` (the arm played), ``rewards`` (the reward observed) and ``aux`` (a
per-step record documented by each kernel; NaN where it does not apply). Steps are 0-based: at
step ``s`` the learner has made ``s`` plays. The kernels release the GIL, so trials run in
threads.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from rlcert.bounds.concentration import hoeffding_width, kl_bernoulli
from rlcert.bounds.indices import kl_upper_newton

from .instances import KIND_BERNOULLI, KIND_TABLE

RULE_UCB1 = 0
RULE_KLUCB = 1
RULE_TS_BETA = 0
RULE_TS_GAUSSIAN = 1
RULE_EXP3_AUER = 0
RULE_EXP3_LS = 1
RULE_EPS_FIXED = 0
RULE_EPS_DECAYING = 1


@njit(cache=True, nogil=True)
def _draw(kind, means, sigma, table, s, a, rng):
    """Reward of arm ``a`` at step ``s``."""
    if kind == KIND_TABLE:
        return table[s, a]
    if kind == KIND_BERNOULLI:
        return 1.0 if rng.random() < means[a] else 0.0
    return means[a] + sigma * rng.standard_normal()


@njit(cache=True, nogil=True)
def _expected_reward(kind, means, table, s, p):
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
def index_policy(kind, means, sigma, table, n_steps, rule, bonus_scale, c, track, rng,
                 actions, rewards, aux):
    """UCB1 (``rule = 0``) and KL-UCB (``rule = 1``): each arm once, then the largest index.

    At step ``s >= k`` (``s`` plays made so far), with ``n_j`` plays and mean ``x_bar_j`` of arm
    ``j``:

    * UCB1: ``x_bar_j + bonus_scale * hoeffding_width(n_j, 2 s^-4)``, which is
      ``x_bar_j + bonus_scale * sqrt(2 ln s / n_j)``;
    * KL-UCB: ``max {q : n_j kl(x_bar_j, q) <= ln s + c ln ln s}``.

    Ties go to the lowest-numbered arm. KL-UCB's indices are evaluated lazily: the previous
    choice's first, then any other arm's only if it can reach the current best (one kl
    evaluation decides), which changes the cost, not the choice. ``aux[s]`` is the index of arm
    ``track`` at step ``s`` (NaN during the first ``k`` steps or when ``track < 0``).
    """
    k = means.shape[0]
    counts = np.zeros(k, dtype=np.int64)
    sums = np.zeros(k)
    prev = 0
    for s in range(n_steps):
        a = 0
        aux[s] = np.nan
        if s < k:
            a = s
        else:
            delta = 0.0
            f = 0.0
            if rule == RULE_UCB1:
                s2 = float(s) * float(s)
                delta = 2.0 / (s2 * s2)
            else:
                ls = math.log(float(s))
                f = ls + c * math.log(ls)
            if rule == RULE_UCB1:
                best = -np.inf
                for j in range(k):
                    u = sums[j] / counts[j] + bonus_scale * hoeffding_width(counts[j], delta, 1.0)
                    if j == track:
                        aux[s] = u
                    if u > best:
                        best = u
                        a = j
            else:
                # The previous choice's index first; another arm's index reaches the current
                # best only if that value is feasible for it, n_j kl(x_bar_j, best) <= f,
                # which one kl evaluation decides: the same choice as computing every index.
                # The relative margin 1e-9 leaves near-ties (and exact ones, e.g. equal
                # counts and means) to the exact indices and the lowest-number rule.
                a = prev
                best = kl_upper_newton(sums[a] / counts[a], f / counts[a])
                if a == track:
                    aux[s] = best
                for j in range(k):
                    if j == prev:
                        continue
                    mean = sums[j] / counts[j]
                    if j != track and mean < best and \
                            counts[j] * kl_bernoulli(mean, best) > f + 1e-9 * abs(f):
                        continue
                    u = kl_upper_newton(mean, f / counts[j])
                    if j == track:
                        aux[s] = u
                    if u > best or (u == best and j < a):
                        best = u
                        a = j
        prev = a
        r = _draw(kind, means, sigma, table, s, a, rng)
        actions[s] = a
        rewards[s] = r
        counts[a] += 1
        sums[a] += r


@njit(cache=True, nogil=True)
def thompson(kind, means, sigma, table, n_steps, rule, alpha0, beta0, tau, rng,
             actions, rewards, aux):
    """Thompson sampling: Beta-Bernoulli (``rule = 0``) or Gaussian (``rule = 1``).

    * Beta: ``theta_j ~ Beta(alpha0_j + S_j, beta0_j + F_j)`` with ``S_j``, ``F_j`` the successes
      and failures of arm ``j``; a reward ``r`` strictly between 0 and 1 is first turned into a
      Bernoulli(``r``) success (Agrawal and Goyal 2012, Algorithm 2).
    * Gaussian: ``theta_j ~ N(sum_j / (n_j + 1), tau^2 / (n_j + 1))`` with ``sum_j`` the total
      reward of arm ``j`` over its ``n_j`` plays.

    The arm with the largest sample is played. ``aux`` is NaN.
    """
    k = means.shape[0]
    succ = np.zeros(k)
    fail = np.zeros(k)
    counts = np.zeros(k, dtype=np.int64)
    sums = np.zeros(k)
    for s in range(n_steps):
        a = 0
        best = -np.inf
        for j in range(k):
            if rule == RULE_TS_BETA:
                theta = rng.beta(alpha0[j] + succ[j], beta0[j] + fail[j])
            else:
                theta = rng.normal(sums[j] / (counts[j] + 1.0), tau / math.sqrt(counts[j] + 1.0))
            if theta > best:
                best = theta
                a = j
        r = _draw(kind, means, sigma, table, s, a, rng)
        actions[s] = a
        rewards[s] = r
        aux[s] = np.nan
        counts[a] += 1
        sums[a] += r
        if rule == RULE_TS_BETA:
            x = r
            if 0.0 < r < 1.0:
                x = 1.0 if rng.random() < r else 0.0
            succ[a] += x
            fail[a] += 1.0 - x


@njit(cache=True, nogil=True)
def exp3(kind, means, sigma, table, n_steps, rule, rate, rng, actions, rewards, aux):
    """EXP3: Auer et al. 2002 (``rule = 0``, ``rate = gamma``) or Lattimore-Szepesvári
    (``rule = 1``, ``rate = eta``).

    * Auer et al.: ``p_j = (1 - gamma) w_j / sum_i w_i + gamma / k``; after playing ``a`` with
      reward ``x``, ``w_a <- w_a exp(gamma (x / p_a) / k)`` (kept as ``ln w``).
    * Lattimore-Szepesvári: ``P_j = exp(eta S_j) / sum_i exp(eta S_i)``;
      ``S_j <- S_j + 1 - 1{j = a} (1 - x) / P_a``.

    The arm is drawn by inversion with one uniform. ``aux[s] = sum_j p_j x_bar_j`` (row ``s`` of
    the table, or the arm means): the learner's expected reward at step ``s`` given the past.
    """
    k = means.shape[0]
    state = np.zeros(k)
    p = np.empty(k)
    for s in range(n_steps):
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
        u = rng.random()
        a = k - 1
        acc = 0.0
        for j in range(k):
            acc += p[j]
            if u < acc:
                a = j
                break
        aux[s] = _expected_reward(kind, means, table, s, p)
        r = _draw(kind, means, sigma, table, s, a, rng)
        actions[s] = a
        rewards[s] = r
        if rule == RULE_EXP3_AUER:
            state[a] += rate * (r / p[a]) / k
        else:
            for j in range(k):
                state[j] += 1.0
            state[a] -= (1.0 - r) / p[a]


@njit(cache=True, nogil=True)
def epsilon_greedy(kind, means, sigma, table, n_steps, rule, epsilon, c, d, rng,
                   actions, rewards, aux):
    """epsilon-greedy, fixed (``rule = 0``) or ``epsilon_n = min(1, c k / (d^2 n))`` at play
    ``n = s + 1`` (``rule = 1``).

    With probability ``epsilon`` a uniformly random arm, otherwise the arm with the largest
    empirical mean (an arm never played counts as ``+inf``; ties to the lowest-numbered arm).
    One uniform decides, a second (``rng.integers``) picks the random arm. ``aux`` is NaN.
    """
    k = means.shape[0]
    counts = np.zeros(k, dtype=np.int64)
    sums = np.zeros(k)
    for s in range(n_steps):
        if rule == RULE_EPS_FIXED:
            eps = epsilon
        else:
            eps = min(1.0, c * k / (d * d * (s + 1.0)))
        if rng.random() < eps:
            a = rng.integers(0, k)
        else:
            a = 0
            best = -np.inf
            for j in range(k):
                m = np.inf if counts[j] == 0 else sums[j] / counts[j]
                if m > best:
                    best = m
                    a = j
        r = _draw(kind, means, sigma, table, s, a, rng)
        actions[s] = a
        rewards[s] = r
        aux[s] = np.nan
        counts[a] += 1
        sums[a] += r


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
