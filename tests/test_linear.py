r"""Linear MDPs (:mod:`rlcert.mdp.linear`) and the linear learners (:mod:`rlcert.estimators.linear`)
against references outside the code under test.

Every expected number comes from somewhere else than the module it checks:

* the oracle (:func:`solve_linear`, :func:`evaluate_policy_linear`) against the induced tabular
  model (``to_tabular()`` + :func:`rlcert.mdp.solve`, or a linear system solved here with numpy)
  and against exact rational arithmetic on the factorisation itself (``P_h = phi . mu_h`` and
  ``r_h = phi . theta_h`` summed in :class:`fractions.Fraction`), which also measures the error
  that the certificate claims to bound;
* the robust-regularised oracle against rlcert's tabular robust solver on one-hot features, and
  on d-rectangular models against a brute force: each factor's inner problem ``inf_nu E_nu V +
  rho D(nu || mu_i)`` solved independently (a linear program for TV, the Donsker-Varadhan closed
  form for KL, a convex QP in cvxpy for chi-square) and assembled into the backup here;
* the learners (LSVI, LSVI-UCB, linear PEVI, R2PVI) against naive re-implementations written here
  from the papers' formulas with numpy only (every quantity recomputed from the raw transitions:
  no incremental update, no Sherman-Morrison), and LSVI's one-hot ridgeless case against tabular
  certainty equivalence computed from counts;
* the compiled runs against a protocol run driven here, with the environment's stream rebuilt
  from numpy's SeedSequence as :func:`rlcert.estimators.base.protocol_seeds` documents it.

Tolerances are ``1e-10 max(1, |reference|_inf)`` unless a test says otherwise (the QP and LP
brute forces are only as exact as their solvers). Hypothesis examples are few (``max_examples``
set per test); every random draw has a fixed seed.
"""

from __future__ import annotations

import math
from fractions import Fraction

import cvxpy as cp
import numpy as np
import pytest
import scipy.optimize
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlcert.estimators.linear import LSVI, LSVIUCB, R2PVI, LinearLearnerError, LinearPEVI
from rlcert.estimators.offline.dataset import Dataset, collect_episodes
from rlcert.mdp import FiniteHorizonMDP, InvalidArgumentError, InvalidMDPError, TabularMDP, solve
from rlcert.mdp.linear import (LinearMDP, evaluate_policy_linear,
                               evaluate_policy_robust_regularized, linear_mixture, one_hot,
                               random_simplex, solve_linear, solve_robust_regularized)
from rlcert.mdp.robust import (ChiSquarePenalty, KLBall, KLPenalty, TVPenalty,
                               evaluate_policy_robust, solve_robust)
from rlcert.mdp.strategies import finite_horizon_mdps, tabular_mdps, transition_arrays

TOL = 1e-10


def assert_close(got, want, what: str, tol: float = TOL) -> None:
    """``|got - want| <= tol max(1, |want|_inf)`` entrywise."""
    got = np.asarray(got, dtype=np.float64)
    want = np.asarray(want, dtype=np.float64)
    assert got.shape == want.shape, f"{what}: shape {got.shape}, reference {want.shape}"
    scale = max(1.0, float(np.max(np.abs(want)))) if want.size else 1.0
    err = float(np.max(np.abs(got - want))) if want.size else 0.0
    assert err <= tol * scale, f"{what}: max |got - reference| = {err:.3g}\n got = {got}\n ref = {want}"


# -- model builders -----------------------------------------------------------------------------------
def reparametrise(m: LinearMDP, seed: int) -> LinearMDP:
    """The same induced model in signed coordinates: ``phi' = phi B``, ``mu_h' = B^{-1} mu_h``,
    ``theta_h' = B^{-1} theta_h`` with ``B`` unit upper triangular (det 1) with entries in
    ``[0.25, 1]`` above the diagonal."""
    d = m.dim
    rng = np.random.default_rng(seed)
    B = np.eye(d) + np.triu(rng.uniform(0.25, 1.0, (d, d)), 1)
    Binv = np.linalg.inv(B)
    H = m.horizon
    stages = range(H) if (H is not None and not m.stationary) else [0]
    mu = np.stack([Binv @ m.mu(h) for h in stages])
    theta = np.stack([Binv @ m.theta(h) for h in stages])
    if len(stages) == 1:
        mu, theta = mu[0], theta[0]
    return LinearMDP(m.phi @ B, mu, theta, horizon=H, gamma=None if H else m.gamma,
                     initial=m.initial)


@st.composite
def simplex_models(draw, *, episodic: bool, stationary: bool = True, max_states: int = 5):
    S = draw(st.integers(1, max_states))
    A = draw(st.integers(1, 3))
    d = draw(st.integers(1, 4))
    branching = draw(st.one_of(st.none(), st.integers(1, S)))
    seed = draw(st.integers(0, 2 ** 16))
    initial = draw(st.integers(0, S - 1))
    if episodic:
        H = draw(st.integers(1, 4))
        return random_simplex(S, A, d, horizon=H, stationary=stationary, branching=branching,
                              seed=seed, initial=initial)
    g = draw(st.sampled_from([0.0, 0.5, 0.9, 0.99]))
    return random_simplex(S, A, d, gamma=g, branching=branching, seed=seed, initial=initial)


@st.composite
def mixture_models(draw, *, episodic: bool):
    """``one_hot(linear_mixture(...))``; the mixture itself is checked against ``sum_i w_i P_i``."""
    S = draw(st.integers(1, 4))
    A = draw(st.integers(1, 3))
    k = draw(st.integers(1, 3))
    bases = draw(transition_arrays(S, A, leading=(k,)))
    w = draw(hnp.arrays(np.int64, k, elements=st.integers(0, 3))).astype(float)
    if w.sum() == 0:
        w[0] = 1.0
    w /= w.sum()
    R = draw(hnp.arrays(np.float64, (S, A), elements=st.floats(0, 1)))
    if episodic:
        H = draw(st.integers(1, 4))
        tab = linear_mixture(bases, w, R, horizon=H)
        np.testing.assert_allclose(tab.stage_P(0), np.einsum("i,isat->sat", w, bases), atol=1e-15)
    else:
        g = draw(st.sampled_from([0.0, 0.5, 0.9]))
        tab = linear_mixture(bases, w, R, gamma=g)
        np.testing.assert_allclose(tab.dense_P(), np.einsum("i,isat->sat", w, bases), atol=1e-15)
    return one_hot(tab)


@st.composite
def signed_models(draw, *, episodic: bool):
    """A d-rectangular model seen through :func:`reparametrise` (negative features and measures:
    the entry-by-entry non-negativity check of the induced rows runs)."""
    m = draw(simplex_models(episodic=episodic, stationary=draw(st.booleans())))
    assume(m.dim >= 2)
    out = reparametrise(m, draw(st.integers(0, 2 ** 16)))
    assume(np.any(out.phi < 0) or np.any(out.mu(0) < 0))
    return out


@st.composite
def theta_per_stage_models(draw):
    """A stationary ``mu`` with one ``theta_h`` per stage (rewards ``(H, S, A, S)`` in the induced
    tabular model)."""
    m = draw(simplex_models(episodic=True))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 16)))
    return LinearMDP(m.phi, m.mu(0), rng.random((m.horizon, m.dim)), horizon=m.horizon,
                     initial=m.initial)


def episodic_models(kind: str):
    if kind == "simplex":
        return simplex_models(episodic=True)
    if kind == "theta_per_stage":
        return theta_per_stage_models()
    if kind == "simplex_per_stage":
        return simplex_models(episodic=True, stationary=False)
    if kind == "one_hot":
        return finite_horizon_mdps(max_states=4, max_actions=3, max_horizon=4).map(one_hot)
    if kind == "mixture":
        return mixture_models(episodic=True)
    return signed_models(episodic=True)


def discounted_models(kind: str):
    if kind == "simplex":
        return simplex_models(episodic=False)
    if kind == "one_hot":
        return tabular_mdps(max_states=4, max_actions=3, gamma=(0.0, 0.5, 0.9, 0.99)).map(one_hot)
    if kind == "mixture":
        return mixture_models(episodic=False)
    return signed_models(episodic=False)


EPISODIC_KINDS = ["simplex", "simplex_per_stage", "theta_per_stage", "one_hot", "mixture",
                  "signed"]
DISCOUNTED_KINDS = ["simplex", "one_hot", "mixture", "signed"]


# -- exact rational references --------------------------------------------------------------------------
def exact_stage(m: LinearMDP, h: int):
    """``(P_h, r_h)`` of the model as given, exactly: ``P_h[s][a][t] = sum_i phi_i(s, a)
    mu_{h,i}(t)`` and ``r_h[s][a] = sum_i phi_i(s, a) theta_{h,i}`` in Fractions."""
    S, A, d = m.n_states, m.n_actions, m.dim
    phi, mu, th = m.phi, m.mu(h), m.theta(h)
    F = [[[Fraction(float(phi[s, a, i])) for i in range(d)] for a in range(A)] for s in range(S)]
    Mu = [[Fraction(float(mu[i, t])) for t in range(S)] for i in range(d)]
    Th = [Fraction(float(x)) for x in th]
    P = [[[sum(F[s][a][i] * Mu[i][t] for i in range(d) if F[s][a][i] and Mu[i][t])
           for t in range(S)] for a in range(A)] for s in range(S)]
    r = [[sum(F[s][a][i] * Th[i] for i in range(d) if F[s][a][i]) for a in range(A)]
         for s in range(S)]
    return P, r


