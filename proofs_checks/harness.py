r"""The verifier's own environments: it steps them, hands the subject only what the subject's
protocol allows (:mod:`.protocols`), and records what it observed in a *transcript*. Checks
compute every measured quantity from transcripts, never from a subject's report about itself.

Randomness follows :func:`rlcert.estimators.base.protocol_seeds`: a trial seed splits into the
environment's generator, which only the harness draws from, and an integer seed handed to the
subject's ``reset``. Per bandit step the environment draws ``u`` (the arm, when the subject
declares probabilities) and the reward noise; per episode ``u_0`` (the start state) and per step
``u_a`` (the action of a randomised declared policy), ``u_r`` (a Bernoulli reward), ``u_s`` (the
next state). rlcert's own learners may replace the harness by their compiled loop
(``fast=True``), which draws the same numbers in the same order; tests show both give the same
transcript.

:func:`play_bandit`, :func:`play_episodic` and :func:`play_generative` return a
:class:`BanditTranscript`, :class:`EpisodicTranscript` or :class:`GenerativeTranscript`; a subject
that breaks its protocol ends the run early with ``violation`` naming the step.

:func:`play_continuing` runs a non-episodic subject on one trajectory of a
:class:`~rlcert.mdp.TabularMDP` (``u_0`` the start state, then per step ``u_r``, ``u_s``) and
returns a :class:`ContinuingTranscript`; the verifier's measurements of it are
:meth:`ContinuingTranscript.regret`, :meth:`ContinuingTranscript.pseudo_regret`,
:func:`exploration_mistakes` (the sample complexity of exploration, frozen-policy proxy) and
:func:`doubling_episodes` (the episodes of the doubling rule, reconstructed from the path).
"""

from __future__ import annotations

import inspect
import math
import numbers
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numba import njit

from rlcert.estimators.bandits.instances import KIND_BERNOULLI, KIND_GAUSSIAN, KIND_TABLE
from rlcert.estimators.base import protocol_seeds
from rlcert.estimators.generative.sampler import BudgetExceeded, Sampler
from rlcert.mdp import FiniteHorizonMDP, solve
from rlcert.mdp.rollout import (deterministic_policy_value, episode_step, min_difference,
                                randomised_policy_value, sample_categorical)

from .protocols import ProtocolError, require

#: Tolerance on the row sums of a declared randomised policy or sampling distribution.
PROB_TOL = 1e-9


class _Broken(Exception):
    """Internal: the subject broke its protocol (the message names the step)."""


def accepts(method, name: str) -> bool:
    """Whether ``method`` takes a keyword argument ``name`` (or ``**kwargs``)."""
    try:
        params = inspect.signature(method).parameters.values()
    except (TypeError, ValueError):
        return False
    return any(p.name == name and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
               or p.kind is p.VAR_KEYWORD for p in params)


def native(subject) -> bool:
    """rlcert's own learners (not subclasses defined elsewhere): they may run their compiled loop,
    which tests show plays as the protocol run does."""
    return type(subject).__module__.startswith("rlcert.estimators.") and \
        callable(getattr(subject, "transcript", None))


def _reset(subject, args: tuple, budget_name: str, budget: int) -> None:
    kwargs = {budget_name: budget} if accepts(subject.reset, budget_name) else {}
    subject.reset(*args, **kwargs)


