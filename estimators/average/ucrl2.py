r"""UCRL2 (Jaksch, Ortner and Auer 2010, "Near-optimal regret bounds for reinforcement learning",
JMLR 11:1563-1600, Figure 1), compiled.

The algorithm, as Figure 1 states it (time ``t`` is 1-based; ``N_k(s, a)`` counts the visits
before episode ``k``, ``nu_k(s, a)`` those inside it):

1. at ``t_k = t`` set ``N_k``, the empirical rewards ``r_hat_k`` and transitions ``p_hat_k``
   (counts divided by ``max{1, N_k(s, a)}``);
2. the plausible set ``M_k``: rewards and transition rows with

   .. math:: |\tilde r(s, a) - \hat r_k(s, a)| \le
             \sqrt{\frac{7 \log(2 S A t_k / \delta)}{2 \max\{1, N_k(s, a)\}}}, \qquad
             \|\tilde p(\cdot|s, a) - \hat p_k(\cdot|s, a)\|_1 \le
             \sqrt{\frac{14 S \log(2 A t_k / \delta)}{\max\{1, N_k(s, a)\}}};

3. extended value iteration (Section 3.1.2) finds ``pi~_k`` and an optimistic ``M~_k`` in
   ``M_k`` with ``rho~_k >= max_{M' in M_k} rho*(M') - 1 / sqrt(t_k)``, stopped when
   ``span(u_{i+1} - u_i) < 1 / sqrt(t_k)``;
4. play ``pi~_k`` while ``nu_k(s_t, pi~_k(s_t)) < max{1, N_k(s_t, pi~_k(s_t))}`` (doubling).

The theorem (Theorem 2): on a communicating MDP with diameter ``D`` and rewards in [0, 1], with
probability at least ``1 - delta``, for every ``T > 1``, ``Delta(T) = T rho* - sum_t r_t <= 34 D
S sqrt(A T log(T / delta))``. The number of episodes is at most ``S A log2(8 T / (S A))`` for
``T >= S A`` (Proposition 18).

The radii were checked against the paper's Figure 1 (reward, transition) and against
independent code (PRISM's ``UCRL2IntervalEstimator``: ``sqrt(14 S log(2 A t_k / delta) /
max(1, N))``; see reference/theorems.md REG-1). ``radius_scale`` (or the separate
``reward_scale`` / ``transition_scale``) multiplies the radii: 1 is the paper; anything else is a
documented variant, used by the checks as a mutant that must fail.

Rewards of the optimistic model are ``r_hat + radius`` (the paper's interval, not clipped at 1).
At ``N = 0`` the transition set is the whole simplex (the paper's radius is then at least 2).
"""

from __future__ import annotations

import math

import numpy as np

from rlcert.mdp import TabularMDP, classify, solve_average

from ..base import RunResult, as_seed_sequence, check_memory, cumulative, protocol_seeds, \
    seed_record
from . import _kernels as kr
from ._common import (ContinuingArgumentError, check_noise, check_state, check_tabular,
                      check_transition, nonnegative_real, positive_int, positive_real)


class NotCommunicatingError(ContinuingArgumentError):
    """UCRL2's guarantee needs a communicating MDP; the model is not (the message says why)."""


_CLASSIFIED: dict[int, tuple] = {}


def _classification(m: TabularMDP):
    """:func:`rlcert.mdp.classify` of ``m``, remembered for the last few models (models are
    immutable; checks run many trials on one model)."""
    hit = _CLASSIFIED.get(id(m))
    if hit is not None and hit[0] is m:
        return hit[1]
    c = classify(m)
    if len(_CLASSIFIED) > 32:
        _CLASSIFIED.clear()
    _CLASSIFIED[id(m)] = (m, c)
    return c


def episode_bound(S: int, A: int, T: int) -> float:
    r"""``S A log2(8 T / (S A))``: the number of episodes of UCRL2 up to step ``T >= S A``
    (JOA 2010, Proposition 18 in Appendix C.2)."""
    return S * A * math.log2(8.0 * T / (S * A))


