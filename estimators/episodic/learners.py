"""Episodic regret minimisers: UCBVI-CH/BF, optimistic Q-learning (UCB-H/B), PSRL, greedy and
epsilon-greedy baselines, and a learner handed the true model.

Every learner has

* ``run(mdp, *, n_episodes, seed, record_optimism=False, reward_noise="none")``: the whole
  interaction loop compiled (:mod:`._loop`), with the exact pseudo-regret of each episode,
  ``initial . (V*_1 - V^{pi_k}_1)``, from the oracle's value of the policy played;
* the verifier's episodic protocol (:class:`rlcert.proofs_checks.protocols.EpisodicSubject`), for
  environments the learner does not own: ``reset(S, A, H, seed, *, n_episodes)``, then per
  episode ``start_episode() -> policy`` (the ``(H, S)`` actions it commits to, or ``(H, S, A)``
  probabilities for epsilon-greedy), ``act(h, s)`` and ``observe(h, s, a, r, s_next)``;
  ``q_values()`` returns the current ``(H, S, A)`` table. ``run`` and the protocol share the same
  compiled steps and seeding (:func:`rlcert.estimators.base.protocol_seeds`): a harness run plays
  exactly what ``run`` plays from the same seed (tested).

Rewards must lie in [0, 1] (the bonuses assume it). The environment's rewards are deterministic
(``r(s, a)``) unless ``reward_noise="bernoulli"`` draws ``Bernoulli(r(s, a))``. Learners estimate
rewards by their empirical mean.
"""

from __future__ import annotations

import numbers
import operator

import numpy as np

from rlcert.mdp import FiniteHorizonMDP, solve

from rlcert.mdp.rollout import sample_categorical

from ..base import (RunResult, as_seed_sequence, check_memory, cumulative, protocol_seeds,
                    seed_record)
from . import _loop


class LearnerArgumentError(ValueError):
    """A learner's parameter or its environment is out of range (the message names it)."""