def exact_backward(m: LinearMDP):
    """Exact ``V*_h`` (h = 0..H) and ``Q*_h`` by backward induction in rationals."""
    S, A, H = m.n_states, m.n_actions, m.horizon
    V = [None] * (H + 1)
    Q = [None] * H
    V[H] = [Fraction(0)] * S
    cache = {}
    for h in range(H - 1, -1, -1):
        key = 0 if m.stationary else h
        if key not in cache:
            cache[key] = exact_stage(m, h)
        P, r = cache[key]
        Q[h] = [[r[s][a] + sum(P[s][a][t] * V[h + 1][t] for t in range(S) if P[s][a][t])
                 for a in range(A)] for s in range(S)]
        V[h] = [max(Q[h][s]) for s in range(S)]
    return V, Q


def exact_gauss(M, b):
    n = len(b)
    M = [list(M[i]) + [b[i]] for i in range(n)]
    for c in range(n):
        p = next(r for r in range(c, n) if M[r][c] != 0)
        M[c], M[p] = M[p], M[c]
        inv = 1 / M[c][c]
        M[c] = [x * inv for x in M[c]]
        for r in range(n):
            if r != c and M[r][c] != 0:
                f = M[r][c]
                M[r] = [x - f * y for x, y in zip(M[r], M[c])]
    return [M[i][n] for i in range(n)]


def exact_discounted(m: LinearMDP):
    """Exact ``V*`` and ``Q*`` of a discounted linear MDP by policy iteration in rationals, and an
    exact evaluator of deterministic policies."""
    S, A = m.n_states, m.n_actions
    P, r = exact_stage(m, 0)
    g = Fraction(m.gamma)

    def value(pi):
        M = [[(1 if i == j else 0) - g * P[i][pi[i]][j] for j in range(S)] for i in range(S)]
        return exact_gauss(M, [r[i][pi[i]] for i in range(S)])

    def backup(V):
        return [[r[s][a] + g * sum(P[s][a][t] * V[t] for t in range(S)) for a in range(A)]
                for s in range(S)]

    pi = [0] * S
    while True:
        V = value(pi)
        Q = backup(V)
        new = [a_old if Q[s][a_old] >= max(Q[s]) else max(range(A), key=lambda a: Q[s][a])
               for s, a_old in enumerate(pi)]
        if new == pi:
            return V, Q, value
        pi = new


# ==================================================================================================
# 1. The oracle against the induced tabular oracle and exact arithmetic
# ==================================================================================================
@pytest.mark.parametrize("kind", EPISODIC_KINDS)
@settings(max_examples=8)
@given(data=st.data())
def test_episodic_oracle_equals_tabular_and_exact(kind, data):
    """Episodic :func:`solve_linear` (backward induction through the factorisation) equals the
    tabular oracle of ``to_tabular()`` to 1e-10 in V and Q on d-rectangular models (stationary,
    per-stage mu and theta, stationary mu with per-stage theta), one-hot tabular models, linear
    mixtures and signed reparametrisations; the returned policy is optimal for the tabular oracle
    (up to ties). Against the exact rational
    optimum of the model as given, the certificate bounds the measured error at every stage
    (``|V_h - V*_h|`` and ``|Q_h - Q*_h|`` <= ``stage_error[h]``, compared exactly) and is below
    1e-9; every exactly optimal action is flagged, and every flagged action is within ``4
    stage_error[h]`` of optimal."""
    m = data.draw(episodic_models(kind))
    H, S, A = m.horizon, m.n_states, m.n_actions
    res = solve_linear(m)
    tab = m.to_tabular()
    assert isinstance(tab, FiniteHorizonMDP) and tab.horizon == H and tab.gamma == 1.0
    ref = solve(tab)
    assert_close(res.V, ref.V, "V vs tabular")
    assert_close(res.Q, ref.Q, "Q vs tabular")
    assert res.policy.shape == (H, S)
    chosen = np.take_along_axis(ref.Q, res.policy[..., None], axis=2)[..., 0]
    assert np.all(chosen >= ref.V[:H] - TOL * max(1.0, np.abs(ref.V).max()))
    # exact
    Vx, Qx = exact_backward(m)
    stage_error = res.info["stage_error"]
    assert res.certificate == stage_error.max() and res.certificate <= 1e-9
    for h in range(H):
        e = Fraction(float(stage_error[h]))
        for s in range(S):
            assert abs(Fraction(float(res.V[h, s])) - Vx[h][s]) <= e, (h, s)
            for a in range(A):
                assert abs(Fraction(float(res.Q[h, s, a])) - Qx[h][s][a]) <= e, (h, s, a)
                if Qx[h][s][a] == Vx[h][s]:
                    assert res.optimal_actions[h, s, a], ("optimal action not flagged", h, s, a)
                if res.optimal_actions[h, s, a]:
                    assert Qx[h][s][a] >= Vx[h][s] - 4 * e
    assert np.all(res.V[H] == 0.0)


@pytest.mark.parametrize("kind", DISCOUNTED_KINDS)
@settings(max_examples=8)
@given(data=st.data())
def test_discounted_oracle_equals_tabular_and_exact(kind, data):
    """Discounted :func:`solve_linear` (policy iteration with Woodbury evaluation) equals
    :func:`rlcert.mdp.solve` on ``to_tabular()`` to 1e-10 ``max(1, |V|)`` in V and Q, converges,
    and its policy is optimal for the tabular oracle up to ties. Against the exact rational
    optimum (rational policy iteration on ``phi . mu``): ``||V - V*|| <= certificate + rounding``
    (exactly), the certificate is below 1e-9, the exact value of the returned policy is within
    ``policy_loss_bound + 2 rounding`` of ``V*``, and every exactly optimal action is flagged."""
    m = data.draw(discounted_models(kind))
    S, A = m.n_states, m.n_actions
    res = solve_linear(m)
    tab = m.to_tabular()
    assert isinstance(tab, TabularMDP) and tab.gamma == m.gamma
    ref = solve(tab)
    assert res.status == "converged"
    assert_close(res.V, ref.V, "V vs tabular")
    assert_close(res.Q, ref.Q, "Q vs tabular")
    chosen = ref.Q[np.arange(S), res.policy]
    assert np.all(chosen >= ref.V - TOL * max(1.0, np.abs(ref.V).max()))
    Vx, Qx, value = exact_discounted(m)
    bound = Fraction(res.certificate) + Fraction(res.rounding)
    assert res.certificate <= 1e-9
    assert max(abs(Fraction(float(v)) - w) for v, w in zip(res.V, Vx)) <= bound
    Vpi = value([int(a) for a in res.policy])
    loss = Fraction(res.policy_loss_bound) + 2 * Fraction(res.rounding)
    assert max(w - v for v, w in zip(Vpi, Vx)) <= loss
    for s in range(S):
        for a in range(A):
            if Qx[s][a] == Vx[s]:
                assert res.optimal_actions[s, a], (s, a)


@pytest.mark.parametrize("gamma", [0.9, 0.99])
def test_discounted_certificate_attained_when_stopped_early(gamma):
    """The discounted certificate ``||T V - V|| / (1 - gamma)`` is attained. State 0: action 0
    pays 1 and moves to the absorbing zero-reward state 1, action 1 pays 0.9 and stays. Policy
    iteration starts from the reward-greedy policy (action 0), whose value is ``V(0) = 1``; with
    ``max_iter=1`` the result is that value, ``||T V - V|| = 0.9 + gamma - 1`` and ``V*(0) = 0.9 /
    (1 - gamma)``, so the error ``(gamma - 0.1) / (1 - gamma)`` equals the certificate. Solved to
    the end, the optimum is ``V = (0.9 / (1 - gamma), 0)``."""
    P = np.zeros((2, 2, 2))
    P[0, 0, 1] = P[0, 1, 0] = 1.0
    P[1, :, 1] = 1.0
    R = np.array([[1.0, 0.9], [0.0, 0.0]])
    lm = one_hot(TabularMDP(P, R, gamma))
    early = solve_linear(lm, max_iter=1)
    assert early.status == "max_iter"
    v_star = 0.9 / (1.0 - gamma)
    error = v_star - early.V[0]
    assert early.V[1] == 0.0 and abs(early.V[0] - 1.0) <= 1e-15
    assert early.certificate + early.rounding >= error
    assert early.certificate <= error * (1 + 1e-12), "certificate not attained"
    full = solve_linear(lm)
    np.testing.assert_allclose(full.V, [v_star, 0.0], rtol=1e-14, atol=1e-14)
    assert full.policy[0] == 1


