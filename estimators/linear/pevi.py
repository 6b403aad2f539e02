r"""Pessimistic value iteration from offline data in linear MDPs: :class:`LinearPEVI` (Jin, Yang and
Wang 2021, "Is pessimism provably efficient for offline RL?", ICML, Algorithm 2) and
:class:`R2PVI`, robust-regularised pessimistic value iteration in d-rectangular linear MDPs (Tang,
Liu and Xu 2025, "Robust offline RL with linearly structured f-divergence regularization", ICML).

Both take ``K`` trajectories (a :class:`~rlcert.estimators.offline.Dataset`) and, for ``h = H-1,
..., 0`` (0-based), regress on the stage-``h`` transitions with ridge ``lambda``:

.. math:: \Lambda_h = \sum_k \phi_k \phi_k^\top + \lambda I, \qquad
          \hat w_h = \Lambda_h^{-1} \sum_k \phi_k\, y_k,

**PEVI** with targets ``y_k = r_k + V_hat_{h+1}(s'_k)``: the estimated Bellman backup ``(B_hat
V)(s, a) = phi(s, a)^T w_hat_h``, the uncertainty quantifier ``Gamma_h(s, a) = beta
||phi(s, a)||_{Lambda_h^{-1}}``, ``Q_hat_h = clip(B_hat V - Gamma_h, 0, H - h)``, ``V_hat_h =
max_a Q_hat_h``, the greedy policy. ``beta = c d H sqrt(zeta)``, ``zeta = log(2 d H K / xi)``,
``lambda = 1`` (Theorem 4.4; the paper leaves ``c`` an absolute constant: ``c = 1`` is a
documented choice, and the registered checks measure whether ``Gamma`` is then a
``xi``-uncertainty quantifier, ``|B_hat V - B V| <= Gamma`` (Definition 4.1), and whether the
suboptimality obeys Theorem 4.2, ``SubOpt(pi_hat) <= 2 sum_h E_{pi*}[Gamma_h(s_h, a_h)]``).

**R2PVI** estimates, per factor ``i``, the dual of the regularised inner problem ``inf_nu
E_nu[V] + rho D(nu || mu_{h,i})`` by regressing its target on the features (the coefficient of
``phi_i``): TV ``E_mu[min(V, min V + rho)]``, KL ``-rho log E_mu[exp(-V / rho)]`` (the
expectation clipped into its range ``[exp(-(max V - min V)/rho), 1]`` around ``min V``),
chi-square ``max_eta {eta - rho - E_mu[(eta - V)_+^2] / (4 rho)}`` (maximised exactly over the
regression's piecewise-quadratic estimate). Rewards are regressed too (``theta_hat_h``), and the
pessimism penalty is per factor, ``Gamma_h(s, a) = beta sum_i phi_i(s, a) ||e_i||_{Lambda_h^{-1}}``
(the d-rectangular uncertainty of the paper), ``beta = c d H sqrt(zeta)`` as for PEVI (``c = 1``,
documented). ``Q_hat_h = clip(phi^T (theta_hat + sigma_hat) - Gamma, 0, H - h)``.

Cost: ``O(K d^2 + S A d^2)`` per stage (all vectorised). Features are the estimator's knowledge of
the problem: it is built from them.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from rlcert.mdp.linear import LinearMDP

from ..offline import Dataset
from .lsvi import LinearLearnerError, _features, _real


@dataclass(frozen=True, repr=False)
class PessimisticEstimate:
    """What a pessimistic offline estimator returns.

    Attributes
    ----------
    policy : ndarray (H, S)
    V : ndarray (H + 1, S)
        The pessimistic values ``V_hat`` (``V_hat[H] = 0``).
    Q : ndarray (H, S, A)
    bellman_estimate : ndarray (H, S, A)
        The estimated backup before the penalty (PEVI: ``phi^T w_hat``; R2PVI: ``phi^T (theta_hat
        + sigma_hat)``).
    penalty : ndarray (H, S, A)
        ``Gamma_h(s, a)``.
    beta : float
    params : dict
    """

    policy: np.ndarray
    V: np.ndarray
    Q: np.ndarray
    bellman_estimate: np.ndarray
    penalty: np.ndarray
    beta: float
    params: dict = field(default_factory=dict)

    def __repr__(self) -> str:
        return (f"PessimisticEstimate(H={self.V.shape[0] - 1}, S={self.V.shape[1]}, "
                f"beta={self.beta:.4g})")


def _stage_data(phi: np.ndarray, data: Dataset, h: int, lam: float):
    """``(Phi_h (K, d), Lambda_h^{-1}, rewards (K,), next states (K,))`` of stage ``h``."""
    s, a = data.states[:, h], data.actions[:, h]
    Phi = phi[s, a]
    d = phi.shape[2]
    Lam = Phi.T @ Phi + lam * np.eye(d)
    return Phi, np.linalg.inv(Lam), data.rewards[:, h], data.next_states[:, h]


def _norms(phi2: np.ndarray, Linv: np.ndarray) -> np.ndarray:
    """``||phi(s, a)||_{Lambda^{-1}}`` for every row of ``phi2``."""
    return np.sqrt(np.maximum(np.einsum("rd,de,re->r", phi2, Linv, phi2), 0.0))


class LinearPEVI:
    """PEVI with linear function approximation (module docstring).

    Parameters
    ----------
    features : array_like (S, A, d) or LinearMDP
    lam : float > 0
    c : float > 0
        The constant of ``beta = c d H sqrt(zeta)`` (default 1, documented).
    xi : float in (0, 1)
        The failure probability in ``zeta = log(2 d H K / xi)``.
    penalty_scale : float >= 0
        Multiplies ``beta`` (1 = the stated choice; 0 is the plug-in LSVI).
    """

    algorithm = "linear PEVI"

    def __init__(self, features, *, lam: float = 1.0, c: float = 1.0, xi: float = 0.05,
                 penalty_scale: float = 1.0):
        self.phi = _features(features)
        self.lam = _real(lam, "lam", positive=True)
        self.c = _real(c, "c", positive=True)
        self.xi = _real(xi, "xi", positive=True)
        if self.xi >= 1:
            raise LinearLearnerError(f"xi={xi!r} is not in (0, 1)")
        self.penalty_scale = _real(penalty_scale, "penalty_scale", positive=False)

    def params(self) -> dict:
        return {"lam": self.lam, "c": self.c, "xi": self.xi, "penalty_scale": self.penalty_scale}

    def beta(self, H: int, K: int) -> float:
        """``penalty_scale * c d H sqrt(log(2 d H K / xi))``."""
        d = self.phi.shape[2]
        return self.penalty_scale * self.c * d * H * math.sqrt(math.log(2.0 * d * H * K / self.xi))

    def _check(self, data) -> Dataset:
        if not isinstance(data, Dataset) or not data.episodic:
            raise LinearLearnerError(f"{self.algorithm} learns from episodic offline data (a "
                                     f"Dataset of trajectories), got {data!r}")
        if (data.n_states, data.n_actions) != self.phi.shape[:2]:
            raise LinearLearnerError(f"the data has S={data.n_states}, A={data.n_actions}; the "
                                     f"features are for S={self.phi.shape[0]}, "
                                     f"A={self.phi.shape[1]}")
        return data

    def _backup(self, phi2, Phi, Linv, r, s2, V_next, h):
        w = Linv @ (Phi.T @ (r + V_next[s2]))
        return phi2 @ w

    def fit(self, data: Dataset) -> PessimisticEstimate:
        """Pessimistic value iteration on ``data`` (the verifier's offline protocol)."""
        data = self._check(data)
        S, A, d = self.phi.shape
        H, K = data.horizon, data.n_episodes
        assert H is not None  # _check accepts episodic data only
        beta = self.beta(H, K)
        phi2 = self.phi.reshape(S * A, d)
        V = np.zeros((H + 1, S))
        Q, B, G = (np.empty((H, S, A)) for _ in range(3))
        for h in range(H - 1, -1, -1):
            Phi, Linv, r, s2 = _stage_data(self.phi, data, h, self.lam)
            B[h] = self._backup(phi2, Phi, Linv, r, s2, V[h + 1], h).reshape(S, A)
            G[h] = self._penalty(phi2, Linv, beta).reshape(S, A)
            Q[h] = np.clip(B[h] - G[h], 0.0, float(H - h))
            V[h] = Q[h].max(axis=1)
        policy = np.argmax(Q, axis=2).astype(np.int64)
        return PessimisticEstimate(policy, V, Q, B, G, beta, {**self.params(), "K": K})

    def _penalty(self, phi2, Linv, beta) -> np.ndarray:
        return beta * _norms(phi2, Linv)


def _clipped_positive(x: np.ndarray, lo: float) -> np.ndarray:
    return np.clip(x, lo, 1.0)


class R2PVI(LinearPEVI):
    """Robust-regularised pessimistic value iteration in d-rectangular linear MDPs (module
    docstring).

    Parameters
    ----------
    features : array_like (S, A, d) or LinearMDP
        Features on the simplex (the d-rectangular class).
    divergence : {"tv", "kl", "chi2"}
    rho : float > 0
        The regularisation weight of ``D`` (the ``beta`` of :class:`~rlcert.mdp.robust.KLPenalty`
        and its siblings).
    lam, c, xi, penalty_scale : as for :class:`LinearPEVI`.
    """

    algorithm = "R2PVI"
    DIVERGENCES = ("tv", "kl", "chi2")

    def __init__(self, features, *, divergence: str = "kl", rho: float = 1.0, lam: float = 1.0,
                 c: float = 1.0, xi: float = 0.05, penalty_scale: float = 1.0):
        super().__init__(features, lam=lam, c=c, xi=xi, penalty_scale=penalty_scale)
        if divergence not in self.DIVERGENCES:
            raise LinearLearnerError(f"divergence={divergence!r} is not one of "
                                     f"{self.DIVERGENCES}")
        self.divergence = divergence
        self.rho = _real(rho, "rho", positive=True)
        phi2 = self.phi.reshape(-1, self.phi.shape[2])
        if np.any(phi2 < 0) or np.any(np.abs(phi2.sum(axis=1) - 1.0) > 1e-9):
            raise LinearLearnerError("R2PVI needs features on the simplex (a d-rectangular "
                                     "model)")

    def params(self) -> dict:
        return {**super().params(), "divergence": self.divergence, "rho": self.rho}

    def _backup(self, phi2, Phi, Linv, r, s2, V_next, h):
        G = Linv @ Phi.T  # (d, K): the regression's weights of each sample, per factor
        theta = G @ r
        sigma = self._factor_values(G, V_next, s2)
        return phi2 @ (theta + sigma)

    def _factor_values(self, G: np.ndarray, V: np.ndarray, s2: np.ndarray) -> np.ndarray:
        rho, v = self.rho, V[s2]
        vmin, vmax = float(V.min()), float(V.max())
        if self.divergence == "tv":
            return G @ np.minimum(v, vmin + rho)
        if self.divergence == "kl":
            mean = G @ np.exp(-(v - vmin) / rho)
            return vmin - rho * np.log(_clipped_positive(mean, math.exp(-(vmax - vmin) / rho)))
        return np.array([self._chi2(G[i], v, rho) for i in range(G.shape[0])])

    @staticmethod
    def _chi2(g: np.ndarray, v: np.ndarray, rho: float) -> float:
        """``max_eta eta - rho - sum_k g_k (eta - v_k)_+^2 / (4 rho)``: on each interval between
        sorted values the objective is a quadratic in ``eta``; its maximum is at an end or at the
        stationary point ``eta = (2 rho + sum_active g v) / sum_active g``."""
        order = np.argsort(v)
        vs, gs = v[order], g[order]
        cg, cgv = np.cumsum(gs), np.cumsum(gs * vs)
        knots = np.concatenate([vs, [vs[-1] + 2.0 * rho]])

        def f(eta):
            t = np.maximum(eta - vs, 0.0)
            return eta - rho - float(gs @ (t * t)) / (4.0 * rho)

        best = max(f(e) for e in knots)
        for j in range(len(vs)):
            lo, hi = vs[j], knots[j + 1]
            if cg[j] > 0:
                eta = (2.0 * rho + cgv[j]) / cg[j]
                if lo <= eta <= hi:
                    best = max(best, f(eta))
        return best

    def _penalty(self, phi2, Linv, beta) -> np.ndarray:
        return beta * (phi2 @ np.sqrt(np.maximum(np.diag(Linv), 0.0)))


__all__ = ["LinearPEVI", "R2PVI", "PessimisticEstimate"]
