"""Episodic regret minimisers: UCBVI-CH/BF, optimistic Q-learning (UCB-H/B), PSRL, greedy and
epsilon-greedy baselines, and a learner handed the true model.

Every learner has

* ``run(mdp, *, n_episodes, seed, record_optimism=False, reward_noise="none")``: the whole
  interaction loop compiled (:mod:`._loop`), with the exact pseudo-regret of each episode,
  ``initial . (V*_1 - V^{pi_k}_1)``, from the oracle's value of the policy played;
* a step API for environments rlcert does not own: ``start(n_states, n_actions, horizon,
  n_episodes, seed)``, then per episode ``reset()``, ``act(state, h)`` and
  ``observe(state, action, reward, next_state)``.

Rewards must lie in [0, 1] (the bonuses assume it). The environment's rewards are deterministic
(``r(s, a)``) unless ``reward_noise="bernoulli"`` draws ``Bernoulli(r(s, a))``. Learners estimate
rewards by their empirical mean.
"""

from __future__ import annotations

import numbers

import numpy as np

from rlcert.mdp import FiniteHorizonMDP, solve

from ..base import RunResult, cumulative
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


def _rng(seed):
    ss = np.random.SeedSequence(seed)
    return np.random.Generator(np.random.PCG64(ss)), ss.entropy if seed is None else seed


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
        self._state = None

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
    def run(self, mdp: FiniteHorizonMDP, *, n_episodes: int, seed: int | None = None,
            record_optimism: bool = False, reward_noise: str = "none") -> RunResult:
        """Run ``n_episodes`` episodes on ``mdp`` and measure the pseudo-regret exactly.

        ``record_optimism`` stores ``extras["optimism_margin"][k] = min_{h,s,a} (Q_k - Q*)`` at
        the start of each episode (optimistic learners: negative means optimism failed).
        """
        self._check_model(mdp)
        if isinstance(n_episodes, bool) or not isinstance(n_episodes, numbers.Integral) \
                or n_episodes < 1:
            raise LearnerArgumentError(f"n_episodes must be a positive integer, got {n_episodes!r}")
        if reward_noise not in ("none", "bernoulli"):
            raise LearnerArgumentError(f"reward_noise={reward_noise!r} is not 'none' or "
                                       f"'bernoulli'")
        K, H, S, A = int(n_episodes), mdp.horizon, mdp.n_states, mdp.n_actions
        opt = solve(mdp)
        initial = mdp.initial
        rng, seed_used = _rng(seed)
        state = _loop.new_state(H, S, A)
        regret, returns = np.empty(K), np.empty(K)
        margins = np.full(K, np.nan)
        record = record_optimism and self._code != _loop.KNOWN_MODEL  # its Q table is unused
        Q_star = opt.Q if record else np.empty((0, S, A))
        _loop.run_loop(self._code, state, mdp.operand, mdp.stage_stride, mdp._R,
                       reward_noise == "bernoulli", np.cumsum(initial), initial,
                       float(initial @ opt.V[0]), Q_star, opt.policy, K,
                       self._param_array(float(K * H)), rng, regret, returns, margins)
        extras = {"V_star0": float(initial @ opt.V[0]), "T_steps": K * H, "horizon": H}
        if record_optimism:
            extras["optimism_margin"] = margins  # NaN for the known-model learner
        counts = state[7].copy() if self._code in (_loop.QL_HOEFFDING, _loop.QL_BERNSTEIN) \
            else state[0].copy()
        params = {**self.params(), "H": H, "S": S, "A": A, "K": K, "reward_noise": reward_noise}
        return RunResult(self.algorithm, params, seed_used, "episodes", regret,
                         cumulative(regret), returns, counts, extras)

    # -- step API ------------------------------------------------------------------------------
    def start(self, n_states: int, n_actions: int, horizon: int, n_episodes: int,
              seed: int | None = None) -> None:
        """Prepare for ``n_episodes`` episodes of an environment the learner does not own."""
        if self._code == _loop.KNOWN_MODEL:
            raise LearnerArgumentError("the known-model learner needs the model: use run()")
        for name, v in (("n_states", n_states), ("n_actions", n_actions), ("horizon", horizon),
                        ("n_episodes", n_episodes)):
            if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1:
                raise LearnerArgumentError(f"{name} must be a positive integer, got {v!r}")
        self._dims = (int(horizon), int(n_states), int(n_actions))
        self._state = _loop.new_state(*self._dims)
        self._params = self._param_array(float(n_episodes * horizon))
        self._rng, _ = _rng(seed)
        self._h = 0
        self._episode = 0

    def reset(self) -> None:
        """Begin an episode: fix the policy (planning for model-based learners)."""
        if self._state is None:
            raise LearnerArgumentError("call start(...) before reset()")
        H, S, A = self._dims
        dummy_T = np.zeros((1, S))
        _loop.begin_episode(self._code, self._state, dummy_T, 0, np.zeros((H, S, A)),
                            np.zeros((H, S), np.int64), H, S, A, self._params, self._rng)
        self._h = 0
        self._episode += 1
        p = self._params
        self._eps = p[_loop.P_EPS] if p[_loop.P_DECAY] == 0 else min(
            1.0, p[_loop.P_EPS] / self._episode ** p[_loop.P_DECAY])

    def act(self, state: int, h: int) -> int:
        """The action at ``state`` and stage ``h`` (0-based)."""
        H, S, A = self._dims
        if not (0 <= h < H and 0 <= state < S):
            raise LearnerArgumentError(f"act(state={state}, h={h}) is outside S={S}, H={H}")
        if self._eps > 0 and self._rng.random() < self._eps:
            return int(self._rng.integers(A))
        return int(self._state[13][h, state])

    def observe(self, state: int, action: int, reward: float, next_state: int) -> None:
        """Record the transition of the current stage and advance the stage."""
        H, S, A = self._dims
        if self._h >= H:
            raise LearnerArgumentError(f"more than H={H} observations in one episode; call reset()")
        if not (0 <= state < S and 0 <= next_state < S and 0 <= action < A):
            raise LearnerArgumentError(f"observe({state}, {action}, {reward}, {next_state}) is "
                                       f"outside S={S}, A={A}")
        _loop.observe_step(self._code, self._state, self._h, int(state), int(action),
                           float(reward), int(next_state), H, S, A, self._params, self._rng)
        self._h += 1

    @property
    def q_values(self) -> np.ndarray:
        """The learner's current Q table ``(H, S, A)`` (a copy)."""
        return self._state[4].copy()

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
    zero, a control for the loop and the regret computation."""

    algorithm = "known-model"
    needs_stationary = False

    def __init__(self):
        super().__init__(delta=0.05, bonus_scale=0.0)

    def params(self) -> dict:
        return {}