def test_discounted_policy_is_the_one_valued_when_stopped_early():
    """SolveResult's contract for policy iteration: ``V`` is the exact value of ``policy``; this
    must hold when policy iteration stops at ``max_iter`` too (the tabular PI of
    :func:`rlcert.mdp.solve` keeps it there)."""
    P = np.zeros((2, 2, 2))
    P[0, 0, 1] = P[0, 1, 0] = 1.0
    P[1, :, 1] = 1.0
    m = TabularMDP(P, np.array([[1.0, 0.9], [0.0, 0.0]]), 0.9)
    tab_early = solve(m, method="pi", max_iter=1)
    assert_close(evaluate_policy_linear(one_hot(m), tab_early.policy), tab_early.V, "tabular PI")
    early = solve_linear(one_hot(m), max_iter=1)
    assert_close(evaluate_policy_linear(one_hot(m), early.policy), early.V, "V^policy vs V")


def test_episodic_certificate_is_a_rounding_bound_not_tight():
    """The finite-horizon certificate bounds rounding only (the backups are exact in exact
    arithmetic). It is not attained: on these fixed instances (H up to 60) the exact error is
    2% to 15% of the certificate. Tested: the certificate holds at every stage, exactly, and is
    within a factor 100 of the measured error on at least one instance (not vacuous); its
    tightness is not tested."""
    ratios = []
    for S, A, d, H, seed in [(3, 2, 2, 5, 0), (3, 2, 3, 20, 1), (2, 2, 2, 60, 2)]:
        m = random_simplex(S, A, d, horizon=H, seed=seed)
        res = solve_linear(m)
        Vx, _ = exact_backward(m)
        errs = [max(abs(Fraction(float(res.V[h, s])) - Vx[h][s]) for s in range(S))
                for h in range(H)]
        for h in range(H):
            assert errs[h] <= Fraction(float(res.info["stage_error"][h]))
        ratios.append(float(max(errs)) / res.certificate)
    assert max(ratios) >= 0.01, ratios


def test_one_hot_refuses_a_discounted_finite_horizon_model():
    """``one_hot`` of a :class:`FiniteHorizonMDP` with ``gamma = 0.5`` must not silently drop the
    discount (an episodic LinearMDP is undiscounted): it is refused, naming ``gamma``; with
    ``gamma = 1`` the same model converts and gives the tabular values."""
    rng = np.random.default_rng(0)
    P, R = rng.dirichlet(np.ones(3), size=(3, 2)), rng.random((3, 2))
    with pytest.raises(InvalidArgumentError, match="gamma"):
        one_hot(FiniteHorizonMDP(P, R, 3, gamma=0.5))
    fh = FiniteHorizonMDP(P, R, 3)
    assert_close(solve_linear(one_hot(fh)).V, solve(fh).V, "one_hot of an undiscounted model")


def random_policy(rng, shape_SA, stochastic: bool):
    S, A = shape_SA[-2:]
    if stochastic:
        W = rng.random(shape_SA) * (rng.random(shape_SA) < 0.7)
        W[..., 0] += (W.sum(axis=-1) == 0)
        return W / W.sum(axis=-1, keepdims=True)
    return rng.integers(0, A, size=shape_SA[:-1])


@pytest.mark.parametrize("stochastic", [False, True])
@pytest.mark.parametrize("kind", DISCOUNTED_KINDS)
@settings(max_examples=6)
@given(data=st.data(), seed=st.integers(0, 2 ** 16))
def test_discounted_policy_evaluation_equals_linear_system(kind, stochastic, data, seed):
    """Discounted :func:`evaluate_policy_linear` (the Woodbury identity, ``O(S d^2 + d^3)``)
    equals ``(I - gamma P_pi)^{-1} r_pi`` of the induced tabular model, solved here with
    ``numpy.linalg.solve``, to 1e-10 ``max(1, |V|)``, for deterministic ``(S,)`` and stochastic
    ``(S, A)`` policies."""
    m = data.draw(discounted_models(kind))
    S, A = m.n_states, m.n_actions
    W = random_policy(np.random.default_rng(seed), (S, A), stochastic)
    Wd = W if stochastic else np.eye(A)[W]
    tab = m.to_tabular()
    P_pi = np.einsum("sa,sat->st", Wd, tab.dense_P())
    r_pi = (Wd * np.asarray(tab.R)).sum(axis=1)
    want = np.linalg.solve(np.eye(S) - m.gamma * P_pi, r_pi)
    assert_close(evaluate_policy_linear(m, W), want, "V^pi")


@pytest.mark.parametrize("stochastic", [False, True])
@pytest.mark.parametrize("kind", EPISODIC_KINDS)
@settings(max_examples=6)
@given(data=st.data(), seed=st.integers(0, 2 ** 16))
def test_episodic_policy_evaluation_equals_tabular(kind, stochastic, data, seed):
    """Episodic :func:`evaluate_policy_linear` equals backward evaluation on the induced tabular
    kernels, ``V_h = sum_a pi_h(a|s) (R_h + P_h V_{h+1})`` computed here, to 1e-10, for ``(H, S)``
    actions and ``(H, S, A)`` probabilities; the optimal policy of :func:`solve_linear` evaluates
    to the optimal values."""
    m = data.draw(episodic_models(kind))
    H, S, A = m.horizon, m.n_states, m.n_actions
    W = random_policy(np.random.default_rng(seed), (H, S, A), stochastic)
    Wd = W if stochastic else np.eye(A)[W]
    tab = m.to_tabular()
    want = np.zeros((H + 1, S))
    for h in range(H - 1, -1, -1):
        Qh = tab.R[h] + tab.stage_P(h) @ want[h + 1]
        want[h] = (Wd[h] * Qh).sum(axis=1)
    assert_close(evaluate_policy_linear(m, W), want, "V^pi")
    res = solve_linear(m)
    assert_close(evaluate_policy_linear(m, res.policy), res.V, "V^{pi*} vs V*")


# ==================================================================================================
# 3. The robust-regularised oracle
# ==================================================================================================
PENALTIES = {"tv": TVPenalty, "kl": KLPenalty, "chi2": ChiSquarePenalty}


@pytest.mark.parametrize("name", sorted(PENALTIES))
@settings(max_examples=10)
@given(fh=finite_horizon_mdps(max_states=4, max_actions=3, max_horizon=4),
       beta=st.sampled_from([0.0, 0.05, 0.5, 3.0, math.inf]), seed=st.integers(0, 2 ** 16))
def test_robust_regularized_one_hot_equals_tabular_robust(name, fh, beta, seed):
    """With one-hot features every factor is one nominal row ``P_h(.|s, a)``, so
    :func:`solve_robust_regularized` and :func:`evaluate_policy_robust_regularized` must equal
    rlcert's ``(s,a)``-rectangular penalty solver :func:`rlcert.mdp.robust.solve_robust` /
    :func:`evaluate_policy_robust` on the tabular model, to 1e-10 (V, Q, and the value of a
    random deterministic and a random stochastic Markov policy), for TV, KL and chi-square
    penalties with beta in {0, 0.05, 0.5, 3, inf}."""
    pen = PENALTIES[name](beta)
    lm = one_hot(fh)
    got = solve_robust_regularized(lm, pen)
    want = solve_robust(fh, pen)
    assert_close(got.V, want.V, "robust V")
    assert_close(got.Q, want.Q, "robust Q")
    rng = np.random.default_rng(seed)
    H, S, A = fh.horizon, fh.n_states, fh.n_actions
    for stochastic in (False, True):
        pi = random_policy(rng, (H, S, A), stochastic)
        assert_close(evaluate_policy_robust_regularized(lm, pi, pen),
                     np.asarray(evaluate_policy_robust(fh, pi, pen)), "robust V^pi")


def inner_brute_force(name: str, mu: np.ndarray, V: np.ndarray, rho: float) -> float:
    """``inf_{nu in simplex} nu . V + rho D(nu || mu)`` solved independently: TV
    (``D = ||nu - mu||_1 / 2``) as a linear program (HiGHS) in ``(nu, t)`` with ``t >= |nu - mu|``;
    KL by the Donsker-Varadhan closed form ``-rho log sum_s mu_s exp(-V_s / rho)``; chi-square
    (``D = sum_s (nu_s - mu_s)^2 / mu_s`` on ``supp(mu)``, ``nu = 0`` elsewhere) as a QP in
    cvxpy (Clarabel)."""
    S = len(V)
    if name == "kl":
        return float(-rho * np.log(np.sum(mu * np.exp(-V / rho))))
    if name == "tv":
        c = np.concatenate([V, np.full(S, rho / 2.0)])
        A_ub = np.block([[np.eye(S), -np.eye(S)], [-np.eye(S), -np.eye(S)]])
        b_ub = np.concatenate([mu, -mu])
        A_eq = np.concatenate([np.ones(S), np.zeros(S)])[None]
        out = scipy.optimize.linprog(c, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=[1.0],
                                     bounds=[(0, None)] * (2 * S), method="highs")
        assert out.status == 0
        return float(out.fun)
    supp = mu > 0
    nu = cp.Variable(int(supp.sum()))
    m0, v0 = mu[supp], V[supp]
    obj = v0 @ nu + rho * cp.sum(cp.multiply(1.0 / m0, cp.square(nu - m0)))
    prob = cp.Problem(cp.Minimize(obj), [nu >= 0, cp.sum(nu) == 1])
    prob.solve(solver=cp.CLARABEL, tol_gap_abs=1e-12, tol_gap_rel=1e-12, tol_feas=1e-12)
    return float(prob.value)


