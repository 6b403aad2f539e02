r"""Exploration bonuses and learning rates of the episodic learners, as the papers state them.

Every function is compiled (numba) so that the interaction loops call it directly, and is unit
tested against the printed formula. Notation: ``H`` horizon, ``S`` states, ``A`` actions, ``K``
episodes, ``T = K H`` steps (both papers count steps), ``N`` a visit count.

UCBVI (Azar, Osband and Munos 2017, ICML, Algorithms 3 and 4):

* Chernoff-Hoeffding (Alg. 3): ``b(s, a) = 7 H L sqrt(1 / N(s, a))``, ``L = ln(5 S A T / delta)``;
* Bernstein-Freedman (Alg. 4)::

      b(s, a) = sqrt(8 L Var_{y ~ P_hat(.|s,a)}[V_{h+1}(y)] / N(s, a)) + 14 H L / (3 N(s, a))
                + sqrt(8 sum_y P_hat(y|s,a) min(100^2 H^3 S^2 A L^2 / N'_{h+1}(y), H^2) / N(s, a))

  with ``N'_{h+1}(y)`` the number of visits to state ``y`` at step ``h+1``.

  The paper's displays could not be read in the copies available here; these constants are those
  of a restatement citing the paper's pages (the theorem's log is ``ln(5 H S A T / delta)``; the
  algorithms' is ``ln(5 S A T / delta)``, as used here). ``bonus_scale`` multiplies the bonus
  (1 = these constants).

Optimistic Q-learning (Jin, Allen-Zhu, Bubeck and Jordan 2018, NeurIPS, Algorithms 1 and 2):

* learning rate ``alpha_t = (H + 1) / (H + t)``, ``t`` the number of visits to ``(h, s, a)``
  after the increment (eq. (3));
* Hoeffding (Alg. 1): ``b_t = c sqrt(H^3 iota / t)``, ``iota = log(S A T / p)``, for "some
  absolute constant c > 0" (Theorem 1), whose value the paper does not give. Default ``c = 1``:
  optimism then holds with probability >= 1 - p, by the Azuma-Hoeffding inequality for the
  weighted sum ``sum_i alpha_t^i (V*_{h+1}(s_i') - P V*_{h+1})`` (increments in an interval of
  length ``alpha_t^i H``, ``sum_i (alpha_t^i)^2 <= 2H/t``, Lemma 4.1(b)): its lower deviation is
  at most ``sqrt(H^3 iota / t) <= sum_i alpha_t^i b_i`` (Lemma 4.1(a)), union-bounded over the
  ``S A T`` events;
* Bernstein (Alg. 2): ``beta_t = min{c1 (sqrt((H/t)(W_t + H) iota) + sqrt(H^7 S A) iota / t),
  c2 sqrt(H^3 iota / t)}`` and ``b_t = (beta_t - (1 - alpha_t) beta_{t-1}) / (2 alpha_t)``, with
  ``W_t`` the empirical variance of ``V_{h+1}`` at the observed next states; ``c1 = c2 = 1`` by
  default (unspecified absolute constants in the paper).
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True)
def ucbvi_log(S, A, T, delta):
    """``L = ln(5 S A T / delta)`` (Azar et al. 2017, Algorithms 3 and 4)."""
    return math.log(5.0 * S * A * T / delta)


@njit(cache=True)
def ucbvi_ch_bonus(N, H, L):
    """``7 H L sqrt(1 / N)`` (Azar et al. 2017, Algorithm 3, UCBVI-CH)."""
    return 7.0 * H * L * math.sqrt(1.0 / N)


@njit(cache=True)
def ucbvi_bf_bonus(N, H, S, A, L, var_next, sum_p_min):
    """UCBVI-BF bonus (Azar et al. 2017, Algorithm 4).

    ``var_next = Var_{y ~ P_hat}[V_{h+1}(y)]``; ``sum_p_min = sum_y P_hat(y) min(100^2 H^3 S^2 A
    L^2 / N'_{h+1}(y), H^2)`` (computed by the caller, who knows ``N'``)."""
    return (math.sqrt(8.0 * L * var_next / N) + 14.0 * H * L / (3.0 * N)
            + math.sqrt(8.0 * sum_p_min / N))


@njit(cache=True)
def ucbvi_bf_cap(H, S, A, L, N_next):
    """``min(100^2 H^3 S^2 A L^2 / N'_{h+1}(y), H^2)`` (``H^2`` for an unvisited ``y``)."""
    if N_next <= 0:
        return H * H
    return min(1e4 * H ** 3 * S * S * A * L * L / N_next, H * H)


@njit(cache=True)
def ql_iota(S, A, T, delta):
    """``iota = log(S A T / p)`` (Jin et al. 2018, Theorem 1; p is our delta)."""
    return math.log(S * A * T / delta)


@njit(cache=True)
def ql_learning_rate(t, H):
    """``alpha_t = (H + 1) / (H + t)`` (Jin et al. 2018, eq. (3))."""
    return (H + 1.0) / (H + t)


@njit(cache=True)
def ql_hoeffding_bonus(t, H, iota, c):
    """``b_t = c sqrt(H^3 iota / t)`` (Jin et al. 2018, Algorithm 1)."""
    return c * math.sqrt(H ** 3 * iota / t)


@njit(cache=True)
def ql_bernstein_beta(t, H, S, A, iota, W, c1, c2):
    """``beta_t = min{c1 (sqrt((H/t)(W_t + H) iota) + sqrt(H^7 S A) iota / t), c2 sqrt(H^3 iota/t)}``
    (Jin et al. 2018, Algorithm 2); ``beta_0 = 0``."""
    if t <= 0:
        return 0.0
    first = c1 * (math.sqrt(H / t * (W + H) * iota) + math.sqrt(H ** 7 * S * A) * iota / t)
    return min(first, c2 * math.sqrt(H ** 3 * iota / t))


@njit(cache=True)
def ql_bernstein_bonus(beta_t, beta_prev, alpha_t):
    """``b_t = (beta_t - (1 - alpha_t) beta_{t-1}) / (2 alpha_t)`` (Jin et al. 2018, Algorithm 2)."""
    return (beta_t - (1.0 - alpha_t) * beta_prev) / (2.0 * alpha_t)
