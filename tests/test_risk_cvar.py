"""Exact return distributions and the optimal static CVaR (augmented-state program).

References used here, none of them the code under test:

* a brute force over all deterministic history-dependent policies, enumerated as one decision
  at every history node reachable under the policy itself, each policy's return distribution by
  path enumeration and its CVaR by the sorted-tail formula. Restricting to *deterministic*
  policies is valid: a randomised history-dependent policy is a mixture of deterministic ones
  (Kuhn's theorem; a finite tree with perfect recall), its return law is the same mixture of
  their laws, and ``CVaR_tau`` in reward form is a supremum over ``b`` of functions linear in the
  law, hence convex in the mixture weights: its maximum over the mixtures is attained at a vertex,
  a deterministic policy;
* the same brute force over deterministic Markov policies ``(H, S) -> A``: randomised Markov
  policies are mixtures of them (each ``(h, s)`` is visited at most once per trajectory, so
  independent draws at the start give the same law), so this is the Markov optimum;
* the risk-neutral oracles :func:`rlcert.mdp.solve` and :func:`rlcert.mdp.evaluate_policy`;
* theorems: CVaR at ``tau = 1`` is the mean, and the optimal CVaR is non-decreasing in ``tau``.
"""

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rlcert.mdp import FiniteHorizonMDP, evaluate_policy, solve
from rlcert.mdp.errors import InvalidArgumentError
from rlcert.mdp.risk import (chow_cvar, evaluate_budget_policy, return_distribution, solve_cvar,
                             wasserstein1)

# -- independent references ------------------------------------------------------------------------


def tail_cvar(dist: dict, tau: float) -> float:
    """Mean of the lowest tau of the mass of {value: prob}."""
    acc = taken = 0.0
    for x in sorted(dist):
        t = min(dist[x], tau - taken)
        if t > 0:
            acc, taken = acc + t * x, taken + t
    return acc / tau


def history_laws(P, R, gamma, s0):
    """Return laws of every deterministic history-dependent policy from s0 (P, R: (H, S, A, S))."""
    H, S, A, _ = P.shape

    def rec(h, s):
        if h == H:
            return [{0.0: 1.0}]
        out = []
        for a in range(A):
            succ = [j for j in range(S) if P[h, s, a, j] > 0]
            for combo in itertools.product(*[rec(h + 1, j) for j in succ]):
                law = {}
                for j, sub in zip(succ, combo):
                    for v, q in sub.items():
                        key = R[h, s, a, j] + gamma * v
                        law[key] = law.get(key, 0.0) + P[h, s, a, j] * q
                out.append(law)
        return out

    return rec(0, s0)


def markov_laws(P, R, gamma, s0):
    H, S, A, _ = P.shape
    for acts in itertools.product(range(A), repeat=H * S):
        pol = np.array(acts).reshape(H, S)
        nodes = {(s0, 0.0): 1.0}
        for h in range(H):
            new = {}
            for (s, acc), q in nodes.items():
                a = pol[h, s]
                for j in np.flatnonzero(P[h, s, a]):
                    k = (int(j), acc + gamma ** h * R[h, s, a, j])
                    new[k] = new.get(k, 0.0) + q * P[h, s, a, j]
            nodes = new
        law = {}
        for (_, acc), q in nodes.items():
            law[acc] = law.get(acc, 0.0) + q
        yield law


def markov_policy_law(P, R, gamma, W, mu):
    """Law of the return of a Markov policy W (H, S, A) by forward path enumeration."""
    H, S, A, _ = P.shape
    nodes = {(s, 0.0): mu[s] for s in range(S) if mu[s] > 0}
    for h in range(H):
        new = {}
        for (s, acc), q in nodes.items():
            for a in range(A):
                for j in range(S):
                    w = q * W[h, s, a] * P[h, s, a, j]
                    if w > 0:
                        k = (j, acc + gamma ** h * R[h, s, a, j])
                        new[k] = new.get(k, 0.0) + w
        nodes = new
    law = {}
    for (_, acc), q in nodes.items():
        law[acc] = law.get(acc, 0.0) + q
    return law


