"""Bad inputs to the linear-MDP, offline, policy-gradient and stochastic-approximation entry points
are refused up front, with the module's own ``ValueError`` subclass and a message that names the
argument (the cases ``dev/bad_inputs.py`` found accepted, or refused unclearly)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from rlcert.estimators import policy_gradient as pg
from rlcert.estimators import stochastic_approximation as sa
from rlcert.estimators.linear import LSVIUCB, LinearLearnerError
from rlcert.estimators.offline import (VILCB, Dataset, LiBernsteinLCB, OfflineArgumentError,
                                       PlugInOffline, collect_episodes, collect_transitions)
from rlcert.estimators.policy_gradient import PolicyGradientArgumentError
from rlcert.estimators.stochastic_approximation import StochasticApproximationArgumentError
from rlcert.mdp import FiniteHorizonMDP, TabularMDP
from rlcert.mdp import linear as lin
from rlcert.mdp.errors import InvalidArgumentError, InvalidMDPError
from rlcert.mdp.robust import KLPenalty

P2 = np.full((2, 2, 2), 0.5)
R2 = np.zeros((2, 2))
M = TabularMDP(P2, R2, 0.9)
BEH = np.full((2, 2), 0.5)
FH = FiniteHorizonMDP(P2, np.full((2, 2), 0.5), 3)
PHI1 = np.ones((2, 2, 1))
LM = lin.LinearMDP(PHI1, np.full((1, 2), 0.5), np.array([0.5]), 3)
LMD = lin.LinearMDP(PHI1, np.full((1, 2), 0.5), np.array([0.5]), gamma=0.9)
I3, F3 = np.zeros(3, dtype=np.int64), np.zeros(3)
PHI_SA = np.eye(4).reshape(2, 2, 4)
SARSA = {"temperature": 1.0, "w": 1.0}
HUGE = 10 ** 12


def _started() -> LSVIUCB:
    u = LSVIUCB(PHI1)
    u.reset(2, 2, 3, 0, n_episodes=5)
    u.start_episode()
    return u


def _ep_data() -> Dataset:
    return collect_episodes(FH, BEH, 5, seed=0)


def _tr_data() -> Dataset:
    return collect_transitions(TabularMDP(P2, np.full((2, 2), 0.5), 0.9), BEH, 50, seed=0)


LINEAR = [
    ("policy", lambda: lin.evaluate_policy_linear(LM, np.zeros((3, 2)) + 0j)),
    ("policy", lambda: lin.evaluate_policy_linear(LM, [[0, 5]] * 3)),
    ("policy", lambda: lin.evaluate_policy_linear(LMD, [0.5, 1.0])),
    ("policy", lambda: lin.evaluate_policy_linear(LMD, np.array([True, False]))),
    ("policy", lambda: lin.evaluate_policy_robust_regularized(LM, np.zeros((3, 2)) + 0j,
                                                              KLPenalty(1.0))),
    ("seed", lambda: lin.random_simplex(3, 2, 2, gamma=0.9, seed=-1)),
    ("seed", lambda: lin.random_simplex(3, 2, 2, gamma=0.9, seed="abc")),
    ("S", lambda: lin.random_simplex(10 ** 5, 10 ** 3, 10 ** 3, horizon=2)),
    ("stationary", lambda: lin.random_simplex(3, 2, 2, horizon=3, stationary="no")),
]

LSVI = [
    ("r", lambda: _started().observe(0, 0, 0, float("nan"), 0)),
    ("s", lambda: _started().observe(0, 0.5, 0, 0.5, 0)),
    ("h", lambda: _started().observe(5, 0, 0, 0.5, 0)),
    ("s_next", lambda: _started().observe(0, 0, 0, 0.5, True)),
    ("h", lambda: _started().act(5, 0)),
    ("h", lambda: _started().act(-1, 0)),
    ("s", lambda: _started().act(0, 1.5)),
]

OFFLINE = [
    ("reward_noise", lambda: collect_episodes(FiniteHorizonMDP(P2, np.full((2, 2), 1.5), 3), BEH,
                                              5, reward_noise="bernoulli")),
    ("reward_noise", lambda: collect_transitions(TabularMDP(P2, np.full((2, 2), -0.5), 0.9), BEH,
                                                 5, reward_noise="bernoulli")),
    ("horizon", lambda: Dataset(*(np.zeros((3, 2), np.int64),) * 2, np.zeros((3, 2)),
                                np.zeros((3, 2), np.int64), 2, 2, horizon=3)),
    ("behaviour", lambda: Dataset(I3, I3, F3, I3, 2, 2, behaviour=np.full((2, 2), 0.7))),
    ("behaviour", lambda: Dataset(I3, I3, F3, I3, 2, 2, behaviour="uniform")),
    ("behaviour", lambda: Dataset(I3, I3, F3, I3, 2, 2, behaviour=np.full((3, 2), 0.5))),
    ("behaviour", lambda: Dataset(I3, I3, F3, I3, 2, 2, behaviour=np.full((3, 2, 2), 0.5))),
    ("shuffle_seed", lambda: VILCB(0.9, shuffle_seed=-1)),
    ("data", lambda: VILCB(0.9).fit(_ep_data())),
    ("data", lambda: VILCB(0.9).fit("data")),
    ("rewards", lambda: LiBernsteinLCB(0.9, rewards=np.zeros((2, 2)) + 0.5j)),
    ("rewards", lambda: PlugInOffline(0.9, rewards=np.zeros((2, 2)) + 1j)),
    ("rewards", lambda: PlugInOffline(0.9, rewards=np.ones((2, 2), dtype=bool))),
]

PG = [
    ("theta0", lambda: pg.softmax_pg(M, 5, theta0=np.zeros((2, 2)) + 1j)),
    ("theta0", lambda: pg.softmax_pg(M, 5, theta0=np.ones((2, 2), dtype=bool))),
    ("theta0", lambda: pg.n_pg_igt(M, 5, 3, theta0=np.zeros((2, 2)) + 1j)),
    ("theta", lambda: pg.policy_gradient(M, np.zeros((2, 3)))),
    ("theta", lambda: pg.policy_gradient(M, np.full((2, 2), np.inf))),
    ("theta", lambda: pg.gpomdp_gradient(M, np.zeros((2, 2)) + 1j, 3)),
    ("n_traj", lambda: pg.gpomdp_gradient(M, np.zeros((2, 2)), 3, n_traj=10 ** 10)),
    ("u", lambda: pg.hessian_vector_estimate(M, np.zeros((2, 2)), np.zeros((2, 2)) + 1j, 3)),
    ("u", lambda: pg.hessian_vector_estimate(M, np.zeros((2, 2)), np.ones((2, 2), bool), 3)),
]

SA = [
    ("n_steps", lambda: sa.td0_linear(M, [0, 0], np.eye(2), HUGE)),
    ("phi", lambda: sa.td0_linear(M, [0, 0], np.eye(2) + 1j, 10)),
    ("phi", lambda: sa.td0_linear(M, [0, 0], np.eye(2, dtype=bool), 10)),
    ("theta0", lambda: sa.td0_linear(M, [0, 0], np.eye(2), 10, theta0=np.zeros(2) + 1j)),
    ("seed", lambda: sa.td0_linear(M, [0, 0], np.eye(2), 10, seed=-1)),
    ("P_pi", lambda: sa.stationary_distribution(np.full((2, 3), 0.5))),
    ("P_pi", lambda: sa.stationary_distribution(np.full((2, 2), np.nan))),
    ("P_pi", lambda: sa.stationary_distribution(np.full((2, 2), 0.7))),
    ("n_steps", lambda: sa.q_learning_sync(M, HUGE)),
    ("steps", lambda: sa.q_learning_sync(M, 10, steps=np.full(10, 0.5) + 0.5j)),
    ("Q0", lambda: sa.q_learning_sync(M, 10, Q0=np.zeros((2, 2)) + 1j)),
    ("seed", lambda: sa.q_learning_sync(M, 10, seed=-1)),
    ("phi", lambda: sa.linear_sarsa(M, PHI_SA + 1j, 10, **SARSA)),
    ("phi", lambda: sa.linear_sarsa(M, np.eye(4, dtype=bool).reshape(2, 2, 4), 10, **SARSA)),
    ("n_steps", lambda: sa.linear_sarsa(M, PHI_SA, HUGE, **SARSA)),
    ("phi", lambda: sa.sarsa_policy(np.full((2, 2, 1), np.nan), np.zeros(1), temperature=1.0)),
    ("phi", lambda: sa.sarsa_policy(np.ones((2, 2, 1)) + 1j, np.zeros(1), temperature=1.0)),
    ("theta", lambda: sa.sarsa_policy(PHI_SA, np.zeros(3), temperature=1.0)),
    ("theta", lambda: sa.mean_path(M, PHI_SA, np.zeros(3), temperature=1.0)),
    ("n_rounds", lambda: sa.fedsarsa([M, M], PHI_SA, 10 ** 6, 10 ** 6, **SARSA)),
    ("n_agents", lambda: sa.heterogeneous_kernels(P2, 10 ** 10, 0.1)),
    ("P", lambda: sa.heterogeneous_kernels(P2 + 1j, 2, 0.1)),
    ("seed", lambda: sa.heterogeneous_kernels(P2, 2, 0.1, seed=-1)),
    ("kernels", lambda: sa.max_tv_distance(np.full((2, 2, 2, 2), np.nan))),
    ("kernels", lambda: sa.max_tv_distance(np.full((2, 2, 2, 2), 0.7))),
    ("n_steps", lambda: sa.log_q_learning(M, HUGE)),
    ("beta_reg", lambda: sa.log_q_learning(M, 10, beta_reg=np.full(10, 0.5) + 0.5j)),
    ("seed", lambda: sa.log_q_learning(M, 10, seed=-1)),
]

CASES = ([(InvalidArgumentError, n, f) for n, f in LINEAR[:5]]
         + [((InvalidArgumentError, InvalidMDPError), n, f) for n, f in LINEAR[5:]]
         + [(LinearLearnerError, n, f) for n, f in LSVI]
         + [(OfflineArgumentError, n, f) for n, f in OFFLINE]
         + [(PolicyGradientArgumentError, n, f) for n, f in PG]
         + [(StochasticApproximationArgumentError, n, f) for n, f in SA])


@pytest.mark.parametrize("error, name, call", CASES,
                         ids=[f"{i}-{n}" for i, (_, n, _) in enumerate(CASES)])
def test_bad_input_is_refused_naming_the_argument(error, name, call):
    with pytest.raises(error) as info:
        call()
    assert re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", str(info.value)), \
        str(info.value)


def test_valid_behaviour_and_bernoulli_rewards_still_accepted():
    """The new checks leave valid input alone: a stage-wise behaviour, rewards in [0, 1] with
    Bernoulli noise, an integer shuffle seed, and the protocol's integer indices."""
    data = collect_episodes(FH, BEH, 4, seed=1, reward_noise="bernoulli")
    assert data.behaviour.shape == (3, 2, 2)
    assert collect_transitions(M, BEH, 20, seed=1, reward_noise="bernoulli").size == 20
    VILCB(0.9, shuffle_seed=np.int64(3)).fit(_tr_data())
    u = _started()
    u.observe(np.int64(0), 1, 0, np.float64(0.5), 1)
    assert u.act(0, np.int64(1)) in (0, 1)
    assert sa.max_tv_distance(sa.heterogeneous_kernels(P2, 3, 0.2, seed=0)) <= 0.4 + 1e-12
    D = sa.stationary_distribution(np.array([[0.9, 0.1], [0.5, 0.5]]))
    assert np.allclose(D, [5 / 6, 1 / 6])
