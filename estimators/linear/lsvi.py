r"""Least-squares value iteration in linear MDPs: :class:`LSVI` (no bonus) and :class:`LSVIUCB`
(Jin, Yang, Wang and Jordan 2020, "Provably efficient reinforcement learning with linear function
approximation", COLT, Algorithm 1).

At the start of episode ``k``, for ``h = H-1, ..., 0`` (0-based; the paper's ``h + 1``):

.. math:: \Lambda_h = \sum_{\tau < k} \phi_\tau \phi_\tau^\top + \lambda I, \qquad
          w_h = \Lambda_h^{-1} \sum_{\tau < k} \phi_\tau [r_\tau + \max_a Q_{h+1}(s'_\tau, a)],

.. math:: Q_h(s, a) = \min\{ w_h^\top \phi(s, a) + \beta \|\phi(s, a)\|_{\Lambda_h^{-1}},\; H\},
          \qquad V_h = \max_a Q_h,

with ``phi_tau = phi(s^tau_h, a^tau_h)`` the features seen at stage ``h``; the policy is greedy in
``Q`` (ties to the lowest action). ``beta = c d H sqrt(iota)``, ``iota = log(2 d T / delta)``,
``T = K H``, ``lambda = 1`` (Theorem 3.1: ``c`` is an absolute constant the paper does not give;
``c = 1`` is a documented choice here, and the registered optimism check measures whether
``Q_k >= Q*`` then holds; ``bonus_scale`` multiplies ``beta``). :class:`LSVI` is the same with
``beta = 0``; with ``lam = 0`` it uses the pseudo-inverse of ``Lambda_h`` (the minimum-norm least
squares), so that with one-hot features it is exactly tabular certainty equivalence (an
unvisited pair has ``w = 0``, ``Q = 0``).

**Cost per episode independent of the episode count.** The regression target depends on the
past only through ``b_h = sum_tau phi_tau r_tau`` and the ``(d, S)`` matrix ``M_h = sum_tau
phi_tau e_{s'_tau}^T`` (features summed per next state), kept incrementally, so ``sum_tau phi_tau
V_{h+1}(s'_tau) = M_h V_{h+1}``; ``Lambda_h^{-1}`` is updated by Sherman-Morrison,
``Lambda^{-1} <- Lambda^{-1} - (Lambda^{-1} phi)(Lambda^{-1} phi)^T / (1 + phi^T Lambda^{-1}
phi)``, and the bonus widths ``||phi(s, a)||^2_{Lambda_h^{-1}}`` of every pair by the same
rank-one update. Planning costs ``O(H (S d + S A d))`` per episode, an observation ``O(d^2 + S A
d)``.

Features are the learner's knowledge of the problem: the learner is built from them (an ``(S, A,
d)`` array or a :class:`~rlcert.mdp.linear.LinearMDP`). Both learners implement the verifier's
episodic protocol (``reset``, ``start_episode``, ``act``, ``observe``, ``q_values``) and run a
compiled loop (``run``, ``transcript``) that plays exactly as the protocol run does (tested).
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from numba import njit

from rlcert.mdp import FiniteHorizonMDP, solve
from rlcert.mdp.linear import LinearMDP
from rlcert.mdp.rollout import (deterministic_policy_value, episode_step, min_difference,
                                sample_categorical)

from ..base import (RunResult, as_seed_sequence, check_memory, cumulative, protocol_seeds,
                   seed_record)


class LinearLearnerError(ValueError):
    """A linear learner's parameter, features or environment is out of range (the message names
    it)."""


# -- compiled steps ---------------------------------------------------------------------------------
@njit(cache=True)
def _plan(phi2, S, A, H, Linv, Lam, b, M, W2, beta, pinv_mode, V, Q, pi):
    """Backward least-squares value iteration (module docstring) into ``Q``, ``V``, ``pi``; the
    bonus reads ``||phi||^2_{Lambda_h^{-1}}`` from ``W2`` (kept by :func:`_observe`), or
    computes it from the pseudo-inverse in ``pinv_mode``."""
    d = phi2.shape[1]
    V[H, :] = 0.0
    w = np.empty(d)
    y = np.empty(d)
    for h in range(H - 1, -1, -1):
        for i in range(d):
            acc = b[h, i]
            for t in range(S):
                acc += M[h, i, t] * V[h + 1, t]
            y[i] = acc
        G = np.linalg.pinv(Lam[h]) if pinv_mode else Linv[h]
        for i in range(d):
            acc = 0.0
            for j in range(d):
                acc += G[i, j] * y[j]
            w[i] = acc
        for s in range(S):
            best = -np.inf
            arg = 0
            for a in range(A):
                row = s * A + a
                q = 0.0
                for i in range(d):
                    q += phi2[row, i] * w[i]
                if beta > 0.0:
                    if pinv_mode:
                        quad = 0.0
                        for i in range(d):
                            gi = 0.0
                            for j in range(d):
                                gi += G[i, j] * phi2[row, j]
                            quad += phi2[row, i] * gi
                    else:
                        quad = W2[h, row]
                    q += beta * math.sqrt(max(quad, 0.0))
                q = min(q, float(H))
                Q[h, s, a] = q
                if q > best:
                    best = q
                    arg = a
            V[h, s] = best
            pi[h, s] = arg


@njit(cache=True)
def _observe(phi2, A, h, s, a, r, s2, Linv, Lam, b, M, W2):
    """Add the transition ``(s, a, r, s2)`` of stage ``h``: Sherman-Morrison on ``Lambda_h^{-1}``,
    ``Lambda_h += phi phi^T``, ``b_h += phi r``, ``M_h[:, s2] += phi``, and (when ``W2`` has a
    row per stage) the same rank-one update of every ``||phi(s', a')||^2_{Lambda_h^{-1}}``:
    ``W2[h, row] -= (phi_row . u)^2 / (1 + phi . u)`` with ``u = Lambda_h^{-1} phi``, ``O(S A
    d)``."""
    d = phi2.shape[1]
    row = s * A + a
    u = np.empty(d)
    for i in range(d):
        acc = 0.0
        for j in range(d):
            acc += Linv[h, i, j] * phi2[row, j]
        u[i] = acc
    denom = 1.0
    for i in range(d):
        denom += phi2[row, i] * u[i]
    if W2.shape[0] > h:
        for other in range(phi2.shape[0]):
            c = 0.0
            for i in range(d):
                c += phi2[other, i] * u[i]
            W2[h, other] -= c * c / denom
    for i in range(d):
        for j in range(d):
            Linv[h, i, j] -= u[i] * u[j] / denom
            Lam[h, i, j] += phi2[row, i] * phi2[row, j]
        b[h, i] += phi2[row, i] * r
        M[h, i, s2] += phi2[row, i]


@njit(cache=True)
def _initial_widths(phi2, H, lam, beta, pinv_mode):
    """``W2[h, row] = ||phi_row||^2 / lam`` for every stage (``Lambda_h = lam I``), or an empty
    table when no bonus is computed from it (``beta = 0`` or the pseudo-inverse mode)."""
    if beta <= 0.0 or pinv_mode:
        return np.zeros((0, phi2.shape[0]))
    W2 = np.empty((H, phi2.shape[0]))
    for row in range(phi2.shape[0]):
        acc = 0.0
        for i in range(phi2.shape[1]):
            acc += phi2[row, i] * phi2[row, i]
        for h in range(H):
            W2[h, row] = acc / lam
    return W2


@njit(cache=True)
def _run(phi2, S, A, H, lam, beta, pinv_mode, T, stride, R_env, bernoulli, initial, Q_star, K,
         env_rng, values, starts, returns, margins, states, actions):
    """K episodes of the learner against the environment, drawing the environment's numbers in the
    verifier's order (see :func:`rlcert.estimators.episodic._loop.run_loop`)."""
    d = phi2.shape[1]
    Linv = np.zeros((H, d, d))
    Lam = np.zeros((H, d, d))
    for h in range(H):
        for i in range(d):
            Linv[h, i, i] = 1.0 / lam if lam > 0.0 else 0.0
            Lam[h, i, i] = lam
    b = np.zeros((H, d))
    M = np.zeros((H, d, S))
    W2 = _initial_widths(phi2, H, lam, beta, pinv_mode)
    V = np.zeros((H + 1, S))
    Q = np.zeros((H, S, A))
    pi = np.zeros((H, S), np.int64)
    V_pi = np.empty((H + 1, S))
    record = Q_star.shape[0] == H
    path = states.shape[0] == K
    for k in range(K):
        _plan(phi2, S, A, H, Linv, Lam, b, M, W2, beta, pinv_mode, V, Q, pi)
        values[k] = deterministic_policy_value(T, stride, R_env, pi, initial, V_pi)
        if record:
            margins[k] = min_difference(Q, Q_star)
        s = sample_categorical(initial, env_rng.random())
        starts[k] = s
        ret = 0.0
        for h in range(H):
            env_rng.random()  # u_a: unused by a deterministic policy
            u_r = env_rng.random()
            u_s = env_rng.random()
            a = pi[h, s]
            r, s2 = episode_step(T, stride, R_env, h, s, a, u_r, u_s, bernoulli)
            if path:
                states[k, h] = s
                actions[k, h] = a
            ret += r
            _observe(phi2, A, h, s, a, r, s2, Linv, Lam, b, M, W2)
            s = s2
        returns[k] = ret


