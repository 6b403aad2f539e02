r"""Bandit learners: compiled interaction loops behind ``run(bandit, *, n_steps, seed)``, and the
verifier's bandit protocol (``reset`` / ``select`` / ``update``) on the same compiled steps.

Every learner returns a :class:`~rlcert.estimators.RunResult` with ``unit = "steps"``:

* ``regret[t]``: on a stochastic instance the pseudo-regret ``mu* - mu_{A_t}``; on an
  adversarial table the increment of the regret against the best fixed arm in hindsight,
  ``(max_a S_{t+1,a} - max_a S_{t,a}) - x_{t,A_t}`` with ``S_{n,a} = sum_{s<n} x_{s,a}``, so that
  ``cumulative_regret[n - 1] = max_a S_{n,a} - sum_{t<n} x_{t,A_t}`` (the running sum);
* ``returns[t]``: the reward observed; ``counts``: pulls per arm;
* ``extras["actions"]``: the arm of every step; ``extras["spawn_key"]``: with ``seed``, the
  :class:`numpy.random.SeedSequence` that reproduces the run,
  ``SeedSequence(result.seed, spawn_key=result.extras["spawn_key"])``; plus what each learner documents (the optimal
  arm's index for UCB1 and KL-UCB, the expected regret from the sampling probabilities for EXP3).

**The protocol.** Every learner also implements :class:`rlcert.proofs_checks.protocols.BanditSubject`:
``reset(n_arms, seed, *, n_steps=None)``, ``select() -> arm``, ``update(arm, reward)``; UCB1 and
KL-UCB declare their ``indices()``, EXP3 its sampling ``probabilities()`` (the verifier then draws
the arm itself). ``run`` and the protocol share the compiled step functions of :mod:`._kernels`,
and ``run(bandit, n_steps=n, seed=s)`` plays exactly what the verifier's harness plays with the
same seed (tested), since both split ``s`` with :func:`rlcert.estimators.base.protocol_seeds`.

``seed`` is an int, a :class:`numpy.random.SeedSequence` (e.g. a child of
``SeedSequence(seed).spawn(n_trials)``) or ``None`` (fresh entropy). The same seed gives
bit-identical results. Learners whose guarantees need rewards in ``[0, 1]`` (UCB1, KL-UCB,
Beta-Bernoulli Thompson sampling, EXP3) refuse a :class:`GaussianBandit`.

Indexing: steps are 0-based in the arrays; ``t`` in the papers' formulas is stated per learner.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from rlcert.estimators.base import (RunResult, as_seed_sequence, check_memory, cumulative,
                                    protocol_seeds, seed_record)
from rlcert.mdp.rollout import sample_categorical

from . import _kernels as K
from .errors import BanditArgumentError
from .instances import KIND_GAUSSIAN, KIND_TABLE, AdversarialBandit, StochasticBandit

Bandit = StochasticBandit | AdversarialBandit


# -- shared plumbing ---------------------------------------------------------------------------
def check_bandit(bandit) -> Bandit:
    """The instance, or :class:`BanditArgumentError` if it is not one of this package's."""
    if not isinstance(bandit, (StochasticBandit, AdversarialBandit)):
        raise BanditArgumentError(f"bandit must be a BernoulliBandit, GaussianBandit or "
                                  f"AdversarialBandit, got {type(bandit).__name__}")
    return bandit


def check_steps(n_steps, bandit: Bandit) -> int:
    """``n_steps`` as a positive int, at most the table's horizon for adversarial instances."""
    if isinstance(n_steps, (bool, np.bool_)) or not isinstance(n_steps, (int, np.integer, float)):
        raise BanditArgumentError(f"n_steps = {n_steps!r} must be a positive integer")
    if isinstance(n_steps, float) and not (math.isfinite(n_steps) and n_steps.is_integer()):
        raise BanditArgumentError(f"n_steps = {n_steps!r} must be a positive integer")
    if n_steps < 1:
        raise BanditArgumentError(f"n_steps = {n_steps!r} must be a positive integer")
    n_steps = int(n_steps)
    if isinstance(bandit, AdversarialBandit) and n_steps > bandit.horizon:
        raise BanditArgumentError(f"n_steps = {n_steps} exceeds the reward table's horizon "
                                  f"{bandit.horizon}")
    return n_steps