def _check_positive(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) \
            or value <= 0:
        raise LearnerArgumentError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _check_nonnegative(value, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not np.isfinite(value) \
            or value < 0:
        raise LearnerArgumentError(f"{name} must be a non-negative number, got {value!r}")
    return float(value)


def _positive_int(value, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise LearnerArgumentError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class EpisodicLearner:
    """Base class: the shared ``run`` and step API. Subclasses set ``algorithm`` and params."""

    algorithm = ""
    needs_stationary = True
    optimistic = False

    def __init__(self, *, delta: float = 0.05, bonus_scale: float = 1.0):
        d = _check_positive(delta, "delta")
        if d >= 1:
            raise LearnerArgumentError(f"delta={delta!r} is not in (0, 1)")
        self.delta = d
        self.bonus_scale = _check_nonnegative(bonus_scale, "bonus_scale")
        self._state: tuple | None = None

    # -- parameters ----------------------------------------------------------------------------
    def params(self) -> dict:
        """Every parameter of the learner (``bonus_scale = 1`` is the paper's constant)."""
        return {"delta": self.delta, "bonus_scale": self.bonus_scale}

    def _param_array(self, T: float) -> np.ndarray:
        p = self.params()
        arr = np.zeros(len(_loop.PARAM_NAMES))
        arr[_loop.P_DELTA] = p.get("delta", 0.05)
        arr[_loop.P_SCALE] = p.get("bonus_scale", 1.0)
        arr[_loop.P_C] = p.get("c", 1.0)
        arr[_loop.P_C1] = p.get("c1", 1.0)
        arr[_loop.P_C2] = p.get("c2", 1.0)
        arr[_loop.P_EPS] = p.get("epsilon", 0.0)
        arr[_loop.P_DECAY] = p.get("epsilon_decay", 0.0)
        arr[_loop.P_T] = T
        arr[_loop.P_PRIOR] = 0.0 if p.get("reward_prior", "beta") == "beta" else 1.0
        return arr

    @property
    def _code(self) -> int:
        return _loop.ALGOS[self.algorithm]

    def _check_model(self, m) -> None:
        if not isinstance(m, FiniteHorizonMDP):
            raise LearnerArgumentError(f"{self.algorithm} runs on a FiniteHorizonMDP, got "
                                       f"{type(m).__name__} (use FiniteHorizonMDP.from_tabular)")
        if self.needs_stationary and not m.stationary:
            raise LearnerArgumentError(f"{self.algorithm} assumes stationary transitions; the "
                                       f"model's transitions change with the stage")
        if m.gamma != 1.0:
            raise LearnerArgumentError(f"{self.algorithm} maximises the undiscounted episodic "
                                       f"return; the model has gamma={m.gamma}")
        R = m.R
        if R.min() < 0.0 or R.max() > 1.0:
            raise LearnerArgumentError(f"{self.algorithm} needs rewards in [0, 1]; the model's "
                                       f"range is [{R.min():.6g}, {R.max():.6g}] (rescale it)")

    # -- the compiled loop ---------------------------------------------------------------------
    def transcript(self, mdp: FiniteHorizonMDP, *, n_episodes: int, seed=None,
                   record_optimism: bool = False, reward_noise: str = "none",
                   record_path: bool = False) -> dict:
        """What the verifier's harness observes when it plays this learner through the protocol
        with the same seed, from the compiled loop: per episode ``values`` (``initial .
        V^{pi_k}_0`` of the declared policy), ``starts`` (start state), ``returns``, ``margins``
        (``min (Q_k - Q*)`` when ``record_optimism``, else NaN) and, with ``record_path``, the
        ``(K, H)`` ``states`` and ``actions``; plus ``V_star`` and ``Q_star`` of the model and the
        final ``counts``."""
        self._check_model(mdp)
        K = _positive_int(n_episodes, "n_episodes")
        if reward_noise not in ("none", "bernoulli"):
            raise LearnerArgumentError(f"reward_noise={reward_noise!r} is not 'none' or "
                                       f"'bernoulli'")
        H, S, A = mdp.horizon, mdp.n_states, mdp.n_actions
        check_memory(K * (48.0 + (16.0 * H if record_path else 0.0)) + _loop.state_bytes(H, S, A),
                     "a run's per-episode records and the learner's tables", "n_episodes",
                     n_episodes, LearnerArgumentError)
        opt = solve(mdp)
        env_rng, subject_seed = protocol_seeds(seed, "seed", LearnerArgumentError)
        state = _loop.new_state(H, S, A)
        values, returns = np.empty(K), np.empty(K)
        starts = np.empty(K, np.int64)
        margins = np.full(K, np.nan)
        Q_star = opt.Q if record_optimism else np.empty((0, S, A))
        shape = (K, H) if record_path else (0, 0)
        states, actions = np.empty(shape, np.int64), np.empty(shape, np.int64)
        pi_star = self._model_policy(mdp)
        if self._code == _loop.KNOWN_MODEL:
            state[4][:] = opt.Q  # the known model's declared Q table is Q* itself
        _loop.run_loop(self._code, state, mdp.operand, mdp.stage_stride, mdp._R,
                       reward_noise == "bernoulli", np.ascontiguousarray(mdp.initial), Q_star,
                       pi_star, K, self._param_array(float(K * H)), env_rng,
                       np.random.default_rng(subject_seed), values, starts, returns, margins,
                       states, actions)
        counts = state[7].copy() if self._code in (_loop.QL_HOEFFDING, _loop.QL_BERNSTEIN) \
            else state[0].copy()
        out = {"values": values, "starts": starts, "returns": returns, "margins": margins,
               "V_star": opt.V, "Q_star": opt.Q, "counts": counts}
        if record_path:
            out.update(states=states, actions=actions)
        return out

    def run(self, mdp: FiniteHorizonMDP, *, n_episodes: int, seed: int | None = None,
            record_optimism: bool = False, reward_noise: str = "none") -> RunResult:
        """Run ``n_episodes`` episodes on ``mdp`` and measure the pseudo-regret exactly.

        ``record_optimism`` stores ``extras["optimism_margin"][k] = min_{h,s,a} (Q_k - Q*)`` at
        the start of each episode (optimistic learners: negative means optimism failed).
        """
        ss, entropy, spawn_key = seed_record(seed, "seed", LearnerArgumentError)
        tr = self.transcript(mdp, n_episodes=n_episodes, seed=ss,
                             record_optimism=record_optimism, reward_noise=reward_noise)
        K, H, S, A = len(tr["values"]), mdp.horizon, mdp.n_states, mdp.n_actions
        V_star0 = float(mdp.initial @ tr["V_star"][0])
        regret = V_star0 - tr["values"]
        extras = {"V_star0": V_star0, "T_steps": K * H, "horizon": H, "starts": tr["starts"],
                  "spawn_key": spawn_key}
        if record_optimism:
            extras["optimism_margin"] = tr["margins"]
        params = {**self.params(), "H": H, "S": S, "A": A, "K": K, "reward_noise": reward_noise}
        return RunResult(self.algorithm, params, entropy, "episodes", regret,
                         cumulative(regret), tr["returns"], tr["counts"], extras)

    def _model_policy(self, mdp) -> np.ndarray:
        return np.zeros((mdp.horizon, mdp.n_states), np.int64)

    # -- the protocol (rlcert.proofs_checks.protocols.EpisodicSubject) ------------------------
    #: whether the learner's widths depend on the total number of steps T = K H
    needs_budget = True

    def reset(self, S: int, A: int, H: int, seed=None, *, n_episodes: int | None = None) -> None:
        """Start a run on an environment with ``S`` states, ``A`` actions and horizon ``H``; the
        learner's randomness from ``seed``. ``n_episodes`` (``K``) sets ``T = K H`` in the
        confidence widths of UCBVI and optimistic Q-learning, which need it."""
        S, A, H = (_positive_int(v, n) for v, n in ((S, "S"), (A, "A"), (H, "H")))
        if n_episodes is None:
            if self.needs_budget:
                raise LearnerArgumentError(f"{self.algorithm} needs n_episodes (its confidence "
                                           f"widths use T = K H): reset(S, A, H, seed, "
                                           f"n_episodes=K)")
            n_episodes = 1
        K = _positive_int(n_episodes, "n_episodes")
        check_memory(_loop.state_bytes(H, S, A), "the learner's tables (counts of (s, a, s'), Q "
                     "and V per stage)", "(S, A, H)", (S, A, H), LearnerArgumentError)
        self._dims = (H, S, A)
        self._state = _loop.new_state(H, S, A)
        self._params = self._param_array(float(K * H))
        self._rng = np.random.default_rng(as_seed_sequence(seed, "seed", LearnerArgumentError))
        self._episode = 0
        self._W = None
        self._pi_star = self._protocol_policy(H, S, A)

    def _protocol_policy(self, H, S, A) -> np.ndarray:
        return np.zeros((H, S), np.int64)

    def _started(self, method: str) -> tuple:
        """The protocol run's state (:func:`_loop.new_state`), or an error before ``reset``."""
        if self._state is None:
            raise LearnerArgumentError(f"{self.algorithm}.{method}() before reset(S, A, H, "
                                       f"seed, n_episodes=K): call reset first")
        return self._state

    def start_episode(self) -> np.ndarray:
        """Fix the Markov policy of the next episode (planning, for model-based learners) and
        return it: ``(H, S)`` int actions, or ``(H, S, A)`` probabilities for epsilon-greedy."""
        state = self._started("start_episode")
        H, S, A = self._dims
        _loop.begin_episode(self._code, state, np.zeros((1, S)), 0, np.zeros((H, S, A)),
                            self._pi_star, H, S, A, self._params, self._rng)
        eps = _loop.episode_epsilon(self._params, self._episode)
        self._episode += 1
        if eps > 0.0:
            W = _loop.epsilon_policy(state[13], eps, np.empty((H, S, A)))
            self._W = W
            return W.copy()
        self._W = None
        return state[13].copy()

    def act(self, h: int, s: int) -> int:
        """The action at stage ``h`` (0-based) in state ``s`` under the declared policy (drawn
        with the learner's own generator when the policy is randomised)."""
        state = self._started("act")
        H, S, A = self._dims
        if not (0 <= h < H and 0 <= s < S):
            raise LearnerArgumentError(f"act(h={h!r}, s={s!r}) is outside H={H}, S={S}")
        if self._W is not None:
            return int(sample_categorical(self._W[h, s], self._rng.random()))
        return int(state[13][h, s])

    def observe(self, h: int, s: int, a: int, r: float, s_next: int) -> None:
        """Record the transition ``(s, a, r, s_next)`` observed at stage ``h``."""
        state = self._started("observe")
        H, S, A = self._dims
        try:
            if any(type(v) is bool or isinstance(v, np.bool_) for v in (h, s, a, s_next)):
                raise TypeError
            ih, i_s, ia, i_n = (operator.index(v) for v in (h, s, a, s_next))
        except TypeError:
            ih = -1
        if not (0 <= ih < H and 0 <= i_s < S and 0 <= i_n < S and 0 <= ia < A):
            raise LearnerArgumentError(f"observe(h={h!r}, s={s!r}, a={a!r}, r={r!r}, "
                                       f"s_next={s_next!r}) is outside H={H}, S={S}, A={A}")
        r = float(r)
        if not 0.0 <= r <= 1.0:
            raise LearnerArgumentError(f"observe(...): reward r={r!r} is not in [0, 1]")
        _loop.observe_step(self._code, state, ih, i_s, ia, r, i_n, H, S, A, self._params,
                           self._rng)

    def q_values(self) -> np.ndarray:
        """The learner's current Q table ``(H, S, A)`` (a copy): optimistic learners' upper
        confidence values, declared to the verifier's optimism checks."""
        return self._started("q_values")[4].copy()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.params().items())})"


