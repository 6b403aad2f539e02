"""Robust MDP solvers: certificates against independent references, the limits in the radius,
the contraction of the robust operator, robust-regularised MDPs, finite horizon, input checks.

References used here, none of them the code under test:

* the nominal oracle :func:`rlcert.mdp.solve` (radius 0, ``beta -> inf``);
* a plain numpy value iteration of the ``rho = inf`` adversary, who moves all mass to the lowest
  value on ``supp(p0)`` (KL, chi-square) or anywhere (TV, L-infinity, W1);
* the enumeration of every deterministic policy, each robust value computed by nature's policy
  iteration (:func:`evaluate_policy_robust`, itself checked against cvxpy below for the balls and
  against plain iteration of the penalised ``T_pi`` in ``test_robust_penalty_evaluation.py`` for
  the penalties; its certificate must be tight for the comparison to count), whose maximum is
  the robust optimum for (s,a)-rectangular sets (Iyengar 2005);
* the robust value of a policy as a cvxpy convex program: ``V^pi = argmax sum V`` subject to
  ``V(s) <= r + gamma sigma_s(V)`` (the feasible set is convex because ``sigma`` is concave, and
  ``V^pi`` is its largest element because ``T_pi`` is a monotone contraction), with ``sigma``
  written through its Lagrangian dual for L1, KL and chi-square;
* theorems: contraction, monotonicity, Hoeffding's lemma and Cauchy-Schwarz for the penalties.
"""

from itertools import product

import cvxpy as cp
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from rlcert.mdp import FiniteHorizonMDP, TabularMDP, instances, solve
from rlcert.mdp.errors import InvalidArgumentError, UnsupportedModelError
from rlcert.mdp.robust import (ChiSquareBall, ChiSquarePenalty, KLBall, KLPenalty, L1Ball,
                               LInfBall, TVBall, TVPenalty, UncertaintySet, WassersteinBall,
                               evaluate_policy_robust, robust_bellman, solve_robust,
                               worst_case_kernel)
from rlcert.mdp.strategies import finite_horizon_mdps, tabular_mdps

pytestmark = pytest.mark.filterwarnings("ignore:Solution may be inaccurate")

CLARABEL = dict(solver=cp.CLARABEL, tol_gap_abs=1e-10, tol_gap_rel=1e-10, tol_feas=1e-10)
BALLS = ["l1", "tv", "linf", "kl", "chi2", "w1"]
PENALTIES = ["tv_pen", "kl_pen", "chi2_pen"]
SUPPORT_ONLY = {"kl", "chi2", "kl_pen", "chi2_pen"}


def line_metric(S: int) -> np.ndarray:
    x = np.arange(S, dtype=float)
    return np.abs(x[:, None] - x[None, :]) / max(S - 1, 1)


def make(name: str, param, S: int) -> UncertaintySet:
    return {"l1": L1Ball, "tv": TVBall, "linf": LInfBall, "kl": KLBall, "chi2": ChiSquareBall,
            "tv_pen": TVPenalty, "kl_pen": KLPenalty, "chi2_pen": ChiSquarePenalty,
            "w1": lambda r: WassersteinBall(r, line_metric(S))}[name](param)


def scale(V) -> float:
    return max(1.0, float(np.abs(V).max()))


def infinite_radius_value(m: TabularMDP, support_only: bool) -> np.ndarray:
    """rho = inf: V(s) = max_a r(s, a) + gamma min_{j in J(s, a)} V(j), J = supp(P(s, a)) or all
    states. Plain value iteration to 1e-15 (gamma <= 0.9)."""
    P = m.dense_P()
    mask = P > 0 if support_only else np.ones_like(P, dtype=bool)
    V = np.zeros(m.n_states)
    for _ in range(400):
        inner = np.where(mask, V[None, None, :], np.inf).min(axis=2)
        V = (m.R + m.gamma * inner).max(axis=1)
    return V