def seed_sequence(seed) -> tuple[np.random.SeedSequence, Any, tuple]:
    """``(SeedSequence, recorded seed, spawn_key)`` for an int, a SeedSequence or ``None``."""
    return seed_record(seed, "seed", BanditArgumentError)


def check_positive_int(value, name: str) -> int:
    """``value`` as a positive int (an integral number), else :class:`BanditArgumentError`."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) \
            or value < 1:
        raise BanditArgumentError(f"{name} = {value!r} must be a positive integer")
    return int(value)


def _finite(name: str, value, lo: float | None = None, hi: float | None = None, *,
            lo_open: bool = False, hi_open: bool = False) -> float:
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise BanditArgumentError(f"{name} = {value!r} must be a number") from None
    ok = math.isfinite(v)
    if ok and lo is not None:
        ok = v > lo if lo_open else v >= lo
    if ok and hi is not None:
        ok = v < hi if hi_open else v <= hi
    if not ok:
        lo_s = "-inf" if lo is None else f"{lo:g}"
        hi_s = "inf" if hi is None else f"{hi:g}"
        interval = ("(" if lo_open or lo is None else "[") + f"{lo_s}, {hi_s}" + \
                   (")" if hi_open or hi is None else "]")
        raise BanditArgumentError(f"{name} = {v!r} is not in {interval}")
    return v


class BanditLearner:
    """Base class: validation, seeding, the :class:`RunResult` record and the protocol plumbing
    around a learner's compiled steps.

    Subclasses implement ``_play`` (the compiled loop), ``_fresh(k, n_steps)`` (the protocol
    state after ``reset``), ``_select()`` and ``_update(arm, reward)``.
    """

    name = "bandit learner"
    #: whether the learner's guarantee assumes rewards in [0, 1] (refuses GaussianBandit)
    unit_rewards = True
    #: whether ``aux`` holds the index of the optimal arm (UCB-type learners)
    tracks_index = False
    #: whether ``aux`` holds the expected reward ``p_t . x_t`` (EXP3)
    expected_from_probabilities = False
    #: what the learner declares to the verifier each step: "indices", "probabilities" or None
    declares: str | None = None

    def params(self, n_steps: int | None = None, k: int | None = None) -> dict[str, Any]:
        """Every parameter as run (``n_steps`` and the arm count ``k`` resolve horizon-dependent
        tunings)."""
        raise NotImplementedError

    def _play(self, env, n_steps, env_rng, agent_rng, track, arms, rewards, aux,
              declared) -> None:
        raise NotImplementedError

    def check(self, bandit) -> Bandit:
        """The instance, or :class:`BanditArgumentError` if the learner's assumptions exclude it."""
        bandit = check_bandit(bandit)
        if self.unit_rewards and bandit.kind == KIND_GAUSSIAN:
            raise BanditArgumentError(f"{self.name} needs rewards in [0, 1]; {bandit!r} has "
                                      f"unbounded Gaussian rewards")
        return bandit

    def _track(self, bandit: Bandit) -> int:
        # the adversarial table (kind KIND_TABLE) has no best arm to track
        return bandit.best_arm if self.tracks_index and isinstance(bandit, StochasticBandit) else -1

    # -- the compiled run --------------------------------------------------------------------
    def transcript(self, bandit: Bandit, *, n_steps: int, seed=None, record: bool = False
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """``(arms, rewards, aux, declared)`` of the compiled run from ``seed``: what the
        verifier's harness observes when it plays this learner through the protocol with the same
        seed (``declared`` is ``(n_steps, k)`` when ``record`` and the learner declares a vector
        each step, else empty)."""
        bandit = self.check(bandit)
        n_steps = check_steps(n_steps, bandit)
        rows = n_steps if record and self.declares is not None else 0
        check_memory(n_steps * 64.0 + rows * bandit.k * 8.0, "a run's per-step records",
                     "n_steps", n_steps, BanditArgumentError)
        env_rng, subject_seed = protocol_seeds(seed, "seed", BanditArgumentError)
        agent_rng = np.random.default_rng(subject_seed)
        k = bandit.k
        arms = np.empty(n_steps, dtype=np.int64)
        rewards = np.empty(n_steps)
        aux = np.empty(n_steps)
        declared = np.empty((rows, k))
        self._play(bandit._env(), n_steps, env_rng, agent_rng, self._track(bandit), arms, rewards,
                   aux, declared)
        return arms, rewards, aux, declared

    def run(self, bandit: Bandit, *, n_steps: int, seed=None) -> RunResult:
        """Play ``n_steps`` steps on ``bandit`` from ``seed``; see the module docstring."""
        ss, entropy, spawn_key = seed_sequence(seed)
        arms, rewards, aux, _ = self.transcript(bandit, n_steps=n_steps, seed=ss)
        return self._record(self.check(bandit), len(arms), entropy, spawn_key, arms, rewards, aux)

    def _record(self, bandit, n_steps, seed, spawn_key, actions, rewards, aux) -> RunResult:
        extras: dict[str, Any] = {"actions": actions, "spawn_key": spawn_key,
                                  "instance": bandit.name}
        if bandit.kind == KIND_TABLE:
            best = bandit.best_cumulative[:n_steps]
            regret = np.diff(best, prepend=0.0) - rewards
            extras["best_cumulative"] = best
        else:
            regret = bandit.gaps[actions]
        if self.tracks_index:
            extras["best_arm_index"] = aux
        if self.expected_from_probabilities:
            extras["expected_reward"] = aux
            if bandit.kind == KIND_TABLE:
                extras["expected_cumulative_regret"] = best - np.cumsum(aux)
            else:
                extras["expected_cumulative_regret"] = np.cumsum(bandit.best_mean - aux)
        return RunResult(algorithm=self.name, params=self.params(n_steps, bandit.k), seed=seed,
                         unit="steps", regret=regret, cumulative_regret=cumulative(regret),
                         returns=rewards, counts=np.bincount(actions, minlength=bandit.k),
                         extras=extras)

    # -- the protocol (rlcert.proofs_checks.protocols.BanditSubject) ---------------------------
    def reset(self, n_arms: int, seed=None, *, n_steps: int | None = None) -> None:
        """Start a run on ``n_arms`` arms, the learner's randomness from ``seed`` (an int, a
        SeedSequence or None); ``n_steps`` is the horizon, needed by horizon-tuned learners."""
        k = check_positive_int(n_arms, "n_arms")
        if k < 2:
            raise BanditArgumentError(f"n_arms = {n_arms!r}: a bandit needs at least 2 arms")
        if n_steps is not None:
            n_steps = check_positive_int(n_steps, "n_steps")
        check_memory(k * 48.0, "the learner's per-arm state", "n_arms", n_arms,
                     BanditArgumentError)
        self._rng = np.random.default_rng(as_seed_sequence(seed, "seed", BanditArgumentError))
        self._k = k
        self._s = 0
        self._fresh(k, n_steps)

    def _started(self, method: str) -> None:
        if getattr(self, "_k", None) is None:
            raise BanditArgumentError(f"{self.name}.{method}() before reset(n_arms, seed): call "
                                      f"reset first")

    def select(self) -> int:
        """The arm to play at the current step."""
        self._started("select")
        return int(self._select())

    def update(self, arm: int, reward: float) -> None:
        """Record that ``arm`` was played and paid ``reward``; advance the step."""
        self._started("update")
        if isinstance(arm, (bool, np.bool_)) or not isinstance(arm, (int, np.integer)) \
                or not 0 <= arm < self._k:
            raise BanditArgumentError(f"arm = {arm!r} is not an arm index in [0, {self._k})")
        r = float(reward)
        if not math.isfinite(r) or (self.unit_rewards and not 0.0 <= r <= 1.0):
            raise BanditArgumentError(f"reward = {reward!r} must be finite"
                                      + (" and in [0, 1]" if self.unit_rewards else ""))
        self._update(int(arm), r)
        self._s += 1

    def _fresh(self, k: int, n_steps: int | None) -> None:
        raise NotImplementedError

    def _select(self) -> int:
        raise NotImplementedError

    def _update(self, arm: int, reward: float) -> None:
        raise NotImplementedError

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"


class _EmpiricalMeans(BanditLearner):
    """Protocol state shared by learners that keep plays and reward sums per arm."""

    def _fresh(self, k, n_steps):
        self._counts = np.zeros(k, dtype=np.int64)
        self._sums = np.zeros(k)

    def _update(self, arm, reward):
        self._counts[arm] += 1
        self._sums[arm] += reward


# -- UCB-type ----------------------------------------------------------------------------------
class _IndexPolicy(_EmpiricalMeans):
    """UCB1 and KL-UCB: the compiled index rule of :mod:`._kernels`, and ``indices()``."""

    tracks_index = True
    declares = "indices"
    _rule = K.RULE_UCB1

    def _constants(self) -> tuple[float, float]:
        raise NotImplementedError

    def _play(self, env, n_steps, env_rng, agent_rng, track, arms, rewards, aux, declared):
        scale, c = self._constants()
        K.play_index(*env, n_steps, self._rule, scale, c, track, env_rng, arms, rewards, aux,
                     declared)

    def _fresh(self, k, n_steps):
        super()._fresh(k, n_steps)
        self._prev = 0

    def _select(self):
        scale, c = self._constants()
        return K.index_select(self._counts, self._sums, self._s, self._prev, self._rule, scale,
                              c, -1)[0]

    def _update(self, arm, reward):
        super()._update(arm, reward)
        self._prev = arm

    def indices(self) -> np.ndarray:
        """Every arm's index at the current step (:func:`._kernels.index_all`): ``select()``
        plays the first maximiser. Declared to the verifier's coverage checks."""
        self._started("indices")
        scale, c = self._constants()
        out = np.empty(self._k)
        K.index_all(self._counts, self._sums, self._s, self._rule, scale, c, out)
        return out


class UCB1(_IndexPolicy):
    r"""UCB1 of Auer, Cesa-Bianchi and Fischer (2002), Figure 1.

    Play each machine once; then play the machine ``j`` that maximises

    .. math::  \bar x_j + \sqrt{\frac{2 \ln n}{n_j}}

    where ``n`` is the number of plays so far and ``n_j`` those of machine ``j`` (Figure 1's
    loop). The width is the one-sided Hoeffding width at confidence ``n^{-4}``, computed as
    ``hoeffding_width(n_j, 2 n^{-4})`` (two-sided at ``2 delta`` is one-sided at ``delta``): the
    proof of Theorem 1 bounds ``P(X_bar*_s + c_{t,s} <= mu*) <= e^{-4 ln t} = t^{-4}`` for every
    ``s``, the coverage property the tests measure. Ties go to the lowest-numbered arm, which
    makes UCB1 deterministic given the rewards.

    Theorem 1: for rewards in ``[0, 1]`` and every ``n``,
    ``E[R_n] <= 8 sum_{i: mu_i < mu*} ln(n)/Delta_i + (1 + pi^2/3) sum_j Delta_j``
    (card ``bandit.ucb1.upper``).

    Parameters
    ----------
    bonus_scale : float
        Multiplies the exploration term (1 = the paper's index). Any other value is a documented
        deviation: ``bonus_scale = sqrt(alpha / 2)`` gives ``sqrt(alpha ln n / n_j)``, e.g. the
        under-exploring mutant ``sqrt(0.1 ln n / n_j)`` at ``sqrt(0.05)``.

    Notes
    -----
    Extras of the run (``RunResult.extras``):
    ``best_arm_index[s]``: the optimal arm's index at step ``s`` (NaN for the first ``k`` steps
    and on adversarial tables).
    """

    name = "UCB1"

    def __init__(self, bonus_scale: float = 1.0) -> None:
        self.bonus_scale = _finite("bonus_scale", bonus_scale, 0.0)

    def params(self, n_steps=None, k=None):
        return {"bonus_scale": self.bonus_scale}

    def _constants(self):
        return self.bonus_scale, 0.0


class KLUCB(_IndexPolicy):
    r"""KL-UCB of Garivier and Cappé (2011), Algorithm 1, for rewards in ``[0, 1]``.

    Play each arm once; then, after ``t`` plays, play

    .. math::  \arg\max_a \max\{q \in [0, 1] : N_a(t)\, d(\hat\mu_a(t), q) \le \ln t + c \ln\ln t\}

    with ``d`` the Bernoulli KL divergence (Algorithm 1's index). The index is
    :func:`rlcert.bounds.indices.kl_upper_newton` (equal to
    :func:`rlcert.bounds.concentration.kl_upper`) at ``level = (ln t + c ln ln t) / N_a(t)``; a
    level ``<= 0`` (``t = 2`` with ``c >= 1.89``) gives the empirical mean. Ties go to the
    lowest-numbered arm. Indices are evaluated lazily (the previous choice's first; another
    arm's only when one kl evaluation shows it can reach the best so far), which saves time and
    changes no choice.

    Parameters
    ----------
    c : float
        The exploration function's constant. Default 3, the value under which the paper's
        regret theorem is proved (``E[N_a(n)] <= (1 + eps) ln n / d(mu_a, mu*) + O(ln ln n)``);
        the paper's experiments use ``c = 0``, a documented practical choice.

    Notes
    -----
    Extras of the run (``RunResult.extras``):
    ``best_arm_index[s]`` as for :class:`UCB1`.
    """

    name = "KL-UCB"
    _rule = K.RULE_KLUCB

    def __init__(self, c: float = 3.0) -> None:
        self.c = _finite("c", c, 0.0)

    def params(self, n_steps=None, k=None):
        return {"c": self.c}

    def _constants(self):
        return 1.0, self.c


# -- Thompson sampling -------------------------------------------------------------------------
class _Thompson(_EmpiricalMeans):
    """Thompson sampling's protocol state: successes and failures besides plays and sums."""

    _rule = K.RULE_TS_BETA

    def _prior_arrays(self, k: int) -> tuple[np.ndarray, np.ndarray, float]:
        raise NotImplementedError

    def _play(self, env, n_steps, env_rng, agent_rng, track, arms, rewards, aux, declared):
        a0, b0, tau = self._prior_arrays(env[1].shape[0])
        K.play_thompson(*env, n_steps, self._rule, a0, b0, tau, env_rng, agent_rng, arms, rewards,
                        aux)

    def _fresh(self, k, n_steps):
        super()._fresh(k, n_steps)
        self._succ, self._fail = np.zeros(k), np.zeros(k)
        self._priors = self._prior_arrays(k)

    def _select(self):
        a0, b0, tau = self._priors
        return K.thompson_select(self._succ, self._fail, self._counts, self._sums, self._rule,
                                 a0, b0, tau, self._rng)

    def _update(self, arm, reward):
        K.thompson_update(self._succ, self._fail, self._counts, self._sums, self._rule, arm,
                          reward, self._rng)


class BernoulliThompsonSampling(_Thompson):
    r"""Thompson sampling with Beta priors (Agrawal and Goyal 2012, Algorithms 1 and 2).

    Each step samples ``theta_i ~ Beta(alpha0_i + S_i, beta0_i + F_i)`` for every arm, with
    ``S_i`` and ``F_i`` the successes and failures observed on arm ``i``, and plays
    ``argmax_i theta_i``. A reward ``r in (0, 1)`` (an adversarial table with fractional entries)
    counts as a Bernoulli(``r``) trial (Algorithm 2). With ``alpha0 = beta0 = 1`` (uniform prior)
    it is asymptotically optimal on Bernoulli arms: ``E[N_a(n)] <= (1 + eps) ln n / kl(mu_a, mu*)
    + O(1 / eps^2)`` (Agrawal and Goyal 2013, "Further optimal regret bounds for Thompson
    sampling", AISTATS, Theorem 1); Kaufmann, Korda and Munos (2012, Theorem 1) state
    ``(1 + eps) (ln n + ln ln n) / kl(mu_a, mu*) + C(eps)``.

    Parameters
    ----------
    alpha0, beta0 : float or array_like (k,)
        Prior Beta parameters, ``> 0`` (default 1, 1).
    """

    name = "TS-Beta"

    def __init__(self, alpha0=1.0, beta0=1.0) -> None:
        self.alpha0 = self._prior("alpha0", alpha0)
        self.beta0 = self._prior("beta0", beta0)

    @staticmethod
    def _prior(name, value) -> np.ndarray:
        arr = np.atleast_1d(np.asarray(value, dtype=np.float64))
        if arr.ndim != 1:
            raise BanditArgumentError(f"{name} must be a number or a 1-D array, got shape "
                                      f"{arr.shape}")
        for i, v in enumerate(arr):
            if not (math.isfinite(v) and v > 0):
                raise BanditArgumentError(f"{name}[{i}] = {float(v)!r} must be a positive number")
        return arr

    def _prior_vectors(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        out = []
        for name, arr in (("alpha0", self.alpha0), ("beta0", self.beta0)):
            if arr.shape[0] == 1:
                arr = np.full(k, arr[0])
            elif arr.shape[0] != k:
                raise BanditArgumentError(f"{name} has {arr.shape[0]} entries for a bandit "
                                          f"with {k} arms")
            out.append(np.ascontiguousarray(arr))
        return out[0], out[1]

    def check(self, bandit):
        bandit = super().check(bandit)
        self._prior_vectors(bandit.k)
        return bandit

    def params(self, n_steps=None, k=None):
        return {"alpha0": self.alpha0.tolist() if self.alpha0.size > 1 else float(self.alpha0[0]),
                "beta0": self.beta0.tolist() if self.beta0.size > 1 else float(self.beta0[0])}

    def _prior_arrays(self, k):
        a0, b0 = self._prior_vectors(k)
        return a0, b0, 1.0


class GaussianThompsonSampling(_Thompson):
    r"""Thompson sampling with Gaussian priors (Agrawal and Goyal 2013, Algorithm 2).

    Each step samples ``theta_i ~ N(mu_hat_i, sigma^2 / (k_i + 1))`` with ``k_i`` the plays of arm
    ``i`` and ``mu_hat_i = (sum of its rewards) / (k_i + 1)``, and plays ``argmax_i theta_i``.
    This is the exact posterior of arm ``i``'s mean under the prior ``N(0, sigma^2)`` and
    ``N(mu_i, sigma^2)`` rewards; the paper's algorithm is ``sigma = 1``, analysed for rewards in
    ``[0, 1]``. Works on every instance.

    Parameters
    ----------
    sigma : float
        Prior and noise scale, ``> 0`` (default 1, the paper's).
    """

    name = "TS-Gaussian"
    unit_rewards = False
    _rule = K.RULE_TS_GAUSSIAN

    def __init__(self, sigma: float = 1.0) -> None:
        self.sigma = _finite("sigma", sigma, 0.0, lo_open=True)

    def params(self, n_steps=None, k=None):
        return {"sigma": self.sigma}

    def _prior_arrays(self, k):
        one = np.ones(k)
        return one, one, self.sigma


# -- EXP3 --------------------------------------------------------------------------------------
class _ProbabilityPolicy(BanditLearner):
    """Learners that declare their sampling distribution ``pi_t`` (EXP3, MaxInfo-Boltzmann):
    :meth:`probabilities` computes it (:meth:`_fill_probabilities`) and keeps it for ``update``,
    and ``select`` draws the arm from it."""

    expected_from_probabilities = True
    declares = "probabilities"

    def _fill_probabilities(self, p: np.ndarray) -> None:
        raise NotImplementedError

    def probabilities(self) -> np.ndarray:
        """The sampling distribution ``pi_t`` of the current step (declared to the verifier,
        which then draws the arm itself); ``update`` uses it."""
        self._started("probabilities")
        p = np.empty(self._k)
        self._fill_probabilities(p)
        self._p = p
        return p.copy()

    def _select(self):
        self.probabilities()
        return sample_categorical(self._p, self._rng.random())


class EXP3(_ProbabilityPolicy):
    r"""EXP3 for adversarial bandits with rewards in ``[0, 1]``.

    ``tuning="auer2002"`` (default): Auer, Cesa-Bianchi, Freund and Schapire (2002), Section 3,
    algorithm Exp3: ``w_i(1) = 1``;

    .. math::  p_i(t) = (1-\gamma)\frac{w_i(t)}{\sum_j w_j(t)} + \frac{\gamma}{K},\qquad
               \hat x_j(t) = \frac{x_j(t)}{p_j(t)} 1\{j = i_t\},\qquad
               w_j(t+1) = w_j(t) \exp(\gamma \hat x_j(t) / K),

    with Corollary 3.2's ``gamma = min{1, sqrt(K ln K / ((e - 1) g))}`` for ``g >= G_max``;
    rewards in ``[0, 1]`` give ``G_max <= n``, so ``g = horizon``. Corollary 3.2 then bounds
    ``G_max - E[G_Exp3] <= 2 sqrt(e - 1) sqrt(g K ln K)`` (card ``bandit.exp3_auer2002.upper``,
    order only).

    ``tuning="lattimore-szepesvari"``: Lattimore and Szepesvári (2020), Algorithm 9, line 4
    (Eq. 11.7) and line 6 (the loss-based estimator of Eq. 11.6):

    .. math::  P_{ti} = \frac{\exp(\eta \hat S_{t-1,i})}{\sum_j \exp(\eta \hat S_{t-1,j})},\qquad
               \hat S_{ti} = \hat S_{t-1,i} + 1 - \frac{1\{A_t = i\}(1 - X_t)}{P_{ti}},

    with ``eta = sqrt(2 log k / (n k))``: Theorem 11.2, ``R_n <= sqrt(2 n k log k)`` (card
    ``bandit.exp3.upper``).

    Both bounds hold at the horizon the rate was tuned for, not at every ``n`` before it.

    Parameters
    ----------
    tuning : {"auer2002", "lattimore-szepesvari"}
    horizon : int, optional
        The ``n`` (or ``g``) the rate is tuned for; default: the run's ``n_steps``.

    Notes
    -----
    Extras of the run (``RunResult.extras``):
    ``expected_reward[s] = p_s . x_s`` (the table's row, or the arm means on a stochastic
    instance): the expected reward of step ``s`` given the past. ``expected_cumulative_regret``:
    ``max_a S_{n,a} - sum_{s<n} p_s . x_s`` on a table (its mean over runs is the expected regret
    against the best arm of that table), ``sum_{s<n} (mu* - p_s . mu)`` on a stochastic instance.
    """

    name = "EXP3"
    TUNINGS = ("auer2002", "lattimore-szepesvari")

    def __init__(self, tuning: str = "auer2002", horizon: int | None = None) -> None:
        if tuning not in self.TUNINGS:
            raise BanditArgumentError(f"tuning = {tuning!r} is not one of {self.TUNINGS}")
        self.tuning = tuning
        if horizon is not None:
            if isinstance(horizon, (bool, np.bool_)) or not isinstance(horizon, (int, np.integer)) \
                    or horizon < 1:
                raise BanditArgumentError(f"horizon = {horizon!r} must be a positive integer")
            horizon = int(horizon)
        self.horizon = horizon

    def rate(self, k: int, n_steps: int) -> float:
        """``gamma`` (Auer et al.) or ``eta`` (Lattimore-Szepesvári) for ``k`` arms."""
        g = float(self.horizon if self.horizon is not None else n_steps)
        if self.tuning == "auer2002":
            return min(1.0, math.sqrt(k * math.log(k) / ((math.e - 1.0) * g)))
        return math.sqrt(2.0 * math.log(k) / (g * k))

    def params(self, n_steps=None, k=None):
        out: dict[str, Any] = {"tuning": self.tuning, "horizon": self.horizon}
        if n_steps is not None and self.horizon is None:
            out["horizon"] = int(n_steps)
        if n_steps is not None and k is not None:
            out["gamma" if self.tuning == "auer2002" else "eta"] = self.rate(k, n_steps)
        return out

    @property
    def _rule(self) -> int:
        return K.RULE_EXP3_AUER if self.tuning == "auer2002" else K.RULE_EXP3_LS

    def _play(self, env, n_steps, env_rng, agent_rng, track, arms, rewards, aux, declared):
        k = env[1].shape[0]
        K.play_exp3(*env, n_steps, self._rule, self.rate(k, n_steps), env_rng, arms, rewards, aux,
                    declared)

    def _fresh(self, k, n_steps):
        if n_steps is None and self.horizon is None:
            raise BanditArgumentError("EXP3 is tuned for a horizon: pass reset(..., n_steps=n) "
                                      "or EXP3(horizon=n)")
        self._rate = self.rate(k, n_steps if self.horizon is None else self.horizon)
        self._weights = np.zeros(k)
        self._p = None

    def _fill_probabilities(self, p):
        K.exp3_probabilities(self._weights, self._rule, self._rate, p)

    def _update(self, arm, reward):
        if self._p is None:
            raise BanditArgumentError("EXP3.update() before select() or probabilities() of "
                                      "this step")
        K.exp3_update(self._weights, self._rule, self._rate, self._p, arm, reward)
        self._p = None


# -- epsilon-greedy ----------------------------------------------------------------------------
class _EpsilonGreedy(_EmpiricalMeans):
    """Protocol steps of the epsilon-greedy learners (their coins are the learner's own)."""

    unit_rewards = False
    _rule = K.RULE_EPS_FIXED

    def _eps_params(self) -> tuple[float, float, float]:
        raise NotImplementedError

    def _play(self, env, n_steps, env_rng, agent_rng, track, arms, rewards, aux, declared):
        eps, c, d = self._eps_params()
        K.play_epsilon_greedy(*env, n_steps, self._rule, eps, c, d, env_rng, agent_rng, arms,
                              rewards, aux)

    def _select(self):
        eps, c, d = self._eps_params()
        return K.epsilon_greedy_select(self._counts, self._sums,
                                       K.epsilon_at(self._rule, eps, c, d, self._k, self._s),
                                       self._rng)


class EpsilonGreedy(_EpsilonGreedy):
    r"""epsilon-greedy with a fixed ``epsilon`` (Sutton and Barto 2018, Section 2.2).

    Each step: with probability ``epsilon`` a uniformly random arm, otherwise the arm with the
    largest empirical mean (arms never played count as ``+inf``; ties to the lowest-numbered
    arm). A fixed ``epsilon > 0`` has linear regret ``~ epsilon n (mean gap)``.

    Parameters
    ----------
    epsilon : float in [0, 1]
    """

    name = "epsilon-greedy"

    def __init__(self, epsilon: float = 0.1) -> None:
        self.epsilon = _finite("epsilon", epsilon, 0.0, 1.0)

    def params(self, n_steps=None, k=None):
        return {"epsilon": self.epsilon}

    def _eps_params(self):
        return self.epsilon, 0.0, 1.0


class DecayingEpsilonGreedy(_EpsilonGreedy):
    r"""epsilon_n-GREEDY of Auer, Cesa-Bianchi and Fischer (2002), Figure 3.

    At play ``n = 1, 2, ...``: ``epsilon_n = min{1, c K / (d^2 n)}``; with probability
    ``1 - epsilon_n`` play the arm with the highest current average reward, otherwise a random
    arm (arms never played count as ``+inf``; ties to the lowest-numbered arm). Theorem 3 bounds
    the probability of a suboptimal play after ``n >= c K / d`` plays when
    ``0 < d <= min_i Delta_i``; for ``c > 5`` the bound is ``c / (d^2 n) + o(1/n)``, hence
    logarithmic regret.

    Parameters
    ----------
    c : float > 0
    d : float in (0, 1]
        A lower bound on the smallest positive gap.
    """

    name = "epsilon_n-greedy"
    _rule = K.RULE_EPS_DECAYING

    def __init__(self, c: float, d: float) -> None:
        self.c = _finite("c", c, 0.0, lo_open=True)
        self.d = _finite("d", d, 0.0, 1.0, lo_open=True)

    def epsilon(self, k: int, n) -> np.ndarray | float:
        """``epsilon_n = min(1, c k / (d^2 n))`` at play ``n`` (1-based)."""
        out = np.minimum(1.0, self.c * k / (self.d ** 2 * np.asarray(n, dtype=np.float64)))
        return float(out) if out.ndim == 0 else out

    def params(self, n_steps=None, k=None):
        return {"c": self.c, "d": self.d}

    def _eps_params(self):
        return 0.0, self.c, self.d