BRUTE_TOL = {"kl": 1e-10, "tv": 1e-8, "chi2": 1e-6}


@pytest.mark.parametrize("name", sorted(PENALTIES))
@settings(max_examples=6)
@given(m=simplex_models(episodic=True, max_states=4), stationary=st.booleans(),
       rho=st.sampled_from([0.1, 0.7, 4.0]), seed=st.integers(0, 2 ** 16))
def test_robust_regularized_d_rectangular_brute_force(name, m, stationary, rho, seed):
    """On d-rectangular models the robust-regularised backup separates per factor: ``Q_h = r_h +
    Phi sigma_h``, ``sigma_{h,i} = inf_nu E_nu V_{h+1} + rho D(nu || mu_{h,i})``. Each
    ``sigma_{h,i}`` is solved here by :func:`inner_brute_force` and the backward induction
    (max over actions, or a random stochastic policy's weights) assembled here; V and Q of
    :func:`solve_robust_regularized` and the value of
    :func:`evaluate_policy_robust_regularized` agree to 1e-10 (KL), 1e-8 (TV, LP) and 1e-6
    (chi-square, QP), relative to ``max(1, |V|)``; the regularised value lies between the
    nominal value and the one of the worst next state."""
    if not stationary:
        m = random_simplex(m.n_states, m.n_actions, m.dim, horizon=m.horizon, stationary=False,
                           seed=seed)
    pen = PENALTIES[name](rho)
    H, S, A, d = m.horizon, m.n_states, m.n_actions, m.dim
    pi = random_policy(np.random.default_rng(seed), (H, S, A), True)
    V = np.zeros((H + 1, S))
    Vpi = np.zeros((H + 1, S))
    Q = np.zeros((H, S, A))
    for h in range(H - 1, -1, -1):
        mu = m.mu(h)
        sig = np.array([inner_brute_force(name, mu[i], V[h + 1], rho) for i in range(d)])
        sig_pi = np.array([inner_brute_force(name, mu[i], Vpi[h + 1], rho) for i in range(d)])
        Q[h] = m.rewards(h) + m.phi @ sig
        V[h] = Q[h].max(axis=1)
        Vpi[h] = (pi[h] * (m.rewards(h) + m.phi @ sig_pi)).sum(axis=1)
    got = solve_robust_regularized(m, pen)
    tol = BRUTE_TOL[name]
    assert_close(got.V, V, "robust V", tol)
    assert_close(got.Q, Q, "robust Q", tol)
    assert_close(evaluate_policy_robust_regularized(m, pi, pen), Vpi, "robust V^pi", tol)
    nominal = solve_linear(m).V
    assert np.all(got.V <= nominal + 1e-12)
    assert got.certificate <= 1e-9


def test_robust_regularized_refuses_what_it_cannot_solve():
    """The robust-regularised oracle refuses, naming the reason: a model that is not
    d-rectangular (signed features), a discounted model, a set that is not a TV/KL/chi-square
    penalty, and an array of penalty weights."""
    m = random_simplex(3, 2, 2, horizon=2, seed=0)
    signed = reparametrise(m, 1)
    with pytest.raises(InvalidArgumentError, match="d-rectangular"):
        solve_robust_regularized(signed, KLPenalty(1.0))
    with pytest.raises(InvalidArgumentError, match="episodic"):
        solve_robust_regularized(random_simplex(3, 2, 2, gamma=0.9, seed=0), KLPenalty(1.0))
    with pytest.raises(InvalidArgumentError, match="penalty must be"):
        solve_robust_regularized(m, KLBall(0.1))
    with pytest.raises(InvalidArgumentError, match="scalar beta"):
        solve_robust_regularized(m, KLPenalty(np.ones((3, 2))))
    with pytest.raises(InvalidArgumentError, match="d-rectangular"):
        evaluate_policy_robust_regularized(signed, np.zeros((2, 3), np.int64), TVPenalty(1.0))


# ==================================================================================================
# 4. Validation and the model's quantities
# ==================================================================================================
def valid_parts(seed=0, S=3, A=2, d=2):
    rng = np.random.default_rng(seed)
    return (rng.dirichlet(np.ones(d), size=(S, A)), rng.dirichlet(np.ones(S), size=d),
            rng.random(d))


def _bad(which):
    phi, mu, th = valid_parts()
    if which == "row_sum":
        mu[1, 2] += 0.01
        return (phi, mu, th), {"horizon": 2}, r"P_0\(\.\|\d, \d\) = phi\[\d, \d\] \. mu_0 sums to"
    if which == "row_sum_stage":
        mus = np.stack([mu, mu.copy(), mu.copy()])
        mus[2, 0, 0] += 1e-6
        return (phi, mus, th), {"horizon": 3}, r"P_2\(.*sums to"
    if which == "negative_entry":
        phi2 = np.zeros((3, 2, 2))
        phi2[..., 0], phi2[..., 1] = 1.5, -0.5  # rows 1.5 mu_0 - 0.5 mu_1: sum 1
        mu2 = np.array([[0.1, 0.45, 0.45], [0.9, 0.05, 0.05]])
        return (phi2, mu2, th), {"horizon": 2}, r"P_0\(\.\|0, 0\) has a negative entry"
    if which == "nan_phi":
        phi[2, 1, 0] = np.nan
        return (phi, mu, th), {"horizon": 2}, r"phi\[2, 1, 0\] = nan is not finite"
    if which == "inf_theta":
        th[1] = np.inf
        return (phi, mu, th), {"horizon": 2}, r"theta\[0, 1\] = inf is not finite"
    if which == "nan_mu":
        mu[0, 1] = np.nan
        return (phi, mu, th), {"horizon": 2}, r"mu\[0, 0, 1\] = nan"
    if which == "phi_shape":
        return (phi[0], mu, th), {"horizon": 2}, r"phi must have shape \(S, A, d\)"
    if which == "mu_shape":
        return (phi, mu.T, th), {"horizon": 2}, r"mu must have shape \(2, 3\) or \(2, 2, 3\), got \(3, 2\)"
    if which == "theta_shape":
        return (phi, mu, np.ones(3)), {"horizon": 2}, r"theta must have shape \(2,\)"
    if which == "stages_vs_horizon":
        return (phi, np.stack([mu] * 3), th), {"horizon": 2}, r"mu has 3 stages, the horizon is 2"
    if which == "stages_discounted":
        return (phi, np.stack([mu] * 2), th), {"gamma": 0.9}, r"discounted model needs a stationary mu"
    if which == "gamma_with_horizon":
        return (phi, mu, th), {"horizon": 2, "gamma": 0.9}, r"gamma=0.9: an episodic linear MDP"
    if which == "gamma_one":
        return (phi, mu, th), {"gamma": 1.0}, r"gamma=1.0: a discounted linear MDP needs gamma < 1"
    if which == "neither":
        return (phi, mu, th), {}, r"gamma must be a number in \[0, 1\], got None"
    if which == "horizon_zero":
        return (phi, mu, th), {"horizon": 0}, r"horizon=0 is less than 1"
    if which == "horizon_float":
        return (phi, mu, th), {"horizon": 2.0}, r"horizon must be an integer"
    if which == "initial":
        return (phi, mu, th), {"horizon": 2, "initial": 3}, r"initial=3 is not a state index"
    if which == "reward_overflow":
        return (phi, mu, th * 1e300), {"horizon": 100}, r"above the limit"
    if which == "complex":
        return (phi.astype(complex), mu, th), {"horizon": 2}, r"phi"
    raise AssertionError(which)


BAD_INPUTS = ["row_sum", "row_sum_stage", "negative_entry", "nan_phi", "inf_theta", "nan_mu",
              "phi_shape", "mu_shape", "theta_shape", "stages_vs_horizon", "stages_discounted",
              "gamma_with_horizon", "gamma_one", "neither", "horizon_zero", "horizon_float",
              "initial", "reward_overflow", "complex"]


@pytest.mark.parametrize("which", BAD_INPUTS)
def test_linear_mdp_refuses_bad_input_naming_it(which):
    """:class:`LinearMDP` refuses each bad input with an :class:`InvalidMDPError` whose message
    names the culprit (the stage and pair of an off row, the index of a non-finite entry, the
    shapes, the conflicting gamma/horizon) and leaves the caller's arrays untouched."""
    args, kwargs, pattern = _bad(which)
    copies = [np.array(a, copy=True) for a in args]
    with pytest.raises(InvalidMDPError, match=pattern):
        LinearMDP(*args, **kwargs)
    for a, c in zip(args, copies):
        np.testing.assert_array_equal(np.asarray(a), c)