def divergence(name: str, p: np.ndarray, p0: np.ndarray) -> float:
    """The set's divergence of p from p0, from its definition (W1: the transport LP)."""
    if name == "l1":
        return float(np.abs(p - p0).sum())
    if name == "tv":
        return float(0.5 * np.abs(p - p0).sum())
    if name == "linf":
        return float(np.abs(p - p0).max())
    if name in ("kl", "chi2"):
        J = p0 > 0
        if np.any(p[~J] > 0):
            return np.inf
        q, q0 = p[J], p0[J]
        if name == "chi2":
            return float(np.sum((q - q0) ** 2 / q0))
        pos = q > 0
        return float(np.sum(q[pos] * np.log(q[pos] / q0[pos])))
    S = p0.shape[0]
    pi = cp.Variable((S, S), nonneg=True)
    prob = cp.Problem(cp.Minimize(cp.sum(cp.multiply(line_metric(S), pi))),
                      [cp.sum(pi, axis=1) == p0, cp.sum(pi, axis=0) == p])
    prob.solve(**CLARABEL)
    return float(prob.value)


def robust_optimum_by_enumeration(m: TabularMDP, U, tol=1e-11):
    """max over deterministic policies of the robust policy value, and the largest certificate."""
    best, err = None, 0.0
    for pi in product(range(m.n_actions), repeat=m.n_states):
        V, cert = evaluate_policy_robust(m, np.array(pi), U, tol=tol, with_certificate=True)
        best = V if best is None else np.maximum(best, V)
        err = max(err, cert)
    return best, err


tiny = tabular_mdps(max_states=3, max_actions=2, gamma=(0.5, 0.9), reward_range=(-1.0, 1.0))
small = tabular_mdps(max_states=5, max_actions=3, gamma=(0.5, 0.9), reward_range=(-1.0, 1.0))


# -- radius 0, radius infinity, monotonicity ---------------------------------------------------

@pytest.mark.parametrize("name", BALLS)
@settings(max_examples=30)
@given(m=small)
def test_radius_zero_is_the_nominal_value(name, m):
    res = solve_robust(m, make(name, 0.0, m.n_states), tol=1e-10)
    ref = solve(m, method="pi", tol=1e-12)
    err = np.abs(res.V - ref.V).max()
    assert err <= res.certificate + res.rounding + ref.certificate + ref.rounding
    assert res.status == "converged"


@pytest.mark.parametrize("name", BALLS)
@settings(max_examples=30)
@given(m=small, radii=st.lists(st.floats(0.0, 3.0), min_size=2, max_size=3))
def test_value_decreases_in_the_radius_between_nominal_and_infinite_radius(name, m, radii):
    S = m.n_states
    nominal = solve(m, method="pi", tol=1e-12).V
    worst = infinite_radius_value(m, name in SUPPORT_ONLY)
    at_inf = solve_robust(m, make(name, np.inf, S), tol=1e-10)
    assert np.abs(at_inf.V - worst).max() <= at_inf.certificate + at_inf.rounding + 1e-12
    prev, prev_err = nominal, 1e-12
    for r in sorted(radii):
        res = solve_robust(m, make(name, r, S), tol=1e-10)
        err = res.certificate + res.rounding
        assert np.all(res.V <= prev + err + prev_err)
        assert np.all(res.V >= worst - err - 1e-12)
        prev, prev_err = res.V, err


# -- the robust operator -----------------------------------------------------------------------

ALL = BALLS + PENALTIES


@st.composite
def param_for(draw, name):
    if name in PENALTIES:
        return draw(st.sampled_from([0.0, np.inf]) | st.floats(1e-3, 1e3))
    return draw(st.sampled_from([0.0, np.inf]) | st.floats(1e-4, 3.0))


@pytest.mark.parametrize("name", ALL)
@given(m=small, data=st.data())
def test_robust_operator_is_a_monotone_gamma_contraction(name, m, data):
    S = m.n_states
    U = make(name, data.draw(param_for(name)), S)
    vec = hnp.arrays(np.float64, S, elements=st.floats(-20.0, 20.0))
    V, W = data.draw(vec), data.draw(vec)
    c = data.draw(st.floats(-5.0, 5.0))
    TV, TW = robust_bellman(m, V, U), robust_bellman(m, W, U)
    slack = 1e-12 * (scale(V) + scale(W)) + m.gamma * (TV.gap + TW.gap)
    assert np.abs(TV.value - TW.value).max() <= m.gamma * np.abs(V - W).max() + slack
    # monotone, and translation by c moves T V by gamma c
    hi = robust_bellman(m, np.maximum(V, W), U).value
    assert np.all(hi >= np.maximum(TV.value, TW.value) - slack)
    shifted = robust_bellman(m, V + c, U).value
    np.testing.assert_allclose(shifted, TV.value + m.gamma * c, rtol=0, atol=slack + 1e-12 * abs(c))