def full(fh, R):
    H, S, A = fh.horizon, fh.n_states, fh.n_actions
    P = np.stack([fh.stage_P(h) for h in range(H)])
    return P, np.broadcast_to(R, (H, S, A, S)) if R.shape == (S, A, S) else R


# -- the committed instance: history beats Markov ------------------------------------------------

P_CLOSE = np.array([[0.75, 0.75], [0.75, 0.5]])   # P(s' = 0 | s, a)
P_COMMITTED = np.stack([P_CLOSE, 1.0 - P_CLOSE], axis=-1)
R_COMMITTED = np.array([[[-1.0, 1.0], [1.0, -2.0]],
                        [[2.0, 2.0], [0.0, 1.0]]])  # r(s, a, s')


def committed(horizon=3):
    R_exp = np.einsum("saj,saj->sa", P_COMMITTED, R_COMMITTED)
    return FiniteHorizonMDP(P_COMMITTED, R_exp, horizon, initial=0)


def test_history_dependent_optimum_strictly_beats_markov_and_the_dp_finds_it():
    """S = A = 2, H = 3, full support: 128 deterministic history-dependent policies from s_0 = 0
    (decisions at 1 + 2 + 4 nodes), 64 deterministic Markov ones."""
    fh = committed()
    P, R = full(fh, R_COMMITTED)
    laws = history_laws(P, R, 1.0, 0)
    assert len(laws) == 128
    for tau in (0.25, 0.5):
        brute = max(tail_cvar(law, tau) for law in laws)
        markov = max(tail_cvar(law, tau) for law in markov_laws(P, R, 1.0, 0))
        res = solve_cvar(fh, tau, R_COMMITTED)
        assert res.status == "exact" and res.lattice == 1.0
        assert res.value == pytest.approx(brute, abs=1e-12)
        assert res.policy_cvar == pytest.approx(brute, abs=1e-12)
        # a program returning the Markov optimum would fail here
        assert res.value >= markov + 0.25
    assert solve_cvar(fh, 0.25, R_COMMITTED).value == pytest.approx(0.4375, abs=1e-12)


@st.composite
def tiny_models(draw, gamma=1.0):
    S = draw(st.integers(1, 2))
    A = draw(st.integers(1, 2))
    H = draw(st.integers(1, 3))
    w = np.array(draw(st.lists(st.integers(0, 3), min_size=H * S * A * S,
                               max_size=H * S * A * S)), float).reshape(H, S, A, S)
    w[w.sum(-1) == 0, 0] = 1.0
    P = w / w.sum(-1, keepdims=True)
    R = np.array(draw(st.lists(st.integers(-3, 3), min_size=H * S * A * S,
                               max_size=H * S * A * S)), float).reshape(H, S, A, S) / 2
    mu = np.array(draw(st.lists(st.integers(0, 2), min_size=S, max_size=S)), float)
    mu[0] += 1.0
    fh = FiniteHorizonMDP(P, R, H, gamma, mu / mu.sum())  # R (H, S, A, S): its expectation
    return fh, P, R


@settings(max_examples=40)
@given(case=tiny_models(), tau=st.sampled_from([0.1, 0.25, 0.5, 0.8, 1.0]))
def test_augmented_dp_equals_history_brute_force(case, tau):
    fh, P, R = case
    res = solve_cvar(fh, tau, R)
    for s in range(fh.n_states):
        brute = max(tail_cvar(law, tau) for law in history_laws(P, R, 1.0, s))
        assert res.values[s] == pytest.approx(brute, abs=1e-10)
    # from the initial distribution: the budget b is common to all start states, so enumerate
    # joint policies (one per start state) through their mixed laws
    mu = fh.initial
    per_state = [history_laws(P, R, 1.0, s) if mu[s] > 0 else [{0.0: 1.0}]
                 for s in range(fh.n_states)]
    brute = -np.inf
    for combo in itertools.product(*per_state):
        law = {}
        for s, sub in enumerate(combo):
            for v, q in sub.items():
                law[v] = law.get(v, 0.0) + mu[s] * q
        brute = max(brute, tail_cvar(law, tau))
    assert res.value == pytest.approx(brute, abs=1e-10)
    assert res.policy_cvar == pytest.approx(res.value, abs=1e-10)
    assert res.distribution.mean() <= solve(fh).initial_value(mu) + 1e-10


