r"""PAC exploration learners in the discounted setting: :class:`RMAX`, :class:`MBIEEB` and
:class:`DelayedQLearning`, compiled (:mod:`._kernels`).

Their guarantee bounds the **sample complexity of exploration** (Kakade 2003, Ch. 8): the number
of steps ``t`` of one trajectory at which the algorithm's value from ``s_t`` is below
``V*(s_t) - eps``, with probability ``1 - delta``. The algorithm's own value is that of a
non-stationary policy; the verifier measures the frozen-policy proxy ``V^{pi_t}(s_t)``, the value
of the stationary policy each learner declares (``policy()``: the greedy policy of its current
``Q``, which it plays until its next update) -- exact whenever the policy does not change after
``t`` (:func:`rlcert.proofs_checks.harness.exploration_mistakes`).

* **R-MAX** (Brafman and Tennenholtz 2002, in the discounted form analysed by Strehl, Li and
  Littman 2009): a pair is *known* after ``m`` visits; the model keeps its first ``m`` samples;
  unknown pairs are worth ``1 / (1 - gamma)`` (a self-loop paying ``R_max = 1``); the learner
  plans (value iteration) when a pair becomes known and plays the greedy policy.
* **MBIE-EB** (Strehl and Littman 2008, JCSS 74(8), Section 3.3): ``Q(s, a) = r_hat(s, a) + gamma
  sum_s' p_hat(s' | s, a) max_a' Q(s', a') + beta / sqrt(n(s, a))``, ``beta = (1 / (1 - gamma))
  sqrt(ln(2 S A m / delta) / 2)``, ``n`` capped at ``m``; re-planned after every sample kept.
* **Delayed Q-learning** (Strehl, Li, Wiewiora, Langford and Littman 2006, ICML, Algorithm 1):
  ``Q = 1 / (1 - gamma)``; attempted updates of a pair average ``m`` targets
  ``r + gamma max_a' Q(s', a')`` and succeed when they lower ``Q(s, a)`` by at least ``2 eps1``
  (``Q = U / m + eps1``); LEARN flags stop attempts until some Q changed.

``m`` (and ``eps1``) are parameters: the papers give them only up to constants and log factors
(the cards ``pac.rmax``, ``pac.mbie_eb``, ``pac.delayed_q`` carry the orders).
"""

from __future__ import annotations

import numpy as np

from rlcert.mdp import TabularMDP, solve

from ..average._common import (ContinuingArgumentError, check_noise, check_state, check_tabular,
                               check_transition, positive_int, positive_real)
from ..base import RunResult, as_seed_sequence, check_memory, cumulative, protocol_seeds, \
    seed_record
from . import _kernels as kr