class UCBVICH(EpisodicLearner):
    """UCBVI with the Chernoff-Hoeffding bonus ``7 H L sqrt(1/N)``, ``L = ln(5 S A T / delta)``
    (Azar, Osband and Munos 2017, Algorithm 3; see :mod:`.bonuses`). Q-values are
    ``min(Q_{k-1,h}, H, r_hat + P_hat V_{h+1} + b)`` on visited pairs and ``H`` elsewhere."""

    algorithm = "UCBVI-CH"
    optimistic = True


class UCBVIBF(EpisodicLearner):
    """UCBVI with the Bernstein-Freedman bonus of Algorithm 4 (Azar et al. 2017; see
    :mod:`.bonuses`)."""

    algorithm = "UCBVI-BF"
    optimistic = True


class OptimisticQLearning(EpisodicLearner):
    """Q-learning with UCB-Hoeffding (``bonus="hoeffding"``) or UCB-Bernstein bonus (Jin,
    Allen-Zhu, Bubeck and Jordan 2018, Algorithms 1 and 2): ``Q_h(s, a) <- (1 - alpha_t)
    Q_h(s, a) + alpha_t (r + V_{h+1}(s') + b_t)``, ``alpha_t = (H+1)/(H+t)``,
    ``V_h(s) = min(H, max_a Q_h(s, a))``, ``Q`` initialised to ``H``. Handles stage-dependent
    transitions. ``c`` (Hoeffding) and ``c1, c2`` (Bernstein) are the paper's unspecified
    absolute constants; the defaults 1 are a documented choice (with ``c = 1`` optimism provably
    holds, see :mod:`.bonuses`)."""

    needs_stationary = False
    optimistic = True

    def __init__(self, bonus: str = "hoeffding", *, delta: float = 0.05, bonus_scale: float = 1.0,
                 c: float = 1.0, c1: float = 1.0, c2: float = 1.0):
        super().__init__(delta=delta, bonus_scale=bonus_scale)
        if bonus not in ("hoeffding", "bernstein"):
            raise LearnerArgumentError(f"bonus={bonus!r} is not 'hoeffding' or 'bernstein'")
        self.bonus = bonus
        self.algorithm = "UCB-H" if bonus == "hoeffding" else "UCB-B"
        self.c = _check_positive(c, "c")
        self.c1 = _check_positive(c1, "c1")
        self.c2 = _check_positive(c2, "c2")

    def params(self) -> dict:
        p = {**super().params(), "bonus": self.bonus}
        if self.bonus == "hoeffding":
            p["c"] = self.c
        else:
            p.update(c1=self.c1, c2=self.c2)
        return p