# -- the learners -----------------------------------------------------------------------------------
def _features(features) -> np.ndarray:
    if isinstance(features, LinearMDP):
        return np.ascontiguousarray(features.phi)
    try:
        phi = np.asarray(features)
    except (TypeError, ValueError) as exc:
        raise LinearLearnerError(f"features must be an (S, A, d) array or a LinearMDP: {exc}") \
            from None
    if phi.ndim != 3 or phi.dtype.kind not in "fiu" or 0 in phi.shape:
        raise LinearLearnerError(f"features must be a real (S, A, d) array or a LinearMDP, got "
                                 f"shape {phi.shape} and dtype {phi.dtype}")
    phi = np.ascontiguousarray(phi, dtype=np.float64)
    if not np.all(np.isfinite(phi)):
        raise LinearLearnerError("features hold a non-finite entry")
    return phi


def _real(value, name: str, *, positive: bool) -> float:
    """A finite real number, > 0 (``positive``) or >= 0."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or (value <= 0 if positive else value < 0):
        raise LinearLearnerError(f"{name} must be a {'positive' if positive else 'non-negative'} "
                                 f"number, got {value!r}")
    return float(value)


def _index(value: int, name: str, n: int) -> int:
    """An integer index in ``[0, n)`` (numpy integers too; not a bool, not a float)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) \
            or not 0 <= value < n:
        raise LinearLearnerError(f"{name} = {value!r} is not an integer in [0, {n})")
    return int(value)


