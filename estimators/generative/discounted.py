r"""Discounted estimators with a generative model.

Every estimator implements the verifier's generative protocol,
``estimate(sampler, *, rewards, gamma, budget, seed) -> GenerativeResult``: it sees the model only
through a :class:`~.sampler.Sampler` (which counts every draw and refuses those past the budget),
the known rewards and the discount. ``run(m, *, n | ..., seed)`` is the same computation with a
sampler of ``m`` built from ``seed`` (environment and estimator randomness split by
:func:`rlcert.estimators.base.protocol_seeds`), for a :class:`~rlcert.mdp.TabularMDP` with a
discount ``0 < gamma < 1``. The result names the policy, the estimate of ``Q*``, and the samples
the sampler handed out (``samples_per_pair``, ``samples_total``).

=============================  ============================================================
estimator                      what it does
=============================  ============================================================
:class:`PlugIn`                plan exactly in the empirical MDP built from ``n`` samples per
                               pair (Azar, Munos and Kappen 2013; Agarwal, Kakade and Yang
                               2020)
:class:`PerturbedPlugIn`       the same with rewards perturbed by ``U(0, xi)`` noise, ``xi =
                               c1 (1-gamma) eps / (S^5 A^5)`` (Li, Wei, Chi, Gu and Chen 2020)
:class:`VarianceReducedQLearning`  Q-learning with epoch-wise recentering (Wainwright 2019)
=============================  ============================================================
"""

from __future__ import annotations

import dataclasses
import math
import numbers

import numpy as np
from numba import njit

from rlcert.estimators.base import protocol_seeds, seed_record
from rlcert.mdp import TabularMDP, solve

from .errors import GenerativeArgumentError
from .results import GenerativeResult
from .sampler import Sampler, check_model, check_samples