class UCRL2:
    r"""UCRL2 (see the module docstring for the algorithm and the theorem).

    Parameters
    ----------
    delta : float in (0, 1)
        Confidence parameter of the radii (and of Theorem 2).
    radius_scale : float >= 0
        Multiplies both radii (1 = the paper).
    reward_scale, transition_scale : float >= 0, optional
        Multiply each radius separately (default ``radius_scale``).
    max_sweeps : int
        A safeguard on extended value iteration's sweeps (the stopping rule decides first on
        every model tested; a run that hits it says so in ``extras["evi_capped"]``).

    Notes
    -----
    ``run(mdp, n_steps=T, seed=...)`` runs the compiled loop and returns the per-step
    pseudo-regret ``rho* - r(s_t, a_t)`` (``rho*`` from :func:`rlcert.mdp.solve_average`).
    The verifier's continuing protocol (:class:`rlcert.proofs_checks.protocols.ContinuingSubject`)
    is ``reset(S, A, seed)``, ``act(s)``, ``observe(s, a, r, s_next)``, with the declarations
    ``policy()`` (``pi~_k``) and ``optimistic_model()`` (``(p~, r~)``: the optimistic rows
    ``p~(. | s, pi~_k(s))`` of EVI's last sweep and ``r~(s, pi~_k(s))``).

    Examples
    --------
    >>> from rlcert.mdp import instances
    >>> res = UCRL2().run(instances.riverswim(4), n_steps=2000, seed=0)
    >>> res.n, res.extras["episodes"] <= episode_bound(4, 2, 2000)
    (2000, True)
    """

    algorithm = "UCRL2"

    def __init__(self, *, delta: float = 0.05, radius_scale: float = 1.0,
                 reward_scale: float | None = None, transition_scale: float | None = None,
                 max_sweeps: int = 100_000):
        self.delta = positive_real(delta, "delta", upper=1.0)
        self.radius_scale = nonnegative_real(radius_scale, "radius_scale")
        self.reward_scale = self.radius_scale if reward_scale is None else \
            nonnegative_real(reward_scale, "reward_scale")
        self.transition_scale = self.radius_scale if transition_scale is None else \
            nonnegative_real(transition_scale, "transition_scale")
        self.max_sweeps = positive_int(max_sweeps, "max_sweeps")
        self._state: tuple[np.ndarray, ...] | None = None

    def params(self) -> dict:
        """Every parameter (``reward_scale = transition_scale = 1`` are the paper's radii)."""
        return {"delta": self.delta, "reward_scale": self.reward_scale,
                "transition_scale": self.transition_scale, "max_sweeps": self.max_sweeps}

    def _param_array(self) -> np.ndarray:
        p = np.zeros(len(kr.PARAM_NAMES))
        p[kr.P_DELTA] = self.delta
        p[kr.P_SCALE_R] = self.reward_scale
        p[kr.P_SCALE_P] = self.transition_scale
        p[kr.P_MAX_SWEEPS] = self.max_sweeps
        return p

    def _check_model(self, m) -> TabularMDP:
        m = check_tabular(m, self.algorithm)
        c = _classification(m)
        if not c.communicating:
            raise NotCommunicatingError(f"UCRL2 needs a communicating MDP (Jaksch et al. 2010, "
                                        f"Theorem 2): this model is not communicating: "
                                        f"{c.explanation}")
        return m

    # -- the compiled loop -----------------------------------------------------------------
    def transcript(self, mdp: TabularMDP, *, n_steps: int, seed=None,
                   reward_noise: str = "bernoulli", record_model: bool = True) -> dict:
        """What the verifier's continuing harness observes when it plays this learner through
        the protocol from the same seed, from the compiled loop: the path (``states``,
        ``actions``, ``rewards``, each ``(T,)``), and at each episode start (0-based step
        ``switch_steps``) the declared ``policies`` and optimistic ``models`` ``(p~, r~)``;
        ``episodes`` (all of them, also those past the record cap) and ``evi_capped``."""
        mdp = self._check_model(mdp)
        T = positive_int(n_steps, "n_steps")
        bern = check_noise(reward_noise)
        S, A = mdp.n_states, mdp.n_actions
        cap = int(min(T, 4 * episode_bound(S, A, max(T, S * A)) + 4 * S * A + 16))
        check_memory(24.0 * T + 8.0 * cap * (S * S + 2 * S + 1),
                     "a run's path and per-episode records", "n_steps", n_steps,
                     ContinuingArgumentError)
        env_rng, _ = protocol_seeds(seed, "seed", ContinuingArgumentError)
        state = kr.new_state(S, A)
        states, actions = np.empty(T, np.int64), np.empty(T, np.int64)
        rewards = np.empty(T)
        ep_t = np.zeros(cap, np.int64)
        ep_pi = np.zeros((cap, S), np.int64)
        ep_p = np.zeros((cap, S, S))
        ep_r = np.zeros((cap, S))
        K = int(kr.run_loop(state, self._param_array(), np.ascontiguousarray(mdp.dense_P()),
                            np.ascontiguousarray(mdp.R), bern,
                            np.ascontiguousarray(mdp.initial), T, env_rng, states, actions,
                            rewards, ep_t, ep_pi, ep_p, ep_r))
        n = min(K, cap)
        out = {"states": states, "actions": actions, "rewards": rewards,
               "switch_steps": ep_t[:n] - 1, "policies": ep_pi[:n],
               "models": (ep_p[:n], ep_r[:n]) if record_model else None,
               "episodes": K, "episode_starts": ep_t[:n].copy(),
               "evi_capped": bool(state[5][3] < 0)}
        return out

    def run(self, mdp: TabularMDP, *, n_steps: int, seed: int | None = None,
            reward_noise: str = "bernoulli") -> RunResult:
        """Run ``n_steps`` steps and measure the pseudo-regret ``rho* - r(s_t, a_t)`` per step;
        ``extras``: ``rho_star``, ``regret`` (realised ``T rho* - sum r_t``), ``episodes``,
        ``episode_starts`` (``t_k``, 1-based), ``evi_capped``."""
        ss, entropy, spawn_key = seed_record(seed, "seed", ContinuingArgumentError)
        tr = self.transcript(mdp, n_steps=n_steps, seed=ss, reward_noise=reward_noise,
                             record_model=False)
        rho = float(np.max(solve_average(mdp).gain))
        pseudo = rho - np.asarray(mdp.R)[tr["states"], tr["actions"]]
        S, A = mdp.n_states, mdp.n_actions
        counts = np.bincount(tr["states"] * A + tr["actions"], minlength=S * A).reshape(S, A)
        extras = {"rho_star": rho, "regret": rho * len(pseudo) - float(tr["rewards"].sum()),
                  "episodes": tr["episodes"], "episode_starts": tr["episode_starts"],
                  "evi_capped": tr["evi_capped"], "spawn_key": spawn_key}
        params = {**self.params(), "S": mdp.n_states, "A": mdp.n_actions, "T": int(n_steps),
                  "reward_noise": reward_noise}
        return RunResult(self.algorithm, params, entropy, "steps", pseudo, cumulative(pseudo),
                         tr["rewards"], counts, extras)

    # -- the continuing protocol ----------------------------------------------------------
    def reset(self, S: int, A: int, seed=None, *, n_steps: int | None = None) -> None:
        """Start a run on ``S`` states and ``A`` actions (UCRL2 is anytime: ``n_steps`` is
        accepted and ignored; it has no randomness of its own, ``seed`` is only validated)."""
        S, A = positive_int(S, "S"), positive_int(A, "A")
        if n_steps is not None:
            positive_int(n_steps, "n_steps")
        as_seed_sequence(seed, "seed", ContinuingArgumentError)
        check_memory(8.0 * (S * A * S + S * S + 6 * S * A), "UCRL2's tables", "(S, A)", (S, A),
                     ContinuingArgumentError)
        self._dims = (S, A)
        self._state = kr.new_state(S, A)
        self._params = self._param_array()

    def _started(self, method: str) -> tuple[np.ndarray, ...]:
        """The run's arrays, or the error naming ``method`` when ``reset`` has not been called."""
        if self._state is None:
            raise ContinuingArgumentError(f"UCRL2.{method}() before reset(S, A, seed): call "
                                          f"reset first")
        return self._state

    def act(self, s: int) -> int:
        """The action at state ``s`` (starting a new episode first when the doubling rule says
        so)."""
        state = self._started("act")
        a, _ = kr.act(state, check_state(self._dims, s, self.algorithm), self._params)
        return int(a)

    def observe(self, s: int, a: int, r: float, s_next: int) -> None:
        """Record the transition ``(s, a, r, s_next)``."""
        state = self._started("observe")
        kr.observe(state, *check_transition(self._dims, s, a, r, s_next, self.algorithm))

    def policy(self) -> np.ndarray:
        """The current episode's policy ``pi~_k`` (``(S,)`` actions, a copy)."""
        return self._started("policy")[4].copy()

    def optimistic_model(self) -> tuple[np.ndarray, np.ndarray]:
        """``(p~, r~)``: the optimistic rows ``p~(. | s, pi~_k(s))`` (``(S, S)``) and rewards
        ``r~(s, pi~_k(s))`` (``(S,)``) extended value iteration chose in its last sweep."""
        state = self._started("optimistic_model")
        return state[6].copy(), state[7].copy()

    @property
    def episodes(self) -> int:
        """Episodes started so far (protocol runs)."""
        return int(self._started("episodes")[5][2])

    def __repr__(self) -> str:
        return f"UCRL2({', '.join(f'{k}={v!r}' for k, v in self.params().items())})"


__all__ = ["UCRL2", "NotCommunicatingError", "episode_bound"]
