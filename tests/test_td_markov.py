"""TD(0) along one Markov trajectory (``td0_linear(..., markov=True)``) and its registered rate
check ``sa.td0_linear_markov_rate`` (Bhandari, Russo, Singal 2018, Theorem 3, order only).

Expected numbers come from a plain-Python re-implementation of the TD(0) recursion fed the same
uniforms, the verifier-independent TD fixed point (a weighted least-squares projection), and the
planted bugs, which the check must call ``inconsistent``.
"""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.estimators.stochastic_approximation import td0_linear
from rlcert.mdp import TabularMDP
from rlcert.proofs_checks.api import verify
from rlcert.proofs_checks.framework import get_check
from rlcert.proofs_checks.registry.stochastic_approximation import td_markov_instance


def _plain_markov_td(P_pi, r, gamma, phi, D, alpha, T, seed):
    """TD(0) along one trajectory, step by step in plain Python, drawing from the Generator in
    the order td0_linear documents: uniforms (T, 2) first, then the start state's uniform."""
    rng = np.random.default_rng(seed)
    u = rng.random((T, 2))
    s = min(int(np.searchsorted(np.cumsum(D), rng.random(), side="right")), len(D) - 1)
    th = np.zeros(phi.shape[1])
    out = []
    for t in range(T):
        cdf = np.cumsum(P_pi[s])
        s2 = int(np.argmax(u[t, 1] < cdf)) if u[t, 1] < cdf[-1] else len(D) - 1
        delta = r[s] + gamma * phi[s2] @ th - phi[s] @ th
        th = th + alpha * delta * phi[s]
        out.append(th.copy())
        s = s2
    return np.array(out)


@settings(max_examples=15)
@given(st.integers(0, 10 ** 6), st.sampled_from([0.5, 0.9]), st.integers(1, 300))
def test_markov_td0_matches_a_plain_python_trajectory_step_by_step(seed, gamma, T):
    rng = np.random.default_rng(seed)
    S = int(rng.integers(2, 6))
    m = TabularMDP(rng.dirichlet(np.ones(S), size=(S, 2)), rng.random((S, 2)), gamma, 0)
    pi = np.full((S, 2), 0.5)
    phi = rng.random((S, 2)) + np.eye(S)[:, :2]
    P_pi = np.einsum("sa,sat->st", pi, m.dense_P())
    r = np.einsum("sa,sa->s", pi, m.R)
    from rlcert.estimators.stochastic_approximation import stationary_distribution
    D = stationary_distribution(P_pi)
    res = td0_linear(m, pi, phi, T, schedule="constant", alpha=0.1, markov=True, seed=seed,
                     record_every=1)
    want = _plain_markov_td(P_pi, r, gamma, phi, D, 0.1, T, seed)
    assert np.allclose(res.trace, want, rtol=1e-10, atol=1e-12)
    assert np.allclose(res.theta, want[-1], rtol=1e-10, atol=1e-12)


def test_the_check_instance_mixes_slowly_and_is_irreducible():
    from rlcert.mdp.structure import mixing_time
    p = get_check("sa.td0_linear_markov_rate").params
    m = td_markov_instance(p)
    mt = mixing_time(m, np.full((6, 2), 0.5))
    assert not mt.reducible and 4 <= mt.t_mix < 50


# -- the check and its planted bugs --------------------------------------------------------------
def markov_td0_constant_step_last_iterate(m, pi, phi, n_steps, seed):
    # the step does not shrink with T and the last iterate is returned: a noise floor
    return td0_linear(m, pi, phi, n_steps, schedule="constant", alpha=0.05, markov=True,
                      seed=seed).theta


def markov_td0_without_discount(m, pi, phi, n_steps, seed):
    # the bootstrap term gamma phi(s')^T theta dropped: converges to another fixed point
    m0 = TabularMDP(m.dense_P(), m.R, 0.0, 0)
    return td0_linear(m0, pi, phi, n_steps, markov=True, seed=seed).theta_avg


def test_markov_rate_check_is_consistent_for_td0_and_inconsistent_for_planted_bugs():
    good = verify("sa.td0_linear_markov_rate", quick=True, backend="serial", n_trials=8)
    assert good.status == "consistent", good.details
    assert good.slope < -0.6
    for mutant in (markov_td0_constant_step_last_iterate, markov_td0_without_discount):
        bad = verify("sa.td0_linear_markov_rate", algorithm=mutant, quick=True,
                     backend="serial", n_trials=8)
        assert bad.status == "inconsistent", (mutant.__name__, bad.details)


def test_a_misshaped_estimate_is_inconsistent():
    bad = verify("sa.td0_linear_markov_rate", algorithm=lambda m, pi, phi, T, seed: np.zeros(2),
                 quick=True, backend="serial", n_trials=3)
    assert bad.status == "inconsistent"