def _index(value, bound: int, what: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or not 0 <= int(value) < bound:
        raise _Broken(f"{what} = {value!r} is not an index in [0, {bound})")
    return int(value)


def _probabilities(value, shape: tuple[int, ...], what: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.shape != shape or not np.issubdtype(arr.dtype, np.floating):
        raise _Broken(f"{what} has shape {arr.shape} and dtype {arr.dtype}; expected real "
                      f"probabilities of shape {shape}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if not np.all(np.isfinite(arr)) or np.any(arr < 0):
        raise _Broken(f"{what} holds a negative or non-finite entry")
    sums = arr.sum(axis=-1)
    if np.any(np.abs(sums - 1.0) > PROB_TOL):
        idx = tuple(int(i) for i in np.argwhere(np.abs(sums - 1.0) > PROB_TOL)[0])
        raise _Broken(f"{what}{list(idx)} sums to {float(sums[idx])!r}, not 1")
    return arr


def _real_vector(value, shape: tuple[int, ...], what: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.shape != shape or not (np.issubdtype(arr.dtype, np.floating)
                                  or np.issubdtype(arr.dtype, np.integer)):
        raise _Broken(f"{what} has shape {arr.shape} and dtype {arr.dtype}; expected real "
                      f"numbers of shape {shape}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if np.any(np.isnan(arr)):
        raise _Broken(f"{what} holds NaN")
    return arr


# -- bandits -------------------------------------------------------------------------------------
@dataclass
class BanditTranscript:
    """What the verifier saw in one bandit run.

    Attributes
    ----------
    arms, rewards : ndarray (n,)
        The arm played and the reward the verifier's environment paid, at every step played.
    declared : ndarray (n, k) or None
        The subject's declared vector of each step (``indices()`` or ``probabilities()``), when
        recorded.
    declared_kind : str or None
        ``"indices"``, ``"probabilities"`` or None.
    violation : str or None
        Why the run stopped early (the subject broke its protocol), naming the step.
    n_steps : int
        Steps asked for (``arms`` is shorter after a violation).
    """

    arms: np.ndarray
    rewards: np.ndarray
    declared: np.ndarray | None
    declared_kind: str | None
    violation: str | None
    n_steps: int

    @property
    def complete(self) -> bool:
        return self.violation is None and self.arms.shape[0] == self.n_steps


def _bandit_reward(kind, means, sigma, table, t, a, z) -> float:
    if kind == KIND_TABLE:
        return float(table[t, a])
    if kind == KIND_BERNOULLI:
        return 1.0 if z < means[a] else 0.0
    return float(means[a] + sigma * z)


def play_bandit(subject, bandit, n_steps: int, seed, *, record: bool = False,
                fast: bool = True) -> BanditTranscript:
    """Run ``subject`` for ``n_steps`` steps on the verifier's ``bandit``.

    With ``record``, the subject's declared vector of every step is kept: ``indices()`` (the arm
    played must maximise them) or ``probabilities()`` (the verifier draws the arm itself). A
    subject with ``probabilities()`` always has its arm drawn by the verifier.
    """
    require(subject, "bandit")
    k = bandit.k
    has_p = callable(getattr(subject, "probabilities", None))
    has_i = record and not has_p and callable(getattr(subject, "indices", None))
    kind_declared = "probabilities" if has_p else "indices" if has_i else None
    if fast and native(subject):
        arms, rewards, _, declared = subject.transcript(bandit, n_steps=n_steps, seed=seed,
                                                        record=record)
        return BanditTranscript(arms, rewards, declared if declared.shape[0] else None,
                                kind_declared if declared.shape[0] else None, None, n_steps)
    env, subject_seed = protocol_seeds(seed)
    kind, means, sigma, table = bandit._env()
    _reset(subject, (k, subject_seed), "n_steps", n_steps)
    arms = np.empty(n_steps, dtype=np.int64)
    rewards = np.empty(n_steps)
    declared = np.empty((n_steps, k)) if (record and kind_declared) else None
    violation = None
    t = 0
    try:
        for t in range(n_steps):
            if has_p:
                p = _probabilities(subject.probabilities(), (k,), f"step {t}: probabilities()")
                if declared is not None:
                    declared[t] = p
            elif has_i:
                idx = _real_vector(subject.indices(), (k,), f"step {t}: indices()")
                if declared is not None:  # always: indices are only asked for when recorded
                    declared[t] = idx
            u = env.random()
            z = env.standard_normal() if kind == KIND_GAUSSIAN else env.random()
            if has_p:
                a = int(sample_categorical(p, u))
            else:
                a = _index(subject.select(), k, f"step {t}: select()")
                if has_i and idx[a] < idx.max():
                    raise _Broken(f"step {t}: played arm {a} whose declared index {idx[a]!r} is "
                                  f"below the largest, {idx.max()!r} (arm {int(idx.argmax())})")
            r = _bandit_reward(kind, means, sigma, table, t, a, z)
            arms[t] = a
            rewards[t] = r
            subject.update(a, r)
        t = n_steps
    except _Broken as exc:
        violation = str(exc)
    return BanditTranscript(arms[:t], rewards[:t], None if declared is None else declared[:t],
                            kind_declared, violation, n_steps)


# -- episodic ------------------------------------------------------------------------------------
@dataclass
class EpisodicTranscript:
    """What the verifier saw in one episodic run.

    Attributes
    ----------
    values : ndarray (K,)
        ``initial . V^{pi_k}_0`` of the policy declared for episode ``k`` (NaN when none was
        declared), computed by the verifier.
    starts : ndarray (K,)
        The start state of each episode (drawn by the verifier).
    returns : ndarray (K,)
        The realised return ``G_k``.
    margins : ndarray (K,)
        ``min_{h,s,a} (Q_k - Q*)`` of the declared Q table (NaN unless recorded).
    V_star, Q_star : ndarray
        The oracle's optimal values of the model.
    initial : ndarray (S,)
        The model's initial distribution.
    declared : str
        ``"deterministic"``, ``"randomised"``, ``"none"`` or ``"mixed"``.
    states, actions : ndarray (K, H) or None
        The path, when recorded.
    violation : str or None
        Why the run stopped early, naming the episode and step.
    n_episodes : int
        Episodes asked for (the arrays are shorter after a violation).
    """

    values: np.ndarray
    starts: np.ndarray
    returns: np.ndarray
    margins: np.ndarray
    V_star: np.ndarray
    Q_star: np.ndarray
    initial: np.ndarray
    declared: str
    violation: str | None
    n_episodes: int
    states: np.ndarray | None = None
    actions: np.ndarray | None = None

    @property
    def complete(self) -> bool:
        return self.violation is None and self.values.shape[0] == self.n_episodes

    @property
    def V_star0(self) -> float:
        """``initial . V*_0``."""
        return float(self.initial @ self.V_star[0])

    def pseudo_regret(self) -> np.ndarray:
        """Per episode ``initial . (V*_0 - V^{pi_k}_0)`` (NaN where no policy was declared)."""
        return self.V_star0 - self.values

    def realised_regret(self) -> np.ndarray:
        """Per episode ``V*_0(s_1^k) - G_k``."""
        return self.V_star[0][self.starts] - self.returns


def _policy_kind(pol, H: int, S: int, A: int, k: int):
    if pol is None:
        return "none", None
    arr = np.asarray(pol)
    if arr.shape == (H, S) and np.issubdtype(arr.dtype, np.integer):
        if arr.size and (arr.min() < 0 or arr.max() >= A):
            bad = tuple(int(i) for i in np.argwhere((arr < 0) | (arr >= A))[0])
            raise _Broken(f"episode {k}: start_episode() declares action {int(arr[bad])} at "
                          f"(h, s) = {bad}, outside [0, {A})")
        return "deterministic", np.ascontiguousarray(arr, dtype=np.int64)
    if arr.shape == (H, S, A):
        return "randomised", _probabilities(arr, (H, S, A), f"episode {k}: start_episode()")
    raise _Broken(f"episode {k}: start_episode() returned shape {arr.shape} and dtype "
                  f"{arr.dtype}; expected ({H}, {S}) int actions, ({H}, {S}, {A}) probabilities "
                  f"or None")


def _from_native(subject, mdp, K, seed, reward_noise, record_q, record_path, opt):
    tr = subject.transcript(mdp, n_episodes=K, seed=seed, record_optimism=record_q,
                            reward_noise=reward_noise, record_path=record_path)
    declared = "randomised" if getattr(subject, "epsilon", 0.0) > 0 else "deterministic"
    return EpisodicTranscript(tr["values"], tr["starts"], tr["returns"], tr["margins"],
                              opt.V, opt.Q, np.asarray(mdp.initial), declared, None, K,
                              tr.get("states"), tr.get("actions"))


def play_episodic(subject, mdp: FiniteHorizonMDP, n_episodes: int, seed, *,
                  reward_noise: str = "none", record_q: bool = False,
                  record_path: bool = False, fast: bool = True, oracle=None
                  ) -> EpisodicTranscript:
    """Run ``subject`` for ``n_episodes`` episodes of the verifier's ``mdp``.

    Each declared policy is evaluated exactly; each action played is checked against it (the
    verifier plays a declared deterministic policy itself, asking ``act(h, s)`` when the subject
    has one and failing the run if the answer differs; it draws the action of a randomised
    policy; it asks ``act`` alone when the subject declared ``None``). ``record_q`` asks for
    ``q_values()`` at the start of every episode (the optimism margin against ``Q*``).
    ``oracle`` is ``solve(mdp)`` if already computed.
    """
    require(subject, "episodic", ("q_values",) if record_q else ())
    if reward_noise not in ("none", "bernoulli"):
        raise ProtocolError(f"reward_noise={reward_noise!r} is not 'none' or 'bernoulli'")
    opt = oracle if oracle is not None else solve(mdp)
    H, S, A = mdp.horizon, mdp.n_states, mdp.n_actions
    K = int(n_episodes)
    if fast and native(subject):
        return _from_native(subject, mdp, K, seed, reward_noise, record_q, record_path, opt)
    env, subject_seed = protocol_seeds(seed)
    T, stride, R = mdp.operand, mdp.stage_stride, mdp._R
    initial = np.ascontiguousarray(mdp.initial, dtype=np.float64)
    bernoulli = reward_noise == "bernoulli"
    has_act = callable(getattr(subject, "act", None))
    _reset(subject, (S, A, H, subject_seed), "n_episodes", K)
    values, returns = np.full(K, np.nan), np.empty(K)
    starts = np.empty(K, np.int64)
    margins = np.full(K, np.nan)
    states = np.empty((K, H), np.int64) if record_path else None
    actions = np.empty((K, H), np.int64) if record_path else None
    kinds: set[str] = set()
    V = np.empty((H + 1, S))
    last_pi, last_value = None, math.nan
    violation = None
    k = 0
    try:
        for k in range(K):
            kind, pol = _policy_kind(subject.start_episode(), H, S, A, k)
            kinds.add(kind)
            if kind == "deterministic":
                if last_pi is None or not np.array_equal(pol, last_pi):
                    last_value = deterministic_policy_value(T, stride, R, pol, initial, V)
                    last_pi = pol
                values[k] = last_value
            elif kind == "randomised":
                values[k] = randomised_policy_value(T, stride, R, pol, initial, V)
                last_pi = None
            if kind == "none" and not has_act:
                raise _Broken(f"episode {k}: start_episode() declared no policy and the subject "
                              f"has no act(h, s)")
            if record_q:
                Q = _real_vector(subject.q_values(), (H, S, A), f"episode {k}: q_values()")
                margins[k] = min_difference(Q, opt.Q)
            u = env.random(1 + 3 * H)
            s = int(sample_categorical(initial, u[0]))
            starts[k] = s
            ret = 0.0
            for h in range(H):
                if kind == "deterministic":
                    a = int(pol[h, s])
                    if has_act:
                        b = _index(subject.act(h, s), A, f"episode {k}, step {h}: act({h}, {s})")
                        if b != a:
                            raise _Broken(f"episode {k}, step {h}: the declared policy plays "
                                          f"action {a} in state {s}; act({h}, {s}) chose {b}")
                elif kind == "randomised":
                    a = int(sample_categorical(pol[h, s], u[1 + 3 * h]))
                else:
                    a = _index(subject.act(h, s), A, f"episode {k}, step {h}: act({h}, {s})")
                r, s2 = episode_step(T, stride, R, h, s, a, u[2 + 3 * h], u[3 + 3 * h],
                                     bernoulli)
                if states is not None and actions is not None:  # record_path
                    states[k, h] = s
                    actions[k, h] = a
                ret += r
                subject.observe(h, s, a, float(r), int(s2))
                s = int(s2)
            returns[k] = ret
        k = K
    except _Broken as exc:
        violation = str(exc)
    declared = kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else "none")
    cut = slice(0, k)
    return EpisodicTranscript(values[cut], starts[cut], returns[cut], margins[cut], opt.V, opt.Q,
                              initial, declared, violation, K,
                              None if states is None else states[cut],
                              None if actions is None else actions[cut])


# -- generative ----------------------------------------------------------------------------------
@dataclass
class GenerativeTranscript:
    """What the verifier saw in one generative-model run: the subject's estimate (``result``),
    the samples its sampler handed out (``drawn`` in total, ``drawn_per_pair``), the next-state
    ``tally`` (when recorded) and a ``violation`` (a draw past the budget, a malformed
    estimate)."""

    result: Any
    drawn: int
    drawn_per_pair: np.ndarray
    tally: np.ndarray | None
    violation: str | None
    fields: dict = field(default_factory=dict)


def estimate_field(result, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """The estimate's ``name`` as a float (or, for ``policy``, int) array of ``shape``; raises
    the internal protocol error naming the field when it is missing or malformed."""
    value = getattr(result, name, None)
    if value is None and isinstance(result, dict):
        value = result.get(name)
    if value is None:
        raise _Broken(f"the estimate has no {name!r}")
    arr = np.asarray(value)
    if name == "policy":
        if arr.shape != shape or not np.issubdtype(arr.dtype, np.integer):
            raise _Broken(f"the estimate's policy has shape {arr.shape} and dtype {arr.dtype}; "
                          f"expected {shape} int actions")
        return arr.astype(np.int64)
    return _real_vector(arr, shape, f"the estimate's {name}")


def play_generative(subject, model, seed, *, budget: int | None, needs: tuple[str, ...] = ("Q",),
                    tally: bool = False, gamma=None) -> GenerativeTranscript:
    """Run ``subject.estimate`` with the verifier's sampler of ``model`` (``budget`` total draws,
    or unlimited) and read the fields ``needs`` of its estimate (``Q``, ``V``, ``policy``,
    ``gain``). ``gamma`` is the discount handed to the subject (default: the model's)."""
    require(subject, "generative")
    env, subject_seed = protocol_seeds(seed)
    sampler = Sampler(model, env, budget=budget, tally=tally)
    S, A = model.n_states, model.n_actions
    shapes = {"Q": (S, A), "V": (S,), "policy": (S,), "gain": (S,)}
    result, violation, fields = None, None, {}
    try:
        result = subject.estimate(sampler, rewards=np.array(model.R),
                                  gamma=model.gamma if gamma is None else gamma, budget=budget,
                                  seed=subject_seed)
        for name in needs:
            fields[name] = estimate_field(result, name, shapes[name])
    except BudgetExceeded as exc:
        violation = str(exc)
    except _Broken as exc:
        violation = str(exc)
    return GenerativeTranscript(result, sampler.drawn, sampler.drawn_per_pair,
                                sampler.tally if tally else None, violation, fields)


# -- offline ---------------------------------------------------------------------------------------
@dataclass
class OfflineTranscript:
    """What the verifier gave an offline estimator and got back: the ``dataset`` it collected,
    the estimate's ``policy`` and (when asked) ``V``, or a ``violation``."""

    dataset: Any
    result: Any
    policy: np.ndarray | None
    V: np.ndarray | None
    violation: str | None


def play_offline(subject, model, behaviour, n: int, seed, *, reward_noise: str = "none",
                 needs_value: bool = False) -> OfflineTranscript:
    """Collect ``n`` episodes (a :class:`~rlcert.mdp.FiniteHorizonMDP`) or ``n`` transitions (a
    discounted :class:`~rlcert.mdp.TabularMDP`) of ``model`` with the verifier's ``behaviour``
    policy and its own randomness, hand the dataset to ``subject.fit``, and read the returned
    policy (and value estimate)."""
    from rlcert.estimators.offline import collect_episodes, collect_transitions

    require(subject, "offline")
    env, _ = protocol_seeds(seed)
    collect = collect_episodes if isinstance(model, FiniteHorizonMDP) else collect_transitions
    data = collect(model, behaviour, n, env, reward_noise=reward_noise)
    S = model.n_states
    pol_shape = (model.horizon, S) if isinstance(model, FiniteHorizonMDP) else (S,)
    result, policy, V, violation = None, None, None, None
    try:
        result = subject.fit(data)
        policy = estimate_field(result, "policy", pol_shape)
        if not np.all((policy >= 0) & (policy < model.n_actions)):
            raise _Broken(f"the estimate's policy has an action outside [0, {model.n_actions})")
        if needs_value:
            raw = np.asarray(getattr(result, "V", None) if not isinstance(result, dict)
                             else result.get("V"))
            V = estimate_field(result, "V", raw.shape if raw.ndim in (1, 2) else (S,))
            if V.shape[-1] != S:
                raise _Broken(f"the estimate's V has shape {V.shape}; expected (..., {S})")
    except _Broken as exc:
        violation = str(exc)
    return OfflineTranscript(data, result, policy, V, violation)


# -- continuing (non-episodic) ------------------------------------------------------------------
@dataclass
class ContinuingTranscript:
    """What the verifier saw in one continuing run.

    Attributes
    ----------
    states, actions, rewards : ndarray (n,)
        The path: ``s_t``, ``a_t`` and the reward ``r_t`` the verifier's environment paid
        (0-based steps).
    switch_steps : ndarray (K,) int
        The 0-based steps at which the subject's declaration (``policy()``, and
        ``optimistic_model()`` when recorded) changed; the first entry is 0. Empty when the subject
        declares no policy.
    policies : ndarray (K, S) int
        The declared policy from each switch on.
    models : tuple (ndarray (K, S, S), ndarray (K, S)) or None
        The declared optimistic rows ``p~(. | s, pi(s))`` and rewards ``r~(s, pi(s))``.
    q_margins : ndarray (n,) or None
        ``min_{s, a} (Q_t(s, a) - Q*(s, a))`` of the declared ``q_values()`` at every step (when
        recorded, against the ``Q_star`` the check passed).
    R : ndarray (S, A)
        The model's expected rewards.
    violation : str or None
        Why the run stopped early, naming the step.
    n_steps : int
        Steps asked for.
    """

    states: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    switch_steps: np.ndarray
    policies: np.ndarray
    models: tuple | None
    q_margins: np.ndarray | None
    R: np.ndarray
    violation: str | None
    n_steps: int

    @property
    def complete(self) -> bool:
        return self.violation is None and self.states.shape[0] == self.n_steps

    @property
    def declared(self) -> bool:
        return self.switch_steps.shape[0] > 0

    def regret(self, g_star: float) -> float:
        """``T g* - sum_t r_t`` (realised regret of Jaksch et al. 2010, eq. (1))."""
        return float(self.states.shape[0] * g_star - self.rewards.sum())

    def pseudo_regret(self, g_star: float) -> float:
        """``sum_t (g* - r(s_t, a_t))`` with the model's expected rewards."""
        return float(np.sum(g_star - self.R[self.states, self.actions]))

    def cumulative_regret(self, g_star: float) -> np.ndarray:
        """``t g* - sum_{tau <= t} r_tau`` for ``t = 1..n``."""
        return g_star * np.arange(1, self.states.shape[0] + 1) - np.cumsum(self.rewards)

    def record_of_step(self) -> np.ndarray:
        """For each step, the index of the declaration in force (``-1`` before the first)."""
        return np.searchsorted(self.switch_steps, np.arange(self.states.shape[0]),
                               side="right") - 1


def _dedupe(steps, policies, models):
    """Keep the records whose declaration differs from the previous one."""
    K = steps.shape[0]
    keep = np.ones(K, dtype=bool)
    for k in range(1, K):
        same = np.array_equal(policies[k], policies[k - 1])
        if same and models is not None:
            same = np.array_equal(models[0][k], models[0][k - 1]) and \
                np.array_equal(models[1][k], models[1][k - 1])
        keep[k] = not same
    return steps[keep], policies[keep], None if models is None else (models[0][keep],
                                                                     models[1][keep])


def play_continuing(subject, mdp, n_steps: int, seed, *, reward_noise: str = "bernoulli",
                    record_model: bool = False, Q_star=None, fast: bool = True
                    ) -> ContinuingTranscript:
    """Run ``subject`` for ``n_steps`` steps of one trajectory of the verifier's ``mdp`` (a
    :class:`~rlcert.mdp.TabularMDP`; rewards ``r(s, a)``, or ``Bernoulli(r(s, a))`` with
    ``reward_noise="bernoulli"``).

    Per step: ``a_t = act(s_t)``; with ``policy()`` the declared policy must play ``a_t`` at
    ``s_t`` (else the run stops with a violation); with ``record_model`` the declared
    ``optimistic_model()`` is recorded with it; with ``Q_star`` the margin ``min (Q_t - Q*)`` of
    ``q_values()`` is recorded at every step. Then the verifier draws ``u_r`` and ``u_s``.
    """
    extra = (("optimistic_model",) if record_model else ()) + \
        (("q_values",) if Q_star is not None else ())
    require(subject, "continuing", extra)
    if reward_noise not in ("none", "bernoulli"):
        raise ProtocolError(f"reward_noise={reward_noise!r} is not 'none' or 'bernoulli'")
    S, A = mdp.n_states, mdp.n_actions
    T = int(n_steps)
    R = np.array(mdp.R)
    if fast and native(subject):
        tr = subject.transcript(mdp, n_steps=T, seed=seed, reward_noise=reward_noise,
                                record_model=record_model,
                                **({"Q_star": Q_star} if Q_star is not None else {}))
        steps, pols, models = _dedupe(np.asarray(tr["switch_steps"]), np.asarray(tr["policies"]),
                                      tr["models"] if record_model else None)
        return ContinuingTranscript(tr["states"], tr["actions"], tr["rewards"], steps, pols,
                                    models, tr.get("q_margins") if Q_star is not None else None,
                                    R, None, T)
    env, subject_seed = protocol_seeds(seed)
    P = np.ascontiguousarray(mdp.dense_P())
    initial = np.ascontiguousarray(mdp.initial, dtype=np.float64)
    bernoulli = reward_noise == "bernoulli"
    has_policy = callable(getattr(subject, "policy", None))
    _reset(subject, (S, A, subject_seed), "n_steps", T)
    states, actions = np.empty(T, np.int64), np.empty(T, np.int64)
    rewards = np.empty(T)
    margins = np.empty(T) if Q_star is not None else None
    steps, pols, mp, mr = [], [], [], []
    last_pol = last_model = None
    violation = None
    t = 0
    s = int(sample_categorical(initial, env.random()))
    try:
        for t in range(T):
            a = _index(subject.act(s), A, f"step {t}: act({s})")
            if has_policy:
                pol = np.asarray(subject.policy())
                if pol.shape != (S,) or not np.issubdtype(pol.dtype, np.integer) \
                        or (pol.size and (pol.min() < 0 or pol.max() >= A)):
                    raise _Broken(f"step {t}: policy() returned shape {pol.shape} and dtype "
                                  f"{pol.dtype}; expected ({S},) actions in [0, {A})")
                if int(pol[s]) != a:
                    raise _Broken(f"step {t}: the declared policy plays action {int(pol[s])} in "
                                  f"state {s}; act({s}) chose {a}")
                changed = last_pol is None or not np.array_equal(pol, last_pol)
                if record_model:
                    pt, rt = subject.optimistic_model()
                    pt = _probabilities(pt, (S, S), f"step {t}: optimistic_model() rows")
                    rt = _real_vector(rt, (S,), f"step {t}: optimistic_model() rewards")
                    changed = changed or last_model is None or not (
                        np.array_equal(pt, last_model[0]) and np.array_equal(rt, last_model[1]))
                if changed:
                    steps.append(t)
                    pols.append(pol.astype(np.int64))
                    if record_model:
                        mp.append(pt)
                        mr.append(rt)
                        last_model = (pt, rt)
                    last_pol = pol.copy()
            if margins is not None:
                Q = _real_vector(subject.q_values(), (S, A), f"step {t}: q_values()")
                margins[t] = float(np.min(Q - Q_star))
            u_r = env.random()
            u_s = env.random()
            r = float(R[s, a])
            if bernoulli:
                r = 1.0 if u_r < r else 0.0
            s2 = int(sample_categorical(P[s, a], u_s))
            states[t], actions[t], rewards[t] = s, a, r
            subject.observe(s, a, r, s2)
            s = s2
        t = T
    except _Broken as exc:
        violation = str(exc)
    models = (np.array(mp).reshape(-1, S, S), np.array(mr).reshape(-1, S)) if record_model \
        else None
    return ContinuingTranscript(states[:t], actions[:t], rewards[:t],
                                np.array(steps, dtype=np.int64),
                                np.array(pols, dtype=np.int64).reshape(-1, S), models,
                                None if margins is None else margins[:t], R, violation, T)


def discounted_policy_values(model, policies: np.ndarray) -> np.ndarray:
    """``V^pi`` (``(K, S)``) of each stationary policy in ``policies`` (``(K, S)``) in the
    discounted ``model``, by exact linear solves ``(I - gamma P_pi) V = r_pi`` (one per distinct
    policy)."""
    P, R, g = model.dense_P(), np.asarray(model.R), model.gamma
    S = model.n_states
    out = np.empty((policies.shape[0], S))
    cache: dict[bytes, np.ndarray] = {}
    idx = np.arange(S)
    for k, pol in enumerate(policies):
        key = pol.tobytes()
        if key not in cache:
            cache[key] = np.linalg.solve(np.eye(S) - g * P[idx, pol], R[idx, pol])
        out[k] = cache[key]
    return out


def exploration_mistakes(tr: ContinuingTranscript, model, eps: float, V_star=None
                         ) -> tuple[np.ndarray, np.ndarray]:
    r"""The steps counted by the sample complexity of exploration (Kakade 2003), with the
    frozen-policy proxy: step ``t`` is a mistake when ``V^{pi_t}(s_t) < V*(s_t) - eps``, with
    ``pi_t`` the stationary policy the subject declared in force at step ``t`` and ``V^{pi_t}``
    its exact discounted value in ``model`` (the value of the algorithm from ``s_t`` if it
    stopped updating at ``t``; it equals the algorithm's own value whenever the algorithm's
    policy does not change after ``t``). Returns ``(mistake (n,) bool, V^{pi_t}(s_t) (n,))``.
    The subject must declare ``policy()``."""
    if not tr.declared:
        raise ProtocolError("the sample complexity of exploration is measured from declared "
                            "policies: the subject declared none (policy())")
    if V_star is None:
        from rlcert.mdp import solve
        V_star = solve(model).V
    V_pol = discounted_policy_values(model, tr.policies)
    rec = tr.record_of_step()
    v = V_pol[rec, tr.states]
    return v < np.asarray(V_star)[tr.states] - eps, v


def doubling_episodes(tr: ContinuingTranscript, S: int, A: int) -> np.ndarray:
    r"""The 0-based steps at which an episode of the doubling rule starts, reconstructed by the
    verifier from the path and the declared policies (Jaksch et al. 2010, Figure 1, step 5):
    with ``N`` the visits before the current episode, ``nu`` those inside it and ``pi`` the
    policy declared at its start, an episode starts at step ``t`` when ``t = 0`` or
    ``nu(s_t, pi(s_t)) >= max{1, N(s_t, pi(s_t))}``; then ``N += nu``, ``nu = 0`` and ``pi`` is
    the policy declared at ``t``."""
    if not tr.declared:
        raise ProtocolError("episodes are reconstructed from declared policies: the subject "
                            "declared none (policy())")
    starts = np.empty(tr.states.shape[0], np.int64)
    k = _doubling(tr.states, tr.actions, tr.record_of_step(), tr.policies, S, A, starts)
    return starts[:k].copy()


@njit(cache=True)
def _doubling(states, actions, rec, policies, S, A, starts):
    N = np.zeros((S, A), np.int64)
    nu = np.zeros((S, A), np.int64)
    k = 0
    cur = -1
    for t in range(states.shape[0]):
        s = states[t]
        new = cur < 0
        if not new:
            b = policies[cur, s]
            new = nu[s, b] >= max(1, N[s, b])
        if new:
            for x in range(S):
                for y in range(A):
                    N[x, y] += nu[x, y]
                    nu[x, y] = 0
            cur = rec[t]
            starts[k] = t
            k += 1
        nu[s, actions[t]] += 1
    return k


__all__ = ["play_bandit", "play_episodic", "play_generative", "play_offline",
           "play_continuing", "exploration_mistakes", "doubling_episodes",
           "discounted_policy_values",
           "BanditTranscript", "EpisodicTranscript", "GenerativeTranscript", "OfflineTranscript",
           "ContinuingTranscript", "native", "accepts"]