class PACLearner:
    """Base class: the compiled run, the continuing protocol, ``policy()`` and ``q_values()``."""

    algorithm = ""

    def __init__(self, *, gamma: float, m: int, delta: float = 0.05):
        self.gamma = positive_real(gamma, "gamma", upper=1.0)
        self.m = positive_int(m, "m")
        self.delta = positive_real(delta, "delta", upper=1.0)
        self._state: tuple[np.ndarray, ...] | None = None

    def params(self) -> dict:
        return {"gamma": self.gamma, "m": self.m, "delta": self.delta}

    def _param_array(self, S: int, A: int) -> np.ndarray:
        p = np.zeros(len(kr.PARAM_NAMES))
        p[kr.P_GAMMA] = self.gamma
        p[kr.P_M] = self.m
        p[kr.P_BETA] = self._beta(S, A)
        p[kr.P_EPS1] = getattr(self, "eps1", 0.0)
        p[kr.P_TOL] = 1e-12 / (1.0 - self.gamma)
        return p

    def _beta(self, S: int, A: int) -> float:
        return 0.0

    @property
    def _code(self) -> int:
        return kr.ALGOS[self.algorithm]

    def _check_model(self, m) -> TabularMDP:
        m = check_tabular(m, self.algorithm)
        if m.gamma is not None and abs(m.gamma - self.gamma) > 0:
            raise ContinuingArgumentError(f"{self.algorithm} was built with gamma={self.gamma}; "
                                          f"the model has gamma={m.gamma}")
        return m

    def _fresh(self, S: int, A: int):
        state = kr.new_state(S, A, self.gamma)
        params = self._param_array(S, A)
        kr.greedy(state[3], state[4])
        return state, params

    def transcript(self, mdp: TabularMDP, *, n_steps: int, seed=None,
                   reward_noise: str = "bernoulli", record_model: bool = False,
                   Q_star=None) -> dict:
        """What the verifier's continuing harness observes when it plays this learner from the
        same seed, from the compiled loop: the path, the declared policies at each change
        (``switch_steps``, ``policies``) and, with ``Q_star``, ``q_margins`` (``min (Q_t -
        Q*)`` per step)."""
        mdp = self._check_model(mdp)
        T = positive_int(n_steps, "n_steps")
        bern = check_noise(reward_noise)
        if record_model:
            raise ContinuingArgumentError(f"{self.algorithm} declares no optimistic_model()")
        S, A = mdp.n_states, mdp.n_actions
        check_memory(8.0 * T * (4 + S), "a run's path and policy records", "n_steps", n_steps,
                     ContinuingArgumentError)
        env_rng, _ = protocol_seeds(seed, "seed", ContinuingArgumentError)
        state, params = self._fresh(S, A)
        states, actions = np.empty(T, np.int64), np.empty(T, np.int64)
        rewards = np.empty(T)
        sw_t = np.empty(T, np.int64)
        sw_pi = np.empty((T, S), np.int64)
        Qs = np.empty((0, A)) if Q_star is None else np.ascontiguousarray(Q_star, dtype=float)
        margins = np.empty(T if Q_star is not None else 0)
        K = int(kr.run_loop(self._code, state, params, np.ascontiguousarray(mdp.dense_P()),
                            np.ascontiguousarray(mdp.R), bern, np.ascontiguousarray(mdp.initial),
                            T, env_rng, Qs, states, actions, rewards, sw_t, sw_pi, margins))
        return {"states": states, "actions": actions, "rewards": rewards,
                "switch_steps": sw_t[:K].copy(), "policies": sw_pi[:K].copy(), "models": None,
                "q_margins": margins if Q_star is not None else None,
                "Q": state[3].copy(), "counts": state[0].copy()}

    def run(self, mdp: TabularMDP, *, n_steps: int, seed: int | None = None,
            reward_noise: str = "bernoulli", eps: float = 0.1) -> RunResult:
        """Run ``n_steps`` steps; ``regret`` per step is ``V*(s_t) - V^{pi_t}(s_t)`` of the
        declared policy (the frozen-policy proxy), ``extras["mistakes"]`` the number of steps
        with ``V^{pi_t}(s_t) < V*(s_t) - eps`` (the sample complexity of exploration)."""
        mdp = self._check_model(mdp)
        eps = positive_real(eps, "eps")
        ss, entropy, spawn_key = seed_record(seed, "seed", ContinuingArgumentError)
        tr = self.transcript(mdp, n_steps=n_steps, seed=ss, reward_noise=reward_noise)
        model = mdp.with_gamma(self.gamma)
        V_star = solve(model).V
        S = mdp.n_states
        idx = np.arange(S)
        P, R = model.dense_P(), np.asarray(model.R)
        rec = np.searchsorted(tr["switch_steps"], np.arange(len(tr["states"])), side="right") - 1
        values = {}
        gaps = np.empty(len(tr["states"]))
        for k in np.unique(rec):
            pol = tr["policies"][k]
            key = pol.tobytes()
            if key not in values:
                values[key] = np.linalg.solve(np.eye(S) - self.gamma * P[idx, pol], R[idx, pol])
            sel = rec == k
            gaps[sel] = V_star[tr["states"][sel]] - values[key][tr["states"][sel]]
        extras = {"mistakes": int(np.sum(gaps > eps)), "eps": eps, "spawn_key": spawn_key,
                  "Q": tr["Q"]}
        params = {**self.params(), "S": S, "A": mdp.n_actions, "T": int(n_steps)}
        return RunResult(self.algorithm, params, entropy, "steps", gaps, cumulative(gaps),
                         tr["rewards"], tr["counts"], extras)

    # -- the continuing protocol -----------------------------------------------------------
    def reset(self, S: int, A: int, seed=None, *, n_steps: int | None = None) -> None:
        """Start a run on ``S`` states and ``A`` actions (no randomness of its own; ``seed`` is
        only validated, ``n_steps`` accepted and ignored)."""
        S, A = positive_int(S, "S"), positive_int(A, "A")
        if n_steps is not None:
            positive_int(n_steps, "n_steps")
        as_seed_sequence(seed, "seed", ContinuingArgumentError)
        check_memory(8.0 * (S * A * S + 8 * S * A), f"{self.algorithm}'s tables", "(S, A)",
                     (S, A), ContinuingArgumentError)
        self._dims = (S, A)
        self._state, self._params = self._fresh(S, A)

    def _started(self, method: str) -> tuple[np.ndarray, ...]:
        """The run's arrays, or the error naming ``method`` when ``reset`` has not been called."""
        if self._state is None:
            raise ContinuingArgumentError(f"{self.algorithm}.{method}() before reset(S, A, "
                                          f"seed): call reset first")
        return self._state

    def act(self, s: int) -> int:
        """The greedy action of the current ``Q`` at ``s``."""
        state = self._started("act")
        return int(state[4][check_state(self._dims, s, self.algorithm)])

    def observe(self, s: int, a: int, r: float, s_next: int) -> None:
        """Record the transition and update (re-plan) the learner."""
        state = self._started("observe")
        i_s, ia, rr, i_n = check_transition(self._dims, s, a, r, s_next, self.algorithm)
        kr.observe(self._code, state, self._params, i_s, ia, rr, i_n)

    def policy(self) -> np.ndarray:
        """The greedy policy of the current ``Q`` (``(S,)``, a copy): what the learner plays until
        its next update."""
        return self._started("policy")[4].copy()

    def q_values(self) -> np.ndarray:
        """The current ``Q`` (``(S, A)``, a copy)."""
        return self._started("q_values")[3].copy()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.params().items())})"


