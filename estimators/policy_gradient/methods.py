r"""Exact-gradient policy optimisation on tabular discounted MDPs.

Every method runs on a :class:`~rlcert.mdp.TabularMDP` with ``0 <= gamma < 1``, evaluates each
iterate exactly (linear solves, see :mod:`._kernels`) and returns a :class:`PGResult` holding
iterate ``t = 0, ..., n_iter`` in slot ``t`` (so ``n_iter`` updates, ``n_iter + 1`` policies).

Softmax policies ``pi_theta(a|s) = exp theta(s, a) / sum_b exp theta(s, b)``, ``theta_0 = 0``
(uniform) unless given. Objective ``V^{pi}(mu) = sum_s mu(s) V^pi(s)``.

* :func:`softmax_pg` — gradient ascent ``theta_{t+1} = theta_t + eta grad_theta V^{pi_t}(mu)``
  with the exact gradient (policy gradient theorem, softmax form; Mei et al. 2020, Lemma 1)

  .. math:: \frac{\partial V^{\pi_\theta}(\mu)}{\partial \theta(s, a)}
            = \frac{1}{1-\gamma} d_\mu^{\pi_\theta}(s)\, \pi_\theta(a|s)\, A^{\pi_\theta}(s, a),

  default step ``eta = (1 - gamma)^3 / 8`` (the inverse of the smoothness constant
  ``8 / (1 - gamma)^3``, Mei et al. 2020, Lemma 7).
* :func:`npg` — natural policy gradient (Agarwal, Kakade, Lee, Mahajan 2021, eq. (18) and
  Lemma 15): ``pi_{t+1}(a|s) ∝ pi_t(a|s) exp(eta A^{pi_t}(s, a) / (1 - gamma))``; for
  ``theta_0 = 0`` and every start distribution ``rho`` (their Theorem 16)

  .. math:: V^*(\rho) - V^{(T)}(\rho) \le \frac{\log |A|}{\eta T} + \frac{1}{(1-\gamma)^2 T}.

* :func:`entropy_npg` — entropy-regularised NPG (Cen, Cheng, Chen, Wei, Chi 2022):

  .. math:: \pi_{t+1}(a|s) \propto \pi_t(a|s)^{1 - \eta\tau/(1-\gamma)}
            \exp\big(\eta Q_\tau^{\pi_t}(s, a) / (1-\gamma)\big),
            \quad 0 < \eta \le (1-\gamma)/\tau,

  with ``Q_tau^pi(s, a) = r(s, a) + gamma E V_tau^pi(s')`` and ``V_tau^pi(s) = E_{a~pi}[Q_tau^pi(s,
  a) - tau log pi(a|s)]``. At ``eta = (1 - gamma) / tau`` it is soft policy iteration,
  ``pi_{t+1} ∝ exp(Q_tau^{pi_t} / tau)``. Linear convergence to ``Q*_tau`` at rate ``1 - eta tau``.
* :func:`policy_gradient` — the exact gradient above at given logits.
* :func:`soft_optimal` — ``V*_tau``, ``Q*_tau`` and ``pi*_tau ∝ exp(Q*_tau / tau)`` by soft value
  iteration with an a-posteriori error bound.

References
----------
J. Mei, C. Xiao, C. Szepesvari, D. Schuurmans. On the global convergence rates of softmax policy
gradient methods. ICML 2020.
A. Agarwal, S. M. Kakade, J. D. Lee, G. Mahajan. On the theory of policy gradient methods:
optimality, approximation, and distribution shift. JMLR 22(98), 2021.
S. Cen, C. Cheng, Y. Chen, Y. Wei, Y. Chi. Fast global convergence of natural policy gradient
methods with entropy regularization. Operations Research 70(4), 2022.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

from rlcert.mdp import TabularMDP
from rlcert.mdp._validate import initial_distribution

from . import _kernels as K

#: Largest ``(n_iter + 1) * S * A`` stored per run (the per-iterate Q and policies).
MAX_STORED = 50_000_000


class PolicyGradientArgumentError(ValueError):
    """An argument of a policy-gradient method is out of its range; the message names it and the
    bad value (e.g. ``eta = -1.0 must be a positive finite number``)."""


@dataclass(frozen=True)
class PGResult:
    """The trajectory of an exact policy-optimisation run.

    Attributes
    ----------
    method : str
        ``"softmax_pg"``, ``"npg"`` or ``"entropy_npg"``.
    eta, tau : float
        Step size, entropy weight (0 for the unregularised methods).
    theta : ndarray (S, A)
        Final logits (re-centred per state: ``max_a theta(s, a) = 0``).
    values : ndarray (n_iter + 1, S)
        ``V^{pi_t}`` (``V_tau^{pi_t}`` for entropy NPG), ``t = 0..n_iter``.
    q_values : ndarray (n_iter + 1, S, A)
        ``Q^{pi_t}`` (``Q_tau^{pi_t}``).
    policies : ndarray (n_iter + 1, S, A)
    occupancy : ndarray (n_iter + 1, S)
        ``d_mu^{pi_t}`` (normalised state occupancy from ``mu``).
    grad_norm : ndarray (n_iter + 1,)
        ``||grad_theta V^{pi_t}(mu)||_2`` (unregularised gradient).
    mu : ndarray (S,)
        The optimisation start distribution.
    """

    method: str
    eta: float
    tau: float
    theta: np.ndarray
    values: np.ndarray
    q_values: np.ndarray
    policies: np.ndarray
    occupancy: np.ndarray
    grad_norm: np.ndarray
    mu: np.ndarray

    @property
    def n_iter(self) -> int:
        """Number of updates (``len(values) - 1``)."""
        return self.values.shape[0] - 1

    def value_at(self, rho=None) -> np.ndarray:
        """``V^{pi_t}(rho)`` for every ``t`` (``rho`` defaults to ``mu``)."""
        r = self.mu if rho is None else np.asarray(rho, dtype=float)
        return self.values @ r


def _check_model(m) -> tuple[np.ndarray, np.ndarray, float]:
    if not isinstance(m, TabularMDP):
        raise PolicyGradientArgumentError(f"m must be a TabularMDP, got {type(m).__name__}")
    if m.gamma is None or not (0.0 <= m.gamma < 1.0):
        raise PolicyGradientArgumentError(f"m.gamma = {m.gamma!r}: the exact policy-gradient "
                                          f"methods need a discount 0 <= gamma < 1")
    return np.ascontiguousarray(m.dense_P()), np.ascontiguousarray(m.R, dtype=float), float(m.gamma)


def _check_positive(x: float, name: str, upper: float | None = None) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real) or not np.isfinite(x) \
            or x <= 0:
        raise PolicyGradientArgumentError(f"{name} = {x!r} must be a positive finite number")
    if upper is not None and x > upper * (1 + 1e-12):
        raise PolicyGradientArgumentError(f"{name} = {x!r} must be at most {upper!r}")
    return float(x)


def _check_iter(n_iter, S: int, A: int) -> int:
    if isinstance(n_iter, (bool, np.bool_)) or not isinstance(n_iter, numbers.Integral) \
            or n_iter < 0:
        raise PolicyGradientArgumentError(f"n_iter = {n_iter!r} must be an integer >= 0")
    if (int(n_iter) + 1) * S * A > MAX_STORED:
        raise PolicyGradientArgumentError(f"n_iter = {n_iter!r}: (n_iter + 1) * S * A exceeds "
                                          f"{MAX_STORED} stored entries")
    return int(n_iter)


def _real_array(x, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """``x`` as a finite float64 array of ``shape``; booleans, complex numbers, strings and
    objects are refused (never cast), and the message names ``name``."""
    try:
        raw = np.asarray(x)
        if raw.dtype.kind not in "fiu":
            raise TypeError
        arr = np.array(raw, dtype=np.float64)
    except (TypeError, ValueError):
        raise PolicyGradientArgumentError(f"{name} must be a real array of shape {shape}, got "
                                          f"{x!r}") from None
    if arr.shape != shape:
        raise PolicyGradientArgumentError(f"{name} must have shape {shape}, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        idx = tuple(int(i) for i in np.argwhere(~np.isfinite(arr))[0])
        raise PolicyGradientArgumentError(f"{name}{list(idx)} = {arr[idx]!r} is not finite")
    return np.ascontiguousarray(arr)


def _check_theta(theta0, S: int, A: int, name: str = "theta0") -> np.ndarray:
    if theta0 is None:
        return np.zeros((S, A))
    return _real_array(theta0, name, (S, A))


def _check_mu(m: TabularMDP, initial) -> np.ndarray:
    if initial is None:
        return m.initial
    try:
        return initial_distribution(initial, m.n_states)
    except ValueError as e:
        raise PolicyGradientArgumentError(str(e)) from None


def _run(m, n_iter, eta, tau, mode, theta0, initial, name) -> PGResult:
    P, R, gamma = _check_model(m)
    S, A = R.shape
    n_iter = _check_iter(n_iter, S, A)
    th0 = _check_theta(theta0, S, A)
    mu = _check_mu(m, initial)
    values = np.empty((n_iter + 1, S))
    qs = np.empty((n_iter + 1, S, A))
    pis = np.empty((n_iter + 1, S, A))
    occ = np.empty((n_iter + 1, S))
    gn = np.empty(n_iter + 1)
    theta = K.run(P, R, gamma, mu, th0, eta, tau, n_iter, mode, values, qs, pis, occ, gn)
    return PGResult(name, eta, tau, theta, values, qs, pis, occ, gn, mu)


def softmax_pg(m: TabularMDP, n_iter: int, eta: float | None = None, *, theta0=None,
               initial=None) -> PGResult:
    r"""Softmax policy gradient with exact gradients (Mei et al. 2020, Algorithm 1).

    Parameters
    ----------
    m : TabularMDP
        Discounted model, ``0 <= gamma < 1``.
    n_iter : int
        Number of updates ``T >= 0``; the result holds ``pi_0, ..., pi_T``.
    eta : float, optional
        Step size; default ``(1 - gamma)^3 / 8``.
    theta0 : array_like (S, A), optional
        Initial logits (default 0, the uniform policy).
    initial : int or array_like (S,), optional
        Optimisation start distribution ``mu`` (default ``m.initial``).

    Returns
    -------
    PGResult

    Notes
    -----
    ``theta_{t+1} = theta_t + eta d_mu^{pi_t}(s) pi_t(a|s) A^{pi_t}(s, a) / (1 - gamma)``.
    With ``eta = (1-gamma)^3/8`` and ``V`` being ``8/(1-gamma)^3``-smooth in ``theta``, the ascent
    lemma gives ``V^{pi_{t+1}}(mu) - V^{pi_t}(mu) >= (1-gamma)^3/16 ||grad||^2``.
    """
    P, R, gamma = _check_model(m)
    eta = (1.0 - gamma) ** 3 / 8.0 if eta is None else _check_positive(eta, "eta")
    return _run(m, n_iter, eta, 0.0, 0, theta0, initial, "softmax_pg")


def npg(m: TabularMDP, n_iter: int, eta: float, *, theta0=None, initial=None) -> PGResult:
    r"""Natural policy gradient, softmax tabular (Agarwal et al. 2021, eq. (18)).

    ``theta_{t+1} = theta_t + eta A^{pi_t} / (1 - gamma)``, i.e. ``pi_{t+1} ∝ pi_t exp(eta
    A^{pi_t} / (1 - gamma))``; any ``eta > 0``. See the module docstring for Theorem 16's bound.
    Parameters as :func:`softmax_pg` (``eta`` required).
    """
    _check_model(m)
    eta = _check_positive(eta, "eta")
    return _run(m, n_iter, eta, 0.0, 1, theta0, initial, "npg")


def entropy_npg(m: TabularMDP, n_iter: int, tau: float, eta: float | None = None, *,
                theta0=None, initial=None) -> PGResult:
    r"""Entropy-regularised NPG (Cen et al. 2022, eq. (11)).

    ``pi_{t+1} ∝ pi_t^{1 - eta tau/(1-gamma)} exp(eta Q_tau^{pi_t} / (1 - gamma))`` with
    ``0 < eta <= (1 - gamma) / tau`` (default the upper end: soft policy iteration). ``values``
    and ``q_values`` of the result are the regularised ``V_tau``, ``Q_tau``.
    """
    _, _, gamma = _check_model(m)
    tau = _check_positive(tau, "tau")
    eta = (1.0 - gamma) / tau if eta is None else _check_positive(eta, "eta", (1.0 - gamma) / tau)
    return _run(m, n_iter, eta, tau, 2, theta0, initial, "entropy_npg")


def policy_gradient(m: TabularMDP, theta, *, initial=None) -> np.ndarray:
    r"""Exact ``grad_theta V^{pi_theta}(mu)`` of the softmax policy with logits ``theta`` (S, A):
    ``d_mu^pi(s) pi(a|s) A^pi(s, a) / (1 - gamma)``."""
    P, R, gamma = _check_model(m)
    S, A = R.shape
    th = _check_theta(theta, S, A, "theta") if theta is not None else None
    if th is None:
        raise PolicyGradientArgumentError("theta must be an array of shape (S, A), got None")
    mu = _check_mu(m, initial)
    pi, V, Q, d, g = np.empty((S, A)), np.empty(S), np.empty((S, A)), np.empty(S), np.empty((S, A))
    K.softmax_rows(th, pi)
    K.evaluate(P, R, gamma, 0.0, pi, mu, V, Q, d)
    K.gradient(gamma, pi, V, Q, d, g)
    return g


@dataclass(frozen=True)
class SoftOptimum:
    """``V*_tau``, ``Q*_tau``, ``pi*_tau`` and the bound ``||V - V*_tau||_inf <= error``."""

    V: np.ndarray
    Q: np.ndarray
    policy: np.ndarray
    error: float
    iterations: int


def soft_optimal(m: TabularMDP, tau: float, *, tol: float = 1e-13,
                 max_iter: int = 1_000_000) -> SoftOptimum:
    r"""The entropy-regularised optimum by soft value iteration.

    ``V(s) <- tau log sum_a exp((r(s, a) + gamma P V)(s, a) / tau)`` (a ``gamma``-contraction),
    stopped when ``gamma ||V_{k+1} - V_k||_inf / (1 - gamma) <= tol``; ``pi*_tau ∝ exp(Q*_tau /
    tau)`` (Cen et al. 2022, eq. (7)). ``error`` bounds ``||V - V*_tau||_inf``; ``Q`` is one
    backup of ``V``, so ``||Q - Q*_tau||_inf <= gamma * error``.
    """
    P, R, gamma = _check_model(m)
    tau = _check_positive(tau, "tau")
    tol = _check_positive(tol, "tol")
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise PolicyGradientArgumentError(f"max_iter = {max_iter!r} must be an integer >= 1")
    V = np.zeros(R.shape[0])
    k, err = K.soft_value_iteration(P, R, gamma, tau, tol, int(max_iter), V)
    Q = R + gamma * np.einsum("sat,t->sa", P, V)
    z = (Q - Q.max(axis=1, keepdims=True)) / tau
    pi = np.exp(z)
    pi /= pi.sum(axis=1, keepdims=True)
    return SoftOptimum(V, Q, pi, float(err), int(k))