# -- certificates against a second method ------------------------------------------------------

@pytest.mark.parametrize("method", ["vi", "mpi"])
@pytest.mark.parametrize("name", ALL)
@settings(max_examples=20)
@given(m=tiny, data=st.data())
def test_certificate_bounds_the_true_error(method, name, m, data):
    U = make(name, data.draw(param_for(name)), m.n_states)
    ref, ref_err = robust_optimum_by_enumeration(m, U)
    assert ref_err <= 1e-9 * scale(ref)  # a reference with a loose bound would make this vacuous
    loose = solve_robust(m, U, method=method, tol=1e-3)
    assert np.abs(loose.V - ref).max() <= loose.certificate + loose.rounding + ref_err
    # the greedy policy's robust loss
    V_pi, cert_pi = evaluate_policy_robust(m, loose.policy, U, tol=1e-11, with_certificate=True)
    assert np.all(ref - V_pi <= loose.policy_loss_bound + 2 * loose.rounding + ref_err + cert_pi)
    # the actions optimal for the reference are flagged
    Q_ref = robust_bellman(m, ref, U).Q
    assert np.all(loose.optimal_actions[np.arange(m.n_states), np.argmax(Q_ref, axis=1)])
    tight = solve_robust(m, U, method=method, tol=1e-10)
    assert np.abs(tight.V - ref).max() <= tight.certificate + tight.rounding + ref_err
    assert tight.status == "converged"


def test_a_long_run_agrees_with_modified_policy_iteration():
    m = instances.garnet(40, 3, 5, seed=4, gamma=0.95)
    for U in (L1Ball(0.3), LInfBall(0.05), KLBall(0.2), ChiSquareBall(0.3),
              WassersteinBall(0.2, line_metric(40)), KLPenalty(0.5)):
        vi = solve_robust(m, U, method="vi", tol=1e-9)
        mpi = solve_robust(m, U, method="mpi", tol=1e-9)
        assert vi.status == mpi.status == "converged"
        gap = np.abs(vi.V - mpi.V).max()
        assert gap <= vi.certificate + mpi.certificate + vi.rounding + mpi.rounding


# -- robust policy evaluation against cvxpy ---------------------------------------------------

def cvxpy_robust_policy_value(m: TabularMDP, pi, name: str, rho: float) -> np.ndarray:
    """``max sum V`` s.t. ``V(s) <= r(s, pi(s)) + gamma sigma_s(V)`` with ``sigma`` in dual form:

    * L1 (radius rho): ``max_{y, lam >= 0} y - lam rho + sum_j p0_j min(V_j - y, lam)`` subject to
      ``V_j >= y - lam`` for every state ``j``;
    * KL: ``max_{z, lam > 0} z - lam rho`` subject to ``sum_j p0_j lam exp((z - V_j)/lam) <= lam``
      (that is, ``z <= -lam log E_p0 exp(-V/lam)``);
    * chi-square: ``max_eta eta - sqrt(1 + rho) ||(eta - V)_+||_{L2(p0)}``.
    """
    S = m.n_states
    P = m.dense_P()
    V = cp.Variable(S)
    cons = []
    for s in range(S):
        a = pi[s]
        p0 = P[s, a]
        J = np.flatnonzero(p0 > 0)
        if name == "l1":
            y, lam = cp.Variable(), cp.Variable(nonneg=True)
            sigma = y - lam * rho + p0 @ cp.minimum(V - y, lam)
            cons.append(V >= y - lam)
        elif name == "kl":
            z, lam, u = cp.Variable(), cp.Variable(nonneg=True), cp.Variable(J.size)
            sigma = z - lam * rho
            cons += [cp.constraints.ExpCone(z - V[J], lam * np.ones(J.size), u),
                     p0[J] @ u <= lam]
        else:
            eta, t, w = cp.Variable(), cp.Variable(), cp.Variable(J.size, nonneg=True)
            sigma = eta - np.sqrt(1.0 + rho) * t
            cons += [w >= eta - V[J], cp.norm(cp.multiply(np.sqrt(p0[J]), w)) <= t]
        cons.append(V[s] <= m.R[s, a] + m.gamma * sigma)
    prob = cp.Problem(cp.Maximize(cp.sum(V)), cons)
    prob.solve(**CLARABEL)
    assert prob.status in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE), prob.status
    return np.asarray(V.value)


