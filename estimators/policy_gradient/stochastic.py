r"""Stochastic normalised policy gradient with momentum on tabular softmax policies:
N-PG-IGT and (N)-HARPG (Fatkhullin, Barakat, Kireeva, He 2023).

The objective is the truncated discounted return from ``s_0 ~ mu``,
``J_H(theta) = E[sum_{h<H} gamma^h r(s_h, a_h)]``, ``a_h ~ pi_theta(.|s_h)`` (softmax logits
``theta (S, A)``). Gradients are estimated from sampled trajectories only; the model is used
only to sample (the verifier measures the iterates with the exact oracle).

Estimators (one trajectory ``tau`` of length ``H`` each):

.. math:: g(\tau, \theta) = \sum_{h<H} \gamma^h r_h \sum_{k \le h}
          \nabla \log \pi_\theta(a_k|s_k) \qquad \text{(GPOMDP)},

.. math:: B(\tau, \theta) u = \sum_{h<H} \gamma^h r_h \Big[\Phi_h \langle \Phi_h, u\rangle
          + \sum_{k \le h} \nabla^2 \log \pi_\theta(a_k|s_k)\, u\Big], \quad
          \Phi_h = \sum_{k\le h} \nabla \log \pi_\theta(a_k|s_k),

unbiased for ``grad J_H`` and ``grad^2 J_H u``; for softmax ``grad_{theta(s,.)} log pi(a|s) =
e_a - pi(.|s)`` and ``grad^2_{theta(s,.)} log pi(a|s) = -(diag pi(.|s) - pi(.|s) pi(.|s)^T)``.

* :func:`n_pg_igt` — normalised PG with implicit gradient transport (their Algorithm 1):

  .. math:: \tilde\theta_t = \theta_t + \frac{1-\eta_t}{\eta_t}(\theta_t - \theta_{t-1}),\quad
            d_t = (1-\eta_t) d_{t-1} + \eta_t g(\tau_t, \tilde\theta_t),\quad
            \theta_{t+1} = \theta_t + \gamma_t \frac{d_t}{\|d_t\|},

  one trajectory per iteration; ``O~(eps^-2.5)`` samples for ``J* - E J(theta) <= eps``
  (up to the bias term of the Fisher-non-degenerate analysis).
* :func:`n_harpg` — (normalised) Hessian-aided recursive policy gradient (their Algorithm 2):

  .. math:: \hat\theta_t = q_t \theta_t + (1-q_t)\theta_{t-1},\ q_t \sim U(0, 1),\quad
            d_t = (1-\eta_t)\big(d_{t-1} + B(\hat\tau_t, \hat\theta_t)(\theta_t - \theta_{t-1})
            \big) + \eta_t g(\tau_t, \theta_t),

  then the normalised step (``normalize=False``: ``theta_{t+1} = theta_t + gamma_t d_t``, HARPG);
  two trajectories per iteration; ``O~(eps^-2)`` samples.

Schedules. ``eta_t = (2/(t+2))^{a}`` and ``gamma_t = gamma_0 (2/(t+2))^{b}`` (so ``eta_0 = 1``,
``d_0 = g(tau_0, theta_0)``). Defaults: ``a = 4/5, b = 1`` for N-PG-IGT and ``a = 1, b = 1`` for
(N)-HARPG. These are the exponents that balance the momentum's error terms in the
gradient-domination analysis (IGT: variance ``eta^{1/2}`` against transport error
``gamma^2/eta^2`` gives ``eta ~ t^{-4/5}`` and error ``t^{-2/5}``, i.e. ``eps^-2.5``; HARPG:
``eta ~ gamma ~ 1/t`` gives error ``t^{-1/2}``, i.e. ``eps^-2``). The algorithm boxes and
theorems of the paper were not read (only its abstract): the schedules are this module's
documented choice, and the constant ``gamma_0`` is not the paper's.

References
----------
I. Fatkhullin, A. Barakat, A. Kireeva, N. He. Stochastic policy gradient methods: improved
sample complexity for Fisher-non-degenerate policies. ICML 2023 (arXiv 2302.01734).
S. M. R. Arnold, P.-A. Manzagol, R. Babanezhad, I. Mitliagkas, N. Le Roux. Reducing the
variance in online optimization by transporting past gradients. NeurIPS 2019.
J. Baxter, P. L. Bartlett. Infinite-horizon policy-gradient estimation. JAIR 15, 2001 (GPOMDP).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from rlcert.mdp import TabularMDP

from . import _stochastic_kernels as K
from .methods import (PolicyGradientArgumentError, _check_model, _check_mu, _check_theta,
                      _real_array)

E = PolicyGradientArgumentError

#: Largest ``len(checkpoints) * S * A`` stored per run.
MAX_STORED = 20_000_000


@dataclass(frozen=True)
class StochasticPGResult:
    """Logits of a stochastic policy-gradient run at its checkpoints.

    Attributes
    ----------
    method : str
        ``"n_pg_igt"``, ``"n_harpg"`` or ``"harpg"``.
    checkpoints : ndarray of int (K,)
        Iteration counts ``t`` at which ``theta_t`` was stored (sorted, unique).
    thetas : ndarray (K, S, A)
        ``theta_t`` at each checkpoint.
    samples : ndarray of int (K,)
        Transitions sampled before ``theta_t`` (``t H`` for N-PG-IGT, ``(2t - 1) H`` for
        HARPG, ``t >= 1``).
    horizon : int
    step0, step_exponent, momentum_exponent : float
        ``gamma_t = step0 (2/(t+2))^step_exponent``, ``eta_t = (2/(t+2))^momentum_exponent``.
    theta : ndarray (S, A)
        Final logits.
    """

    method: str
    checkpoints: np.ndarray
    thetas: np.ndarray
    samples: np.ndarray
    horizon: int
    step0: float
    step_exponent: float
    momentum_exponent: float
    theta: np.ndarray

    @property
    def policies(self) -> np.ndarray:
        """Softmax policies ``(K, S, A)`` of :attr:`thetas`."""
        z = self.thetas - self.thetas.max(axis=2, keepdims=True)
        p = np.exp(z)
        return p / p.sum(axis=2, keepdims=True)


def _int(x, name: str, minimum: int) -> int:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral) or x < minimum:
        raise E(f"{name} = {x!r} must be an integer >= {minimum}")
    return int(x)


def _real(x: float, name: str, lo: float, hi: float, lo_open: bool = True) -> float:
    bad = isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real) \
        or not np.isfinite(x)
    if not bad:
        bad = (x <= lo if lo_open else x < lo) or x > hi
    if bad:
        raise E(f"{name} = {x!r} must be a real number in {'(' if lo_open else '['}{lo}, {hi}]")
    return float(x)


def _seed(seed) -> int:
    if isinstance(seed, np.random.Generator):
        return int(seed.integers(0, 2 ** 32 - 1))
    if isinstance(seed, np.random.SeedSequence):
        return int(seed.generate_state(1)[0])
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise E(f"seed = {seed!r} must be an integer >= 0, a SeedSequence or a Generator")
    return int(np.random.SeedSequence(int(seed)).generate_state(1)[0])


def _cdfs(m: TabularMDP, mu: np.ndarray):
    P, R, gamma = _check_model(m)
    Pcum = np.cumsum(P, axis=2)
    Pcum[..., -1] = 1.0
    mu_cum = np.cumsum(mu)
    mu_cum[-1] = 1.0
    return np.ascontiguousarray(Pcum), R, gamma, np.ascontiguousarray(mu_cum)


def _checkpoints(checkpoints, n_iter: int, S: int, A: int) -> np.ndarray:
    if checkpoints is None:
        cp = np.array([n_iter], dtype=np.int64)
    else:
        try:
            raw = np.asarray(checkpoints)
        except (TypeError, ValueError):
            raise E(f"checkpoints = {checkpoints!r} must be integers in [0, n_iter]") from None
        if raw.ndim != 1 or raw.size == 0 or raw.dtype.kind not in "iu" \
                or np.any(raw < 0) or np.any(raw > n_iter):
            raise E(f"checkpoints = {checkpoints!r} must be a non-empty list of integers in "
                    f"[0, n_iter = {n_iter}]")
        cp = np.unique(raw.astype(np.int64))
    if cp.size * S * A > MAX_STORED:
        raise E(f"checkpoints: {cp.size} checkpoints * S * A exceeds {MAX_STORED} stored entries")
    return cp


def _run(m, n_iter, horizon, mode, step0, step_exponent, momentum_exponent, normalize,
         checkpoints, seed, theta0, initial, name) -> StochasticPGResult:
    _check_model(m)
    S, A = m.n_states, m.n_actions
    n_iter = _int(n_iter, "n_iter", 0)
    H = _int(horizon, "horizon", 1)
    step0 = _real(step0, "step0", 0.0, 1e6)
    b = _real(step_exponent, "step_exponent", 0.0, 2.0, lo_open=False)
    a = _real(momentum_exponent, "momentum_exponent", 0.0, 1.0, lo_open=False)
    cp = _checkpoints(checkpoints, n_iter, S, A)
    th0 = _check_theta(theta0, S, A)
    mu = _check_mu(m, initial)
    sd = _seed(seed)
    Pcum, R, gamma, mu_cum = _cdfs(m, mu)
    out = np.empty((cp.size, S, A))
    K.seed_numba(sd)
    theta = K.run(Pcum, R, gamma, mu_cum, th0, n_iter, H, mode, step0, b, a, bool(normalize),
                  cp, out)
    per = 1 if mode == 0 else 2
    samples = np.where(cp > 0, (per * cp - (per - 1)) * H, 0).astype(np.int64)
    return StochasticPGResult(name, cp, out, samples, H, step0, b, a, theta)


def n_pg_igt(m: TabularMDP, n_iter: int, horizon: int, *, step0: float = 1.0,
             step_exponent: float = 1.0, momentum_exponent: float = 0.8, checkpoints=None,
             seed=0, theta0=None, initial=None) -> StochasticPGResult:
    r"""N-PG-IGT (Fatkhullin et al. 2023, Algorithm 1) with sampled truncated trajectories.

    Parameters
    ----------
    m : TabularMDP
        Discounted model, ``0 <= gamma < 1`` (used only to sample trajectories).
    n_iter : int
        Iterations ``T >= 0`` (one trajectory of ``horizon`` transitions each).
    horizon : int
        Truncation ``H >= 1``.
    step0, step_exponent : float
        ``gamma_t = step0 (2/(t+2))^step_exponent`` (defaults ``1`` and ``1``).
    momentum_exponent : float
        ``eta_t = (2/(t+2))^momentum_exponent`` in ``[0, 1]`` (default ``4/5``; ``0`` is no
        momentum, ``eta_t = 1``).
    checkpoints : sequence of int, optional
        Iterations ``t in [0, T]`` at which ``theta_t`` is stored (default ``[T]``).
    seed : int, SeedSequence or Generator
    theta0 : array_like (S, A), optional
        Initial logits (default 0: uniform).
    initial : int or array_like (S,), optional
        Start distribution ``mu`` (default ``m.initial``).

    Returns
    -------
    StochasticPGResult

    Notes
    -----
    ``theta~_t = theta_t + (1-eta_t)/eta_t (theta_t - theta_{t-1})``,
    ``d_t = (1-eta_t) d_{t-1} + eta_t g(tau_t, theta~_t)``, ``theta_{t+1} = theta_t + gamma_t
    d_t / ||d_t||`` (``theta_{-1} = theta_0``). See the module docstring.
    """
    return _run(m, n_iter, horizon, 0, step0, step_exponent, momentum_exponent, True,
                checkpoints, seed, theta0, initial, "n_pg_igt")


def n_harpg(m: TabularMDP, n_iter: int, horizon: int, *, step0: float = 1.0,
            step_exponent: float = 1.0, momentum_exponent: float = 1.0, normalize: bool = True,
            checkpoints=None, seed=0, theta0=None, initial=None) -> StochasticPGResult:
    r"""(N)-HARPG (Fatkhullin et al. 2023, Algorithm 2) with sampled truncated trajectories.

    Parameters as :func:`n_pg_igt` (default ``momentum_exponent = 1``, ``eta_t = 2/(t+2)``);
    ``normalize=False`` gives HARPG's unnormalised step ``theta_{t+1} = theta_t + gamma_t d_t``.

    Notes
    -----
    ``d_0 = g(tau_0, theta_0)``; for ``t >= 1``, ``theta^_t = q_t theta_t + (1-q_t) theta_{t-1}``
    with ``q_t ~ U(0, 1)``, ``v_t = B(tau^_t, theta^_t)(theta_t - theta_{t-1})`` (a second
    trajectory, sampled at ``theta^_t``), ``d_t = (1-eta_t)(d_{t-1} + v_t) + eta_t g(tau_t,
    theta_t)``. ``E[v_t] = grad J_H(theta_t) - grad J_H(theta_{t-1})`` exactly (integral form
    of the mean value theorem), so ``d_t`` tracks ``grad J_H(theta_t)`` without the
    transport bias of plain momentum.
    """
    if not isinstance(normalize, (bool, np.bool_)):
        raise E(f"normalize = {normalize!r} must be a bool")
    return _run(m, n_iter, horizon, 1, step0, step_exponent, momentum_exponent, normalize,
                checkpoints, seed, theta0, initial, "n_harpg" if normalize else "harpg")


def _estimate(m, theta, horizon, n_traj, seed, initial, u=None):
    _check_model(m)
    S, A = m.n_states, m.n_actions
    if theta is None:
        raise E("theta must be an array of shape (S, A), got None")
    th = _check_theta(theta, S, A, "theta")
    H = _int(horizon, "horizon", 1)
    n = _int(n_traj, "n_traj", 1)
    if n * S * A > MAX_STORED:
        raise E(f"n_traj = {n_traj!r}: n_traj * S * A exceeds {MAX_STORED} stored entries")
    mu = _check_mu(m, initial)
    sd = _seed(seed)
    Pcum, R, gamma, mu_cum = _cdfs(m, mu)
    K.seed_numba(sd)
    out = np.empty((n, S, A))
    buf = np.empty((S, A))
    for i in range(n):
        if u is None:
            K.gpomdp(Pcum, R, gamma, mu_cum, th, H, buf)
        else:
            K.hvp(Pcum, R, gamma, mu_cum, th, u, H, buf)
        out[i] = buf
    return out


def gpomdp_gradient(m: TabularMDP, theta, horizon: int, n_traj: int = 1, *, seed=0,
                    initial=None) -> np.ndarray:
    r"""``n_traj`` independent one-trajectory GPOMDP estimates ``g(tau, theta)`` (array
    ``(n_traj, S, A)``), each unbiased for ``grad J_H(theta)``; ``grad J_H -> grad V^{pi}(mu)``
    as ``H -> infinity`` (error at most ``gamma^H`` times the reward range's scale).
    ``n_traj * S * A`` is at most :data:`MAX_STORED`."""
    return _estimate(m, theta, horizon, n_traj, seed, initial)


def hessian_vector_estimate(m: TabularMDP, theta, u, horizon: int, n_traj: int = 1, *, seed=0,
                            initial=None) -> np.ndarray:
    r"""``n_traj`` independent one-trajectory estimates ``B(tau, theta) u`` (array
    ``(n_traj, S, A)``), each unbiased for ``grad^2 J_H(theta) u``."""
    _check_model(m)
    S, A = m.n_states, m.n_actions
    if u is None:
        raise E("u must be an array of shape (S, A), got None")
    uu = _real_array(u, "u", (S, A))
    return _estimate(m, theta, horizon, n_traj, seed, initial, uu)