class PSRL(EpisodicLearner):
    """Posterior sampling for RL (Osband, Russo and Van Roy 2013): at each episode sample
    ``P(.|s, a) ~ Dirichlet(1 + counts)`` and rewards from their posterior, then play the
    sampled MDP's optimal policy (backward induction). Rewards: ``reward_prior="beta"``
    (Beta(1, 1) prior; each observed reward ``r`` in [0, 1] is Bernoulli-ised, the trick of
    Agrawal and Goyal 2012) or ``"gaussian"`` (N(0, 1) prior, unit noise variance)."""

    algorithm = "PSRL"
    needs_budget = False

    def __init__(self, *, reward_prior: str = "beta"):
        super().__init__(delta=0.05, bonus_scale=0.0)
        if reward_prior not in ("beta", "gaussian"):
            raise LearnerArgumentError(f"reward_prior={reward_prior!r} is not 'beta' or "
                                       f"'gaussian'")
        self.reward_prior = reward_prior

    def params(self) -> dict:
        return {"reward_prior": self.reward_prior}


class Greedy(EpisodicLearner):
    """Certainty-equivalent planning on the empirical model, without optimism: the baseline.

    Convention: an unvisited pair has the empirical model's value with zero counts, ``r_hat = 0``
    and ``P_hat = 0``, so ``Q = 0`` (no optimism); values are clipped at ``H``; ties go to the
    lowest action. ``epsilon > 0`` plays a uniformly random action with probability ``epsilon``
    (``epsilon_decay = q > 0`` uses ``min(1, epsilon / k^q)`` in episode ``k``)."""

    algorithm = "greedy"
    needs_budget = False

    def __init__(self, *, epsilon: float = 0.0, epsilon_decay: float = 0.0):
        super().__init__(delta=0.05, bonus_scale=0.0)
        self.epsilon = _check_nonnegative(epsilon, "epsilon")
        if self.epsilon > 1:
            raise LearnerArgumentError(f"epsilon={epsilon!r} is not in [0, 1]")
        self.epsilon_decay = _check_nonnegative(epsilon_decay, "epsilon_decay")
        if self.epsilon > 0:
            self.algorithm = "eps-greedy"

    def params(self) -> dict:
        return {"epsilon": self.epsilon, "epsilon_decay": self.epsilon_decay}