@pytest.mark.parametrize("name", ["l1", "kl", "chi2"])
@settings(max_examples=25)
@given(m=small, data=st.data())
def test_robust_policy_value_matches_cvxpy(name, m, data):
    rho = data.draw(st.floats(0.01, 1.0))
    pi = np.array(data.draw(st.lists(st.integers(0, m.n_actions - 1), min_size=m.n_states,
                                     max_size=m.n_states)))
    U = {"l1": L1Ball, "kl": KLBall, "chi2": ChiSquareBall}[name](rho)
    V, cert = evaluate_policy_robust(m, pi, U, with_certificate=True)
    ref = cvxpy_robust_policy_value(m, pi, name, rho)
    assert np.abs(V - ref).max() <= 1e-7 * scale(ref)
    assert cert <= 1e-9


# -- robust-regularised MDPs ----------------------------------------------------------------------

@pytest.mark.parametrize("name", PENALTIES)
@settings(max_examples=30)
@given(m=small, betas=st.lists(st.floats(1e-2, 1e6), min_size=2, max_size=3))
def test_regularised_value_increases_to_the_nominal_value(name, m, betas):
    """V_beta <= V_nom, non-decreasing in beta, and V_nom - V_beta <= gamma c / (1 - gamma) with
    c = span^2 / (8 beta) (KL, Hoeffding), span^2 / (16 beta) (chi-square: Var <= span^2 / 4),
    0 once beta >= span (TV); span = (max r - min r) / (1 - gamma) bounds the span of every
    value."""
    g = m.gamma
    nominal = solve(m, method="pi", tol=1e-12)
    span = (m.R.max() - m.R.min()) / (1 - g)
    prev, prev_err = None, 0.0
    for beta in sorted(betas):
        res = solve_robust(m, make(name, beta, m.n_states), tol=1e-10)
        err = res.certificate + res.rounding + nominal.certificate + nominal.rounding
        if name == "kl_pen":
            c = span ** 2 / (8 * beta)
        elif name == "chi2_pen":
            c = span ** 2 / (16 * beta)
        else:
            c = 0.0 if beta >= span else np.inf
        assert np.all(res.V <= nominal.V + err)
        assert np.all(nominal.V - res.V <= g * c / (1 - g) + err)
        if prev is not None:
            assert np.all(res.V >= prev - err - prev_err)
        prev, prev_err = res.V, res.certificate + res.rounding


# -- the worst-case kernel -------------------------------------------------------------------------

@pytest.mark.parametrize("name", ALL)
@settings(max_examples=30)
@given(m=small, data=st.data())
def test_worst_case_kernel_is_feasible_and_attains_Q(name, m, data):
    param = data.draw(param_for(name))
    U = make(name, param, m.n_states)
    res = solve_robust(m, U, tol=1e-9)
    W = res.worst_case.toarray().reshape(m.dense_P().shape) if m.is_sparse else res.worst_case
    P = m.dense_P()
    assert W.min() >= 0 and np.allclose(W.sum(axis=2), 1.0, atol=1e-12, rtol=0)
    if name in SUPPORT_ONLY:
        assert np.all(W[P == 0] == 0)
    sigma = (res.Q - m.R) / m.gamma
    for s in range(m.n_states):
        for a in range(m.n_actions):
            value, _ = U.worst_case(P[s, a], res.V)
            assert abs(res.Q[s, a] - (m.R[s, a] + m.gamma * value)) <= 1e-12 * scale(res.Q)
            if name in BALLS:
                assert abs(W[s, a] @ res.V - sigma[s, a]) <= 1e-10 * scale(res.V)
                # W1 is measured by a cvxpy transport LP, accurate to about its tolerance 1e-10
                slack = 1e-9 if name == "w1" else 1e-12
                assert divergence(name, W[s, a], P[s, a]) <= param * (1 + 1e-9) + slack
    np.testing.assert_array_equal(
        worst_case_kernel(m, res.V, U).toarray() if m.is_sparse else
        worst_case_kernel(m, res.V, U), res.worst_case.toarray() if m.is_sparse else W)


@pytest.mark.parametrize("name", ALL)
@settings(max_examples=20)
@given(m=tabular_mdps(max_states=5, max_actions=3, gamma=(0.5, 0.9), sparse=False),
       data=st.data())