class RMAX(PACLearner):
    """R-MAX with known-threshold ``m`` (see the module docstring)."""

    algorithm = "R-MAX"


class MBIEEB(PACLearner):
    r"""MBIE-EB (see the module docstring); ``bonus_scale`` multiplies ``beta`` (1 = the paper).

    ``beta = (1 / (1 - gamma)) sqrt(ln(2 S A m / delta) / 2)``
    (:func:`rlcert.estimators.pac.mbie_eb_beta`)."""

    algorithm = "MBIE-EB"

    def __init__(self, *, gamma: float, m: int, delta: float = 0.05, bonus_scale: float = 1.0):
        super().__init__(gamma=gamma, m=m, delta=delta)
        if isinstance(bonus_scale, bool) or not isinstance(bonus_scale, (int, float)) \
                or not np.isfinite(bonus_scale) or bonus_scale < 0:
            raise ContinuingArgumentError(f"bonus_scale must be a non-negative number, got "
                                          f"{bonus_scale!r}")
        self.bonus_scale = float(bonus_scale)

    def params(self) -> dict:
        return {**super().params(), "bonus_scale": self.bonus_scale}

    def _beta(self, S: int, A: int) -> float:
        return self.bonus_scale * kr.mbie_eb_beta(S, A, self.m, self.delta, self.gamma)


class DelayedQLearning(PACLearner):
    """Delayed Q-learning with ``m`` samples per attempted update and margin ``eps1`` (see the
    module docstring)."""

    algorithm = "DelayedQ"

    def __init__(self, *, gamma: float, m: int, eps1: float, delta: float = 0.05):
        super().__init__(gamma=gamma, m=m, delta=delta)
        self.eps1 = positive_real(eps1, "eps1")

    def params(self) -> dict:
        return {**super().params(), "eps1": self.eps1}


__all__ = ["RMAX", "MBIEEB", "DelayedQLearning", "PACLearner"]
