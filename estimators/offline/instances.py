r"""Committed offline instances: a coverage-failure instance that separates pessimism from the
plug-in, and a family whose single-policy concentrability is set exactly.

* :func:`coverage_failure` (discounted) and :func:`coverage_failure_episodic`: the data rarely
  cover a risky action whose few samples can look excellent; the plug-in's suboptimality stays
  bounded away from 0 however large the data, a pessimistic estimator's goes to 0.
* :func:`concentrability_family`: ``C* = C`` exactly, for the sample-size-against-``C*`` checks.

Each returns ``(model, behaviour)``: the model with its initial (test) distribution ``rho``, and the
behaviour policy the verifier collects the data with.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from rlcert.mdp import FiniteHorizonMDP, TabularMDP

from .dataset import OfflineArgumentError

#: State names of the coverage-failure instance.
FORK, GOAL, MEADOW, CRASH, WASTE = 0, 1, 2, 3, 4
#: Action names at the fork.
RISKY, SAFE = 0, 1


def _real(value, name: str, lo: float, hi: float, *, lo_open=True, hi_open=True) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise OfflineArgumentError(f"{name} = {value!r} must be a real number")
    v = float(value)
    if (v <= lo if lo_open else v < lo) or (v >= hi if hi_open else v > hi):
        raise OfflineArgumentError(f"{name} = {value!r} is not in {'(' if lo_open else '['}{lo}, "
                                   f"{hi}{')' if hi_open else ']'}")
    return v


def _count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise OfflineArgumentError(f"{name} = {value!r} must be a positive integer")
    return int(value)


def _fork_kernel(q: float) -> np.ndarray:
    P = np.zeros((5, 2, 5))
    P[FORK, RISKY, GOAL] = q
    P[FORK, RISKY, CRASH] = 1.0 - q
    P[FORK, SAFE, MEADOW] = 1.0
    for s in (GOAL, MEADOW, CRASH, WASTE):
        P[s, :, s] = 1.0
    return P


def _fork_rewards(r_meadow: float) -> np.ndarray:
    R = np.zeros((5, 2))
    R[GOAL] = 1.0
    R[MEADOW] = r_meadow
    return R


def coverage_failure(n: int, *, gamma: float = 0.9, q: float = 0.3, r_meadow: float = 0.36,
                     expected_visits: float = 1.2, absorbing_behaviour: float = 0.99,
                     initial=(0.4, 0.3, 0.1, 0.1, 0.1)) -> tuple[TabularMDP, np.ndarray]:
    r"""The coverage-failure instance for ``n`` discounted transitions.

    Five states: the *fork* (0), and four absorbing states, each the same under both actions:
    *goal* (1, reward 1), *meadow* (2, reward ``r_meadow``), *crash* (3, reward 0), *waste* (4,
    reward 0). At the fork (reward 0) the *risky* action (0) leads to the goal with probability
    ``q`` and to the crash otherwise; the *safe* action (1) leads to the meadow. The behaviour
    policy plays the risky action at the fork with probability

    .. math:: w_n = \frac{\bar m}{n\, d^\mu(\text{fork})}, \qquad d^\mu(\text{fork})
              = (1-\gamma)\rho(\text{fork}),

    (the fork is left after one step and never re-entered), so the risky pair is seen ``M_n ~
    Binomial(n, w_n d^mu(fork))`` times, about ``Poisson(m_bar)`` whatever ``n``; on the absorbing
    states it plays action 0 with probability ``absorbing_behaviour`` (0.99) and action 1
    otherwise, so every other pair is seen ``Theta(n)`` times.

    Values (``V_max = 1/(1-gamma)``): ``V(goal) = V_max``, ``V(meadow) = r_meadow V_max``,
    ``V(crash) = V(waste) = 0``, ``Q*(fork, safe) = gamma r_meadow V_max``, ``Q*(fork, risky) =
    gamma q V_max``. With the defaults (``gamma = 0.9``, ``q = 0.3``, ``r_meadow = 0.36``): 3.24
    against 2.7, so the safe action is the only optimal one, with gap ``Delta = gamma (r_meadow -
    q) V_max = 0.54``. The optimal policy is well covered (``C*`` is about 1.01: the behaviour is
    nearly the optimal policy on the states it visits), but no ``n`` covers the risky pair: the
    all-policy coefficient grows like ``n``.

    **Why the plug-in fails.** The plug-in plans in the empirical model. As ``n`` grows every pair
    but the risky one is estimated exactly in the limit (the absorbing states' values are
    learned from ``Theta(n)`` samples), so its risky value is ``gamma (q_hat V_max + (1 - q_hat)
    0)`` with ``q_hat = K / M_n`` the goal frequency of the ``M_n`` risky samples, and it prefers
    the risky action when ``q_hat > r_meadow`` (an unseen risky pair has the empirical model's
    uniform row and reward 0: value ``gamma mean_s V_hat(s) = gamma (gamma r_meadow + 1 +
    r_meadow) V_max / 5 = 3.03 < 3.24``, so it is not preferred). Hence

    .. math:: P(\text{plug-in picks risky}) \to p_\infty = \sum_{m \ge 1}
              \frac{e^{-\bar m} \bar m^m}{m!}\, P\big(\mathrm{Bin}(m, q) > r_{\text{meadow}}\,
              m\big) > 0,

    independent of ``n``, and ``E[V*(rho) - V^{pi_hat}(rho)] -> rho(fork) Delta p_inf > 0``
    (``p_inf = 0.250`` and 0.054 with the defaults): the plug-in's suboptimality does not decay.

    **Why pessimism succeeds.** A pessimistic estimator subtracts from the risky pair's backup a
    penalty that is at least the largest value gap when the pair has few samples (Li et al.'s
    penalty is capped at ``1/(1-gamma)`` exactly when ``N(s, a) <= 2 c_b log(N / ((1-gamma)
    delta))``; VI-LCB's is ``V_max sqrt(L / m)`` with ``L > 1``), so the risky estimate is at most
    ``max{r + gamma V_max - V_max, 0} = 0`` and never beats the safe action's, whose penalty
    vanishes as ``n`` grows: once the safe pair's lower bound is positive, the returned policy is
    optimal. With half of Li et al.'s penalty the cap becomes ``V_max / 2 < gamma V_max``: a risky
    pair whose samples all reached the goal (probability ``sum_m P(M = m) q^m``, about 0.13) then
    gets ``gamma V_hat(goal) - V_max / 2``, close to ``(gamma - 1/2) V_max = 4 > 3.24``, above its
    true value 2.7: the mutant's estimate is not a lower bound (the pessimism check catches it
    once ``V_hat(goal)`` is within about 1 of ``V_max``: ``n`` of order ``10^6`` with the
    defaults). ``m_bar = 1.2`` maximises that probability, ``e^{-m_bar} (e^{q m_bar} - 1)``
    (at ``m_bar = -log(1 - q) / q``).

    Parameters
    ----------
    n : int
        The number of transitions the data will have (sets ``w_n``).
    gamma, q, r_meadow : float
    expected_visits : float
        ``m_bar``, the expected number of risky samples.
    absorbing_behaviour : float in (0, 1)
        The behaviour's probability of action 0 on the absorbing states.
    initial : sequence of 5 floats
        ``rho`` (the test distribution and the data's start distribution).
    """
    n = _count(n, "n")
    gamma = _real(gamma, "gamma", 0.0, 1.0)
    q = _real(q, "q", 0.0, 1.0)
    r_meadow = _real(r_meadow, "r_meadow", 0.0, 1.0, hi_open=False)
    m_bar = _real(expected_visits, "expected_visits", 0.0, math.inf)
    b = _real(absorbing_behaviour, "absorbing_behaviour", 0.0, 1.0)
    rho = _initial(initial)
    m = TabularMDP(_fork_kernel(q), _fork_rewards(r_meadow), gamma, initial=rho)
    w = min(0.5, m_bar / (n * (1.0 - gamma) * rho[FORK]))
    mu = np.empty((5, 2))
    mu[:, 0], mu[:, 1] = b, 1.0 - b
    mu[FORK] = (w, 1.0 - w)
    return m, mu


def _initial(initial) -> np.ndarray:
    rho = np.asarray(initial, dtype=np.float64)
    if rho.shape != (5,) or np.any(rho < 0) or abs(rho.sum() - 1.0) > 1e-12 or rho[FORK] <= 0:
        raise OfflineArgumentError(f"initial must be a distribution over the 5 states with mass "
                                   f"on the fork, got {initial!r}")
    return rho


def coverage_failure_episodic(n_episodes: int, *, horizon: int = 3, q: float = 0.3,
                              r_meadow: float = 0.36, expected_visits: float = 1.2,
                              absorbing_behaviour: float = 0.99,
                              initial=(0.4, 0.3, 0.1, 0.1, 0.1)
                              ) -> tuple[FiniteHorizonMDP, np.ndarray]:
    r"""The finite-horizon version of :func:`coverage_failure` (same states, actions and rewards,
    stationary, ``H = horizon``), for ``n_episodes`` trajectories: the fork is visited only at
    stage 0 (with probability ``rho(fork)``), and the behaviour plays the risky action there with
    probability ``m_bar / (K rho(fork))`` (stage 0; the other stages never see the fork), so the
    risky pair is seen about ``Poisson(m_bar)`` times. Values at the fork: ``Q*(fork, safe) =
    r_meadow (H - 1)``, ``Q*(fork, risky) = q (H - 1)``; the safe action is optimal when
    ``r_meadow > q``, and the plug-in prefers the risky action when its goal frequency exceeds
    ``r_meadow``, as in the discounted case.

    Returns ``(model, behaviour)`` with a ``(H, S, A)`` behaviour policy.
    """
    K = _count(n_episodes, "n_episodes")
    H = _count(horizon, "horizon")
    if H < 2:
        raise OfflineArgumentError(f"horizon = {horizon!r} must be at least 2")
    q = _real(q, "q", 0.0, 1.0)
    r_meadow = _real(r_meadow, "r_meadow", 0.0, 1.0, hi_open=False)
    m_bar = _real(expected_visits, "expected_visits", 0.0, math.inf)
    b = _real(absorbing_behaviour, "absorbing_behaviour", 0.0, 1.0)
    rho = _initial(initial)
    m = FiniteHorizonMDP(_fork_kernel(q), _fork_rewards(r_meadow), H, initial=rho)
    w = min(0.5, m_bar / (K * rho[FORK]))
    mu = np.empty((H, 5, 2))
    mu[..., 0], mu[..., 1] = b, 1.0 - b
    mu[:, FORK] = (w, 1.0 - w)
    return m, mu


def concentrability_family(C: float, *, n_states: int = 2, gamma: float = 0.5,
                           r_expert: float = 1.0, r_decoy: float = 0.25
                           ) -> tuple[TabularMDP, np.ndarray]:
    r"""A discounted instance whose single-policy concentrability is exactly ``C``.

    ``S = n_states`` states, two actions: the *decoy* (0, reward ``r_decoy``) and the *expert*
    action (1, reward ``r_expert > r_decoy``); whatever the action, the next state is uniform over
    the states, and ``rho`` is uniform. The optimal policy plays the expert action everywhere,
    with gap ``r_expert - r_decoy`` at every state. The behaviour plays it with probability ``1/C``
    (and the decoy otherwise). Every state has occupancy ``1/S`` under any policy, so ``d*(s,
    expert) = 1/S``, ``d^mu(s, expert) = 1/(S C)``, ``d*(s, decoy) = 0``:

    .. math:: C^\star = \max_{(s,a)} \frac{d^{\pi^\star}(s, a)}{d^\mu(s, a)} = C,

    for any ``C >= 1`` (``C = 1`` is expert data: the decoy is never seen). The clipped
    coefficient of Li et al. is ``min{1/S, 1/S} C S = C`` as well. A pessimistic estimator returns
    the expert action at a state once the expert pair's lower bound exceeds the decoy's, which
    needs ``N(s, expert) ~ n / (S C)`` to pass a threshold: the sample size it needs grows
    linearly in ``C`` (up to the penalty's log factor and the decoy's own penalty).
    """
    C = _real(C, "C", 1.0, math.inf, lo_open=False)
    S = _count(n_states, "n_states")
    gamma = _real(gamma, "gamma", 0.0, 1.0)
    r_e = _real(r_expert, "r_expert", 0.0, 1.0, hi_open=False)
    r_d = _real(r_decoy, "r_decoy", 0.0, 1.0, lo_open=False)
    if r_d >= r_e:
        raise OfflineArgumentError(f"r_decoy = {r_decoy!r} must be below r_expert = {r_expert!r}")
    P = np.full((S, 2, S), 1.0 / S)
    R = np.empty((S, 2))
    R[:, 0], R[:, 1] = r_d, r_e
    m = TabularMDP(P, R, gamma, initial=np.full(S, 1.0 / S))
    w = 1.0 / C
    mu = np.empty((S, 2))
    mu[:, 0], mu[:, 1] = 1.0 - w, w
    return m, mu


__all__ = ["coverage_failure", "coverage_failure_episodic", "concentrability_family",
           "FORK", "GOAL", "MEADOW", "CRASH", "WASTE", "RISKY", "SAFE"]
