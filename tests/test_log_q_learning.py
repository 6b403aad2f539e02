"""Log-mapped Q-learning (van Seijen, Fatemi, Tavakoli 2019) and the check
``sa.log_q_learning_convergence``.

Expected numbers come from a plain-numpy transcription of the update (regular-space step, then
mapped-space step, per head) fed the same uniforms; from the identity that at ``beta_log = 1`` the
mapped step is exact and the method is plain Q-learning with step ``beta_reg`` (compared with
:func:`q_learning_sync` on the same seed); from the mapping's closed form; and from planted bugs
(a wrong inverse mapping, a dropped negative head) that the check must call ``inconsistent``.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.estimators.stochastic_approximation import (StochasticApproximationArgumentError,
                                                        anneal, log_mapping, log_q_learning,
                                                        q_learning_sync)
from rlcert.mdp import TabularMDP
from rlcert.proofs_checks.api import verify


def random_mdp(seed, gamma=0.5, signed=True):
    rng = np.random.default_rng(seed)
    S, A = int(rng.integers(2, 5)), int(rng.integers(2, 4))
    R = rng.uniform(-1, 1, (S, A)) if signed else rng.random((S, A))
    return TabularMDP(rng.dirichlet(np.ones(S), size=(S, A)), R, gamma, 0)


def plain_log_q(m, T, br, bl, seed, c=1.0, h=200.0, inverse_shift=0.0):
    """The update written out with numpy; ``inverse_shift`` plants a wrong inverse mapping
    (its offset ``k`` moved by the shift)."""
    P, R, g = m.dense_P(), np.asarray(m.R), m.gamma
    d = g ** h
    k = -c * math.log(d)
    ki = k + inverse_shift
    f = lambda x: c * np.log(x + d) + k  # noqa: E731
    finv = lambda y: np.exp((y - ki) / c) - d  # noqa: E731
    u = np.random.default_rng(seed).random((T,) + R.shape)
    cdf = np.cumsum(P, axis=2)
    Rp, Rm = np.maximum(R, 0), np.maximum(-R, 0)
    Lp, Lm = np.zeros(R.shape), np.zeros(R.shape)
    S = R.shape[0]
    out = []
    for t in range(T):
        Xp, Xm = finv(Lp), finv(Lm)
        best = np.argmax(Xp - Xm, axis=1)
        s2 = np.minimum((u[t][:, :, None] >= cdf).sum(axis=2), S - 1)
        up = Rp + g * Xp[s2, best[s2]]
        um = Rm + g * Xm[s2, best[s2]]
        Lp = Lp + bl[t] * (f(Xp + br[t] * (up - Xp)) - Lp)
        Lm = Lm + bl[t] * (f(Xm + br[t] * (um - Xm)) - Lm)
        out.append(finv(Lp) - finv(Lm))
    return np.array(out)


@settings(max_examples=12)
@given(st.integers(0, 10 ** 6), st.integers(1, 300), st.sampled_from([0.3, 0.9]))
def test_log_q_matches_the_plain_update_step_by_step(seed, T, gamma):
    m = random_mdp(seed, gamma)
    rng = np.random.default_rng(seed + 1)
    br, bl = rng.uniform(0.05, 1, T), rng.uniform(0.05, 1, T)
    res = log_q_learning(m, T, beta_reg=br, beta_log=bl, seed=seed, record_every=1)
    want = plain_log_q(m, T, br, bl, seed)
    assert np.allclose(res.trace, want, rtol=1e-9, atol=1e-10)
    assert np.allclose(res.Q, want[-1], rtol=1e-9, atol=1e-10)


@settings(max_examples=10)
@given(st.integers(0, 10 ** 6), st.integers(1, 200))
def test_at_beta_log_one_it_is_plain_q_learning(seed, T):
    m = random_mdp(seed)
    br = 1.0 / (1.0 + (1 - m.gamma) * np.arange(1, T + 1))
    res = log_q_learning(m, T, beta_reg=br, beta_log=1.0, seed=seed)
    Q, _ = q_learning_sync(m, T, steps=br, seed=seed)  # same seed: the same next states
    assert np.allclose(res.Q, Q, atol=1e-9)


def test_mapping_closed_form_and_annealing():
    c, d, k = log_mapping(0.5, c=2.0, h=10.0, q_init=0.3)
    assert d == 0.5 ** 10 and k == pytest.approx(-2.0 * math.log(0.3 + d))
    assert 2.0 * math.log(0.3 + d) + k == pytest.approx(0.0, abs=1e-15)  # f(q_init) = 0
    assert np.allclose(anneal(5, 1.0, 0.01, 3), [1.0, 0.1, 0.01, 0.01, 0.01])
    assert np.allclose(anneal(3, 0.5, 0.5, 2), 0.5)


def test_nonnegative_rewards_leave_the_negative_head_at_zero():
    m = random_mdp(3, signed=False)
    res = log_q_learning(m, 500, seed=1)
    assert np.all(res.Q_minus == 0.0)  # f(U_hat) = f(0) = 0 exactly for a zero head
    assert res.mapping == log_mapping(0.5)
    assert res.beta_reg[0] == 1.0 and res.beta_reg[-1] == pytest.approx(0.1)
    assert res.beta_log[-1] == pytest.approx(0.01)


def test_bad_arguments_are_refused_by_name():
    m = random_mdp(0)
    for call, name in [(lambda: log_q_learning(m, 0), "n_steps"),
                       (lambda: log_q_learning(m, 5, beta_reg=1.5), "beta_reg"),
                       (lambda: log_q_learning(m, 5, beta_log=np.ones(4)), "beta_log"),
                       (lambda: log_q_learning(m, 5, c=0.0), "c"),
                       (lambda: log_q_learning(m, 5, h=1e9), "h"),
                       (lambda: log_q_learning(m, 5, decay_steps=1), "decay_steps"),
                       (lambda: log_q_learning(m, 5, seed=1.5), "seed"),
                       (lambda: log_q_learning("m", 5), "m"),
                       (lambda: log_q_learning(TabularMDP(m.dense_P(), m.R, 0.0, 0), 5),
                        "gamma"),
                       (lambda: log_mapping(1.0), "gamma"),
                       (lambda: log_mapping(0.5, q_init=-1.0), "q_init"),
                       (lambda: anneal(5, 0.1, 0.5, 3), "final"),
                       (lambda: anneal(5, 1.0, 0.5, 1), "decay_steps")]:
        with pytest.raises(StochasticApproximationArgumentError, match=name):
            call()


# -- the check and planted bugs ------------------------------------------------------------------
def log_q_wrong_inverse(m, n_steps, beta_reg, beta_log, seed):
    # f^{-1}(y) = exp((y - k') / c) - d with k' = k + 0.1: the inverse does not undo f
    return plain_log_q(m, n_steps, beta_reg, beta_log, seed, inverse_shift=0.1)[-1]


def log_q_without_negative_head(m, n_steps, beta_reg, beta_log, seed):
    # negative rewards dropped (only the positive head learned)
    m_plus = TabularMDP(m.dense_P(), np.maximum(m.R, 0.0), m.gamma, 0)
    return log_q_learning(m_plus, n_steps, beta_reg=beta_reg, beta_log=beta_log, seed=seed).Q


def test_convergence_check_is_consistent_and_catches_planted_bugs():
    good = verify("sa.log_q_learning_convergence", quick=True, backend="serial", n_trials=8)
    assert good.status == "consistent", good.details
    short = {"horizons": (250, 1000, 4000)}
    for mutant in (log_q_wrong_inverse, log_q_without_negative_head):
        bad = verify("sa.log_q_learning_convergence", algorithm=mutant, quick=True,
                     backend="serial", n_trials=6, params=short)
        assert bad.status == "inconsistent", (mutant.__name__, bad.details)