def test_linear_mdp_repairs_nothing():
    """Rows within the 1e-9 tolerance are accepted as given: the stored phi, mu, theta are the
    inputs bit for bit (nothing normalised), the inputs are unchanged, the model's arrays are
    read-only, and the induced rows sum to the given, not renormalised, values."""
    phi, mu, th = valid_parts()
    mu = mu * (1 + 5e-10)  # every row off by 5e-10: accepted, not normalised
    copies = [a.copy() for a in (phi, mu, th)]
    m = LinearMDP(phi, mu, th, horizon=2)
    for a, c in zip((phi, mu, th), copies):
        np.testing.assert_array_equal(a, c)
    np.testing.assert_array_equal(m.phi, phi)
    np.testing.assert_array_equal(m.mu(0), mu)
    np.testing.assert_array_equal(m.mu(1), mu)
    np.testing.assert_array_equal(m.theta(0), th)
    assert not m.phi.flags.writeable and not m.mu(0).flags.writeable
    with pytest.raises(ValueError):
        m.phi[0, 0, 0] = 0.5
    sums = m.to_tabular().stage_P(0).sum(axis=2)
    np.testing.assert_allclose(sums, (phi.reshape(-1, 2) @ mu.sum(1)).reshape(3, 2), rtol=1e-15)
    assert np.all(np.abs(sums - 1) > 1e-10)
    with pytest.raises(InvalidArgumentError, match=r"h=2 is not a stage in \[0, 2\)"):
        m.mu(2)


def test_linear_mdp_is_isolated_from_later_changes_to_its_inputs():
    """A validated model must not change when the caller later writes into the arrays it was
    built from (TabularMDP and FiniteHorizonMDP copy by default)."""
    phi, mu, th = valid_parts()
    m = LinearMDP(phi, mu, th, horizon=2)
    before = solve_linear(m).V.copy()
    phi[:] = 5.0
    mu[:] = -1.0
    th[:] = 100.0
    np.testing.assert_array_equal(solve_linear(m).V, before)


@settings(max_examples=10)
@given(m=st.one_of(signed_models(episodic=True), simplex_models(episodic=True, stationary=False)))
def test_norms_match_a_direct_computation(m):
    """:meth:`LinearMDP.norms` reports Jin et al.'s Assumption A quantities, recomputed here
    with plain loops: ``max_{s,a} ||phi(s, a)||_2``, ``max_h sum_s' ||mu_h(., s')||_2``, ``max_h
    ||theta_h||_2`` and ``sqrt(d)``; :meth:`satisfies_assumption_a` is their comparison;
    :attr:`d_rectangular` holds exactly for the simplex models."""
    H, S, A, d = m.horizon, m.n_states, m.n_actions, m.dim
    phi_n = max(math.sqrt(sum(float(x) ** 2 for x in m.phi[s, a])) for s in range(S)
                for a in range(A))
    mu_n = max(sum(math.sqrt(sum(float(m.mu(h)[i, t]) ** 2 for i in range(d))) for t in range(S))
               for h in range(H))
    th_n = max(math.sqrt(sum(float(x) ** 2 for x in m.theta(h))) for h in range(H))
    n = m.norms()
    assert set(n) == {"phi", "mu", "theta", "sqrt_d"}
    assert abs(n["phi"] - phi_n) <= 1e-12 * max(1, phi_n)
    assert abs(n["mu"] - mu_n) <= 1e-12 * max(1, mu_n)
    assert abs(n["theta"] - th_n) <= 1e-12 * max(1, th_n)
    assert n["sqrt_d"] == math.sqrt(d)
    t = 1e-12
    assert m.satisfies_assumption_a() == (phi_n <= 1 + t and mu_n <= math.sqrt(d) + t
                                          and th_n <= math.sqrt(d) + t)
    simplex = bool(np.all(m.phi >= 0) and np.all(m.mu(0) >= 0))
    assert m.d_rectangular == simplex


def test_random_simplex_builds_what_it_says():
    """:func:`random_simplex`: features on the simplex, every factor a distribution over exactly
    ``branching`` states, rewards in [0, 1], d-rectangular, one stage when stationary and ``H``
    stages otherwise, the same model for the same seed; ``branching > S`` is refused. Features
    on the simplex have ``||phi||_2 <= 1`` and rewards in [0, 1] give ``||theta|| <= sqrt(d)``
    (Assumption A's ``mu`` condition is not implied, so not asserted)."""
    m = random_simplex(6, 2, 3, horizon=4, branching=2, stationary=False, seed=5)
    assert m.d_rectangular and not m.stationary
    for h in range(4):
        assert np.all((m.mu(h) > 0).sum(axis=1) == 2)
        np.testing.assert_allclose(m.mu(h).sum(axis=1), 1.0, atol=1e-12)
        r = m.rewards(h)
        assert r.min() >= 0 and r.max() <= 1
    assert m.norms()["phi"] <= 1 and m.norms()["theta"] <= math.sqrt(3)
    again = random_simplex(6, 2, 3, horizon=4, branching=2, stationary=False, seed=5)
    np.testing.assert_array_equal(again.phi, m.phi)
    np.testing.assert_array_equal(again.mu(3), m.mu(3))
    assert random_simplex(6, 2, 3, horizon=4, seed=5).stationary
    with pytest.raises(InvalidArgumentError, match="branching=7 exceeds S=6"):
        random_simplex(6, 2, 3, horizon=4, branching=7)


def test_linear_mixture_and_one_hot_refusals():
    """:func:`linear_mixture` refuses negative weights, weights not summing to 1 and mismatched
    shapes; :func:`one_hot` refuses an undiscounted :class:`TabularMDP` and other types."""
    bases = np.stack([np.eye(2).reshape(2, 1, 2)] * 2)  # (d=2, S=2, A=1, S=2)
    R = np.zeros((2, 1))
    with pytest.raises(InvalidArgumentError, match="non-negative and sum to 1"):
        linear_mixture(bases, [1.5, -0.5], R, horizon=2)
    with pytest.raises(InvalidArgumentError, match="non-negative and sum to 1"):
        linear_mixture(bases, [0.5, 0.6], R, horizon=2)
    with pytest.raises(InvalidArgumentError, match=r"bases must be \(d, S, A, S\)"):
        linear_mixture(bases, [1.0], R, horizon=2)
    with pytest.raises(InvalidArgumentError, match="discount < 1"):
        one_hot(TabularMDP(bases[0], R, 1.0))
    with pytest.raises(InvalidArgumentError, match="TabularMDP or FiniteHorizonMDP"):
        one_hot(np.eye(2))


# ==================================================================================================
# 5. LSVI and LSVI-UCB
# ==================================================================================================
def env_streams(seed: int):
    """``(environment Generator, subject seed)`` rebuilt with numpy as
    :func:`rlcert.estimators.base.protocol_seeds` documents: child 0 of ``SeedSequence(seed)``
    feeds ``PCG64``; the subject's integer seed is child 1's first uint64 state word."""
    c0, c1 = np.random.SeedSequence(seed).spawn(2)
    return np.random.Generator(np.random.PCG64(c0)), int(c1.generate_state(1, np.uint64)[0])


def inverse_transform(p, u: float) -> int:
    """The first ``j`` with ``p_0 + ... + p_j > u`` over the positive entries (the last positive
    one if rounding leaves the total at or below ``u``): the harness's documented convention."""
    acc, last = 0.0, 0
    for j, pj in enumerate(p):
        if pj > 0.0:
            acc += pj
            last = j
            if u < acc:
                return j
    return last


def policy_value0(fh: FiniteHorizonMDP, pi) -> float:
    """``initial . V^pi_0`` by backward evaluation on the tabular kernels (numpy)."""
    H, S = fh.horizon, fh.n_states
    V = np.zeros(S)
    for h in range(H - 1, -1, -1):
        Ph = fh.stage_P(h)
        V = np.array([fh.R[h, s, pi[h, s]] + Ph[s, pi[h, s]] @ V for s in range(S)])
    return float(fh.initial @ V)


