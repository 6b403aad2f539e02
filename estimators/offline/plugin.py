r"""The plug-in (certainty-equivalence) offline estimator: the control the pessimistic estimators
are checked against.

It builds the empirical model of the data (:mod:`._model`: ``P_hat`` from counts, uniform rows for
unseen pairs, mean observed rewards and ``0`` for unseen pairs, or the known rewards) and plans in
it exactly, returning ``Q_hat = Q*_{M_hat}``, ``V_hat = V*_{M_hat}`` and the greedy policy, with no
penalty. On data that rarely cover an action whose few samples look good it trusts them; the
committed instance :func:`~rlcert.estimators.offline.instances.coverage_failure` shows that its
suboptimality then does not vanish as the data grow, while the pessimistic estimators' does.
"""

from __future__ import annotations

import numpy as np

from rlcert.mdp import FiniteHorizonMDP, TabularMDP, solve

from ._model import (OfflineEstimate, check_dataset, check_gamma, check_positive,
                     empirical_model, known_rewards, rewards_argument)
from .dataset import Dataset


class PlugInOffline:
    r"""Plan exactly in the empirical MDP of the data (certainty equivalence).

    Discounted transitions: ``M_hat = (P_hat, r_hat, gamma)`` solved by policy iteration to the
    certificate ``tol``. Episodic trajectories: per-stage ``P_hat_h, r_hat_h`` from the stage-``h``
    transitions, solved by backward induction (``V_hat`` is ``(H + 1, S)``).

    Parameters
    ----------
    gamma : float in (0, 1), optional
        The discount (required for discounted data; ignored for episodic data).
    rewards : array_like, optional
        Known rewards, ``(S, A)`` (or ``(H, S, A)`` for episodic data).
    tol : float
        Certificate asked of the planner.
    """

    algorithm = "plug-in (offline)"

    def __init__(self, gamma: float | None = None, *, rewards=None, tol: float = 1e-10):
        self.gamma = None if gamma is None else check_gamma(gamma, self.algorithm)
        self.rewards = rewards_argument(rewards, self.algorithm, (2, 3))
        self.tol = check_positive(tol, "tol")

    def params(self) -> dict:
        return {"gamma": self.gamma,
                "rewards": None if self.rewards is None else self.rewards.tolist(), "tol": self.tol}

    def fit(self, data: Dataset) -> OfflineEstimate:
        """Plan in the empirical model of ``data``."""
        data = check_dataset(data, self.algorithm, episodic=None)
        S, A = data.n_states, data.n_actions
        if data.episodic:
            return self._fit_episodic(data)
        if self.gamma is None:
            check_gamma(None, self.algorithm)
        R = known_rewards(self.rewards, (S, A), self.algorithm)
        em = empirical_model(data.states, data.actions, data.rewards, data.next_states, S, A, R)
        res = solve(TabularMDP(em.dense_P(), em.r.reshape(S, A), self.gamma, copy=False),
                    method="pi", tol=self.tol)
        return OfflineEstimate(self.algorithm, np.asarray(res.policy, dtype=np.int64),
                               np.array(res.V), np.array(res.Q), np.zeros((S, A)),
                               em.N.reshape(S, A), {**self.params(), "N": data.size},
                               {"certificate": res.certificate})

    def _fit_episodic(self, data: Dataset) -> OfflineEstimate:
        S, A, H = data.n_states, data.n_actions, data.horizon
        assert H is not None  # fit calls this for episodic data only
        R = known_rewards(self.rewards, (H, S, A), self.algorithm)
        P = np.empty((H, S, A, S))
        Rh = np.empty((H, S, A))
        counts = np.empty((H, S, A), dtype=np.int64)
        for h in range(H):
            em = empirical_model(data.states[:, h], data.actions[:, h], data.rewards[:, h],
                                 data.next_states[:, h], S, A, None if R is None else R[h])
            P[h], Rh[h], counts[h] = em.dense_P(), em.r.reshape(S, A), em.N.reshape(S, A)
        res = solve(FiniteHorizonMDP(P, Rh, H, copy=False))
        return OfflineEstimate(self.algorithm, np.asarray(res.policy, dtype=np.int64),
                               np.array(res.V), np.array(res.Q), np.zeros((H, S, A)), counts,
                               {**self.params(), "K": data.n_episodes})


__all__ = ["PlugInOffline"]