@settings(max_examples=15)
@given(case=tiny_models(gamma=0.5), tau=st.sampled_from([0.2, 0.5, 1.0]))
def test_discounted_returns_on_a_finer_lattice(case, tau):
    """gamma = 1/2 and rewards in Z/2: gamma^h r_h lies on Z/8 for h <= 2, detected."""
    fh, P, R = case
    res = solve_cvar(fh, tau, R)
    brute = max(tail_cvar(law, tau) for law in history_laws(P, R, 0.5, 0))
    assert res.values[0] == pytest.approx(brute, abs=1e-10)


@settings(max_examples=20)
@given(case=tiny_models())
def test_tau_one_is_the_risk_neutral_optimum_and_cvar_grows_with_tau(case):
    fh, P, R = case
    values = [solve_cvar(fh, tau, R).value for tau in (0.05, 0.2, 0.5, 0.9, 1.0)]
    assert all(b >= a - 1e-10 for a, b in zip(values, values[1:]))
    assert values[-1] == pytest.approx(solve(fh).initial_value(fh.initial), abs=1e-10)


@settings(max_examples=30)
@given(case=tiny_models(), data=st.data())
def test_return_distribution_is_exact(case, data):
    fh, P, R = case
    H, S, A = fh.horizon, fh.n_states, fh.n_actions
    raw = np.array(data.draw(st.lists(st.integers(0, 3), min_size=H * S * A,
                                      max_size=H * S * A)), float).reshape(H, S, A)
    raw[raw.sum(-1) == 0, 0] = 1.0
    W = raw / raw.sum(-1, keepdims=True)
    exact = return_distribution(fh, W, R)
    lattice = return_distribution(fh, W, R, lattice=0.5)
    law = markov_policy_law(P, R, 1.0, W, fh.initial)
    keys = sorted(law)
    for d in (exact.initial, lattice.initial):
        assert np.allclose(d.values, keys, atol=1e-12)
        assert np.allclose(d.probs, [law[k] for k in keys], atol=1e-12)
    V = evaluate_policy(fh, W)
    assert exact.mean() == pytest.approx(fh.initial @ V[0], abs=1e-12)
    for s in range(S):
        assert exact.by_state[s].mean() == pytest.approx(V[0, s], abs=1e-12)
    assert exact.exact and exact.w1_bound == 0.0


def test_pooled_atoms_keep_the_mean_and_bound_the_error():
    rng = np.random.default_rng(5)
    S, A, H = 3, 2, 6
    P = rng.dirichlet(np.ones(S), size=(S, A))
    R = rng.normal(size=(S, A, S))  # off any lattice: the support grows quickly
    fh = FiniteHorizonMDP(P, np.einsum("saj,saj->sa", P, R), H, initial=0)
    pol = rng.integers(0, A, size=(H, S))
    exact = return_distribution(fh, pol, R)
    assert exact.exact and exact.initial.n_atoms > 200
    pooled = return_distribution(fh, pol, R, max_atoms=40)
    assert not pooled.exact and pooled.initial.n_atoms <= 40
    assert pooled.mean() == pytest.approx(exact.mean(), abs=1e-12)
    assert pooled.mean() == pytest.approx(evaluate_policy(fh, pol)[0, 0], abs=1e-12)
    w1 = wasserstein1(pooled.initial, exact.initial)
    assert 0 < w1 <= pooled.w1_bound
    assert pooled.variance() <= exact.variance() + 1e-12
    for tau in (0.05, 0.3, 0.7):
        lo, hi = pooled.cvar_bounds(tau)
        assert lo - 1e-12 <= exact.cvar(tau) <= hi + 1e-12