def _positive_int(value, name: str) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral) or value < 1:
        raise LinearLearnerError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


class LSVIUCB:
    """LSVI-UCB (Jin et al. 2020, Algorithm 1); see the module docstring.

    Parameters
    ----------
    features : array_like (S, A, d) or LinearMDP
    lam : float > 0
        Ridge parameter ``lambda`` (the paper's 1).
    c : float > 0
        The absolute constant of ``beta = c d H sqrt(iota)`` (default 1, a documented choice).
    delta : float in (0, 1)
        The ``p`` of ``iota = log(2 d T / p)``.
    bonus_scale : float >= 0
        Multiplies ``beta`` (1 = the stated choice; any other value is a practical variant).
    """

    algorithm = "LSVI-UCB"

    def __init__(self, features, *, lam: float = 1.0, c: float = 1.0, delta: float = 0.05,
                 bonus_scale: float = 1.0):
        self.phi = _features(features)
        self.lam = _real(lam, "lam", positive=True)
        self.c = _real(c, "c", positive=True)
        self.delta = _real(delta, "delta", positive=True)
        if self.delta >= 1.0:
            raise LinearLearnerError(f"delta={delta!r} is not in (0, 1)")
        self.bonus_scale = _real(bonus_scale, "bonus_scale", positive=False)
        self._state: tuple[np.ndarray, ...] | None = None

    @property
    def dim(self) -> int:
        return int(self.phi.shape[2])

    def params(self) -> dict:
        """Every parameter (the features are the problem's, not a parameter)."""
        return {"lam": self.lam, "c": self.c, "delta": self.delta,
                "bonus_scale": self.bonus_scale}

    def beta(self, H: int, n_episodes: int) -> float:
        """``bonus_scale * c d H sqrt(log(2 d T / delta))``, ``T = K H``."""
        d, T = self.dim, float(n_episodes) * H
        return self.bonus_scale * self.c * d * H * math.sqrt(math.log(2.0 * d * T / self.delta))

    @property
    def _pinv(self) -> bool:
        return False

    def _check_dims(self, S: int, A: int) -> None:
        if (S, A) != self.phi.shape[:2]:
            raise LinearLearnerError(f"the environment has S={S}, A={A}; the features are for "
                                     f"S={self.phi.shape[0]}, A={self.phi.shape[1]}")

    def _check_model(self, m) -> None:
        if not isinstance(m, FiniteHorizonMDP):
            raise LinearLearnerError(f"{self.algorithm} runs on a FiniteHorizonMDP (a "
                                     f"LinearMDP's to_tabular()), got {type(m).__name__}")
        self._check_dims(m.n_states, m.n_actions)
        if m.gamma != 1.0:
            raise LinearLearnerError(f"{self.algorithm} maximises the undiscounted return; the "
                                     f"model has gamma={m.gamma}")
        R = m.R
        if R.min() < 0.0 or R.max() > 1.0:
            raise LinearLearnerError(f"{self.algorithm} needs rewards in [0, 1]; the model's "
                                     f"range is [{R.min():.6g}, {R.max():.6g}]")

    # -- the compiled run ----------------------------------------------------------------------
    def transcript(self, mdp: FiniteHorizonMDP, *, n_episodes: int, seed=None,
                   record_optimism: bool = False, reward_noise: str = "none",
                   record_path: bool = False) -> dict:
        """What the verifier's harness observes when it plays this learner through the protocol
        with the same seed (see :meth:`rlcert.estimators.episodic.EpisodicLearner.transcript`)."""
        self._check_model(mdp)
        K = _positive_int(n_episodes, "n_episodes")
        if reward_noise not in ("none", "bernoulli"):
            raise LinearLearnerError(f"reward_noise={reward_noise!r} is not 'none' or "
                                     f"'bernoulli'")
        H, S, A, d = mdp.horizon, mdp.n_states, mdp.n_actions, self.dim
        check_memory(K * (48.0 + (16.0 * H if record_path else 0.0)) + 8.0 * H * d * (2 * d + S),
                     "a run's per-episode records and the learner's tables", "n_episodes",
                     n_episodes, LinearLearnerError)
        opt = solve(mdp)
        env_rng, _ = protocol_seeds(seed, "seed", LinearLearnerError)
        values, returns = np.empty(K), np.empty(K)
        starts = np.empty(K, np.int64)
        margins = np.full(K, np.nan)
        shape = (K, H) if record_path else (0, 0)
        states, actions = np.empty(shape, np.int64), np.empty(shape, np.int64)
        Q_star = opt.Q if record_optimism else np.empty((0, S, A))
        _run(self.phi.reshape(S * A, d), S, A, H, self.lam, self.beta(H, K), self._pinv,
             mdp.operand, mdp.stage_stride, mdp._R, reward_noise == "bernoulli",
             np.ascontiguousarray(mdp.initial), Q_star, K, env_rng, values, starts, returns,
             margins, states, actions)
        out = {"values": values, "starts": starts, "returns": returns, "margins": margins,
               "V_star": opt.V, "Q_star": opt.Q}
        if record_path:
            out.update(states=states, actions=actions)
        return out

    def run(self, mdp: FiniteHorizonMDP, *, n_episodes: int, seed=None,
            record_optimism: bool = False, reward_noise: str = "none") -> RunResult:
        """``n_episodes`` episodes on ``mdp`` with the exact pseudo-regret of each."""
        ss, entropy, spawn_key = seed_record(seed, "seed", LinearLearnerError)
        tr = self.transcript(mdp, n_episodes=n_episodes, seed=ss,
                             record_optimism=record_optimism, reward_noise=reward_noise)
        V_star0 = float(mdp.initial @ tr["V_star"][0])
        regret = V_star0 - tr["values"]
        extras = {"V_star0": V_star0, "spawn_key": spawn_key, "starts": tr["starts"]}
        if record_optimism:
            extras["optimism_margin"] = tr["margins"]
        params = {**self.params(), "d": self.dim, "H": mdp.horizon, "K": len(regret)}
        return RunResult(self.algorithm, params, entropy, "episodes", regret,
                         cumulative(regret), tr["returns"], np.zeros(0), extras)

    # -- the protocol ----------------------------------------------------------------------------
    def reset(self, S: int, A: int, H: int, seed=None, *, n_episodes: int | None = None) -> None:
        """Start a run; ``n_episodes`` sets ``T = K H`` in ``beta`` (required when ``beta > 0``)."""
        S, A, H = (_positive_int(v, n) for v, n in ((S, "S"), (A, "A"), (H, "H")))
        self._check_dims(S, A)
        if n_episodes is None and self.beta(1, 1) > 0:
            raise LinearLearnerError(f"{self.algorithm} needs n_episodes (its beta uses T = K H):"
                                     f" reset(S, A, H, seed, n_episodes=K)")
        K = 1 if n_episodes is None else _positive_int(n_episodes, "n_episodes")
        d = self.dim
        self._dims = (H, S, A)
        self._beta = self.beta(H, K)
        Linv = np.zeros((H, d, d))
        Lam = np.zeros((H, d, d))
        idx = np.arange(d)
        Linv[:, idx, idx] = 1.0 / self.lam if self.lam > 0 else 0.0
        Lam[:, idx, idx] = self.lam
        W2 = _initial_widths(self.phi.reshape(S * A, d), H, self.lam, self._beta, self._pinv)
        self._state = (Linv, Lam, np.zeros((H, d)), np.zeros((H, d, S)), np.zeros((H + 1, S)),
                       np.zeros((H, S, A)), np.zeros((H, S), np.int64), W2)
        as_seed_sequence(seed, "seed", LinearLearnerError)

    def _started(self, what: str) -> tuple[np.ndarray, ...]:
        """The run's arrays, or the error naming ``what`` when ``reset`` has not been called."""
        if self._state is None:
            raise LinearLearnerError(f"{self.algorithm}.{what}() before reset(S, A, H, seed, "
                                     f"n_episodes=K)")
        return self._state

    def start_episode(self) -> np.ndarray:
        """Plan and return the episode's ``(H, S)`` greedy policy."""
        state = self._started("start_episode")
        H, S, A = self._dims
        Linv, Lam, b, M, V, Q, pi, W2 = state
        _plan(self.phi.reshape(S * A, -1), S, A, H, Linv, Lam, b, M, W2, self._beta, self._pinv,
              V, Q, pi)
        return pi.copy()

    def act(self, h: int, s: int) -> int:
        """The action of the current episode's policy at stage ``h`` in state ``s`` (integers in
        ``[0, H)`` and ``[0, S)``)."""
        state = self._started("act")
        H, S, _ = self._dims
        h, s = _index(h, "h", H), _index(s, "s", S)
        return int(state[6][h, s])

    def observe(self, h: int, s: int, a: int, r: float, s_next: int) -> None:
        """Add the transition ``(s, a, r, s_next)`` observed at stage ``h``: integer indices in
        range and a finite real reward ``r``."""
        state = self._started("observe")
        H, S, A = self._dims
        for v, n in ((h, "h"), (s, "s"), (a, "a"), (s_next, "s_next")):
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral):
                raise LinearLearnerError(f"{n} = {v!r} must be an integer index")
        if isinstance(r, (bool, np.bool_)) or not isinstance(r, numbers.Real) \
                or not math.isfinite(r):
            raise LinearLearnerError(f"r = {r!r} must be a finite real reward")
        if not (0 <= h < H and 0 <= s < S and 0 <= a < A and 0 <= s_next < S):
            raise LinearLearnerError(f"observe(h={h!r}, s={s!r}, a={a!r}, r={r!r}, s_next="
                                     f"{s_next!r}) is outside H={H}, S={S}, A={A}")
        Linv, Lam, b, M = state[:4]
        _observe(self.phi.reshape(S * A, -1), A, int(h), int(s), int(a), float(r), int(s_next),
                 Linv, Lam, b, M, state[7])

    def q_values(self) -> np.ndarray:
        """The ``(H, S, A)`` Q table of the current episode (a copy)."""
        return self._started("q_values")[5].copy()

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(d={self.dim}, "
                + ", ".join(f"{k}={v!r}" for k, v in self.params().items()) + ")")


class LSVI(LSVIUCB):
    """Least-squares value iteration without a bonus (``beta = 0``); ``lam = 0`` uses the
    pseudo-inverse of ``Lambda_h`` (the minimum-norm least squares): with one-hot features this
    is tabular certainty equivalence exactly."""

    algorithm = "LSVI"

    def __init__(self, features, *, lam: float = 1.0):
        self.phi = _features(features)
        self.lam = _real(lam, "lam", positive=False)
        self.c, self.delta, self.bonus_scale = 1.0, 0.05, 0.0
        self._state = None

    def params(self) -> dict:
        return {"lam": self.lam}

    def beta(self, H: int, n_episodes: int) -> float:
        return 0.0

    @property
    def _pinv(self) -> bool:
        return self.lam == 0.0


__all__ = ["LSVI", "LSVIUCB", "LinearLearnerError"]
