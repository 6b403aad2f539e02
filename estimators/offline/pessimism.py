r"""Pessimistic offline estimators: value iteration with lower confidence bounds.

Each estimator implements the verifier's offline protocol, ``fit(dataset) -> OfflineEstimate``
(``policy``, the value estimate ``V``, ``Q``, the penalties used); the dataset comes from
:func:`~rlcert.estimators.offline.collect_transitions` (discounted) or
:func:`~rlcert.estimators.offline.collect_episodes` (episodic), or from :func:`from_minari`.
Rewards are assumed in ``[0, 1]``. Every penalty constant is the source's where it could be
read, and every other choice is named as such below; ``penalty_scale`` multiplies the penalty (1
is the paper's algorithm; any other value is a documented deviation, used by the checks to show
that they can tell).

==========================  =======================================================================
estimator                   algorithm
==========================  =======================================================================
:class:`VILCB`              Rashidinejad, Zhu, Ma, Jiao and Russell (2021), VI-LCB for discounted
                            MDPs: data split into ``T + 1`` parts, Hoeffding-style penalty
                            ``V_max sqrt(L / m_t(s, a))``, monotone value update
:class:`LiBernsteinLCB`     Li, Shi, Chen, Chi and Wei (2022), Algorithm 1: VI-LCB reusing all the
                            data, Bernstein-style penalty (28), ``tau_max`` sweeps
:class:`TabularPEVI`        Jin, Yang and Wang (2021), PEVI for a tabular MDP (the linear MDP with
                            one-hot features): ridge backup, penalty ``beta / sqrt(N_h + lambda)``
==========================  =======================================================================

The plug-in control (no penalty) is :class:`~rlcert.estimators.offline.PlugInOffline`.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._model import (OfflineEstimate, bernstein_lcb_sweeps, check_dataset, check_gamma,
                     check_positive, check_probability, check_unit_rewards, empirical_model,
                     known_rewards, pair_keys, rewards_argument)
from .dataset import Dataset, OfflineArgumentError


# -- Rashidinejad et al. (2021) --------------------------------------------------------------------
class VILCB:
    r"""VI-LCB for discounted MDPs (Rashidinejad, Zhu, Ma, Jiao and Russell 2021, "Bridging offline
    reinforcement learning and imitation learning: a tale of pessimism", NeurIPS; arXiv
    2103.12021, the LCB algorithm for MDPs).

    From ``N`` transitions ``(s, a, r, s')``, ``(s, a) ~ d^mu``:

    1. ``T = ceil(log N / (1 - gamma))``; split the data into ``T + 1`` parts ``D_0, ..., D_T`` of
       ``m = floor(N / (T + 1))`` transitions (the remainder is not used).
    2. ``pi_0(s) = argmax_a m_0(s, a)`` (the most frequent action of ``D_0``; ties: the first),
       ``V_0 = 0``.
    3. For ``t = 1..T``, from ``D_t`` alone: counts ``m_t(s, a)``, mean rewards ``r_t(s, a)`` and
       empirical transitions ``P^t_{s,a}`` (``r_t = 0`` and a default ``P^t_{s,a}`` when
       ``m_t(s, a) = 0``), and

       .. math:: b_t(s, a) = V_{\max} \sqrt{\frac{L}{m_t(s, a) \vee 1}}, \qquad
                 L = c_L \log\frac{2 (T + 1) S A}{\delta}, \qquad V_{\max} = \frac{1}{1-\gamma},

       .. math:: Q_t(s, a) = r_t(s, a) - b_t(s, a) + \gamma P^t_{s,a} V_{t-1},

       ``V^mid_t(s) = max_a Q_t(s, a)``, and the *monotone* update: where ``V^mid_t(s) >
       V_{t-1}(s)``, ``V_t(s) = V^mid_t(s)`` and ``pi_t(s) = argmax_a Q_t(s, a)``; elsewhere both
       are kept.
    4. Return ``pi_T`` (and ``V_T``, which lower-bounds ``V^{pi_T}`` on the event that every
       penalty dominates its estimation error).

    Li et al. (2022, Sec. 2.2, read) describe this algorithm as VI-LCB with fresh samples in each
    of ``O~(1/(1-gamma))`` iterations and a Hoeffding-style penalty, with sample complexity
    ``S C* / ((1-gamma)^5 eps^2)`` up to log factors (card ``offline.vi_lcb.upper``, order only).
    The algorithm's text could not be read here: its steps above, ``T``, the initial policy and
    the constant ``c_L = 2000`` of ``L`` are as recalled from the paper (unverified). The data are
    i.i.d., so contiguous blocks are distributed as the paper's random split (``shuffle_seed``
    permutes them first anyway). The default ``P^t_{s,a}`` of an unseen pair is the uniform
    distribution (the paper's is an arbitrary probability vector; its ``Q_t`` is then below
    ``-V_max sqrt(L) + gamma V_max < 0`` whatever the vector, so it never moves ``V``).

    Parameters
    ----------
    gamma : float in (0, 1)
        The discount of the problem the data come from.
    delta : float in (0, 1), default 0.05
        The confidence parameter of ``L`` (a user choice; the paper's bound in expectation sets
        ``delta = 1/N``, as recalled).
    c_L : float, default 2000
        The constant of ``L`` (as recalled from the paper, unverified).
    penalty_scale : float >= 0, default 1
        Multiplies ``b_t`` (a documented deviation when not 1).
    shuffle_seed : int >= 0, optional
        Permute the transitions before splitting.
    """

    algorithm = "VI-LCB (Rashidinejad et al.)"

    def __init__(self, gamma: float, *, delta: float = 0.05, c_L: float = 2000.0,
                 penalty_scale: float = 1.0, shuffle_seed: int | None = None):
        self.gamma = check_gamma(gamma, self.algorithm)
        self.delta = check_probability(delta, "delta")
        self.c_L = check_positive(c_L, "c_L")
        self.penalty_scale = check_positive(penalty_scale, "penalty_scale", allow_zero=True)
        if shuffle_seed is not None and (isinstance(shuffle_seed, (bool, np.bool_)) or
                                         not isinstance(shuffle_seed, numbers.Integral) or
                                         shuffle_seed < 0):
            raise OfflineArgumentError(f"shuffle_seed = {shuffle_seed!r} must be an integer >= 0 "
                                       f"or None")
        self.shuffle_seed = shuffle_seed

    def params(self) -> dict:
        return {"gamma": self.gamma, "delta": self.delta, "c_L": self.c_L,
                "penalty_scale": self.penalty_scale, "shuffle_seed": self.shuffle_seed}

    def schedule(self, N: int, S: int, A: int) -> tuple[int, int, float]:
        """``(T, m, L)`` for ``N`` transitions on ``S`` states and ``A`` actions."""
        T = max(1, math.ceil(math.log(N) / (1.0 - self.gamma)))
        m = N // (T + 1)
        L = self.c_L * math.log(2.0 * (T + 1) * S * A / self.delta)
        return T, m, L

    def fit(self, data: Dataset) -> OfflineEstimate:
        """Run the algorithm on ``data`` (discounted transitions)."""
        data = check_dataset(data, self.algorithm, episodic=False)
        check_unit_rewards(data, self.algorithm)
        S, A, N = data.n_states, data.n_actions, data.size
        T, m, L = self.schedule(N, S, A)
        if m < 1:
            raise OfflineArgumentError(f"{self.algorithm}: N = {N} transitions cannot be split "
                                       f"into T + 1 = {T + 1} non-empty parts")
        order = np.arange(N) if self.shuffle_seed is None else \
            np.random.default_rng(self.shuffle_seed).permutation(N)
        key = pair_keys(data.states, data.actions, A)[order]
        rew, nxt = data.rewards[order], data.next_states[order]
        g, vmax = self.gamma, 1.0 / (1.0 - self.gamma)
        m0 = np.bincount(key[:m], minlength=S * A).reshape(S, A)
        policy = np.argmax(m0, axis=1).astype(np.int64)
        V = np.zeros(S)
        Q = np.zeros((S, A))
        b = np.zeros((S, A))
        counts = np.zeros((S, A), dtype=np.int64)
        for t in range(1, T + 1):
            sl = slice(t * m, (t + 1) * m)
            k = key[sl]
            mt = np.bincount(k, minlength=S * A)
            seen = mt > 0
            r_t = np.where(seen, np.bincount(k, weights=rew[sl], minlength=S * A) /
                           np.maximum(mt, 1), 0.0)
            PV = np.where(seen, np.bincount(k, weights=V[nxt[sl]], minlength=S * A) /
                          np.maximum(mt, 1), V.mean())
            bt = vmax * np.sqrt(L / np.maximum(mt, 1))
            Qt = (r_t - self.penalty_scale * bt + g * PV).reshape(S, A)
            V_mid = Qt.max(axis=1)
            better = V_mid > V
            policy = np.where(better, np.argmax(Qt, axis=1), policy)
            V = np.where(better, V_mid, V)
            Q, b = Qt, bt.reshape(S, A)
            counts += mt.reshape(S, A)
        return OfflineEstimate(self.algorithm, policy, V, Q, self.penalty_scale * b, counts,
                               {**self.params(), "T": T, "m": m, "L": L, "N": N},
                               {"initial_policy_counts": m0})


# -- Li et al. (2022) ------------------------------------------------------------------------------
class LiBernsteinLCB:
    r"""VI-LCB with the Bernstein-style penalty (Li, Shi, Chen, Chi and Wei 2022, "Settling the
    sample complexity of model-based offline reinforcement learning", Ann. Statist. 52(1); arXiv
    2204.05275, Algorithm 1).

    All ``N`` transitions build one empirical model (eqs. (24)-(25): ``P_hat`` from counts,
    uniform rows for unseen pairs) and value iteration runs on the pessimistic operator (27),
    ``Q_0 = 0``:

    .. math:: \hat Q_\tau(s, a) = \max\{r(s, a) + \gamma \hat P_{s,a} \hat V_{\tau-1}
              - b(s, a; \hat V_{\tau-1}),\ 0\}, \qquad \hat V_\tau(s) = \max_a \hat Q_\tau(s, a),

    .. math:: b(s, a; V) = \min\Big\{\max\Big\{\sqrt{\frac{c_b \log\frac{N}{(1-\gamma)\delta}}
              {N(s, a)} \mathrm{Var}_{\hat P_{s,a}}(V)},\ \frac{2 c_b \log\frac{N}{(1-\gamma)
              \delta}}{(1-\gamma) N(s, a)}\Big\},\ \frac{1}{1-\gamma}\Big\} + \frac{5}{N}
              \qquad (28)

    for ``tau = 1..tau_max``, and ``pi_hat(s) = argmax_a Q_hat_{tau_max}(s, a)`` (first maximiser).
    Theorem 1: for ``gamma in [1/2, 1)``, ``tau_max >= log(N / (1-gamma)) / (1-gamma)`` and ``c_b``
    large enough, with probability at least ``1 - 2 delta``, ``V*(rho) - V^{pi_hat}(rho) <= eps``
    once ``N >= c_1 S C*_clipped log(N S / ((1-gamma) delta)) / ((1-gamma)^3 eps^2)``, for every
    ``eps in (0, 1/(1-gamma)]`` (no burn-in); Remark 2: ``c_b >= 144`` and ``c_1 = 21000 c_b``
    suffice (cards ``offline.li2022.upper`` and ``offline.li2022.suboptimality``, explicit).

    The penalty (28), ``c_b = 144`` (the paper's example value, and Remark 2's sufficient one)
    and the iteration count (Theorem 1's, the default ``tau_max = ceil(log(N / (1-gamma)) /
    (1-gamma))``) were read in the published version. The paper's learner knows ``r``; here
    ``r`` is the mean observed reward of each pair unless ``rewards`` is given (the same when the
    data's rewards are deterministic). The sweeps run compiled
    (:func:`~rlcert.estimators.offline._model.bernstein_lcb_sweeps`).

    Parameters
    ----------
    gamma : float in (0, 1)
        The discount (the theorem covers ``gamma >= 1/2``).
    delta : float in (0, 1), default 0.05
        The penalty's confidence parameter (a user choice; success probability ``1 - 2 delta``).
    c_b : float, default 144
    n_iter : int, optional
        ``tau_max`` (default Theorem 1's).
    penalty_scale : float >= 0, default 1
        Multiplies ``b`` (a documented deviation when not 1).
    rewards : array_like (S, A), optional
        Known rewards.
    """

    algorithm = "VI-LCB Bernstein (Li et al.)"

    def __init__(self, gamma: float, *, delta: float = 0.05, c_b: float = 144.0,
                 n_iter: int | None = None, penalty_scale: float = 1.0, rewards=None):
        self.gamma = check_gamma(gamma, self.algorithm)
        self.delta = check_probability(delta, "delta")
        self.c_b = check_positive(c_b, "c_b")
        if n_iter is not None and (isinstance(n_iter, bool) or
                                   not isinstance(n_iter, numbers.Integral) or n_iter < 1):
            raise OfflineArgumentError(f"n_iter = {n_iter!r} must be a positive integer or None")
        self.n_iter = None if n_iter is None else int(n_iter)
        self.penalty_scale = check_positive(penalty_scale, "penalty_scale", allow_zero=True)
        self.rewards = rewards_argument(rewards, self.algorithm)
        if self.rewards is not None and (self.rewards.min() < 0.0 or self.rewards.max() > 1.0):
            raise OfflineArgumentError(f"{self.algorithm} assumes rewards in [0, 1]; rewards "
                                       f"range over [{self.rewards.min():.6g}, "
                                       f"{self.rewards.max():.6g}]")

    def params(self) -> dict:
        return {"gamma": self.gamma, "delta": self.delta, "c_b": self.c_b, "n_iter": self.n_iter,
                "penalty_scale": self.penalty_scale,
                "rewards": None if self.rewards is None else self.rewards.tolist()}

    def iterations(self, N: int) -> int:
        """``tau_max``: the given ``n_iter``, or ``ceil(log(N / (1-gamma)) / (1-gamma))``."""
        if self.n_iter is not None:
            return self.n_iter
        return max(1, math.ceil(math.log(N / (1.0 - self.gamma)) / (1.0 - self.gamma)))

    def log_term(self, N: int) -> float:
        """``log(N / ((1-gamma) delta))``."""
        return math.log(N / ((1.0 - self.gamma) * self.delta))

    def fit(self, data: Dataset) -> OfflineEstimate:
        """Run Algorithm 1 on ``data`` (discounted transitions)."""
        data = check_dataset(data, self.algorithm, episodic=False)
        check_unit_rewards(data, self.algorithm)
        S, A, N = data.n_states, data.n_actions, data.size
        R = known_rewards(self.rewards, (S, A), self.algorithm)
        em = empirical_model(data.states, data.actions, data.rewards, data.next_states, S, A, R)
        tau, ell = self.iterations(N), self.log_term(N)
        Q, V, b = np.zeros(S * A), np.zeros(S), np.zeros(S * A)
        bernstein_lcb_sweeps(em.indptr, em.indices, em.prob, em.N.astype(np.float64), em.r,
                             self.gamma, self.c_b * ell, 5.0 / N, self.penalty_scale, tau, Q, V, b)
        Q_sa = Q.reshape(S, A)
        policy = np.argmax(Q_sa, axis=1).astype(np.int64)
        return OfflineEstimate(self.algorithm, policy, V, Q_sa,
                               self.penalty_scale * b.reshape(S, A), em.N.reshape(S, A),
                               {**self.params(), "tau_max": tau, "log_term": ell, "N": N},
                               {"rewards_used": em.r.reshape(S, A)})


# -- Jin, Yang and Wang (2021) ---------------------------------------------------------------------
class TabularPEVI:
    r"""Pessimistic value iteration for a tabular MDP (Jin, Yang and Wang 2021, "Is pessimism
    provably efficient for offline RL?", ICML; arXiv 2012.15085), from ``K`` trajectories of
    length ``H``.

    A tabular MDP is a linear MDP with one-hot features ``phi(s, a) = e_{(s,a)}``, ``d = S A``; the
    paper's linear PEVI (ridge regression with ``Lambda_h = sum_k phi phi^T + lambda I``) then
    reads, for ``h = H-1, ..., 0`` (0-based: stage ``h`` is the paper's ``h + 1``; ``V_hat_H = 0``):

    .. math:: \hat B_h V(s, a) = \frac{\sum_{k: (s_h^k, a_h^k) = (s, a)} \big(r_h^k
              + \hat V_{h+1}(s_{h+1}^k)\big)}{N_h(s, a) + \lambda}, \qquad
              \Gamma_h(s, a) = \beta\, \|\phi(s, a)\|_{\Lambda_h^{-1}}
              = \frac{\beta}{\sqrt{N_h(s, a) + \lambda}},

    ``Q_hat_h = min{B_hat_h V - Gamma_h, H - h}^+``, ``V_hat_h = max_a Q_hat_h``, ``pi_hat_h``
    greedy, with ``beta = c d H sqrt(zeta)``, ``zeta = log(2 d H K / xi)``, ``lambda = 1``.
    Theorem 4.2 (any ``xi``-uncertainty quantifier ``Gamma``): with probability ``1 - xi``,
    ``SubOpt(pi_hat; s) <= 2 sum_h E_{pi*}[Gamma_h(s_h, a_h) | s_1 = s]`` (card
    ``offline.pevi.upper``, order only).

    The form of ``beta`` and ``zeta`` follows the paper's linear-MDP result as the catalog records
    it (its constant ``c`` is an absolute constant the paper does not give: ``c = 1`` is a
    documented choice, as in :class:`~rlcert.estimators.linear.LinearPEVI`, which this estimator
    equals on one-hot features); neither was read in the source here.

    Parameters
    ----------
    c : float, default 1
    xi : float in (0, 1), default 0.05
    lam : float > 0, default 1
    penalty_scale : float >= 0, default 1
        Multiplies ``beta`` (a documented deviation when not 1; 0 is the plug-in).
    """

    algorithm = "PEVI (tabular)"

    def __init__(self, *, c: float = 1.0, xi: float = 0.05, lam: float = 1.0,
                 penalty_scale: float = 1.0):
        self.c = check_positive(c, "c")
        self.xi = check_probability(xi, "xi")
        self.lam = check_positive(lam, "lam")
        self.penalty_scale = check_positive(penalty_scale, "penalty_scale", allow_zero=True)

    def params(self) -> dict:
        return {"c": self.c, "xi": self.xi, "lam": self.lam, "penalty_scale": self.penalty_scale}

    def beta(self, S: int, A: int, H: int, K: int) -> float:
        """``penalty_scale * c d H sqrt(log(2 d H K / xi))``, ``d = S A``."""
        d = S * A
        return self.penalty_scale * self.c * d * H * math.sqrt(math.log(2.0 * d * H * K / self.xi))

    def fit(self, data: Dataset) -> OfflineEstimate:
        """Run PEVI on ``data`` (episodic trajectories)."""
        data = check_dataset(data, self.algorithm, episodic=True)
        check_unit_rewards(data, self.algorithm)
        S, A, H, K = data.n_states, data.n_actions, data.horizon, data.n_episodes
        assert H is not None  # check_dataset(episodic=True) accepts episodic data only
        beta = self.beta(S, A, H, K)
        V = np.zeros((H + 1, S))
        Q, B, G = (np.zeros((H, S, A)) for _ in range(3))
        counts = np.zeros((H, S, A), dtype=np.int64)
        for h in range(H - 1, -1, -1):
            key = pair_keys(data.states[:, h], data.actions[:, h], A)
            n = np.bincount(key, minlength=S * A)
            y = data.rewards[:, h] + V[h + 1][data.next_states[:, h]]
            denom = n + self.lam
            B[h] = (np.bincount(key, weights=y, minlength=S * A) / denom).reshape(S, A)
            G[h] = (beta / np.sqrt(denom)).reshape(S, A)
            Q[h] = np.clip(B[h] - G[h], 0.0, float(H - h))
            V[h] = Q[h].max(axis=1)
            counts[h] = n.reshape(S, A)
        policy = np.argmax(Q, axis=2).astype(np.int64)
        return OfflineEstimate(self.algorithm, policy, V, Q, G, counts,
                               {**self.params(), "beta": beta, "K": K, "H": H, "d": S * A},
                               {"bellman_estimate": B})


__all__ = ["VILCB", "LiBernsteinLCB", "TabularPEVI"]