def test_sparse_and_dense_storage_agree(name, m, data):
    U = make(name, data.draw(param_for(name)), m.n_states)
    a, b = solve_robust(m, U, tol=1e-10), solve_robust(m.to_sparse(), U, tol=1e-10)
    np.testing.assert_allclose(a.V, b.V, rtol=0, atol=1e-12 * scale(a.V))
    assert sp.issparse(b.worst_case) and not sp.issparse(a.worst_case)
    np.testing.assert_allclose(b.worst_case.toarray().reshape(a.worst_case.shape), a.worst_case,
                               atol=1e-12)


@given(m=small, data=st.data())
def test_per_pair_radii_are_the_pairs_own_sets(m, data):
    S, A = m.n_states, m.n_actions
    radii = data.draw(hnp.arrays(np.float64, (S, A), elements=st.floats(0.0, 2.0)))
    V = data.draw(hnp.arrays(np.float64, S, elements=st.floats(-5.0, 5.0)))
    P = m.dense_P()
    for cls in (KLBall, L1Ball, LInfBall):
        Q = robust_bellman(m, V, cls(radii)).Q
        for s, a in product(range(S), range(A)):
            expected = m.R[s, a] + m.gamma * cls(radii[s, a]).worst_case(P[s, a], V).value
            assert abs(Q[s, a] - expected) <= 1e-13 * scale(Q)


# -- user-defined sets ---------------------------------------------------------------------------

class Nominal(UncertaintySet):
    """U(s, a) = {p0}."""

    def worst_case(self, p0, V):
        return float(np.dot(p0, V)), np.asarray(p0, dtype=float)


class SupportMinimum(UncertaintySet):
    """U(s, a) = the simplex on supp(p0): the rho = inf limit of the KL ball."""

    def worst_case(self, p0, V):
        J = np.flatnonzero(np.asarray(p0) > 0)
        j = J[np.argmin(np.asarray(V)[J])]
        return float(V[j]), np.eye(len(p0))[j]


@settings(max_examples=20)
@given(m=small)
def test_a_user_defined_set_is_solved_row_by_row(m):
    nominal = solve_robust(m, Nominal(), tol=1e-10)
    ref = solve(m, method="pi", tol=1e-12)
    assert np.abs(nominal.V - ref.V).max() <= nominal.certificate + nominal.rounding + 1e-12
    pessimistic = solve_robust(m, SupportMinimum(), method="mpi", tol=1e-10)
    worst = infinite_radius_value(m, support_only=True)
    assert np.abs(pessimistic.V - worst).max() <= pessimistic.certificate + pessimistic.rounding
    W = pessimistic.worst_case.toarray() if m.is_sparse else pessimistic.worst_case.reshape(
        m.n_states * m.n_actions, m.n_states)
    assert np.all(W.max(axis=1) == 1.0)


# -- finite horizon --------------------------------------------------------------------------------

fh_tiny = finite_horizon_mdps(max_states=2, max_actions=2, max_horizon=3,
                              reward_range=(-1.0, 1.0))


@pytest.mark.parametrize("name", ALL)
@settings(max_examples=20)
@given(fh=fh_tiny, data=st.data())
def test_robust_backward_induction_is_the_best_markov_policy(name, fh, data):
    """Brute force over every deterministic Markov policy, each evaluated robustly."""
    S, A, H = fh.n_states, fh.n_actions, fh.horizon
    U = make(name, data.draw(param_for(name)), S)
    res = solve_robust(fh, U)
    best = None
    for flat in product(range(A), repeat=S * H):
        V = evaluate_policy_robust(fh, np.array(flat).reshape(H, S), U)
        best = V if best is None else np.maximum(best, V)
    np.testing.assert_allclose(res.V, best, rtol=0, atol=res.certificate + 1e-12 * scale(best))
    V_pol, cert = evaluate_policy_robust(fh, res.policy, U, with_certificate=True)
    np.testing.assert_allclose(V_pol, res.V, rtol=0, atol=cert + res.certificate)
    # the worst-case kernel of each stage attains Q for the balls
    W = res.worst_case if not fh.is_sparse else np.stack(
        [w.toarray().reshape(S, A, S) for w in res.worst_case])
    if name in BALLS:
        for h in range(H):
            np.testing.assert_allclose(fh.R[h] + fh.gamma * W[h] @ res.V[h + 1], res.Q[h],
                                       rtol=0, atol=1e-12 * scale(res.Q))