def protocol_run(learner, fh: FiniteHorizonMDP, K: int, seed: int, bernoulli: bool = False,
                 on_episode=None) -> dict:
    """Play ``learner`` through ``reset / start_episode / act / observe / q_values`` against the
    tabular model, drawing the environment's numbers as the verifier does (start ``u_0``; per
    step ``u_a`` (unused by a deterministic policy), ``u_r``, ``u_s``). ``on_episode(k, learner,
    transitions)`` is called after planning, with every past transition ``(h, s, a, r, s')``."""
    env, subject = env_streams(seed)
    H, S, A = fh.horizon, fh.n_states, fh.n_actions
    learner.reset(S, A, H, subject, n_episodes=K)
    Q_star = solve(fh).Q
    out = {k: [] for k in ("values", "starts", "returns", "margins", "states", "actions")}
    transitions = []
    P = [fh.stage_P(h) for h in range(H)]
    for k in range(K):
        pi = learner.start_episode()
        Q = learner.q_values()
        if on_episode is not None:
            on_episode(k, learner, list(transitions))
        out["values"].append(policy_value0(fh, pi))
        out["margins"].append(float((Q - Q_star).min()))
        s = inverse_transform(fh.initial, env.random())
        out["starts"].append(s)
        ret, states, actions = 0.0, [], []
        for h in range(H):
            env.random()
            u_r, u_s = env.random(), env.random()
            a = learner.act(h, s)
            assert a == pi[h, s]
            r = float(fh.R[h, s, a])
            if bernoulli:
                r = 1.0 if u_r < r else 0.0
            s2 = inverse_transform(P[h][s, a], u_s)
            learner.observe(h, s, a, r, s2)
            transitions.append((h, s, a, r, s2))
            states.append(s)
            actions.append(a)
            ret += r
            s = s2
        out["returns"].append(ret)
        out["states"].append(states)
        out["actions"].append(actions)
    return {k: np.array(v) for k, v in out.items()} | {"transitions": transitions}


def learners_for(phi):
    return [LSVIUCB(phi), LSVIUCB(phi, lam=0.5, c=0.3, delta=0.2, bonus_scale=0.7),
            LSVI(phi), LSVI(phi, lam=0.0)]


@pytest.mark.parametrize("which", range(4))
@pytest.mark.parametrize("bernoulli", [False, True])
@settings(max_examples=3)
@given(m=simplex_models(episodic=True, stationary=False, max_states=4),
       seed=st.integers(0, 2 ** 32 - 1))
