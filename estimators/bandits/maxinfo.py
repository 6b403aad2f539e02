r"""MaxInfo Boltzmann exploration for stochastic bandits: a softmax over the empirical means plus an
information-gain bonus (after Sukhija, Coros, Krause, Abbeel and Sferrazza 2024, "MaxInfoRL:
boosting exploration in reinforcement learning through information gain maximization",
arXiv:2412.12098, whose bandit section shows that Boltzmann exploration steered by the information
gain has sublinear regret).

**The rule.** Model each arm as Gaussian with noise variance ``sigma^2`` and a flat prior; after
``n_a`` plays the posterior variance of its mean is ``sigma^2 / n_a`` and the information one
more observation carries about it is

.. math::  I_t(a) = \tfrac12 \log\Big(1 + \frac{\sigma_t^2(a)}{\sigma^2}\Big)
           = \tfrac12 \log\Big(1 + \frac{1}{n_a}\Big).

Play each arm once; then, after ``t`` plays, draw the arm from

.. math::  \pi_t(a) \propto \exp\big(\eta_t\, u_t(a)\big), \qquad
           u_t(a) = \hat\mu_a + \lambda \sqrt{8 \ln t \; I_t(a)}, \qquad \eta_t = \sqrt{t},

the Boltzmann (softmax) policy over value plus information bonus, the temperature ``1 / eta_t``
decreasing. The learner declares ``pi_t`` to the verifier (``probabilities()``), which draws the
arm itself.

**Regret** (derived here; the paper's bandit theorem and constants could not be read, so the
card is order-only). For rewards in ``[0, 1]`` and ``lambda = 1``:
``E[R_T] = O(sqrt(k T ln T) + ln(k) sqrt(T))``, sublinear. Proof sketch: ``2 I_t(a) = ln(1 + 1/n_a)
>= 1 / (2 n_a)``, so the bonus is at least UCB1's width ``sqrt(2 ln t / n_a)`` and, off an event of
probability ``O(t^-3)`` per step (Hoeffding, as in Auer et al. 2002), ``mu* <= max_a u_t(a)`` and
``mu_a >= u_t(a) - 2 b_t(a)``. The softmax loses at most ``ln(k) / eta_t`` against the maximum
(``max_a u - E_pi u <= ln k / eta`` for the Gibbs distribution), hence
``mu* - E_pi mu <= ln k / sqrt(t) + 2 E_pi b_t``; summing, ``sum_t ln k / sqrt t <= 2 ln k
sqrt T`` and ``sum_t b_t(A_t) <= sum_a sum_{n <= N_a} sqrt(4 ln T / n) <= 4 sqrt(k T ln T)``.

Parameters
----------
info_scale : float >= 0
    ``lambda`` (1: the rule above). ``0`` drops the information bonus: plain Boltzmann exploration,
    which can lock onto a wrong arm (a documented deviation, not the method).
inverse_temperature : float > 0, optional
    A fixed ``eta`` instead of the schedule ``sqrt(t)``: constant-temperature Boltzmann keeps
    every arm's probability bounded away from 0 and has linear regret (a documented deviation).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from rlcert.mdp.rollout import sample_categorical

from . import _kernels as K
from .errors import BanditArgumentError
from .learners import _finite, _ProbabilityPolicy


@njit(cache=True, nogil=True)
def maxinfo_probabilities(counts, sums, s, info_scale, eta_fixed, p):
    """``pi_t`` (module docstring) after ``s`` plays into ``p``: the first unplayed arm with
    probability 1, else the Gibbs distribution at ``eta = sqrt(s)`` (or ``eta_fixed > 0``)."""
    k = counts.shape[0]
    for j in range(k):
        if counts[j] == 0:
            for i in range(k):
                p[i] = 0.0
            p[j] = 1.0
            return
    t = float(s)
    lt = math.log(t)
    eta = math.sqrt(t) if eta_fixed <= 0.0 else eta_fixed
    mx = -np.inf
    for j in range(k):
        info = 0.5 * math.log1p(1.0 / counts[j])
        u = sums[j] / counts[j] + info_scale * math.sqrt(8.0 * lt * info)
        p[j] = u
        if u > mx:
            mx = u
    tot = 0.0
    for j in range(k):
        p[j] = math.exp(eta * (p[j] - mx))
        tot += p[j]
    for j in range(k):
        p[j] /= tot


@njit(cache=True, nogil=True)
def play_maxinfo(kind, means, sigma, table, n_steps, info_scale, eta_fixed, env_rng, arms,
                 rewards, aux, declared):
    """The rule against the environment: the environment draws the arm from the declared ``p``
    with its uniform ``u`` (as the verifier's harness does); ``aux[s] = p_s . mu``."""
    k = means.shape[0]
    counts = np.zeros(k, dtype=np.int64)
    sums = np.zeros(k)
    p = np.empty(k)
    record = declared.shape[0] == n_steps
    for s in range(n_steps):
        maxinfo_probabilities(counts, sums, s, info_scale, eta_fixed, p)
        if record:
            declared[s, :] = p
        aux[s] = K.mean_reward(kind, means, table, s, p)
        a = sample_categorical(p, env_rng.random())
        r = K.env_reward(kind, means, sigma, table, s, a, K.env_noise(kind, env_rng))
        arms[s] = a
        rewards[s] = r
        counts[a] += 1
        sums[a] += r


class MaxInfoBoltzmann(_ProbabilityPolicy):
    r"""Boltzmann exploration over ``mu_hat_a + lambda sqrt(8 ln t I_t(a))`` at inverse temperature
    ``sqrt(t)``, ``I_t(a) = log(1 + 1/n_a) / 2`` the information gain of one more observation of
    arm ``a`` (see :mod:`rlcert.estimators.bandits.maxinfo` for the rule, the regret bound and its
    proof).

    Parameters
    ----------
    info_scale : float >= 0
        ``lambda`` (default 1). ``0``: plain Boltzmann, a documented deviation.
    inverse_temperature : float > 0, optional
        A fixed ``eta`` instead of ``sqrt(t)`` (a documented deviation with linear regret).
    """

    name = "MaxInfo-Boltzmann"

    def __init__(self, info_scale: float = 1.0, inverse_temperature: float | None = None) -> None:
        self.info_scale = _finite("info_scale", info_scale, 0.0)
        if inverse_temperature is not None:
            inverse_temperature = _finite("inverse_temperature", inverse_temperature, 0.0,
                                          lo_open=True)
        self.inverse_temperature = inverse_temperature

    def params(self, n_steps=None, k=None):
        return {"info_scale": self.info_scale, "inverse_temperature": self.inverse_temperature}

    @property
    def _eta(self) -> float:
        return 0.0 if self.inverse_temperature is None else self.inverse_temperature

    def _play(self, env, n_steps, env_rng, agent_rng, track, arms, rewards, aux, declared):
        play_maxinfo(*env, n_steps, self.info_scale, self._eta, env_rng, arms, rewards, aux,
                     declared)

    def _fresh(self, k, n_steps):
        self._counts = np.zeros(k, dtype=np.int64)
        self._sums = np.zeros(k)
        self._p = None

    def _fill_probabilities(self, p):
        maxinfo_probabilities(self._counts, self._sums, self._s, self.info_scale, self._eta, p)

    def _update(self, arm, reward):
        self._counts[arm] += 1
        self._sums[arm] += reward
        self._p = None

    def information_gain(self) -> np.ndarray:
        """``I_t(a) = log(1 + 1 / n_a) / 2`` per arm (``inf`` for an arm never played)."""
        self._started("information_gain")
        with np.errstate(divide="ignore"):
            return np.where(self._counts > 0, 0.5 * np.log1p(1.0 / np.maximum(self._counts, 1)),
                            np.inf)


__all__ = ["MaxInfoBoltzmann", "maxinfo_probabilities", "play_maxinfo", "BanditArgumentError"]