def test_rewards_off_the_lattice_are_rounded_only_when_asked():
    R = R_COMMITTED + np.array([[[0.013, -0.02], [0.0, 0.017]], [[-0.011, 0.0], [0.02, 0.0]]])
    with pytest.raises(InvalidArgumentError, match="lattice"):
        solve_cvar(FiniteHorizonMDP(P_COMMITTED, np.einsum("saj,saj->sa", P_COMMITTED, R), 3,
                                    initial=0), 0.25, R, lattice=1.0)
    fh2 = FiniteHorizonMDP(P_COMMITTED, np.einsum("saj,saj->sa", P_COMMITTED, R), 3, initial=0)
    res = solve_cvar(fh2, 0.25, R, lattice=1.0, approximate=True)
    assert res.status == "approximate"
    P, Rf = full(fh2, R)
    brute = max(tail_cvar(law, 0.25) for law in history_laws(P, Rf, 1.0, 0))
    assert res.lower - 1e-12 <= brute <= res.upper + 1e-12
    assert res.info["reward_shift"] == pytest.approx(0.02 + 0.02 + 0.02)
    assert res.policy_cvar <= brute + 1e-12


def test_the_budget_policy_is_history_dependent_and_evaluated_exactly():
    fh = committed()
    res = solve_cvar(fh, 0.25, R_COMMITTED)
    pol = res.policy
    # the same (stage, state) gets different actions at different budgets
    assert any(len(set(pol.actions[h][s])) > 1 for h in range(3) for s in range(2))
    d = evaluate_budget_policy(fh, pol, R_COMMITTED)
    assert d.cvar(0.25) == pytest.approx(res.value, abs=1e-12)
    assert np.allclose(d.values, res.distribution.values)


@settings(max_examples=15)
@given(case=tiny_models(), tau=st.sampled_from([0.1, 0.3, 0.6, 1.0]))
def test_chow_interpolation_is_reported_against_the_exact_optimum(case, tau):
    fh, P, R = case
    ch = chow_cvar(fh, tau, R, n_grid=16)
    # its policy is history dependent and evaluated exactly: it cannot beat the optimum
    assert ch.policy_gap >= -1e-10
    assert ch.exact == pytest.approx(solve_cvar(fh, tau, R).value, abs=1e-12)
    # y -> y V_h(x, y) is convex on the grid (Chow et al.'s interpolation relies on it)
    y = ch.grid
    for h in range(fh.horizon):
        slopes = np.diff(y * ch.V[h], axis=1) / np.diff(y)
        assert np.all(np.diff(slopes, axis=1) >= -1e-9)
    if tau == 1.0:  # xi = 1 is the only feasible density: the risk-neutral recursion
        assert ch.value == pytest.approx(solve(fh).initial_value(fh.initial), abs=1e-10)
        assert abs(ch.policy_gap) <= 1e-10


def test_inputs_are_refused_by_name():
    fh = committed()
    with pytest.raises(InvalidArgumentError, match="tau"):
        solve_cvar(fh, 0.0, R_COMMITTED)
    with pytest.raises(InvalidArgumentError, match="rewards do not match the model"):
        solve_cvar(fh, 0.5, R_COMMITTED + 1.0)
    with pytest.raises(InvalidArgumentError, match=r"rewards must have shape"):
        solve_cvar(fh, 0.5, np.zeros((3, 3)))
    with pytest.raises(InvalidArgumentError, match="lattice"):
        solve_cvar(fh, 0.5, R_COMMITTED, lattice=-1.0)
    with pytest.raises(InvalidArgumentError, match="approximate=True needs an explicit lattice"):
        solve_cvar(fh, 0.5, R_COMMITTED, approximate=True)
    rng = np.random.default_rng(0)
    Rn = rng.normal(size=(2, 2, 2))
    fhn = FiniteHorizonMDP(P_COMMITTED, np.einsum("saj,saj->sa", P_COMMITTED, Rn), 3)
    with pytest.raises(InvalidArgumentError, match="not on a lattice"):
        solve_cvar(fhn, 0.5, Rn)
    with pytest.raises(InvalidArgumentError, match="not a multiple of lattice"):
        return_distribution(fhn, np.zeros((3, 2), dtype=int), Rn, lattice=0.5)
    with pytest.raises(InvalidArgumentError, match="grid"):
        chow_cvar(fh, 0.25, R_COMMITTED, grid=[0.0, 0.5, 1.0])