def test_compiled_run_equals_protocol_run(which, bernoulli, m, seed):
    """``transcript`` (the compiled loop) equals a run through the protocol methods on the same
    seed, the environment's stream rebuilt here from numpy's SeedSequence: the same start states,
    the same states and actions at every step, the same realised returns, and to 1e-12 the same
    exact values ``initial . V^{pi_k}_0`` and optimism margins ``min (Q_k - Q*)``; ``run``'s
    regret is ``V*_0 - values``. For LSVI-UCB (two parameter sets) and LSVI (ridge and
    ridgeless), with expected and Bernoulli rewards."""
    fh = m.to_tabular()
    K = 25
    learner = learners_for(m)[which]
    want = protocol_run(learner, fh, K, seed, bernoulli)
    noise = "bernoulli" if bernoulli else "none"
    got = learner.transcript(fh, n_episodes=K, seed=seed, record_optimism=True,
                             reward_noise=noise, record_path=True)
    np.testing.assert_array_equal(got["starts"], want["starts"])
    np.testing.assert_array_equal(got["states"], want["states"])
    np.testing.assert_array_equal(got["actions"], want["actions"])
    np.testing.assert_allclose(got["returns"], want["returns"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got["values"], want["values"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(got["margins"], want["margins"], rtol=0, atol=1e-12)
    run = learner.run(fh, n_episodes=K, seed=seed, reward_noise=noise)
    v_star = float(fh.initial @ solve(fh).V[0])
    np.testing.assert_allclose(run.regret, v_star - want["values"], rtol=0, atol=1e-12)


def naive_lsvi_ucb(phi, H, S, A, transitions, lam, beta, pinv=False):
    """LSVI-UCB recomputed from scratch (Jin et al. 2020, Algorithm 1, 0-based stages):
    ``Lambda_h = lam I + sum phi phi^T``, ``w_h = Lambda_h^{-1} sum phi (r + max_a Q_{h+1}(s',
    a))`` over every past transition of stage ``h``, ``Q_h = min(phi w_h + beta
    ||phi||_{Lambda_h^{-1}}, H)``. ``pinv``: the pseudo-inverse (lam = 0)."""
    d = phi.shape[2]
    phi2 = phi.reshape(S * A, d)
    Q = np.zeros((H, S, A))
    Linvs = []
    V_next = np.zeros(S)
    for h in range(H - 1, -1, -1):
        rows = [(s, a, r, s2) for (hh, s, a, r, s2) in transitions if hh == h]
        Lam = lam * np.eye(d)
        y = np.zeros(d)
        for s, a, r, s2 in rows:
            f = phi[s, a]
            Lam = Lam + np.outer(f, f)
            y = y + f * (r + V_next[s2])
        Linv = np.linalg.pinv(Lam) if pinv else np.linalg.inv(Lam)
        w = Linv @ y
        bonus = beta * np.sqrt(np.maximum(np.einsum("ri,ij,rj->r", phi2, Linv, phi2), 0.0))
        Q[h] = np.minimum(phi2 @ w + bonus, float(H)).reshape(S, A)
        V_next = Q[h].max(axis=1)
        Linvs.append(Linv)
    return Q, Linvs[::-1]


def hand_beta(c, d, H, K, delta, scale=1.0):
    return scale * c * d * H * math.sqrt(math.log(2.0 * d * (K * H) / delta))


@pytest.mark.parametrize("which", range(4))
def test_lsvi_q_values_equal_naive_recomputation(which):
    """(c, d, b) Every episode's ``q_values()`` equals the naive LSVI-UCB of
    :func:`naive_lsvi_ucb`, recomputed from all past transitions (regression targets ``sum_tau
    phi_tau (r_tau + V_{h+1}(s'_tau))`` summed directly, ``Lambda_h`` inverted by
    ``numpy.linalg.inv``), to 1e-10 ``max(1, |Q|)``, with ``beta = c d H sqrt(log(2 d K H /
    delta))`` computed by hand (0 for LSVI). After the last observation the learner's
    Sherman-Morrison ``Lambda_h^{-1}`` (white box: the protocol state) equals
    ``inv(lam I + sum phi phi^T)`` to 1e-10 (``pinv`` of the ridgeless ``Lambda_h`` for lam = 0,
    whose ``Lambda_h`` itself is checked there)."""
    m = random_simplex(5, 3, 4, horizon=3, stationary=False, seed=11)
    fh = m.to_tabular()
    H, S, A, d = 3, 5, 3, 4
    K = 150
    learner = learners_for(m)[which]
    ucb = type(learner) is LSVIUCB
    lam = learner.lam
    beta = hand_beta(learner.c, d, H, K, learner.delta, learner.bonus_scale) if ucb else 0.0
    assert learner.beta(H, K) == pytest.approx(beta, rel=1e-15)
    checked = []

    def check(k, lrn, transitions):
        Q_ref, _ = naive_lsvi_ucb(m.phi, H, S, A, transitions, lam, beta, pinv=lam == 0)
        assert_close(lrn.q_values(), Q_ref, f"Q at episode {k}")
        checked.append(k)

    out = protocol_run(learner, fh, K, seed=3, bernoulli=True, on_episode=check)
    assert checked == list(range(K))
    _, Linv_ref = naive_lsvi_ucb(m.phi, H, S, A, out["transitions"], lam, beta)  \
        if lam > 0 else (None, None)
    Linv, Lam = learner._state[0], learner._state[1]
    for h in range(H):
        rows = [m.phi[s, a] for (hh, s, a, r, s2) in out["transitions"] if hh == h]
        Lam_ref = lam * np.eye(d) + sum(np.outer(f, f) for f in rows)
        assert_close(Lam[h], Lam_ref, f"Lambda_{h}")
        if lam > 0:
            assert_close(Linv[h], np.linalg.inv(Lam_ref), f"Lambda_{h}^-1 (Sherman-Morrison)")
            assert_close(Linv[h], Linv_ref[h], f"Lambda_{h}^-1 vs naive")


def test_lsvi_ucb_beta_by_hand():
    """(d) ``beta = bonus_scale c d H sqrt(log(2 d T / delta))``, ``T = K H``, at hand-picked
    numbers: d = 4, H = 5, K = 1000, delta = 0.05, c = 1: ``20 sqrt(log(800000))`` =
    73.7357...; LSVI's beta is 0 whatever its lam."""
    phi = np.full((2, 2, 4), 0.25)
    assert LSVIUCB(phi).beta(5, 1000) == pytest.approx(20 * math.sqrt(math.log(800000.0)),
                                                       rel=1e-15)
    assert 20 * math.sqrt(math.log(800000.0)) == pytest.approx(73.73565, abs=1e-5)
    got = LSVIUCB(phi, c=0.5, delta=0.2, bonus_scale=3.0).beta(2, 7)
    assert got == pytest.approx(3.0 * 0.5 * 4 * 2 * math.sqrt(math.log(2 * 4 * 14 / 0.2)),
                                rel=1e-15)
    assert LSVI(phi).beta(5, 1000) == 0.0 and LSVI(phi, lam=0.0).beta(5, 1000) == 0.0


def certainty_equivalence(transitions, H, S, A):
    """Tabular certainty equivalence from counts: ``Q_h(s, a) = r_bar_h(s, a) + sum_s' N_h(s, a,
    s') / N_h(s, a) V_{h+1}(s')`` on visited pairs, 0 on unvisited ones, ``V_h = max_a Q_h``."""
    N = np.zeros((H, S, A))
    Rs = np.zeros((H, S, A))
    Ns = np.zeros((H, S, A, S))
    for h, s, a, r, s2 in transitions:
        N[h, s, a] += 1
        Rs[h, s, a] += r
        Ns[h, s, a, s2] += 1
    Q = np.zeros((H, S, A))
    V = np.zeros(S)
    for h in range(H - 1, -1, -1):
        seen = N[h] > 0
        Q[h][seen] = (Rs[h][seen] + Ns[h][seen] @ V) / N[h][seen]
        V = Q[h].max(axis=1)
    return Q


@settings(max_examples=8)
@given(fh=finite_horizon_mdps(max_states=4, max_actions=3, max_horizon=4),
       seed=st.integers(0, 2 ** 32 - 1))
def test_ridgeless_lsvi_one_hot_is_certainty_equivalence(fh, seed):
    """(e) LSVI with ``lam = 0`` and one-hot features is tabular certainty equivalence: at every
    episode its Q table equals backward induction on the empirical model built from counts
    (unvisited pairs ``Q = 0``), to 1e-10, along a Bernoulli-reward protocol run of 30
    episodes."""
    lm = one_hot(fh)
    H, S, A = fh.horizon, fh.n_states, fh.n_actions

    def check(k, lrn, transitions):
        assert_close(lrn.q_values(), certainty_equivalence(transitions, H, S, A), f"episode {k}")

    protocol_run(LSVI(lm, lam=0.0), fh, 30, seed, bernoulli=True, on_episode=check)


def test_linear_learners_refuse_bad_parameters():
    """(f) The learners refuse, with a :class:`LinearLearnerError` naming the argument: lam <= 0
    (LSVI-UCB) or < 0 (LSVI), c <= 0, delta outside (0, 1), a negative bonus scale, bools and
    NaN as numbers, features that are not a finite real (S, A, d) array, an environment of other
    dimensions, a discounted or out-of-[0, 1]-reward environment, a non-tabular environment,
    n_episodes < 1, an unknown reward noise, reset without n_episodes when beta > 0, protocol
    calls before reset and observations outside the model."""
    phi = np.full((3, 2, 2), 0.5)
    bad = [(lambda: LSVIUCB(phi, lam=0.0), "lam"), (lambda: LSVI(phi, lam=-1.0), "lam"),
           (lambda: LSVIUCB(phi, c=0.0), "c must"), (lambda: LSVIUCB(phi, delta=1.0), "delta"),
           (lambda: LSVIUCB(phi, delta=0.0), "delta"),
           (lambda: LSVIUCB(phi, bonus_scale=-0.1), "bonus_scale"),
           (lambda: LSVIUCB(phi, lam=True), "lam"), (lambda: LSVIUCB(phi, c=math.nan), "c must"),
           (lambda: LSVIUCB(phi[0]), "features"), (lambda: LSVIUCB(phi.astype(bool)), "features"),
           (lambda: LSVIUCB(np.full((3, 2, 2), np.inf)), "non-finite"),
           (lambda: LSVIUCB("abc"), "features")]
    for make, pattern in bad:
        with pytest.raises(LinearLearnerError, match=pattern):
            make()
    rng = np.random.default_rng(0)
    P = rng.dirichlet(np.ones(3), size=(3, 2))
    good = FiniteHorizonMDP(P, rng.random((3, 2)), 2)
    lrn = LSVIUCB(phi)
    runs = [(FiniteHorizonMDP(rng.dirichlet(np.ones(4), size=(4, 2)), np.zeros((4, 2)), 2),
             {}, "S=4"),
            (FiniteHorizonMDP(P, rng.random((3, 2)), 2, gamma=0.9), {}, "gamma=0.9"),
            (FiniteHorizonMDP(P, 1.5 * np.ones((3, 2)), 2), {}, r"rewards in \[0, 1\]"),
            (FiniteHorizonMDP(P, -0.5 * np.ones((3, 2)), 2), {}, r"rewards in \[0, 1\]"),
            (TabularMDP(P, np.zeros((3, 2)), 0.9), {}, "FiniteHorizonMDP"),
            (good, {"n_episodes": 0}, "n_episodes"),
            (good, {"n_episodes": 3, "reward_noise": "gauss"}, "reward_noise")]
    for env, kw, pattern in runs:
        kw = {"n_episodes": 3, **kw}
        with pytest.raises(LinearLearnerError, match=pattern):
            lrn.transcript(env, **kw)
    with pytest.raises(LinearLearnerError, match="before reset"):
        LSVIUCB(phi).start_episode()
    with pytest.raises(LinearLearnerError, match="before reset"):
        LSVI(phi).q_values()
    with pytest.raises(LinearLearnerError, match="needs n_episodes"):
        LSVIUCB(phi).reset(3, 2, 2, 0)
    LSVI(phi).reset(3, 2, 2, 0)  # beta = 0: no n_episodes needed
    with pytest.raises(LinearLearnerError, match="S=4, A=2"):
        LSVIUCB(phi).reset(4, 2, 2, 0, n_episodes=3)
    lrn.reset(3, 2, 2, 0, n_episodes=3)
    with pytest.raises(LinearLearnerError, match="outside H=2, S=3, A=2"):
        lrn.observe(2, 0, 0, 0.0, 0)
    with pytest.raises(LinearLearnerError, match="outside"):
        lrn.observe(0, 0, 0, 0.0, 3)


# ==================================================================================================
# 6. Linear PEVI and R2PVI
# ==================================================================================================
def stage_regression(phi, data: Dataset, h: int, lam: float):
    s, a = data.states[:, h], data.actions[:, h]
    Phi = np.array([phi[si, ai] for si, ai in zip(s, a)])
    Lam = lam * np.eye(phi.shape[2])
    for f in Phi:
        Lam = Lam + np.outer(f, f)
    return Phi, np.linalg.inv(Lam), data.rewards[:, h], data.next_states[:, h]


def naive_pevi(phi, data: Dataset, lam, beta):
    """Jin, Yang and Wang (2021), Algorithm 2, 0-based: per stage, ridge regression ``w_h =
    Lambda_h^{-1} sum_k phi_k (r_k + V_{h+1}(s'_k))``, ``Gamma_h = beta ||phi||_{Lambda_h^{-1}}``,
    ``Q_h = clip(phi w_h - Gamma_h, 0, H - h)``, ``V_h = max_a Q_h``."""
    S, A, d = phi.shape
    H = data.horizon
    V = np.zeros((H + 1, S))
    Q, B, G = np.zeros((H, S, A)), np.zeros((H, S, A)), np.zeros((H, S, A))
    for h in range(H - 1, -1, -1):
        Phi, Linv, r, s2 = stage_regression(phi, data, h, lam)
        w = Linv @ sum(f * (rk + V[h + 1][sk]) for f, rk, sk in zip(Phi, r, s2))
        for s in range(S):
            for a in range(A):
                f = phi[s, a]
                B[h, s, a] = f @ w
                G[h, s, a] = beta * math.sqrt(max(f @ Linv @ f, 0.0))
                Q[h, s, a] = min(max(B[h, s, a] - G[h, s, a], 0.0), H - h)
        V[h] = Q[h].max(axis=1)
    return V, Q, B, G


def naive_chi2(g, v, rho):
    """``max_{eta in [min v, max v + 2 rho]} eta - rho - sum_k g_k (eta - v_k)_+^2 / (4 rho)``
    by pieces: on each interval between distinct sample values the objective is the quadratic
    of the samples below it; its maximum is at an end or at its stationary point. A grid of 2001
    points never beats it (checked)."""
    def f(eta):
        return eta - rho - float(np.sum(g * np.maximum(eta - v, 0.0) ** 2)) / (4.0 * rho)

    ends = list(np.unique(v)) + [float(v.max()) + 2.0 * rho]
    best = max(f(e) for e in ends)
    for lo, hi in zip(ends[:-1], ends[1:]):
        act = v <= lo
        a = float(np.sum(g[act]))
        if a > 0:
            eta = (2.0 * rho + float(np.sum(g[act] * v[act]))) / a
            if lo <= eta <= hi:
                best = max(best, f(eta))
    grid = np.linspace(float(v.min()), ends[-1], 2001)
    assert max(f(e) for e in grid) <= best + 1e-12
    return best


def naive_r2pvi(phi, data: Dataset, lam, beta, divergence, rho):
    """R2PVI (Tang, Liu and Xu 2025) as the module docstring states it, recomputed here: per
    stage the ridge weights ``G = Lambda_h^{-1} Phi^T`` of each sample; ``theta_hat = G r``;
    ``sigma_i``: TV ``G_i min(v, min V + rho)``, KL ``min V - rho log clip(G_i exp(-(v - min V) /
    rho), exp(-(max V - min V) / rho), 1)``, chi-square :func:`naive_chi2` of ``G_i``;
    ``Gamma = beta sum_i phi_i sqrt((Lambda_h^{-1})_ii)``; ``Q_h = clip(phi (theta_hat + sigma) -
    Gamma, 0, H - h)``."""
    S, A, d = phi.shape
    H = data.horizon
    V = np.zeros((H + 1, S))
    Q, B, Gm = np.zeros((H, S, A)), np.zeros((H, S, A)), np.zeros((H, S, A))
    for h in range(H - 1, -1, -1):
        Phi, Linv, r, s2 = stage_regression(phi, data, h, lam)
        G = Linv @ Phi.T
        v = V[h + 1][s2]
        vmin, vmax = V[h + 1].min(), V[h + 1].max()
        sigma = np.zeros(d)
        for i in range(d):
            if divergence == "tv":
                sigma[i] = G[i] @ np.minimum(v, vmin + rho)
            elif divergence == "kl":
                mean = G[i] @ np.exp(-(v - vmin) / rho)
                mean = min(max(mean, math.exp(-(vmax - vmin) / rho)), 1.0)
                sigma[i] = vmin - rho * math.log(mean)
            else:
                sigma[i] = naive_chi2(G[i], v, rho)
        theta = G @ r
        sd = np.sqrt(np.maximum(np.diag(Linv), 0.0))
        for s in range(S):
            for a in range(A):
                B[h, s, a] = phi[s, a] @ (theta + sigma)
                Gm[h, s, a] = beta * (phi[s, a] @ sd)
                Q[h, s, a] = min(max(B[h, s, a] - Gm[h, s, a], 0.0), H - h)
        V[h] = Q[h].max(axis=1)
    return V, Q, B, Gm


def uniform_data(m: LinearMDP, K: int, seed: int, noise: str = "none") -> Dataset:
    S, A = m.n_states, m.n_actions
    return collect_episodes(m.to_tabular(), np.full((S, A), 1.0 / A), K, seed, reward_noise=noise)


def assert_estimate(est, V, Q, B, G, beta, what):
    assert est.beta == pytest.approx(beta, rel=1e-14)
    assert_close(est.bellman_estimate, B, f"{what}: bellman estimate")
    assert_close(est.penalty, G, f"{what}: penalty")
    assert_close(est.Q, Q, f"{what}: Q")
    assert_close(est.V, V, f"{what}: V")
    chosen = np.take_along_axis(Q, est.policy[..., None], axis=2)[..., 0]
    assert np.all(chosen >= V[:-1] - TOL * max(1.0, np.abs(V).max()))


@settings(max_examples=10)
@given(m=simplex_models(episodic=True, stationary=False, max_states=4),
       K=st.integers(1, 150), seed=st.integers(0, 2 ** 16),
       lam=st.sampled_from([1.0, 0.1]), c=st.sampled_from([1.0, 0.05]),
       xi=st.sampled_from([0.05, 0.5]), scale=st.sampled_from([1.0, 0.0, 0.3]))
def test_linear_pevi_equals_naive_algorithm_2(m, K, seed, lam, c, xi, scale):
    """:class:`LinearPEVI` equals :func:`naive_pevi` (Jin, Yang and Wang 2021, Algorithm 2,
    written here with explicit loops) to 1e-10 in the Bellman estimate, the penalty ``Gamma``,
    ``Q_hat`` and ``V_hat``, its policy is greedy in ``Q_hat``, and ``beta = penalty_scale c d H
    sqrt(log(2 d H K / xi))`` computed by hand; over datasets of 1 to 150 Bernoulli-reward
    trajectories (so that the clip at ``H - h`` and at 0 both bind)."""
    data = uniform_data(m, K, seed, "bernoulli")
    H, d = m.horizon, m.dim
    beta = scale * c * d * H * math.sqrt(math.log(2 * d * H * K / xi))
    est = LinearPEVI(m, lam=lam, c=c, xi=xi, penalty_scale=scale).fit(data)
    assert_estimate(est, *naive_pevi(m.phi, data, lam, beta), beta, "PEVI")


@pytest.mark.parametrize("divergence", ["tv", "kl", "chi2"])
@settings(max_examples=8)
@given(m=simplex_models(episodic=True, stationary=False, max_states=4),
       K=st.integers(1, 120), seed=st.integers(0, 2 ** 16), rho=st.sampled_from([0.1, 1.0, 5.0]),
       lam=st.sampled_from([1.0, 0.1]), scale=st.sampled_from([1.0, 0.0, 0.05]))
def test_r2pvi_equals_naive_recomputation(divergence, m, K, seed, rho, lam, scale):
    """:class:`R2PVI` equals :func:`naive_r2pvi` (the module's per-factor dual estimates, the
    d-rectangular penalty and the clip to ``[0, H - h]``, recomputed here with loops; the
    chi-square dual maximised by pieces and checked against a grid) to 1e-10 in the Bellman
    estimate, the penalty, ``Q_hat`` and ``V_hat``, for TV, KL and chi-square."""
    data = uniform_data(m, K, seed, "bernoulli")
    H, d = m.horizon, m.dim
    beta = scale * d * H * math.sqrt(math.log(2 * d * H * K / 0.05))
    est = R2PVI(m, divergence=divergence, rho=rho, lam=lam, penalty_scale=scale).fit(data)
    assert_estimate(est, *naive_r2pvi(m.phi, data, lam, beta, divergence, rho), beta,
                    f"R2PVI {divergence}")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_linear_pevi_is_pessimistic_with_default_constant(seed):
    """Pessimism (Jin, Yang and Wang 2021, on the event of Theorem 4.2): with the default ``c =
    1`` and ``xi = 0.05``, ``V_hat_h(s) <= V^{pi_hat}_h(s)`` at every stage and state,
    ``V^{pi_hat}`` computed exactly by :func:`evaluate_policy_linear`. A probabilistic statement
    (it holds with probability >= 1 - xi); tested on three fixed seeds of a 5-state, 3-action,
    d = 2, H = 2 model with 100000 uniform-behaviour trajectories, where the penalty does not
    zero everything (the initial ``V_hat`` is at least 3/4 of the optimum and pi_hat's value at
    least 9/10 of it: the statement is not vacuous there)."""
    m = random_simplex(5, 3, 2, horizon=2, seed=100 + seed)
    data = uniform_data(m, 100000, seed)
    est = LinearPEVI(m).fit(data)
    V_pi = evaluate_policy_linear(m, est.policy)
    assert np.all(est.V <= V_pi + 1e-12), (est.V - V_pi).max()
    v_star = float(m.initial @ solve_linear(m).V[0])
    assert m.initial @ est.V[0] >= 0.75 * v_star
    assert m.initial @ V_pi[0] >= 0.9 * v_star


@pytest.mark.parametrize("divergence", ["tv", "kl", "chi2"])
def test_r2pvi_one_hot_approaches_the_robust_oracle(divergence):
    """R2PVI with one-hot features (each factor one nominal row) and the plug-in penalty scale 0
    converges to :func:`solve_robust_regularized` on the true model (rho = 0.5): with 3000
    trajectories the estimated ``V_hat`` is within 0.03 of the robust-regularised optimum at
    every stage and state, and closer than with 100 trajectories (fixed seeds; a consistency
    statement, not a rate)."""
    fh = FiniteHorizonMDP(np.random.default_rng(7).dirichlet(np.ones(3), size=(3, 2)),
                          np.random.default_rng(8).random((3, 2)), 2, initial=np.ones(3) / 3)
    lm = one_hot(fh)
    want = solve_robust_regularized(lm, PENALTIES[divergence](0.5)).V
    errs = []
    for K in (100, 3000):
        data = collect_episodes(fh, np.full((3, 2), 0.5), K, 1)
        est = R2PVI(lm, divergence=divergence, rho=0.5, penalty_scale=0.0).fit(data)
        errs.append(float(np.abs(est.V - want).max()))
    assert errs[1] <= 0.03 and errs[1] < errs[0], errs


def test_offline_estimators_refuse_bad_input():
    """:class:`LinearPEVI` and :class:`R2PVI` refuse, naming it: lam <= 0, xi outside (0, 1), a
    negative penalty scale, an unknown divergence, rho <= 0, R2PVI features off the simplex,
    data of other dimensions and data that is not episodic trajectories."""
    m = random_simplex(3, 2, 2, horizon=2, seed=0)
    for make, pattern in [(lambda: LinearPEVI(m, lam=0.0), "lam"),
                          (lambda: LinearPEVI(m, xi=1.0), "xi"),
                          (lambda: LinearPEVI(m, penalty_scale=-1.0), "penalty_scale"),
                          (lambda: R2PVI(m, divergence="hellinger"), "divergence"),
                          (lambda: R2PVI(m, rho=0.0), "rho"),
                          (lambda: R2PVI(reparametrise(m, 0)), "simplex")]:
        with pytest.raises(LinearLearnerError, match=pattern):
            make()
    other = random_simplex(4, 2, 2, horizon=2, seed=0)
    with pytest.raises(LinearLearnerError, match="S=4"):
        LinearPEVI(m).fit(uniform_data(other, 5, 0))
    with pytest.raises(LinearLearnerError, match="episodic offline data"):
        R2PVI(m).fit("data")