class KnownModel(EpisodicLearner):
    """Plays the true model's optimal policy (zero bonus, exact planning): its pseudo-regret is
    zero, a control for the loop and the regret computation.

    ``run(mdp, ...)`` plays the optimal policy of ``mdp``. Through the protocol the learner must be
    given its model, ``KnownModel(mdp)``; it declares ``pi*`` every episode and ``Q*`` as its
    Q table (optimism margin exactly 0).
    """

    algorithm = "known-model"
    needs_stationary = False
    needs_budget = False

    def __init__(self, model: FiniteHorizonMDP | None = None):
        super().__init__(delta=0.05, bonus_scale=0.0)
        if model is not None:
            self._check_model(model)
        self.model = model

    def params(self) -> dict:
        return {}

    def _model_policy(self, mdp) -> np.ndarray:
        return solve(mdp).policy.astype(np.int64)

    def _known_q(self, mdp) -> np.ndarray:
        return np.array(solve(mdp).Q)

    def _protocol_policy(self, H, S, A) -> np.ndarray:
        m = self.model
        if m is None:
            raise LearnerArgumentError("KnownModel needs its model to run through the protocol: "
                                       "KnownModel(mdp)")
        if (m.horizon, m.n_states, m.n_actions) != (H, S, A):
            raise LearnerArgumentError(f"reset(S={S}, A={A}, H={H}) does not match the model "
                                       f"(S={m.n_states}, A={m.n_actions}, H={m.horizon})")
        self._started("reset")[4][:] = self._known_q(m)
        return self._model_policy(m)