def _check_unit(value, name: str, *, closed_right: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise GenerativeArgumentError(f"{name} = {value!r} must be a number in (0, 1"
                                      f"{']' if closed_right else ')'}")
    v = float(value)
    if not (0.0 < v < 1.0 or (closed_right and v == 1.0)):
        raise GenerativeArgumentError(f"{name} = {value!r} is not in (0, 1"
                                      f"{']' if closed_right else ')'}")
    return v


def _check_positive(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) \
            or value <= 0:
        raise GenerativeArgumentError(f"{name} = {value!r} must be a positive number")
    return float(value)


def check_discounted(m, who: str):
    """A discounted model (``0 < gamma < 1``), or :class:`GenerativeArgumentError`."""
    m = check_model(m)
    if m.gamma is None or not (0.0 < m.gamma < 1.0):
        raise GenerativeArgumentError(f"{who} needs a discounted model with 0 < gamma < 1; the "
                                      f"model has gamma={m.gamma!r} (attach one with "
                                      f"m.with_gamma(...))")
    return m


def check_problem(sampler, rewards, gamma: float, who: str) -> tuple[np.ndarray, float]:
    """The rewards ``(S, A)`` and a discount in ``(0, 1)`` handed to ``estimate``."""
    if not isinstance(sampler, Sampler):
        raise GenerativeArgumentError(f"{who}: sampler must be a rlcert Sampler, got "
                                      f"{type(sampler).__name__}")
    R = np.asarray(rewards, dtype=np.float64)
    shape = (sampler.n_states, sampler.n_actions)
    if R.shape != shape or not np.all(np.isfinite(R)):
        raise GenerativeArgumentError(f"{who}: rewards must be finite of shape {shape}, got "
                                      f"shape {R.shape}")
    if isinstance(gamma, bool) or not isinstance(gamma, numbers.Real) or not 0.0 < gamma < 1.0:
        raise GenerativeArgumentError(f"{who} needs a discount 0 < gamma < 1, got gamma="
                                      f"{gamma!r}")
    return R, float(gamma)


def per_pair_budget(sampler, budget, who: str) -> int:
    """``budget // (S A)`` draws of every pair (at least 1), or the error naming ``budget``."""
    D = sampler.n_states * sampler.n_actions
    if budget is None:
        raise GenerativeArgumentError(f"{who} spends a fixed budget: estimate(..., budget=n S A)")
    n = check_samples(budget, "budget") // D
    if n < 1:
        raise GenerativeArgumentError(f"{who}: budget = {budget!r} is below S A = {D} (one draw "
                                      f"of every pair)")
    return n


def plan_empirical(counts: np.ndarray, R: np.ndarray, gamma: float, tol: float):
    """``(policy, Q, V, result)`` of the empirical MDP ``(N / N.sum(-1), R, gamma)`` solved by
    policy iteration to the certificate ``tol``."""
    P_hat = counts / counts.sum(axis=2, keepdims=True)
    res = solve(TabularMDP(P_hat, R, gamma, copy=False), method="pi", tol=tol)
    return res.policy.astype(np.int64), np.array(res.Q), np.array(res.V), res


def run_with_sampler(estimator, m, seed, budget: int | None):
    """``estimator.estimate`` with a :class:`~.sampler.Sampler` of ``m`` (``run``'s common part):
    the sampler from the environment stream of ``seed``, the estimator from its own stream; the
    result records ``seed``."""
    ss, entropy, spawn_key = seed_record(seed, "seed", GenerativeArgumentError)
    env, subject_seed = protocol_seeds(ss)
    sampler = Sampler(m, env, budget=budget)
    res = estimator.estimate(sampler, rewards=np.array(m.R), gamma=m.gamma, budget=budget,
                             seed=subject_seed)
    return dataclasses.replace(res, seed=entropy if seed is None or spawn_key else seed,
                               extras={**res.extras, "spawn_key": spawn_key})


# -- plug-in ---------------------------------------------------------------------------------------
class PlugIn:
    r"""Model-based planning in the empirical MDP ("plug-in", certainty equivalence).

    From ``n`` next-state samples of every pair build ``P_hat(s'|s, a) = N(s, a, s') / n``, keep
    the (known) rewards and the discount, and solve ``M_hat = (P_hat, r, gamma)`` exactly:
    ``Q_hat = Q*_{M_hat}``, ``pi_hat`` greedy for it (optimal in ``M_hat``).

    * Azar, Munos and Kappen (2013, Machine Learning 91:325-349), Theorem 1: model-based Q-value
      iteration on ``M_hat`` for ``k = ceil(d log(d0 beta/eps) / log(1/gamma))`` iterations gives
      ``||Q* - Q_k|| <= eps`` w.p. ``1 - delta`` with ``T = n S A = O(S A log(S A/delta) /
      ((1-gamma)^3 eps^2))`` samples (constants not given: card ``generative.azar2013.upper``).
      Here ``M_hat`` is solved exactly (policy iteration, certificate ``tol``): QVI's limit.
    * Agarwal, Kakade and Yang (2020, COLT), Theorem 1: any ``eps_opt``-optimal policy of ``M_hat``
      satisfies ``||Q^{pi_hat} - Q*|| <= eps + O(eps_opt)`` once ``n >= c log(c S A / ((1-gamma)
      delta)) / ((1-gamma)^3 eps^2)``, for ``eps <= 1/sqrt(1-gamma)`` (card
      ``generative.agarwal2020.upper``, order only). Here ``eps_opt`` is ``tol``.

    Parameters
    ----------
    tol : float
        Certificate asked of the planner, a bound on ``||V_hat - V*_{M_hat}||``.

    ``estimate(sampler, *, rewards, gamma, budget, seed)`` spends ``n = budget // (S A)`` draws
    on every pair; ``run(m, *, n, seed)`` does so with ``budget = n S A``. The result's
    ``extras["counts"]`` are the ``(S, A, S)`` counts and ``extras["certificate"]`` the
    planner's.
    """

    algorithm = "plug-in"

    def __init__(self, *, tol: float = 1e-10):
        self.tol = _check_positive(tol, "tol")

    def params(self) -> dict:
        """Every parameter of the estimator."""
        return {"tol": self.tol}

    def estimate(self, sampler, *, rewards, gamma, budget, seed=None) -> GenerativeResult:
        """``budget // (S A)`` draws of every pair, then exact planning in the empirical MDP."""
        R, gamma = check_problem(sampler, rewards, gamma, self.algorithm)
        n = per_pair_budget(sampler, budget, self.algorithm)
        counts = sampler.counts(n)
        policy, Q, V, res = plan_empirical(counts, R, gamma, self.tol)
        return GenerativeResult(self.algorithm, {**self.params(), "n": n}, seed, policy, Q, V,
                                sampler.drawn_per_pair, sampler.drawn, gamma,
                                extras={"counts": counts, "certificate": res.certificate})

    def run(self, m, *, n: int, seed=None) -> GenerativeResult:
        """Draw ``n`` samples of every pair of ``m`` and plan in the empirical MDP."""
        m = check_discounted(m, self.algorithm)
        n = check_samples(n)
        return run_with_sampler(self, m, seed, n * m.n_states * m.n_actions)


# -- Li et al.'s perturbed plug-in -------------------------------------------------------------------
class PerturbedPlugIn(PlugIn):
    r"""Perturbed model-based planning (Li, Wei, Chi, Gu and Chen 2020, "Breaking the sample size
    barrier in model-based reinforcement learning with a generative model", Algorithm 1).

    Rewards are perturbed independently, ``r_p(s, a) = r(s, a) + zeta(s, a)``,
    ``zeta ~ U(0, xi)`` with

    .. math:: \xi = \frac{c_1 (1-\gamma)\,\varepsilon}{S^5 A^5},

    and the returned policy is the optimal policy of ``M_hat_p = (P_hat, r_p, gamma)`` (the
    perturbation separates the empirical optimal actions, which the analysis needs). The theorem
    (Theorem 1; card ``generative.li2020.upper``, order only): ``n >= c0 log(S A / ((1-gamma)
    delta eps)) / ((1-gamma)^3 eps^2)`` per pair gives an ``eps``-optimal policy w.p. ``1 - delta``
    for every ``eps`` in ``(0, 1/(1-gamma)]``. The proof's choice ``c1 = 1/3`` is the default
    here (a documented choice: the statement leaves ``c1`` a small constant).

    Parameters
    ----------
    eps : float in (0, 1/(1-gamma)]
        Target accuracy (it sets ``xi``; checked against the model's ``gamma`` at run time).
    c1 : float, default 1/3
    tol : float
        Planner's certificate on ``M_hat_p``.

    ``extras``: ``counts``, ``xi``, ``perturbation`` (the ``(S, A)`` draws of ``zeta``, from the
    estimator's own generator), ``certificate``.
    """

    algorithm = "perturbed plug-in"

    def __init__(self, eps: float, *, c1: float = 1.0 / 3.0, tol: float = 1e-10):
        super().__init__(tol=tol)
        self.eps = _check_positive(eps, "eps")
        self.c1 = _check_positive(c1, "c1")

    def params(self) -> dict:
        return {"eps": self.eps, "c1": self.c1, "tol": self.tol}

    def xi(self, m, gamma: float | None = None) -> float:
        """``c1 (1 - gamma) eps / (S^5 A^5)`` for the model (or sampler) ``m``."""
        S, A = m.n_states, m.n_actions
        g = m.gamma if gamma is None else gamma
        return self.c1 * (1.0 - g) * self.eps / (float(S) ** 5 * float(A) ** 5)

    def estimate(self, sampler, *, rewards, gamma, budget, seed=None) -> GenerativeResult:
        """``budget // (S A)`` draws of every pair, perturbed rewards, planning in ``M_hat_p``."""
        R, gamma = check_problem(sampler, rewards, gamma, self.algorithm)
        if self.eps > 1.0 / (1.0 - gamma):
            raise GenerativeArgumentError(f"eps = {self.eps!r} exceeds 1/(1 - gamma) = "
                                          f"{1.0 / (1.0 - gamma):.6g}: Li et al.'s range is "
                                          f"(0, 1/(1-gamma)]")
        n = per_pair_budget(sampler, budget, self.algorithm)
        counts = sampler.counts(n)
        xi = self.xi(sampler, gamma)
        zeta = np.random.default_rng(seed).uniform(0.0, xi, size=R.shape)
        policy, Q, V, res = plan_empirical(counts, R + zeta, gamma, self.tol)
        return GenerativeResult(self.algorithm, {**self.params(), "n": n}, seed, policy, Q, V,
                                sampler.drawn_per_pair, sampler.drawn, gamma,
                                extras={"counts": counts, "xi": xi, "perturbation": zeta,
                                        "certificate": res.certificate})

    def run(self, m, *, n: int, seed=None) -> GenerativeResult:
        """Draw ``n`` samples of every pair, perturb the rewards, plan in ``M_hat_p``."""
        m = check_discounted(m, self.algorithm)
        n = check_samples(n)
        return run_with_sampler(self, m, seed, n * m.n_states * m.n_actions)


# -- variance-reduced Q-learning -----------------------------------------------------------------------
@njit(cache=True)
def _state_max(theta, out):
    S, A = theta.shape
    for s in range(S):
        best = theta[s, 0]
        for a in range(1, A):
            if theta[s, a] > best:
                best = theta[s, a]
        out[s] = best


@njit(cache=True, fastmath={"contract"})
def vrql_steps(gamma, V_bar, T_tilde, k0, draws, theta):
    r"""Steps ``k = k0 + 1 .. k0 + len(draws)`` of an epoch of variance-reduced Q-learning, in
    place on ``theta``, with the synchronous draws ``x_k(s, a) = draws[k - k0 - 1, s, a]``:

    ``theta <- (1 - lam_k) theta + lam_k [gamma max theta(x_k) - gamma V_bar(x_k) + T_tilde]``,
    ``lam_k = 1 / (1 + (1 - gamma) k)``, ``V_bar = max_a theta_bar``

    (the rewards cancel in ``T_hat_k(theta) - T_hat_k(theta_bar)``; ``T_tilde`` carries them)."""
    S, A = theta.shape
    V = np.empty(S)
    new = np.empty_like(theta)
    for i in range(draws.shape[0]):
        lam = 1.0 / (1.0 + (1.0 - gamma) * (k0 + i + 1))
        _state_max(theta, V)
        for s in range(S):
            for a in range(A):
                x = draws[i, s, a]
                target = gamma * (V[x] - V_bar[x]) + T_tilde[s, a]
                new[s, a] = (1.0 - lam) * theta[s, a] + lam * target
        for s in range(S):
            for a in range(A):
                theta[s, a] = new[s, a]


#: Inner steps drawn from the sampler at a time (bounds the memory of one request).
VRQL_CHUNK = 4096


class VarianceReducedQLearning:
    r"""Variance-reduced Q-learning (Wainwright 2019, "Variance-reduced Q-learning is minimax
    optimal", arXiv 1906.04697), synchronous: every step queries every pair once.

    Epoch ``m = 1..M`` recentres at ``theta_bar_m`` (the previous epoch's output; ``theta_0 =
    0``): the Monte Carlo Bellman operator
    ``T_tilde_m = r + gamma (1/N_m) sum_i max theta_bar(x_i)`` from ``N_m`` fresh samples per
    pair, then ``K`` steps of

    .. math:: \theta_{k+1} = (1-\lambda_k)\theta_k + \lambda_k\{\hat T_k(\theta_k)
              - \hat T_k(\bar\theta_m) + \tilde T_{N_m}(\bar\theta_m)\},
              \qquad \lambda_k = \frac{1}{1 + (1-\gamma) k},

    with ``T_hat_k`` the empirical Bellman operator of one fresh sample per pair (the same sample
    in both terms). Parameters, with ``D = S A``:

    * ``K = ceil(c1 log(8 M D / ((1-gamma) delta)) / (1-gamma)^3)`` and
      ``N_m = ceil(c2 4^m log(8 M D / delta) / (1-gamma)^2)`` (the paper's epoch length and
      recentering sizes as restated in secondary notes on the paper; the constants ``c1, c2``
      are not given there: ``c1 = c2 = 1`` is a documented choice);
    * ``M = ceil(log2(1 / ((1-gamma) eps)))`` epochs: the analysis halves the error bound
      ``b_m`` of ``||theta_m - Q*||`` every epoch from ``b_0 = 1/(1-gamma)`` (rewards in [0, 1],
      ``theta_0 = 0``), so ``M`` epochs reach ``eps`` (a documented choice);
    * the rescaled linear stepsize ``lambda_k`` above (as recalled from the paper; not
      verified here).

    The recentering draws only enter through their counts, so they are drawn as one multinomial
    per pair; the inner steps draw one next state per pair per step.

    ``run(m, *, seed)`` returns a :class:`GenerativeResult`; ``extras``: ``epochs`` (``M``),
    ``epoch_length`` (``K``), ``recentering`` (``N_1..N_M``).
    """

    algorithm = "VR-Q-learning"

    def __init__(self, eps: float, delta: float = 0.05, *, c1: float = 1.0, c2: float = 1.0):
        self.eps = _check_positive(eps, "eps")
        self.delta = _check_unit(delta, "delta")
        self.c1 = _check_positive(c1, "c1")
        self.c2 = _check_positive(c2, "c2")

    def params(self) -> dict:
        """Every parameter (``c1 = c2 = 1`` are documented choices)."""
        return {"eps": self.eps, "delta": self.delta, "c1": self.c1, "c2": self.c2}

    def schedule(self, m, gamma: float | None = None) -> tuple[int, int, list[int]]:
        """``(M, K, [N_1, ..., N_M])`` for the model (or sampler) ``m`` and its discount (see the
        class docstring)."""
        g = m.gamma if gamma is None else gamma
        D = m.n_states * m.n_actions
        M = max(1, math.ceil(math.log2(1.0 / ((1.0 - g) * self.eps))))
        K = math.ceil(self.c1 * math.log(8 * M * D / ((1.0 - g) * self.delta)) / (1.0 - g) ** 3)
        N = [math.ceil(self.c2 * 4.0 ** k * math.log(8 * M * D / self.delta) / (1.0 - g) ** 2)
             for k in range(1, M + 1)]
        return M, K, N

    def samples_per_pair(self, m, gamma: float | None = None) -> int:
        """``M K + sum_m N_m``: queries of each pair."""
        M, K, N = self.schedule(m, gamma)
        return M * K + sum(N)

    def estimate(self, sampler, *, rewards, gamma, budget=None, seed=None) -> GenerativeResult:
        """Run the ``M`` epochs with the sampler (rewards in [0, 1]); the schedule fixes the
        number of draws (a smaller ``budget`` is refused by the sampler)."""
        R, g = check_problem(sampler, rewards, gamma, self.algorithm)
        R = np.ascontiguousarray(R)
        if R.min() < 0.0 or R.max() > 1.0:
            raise GenerativeArgumentError(f"{self.algorithm} assumes rewards in [0, 1]; the "
                                          f"model's range is [{R.min():.6g}, {R.max():.6g}]")
        M, K, N = self.schedule(sampler, g)
        S, A = R.shape
        theta = np.zeros((S, A))
        for Nm in N:
            counts = sampler.counts(Nm)
            V_bar = theta.max(axis=1)
            T_tilde = R + g * (counts @ V_bar) / Nm
            for k0 in range(0, K, VRQL_CHUNK):
                draws = sampler.synchronous(min(VRQL_CHUNK, K - k0))
                vrql_steps(g, V_bar, T_tilde, k0, draws, theta)
        V = theta.max(axis=1)
        policy = np.argmax(theta, axis=1).astype(np.int64)
        return GenerativeResult(self.algorithm, self.params(), seed, policy, theta, V,
                                sampler.drawn_per_pair, sampler.drawn, g,
                                extras={"epochs": M, "epoch_length": K, "recentering": N})

    def run(self, m, *, seed=None) -> GenerativeResult:
        """Run the ``M`` epochs on ``m`` (rewards in [0, 1])."""
        m = check_discounted(m, self.algorithm)
        return run_with_sampler(self, m, seed, None)


__all__ = ["PlugIn", "PerturbedPlugIn", "VarianceReducedQLearning"]