@settings(max_examples=20)
@given(fh=finite_horizon_mdps(max_states=4, max_actions=3, max_horizon=4), data=st.data())
def test_finite_horizon_radius_zero_and_per_stage_radii(fh, data):
    nominal = solve(fh)
    for name in BALLS:
        res = solve_robust(fh, make(name, 0.0, fh.n_states))
        np.testing.assert_allclose(res.V, nominal.V, rtol=0,
                                   atol=res.certificate + nominal.certificate)
    H, S, A = fh.horizon, fh.n_states, fh.n_actions
    radii = data.draw(hnp.arrays(np.float64, (H, S, A), elements=st.floats(0.0, 1.0)))
    res = solve_robust(fh, KLBall(radii))
    for h in range(H):
        step = robust_bellman(fh, res.V[h + 1], KLBall(radii[h]), stage=h)
        np.testing.assert_allclose(step.value, res.V[h], rtol=0, atol=1e-13 * scale(res.V))


# -- input checks ----------------------------------------------------------------------------------

def test_bad_inputs_are_refused_by_name():
    m = instances.riverswim(4, gamma=0.9)
    with pytest.raises(UnsupportedModelError, match="gamma=None"):
        solve_robust(m.with_gamma(None), KLBall(0.1))
    with pytest.raises(UnsupportedModelError, match="gamma=1.0"):
        solve_robust(m.with_gamma(1.0), KLBall(0.1))
    with pytest.raises(InvalidArgumentError, match="method='pi'"):
        solve_robust(m, KLBall(0.1), method="pi")
    with pytest.raises(InvalidArgumentError, match="UncertaintySet"):
        solve_robust(m, 0.1)
    with pytest.raises(InvalidArgumentError, match=r"radius has shape \(3, 2\)"):
        solve_robust(m, KLBall(np.full((3, 2), 0.1)))
    with pytest.raises(InvalidArgumentError, match="metric is for 3 states"):
        solve_robust(m, WassersteinBall(0.1, line_metric(3)))
    with pytest.raises(InvalidArgumentError, match="tol"):
        solve_robust(m, KLBall(0.1), tol=0.0)
    with pytest.raises(InvalidArgumentError, match="inner"):
        solve_robust(m, KLBall(0.1), method="mpi", inner=0)
    with pytest.raises(InvalidArgumentError, match=r"V must have shape \(4,\)"):
        robust_bellman(m, np.zeros(3), KLBall(0.1))
    with pytest.raises(InvalidArgumentError, match="stage"):
        robust_bellman(m, np.zeros(4), KLBall(0.1), stage=0)
    fh = FiniteHorizonMDP.from_tabular(m, horizon=3)
    with pytest.raises(InvalidArgumentError, match="stage is required"):
        robust_bellman(fh, np.zeros(4), KLBall(0.1))
    with pytest.raises(InvalidArgumentError, match=r"stage=3 is not in \[0, 3\)"):
        robust_bellman(fh, np.zeros(4), KLBall(0.1), stage=3)

    class Broken(UncertaintySet):
        def worst_case(self, p0, V):
            return np.nan, p0

    with pytest.raises(InvalidArgumentError, match="Broken.worst_case returned the value nan"):
        solve_robust(m, Broken())

    class StateRectangular(Nominal):
        rectangularity = "s"

    with pytest.raises(UnsupportedModelError, match="'s'-rectangular"):
        solve_robust(m, StateRectangular())


def test_riverswim_robust_values_by_hand():
    """gamma = 0: V = max_a r(s, a) + 0, whatever the set; and at gamma > 0 a TV radius of 1
    lets nature send every pair to the worst state, so V(s) = max_a r(s, a) + gamma V(worst)."""
    m = instances.riverswim(5, gamma=0.0)
    np.testing.assert_array_equal(solve_robust(m, TVBall(0.3)).V, m.R.max(axis=1))
    m = instances.riverswim(5, gamma=0.9)
    res = solve_robust(m, TVBall(1.0), tol=1e-12)
    r = m.R.max(axis=1)
    v_worst = r.min() / (1 - 0.9)  # the worst state's value: its best reward forever
    np.testing.assert_allclose(res.V, r + 0.9 * v_worst, atol=1e-10)
